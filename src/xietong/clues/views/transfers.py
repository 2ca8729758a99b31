"""Transfer with two-way feedback: the section on the clue page, its forms, and 移送管理."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.audit.exports import audited_xlsx_export
from xietong.core.errors import CalendarYearMissing, Conflict, ValidationError
from xietong.core.paging import paginate, query_without_page
from xietong.org.models import Unit, UnitKind
from xietong.workdays.services import add_workdays

from .. import selectors, services, transfer_workflow, workflow
from .. import selectors_transfers as st
from ..limits import time_limits
from ..models import Clue, TransferKind, TransferNoteKind, TransferStatus
from ..services.common import clue_facts
from ..services.transfers import FEEDBACK_WORKDAYS_MAX, RECEIVER_KINDS

FIELD_LABELS = {
    "to_unit": "接收单位",
    "kind": "方式",
    "reason": "理由",
    "feedback_workdays": "反馈期限",
    "content": "内容",
}
# The order of the unit chooser's groups.
RECEIVER_GROUPS = (
    UnitKind.COMMISSION,
    UnitKind.TOWNSHIP_COMMISSION,
    UnitKind.STATIONED_GROUP,
    UnitKind.PARTNER,
)
assert set(RECEIVER_GROUPS) == RECEIVER_KINDS


def _message(exc: ValidationError | Conflict) -> str:
    if exc.fields:
        return (
            "；".join(f"{FIELD_LABELS.get(k, k)}：{v}" for k, v in exc.fields.items())
            + "。"
        )
    return exc.message


def receiver_choices(clue: Clue) -> list[tuple[str, list[Unit]]]:
    """The likely receivers of ``clue``, grouped by kind: commissions, township
    commissions, stationed groups and partner units (检察院…), except the handling unit."""
    units = (
        Unit.objects.filter(is_active=True, kind__in=RECEIVER_GROUPS)
        .exclude(pk=clue.owner_unit_id)
        .select_related("region")
        .order_by("region__path", "sort_order", "name")
    )
    groups: dict[str, list[Unit]] = {k: [] for k in RECEIVER_GROUPS}
    for unit in units:
        groups[unit.kind].append(unit)
    return [(UnitKind(k).label, groups[k]) for k in RECEIVER_GROUPS if groups[k]]


def section(request, clue: Clue) -> dict | None:
    """The clue page's 移送 section: history with deadlines and notes both ways, and the
    forms that fit the viewer; None when the viewer has nothing to see or do here."""
    viewer = request.user
    transfers = st.clue_transfers(viewer, clue)
    can_send = policies.can_transfer_clue(viewer, clue)
    if not transfers and not can_send:
        return None
    blocked = calendar_gap = ""
    if can_send:
        try:
            workflow.next_state(clue.status, "transfer", clue_facts(clue))
        except Conflict as exc:
            blocked = exc.message
        else:
            # Say so before the form is sent when the default deadline cannot be counted.
            try:
                add_workdays(
                    timezone.localdate(), time_limits().transfer_feedback_workdays
                )
            except CalendarYearMissing as exc:
                calendar_gap = exc.message
    for t in transfers:
        t.can_decide = (
            t.status == TransferStatus.SENT and policies.is_transfer_receiver(viewer, t)
        )
        t.can_report = t.status == TransferStatus.ACCEPTED and policies.can_feed_back(
            viewer, t
        )
        t.can_remind = t.status in transfer_workflow.OPEN and (
            policies.is_transfer_sender(viewer, t)
        )
    return {
        "clue": clue,
        "transfers": transfers,
        "can_send": can_send and not blocked,
        "blocked": blocked if can_send else "",
        "calendar_gap": calendar_gap,
        "receivers": receiver_choices(clue) if can_send and not blocked else [],
        "kinds": TransferKind.choices,
        "default_days": time_limits().transfer_feedback_workdays,
        "accept_days": time_limits().transfer_accept_workdays,
        "max_days": FEEDBACK_WORKDAYS_MAX,
        "report_kinds": [
            (TransferNoteKind.PROGRESS.value, TransferNoteKind.PROGRESS.label),
            (TransferNoteKind.RESULT.value, TransferNoteKind.RESULT.label),
        ],
    }


def _after(request, transfer):
    """Back to the clue page, or to 移送管理 when the viewer no longer sees the clue."""
    if policies.scope_clues(
        request.user, Clue.objects.filter(pk=transfer.clue_id)
    ).exists():
        return redirect("clues:detail", transfer.clue_id)
    return redirect("clues:transfers")


@login_required
@require_POST
def transfer_send(request, pk):
    """Send the clue to another unit (移送/转办/交办) with a feedback deadline."""
    clue = selectors.access_clue_by_id(request.user, pk)
    p = request.POST
    raw = p.get("to_unit", "").strip()
    to_unit = (
        Unit.objects.filter(pk=int(raw)).first()
        if raw.isdecimal() and len(raw) <= 12
        else None
    )
    try:
        transfer = services.transfer_send(
            actor=request.user,
            clue=clue,
            to_unit=to_unit,
            kind=p.get("kind", ""),
            reason=p.get("reason", ""),
            feedback_workdays=p.get("feedback_workdays", "").strip() or None,
        )
    except CalendarYearMissing as exc:
        messages.error(request, exc.message)
    except (ValidationError, Conflict) as exc:
        if to_unit is None and exc.fields.get("to_unit"):
            exc.fields["to_unit"] = (
                f"单位编号 {raw[:20]} 不存在" if raw else "请选择接收单位"
            )
        messages.error(request, _message(exc))
    else:
        messages.success(
            request,
            f"已{transfer.get_kind_display()}至{transfer.to_unit.name}，"
            f"反馈截止 {transfer.feedback_due:%Y-%m-%d}。",
        )
    return redirect("clues:detail", clue.pk)


@login_required
@require_POST
def transfer_accept(request, pk):
    transfer = st.access_transfer_by_id(request.user, pk)
    try:
        services.transfer_accept(actor=request.user, transfer=transfer)
    except (ValidationError, Conflict) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"已接收，线索改由{transfer.to_unit.name}承办。")
    return _after(request, transfer)


@login_required
@require_POST
def transfer_return(request, pk):
    transfer = st.access_transfer_by_id(request.user, pk)
    try:
        services.transfer_return(
            actor=request.user, transfer=transfer, reason=request.POST.get("reason", "")
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"已退回{transfer.from_unit.name}。")
    return _after(request, transfer)


@login_required
@require_POST
def transfer_note(request, pk):
    """进展反馈 / 处置情况反馈 from the receiver, 催办 from the sender."""
    transfer = st.access_transfer_by_id(request.user, pk)
    try:
        note = services.transfer_note_add(
            actor=request.user,
            transfer=transfer,
            kind=request.POST.get("kind", ""),
            content=request.POST.get("content", ""),
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"已发送{note.get_kind_display()}。")
    return _after(request, transfer)


EXPORT_HEADERS = [
    "线索编号",
    "方式",
    "移出单位",
    "接收单位",
    "移送日期",
    "移送理由",
    "接收期限",
    "反馈截止",
    "状态",
    "逾期",
    "退回理由",
    "最新反馈",
    "主要问题",
]


def _overdue_text(t) -> str:
    d = t.deadlines
    parts = (["逾期未接收"] if d.accept_overdue else []) + (
        ["反馈逾期"] if d.feedback_overdue else []
    )
    return "、".join(parts)


def _export_row(t) -> tuple:
    last = t.last_note
    return (
        t.clue.number,
        t.get_kind_display(),
        t.from_unit.name,
        t.to_unit.name,
        f"{st._sent_day(t):%Y-%m-%d}",
        t.reason,
        f"{t.deadlines.accept_due:%Y-%m-%d}" if t.deadlines.accept_due else "",
        f"{t.feedback_due:%Y-%m-%d}",
        t.get_status_display(),
        _overdue_text(t),
        t.return_reason,
        f"{last.get_kind_display()}：{last.content}" if last else "",
        t.clue.summary if t.clue_visible else "（已退回，内容不可见）",
    )


@login_required
def transfers(request):
    """移送管理: transfers received (收到的) and sent (移出的), filters and .xlsx export."""
    viewer = request.user
    # Whoever has a clue ledger has this page too (a team seat alone: an empty list).
    policies.require(policies.sees_clue_ledger(viewer))
    g = request.GET
    tab = st.OUTGOING if g.get("tab") == st.OUTGOING else st.INCOMING
    status = g.get("status", "")
    overdue = g.get("overdue") == "1"
    qs = st.transfer_list(viewer=viewer, direction=tab, status=status, overdue=overdue)
    if g.get("export") == "xlsx":
        label = "收到的" if tab == st.INCOMING else "移出的"
        return audited_xlsx_export(
            request,
            object_type="clues.transfer",
            title=f"线索移送（{label}）",
            headers=EXPORT_HEADERS,
            rows=(_export_row(t) for t in st.decorate(viewer, qs)),
        )
    page = paginate(request, qs)
    page.object_list = st.decorate(viewer, page.object_list)
    tabs = {"incoming": st.INCOMING, "outgoing": st.OUTGOING}
    counts = {
        k: st.transfer_list(viewer=viewer, direction=d).count() for k, d in tabs.items()
    }
    overdue_counts = {
        k: st.transfer_list(viewer=viewer, direction=d, overdue=True).count()
        for k, d in tabs.items()
    }
    return render(
        request,
        "clues/transfers.html",
        {
            "page": page,
            "query": query_without_page(request),
            "tab": tab,
            "counts": counts,
            "overdue_counts": overdue_counts,
            "statuses": TransferStatus.choices,
            "status": status,
            "overdue": overdue,
        },
    )
