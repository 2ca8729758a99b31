"""Reads of datasets, runs and hits, always scoped for the viewer by ``access.policies``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xietong.access import policies
from xietong.analytics.engine import sort_hits
from xietong.analytics.models import (
    CustomModel,
    Dataset,
    DatasetVersion,
    Hit,
    HitStatus,
    ModelKey,
    ModelRun,
)
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
    *,
    viewer,
    model: str | None = None,
    status: str | None = None,
    unit=None,
    run=None,
    month: str | None = None,
    q: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet:
    """Hits ``viewer`` may see, narrowed by model (a built-in key or ``custom:<id>``),
    triage status, data unit, run (found or last found by it), month found
    (``YYYY-MM``), found-date range and text in the subject's name or the reason.
    ``unit`` and ``run`` may be objects or ids as text; a malformed value matches
    nothing, and nothing outside the viewer's scope is ever matched."""
    qs = policies.scope_hits(
        viewer, Hit.objects.select_related("unit__region", "custom_model")
    )
    if model:
        if model.startswith("custom:"):
            qs = qs.filter(custom_model_id=_int(model[7:]))
        else:
            qs = qs.filter(model=model, custom_model__isnull=True)
    if status:
        qs = qs.filter(status=status)
    if unit not in (None, ""):
        unit_id = getattr(unit, "pk", None) or _int(unit)
        qs = qs.filter(unit_id=unit_id) if unit_id else qs.none()
    if run not in (None, ""):
        run_id = getattr(run, "pk", None) or _int(run)
        if not run_id:
            return qs.none()
        qs = qs.filter(Q(last_run_id=run_id) | Q(first_run_id=run_id))
    if month:
        start = _month_start(month)
        if start is None:
            return qs.none()
        qs = qs.filter(created_at__gte=start, created_at__lt=_next_month(start))
    if date_from:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if q:
        qs = qs.filter(Q(subject_name__icontains=q) | Q(reason__icontains=q))
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
        "evidence": hit.evidence_keys() if reveal_id_number else hit.evidence,
        "reason": hit.full_reason() if reveal_id_number else hit.reason,
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


# --- hits: filters and counts ---------------------------------------------------------------

POSITIVE_STATUSES = (HitStatus.TO_CLUE, HitStatus.TO_PROBLEM, HitStatus.TO_RISK)


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _month_start(month: str) -> dt.datetime | None:
    """The aware start of ``YYYY-MM`` in the local time zone, or None if malformed."""
    try:
        day = dt.datetime.strptime(month.strip(), "%Y-%m")
    except (ValueError, AttributeError):
        return None
    return timezone.make_aware(day)


def _next_month(start: dt.datetime) -> dt.datetime:
    year, month = (
        (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    )
    return timezone.make_aware(dt.datetime(year, month, 1))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def hit_model_key(hit: Hit) -> str:
    """The model filter value of a hit: its built-in key, or ``custom:<id>``."""
    if hit.custom_model_id is not None:
        return f"custom:{hit.custom_model_id}"
    return hit.model


def hit_model_choices(*, viewer) -> list[tuple[str, str]]:
    """(filter value, label) of every built-in model and of the custom models whose
    hits ``viewer`` may see."""
    choices = list(ModelKey.choices)
    units = policies.analytics_units(viewer).values("pk")
    for pk, name in CustomModel.objects.filter(unit__in=units).values_list(
        "pk", "name"
    ):
        choices.append((f"custom:{pk}", f"{name}（自定义）"))
    return choices


def hit_units(*, viewer) -> QuerySet:
    """Units whose data produced hits ``viewer`` may see (the unit filter's choices)."""
    from xietong.org.models import Unit

    hits = policies.scope_hits(viewer, Hit.objects.all())
    return Unit.objects.filter(pk__in=hits.values("unit")).order_by("path")


def hit_status_counts(qs: QuerySet) -> list[tuple[str, str, int]]:
    """(status, label, count) for every triage status over ``qs``, in status order."""
    counts = dict(
        qs.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(value, label, counts.get(value, 0)) for value, label in HitStatus.choices]


def hit_subject_person(*, viewer, hit: Hit):
    """The Person the hit is about (same ID number), if ``viewer`` may open them."""
    from xietong.org.models import Person

    if not hit.subject_id_number_hash:
        return None
    person = (
        Person.objects.select_related("unit")
        .filter(id_number_hash=hit.subject_id_number_hash)
        .first()
    )
    if person is None or not policies.can_view_person(viewer, person):
        return None
    return person


# --- the ledger: hits per model and month, per region, and precision -----------------------


@dataclass
class LedgerModel:
    """One model's line of the ledger."""

    key: str
    label: str
    months: list[int]
    statuses: dict[str, int] = field(default_factory=dict)
    total: int = 0

    @property
    def triaged(self) -> int:
        return self.total - self.statuses.get(HitStatus.NEW, 0)

    @property
    def positive(self) -> int:
        return sum(self.statuses.get(s, 0) for s in POSITIVE_STATUSES)

    @property
    def precision(self) -> float | None:
        """Hits turned into a clue, problem or risk ÷ hits triaged; None if none."""
        return self.positive / self.triaged if self.triaged else None


@dataclass
class LedgerRegion:
    name: str
    counts: dict[str, int]
    total: int = 0


@dataclass
class Ledger:
    """The figures of 预警台账 over the filtered hits."""

    months: list[str]
    models: list[LedgerModel]
    regions: list[LedgerRegion]
    total: int


def _last_months(end: dt.date, n: int = 12) -> list[str]:
    year, month = end.year, end.month
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def hit_ledger(
    *,
    viewer,
    unit=None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Ledger:
    """Hits ``viewer`` may see (of ``unit``, found between the dates) counted per model
    × month (the 12 months up to ``date_to`` or today), per region of the data unit
    × model, and per model × triage status — the basis of each model's precision."""
    qs = hit_list(viewer=viewer, unit=unit, date_from=date_from, date_to=date_to)
    months = _last_months(date_to or timezone.localdate())
    grouped = (
        qs.order_by()
        .annotate(month=TruncMonth("created_at"))
        .values(
            "model",
            "custom_model_id",
            "custom_model__name",
            "unit__region__name",
            "month",
            "status",
        )
        .annotate(n=Count("id"))
        .values_list(
            "model",
            "custom_model_id",
            "custom_model__name",
            "unit__region__name",
            "month",
            "status",
            "n",
        )
    )
    models: dict[str, LedgerModel] = {
        key: LedgerModel(key=key, label=label, months=[0] * len(months))
        for key, label in ModelKey.choices
    }
    regions: dict[str, LedgerRegion] = {}
    index = {m: i for i, m in enumerate(months)}
    total = 0
    for model, custom_id, custom_name, region, month, status, n in grouped:
        key = f"custom:{custom_id}" if custom_id else model
        line = models.get(key)
        if line is None:
            label = custom_name if custom_id else model
            line = models[key] = LedgerModel(
                key=key, label=label, months=[0] * len(months)
            )
        line.total += n
        line.statuses[status] = line.statuses.get(status, 0) + n
        slot = index.get(_month_text(month))
        if slot is not None:
            line.months[slot] += n
        name = region or "（未设区划）"
        place = regions.setdefault(name, LedgerRegion(name, {}))
        place.counts[key] = place.counts.get(key, 0) + n
        place.total += n
        total += n
    return Ledger(
        months=months,
        models=list(models.values()),
        regions=sorted(regions.values(), key=lambda r: (-r.total, r.name)),
        total=total,
    )


def _month_text(value) -> str:
    """``YYYY-MM`` of a truncated month (aware on every backend with USE_TZ)."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m")


def ledger_as_dict(ledger: Ledger) -> dict[str, Any]:
    """The ledger's figures as plain data (the API, the export)."""
    return {
        "months": ledger.months,
        "total": ledger.total,
        "models": [
            {
                "key": m.key,
                "label": m.label,
                "months": m.months,
                "total": m.total,
                "statuses": {s: m.statuses.get(s, 0) for s in HitStatus.values},
                "triaged": m.triaged,
                "positive": m.positive,
                "precision": None if m.precision is None else round(m.precision, 4),
            }
            for m in ledger.models
        ],
        "regions": [
            {"name": r.name, "counts": r.counts, "total": r.total}
            for r in ledger.regions
        ],
    }


# --- runs and schedules (the runs pages and API) --------------------------------------


def access_model_run_by_id(actor, run_id) -> ModelRun:
    """Fetch and authorise a run in one call; missing and forbidden answer the same."""
    try:
        run = ModelRun.objects.select_related(
            "unit", "created_by", "custom_model", "schedule"
        ).get(pk=int(run_id))
    except (ModelRun.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not policies.scope_model_runs(
        actor, ModelRun.objects.filter(pk=run.pk)
    ).exists():
        raise NotFound()
    return run


def model_run_data_versions(run: ModelRun) -> list:
    """The dataset versions a run read, with their datasets, in dataset order."""
    from xietong.analytics.models import DatasetVersion

    return list(
        DatasetVersion.objects.filter(pk__in=list(run.data_versions.values()))
        .select_related("dataset")
        .order_by("dataset__kind", "dataset__name")
    )


def run_schedule_list(*, viewer) -> QuerySet:
    """Schedules over the units whose runs ``viewer`` may see, next due first."""
    from xietong.analytics.models import RunSchedule

    return RunSchedule.objects.select_related(
        "unit", "created_by", "custom_model"
    ).filter(unit__in=policies.analytics_units(viewer).values("pk"))


def access_run_schedule_by_id(actor, schedule_id):
    """Fetch and authorise a schedule; missing and forbidden answer the same."""
    from xietong.analytics.models import RunSchedule

    try:
        return run_schedule_list(viewer=actor).get(pk=int(schedule_id))
    except (RunSchedule.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def run_units(*, viewer) -> QuerySet:
    """Units over whose data ``viewer`` may run models (the new-run form's choices),
    those holding datasets first."""
    from django.db.models import Exists, OuterRef

    holds = Exists(Dataset.objects.filter(unit=OuterRef("pk")))
    return (
        policies.analytics_units(viewer, policies.ANALYTICS_WORK_ROLES)
        .annotate(holds_data=holds)
        .order_by("-holds_data", "path")
    )


def _param_text(value: Any) -> Any:
    """A parameter value as a form shows and the API returns it."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, tuple | list):
        return "，".join(str(v) for v in value)
    return value


def model_catalogue() -> list[dict[str, Any]]:
    """The built-in models with their parameters (label, type, default, range)."""
    from xietong.analytics.engine import CATALOGUE

    return [
        {
            "key": model.key,
            "label": model.label,
            "description": model.description,
            "parameters": [
                {
                    "name": p.name,
                    "label": p.label,
                    "type": p.type,
                    "default": _param_text(p.default),
                    "minimum": _param_text(p.minimum),
                    "maximum": _param_text(p.maximum),
                    "help": p.help,
                }
                for p in model.parameters
            ],
        }
        for model in CATALOGUE.values()
    ]
