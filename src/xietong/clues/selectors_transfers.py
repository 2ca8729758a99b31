"""Reads of transfers (移送/转办/交办) for a viewer, with their deadlines worked out.

A transfer is seen by both of its sides (``policies.transfer_units``), also once returned;
the clue's content is shown only where ``policies.scope_clues`` still lets the viewer see it
(a receiver that returned a clue sees its number, the units, the status and the reasons).

Overdue rules: acceptance is overdue while the transfer waits (待接收) more than
``transfer_accept_workdays`` working days after the day it was sent; feedback is overdue
while the transfer is open (待接收 or 已接收办理中) and today is past ``feedback_due``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from xietong.access import policies
from xietong.core.errors import CalendarYearMissing, NotFound
from xietong.workdays.services import add_workdays, current_calendar

from . import transfer_workflow
from .limits import time_limits
from .models import Clue, Transfer, TransferNote, TransferNoteKind, TransferStatus

INCOMING, OUTGOING = "in", "out"
OPEN = tuple(transfer_workflow.OPEN)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _sent_day(transfer: Transfer) -> dt.date:
    return timezone.localdate(transfer.sent_at)


def accept_cutoff(today: dt.date | None = None) -> dt.date | None:
    """Transfers sent before this day and still waiting are overdue for acceptance (more
    than ``transfer_accept_workdays`` working days after the day of sending, up to today);
    None when the calendar lacks the years needed to tell."""
    today = _today(today)
    wanted = time_limits().transfer_accept_workdays + 1
    cal = current_calendar()
    day, seen = today, 0
    try:
        while True:
            if cal.is_workday(day):
                seen += 1
                if seen == wanted:
                    return day
            day -= dt.timedelta(days=1)
    except CalendarYearMissing:
        return None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def accept_overdue_q(today: dt.date | None = None) -> Q:
    """Transfers overdue for acceptance, as a filter."""
    cutoff = accept_cutoff(today)
    if cutoff is None:
        return Q(pk__in=[])
    return Q(status=TransferStatus.SENT, sent_at__lt=_start_of(cutoff))


def feedback_overdue_q(today: dt.date | None = None) -> Q:
    """Open transfers whose feedback deadline has passed, as a filter."""
    return Q(status__in=OPEN, feedback_due__lt=_today(today))


def overdue_q(today: dt.date | None = None) -> Q:
    return accept_overdue_q(today) | feedback_overdue_q(today)


@dataclass(frozen=True)
class Deadlines:
    """Where a transfer stands against its time limits."""

    # The last working day to accept or return (only while 待接收).
    accept_due: dt.date | None
    accept_overdue: bool
    feedback_overdue: bool

    @property
    def overdue(self) -> bool:
        return self.accept_overdue or self.feedback_overdue


def deadlines(
    transfer: Transfer, *, today: dt.date | None = None, cutoff=...
) -> Deadlines:
    """The acceptance and feedback deadlines of ``transfer`` as of ``today``."""
    today = _today(today)
    if cutoff is ...:
        cutoff = accept_cutoff(today)
    waiting = transfer.status == TransferStatus.SENT
    accept_due = None
    if waiting:
        try:
            accept_due = add_workdays(
                _sent_day(transfer), time_limits().transfer_accept_workdays
            )
        except CalendarYearMissing:
            accept_due = None
    return Deadlines(
        accept_due=accept_due,
        accept_overdue=waiting
        and cutoff is not None
        and transfer.sent_at < _start_of(cutoff),
        feedback_overdue=transfer.status in OPEN and today > transfer.feedback_due,
    )


def scope_transfers(viewer, qs: QuerySet | None = None) -> QuerySet[Transfer]:
    """Transfers with the viewer's units on either side."""
    qs = Transfer.objects.all() if qs is None else qs
    units = policies.transfer_units(viewer).values("pk")
    return qs.filter(Q(from_unit__in=units) | Q(to_unit__in=units))


def _with_notes(qs: QuerySet) -> QuerySet:
    return qs.select_related(
        "clue", "from_unit", "to_unit", "sent_by", "decided_by"
    ).prefetch_related(
        Prefetch(
            "notes",
            queryset=TransferNote.objects.select_related("unit", "created_by"),
        )
    )


def decorate(viewer, transfers, *, today: dt.date | None = None) -> list[Transfer]:
    """Attach what a screen needs to each transfer: the viewer's side (``direction``),
    ``deadlines``, whether the viewer may still see the clue (``clue_visible``) and the
    latest note (``last_note``)."""
    transfers = list(transfers)
    if not transfers:
        return transfers
    today = _today(today)
    cutoff = accept_cutoff(today)
    mine = set(policies.transfer_units(viewer).values_list("pk", flat=True))
    visible = set(
        policies.scope_clues(
            viewer, Clue.objects.filter(pk__in={t.clue_id for t in transfers})
        ).values_list("pk", flat=True)
    )
    for t in transfers:
        t.direction = INCOMING if t.to_unit_id in mine else OUTGOING
        t.deadlines = deadlines(t, today=today, cutoff=cutoff)
        t.clue_visible = t.clue_id in visible
        notes = list(t.notes.all())
        t.last_note = notes[-1] if notes else None
    return transfers


def transfer_list(
    *,
    viewer,
    direction: str = "",
    status: str = "",
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Transfer]:
    """移送管理: the viewer's incoming (``in``) or outgoing (``out``) transfers, newest
    first, filtered by status and overdue. Decorate a page of it with :func:`decorate`."""
    units = policies.transfer_units(viewer).values("pk")
    qs = Transfer.objects.all()
    if direction == INCOMING:
        qs = qs.filter(to_unit__in=units)
    elif direction == OUTGOING:
        qs = qs.filter(from_unit__in=units)
    else:
        qs = scope_transfers(viewer, qs)
    if status in TransferStatus.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(today))
    return _with_notes(qs).order_by("-sent_at", "-id")


def clue_transfers(viewer, clue: Clue, *, today=None) -> list[Transfer]:
    """The transfer history of a clue the viewer may see, oldest first, with notes."""
    qs = _with_notes(Transfer.objects.filter(clue=clue)).order_by("sent_at", "id")
    return decorate(viewer, qs, today=today)


def access_transfer_by_id(viewer, transfer_id) -> Transfer:
    """Fetch and authorise in one call; missing and out of reach answer the same."""
    try:
        pk = int(transfer_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    transfer = _with_notes(scope_transfers(viewer, Transfer.objects.filter(pk=pk)))
    found = transfer.first()
    if found is None:
        raise NotFound()
    return found


def last_reminder_unanswered(transfer: Transfer) -> TransferNote | None:
    """The sender's latest 催办 if the receiver has not reported since (uses prefetched
    notes)."""
    latest_reminder = None
    latest_feedback_at = None
    for note in transfer.notes.all():
        if note.kind == TransferNoteKind.REMINDER:
            latest_reminder = note
        else:
            latest_feedback_at = note.created_at
    if latest_reminder is None:
        return None
    if (
        latest_feedback_at is not None
        and latest_feedback_at >= latest_reminder.created_at
    ):
        return None
    return latest_reminder


def open_transfers(viewer, *, today: dt.date | None = None) -> list[Transfer]:
    """The viewer's open transfers (both sides), decorated, for to-dos and counters."""
    qs = scope_transfers(viewer, Transfer.objects.filter(status__in=OPEN))
    return decorate(viewer, _with_notes(qs).order_by("sent_at", "id"), today=today)
