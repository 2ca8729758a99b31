"""Reads of datasets, runs and hits, always scoped for the viewer by ``access.policies``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xietong.access import policies
from xietong.analytics.engine import sort_hits
from xietong.analytics.models import Dataset, DatasetVersion, Hit, ModelRun
from xietong.core.crypto import field_cipher
from xietong.core.errors import NotFound


def dataset_list(*, viewer) -> QuerySet:
    """Datasets ``viewer`` may see, with their unit."""
    return policies.scope_datasets(viewer, Dataset.objects.select_related("unit"))


def dataset_version_list(*, viewer, dataset: Dataset | None = None) -> QuerySet:
    """Versions of the datasets ``viewer`` may see, newest first."""
    qs = DatasetVersion.objects.select_related("dataset__unit")
    if dataset is not None:
        qs = qs.filter(dataset=dataset)
    return policies.scope_datasets(viewer, qs)


def model_run_list(*, viewer) -> QuerySet:
    """Model runs ``viewer`` may see, newest first."""
    return policies.scope_model_runs(viewer, ModelRun.objects.select_related("unit"))


def hit_list(
    *, viewer, model: str | None = None, status: str | None = None
) -> QuerySet:
    """Hits ``viewer`` may see, optionally of one model or in one triage status."""
    qs = policies.scope_hits(viewer, Hit.objects.select_related("unit"))
    if model:
        qs = qs.filter(model=model)
    if status:
        qs = qs.filter(status=status)
    return qs


def access_hit_by_id(actor, hit_id) -> Hit:
    """Fetch and authorise in one call; missing and forbidden answer the same."""
    try:
        hit = Hit.objects.select_related("unit").get(pk=int(hit_id))
    except (Hit.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not policies.can_view_hit(actor, hit):
        raise NotFound()
    return hit


def hit_as_dict(hit: Hit, *, reveal_id_number: bool = False) -> dict[str, Any]:
    """A hit in the engine's shape (model, evidence, reason, confidence, subject…).

    The subject's ID number is masked unless ``reveal_id_number`` (the console, or a
    viewer with the sensitive-identity grant).
    """
    subject = None
    if hit.subject_name or hit.subject_id_number_enc:
        number = hit.subject_id_number_masked or None
        if reveal_id_number and hit.subject_id_number_enc:
            number = field_cipher().decrypt(hit.subject_id_number_enc)
        subject = {"id_number": number, "name": hit.subject_name or None}
    return {
        "model": hit.model,
        "evidence": hit.evidence,
        "reason": hit.reason,
        "confidence": hit.confidence,
        "subject": subject,
        "matched_on": hit.matched_on,
        "status": hit.status,
        "identity": hit.identity,
    }


def run_hits(run: ModelRun, *, reveal_id_number: bool = False) -> list[dict[str, Any]]:
    """Every hit the run found, new or already known, in catalogue order.

    For system callers (the console); views go through :func:`hit_list` first.
    """
    rows = []
    for hit in Hit.objects.filter(last_run=run):
        row = hit_as_dict(hit, reveal_id_number=reveal_id_number)
        row["new"] = hit.first_run_id == run.pk
        rows.append(row)
    return sort_hits(rows)
