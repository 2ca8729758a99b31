"""The demo province's units (organs, commissions, offices, partners) and collaboration zones."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from xietong.core.identifiers import make_uscc

from ..models import (
    SUPERVISING_KINDS,
    CollaborationGroup,
    CollaborationZone,
    PartnerKind,
    Region,
    Unit,
    UnitKind,
)
from .staffing import (
    COLLEGE,
    HOSPITAL,
    SCHOOL,
    SOE,
    Staffing,
    dept_staffing,
    gov_staffing,
    mass_staffing,
    party_staffing,
    township_gov_staffing,
    township_party_staffing,
    village_staffing,
)

if TYPE_CHECKING:
    from .builder import DemoBuilder

_PROVINCE_DEPTS = tuple(
    (
        "教育厅 财政厅 民政厅 自然资源厅 住房和城乡建设厅 交通运输厅 农业农村厅 "
        "卫生健康委员会 人力资源和社会保障厅 市场监督管理局 水利厅 商务厅 "
        "发展和改革委员会 生态环境厅"
    ).split()
)
_CITY_DEPTS = tuple(
    (
        "教育局 财政局 民政局 自然资源和规划局 住房和城乡建设局 交通运输局 "
        "农业农村局 卫生健康委员会 人力资源和社会保障局 市场监督管理局 水利局 "
        "商务局 发展和改革委员会 生态环境局"
    ).split()
)
_COUNTY_DEPTS = tuple(
    (
        "教育局 财政局 民政局 自然资源局 住房和城乡建设局 交通运输局 农业农村局 "
        "卫生健康委员会 人力资源和社会保障局 市场监督管理局 发展和改革委员会"
    ).split()
)
_BIG_OFFICES = (
    (UnitKind.PETITION_OFFICE, "信访室"),
    (UnitKind.CASE_MANAGEMENT, "案件监督管理室"),
    (UnitKind.CONDUCT_OFFICE, "党风政风监督室"),
    (UnitKind.SUPERVISION_OFFICE, "第一监督检查室"),
    (UnitKind.SUPERVISION_OFFICE, "第二监督检查室"),
    (UnitKind.INVESTIGATION_OFFICE, "第一审查调查室"),
    (UnitKind.TRIAL_OFFICE, "案件审理室"),
)
_COUNTY_OFFICES = (
    (UnitKind.PETITION_OFFICE, "信访室"),
    (UnitKind.CASE_MANAGEMENT, "案件监督管理室"),
    (UnitKind.CONDUCT_OFFICE, "党风政风监督室"),
    (UnitKind.SUPERVISION_OFFICE, "第一监督检查室"),
    (UnitKind.INVESTIGATION_OFFICE, "审查调查室"),
    (UnitKind.TRIAL_OFFICE, "案件审理室"),
)
_ORDINALS = "一二三四五六七八九十"

# USCC registration prefixes (GB 32100-2015): 11 机关, 12 事业单位, 13 群团, 91 企业.
_ORGAN, _INSTITUTION, _MASS, _ENTERPRISE = "11", "12", "13", "91"


@dataclass
class Level:
    """An administrative level (province, city or county) and its key units."""

    level: str
    region: Region
    display: str  # name prefix, e.g. 郑州市金水区
    home_codes: tuple[str, ...]
    commission: Unit | None = None
    offices: dict | None = None
    party: Unit | None = None
    gov: Unit | None = None
    inspection: Unit | None = None
    procuratorate: Unit | None = None
    depts: list | None = None
    stationed: list | None = None
    edu: Unit | None = None


def _uscc(b: DemoBuilder, prefix: str, region: Region) -> str:
    rng = b.rng_units
    region6 = region.code[:6]
    while True:
        body = "".join(rng.choice("0123456789") for _ in range(8))
        total = sum(
            int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
        )
        check = 11 - total % 11
        body += "X" if check == 10 else "0" if check == 11 else str(check)
        code = make_uscc(prefix, region6, body)
        if code not in b.usccs:
            b.usccs.add(code)
            return code


def _unit(
    b: DemoBuilder,
    name,
    kind,
    region,
    parent=None,
    *,
    uscc=None,
    partner_kind="",
    staffing: Staffing | None = None,
    level: str = "",
    home=(),
) -> Unit:
    unit = Unit(
        name=name,
        kind=kind,
        region=region,
        parent=parent,
        partner_kind=partner_kind,
        uscc=_uscc(b, uscc, region) if uscc else None,
    )
    unit.demo_depth = parent.demo_depth + 1 if parent is not None else 0
    siblings = getattr(parent, "demo_children", None) if parent is not None else None
    if parent is not None:
        parent.demo_children = (siblings or 0) + 1
        unit.sort_order = parent.demo_children * 10
    else:
        unit.sort_order = (len(b.units) + 1) * 10
    unit.demo_staffing = staffing
    unit.demo_level = level
    unit.demo_home = home
    b.units.append(unit)
    return unit


def _admin_units(b: DemoBuilder, lv: Level) -> None:
    """Party committee, government, commission, offices, groups, departments, partners."""
    rng = b.rng_units
    region, d, level = lv.region, lv.display, lv.level
    home = lv.home_codes
    if level == "province":
        party_name, party_chief = "中共河南省委", "省委书记"
        gov_chief, insp_name = "省长", "中共河南省委巡视工作领导小组办公室"
        dept_names = _PROVINCE_DEPTS
    else:
        suffix = region.name[-1]
        party_name, party_chief = f"中共{d}委", f"{suffix}委书记"
        gov_chief, insp_name = f"{suffix}长", f"中共{d}委巡察工作领导小组办公室"
        dept_names = _CITY_DEPTS if level == "city" else _COUNTY_DEPTS
    party = _unit(
        b,
        party_name,
        UnitKind.PARTY_COMMITTEE,
        region,
        uscc=_ORGAN,
        staffing=party_staffing(level, party_chief),
        level=level,
        home=home,
    )
    gov = _unit(
        b,
        f"{d}人民政府",
        UnitKind.GOV_DEPARTMENT,
        region,
        uscc=_ORGAN,
        staffing=gov_staffing(level, gov_chief),
        level=level,
        home=home,
    )
    commission = _unit(b, f"{d}纪委监委", UnitKind.COMMISSION, region, uscc=_ORGAN)
    b.supervised.append((commission, region))
    offices: dict[str, Unit] = {}
    for kind, name in _COUNTY_OFFICES if level == "county" else _BIG_OFFICES:
        offices[name] = _unit(b, f"{d}纪委监委{name}", kind, region, commission)
    inspection = _unit(b, insp_name, UnitKind.INSPECTION_OFFICE, region, party)
    b.supervised.append((inspection, region))
    depts = []
    for name in dept_names:
        dept = _unit(
            b,
            f"{d}{name}",
            UnitKind.GOV_DEPARTMENT,
            region,
            gov,
            uscc=_ORGAN,
            staffing=dept_staffing(name, level),
            level=level,
            home=home,
        )
        depts.append(dept)
    # 派驻纪检监察组: each stationed at 2–4 departments.
    stationed, i = [], 0
    while i < len(depts):
        size = min(rng.randint(2, 4), len(depts) - i)
        if len(depts) - i - size == 1:  # never leave one department alone
            size = size - 1 if size > 2 else size + 1
        group = _unit(
            b,
            f"{d}纪委监委派驻第{_ORDINALS[len(stationed)]}纪检监察组",
            UnitKind.STATIONED_GROUP,
            region,
            commission,
        )
        b.hosts.extend((group, host) for host in depts[i : i + size])
        stationed.append(group)
        i += size
    by_name = {u.name[len(d) :]: u for u in depts}
    edu = by_name.get("教育厅") or by_name["教育局"]
    health = by_name["卫生健康委员会"]
    short = region.name[:-1] if level == "city" else d
    size = {"province": 40, "city": 30, "county": 15}[level]
    soe = replace(SOE, base=size)
    if level == "province":
        soes = (
            "河南投资集团有限公司",
            "河南交通投资集团有限公司",
            "河南省水利投资集团有限公司",
        )
        schools = (("河南省实验中学", SCHOOL), ("河南工业职业技术学院", COLLEGE))
        hospitals = ("河南省人民医院", "河南省中医院")
    elif level == "city":
        soes = (f"{short}城市建设投资集团有限公司", f"{short}交通投资集团有限公司")
        schools = (
            (f"{d}第一中学", SCHOOL),
            (f"{d}第二中学", SCHOOL),
            (f"{short}职业技术学院", COLLEGE),
        )
        hospitals = (f"{d}人民医院", f"{d}中医院")
    else:
        soes = (f"{d}城市建设投资有限公司",)
        schools = ((f"{d}第一中学", SCHOOL), (f"{d}实验小学", SCHOOL))
        hospitals = (f"{d}人民医院", f"{d}中医院")
    for name in soes:
        _unit(
            b,
            name,
            UnitKind.SOE,
            region,
            gov,
            uscc=_ENTERPRISE,
            staffing=soe,
            level=level,
            home=home,
        )
    school_base = {"province": 25, "city": 20, "county": 15}[level]
    for name, tpl in schools:
        staffing = replace(tpl, base=30 if tpl is COLLEGE else school_base)
        _unit(
            b,
            name,
            UnitKind.SCHOOL,
            region,
            edu,
            uscc=_INSTITUTION,
            staffing=staffing,
            level=level,
            home=home,
        )
    hospital_base = {"province": 30, "city": 25, "county": 18}[level]
    for name in hospitals:
        staffing = replace(HOSPITAL, base=hospital_base)
        _unit(
            b,
            name,
            UnitKind.HOSPITAL,
            region,
            health,
            uscc=_INSTITUTION,
            staffing=staffing,
            level=level,
            home=home,
        )
    mass_base = {"province": 10, "city": 8, "county": 5}[level]
    league = "共青团河南省委员会" if level == "province" else f"共青团{d}委员会"
    for name, top, deputy in (
        (f"{d}总工会", "主席", "副主席"),
        (league, "书记", "副书记"),
        (f"{d}妇女联合会", "主席", "副主席"),
    ):
        staffing = replace(mass_staffing(top, deputy), base=mass_base)
        _unit(
            b,
            name,
            UnitKind.MASS_ORG,
            region,
            party,
            uscc=_MASS,
            staffing=staffing,
            level=level,
            home=home,
        )
    # 协作单位.
    if level == "province":
        partners = (
            ("河南省人民检察院", PartnerKind.PROCURATORATE, None),
            ("河南省审计厅", PartnerKind.AUDIT, gov),
            ("中共河南省委组织部", PartnerKind.ORGANISATION, party),
            ("河南省信访局", PartnerKind.PETITION_BUREAU, gov),
            ("河南省高级人民法院", PartnerKind.COURT, None),
            ("河南省公安厅", PartnerKind.PUBLIC_SECURITY, gov),
        )
    else:
        court = "中级人民法院" if level == "city" else "人民法院"
        partners = (
            (f"{d}人民检察院", PartnerKind.PROCURATORATE, None),
            (f"{d}审计局", PartnerKind.AUDIT, gov),
            (f"中共{d}委组织部", PartnerKind.ORGANISATION, party),
            (f"{d}信访局", PartnerKind.PETITION_BUREAU, gov),
            (f"{d}{court}", PartnerKind.COURT, None),
            (f"{d}公安局", PartnerKind.PUBLIC_SECURITY, gov),
        )
    procuratorate = None
    for name, pkind, parent in partners:
        unit = _unit(
            b, name, UnitKind.PARTNER, region, parent, uscc=_ORGAN, partner_kind=pkind
        )
        procuratorate = procuratorate or unit
    lv.commission, lv.offices, lv.party, lv.gov = commission, offices, party, gov
    lv.inspection, lv.procuratorate, lv.depts, lv.stationed = (
        inspection,
        procuratorate,
        depts,
        stationed,
    )
    lv.edu = edu


def _township_units(
    b: DemoBuilder, county_lv: Level, township: Region, kind: str
) -> tuple[Unit, Unit]:
    d = county_lv.display + township.name
    home = (county_lv.region.code,)
    commission = _unit(
        b,
        f"{d}纪工委" if kind == "街道" else f"{d}纪委",
        UnitKind.TOWNSHIP_COMMISSION,
        township,
        county_lv.commission,
    )
    b.supervised.append((commission, township))
    party_name = f"中共{d}工作委员会" if kind == "街道" else f"中共{d}委员会"
    _unit(
        b,
        party_name,
        UnitKind.PARTY_COMMITTEE,
        township,
        county_lv.party,
        uscc=_ORGAN,
        staffing=township_party_staffing(kind),
        level="township",
        home=home,
    )
    gov_name = f"{d}办事处" if kind == "街道" else f"{d}人民政府"
    gov = _unit(
        b,
        gov_name,
        UnitKind.GOV_DEPARTMENT,
        township,
        county_lv.gov,
        uscc=_ORGAN,
        staffing=township_gov_staffing(kind),
        level="township",
        home=home,
    )
    return commission, gov


def build_units(b: DemoBuilder) -> None:
    """Every unit of every level, then their supervised regions and host departments."""
    province_home = tuple(c.code for c in b.counties)
    prov = Level("province", b.province, "河南省", province_home)
    _admin_units(b, prov)
    b.levels = {b.province.code: prov}
    city_levels, county_levels = [], []
    for city in b.cities:
        home = tuple(c.code for c in b.counties if c.parent_id == city.pk)
        lv = Level("city", city, city.name, home)
        _admin_units(b, lv)
        b.levels[city.code] = lv
        city_levels.append(lv)
    for county in b.counties:
        city = next(c for c in b.cities if c.pk == county.parent_id)
        display = (
            (city.name + county.name) if county.name.endswith("区") else county.name
        )
        lv = Level("county", county, display, (county.code,))
        _admin_units(b, lv)
        b.levels[county.code] = lv
        county_levels.append(lv)
    villages_by_township: dict[int, list[Region]] = {}
    for village in b.villages:
        villages_by_township.setdefault(village.parent_id, []).append(village)
    b.township_commissions = {}
    for township in b.townships:
        county_lv = b.levels[township.code[:6]]
        kind = b.township_kind[township.code]
        commission, gov = _township_units(b, county_lv, township, kind)
        b.township_commissions.setdefault(county_lv.region.code, []).append(commission)
        for village in villages_by_township.get(township.pk, []):
            community = village.name.endswith("社区")
            _unit(
                b,
                f"{county_lv.display}{township.name}{village.name}",
                UnitKind.COMMUNITY if community else UnitKind.VILLAGE,
                village,
                gov,
                staffing=village_staffing(community),
                level="village",
                home=(county_lv.region.code,),
            )
    # Insert wave by wave: a unit's path needs its parent's primary key.
    depth = 0
    while True:
        wave = [u for u in b.units if u.demo_depth == depth]
        if not wave:
            break
        Unit.objects.bulk_create(wave, batch_size=1000)
        for unit in wave:
            unit.path = (
                unit.parent.path if unit.parent is not None else "/"
            ) + f"{unit.pk}/"
        Unit.objects.bulk_update(wave, ["path"], batch_size=500)
        depth += 1
    Through = Unit.supervised_regions.through
    Through.objects.bulk_create(
        [Through(unit_id=u.pk, region_id=r.pk) for u, r in b.supervised],
        batch_size=1000,
    )
    HostThrough = Unit.host_units.through
    HostThrough.objects.bulk_create(
        [HostThrough(from_unit_id=g.pk, to_unit_id=h.pk) for g, h in b.hosts],
        batch_size=1000,
    )
    b.city_levels, b.county_levels = city_levels, county_levels
    supervising = sum(1 for u in b.units if u.kind in SUPERVISING_KINDS)
    zz = sum(
        1
        for u in b.units
        if u.kind in SUPERVISING_KINDS and u.region.path.startswith("410000/410100/")
    )
    b.counts.update(
        units=len(b.units),
        supervising_units=supervising,
        zhengzhou_supervising_units=zz,
    )
    by_kind: dict[str, int] = {}
    for unit in b.units:
        by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
    b.units_by_kind = by_kind
    b.log(
        f"生成单位：{len(b.units)} 个，其中监督单位 {supervising} 个"
        f"（郑州市 {zz} 个：纪委监委及内设部门、派驻组、巡视巡察机构、乡镇纪委）（{b.elapsed()}）"
    )


def build_zones(b: DemoBuilder) -> None:
    """Two 联动协作区 per city, each split into 协作组 of township commissions."""
    rng = b.rng_units
    zones = groups = 0
    for city_lv in b.city_levels:
        counties = [
            lv for lv in b.county_levels if lv.region.parent_id == city_lv.region.pk
        ]
        half = (len(counties) + 1) // 2
        leads = [
            u for u in city_lv.offices.values() if u.kind == UnitKind.SUPERVISION_OFFICE
        ]
        for z, part in enumerate((counties[:half], counties[half:])):
            if not part:
                continue
            zone = CollaborationZone.objects.create(
                name=f"{city_lv.region.name}第{_ORDINALS[z]}联动协作区",
                region=city_lv.region,
                lead_unit=leads[z % len(leads)],
            )
            members = [leads[z % len(leads)]]
            members += rng.sample(city_lv.stationed, min(2, len(city_lv.stationed)))
            townships = []
            for lv in part:
                members.append(lv.offices["第一监督检查室"])
                members += rng.sample(
                    lv.stationed, min(rng.randint(1, 2), len(lv.stationed))
                )
                townships += b.township_commissions.get(lv.region.code, [])
            members += townships
            zone.members.set(members)
            zones += 1
            n_groups = min(rng.randint(2, 3), max(1, len(townships)))
            chunk = -(-len(townships) // n_groups) if townships else 0
            for g in range(n_groups):
                chunk_units = townships[g * chunk : (g + 1) * chunk]
                if not chunk_units and townships:
                    continue
                county_code = (
                    chunk_units[0].region.code[:6]
                    if chunk_units
                    else part[0].region.code
                )
                lead = b.levels[county_code].offices["第一监督检查室"]
                group = CollaborationGroup.objects.create(
                    zone=zone,
                    name=f"{zone.name}第{_ORDINALS[g]}协作组",
                    lead_unit=lead,
                )
                extra = [
                    u
                    for u in members
                    if u.kind == UnitKind.STATIONED_GROUP
                    and u.region.code[:6] == county_code
                ]
                group.members.set([lead, *chunk_units, *extra[:1]])
                groups += 1
    b.counts.update(zones=zones, groups=groups)
    b.log(f"生成联动协作区 {zones} 个、协作组 {groups} 个（{b.elapsed()}）")
