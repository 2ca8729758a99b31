"""Pages of the analytics app: datasets, their versions, and the import wizard.

Importing is three steps: upload (the file is staged), mapping (each file column to a
standard column, with a preview of the normalised rows and the first rows' errors)
and progress (a background job, polled with HTMX, that ends with the new version or
the per-row refusal). Only analysts of the unit's commission import.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.analytics import selectors_datasets as sel
from xietong.analytics import services
from xietong.analytics.engine import get_dataset
from xietong.analytics.forms import DatasetUploadForm
from xietong.analytics.models import DatasetKind
from xietong.analytics.report import report_lines
from xietong.core.errors import ApplicationError, ValidationError
from xietong.core.paging import paginate, query_without_page

RECENT_IMPORTS = 10


def _require_view(user) -> None:
    policies.require(policies.analytics_units(user).exists())


@login_required
def dataset_list(request):
    """Datasets of the viewer's commission with their latest version; recent imports."""
    user = request.user
    _require_view(user)
    unit_id = request.GET.get("unit", "")
    kind = request.GET.get("kind", "")
    qs = sel.dataset_overview(
        viewer=user,
        unit_id=int(unit_id) if unit_id.isdigit() else None,
        kind=kind if kind in DatasetKind.values else "",
    )
    return render(
        request,
        "analytics/datasets.html",
        {
            "page": paginate(request, qs),
            "query": query_without_page(request),
            "units": sel.unit_choices(user),
            "kinds": DatasetKind.choices,
            "unit_id": unit_id,
            "kind": kind,
            "imports": sel.dataset_import_list(viewer=user)[:RECENT_IMPORTS],
            "can_import": sel.importable_units(user).exists(),
        },
    )


@login_required
def dataset_detail(request, pk):
    """A dataset with every version: rows, period, encoding, report and mapping."""
    dataset = sel.access_dataset_by_id(request.user, pk)
    spec = get_dataset(dataset.kind)
    versions = sel.dataset_versions(dataset)
    for v in versions:
        v.mapping_rows = [
            (
                header,
                spec.column(column).label if column in spec.column_names else "",
                column,
            )
            for header, column in v.column_mapping.items()
        ]
    return render(
        request,
        "analytics/dataset.html",
        {
            "dataset": dataset,
            "versions": versions,
            "can_import": policies.can_import_dataset(request.user, dataset.unit),
        },
    )


@login_required
def import_new(request):
    """Step 1: the file, its kind, the providing unit, a name and the period."""
    user = request.user
    units = sel.importable_units(user)
    policies.require(units.exists())
    form = DatasetUploadForm(request.POST or None, request.FILES or None, units=units)
    message = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staged = services.dataset_upload_stage(
                actor=user,
                kind=data["kind"],
                unit=data["unit"],
                upload=data["file"],
                file_name=data["file"].name,
                name=data["name"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except ValidationError as exc:
            message = exc.message
            for name in ("file", "period_start", "kind"):
                if name in exc.fields:
                    form.add_error(name, exc.fields[name])
        else:
            return redirect("analytics:import_mapping", staged.token)
    elif request.method == "POST":
        message = "请按提示修正后重新提交。"
    initial_kind = request.GET.get("kind", "")
    if request.method == "GET" and initial_kind in DatasetKind.values:
        form.initial["kind"] = initial_kind
    return render(
        request,
        "analytics/import_new.html",
        {
            "form": form,
            "message": message,
            "kinds": [
                (name, label, _required_text(name))
                for name, label in DatasetKind.choices
            ],
        },
        status=400 if message else 200,
    )


def _required_text(kind: str) -> str:
    spec = get_dataset(kind)
    return "；".join(spec.describe_group(g) for g in spec.required)


def _posted_mapping(request, headers: list[str]) -> dict[str, str | None] | None:
    """header -> column (None: 不导入) from the ``map_<i>`` selects, if posted."""
    if not any(k.startswith("map_") for k in request.POST):
        return None
    mapping: dict[str, str | None] = {}
    for index, header in enumerate(headers):
        key = f"map_{index}"
        if header and key in request.POST:
            mapping[header] = request.POST[key] or None
    return mapping


def _mapping_page(request, staged, mapping, *, message="", errors=None, status=200):
    """The mapping step, whole or (for HTMX) just the preview part."""
    try:
        preview = services.dataset_preview(
            actor=request.user,
            kind=staged.kind,
            path=staged.path,
            file_name=staged.file_name,
            mapping=mapping,
        )
    except ValidationError as exc:
        if mapping is None:
            raise  # the file itself cannot be read past its header
        message, errors, status = exc.message, exc.fields, 400
        preview = services.dataset_preview(
            actor=request.user,
            kind=staged.kind,
            path=staged.path,
            file_name=staged.file_name,
        )
        preview.mapping = {
            h: c for h, c in mapping.items() if c
        }  # keep what the analyst chose on screen
    spec = get_dataset(staged.kind)
    context = {
        "staged": staged,
        "unit": staged.unit,
        "spec": spec,
        "preview": preview,
        "columns": [
            (c.name, c.label, any(c.name in g for g in spec.required))
            for c in spec.columns
        ],
        "header_rows": [
            {
                "index": i,
                "header": h,
                "chosen": preview.mapping.get(h, ""),
                "auto": preview.auto.get(h, ""),
            }
            for i, h in enumerate(preview.headers)
        ],
        "encoding": sel.encoding_label(preview.encoding),
        "message": message,
        "errors": errors or {},
    }
    template = "analytics/import_mapping.html"
    if request.headers.get("HX-Request") and request.POST.get("action") != "start":
        # htmx swaps only 2xx answers; the refusal is inside the fragment.
        template, status = "analytics/import_preview.html", 200
    return render(request, template, context, status=status)


@login_required
def import_mapping(request, token):
    """Step 2: map each file column, preview the rows (HTMX refresh), then start."""
    user = request.user
    staged = services.staged_upload_get(actor=user, token=token)
    if request.method != "POST":
        return _mapping_page(request, staged, None)
    action = request.POST.get("action", "preview")
    if action == "discard":
        services.staged_upload_discard(actor=user, staged=staged)
        messages.info(request, f"已放弃导入“{staged.file_name}”，上传的文件已删除")
        return redirect("analytics:datasets")
    headers = _headers_of(request, staged)
    mapping = _posted_mapping(request, headers)
    if action == "start":
        try:
            job = services.dataset_upload_enqueue(
                actor=user, staged=staged, mapping=mapping
            )
        except ValidationError as exc:
            return _mapping_page(
                request,
                staged,
                mapping,
                message=exc.message,
                errors=exc.fields,
                status=400,
            )
        return redirect("analytics:import", job.pk)
    return _mapping_page(request, staged, mapping)


def _headers_of(request, staged) -> list[str]:
    return services.dataset_preview(
        actor=request.user,
        kind=staged.kind,
        path=staged.path,
        file_name=staged.file_name,
        sample_rows=0,
        check_rows=0,
    ).headers


def _progress_context(request, job) -> dict:
    state = sel.import_state(job)
    version = job.version
    return {
        "job": job,
        "state": state,
        "version": version,
        "report_lines": report_lines(version.report) if version else [],
        "encoding": sel.encoding_label(version.source_encoding) if version else "",
        "can_cancel": not state["finished"]
        and policies.can_import_dataset(request.user, job.unit),
    }


@login_required
def import_detail(request, pk):
    """Step 3: the import's progress, then its new version or its refusal."""
    job = sel.access_dataset_import_by_id(request.user, pk)
    return render(request, "analytics/import.html", _progress_context(request, job))


@login_required
def import_progress(request, pk):
    """The progress part of step 3, polled by HTMX until the import ends."""
    job = sel.access_dataset_import_by_id(request.user, pk)
    return render(
        request, "analytics/import_progress.html", _progress_context(request, job)
    )


@login_required
@require_POST
def import_cancel(request, pk):
    """Stop an import: nothing of the file is imported."""
    job = sel.access_dataset_import_by_id(request.user, pk)
    try:
        job = services.dataset_import_cancel(actor=request.user, job=job)
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "已取消导入"
            if job.status == "cancelled"
            else "已请求取消，正在停止导入（不会导入任何数据）",
        )
    return redirect("analytics:import", job.pk)


urlpatterns = [
    path("analytics/datasets/", dataset_list, name="datasets"),
    path("analytics/datasets/<int:pk>/", dataset_detail, name="dataset"),
    path("analytics/datasets/import/", import_new, name="import_new"),
    path(
        "analytics/datasets/import/<str:token>/", import_mapping, name="import_mapping"
    ),
    path("analytics/datasets/imports/<int:pk>/", import_detail, name="import"),
    path(
        "analytics/datasets/imports/<int:pk>/progress/",
        import_progress,
        name="import_progress",
    ),
    path(
        "analytics/datasets/imports/<int:pk>/cancel/",
        import_cancel,
        name="import_cancel",
    ),
]
