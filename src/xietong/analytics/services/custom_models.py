"""Custom SQL models: saving and deleting them, trying them out, and the two hooks
the run worker calls to run one in the background.

The SQL and its parameters are checked by the Django-free ``engine.custom``; this
module adds who may do what (``access.policies``), the unit's data and the audit.
A model that has been run is kept — its runs and hits refer to it — so deleting one
is refused once it has run; the analyst can stop sharing it or change it instead.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from xietong.access import policies
from xietong.analytics.engine import custom as sandbox
from xietong.analytics.models import CustomModel, ModelRun
from xietong.analytics.services.runs import _sources, latest_versions
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.org.models import Unit

TRIAL_ROWS = 50
TRIAL_TIMEOUT_S = 30
# A background run may take longer than a trial, but not for ever.
RUN_TIMEOUT_S = 300
RUN_MEMORY_LIMIT = "1GB"
MAX_HITS = 10_000
MAX_NAME = 128
MAX_REASON_TEMPLATE = 255


def _sql_error(exc: sandbox.CustomSQLError) -> ValidationError:
    return ValidationError(exc.message, fields={"sql": exc.message})


def _param_error(exc: sandbox.CustomParamError) -> ValidationError:
    return ValidationError(str(exc), fields=dict(exc.fields))


def _checked(sql: str, params: Any) -> tuple[list[dict[str, Any]], sandbox.CheckedSQL]:
    """The cleaned parameter declarations and the checked SQL (declared ``$names``)."""
    try:
        spec = sandbox.check_param_spec(params)
    except sandbox.CustomParamError as exc:
        raise _param_error(exc) from None
    try:
        checked = sandbox.check_sql(sql or "", declared=[p["name"] for p in spec])
    except sandbox.CustomSQLError as exc:
        raise _sql_error(exc) from None
    return spec, checked


@transaction.atomic
def custom_model_save(
    *,
    actor,
    unit: Unit | None,
    name: str,
    sql: str,
    params: Any = (),
    description: str = "",
    reason_template: str = "",
    shared: bool = False,
    custom_model: CustomModel | None = None,
) -> CustomModel:
    """Create a custom model for ``unit``, or change ``custom_model`` (its unit stays).

    The SQL must pass the sandbox checks with its parameters declared; the name is
    unique in the unit. Creating needs an analyst of the unit; changing, the creator
    or — for a shared model — any analyst of the unit.
    """
    if custom_model is None:
        if unit is None:
            raise ValidationError("请选择所属单位。", fields={"unit": "不能为空"})
        if actor is not None and not policies.can_create_custom_model(actor, unit):
            raise PermissionDenied("您无权为该单位编写自定义模型。")
    else:
        if actor is not None and not policies.can_view_custom_model(
            actor, custom_model
        ):
            raise NotFound()
        if actor is not None and not policies.can_edit_custom_model(
            actor, custom_model
        ):
            raise PermissionDenied("您可以查看但无权修改该自定义模型。")
        if unit is not None and unit.pk != custom_model.unit_id:
            raise ValidationError(
                "自定义模型的所属单位不能更改。", fields={"unit": "不能更改"}
            )
        unit = custom_model.unit
    name = (name or "").strip()
    fields: dict[str, str] = {}
    if not name:
        fields["name"] = "名称不能为空"
    elif len(name) > MAX_NAME:
        fields["name"] = f"名称最多 {MAX_NAME} 个字"
    reason_template = (reason_template or "").strip()
    if len(reason_template) > MAX_REASON_TEMPLATE:
        fields["reason_template"] = f"预警说明模板最多 {MAX_REASON_TEMPLATE} 个字"
    if fields:
        raise ValidationError("；".join(fields.values()), fields=fields)
    spec, checked = _checked(sql, params)
    unused = [p["name"] for p in spec if p["name"] not in checked.params]
    if unused:
        names = "、".join(f"${n}" for n in unused)
        raise ValidationError(
            f"参数 {names} 已声明但 SQL 中没有用到：请在 SQL 中使用或删除该参数。",
            fields={"params": f"未使用：{names}"},
        )
    taken = CustomModel.objects.filter(unit=unit, name=name)
    if custom_model is not None:
        taken = taken.exclude(pk=custom_model.pk)
    if taken.exists():
        message = f"{unit.name}已有名为“{name}”的自定义模型，请换一个名称。"
        raise ValidationError(message, fields={"name": "名称已被使用"})
    creating = custom_model is None
    if creating:
        custom_model = CustomModel(unit=unit, created_by=actor)
    before = (
        {}
        if creating
        else {
            "名称": custom_model.name,
            "SQL": custom_model.sql,
            "共享": custom_model.shared,
        }
    )
    custom_model.name = name
    custom_model.description = (description or "").strip()
    custom_model.sql = sql.strip()
    custom_model.params = spec
    custom_model.reason_template = reason_template
    custom_model.shared = bool(shared)
    try:
        with transaction.atomic():
            custom_model.save()
    except IntegrityError:  # a concurrent save took the name
        message = f"{unit.name}已有名为“{name}”的自定义模型，请换一个名称。"
        raise ValidationError(message, fields={"name": "名称已被使用"}) from None
    summary: dict[str, Any] = {
        "名称": name,
        "单位": unit.name,
        "共享": "是" if custom_model.shared else "否",
        "SQL": custom_model.sql[:500],
    }
    if not creating:
        summary["修改前"] = {k: str(v)[:500] for k, v in before.items()}
    audit_record(
        actor=actor,
        action=Action.CREATE if creating else Action.CHANGE,
        obj=custom_model,
        summary=summary,
    )
    return custom_model


@transaction.atomic
def custom_model_delete(*, actor, custom_model: CustomModel) -> None:
    """Delete a model that has never been run; one with runs (and so perhaps hits) is
    kept, since those refer to it — refused with Conflict."""
    if actor is not None and not policies.can_view_custom_model(actor, custom_model):
        raise NotFound()
    if actor is not None and not policies.can_edit_custom_model(actor, custom_model):
        raise PermissionDenied("您可以查看但无权删除该自定义模型。")
    custom_model = CustomModel.objects.select_for_update().get(pk=custom_model.pk)
    runs = ModelRun.objects.filter(custom_model=custom_model).count()
    if runs:
        hits = custom_model.hits.count()
        raise Conflict(
            f"该模型已运行 {runs} 次、产生 {hits} 条预警，不能删除；"
            "可以取消共享或修改它。"
        )
    audit_record(
        actor=actor,
        action=Action.DELETE,
        obj=custom_model,
        summary={"名称": custom_model.name, "单位": custom_model.unit.name},
    )
    custom_model.delete()


def custom_model_trial(
    *,
    actor,
    unit: Unit | None = None,
    custom_model: CustomModel | None = None,
    sql: str | None = None,
    param_spec: Any = None,
    params: Mapping[str, Any] | None = None,
) -> sandbox.QueryResult:
    """Run a model (saved, or the editor's unsaved SQL) over the unit's latest data,
    now, within the trial's time limit; the first 50 rows, or a Chinese error.

    A trial shows raw rows of the data, so only those who may run models over the
    unit's data try models out; each trial is audited with its SQL.
    """
    if custom_model is not None:
        if actor is not None and not policies.can_view_custom_model(
            actor, custom_model
        ):
            raise NotFound()
        if actor is not None and not policies.can_run_custom_model(actor, custom_model):
            raise PermissionDenied("您可以查看但无权试运行该自定义模型。")
        unit = custom_model.unit
        sql = custom_model.sql if sql is None else sql
        param_spec = custom_model.params if param_spec is None else param_spec
    elif actor is not None and not policies.can_run_models(actor, unit):
        raise PermissionDenied("您无权对该单位的数据试运行模型。")
    if unit is None:
        raise ValidationError("请选择所属单位。", fields={"unit": "不能为空"})
    spec, _ = _checked(sql or "", param_spec)
    try:
        values = sandbox.validate_custom_params(spec, params)
    except sandbox.CustomParamError as exc:
        raise _param_error(exc) from None
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=Action.VIEW,
            obj=custom_model,
            object_type="" if custom_model else "analytics.custommodel",
            object_repr="" if custom_model else "未保存的自定义模型",
            summary={"试运行": (sql or "")[:500], "单位": unit.name},
        )
    versions = latest_versions(unit)
    try:
        with tempfile.TemporaryDirectory(dir=_workdir_root()) as workdir:
            return sandbox.run_custom_sql(
                sql or "",
                _sources(versions, Path(workdir)),
                values,
                timeout_s=TRIAL_TIMEOUT_S,
                memory_limit=RUN_MEMORY_LIMIT,
                max_rows=TRIAL_ROWS,
                truncate=True,
            )
    except sandbox.CustomSQLError as exc:
        raise _sql_error(exc) from None


def _workdir_root() -> Path:
    root = Path(settings.XIETONG_HOME) / "datasets"
    root.mkdir(parents=True, exist_ok=True)
    return root


def custom_model_check_params(
    custom_model: CustomModel, params: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The values a run of ``custom_model`` uses (given, else defaults), as JSON
    (dates ISO); ValidationError naming each bad parameter."""
    try:
        spec = sandbox.check_param_spec(custom_model.params)
        values = sandbox.validate_custom_params(spec, params)
    except sandbox.CustomParamError as exc:
        raise _param_error(exc) from None
    return {
        k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()
    }


def custom_model_hits(
    run: ModelRun,
    sources: Mapping[str, Path],
    *,
    should_cancel: Callable[[], bool] | None = None,
) -> list[dict[str, Any]]:
    """Run ``run.custom_model`` with ``run.params`` over ``sources`` (dataset → Parquet)
    in the sandbox and turn each distinct result row into a hit.

    More than 10,000 rows is an error (a model should narrow to what deserves a
    look); a cancel raises ``engine.custom.QueryCancelled``.
    """
    custom_model = run.custom_model
    values = custom_model_check_params(custom_model, run.params)
    try:
        spec = sandbox.check_param_spec(custom_model.params)
        typed = sandbox.validate_custom_params(spec, values)
        checked = sandbox.check_sql(custom_model.sql, declared=list(typed))
        result = sandbox.run_custom_sql(
            custom_model.sql,
            sources,
            typed,
            timeout_s=RUN_TIMEOUT_S,
            memory_limit=RUN_MEMORY_LIMIT,
            max_rows=MAX_HITS,
            should_cancel=should_cancel,
        )
    except sandbox.QueryCancelled:
        raise
    except sandbox.CustomSQLError as exc:
        raise _sql_error(exc) from None
    except sandbox.CustomParamError as exc:
        raise _param_error(exc) from None
    return sandbox.result_hits(
        model_id=custom_model.pk,
        model_name=custom_model.name,
        reason_template=custom_model.reason_template,
        rows=result.rows,
        reads=checked.datasets,
    )
