"""Clue texts for the related-clue benchmark: matters written up by different people.

A *matter* is one real-world problem about one or two persons (a registry person, or a
name and unit as reported). It is written up 1–4 times — a petition letter, an inspection
hand-over, an audit finding, a one-liner — with different word order, synonyms, unit names
written in full or short, and amounts in different forms, so that the related-clue check
meets real duplicates and realistic key frequencies. Everything is derived from
``(seed, matter index)``: a matter can be regenerated later to write a new paraphrase of it.

Pure Python (no Django): the bench builds the rows from what this module returns.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# Persons the corpus may name
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    """A registry person (``person_id``) or ``None`` for a name reported only."""

    person_id: int | None
    name: str
    unit: str
    position: str = ""


@dataclass(frozen=True)
class Subject:
    person_id: int | None
    name: str
    unit_name: str


@dataclass(frozen=True)
class WrittenClue:
    summary: str
    subjects: tuple[Subject, ...]
    source: str
    matter: int  # matter index (same matter ⇒ related)


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石贾夏付方白孟秦尹薛闫段雷侯史郝武常牛"
)
_GIVEN = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健亮峰俊浩志东海林新文卫民永宏振兴庆松晨阳宇"
    "丽静敏燕艳娟霞芳娜丹玲萍红玉兰英梅莉婷雪慧颖琳倩洁琴云莹晶佳欣建国春德金长学广"
)
_PLACE_ROOTS = (
    "白沙 龙泉 青龙 石桥 大峪 柳林 高山 官渡 黄店 姚家 韩寺 万滩 三官庙 九龙 双桥 五龙 "
    "七里 八里 十里铺 梨园 桃园 杏花 枣林 松林 槐树 龙王 凤凰 金山 银山 玉皇 牛头 马头 "
    "石门 铁门 古城 新店 老庄 青山 红石 狮子 卧龙 仙台 回龙 大营"
).split()
_COUNTIES = (
    "中原区 二七区 管城回族区 金水区 中牟县 巩义市 龙亭区 鼓楼区 祥符区 杞县 兰考县 西工区 "
    "涧西区 洛龙区 栾川县 宜阳县 新华区 卫东区 湛河区 叶县 汝州市 文峰区 北关区 安阳县 "
    "汤阴县 林州市"
).split()
_BUREAUS = (
    "教育局 民政局 农业农村局 住房和城乡建设局 卫生健康委员会 交通运输局 自然资源局 水利局 "
    "城市管理局 市场监督管理局 医疗保障局 财政局 人力资源和社会保障局 林业局 公安局"
).split()


def random_reported_person(rng: random.Random) -> PersonRow:
    """A person named in a clue who is not in the registry (name and unit as written)."""
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    if rng.random() < 0.6:
        name += rng.choice(_GIVEN)
    county = rng.choice(_COUNTIES)
    roll = rng.random()
    if roll < 0.45:
        village = (
            rng.choice(_SURNAMES)
            + rng.choice("庄寨集店桥营楼岗湾屯坡铺口河庙窑")
            + "村"
        )
        unit = f"{county}{rng.choice(_PLACE_ROOTS)}镇{village}"
        position = rng.choice(
            ["村支书", "村主任", "村会计", "村民小组长", "村党支部书记"]
        )
    elif roll < 0.8:
        unit = county + rng.choice(_BUREAUS)
        position = rng.choice(["局长", "副局长", "科长", "股长", "办公室主任", "会计"])
    else:
        unit = f"{county}{rng.choice(_PLACE_ROOTS)}镇人民政府"
        position = rng.choice(["镇长", "副镇长", "党委书记", "财政所所长", "站长"])
    return PersonRow(None, name, unit, position)


# --------------------------------------------------------------------------------------
# Surface forms
# --------------------------------------------------------------------------------------

_CN = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..9999 in Chinese numerals (二十三, 三千五百)."""
    if n < 10:
        return _CN[n]
    out = ""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        d, n = divmod(n, value)
        if d:
            out += ("" if (unit == "十" and d == 1 and not out) else _CN[d]) + unit
        elif out and n:
            out += "" if out.endswith("零") else "零"
    if n:
        out += _CN[n]
    return out.rstrip("零")


def amount_text(yuan: int, rng: random.Random) -> str:
    """An amount as different people write it: 20万元, 二十万元, 200000元, 20万块钱."""
    if yuan >= 10_000 and yuan % 10_000 == 0:
        wan = yuan // 10_000
        return rng.choice(
            [
                f"{wan}万元",
                f"{_cn_number(wan)}万元",
                f"{yuan}元",
                f"{wan}万块钱",
                f"{wan}万",
            ]
        )
    if yuan >= 10_000:
        return rng.choice([f"{yuan / 10_000:g}万元", f"{yuan}元"])
    return rng.choice([f"{yuan}元", f"{_cn_number(yuan)}元", f"{yuan}块钱"])


def short_unit(unit: str, rng: random.Random) -> str:
    """A unit as people write it: in full, or without its county/city, or abbreviated."""
    forms = [unit]
    s = re.sub(r"^中共(.+?)委员会$", r"\1党委", unit)
    s = (
        s.replace("人民政府", "政府")
        .replace("村民委员会", "村")
        .replace("居民委员会", "社区")
    )
    s = s.replace("卫生健康委员会", "卫健委").replace("住房和城乡建设局", "住建局")
    s = s.replace("人力资源和社会保障局", "人社局").replace("街道办事处", "街道")
    forms.append(s)
    m = re.match(r"^(?:[^省]+省)?(?:[^市]{1,4}市)?(?:[^区县市]{1,5}[区县市])?(.+)$", s)
    if m and len(m.group(1)) >= 3:
        forms.append(m.group(1))
    return rng.choice(forms)


_BOSSES = ["包工头", "老板", "开发商", "承包商", "施工方", "供应商"]
_GIFTS = ["好处费", "红包", "购物卡", "回扣", "贿赂", "感谢费"]
_RELS = ["弟弟", "侄子", "儿子", "亲戚", "小舅子", "女儿", "妻子", "表哥", "外甥"]
_PROJECTS = [
    "道路硬化工程",
    "学校维修工程",
    "污水管网工程",
    "高标准农田项目",
    "河道治理工程",
    "安置房项目",
    "村委办公楼建设项目",
    "饮水安全工程",
    "美丽乡村改造项目",
    "老旧小区改造工程",
]
_FUNDS = ["扶贫资金", "村集体资金", "修路款", "项目资金", "危房改造补助", "惠农补贴"]
_USES = ["修建村委办公楼", "给自家盖房", "放高利贷", "买小轿车", "炒股", "还个人赌债"]
_PRIVATE = [
    "接送孩子上下学",
    "回老家",
    "钓鱼",
    "办私事",
    "带家人旅游",
    "去外地参加婚礼",
]
_HOTELS = ["农家乐", "大酒店", "私人会所", "单位食堂", "高档酒楼"]
_FEES = ["会议费", "培训费", "办公费", "接待费"]
_BIZ = ["低保申请", "宅基地审批", "不动产登记", "营业执照", "医保报销", "户口迁移"]
_ASSETS = ["土地", "鱼塘", "厂房", "林地", "门面房"]
_GOODS = ["办公用品", "医疗器械", "课桌椅", "电脑设备", "绿化苗木", "防疫物资"]

# --------------------------------------------------------------------------------------
# Matter kinds, each with phrasings by different writers. {who} = unit + position + name
# as this writer puts it; other slots are fixed per matter, written in per-clue forms.
# --------------------------------------------------------------------------------------

_KINDS: list[list[str]] = [
    [  # 0 工程受贿
        "实名举报{who}，在{year}{project}招标过程中，收受{boss}{surname}某送的{gift}{amount}，"
        "并指定其公司中标。",
        "巡察发现：{who}涉嫌收取{boss}贿赂{amount}，在{project}中违规指定施工单位。",
        "{name}拿了{boss}{amount}，{project}直接给了这个{boss}。",
        "反映{who}插手{project}，{boss}{surname}某给其送{gift}{amount}后承揽了工程。",
    ],
    [  # 1 低保优亲厚友
        "{who}优亲厚友，把自己的{rel}违规纳入低保，每月领取低保金{small}，真正困难的群众却吃不上低保。",
        "审计发现，{place}低保对象中有{count}户系{name}的近亲属，不符合低保条件，{year}以来共领取低保金{amount}。",
        "{name}的{rel}家有车有门面还吃低保，凭什么？",
        "反映{who}利用职务便利为{rel}办理最低生活保障，违规领取{amount}。",
    ],
    [  # 2 挪用资金
        "反映{who}挪用{fund}{amount}{use}。",
        "审计移交：{place}{fund}{amount}被{name}私自挪用，用于{use}，至今未归还。",
        "{who}把{fund}挪作他用，{amount}拿去{use}了。",
    ],
    [  # 3 公车私用
        "{who}经常开公车{private}，群众意见很大。",
        "车辆轨迹比对预警：{unit}公务用车在非工作日多次驶往外地，使用人{name}，疑似公车私用。",
        "反映{who}长期私驾公车{private}，周末也不交车。",
    ],
    [  # 4 公款吃喝
        "{who}用公款在{hotel}宴请{guest}，费用{amount}以{fee}名义报销。",
        "反映{unit}{name}违规公款吃喝，在{hotel}请客花了{amount}，开{fee}发票报账。",
        "审计发现{unit}{year}接待费用超标，{name}签批的{hotel}餐费{amount}以{fee}列支。",
    ],
    [  # 5 大操大办
        "{who}为{rel}办婚宴摆了{tables}桌，借机收受管理服务对象礼金。",
        "反映{name}大办婚宴{tables}多桌，收了下属和老板很多红包。",
        "{unit}{name}给{rel}操办婚事，宴请{tables}桌，违规收受礼金{amount}。",
    ],
    [  # 6 截留补偿款
        "{who}截留村民征地补偿款，每亩扣{small}，涉及{count}十多户。",
        "反映{place}征地补偿款被{name}克扣，村民每亩少拿{small}，总计{amount}。",
        "{name}私自扣了大家的拆迁款{amount}，到现在也不公开账目。",
    ],
    [  # 7 集体资产私租
        "{who}把村集体{asset}私自租给{boss}{surname}某，租金{amount}去向不明。",
        "反映{place}集体{asset}被{name}低价转租给亲戚，村务不公开。",
        "巡察发现{name}擅自出租集体{asset}，合同未经村民代表大会讨论，租金{amount}未入账。",
    ],
    [  # 8 虚报工程量
        "{who}在{project}中虚报工程量，与{boss}私分工程款{amount}。",
        "审计移交：{project}结算金额虚增{amount}，{name}签字确认，{boss}多拿的钱部分返给了{name}。",
        "反映{name}和{boss}串通，{project}多报工程量套取资金{amount}。",
    ],
    [  # 9 不作为
        "{who}对群众办理{biz}推诿扯皮，态度恶劣。",
        "反映{unit}{name}办理{biz}时吃拿卡要，不给好处就拖着不办。",
        "{name}对我的{biz}拖了半年不办，多次找他都推脱。",
    ],
    [  # 10 违规发放津补贴
        "反映{who}违规发放津贴补贴，以{fee}名义套取资金{amount}用于单位聚餐和发福利。",
        "审计发现{unit}{year}虚列{fee}{amount}，经{name}审批后发给职工。",
        "{unit}{name}乱发奖金，{amount}从{fee}里走账。",
    ],
    [  # 11 医保套取
        "反映{unit}{name}伙同他人虚构住院病历，套取医保基金{amount}。",
        "大数据预警：{unit}挂床住院异常，经手人{name}，涉嫌骗取医保资金{amount}。",
        "{who}让没住院的人办住院手续，套了医保的钱{amount}。",
    ],
    [  # 12 吃空饷
        "反映{who}的{rel}在编不在岗，{year}以来一直挂名领工资。",
        "{unit}{name}安排{rel}吃空饷，人在外地打工，每月照领工资{small}。",
        "比对发现{unit}有在编人员长期不上班，系{name}的{rel}，已领取工资{amount}。",
    ],
    [  # 13 采购回扣
        "反映{who}插手{unit}{goods}采购，指定供应商并从中收取回扣{amount}。",
        "{name}采购{goods}价格虚高，{boss}{surname}某给了{name}回扣{amount}。",
        "审计移交：{unit}{goods}采购未经招标，供应商与{name}存在利益往来，涉及{amount}。",
    ],
    [  # 14 违规经商
        "反映{who}违规经商办企业，以{rel}名义入股{boss}{surname}某的公司，每年分红{amount}。",
        "{name}在{rel}开的公司里有干股，{unit}的{project}都给了这家公司。",
    ],
    [  # 15 赌博
        "{who}经常参与赌博，一晚上输赢{amount}。",
        "反映{name}上班时间打牌赌钱，欠下赌债{amount}。",
    ],
]
_SOURCES = ["petition", "inspection", "audit", "qr_code", "big_data", "supervision"]
_SOURCE_BY_PHRASING = {  # the writer's voice suggests the source
    "巡察": "inspection",
    "审计": "audit",
    "预警": "big_data",
    "比对": "big_data",
}


@dataclass(frozen=True)
class Matter:
    index: int
    kind: int
    persons: tuple[PersonRow, ...]
    slots: dict


class ClueCorpus:
    """Deterministic matters over a pool of registry persons (``persons``)."""

    #: how many clues a matter gets (1 to 4) and how often
    GROUP_SIZES = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 4)

    def __init__(self, persons: list[PersonRow], *, seed: int = 2026):
        self.persons = persons
        self.seed = seed
        # A few persons draw many clues (一把手, 村支书 of a troubled village).
        rng = random.Random(seed)
        self.hot = rng.sample(range(len(persons)), max(1, len(persons) // 100))

    def _person(self, rng: random.Random) -> PersonRow:
        roll = rng.random()
        if roll < 0.25 or not self.persons:
            return random_reported_person(rng)
        if roll < 0.33:
            return self.persons[rng.choice(self.hot)]
        return self.persons[rng.randrange(len(self.persons))]

    def matter(self, index: int) -> Matter:
        """Matter ``index``: the same persons and facts every time it is asked for."""
        rng = random.Random(f"{self.seed}:{index}")
        persons = [self._person(rng)]
        if rng.random() < 0.08:
            persons.append(self._person(rng))
        yuan = rng.choice(
            [
                rng.randint(1, 99) * 10_000,
                rng.randint(2, 60) * 1_000,
                rng.randint(100, 9_999),
                rng.randint(11, 480) * 5_000,
            ]
        )
        unit = persons[0].unit
        place = re.sub(r"(村民委员会|居民委员会|人民政府|街道办事处)$", "", unit)
        slots = {
            "yuan": yuan,
            "small": rng.choice([50, 80, 100, 150, 200, 300, 500, 600, 800, 1200]),
            "year": rng.choice(
                ["2019年", "2020年", "2021年", "2022年", "2023年", "2024年"]
            ),
            "project": rng.choice(
                [place[-6:], rng.choice(_PLACE_ROOTS), rng.choice(_PLACE_ROOTS) + "村"]
            )
            + rng.choice(_PROJECTS),
            "boss": rng.choice(_BOSSES),
            "surname": rng.choice(_SURNAMES),
            "gift": rng.choice(_GIFTS),
            "rel": rng.choice(_RELS),
            "fund": rng.choice(_FUNDS),
            "use": rng.choice(_USES),
            "private": rng.choice(_PRIVATE),
            "hotel": rng.choice(_HOTELS),
            "guest": rng.choice(["客人", "上级领导", "老板", "同学", "战友"]),
            "fee": rng.choice(_FEES),
            "tables": rng.randint(20, 80),
            "biz": rng.choice(_BIZ),
            "asset": rng.choice(_ASSETS),
            "goods": rng.choice(_GOODS),
            "count": rng.randint(2, 9),
            "place": place,
        }
        return Matter(index, rng.randrange(len(_KINDS)), tuple(persons), slots)

    def group_size(self, index: int) -> int:
        return random.Random(f"{self.seed}:n:{index}").choice(self.GROUP_SIZES)

    def write(self, matter: Matter, version: int) -> WrittenClue:
        """The ``version``-th write-up of ``matter`` (another writer, another phrasing)."""
        rng = random.Random(f"{self.seed}:{matter.index}:v{version}")
        phrasings = _KINDS[matter.kind]
        template = phrasings[(version + matter.index) % len(phrasings)]
        p = matter.persons[0]
        unit = short_unit(p.unit, rng)
        position = p.position if rng.random() < 0.7 else ""
        who = f"{unit}{position}{p.name}"
        if len(matter.persons) > 1:
            q = matter.persons[1]
            who += f"和{short_unit(q.unit, rng) if q.unit != p.unit else ''}{q.name}"
        s = matter.slots
        text = template.format(
            who=who,
            name=p.name,
            unit=unit,
            place=short_unit(s["place"], rng),
            amount=amount_text(s["yuan"], rng),
            small=amount_text(s["small"], rng),
            **{
                k: v
                for k, v in s.items()
                if k not in ("yuan", "small", "place", "amount")
            },
        )
        if rng.random() < 0.3:  # extra detail some writers add
            text += rng.choice(
                [
                    "请组织调查核实。",
                    "群众反映强烈，希望严肃查处。",
                    f"此事{s['year']}就有人反映过，一直没有处理。",
                    f"知情人有{rng.choice(_SURNAMES)}某等人。",
                    "相关账目和照片可以提供。",
                ]
            )
        subjects = []
        for q in matter.persons:
            if q.person_id is not None and rng.random() < 0.85:
                subjects.append(Subject(q.person_id, q.name, q.unit))
            else:  # reported by name and unit only, as the writer put it
                subjects.append(Subject(None, q.name, short_unit(q.unit, rng)))
        source = next(
            (v for k, v in _SOURCE_BY_PHRASING.items() if k in template[:8]),
            rng.choice(_SOURCES),
        )
        return WrittenClue(text, tuple(subjects), source, matter.index)

    def clues(self, n: int, start_matter: int = 0):
        """The first ``n`` clues: matters in order, each written up 1–4 times."""
        made = 0
        index = start_matter
        while made < n:
            m = self.matter(index)
            for v in range(min(self.group_size(index), n - made)):
                yield self.write(m, v)
                made += 1
            index += 1
