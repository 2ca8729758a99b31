"""Reading and changing the working-day calendar."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xietong.access.policies import can_manage_calendar
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.calendar import CalendarEntry, WorkCalendar, load_shipped_entries
from xietong.core.errors import CalendarYearMissing, NotFound, ValidationError

from .models import CalendarDay, CalendarYear, DayKind

_memo: dict[tuple, WorkCalendar] = {}


def current_calendar() -> WorkCalendar:
    """The calendar built from the database, rebuilt whenever an administrator changes it.

    The version is read from the database (one small query) so that every server process
    sees a change at once.
    """
    version = tuple(CalendarYear.objects.values_list("year", "updated_at"))
    cal = _memo.get(version)
    if cal is None:
        holidays, makeups = {}, {}
        for day, kind, name in CalendarDay.objects.values_list("day", "kind", "name"):
            (holidays if kind == DayKind.HOLIDAY else makeups)[day] = name
        years = set(CalendarYear.objects.values_list("year", flat=True))
        cal = WorkCalendar(holidays=holidays, makeup_workdays=makeups, years=years)
        _memo.clear()
        _memo[version] = cal
    return cal


def _gaps_path() -> Path:
    return Path(settings.XIETONG_HOME) / "calendar" / "gaps.json"


def _note_gap(year: int) -> None:
    """Remember that a deadline asked about a year with no data, for the administrator.

    Kept in a file, not the database: the caller's transaction is usually rolled back by
    the very error being reported.
    """
    path = _gaps_path()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        data = {}
    entry = data.setdefault(
        str(year), {"first": timezone.now().isoformat(), "count": 0}
    )
    entry["count"] += 1
    entry["last"] = timezone.now().isoformat()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` on the official calendar."""
    try:
        return current_calendar().add_workdays(start, n)
    except CalendarYearMissing as exc:
        _note_gap(exc.year)
        raise


def workdays_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b``."""
    try:
        return current_calendar().workdays_between(a, b)
    except CalendarYearMissing as exc:
        _note_gap(exc.year)
        raise


def asked_missing_years() -> dict[int, dict]:
    """Years some deadline asked about that still have no data, with how often."""
    path = _gaps_path()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return {}
    loaded = set(CalendarYear.objects.values_list("year", flat=True))
    return {int(y): v for y, v in data.items() if int(y) not in loaded}


def missing_years(today: dt.date | None = None) -> list[int]:
    """Years the administrator must load: this year, next year from October, and every
    year a deadline has already asked about."""
    today = today or dt.date.today()
    loaded = set(CalendarYear.objects.values_list("year", flat=True))
    wanted = {today.year} | ({today.year + 1} if today.month >= 10 else set())
    wanted |= set(asked_missing_years())
    return sorted(y for y in wanted if y not in loaded)


def _check_actor(actor) -> None:
    if actor is not None and not can_manage_calendar(actor):
        raise NotFound()


@transaction.atomic
def calendar_import(*, actor, entries: list[CalendarEntry], source: str) -> list[int]:
    """Replace the data of every year present in ``entries``; returns those years."""
    _check_actor(actor)
    if not entries:
        raise ValidationError("文件中没有任何日期记录。", fields={"file": "文件为空"})
    years = sorted({e.day.year for e in entries})
    CalendarDay.objects.filter(day__year__in=years).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(day=e.day, kind=e.kind, name=e.name) for e in entries
    )
    for year in years:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    audit_record(
        actor=actor,
        action=Action.IMPORT,
        object_type="workdays.calendaryear",
        object_id=",".join(map(str, years)),
        object_repr=f"工作日历 {'、'.join(map(str, years))} 年",
        summary={"来源": source, "条数": len(entries)},
    )
    return years


@transaction.atomic
def calendar_day_set(*, actor, day: dt.date, kind: str | None, name: str = "") -> None:
    """Mark one day a holiday or a make-up working day, or (kind None) a normal day."""
    _check_actor(actor)
    if not CalendarYear.objects.filter(year=day.year).exists():
        raise ValidationError(
            f"{day.year} 年的日历尚未建立，请先导入该年度数据。",
            fields={"day": "年度未建立"},
        )
    old = CalendarDay.objects.filter(day=day).first()
    before = f"{old.get_kind_display()} {old.name}" if old else "正常"
    if kind is None:
        if old:
            old.delete()
        after = "正常"
    else:
        if kind not in DayKind.values:
            raise ValidationError(
                "类型只能是法定节假日或调休上班。", fields={"kind": "类型无效"}
            )
        if not name.strip():
            raise ValidationError(
                "请填写名称（如：国庆节）。", fields={"name": "名称必填"}
            )
        CalendarDay.objects.update_or_create(
            day=day, defaults={"kind": kind, "name": name.strip()}
        )
        after = f"{DayKind(kind).label} {name.strip()}"
    audit_record(
        actor=actor,
        action=Action.CONFIG,
        object_type="workdays.calendarday",
        object_id=day.isoformat(),
        object_repr=f"工作日历 {day.isoformat()}",
        summary={"原": before, "新": after},
    )
    CalendarYear.objects.get(year=day.year).save(update_fields=["updated_at"])


def calendar_load_shipped(*, actor=None) -> list[int]:
    """Load the calendars shipped with the platform (2025, 2026) for years not yet present."""
    entries = [
        e
        for e in load_shipped_entries()
        if not CalendarYear.objects.filter(year=e.day.year).exists()
    ]
    if not entries:
        return []
    return calendar_import(
        actor=actor, entries=entries, source="随平台发布的国务院办公厅通知"
    )
