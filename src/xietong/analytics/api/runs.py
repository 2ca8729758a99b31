"""JSON API of the analytics app: the model catalogue, runs (queue, follow, cancel)
and schedules. Runs are queued and performed by the background worker; poll
``GET /analytics/runs/{id}`` for progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from xietong.access import policies
from xietong.analytics import selectors
from xietong.analytics.models import ALL_MODELS, CustomModel, Engine, ModelRun
from xietong.analytics.services import (
    model_run_cancel,
    model_run_enqueue,
    schedule_create,
    schedule_delete,
    schedule_set_enabled,
)
from xietong.analytics.services.runs import scope_label
from xietong.analytics.services.schedules import schedule_model_label
from xietong.core.errors import ValidationError
from xietong.core.paging import ApiPageNumberPagination
from xietong.org.models import Unit

router = Router(tags=["大数据监督"])


class ParameterOut(Schema):
    name: str
    label: str
    type: str
    default: Any
    minimum: Any = None
    maximum: Any = None
    help: str = ""


class ModelOut(Schema):
    key: str
    label: str
    description: str
    parameters: list[ParameterOut]


class VersionOut(Schema):
    dataset_id: int
    dataset_name: str
    kind: str
    version: int
    rows: int


class RunOut(Schema):
    id: int
    model: str
    model_label: str
    custom_model_id: int | None
    unit_id: int
    unit_name: str
    engine: str
    status: str
    status_label: str
    scope: dict
    scope_label: str
    params: dict
    progress_done: int
    progress_total: int
    progress_note: str
    cancel_requested: bool
    hits_new: int
    hits_known: int
    error: str
    schedule_id: int | None
    created_by: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    hits_url: str

    @staticmethod
    def resolve_model_label(run: ModelRun) -> str:
        return run.custom_model.name if run.custom_model_id else run.model_label

    @staticmethod
    def resolve_unit_name(run: ModelRun) -> str:
        return run.unit.name

    @staticmethod
    def resolve_status_label(run: ModelRun) -> str:
        return run.get_status_display()

    @staticmethod
    def resolve_scope_label(run: ModelRun) -> str:
        return scope_label(run.scope)

    @staticmethod
    def resolve_created_by(run: ModelRun) -> str | None:
        return run.created_by.full_name if run.created_by_id else None

    @staticmethod
    def resolve_hits_url(run: ModelRun) -> str:
        return f"/api/analytics/hits?run={run.pk}"


class RunDetailOut(RunOut):
    data_versions: list[VersionOut]

    @staticmethod
    def resolve_data_versions(run: ModelRun) -> list[dict]:
        return [
            {
                "dataset_id": v.dataset_id,
                "dataset_name": v.dataset.name,
                "kind": v.dataset.kind,
                "version": v.number,
                "rows": v.rows,
            }
            for v in selectors.model_run_data_versions(run)
        ]


class RunIn(Schema):
    model: str = ALL_MODELS
    unit_id: int
    engine: str = Engine.DUCKDB
    params: dict = {}
    scope: dict = {}
    custom_model_id: int | None = None


class ScheduleOut(Schema):
    id: int
    model: str
    model_label: str
    custom_model_id: int | None
    unit_id: int
    unit_name: str
    engine: str
    params: dict
    scope: dict
    scope_label: str
    every: str
    every_label: str
    next_run_at: dt.datetime
    enabled: bool
    disabled_reason: str
    created_by: str | None


class ScheduleIn(RunIn):
    every: str
    first_run_at: dt.datetime | None = None


class ScheduleChangeIn(Schema):
    enabled: bool


def _schedule_out(s) -> dict:
    return {
        "id": s.pk,
        "model": s.model,
        "model_label": schedule_model_label(s),
        "custom_model_id": s.custom_model_id,
        "unit_id": s.unit_id,
        "unit_name": s.unit.name,
        "engine": s.engine,
        "params": s.params,
        "scope": s.scope,
        "scope_label": scope_label(s.scope),
        "every": s.every,
        "every_label": s.get_every_display(),
        "next_run_at": s.next_run_at,
        "enabled": s.enabled,
        "disabled_reason": s.disabled_reason,
        "created_by": s.created_by.full_name if s.created_by_id else None,
    }


def _require_viewer(user) -> None:
    policies.require(policies.analytics_units(user).exists())


def _run_args(user, payload: RunIn) -> dict:
    """The service arguments of a run request: unit and custom model looked up."""
    policies.require(selectors.run_units(viewer=user).exists())
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise ValidationError(
            f"单位编号 {payload.unit_id} 不存在。", fields={"unit_id": "单位不存在"}
        )
    custom = None
    if payload.custom_model_id is not None:
        custom = CustomModel.objects.filter(pk=payload.custom_model_id).first()
        if custom is None:
            raise ValidationError(
                f"自定义模型编号 {payload.custom_model_id} 不存在。",
                fields={"custom_model_id": "自定义模型不存在"},
            )
    return {
        "model": payload.model,
        "unit": unit,
        "engine": payload.engine,
        "params": payload.params,
        "scope": payload.scope,
        "custom_model": custom,
    }


@router.get(
    "/analytics/models",
    response=list[ModelOut],
    summary="内置模型目录（参数的名称、类型、默认值和取值范围）",
)
def analytics_model_list(request):
    _require_viewer(request.auth)
    return selectors.model_catalogue()


@router.get("/analytics/runs", response=list[RunOut], summary="模型运行（新的在前）")
@paginate(ApiPageNumberPagination, page_size=50)
def analytics_run_list(request, status: str = ""):
    user = request.auth
    _require_viewer(user)
    qs = selectors.model_run_list(viewer=user).select_related(
        "created_by", "custom_model"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post(
    "/analytics/runs",
    response={201: RunDetailOut},
    summary="提交模型运行（排队，由后台任务进程执行）",
)
def analytics_run_create(request, payload: RunIn):
    run = model_run_enqueue(actor=request.auth, **_run_args(request.auth, payload))
    return Status(201, run)


@router.get(
    "/analytics/runs/{int:run_id}",
    response=RunDetailOut,
    summary="一次模型运行：状态、进度、参数、使用的数据版本和结果",
)
def analytics_run_detail(request, run_id: int):
    return selectors.access_model_run_by_id(request.auth, run_id)


@router.post(
    "/analytics/runs/{int:run_id}/cancel",
    response=RunDetailOut,
    summary="取消模型运行（排队中的立即取消，运行中的尽快停止）",
)
def analytics_run_cancel(request, run_id: int):
    run = selectors.access_model_run_by_id(request.auth, run_id)
    return model_run_cancel(actor=request.auth, run=run)


@router.get("/analytics/schedules", response=list[ScheduleOut], summary="定时运行")
def analytics_schedule_list(request):
    _require_viewer(request.auth)
    return [_schedule_out(s) for s in selectors.run_schedule_list(viewer=request.auth)]


@router.post(
    "/analytics/schedules",
    response={201: ScheduleOut},
    summary="新建定时运行（每天、每周或每月）",
)
def analytics_schedule_create(request, payload: ScheduleIn):
    schedule = schedule_create(
        actor=request.auth,
        every=payload.every,
        first_run_at=payload.first_run_at,
        **_run_args(request.auth, payload),
    )
    return Status(201, _schedule_out(schedule))


@router.post(
    "/analytics/schedules/{int:schedule_id}",
    response=ScheduleOut,
    summary="启用或停用定时运行",
)
def analytics_schedule_update(request, schedule_id: int, payload: ScheduleChangeIn):
    schedule = selectors.access_run_schedule_by_id(request.auth, schedule_id)
    schedule = schedule_set_enabled(
        actor=request.auth, schedule=schedule, enabled=payload.enabled
    )
    return _schedule_out(schedule)


@router.delete(
    "/analytics/schedules/{int:schedule_id}",
    response={204: None},
    summary="删除定时运行（已产生的运行保留）",
)
def analytics_schedule_delete(request, schedule_id: int):
    schedule = selectors.access_run_schedule_by_id(request.auth, schedule_id)
    schedule_delete(actor=request.auth, schedule=schedule)
    return Status(204, None)
