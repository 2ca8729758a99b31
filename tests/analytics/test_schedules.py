"""Schedules: validation, firing due ones in the creator's name, moving them on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import account
from xietong.access.roles import Role
from xietong.access.services import role_revoke
from xietong.analytics import selectors
from xietong.analytics.models import ModelRun, RunSchedule, RunStatus
from xietong.analytics.services import (
    schedule_create,
    schedule_delete,
    schedule_set_enabled,
    schedules_fire_due,
)
from xietong.analytics.services.schedules import default_first_run, next_occurrence
from xietong.audit.models import AuditEntry
from xietong.core.errors import PermissionDenied, ValidationError

from .matrix_runs import small_data
from .support import analyst

TZ = timezone.get_current_timezone()


def _at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


@pytest.fixture
def setup(world, tmp_path):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    small_data(actor, unit, tmp_path)
    return actor, unit


def _schedule(actor, unit, every="daily", **kw):
    return schedule_create(
        actor=actor,
        model="death_payment",
        unit=unit,
        every=every,
        first_run_at=timezone.now() + dt.timedelta(minutes=5),
        **kw,
    )


def test_periods_keep_the_time_of_day_and_clamp_month_ends():
    assert next_occurrence(_at(2026, 3, 1, 2), "daily") == _at(2026, 3, 2, 2)
    assert next_occurrence(_at(2026, 3, 1, 2), "weekly") == _at(2026, 3, 8, 2)
    assert next_occurrence(_at(2026, 1, 31, 2), "monthly") == _at(2026, 2, 28, 2)
    assert next_occurrence(_at(2026, 12, 15, 2), "monthly") == _at(2027, 1, 15, 2)
    first = timezone.localtime(default_first_run(_at(2026, 3, 1, 3)))
    assert (first.day, first.hour, first.minute) == (2, 2, 0)


def test_create_checks_like_a_run_and_audits(setup, world):
    actor, unit = setup
    with pytest.raises(ValidationError, match="周期“hourly”无效") as exc:
        _schedule(actor, unit, every="hourly")
    assert exc.value.fields == {"every": "周期无效"}
    with pytest.raises(ValidationError, match="宽限天数") as exc:
        _schedule(actor, unit, params={"grace_days": -1})
    assert "grace_days" in exc.value.fields
    with pytest.raises(ValidationError, match="首次运行时间不能早于现在"):
        schedule_create(
            actor=actor,
            model="all",
            unit=unit,
            every="daily",
            first_run_at=timezone.now() - dt.timedelta(days=1),
        )
    leader = account(unit, Role.LEADER)
    with pytest.raises(PermissionDenied):
        _schedule(leader, unit)
    assert not RunSchedule.objects.exists()

    schedule = _schedule(actor, unit, every="weekly", params={"grace_days": 10})
    assert schedule.params == {"death_payment": {"grace_days": 10}}
    assert AuditEntry.objects.filter(
        object_type="analytics.runschedule", object_id=str(schedule.pk)
    ).exists()


def test_a_schedule_may_be_made_before_any_data(world):
    actor = analyst(world, "a_commission")
    schedule = _schedule(actor, world.units["a_commission"])
    assert schedule.enabled


def test_a_due_schedule_queues_a_run_in_its_creators_name_and_moves_on(setup):
    actor, unit = setup
    schedule = _schedule(actor, unit, every="daily", params={"grace_days": 10})
    due = schedule.next_run_at
    now = due + dt.timedelta(days=2, hours=1)  # two occurrences were missed

    (run,) = schedules_fire_due(now)

    assert run.status == RunStatus.QUEUED and run.schedule_id == schedule.pk
    assert run.created_by == actor and run.params == schedule.params
    schedule.refresh_from_db()
    assert schedule.next_run_at == due + dt.timedelta(days=3)
    assert schedules_fire_due(now) == []  # not again in the same period
    assert len(schedules_fire_due(schedule.next_run_at)) == 1


def test_disabled_schedules_do_not_fire_and_reenabling_skips_the_past(setup):
    actor, unit = setup
    schedule = _schedule(actor, unit)
    schedule_set_enabled(actor=actor, schedule=schedule, enabled=False)
    assert schedules_fire_due(schedule.next_run_at + dt.timedelta(days=5)) == []

    RunSchedule.objects.filter(pk=schedule.pk).update(
        next_run_at=timezone.now() - dt.timedelta(days=3)
    )
    schedule = schedule_set_enabled(actor=actor, schedule=schedule, enabled=True)
    assert schedule.enabled and schedule.next_run_at > timezone.now()


def test_a_creator_who_lost_the_right_switches_the_schedule_off(setup, world):
    actor, unit = setup
    schedule = _schedule(actor, unit)
    secadmin = account(unit, Role.SECADMIN)
    role_revoke(actor=secadmin, user=actor, role=Role.ANALYST)

    assert schedules_fire_due(schedule.next_run_at) == []

    schedule.refresh_from_db()
    assert not schedule.enabled
    assert schedule.disabled_reason.startswith("创建人已无权对该单位运行模型")
    assert not ModelRun.objects.exists()
    entry = AuditEntry.objects.filter(object_id=str(schedule.pk)).order_by("-seq")[0]
    assert "创建人已无权" in entry.summary

    # Shown where the schedules are listed; switched back on, the reason goes.
    colleague = analyst(world, "a_commission")
    (listed,) = selectors.run_schedule_list(viewer=colleague)
    assert listed.disabled_reason == schedule.disabled_reason
    schedule = schedule_set_enabled(actor=colleague, schedule=schedule, enabled=True)
    assert schedule.enabled and schedule.disabled_reason == ""
    schedule.refresh_from_db()
    assert schedule.disabled_reason == ""


def test_an_occurrence_without_data_is_skipped_and_recorded(world):
    actor = analyst(world, "a_commission")
    schedule = _schedule(actor, world.units["a_commission"])
    due = schedule.next_run_at

    assert schedules_fire_due(due) == []

    schedule.refresh_from_db()
    assert schedule.enabled and schedule.next_run_at > due
    entry = AuditEntry.objects.filter(object_id=str(schedule.pk)).order_by("-seq")[0]
    assert "尚未导入任何数据集" in entry.summary


def test_only_analysts_of_the_unit_change_or_delete_a_schedule(setup, world):
    actor, unit = setup
    schedule = _schedule(actor, unit)
    other = analyst(world, "b_commission")
    with pytest.raises(PermissionDenied):
        schedule_set_enabled(actor=other, schedule=schedule, enabled=False)
    with pytest.raises(PermissionDenied):
        schedule_delete(actor=other, schedule=schedule)
    schedule.refresh_from_db()
    assert schedule.enabled

    run = schedules_fire_due(schedule.next_run_at)[0]
    schedule_delete(actor=actor, schedule=schedule)
    assert not RunSchedule.objects.exists()
    run.refresh_from_db()
    assert run.schedule_id is None  # the run stays
