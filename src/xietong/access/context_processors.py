"""Navigation entries the signed-in user may open, decided by the policy module."""

from . import policies


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [("dashboard:home", "工作台")]
    items.append(("org:tree", "组织机构"))
    if not policies.person_reach(user).empty:
        items.append(("org:persons", "监督对象"))
    if user.role_set & policies.CLUE_VIEW_ROLES and not policies.is_admin(user):
        items.append(("clues:ledger", "问题线索"))
    if policies.can_register_petition(user):
        items.append(("clues:petition_new", "信访登记"))
    if policies.sees_integrity_batches(user):
        items.append(("clues:integrity_batches", "党风廉政意见"))
    if policies.analytics_units(user).exists():
        items.append(("analytics:hits", "大数据监督"))
    if policies.can_manage_accounts(user) or policies.can_manage_roles(user):
        items.append(("access:accounts", "账号管理"))
    if policies.can_manage_calendar(user):
        items.append(("workdays:calendar", "工作日历"))
    elif policies.can_view_calendar(user):
        items.append(("workdays:calendar", "工作日历"))
    if policies.can_view_audit(user):
        items.append(("audit:log", "审计日志"))
    return {"nav_items": items}
