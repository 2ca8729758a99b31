"""Pages of the analytics app: custom SQL models (自定义模型).

The list shows the viewer's own and the unit's shared models beside the built-in
catalogue (read-only, with parameters, for reference). The editor has the SQL with
line numbers, parameter rows, a reference panel of the standard datasets and a
“试运行” button that swaps in the first rows or the Chinese error (HTMX); an error
names its line and column and the page points at it. Saving goes through
``custom_model_save``; running queues a background run.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.analytics import selectors_custom as sel
from xietong.analytics.engine import CATALOGUE
from xietong.analytics.engine.custom import PARAM_TYPE_LABELS, dataset_reference
from xietong.analytics.evidence import display_value
from xietong.analytics.models import DatasetVersion, ModelRun
from xietong.analytics.services import custom_models as services
from xietong.analytics.services.runs import model_run_enqueue
from xietong.core.errors import Conflict, PermissionDenied, ValidationError
from xietong.org.models import Unit

PARAM_FIELDS = ("name", "label", "type", "default", "min", "max")
BLANK_PARAM_ROWS = 1
RECENT_RUNS = 10
_POSITION = re.compile(r"第 (\d+) 行第 (\d+) 列")


def _work_units(user):
    return policies.analytics_units(user, policies.ANALYTICS_WORK_ROLES)


# --- form reading -----------------------------------------------------------------------


def posted_params(post) -> list[dict[str, str]]:
    """The editor's parameter rows (``param_name`` …, one list per field), blank rows
    dropped."""
    columns = {f: post.getlist(f"param_{f}") for f in PARAM_FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(count):
        row = {
            f: (columns[f][i] if i < len(columns[f]) else "").strip()
            for f in PARAM_FIELDS
        }
        if any(row[f] for f in PARAM_FIELDS if f != "type"):
            rows.append(row)
    return rows


def posted_values(post, spec) -> dict[str, str]:
    """Parameter values typed for a run or trial (``value_<name>``), blanks left out
    so the defaults apply."""
    values = {}
    for param in spec:
        value = post.get(f"value_{param.get('name')}", "").strip()
        if value:
            values[param["name"]] = value
    return values


def _form(post=None, custom_model=None) -> dict[str, Any]:
    if post is not None:
        return {
            "name": post.get("name", ""),
            "description": post.get("description", ""),
            "sql": post.get("sql", ""),
            "reason_template": post.get("reason_template", ""),
            "shared": post.get("shared") in ("on", "1", "true"),
            "unit": post.get("unit", ""),
            "params": posted_params(post),
        }
    if custom_model is not None:
        return {
            "name": custom_model.name,
            "description": custom_model.description,
            "sql": custom_model.sql,
            "reason_template": custom_model.reason_template,
            "shared": custom_model.shared,
            "unit": str(custom_model.unit_id),
            "params": [
                {f: "" if p.get(f) is None else str(p.get(f)) for f in PARAM_FIELDS}
                for p in custom_model.params
            ],
        }
    return {
        "name": "",
        "description": "",
        "sql": "SELECT p.payment_id, p.payee_name AS name, p.amount, p.pay_date\n"
        "FROM payments p\nWHERE p.amount >= $min_amount\nORDER BY p.amount DESC",
        "reason_template": "{name}于{pay_date}领取{amount}元",
        "shared": False,
        "unit": "",
        "params": [
            {
                "name": "min_amount",
                "label": "金额下限（元）",
                "type": "float",
                "default": "5000",
                "min": "0",
                "max": "",
            }
        ],
    }


def error_place(sql: str, message: str) -> dict[str, Any] | None:
    """The line a message's “第 n 行第 m 列” points at, split at the column."""
    match = _POSITION.search(message or "")
    if not match:
        return None
    line, col = int(match.group(1)), int(match.group(2))
    lines = (sql or "").splitlines() or [""]
    text = lines[line - 1] if line <= len(lines) else ""
    return {
        "line": line,
        "col": col,
        "before": text[: col - 1],
        "at": text[col - 1 : col] or " ",
        "after": text[col:],
    }


# --- pages ------------------------------------------------------------------------------


@login_required
def custom_model_list(request):
    """Own and shared custom models; the built-in catalogue for reference."""
    user = request.user
    policies.require(policies.analytics_units(user).exists())
    builtin = [
        {
            "key": m.key,
            "label": m.label,
            "description": m.description,
            "reads": [CATALOGUE_LABELS.get(r, r) for r in m.reads],
            "parameters": [
                {
                    "name": p.name,
                    "label": p.label,
                    "default": _shown(p.default),
                    "range": _range(p),
                }
                for p in m.parameters
            ],
        }
        for m in CATALOGUE.values()
    ]
    return render(
        request,
        "analytics/custom_models.html",
        {
            "models": sel.custom_model_list(viewer=user),
            "builtin": builtin,
            "can_create": _work_units(user).exists(),
        },
    )


CATALOGUE_LABELS = {d.name: d.label for d in dataset_reference()}


def _shown(value) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return display_value(value)


def _range(param) -> str:
    """A built-in parameter's allowed range in words (none for name lists)."""
    low, high = param.minimum, param.maximum
    if param.type == "text_list" or low is None:
        return ""
    sign = ">" if param.exclusive_minimum else "≥"
    if high is None or high >= 10**12:
        return f"{sign} {display_value(low)}"
    if param.exclusive_minimum:
        return f"{sign} {display_value(low)}，≤ {display_value(high)}"
    return f"{display_value(low)}–{display_value(high)}"


def _editor(request, *, custom_model=None, form=None, error=None, status=200):
    user = request.user
    form = form or _form(custom_model=custom_model)
    message = error.message if error else ""
    fields = error.fields if error else {}
    for i, row in enumerate(form["params"], start=1):
        row["error"] = fields.get(row.get("name") or "") or fields.get(f"params.{i}")
    return render(
        request,
        "analytics/custom_edit.html",
        {
            "model": custom_model,
            "form": form,
            "units": _unit_choices(user),
            "default_unit": _default_unit(user),
            "message": message,
            "errors": fields,
            "place": error_place(form["sql"], fields.get("sql", "")),
            "datasets": dataset_reference(),
            "types": PARAM_TYPE_LABELS.items(),
            "blank_rows": range(BLANK_PARAM_ROWS),
        },
        status=status,
    )


@login_required
def custom_model_new(request):
    """Write a new custom model (analysts)."""
    user = request.user
    policies.require(_work_units(user).exists())
    if request.method != "POST":
        return _editor(request)
    form = _form(request.POST)
    try:
        custom_model = services.custom_model_save(
            actor=user,
            unit=_chosen_unit(user, form["unit"]),
            name=form["name"],
            sql=form["sql"],
            params=form["params"],
            description=form["description"],
            reason_template=form["reason_template"],
            shared=form["shared"],
        )
    except ValidationError as exc:
        return _editor(request, form=form, error=exc, status=400)
    messages.success(request, f"已保存自定义模型“{custom_model.name}”")
    return redirect("analytics:custom_model", custom_model.pk)


def _int(text) -> int | None:
    return int(text) if str(text or "").isdigit() else None


def _unit_choices(user):
    """The analyst's units, those holding datasets first (a model reads its unit's)."""
    return (
        _work_units(user)
        .annotate(dataset_count=Count("datasets"))
        .order_by("-dataset_count", "path")
    )


def _default_unit(user) -> Unit | None:
    """The unit whose data was imported last, else the analyst's own."""
    units = _work_units(user)
    latest = (
        DatasetVersion.objects.filter(dataset__unit__in=units)
        .order_by("-imported_at", "-pk")
        .values_list("dataset__unit_id", flat=True)
        .first()
    )
    pk = latest or user.unit_id
    return units.filter(pk=pk).first() or units.first()


def _chosen_unit(user, unit_id) -> Unit | None:
    """The unit picked in the form, else the default; None if the user has none."""
    return _work_units(user).filter(pk=_int(unit_id)).first() or _default_unit(user)


@login_required
def custom_model_detail(request, pk):
    """A model: its SQL, parameters, recent runs, and forms to try or run it."""
    user = request.user
    custom_model = sel.access_custom_model_by_id(user, pk)
    runs = policies.scope_model_runs(
        user, ModelRun.objects.filter(custom_model=custom_model)
    ).select_related("created_by")[:RECENT_RUNS]
    return render(
        request,
        "analytics/custom_model.html",
        {
            "model": custom_model,
            "runs": runs,
            "hit_count": custom_model.hits.count(),
            "can_edit": policies.can_edit_custom_model(user, custom_model),
            "can_run": policies.can_run_custom_model(user, custom_model),
            "params": [_param_shown(p) for p in custom_model.params],
            "sql_lines": custom_model.sql.splitlines(),
        },
    )


def _number(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _param_shown(param) -> dict[str, str]:
    """A declared parameter for the page: type in words, default and range."""
    low, high = _number(param.get("min")), _number(param.get("max"))
    if low and high:
        bounds = f"{low}–{high}"
    elif low or high:
        bounds = f"≥ {low}" if low else f"≤ {high}"
    else:
        bounds = ""
    return {
        "name": param["name"],
        "label": param.get("label") or param["name"],
        "type": param.get("type", "str"),
        "type_label": PARAM_TYPE_LABELS.get(param.get("type"), ""),
        "default": _number(param.get("default")),
        "range": bounds,
    }


@login_required
def custom_model_edit(request, pk):
    """Change a model (its creator; any analyst of the unit for a shared one)."""
    user = request.user
    custom_model = sel.access_custom_model_by_id(user, pk)
    if not policies.can_edit_custom_model(user, custom_model):
        raise PermissionDenied("您可以查看但无权修改该自定义模型。")
    if request.method != "POST":
        return _editor(request, custom_model=custom_model)
    form = _form(request.POST)
    try:
        services.custom_model_save(
            actor=user,
            unit=None,
            name=form["name"],
            sql=form["sql"],
            params=form["params"],
            description=form["description"],
            reason_template=form["reason_template"],
            shared=form["shared"],
            custom_model=custom_model,
        )
    except ValidationError as exc:
        return _editor(
            request, custom_model=custom_model, form=form, error=exc, status=400
        )
    messages.success(request, f"已保存自定义模型“{form['name'].strip()}”")
    return redirect("analytics:custom_model", custom_model.pk)


@login_required
@require_POST
def custom_model_trial(request):
    """HTMX fragment: the first rows of the editor's (or a saved model's) query, or
    the Chinese error with its place."""
    user = request.user
    post = request.POST
    custom_model = None
    if post.get("model"):
        custom_model = sel.access_custom_model_by_id(user, post.get("model"))
    editing = "sql" in post
    spec = (
        posted_params(post)
        if editing
        else (custom_model.params if custom_model else [])
    )
    sql = post.get("sql", "") if editing else (custom_model.sql if custom_model else "")
    unit = None
    if custom_model is None:
        unit = _chosen_unit(user, post.get("unit"))
        policies.require(unit is not None)
    context: dict[str, Any] = {"sql": sql}
    try:
        result = services.custom_model_trial(
            actor=user,
            unit=unit,
            custom_model=custom_model,
            sql=sql if editing or custom_model is None else None,
            param_spec=spec if editing else None,
            params=posted_values(post, spec),
        )
    except ValidationError as exc:
        context["message"] = exc.message
        context["errors"] = exc.fields
        context["place"] = error_place(sql, exc.fields.get("sql", ""))
    else:
        context["columns"] = result.columns
        context["rows"] = [
            [display_value(row[c]) for c in result.columns] for row in result.rows
        ]
        context["truncated"] = result.truncated
        context["elapsed"] = f"{result.elapsed_s:.2f}"
        context["limit"] = services.TRIAL_ROWS
        context["unit"] = unit or custom_model.unit
        context["loaded"] = [CATALOGUE_LABELS.get(k, k) for k in result.loaded]
        context["empty"] = [
            label
            for name, label in CATALOGUE_LABELS.items()
            if name not in result.loaded
        ]
    return render(request, "analytics/custom_trial.html", context)


@login_required
@require_POST
def custom_model_run(request, pk):
    """Queue a background run of the model over its unit's latest data."""
    user = request.user
    custom_model = sel.access_custom_model_by_id(user, pk)
    if not policies.can_run_custom_model(user, custom_model):
        raise PermissionDenied("您可以查看但无权运行该自定义模型。")
    try:
        run = model_run_enqueue(
            actor=user,
            model="custom",
            unit=custom_model.unit,
            params=posted_values(request.POST, custom_model.params),
            custom_model=custom_model,
        )
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已提交运行 #{run.pk}，后台完成后发现的问题会列入预警研判"
        )
    return redirect("analytics:custom_model", custom_model.pk)


@login_required
@require_POST
def custom_model_delete(request, pk):
    """Delete a model that has never run."""
    user = request.user
    custom_model = sel.access_custom_model_by_id(user, pk)
    name = custom_model.name
    try:
        services.custom_model_delete(actor=user, custom_model=custom_model)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("analytics:custom_model", custom_model.pk)
    messages.success(request, f"已删除自定义模型“{name}”")
    return redirect("analytics:custom_models")


urlpatterns = [
    path("analytics/models/", custom_model_list, name="custom_models"),
    path("analytics/models/new/", custom_model_new, name="custom_model_new"),
    path("analytics/models/trial/", custom_model_trial, name="custom_model_trial"),
    path("analytics/models/<int:pk>/", custom_model_detail, name="custom_model"),
    path(
        "analytics/models/<int:pk>/edit/", custom_model_edit, name="custom_model_edit"
    ),
    path("analytics/models/<int:pk>/run/", custom_model_run, name="custom_model_run"),
    path(
        "analytics/models/<int:pk>/delete/",
        custom_model_delete,
        name="custom_model_delete",
    ),
]
