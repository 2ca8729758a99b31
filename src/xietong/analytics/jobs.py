"""The background worker: model runs and dataset imports queued in the database.

There is no broker: a job is a ``ModelRun`` or ``DatasetImport`` row in status
排队中. A worker claims the oldest one with a conditional UPDATE (``status`` still
queued → running, attempts + 1) and goes on only when that changed one row, which
is exclusive on SQLite and PostgreSQL alike. While a job runs, a heartbeat thread
stamps ``heartbeat_at`` every few seconds and reads the job's cancel request.

A worker that dies leaves its job 运行中 with an old heartbeat; any worker puts such
a job back in the queue once the heartbeat is older than
``XIETONG_JOB_STALE_SECONDS`` — after the third attempt it is marked failed
instead. The same loop fires the schedules that are due.

Production runs ``xietong worker`` as a service; ``make demo`` runs the loop in a
thread of the web process (``XIETONG_INPROCESS_WORKER``).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from xietong.analytics.models import DatasetImport, ModelRun, RunStatus
from xietong.audit.models import Action
from xietong.audit.services import audit_record

log = logging.getLogger(__name__)

JOB_MODELS = (ModelRun, DatasetImport)
MAX_ATTEMPTS = 3
GAVE_UP = (
    "任务已执行 {n} 次，每次都因执行进程中断（如服务器重启）而未能完成，已停止重试。"
    "请检查数据或联系系统管理员后重新发起。"
)

Job = ModelRun | DatasetImport


def _stale_seconds() -> float:
    return float(getattr(settings, "XIETONG_JOB_STALE_SECONDS", 60))


def _heartbeat_seconds() -> float:
    return float(getattr(settings, "XIETONG_JOB_HEARTBEAT_SECONDS", 5))


# --- claiming -----------------------------------------------------------------


def claim(job: Job) -> Job | None:
    """Take ``job`` if it is still queued; None when another worker was faster."""
    now = timezone.now()
    taken = (
        type(job)
        .objects.filter(pk=job.pk, status=RunStatus.QUEUED)
        .update(
            status=RunStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
    )
    if taken != 1:
        return None
    return type(job).objects.get(pk=job.pk)


def claim_next() -> Job | None:
    """Claim the oldest queued job of any kind, or None when the queue is empty."""
    while True:
        candidates = [
            m.objects.filter(status=RunStatus.QUEUED)
            .order_by("created_at", "id")
            .only("pk", "created_at")
            .first()
            for m in JOB_MODELS
        ]
        candidates = [c for c in candidates if c is not None]
        if not candidates:
            return None
        oldest = min(candidates, key=lambda c: c.created_at)
        job = claim(oldest)
        if job is not None:
            return job
        # Lost the race for that one: look again.


# --- restart survival ---------------------------------------------------------


def requeue_stale(now: dt.datetime | None = None) -> list[Job]:
    """Put back jobs whose worker stopped beating; fail those tried too often."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=_stale_seconds())
    changed = []
    for model in JOB_MODELS:
        stale = model.objects.filter(status=RunStatus.RUNNING).filter(
            Q(heartbeat_at__lt=cutoff)
            | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        )
        for job in stale:
            with transaction.atomic():
                same = model.objects.filter(
                    pk=job.pk, status=RunStatus.RUNNING, heartbeat_at=job.heartbeat_at
                )
                if job.cancel_requested:
                    status, fields = RunStatus.CANCELLED, {"finished_at": now}
                elif job.attempts >= MAX_ATTEMPTS:
                    status = RunStatus.FAILED
                    fields = {
                        "finished_at": now,
                        "error": GAVE_UP.format(n=job.attempts),
                    }
                else:
                    status, fields = RunStatus.QUEUED, {"heartbeat_at": None}
                    if model is ModelRun:
                        fields.update(progress_done=0, progress_note="")
                    else:
                        fields.update(rows_done=0, bytes_done=0)
                if not same.update(status=status, **fields):
                    continue
                job.refresh_from_db()
                audit_record(
                    actor=None,
                    action=Action.TRANSITION,
                    obj=job,
                    summary={
                        "状态": job.get_status_display(),
                        "原因": "执行进程中断（心跳超时）",
                        "已执行次数": job.attempts,
                    },
                )
                changed.append(job)
    return changed


# --- running one job ----------------------------------------------------------


class Heartbeat:
    """While a job runs: stamp ``heartbeat_at`` every ``interval`` seconds in a
    thread of its own (with its own connection) and set ``cancelled`` when the job's
    cancel request appears. ``interval`` 0 turns the thread off."""

    def __init__(self, job: Job, interval: float | None = None):
        self.model = type(job)
        self.pk = job.pk
        self.interval = _heartbeat_seconds() if interval is None else interval
        self.cancelled = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        """One heartbeat (also usable without the thread)."""
        rows = self.model.objects.filter(pk=self.pk, status=RunStatus.RUNNING)
        rows.update(heartbeat_at=timezone.now())
        if self.model.objects.filter(pk=self.pk, cancel_requested=True).exists():
            self.cancelled.set()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.beat()
                except DatabaseError as exc:  # e.g. SQLite busy: try next time
                    log.warning(
                        "heartbeat of %s %s failed: %s", self.model, self.pk, exc
                    )
        finally:
            connections.close_all()

    def __enter__(self) -> Heartbeat:
        if self.interval > 0:
            self._thread = threading.Thread(
                target=self._run, name=f"job-heartbeat-{self.pk}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self.interval, 1) * 3)


def perform(job: Job, *, heartbeat: float | None = None) -> Job:
    """Run a claimed job to its end (done, failed or cancelled)."""
    with Heartbeat(job, heartbeat) as beat:
        if isinstance(job, ModelRun):
            from xietong.analytics.services.runs import model_run_perform

            return model_run_perform(job, should_cancel=beat.cancelled.is_set)
        from xietong.analytics.services.datasets import dataset_import_perform

        try:
            return dataset_import_perform(job, should_cancel=beat.cancelled.is_set)
        except Exception as exc:  # perform records its own failures; this is a bug
            log.exception("dataset import %s crashed", job.pk)
            DatasetImport.objects.filter(pk=job.pk, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED,
                error=f"导入失败：{exc or exc.__class__.__name__}",
                finished_at=timezone.now(),
            )
            job.refresh_from_db()
            return job


# --- the loop -----------------------------------------------------------------


def _fresh_connection() -> None:
    """Drop a broken or too old connection between jobs, as a request would; never
    inside a transaction (a test, or a caller that runs the worker in one)."""
    if not connections["default"].in_atomic_block:
        close_old_connections()


class Worker:
    """Claims and performs jobs one at a time; also requeues stale jobs and fires
    due schedules."""

    def __init__(self, *, poll: float = 2.0, heartbeat: float | None = None):
        self.poll = poll
        self.heartbeat = heartbeat
        self._last_sweep = 0.0

    def housekeeping(self, *, force: bool = False) -> None:
        """Requeue stale jobs (at most every few seconds) and fire due schedules."""
        from xietong.analytics.services.schedules import schedules_fire_due

        if force or time.monotonic() - self._last_sweep >= min(
            _stale_seconds() / 2, 30
        ):
            requeue_stale()
            self._last_sweep = time.monotonic()
        schedules_fire_due()

    def run_once(self) -> Job | None:
        """One turn: housekeeping, then at most one job. Returns the job run."""
        _fresh_connection()
        try:
            self.housekeeping()
            job = claim_next()
            if job is None:
                return None
            return perform(job, heartbeat=self.heartbeat)
        finally:
            _fresh_connection()

    def run_until_empty(self) -> int:
        """Run jobs until the queue is empty (``xietong worker --once``)."""
        self.housekeeping(force=True)
        count = 0
        while self.run_once() is not None:
            count += 1
        return count

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Loop until ``stop`` is set; errors are logged, never end the loop."""
        stop = stop or threading.Event()
        self.housekeeping(force=True)
        while not stop.is_set():
            try:
                job = self.run_once()
            except Exception:
                log.exception("worker turn failed")
                job = None
            if job is None:
                stop.wait(self.poll)


_lock = threading.Lock()
_thread: threading.Thread | None = None


def start_inprocess_worker(
    poll: float = 2.0, target: Callable | None = None
) -> threading.Thread | None:
    """Start the worker thread of this (web) process when
    ``XIETONG_INPROCESS_WORKER`` is on; at most one per process."""
    global _thread
    if not getattr(settings, "XIETONG_INPROCESS_WORKER", False):
        return None
    with _lock:
        if _thread is not None and _thread.is_alive():
            return _thread
        _thread = threading.Thread(
            target=target or Worker(poll=poll).run_forever,
            name="xietong-worker",
            daemon=True,
        )
        _thread.start()
        return _thread
