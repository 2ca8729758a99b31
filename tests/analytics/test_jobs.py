"""The background worker: exclusive claims, progress, cancel, restart survival."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.test import override_settings
from django.utils import timezone

from xietong.analytics import jobs
from xietong.analytics.engine import runner
from xietong.analytics.models import Hit, ModelRun, RunStatus
from xietong.analytics.services import (
    dataset_import_enqueue,
    model_run_cancel,
    model_run_enqueue,
)
from xietong.audit.models import AuditEntry
from xietong.core.errors import Conflict

from .matrix_runs import small_data
from .support import analyst


@pytest.fixture
def setup(world, tmp_path):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    small_data(actor, unit, tmp_path)
    return actor, unit


def _stale(run, seconds=3600):
    ModelRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds)
    )


def test_a_job_is_claimed_once_and_the_oldest_first(setup):
    actor, unit = setup
    first = model_run_enqueue(actor=actor, model="death_payment", unit=unit)
    second = model_run_enqueue(actor=actor, model="all", unit=unit)

    claimed = jobs.claim_next()
    assert claimed.pk == first.pk
    assert claimed.status == RunStatus.RUNNING and claimed.attempts == 1
    assert claimed.heartbeat_at is not None and claimed.started_at is not None
    # The loser of a race gets nothing: the row is no longer queued.
    assert jobs.claim(first) is None
    assert jobs.claim_next().pk == second.pk
    assert jobs.claim_next() is None


def test_the_worker_runs_a_queued_run_and_reports_progress(setup, monkeypatch):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)
    seen = []
    original = runner.assemble_hits

    def spy(model, rows, params):
        current = ModelRun.objects.get(pk=run.pk)
        seen.append(
            (current.progress_done, current.progress_total, current.progress_note)
        )
        return original(model, rows, params)

    monkeypatch.setattr(runner, "assemble_hits", spy)

    done = jobs.Worker().run_once()

    assert done.pk == run.pk and done.status == RunStatus.DONE, done.error
    assert [s[0] for s in seen] == list(range(7))
    assert {s[1] for s in seen} == {7}
    assert seen[0][2] == "正在运行：死亡冒领"
    assert done.progress_done == done.progress_total == 7
    assert done.hits_new == 1 and Hit.objects.get().first_run_id == run.pk
    assert jobs.Worker().run_once() is None  # the queue is empty


def test_cancelling_a_queued_run_is_immediate(setup):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)

    run = model_run_cancel(actor=actor, run=run)

    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert jobs.claim_next() is None
    with pytest.raises(Conflict, match="已取消，无法取消"):
        model_run_cancel(actor=actor, run=run)


def test_cancelling_a_running_run_stops_it_and_stores_no_hits(setup, monkeypatch):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)
    original = runner.assemble_hits
    calls = []

    def cancel_during_first_model(model, rows, params):
        calls.append(model.key)
        if len(calls) == 1:
            assert model_run_cancel(actor=actor, run=run).cancel_requested
        return original(model, rows, params)

    monkeypatch.setattr(runner, "assemble_hits", cancel_during_first_model)

    done = jobs.Worker().run_once()

    assert done.status == RunStatus.CANCELLED
    assert calls == ["death_payment"]  # the request was seen before the second model
    assert not Hit.objects.exists()
    assert done.progress_done == 1 and done.hits_new == 0
    assert AuditEntry.objects.filter(
        object_type="analytics.modelrun",
        object_id=str(run.pk),
        summary__contains="已取消",
    ).exists()


def test_a_stale_run_is_requeued_and_then_completes(setup):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="death_payment", unit=unit)
    claimed = jobs.claim_next()  # a worker took it, then died
    _stale(claimed, seconds=30)
    assert jobs.requeue_stale() == []  # 30 s is not stale yet (60 s)

    _stale(claimed)
    (requeued,) = jobs.requeue_stale()

    assert requeued.pk == run.pk and requeued.status == RunStatus.QUEUED
    done = jobs.Worker().run_once()
    assert done.status == RunStatus.DONE and done.attempts == 2 and done.hits_new == 1


def test_a_result_of_a_worker_presumed_dead_is_not_stored(setup):
    actor, unit = setup
    model_run_enqueue(actor=actor, model="death_payment", unit=unit)
    stale = jobs.claim_next()
    _stale(stale)
    jobs.requeue_stale()
    jobs.Worker().run_once()  # the second attempt completes
    from xietong.analytics.services.runs import model_run_perform

    # The first worker wakes up and finishes too: it no longer owns the run.
    late = model_run_perform(stale)
    assert late.attempts == 2 and Hit.objects.count() == 1


def test_after_three_attempts_a_stale_run_fails_with_a_reason(setup):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)
    for _ in range(3):
        jobs.claim_next()
        _stale(run)
        jobs.requeue_stale()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.attempts == 3
    assert "已执行 3 次" in run.error and "停止重试" in run.error
    assert jobs.claim_next() is None


@override_settings(XIETONG_JOB_STALE_SECONDS=5)
def test_the_stale_limit_is_a_setting(setup):
    actor, unit = setup
    model_run_enqueue(actor=actor, model="all", unit=unit)
    run = jobs.claim_next()
    _stale(run, seconds=10)
    assert [j.pk for j in jobs.requeue_stale()] == [run.pk]


def test_a_failing_run_is_recorded_with_its_reason(setup, monkeypatch):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)

    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr("xietong.analytics.engine.run_models", broken)
    done = jobs.Worker().run_once()
    assert done.pk == run.pk and done.status == RunStatus.FAILED
    assert done.error == "模型运行失败：磁盘已满"


def test_dataset_imports_are_dispatched_to_the_import_service(world, monkeypatch):
    actor = analyst(world, "a_commission")
    job = dataset_import_enqueue(
        actor=actor,
        kind="deaths",
        unit=world.units["a_commission"],
        upload=io.BytesIO("身份证号,姓名,死亡日期\n".encode()),
        file_name="deaths.csv",
    )
    calls = []

    def perform(job, *, should_cancel):
        calls.append((job.pk, job.status, job.attempts, should_cancel()))
        return job

    monkeypatch.setattr(
        "xietong.analytics.services.datasets.dataset_import_perform", perform
    )
    jobs.Worker().run_once()
    assert calls == [(job.pk, RunStatus.RUNNING, 1, False)]


def test_the_worker_command_runs_the_queue_once(setup, capsys):
    from xietong.cli import main

    actor, unit = setup
    model_run_enqueue(actor=actor, model="all", unit=unit)
    model_run_enqueue(actor=actor, model="death_payment", unit=unit)

    assert main(["worker", "--once"]) == 0

    assert "已处理 2 个任务" in capsys.readouterr().out
    assert set(ModelRun.objects.values_list("status", flat=True)) == {RunStatus.DONE}


def test_the_worker_command_refuses_a_bad_poll(capsys):
    from xietong.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["worker", "--poll", "0"])
    assert exc.value.code == 2
    assert "秒数应大于 0" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_stamps_and_sees_a_cancel(world, tmp_path):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    small_data(actor, unit, tmp_path)
    model_run_enqueue(actor=actor, model="all", unit=unit)
    run = jobs.claim_next()
    _stale(run)
    before = ModelRun.objects.get(pk=run.pk).heartbeat_at

    with jobs.Heartbeat(run, interval=0.05) as beat:
        deadline = time.monotonic() + 5
        while ModelRun.objects.get(pk=run.pk).heartbeat_at == before:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.05)
        assert not beat.cancelled.is_set()
        model_run_cancel(actor=actor, run=run)
        while not beat.cancelled.is_set():
            assert time.monotonic() < deadline, "cancel not seen"
            time.sleep(0.05)
    assert jobs.requeue_stale() == []  # a beating job is not stale


@override_settings(XIETONG_INPROCESS_WORKER=False)
def test_no_inprocess_worker_when_switched_off():
    assert jobs.start_inprocess_worker() is None
