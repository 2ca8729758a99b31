"""API for 党风廉政意见回复: list, submit, read and confirm batches. The asking unit sees
the verdict and its neutral wording after confirmation, never the commission's reasons."""

import datetime as dt

from django.db import transaction
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from xietong.access import policies
from xietong.core.paging import ApiPageNumberPagination

from .. import services
from ..selectors_outcomes import access_integrity_batch_by_id, integrity_batches

router = Router(tags=["党风廉政意见回复"])


class BatchOut(Schema):
    id: int
    purpose: str
    requesting_unit: str = Field(..., alias="requesting_unit.name")
    commission: str = Field(..., alias="commission.name")
    submitted_at: dt.datetime
    confirmed_at: dt.datetime | None
    size: int


class EntryOut(Schema):
    row: int
    name: str
    id_masked: str
    in_registry: bool | None = None  # commission only
    proposal: str | None = None  # commission only
    reasons: list[str] | None = None  # commission only
    reply: str | None = None  # once confirmed
    reply_label: str | None = None
    reply_note: str | None = None


class BatchDetailOut(Schema):
    id: int
    purpose: str
    requesting_unit: str
    commission: str
    submitted_at: dt.datetime
    confirmed_at: dt.datetime | None
    size: int
    entries: list[EntryOut]


class RowIn(Schema):
    name: str
    id_number: str


class BatchIn(Schema):
    purpose: str
    rows: list[RowIn]


class OverrideIn(Schema):
    row: int
    verdict: str
    note: str = ""


class ConfirmIn(Schema):
    overrides: list[OverrideIn] = []


def _detail(user, batch) -> dict:
    commission_side = policies.can_reply_integrity(user, batch)
    confirmed = batch.is_confirmed
    entries = []
    for e in batch.entries.order_by("row"):
        item = {"row": e.row, "name": e.name, "id_masked": e.id_masked}
        if commission_side:
            item.update(
                in_registry=e.person_id is not None,
                proposal=e.proposal,
                reasons=[r.get("text", "") for r in e.reasons],
            )
        if confirmed:
            item.update(
                reply=e.reply,
                reply_label=e.get_reply_display(),
                reply_note=e.reply_note,
            )
        entries.append(item)
    return {
        "id": batch.pk,
        "purpose": batch.purpose,
        "requesting_unit": batch.requesting_unit.name,
        "commission": batch.commission.name,
        "submitted_at": batch.submitted_at,
        "confirmed_at": batch.confirmed_at,
        "size": len(entries),
        "entries": entries,
    }


@router.get(
    "/integrity-batches",
    response=list[BatchOut],
    summary="党风廉政意见征求（本单位提交的或本机关收到的）",
)
@paginate(ApiPageNumberPagination, page_size=50)
def integrity_batch_list(request):
    policies.require(policies.sees_integrity_batches(request.auth))
    return integrity_batches(request.auth)


@router.post(
    "/integrity-batches",
    response={201: BatchDetailOut},
    summary="提交党风廉政意见征求名单（协作单位联络员）",
)
def integrity_batch_create(request, payload: BatchIn):
    user = request.auth
    policies.require(policies.can_request_integrity(user))
    with transaction.atomic():
        batch = services.integrity_batch_submit(
            actor=user,
            purpose=payload.purpose,
            rows=[(r.name, r.id_number) for r in payload.rows],
        )
    return Status(201, _detail(user, batch))


@router.get(
    "/integrity-batches/{int:batch_id}",
    response=BatchDetailOut,
    summary="一批党风廉政意见（纪委监委另见建议意见和依据）",
)
def integrity_batch_detail(request, batch_id: int):
    batch = access_integrity_batch_by_id(request.auth, batch_id)
    return _detail(request.auth, batch)


@router.post(
    "/integrity-batches/{int:batch_id}/confirm",
    response=BatchDetailOut,
    summary="确认回复（可逐人改变建议意见并说明）",
)
def integrity_batch_confirm(request, batch_id: int, payload: ConfirmIn):
    user = request.auth
    batch = access_integrity_batch_by_id(user, batch_id)
    policies.require(policies.can_reply_integrity(user, batch))
    overrides = {o.row: (o.verdict, o.note) for o in payload.overrides}
    with transaction.atomic():
        batch = services.integrity_batch_confirm(
            actor=user, batch=batch, overrides=overrides
        )
    return _detail(user, batch)
