"""JSON API of the analytics app: custom SQL models — list, create, read, change,
delete, try out (first 50 rows) and run in the background."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema
from ninja.responses import Status

from xietong.access import policies
from xietong.analytics import selectors_custom as sel
from xietong.analytics.evidence import display_value
from xietong.analytics.services import custom_models as services
from xietong.analytics.services.runs import model_run_enqueue
from xietong.core.errors import PermissionDenied, ValidationError
from xietong.org.models import Unit

router = Router(tags=["大数据监督"])


class ParamSpec(Schema):
    name: str
    label: str = ""
    type: str = "str"
    default: Any = None
    min: Any = None
    max: Any = None


class CustomModelOut(Schema):
    id: int
    name: str
    description: str
    unit_id: int
    unit: str
    sql: str
    params: list[dict[str, Any]]
    reason_template: str
    shared: bool
    created_by: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    can_edit: bool = False


class CustomModelIn(Schema):
    name: str
    sql: str
    params: list[ParamSpec] = []
    description: str = ""
    reason_template: str = ""
    shared: bool = False
    unit_id: int | None = None  # the analyst's own unit when left out


class TrialIn(Schema):
    params: dict[str, Any] = {}
    # Unsaved changes to try instead of the saved SQL and parameter declarations.
    sql: str | None = None
    param_spec: list[ParamSpec] | None = None


class TrialOut(Schema):
    columns: list[str]
    rows: list[dict[str, str]]
    truncated: bool
    elapsed_s: float


class RunIn(Schema):
    params: dict[str, Any] = {}


class RunOut(Schema):
    id: int
    status: str
    model: str
    custom_model_id: int
    params: dict[str, Any]
    created_at: dt.datetime


def _out(user, custom_model) -> dict[str, Any]:
    creator = custom_model.created_by
    return {
        "id": custom_model.pk,
        "name": custom_model.name,
        "description": custom_model.description,
        "unit_id": custom_model.unit_id,
        "unit": custom_model.unit.name,
        "sql": custom_model.sql,
        "params": custom_model.params,
        "reason_template": custom_model.reason_template,
        "shared": custom_model.shared,
        "created_by": creator.username if creator else None,
        "created_at": custom_model.created_at,
        "updated_at": custom_model.updated_at,
        "can_edit": policies.can_edit_custom_model(user, custom_model),
    }


def _unit_for(user, unit_id: int | None) -> Unit:
    if unit_id is None:
        return user.unit
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise ValidationError("所属单位不存在。", fields={"unit_id": "单位不存在"})
    return unit


@router.get(
    "/analytics/custom-models",
    response=list[CustomModelOut],
    summary="自定义模型（本人的和本单位共享的）",
)
def custom_model_list(request):
    user = request.auth
    policies.require(policies.analytics_units(user).exists())
    return [_out(user, m) for m in sel.custom_model_list(viewer=user)]


@router.post(
    "/analytics/custom-models",
    response={201: CustomModelOut},
    summary="新建自定义模型（数据分析员）",
)
def custom_model_create(request, payload: CustomModelIn):
    user = request.auth
    policies.require(
        policies.analytics_units(user, policies.ANALYTICS_WORK_ROLES).exists()
    )
    custom_model = services.custom_model_save(
        actor=user,
        unit=_unit_for(user, payload.unit_id),
        name=payload.name,
        sql=payload.sql,
        params=[p.dict() for p in payload.params],
        description=payload.description,
        reason_template=payload.reason_template,
        shared=payload.shared,
    )
    return Status(201, _out(user, custom_model))


@router.get(
    "/analytics/custom-models/{int:model_id}",
    response=CustomModelOut,
    summary="一个自定义模型",
)
def custom_model_detail(request, model_id: int):
    user = request.auth
    return _out(user, sel.access_custom_model_by_id(user, model_id))


@router.put(
    "/analytics/custom-models/{int:model_id}",
    response=CustomModelOut,
    summary="修改自定义模型（创建人；共享的模型本单位分析员均可修改）",
)
def custom_model_update(request, model_id: int, payload: CustomModelIn):
    user = request.auth
    custom_model = sel.access_custom_model_by_id(user, model_id)
    custom_model = services.custom_model_save(
        actor=user,
        unit=None if payload.unit_id is None else _unit_for(user, payload.unit_id),
        name=payload.name,
        sql=payload.sql,
        params=[p.dict() for p in payload.params],
        description=payload.description,
        reason_template=payload.reason_template,
        shared=payload.shared,
        custom_model=custom_model,
    )
    return _out(user, custom_model)


@router.delete(
    "/analytics/custom-models/{int:model_id}",
    response={204: None},
    summary="删除从未运行过的自定义模型",
)
def custom_model_delete(request, model_id: int):
    user = request.auth
    custom_model = sel.access_custom_model_by_id(user, model_id)
    services.custom_model_delete(actor=user, custom_model=custom_model)
    return Status(204, None)


@router.post(
    "/analytics/custom-models/{int:model_id}/trial",
    response=TrialOut,
    summary="试运行自定义模型：前 50 行，限时 30 秒",
)
def custom_model_trial(request, model_id: int, payload: TrialIn):
    user = request.auth
    custom_model = sel.access_custom_model_by_id(user, model_id)
    result = services.custom_model_trial(
        actor=user,
        custom_model=custom_model,
        sql=payload.sql,
        param_spec=None
        if payload.param_spec is None
        else [p.dict() for p in payload.param_spec],
        params=payload.params,
    )
    return {
        "columns": result.columns,
        "rows": [
            {c: display_value(row[c]) for c in result.columns} for row in result.rows
        ],
        "truncated": result.truncated,
        "elapsed_s": round(result.elapsed_s, 3),
    }


@router.post(
    "/analytics/custom-models/{int:model_id}/run",
    response={202: RunOut},
    summary="在后台运行自定义模型，结果列入预警",
)
def custom_model_run(request, model_id: int, payload: RunIn):
    user = request.auth
    custom_model = sel.access_custom_model_by_id(user, model_id)
    if not policies.can_run_custom_model(user, custom_model):
        raise PermissionDenied("您可以查看但无权运行该自定义模型。")
    run = model_run_enqueue(
        actor=user,
        model="custom",
        unit=custom_model.unit,
        params=payload.params,
        custom_model=custom_model,
    )
    return Status(
        202,
        {
            "id": run.pk,
            "status": run.status,
            "model": run.model,
            "custom_model_id": custom_model.pk,
            "params": run.params,
            "created_at": run.created_at,
        },
    )
