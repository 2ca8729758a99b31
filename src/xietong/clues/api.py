"""API for the clue ledger, a clue and its related clues; scoped by ``access.policies``."""

import datetime as dt

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from xietong.access import policies
from xietong.core.paging import ApiPageNumberPagination

from . import selectors
from .related import related_for_viewer

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
    source: str = ""
    status: str = ""
    q: str = ""


@router.get("/clues", response=list[ClueOut], summary="线索台账（本单位）")
@paginate(ApiPageNumberPagination, page_size=50)
def clues(request, filters: Query[LedgerFilterIn]):
    policies.require(policies.clue_units(request.auth).exists())
    return selectors.clue_ledger(
        viewer=request.auth,
        source=filters.source[:16],
        status=filters.status[:16],
        q=filters.q[:64],
    )


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
