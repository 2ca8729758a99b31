"""Concurrent writers keep one unbroken chain (PostgreSQL: advisory lock; SQLite: IMMEDIATE)."""

import threading

import pytest
from django.db import close_old_connections, connection

from xietong.audit.models import Action, AuditEntry
from xietong.audit.services import audit_record, audit_verify, checkpoint_file


@pytest.fixture
def own_checkpoints(tmp_path, settings):
    settings.XIETONG_HOME = tmp_path
    checkpoint_file.cache_clear()
    yield
    checkpoint_file.cache_clear()


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_fork_the_chain(own_checkpoints):
    threads, per_thread, errors = 4, 15, []

    def writer(n):
        try:
            for i in range(per_thread):
                audit_record(
                    actor=None,
                    action=Action.CONFIG,
                    object_type="test.parallel",
                    object_id=f"{n}-{i}",
                    summary={"线程": n, "次序": i},
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads * per_thread + 1))
    result = audit_verify()
    assert result.ok, result.message()
    assert result.checked == threads * per_thread
