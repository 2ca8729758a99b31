"""API for the 安全审计员: search the log and verify the chain."""

import datetime as dt

from ninja import Query, Router, Schema
from ninja.pagination import paginate

from xietong.access import policies
from xietong.core.paging import ApiPageNumberPagination

from .selectors import audit_search
from .services import audit_verify

router = Router(tags=["审计"])


class EntryOut(Schema):
    seq: int
    created_at: dt.datetime
    actor_username: str
    actor_name: str
    unit_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    summary: str
    client_ip: str
    entry_hash: str


class VerifyOut(Schema):
    ok: bool
    checked: int
    first_bad_seq: int | None
    message: str


class AuditFilterIn(Schema):
    action: str = ""
    actor: str = ""
    object_type: str = ""
    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.get(
    "/audit/entries", response=list[EntryOut], summary="检索审计日志（仅安全审计员）"
)
@paginate(ApiPageNumberPagination, page_size=100)
def entries(request, filters: Query[AuditFilterIn]):
    policies.require(policies.can_view_audit(request.auth))
    return audit_search(
        **{k: (v[:64] if isinstance(v, str) else v) for k, v in filters.dict().items()}
    )


@router.post(
    "/audit/verify", response=VerifyOut, summary="校验审计日志哈希链（仅安全审计员）"
)
def verify(request):
    policies.require(policies.can_view_audit(request.auth))
    r = audit_verify()
    return {
        "ok": r.ok,
        "checked": r.checked,
        "first_bad_seq": r.first_bad_seq,
        "message": r.message(),
    }
