"""API for regions, units and persons; every call scoped by ``access.policies``.

No ``from __future__ import annotations`` here: ninja resolves ``Query[PersonFilterIn]`` on
the paginated view through the pagination wrapper's globals, where the name is unknown.
"""

import datetime as dt

from django.db import transaction
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from xietong.access import policies
from xietong.core.errors import NotFound, ValidationError
from xietong.core.identifiers import parse_id_number
from xietong.core.paging import ApiPageNumberPagination

from . import selectors, services
from .models import Region, Unit

router = Router(tags=["组织与人员"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    parent_code: str | None = Field(None, alias="parent.code")


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    uscc: str | None
    region_code: str = Field(..., alias="region.code")
    parent_id: int | None


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date
    id_number_masked: str
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    position: str
    management_level: str
    is_party_member: bool
    is_top_leader: bool
    status: str
    verified: bool


class PersonIn(Schema):
    name: str = Field(..., max_length=64)
    id_number: str = Field(..., max_length=32)
    unit_id: int
    position: str = Field("", max_length=64)
    management_level: str = "other"
    phone: str = Field("", max_length=20)
    is_party_member: bool = True
    is_top_leader: bool = False


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=64)
    unit_id: int | None = None
    position: str | None = Field(None, max_length=64)
    management_level: str | None = None
    is_party_member: bool | None = None
    is_top_leader: bool | None = None
    status: str | None = None
    effective_date: dt.date | None = None


class LookupIn(Schema):
    id_number: str = Field(..., max_length=32)


class IdentityOut(Schema):
    id_number: str
    phone: str


class PersonFilterIn(Schema):
    unit: int | None = None
    q: str = Field("", max_length=64)
    level: str = Field("", max_length=12)
    top: bool | None = None
    verified: bool | None = None


@router.get("/regions", response=list[RegionOut], summary="行政区划（按上级区划代码）")
def regions(request, parent: str = Query("", max_length=12)):
    policies.require(policies.can_browse_org(request.auth))
    qs = Region.objects.select_related("parent")
    qs = qs.filter(parent__code=parent) if parent else qs.filter(parent__isnull=True)
    return list(qs.order_by("code")[:1000])


@router.get("/units", response=list[UnitOut], summary="单位列表")
@paginate(ApiPageNumberPagination, page_size=50)
def units(
    request,
    region: str = Query("", max_length=12),
    kind: str = Query("", max_length=24),
    q: str = Query("", max_length=64),
):
    policies.require(policies.can_browse_org(request.auth))
    qs = Unit.objects.select_related("region").order_by("id")
    if region:
        qs = qs.filter(region__path__contains=f"{region}/")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q)
    return qs


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def unit(request, unit_id: int):
    return policies.access_unit_by_id(request.auth, unit_id)


@router.get(
    "/persons", response=list[PersonOut], summary="监督对象列表（按需知悉范围）"
)
@paginate(ApiPageNumberPagination, page_size=50)
def persons(request, filters: Query[PersonFilterIn]):
    policies.require(not policies.person_reach(request.auth).empty)
    return selectors.person_list(
        viewer=request.auth,
        filters=selectors.PersonFilters(
            unit_id=filters.unit,
            q=filters.q,
            management_level=filters.level,
            top_leader=filters.top,
            verified=filters.verified,
        ),
    )


@router.get("/persons/{int:person_id}", response=PersonOut, summary="监督对象详情")
def person(request, person_id: int):
    return policies.access_person_by_id(request.auth, person_id)


@router.post("/persons", response={201: PersonOut}, summary="登记监督对象")
def person_create(request, payload: PersonIn):
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise ValidationError("所在单位不存在。", fields={"unit_id": "所在单位不存在"})
    data = payload.dict()
    data.pop("unit_id")
    return Status(201, services.person_create(actor=request.auth, unit=unit, **data))


@router.patch("/persons/{int:person_id}", response=PersonOut, summary="修改监督对象")
def person_update(request, person_id: int, payload: PersonPatch):
    person = policies.access_person_by_id(request.auth, person_id, for_change=True)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    unit = None
    if "unit_id" in data:
        unit = Unit.objects.filter(pk=data.pop("unit_id")).first()
        if unit is None:
            raise ValidationError(
                "所在单位不存在。", fields={"unit_id": "所在单位不存在"}
            )
    return services.person_update(
        actor=request.auth,
        person=person,
        unit=unit,
        effective_date=data.pop("effective_date", None),
        **data,
    )


@router.post("/persons/lookup", response=PersonOut, summary="按身份证号码精确查找")
def person_lookup(request, payload: LookupIn):
    policies.require(not policies.person_reach(request.auth).empty)
    try:
        parsed = parse_id_number(payload.id_number)
    except ValidationError as exc:  # name the API field, as every other error does
        raise ValidationError(exc.message, fields={"id_number": exc.message}) from None
    found = selectors.person_by_id_number(
        viewer=request.auth, id_hash=services.id_lookup_hash(parsed.number)
    )
    if found is None:
        raise NotFound("未找到该身份证号码对应的监督对象，或您无权查看。")
    return found


@router.post(
    "/persons/{int:person_id}/identity",
    response=IdentityOut,
    summary="查看身份证号码和电话（需授权，留痕）",
)
def person_identity(request, person_id: int):
    person = policies.access_person_by_id(request.auth, person_id)
    with transaction.atomic():
        ident = services.person_reveal_identity(actor=request.auth, person=person)
    return {"id_number": ident.id_number, "phone": ident.phone}
