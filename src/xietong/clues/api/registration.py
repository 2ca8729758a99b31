"""API for the clue ledger, a clue and its related clues; scoped by ``access.policies``."""

import datetime as dt

from django.db import transaction
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from xietong.access import policies
from xietong.core.errors import ValidationError
from xietong.core.paging import ApiPageNumberPagination
from xietong.org.models import Unit

from .. import selectors, services
from ..models import Petition
from ..related import related_for_viewer

router = Router(tags=["问题线索"])


class ClueOut(Schema):
    id: int
    number: str
    source: str
    received_date: dt.date
    summary: str
    status: str
    owner_unit: str
    subjects: list[str]

    @staticmethod
    def resolve_owner_unit(obj):
        return obj.owner_unit.name

    @staticmethod
    def resolve_subjects(obj):
        return [s.name for s in obj.subjects.all()]


class RelatedOut(Schema):
    number: str | None
    unit: str
    score: float
    reasons: list[str]


class LedgerFilterIn(Schema):
    """The ledger's filters: source, status, disposal method (of the latest approved
    opinion), 四种形态 form (1–4), overdue only, and text in the number or summary."""

    source: str = ""
    status: str = ""
    method: str = ""
    form: str = ""
    overdue: bool = False
    q: str = ""

    def as_filters(self) -> dict:
        return {
            "source": self.source[:16],
            "status": self.status[:16],
            "method": self.method[:16],
            "form": self.form[:2],
            "overdue": self.overdue,
            "q": self.q[:64],
        }


class LedgerClueOut(ClueOut):
    disposal_method: str
    forms: list[int]
    overdue: list[str]

    @staticmethod
    def resolve_disposal_method(obj):
        return getattr(obj, "current_method", None) or ""

    @staticmethod
    def resolve_forms(obj):
        return sorted({o.form for o in obj.outcomes.all() if o.form})

    @staticmethod
    def resolve_overdue(obj):
        return selectors.overdue_reasons(obj)


@router.get("/clues", response=list[LedgerClueOut], summary="线索台账（本单位）")
@paginate(ApiPageNumberPagination, page_size=50)
def clues(request, filters: Query[LedgerFilterIn]):
    policies.require(policies.sees_clue_ledger(request.auth))
    return selectors.clue_ledger(viewer=request.auth, **filters.as_filters())


@router.get("/clues/{int:clue_id}", response=ClueOut, summary="线索详情")
def clue(request, clue_id: int):
    return selectors.access_clue_by_id(request.auth, clue_id)


@router.get(
    "/clues/{int:clue_id}/related",
    response=list[RelatedOut],
    summary="相关线索（无权查看的只给出持有单位）",
)
def clue_related(request, clue_id: int):
    found = selectors.access_clue_by_id(request.auth, clue_id)
    return [
        {
            "number": r.clue.number if r.visible else None,
            "unit": r.unit_name,
            "score": round(r.score, 4),
            "reasons": r.reasons,
        }
        for r in related_for_viewer(request.auth, found)
    ]


# --- writes: intake and central registration ---------------------------------------------------


class SubjectIn(Schema):
    id_number: str = ""
    name: str = ""
    unit: str = ""


class ClueIn(Schema):
    source: str
    received_date: dt.date
    summary: str
    subjects: list[SubjectIn]
    owner_unit_id: int | None = None
    override_reason: str = ""
    petition_id: int | None = None


class RegisteredOut(ClueOut):
    related: list[RelatedOut]


@router.post(
    "/clues",
    response={201: RegisteredOut},
    summary="集中登记线索（返回相关线索提示）",
)
def clue_create(request, payload: ClueIn):
    user = request.auth
    policies.require(policies.can_register_clue(user))
    owner = None
    if payload.owner_unit_id is not None:
        owner = Unit.objects.filter(pk=payload.owner_unit_id, is_active=True).first()
        if owner is None:
            raise ValidationError(
                "承办单位不存在。", fields={"owner_unit_id": "承办单位不存在"}
            )
    petition = None
    if payload.petition_id is not None:
        petition = policies.scope_petitions(
            user, Petition.objects.filter(pk=payload.petition_id)
        ).first()
        if petition is None:
            raise ValidationError(
                "信访件不存在或无权查看。", fields={"petition_id": "信访件不存在"}
            )
    subjects = []
    for i, s in enumerate(payload.subjects, start=1):
        try:
            subjects.append(
                services.find_subject(
                    id_number=s.id_number, name=s.name, unit_text=s.unit
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                f"第 {i} 名被反映人：{exc.message}",
                fields={f"subjects.{i}": exc.message},
            ) from None
    with transaction.atomic():
        clue = services.clue_register(
            actor=user,
            source=payload.source,
            received_date=payload.received_date,
            summary=payload.summary,
            subjects=subjects,
            petition=petition,
            owner_unit=owner,
            override_reason=payload.override_reason,
        )
    clue.related = [
        {
            "number": r.clue.number if r.visible else None,
            "unit": r.unit_name,
            "score": round(r.score, 4),
            "reasons": r.reasons,
        }
        for r in related_for_viewer(user, clue)
    ]
    return Status(201, clue)


class PetitionIn(Schema):
    channel: str
    received_date: dt.date
    content: str
    real_name: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_id_number: str = ""


class PetitionOut(Schema):
    id: int
    channel: str
    received_date: dt.date
    real_name: bool


@router.post("/petitions", response={201: PetitionOut}, summary="登记信访举报")
def petition_create(request, payload: PetitionIn):
    policies.require(policies.can_register_petition(request.auth))
    with transaction.atomic():
        petition = services.petition_register(actor=request.auth, **payload.dict())
    return Status(201, petition)
