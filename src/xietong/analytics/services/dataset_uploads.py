"""The web import wizard: an upload is staged under ``incoming`` (step 1), previewed
with its column mapping (step 2) and queued as a background import (step 3).

Staged uploads belong to the analyst who made them (a JSON sidecar records who and
what step 1 asked); ones nobody went on to import are swept after a day. The preview
reads rows through the import's own functions, so it reports what the import will do.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from xietong.access import policies
from xietong.analytics.engine import get_dataset, map_headers
from xietong.analytics.models import DatasetImport, RunStatus
from xietong.analytics.report import ImportReport
from xietong.core.errors import NotFound, PermissionDenied
from xietong.org.models import Unit

from .datasets import (
    STAGED_MAX_AGE,
    _changes,
    _check_request,
    _combine_mapping,
    _each_row,
    _incoming,
    _open,
    _stage,
    dataset_import_enqueue,
    datasets_root,
)

# --- preview ---------------------------------------------------------------------------


@dataclass
class Preview:
    """What importing a file would do: its mapping, sample rows and first bad rows."""

    kind: str
    file_name: str
    encoding: str
    headers: list[str]
    auto: dict[str, str]  # header -> column, as recognised automatically
    mapping: dict[str, str]  # header -> column, in effect
    required: list[dict[str, Any]]  # {"label", "ok"} per required group
    missing: str  # Chinese sentence naming the missing required columns, or ""
    sample: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_rows: int = 0
    checked: int = 0  # data lines read for the check
    more: bool = False  # the file goes on beyond the checked lines
    truncated: bool = False  # more errors than listed

    @property
    def ok(self) -> bool:
        return not self.missing and not self.error_rows


def _shown(value: Any) -> str:
    """A cell as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def dataset_preview(
    *,
    actor,
    kind: str,
    path,
    file_name: str,
    mapping: Mapping[str, str | None] | None = None,
    sample_rows: int = 20,
    check_rows: int = 1000,
) -> Preview:
    """The mapping, the first ``sample_rows`` rows normalised and the errors of the
    first ``check_rows`` rows of a staged file, exactly as the import would see them."""
    if not policies.analytics_units(actor, policies.ANALYTICS_WORK_ROLES).exists():
        raise PermissionDenied("您无权导入数据集。")
    _check_request(None, kind, None, (None, None))
    spec = get_dataset(kind)
    source, headers = _open(Path(path), file_name)
    try:
        auto = map_headers(kind, headers).mapping
        combined, missing = _combine_mapping(kind, headers, mapping)
        present = set(combined.values())
        preview = Preview(
            kind=kind,
            file_name=file_name,
            encoding=source.encoding,
            headers=headers,
            auto=auto,
            mapping=combined,
            required=[
                {"label": spec.describe_group(g), "ok": bool(present.intersection(g))}
                for g in spec.required
            ],
            missing="；".join(spec.describe_group(g) for g in missing),
        )
        by_column = [(headers.index(h), c) for h, c in combined.items()]
        report = ImportReport()
        read = [0]

        def lines():
            for cells in islice(source.rows, check_rows):
                read[0] += 1
                yield cells

        for line, cells, raw, result in _each_row(kind, lines(), by_column, report):
            if len(preview.sample) >= sample_rows and missing:
                break  # rows cannot be checked before the mapping is complete
            if len(preview.sample) < sample_rows:
                preview.sample.append(
                    _sample_row(spec, headers, combined, line, cells, raw, result)
                )
        preview.checked = read[0]
        preview.more = next(source.rows, None) is not None
    finally:
        source.close()
    if not missing:
        preview.errors = report.errors
        preview.error_rows = report.error_rows
        preview.truncated = report.full
    return preview


def _sample_row(spec, headers, mapping, line, cells, raw, result) -> dict[str, Any]:
    """One preview row: every header's cell, raw and (when mapped) normalised."""
    changes = _changes(spec.name, raw, result)
    row = []
    for index, header in enumerate(headers):
        value = cells[index] if index < len(cells) else None
        column = mapping.get(header)
        if column is None:
            row.append({"raw": _shown(value), "mapped": False})
            continue
        row.append(
            {
                "raw": _shown(value),
                "mapped": True,
                "value": _shown(result.values.get(column)),
                "change": changes.get(column, ""),
                "error": result.errors.get(column, ""),
            }
        )
    bad = any(c.get("error") for c in row)
    return {"line": line, "cells": row, "bad": bad}


# --- staged uploads (the web wizard) ---------------------------------------------------

_TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass
class StagedUpload:
    """An upload waiting under ``incoming`` for its mapping, with what step 1 asked."""

    token: str
    actor_id: int
    kind: str
    unit_id: int
    file_name: str
    suffix: str
    name: str = ""
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    @property
    def path(self) -> Path:
        return datasets_root() / "incoming" / f"{self.token}{self.suffix}"

    @property
    def unit(self) -> Unit:
        return Unit.objects.get(pk=self.unit_id)

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0


def _sidecar(token: str) -> Path:
    return datasets_root() / "incoming" / f"{token}.json"


def staged_sweep(*, now: float | None = None) -> int:
    """Remove staged files older than :data:`STAGED_MAX_AGE` that no pending import
    needs (uploads abandoned at the mapping step); returns how many went."""
    incoming = datasets_root() / "incoming"
    if not incoming.is_dir():
        return 0
    pending = {
        Path(f).name
        for f in DatasetImport.objects.filter(
            status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
        ).values_list("staged_file", flat=True)
    }
    limit = (now or time.time()) - STAGED_MAX_AGE.total_seconds()
    removed = 0
    for entry in incoming.iterdir():
        try:
            old = entry.is_file() and entry.stat().st_mtime < limit
        except FileNotFoundError:
            continue
        if old and entry.name not in pending:
            entry.unlink(missing_ok=True)
            removed += 1
    return removed


def dataset_upload_stage(
    *,
    actor,
    kind: str,
    unit: Unit,
    upload,
    file_name: str | None = None,
    name: str | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> StagedUpload:
    """Keep an upload under ``incoming`` for the mapping step, once its kind, unit,
    period, type and header row are acceptable; nothing else is stored."""
    _check_request(actor, kind, unit, (period_start, period_end))
    incoming = _incoming()
    staged_sweep()
    path, file_name = _stage(upload, file_name, incoming)
    try:
        source, _ = _open(path, file_name)
        source.close()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    staged = StagedUpload(
        token=path.stem,
        actor_id=actor.pk,
        kind=kind,
        unit_id=unit.pk,
        file_name=file_name,
        suffix=path.suffix,
        name=(name or "").strip(),
        period_start=period_start,
        period_end=period_end,
    )
    record = {**staged.__dict__}
    for key in ("period_start", "period_end"):
        record[key] = record[key].isoformat() if record[key] else None
    _sidecar(staged.token).write_text(json.dumps(record, ensure_ascii=False))
    return staged


def staged_upload_get(*, actor, token: str) -> StagedUpload:
    """The actor's own staged upload; NotFound for anyone else's, or one gone."""
    if not _TOKEN.fullmatch(str(token)):
        raise NotFound()
    try:
        record = json.loads(_sidecar(token).read_text())
    except (OSError, ValueError):
        raise NotFound() from None
    for key in ("period_start", "period_end"):
        record[key] = dt.date.fromisoformat(record[key]) if record[key] else None
    staged = StagedUpload(**record)
    if staged.actor_id != getattr(actor, "pk", None) or not staged.path.is_file():
        raise NotFound()
    return staged


def staged_upload_discard(*, actor, staged: StagedUpload) -> None:
    """The analyst gives up at the mapping step: the staged file goes at once."""
    if staged.actor_id == actor.pk:
        staged.path.unlink(missing_ok=True)
        _sidecar(staged.token).unlink(missing_ok=True)


def dataset_upload_enqueue(
    *, actor, staged: StagedUpload, mapping: Mapping[str, str | None] | None
) -> DatasetImport:
    """Queue the import of the actor's staged upload with the mapping chosen at the
    mapping step; the staged upload is then the job's (step 2 cannot be replayed)."""
    job = dataset_import_enqueue(
        actor=actor,
        kind=staged.kind,
        unit=staged.unit,
        upload=staged.path,
        file_name=staged.file_name,
        name=staged.name or None,
        mapping=mapping,
        period_start=staged.period_start,
        period_end=staged.period_end,
    )
    _sidecar(staged.token).unlink(missing_ok=True)
    return job
