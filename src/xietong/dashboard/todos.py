"""The foundation's to-dos and counters: calendar gaps, lockouts, accounts without roles,
unverified persons in reach, and the audit chain's state for the auditor."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from xietong.access import policies
from xietong.access.models import User
from xietong.audit.models import Action, AuditEntry
from xietong.org.models import Unit
from xietong.org.selectors import person_stats

from .registry import Counter, TodoItem, counter_provider, todo_provider


@todo_provider
def calendar_gaps(viewer):
    if not policies.can_manage_calendar(viewer):
        return []
    from xietong.workdays.services import asked_missing_years, missing_years

    asked = asked_missing_years()
    items = []
    for year in missing_years(timezone.localdate()):
        detail = "期限计算遇到该年度将报错，请导入国务院办公厅节假日安排。"
        if year in asked:
            detail = (
                f"已有 {asked[year]['count']} 次期限计算因缺少 {year} 年数据而失败。"
                + detail
            )
        items.append(
            TodoItem(
                title=f"{year} 年工作日历尚未导入",
                detail=detail,
                url=reverse("workdays:calendar") + f"?year={year}",
                category="工作日历",
                urgent=year <= timezone.localdate().year or year in asked,
            )
        )
    return items


@todo_provider
def locked_accounts(viewer):
    if not policies.can_manage_accounts(viewer):
        return []
    now = timezone.now()
    return [
        TodoItem(
            title=f"账号 {u.username}（{u.full_name}）已被锁定",
            detail="连续登录失败，核实后可解除锁定。",
            url=reverse("access:account", args=[u.pk]),
            category="账号安全",
            due=timezone.localtime(u.locked_until).date(),
        )
        for u in User.objects.filter(locked_until__gt=now).order_by("locked_until")[:20]
    ]


@todo_provider
def accounts_without_roles(viewer):
    if not policies.can_manage_roles(viewer):
        return []
    users = User.objects.filter(is_active=True, role_assignments__isnull=True)[:20]
    return [
        TodoItem(
            title=f"账号 {u.username}（{u.full_name}）尚未分配角色",
            url=reverse("access:account", args=[u.pk]),
            category="角色分配",
        )
        for u in users
    ]


@todo_provider
def unverified_persons(viewer):
    if not (viewer.role_set & policies.PERSON_CHANGE_ROLES) or policies.is_admin(
        viewer
    ):
        return []
    n = person_stats(viewer=viewer)["unverified"]
    if not n:
        return []
    return [
        TodoItem(
            title=f"{n} 名监督对象信息待核实",
            detail="由线索、导入等途径临时登记，需核实身份证号码、单位和干部管理权限。",
            url=reverse("org:persons") + "?verified=0",
            category="人员核实",
        )
    ]


@todo_provider
def failed_logins_for_auditor(viewer):
    if not policies.can_view_audit(viewer):
        return []
    since = timezone.now() - dt.timedelta(days=1)
    n = AuditEntry.objects.filter(
        action__in=[Action.LOGIN_FAILED, Action.LOCKED], created_at__gte=since
    ).count()
    if not n:
        return []
    return [
        TodoItem(
            title=f"近 24 小时有 {n} 次登录失败或锁定",
            url=reverse("audit:log") + "?action=login_failed",
            category="安全审计",
            urgent=n >= 10,
        )
    ]


@counter_provider
def person_counters(viewer):
    reach = policies.person_reach(viewer)
    if reach.empty:
        return []
    agg = person_stats(viewer=viewer)
    units = Unit.objects.filter(reach.unit_q()).count()
    url = reverse("org:persons")
    return [
        Counter("管辖监督对象", agg["total"], url),
        Counter("其中一把手", agg["leaders"], url + "?top=1"),
        Counter("待核实人员", agg["unverified"], url + "?verified=0"),
        Counter("管辖单位", units, reverse("org:tree")),
    ]


@counter_provider
def admin_counters(viewer):
    out = []
    if policies.can_manage_accounts(viewer) or policies.can_manage_roles(viewer):
        out.append(
            Counter(
                "账号总数",
                User.objects.filter(is_active=True).count(),
                reverse("access:accounts"),
            )
        )
        out.append(
            Counter(
                "锁定账号",
                User.objects.filter(locked_until__gt=timezone.now()).count(),
                reverse("access:accounts") + "?locked=1",
            )
        )
    if policies.can_view_audit(viewer):
        today = timezone.localdate()
        out.append(
            Counter(
                "今日审计事件",
                AuditEntry.objects.filter(created_at__date=today).count(),
                reverse("audit:log"),
            )
        )
        out.append(
            Counter(
                "敏感信息查看（今日）",
                AuditEntry.objects.filter(
                    created_at__date=today, action=Action.VIEW_SENSITIVE
                ).count(),
                reverse("audit:log") + "?action=view_sensitive",
            )
        )
    return out
