"""Demo logins: one account per role and level, listing them and printing them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import PartnerKind, Region, Unit, UnitKind
from .names import random_name
from .places import DEMO_PROVINCE_CODE

if TYPE_CHECKING:
    from .builder import DemoBuilder
    from .units import Level

DEMO_PASSWORD = "Xietong@2026"
_LEVELS = (("sheng", "省级"), ("shi", "市级"), ("xian", "县级"))
_SENSITIVE_ROLES = ("case_manager", "leader", "handler")
TOWNSHIP_USERNAME = "zhen_handler"
# The county 组织部's liaison, who asks for 党风廉政意见 (the role's default seat is the
# procuratorate).
ORG_LIAISON_USERNAME = "xian_zuzhibu"


@dataclass(frozen=True)
class DemoAccount:
    """One demo login, as printed for the person trying the platform."""

    username: str
    password: str
    role_label: str
    unit_name: str
    level_label: str
    full_name: str = ""
    role: str = ""
    sensitive: bool = False


def _demo_usernames() -> list[tuple[str, str, str]]:
    """(username, level label, role) of every demo account, in display order."""
    from xietong.access.roles import Role

    out = [
        (f"{prefix}_{role.value}", label, role.value)
        for prefix, label in _LEVELS
        for role in Role
    ]
    out.append((TOWNSHIP_USERNAME, "乡镇级", Role.HANDLER.value))
    out.append((ORG_LIAISON_USERNAME, "县级", Role.PARTNER_LIAISON.value))
    return out


def demo_exists() -> bool:
    """Whether the demo province has been generated in this database."""
    return Region.objects.filter(code=DEMO_PROVINCE_CODE).exists()


def existing_demo_accounts() -> list[DemoAccount]:
    """The demo accounts present in the database (all share :data:`DEMO_PASSWORD`)."""
    from xietong.access.models import User
    from xietong.access.roles import Grant

    wanted = _demo_usernames()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[w[0] for w in wanted]
        ).select_related("unit")
    }
    accounts = []
    for username, level_label, role in wanted:
        user = users.get(username)
        if user is None:
            continue
        accounts.append(
            DemoAccount(
                username=username,
                password=DEMO_PASSWORD,
                role_label=user.role_labels(),
                unit_name=user.unit.name if user.unit else "",
                level_label=level_label,
                full_name=user.full_name,
                role=role,
                sensitive=Grant.SENSITIVE_IDENTITY in user.grant_set,
            )
        )
    return accounts


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def demo_accounts_summary(accounts: list[DemoAccount]) -> str:
    """A terminal table of the demo logins."""
    if not accounts:
        return "没有演示账号。"
    passwords = sorted({a.password for a in accounts})
    shared = passwords[0] if len(passwords) == 1 else None
    headers = ["层级", "账号", "角色", "姓名", "所在单位"]
    rows = [
        [
            a.level_label,
            a.username,
            a.role_label + (" *" if a.sensitive else ""),
            a.full_name,
            a.unit_name,
        ]
        for a in accounts
    ]
    if shared is None:
        headers.insert(2, "密码")
        for row, a in zip(rows, accounts, strict=True):
            row.insert(2, a.password)
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    if shared is not None:
        lines.append(f"演示账号 {len(accounts)} 个，密码均为：{shared}")
    else:
        lines.append(f"演示账号 {len(accounts)} 个")
    lines.append(
        "  ".join(_pad(h, w) for h, w in zip(headers, widths, strict=True)).rstrip()
    )
    lines.append("  ".join("─" * w for w in widths))
    previous = None
    for row in rows:
        if previous is not None and row[0] != previous:
            lines.append("")
        previous = row[0]
        lines.append(
            "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    if any(a.sensitive for a in accounts):
        lines.append("")
        lines.append("* 已授权查看身份证号码和电话（每次查看均记入审计日志）。")
    return "\n".join(lines)


def build_accounts(b: DemoBuilder) -> list[DemoAccount]:
    """One account per role at the province, 郑州市 and 金水区, plus a township handler."""
    from xietong.access.roles import Grant, Role
    from xietong.access.services import account_create, grant_add

    rng = b.rng_accounts
    levels = {
        "sheng": b.levels[DEMO_PROVINCE_CODE],
        "shi": b.levels["410100"],
        "xian": b.levels["410105"],
    }
    accounts = []
    for username, level_label, role in _demo_usernames():
        if username == TOWNSHIP_USERNAME:
            unit = b.township_commissions["410105"][0]
        elif username == ORG_LIAISON_USERNAME:
            unit = Unit.objects.get(
                kind=UnitKind.PARTNER,
                partner_kind=PartnerKind.ORGANISATION,
                region=levels["xian"].commission.region,
            )
        else:
            unit = _role_unit(levels[username.split("_", 1)[0]], role)
        male = rng.random() < 0.6
        full_name = random_name(rng, male)
        user = account_create(
            actor=None,
            username=username,
            full_name=full_name,
            unit=unit,
            password=DEMO_PASSWORD,
            roles=(role,),
        )
        sensitive = username != TOWNSHIP_USERNAME and role in _SENSITIVE_ROLES
        if sensitive:
            grant_add(actor=None, user=user, grant=Grant.SENSITIVE_IDENTITY)
        accounts.append(
            DemoAccount(
                username=username,
                password=DEMO_PASSWORD,
                role_label=Role(role).label,
                unit_name=unit.name,
                level_label=level_label,
                full_name=full_name,
                role=role,
                sensitive=sensitive,
            )
        )
    b.counts["accounts"] = len(accounts)
    b.log(f"创建演示账号 {len(accounts)} 个（{b.elapsed()}）")
    return accounts


def _role_unit(lv: Level, role: str) -> Unit:
    offices = lv.offices
    return {
        "leader": lv.commission,
        "head": offices["第一监督检查室"],
        "handler": offices["第一监督检查室"],
        "case_manager": offices["案件监督管理室"],
        "petition_clerk": offices["信访室"],
        "inspection_lead": lv.inspection,
        "inspector": lv.inspection,
        "partner_liaison": lv.procuratorate,
        "rectifier": lv.edu,
        "analyst": offices["党风政风监督室"],
    }.get(role, lv.commission)
