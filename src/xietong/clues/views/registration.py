"""Clue ledger, clue page, central registration and petition intake."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.access.roles import Grant
from xietong.audit.exports import audited_xlsx_export
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.core.paging import paginate, query_without_page
from xietong.org.models import Unit

from .. import selectors, services
from ..forms import ClueForm, PetitionForm
from ..models import (
    Clue,
    ClueSource,
    ClueStatus,
    DisposalMethod,
    Form,
    LinkKind,
    Petition,
)
from ..related import related_for_viewer
from .attachments import petition_section as petition_attachments


def _errors(form) -> dict[str, str]:
    return {
        (form.fields[f].label if f in form.fields else f): "；".join(e)
        for f, e in form.errors.items()
    }


def _overdue_text(clue) -> str:
    reasons = selectors.overdue_reasons(clue)
    return f"是（{'、'.join(reasons)}）" if reasons else "否"


@login_required
def ledger(request):
    """线索台账 of the user's commission: filters (source, status, disposal method, 四种形态,
    overdue, text) and .xlsx export of the same rows."""
    policies.require(policies.sees_clue_ledger(request.user))
    g = request.GET
    qs = selectors.clue_ledger(
        viewer=request.user,
        source=g.get("source", ""),
        status=g.get("status", ""),
        q=g.get("q", "").strip()[:64],
        method=g.get("method", ""),
        form=g.get("form", ""),
        overdue=g.get("overdue") == "1",
    )
    if g.get("export") == "xlsx":
        rows = (
            (
                c.number,
                c.get_source_display(),
                c.received_date.isoformat(),
                "、".join(s.name for s in c.subjects.all()),
                c.summary,
                c.owner_unit.name,
                c.get_status_display(),
                c.current_method_label,
                "、".join(selectors.form_labels(c)),
                _overdue_text(c),
            )
            for c in qs
        )
        return audited_xlsx_export(
            request,
            object_type="clues.clue",
            title="线索台账",
            headers=[
                "线索编号",
                "来源",
                "收到日期",
                "被反映人",
                "主要问题",
                "承办单位",
                "状态",
                "处置方式",
                "形态",
                "是否逾期",
            ],
            rows=rows,
        )
    page = paginate(request, qs)
    selectors.decorate_ledger(page)
    return render(
        request,
        "clues/ledger.html",
        {
            "page": page,
            "query": query_without_page(request),
            "sources": ClueSource.choices,
            "statuses": ClueStatus.choices,
            "methods": DisposalMethod.choices,
            "forms": [(str(v), label) for v, label in Form.choices],
            "can_register": policies.can_register_clue(request.user),
        },
    )


# Sections of the clue page contributed by the other sub-domains, in page order:
# (template, "dotted.path.to.section"); ``section(request, clue)`` returns the template's
# context ``s``, or None to leave the section out for this viewer.
CLUE_SECTIONS: list[tuple[str, str]] = [
    # -- disposal --
    ("clues/_disposal.html", "xietong.clues.views.disposal.section"),
    # -- outcomes --
    ("clues/_outcomes.html", "xietong.clues.views.outcomes.section"),
    # -- transfers --
    ("clues/_transfers.html", "xietong.clues.views.transfers.section"),
    # -- teams --
    ("clues/_teams.html", "xietong.clues.views.teams.clue_section"),
    # -- attachments --
    ("clues/_attachments.html", "xietong.clues.views.attachments.clue_section"),
]


def _sections(request, clue) -> list[tuple[str, dict]]:
    out = []
    for template, dotted in CLUE_SECTIONS:
        ctx = import_string(dotted)(request, clue)
        if ctx is not None:
            out.append((template, ctx))
    return out


@login_required
def clue_detail(request, pk):
    clue = selectors.access_clue_by_id(request.user, pk)
    return render(
        request,
        "clues/detail.html",
        {
            "clue": clue,
            "subjects": clue.subjects.select_related("person__unit"),
            "related": related_for_viewer(request.user, clue),
            "links_out": clue.links_out.select_related("to_clue"),
            "links_in": clue.links_in.select_related("from_clue"),
            "can_link": policies.can_register_clue(request.user),
            "link_kinds": LinkKind.choices,
            "sections": _sections(request, clue),
        },
    )


@login_required
def register(request):
    """Central registration by the 案件监督管理室; ``?petition=ID`` registers a clue from a
    petition (source, date and content taken over, the petition linked)."""
    policies.require(policies.can_register_clue(request.user))
    petition_pk = request.POST.get("petition") or request.GET.get("petition")
    petition = _petition(request, petition_pk) if petition_pk else None
    initial = {}
    if petition is not None:
        initial = {
            "source": ClueSource.PETITION,
            "received_date": petition.received_date,
            "summary": petition.content,
            "petition": petition.pk,
        }
    form = ClueForm(request.POST or None, initial=initial)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            owner = Unit.objects.get(pk=d["owner_unit"]) if d["owner_unit"] else None
            try:
                subject = services.find_subject(
                    id_number=d["subject_id_number"],
                    name=d["subject_name"],
                    unit_text=d["subject_unit"],
                )
                clue = services.clue_register(
                    actor=request.user,
                    source=d["source"],
                    received_date=d["received_date"],
                    summary=d["summary"],
                    subjects=[subject] if (subject.person or subject.name) else [],
                    petition=petition,
                    owner_unit=owner,
                    override_reason=d["override_reason"],
                )
            except ValidationError as exc:
                errors = exc.fields or {"表单": exc.message}
            else:
                related = related_for_viewer(request.user, clue)
                if related:
                    messages.warning(
                        request,
                        f"已登记线索 {clue.number}。发现 {len(related)} 条相关线索"
                        "（同一人或同一事项），请在“相关线索”中核对，必要时关联或合并。",
                    )
                else:
                    messages.success(request, f"已登记线索 {clue.number}")
                return redirect("clues:detail", clue.pk)
        else:
            errors = _errors(form)
    return render(
        request,
        "clues/register.html",
        {"form": form, "errors": errors, "petition": petition},
    )


@login_required
def petition_new(request):
    """信访 intake: the reporter's identity is encrypted on save."""
    policies.require(policies.can_register_petition(request.user))
    form = PetitionForm(request.POST or None)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if form.is_valid():
            try:
                petition = services.petition_register(
                    actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                errors = exc.fields or {"表单": exc.message}
            else:
                messages.success(request, "已登记信访举报")
                return redirect("clues:petition", petition.pk)
        else:
            errors = _errors(form)
    return render(request, "clues/petition_form.html", {"form": form, "errors": errors})


def _petition(request, pk) -> Petition:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    petition = policies.scope_petitions(
        request.user, Petition.objects.filter(pk=pk)
    ).first()
    if petition is None:
        raise NotFound()
    return petition


@login_required
def petition_detail(request, pk):
    petition = _petition(request, pk)
    return render(
        request,
        "clues/petition.html",
        {
            "petition": petition,
            "attachments": petition_attachments(request, petition),
            "can_reveal": petition.real_name
            and policies.can_see_sensitive(request.user, Grant.REPORTER_IDENTITY),
            "can_register": policies.can_register_clue(request.user),
            "clues": policies.scope_clues(request.user, petition.clues.all()),
        },
    )


@login_required
@require_POST
def petition_reveal(request, pk):
    """HTMX: the reporter's identity for a holder of the grant; audited."""
    petition = _petition(request, pk)
    try:
        identity = services.petition_reveal_reporter(
            actor=request.user, petition=petition
        )
    except PermissionDenied as exc:
        return render(
            request, "clues/_reporter.html", {"error": exc.message}, status=403
        )
    return render(request, "clues/_reporter.html", {"identity": identity})


@login_required
@require_POST
def clue_link(request, pk):
    """Link this clue to another (关联) or merge it into another (合并), by number."""
    policies.require(policies.can_register_clue(request.user))
    clue = selectors.access_clue_by_id(request.user, pk)
    number = request.POST.get("other", "").strip()
    other = Clue.objects.filter(number=number).first()
    try:
        if other is None:
            raise ValidationError(f"线索编号“{number}”不存在或您无权查看。")
        try:
            services.clue_link(
                actor=request.user,
                clue=clue,
                other=other,
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
            )
        except NotFound:
            raise ValidationError(f"线索编号“{number}”不存在或您无权查看。") from None
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已保存")
    return redirect("clues:detail", clue.pk)
