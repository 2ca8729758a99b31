"""API for outcomes: a clue's outcomes per subject, recording one, and a person's sanctions
with their influence periods (need to know: ``policies.can_view_outcomes``)."""

import datetime as dt

from django.db import transaction
from ninja import Field, Router, Schema
from ninja.responses import Status

from xietong.access import policies
from xietong.core.errors import ValidationError

from .. import selectors, services
from ..models import Outcome, Sanction
from ..selectors_outcomes import influence_state

router = Router(tags=["处理结果与处分"])


class SanctionOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    effective_date: dt.date
    probation_months: int | None
    influence_months: int | None
    influence_end: dt.date | None
    in_influence_period: bool
    note: str

    @staticmethod
    def resolve_in_influence_period(obj):
        return influence_state(obj) == "active"


class OutcomeOut(Schema):
    id: int
    clue_id: int
    subject_id: int
    subject: str = Field(..., alias="subject.name")
    person_id: int | None
    form: int | None
    form_label: str
    conclusion: str
    decided_date: dt.date
    sanctions: list[SanctionOut]

    @staticmethod
    def resolve_form_label(obj):
        return obj.get_form_display() if obj.form else ""

    @staticmethod
    def resolve_sanctions(obj):
        return obj.sanctions.order_by("id")


class SanctionIn(Schema):
    kind: str
    effective_date: dt.date
    probation_months: int | None = None
    note: str = ""


class OutcomeIn(Schema):
    subject_id: int
    form: int | None = None
    conclusion: str
    decided_date: dt.date
    sanctions: list[SanctionIn] = []


@router.get(
    "/clues/{int:clue_id}/outcomes",
    response=list[OutcomeOut],
    summary="线索的处理结果（四种形态、处分及影响期）",
)
def clue_outcome_list(request, clue_id: int):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    return Outcome.objects.filter(clue=clue).select_related("subject").order_by("id")


@router.post(
    "/clues/{int:clue_id}/outcomes",
    response={201: OutcomeOut},
    summary="登记一名被反映人的处理结果",
)
def clue_outcome_create(request, clue_id: int, payload: OutcomeIn):
    user = request.auth
    clue = selectors.access_clue_by_id(user, clue_id)
    policies.require(policies.can_record_disposal(user, clue))
    subject = clue.subjects.filter(pk=payload.subject_id).first()
    if subject is None:
        raise ValidationError(
            "被反映人不属于本线索。", fields={"subject_id": "不属于本线索"}
        )
    with transaction.atomic():
        outcome = services.outcome_record(
            actor=user,
            clue=clue,
            subject=subject,
            form=payload.form,
            conclusion=payload.conclusion,
            decided_date=payload.decided_date,
            sanctions=[services.SanctionInput(**s.dict()) for s in payload.sanctions],
        )
    return Status(201, outcome)


@router.get(
    "/persons/{int:person_id}/sanctions",
    response=list[SanctionOut],
    summary="监督对象的处分及处理（影响期内的在前）",
)
def person_sanctions(request, person_id: int):
    user = request.auth
    person = policies.access_person_by_id(user, person_id)
    policies.require(policies.can_view_outcomes(user, person))
    found = list(
        Sanction.objects.filter(person=person).order_by("-effective_date", "id")
    )
    found.sort(key=lambda s: influence_state(s) != "active")
    return found
