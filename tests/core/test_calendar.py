"""Working-day calendar: official 2025/2026 data, deadline arithmetic, CSV import."""

import time
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xietong.core.calendar import (
    CalendarEntry,
    WorkCalendar,
    load_shipped_entries,
    parse_calendar_file,
)
from xietong.core.errors import CalendarYearMissing, ValidationError

ENTRIES = load_shipped_entries()
CAL = WorkCalendar.from_entries(ENTRIES)

MAKEUP_2026 = {
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
}
MAKEUP_2025 = {
    date(2025, 1, 26),
    date(2025, 2, 8),
    date(2025, 4, 27),
    date(2025, 9, 28),
    date(2025, 10, 11),
}


def span(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


HOLIDAYS_2026 = (
    span(date(2026, 1, 1), date(2026, 1, 3))
    | span(date(2026, 2, 15), date(2026, 2, 23))
    | span(date(2026, 4, 4), date(2026, 4, 6))
    | span(date(2026, 5, 1), date(2026, 5, 5))
    | span(date(2026, 6, 19), date(2026, 6, 21))
    | span(date(2026, 9, 25), date(2026, 9, 27))
    | span(date(2026, 10, 1), date(2026, 10, 7))
)
HOLIDAYS_2025 = (
    {date(2025, 1, 1)}
    | span(date(2025, 1, 28), date(2025, 2, 4))
    | span(date(2025, 4, 4), date(2025, 4, 6))
    | span(date(2025, 5, 1), date(2025, 5, 5))
    | span(date(2025, 5, 31), date(2025, 6, 2))
    | span(date(2025, 10, 1), date(2025, 10, 8))
)

loaded_days = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
# Start one day early too: counting begins the day after start.
starts = st.dates(min_value=date(2024, 12, 31), max_value=date(2026, 12, 31))
# Starts within 2025: 2026 alone has 248 working days, so n <= 240 stays loaded.
early_starts = st.dates(min_value=date(2024, 12, 31), max_value=date(2025, 12, 31))


def naive_add(cal: WorkCalendar, start: date, n: int) -> date:
    """Day-by-day reference for add_workdays."""
    day, count = start, 0
    while count < n:
        day += timedelta(days=1)
        if cal.is_workday(day):
            count += 1
    return day


# --- shipped data -----------------------------------------------------------


def test_shipped_data_matches_state_council_notices():
    by_kind = {
        kind: {e.day for e in ENTRIES if e.kind == kind}
        for kind in ("holiday", "workday")
    }
    assert by_kind["workday"] == MAKEUP_2025 | MAKEUP_2026
    assert by_kind["holiday"] == HOLIDAYS_2025 | HOLIDAYS_2026
    assert CAL.years == {2025, 2026}


def test_makeup_days_are_workdays_and_holidays_are_not():
    for day in MAKEUP_2025 | MAKEUP_2026:
        assert day.weekday() >= 5, day  # 调休上班 always falls on a weekend
        assert CAL.is_workday(day)
    for day in HOLIDAYS_2025 | HOLIDAYS_2026:
        assert not CAL.is_workday(day)


def test_ordinary_days_follow_the_week():
    assert CAL.is_workday(date(2026, 3, 2))  # Monday
    assert not CAL.is_workday(date(2026, 3, 7))  # Saturday
    assert not CAL.is_workday(date(2026, 3, 8))  # Sunday


def test_each_year_has_248_working_days():
    # 261 weekdays; 2025: −18 weekday holidays +5 make-up, 2026: −19 +6.
    assert CAL.workdays_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert CAL.workdays_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


# --- add_workdays / workdays_between ----------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 28), 15, date(2026, 10, 23)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2025, 9, 30), 1, date(2025, 10, 9)),
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
        (date(2026, 3, 6), 1, date(2026, 3, 9)),  # Friday → Monday
        (date(2026, 3, 7), 0, date(2026, 3, 7)),  # n=0 is start, even on a weekend
    ],
)
def test_known_deadlines(start, n, expected):
    assert CAL.add_workdays(start, n) == expected
    assert CAL.workdays_between(start, expected) == n


def test_negative_count_is_rejected():
    with pytest.raises(ValidationError) as exc:
        CAL.add_workdays(date(2026, 3, 2), -1)
    assert "工作日数不能为负数" in exc.value.message


@given(starts, st.integers(min_value=0, max_value=600))
def test_add_workdays_matches_day_by_day_reference(start, n):
    try:
        expected = naive_add(CAL, start, n)
    except CalendarYearMissing as missing:
        with pytest.raises(CalendarYearMissing) as exc:
            CAL.add_workdays(start, n)
        assert exc.value.year == missing.year == 2027
    else:
        assert CAL.add_workdays(start, n) == expected


@given(early_starts, st.integers(min_value=1, max_value=240))
def test_result_is_a_workday_and_counts_back(start, n):
    end = CAL.add_workdays(start, n)
    assert end > start
    assert CAL.is_workday(end)
    assert CAL.workdays_between(start, end) == n
    # The day before the deadline still has only n-1 working days.
    assert CAL.workdays_between(start, end - timedelta(days=1)) == n - 1


@given(early_starts, st.integers(min_value=0, max_value=239))
def test_add_workdays_is_strictly_monotonic(start, n):
    assert CAL.add_workdays(start, n) < CAL.add_workdays(start, n + 1)


@given(loaded_days, loaded_days)
def test_workdays_between_counts_the_half_open_interval(a, b):
    expected = sum(
        1 for i in range(1, (b - a).days + 1) if CAL.is_workday(a + timedelta(days=i))
    )
    assert CAL.workdays_between(a, b) == max(expected, 0)
    if b <= a:
        assert CAL.workdays_between(a, b) == 0


def test_year_without_data_raises():
    with pytest.raises(CalendarYearMissing) as exc:
        CAL.is_workday(date(2030, 5, 6))
    assert exc.value.year == 2030
    assert "2030 年" in exc.value.message
    with pytest.raises(CalendarYearMissing) as exc:
        CAL.add_workdays(date(2030, 5, 6), 3)
    assert exc.value.year == 2030
    with pytest.raises(CalendarYearMissing) as exc:
        CAL.add_workdays(date(2026, 12, 20), 20)
    assert exc.value.year == 2027
    with pytest.raises(CalendarYearMissing) as exc:
        CAL.workdays_between(date(2026, 6, 1), date(2027, 1, 5))
    assert exc.value.year == 2027


def test_gap_year_is_never_skipped():
    cal = WorkCalendar({}, {}, {2025, 2027})
    with pytest.raises(CalendarYearMissing) as exc:
        cal.add_workdays(date(2025, 12, 30), 5)
    assert exc.value.year == 2026
    with pytest.raises(CalendarYearMissing) as exc:
        cal.workdays_between(date(2025, 6, 1), date(2027, 1, 10))
    assert exc.value.year == 2026
    assert cal.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_holiday_and_workday_on_same_day_is_refused():
    day = date(2026, 10, 3)
    with pytest.raises(ValidationError):
        WorkCalendar({day: "国庆节"}, {day: "补班"}, {2026})


def test_add_workdays_over_a_year_is_fast():
    begin = time.perf_counter()
    for i in range(2000):
        CAL.add_workdays(date(2025, 1, 1) + timedelta(days=i % 300), 240)
    per_call = (time.perf_counter() - begin) / 2000
    # About 1 µs per call measured; the bound leaves room for slow CI machines.
    assert per_call < 50e-6


# --- parse_calendar_file ----------------------------------------------------


def test_parse_accepts_formats_and_chinese_kinds():
    text = (
        "\ufeffdate,kind,name\n"
        "2026-10-01,holiday,国庆节\n"
        "2026/10/2,放假,国庆节\n"
        "20261003,休,\n"
        "２０２６-10-04,节假日,国庆节,\n"
        "\n"
        "# comment lines are skipped\n"
        "2026-10-10,上班,国庆节调休上班\n"
        "2026-9-20,补班,国庆节调休上班\n"
        "2026年2月14日,调休上班,春节调休上班\n"
    )
    entries = parse_calendar_file(text)
    assert entries == [
        CalendarEntry(date(2026, 10, 1), "holiday", "国庆节"),
        CalendarEntry(date(2026, 10, 2), "holiday", "国庆节"),
        CalendarEntry(date(2026, 10, 3), "holiday", "法定节假日"),
        CalendarEntry(date(2026, 10, 4), "holiday", "国庆节"),
        CalendarEntry(date(2026, 10, 10), "workday", "国庆节调休上班"),
        CalendarEntry(date(2026, 9, 20), "workday", "国庆节调休上班"),
        CalendarEntry(date(2026, 2, 14), "workday", "春节调休上班"),
    ]


def test_chinese_header_is_accepted():
    entries = parse_calendar_file("日期,类型,名称\n2026-10-01,放假,国庆节\n")
    assert entries == [CalendarEntry(date(2026, 10, 1), "holiday", "国庆节")]


def test_holiday_on_weekend_is_fine():
    entries = parse_calendar_file("date,kind,name\n2026-10-03,holiday,国庆节\n")
    assert entries[0].day.weekday() == 5


def test_all_bad_rows_are_reported_with_row_numbers():
    text = (
        "date,kind,name\n"  # row 1
        "2026-10-01,holiday,国庆节\n"  # row 2: fine
        "2026-02-30,holiday,坏日期\n"  # row 3
        "2026-10-02,lunch,坏类型\n"  # row 4
        "next tuesday,holiday,坏格式\n"  # row 5
        "2026-10-01,holiday,重复\n"  # row 6
        "2026-10-01,workday,矛盾\n"  # row 7
        "2026-10-12,workday,周一补班\n"  # row 8: Monday is already a workday
        "2026-10-13\n"  # row 9
        "2026-10-14,holiday,a,b\n"  # row 10
    )
    with pytest.raises(ValidationError) as exc:
        parse_calendar_file(text)
    fields = exc.value.fields
    assert set(fields) == {f"第{n}行" for n in (3, 4, 5, 6, 7, 8, 9, 10)}
    assert "“2026-02-30”不是真实存在的日期" in fields["第3行"]
    assert "类型“lunch”无法识别" in fields["第4行"]
    assert "格式无法识别" in fields["第5行"]
    assert "重复（第 2 行已有）" in fields["第6行"]
    assert "同时被标为放假和上班（见第 2 行）" in fields["第7行"]
    assert "是周一，本来就是工作日" in fields["第8行"]
    assert "缺少“类型”列" in fields["第9行"]
    assert "列数过多" in fields["第10行"]
    assert exc.value.message.startswith("工作日历文件有 8 行错误")
    assert "第 3 行：" in exc.value.message
    assert "第 10 行：" in exc.value.message


def test_missing_header_is_row_one():
    with pytest.raises(ValidationError) as exc:
        parse_calendar_file("2026-10-01,holiday,国庆节\n")
    assert set(exc.value.fields) == {"第1行"}
    assert "表头" in exc.value.fields["第1行"]


def test_empty_file_is_rejected():
    with pytest.raises(ValidationError) as exc:
        parse_calendar_file("")
    assert "为空" in exc.value.message


def test_parsed_entries_build_a_calendar():
    entries = parse_calendar_file(
        "date,kind,name\n2030-10-01,holiday,国庆节\n2030-10-12,workday,补班\n"
    )
    cal = WorkCalendar.from_entries(entries)
    assert cal.years == {2030}
    assert not cal.is_workday(date(2030, 10, 1))
    assert cal.is_workday(date(2030, 10, 12))
    assert cal.add_workdays(date(2030, 9, 30), 1) == date(2030, 10, 2)
