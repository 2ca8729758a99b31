"""Importing a department's file as a new version of a standard dataset.

The CLI imports synchronously with :func:`dataset_import`. The web app stages an
upload (:func:`dataset_upload_stage`), previews how it maps and normalises
(:func:`dataset_preview`), queues a :class:`DatasetImport`
(:func:`dataset_import_enqueue`) and the worker carries it out
(:func:`dataset_import_perform`). Every path reads and normalises rows through the same
functions, so the preview reports exactly what the import will refuse: the preview
row by row with ``normalize_row``, the import through :class:`RowConverter`, which
calls the same normalisers once per distinct cell text and gives the same cells.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from xietong.access import policies
from xietong.analytics import readers
from xietong.analytics.convert import RowConverter
from xietong.analytics.engine import DATASETS, get_dataset, map_headers, normalize_row
from xietong.analytics.models import (
    Dataset,
    DatasetImport,
    DatasetVersion,
    RunStatus,
)
from xietong.analytics.report import ImportReport, change_kind, error_line
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import (
    ApplicationError,
    Conflict,
    PermissionDenied,
    ValidationError,
)
from xietong.org.models import Unit

logger = logging.getLogger(__name__)

ARROW_TYPES = {
    "str": pa.string(),
    "date": pa.date32(),
    "datetime": pa.timestamp("us"),
    "decimal": pa.decimal128(18, 2),
    "int": pa.int64(),
    "float": pa.float64(),
}
# Row errors quoted in the refusal message itself; every error is in ``fields``.
_QUOTED_ERRORS = 10
# An import reports progress (and looks for a cancel request) every this many rows,
# and writes it to its job at most once per _PROGRESS_SECONDS.
_TICK_ROWS = 1000
_PROGRESS_SECONDS = 1.0
# Staged uploads nobody went on to import are removed after this long.
STAGED_MAX_AGE = dt.timedelta(days=1)
FINISHED = (RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED)
CANCELLED_MESSAGE = "已取消导入，未导入任何数据。"


class ImportCancelled(Exception):
    """Raised inside an import whose job was asked to stop; nothing is kept."""


def datasets_root() -> Path:
    """``XIETONG_HOME/datasets``: one folder per dataset, one file per version."""
    return Path(settings.XIETONG_HOME) / "datasets"


def _combine_mapping(
    kind: str, headers: list[str], mapping: Mapping | None
) -> tuple[dict[str, str], list[tuple[str, ...]]]:
    """File header -> standard column (automatic, then ``mapping`` on top), and the
    required groups it leaves without a column."""
    spec = get_dataset(kind)
    auto = map_headers(kind, headers)
    combined = dict(auto.mapping)
    for header, column in (mapping or {}).items():
        if header not in headers:
            raise ValidationError(
                f"列对应关系中的“{header}”不是文件中的列。",
                fields={"mapping": f"无此列：{header}"},
            )
        if column and column not in spec.column_names:
            raise ValidationError(
                f"列对应关系中的“{column}”不是{spec.label}（{kind}）的标准列。",
                fields={"mapping": f"无此标准列：{column}"},
            )
        combined = {h: c for h, c in combined.items() if c != column and h != header}
        if column:
            combined[header] = column
    present = set(combined.values())
    return combined, [g for g in spec.required if not present.intersection(g)]


def _resolve_mapping(kind: str, headers: list[str], mapping: Mapping | None):
    """The combined mapping; a ValidationError names any missing required column."""
    spec = get_dataset(kind)
    combined, missing = _combine_mapping(kind, headers, mapping)
    if missing:
        names = "；".join(spec.describe_group(g) for g in missing)
        raise ValidationError(
            f"{spec.label}（{kind}）缺少必填列：{names}。未导入任何数据。",
            fields={"mapping": names},
        )
    return combined


def _schema(kind: str, extras: list[str]) -> pa.Schema:
    spec = get_dataset(kind)
    fields = [pa.field(c.name, ARROW_TYPES[c.type]) for c in spec.columns]
    fields += [
        pa.field(f"{c.name}_branch", pa.string())
        for c in spec.columns
        if c.normalizer == "company_name"
    ]
    fields += [pa.field(name, pa.string()) for name in extras]
    return pa.schema(fields)


def _extra_names(kind: str, headers: list[str], mapping: dict[str, str]):
    """(file column index, stored name) of every unmapped non-blank header."""
    taken = {f.name for f in _schema(kind, [])}
    extras = []
    for index, header in enumerate(headers):
        if not header or header in mapping:
            continue
        name = header
        while name in taken:
            name = f"原始_{name}"
        taken.add(name)
        extras.append((index, name))
    return extras


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _write_chunk(writer: pq.ParquetWriter, schema: pa.Schema, buffers: dict) -> None:
    try:
        table = pa.table(
            {f.name: pa.array(buffers[f.name], f.type) for f in schema}, schema=schema
        )
    except (pa.ArrowInvalid, OverflowError) as exc:
        raise ValidationError(
            f"数据无法写入：{exc}（金额是否超出范围？）",
            fields={"file": "数据超出范围"},
        ) from None
    writer.write_table(table)
    for values in buffers.values():
        values.clear()


def _each_row(
    kind: str, rows: Iterable[list], by_column: list[tuple[int, str]], report
) -> Iterator[tuple[int, list, dict, Any]]:
    """(line, cells, raw, normalised) of every non-blank row; bad rows go to ``report``.

    The one place a file's rows are normalised, for the import and its preview alike.
    """
    spec = get_dataset(kind)
    for line, cells in enumerate(rows, start=2):  # line 1 is the header
        if all(_blank(v) for v in cells):
            report.blank_rows += 1
            continue
        width = len(cells)
        raw = {c: cells[i] if i < width else None for i, c in by_column}
        result = normalize_row(kind, raw)
        if result.errors:
            _report_errors(spec, report, line, result)
        yield line, cells, raw, result


def _changes(kind: str, raw: dict, result) -> dict[str, str]:
    """Column -> the kind of cleaning its cell went through (report.change_kind)."""
    spec = get_dataset(kind)
    values = result.values
    return {
        column: change_kind(
            spec.column(column),
            raw[column],
            values[column],
            values.get(f"{column}_branch"),
        )
        for column in result.changed
    }


def _convert(
    *,
    kind: str,
    rows,
    target: Path,
    mapping: dict[str, str],
    headers: list[str],
    progress: Callable[[int], None] | None,
    tick: Callable[[int], None] | None = None,
) -> tuple[int, ImportReport]:
    """Normalise every row into ``target``; the report lists changes and bad rows.

    ``tick(rows read)`` is called every :data:`_TICK_ROWS` rows and may raise to stop.
    Rows go through :class:`RowConverter`, which cleans them as :func:`_each_row`
    (the preview) does, once per distinct cell text.
    """
    spec = get_dataset(kind)
    extras = _extra_names(kind, headers, mapping)
    schema = _schema(kind, [name for _, name in extras])
    by_column = [(headers.index(h), c) for h, c in mapping.items()]
    converter = RowConverter(kind, by_column)
    buffers: dict[str, list] = {name: [] for name in schema.names}
    column_buffers = [buffers[name] for name in spec.column_names]
    branch_buffers = [
        (p, buffers[f"{spec.columns[p].name}_branch"]) for p in converter.branches
    ]
    extra_buffers = [(index, buffers[name]) for index, name in extras]
    chunk = settings.XIETONG_DATASET_CHUNK_ROWS
    report = ImportReport()
    changes: dict[str, int] = {}
    written = pending = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for line, cells in enumerate(rows, start=2):  # line 1 is the header
            first = cells[0] if cells else None
            # A first cell with text settles it without looking at the others.
            if not (type(first) is str and first and not first.isspace()):
                if all(_blank(v) for v in cells):
                    report.blank_rows += 1
                    continue
            if tick is not None and line % _TICK_ROWS == 0:
                tick(line - 1)
            cleaned = converter.cells(cells)
            if cleaned is None:
                result = converter.result(cells)[1]
                if result.errors:
                    _report_errors(spec, report, line, result)
                    if report.full:
                        break
                    continue
                # The converter refused a row normalize_row accepts (a birth date
                # that became today at midnight): the general path decides.
                cleaned = _general_cells(spec, *converter.result(cells))
            if report.error_rows:
                continue  # still looking for errors to report; nothing is kept
            for cell, buffer in zip(cleaned, column_buffers, strict=True):
                buffer.append(cell[0])
                if cell[2] is not None:
                    changes[cell[2]] = changes.get(cell[2], 0) + 1
            for p, buffer in branch_buffers:
                buffer.append(cleaned[p][1])
            if extra_buffers:
                width = len(cells)
                for index, buffer in extra_buffers:
                    value = cells[index] if index < width else None
                    buffer.append(None if _blank(value) else str(value).strip())
            pending += 1
            if pending >= chunk:
                _write_chunk(writer, schema, buffers)
                written, pending = written + pending, 0
                if progress:
                    progress(written)
        if not report.error_rows and pending:
            _write_chunk(writer, schema, buffers)
            written += pending
            if progress:
                progress(written)
    report.changes.update(changes)
    return written, report


def _report_errors(spec, report: ImportReport, line: int, result) -> None:
    report.error_rows += 1
    for column, message in result.errors.items():
        report.add_error(line, column, spec.column(column).label, message)


def _general_cells(spec, raw: dict, result) -> list:
    """normalize_row's clean result as RowConverter cells."""
    values = result.values
    changes = _changes(spec.name, raw, result)
    return [
        (values[c.name], values.get(f"{c.name}_branch"), changes.get(c.name))
        for c in spec.columns
    ]


def _refuse_rows(report: ImportReport) -> ValidationError:
    fields = {
        f"第 {e['row']} 行 {e['label']}（{e['column']}）": e["message"]
        for e in report.errors
    }
    more = "（仅列出前若干处，文件中可能还有更多错误）" if report.full else ""
    quoted = "；".join(error_line(e) for e in report.errors[:_QUOTED_ERRORS])
    error = ValidationError(
        f"有 {report.error_rows} 行数据无法规范化{more}，未导入任何数据。"
        f"请修正后重新导入：{quoted}",
        fields=fields,
    )
    error.report = report  # the structured errors, for the import job's error table
    return error


def _incoming() -> Path:
    incoming = datasets_root() / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    return incoming


def _stage(path_or_file, file_name: str | None, incoming: Path) -> tuple[Path, str]:
    """The input as a local path (an upload is copied next to the datasets first)."""
    if isinstance(path_or_file, str | os.PathLike):
        path = Path(path_or_file)
        if not path.is_file():
            raise ValidationError(f"文件不存在：{path}", fields={"file": "文件不存在"})
        return path, file_name or path.name
    name = file_name or Path(getattr(path_or_file, "name", "") or "").name
    if not name:
        raise ValidationError("请提供文件名。", fields={"file": "缺少文件名"})
    readers.file_format(name)  # refuse an unsupported type before copying it
    copy = incoming / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with open(copy, "wb") as out:
        shutil.copyfileobj(path_or_file, out, 1 << 20)
    return copy, name


def _open(path: Path, file_name: str) -> tuple[readers.Source, list[str]]:
    """The opened file and its header row; a ValidationError for an empty file."""
    fmt = readers.file_format(file_name)
    source = readers.open_source(
        path, fmt, xlsx_max_bytes=settings.XIETONG_DATASET_XLSX_MAX_BYTES
    )
    header_row = next(source.rows, None)
    if header_row is None:
        source.close()
        raise ValidationError(
            f"文件“{file_name}”是空的：没有表头。", fields={"file": "空文件"}
        )
    return source, ["" if h is None else str(h).strip() for h in header_row]


def _check_request(actor, kind: str, unit: Unit | None, period) -> None:
    """Kind, permission and period of an import, checked before reading any file."""
    if kind not in DATASETS:
        known = "、".join(DATASETS)
        raise ValidationError(
            f"未知的数据集类型“{kind}”：可用的有 {known}", fields={"kind": "类型无效"}
        )
    if actor is not None and not policies.can_import_dataset(actor, unit):
        raise PermissionDenied("您无权为该单位导入数据集。")
    if period[0] and period[1] and period[0] > period[1]:
        raise ValidationError(
            f"数据起始日期（{period[0]}）不能晚于截止日期（{period[1]}）。",
            fields={"period_start": "晚于截止日期"},
        )


def dataset_import(
    *,
    actor,
    kind: str,
    path_or_file,
    unit: Unit,
    file_name: str | None = None,
    name: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    tick: Callable[[int, int], None] | None = None,
) -> DatasetVersion:
    """Import a CSV, XLSX or Parquet file as the next version of ``unit``'s dataset.

    All or nothing: a missing required column or any row that cannot be normalised
    refuses the whole file (the error names the column, or each row and column) and
    nothing is stored. ``name`` tells apart several datasets of one kind in a unit
    (default: the kind's Chinese label). ``mapping`` (file header -> standard column,
    None to ignore a column) overrides the automatic header recognition.
    ``progress(rows written)`` follows each stored chunk; ``tick(rows read, bytes
    read)`` is called every thousand rows and may raise to abandon the import.
    """
    _check_request(actor, kind, unit, (period_start, period_end))
    name = (name or "").strip() or DATASETS[kind].label
    incoming = _incoming()
    source_path, file_name = _stage(path_or_file, file_name, incoming)
    staged = source_path.parent == incoming
    target = incoming / f"{uuid.uuid4().hex}.parquet.part"
    source = None
    try:
        source, headers = _open(source_path, file_name)
        columns = _resolve_mapping(kind, headers, mapping)
        rows, report = _convert(
            kind=kind,
            rows=source.rows,
            target=target,
            mapping=columns,
            headers=headers,
            progress=progress,
            tick=(lambda n: tick(n, source.position())) if tick else None,
        )
        if report.error_rows:
            raise _refuse_rows(report)
        if rows == 0:
            raise ValidationError(
                "文件中没有数据行，未导入。", fields={"file": "没有数据"}
            )
        version = _store(
            actor=actor,
            kind=kind,
            unit=unit,
            name=name,
            target=target,
            rows=rows,
            file_name=file_name,
            encoding=source.encoding,
            mapping=columns,
            report=report,
            period=(period_start, period_end),
        )
    finally:
        if source is not None:
            source.close()
        target.unlink(missing_ok=True)
        if staged:
            source_path.unlink(missing_ok=True)
    return version


@transaction.atomic
def _store(
    *,
    actor,
    kind,
    unit,
    name,
    target,
    rows,
    file_name,
    encoding,
    mapping,
    report,
    period,
) -> DatasetVersion:
    dataset, created = Dataset.objects.get_or_create(
        unit=unit, kind=kind, name=name, defaults={"created_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action=Action.CREATE,
            obj=dataset,
            summary={"类型": kind, "单位": unit.name},
        )
    # Lock the dataset row so two imports cannot take the same version number.
    Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
    last = dataset.versions.aggregate(n=Max("number"))["n"] or 0
    number = last + 1
    relative = Path("datasets") / str(dataset.pk) / f"v{number}.parquet"
    final = Path(settings.XIETONG_HOME) / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(target, final)
    try:
        version = DatasetVersion.objects.create(
            dataset=dataset,
            number=number,
            file=relative.as_posix(),
            rows=rows,
            source_name=file_name,
            source_encoding=encoding,
            column_mapping=mapping,
            report=report.as_dict(),
            period_start=period[0],
            period_end=period[1],
            imported_by=actor,
        )
        audit_record(
            actor=actor,
            action=Action.IMPORT,
            obj=version,
            summary={
                "文件": file_name,
                "行数": rows,
                "规范化": dict(report.changes),
            },
        )
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return version


# --- background imports ----------------------------------------------------------------


def dataset_import_enqueue(
    *,
    actor,
    kind: str,
    unit: Unit,
    upload,
    file_name: str | None = None,
    name: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> DatasetImport:
    """Queue the import of an upload (file object, or a file already under
    ``incoming``). Permission, kind, period, file type and the required columns are
    checked first: a refusal queues and keeps nothing."""
    _check_request(actor, kind, unit, (period_start, period_end))
    incoming = _incoming()
    copied = not (
        isinstance(upload, str | os.PathLike) and Path(upload).parent == incoming
    )
    if copied and isinstance(upload, str | os.PathLike):
        # A file elsewhere is copied: the staged file is removed after the import.
        file_name = file_name or Path(upload).name
        readers.file_format(file_name)
        with open(upload, "rb") as fh:
            path, file_name = _stage(fh, file_name, incoming)
    else:
        path, file_name = _stage(upload, file_name, incoming)
    try:
        source, headers = _open(path, file_name)
        source.close()
        combined = _resolve_mapping(kind, headers, mapping)
        with transaction.atomic():
            job = DatasetImport.objects.create(
                kind=kind,
                unit=unit,
                name=(name or "").strip(),
                staged_file=path.relative_to(settings.XIETONG_HOME).as_posix(),
                source_name=file_name,
                source_bytes=path.stat().st_size,
                # Every header spelled out, so the worker resolves the same mapping.
                mapping={h: combined.get(h) for h in headers if h},
                period_start=period_start,
                period_end=period_end,
                created_by=actor,
            )
            audit_record(
                actor=actor,
                action=Action.IMPORT,
                obj=job,
                summary={"文件": file_name, "类型": kind, "单位": unit.name},
            )
    except BaseException:
        if copied:
            path.unlink(missing_ok=True)
        raise
    return job


def _job_update(job: DatasetImport, **values) -> None:
    for key, value in values.items():
        setattr(job, key, value)
    DatasetImport.objects.filter(pk=job.pk).update(**values)


def _error_fields(exc: ApplicationError) -> dict[str, Any]:
    report = getattr(exc, "report", None)
    if report is None:
        return dict(exc.fields)
    return {
        "rows": report.errors,
        "error_rows": report.error_rows,
        "truncated": report.full,
    }


def dataset_import_perform(
    job: DatasetImport, *, should_cancel: Callable[[], bool] = lambda: False
) -> DatasetImport:
    """Carry out a queued import (the worker calls this): progress goes to the job
    about once a second; a cancel request (``should_cancel`` or the job's own flag)
    abandons it with nothing imported. Ends DONE with the version, FAILED with the
    reason and the per-row errors, or CANCELLED; the staged file is always removed."""
    job.refresh_from_db()
    path = Path(settings.XIETONG_HOME) / job.staged_file
    if job.status in FINISHED:
        path.unlink(missing_ok=True)
        return job
    now = timezone.now()
    claimed = DatasetImport.objects.filter(
        pk=job.pk, status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    ).update(
        status=RunStatus.RUNNING, started_at=job.started_at or now, heartbeat_at=now
    )
    if not claimed:  # cancelled in the meantime
        job.refresh_from_db()
        path.unlink(missing_ok=True)
        return job
    job.refresh_from_db()
    last = [time.monotonic()]

    def tick(rows: int, position: int) -> None:
        if should_cancel():
            raise ImportCancelled
        if time.monotonic() - last[0] < _PROGRESS_SECONDS:
            return
        last[0] = time.monotonic()
        _job_update(
            job, rows_done=rows, bytes_done=position, heartbeat_at=timezone.now()
        )
        if DatasetImport.objects.filter(pk=job.pk, cancel_requested=True).exists():
            raise ImportCancelled

    outcome: dict[str, Any] = {}
    try:
        if job.cancel_requested:
            raise ImportCancelled
        version = dataset_import(
            actor=job.created_by,
            kind=job.kind,
            path_or_file=path,
            unit=job.unit,
            file_name=job.source_name,
            name=job.name or None,
            mapping=job.mapping,
            period_start=job.period_start,
            period_end=job.period_end,
            tick=tick,
        )
    except ImportCancelled:
        outcome = {"status": RunStatus.CANCELLED, "error": CANCELLED_MESSAGE}
    except ApplicationError as exc:
        outcome = {
            "status": RunStatus.FAILED,
            "error": exc.message,
            "error_fields": _error_fields(exc),
        }
    except Exception:
        logger.exception("dataset import %s failed", job.pk)
        outcome = {
            "status": RunStatus.FAILED,
            "error": "导入时发生内部错误，未导入任何数据。请联系系统管理员。",
        }
    else:
        outcome = {
            "status": RunStatus.DONE,
            "version": version,
            "rows_done": version.rows,
            "bytes_done": job.source_bytes,
        }
    finally:
        path.unlink(missing_ok=True)
    _job_update(job, finished_at=timezone.now(), heartbeat_at=timezone.now(), **outcome)
    return job


def dataset_import_cancel(*, actor, job: DatasetImport) -> DatasetImport:
    """Stop an import: a queued one is cancelled at once, a running one at its next
    progress step (nothing is imported either way); a finished one cannot be."""
    if not policies.can_import_dataset(actor, job.unit):
        raise PermissionDenied("您无权取消该导入。")
    with transaction.atomic():
        job = DatasetImport.objects.select_for_update().get(pk=job.pk)
        if job.status in FINISHED:
            raise Conflict(f"该导入已结束（{job.get_status_display()}），无法取消。")
        job.cancel_requested = True
        fields = ["cancel_requested"]
        if job.status == RunStatus.QUEUED:
            job.status = RunStatus.CANCELLED
            job.error = CANCELLED_MESSAGE
            job.finished_at = timezone.now()
            fields += ["status", "error", "finished_at"]
        job.save(update_fields=fields)
        audit_record(
            actor=actor,
            action=Action.TRANSITION,
            obj=job,
            summary={"操作": "取消导入", "文件": job.source_name},
        )
    if job.status == RunStatus.CANCELLED:
        (Path(settings.XIETONG_HOME) / job.staged_file).unlink(missing_ok=True)
    return job
