"""Transfer with two-way feedback (移送/转办/交办): send a clue to the competent unit or a
partner body, accept or return it, and keep the traffic both ways (进展反馈、处置情况反馈、
催办). The receiver's own disposal steps flow back through ``common.clue_transition``."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.org.models import Unit, UnitKind
from xietong.workdays.services import add_workdays

from .. import transfer_workflow, workflow
from ..limits import time_limits
from ..models import (
    Clue,
    Transfer,
    TransferKind,
    TransferNote,
    TransferNoteKind,
    TransferStatus,
)
from .common import clue_facts

# Units that can take a clue over: the competent commissions and groups, and partner bodies
# (检察院、审计局…) that report their result back through their liaison.
RECEIVER_KINDS = frozenset(
    {
        UnitKind.COMMISSION,
        UnitKind.TOWNSHIP_COMMISSION,
        UnitKind.STATIONED_GROUP,
        UnitKind.PARTNER,
    }
)
FEEDBACK_WORKDAYS_MAX = 180


def _visible_clue(actor, clue: Clue) -> bool:
    return policies.scope_clues(actor, Clue.objects.filter(pk=clue.pk)).exists()


def _is_party(actor, transfer: Transfer) -> bool:
    return (
        policies.transfer_units(actor)
        .filter(pk__in=[transfer.from_unit_id, transfer.to_unit_id])
        .exists()
    )


def _lock(transfer: Transfer) -> tuple[Clue, Transfer]:
    """Lock the clue, then the transfer — the order ``clue_transition`` uses too."""
    clue = Clue.objects.select_for_update().get(pk=transfer.clue_id)
    locked = (
        Transfer.objects.select_for_update()
        .select_related("from_unit", "to_unit")
        .get(pk=transfer.pk)
    )
    return clue, locked


def _require_receiver(actor, transfer: Transfer) -> None:
    if policies.is_transfer_receiver(actor, transfer):
        return
    if _is_party(actor, transfer):
        raise PermissionDenied(
            f"只有接收单位（{transfer.to_unit.name}）的委领导、部门负责人、案管"
            "或协作单位联络员可以接收或退回移送。"
        )
    raise NotFound()


def _feedback_workdays(value) -> int:
    if value is None or value == "":
        return time_limits().transfer_feedback_workdays
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = 0
    if isinstance(value, bool) or not 1 <= n <= FEEDBACK_WORKDAYS_MAX:
        message = f"反馈期限须为 1 至 {FEEDBACK_WORKDAYS_MAX} 个工作日"
        raise ValidationError(message + "。", fields={"feedback_workdays": message})
    return n


def _sent_at(today: dt.date) -> dt.datetime:
    """The moment of sending: now, or now's time of day on ``today`` when one is given."""
    now = timezone.localtime()
    if today == now.date():
        return now
    return now.replace(year=today.year, month=today.month, day=today.day)


@transaction.atomic
def transfer_send(
    *,
    actor,
    clue: Clue,
    to_unit: Unit | None,
    kind: str,
    reason: str,
    feedback_workdays: int | None = None,
    today: dt.date | None = None,
) -> Transfer:
    """Send ``clue`` from its handling unit to ``to_unit`` (移送/转办/交办), with a feedback
    deadline counted in working days from ``today``; refused while another transfer of the
    clue is pending or once the clue is being disposed of."""
    locked = (
        Clue.objects.select_for_update().select_related("owner_unit").get(pk=clue.pk)
    )
    if not policies.can_transfer_clue(actor, locked):
        if _visible_clue(actor, locked):
            raise PermissionDenied(
                "只有承办单位的委领导、部门负责人或案管可以移送线索。"
            )
        raise NotFound()
    workflow.next_state(locked.status, "transfer", clue_facts(locked))
    errors: dict[str, str] = {}
    if kind not in TransferKind.values:
        errors["kind"] = "请选择移送方式（移送、转办或交办）"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写移送理由"
    if to_unit is None or not to_unit.is_active:
        errors["to_unit"] = "接收单位不存在或已停用"
    elif to_unit.pk == locked.owner_unit_id:
        errors["to_unit"] = f"线索已由{to_unit.name}承办，不能移送给本单位"
    elif to_unit.kind not in RECEIVER_KINDS:
        errors["to_unit"] = (
            f"{to_unit.name}不能接收线索：接收单位须为纪委监委、乡镇（街道）纪（工）委、"
            "派驻纪检监察组或协作单位"
        )
    try:
        days = _feedback_workdays(feedback_workdays)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    today = today or timezone.localdate()
    transfer = Transfer.objects.create(
        clue=locked,
        kind=kind,
        from_unit=locked.owner_unit,
        to_unit=to_unit,
        reason=reason,
        feedback_workdays=days,
        feedback_due=add_workdays(today, days),
        sent_by=actor,
    )
    sent_at = _sent_at(today)
    if abs(sent_at - transfer.sent_at) > dt.timedelta(seconds=1):
        Transfer.objects.filter(pk=transfer.pk).update(sent_at=sent_at)
        transfer.sent_at = sent_at
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=transfer,
        summary={
            "线索": locked.number,
            "方式": transfer.get_kind_display(),
            "移出单位": locked.owner_unit.name,
            "接收单位": to_unit.name,
            "理由": reason,
            "反馈期限": f"{days} 个工作日（{transfer.feedback_due.isoformat()}）",
        },
    )
    return transfer


def _refuse_twice(transfer: Transfer, event: str) -> None:
    """A clear answer for a transfer that was already decided."""
    if transfer.status in (TransferStatus.ACCEPTED, TransferStatus.FED_BACK):
        when = timezone.localtime(transfer.decided_at).strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            f"该移送已于 {when} 由{transfer.to_unit.name}接收，"
            f"不能重复{transfer_workflow.EVENT_LABELS[event]}。"
        )
    if transfer.status == TransferStatus.RETURNED:
        raise Conflict(
            "该移送已被退回，不能再"
            f"{transfer_workflow.EVENT_LABELS[event]}；如需再次移送，请由移出单位重新发起。"
        )


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer) -> Transfer:
    """The receiver accepts: the clue's handling unit becomes the receiving unit."""
    clue, locked = _lock(transfer)
    _require_receiver(actor, locked)
    if locked.status != TransferStatus.SENT:
        _refuse_twice(locked, "accept")
    new = transfer_workflow.next_state(locked.status, "accept")
    old_owner = clue.owner_unit
    Clue.objects.filter(pk=clue.pk).update(owner_unit=locked.to_unit)
    locked.status = new
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        summary={
            "事项": "接收",
            "状态": [
                transfer_workflow.LABELS[transfer_workflow.SENT],
                transfer_workflow.LABELS[new],
            ],
        },
    )
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        obj=clue,
        summary={
            "承办单位": [old_owner.name, locked.to_unit.name],
            "依据": f"接收{locked.get_kind_display()}（移送记录 {locked.pk}）",
        },
    )
    _copy(locked, transfer)
    transfer.clue.owner_unit = locked.to_unit
    return transfer


@transaction.atomic
def transfer_return(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiver returns the transfer with a reason; the clue stays with the sender and
    the receiver no longer sees its content."""
    _, locked = _lock(transfer)
    _require_receiver(actor, locked)
    if locked.status != TransferStatus.SENT:
        _refuse_twice(locked, "return")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写退回理由。", fields={"reason": "请填写退回理由"})
    new = transfer_workflow.next_state(locked.status, "return")
    locked.status = new
    locked.return_reason = reason
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        summary={
            "事项": "退回",
            "状态": [
                transfer_workflow.LABELS[transfer_workflow.SENT],
                transfer_workflow.LABELS[new],
            ],
            "理由": reason,
        },
    )
    _copy(locked, transfer)
    return transfer


def _copy(src: Transfer, dst: Transfer) -> None:
    for name in (
        "status",
        "decided_by",
        "decided_at",
        "return_reason",
        "fed_back_at",
    ):
        setattr(dst, name, getattr(src, name))


RECEIVER_NOTE_KINDS = frozenset({TransferNoteKind.PROGRESS, TransferNoteKind.RESULT})


@transaction.atomic
def transfer_note_add(
    *, actor, transfer: Transfer, kind: str, content: str
) -> TransferNote:
    """Two-way traffic: the receiver reports progress (进展反馈) or its result (处置情况反馈,
    which closes an accepted transfer as 已反馈办结); the sender reminds (催办)."""
    _, locked = _lock(transfer)
    if not _is_party(actor, locked):
        raise NotFound()
    if kind not in TransferNoteKind.values:
        raise ValidationError(
            "反馈类别无效。", fields={"kind": "请选择进展反馈、处置情况反馈或催办"}
        )
    label = TransferNoteKind(kind).label
    if kind in RECEIVER_NOTE_KINDS:
        if not policies.can_feed_back(actor, locked):
            raise PermissionDenied(f"{label}由接收单位（{locked.to_unit.name}）填报。")
        if locked.status != TransferStatus.ACCEPTED:
            raise Conflict(
                f"该移送当前状态为“{locked.get_status_display()}”，接收后方可{label}。"
                if locked.status == TransferStatus.SENT
                else f"该移送当前状态为“{locked.get_status_display()}”，不能再{label}。"
            )
        unit = locked.to_unit
    else:
        if not policies.is_transfer_sender(actor, locked):
            raise PermissionDenied(
                f"催办由移出单位（{locked.from_unit.name}）的委领导、部门负责人或案管发出。"
            )
        if locked.status not in transfer_workflow.OPEN:
            raise Conflict(
                f"该移送当前状态为“{locked.get_status_display()}”，无需催办。"
            )
        unit = locked.from_unit
    content = (content or "").strip()
    if not content:
        raise ValidationError(
            f"请填写{label}内容。", fields={"content": f"请填写{label}内容"}
        )
    note = TransferNote.objects.create(
        transfer=locked, kind=kind, unit=unit, content=content, created_by=actor
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=note,
        object_repr=f"{locked} {label}",
        summary={"类别": label, "单位": unit.name, "内容": content},
    )
    if kind == TransferNoteKind.RESULT:
        old = locked.status
        locked.status = transfer_workflow.next_state(old, "result")
        locked.fed_back_at = timezone.now()
        locked.save(update_fields=["status", "fed_back_at"])
        audit_record(
            actor=actor,
            action=Action.TRANSITION,
            obj=locked,
            summary={
                "事项": "反馈处置结果",
                "状态": [
                    transfer_workflow.LABELS[old],
                    transfer_workflow.LABELS[locked.status],
                ],
                "反馈": content,
            },
        )
        _copy(locked, transfer)
    return note


@transaction.atomic
def transfer_remind_overdue(*, today: dt.date | None = None) -> list[TransferNote]:
    """The platform's own 催办 (a daily job, ``xietong clues remind``): every open transfer
    past its acceptance or feedback deadline gets one reminder note a day, from the sending
    unit, which both sides see with the transfer and on their to-do lists."""
    from ..selectors_transfers import accept_overdue_q, feedback_overdue_q

    # ``today`` is the day the deadlines are judged on; "once a day" goes by the clock.
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    reminded_today = TransferNote.objects.filter(
        kind=TransferNoteKind.REMINDER, created_by=None, created_at__gte=start
    ).values("transfer_id")
    late_accept = set(
        Transfer.objects.filter(accept_overdue_q(today)).values_list("pk", flat=True)
    )
    notes = []
    for transfer in (
        Transfer.objects.select_for_update()
        .filter(accept_overdue_q(today) | feedback_overdue_q(today))
        .exclude(pk__in=reminded_today)
        .select_related("from_unit", "to_unit", "clue")
        .order_by("pk")
    ):
        if transfer.pk in late_accept:
            content = (
                f"系统自动催办：{transfer.get_kind_display()}已超过接收期限"
                f"（{time_limits().transfer_accept_workdays}个工作日），"
                f"请{transfer.to_unit.name}及时接收或说明理由退回。"
            )
        else:
            content = (
                f"系统自动催办：反馈期限 {transfer.feedback_due:%Y-%m-%d} 已过，"
                f"请{transfer.to_unit.name}尽快反馈处置情况。"
            )
        note = TransferNote.objects.create(
            transfer=transfer,
            kind=TransferNoteKind.REMINDER,
            unit=transfer.from_unit,
            content=content,
            created_by=None,
        )
        audit_record(
            actor=None,
            action=Action.CREATE,
            obj=note,
            object_repr=f"{transfer} 催办",
            summary={"类别": "系统自动催办", "单位": transfer.from_unit.name},
        )
        notes.append(note)
    return notes
