"""Roles (DOMAIN.md §2) and the rules about combining them. Plain Python."""

from django.db import models


class Role(models.TextChoices):
    LEADER = "leader", "委领导"
    HEAD = "head", "部门负责人"
    HANDLER = "handler", "承办人"
    CASE_MANAGER = "case_manager", "案管"
    PETITION_CLERK = "petition_clerk", "信访"
    INSPECTION_LEAD = "inspection_lead", "巡察组长"
    INSPECTOR = "inspector", "巡察组员"
    PARTNER_LIAISON = "partner_liaison", "协作单位联络员"
    RECTIFIER = "rectifier", "整改联络员"
    ANALYST = "analyst", "数据分析员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全保密管理员"
    AUDITOR = "auditor", "安全审计员"


# 三员分立 (GB/T 22239-2019): no account holds two of these, nor any business role.
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)


class Grant(models.TextChoices):
    """Separate grants for sensitive fields, given by the 安全保密管理员."""

    SENSITIVE_IDENTITY = "sensitive_identity", "查看身份证号码和电话"
    REPORTER_IDENTITY = "reporter_identity", "查看举报人身份信息"


def combination_error(existing: set[str], new: str) -> str | None:
    """Why ``new`` may not join ``existing`` roles, or None if it may."""
    if new in existing:
        return f"该账号已具有“{Role(new).label}”角色。"
    if new in ADMIN_ROLES:
        others = existing & ADMIN_ROLES
        if others:
            other = Role(next(iter(others))).label
            return f"三员分立：该账号已是{other}，不能再担任{Role(new).label}。"
        if existing & BUSINESS_ROLES:
            return f"三员分立：{Role(new).label}不能同时具有业务角色。"
    elif existing & ADMIN_ROLES:
        admin = Role(next(iter(existing & ADMIN_ROLES))).label
        return f"三员分立：{admin}不能同时具有业务角色“{Role(new).label}”。"
    return None
