"""Schedules: a model (or all of them) run again and again over a unit's data.

The worker fires a due schedule (``schedules_fire_due``) by queueing a run in the
name of the analyst who created it, checked as if they asked now: if they may no
longer run models over the unit, the schedule is switched off, with the reason in
the audit log. Missed occurrences are not made up for: the next run time moves
past now by whole periods.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.analytics.models import (
    ALL_MODELS,
    CustomModel,
    Engine,
    ModelRun,
    RunSchedule,
    ScheduleEvery,
)
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import ApplicationError, PermissionDenied, ValidationError
from xietong.org.models import Unit

from .runs import CUSTOM, _jsonable, check_run, model_run_enqueue, scope_label

log = logging.getLogger(__name__)


def _add_month(at: dt.datetime) -> dt.datetime:
    """The same day next month, or the month's last day when it has no such day."""
    year, month = (at.year + 1, 1) if at.month == 12 else (at.year, at.month + 1)
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)


def next_occurrence(at: dt.datetime, every: str) -> dt.datetime:
    """One period after ``at`` (local wall-clock time, so 02:00 stays 02:00)."""
    local = timezone.localtime(at)
    if every == ScheduleEvery.DAILY:
        nxt = local + dt.timedelta(days=1)
    elif every == ScheduleEvery.WEEKLY:
        nxt = local + dt.timedelta(days=7)
    else:
        nxt = _add_month(local)
    return timezone.make_aware(nxt.replace(tzinfo=None))


def _advance_past(at: dt.datetime, every: str, now: dt.datetime) -> dt.datetime:
    while at <= now:
        at = next_occurrence(at, every)
    return at


def default_first_run(now: dt.datetime | None = None) -> dt.datetime:
    """The next 02:00 local time: big runs go at night."""
    local = timezone.localtime(now or timezone.now())
    at = local.replace(hour=2, minute=0, second=0, microsecond=0)
    if at <= local:
        at += dt.timedelta(days=1)
    return at


def schedule_create(
    *,
    actor,
    model: str,
    unit: Unit,
    every: str,
    engine: str = Engine.DUCKDB,
    params: Mapping[str, Any] | None = None,
    scope: Mapping[str, Any] | None = None,
    custom_model: CustomModel | None = None,
    first_run_at: dt.datetime | None = None,
) -> RunSchedule:
    """Run ``model`` over ``unit``'s data every day, week or month, first at
    ``first_run_at`` (default the next 02:00); checked like a run asked for now."""
    if every not in ScheduleEvery.values:
        raise ValidationError(
            f"周期“{every}”无效：应为 每天、每周 或 每月",
            fields={"every": "周期无效"},
        )
    resolved, clean_scope, _ = check_run(
        actor=actor,
        model=model,
        unit=unit,
        engine=engine,
        params=params,
        scope=scope,
        custom_model=custom_model,
        need_data=False,
    )
    now = timezone.now()
    first = first_run_at or default_first_run(now)
    if first < now - dt.timedelta(minutes=1):
        raise ValidationError(
            "首次运行时间不能早于现在。", fields={"first_run_at": "不能早于现在"}
        )
    with transaction.atomic():
        schedule = RunSchedule.objects.create(
            model=CUSTOM if custom_model is not None else model,
            custom_model=custom_model,
            engine=engine,
            params=_jsonable(resolved),
            scope=clean_scope,
            unit=unit,
            every=every,
            next_run_at=first,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=schedule,
            summary={
                "模型": schedule_model_label(schedule),
                "单位": unit.name,
                "周期": schedule.get_every_display(),
                "范围": scope_label(clean_scope),
            },
        )
    return schedule


def _require(actor, schedule: RunSchedule) -> None:
    if not policies.can_run_models(actor, schedule.unit):
        raise PermissionDenied("您无权管理该单位的定时运行。")


def schedule_set_enabled(*, actor, schedule: RunSchedule, enabled: bool) -> RunSchedule:
    """Switch a schedule on or off; switched on, it next runs at its next occurrence
    after now."""
    _require(actor, schedule)
    with transaction.atomic():
        schedule = RunSchedule.objects.select_for_update().get(pk=schedule.pk)
        schedule.enabled = enabled
        schedule.disabled_reason = ""
        if enabled:
            schedule.next_run_at = _advance_past(
                schedule.next_run_at, schedule.every, timezone.now()
            )
        schedule.save(update_fields=["enabled", "disabled_reason", "next_run_at"])
        audit_record(
            actor=actor,
            action=Action.CHANGE,
            obj=schedule,
            summary={"启用": "是" if enabled else "否"},
        )
    return schedule


def schedule_delete(*, actor, schedule: RunSchedule) -> None:
    """Delete a schedule; the runs it made stay."""
    _require(actor, schedule)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.DELETE,
            obj=schedule,
            summary={
                "模型": schedule_model_label(schedule),
                "单位": schedule.unit.name,
            },
        )
        schedule.delete()


def schedule_model_label(schedule: RunSchedule) -> str:
    """全部模型, the built-in model's name or the custom model's."""
    if schedule.custom_model_id is not None:
        return schedule.custom_model.name
    return ModelRun(model=schedule.model).model_label or schedule.model


def _disable(schedule: RunSchedule, reason: str) -> None:
    schedule.enabled = False
    schedule.disabled_reason = reason[:300]
    schedule.save(update_fields=["enabled", "disabled_reason"])
    audit_record(
        actor=None,
        action=Action.CHANGE,
        obj=schedule,
        summary={"启用": "否", "停用原因": reason},
    )


def _enqueue_params(schedule: RunSchedule) -> dict:
    """The stored parameters as a run request gives them: one model's are stored,
    like a run's, under its key."""
    if schedule.custom_model_id is None and schedule.model != ALL_MODELS:
        return schedule.params.get(schedule.model, {})
    return schedule.params


def schedules_fire_due(now: dt.datetime | None = None) -> list[ModelRun]:
    """Queue a run for every enabled schedule that is due, and move it on.

    Each schedule is taken under a row lock and only if still due, so two workers
    never fire it twice.
    """
    now = now or timezone.now()
    runs = []
    due = RunSchedule.objects.filter(enabled=True, next_run_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            schedule = (
                # Lock the schedule row only: its creator and custom model may be
                # NULL, and PostgreSQL cannot lock the nullable side of a join.
                RunSchedule.objects.select_for_update(of=("self",))
                .select_related("unit", "created_by", "custom_model")
                .filter(pk=pk, enabled=True, next_run_at__lte=now)
                .first()
            )
            if schedule is None:
                continue
            schedule.next_run_at = _advance_past(
                schedule.next_run_at, schedule.every, now
            )
            schedule.save(update_fields=["next_run_at"])
            actor = schedule.created_by
            if (
                actor is None
                or not actor.is_active
                or not policies.can_run_models(actor, schedule.unit)
            ):
                _disable(schedule, "创建人已无权对该单位运行模型，定时运行已停用。")
                continue
            try:
                with transaction.atomic():
                    run = model_run_enqueue(
                        actor=actor,
                        model=schedule.model,
                        unit=schedule.unit,
                        engine=schedule.engine,
                        params=_enqueue_params(schedule),
                        scope=schedule.scope,
                        custom_model=schedule.custom_model,
                        schedule=schedule,
                    )
            except PermissionDenied as exc:
                _disable(schedule, exc.message)
                continue
            except ApplicationError as exc:
                # E.g. no datasets yet: this occurrence is skipped, the next tried.
                log.info("schedule %s skipped: %s", schedule.pk, exc.message)
                audit_record(
                    actor=None,
                    action=Action.TRANSITION,
                    obj=schedule,
                    summary={"本次未运行": exc.message},
                )
                continue
            runs.append(run)
    return runs
