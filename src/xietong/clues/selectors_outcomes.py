"""Reads of outcomes, sanctions and integrity-opinion batches, scoped for the viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from xietong.access import policies
from xietong.core.errors import NotFound

from .models import (
    Clue,
    ClueStatus,
    IntegrityBatch,
    OpinionVerdict,
    Outcome,
    Sanction,
    SanctionKind,
)

CLOSED_STATES = (ClueStatus.CLOSED, ClueStatus.CONCLUDED, ClueStatus.MERGED)


@dataclass(frozen=True)
class SanctionView:
    """A sanction with the state of its influence period on ``today``."""

    sanction: Sanction
    state: str  # "active" 影响期内 / "expired" 已期满 / "none" 无影响期

    @property
    def active(self) -> bool:
        return self.state == "active"

    @property
    def state_label(self) -> str:
        return {"active": "影响期内", "expired": "已期满", "none": "无影响期"}[
            self.state
        ]


def influence_state(sanction: Sanction, today: dt.date | None = None) -> str:
    """ "active" while the influence period runs (a 政务开除 never ends), else "expired";
    "none" for a kind without a period that is not a dismissal."""
    today = today or timezone.localdate()
    if sanction.influence_end is None:
        return "active" if sanction.kind == SanctionKind.GOV_EXPULSION else "none"
    return "active" if sanction.influence_end >= today else "expired"


def _views(sanctions, today) -> list[SanctionView]:
    return [SanctionView(s, influence_state(s, today)) for s in sanctions]


def clue_outcomes(clue: Clue) -> list[dict]:
    """Each subject of ``clue`` with its outcome (or None) and sanctions, in subject order."""
    today = timezone.localdate()
    subjects = clue.subjects.select_related("person").prefetch_related(
        Prefetch(
            "outcomes",
            queryset=Outcome.objects.prefetch_related(
                Prefetch("sanctions", queryset=Sanction.objects.order_by("id"))
            ),
        )
    )
    out = []
    for subject in subjects:
        outcome = next(iter(subject.outcomes.all()), None)
        out.append(
            {
                "subject": subject,
                "outcome": outcome,
                "sanctions": _views(outcome.sanctions.all(), today) if outcome else [],
            }
        )
    return out


def person_outcomes(viewer, person) -> dict:
    """The archive section 问题线索与处分: sanctions (active first) and outcomes for viewers
    with :func:`policies.can_view_outcomes`; open clues only where the viewer may see the
    clue — a clue out of their scope is not mentioned at all."""
    today = timezone.localdate()
    visible = policies.scope_clues(viewer, Clue.objects.all())
    open_clues = list(
        visible.filter(subjects__person=person)
        .exclude(status__in=CLOSED_STATES)
        .select_related("owner_unit")
        .distinct()
        .order_by("-received_date", "-id")
    )
    allowed = policies.can_view_outcomes(viewer, person)
    sanctions: list[SanctionView] = []
    outcomes: list[dict] = []
    if allowed:
        sanctions = _views(
            Sanction.objects.filter(person=person).order_by("-effective_date", "id"),
            today,
        )
        sanctions.sort(key=lambda v: not v.active)  # stable: newest first within each
        found = list(
            Outcome.objects.filter(person=person)
            .select_related("clue")
            .prefetch_related("sanctions")
            .order_by("-decided_date", "-id")
        )
        seen = set(
            visible.filter(pk__in=[o.clue_id for o in found]).values_list(
                "pk", flat=True
            )
        )
        outcomes = [{"outcome": o, "clue_visible": o.clue_id in seen} for o in found]
    return {
        "can_view_outcomes": allowed,
        "sanctions": sanctions,
        "active_count": sum(1 for v in sanctions if v.active),
        "outcomes": outcomes,
        "open_clues": open_clues,
    }


# --- 党风廉政意见回复 ------------------------------------------------------------------------


def integrity_batches(viewer) -> QuerySet[IntegrityBatch]:
    """Batches the viewer's unit asked, or that were asked of the viewer's commission."""
    return (
        policies.scope_integrity_batches(viewer, IntegrityBatch.objects.all())
        .select_related("requesting_unit", "commission")
        .annotate(
            size=Count("entries"),
            objections=Count(
                "entries", filter=Q(entries__proposal=OpinionVerdict.OBJECTION)
            ),
            deferrals=Count(
                "entries", filter=Q(entries__proposal=OpinionVerdict.DEFER)
            ),
        )
        .order_by("confirmed_at", "-submitted_at", "-id")
    )


def access_integrity_batch_by_id(viewer, batch_id) -> IntegrityBatch:
    """Fetch and authorise in one call; missing and out of reach answer the same."""
    try:
        pk = int(batch_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    batch = (
        policies.scope_integrity_batches(viewer, IntegrityBatch.objects.filter(pk=pk))
        .select_related("requesting_unit", "commission", "submitted_by", "confirmed_by")
        .first()
    )
    if batch is None:
        raise NotFound()
    return batch


def integrity_reply_table(batch: IntegrityBatch, *, for_commission: bool):
    """Headers and rows of the reply export. The asking unit gets the verdict and the
    neutral wording only; the commission also the proposal and its reasons."""
    entries = batch.entries.order_by("row")
    confirmed = batch.is_confirmed
    if not for_commission:
        headers = ["序号", "姓名", "身份证号码", "回复意见", "说明"]
        rows = (
            (
                e.row,
                e.name,
                e.id_masked,
                e.get_reply_display() if confirmed else "",
                e.reply_note if confirmed else "",
            )
            for e in entries
        )
        return headers, rows
    headers = [
        "序号",
        "姓名",
        "身份证号码",
        "建议意见",
        "依据",
        "回复意见",
        "回复说明",
    ]
    rows = (
        (
            e.row,
            e.name,
            e.id_masked,
            e.get_proposal_display(),
            "；".join(r.get("text", "") for r in e.reasons),
            e.get_reply_display() if confirmed else "",
            e.reply_note if confirmed else "",
        )
        for e in entries.iterator(chunk_size=1000)
    )
    return headers, rows
