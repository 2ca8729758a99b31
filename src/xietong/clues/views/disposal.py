"""Disposal (处置) on the clue page: the state and what comes next, the history of opinions,
and the forms that fit the viewer — draft, approve or send back, record the reply or the
report, conclude. A refused action comes back as a Chinese message on the clue page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.core.errors import ApplicationError, Conflict, NotFound

from .. import selectors, services, workflow
from ..limits import time_limits
from ..models import (
    Clue,
    ClueStatus,
    DisposalMethod,
    DisposalStatus,
    InquiryForm,
)
from ..services.common import clue_facts

# The step each method runs, as the opinion form explains it.
METHOD_HINTS = {
    DisposalMethod.INQUIRY: "谈话或函询，回复期限{days}个工作日",
    DisposalMethod.VERIFICATION: "初步核实后提交核实报告",
    DisposalMethod.SHELVED: "暂存待查，出现新情况再处置",
    DisposalMethod.CLOSED: "予以了结，处置完毕",
    DisposalMethod.CASE: "立案审查调查",
}


def _refusal(clue_state: str, event: str, facts) -> str:
    """Why ``event`` is not possible now ("" when it is)."""
    try:
        workflow.next_state(clue_state, event, facts)
    except Conflict as exc:
        return exc.message
    return ""


def section(request, clue: Clue) -> dict:
    """Context of ``clues/_disposal.html`` for the viewer."""
    user = request.user
    today = timezone.localdate()
    disposals = selectors.clue_disposals(clue)
    pending = next((d for d in disposals if d.status == DisposalStatus.PENDING), None)
    approved = [d for d in disposals if d.status == DisposalStatus.APPROVED]
    current = approved[-1] if approved else None
    facts = clue_facts(clue)
    allowed = workflow.allowed_events(clue.status)

    can_draft = False
    draft_blocked = ""
    if "propose" in allowed and policies.can_draft_disposal(user, clue):
        draft_blocked = _refusal(clue.status, "propose", facts)
        can_draft = not draft_blocked
    can_decide = pending is not None and policies.can_approve_disposal(user, pending)
    may_record = policies.can_record_disposal(user, clue)
    running = current is not None and clue.status == workflow.METHOD_STATE.get(
        current.method
    )
    can_reply = (
        may_record
        and running
        and clue.status == ClueStatus.INQUIRY
        and current.reply_date is None
    )
    can_report = (
        may_record
        and running
        and clue.status == ClueStatus.VERIFICATION
        and current.report_date is None
    )
    can_conclude = False
    conclude_blocked = ""
    if "conclude" in allowed and may_record:
        conclude_blocked = _refusal(clue.status, "conclude", facts)
        can_conclude = not conclude_blocked

    due = None
    if clue.status == ClueStatus.REGISTERED:
        due = selectors.opinion_due(clue.received_date)
    reply_overdue = bool(
        running
        and clue.status == ClueStatus.INQUIRY
        and current.reply_date is None
        and current.reply_due
        and today > current.reply_due
    )
    limits = time_limits()
    return {
        "clue": clue,
        "disposals": disposals,
        "pending": pending,
        "current": current if running else None,
        "next_step": selectors.next_step(clue),
        "opinion_due": due,
        "opinion_overdue": bool(due and today > due),
        "reply_overdue": reply_overdue,
        "transitions": selectors.clue_transitions(clue),
        "can_draft": can_draft,
        "draft_blocked": draft_blocked,
        "can_decide": can_decide,
        "awaits_main_leader": bool(
            pending and pending.needs_main_leader and not can_decide
        ),
        "can_reply": can_reply,
        "can_report": can_report,
        "can_conclude": can_conclude,
        "conclude_blocked": conclude_blocked,
        "methods": [
            (
                m.value,
                m.label,
                METHOD_HINTS[m].format(days=limits.inquiry_reply_workdays),
            )
            for m in DisposalMethod
        ],
        "inquiry_forms": InquiryForm.choices,
        "limits": limits,
        "today": today,
        "decided_day": (
            timezone.localdate(current.decided_at)
            if current is not None and current.decided_at
            else None
        ),
    }


def _back(clue_pk: int):
    return redirect(reverse("clues:detail", args=[clue_pk]) + "#disposal")


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _run(request, clue_pk: int, action, success: str):
    """Run a service call; a refusal (other than not found) becomes a message."""
    try:
        action()
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return _back(clue_pk)


@login_required
@require_POST
def disposal_propose(request, pk):
    """Draft a disposal opinion (拟办意见)."""
    clue = selectors.access_clue_by_id(request.user, pk)
    p = request.POST
    return _run(
        request,
        clue.pk,
        lambda: services.disposal_propose(
            actor=request.user,
            clue=clue,
            method=p.get("method", ""),
            opinion=p.get("opinion", ""),
            inquiry_form=p.get("inquiry_form", ""),
        ),
        "已提出拟办意见，待委领导审批。",
    )


@login_required
@require_POST
def disposal_approve(request, pk):
    """Approve a pending opinion (委领导; main leader where needed)."""
    disposal = selectors.access_disposal_by_id(request.user, pk)
    return _run(
        request,
        disposal.clue_id,
        lambda: services.disposal_approve(
            actor=request.user,
            disposal=disposal,
            comment=request.POST.get("comment", ""),
        ),
        "已批准拟办意见。",
    )


@login_required
@require_POST
def disposal_reject(request, pk):
    """Send a pending opinion back with the reason."""
    disposal = selectors.access_disposal_by_id(request.user, pk)
    return _run(
        request,
        disposal.clue_id,
        lambda: services.disposal_reject(
            actor=request.user,
            disposal=disposal,
            comment=request.POST.get("comment", ""),
        ),
        "已退回拟办意见。",
    )


@login_required
@require_POST
def inquiry_reply(request, pk):
    """Record the talk record or the written reply of the running 谈话函询."""
    clue = selectors.access_clue_by_id(request.user, pk)
    p = request.POST
    return _run(
        request,
        clue.pk,
        lambda: services.inquiry_record_reply(
            actor=request.user,
            clue=clue,
            reply_text=p.get("reply_text", ""),
            reply_date=_date(p.get("reply_date", "")),
        ),
        "已登记谈话记录或书面回复。",
    )


@login_required
@require_POST
def verification_report(request, pk):
    """Record the report of the running 初步核实."""
    clue = selectors.access_clue_by_id(request.user, pk)
    p = request.POST
    return _run(
        request,
        clue.pk,
        lambda: services.verification_record_report(
            actor=request.user,
            clue=clue,
            report_text=p.get("report_text", ""),
            report_date=_date(p.get("report_date", "")),
        ),
        "已提交初步核实报告。",
    )


@login_required
@require_POST
def clue_conclude(request, pk):
    """Conclude (办结) the clue with the conclusion."""
    clue = selectors.access_clue_by_id(request.user, pk)
    return _run(
        request,
        clue.pk,
        lambda: services.clue_conclude(
            actor=request.user,
            clue=clue,
            conclusion=request.POST.get("conclusion", ""),
        ),
        "线索已办结。",
    )
