"""Reads of datasets, their versions and import jobs for the pages and the API, scoped
for the viewer by ``access.policies`` (analytics units of the viewer's commission)."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from xietong.access import policies
from xietong.analytics.models import Dataset, DatasetImport, DatasetVersion, RunStatus
from xietong.analytics.report import report_lines
from xietong.core.errors import NotFound
from xietong.org.models import Unit

# How the pages name a detected CSV encoding.
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8（带 BOM）",
    "gb18030": "GBK/GB18030（已转换为 UTF-8）",
}


def importable_units(user) -> QuerySet:
    """Units ``user`` may import datasets for (analysts: their commission's units)."""
    return policies.analytics_units(user, policies.ANALYTICS_WORK_ROLES).order_by(
        "path"
    )


def dataset_overview(*, viewer, unit_id=None, kind: str = "") -> QuerySet:
    """Datasets ``viewer`` may see with their latest version's figures, optionally of
    one unit or kind."""
    latest = DatasetVersion.objects.filter(dataset=OuterRef("pk")).order_by("-number")
    qs = policies.scope_datasets(viewer, Dataset.objects.select_related("unit"))
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(
        latest_number=Subquery(latest.values("number")[:1]),
        latest_rows=Subquery(latest.values("rows")[:1]),
        latest_start=Subquery(latest.values("period_start")[:1]),
        latest_end=Subquery(latest.values("period_end")[:1]),
        latest_at=Subquery(latest.values("imported_at")[:1]),
        latest_by=Subquery(latest.values("imported_by__full_name")[:1]),
    ).order_by("unit__path", "kind", "name")


def access_dataset_by_id(actor, dataset_id) -> Dataset:
    """Fetch and authorise in one call; missing and forbidden answer the same."""
    try:
        pk = int(dataset_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    dataset = (
        policies.scope_datasets(actor, Dataset.objects.select_related("unit"))
        .filter(pk=pk)
        .first()
    )
    if dataset is None:
        raise NotFound()
    return dataset


def dataset_versions(dataset: Dataset) -> list[DatasetVersion]:
    """Every version of an (authorised) dataset, newest first, with its report lines."""
    versions = list(dataset.versions.select_related("imported_by").order_by("-number"))
    for v in versions:
        v.report_lines = report_lines(v.report)
        v.encoding_label = encoding_label(v.source_encoding)
    return versions


def encoding_label(encoding: str) -> str:
    """The detected encoding as the pages name it ("" for XLSX and Parquet)."""
    return ENCODINGS.get(encoding, encoding)


def dataset_import_list(*, viewer, active_only: bool = False) -> QuerySet:
    """Import jobs of the units ``viewer`` may see, newest first."""
    qs = DatasetImport.objects.select_related("unit", "created_by", "version").filter(
        unit__in=policies.analytics_units(viewer).values("pk")
    )
    if active_only:
        qs = qs.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
    return qs


def access_dataset_import_by_id(actor, job_id) -> DatasetImport:
    """Fetch and authorise an import job; missing and forbidden answer the same."""
    try:
        pk = int(job_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    job = dataset_import_list(viewer=actor).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


def import_state(job: DatasetImport) -> dict[str, Any]:
    """A job's progress and outcome, as the progress page and the API show it."""
    fields = job.error_fields or {}
    rows = fields.get("rows") if isinstance(fields.get("rows"), list) else None
    percent = 0
    if job.status == RunStatus.DONE:
        percent = 100
    elif job.source_bytes:
        percent = min(99, job.bytes_done * 100 // job.source_bytes)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.status
        in (RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED),
        "kind": job.kind,
        "kind_label": job.get_kind_display(),
        "unit_id": job.unit_id,
        "unit": job.unit.name,
        "name": job.name or job.get_kind_display(),
        "source_name": job.source_name,
        "source_bytes": job.source_bytes,
        "rows_done": job.rows_done,
        "bytes_done": job.bytes_done,
        "percent": percent,
        "cancel_requested": job.cancel_requested,
        "error": job.error,
        "errors": rows or [],
        "error_rows": fields.get("error_rows", len(rows or [])) if rows else 0,
        "errors_truncated": bool(fields.get("truncated")) if rows else False,
        "error_fields": {} if rows is not None else fields,
        "version_id": job.version_id,
        "dataset_id": job.version.dataset_id if job.version_id else None,
        "version_number": job.version.number if job.version_id else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def unit_choices(viewer) -> QuerySet:
    """Units to filter the dataset list by: those ``viewer`` may see datasets of."""
    return Unit.objects.filter(
        pk__in=policies.analytics_units(viewer).values("pk")
    ).order_by("path")
