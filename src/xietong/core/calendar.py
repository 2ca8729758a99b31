"""The working-day calendar: 法定节假日, 调休上班 and deadline arithmetic.

Plain Python (no Django) so that deadline rules can be tested exhaustively and reused
by the importer, the API and the CLI. The shipped CSV files transcribe the State
Council notices: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，
2024-11-12）and 国务院办公厅关于2026年部分节假日安排的通知（2025-11-04）.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Literal

from xietong.core.errors import CalendarYearMissing, ValidationError

Kind = Literal["holiday", "workday"]

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

# Spellings seen in spreadsheets people actually upload; compared case-folded.
_KIND_ALIASES: dict[str, Kind] = {
    "holiday": "holiday",
    "放假": "holiday",
    "休": "holiday",
    "休息": "holiday",
    "节假日": "holiday",
    "法定节假日": "holiday",
    "workday": "workday",
    "上班": "workday",
    "班": "workday",
    "补班": "workday",
    "调休上班": "workday",
    "调休": "workday",
}
_DEFAULT_NAMES: dict[Kind, str] = {"holiday": "法定节假日", "workday": "调休上班"}
_HEADER_ALIASES = (("date", "日期"), ("kind", "类型"), ("name", "名称"))

_DATE_SEPARATED = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class CalendarEntry:
    """One line of an official calendar: a day off or a make-up working day."""

    day: date
    kind: Kind
    name: str


class WorkCalendar:
    """Answers "is this a working day" and adds working days, for loaded years only."""

    def __init__(
        self,
        holidays: dict[date, str],
        makeup_workdays: dict[date, str],
        years: Iterable[int],
    ):
        clash = sorted(set(holidays) & set(makeup_workdays))
        if clash:
            days = "、".join(d.isoformat() for d in clash)
            raise ValidationError(
                f"工作日历数据矛盾：{days} 同时被标为放假和上班。",
                fields={d.isoformat(): "同时被标为放假和上班" for d in clash},
            )
        self.holidays = dict(holidays)
        self.makeup_workdays = dict(makeup_workdays)
        self.years = frozenset(years)
        # One sorted array of the ordinals of every working day in the loaded years:
        # adding or counting working days then costs two binary searches.
        ordinals: list[int] = []
        for year in sorted(self.years):
            day = date(year, 1, 1)
            while day.year == year:
                if self._is_workday_unchecked(day):
                    ordinals.append(day.toordinal())
                day += timedelta(days=1)
        self._ordinals = ordinals

    @classmethod
    def from_entries(
        cls, entries: Iterable[CalendarEntry], *, years: Iterable[int] | None = None
    ) -> WorkCalendar:
        """Build a calendar from parsed entries; years default to those they cover."""
        entries = list(entries)
        holidays = {e.day: e.name for e in entries if e.kind == "holiday"}
        workdays = {e.day: e.name for e in entries if e.kind == "workday"}
        if years is None:
            years = {e.day.year for e in entries}
        return cls(holidays, workdays, years)

    def _is_workday_unchecked(self, d: date) -> bool:
        if d in self.makeup_workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def _require_years(self, first: int, last: int) -> None:
        """Raise CalendarYearMissing for the first year in [first, last] not loaded."""
        for year in range(first, last + 1):
            if year not in self.years:
                raise CalendarYearMissing(year)

    def is_workday(self, d: date) -> bool:
        """Whether d is a working day (调休上班 counts, 法定节假日 does not)."""
        self._require_years(d.year, d.year)
        return self._is_workday_unchecked(d)

    def add_workdays(self, start: date, n: int) -> date:
        """Return the n-th working day after start (start itself never counts)."""
        if n < 0:
            message = f"工作日数不能为负数，实为 {n}"
            raise ValidationError(message, fields={"工作日数": message})
        if n == 0:
            return start
        # Only days after start are examined, so start's own year need not be loaded.
        first_year = start.year + (1 if (start.month, start.day) == (12, 31) else 0)
        self._require_years(first_year, first_year)
        index = bisect_right(self._ordinals, start.toordinal()) + n - 1
        if index >= len(self._ordinals):
            # Ran off the end of the loaded data: name the first year we lack.
            year = first_year
            while year in self.years:
                year += 1
            raise CalendarYearMissing(year)
        result = date.fromordinal(self._ordinals[index])
        # The array silently skips years that were never loaded; refuse to jump them.
        self._require_years(first_year, result.year)
        return result

    def workdays_between(self, a: date, b: date) -> int:
        """Count working days in (a, b]: after a, up to and including b."""
        if b <= a:
            return 0
        first_year = (a + timedelta(days=1)).year
        self._require_years(first_year, b.year)
        return bisect_right(self._ordinals, b.toordinal()) - bisect_right(
            self._ordinals, a.toordinal()
        )


def _parse_day(text: str) -> date:
    """Parse 2026-10-01, 2026/10/1, 20261001 or 2026年10月1日; ValueError if not."""
    match = _DATE_SEPARATED.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if not match:
        raise ValueError(
            f"日期“{text}”格式无法识别，应为 2026-10-01、2026/10/1 或 20261001"
        )
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"日期“{text}”不是真实存在的日期") from None


def _is_header(cells: list[str]) -> bool:
    wanted = [c.strip().lower() for c in cells[:3]]
    return len(wanted) == 3 and all(
        cell in aliases for cell, aliases in zip(wanted, _HEADER_ALIASES, strict=True)
    )


def parse_calendar_file(text: str) -> list[CalendarEntry]:
    """Parse a date,kind,name CSV; every bad row is reported in one ValidationError."""
    # Full-width digits and the BOM Excel writes are folded away before parsing.
    text = unicodedata.normalize("NFKC", text).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    errors: dict[int, str] = {}
    entries: list[CalendarEntry] = []
    seen: dict[date, tuple[int, Kind]] = {}
    header_seen = False

    for cells in reader:
        row = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue  # blank lines and comments
        if not header_seen:
            header_seen = True
            if _is_header(cells) and not any(cells[3:]):
                continue
            errors[row] = "表头应为“date,kind,name”（或“日期,类型,名称”）"
            continue
        while cells and not cells[-1]:
            cells.pop()  # trailing empty cells from spreadsheet exports
        if len(cells) < 2:
            errors[row] = "缺少“类型”列：每行应为 日期,类型,名称"
            continue
        if len(cells) > 3:
            errors[row] = f"列数过多：应为 3 列（日期,类型,名称），实为 {len(cells)} 列"
            continue
        problems = []
        try:
            day = _parse_day(cells[0])
        except ValueError as exc:
            problems.append(str(exc))
            day = None
        kind = _KIND_ALIASES.get(cells[1].lower())
        if kind is None:
            problems.append(
                f"类型“{cells[1]}”无法识别，应为 holiday/放假 或 workday/上班/补班"
            )
        if day is not None and kind is not None:
            if day in seen:
                other_row, other_kind = seen[day]
                if other_kind == kind:
                    problems.append(
                        f"日期 {day.isoformat()} 重复（第 {other_row} 行已有）"
                    )
                else:
                    problems.append(
                        f"日期 {day.isoformat()} 同时被标为放假和上班"
                        f"（见第 {other_row} 行）"
                    )
            elif kind == "workday" and day.weekday() < 5:
                # A make-up day on a weekday changes nothing: almost surely a typo.
                problems.append(
                    f"调休上班日 {day.isoformat()} 是{WEEKDAY_NAMES[day.weekday()]}，"
                    "本来就是工作日"
                )
            else:
                seen[day] = (row, kind)
        if problems:
            errors[row] = "；".join(problems)
            continue
        name = cells[2] if len(cells) > 2 and cells[2] else _DEFAULT_NAMES[kind]
        entries.append(CalendarEntry(day=day, kind=kind, name=name))

    if not header_seen:
        message = "工作日历文件为空：第一行应为表头“date,kind,name”"
        raise ValidationError(message, fields={"第1行": message})
    if errors:
        lines = [f"第 {row} 行：{reason}" for row, reason in sorted(errors.items())]
        raise ValidationError(
            f"工作日历文件有 {len(errors)} 行错误：" + "；".join(lines),
            fields={f"第{row}行": reason for row, reason in sorted(errors.items())},
        )
    return entries


def load_shipped_entries() -> list[CalendarEntry]:
    """Read every calendar file shipped in xietong/core/data (holidays_YYYY.csv)."""
    folder = resources.files("xietong.core").joinpath("data")
    names = sorted(
        item.name
        for item in folder.iterdir()
        if item.name.startswith("holidays_") and item.name.endswith(".csv")
    )
    entries: list[CalendarEntry] = []
    for name in names:
        entries.extend(parse_calendar_file(folder.joinpath(name).read_text("utf-8")))
    return entries
