"""JSON API of the analytics app: hits, their evidence and triage, and the ledger."""

import datetime as dt

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from xietong.access import policies
from xietong.analytics import selectors
from xietong.analytics.evidence import hit_evidence, hit_versions
from xietong.analytics.services.hits import hit_reveal_identity, hit_triage
from xietong.core.paging import ApiPageNumberPagination

router = Router(tags=["大数据监督"])


class HitOut(Schema):
    id: int
    model: str
    model_label: str
    unit: str
    subject_name: str
    subject_id_number: str
    reason: str
    confidence: float
    status: str
    status_label: str
    found_at: dt.datetime
    first_run_id: int
    last_run_id: int
    clue_id: int | None

    @staticmethod
    def resolve_model(obj):
        return selectors.hit_model_key(obj)

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name

    @staticmethod
    def resolve_subject_id_number(obj):
        return getattr(obj, "shown_id_number", obj.subject_id_number_masked)

    @staticmethod
    def resolve_reason(obj):
        return getattr(obj, "shown_reason", None) or obj.reason

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()

    @staticmethod
    def resolve_found_at(obj):
        return obj.created_at


class VersionOut(Schema):
    dataset_id: int
    dataset: str
    kind: str
    number: int
    rows: int


class EvidenceColumnOut(Schema):
    name: str
    label: str


class EvidenceOut(Schema):
    dataset: str
    label: str
    keys: list[str]
    columns: list[EvidenceColumnOut]
    rows: list[dict]
    missing: list[str]


class HitDetailOut(HitOut):
    matched_on: list[str]
    params: dict
    data_versions: list[VersionOut]
    evidence: list[EvidenceOut]
    triage_reason: str
    triaged_by: str | None
    triaged_at: dt.datetime | None
    person_id: int | None

    @staticmethod
    def resolve_data_versions(obj):
        return obj.versions_out

    @staticmethod
    def resolve_evidence(obj):
        return obj.evidence_out

    @staticmethod
    def resolve_triaged_by(obj):
        user = obj.triaged_by
        return (user.full_name or user.username) if user else None


class HitFilterIn(Schema):
    """The hit list's filters: model (key or ``custom:<id>``), status, data unit id,
    run id, month found (``YYYY-MM``) and text in the name or reason."""

    model: str = ""
    status: str = ""
    unit: str = ""
    run: str = ""
    month: str = ""
    q: str = ""

    def as_filters(self) -> dict:
        return {
            "model": self.model[:40],
            "status": self.status[:16],
            "unit": self.unit[:12],
            "run": self.run[:12],
            "month": self.month[:7],
            "q": self.q.strip()[:64],
        }


def _require_viewer(user) -> None:
    policies.require(policies.analytics_units(user).exists())


@router.get("/analytics/hits", response=list[HitOut], summary="预警列表（本委）")
@paginate(ApiPageNumberPagination, page_size=50)
def analytics_hits(request, filters: Query[HitFilterIn]):
    _require_viewer(request.auth)
    return selectors.hit_list(viewer=request.auth, **filters.as_filters())


def _detail(request, hit, *, reveal: bool):
    """The hit with what the detail schema reads: evidence, versions, the person."""
    user = request.auth
    if reveal:
        hit.shown_id_number = (
            hit_reveal_identity(actor=user, hit=hit) or hit.subject_id_number_masked
        )
        hit.shown_reason = hit.full_reason()
    person = selectors.hit_subject_person(viewer=user, hit=hit)
    hit.person_id = person.pk if person else None
    hit.versions_out = [
        {
            "dataset_id": v.dataset_id,
            "dataset": v.dataset.name,
            "kind": v.dataset.kind,
            "number": v.number,
            "rows": v.rows,
        }
        for v in hit_versions(hit)
    ]
    hit.evidence_out = [
        t.as_dict() for t in hit_evidence(hit, viewer=user, reveal=reveal)
    ]
    return hit


@router.get(
    "/analytics/hits/{int:hit_id}",
    response=HitDetailOut,
    summary="预警详情（含证据行；reveal=true 且有授权时显示完整身份证号码，留痕）",
)
def analytics_hit(request, hit_id: int, reveal: bool = False):
    hit = selectors.access_hit_by_id(request.auth, hit_id)
    return _detail(request, hit, reveal=reveal)


class TriageIn(Schema):
    decision: str
    reason: str = ""


@router.post(
    "/analytics/hits/{int:hit_id}/triage",
    response=HitDetailOut,
    summary="研判预警：排除（须说明理由）或转为线索、问题、风险",
)
def analytics_hit_triage(request, hit_id: int, payload: TriageIn):
    hit = selectors.access_hit_by_id(request.auth, hit_id)
    hit = hit_triage(
        actor=request.auth, hit=hit, decision=payload.decision, reason=payload.reason
    )
    return _detail(request, hit, reveal=False)


class LedgerFilterIn(Schema):
    unit: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class LedgerModelOut(Schema):
    key: str
    label: str
    months: list[int]
    total: int
    statuses: dict[str, int]
    triaged: int
    positive: int
    precision: float | None


class LedgerRegionOut(Schema):
    name: str
    counts: dict[str, int]
    total: int


class LedgerOut(Schema):
    months: list[str]
    total: int
    models: list[LedgerModelOut]
    regions: list[LedgerRegionOut]


@router.get(
    "/analytics/ledger",
    response=LedgerOut,
    summary="预警台账：按模型按月、按地区、研判状态与精准率",
)
def analytics_ledger(request, filters: Query[LedgerFilterIn]):
    _require_viewer(request.auth)
    ledger = selectors.hit_ledger(
        viewer=request.auth,
        unit=filters.unit[:12],
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return selectors.ledger_as_dict(ledger)
