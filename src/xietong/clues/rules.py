"""Time limits and influence periods (影响期). Plain Python, no Django.

DOMAIN.md §2: 党纪 警告 12 months, 严重警告 18, 撤销党内职务 24, 留党察看 (1–2 years of
probation, then 24 more), 开除党籍 (no rejoining for 60 months); 政务 警告 6, 记过 12,
记大过 18, 降级 24, 撤职 24, 开除 (none). 诫勉 and 组织处理 are set locally (default 6).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

# kind → months of influence; None: no period (政务开除 ends the relationship).
INFLUENCE_MONTHS: dict[str, int | None] = {
    "party_warning": 12,
    "party_serious_warning": 18,
    "party_removal": 24,
    "party_probation": 24,  # after the probation itself
    "party_expulsion": 60,
    "gov_warning": 6,
    "gov_demerit": 12,
    "gov_major_demerit": 18,
    "gov_demotion": 24,
    "gov_dismissal": 24,
    "gov_expulsion": None,
    "admonition": 6,
    "org_handling": 6,
}
LOCAL_KINDS = frozenset({"admonition", "org_handling"})
PARTY_KINDS = frozenset(k for k in INFLUENCE_MONTHS if k.startswith("party_"))
GOV_KINDS = frozenset(k for k in INFLUENCE_MONTHS if k.startswith("gov_"))


@dataclass(frozen=True)
class TimeLimits:
    """Every clue time limit, configurable (settings.XIETONG_CLUE_TIME_LIMITS)."""

    opinion_months: int = 1  # disposal opinion within one month of receipt
    inquiry_reply_workdays: int = 15  # 谈话函询 reply
    transfer_feedback_workdays: int = 30  # default feedback deadline of a transfer
    transfer_accept_workdays: int = 5  # the receiver accepts or returns
    admonition_months: int = 6  # 诫勉
    org_handling_months: int = 6  # 组织处理


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the month's last day when needed."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def influence_months(
    kind: str, *, probation_months: int | None = None, limits: TimeLimits | None = None
) -> int | None:
    """Months of influence of a sanction of ``kind`` (None: no period)."""
    limits = limits or TimeLimits()
    if kind not in INFLUENCE_MONTHS:
        raise ValueError(f"未知的处分类别：{kind}")
    if kind == "admonition":
        return limits.admonition_months
    if kind == "org_handling":
        return limits.org_handling_months
    months = INFLUENCE_MONTHS[kind]
    if kind == "party_probation":
        if probation_months not in (12, 24):
            raise ValueError("留党察看期为一年或两年")
        return probation_months + 24
    return months


def influence_end(
    kind: str,
    effective: dt.date,
    *,
    probation_months: int | None = None,
    limits: TimeLimits | None = None,
) -> dt.date | None:
    """The last day of the influence period that starts on ``effective``."""
    months = influence_months(kind, probation_months=probation_months, limits=limits)
    if months is None:
        return None
    return add_months(effective, months) - dt.timedelta(days=1)


def form_of(kinds: set[str]) -> int | None:
    """The 四种形态 form that a set of sanctions implies (the caller may still choose)."""
    # 党纪重处分 and 重大职务调整 are the third form; 轻处分 and 组织调整 the second.
    heavy = {
        "party_removal",
        "party_probation",
        "party_expulsion",
        "gov_demotion",
        "gov_dismissal",
        "gov_expulsion",
    }
    if kinds & heavy:
        return 3
    if kinds & (PARTY_KINDS | GOV_KINDS | {"org_handling"}):
        return 2
    if "admonition" in kinds:
        return 1
    return None
