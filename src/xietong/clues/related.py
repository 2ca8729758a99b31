"""Related clues across all units: indexed candidate look-up, then exact scoring.

Candidates share a person (same registry person, or same name and unit as reported) or a
text signature key; keys held by many clues carry no information and are skipped. The
matching itself is ``clues.matching`` (pure Python). What a viewer may see of a match is
decided by ``access.policies``: out-of-reach matches show only the holding unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from xietong.access.policies import scope_clues

from . import matching
from .models import Clue, ClueSignature, ClueSubject

MAX_CANDIDATES = 300
COMMON_KEY_SHARE = 0.01


def clue_features(clue: Clue, subjects: list[ClueSubject] | None = None):
    """The matcher's view of one clue."""
    subjects = (
        list(clue.subjects.select_related("person")) if subjects is None else subjects
    )
    hashes = frozenset(s.person.id_number_hash for s in subjects if s.person_id)
    labels = tuple((s.person.id_number_hash, s.name) for s in subjects if s.person_id)
    return matching.ClueFeatures(
        number=clue.number,
        unit=clue.owner_unit.name if clue.owner_unit_id else "",
        text=clue.summary,
        person_hashes=hashes,
        person_name_units=frozenset(
            (s.name, s.unit_name) for s in subjects if s.unit_name
        ),
        person_labels=labels,
    )


def store_signatures(clue: Clue) -> None:
    """Index a clue's text (called in the registering transaction)."""
    keys = set(matching.signature_keys(clue.summary))
    ClueSignature.objects.bulk_create(ClueSignature(clue=clue, key=k) for k in keys)


def _candidate_ids(clue: Clue, subjects: list[ClueSubject]) -> list[int]:
    keys = list(clue.signatures.values_list("key", flat=True))
    ids: set[int] = set()
    person_ids = [s.person_id for s in subjects if s.person_id]
    name_units = [(s.name, s.unit_name) for s in subjects if s.unit_name]
    q = Q(person_id__in=person_ids) if person_ids else Q(pk__in=[])
    for name, unit in name_units:
        q |= Q(name=name, unit_name=unit)
    ids.update(
        ClueSubject.objects.filter(q).values_list("clue_id", flat=True)[:MAX_CANDIDATES]
    )
    if keys:
        total = max(Clue.objects.count(), 1)
        limit = max(int(total * COMMON_KEY_SHARE), 20)
        common = set(
            ClueSignature.objects.filter(key__in=keys)
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=limit)
            .values_list("key", flat=True)
        )
        useful = [k for k in keys if k not in common]
        if useful:
            ids.update(
                ClueSignature.objects.filter(key__in=useful)
                .values_list("clue_id", flat=True)
                .distinct()[:MAX_CANDIDATES]
            )
    ids.discard(clue.pk)
    return sorted(ids)[:MAX_CANDIDATES]


def related_clues(clue: Clue, *, limit: int = 20) -> list[tuple[Clue, matching.Match]]:
    """Ranked related clues, with the reasons; not yet filtered for a viewer."""
    subjects = list(clue.subjects.select_related("person"))
    ids = _candidate_ids(clue, subjects)
    if not ids:
        return []
    by_id = {
        c.pk: c
        for c in Clue.objects.filter(pk__in=ids)
        .select_related("owner_unit")
        .prefetch_related("subjects__person")
    }
    feats = [clue_features(c, list(c.subjects.all())) for c in by_id.values()]
    matches = matching.rank_related(clue_features(clue, subjects), feats, limit=limit)
    by_number = {c.number: c for c in by_id.values()}
    return [(by_number[m.number], m) for m in matches]


@dataclass(frozen=True)
class RelatedView:
    """A related clue as one viewer may see it: content only when in reach."""

    visible: bool
    clue: Clue | None
    unit_name: str
    score: float
    reasons: list[str]


def related_for_viewer(viewer, clue: Clue) -> list[RelatedView]:
    """Related clues for ``viewer``: others' clues reveal only which unit to contact."""
    pairs = related_clues(clue)
    visible = set(
        scope_clues(
            viewer, Clue.objects.filter(pk__in=[c.pk for c, _ in pairs])
        ).values_list("pk", flat=True)
    )
    out = []
    for other, match in pairs:
        if other.pk in visible:
            out.append(
                RelatedView(
                    True, other, other.owner_unit.name, match.score, match.reasons
                )
            )
        else:
            out.append(RelatedView(False, None, other.owner_unit.name, match.score, []))
    return out
