"""Properties of the influence-period rules (clues/rules.py): plain Python, no database."""

import calendar
import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from xietong.clues import rules
from xietong.clues.limits import time_limits

dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))
PERIOD_KINDS = sorted(k for k, m in rules.INFLUENCE_MONTHS.items() if m is not None)
FIXED_KINDS = sorted(
    k for k in PERIOD_KINDS if k not in rules.LOCAL_KINDS and k != "party_probation"
)


def _probation(kind):
    return 12 if kind == "party_probation" else None


@given(kind=st.sampled_from(PERIOD_KINDS), effective=dates)
def test_influence_end_is_always_after_the_effective_date(kind, effective):
    end = rules.influence_end(kind, effective, probation_months=_probation(kind))
    assert end > effective


@given(kind=st.sampled_from(FIXED_KINDS), effective=dates)
def test_influence_end_is_the_day_before_the_same_date_months_later(kind, effective):
    months = rules.INFLUENCE_MONTHS[kind]
    end = rules.influence_end(kind, effective)
    assert end == rules.add_months(effective, months) - dt.timedelta(days=1)
    # The period is as long as the calendar months it spans: never more, never less.
    assert 28 * months <= (end - effective).days + 1 <= 31 * months


@given(kind=st.sampled_from(PERIOD_KINDS), a=dates, b=dates)
def test_a_later_effective_date_never_ends_earlier(kind, a, b):
    a, b = sorted((a, b))
    p = _probation(kind)
    assert rules.influence_end(kind, a, probation_months=p) <= rules.influence_end(
        kind, b, probation_months=p
    )


@given(day=dates, months=st.integers(min_value=0, max_value=120))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months):
    result = rules.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(
    year=st.integers(min_value=1990, max_value=2089),
    month=st.sampled_from([1, 3, 5, 7, 8, 10, 12]),
    months=st.integers(min_value=1, max_value=60),
)
def test_the_31st_becomes_the_last_day_of_a_shorter_month(year, month, months):
    result = rules.add_months(dt.date(year, month, 31), months)
    assert result.day == calendar.monthrange(result.year, result.month)[1]


def test_29_february():
    leap = dt.date(2024, 2, 29)
    assert rules.add_months(leap, 12) == dt.date(2025, 2, 28)
    assert rules.add_months(leap, 48) == dt.date(2028, 2, 29)
    # 党内警告 (12 months) from 29 Feb ends on 27 Feb of the next (common) year.
    assert rules.influence_end("party_warning", leap) == dt.date(2025, 2, 27)
    assert rules.influence_end("gov_warning", leap) == dt.date(2024, 8, 28)
    assert rules.influence_end("party_warning", dt.date(2025, 1, 31)) == dt.date(
        2026, 1, 30
    )
    assert rules.influence_end("gov_warning", dt.date(2025, 8, 31)) == dt.date(
        2026, 2, 27
    )


@given(effective=dates, probation=st.sampled_from([12, 24]))
def test_probation_adds_24_months_after_one_or_two_years(effective, probation):
    assert rules.influence_months("party_probation", probation_months=probation) == (
        probation + 24
    )
    end = rules.influence_end("party_probation", effective, probation_months=probation)
    assert end == rules.add_months(effective, probation + 24) - dt.timedelta(days=1)


@given(
    probation=st.one_of(st.none(), st.integers().filter(lambda n: n not in (12, 24)))
)
def test_probation_is_one_or_two_years_only(probation):
    with pytest.raises(ValueError, match="留党察看期为一年或两年"):
        rules.influence_end(
            "party_probation", dt.date(2026, 1, 5), probation_months=probation
        )


@given(effective=dates)
def test_dismissal_from_public_office_has_no_period(effective):
    assert rules.influence_months("gov_expulsion") is None
    assert rules.influence_end("gov_expulsion", effective) is None


def test_statutory_periods():
    expected = {
        "party_warning": 12,
        "party_serious_warning": 18,
        "party_removal": 24,
        "party_expulsion": 60,
        "gov_warning": 6,
        "gov_demerit": 12,
        "gov_major_demerit": 18,
        "gov_demotion": 24,
        "gov_dismissal": 24,
    }
    assert {k: rules.influence_months(k) for k in expected} == expected


@given(
    kind=st.sampled_from(sorted(rules.LOCAL_KINDS)),
    months=st.integers(min_value=1, max_value=120),
    effective=dates,
)
def test_admonition_and_org_handling_follow_the_local_setting(kind, months, effective):
    limits = rules.TimeLimits(**{f"{kind}_months": months})
    assert rules.influence_months(kind, limits=limits) == months
    end = rules.influence_end(kind, effective, limits=limits)
    assert end == rules.add_months(effective, months) - dt.timedelta(days=1)
    # Without a local setting the default is six months.
    assert rules.influence_months(kind) == 6


def test_local_months_come_from_settings(settings):
    settings.XIETONG_CLUE_TIME_LIMITS = {
        "admonition_months": 12,
        "org_handling_months": 3,
    }
    limits = time_limits()
    assert rules.influence_months("admonition", limits=limits) == 12
    assert rules.influence_months("org_handling", limits=limits) == 3
    settings.XIETONG_CLUE_TIME_LIMITS = {"admonition_months": 0}
    with pytest.raises(ImproperlyConfigured):
        time_limits()


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="未知的处分类别"):
        rules.influence_end("party_reprimand", dt.date(2026, 1, 1))


def test_form_implied_by_sanctions():
    assert rules.form_of({"admonition"}) == 1
    assert rules.form_of({"party_warning"}) == 2
    assert rules.form_of({"org_handling"}) == 2
    assert rules.form_of({"party_warning", "gov_dismissal"}) == 3
    assert rules.form_of(set()) is None
