"""Who works in each kind of demo unit (posts by tier) and their 干部管理权限."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import ManagementLevel, UnitKind

# Organs (机关) whose middle managers a county manages; see ``management_level``.
ORGAN_KINDS = frozenset(
    {UnitKind.PARTY_COMMITTEE, UnitKind.GOV_DEPARTMENT, UnitKind.MASS_ORG}
)


@dataclass(frozen=True)
class Staffing:
    """Who works in a unit: the top post, deputies, middle managers and staff."""

    top: str
    deputies: tuple[str, ...] = ()
    deputies_n: tuple[int, int] = (0, 0)
    heads: tuple[str, ...] = ("办公室主任",)
    staff: tuple[str, ...] = ("科员",)
    head_share: float = 0.3
    base: int = 10  # persons at scale 1 before jitter


def dept_staffing(name: str, level: str) -> Staffing:
    if name.endswith("委员会"):
        chief, deputy = "主任", "副主任"
    elif name.endswith("厅"):
        chief, deputy = "厅长", "副厅长"
    else:
        chief, deputy = "局长", "副局长"
    heads = {
        "province": ("处长", "副处长", "处长", "副处长", "办公室主任"),
        "city": ("科长", "副科长", "科长", "副科长", "办公室主任"),
        "county": ("股长", "副股长", "股长", "办公室主任", "所长"),
    }[level]
    staff = {
        "province": ("一级主任科员", "二级主任科员", "四级主任科员", "一级科员"),
        "city": ("一级主任科员", "三级主任科员", "四级主任科员", "一级科员", "科员"),
        "county": ("四级主任科员", "一级科员", "科员", "科员", "办事员"),
    }[level]
    return Staffing(
        top=f"党组书记、{chief}",
        deputies=(f"党组副书记、{deputy}", deputy, deputy, deputy, "党组成员"),
        deputies_n=(2, 4),
        heads=heads,
        staff=staff,
        base={"province": 42, "city": 30, "county": 19}[level],
    )


def party_staffing(level: str, chief: str) -> Staffing:
    return Staffing(
        top=chief,
        deputies=(
            "副书记",
            "副书记",
            "常委、秘书长",
            "常委、宣传部部长",
            "常委、统战部部长",
            "常委、政法委书记",
        ),
        deputies_n=(3, 6),
        heads=("办公室主任", "副秘书长", "督查室主任", "综合科科长"),
        staff=("一级主任科员", "四级主任科员", "科员"),
        base={"province": 30, "city": 22, "county": 15}[level],
    )


def gov_staffing(level: str, chief: str) -> Staffing:
    deputy = "副" + chief
    return Staffing(
        top=chief,
        deputies=("常务" + deputy, deputy, deputy, deputy, "秘书长"),
        deputies_n=(3, 5),
        heads=("副秘书长", "办公室主任", "督查室主任", "政务服务科科长"),
        staff=("一级主任科员", "四级主任科员", "科员"),
        base={"province": 30, "city": 20, "county": 14}[level],
    )


SOE = Staffing(
    top="党委书记、董事长",
    deputies=("党委副书记、总经理", "副总经理", "副总经理", "总会计师", "纪委书记"),
    deputies_n=(2, 5),
    heads=("部长", "副部长", "办公室主任", "财务部部长", "项目经理", "工程部经理"),
    staff=("职员", "会计", "工程师", "出纳"),
)
SCHOOL = Staffing(
    top="校长",
    deputies=("党总支书记", "副校长", "副校长"),
    deputies_n=(1, 3),
    heads=("教务处主任", "政教处主任", "总务处主任", "办公室主任", "年级主任"),
    staff=("会计", "出纳", "教师", "教师", "教师"),
    head_share=0.35,
)
COLLEGE = Staffing(
    top="党委书记",
    deputies=("党委副书记、院长", "副院长", "副院长", "纪委书记"),
    deputies_n=(2, 4),
    heads=("处长", "副处长", "系主任", "办公室主任"),
    staff=("科员", "辅导员", "会计"),
    head_share=0.35,
)
HOSPITAL = Staffing(
    top="院长",
    deputies=("党委书记", "副院长", "副院长", "纪委书记"),
    deputies_n=(2, 4),
    heads=(
        "医务科科长",
        "财务科科长",
        "药剂科主任",
        "设备科科长",
        "护理部主任",
        "科主任",
    ),
    staff=("主治医师", "医师", "护士长", "会计", "采购员"),
)


def mass_staffing(top: str, deputy: str) -> Staffing:
    return Staffing(
        top=top,
        deputies=(deputy, deputy),
        deputies_n=(1, 2),
        heads=("部长", "办公室主任"),
        staff=("干事", "科员"),
    )


def township_gov_staffing(kind: str) -> Staffing:
    chief = {"街道": "办事处主任", "镇": "镇长", "乡": "乡长"}[kind]
    deputy = {"街道": "办事处副主任", "镇": "副镇长", "乡": "副乡长"}[kind]
    return Staffing(
        top=chief,
        deputies=(
            deputy,
            deputy,
            "人大工委主任" if kind == "街道" else "人大主席",
            "武装部部长",
            deputy,
        ),
        deputies_n=(2, 5),
        heads=(
            "党政办主任",
            "财政所所长",
            "民政所所长",
            "农业农村服务中心主任",
            "自然资源所所长",
            "社会事务办主任",
            "应急管理办主任",
            "综治中心主任",
        ),
        staff=("科员", "办事员", "会计", "出纳"),
        head_share=0.35,
        base=22,
    )


def township_party_staffing(kind: str) -> Staffing:
    prefix = "党工委" if kind == "街道" else "党委"
    return Staffing(
        top=f"{prefix}书记",
        deputies=(f"{prefix}副书记", "组织委员", "宣传委员", "统战委员"),
        deputies_n=(1, 3),
        heads=("党建办主任",),
        staff=("科员",),
        base=4,
    )


def village_staffing(community: bool) -> Staffing:
    if community:
        return Staffing(
            top="社区党支部书记、居委会主任",
            heads=("居委会副主任", "居务监督委员会主任", "居委会委员"),
            staff=("社区会计", "网格员", "网格员", "社区文书"),
            head_share=0.45,
            base=7,
        )
    return Staffing(
        top="村党支部书记、村委会主任",
        heads=("村委会副主任", "村务监督委员会主任", "村委委员", "村委委员"),
        staff=("村会计", "报账员", "村文书", "村妇联主席", "村民小组长"),
        head_share=0.45,
        base=6,
    )


def management_level(level: str, tier: str) -> str:
    """干部管理权限 from the level of the unit and the post's tier (L leader, H head, S staff)."""
    if level == "province":
        return ManagementLevel.PROVINCE if tier == "L" else ManagementLevel.OTHER
    if level == "city":
        return ManagementLevel.CITY if tier == "L" else ManagementLevel.OTHER
    if level == "county":
        return ManagementLevel.COUNTY if tier in "LH" else ManagementLevel.OTHER
    if level == "township":
        # 乡镇(街道)领导班子是县管干部; 站所负责人由乡镇管理.
        return {"L": ManagementLevel.COUNTY, "H": ManagementLevel.TOWNSHIP}.get(
            tier, ManagementLevel.OTHER
        )
    return ManagementLevel.TOWNSHIP if tier in "LH" else ManagementLevel.OTHER
