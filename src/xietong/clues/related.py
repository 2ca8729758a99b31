"""Related clues across all units: bounded, indexed candidate look-up, then exact scoring.

Candidates, each kind bounded so the check stays fast at a million clues:

* the same registry person, or the same name and unit as reported (``ClueSubject``);
* the same file (SHA-256) on the clue or its petition (``Attachment``);
* shared text: every clue stores a sample of its content shingles (``ClueSignature``,
  ``matching.signature_keys``); a query looks up its own (``matching.lookup_keys``),
  the database reading at most ``KEY_CAP + 1`` index entries per key. A key held by more
  clues than that is common phrasing or a county name and tells little; the others rank
  candidates by rarity, and the best ``TEXT_CANDIDATES`` are scored.

Scoring is ``clues.matching`` (pure Python) over light rows (number, text, subjects), not
full model instances. What a viewer may see of a match is decided by ``access.policies``:
out-of-reach matches show only the holding unit.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from xietong.access.policies import scope_clues

from . import matching
from .models import Attachment, Clue, ClueSignature, ClueSubject

#: At most this many clues of the same persons are scored (the most recent).
PERSON_CANDIDATES = 30
#: At most this many clues sharing a file are scored.
ATTACHMENT_CANDIDATES = 30
#: At most this many clues sharing text keys are scored (the rarest keys first).
TEXT_CANDIDATES = 30
#: A text key held by more clues than this is not used to find candidates.
KEY_CAP = 300
#: A text key that is a subject's name weighs this many times more.
NAME_KEY_BOOST = 3.0


def store_signatures(clue: Clue) -> None:
    """Index a clue's text (called in the registering transaction).

    Some forty rows in one statement. Raw SQL, like the look-up below: ``bulk_create``
    builds a model instance per row and costs ~3 ms here, a tenth of the registration's
    budget at a million clues (bench/clues.py); this costs ~0.3 ms."""
    keys = matching.signature_keys(clue.summary)
    if not keys:
        return
    qn = connection.ops.quote_name
    table = qn(ClueSignature._meta.db_table)
    columns = f"({qn('clue_id')}, {qn('key')})"
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"INSERT INTO {table} {columns} SELECT %s, unnest(%s::bigint[])",
                [clue.pk, keys],
            )
        else:
            cur.execute(
                f"INSERT INTO {table} {columns} VALUES "
                + ", ".join(["(%s, %s)"] * len(keys)),
                [v for k in keys for v in (clue.pk, k)],
            )


#: Keys seen held by more than KEY_CAP clues, in this process. A key's count only grows
#: (clues are not deleted in the normal course), so a common key stays common and need
#: not be read again: after a while almost every look-up reads only uncommon keys.
_COMMON_KEYS: set[int] = set()
_COMMON_KEYS_MAX = 200_000


def key_postings(keys: list[int], cap: int | None = None) -> dict[int, list[int]]:
    """Clue ids per text key, for the keys held by at most ``cap`` (``KEY_CAP``) clues.

    One query; the database reads at most ``cap + 1`` index entries per key, however
    common it is, and sends back only the ids of the uncommon keys. Raw SQL: the ORM
    cannot limit each key's rows in one query (a union of sliced querysets is refused on
    SQLite, see tests/clues/test_related.py), and a query per key costs a round trip each.
    """
    remember = cap is None  # the common keys known are those over KEY_CAP
    cap = KEY_CAP if cap is None else cap
    if remember:
        keys = [k for k in keys if k not in _COMMON_KEYS]
    if not keys:
        return {}
    qn = connection.ops.quote_name
    table, key, clue_id = qn(ClueSignature._meta.db_table), qn("key"), qn("clue_id")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"SELECT k.key, CASE WHEN count(*) <= %s THEN array_agg(s.{clue_id}) END "
                f"FROM unnest(%s::bigint[]) AS k(key) CROSS JOIN LATERAL "
                f"(SELECT {clue_id} FROM {table} WHERE {key} = k.key LIMIT %s) AS s "
                f"GROUP BY k.key",
                [cap, list(keys), cap + 1],
            )
            rows = cur.fetchall()
        else:
            part = (
                f"SELECT %s, count(*), CASE WHEN count(*) <= %s "
                f"THEN group_concat({clue_id}) END "
                f"FROM (SELECT {clue_id} FROM {table} WHERE {key} = %s LIMIT %s)"
            )
            cur.execute(
                " UNION ALL ".join([part] * len(keys)),
                [v for k in keys for v in (k, cap, k, cap + 1)],
            )
            rows = [
                (k, [int(x) for x in ids.split(",")] if ids else None)
                for k, n, ids in cur.fetchall()
                if n
            ]
    if remember:
        if len(_COMMON_KEYS) > _COMMON_KEYS_MAX:
            _COMMON_KEYS.clear()
        _COMMON_KEYS.update(k for k, ids in rows if ids is None)
    return {k: ids for k, ids in rows if ids}


def _text_candidates(clue: Clue, subjects: list[ClueSubject], limit: int) -> list[int]:
    """Clues sharing the rarest text keys with ``clue``, best first; a key that is the
    name of one of its subjects counts ``NAME_KEY_BOOST`` times (the same person written
    up with another unit, or named only in the text)."""
    lookup = matching.lookup_keys(clue.summary)
    postings = key_postings(lookup)
    names = set()
    for s in subjects:
        name = matching.normalize(s.name)
        names.update(
            matching.shingles(name, n=3) if len(name) > 3 else {name} if name else ()
        )
    name_keys = {matching.key_of(n) for n in names}
    score: dict[int, float] = defaultdict(float)
    for key, ids in postings.items():
        weight = math.log(1 + KEY_CAP / len(ids))
        if key in name_keys:
            weight *= NAME_KEY_BOOST
        for cid in ids:
            score[cid] += weight
    score.pop(clue.pk, None)
    return sorted(score, key=lambda c: (-score[c], -c))[:limit]


def _person_candidates(clue: Clue, subjects: list[ClueSubject]) -> list[int]:
    person_ids = [s.person_id for s in subjects if s.person_id]
    q = Q(person_id__in=person_ids) if person_ids else Q(pk__in=[])
    for s in subjects:
        if s.unit_name:
            q |= Q(name=s.name, unit_name=s.unit_name)
    return list(
        ClueSubject.objects.filter(q)
        .exclude(clue_id=clue.pk)
        .order_by("-clue_id")
        .values_list("clue_id", flat=True)[:PERSON_CANDIDATES]
    )


def _attachments_q(clue_ids, petition_ids) -> Q:
    q = Q(clue_id__in=clue_ids)
    petition_ids = [p for p in petition_ids if p]
    if petition_ids:
        q |= Q(petition_id__in=petition_ids)
    return q


def _own_attachments(clue: Clue) -> list[tuple[str, str]]:
    """(sha256, file name) of the files on the clue and on its petition."""
    return list(
        Attachment.objects.filter(_attachments_q([clue.pk], [clue.petition_id]))
        .order_by("id")
        .values_list("sha256", "name")
    )


def _attachment_candidates(clue: Clue, hashes: set[str]) -> list[int]:
    rows = list(
        Attachment.objects.filter(sha256__in=hashes)
        .exclude(clue_id=clue.pk)
        .values_list("clue_id", "petition_id")[: ATTACHMENT_CANDIDATES * 2]
    )
    ids = {c for c, _ in rows if c}
    petitions = {p for _, p in rows if p and p != clue.petition_id}
    if petitions:
        ids.update(
            Clue.objects.filter(petition_id__in=petitions).values_list("pk", flat=True)[
                :ATTACHMENT_CANDIDATES
            ]
        )
    if clue.petition_id:  # other clues raised by the same petition share its files
        ids.update(
            Clue.objects.filter(petition_id=clue.petition_id)
            .exclude(pk=clue.pk)
            .values_list("pk", flat=True)[:ATTACHMENT_CANDIDATES]
        )
    ids.discard(clue.pk)
    return sorted(ids, reverse=True)[:ATTACHMENT_CANDIDATES]


def _features(
    rows: list[tuple[int, str, str, int | None]],
    subjects: dict[int, list[tuple[str, str, str | None]]],
    attachments: dict[int, list[tuple[str, str]]],
) -> dict[int, matching.ClueFeatures]:
    out = {}
    for pk, number, summary, _petition in rows:
        subs = subjects.get(pk, [])
        files = attachments.get(pk, [])
        out[pk] = matching.ClueFeatures(
            number=number,
            unit="",
            text=summary,
            person_hashes=frozenset(h for _, _, h in subs if h),
            person_name_units=frozenset((n, u) for n, u, _ in subs if u),
            person_labels=tuple((h, n) for n, _, h in subs if h),
            attachment_hashes=frozenset(h for h, _ in files),
            attachment_labels=tuple(files),
        )
    return out


def _load_features(
    ids: list[int], with_files: bool
) -> dict[int, matching.ClueFeatures]:
    """The matcher's view of clues ``ids`` from light rows (no model instances): one
    query for the clues and their subjects (every registered clue names one), one for
    their files when the query clue has any."""
    rows: dict[int, tuple] = {}
    subjects: dict[int, list] = defaultdict(list)
    for cid, number, summary, petition, name, unit, h in ClueSubject.objects.filter(
        clue_id__in=ids
    ).values_list(
        "clue_id",
        "clue__number",
        "clue__summary",
        "clue__petition_id",
        "name",
        "unit_name",
        "person__id_number_hash",
    ):
        rows[cid] = (cid, number, summary, petition)
        subjects[cid].append((name, unit, h))
    missing = [pk for pk in ids if pk not in rows]
    if missing:
        for row in Clue.objects.filter(pk__in=missing).values_list(
            "pk", "number", "summary", "petition_id"
        ):
            rows[row[0]] = row
    attachments: dict[int, list] = defaultdict(list)
    if with_files:
        by_petition: dict[int, list[int]] = defaultdict(list)
        for pk, _, _, petition in rows.values():
            if petition:
                by_petition[petition].append(pk)
        for cid, pid, sha, name in Attachment.objects.filter(
            _attachments_q(ids, list(by_petition))
        ).values_list("clue_id", "petition_id", "sha256", "name"):
            for target in {cid} | set(by_petition.get(pid, ())):
                if target in rows:
                    attachments[target].append((sha, name))
    return _features(list(rows.values()), subjects, attachments)


def clue_features(clue: Clue) -> matching.ClueFeatures:
    """The matcher's view of one clue (its persons, text and files)."""
    return _load_features([clue.pk], with_files=True)[clue.pk]


def related_clues(
    clue: Clue, *, limit: int = 20, timings: dict | None = None
) -> list[tuple[Clue, matching.Match]]:
    """Ranked related clues, with the reasons; not yet filtered for a viewer.

    ``timings``, when given, receives the seconds spent in each phase (for the bench)."""
    clock = time.perf_counter
    t0 = clock()
    phases: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal t0
        now = clock()
        phases[name] = phases.get(name, 0.0) + now - t0
        t0 = now

    subjects = list(clue.subjects.all())
    files = _own_attachments(clue)
    lap("query")
    ids = dict.fromkeys(_person_candidates(clue, subjects))
    lap("persons")
    if files:
        ids.update(dict.fromkeys(_attachment_candidates(clue, {h for h, _ in files})))
    lap("attachments")
    ids.update(dict.fromkeys(_text_candidates(clue, subjects, TEXT_CANDIDATES)))
    lap("text_keys")
    out: list[tuple[Clue, matching.Match]] = []
    if ids:
        feats = _load_features([clue.pk, *ids], with_files=bool(files))
        query = feats.pop(clue.pk)
        lap("load")
        matches = matching.rank_related(query, feats.values(), limit=limit)
        lap("score")
        pk_of = {f.number: pk for pk, f in feats.items()}
        found = Clue.objects.select_related("owner_unit").in_bulk(
            [pk_of[m.number] for m in matches]
        )
        out = [(found[pk_of[m.number]], m) for m in matches]
        lap("fetch")
    if timings is not None:
        phases["candidates"] = len(ids)
        timings.update(phases)
    return out


@dataclass(frozen=True)
class RelatedView:
    """A related clue as one viewer may see it: content only when in reach."""

    visible: bool
    clue: Clue | None
    unit_name: str
    score: float
    reasons: list[str]


def related_for_viewer(
    viewer, clue: Clue, *, timings: dict | None = None
) -> list[RelatedView]:
    """Related clues for ``viewer``: others' clues reveal only which unit to contact."""
    pairs = related_clues(clue, timings=timings)
    if not pairs:
        return []
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
