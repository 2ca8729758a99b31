"""The audit log screen: search, export and chain verification — 安全审计员 only."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.core.paging import paginate, query_without_page

from .exports import audited_xlsx_export
from .models import Action
from .selectors import audit_search
from .services import audit_verify


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _search(request):
    g = request.GET
    errors = {}
    date_from, date_to = _date(g.get("from", "")), _date(g.get("to", ""))
    if g.get("from") and date_from is None:
        errors["from"] = "起始日期格式应为 2026-03-01"
    if g.get("to") and date_to is None:
        errors["to"] = "截止日期格式应为 2026-03-01"
    qs = audit_search(
        action=g.get("action", "") if g.get("action", "") in Action.values else "",
        actor=g.get("actor", "").strip()[:64],
        object_type=g.get("object_type", "").strip()[:64],
        q=g.get("q", "").strip()[:64],
        date_from=date_from,
        date_to=date_to,
    )
    return qs, errors


@login_required
def log(request):
    policies.require(policies.can_view_audit(request.user))
    qs, errors = _search(request)
    if request.GET.get("export") == "xlsx" and not errors:
        rows = (
            (
                e.seq,
                timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_username,
                e.actor_name,
                e.unit_name,
                e.get_action_display(),
                e.object_type,
                e.object_id,
                e.object_repr,
                e.summary,
                e.client_ip,
                e.entry_hash,
            )
            for e in qs.iterator(chunk_size=5000)
        )
        return audited_xlsx_export(
            request,
            object_type="audit.auditentry",
            title="审计日志",
            headers=[
                "序号",
                "时间",
                "账号",
                "姓名",
                "单位",
                "操作",
                "对象类型",
                "对象编号",
                "对象",
                "摘要",
                "客户端地址",
                "SM3 哈希",
            ],
            rows=rows,
        )
    return render(
        request,
        "audit/log.html",
        {
            "page": paginate(request, qs),
            "actions": Action.choices,
            "errors": errors,
            "query": query_without_page(request),
        },
    )


@login_required
@require_POST
def verify(request):
    policies.require(policies.can_view_audit(request.user))
    result = audit_verify()
    return render(request, "audit/_verify.html", {"result": result})
