"""Pages of the analytics app: hits (预警研判), one hit with its evidence and triage,
and the ledger (预警台账) with its charts and .xlsx export."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from xietong.access import policies
from xietong.analytics import charts, selectors
from xietong.analytics.engine import CATALOGUE, DATASETS
from xietong.analytics.evidence import hit_evidence, hit_versions
from xietong.analytics.models import HitStatus
from xietong.analytics.services.hits import (
    DECISIONS,
    hit_reveal_identity,
    hit_triage,
    hits_dismiss,
)
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.clues.models import Clue
from xietong.core.errors import Conflict, ValidationError
from xietong.core.paging import paginate, query_without_page

# Field names the models report in ``matched_on``, in Chinese.
FIELD_LABELS = {c.name: c.label for spec in DATASETS.values() for c in spec.columns} | {
    "name_similar": "姓名相近",
    "region_code": "行政区划",
}


def _require_viewer(user) -> None:
    policies.require(policies.analytics_units(user).exists())


def _date(request, name: str, errors: list[str], label: str) -> dt.date | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(f"{label}“{text[:20]}”不是有效日期（格式：2026-03-01），已忽略。")
        return None


# --- the hit list ---------------------------------------------------------------------------


@login_required
def hits(request):
    """预警研判: the hits of the viewer's commission, filtered, with counts per status."""
    _require_viewer(request.user)
    g = request.GET
    filters = {
        "model": g.get("model", "")[:40],
        "unit": g.get("unit", "")[:12],
        "run": g.get("run", "")[:12],
        "month": g.get("month", "")[:7],
        "q": g.get("q", "").strip()[:64],
    }
    base = selectors.hit_list(viewer=request.user, **filters)
    status = g.get("status", "")[:16]
    qs = base.filter(status=status) if status else base
    page = paginate(request, qs)
    for hit in page:
        hit.reason_shown = hit.reason  # stored masked
    can_triage = policies.analytics_units(
        request.user, policies.ANALYTICS_WORK_ROLES
    ).exists()
    return render(
        request,
        "analytics/hits.html",
        {
            "page": page,
            "query": query_without_page(request),
            "counts": selectors.hit_status_counts(base),
            "total": sum(n for _, _, n in selectors.hit_status_counts(base)),
            "status": status,
            "models": selectors.hit_model_choices(viewer=request.user),
            "units": selectors.hit_units(viewer=request.user),
            "run": filters["run"],
            "can_triage": can_triage,
            "back": request.get_full_path(),
        },
    )


@login_required
@require_POST
def hits_dismiss_view(request):
    """Dismiss the ticked hits with one reason (all or nothing)."""
    back = request.POST.get("next") or reverse("analytics:hits")
    if not back.startswith("/analytics/hits/"):
        back = reverse("analytics:hits")
    try:
        done = hits_dismiss(
            actor=request.user,
            hit_ids=request.POST.getlist("ids"),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已排除 {len(done)} 条预警。")
    return redirect(back)


# --- one hit --------------------------------------------------------------------------------


def _params(hit) -> list[tuple[str, str]]:
    model = CATALOGUE.get(hit.model)
    out = []
    for name, value in (hit.params or {}).items():
        label = name
        if model is not None and any(p.name == name for p in model.parameters):
            label = f"{model.parameter(name).label}（{name}）"
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        out.append((label, str(value)))
    return out


def _hit_context(request, hit, *, reveal: bool = False, **extra) -> dict:
    user = request.user
    subject_number = hit.subject_id_number_masked
    if reveal:
        subject_number = hit_reveal_identity(actor=user, hit=hit) or subject_number
    clue = None
    if hit.clue_id:
        clue = policies.scope_clues(user, Clue.objects.filter(pk=hit.clue_id)).first()
    return {
        "hit": hit,
        "subject_number": subject_number,
        "reason": hit.full_reason() if reveal else hit.reason,
        "person": selectors.hit_subject_person(viewer=user, hit=hit),
        "matched": [FIELD_LABELS.get(f, f) for f in hit.matched_on or []],
        "params": _params(hit),
        "versions": hit_versions(hit),
        "evidence": hit_evidence(hit, viewer=user, reveal=reveal),
        "revealed": reveal,
        "can_reveal": policies.can_see_sensitive(user) and not reveal,
        "can_triage": hit.status == HitStatus.NEW
        and policies.can_triage_hit(user, hit),
        "decisions": [(d.value, d.label) for d in DECISIONS],
        "clue": clue,
        "errors": {},
        "form": {},
        **extra,
    }


@login_required
def hit_detail(request, pk):
    """One hit: why, its parameters and data versions, its evidence rows, the person's
    archive and the triage. ``?reveal=1`` shows full ID numbers to a grant holder."""
    hit = selectors.access_hit_by_id(request.user, pk)
    reveal = request.GET.get("reveal") == "1"
    return render(
        request, "analytics/hit.html", _hit_context(request, hit, reveal=reveal)
    )


@login_required
@require_POST
def hit_triage_view(request, pk):
    """Triage one hit: dismiss (with a reason) or turn into a clue, problem or risk."""
    hit = selectors.access_hit_by_id(request.user, pk)
    form = {
        "decision": request.POST.get("decision", ""),
        "reason": request.POST.get("reason", ""),
    }
    try:
        hit = hit_triage(actor=request.user, hit=hit, **form)
    except (ValidationError, Conflict) as exc:
        hit.refresh_from_db()
        context = _hit_context(
            request, hit, errors=getattr(exc, "fields", {}) or {}, form=form
        )
        context["error"] = exc.message
        return render(request, "analytics/hit.html", context, status=exc.status)
    note = f"已研判为“{hit.get_status_display()}”。"
    if hit.clue_id:
        note += f"已登记线索 {hit.clue.number}。"
    messages.success(request, note)
    return redirect("analytics:hit", pk=hit.pk)


# --- the ledger -----------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@login_required
def ledger(request):
    """预警台账: hits per model and month, per region, status and precision per model;
    filters by data unit and found-date range; ``?export=xlsx`` as a workbook."""
    _require_viewer(request.user)
    errors: list[str] = []
    filters = {
        "unit": request.GET.get("unit", "")[:12],
        "date_from": _date(request, "date_from", errors, "起始日期"),
        "date_to": _date(request, "date_to", errors, "截止日期"),
    }
    data = selectors.hit_ledger(viewer=request.user, **filters)
    if request.GET.get("export") == "xlsx":
        hits_qs = selectors.hit_list(viewer=request.user, **filters).select_related(
            "triaged_by", "clue"
        )
        return _ledger_export(request, data, hits_qs)
    month_labels = [m[2:].replace("-", "/") for m in data.months]
    lines = [
        {
            "m": m,
            "chart": charts.column_chart(
                m.months, month_labels, title=f"{m.label}：近12个月预警数"
            ),
            "precision": _percent(m.precision),
            "statuses": [m.statuses.get(s, 0) for s in HitStatus.values],
        }
        for m in data.models
    ]
    region_models = [m for m in data.models if m.total]
    return render(
        request,
        "analytics/ledger.html",
        {
            "ledger": data,
            "lines": lines,
            "errors": errors,
            "units": selectors.hit_units(viewer=request.user),
            "statuses": HitStatus.choices,
            "region_models": region_models,
            "region_rows": [
                (r, [r.counts.get(m.key, 0) for m in region_models])
                for r in data.regions
            ],
            "precision_chart": charts.ratio_bars(
                [
                    (
                        m.label,
                        m.precision,
                        f"{_percent(m.precision)}（{m.positive}/{m.triaged}）"
                        if m.triaged
                        else "—（未研判）",
                    )
                    for m in data.models
                ],
                title="各模型精准率",
            ),
            "query": query_without_page(request),
        },
    )


def _sheet(wb, title: str, headers, rows) -> None:
    ws = wb.create_sheet(title)
    bold = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        bold.append(cell)
    ws.append(bold)
    for row in rows:
        ws.append(["" if v is None else v for v in row])


def _ledger_export(request, data, hits_qs) -> HttpResponse:
    status_labels = dict(HitStatus.choices)
    detail = [
        (
            timezone.localtime(h.created_at).strftime("%Y-%m-%d %H:%M"),
            h.model_label,
            h.unit.name,
            h.unit.region.name if h.unit.region_id else "",
            h.subject_name,
            h.subject_id_number_masked,
            h.reason,
            round(h.confidence, 4),
            status_labels.get(h.status, h.status),
            (h.triaged_by.full_name or h.triaged_by.username) if h.triaged_by else "",
            timezone.localtime(h.triaged_at).strftime("%Y-%m-%d %H:%M")
            if h.triaged_at
            else "",
            h.triage_reason,
            h.clue.number if h.clue_id else "",
        )
        for h in hits_qs.iterator(chunk_size=2000)
    ]
    audit_record(
        actor=request.user,
        action=Action.EXPORT,
        object_type="analytics.hit",
        object_repr="预警台账",
        summary={"条数": len(detail), "筛选": request.GET.urlencode()},
    )
    wb = Workbook(write_only=True)
    _sheet(
        wb,
        "台账明细",
        [
            "发现时间",
            "模型",
            "数据所属单位",
            "地区",
            "对象姓名",
            "身份证号码",
            "预警说明",
            "置信度",
            "研判状态",
            "研判人",
            "研判时间",
            "研判意见",
            "线索编号",
        ],
        detail,
    )
    _sheet(
        wb,
        "按模型按月",
        ["模型", *data.months, "合计"],
        [(m.label, *m.months, sum(m.months)) for m in data.models],
    )
    region_models = [m for m in data.models if m.total]
    _sheet(
        wb,
        "按地区",
        ["地区", *[m.label for m in region_models], "合计"],
        [
            (r.name, *[r.counts.get(m.key, 0) for m in region_models], r.total)
            for r in data.regions
        ],
    )
    _sheet(
        wb,
        "精准率",
        [
            "模型",
            "预警数",
            *[label for _, label in HitStatus.choices],
            "已研判",
            "精准率",
        ],
        [
            (
                m.label,
                m.total,
                *[m.statuses.get(s, 0) for s in HitStatus.values],
                m.triaged,
                "—" if m.precision is None else round(m.precision, 4),
            )
            for m in data.models
        ],
    )
    buf = io.BytesIO()
    wb.save(buf)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    resp = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = quote(f"预警台账-{stamp}.xlsx")
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return resp


urlpatterns = [
    path("analytics/hits/", hits, name="hits"),
    path("analytics/hits/dismiss/", hits_dismiss_view, name="hits_dismiss"),
    path("analytics/hits/<int:pk>/", hit_detail, name="hit"),
    path("analytics/hits/<int:pk>/triage/", hit_triage_view, name="hit_triage"),
    path("analytics/ledger/", ledger, name="ledger"),
]
