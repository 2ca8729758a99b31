from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from xietong.access import policies

from .registry import counters_for, todos_for


def _shortcuts(user) -> list[tuple[str, str]]:
    """Role-based shortcuts, each allowed by the policy module."""
    links = []
    if user.role_set & policies.PERSON_CHANGE_ROLES:
        links += [
            ("登记监督对象", reverse("org:person_create")),
            ("批量导入监督对象", reverse("org:import", args=["persons"])),
        ]
    if policies.can_edit_org(user):
        links += [
            ("登记单位", reverse("org:unit_create")),
            ("批量导入单位", reverse("org:import", args=["units"])),
        ]
    if policies.can_manage_accounts(user) or policies.can_manage_roles(user):
        links.append(("账号与角色", reverse("access:accounts")))
    if policies.can_manage_calendar(user):
        links.append(("维护工作日历", reverse("workdays:calendar")))
    if policies.can_view_audit(user):
        links.append(("检索审计日志", reverse("audit:log")))
    links.append(("工作日计算", reverse("workdays:calendar")))
    links.append(("单位清单", reverse("org:units")))
    return links


@login_required
def home(request):
    """The signed-in user's to-do list and figures, decided by role and reach."""
    return render(
        request,
        "dashboard/home.html",
        {
            "todos": todos_for(request.user),
            "counters": counters_for(request.user),
            "shortcuts": _shortcuts(request.user),
            "can_search_persons": not policies.person_reach(request.user).empty,
        },
    )
