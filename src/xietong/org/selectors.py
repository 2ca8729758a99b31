"""Reads of the organisation registry, always scoped for the viewer."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet

from xietong.access.policies import person_reach, person_units, scope_persons
from xietong.core.crypto import sm3_hex

from .models import ManagementLevel, Person, Region, Unit


@dataclass
class PersonFilters:
    unit_id: int | None = None
    include_subunits: bool = True
    q: str = ""
    management_level: str = ""
    top_leader: bool | None = None
    verified: bool | None = None
    region_code: str = ""


def person_list(*, viewer, filters: PersonFilters) -> QuerySet[Person]:
    """Persons the viewer may see, filtered, with their unit loaded.

    Unit and region filters narrow the set of reachable units first, so the person table
    is searched by its indexed ``unit_id`` in one pass.
    """
    units = person_units(viewer)
    if filters.unit_id:
        unit = Unit.objects.filter(pk=filters.unit_id).only("path").first()
        if unit is None:
            return Person.objects.none()
        if filters.include_subunits:
            units = units.filter(path__startswith=unit.path)
        else:
            units = units.filter(pk=unit.pk)
    if filters.region_code:
        units = units.filter(region__path__contains=f"{filters.region_code}/")
    qs = scope_persons(viewer, units=units).select_related("unit")
    if filters.q:
        number = _as_id_number(filters.q)
        if number:
            # An ID number is looked up exactly through its keyed hash, never decrypted.
            from .services import id_lookup_hash

            qs = qs.filter(id_number_hash=id_lookup_hash(number))
        else:
            qs = qs.filter(
                Q(name__contains=filters.q) | Q(position__contains=filters.q)
            )
    if filters.management_level in ManagementLevel.values:
        qs = qs.filter(management_level=filters.management_level)
    if filters.top_leader is not None:
        qs = qs.filter(is_top_leader=filters.top_leader)
    if filters.verified is not None:
        qs = qs.filter(verified=filters.verified)
    return qs.order_by("unit_id", "-is_top_leader", "id")


def _as_id_number(text: str) -> str | None:
    """The normalised ID number if ``text`` is a valid one, else None."""
    from xietong.core.errors import ValidationError
    from xietong.core.identifiers import parse_id_number

    if sum(ch.isdigit() for ch in text) < 15:
        return None
    try:
        return parse_id_number(text).number
    except ValidationError:
        return None


def person_by_id_number(*, viewer, id_hash: str) -> Person | None:
    """Exact look-up by keyed hash of an ID number, within the viewer's reach."""
    return (
        scope_persons(viewer)
        .filter(id_number_hash=id_hash)
        .select_related("unit")
        .first()
    )


def region_roots() -> QuerySet[Region]:
    return Region.objects.filter(parent__isnull=True)


def region_children(region: Region) -> QuerySet[Region]:
    return region.children.annotate(n_children=Count("children")).order_by("code")


def units_in_region(region: Region) -> QuerySet[Unit]:
    """Top-level units registered in exactly this region (sub-units open under them)."""
    return (
        Unit.objects.filter(region=region)
        .filter(Q(parent__isnull=True) | ~Q(parent__region=region))
        .annotate(n_children=Count("children"))
        .order_by("sort_order", "id")
    )


def unit_children(unit: Unit) -> QuerySet[Unit]:
    return unit.children.annotate(n_children=Count("children")).order_by(
        "sort_order", "id"
    )


def unit_list(*, kind: str = "", region_code: str = "", q: str = "") -> QuerySet[Unit]:
    """Units of the registry (reference data every account may browse), filtered."""
    qs = Unit.objects.select_related("region")
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(region__path__contains=f"{region_code}/")
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc=q.upper()))
    return qs.order_by("region__code", "sort_order", "id")


def person_stats(*, viewer) -> dict[str, int]:
    """Counts of persons in the viewer's reach for the home page.

    A province-wide count reads every person row, so it is cached per reach for
    ``XIETONG_STATS_CACHE_SECONDS`` (default 60, per server process); lists and archives
    are never cached.
    """
    cached = getattr(viewer, "_person_stats", None)
    if cached is not None:
        return cached
    reach = person_reach(viewer)
    key = "xietong:person_stats:" + sm3_hex(repr(reach).encode())
    cached = cache.get(key)
    if cached is None:
        cached = scope_persons(viewer).aggregate(
            total=Count("id"),
            leaders=Count("id", filter=Q(is_top_leader=True)),
            unverified=Count("id", filter=Q(verified=False)),
        )
        seconds = settings.XIETONG_STATS_CACHE_SECONDS
        if seconds:
            cache.set(key, cached, seconds)
    viewer._person_stats = cached
    return cached
