"""System checks: 三员分立 must hold in the data, production must not run with DEBUG."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_debug(app_configs, **kwargs):
    if settings.DEBUG:
        return [checks.Error("生产环境不得开启 DEBUG。", id="access.E001")]
    return []


@checks.register(checks.Tags.database)
def check_separation_of_duties(app_configs, databases=None, **kwargs):
    """Fail if any account holds two admin roles or an admin role and a business role."""
    if not databases:
        return []
    from collections import defaultdict

    from django.db import connection

    from .models import RoleAssignment
    from .roles import ADMIN_ROLES

    if RoleAssignment._meta.db_table not in connection.introspection.table_names():
        return []

    held = defaultdict(set)
    for user_id, role in RoleAssignment.objects.values_list("user_id", "role"):
        held[user_id].add(role)
    errors = []
    for user_id, roles in held.items():
        admin = roles & ADMIN_ROLES
        if len(admin) > 1 or (admin and roles - ADMIN_ROLES):
            errors.append(
                checks.Error(
                    f"账号 {user_id} 违反三员分立：{sorted(roles)}", id="access.E002"
                )
            )
    return errors
