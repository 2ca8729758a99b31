"""Pages of the analytics app: model runs (list, new, detail with live progress,
cancel), schedules and 一键抓取 from a unit's page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.analytics import selectors
from xietong.analytics.models import (
    ALL_MODELS,
    CustomModel,
    Engine,
    RunStatus,
    ScheduleEvery,
)
from xietong.analytics.services import (
    inspection_target_sweep,
    model_run_cancel,
    model_run_enqueue,
    schedule_create,
    schedule_delete,
    schedule_set_enabled,
)
from xietong.analytics.services.runs import scope_label
from xietong.analytics.services.schedules import (
    default_first_run,
    schedule_model_label,
)
from xietong.core.errors import Conflict, ValidationError
from xietong.core.paging import paginate

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
STATUS_TAG = {
    RunStatus.QUEUED: "",
    RunStatus.RUNNING: "blue",
    RunStatus.DONE: "green",
    RunStatus.FAILED: "red",
    RunStatus.CANCELLED: "warn",
}


def _require_viewer(user) -> None:
    policies.require(policies.analytics_units(user).exists())


def _runnable_custom_models(user):
    """Custom models of the analyst's units: shared ones and their own."""
    from django.db.models import Q

    units = selectors.run_units(viewer=user)
    return (
        CustomModel.objects.filter(unit__in=units.values("pk"))
        .filter(Q(shared=True) | Q(created_by=user))
        .order_by("name")
    )


# --- the run form ---------------------------------------------------------------------


def _choice(post, user) -> tuple[str, CustomModel | None]:
    """The model field: a built-in key, "all" or "custom:<id>"."""
    value = post.get("model", ALL_MODELS)
    if value.startswith("custom:"):
        try:
            custom = next(
                c for c in _runnable_custom_models(user) if str(c.pk) == value[7:]
            )
        except StopIteration:
            raise ValidationError(
                "所选自定义模型不存在或您无权运行。", fields={"model": "模型无效"}
            ) from None
        return value, custom
    return value, None


def _params_from(post, model: str, custom: CustomModel | None) -> dict:
    """Parameter inputs ``p.<model>.<name>`` of the chosen model(s); blank = default."""
    if custom is not None:
        prefix = "p.custom."
        return {
            k[len(prefix) :]: v.strip()
            for k, v in post.items()
            if k.startswith(prefix) and v.strip()
        }
    keys = (
        [m["key"] for m in selectors.model_catalogue()]
        if model == ALL_MODELS
        else [model]
    )
    per_model: dict[str, dict] = {}
    for key in keys:
        for k, v in post.items():
            if k.startswith(f"p.{key}.") and v.strip():
                per_model.setdefault(key, {})[k.split(".", 2)[2]] = v.strip()
    return per_model if model == ALL_MODELS else per_model.get(model, {})


def _scope_from(post) -> dict:
    kind = post.get("scope_kind", "")
    if kind == "region":
        return {"region_code": post.get("region_code", "").strip()}
    if kind == "target":
        return {
            "target_unit": {
                "name": post.get("target_name", "").strip(),
                "uscc": post.get("target_uscc", "").strip(),
            }
        }
    return {}


def _field_errors(exc: ValidationError, model: str) -> dict[str, str]:
    """Service field keys -> form input names (``grace_days`` -> p.<model>.grace_days)."""
    form_fields = {"model", "engine", "unit", "scope", "every", "first_run_at"}
    errors = {}
    for key, message in exc.fields.items():
        if key in form_fields:
            errors[key] = message
        elif "." in key:
            errors[f"p.{key}"] = message
        else:
            errors[f"p.{'custom' if model.startswith('custom:') else model}.{key}"] = (
                message
            )
    return errors


def _unit_from(post, user):
    units = selectors.run_units(viewer=user)
    try:
        return units.get(pk=int(post.get("unit", "")))
    except (ValueError, TypeError, units.model.DoesNotExist):
        raise ValidationError(
            "请选择可运行模型的单位。", fields={"unit": "请选择单位"}
        ) from None


def _form_context(request, *, posted=None, errors=None, message="", schedule=False):
    user = request.user
    posted = posted if posted is not None else request.GET
    model = posted.get("model", ALL_MODELS)
    catalogue = selectors.model_catalogue()
    for spec in catalogue:
        spec["shown"] = model in (ALL_MODELS, spec["key"])
        for p in spec["parameters"]:
            p["input"] = f"p.{spec['key']}.{p['name']}"
            p["value"] = posted.get(p["input"], "")
            p["error"] = (errors or {}).get(p["input"], "")
    custom_models = list(_runnable_custom_models(user))
    for c in custom_models:
        c.choice = f"custom:{c.pk}"
    custom = next((c for c in custom_models if f"custom:{c.pk}" == model), None)
    custom_params = []
    if custom is not None:
        for p in custom.params or []:
            name = f"p.custom.{p.get('name')}"
            custom_params.append(
                {
                    **p,
                    "input": name,
                    "value": posted.get(name, ""),
                    "error": (errors or {}).get(name, ""),
                }
            )
    units = list(selectors.run_units(viewer=user))
    return {
        "catalogue": catalogue,
        "custom_models": custom_models,
        "custom": custom,
        "custom_params": custom_params,
        "model": model,
        "engines": Engine.choices,
        "units": units,
        "unit_value": posted.get("unit", str(units[0].pk) if units else ""),
        "posted": posted,
        "errors": errors or {},
        "message": message,
        "schedule": schedule,
        "everies": ScheduleEvery.choices,
        "default_first_run": timezone.localtime(default_first_run()).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }


def _run_args(request) -> dict:
    user = request.user
    model, custom = _choice(request.POST, user)
    return {
        "model": ALL_MODELS if custom else model,
        "custom_model": custom,
        "unit": _unit_from(request.POST, user),
        "engine": request.POST.get("engine", Engine.DUCKDB),
        "params": _params_from(request.POST, model, custom),
        "scope": _scope_from(request.POST),
    }


@login_required
def run_new(request):
    """Choose a model (or all), the unit's data, the engine, parameters and scope."""
    user = request.user
    policies.require(selectors.run_units(viewer=user).exists())
    if request.method == "POST":
        try:
            run = model_run_enqueue(actor=user, **_run_args(request))
        except ValidationError as exc:
            ctx = _form_context(
                request,
                posted=request.POST,
                errors=_field_errors(exc, request.POST.get("model", "")),
                message=exc.message,
            )
            return render(request, "analytics/run_form.html", ctx, status=400)
        messages.success(request, f"已提交运行 #{run.pk}，正在排队")
        return redirect("analytics:run", run.pk)
    return render(request, "analytics/run_form.html", _form_context(request))


# --- list, detail, progress, cancel ---------------------------------------------------


def _decorate(run):
    run.tag = STATUS_TAG.get(run.status, "")
    run.active = run.status in ACTIVE
    run.percent = (
        int(100 * run.progress_done / run.progress_total) if run.progress_total else 0
    )
    run.scope_text = scope_label(run.scope)
    return run


@login_required
def runs(request):
    """Every run the viewer may see, newest first, with live progress."""
    user = request.user
    _require_viewer(user)
    qs = selectors.model_run_list(viewer=user).select_related(
        "created_by", "custom_model"
    )
    status = request.GET.get("status", "")
    if status in RunStatus.values:
        qs = qs.filter(status=status)
    page = paginate(request, qs)
    for run in page:
        _decorate(run)
    return render(
        request,
        "analytics/runs.html",
        {
            "page": page,
            "query": f"status={status}" if status else "",
            "status": status,
            "statuses": RunStatus.choices,
            "can_run": selectors.run_units(viewer=user).exists(),
            "schedule_count": selectors.run_schedule_list(viewer=user)
            .filter(enabled=True)
            .count(),
        },
    )


def _params_rows(run) -> list[tuple[str, str, str]]:
    """(model, parameter, value) in Chinese for the detail page."""
    if run.custom_model_id is not None:
        labels = {p.get("name"): p.get("label") for p in run.custom_model.params or []}
        return [
            (run.custom_model.name, labels.get(k) or k, v)
            for k, v in run.params.items()
        ]
    rows = []
    specs = {m["key"]: m for m in selectors.model_catalogue()}
    for key, values in run.params.items():
        spec = specs.get(key)
        labels = {p["name"]: p["label"] for p in spec["parameters"]} if spec else {}
        for name, value in values.items():
            text = "，".join(value) if isinstance(value, list) else str(value)
            rows.append((spec["label"] if spec else key, labels.get(name, name), text))
    return rows


@login_required
def run_detail(request, pk):
    """A run: status and progress, parameters, data read, outcome and its hits."""
    user = request.user
    run = _decorate(selectors.access_model_run_by_id(user, pk))
    return render(
        request,
        "analytics/run_detail.html",
        {
            "run": run,
            "params": _params_rows(run),
            "versions": selectors.model_run_data_versions(run),
            "can_cancel": run.active and policies.can_run_models(user, run.unit),
        },
    )


@login_required
def run_progress(request, pk):
    """The progress fragment HTMX polls every 2 s while a run is queued or running.

    When the run has finished since the page asked (``was`` active), the page is
    reloaded (HX-Refresh) to show the outcome; otherwise polling simply stops.
    """
    run = _decorate(selectors.access_model_run_by_id(request.user, pk))
    response = render(
        request,
        "analytics/run_progress.html",
        {"run": run, "compact": request.GET.get("compact") == "1"},
    )
    if request.GET.get("was") in ACTIVE and not run.active:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def run_cancel(request, pk):
    """Cancel a queued run at once, a running one as soon as the worker sees it."""
    run = selectors.access_model_run_by_id(request.user, pk)
    try:
        run = model_run_cancel(actor=request.user, run=run)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "已取消" if run.status == RunStatus.CANCELLED else "已请求取消，正在停止",
        )
    return redirect("analytics:run", run.pk)


# --- schedules ------------------------------------------------------------------------


@login_required
def schedules(request):
    """The schedules of the viewer's units, with switches for analysts."""
    user = request.user
    _require_viewer(user)
    rows = list(selectors.run_schedule_list(viewer=user))
    for s in rows:
        s.model_text = schedule_model_label(s)
        s.scope_text = scope_label(s.scope)
        s.can_change = policies.can_run_models(user, s.unit)
    return render(
        request,
        "analytics/schedules.html",
        {
            "schedules": rows,
            "can_create": selectors.run_units(viewer=user).exists(),
        },
    )


def _first_run(post):
    text = post.get("first_run_at", "").strip()
    if not text:
        return None
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(text))
    except ValueError:
        raise ValidationError(
            f"首次运行时间“{text}”无效，应为 2026-09-28 02:00 格式",
            fields={"first_run_at": "时间格式无效"},
        ) from None


@login_required
def schedule_new(request):
    """A run that repeats every day, week or month (same form as a run)."""
    user = request.user
    policies.require(selectors.run_units(viewer=user).exists())
    if request.method == "POST":
        try:
            schedule_create(
                actor=user,
                every=request.POST.get("every", ""),
                first_run_at=_first_run(request.POST),
                **_run_args(request),
            )
        except ValidationError as exc:
            ctx = _form_context(
                request,
                posted=request.POST,
                errors=_field_errors(exc, request.POST.get("model", "")),
                message=exc.message,
                schedule=True,
            )
            return render(request, "analytics/run_form.html", ctx, status=400)
        messages.success(request, "已创建定时运行")
        return redirect("analytics:schedules")
    return render(
        request, "analytics/run_form.html", _form_context(request, schedule=True)
    )


@login_required
@require_POST
def schedule_toggle(request, pk):
    """Switch a schedule on or off."""
    schedule = selectors.access_run_schedule_by_id(request.user, pk)
    schedule = schedule_set_enabled(
        actor=request.user, schedule=schedule, enabled=not schedule.enabled
    )
    messages.success(
        request, "已启用定时运行" if schedule.enabled else "已停用定时运行"
    )
    return redirect("analytics:schedules")


@login_required
@require_POST
def schedule_remove(request, pk):
    """Delete a schedule (its runs stay)."""
    schedule = selectors.access_run_schedule_by_id(request.user, pk)
    schedule_delete(actor=request.user, schedule=schedule)
    messages.success(request, "已删除定时运行")
    return redirect("analytics:schedules")


# --- 一键抓取 --------------------------------------------------------------------------


@login_required
@require_POST
def sweep(request, unit_pk):
    """一键抓取: all models over the analyst's data, narrowed to the unit ``unit_pk``."""
    user = request.user
    units = selectors.run_units(viewer=user)
    policies.require(units.exists())
    target = policies.access_unit_by_id(user, unit_pk)
    data_unit = None
    if request.POST.get("unit"):
        data_unit = _unit_from(request.POST, user)
    else:
        root = policies.supervising_root(user.unit)
        data_unit = units.filter(pk=root.pk).first() if root else None
        data_unit = data_unit or units.first()
    try:
        run = inspection_target_sweep(actor=user, unit=data_unit, target=target)
    except ValidationError as exc:
        messages.error(request, exc.message)
        return redirect("org:unit", target.pk)
    messages.success(request, f"已提交一键抓取：{target.name}（全部模型）")
    return redirect("analytics:run", run.pk)


urlpatterns = [
    path("analytics/runs/", runs, name="runs"),
    path("analytics/runs/new/", run_new, name="run_new"),
    path("analytics/runs/<int:pk>/", run_detail, name="run"),
    path("analytics/runs/<int:pk>/progress/", run_progress, name="run_progress"),
    path("analytics/runs/<int:pk>/cancel/", run_cancel, name="run_cancel"),
    path("analytics/runs/schedules/", schedules, name="schedules"),
    path("analytics/runs/schedules/new/", schedule_new, name="schedule_create"),
    path(
        "analytics/runs/schedules/<int:pk>/toggle/",
        schedule_toggle,
        name="schedule_toggle",
    ),
    path(
        "analytics/runs/schedules/<int:pk>/delete/",
        schedule_remove,
        name="schedule_delete",
    ),
    path("analytics/sweep/<int:unit_pk>/", sweep, name="sweep"),
]
