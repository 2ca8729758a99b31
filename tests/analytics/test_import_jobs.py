"""Background dataset imports: staging, preview, queueing, performing and cancelling."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from xietong.analytics.models import Dataset, DatasetImport, DatasetVersion, RunStatus
from xietong.analytics.services import (
    dataset_import_cancel,
    dataset_import_enqueue,
    dataset_import_perform,
    dataset_preview,
    dataset_upload_stage,
    datasets_root,
    staged_sweep,
    staged_upload_get,
)
from xietong.analytics.services import datasets as ds
from xietong.audit.models import Action, AuditEntry
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .matrix_datasets import (
    HEADER,
    clean_incoming,  # noqa: F401 (autouse fixture)
    county_analyst,
    csv_bytes,
    resident_rows,
)
from .support import id_number


def _incoming() -> set[Path]:
    root = datasets_root() / "incoming"
    return set(root.iterdir()) if root.exists() else set()


def _upload(rows, name="户籍.csv", header=HEADER, encoding="utf-8"):
    return SimpleUploadedFile(name, csv_bytes(header, rows, encoding), "text/csv")


@pytest.fixture
def actor(world):
    return county_analyst(world, "a")


@pytest.fixture
def unit(world):
    return world.units["a_commission"]


def _enqueue(actor, unit, rows, **kw):
    return dataset_import_enqueue(
        actor=actor, kind="residents", unit=unit, upload=_upload(rows), **kw
    )


# --- preview ---------------------------------------------------------------------------


def test_preview_maps_headers_normalises_a_sample_and_reports_bad_rows(
    actor, unit, tmp_path
):
    rows = resident_rows(3)
    rows[1][1] = "李 秀英"  # cleaned: the space goes
    rows[2][0] = "410105197503091234"  # wrong check digit
    rows = [r + ["x"] for r in rows] + [["", "", "", "", ""]]  # blank: skipped
    path = tmp_path / "户籍.csv"
    path.write_bytes(csv_bytes(HEADER + ["备注"], rows, "gbk"))

    preview = dataset_preview(
        actor=actor, kind="residents", path=path, file_name="户籍.csv"
    )

    assert preview.encoding == "gb18030"  # GBK detected, read as its superset
    assert preview.headers == HEADER + ["备注"]
    assert preview.auto == preview.mapping
    assert preview.mapping["公民身份号码"] == "id_number"
    assert "备注" not in preview.mapping
    assert [r["ok"] for r in preview.required] == [True, True]
    assert preview.missing == ""
    assert len(preview.sample) == 3
    cell = preview.sample[1]["cells"][1]
    assert (cell["raw"], cell["value"], cell["change"]) == (
        "李 秀英",
        "李秀英",
        "姓名去除空格",
    )
    assert preview.sample[1]["cells"][4] == {"raw": "x", "mapped": False}
    assert preview.sample[2]["bad"] and preview.sample[2]["cells"][0]["error"]
    assert preview.error_rows == 1
    (error,) = preview.errors
    assert error["row"] == 4 and error["column"] == "id_number"
    assert "校验" in error["message"]
    assert preview.checked == 4 and not preview.more
    assert not preview.ok


def test_preview_follows_the_chosen_mapping_and_stops_checking_when_incomplete(
    actor, tmp_path
):
    path = tmp_path / "户籍.csv"
    path.write_bytes(csv_bytes(HEADER, resident_rows(1)))

    preview = dataset_preview(
        actor=actor,
        kind="residents",
        path=path,
        file_name="户籍.csv",
        mapping={"姓名": None},
    )

    assert "姓名" not in preview.mapping
    assert preview.missing == "姓名（name）"
    assert [r["ok"] for r in preview.required] == [True, False]
    assert preview.errors == [] and preview.error_rows == 0


def test_preview_refuses_a_mapping_to_a_column_that_is_not_standard(actor, tmp_path):
    path = tmp_path / "户籍.csv"
    path.write_bytes(csv_bytes(HEADER, resident_rows(1)))

    with pytest.raises(ValidationError) as exc:
        dataset_preview(
            actor=actor,
            kind="residents",
            path=path,
            file_name="户籍.csv",
            mapping={"姓名": "nickname"},
        )

    assert "nickname" in exc.value.message and "标准列" in exc.value.message


def test_preview_needs_an_analyst(world, tmp_path):
    from tests.factories import account
    from xietong.access.roles import Role

    leader = account(world.units["a_commission"], Role.LEADER)
    path = tmp_path / "户籍.csv"
    path.write_bytes(csv_bytes(HEADER, resident_rows(1)))
    with pytest.raises(PermissionDenied):
        dataset_preview(actor=leader, kind="residents", path=path, file_name="a.csv")


# --- staging -----------------------------------------------------------------------------


def test_a_staged_upload_belongs_to_its_analyst(world, actor, unit):
    staged = dataset_upload_stage(
        actor=actor, kind="residents", unit=unit, upload=_upload(resident_rows(2))
    )

    again = staged_upload_get(actor=actor, token=staged.token)
    assert again.file_name == "户籍.csv" and again.path.is_file()
    colleague = county_analyst(world, "a")
    with pytest.raises(NotFound):
        staged_upload_get(actor=colleague, token=staged.token)
    with pytest.raises(NotFound):
        staged_upload_get(actor=actor, token="../../etc/passwd")


def test_sweep_removes_old_abandoned_uploads_but_not_pending_imports(actor, unit):
    abandoned = dataset_upload_stage(
        actor=actor, kind="residents", unit=unit, upload=_upload(resident_rows(1))
    )
    job = _enqueue(actor, unit, resident_rows(1))
    pending = Path(settings.XIETONG_HOME) / job.staged_file
    fresh = dataset_upload_stage(
        actor=actor, kind="residents", unit=unit, upload=_upload(resident_rows(1))
    )
    old = time.time() - 2 * 86400
    for p in (abandoned.path, ds_sidecar(abandoned), pending):
        os.utime(p, (old, old))

    staged_sweep()

    assert not abandoned.path.exists() and not ds_sidecar(abandoned).exists()
    assert pending.exists()
    assert fresh.path.exists()


def ds_sidecar(staged):
    return staged.path.with_suffix(".json")


# --- enqueue ----------------------------------------------------------------------------


def test_enqueue_stages_the_file_and_audits(actor, unit):
    job = _enqueue(
        actor,
        unit,
        resident_rows(2),
        name="2026年户籍",
        mapping={"性别": None},
    )

    assert job.status == RunStatus.QUEUED
    assert job.source_name == "户籍.csv" and job.name == "2026年户籍"
    staged = Path(settings.XIETONG_HOME) / job.staged_file
    assert staged.is_file() and job.source_bytes == staged.stat().st_size
    assert job.mapping == {
        "公民身份号码": "id_number",
        "姓名": "name",
        "性别": None,
        "出生日期": "birth_date",
    }
    assert AuditEntry.objects.filter(
        action=Action.IMPORT, object_id=str(job.pk), actor_id=actor.pk
    ).exists()


@pytest.mark.parametrize(
    "upload,kw,field,words",
    [
        (
            lambda: _upload(resident_rows(1), header=["身份证号", "性别"]),
            {},
            "mapping",
            "姓名（name）",
        ),
        (lambda: _upload(resident_rows(1), name="户籍.doc"), {}, "file", ".doc"),
        (lambda: SimpleUploadedFile("空.csv", b"", "text/csv"), {}, "file", "空"),
        (
            lambda: _upload(resident_rows(1)),
            {"mapping": {"姓名": "alias"}},
            "mapping",
            "alias",
        ),
        (
            lambda: _upload(resident_rows(1)),
            {"kind": "pets"},
            "kind",
            "pets",
        ),
    ],
    ids=["missing-required", "extension", "empty", "non-standard", "kind"],
)
def test_enqueue_refuses_bad_input_and_keeps_nothing(
    actor, unit, upload, kw, field, words
):
    before = _incoming()
    kw = {"kind": "residents", **kw}
    with pytest.raises(ValidationError) as exc:
        dataset_import_enqueue(actor=actor, unit=unit, upload=upload(), **kw)
    assert field in exc.value.fields
    assert words in exc.value.message
    assert not DatasetImport.objects.exists()
    assert _incoming() == before


def test_enqueue_refuses_a_period_that_ends_before_it_starts(actor, unit):
    import datetime as dt

    before = _incoming()
    with pytest.raises(ValidationError) as exc:
        _enqueue(
            actor,
            unit,
            resident_rows(1),
            period_start=dt.date(2026, 3, 1),
            period_end=dt.date(2026, 2, 1),
        )
    assert "period_start" in exc.value.fields and "不能晚于" in exc.value.message
    assert not DatasetImport.objects.exists() and _incoming() == before


def test_enqueue_refuses_another_commissions_unit_and_viewers(world, actor):
    from tests.factories import account
    from xietong.access.roles import Role

    with pytest.raises(PermissionDenied):
        _enqueue(actor, world.units["b_commission"], resident_rows(1))
    leader = account(world.units["a_commission"], Role.LEADER)
    with pytest.raises(PermissionDenied):
        _enqueue(leader, world.units["a_commission"], resident_rows(1))
    assert not DatasetImport.objects.exists()


# --- perform -----------------------------------------------------------------------------


def test_perform_imports_the_version_and_removes_the_staged_file(actor, unit):
    job = _enqueue(actor, unit, resident_rows(3), mapping={"性别": None})
    staged = Path(settings.XIETONG_HOME) / job.staged_file

    dataset_import_perform(job)

    job.refresh_from_db()
    assert job.status == RunStatus.DONE and job.error == ""
    assert job.version.rows == 3 and job.rows_done == 3
    assert job.bytes_done == job.source_bytes
    assert job.version.column_mapping.get("性别") is None  # kept as an extra column
    assert job.started_at and job.finished_at
    assert not staged.exists()


def test_perform_refuses_bad_rows_with_the_per_row_errors(actor, unit):
    rows = resident_rows(4)
    rows[1][0] = "12345"
    rows[3][1] = ""
    job = _enqueue(actor, unit, rows)
    staged = Path(settings.XIETONG_HOME) / job.staged_file

    dataset_import_perform(job)

    job.refresh_from_db()
    assert job.status == RunStatus.FAILED
    assert "有 2 行数据无法规范化" in job.error and "未导入任何数据" in job.error
    errors = job.error_fields["rows"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (3, "id_number"),
        (5, "name"),
    ]
    assert job.error_fields["error_rows"] == 2
    assert "不能为空" in errors[1]["message"]
    assert not Dataset.objects.exists() and not DatasetVersion.objects.exists()
    assert not staged.exists()


def _big_job(actor, unit, n=2500):
    return _enqueue(actor, unit, resident_rows(n))


def test_perform_reports_progress_while_it_runs(actor, unit, monkeypatch):
    monkeypatch.setattr(ds, "_PROGRESS_SECONDS", 0)
    job = _big_job(actor, unit)
    seen = []

    def watch():
        seen.append(
            DatasetImport.objects.values_list("rows_done", "bytes_done").get(pk=job.pk)
        )
        return False

    dataset_import_perform(job, should_cancel=watch)

    # Ticks every thousand rows; the job shows the previous tick's figures.
    assert seen[0] == (0, 0)
    rows_done, bytes_done = seen[1]
    assert rows_done == 999 and 0 < bytes_done < job.source_bytes
    job.refresh_from_db()
    assert job.status == RunStatus.DONE and job.rows_done == 2500


def test_perform_stops_when_the_worker_asks(actor, unit):
    job = _big_job(actor, unit)
    staged = Path(settings.XIETONG_HOME) / job.staged_file

    dataset_import_perform(job, should_cancel=lambda: True)

    job.refresh_from_db()
    assert job.status == RunStatus.CANCELLED and "未导入任何数据" in job.error
    assert not DatasetVersion.objects.exists() and not staged.exists()


def test_a_running_import_stops_at_its_next_step_when_cancelled(
    actor, unit, monkeypatch
):
    monkeypatch.setattr(ds, "_PROGRESS_SECONDS", 0)
    job = _big_job(actor, unit)
    calls = []

    def analyst_cancels_meanwhile():
        if not calls:
            dataset_import_cancel(actor=actor, job=job)
        calls.append(1)
        return False

    dataset_import_perform(job, should_cancel=analyst_cancels_meanwhile)

    job.refresh_from_db()
    assert job.status == RunStatus.CANCELLED and job.cancel_requested
    assert not DatasetVersion.objects.exists()
    assert len(calls) == 1  # stopped at the first progress step


def test_cancelling_a_queued_import_ends_it_at_once(actor, unit):
    job = _enqueue(actor, unit, resident_rows(2))
    staged = Path(settings.XIETONG_HOME) / job.staged_file

    dataset_import_cancel(actor=actor, job=job)

    job.refresh_from_db()
    assert job.status == RunStatus.CANCELLED and job.finished_at
    assert not staged.exists()
    dataset_import_perform(job)  # the worker picks it up late: nothing happens
    job.refresh_from_db()
    assert job.status == RunStatus.CANCELLED and not DatasetVersion.objects.exists()
    with pytest.raises(Conflict):
        dataset_import_cancel(actor=actor, job=job)
    assert AuditEntry.objects.filter(
        action=Action.TRANSITION, object_id=str(job.pk)
    ).exists()


def test_only_an_analyst_of_the_unit_cancels(world, actor, unit):
    from tests.factories import account
    from xietong.access.roles import Role

    job = _enqueue(actor, unit, resident_rows(1))
    with pytest.raises(PermissionDenied):
        dataset_import_cancel(
            actor=account(world.units["a_commission"], Role.LEADER), job=job
        )
    with pytest.raises(PermissionDenied):
        dataset_import_cancel(actor=county_analyst(world, "b"), job=job)
    job.refresh_from_db()
    assert job.status == RunStatus.QUEUED and not job.cancel_requested


def test_perform_records_an_unexpected_failure(actor, unit, monkeypatch):
    job = _enqueue(actor, unit, resident_rows(1))

    def broken(**kw):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ds, "dataset_import", broken)
    dataset_import_perform(job)

    job.refresh_from_db()
    assert job.status == RunStatus.FAILED and "内部错误" in job.error
    assert "disk" not in job.error
    assert not (Path(settings.XIETONG_HOME) / job.staged_file).exists()


def test_the_staged_path_of_a_file_elsewhere_is_a_copy(actor, unit, tmp_path):
    original = tmp_path / "户籍.csv"
    original.write_bytes(csv_bytes(HEADER, [[id_number(7), "张伟", "男", ""]]))

    job = dataset_import_enqueue(
        actor=actor, kind="residents", unit=unit, upload=original
    )
    dataset_import_perform(job)

    job.refresh_from_db()
    assert job.status == RunStatus.DONE
    assert original.exists()  # the department's file is never removed
