"""Build test state through the real services, never by poking rows."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from xietong.access.roles import Role
from xietong.access.services import account_create, grant_add
from xietong.core.identifiers import make_id_number, make_uscc
from xietong.org.models import Region, Unit, UnitKind
from xietong.org.services import person_create, region_create, unit_create

PASSWORD = "Test@Pass2026"
_seq = itertools.count(1)


def new_id_number(region: str = "410105", birth: dt.date = dt.date(1980, 5, 17)) -> str:
    """A fresh valid ID number (unique sequence per call)."""
    n = next(_seq)
    return make_id_number(region, birth + dt.timedelta(days=n // 900), n % 900 + 1)


def new_uscc(region: str = "410105") -> str:
    n = next(_seq)
    body = f"{n:08d}"[-8:]
    return make_uscc("11", region, "M" + body)


def account(unit: Unit, role: str, *, username: str | None = None, grants=()):
    user = account_create(
        actor=None,
        username=username or f"{role}_{unit.pk}_{next(_seq)}",
        full_name=f"测试{Role(role).label}",
        unit=unit,
        password=PASSWORD,
        roles=(role,),
    )
    for g in grants:
        grant_add(actor=None, user=user, grant=g)
    return user


@dataclass
class World:
    """Two counties of one city, each with a commission and its offices; persons in both."""

    regions: dict[str, Region] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    persons: dict[str, object] = field(default_factory=dict)
    users: dict[str, object] = field(default_factory=dict)


def build_world() -> World:
    w = World()
    r = w.regions
    r["prov"] = region_create(actor=None, code="410000", name="河南省")
    r["city"] = region_create(actor=None, code="410100", name="郑州市")
    r["a"] = region_create(actor=None, code="410105", name="金水区")
    r["b"] = region_create(actor=None, code="410102", name="中原区")
    r["a_town"] = region_create(actor=None, code="410105001", name="经八路街道")
    u = w.units
    for key, region in (("a", r["a"]), ("b", r["b"])):
        name = region.name
        u[f"{key}_commission"] = unit_create(
            actor=None,
            name=f"{name}纪委监委",
            kind=UnitKind.COMMISSION,
            region=region,
            supervised_regions=[region],
        )
        c = u[f"{key}_commission"]
        for kind, label in (
            (UnitKind.SUPERVISION_OFFICE, "第一监督检查室"),
            (UnitKind.CASE_MANAGEMENT, "案件监督管理室"),
            (UnitKind.PETITION_OFFICE, "信访室"),
        ):
            u[f"{key}_{kind}"] = unit_create(
                actor=None,
                name=f"{name}纪委监委{label}",
                kind=kind,
                region=region,
                parent=c,
            )
        u[f"{key}_edu"] = unit_create(
            actor=None,
            name=f"{name}教育局",
            kind=UnitKind.GOV_DEPARTMENT,
            region=region,
            uscc=new_uscc(region.code),
        )
        u[f"{key}_inspection"] = unit_create(
            actor=None,
            name=f"{name}委巡察办",
            kind=UnitKind.INSPECTION_OFFICE,
            region=region,
            supervised_regions=[region],
        )
        u[f"{key}_procuratorate"] = unit_create(
            actor=None,
            name=f"{name}人民检察院",
            kind=UnitKind.PARTNER,
            region=region,
            partner_kind="procuratorate",
        )
    u["a_health"] = unit_create(
        actor=None,
        name="金水区卫生健康委员会",
        kind=UnitKind.GOV_DEPARTMENT,
        region=r["a"],
        uscc=new_uscc("410105"),
    )
    u["a_group"] = unit_create(
        actor=None,
        name="金水区纪委监委派驻第一纪检监察组",
        kind=UnitKind.STATIONED_GROUP,
        region=r["a"],
        parent=u["a_commission"],
        host_units=[u["a_edu"]],
    )
    u["a_town_commission"] = unit_create(
        actor=None,
        name="经八路街道纪工委",
        kind=UnitKind.TOWNSHIP_COMMISSION,
        region=r["a_town"],
        supervised_regions=[r["a_town"]],
    )
    u["a_town_office"] = unit_create(
        actor=None,
        name="经八路街道办事处",
        kind=UnitKind.GOV_DEPARTMENT,
        region=r["a_town"],
    )
    p = w.persons
    p["a_edu_head"] = person_create(
        actor=None,
        name="张建国",
        id_number=new_id_number("410105"),
        unit=u["a_edu"],
        position="局长",
        management_level="county",
        is_top_leader=True,
        phone="13800138000",
    )
    p["a_health_staff"] = person_create(
        actor=None,
        name="李秀英",
        id_number=new_id_number("410105"),
        unit=u["a_health"],
        position="科员",
        management_level="other",
    )
    p["a_town_staff"] = person_create(
        actor=None,
        name="王磊",
        id_number=new_id_number("410105"),
        unit=u["a_town_office"],
        position="副主任",
        management_level="township",
    )
    p["b_edu_head"] = person_create(
        actor=None,
        name="刘洋",
        id_number=new_id_number("410102"),
        unit=u["b_edu"],
        position="局长",
        management_level="county",
        is_top_leader=True,
    )
    return w
