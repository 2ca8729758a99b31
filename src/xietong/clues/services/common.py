"""The one place a clue changes state: lock, check the workflow, write, audit, and let the
change flow back to the unit that transferred the clue (处置情况反馈)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xietong.audit.models import Action
from xietong.audit.services import audit_record

from .. import transfer_workflow, workflow
from ..models import Clue, Transfer, TransferNote, TransferNoteKind, TransferStatus


def clue_facts(clue: Clue, *, method: str = "") -> workflow.Facts:
    """What the workflow guards need to know about ``clue``, read from the database."""
    from ..models import Disposal, DisposalStatus

    current = (
        Disposal.objects.filter(clue=clue, status=DisposalStatus.APPROVED)
        .order_by("-id")
        .first()
    )
    subjects = clue.subjects.count()
    with_outcome = clue.outcomes.values("subject_id").distinct().count()
    return workflow.Facts(
        transfer_pending=clue.transfers.filter(status=TransferStatus.SENT).exists(),
        reply_on_file=bool(current and current.reply_text.strip()),
        report_on_file=bool(current and current.report_text.strip()),
        outcome_on_file=subjects > 0 and with_outcome >= subjects,
        method=method,
    )


def open_transfer_to_owner(clue: Clue) -> Transfer | None:
    """The accepted transfer that made the current owner handle ``clue``, if any."""
    return (
        Transfer.objects.filter(
            clue=clue, status=TransferStatus.ACCEPTED, to_unit_id=clue.owner_unit_id
        )
        .order_by("-id")
        .first()
    )


@transaction.atomic
def clue_transition(
    *, actor, clue: Clue, event: str, reason: str = "", method: str = "", **extra
) -> Clue:
    """Move ``clue`` by ``event`` (refused in Chinese when illegal), audit who, when and
    why, and report the new state to the sending unit of an accepted transfer."""
    locked = Clue.objects.select_for_update().get(pk=clue.pk)
    old = locked.status
    new = workflow.next_state(old, event, clue_facts(locked, method=method))
    Clue.objects.filter(pk=locked.pk).update(status=new)
    clue.status = new
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        summary={
            "事项": workflow.EVENT_LABELS.get(event, event),
            "状态": [workflow.LABELS[old], workflow.LABELS[new]],
            "理由": reason.strip(),
            **extra,
        },
    )
    transfer = open_transfer_to_owner(locked)
    if transfer is not None and new != old:
        final = new in workflow.FINAL
        text = f"线索状态由“{workflow.LABELS[old]}”变为“{workflow.LABELS[new]}”"
        if reason.strip():
            text += f"：{reason.strip()}"
        TransferNote.objects.create(
            transfer=transfer,
            kind=TransferNoteKind.RESULT if final else TransferNoteKind.PROGRESS,
            unit=transfer.to_unit,
            content=text if text.endswith(("。", "！", "？")) else text + "。",
            created_by=actor,
        )
        if final:
            transfer.status = transfer_workflow.next_state(transfer.status, "result")
            transfer.fed_back_at = timezone.now()
            transfer.save(update_fields=["status", "fed_back_at"])
            audit_record(
                actor=actor,
                action=Action.TRANSITION,
                obj=transfer,
                summary={"状态": ["已接收办理中", "已反馈办结"], "反馈": text},
            )
    return clue
