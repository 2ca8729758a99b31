"""Importing a department's file as a new version of a standard dataset."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from xietong.access import policies
from xietong.analytics import readers
from xietong.analytics.engine import DATASETS, get_dataset, map_headers, normalize_row
from xietong.analytics.models import Dataset, DatasetVersion
from xietong.analytics.report import ImportReport, change_kind, error_line
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import PermissionDenied, ValidationError
from xietong.org.models import Unit

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


def datasets_root() -> Path:
    """``XIETONG_HOME/datasets``: one folder per dataset, one file per version."""
    return Path(settings.XIETONG_HOME) / "datasets"


def _resolve_mapping(kind: str, headers: list[str], mapping: Mapping | None):
    """File header -> standard column: automatic, then ``mapping`` on top."""
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
    missing = [g for g in spec.required if not present.intersection(g)]
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


def _convert(
    *,
    kind: str,
    rows,
    target: Path,
    mapping: dict[str, str],
    headers: list[str],
    progress: Callable[[int], None] | None,
) -> tuple[int, ImportReport]:
    """Normalise every row into ``target``; the report lists changes and bad rows."""
    spec = get_dataset(kind)
    extras = _extra_names(kind, headers, mapping)
    schema = _schema(kind, [name for _, name in extras])
    by_column = [(headers.index(h), c) for h, c in mapping.items()]
    buffers: dict[str, list] = {name: [] for name in schema.names}
    chunk = settings.XIETONG_DATASET_CHUNK_ROWS
    report = ImportReport()
    written = pending = 0
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for line, cells in enumerate(rows, start=2):  # line 1 is the header
            if all(_blank(v) for v in cells):
                report.blank_rows += 1
                continue
            width = len(cells)
            raw = {c: cells[i] if i < width else None for i, c in by_column}
            result = normalize_row(kind, raw)
            if result.errors:
                report.error_rows += 1
                for column, message in result.errors.items():
                    label = spec.column(column).label
                    report.add_error(line, column, label, message)
                if report.full:
                    break
                continue
            if report.error_rows:
                continue  # still looking for errors to report; nothing is kept
            values = result.values
            for column in result.changed:
                report.changes[
                    change_kind(
                        spec.column(column),
                        raw[column],
                        values[column],
                        values.get(f"{column}_branch"),
                    )
                ] += 1
            for name in spec.column_names:
                buffers[name].append(values[name])
            for c in spec.columns:
                if c.normalizer == "company_name":
                    buffers[f"{c.name}_branch"].append(values.get(f"{c.name}_branch"))
            for index, name in extras:
                value = cells[index] if index < width else None
                buffers[name].append(None if _blank(value) else str(value).strip())
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
    return written, report


def _refuse_rows(report: ImportReport) -> ValidationError:
    fields = {
        f"第 {e['row']} 行 {e['label']}（{e['column']}）": e["message"]
        for e in report.errors
    }
    more = "（仅列出前若干处，文件中可能还有更多错误）" if report.full else ""
    quoted = "；".join(error_line(e) for e in report.errors[:_QUOTED_ERRORS])
    return ValidationError(
        f"有 {report.error_rows} 行数据无法规范化{more}，未导入任何数据。"
        f"请修正后重新导入：{quoted}",
        fields=fields,
    )


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
    copy = incoming / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with open(copy, "wb") as out:
        shutil.copyfileobj(path_or_file, out, 1 << 20)
    return copy, name


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
) -> DatasetVersion:
    """Import a CSV, XLSX or Parquet file as the next version of ``unit``'s dataset.

    All or nothing: a missing required column or any row that cannot be normalised
    refuses the whole file (the error names the column, or each row and column) and
    nothing is stored. ``name`` tells apart several datasets of one kind in a unit
    (default: the kind's Chinese label). ``mapping`` (file header -> standard column,
    None to ignore a column) overrides the automatic header recognition.
    """
    if kind not in DATASETS:
        known = "、".join(DATASETS)
        raise ValidationError(
            f"未知的数据集类型“{kind}”：可用的有 {known}", fields={"kind": "类型无效"}
        )
    if actor is not None and not policies.can_import_dataset(actor, unit):
        raise PermissionDenied("您无权为该单位导入数据集。")
    if period_start and period_end and period_start > period_end:
        raise ValidationError(
            "数据起始日期不能晚于截止日期。", fields={"period_start": "晚于截止日期"}
        )
    name = (name or "").strip() or DATASETS[kind].label
    incoming = datasets_root() / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    source_path, file_name = _stage(path_or_file, file_name, incoming)
    staged = source_path.parent == incoming
    target = incoming / f"{uuid.uuid4().hex}.parquet.part"
    try:
        fmt = readers.file_format(file_name)
        source = readers.open_source(
            source_path, fmt, xlsx_max_bytes=settings.XIETONG_DATASET_XLSX_MAX_BYTES
        )
        header_row = next(source.rows, None)
        if header_row is None:
            raise ValidationError("文件是空的：没有表头。", fields={"file": "空文件"})
        headers = ["" if h is None else str(h).strip() for h in header_row]
        columns = _resolve_mapping(kind, headers, mapping)
        rows, report = _convert(
            kind=kind,
            rows=source.rows,
            target=target,
            mapping=columns,
            headers=headers,
            progress=progress,
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
