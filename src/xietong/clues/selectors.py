"""Reads of clues and petitions, always scoped for the viewer by ``access.policies``."""

from __future__ import annotations

from django.db.models import QuerySet

from xietong.access.policies import scope_clues
from xietong.core.errors import NotFound

from .models import Clue, ClueSource, ClueStatus


def clue_ledger(
    *, viewer, source: str = "", status: str = "", q: str = ""
) -> QuerySet[Clue]:
    """线索台账: the clues the viewer's unit holds, newest first."""
    qs = scope_clues(viewer, Clue.objects.all()).select_related(
        "owner_unit", "commission", "registering_unit"
    )
    if source in ClueSource.values:
        qs = qs.filter(source=source)
    if status in ClueStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(summary__contains=q) | qs.filter(number__contains=q)
    return qs.prefetch_related("subjects").order_by("-year", "-seq")


def access_clue_by_id(viewer, clue_id) -> Clue:
    """Fetch and authorise in one call; missing and out of reach answer the same."""
    try:
        pk = int(clue_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    clue = (
        scope_clues(viewer, Clue.objects.filter(pk=pk))
        .select_related(
            "owner_unit", "proposed_unit", "registering_unit", "petition", "merged_into"
        )
        .first()
    )
    if clue is None:
        raise NotFound()
    return clue
