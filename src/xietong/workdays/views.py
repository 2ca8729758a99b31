"""The working-day calendar: a year at a glance, day edits and file import (系统管理员)."""

from __future__ import annotations

import calendar as pycal
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.core.calendar import parse_calendar_file
from xietong.core.errors import ApplicationError, ValidationError

from . import services
from .models import CalendarDay, CalendarYear, DayKind


def _year_grid(year: int, days: dict[dt.date, CalendarDay]) -> list[dict]:
    months = []
    cal = pycal.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            cells = []
            for d in week:
                special = days.get(d)
                cells.append(
                    {
                        "date": d,
                        "in_month": d.month == month,
                        "kind": special.kind
                        if special
                        else ("weekend" if d.weekday() >= 5 else "work"),
                        "name": special.name if special else "",
                    }
                )
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


@login_required
def calendar_view(request):
    policies.require(policies.can_view_calendar(request.user))
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    loaded = CalendarYear.objects.filter(year=year).first()
    days = {d.day: d for d in CalendarDay.objects.filter(day__year=year)}
    result = error = None
    start_s, n_s = request.GET.get("start", ""), request.GET.get("n", "")
    if start_s or n_s:
        try:
            start = dt.date.fromisoformat(start_s)
            n = int(n_s)
            result = {"start": start, "n": n, "end": services.add_workdays(start, n)}
        except ValueError:
            error = "起始日期应为 2026-09-28 格式，工作日数应为非负整数。"
        except ApplicationError as exc:
            error = exc.message
    return render(
        request,
        "workdays/calendar.html",
        {
            "year": year,
            "loaded": loaded,
            "years": CalendarYear.objects.all(),
            "months": _year_grid(year, days) if loaded else [],
            "specials": sorted(days.values(), key=lambda d: d.day),
            "can_manage": policies.can_manage_calendar(request.user),
            "missing": services.missing_years(today)
            if policies.can_manage_calendar(request.user)
            else [],
            "kinds": DayKind.choices,
            "result": result,
            "calc_error": error,
        },
    )


@login_required
@require_POST
def calendar_day(request):
    policies.require(policies.can_manage_calendar(request.user))
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        messages.error(request, "日期格式应为 2026-10-01。")
        return redirect("workdays:calendar")
    kind = request.POST.get("kind") or None
    try:
        services.calendar_day_set(
            actor=request.user, day=day, kind=kind, name=request.POST.get("name", "")
        )
        messages.success(request, f"已更新 {day.isoformat()}")
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect(f"/calendar/?year={day.year}")


@login_required
@require_POST
def calendar_import(request):
    policies.require(policies.can_manage_calendar(request.user))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择要导入的日历文件（CSV：date,kind,name）。")
        return redirect("workdays:calendar")
    if upload.size > 1_000_000:
        messages.error(request, "日历文件过大（上限 1 MB）。")
        return redirect("workdays:calendar")
    raw = upload.read()
    try:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gbk")
        entries = parse_calendar_file(text)
        years = services.calendar_import(
            actor=request.user, entries=entries, source=upload.name[:128]
        )
    except UnicodeDecodeError:
        messages.error(request, "文件编码无法识别，请使用 UTF-8 或 GBK 编码的 CSV。")
        return redirect("workdays:calendar")
    except ValidationError as exc:
        messages.error(request, exc.message)
        for row, reason in exc.fields.items():
            messages.error(request, f"{row}：{reason}")
        return redirect("workdays:calendar")
    messages.success(
        request, f"已导入 {'、'.join(map(str, years))} 年日历，共 {len(entries)} 天。"
    )
    return redirect(f"/calendar/?year={years[0]}")
