"""A deterministic demo province (河南省) for ``make demo``, development and benchmarks.

``build_demo`` writes regions, units, collaboration zones, supervised persons with postings and
relatives, the shipped working-day calendar and one account per role and level. The same
``seed`` and ``scale`` always give the same names, codes and ID numbers (ciphertexts differ: every
encryption draws a fresh nonce). Bulk rows bypass the per-row services for speed but store exactly
what they would (SM4 ciphertext, keyed hash, masked number); accounts go through the real services,
and the bulk generation is recorded as one audit entry.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from dataclasses import dataclass, replace

from django.db import transaction

from xietong.core.crypto import field_cipher
from xietong.core.errors import ValidationError
from xietong.core.identifiers import make_id_number, make_uscc, mask_id_number

from .models import (
    SUPERVISING_KINDS,
    CollaborationGroup,
    CollaborationZone,
    ManagementLevel,
    PartnerKind,
    Person,
    Posting,
    Region,
    RegionLevel,
    Relation,
    Relative,
    Unit,
    UnitKind,
)
from .services import PHONE_KIND, id_lookup_hash

DEMO_PASSWORD = "Xietong@2026"
DEMO_PROVINCE_CODE = "410000"
PERSONS_AT_SCALE_1 = 21_600
BATCH_SIZE = 5_000

# --- names ------------------------------------------------------------------------------------

# Common surnames with rough relative frequencies (per 10,000; Henan leans to 王李张刘).
# fmt: off
_SURNAMES = (
    ("王", 780), ("李", 760), ("张", 740), ("刘", 560), ("陈", 420), ("杨", 310),
    ("黄", 180), ("赵", 230), ("吴", 170), ("周", 170), ("徐", 130), ("孙", 140),
    ("马", 140), ("朱", 110), ("胡", 100), ("郭", 130), ("何", 80), ("高", 110),
    ("林", 60), ("罗", 60), ("郑", 70), ("梁", 60), ("谢", 50), ("宋", 70), ("唐", 50),
    ("许", 60), ("韩", 60), ("冯", 60), ("邓", 45), ("曹", 55), ("彭", 40), ("曾", 30),
    ("肖", 40), ("田", 50), ("董", 50), ("袁", 45), ("潘", 30), ("于", 45), ("蒋", 30),
    ("蔡", 35), ("余", 30), ("杜", 40), ("叶", 25), ("程", 40), ("苏", 35), ("魏", 45),
    ("吕", 35), ("丁", 35), ("任", 35), ("沈", 25), ("姚", 30), ("卢", 25), ("姜", 25),
    ("崔", 30), ("钟", 15), ("谭", 15), ("陆", 15), ("汪", 15), ("范", 30), ("金", 15),
    ("石", 25), ("廖", 10), ("贾", 35), ("夏", 15), ("韦", 10), ("付", 25), ("方", 15),
    ("白", 20), ("邹", 10), ("孟", 25), ("熊", 10), ("秦", 20), ("邱", 10), ("江", 10),
    ("尹", 15), ("薛", 20), ("闫", 25), ("段", 15), ("雷", 15), ("侯", 20), ("龙", 8),
    ("史", 15), ("陶", 8), ("黎", 5), ("贺", 12), ("顾", 6), ("毛", 12), ("郝", 15),
    ("龚", 5), ("邵", 8), ("万", 8), ("钱", 5), ("严", 5), ("覃", 2), ("武", 15), ("戴", 6),
    ("莫", 3), ("孔", 10), ("向", 4), ("汤", 6), ("常", 15), ("牛", 12), ("申", 8),
    ("乔", 8), ("岳", 8), ("耿", 8), ("司马", 1), ("欧阳", 1), ("上官", 1), ("皇甫", 1),
)
# fmt: on
_SURNAME_LIST = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(
    sum(w for _, w in _SURNAMES[: i + 1]) for i in range(len(_SURNAMES))
)
_MALE_FIRST = "建志国永海明俊文晓新德振红春宏军立天子宇浩嘉伟家金玉长双广学"
_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健亮峰俊浩志东海林新文卫民永宏振兴庆松晨阳宇"
    "博凯旭龙坤帅彬立锋毅成福贵祥瑞德胜利全安广杰"
)
_FEMALE_FIRST = "晓丽秀玉春红雪海静美慧淑雅文佳欣思梦小亚彩金"
_FEMALE_CHARS = (
    "丽静敏燕艳娟霞芳娜丹玲萍红玉兰英梅莉婷雪慧颖琳倩洁琴云莹晶佳欣怡璐蕾瑶月秀华凤薇媛"
)


def _surname(rng: random.Random) -> str:
    return rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]


def _given(rng: random.Random, male: bool) -> str:
    first, chars = (
        (_MALE_FIRST, _MALE_CHARS) if male else (_FEMALE_FIRST, _FEMALE_CHARS)
    )
    if rng.random() < 0.28:
        return rng.choice(chars)
    a, b = rng.choice(first), rng.choice(chars)
    return a + (b if b != a else rng.choice(chars))


def _name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    return (surname or _surname(rng)) + _given(rng, male)


def _other_surname(rng: random.Random, surname: str) -> str:
    while True:
        other = _surname(rng)
        if other != surname:
            return other


# --- regions (GB/T 2260 codes and names of the demo cities' counties) --------------------------

# fmt: off
_CITIES = (
    ("410100", "郑州市", (
        ("410102", "中原区"), ("410103", "二七区"), ("410104", "管城回族区"),
        ("410105", "金水区"), ("410122", "中牟县"), ("410181", "巩义市"),
    )),
    ("410200", "开封市", (
        ("410202", "龙亭区"), ("410204", "鼓楼区"), ("410212", "祥符区"),
        ("410221", "杞县"), ("410225", "兰考县"),
    )),
    ("410300", "洛阳市", (
        ("410303", "西工区"), ("410305", "涧西区"), ("410311", "洛龙区"),
        ("410324", "栾川县"), ("410327", "宜阳县"),
    )),
    ("410400", "平顶山市", (
        ("410402", "新华区"), ("410403", "卫东区"), ("410411", "湛河区"),
        ("410422", "叶县"), ("410482", "汝州市"),
    )),
    ("410500", "安阳市", (
        ("410502", "文峰区"), ("410503", "北关区"), ("410522", "安阳县"),
        ("410523", "汤阴县"), ("410581", "林州市"),
    )),
)
# fmt: on
# Other real Henan county codes, for places of birth outside the demo counties.
_OTHER_BIRTH_CODES = tuple(
    (
        "410602 410702 410802 410902 411002 "
        "411024 411102 411202 411302 411325 "
        "411402 411421 411502 411526 411602 "
        "411623 411702 411722"
    ).split()
)
_JINSHUI_STREETS = tuple(
    (
        "经八路街道 花园路街道 人民路街道 杜岭街道 大石桥街道 南阳路街道 "
        "南阳新村街道 文化路街道 丰产路街道 东风路街道 北林路街道 未来路街道"
    ).split()
)
_STREET_ROOTS = tuple(
    (
        "建设路 解放路 人民路 和平路 文化路 新华路 工人路 中原路 桐柏路 "
        "嵩山路 淮河路 长江路 黄河路 健康路 光明路 东风路 五一路 朝阳路 "
        "胜利路 民主路 团结路 红旗路 车站 城东路 城西路 城南路 城北路 新城 "
        "东大街 西大街 南大街 北大街 迎宾路 滨河 公园路 府前路 振兴路 育才路 "
        "西关 东关 南关 北关"
    ).split()
)
_PLACE_ROOTS = tuple(
    (
        "白沙 龙泉 青龙 石桥 大峪 柳林 高山 官渡 黄店 姚家 韩寺 万滩 "
        "三官庙 九龙 双桥 五龙 七里 八里 十里铺 梨园 桃园 杏花 枣林 松林 "
        "槐树 龙王 凤凰 金山 银山 玉皇 牛头 马头 石门 铁门 古城 新店 老庄 "
        "青山 红石 狮子 卧龙 仙台 回龙 大营"
    ).split()
)
_PLACE_SUFFIXES = "庄寨集店桥营楼岗湾屯坡铺口河庙窑"
_COMMUNITY_ROOTS = tuple(
    (
        "幸福 和平 建业 锦江 桂园 金城 文化 光明 友爱 阳光 康宁 新华 紫荆 "
        "翠竹 丰庆 兴华 民安 花园 书香 明珠 绿城 怡园 颐和 晨光 东明 南苑 "
        "北苑 西苑 滨河 凤凰 龙湖 金桥 银河 春晖 同乐 安居 长乐 永安 盛世 "
        "锦绣"
    ).split()
)
_VILLAGE_PREFIXES = ("大", "小", "前", "后", "东", "西", "南", "北", "上", "下")


def _place_root(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return _surname(rng)[0] + rng.choice(_PLACE_SUFFIXES)
    return rng.choice(_PLACE_ROOTS)


def _village_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return _surname(rng)[0] + rng.choice(_PLACE_SUFFIXES) + "村"
    if roll < 0.8:
        return rng.choice(_VILLAGE_PREFIXES) + _surname(rng)[0] + "村"
    return rng.choice(_PLACE_ROOTS) + "村"


# --- unit catalogue -----------------------------------------------------------------------------

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

_ORGAN_KINDS = frozenset(
    {UnitKind.PARTY_COMMITTEE, UnitKind.GOV_DEPARTMENT, UnitKind.MASS_ORG}
)

# USCC registration prefixes (GB 32100-2015): 11 机关, 12 事业单位, 13 群团, 91 企业.
_ORGAN, _INSTITUTION, _MASS, _ENTERPRISE = "11", "12", "13", "91"


@dataclass(frozen=True)
class _Staffing:
    """Who works in a unit: the top post, deputies, middle managers and staff."""

    top: str
    deputies: tuple[str, ...] = ()
    deputies_n: tuple[int, int] = (0, 0)
    heads: tuple[str, ...] = ("办公室主任",)
    staff: tuple[str, ...] = ("科员",)
    head_share: float = 0.3
    base: int = 10  # persons at scale 1 before jitter


def _dept_staffing(name: str, level: str) -> _Staffing:
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
    return _Staffing(
        top=f"党组书记、{chief}",
        deputies=(f"党组副书记、{deputy}", deputy, deputy, deputy, "党组成员"),
        deputies_n=(2, 4),
        heads=heads,
        staff=staff,
        base={"province": 42, "city": 30, "county": 19}[level],
    )


def _party_staffing(level: str, chief: str) -> _Staffing:
    return _Staffing(
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


def _gov_staffing(level: str, chief: str) -> _Staffing:
    deputy = "副" + chief
    return _Staffing(
        top=chief,
        deputies=("常务" + deputy, deputy, deputy, deputy, "秘书长"),
        deputies_n=(3, 5),
        heads=("副秘书长", "办公室主任", "督查室主任", "政务服务科科长"),
        staff=("一级主任科员", "四级主任科员", "科员"),
        base={"province": 30, "city": 20, "county": 14}[level],
    )


_SOE = _Staffing(
    top="党委书记、董事长",
    deputies=("党委副书记、总经理", "副总经理", "副总经理", "总会计师", "纪委书记"),
    deputies_n=(2, 5),
    heads=("部长", "副部长", "办公室主任", "财务部部长", "项目经理", "工程部经理"),
    staff=("职员", "会计", "工程师", "出纳"),
)
_SCHOOL = _Staffing(
    top="校长",
    deputies=("党总支书记", "副校长", "副校长"),
    deputies_n=(1, 3),
    heads=("教务处主任", "政教处主任", "总务处主任", "办公室主任", "年级主任"),
    staff=("会计", "出纳", "教师", "教师", "教师"),
    head_share=0.35,
)
_COLLEGE = _Staffing(
    top="党委书记",
    deputies=("党委副书记、院长", "副院长", "副院长", "纪委书记"),
    deputies_n=(2, 4),
    heads=("处长", "副处长", "系主任", "办公室主任"),
    staff=("科员", "辅导员", "会计"),
    head_share=0.35,
)
_HOSPITAL = _Staffing(
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


def _mass_staffing(top: str, deputy: str) -> _Staffing:
    return _Staffing(
        top=top,
        deputies=(deputy, deputy),
        deputies_n=(1, 2),
        heads=("部长", "办公室主任"),
        staff=("干事", "科员"),
    )


def _township_gov_staffing(kind: str) -> _Staffing:
    chief = {"街道": "办事处主任", "镇": "镇长", "乡": "乡长"}[kind]
    deputy = {"街道": "办事处副主任", "镇": "副镇长", "乡": "副乡长"}[kind]
    return _Staffing(
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


def _township_party_staffing(kind: str) -> _Staffing:
    prefix = "党工委" if kind == "街道" else "党委"
    return _Staffing(
        top=f"{prefix}书记",
        deputies=(f"{prefix}副书记", "组织委员", "宣传委员", "统战委员"),
        deputies_n=(1, 3),
        heads=("党建办主任",),
        staff=("科员",),
        base=4,
    )


def _village_staffing(community: bool) -> _Staffing:
    if community:
        return _Staffing(
            top="社区党支部书记、居委会主任",
            heads=("居委会副主任", "居务监督委员会主任", "居委会委员"),
            staff=("社区会计", "网格员", "网格员", "社区文书"),
            head_share=0.45,
            base=7,
        )
    return _Staffing(
        top="村党支部书记、村委会主任",
        heads=("村委会副主任", "村务监督委员会主任", "村委委员", "村委委员"),
        staff=("村会计", "报账员", "村文书", "村妇联主席", "村民小组长"),
        head_share=0.45,
        base=6,
    )


def _management_level(level: str, tier: str) -> str:
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


# --- accounts -----------------------------------------------------------------------------------

_LEVELS = (("sheng", "省级"), ("shi", "市级"), ("xian", "县级"))
_SENSITIVE_ROLES = ("case_manager", "leader", "handler")
TOWNSHIP_USERNAME = "zhen_handler"


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


# --- the builder --------------------------------------------------------------------------------


@dataclass
class _Level:
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


class _Builder:
    def __init__(self, *, scale: float, seed: int, log):
        self.scale = scale
        self.seed = seed
        self.log = log
        master = random.Random(seed)
        # One stream per phase, so the structure does not shift when the person count changes.
        self.rng_regions = random.Random(master.getrandbits(64))
        self.rng_units = random.Random(master.getrandbits(64))
        self.rng_persons = random.Random(master.getrandbits(64))
        self.rng_accounts = random.Random(master.getrandbits(64))
        self.started = time.monotonic()
        self.units: list[Unit] = []
        self.supervised: list[tuple[Unit, Region]] = []
        self.hosts: list[tuple[Unit, Unit]] = []
        self.usccs: set[str] = set()
        self.counts: dict[str, int] = {}

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f} 秒"

    # -- regions --

    def build_regions(self) -> None:
        rng = self.rng_regions
        province = Region(
            code=DEMO_PROVINCE_CODE,
            name="河南省",
            level=RegionLevel.PROVINCE,
            path=DEMO_PROVINCE_CODE + "/",
        )
        province.save()
        self.province = province
        cities, counties = [], []
        for code, name, _ in _CITIES:
            cities.append(
                Region(
                    code=code,
                    name=name,
                    level=RegionLevel.CITY,
                    parent=province,
                    path=f"{province.path}{code}/",
                )
            )
        Region.objects.bulk_create(cities)
        for city, (_, _, county_list) in zip(cities, _CITIES, strict=True):
            for code, name in county_list:
                counties.append(
                    Region(
                        code=code,
                        name=name,
                        level=RegionLevel.COUNTY,
                        parent=city,
                        path=f"{city.path}{code}/",
                    )
                )
        Region.objects.bulk_create(counties)
        townships, kinds = [], {}
        for county in counties:
            n = rng.randint(7, 9)
            if self.scale < 1:
                n = max(1, round(n * self.scale))
            for code, name, kind in self._township_names(rng, county, n):
                region = Region(
                    code=code,
                    name=name,
                    level=RegionLevel.TOWNSHIP,
                    parent=county,
                    path=f"{county.path}{code}/",
                )
                townships.append(region)
                kinds[code] = kind
        Region.objects.bulk_create(townships)
        villages = []
        for township in townships:
            kind = kinds[township.code]
            n = rng.randint(2, 4)
            used: set[str] = set()
            n_comm = {"街道": n, "镇": rng.randint(0, 1), "乡": 0}[kind]
            for i in range(n):
                community = i < n_comm
                while True:
                    name = (
                        (rng.choice(_COMMUNITY_ROOTS) + "社区")
                        if community
                        else _village_name(rng)
                    )
                    if name not in used:
                        used.add(name)
                        break
                seq = (1 + i) if community else (200 + i - n_comm + 1)
                code = f"{township.code}{seq:03d}"
                villages.append(
                    Region(
                        code=code,
                        name=name,
                        level=RegionLevel.VILLAGE,
                        parent=township,
                        path=f"{township.path}{code}/",
                    )
                )
        Region.objects.bulk_create(villages, batch_size=1000)
        self.cities, self.counties = cities, counties
        self.townships, self.township_kind, self.villages = townships, kinds, villages
        self.counts.update(
            regions=1 + len(cities) + len(counties) + len(townships) + len(villages),
            cities=len(cities),
            counties=len(counties),
            townships=len(townships),
            villages=len(villages),
        )
        self.log(
            f"生成行政区划：省 1、市 {len(cities)}、县(市、区) {len(counties)}、"
            f"乡镇(街道) {len(townships)}、村(社区) {len(villages)}（{self.elapsed()}）"
        )

    def _township_names(self, rng, county: Region, n: int):
        """(code, name, 街道/镇/乡) for ``n`` townships of a county, in code order."""
        district = county.name.endswith("区")
        if county.code == "410105":
            streets = list(_JINSHUI_STREETS[:n])
            n_street = len(streets)
        else:
            streets = []
            n_street = n - (rng.random() < 0.3) if district else rng.randint(1, 3)
        if not district and county.name.endswith("县"):
            n_street = min(n_street, 2)
        n_street = min(n_street, n)
        n_town = (n - n_street) if district else max(0, round((n - n_street) * 0.65))
        used: set[str] = set()
        out = []
        for i in range(n):
            if i < n_street:
                kind, seq = "街道", 1 + i
                name = streets[i] if i < len(streets) else None
            elif i < n_street + n_town:
                kind, seq = "镇", 100 + i - n_street
                name = (
                    "城关镇" if (i == n_street and county.name.endswith("县")) else None
                )
            else:
                kind, seq = "乡", 200 + i - n_street - n_town
                name = None
            while name is None or name in used:
                root = rng.choice(_STREET_ROOTS) if kind == "街道" else _place_root(rng)
                name = root + kind
            used.add(name)
            out.append((f"{county.code}{seq:03d}", name, kind))
        return out

    # -- units --

    def _uscc(self, prefix: str, region: Region) -> str:
        rng = self.rng_units
        region6 = region.code[:6]
        while True:
            body = "".join(rng.choice("0123456789") for _ in range(8))
            total = sum(
                int(c) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
            )
            check = 11 - total % 11
            body += "X" if check == 10 else "0" if check == 11 else str(check)
            code = make_uscc(prefix, region6, body)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def _unit(
        self,
        name,
        kind,
        region,
        parent=None,
        *,
        uscc=None,
        partner_kind="",
        staffing: _Staffing | None = None,
        level: str = "",
        home=(),
    ) -> Unit:
        unit = Unit(
            name=name,
            kind=kind,
            region=region,
            parent=parent,
            partner_kind=partner_kind,
            uscc=self._uscc(uscc, region) if uscc else None,
        )
        unit.demo_depth = parent.demo_depth + 1 if parent is not None else 0
        siblings = (
            getattr(parent, "demo_children", None) if parent is not None else None
        )
        if parent is not None:
            parent.demo_children = (siblings or 0) + 1
            unit.sort_order = parent.demo_children * 10
        else:
            unit.sort_order = (len(self.units) + 1) * 10
        unit.demo_staffing = staffing
        unit.demo_level = level
        unit.demo_home = home
        self.units.append(unit)
        return unit

    def _admin_units(self, lv: _Level) -> None:
        """Party committee, government, commission, offices, groups, departments, partners."""
        rng = self.rng_units
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
        party = self._unit(
            party_name,
            UnitKind.PARTY_COMMITTEE,
            region,
            uscc=_ORGAN,
            staffing=_party_staffing(level, party_chief),
            level=level,
            home=home,
        )
        gov = self._unit(
            f"{d}人民政府",
            UnitKind.GOV_DEPARTMENT,
            region,
            uscc=_ORGAN,
            staffing=_gov_staffing(level, gov_chief),
            level=level,
            home=home,
        )
        commission = self._unit(
            f"{d}纪委监委", UnitKind.COMMISSION, region, uscc=_ORGAN
        )
        self.supervised.append((commission, region))
        offices: dict[str, Unit] = {}
        for kind, name in _COUNTY_OFFICES if level == "county" else _BIG_OFFICES:
            offices[name] = self._unit(f"{d}纪委监委{name}", kind, region, commission)
        inspection = self._unit(insp_name, UnitKind.INSPECTION_OFFICE, region, party)
        self.supervised.append((inspection, region))
        depts = []
        for name in dept_names:
            dept = self._unit(
                f"{d}{name}",
                UnitKind.GOV_DEPARTMENT,
                region,
                gov,
                uscc=_ORGAN,
                staffing=_dept_staffing(name, level),
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
            group = self._unit(
                f"{d}纪委监委派驻第{_ORDINALS[len(stationed)]}纪检监察组",
                UnitKind.STATIONED_GROUP,
                region,
                commission,
            )
            self.hosts.extend((group, host) for host in depts[i : i + size])
            stationed.append(group)
            i += size
        by_name = {u.name[len(d) :]: u for u in depts}
        edu = by_name.get("教育厅") or by_name["教育局"]
        health = by_name["卫生健康委员会"]
        short = region.name[:-1] if level == "city" else d
        size = {"province": 40, "city": 30, "county": 15}[level]
        soe = replace(_SOE, base=size)
        if level == "province":
            soes = (
                "河南投资集团有限公司",
                "河南交通投资集团有限公司",
                "河南省水利投资集团有限公司",
            )
            schools = (("河南省实验中学", _SCHOOL), ("河南工业职业技术学院", _COLLEGE))
            hospitals = ("河南省人民医院", "河南省中医院")
        elif level == "city":
            soes = (f"{short}城市建设投资集团有限公司", f"{short}交通投资集团有限公司")
            schools = (
                (f"{d}第一中学", _SCHOOL),
                (f"{d}第二中学", _SCHOOL),
                (f"{short}职业技术学院", _COLLEGE),
            )
            hospitals = (f"{d}人民医院", f"{d}中医院")
        else:
            soes = (f"{d}城市建设投资有限公司",)
            schools = ((f"{d}第一中学", _SCHOOL), (f"{d}实验小学", _SCHOOL))
            hospitals = (f"{d}人民医院", f"{d}中医院")
        for name in soes:
            self._unit(
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
            staffing = replace(tpl, base=30 if tpl is _COLLEGE else school_base)
            self._unit(
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
            staffing = replace(_HOSPITAL, base=hospital_base)
            self._unit(
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
            staffing = replace(_mass_staffing(top, deputy), base=mass_base)
            self._unit(
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
            unit = self._unit(
                name, UnitKind.PARTNER, region, parent, uscc=_ORGAN, partner_kind=pkind
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
        self, county_lv: _Level, township: Region, kind: str
    ) -> tuple[Unit, Unit]:
        d = county_lv.display + township.name
        home = (county_lv.region.code,)
        commission = self._unit(
            f"{d}纪工委" if kind == "街道" else f"{d}纪委",
            UnitKind.TOWNSHIP_COMMISSION,
            township,
            county_lv.commission,
        )
        self.supervised.append((commission, township))
        party_name = f"中共{d}工作委员会" if kind == "街道" else f"中共{d}委员会"
        self._unit(
            party_name,
            UnitKind.PARTY_COMMITTEE,
            township,
            county_lv.party,
            uscc=_ORGAN,
            staffing=_township_party_staffing(kind),
            level="township",
            home=home,
        )
        gov_name = f"{d}办事处" if kind == "街道" else f"{d}人民政府"
        gov = self._unit(
            gov_name,
            UnitKind.GOV_DEPARTMENT,
            township,
            county_lv.gov,
            uscc=_ORGAN,
            staffing=_township_gov_staffing(kind),
            level="township",
            home=home,
        )
        return commission, gov

    def build_units(self) -> None:
        province_home = tuple(c.code for c in self.counties)
        prov = _Level("province", self.province, "河南省", province_home)
        self._admin_units(prov)
        self.levels = {self.province.code: prov}
        city_levels, county_levels = [], []
        for city in self.cities:
            home = tuple(c.code for c in self.counties if c.parent_id == city.pk)
            lv = _Level("city", city, city.name, home)
            self._admin_units(lv)
            self.levels[city.code] = lv
            city_levels.append(lv)
        for county in self.counties:
            city = next(c for c in self.cities if c.pk == county.parent_id)
            display = (
                (city.name + county.name) if county.name.endswith("区") else county.name
            )
            lv = _Level("county", county, display, (county.code,))
            self._admin_units(lv)
            self.levels[county.code] = lv
            county_levels.append(lv)
        villages_by_township: dict[int, list[Region]] = {}
        for village in self.villages:
            villages_by_township.setdefault(village.parent_id, []).append(village)
        self.township_commissions: dict[str, list[Unit]] = {}
        for township in self.townships:
            county_lv = self.levels[township.code[:6]]
            kind = self.township_kind[township.code]
            commission, gov = self._township_units(county_lv, township, kind)
            self.township_commissions.setdefault(county_lv.region.code, []).append(
                commission
            )
            for village in villages_by_township.get(township.pk, []):
                community = village.name.endswith("社区")
                self._unit(
                    f"{county_lv.display}{township.name}{village.name}",
                    UnitKind.COMMUNITY if community else UnitKind.VILLAGE,
                    village,
                    gov,
                    staffing=_village_staffing(community),
                    level="village",
                    home=(county_lv.region.code,),
                )
        # Insert wave by wave: a unit's path needs its parent's primary key.
        depth = 0
        while True:
            wave = [u for u in self.units if u.demo_depth == depth]
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
            [Through(unit_id=u.pk, region_id=r.pk) for u, r in self.supervised],
            batch_size=1000,
        )
        HostThrough = Unit.host_units.through
        HostThrough.objects.bulk_create(
            [HostThrough(from_unit_id=g.pk, to_unit_id=h.pk) for g, h in self.hosts],
            batch_size=1000,
        )
        self.city_levels, self.county_levels = city_levels, county_levels
        supervising = sum(1 for u in self.units if u.kind in SUPERVISING_KINDS)
        zz = sum(
            1
            for u in self.units
            if u.kind in SUPERVISING_KINDS
            and u.region.path.startswith("410000/410100/")
        )
        self.counts.update(
            units=len(self.units),
            supervising_units=supervising,
            zhengzhou_supervising_units=zz,
        )
        by_kind: dict[str, int] = {}
        for unit in self.units:
            by_kind[unit.kind] = by_kind.get(unit.kind, 0) + 1
        self.units_by_kind = by_kind
        self.log(
            f"生成单位：{len(self.units)} 个，其中监督单位 {supervising} 个"
            f"（郑州市 {zz} 个：纪委监委及内设部门、派驻组、巡视巡察机构、乡镇纪委）（{self.elapsed()}）"
        )

    # -- collaboration zones --

    def build_zones(self) -> None:
        rng = self.rng_units
        zones = groups = 0
        for city_lv in self.city_levels:
            counties = [
                lv
                for lv in self.county_levels
                if lv.region.parent_id == city_lv.region.pk
            ]
            half = (len(counties) + 1) // 2
            leads = [
                u
                for u in city_lv.offices.values()
                if u.kind == UnitKind.SUPERVISION_OFFICE
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
                    townships += self.township_commissions.get(lv.region.code, [])
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
                    lead = self.levels[county_code].offices["第一监督检查室"]
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
        self.counts.update(zones=zones, groups=groups)
        self.log(f"生成联动协作区 {zones} 个、协作组 {groups} 个（{self.elapsed()}）")

    # -- persons --

    def _birth(self, rng, lo: int, hi: int) -> dt.date:
        start = dt.date(lo, 1, 1)
        return start + dt.timedelta(
            days=rng.randrange((dt.date(hi, 12, 31) - start).days + 1)
        )

    def _id_number(self, rng, code: str, birth: dt.date, male: bool) -> str:
        while True:
            seq = rng.randrange(500) * 2 + (1 if male else 0)
            number = make_id_number(code, birth, seq)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _phone(self, rng) -> str:
        while True:
            phone = (
                rng.choice(("13", "15", "18"))
                + str(rng.randrange(10))
                + (f"{rng.randrange(100_000_000):08d}")
            )
            if phone[:3] in ("154",):
                continue
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _company(self, rng, home: str) -> str:
        brand = rng.choice(
            (
                "鑫源",
                "宏达",
                "恒信",
                "中原",
                "豫兴",
                "华泰",
                "金利",
                "永盛",
                "新天地",
                "博远",
                "瑞丰",
                "汇通",
                "天成",
                "嘉禾",
            )
        )
        trade = rng.choice(
            (
                "商贸",
                "建筑工程",
                "房地产开发",
                "物流",
                "农业科技",
                "餐饮管理",
                "建材",
                "医药",
                "劳务",
                "园林绿化",
            )
        )
        place = self.place_names.get(home, "河南")
        return f"{place}{brand}{trade}有限公司"

    def _work_text(self, rng, age: int, home: str) -> str:
        if age < 18:
            return "在读学生"
        if age < 23 and rng.random() < 0.7:
            return "大学在读"
        if age >= 60:
            return rng.choice(("退休", "退休", "务农", "无"))
        roll = rng.random()
        if roll < 0.35:
            return f"{self._company(rng, home)} " + rng.choice(
                ("法定代表人", "总经理", "股东", "会计", "职员", "职员", "项目经理")
            )
        if roll < 0.55:
            return rng.choice(("个体经营", "务农", "自由职业", "无业"))
        if roll < 0.8:
            return f"{self.place_names.get(home, '河南')}" + rng.choice(
                (
                    "第一中学 教师",
                    "人民医院 护士",
                    "实验小学 教师",
                    "农村信用合作联社 职员",
                    "供电公司 职员",
                    "人民医院 医师",
                )
            )
        return "河南某银行 " + rng.choice(("客户经理", "柜员", "支行行长"))

    def _relatives(
        self, rng, name: str, surname: str, male: bool, birth: dt.date, home: str
    ) -> tuple[list, bool]:
        """Relatives of one person (relation, name, id number, work unit); has-spouse flag."""
        today_year = 2025
        age = today_year - birth.year
        options = (
            [Relation.SPOUSE] * 4
            + [Relation.CHILD] * 4
            + [Relation.PARENT] * 3
            + [Relation.SIBLING] * 2
            + [Relation.CHILD_SPOUSE]
        )
        out, has_spouse = [], False
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            relation = rng.choice(options)
            if relation == Relation.SPOUSE and (has_spouse or age < 24):
                continue
            if relation == Relation.CHILD_SPOUSE and birth.year > 1978:
                continue
            if relation == Relation.SPOUSE:
                has_spouse = True
                r_male = not male
                r_surname = _other_surname(rng, surname)
                r_birth = birth + dt.timedelta(days=rng.randint(-5 * 365, 5 * 365))
            elif relation == Relation.CHILD:
                r_male = rng.random() < 0.5
                r_surname = (
                    surname
                    if male or rng.random() < 0.2
                    else _other_surname(rng, surname)
                )
                r_birth = birth + dt.timedelta(days=rng.randint(23 * 365, 35 * 365))
            elif relation == Relation.CHILD_SPOUSE:
                r_male = rng.random() < 0.5
                r_surname = _other_surname(rng, surname)
                r_birth = birth + dt.timedelta(days=rng.randint(24 * 365, 36 * 365))
            elif relation == Relation.PARENT:
                r_male = rng.random() < 0.5
                r_surname = surname if r_male else _other_surname(rng, surname)
                r_birth = birth - dt.timedelta(days=rng.randint(21 * 365, 34 * 365))
            else:
                r_male = rng.random() < 0.5
                r_surname = surname
                r_birth = birth + dt.timedelta(days=rng.randint(-8 * 365, 8 * 365))
            if r_birth > dt.date(2024, 12, 31):
                continue
            r_name = _name(rng, r_male, r_surname)
            if r_name == name:
                continue
            number = ""
            if rng.random() < 0.6:
                code = home if rng.random() < 0.8 else rng.choice(self.all_birth_codes)
                number = self._id_number(rng, code, r_birth, r_male)
            work = self._work_text(rng, today_year - r_birth.year, home)
            out.append((relation, r_name, number, work))
        return out, has_spouse

    def build_persons(self) -> None:
        rng = self.rng_persons
        cipher = field_cipher()
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.all_birth_codes = tuple(c.code for c in self.counties) + _OTHER_BIRTH_CODES
        self.place_names = {c.code: c.name for c in self.counties}
        staffed = [u for u in self.units if u.demo_staffing is not None]
        weights = [u.demo_staffing.base * rng.uniform(0.75, 1.25) for u in staffed]
        target = max(1, round(PERSONS_AT_SCALE_1 * self.scale))
        factor = target / sum(weights)
        sizes = [max(1, int(w * factor)) for w in weights]
        for _ in range(max(0, target - sum(sizes))):
            sizes[rng.randrange(len(sizes))] += 1
        by_level: dict[str, list[Unit]] = {}
        for unit in staffed:
            by_level.setdefault(unit.demo_level, []).append(unit)
        total = sum(sizes)
        # Light per-person records for the linking pass after all persons exist.
        self.people: list[tuple] = []
        batch: list[Person] = []
        pending: list[
            tuple
        ] = []  # (earlier posting or None, current posting, relatives)
        n_postings = n_relatives = 0
        next_log = 50_000

        def flush():
            nonlocal n_postings, n_relatives
            Person.objects.bulk_create(batch, batch_size=1000)
            postings, relatives = [], []
            for person, (earlier, current, rels) in zip(batch, pending, strict=True):
                postings.append(Posting(person_id=person.pk, **current))
                if earlier:
                    postings.append(Posting(person_id=person.pk, **earlier))
                for relation, r_name, number, work in rels:
                    rel = Relative(
                        person_id=person.pk,
                        relation=relation,
                        name=r_name,
                        work_unit=work,
                    )
                    if number:
                        rel.id_number_enc = cipher.encrypt(number)
                        rel.id_number_hash = id_lookup_hash(number)
                        rel.id_number_masked = mask_id_number(number)
                    relatives.append(rel)
                self.people.append(
                    (
                        person.pk,
                        person.name,
                        person.gender == "M",
                        person.birth_date.year,
                        person.unit_id,
                        person.demo_number,
                        person.position,
                        person.demo_unit_name,
                        person.demo_spouse,
                    )
                )
            Posting.objects.bulk_create(postings, batch_size=2000)
            Relative.objects.bulk_create(relatives, batch_size=2000)
            n_postings += len(postings)
            n_relatives += len(relatives)
            batch.clear()
            pending.clear()

        today = dt.date(2025, 12, 31)
        for unit, size in zip(staffed, sizes, strict=True):
            st: _Staffing = unit.demo_staffing
            posts = [(st.top, "L")]
            n_dep = min(size - 1, rng.randint(*st.deputies_n))
            for i in range(n_dep):
                posts.append(
                    (
                        st.deputies[i]
                        if i < len(st.deputies)
                        else rng.choice(st.deputies),
                        "L",
                    )
                )
            if (
                unit.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY)
                and rng.random() < 0.4
            ):
                # 书记、主任不是"一肩挑".
                village = unit.kind == UnitKind.VILLAGE
                posts[0] = ("村党支部书记" if village else "社区党支部书记", "L")
                if size > 1:
                    posts.append(("村委会主任" if village else "居委会主任", "L"))
            rest = size - len(posts)
            n_heads = round(rest * st.head_share)
            posts += [(rng.choice(st.heads), "H") for _ in range(n_heads)]
            posts += [(rng.choice(st.staff), "S") for _ in range(rest - n_heads)]
            others = by_level[unit.demo_level]
            for idx, (position, tier) in enumerate(posts):
                top = idx == 0
                if "妇联" in position or "护士" in position or "护理" in position:
                    male = False
                else:
                    male = rng.random() < {"L": 0.82, "H": 0.62, "S": 0.5}[tier]
                if top:
                    birth = self._birth(rng, 1963, 1982)
                elif tier == "L":
                    birth = self._birth(rng, 1965, 1986)
                elif tier == "H":
                    birth = self._birth(rng, 1966, 1993)
                else:
                    birth = self._birth(rng, 1962, 2000)
                surname = _surname(rng)
                name = surname + _given(rng, male)
                home = unit.demo_home
                code = (
                    rng.choice(home)
                    if rng.random() < 0.85
                    else rng.choice(self.all_birth_codes)
                )
                number = self._id_number(rng, code, birth, male)
                phone = self._phone(rng) if rng.random() < 0.7 else ""
                # 县管 covers the leaders of county units and the heads of county organs only.
                county_non_organ_head = (
                    tier == "H"
                    and unit.demo_level == "county"
                    and unit.kind not in _ORGAN_KINDS
                )
                tier_for_level = "S" if county_non_organ_head else tier
                party = top or rng.random() < (0.97 if tier != "S" else 0.84)
                verified = top or rng.random() >= 0.01
                person = Person(
                    name=name,
                    id_number_enc=cipher.encrypt(number),
                    id_number_hash=id_lookup_hash(number),
                    id_number_masked=mask_id_number(number),
                    gender="M" if male else "F",
                    birth_date=birth,
                    phone_enc=cipher.encrypt(phone) if phone else "",
                    phone_hash=cipher.lookup_hash(PHONE_KIND, phone) if phone else "",
                    unit_id=unit.pk,
                    position=position,
                    management_level=_management_level(unit.demo_level, tier_for_level),
                    is_party_member=party,
                    is_top_leader=top,
                    verified=verified,
                )
                earliest = max(
                    dt.date(2015, 1, 1),
                    birth.replace(year=birth.year + 22, day=min(birth.day, 28)),
                )
                start = earliest + dt.timedelta(
                    days=rng.randrange(max(1, (today - earliest).days))
                )
                current = {
                    "unit_id": unit.pk,
                    "position": position,
                    "start_date": start,
                }
                earlier = None
                if rng.random() < 0.2:
                    other = rng.choice(others)
                    end = start - dt.timedelta(days=rng.randint(1, 30))
                    begin = end - dt.timedelta(days=rng.randint(2 * 365, 8 * 365))
                    if other is not unit and begin.year - birth.year >= 21:
                        earlier = {
                            "unit_id": other.pk,
                            "start_date": begin,
                            "end_date": end,
                            "position": rng.choice(other.demo_staffing.heads),
                        }
                rels, has_spouse = ([], False)
                if rng.random() < 0.3:
                    rels, has_spouse = self._relatives(
                        rng, name, surname, male, birth, rng.choice(home)
                    )
                person.demo_number = number
                person.demo_unit_name = unit.name
                person.demo_spouse = has_spouse
                batch.append(person)
                pending.append((earlier, current, rels))
                if len(batch) >= BATCH_SIZE:
                    flush()
                    if len(self.people) >= next_log:
                        self.log(
                            f"  已生成监督对象 {len(self.people)}/{total}（{self.elapsed()}）"
                        )
                        next_log += 50_000
        if batch:
            flush()
        n_linked = self._link_relatives(rng, cipher)
        self.counts.update(
            persons=len(self.people),
            postings=n_postings,
            relatives=n_relatives + n_linked,
            linked_relatives=n_linked,
        )
        self.log(
            f"生成监督对象 {len(self.people)} 人、任职经历 {n_postings} 条、"
            f"亲属 {n_relatives + n_linked} 人（其中 {n_linked} 人本人也是监督对象）（{self.elapsed()}）"
        )

    def _link_relatives(self, rng, cipher) -> int:
        """About 2% of persons get a spouse or sibling who is a supervised person elsewhere."""
        people = self.people
        if len(people) < 10:
            return 0
        by_surname: dict[str, list[int]] = {}
        for i, p in enumerate(people):
            by_surname.setdefault(p[1][:1], []).append(i)
        taken: set[int] = set()
        pairs = []
        for _ in range(max(1, round(len(people) * 0.01))):
            a = rng.randrange(len(people))
            if a in taken:
                continue
            pa = people[a]
            spouse = not pa[8] and rng.random() < 0.6 and 2025 - pa[3] >= 24
            for _attempt in range(30):
                if spouse:
                    b = rng.randrange(len(people))
                else:
                    pool = by_surname[pa[1][:1]]
                    b = pool[rng.randrange(len(pool))]
                pb = people[b]
                if b == a or b in taken or pb[4] == pa[4]:
                    continue
                if spouse and (
                    pb[2] == pa[2]
                    or pb[8]
                    or abs(pb[3] - pa[3]) > 6
                    or pb[1][:1] == pa[1][:1]
                ):
                    continue
                if not spouse and abs(pb[3] - pa[3]) > 12:
                    continue
                taken.update((a, b))
                relation = Relation.SPOUSE if spouse else Relation.SIBLING
                pairs.append((pa, pb, relation))
                pairs.append((pb, pa, relation))
                break
        rows = [
            Relative(
                person_id=p[0],
                relation=relation,
                name=q[1],
                id_number_enc=cipher.encrypt(q[5]),
                id_number_hash=id_lookup_hash(q[5]),
                id_number_masked=mask_id_number(q[5]),
                work_unit=f"{q[7]} {q[6]}"[:128],
                linked_person_id=q[0],
            )
            for p, q, relation in pairs
        ]
        Relative.objects.bulk_create(rows, batch_size=2000)
        return len(rows)

    # -- accounts --

    def build_accounts(self) -> list[DemoAccount]:
        from xietong.access.roles import Grant, Role
        from xietong.access.services import account_create, grant_add

        rng = self.rng_accounts
        levels = {
            "sheng": self.levels[DEMO_PROVINCE_CODE],
            "shi": self.levels["410100"],
            "xian": self.levels["410105"],
        }
        accounts = []
        for username, level_label, role in _demo_usernames():
            if username == TOWNSHIP_USERNAME:
                unit = self.township_commissions["410105"][0]
            else:
                unit = self._role_unit(levels[username.split("_", 1)[0]], role)
            male = rng.random() < 0.6
            full_name = _name(rng, male)
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
        self.counts["accounts"] = len(accounts)
        self.log(f"创建演示账号 {len(accounts)} 个（{self.elapsed()}）")
        return accounts

    @staticmethod
    def _role_unit(lv: _Level, role: str) -> Unit:
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


def build_demo(*, scale: float = 1, seed: int = 2026, log=print) -> list[DemoAccount]:
    """Generate the demo province into an empty database; returns the demo logins.

    ``scale`` multiplies the number of supervised persons (21,600 at 1); below 1 it also
    thins out townships, for fast tests. Everything is written in one transaction.
    """
    from xietong.audit.models import Action
    from xietong.audit.services import audit_record
    from xietong.workdays.services import calendar_load_shipped

    if not scale or scale <= 0:
        raise ValidationError("规模倍数必须大于 0。", fields={"scale": "必须大于 0"})
    if demo_exists():
        raise ValidationError("演示省份已存在，请先清空数据库再重新生成。")
    builder = _Builder(scale=scale, seed=seed, log=log)
    log(f"开始生成演示省份（规模 {scale:g}，随机种子 {seed}）…")
    with transaction.atomic():
        builder.build_regions()
        builder.build_units()
        builder.build_zones()
        builder.build_persons()
        years = calendar_load_shipped(actor=None)
        log(
            f"载入工作日历：{'、'.join(map(str, years)) or '已存在，未重复载入'}（{builder.elapsed()}）"
        )
        c = builder.counts
        audit_record(
            actor=None,
            action=Action.IMPORT,
            object_type="org.demo",
            object_repr="演示省份数据",
            summary={
                "规模": scale,
                "随机种子": seed,
                "行政区划": c["regions"],
                "单位": c["units"],
                "监督单位": c["supervising_units"],
                "联动协作区": c["zones"],
                "协作组": c["groups"],
                "监督对象": c["persons"],
                "任职经历": c["postings"],
                "亲属": c["relatives"],
            },
        )
        accounts = builder.build_accounts()
    log(f"演示省份生成完毕（共 {builder.elapsed()}）")
    return accounts
