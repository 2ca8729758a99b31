"""API for working-day arithmetic on the official calendar."""

import datetime as dt

from ninja import Query, Router, Schema

from xietong.access import policies

from . import services
from .models import CalendarDay, CalendarYear

router = Router(tags=["工作日历"])


class AddOut(Schema):
    start: dt.date
    workdays: int
    result: dt.date


class BetweenOut(Schema):
    start: dt.date
    end: dt.date
    workdays: int


class DayOut(Schema):
    day: dt.date
    kind: str
    name: str


class YearOut(Schema):
    year: int
    source: str
    days: list[DayOut]


@router.get("/workdays/add", response=AddOut, summary="起算日之后第 n 个工作日")
def add(request, start: dt.date, n: int = Query(..., ge=0, le=3650)):
    policies.require(policies.can_view_calendar(request.auth))
    return {"start": start, "workdays": n, "result": services.add_workdays(start, n)}


@router.get(
    "/workdays/between", response=BetweenOut, summary="两日期间的工作日数（不含起算日）"
)
def between(request, start: dt.date, end: dt.date):
    policies.require(policies.can_view_calendar(request.auth))
    return {
        "start": start,
        "end": end,
        "workdays": services.workdays_between(start, end),
    }


@router.get(
    "/calendar/years", response=list[YearOut], summary="已录入的年度及其节假日、调休"
)
def years(request):
    policies.require(policies.can_view_calendar(request.auth))
    out = []
    for y in CalendarYear.objects.all():
        days = CalendarDay.objects.filter(day__year=y.year).order_by("day")
        out.append({"year": y.year, "source": y.source, "days": list(days)})
    return out
