"""API for transfers with two-way feedback (移送/转办/交办); scoped by ``access.policies``."""

import datetime as dt

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from xietong.access import policies
from xietong.core.errors import ValidationError
from xietong.core.paging import ApiPageNumberPagination
from xietong.org.models import Unit

from .. import selectors, services
from .. import selectors_transfers as st

router = Router(tags=["线索移送"])


class NoteOut(Schema):
    id: int
    kind: str
    kind_label: str
    unit: str
    content: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name


class TransferOut(Schema):
    id: int
    clue_id: int
    clue_number: str
    summary: str | None = Field(
        None, description="线索主要问题；已退回的移送对接收单位不可见（null）"
    )
    direction: str = Field(..., description="in：收到的；out：移出的")
    kind: str
    from_unit: str
    to_unit: str
    reason: str
    status: str
    status_label: str
    sent_at: dt.datetime
    accept_due: dt.date | None
    feedback_workdays: int
    feedback_due: dt.date
    accept_overdue: bool
    feedback_overdue: bool
    decided_at: dt.datetime | None
    return_reason: str
    fed_back_at: dt.datetime | None
    notes: list[NoteOut]

    @staticmethod
    def resolve_clue_number(obj):
        return obj.clue.number

    @staticmethod
    def resolve_summary(obj):
        return obj.clue.summary if obj.clue_visible else None

    @staticmethod
    def resolve_from_unit(obj):
        return obj.from_unit.name

    @staticmethod
    def resolve_to_unit(obj):
        return obj.to_unit.name

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()

    @staticmethod
    def resolve_accept_due(obj):
        return obj.deadlines.accept_due

    @staticmethod
    def resolve_accept_overdue(obj):
        return obj.deadlines.accept_overdue

    @staticmethod
    def resolve_feedback_overdue(obj):
        return obj.deadlines.feedback_overdue

    @staticmethod
    def resolve_notes(obj):
        return list(obj.notes.all())


class TransferFilterIn(Schema):
    direction: str = Field("", description="in：收到的；out：移出的；空：全部")
    status: str = ""
    overdue: bool = False


class _DecoratedPagination(ApiPageNumberPagination):
    """Page through the query, then work out deadlines and visibility for that page."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        result = super().paginate_queryset(queryset, pagination, request, **params)
        key = self.items_attribute
        result[key] = st.decorate(request.auth, result[key])
        return result


@router.get(
    "/transfers",
    response=list[TransferOut],
    summary="移送线索（收到的和移出的），可按状态、逾期筛选",
)
@paginate(_DecoratedPagination, page_size=50)
def transfers(request, filters: Query[TransferFilterIn]):
    policies.require(policies.sees_clue_ledger(request.auth))
    return st.transfer_list(
        viewer=request.auth,
        direction=filters.direction[:8],
        status=filters.status[:16],
        overdue=filters.overdue,
    )


class TransferIn(Schema):
    to_unit_id: int = Field(..., ge=1, le=2_147_483_647)
    kind: str
    reason: str
    feedback_workdays: int | None = None


def _out(viewer, transfer):
    return st.decorate(viewer, [st.access_transfer_by_id(viewer, transfer.pk)])[0]


@router.post(
    "/clues/{int:clue_id}/transfers",
    response={201: TransferOut},
    summary="移送/转办/交办线索（反馈期限按工作日计算）",
)
def transfer_create(request, clue_id: int, payload: TransferIn):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    to_unit = Unit.objects.filter(pk=payload.to_unit_id).first()
    try:
        transfer = services.transfer_send(
            actor=request.auth,
            clue=clue,
            to_unit=to_unit,
            kind=payload.kind,
            reason=payload.reason,
            feedback_workdays=payload.feedback_workdays,
        )
    except ValidationError as exc:
        if "to_unit" in exc.fields:
            exc.fields["to_unit_id"] = exc.fields.pop("to_unit")
        raise
    return Status(201, _out(request.auth, transfer))


@router.post(
    "/transfers/{int:transfer_id}/accept",
    response=TransferOut,
    summary="接收移送（线索改由接收单位承办）",
)
def transfer_accept(request, transfer_id: int):
    transfer = st.access_transfer_by_id(request.auth, transfer_id)
    services.transfer_accept(actor=request.auth, transfer=transfer)
    return _out(request.auth, transfer)


class ReturnIn(Schema):
    reason: str = ""


@router.post(
    "/transfers/{int:transfer_id}/return",
    response=TransferOut,
    summary="退回移送（须说明理由）",
)
def transfer_return(request, transfer_id: int, payload: ReturnIn):
    transfer = st.access_transfer_by_id(request.auth, transfer_id)
    services.transfer_return(
        actor=request.auth, transfer=transfer, reason=payload.reason
    )
    return _out(request.auth, transfer)


class NoteIn(Schema):
    kind: str = Field(
        ..., description="progress 进展反馈；result 处置情况反馈；reminder 催办"
    )
    content: str = ""


@router.post(
    "/transfers/{int:transfer_id}/notes",
    response={201: NoteOut},
    summary="进展反馈、处置情况反馈（接收单位）或催办（移出单位）",
)
def transfer_note_create(request, transfer_id: int, payload: NoteIn):
    transfer = st.access_transfer_by_id(request.auth, transfer_id)
    note = services.transfer_note_add(
        actor=request.auth,
        transfer=transfer,
        kind=payload.kind,
        content=payload.content,
    )
    return Status(201, note)
