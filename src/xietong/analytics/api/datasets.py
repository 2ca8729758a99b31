"""JSON API of the analytics app: datasets, their versions and background imports.

An import is posted as multipart (the file with its kind, unit, mapping and period),
checked at once (permission, type, required columns: 400/403 with nothing kept) and
answered 202 with the queued job, whose progress and outcome are then polled.
"""

import datetime as dt
import json
from typing import Any

from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from xietong.analytics import selectors_datasets as sel
from xietong.analytics import services
from xietong.analytics.report import report_lines
from xietong.core.errors import ValidationError
from xietong.core.paging import ApiPageNumberPagination
from xietong.org.models import Unit

router = Router(tags=["大数据监督"])


class DatasetOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    unit_id: int
    unit: str
    latest_version: int | None
    rows: int | None
    period_start: dt.date | None
    period_end: dt.date | None
    imported_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name

    @staticmethod
    def resolve_latest_version(obj):
        return getattr(obj, "latest_number", None)

    @staticmethod
    def resolve_rows(obj):
        return getattr(obj, "latest_rows", None)

    @staticmethod
    def resolve_period_start(obj):
        return getattr(obj, "latest_start", None)

    @staticmethod
    def resolve_period_end(obj):
        return getattr(obj, "latest_end", None)

    @staticmethod
    def resolve_imported_at(obj):
        return getattr(obj, "latest_at", None)


class VersionOut(Schema):
    id: int
    number: int
    rows: int
    source_name: str
    source_encoding: str
    encoding_label: str
    period_start: dt.date | None
    period_end: dt.date | None
    imported_at: dt.datetime
    imported_by: str | None
    column_mapping: dict[str, Any]
    report: dict[str, Any]
    report_lines: list[str]


class DatasetDetailOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    unit_id: int
    unit: str
    versions: list[VersionOut]


class RowErrorOut(Schema):
    row: int
    column: str
    label: str
    message: str


class ImportOut(Schema):
    id: int
    status: str
    status_label: str
    finished: bool
    kind: str
    unit_id: int
    unit: str
    name: str
    source_name: str
    source_bytes: int
    rows_done: int
    bytes_done: int
    percent: int
    cancel_requested: bool
    error: str
    errors: list[RowErrorOut]
    error_rows: int
    errors_truncated: bool
    error_fields: dict[str, Any]
    dataset_id: int | None
    version_id: int | None
    version_number: int | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class DatasetFilterIn(Schema):
    unit: int | None = None
    kind: str = ""


@router.get(
    "/analytics/datasets",
    response=list[DatasetOut],
    summary="数据集（本委所属单位的；可按单位、类型筛选）",
)
@paginate(ApiPageNumberPagination, page_size=50)
def analytics_datasets(request, filters: Query[DatasetFilterIn]):
    return sel.dataset_overview(
        viewer=request.auth, unit_id=filters.unit, kind=filters.kind
    )


@router.get(
    "/analytics/datasets/{int:dataset_id}",
    response=DatasetDetailOut,
    summary="数据集及其各版本（规范化报告、列对应关系）",
)
def analytics_dataset(request, dataset_id: int):
    dataset = sel.access_dataset_by_id(request.auth, dataset_id)
    versions = [
        {
            "id": v.pk,
            "number": v.number,
            "rows": v.rows,
            "source_name": v.source_name,
            "source_encoding": v.source_encoding,
            "encoding_label": sel.encoding_label(v.source_encoding),
            "period_start": v.period_start,
            "period_end": v.period_end,
            "imported_at": v.imported_at,
            "imported_by": v.imported_by.full_name if v.imported_by else None,
            "column_mapping": v.column_mapping,
            "report": v.report,
            "report_lines": report_lines(v.report),
        }
        for v in sel.dataset_versions(dataset)
    ]
    return {
        "id": dataset.pk,
        "kind": dataset.kind,
        "kind_label": dataset.get_kind_display(),
        "name": dataset.name,
        "unit_id": dataset.unit_id,
        "unit": dataset.unit.name,
        "versions": versions,
    }


def _mapping(text: str) -> dict[str, str | None] | None:
    if not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str))
        for k, v in mapping.items()
    ):
        raise ValidationError(
            "列对应关系（mapping）应为 JSON 对象：文件列名 → 标准列名（null 表示不对应）。",
            fields={"mapping": "不是有效的 JSON 对象"},
        )
    return mapping


@router.post(
    "/analytics/datasets/imports",
    response={202: ImportOut},
    summary="上传文件并排队导入（multipart；检查未通过时不保留任何内容）",
)
def analytics_import_create(
    request,
    file: File[UploadedFile],
    kind: Form[str],
    unit_id: Form[int],
    name: Form[str] = "",
    mapping: Form[str] = "",
    period_start: Form[dt.date | None] = None,
    period_end: Form[dt.date | None] = None,
):
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError(
            f"提供单位（unit_id={unit_id}）不存在。", fields={"unit_id": "单位不存在"}
        )
    job = services.dataset_import_enqueue(
        actor=request.auth,
        kind=kind,
        unit=unit,
        upload=file,
        file_name=file.name,
        name=name,
        mapping=_mapping(mapping),
        period_start=period_start,
        period_end=period_end,
    )
    return Status(202, sel.import_state(job))


@router.get(
    "/analytics/datasets/imports/{int:import_id}",
    response=ImportOut,
    summary="导入任务的进度和结果（失败时含逐行错误）",
)
def analytics_import(request, import_id: int):
    return sel.import_state(sel.access_dataset_import_by_id(request.auth, import_id))


@router.post(
    "/analytics/datasets/imports/{int:import_id}/cancel",
    response=ImportOut,
    summary="取消导入（排队中的立即取消，进行中的尽快停止；不导入任何数据）",
)
def analytics_import_cancel(request, import_id: int):
    job = sel.access_dataset_import_by_id(request.auth, import_id)
    job = services.dataset_import_cancel(actor=request.auth, job=job)
    return sel.import_state(job)
