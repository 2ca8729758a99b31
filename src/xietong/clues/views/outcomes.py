"""The outcomes section of the clue page (四种形态, sanctions, 影响期, 案件剖析报告), its
forms, and the 问题线索与处分 section of the person archive."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .. import selectors, selectors_outcomes, services
from ..models import CaseReport, Form, Outcome, SanctionKind
from ..services.outcomes import PROBATION_CHOICES, RECORDING_STATES, was_case

SANCTION_SLOTS = 3
# Kinds grouped as the select shows them.
KIND_GROUPS = (
    (
        "党纪处分",
        [(k, SanctionKind(k).label) for k in SanctionKind if k.startswith("party_")],
    ),
    (
        "政务处分",
        [(k, SanctionKind(k).label) for k in SanctionKind if k.startswith("gov_")],
    ),
    (
        "诫勉和组织处理",
        [
            (k, SanctionKind(k).label)
            for k in (SanctionKind.ADMONITION, SanctionKind.ORG_HANDLING)
        ],
    ),
)


def _slots(sanctions=()) -> list[dict]:
    rows = [
        {
            "kind": s.kind,
            "effective_date": s.effective_date.isoformat(),
            "probation_months": s.probation_months or "",
            "note": s.note,
        }
        for s in sanctions
    ]
    target = max(SANCTION_SLOTS, len(rows) + 1)
    while len(rows) < target:
        rows.append(
            {"kind": "", "effective_date": "", "probation_months": "", "note": ""}
        )
    return [dict(r, n=i) for i, r in enumerate(rows, start=1)]


def section(request, clue) -> dict | None:
    """Context of ``clues/_outcomes.html``, or None when there is nothing to show or do."""
    user = request.user
    may_record = policies.can_record_disposal(user, clue)
    rows = selectors_outcomes.clue_outcomes(clue)
    report = CaseReport.objects.filter(clue=clue).select_related("author").first()
    is_case = was_case(clue)
    can_record = may_record and clue.status in RECORDING_STATES
    can_correct = may_record and clue.status in RECORDING_STATES | {"concluded"}
    has_outcome = any(r["outcome"] for r in rows)
    if not (has_outcome or can_record or report or is_case):
        return None
    editors = []
    pending = [r["subject"] for r in rows if r["outcome"] is None]
    if can_record and pending:
        editors.append(
            {
                "title": "登记处理结果",
                "action": reverse("clues:outcome_record", args=[clue.pk]),
                "subjects": pending,
                "open": not has_outcome,
                "form": "",
                "conclusion": "",
                "decided_date": "",
                "slots": _slots(),
            }
        )
    for r in rows:
        o = r["outcome"]
        if o is not None and can_correct:
            editors.append(
                {
                    "title": f"更正{r['subject'].name}的处理结果",
                    "action": reverse("clues:outcome_correct", args=[clue.pk, o.pk]),
                    "correct": True,
                    "form": o.form or "",
                    "conclusion": o.conclusion,
                    "decided_date": o.decided_date.isoformat(),
                    "slots": _slots([v.sanction for v in r["sanctions"]]),
                }
            )
    return {
        "clue": clue,
        "rows": rows,
        "editors": editors,
        "forms": Form.choices,
        "kind_groups": KIND_GROUPS,
        "probations": PROBATION_CHOICES,
        "today": timezone.localdate().isoformat(),
        "is_case": is_case,
        "report": report,
        "can_report": is_case and may_record,
    }


def _date(value: str):
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _sanctions_from(post) -> list[services.SanctionInput]:
    out = []
    for n in range(1, 11):
        kind = post.get(f"kind_{n}", "").strip()
        if not kind:
            continue
        probation = post.get(f"probation_{n}", "").strip()
        if kind != SanctionKind.PARTY_PROBATION:
            probation = ""  # the select is hidden for other kinds
        out.append(
            services.SanctionInput(
                kind=kind,
                effective_date=_date(post.get(f"effective_{n}", "")),
                probation_months=int(probation) if probation.isdigit() else None,
                note=post.get(f"note_{n}", ""),
            )
        )
    return out


def _back(clue):
    return redirect(reverse("clues:detail", args=[clue.pk]) + "#outcomes")


def _may_record(request, pk):
    clue = selectors.access_clue_by_id(request.user, pk)
    policies.require(policies.can_record_disposal(request.user, clue))
    return clue


@login_required
@require_POST
def outcome_record(request, pk):
    """Record the outcome of one subject (form, conclusion, sanctions)."""
    clue = _may_record(request, pk)
    subject = clue.subjects.filter(pk=_int(request.POST.get("subject"))).first()
    try:
        services.outcome_record(
            actor=request.user,
            clue=clue,
            subject=subject,
            form=request.POST.get("form", ""),
            conclusion=request.POST.get("conclusion", ""),
            decided_date=_date(request.POST.get("decided_date", "")),
            sanctions=_sanctions_from(request.POST),
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, f"未登记：{exc.message}")
    else:
        messages.success(request, f"已登记{subject.name}的处理结果")
    return _back(clue)


@login_required
@require_POST
def outcome_correct(request, pk, outcome_id):
    """Correct a recorded outcome with a reason; the former record stays in the audit log."""
    clue = _may_record(request, pk)
    outcome = Outcome.objects.filter(pk=outcome_id, clue=clue).first()
    if outcome is None:
        raise NotFound()
    try:
        services.outcome_correct(
            actor=request.user,
            outcome=outcome,
            reason=request.POST.get("reason", ""),
            form=request.POST.get("form", ""),
            conclusion=request.POST.get("conclusion", ""),
            decided_date=_date(request.POST.get("decided_date", "")),
            sanctions=_sanctions_from(request.POST),
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, f"未更正：{exc.message}")
    else:
        messages.success(request, "已更正处理结果，原记录保留在审计日志中")
    return _back(clue)


@login_required
@require_POST
def case_report(request, pk):
    """Save the 案件剖析报告 of a case."""
    clue = _may_record(request, pk)
    try:
        services.case_report_save(
            actor=request.user,
            clue=clue,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    except (ValidationError, Conflict, PermissionDenied) as exc:
        messages.error(request, f"未保存：{exc.message}")
    else:
        messages.success(request, "已保存案件剖析报告")
    return _back(clue)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def archive_section(viewer, person) -> dict:
    """ARCHIVE_SECTIONS entry 问题线索与处分 (registered in ``clues.apps``)."""
    return selectors_outcomes.person_outcomes(viewer, person)
