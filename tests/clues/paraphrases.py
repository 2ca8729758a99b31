"""Labelled evaluation set for related-clue matching (xietong.clues.matching).

Each *matter* (one real-world problem) is described by 2–5 clues written as different
people would: a petition letter (信访举报), an inspection hand-over (巡察移交), an audit
finding (审计移交), a big-data warning (大数据预警), a one-liner (码上反映) — different word
order, synonyms, extra or missing detail, numbers in different forms.

Ground truth: two clues are *related* when they describe the same matter, or when both
record the same person as a subject (same person, different matter — listed, ranked
lower). Everything else is unrelated, including the hard negatives (same kind of matter
about another person in another place; generic complaints).

Matters are split into two halves: ``TUNING`` (m01–m17, looked at while tuning the
thresholds) and ``HELD_OUT`` (m18–m34, written before tuning and not looked at).
Persons' ID numbers are fictitious, with valid check digits (the set can be registered
through the services: see ``load_into_db``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    id_number: str
    unit: str


@dataclass(frozen=True)
class Subject:
    """A person recorded on a clue: always name + unit as reported; ID only if known."""

    person: str  # Person.key
    with_id: bool = True
    unit: str | None = None  # unit as written on this clue, if it differs


@dataclass(frozen=True)
class LabelledClue:
    number: str
    matter: str
    source: str
    unit: str
    text: str
    subjects: tuple[Subject, ...] = ()
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matter:
    key: str
    category: str  # kind of matter, for per-category recall
    note: str = ""
    negative: bool = False  # hard negative / generic: related to nothing by matter
    clues: tuple[LabelledClue, ...] = field(default=())


_P = [
    Person("zhangsan", "张三", "410105197003152313", "金水区教育局"),
    Person("wangjun", "王军", "410122196805214418", "中牟县刘集镇李家村"),
    Person("liguohua", "李国华", "410122197211302239", "中牟县刘集镇李家村"),
    Person("zhaolei", "赵磊", "410183198001093317", "新密市城关镇张庄村"),
    Person("chenjing", "陈静", "410102198506120044", "中原区卫生健康委员会"),
    Person("liuqiang", "刘强", "410104197709281137", "管城区住房和城乡建设局"),
    Person("sunli", "孙立", "410181197512034418", "巩义市米河镇人民政府"),
    Person("zhouming", "周明", "410108198211150033", "惠济区第二实验小学"),
    Person("wuhai", "吴海", "410185196909093011", "登封市告成镇王村"),
    Person("zhengyu", "郑宇", "410103197807151911", "二七区市场监督管理局"),
    Person("fengtao", "冯涛", "410184197601011516", "新郑市龙湖镇"),
    Person("hewei", "何伟", "410182197305056637", "荥阳市高村乡刘沟村"),
    Person("majun", "马俊", "410106198103038818", "上街区人民医院"),
    Person("huangbin", "黄斌", "410122197910104450", "中牟县农业农村局"),
    Person("guoping", "郭平", "410181196611112210", "巩义市河洛镇石关村"),
    Person("luoyan", "罗艳", "410105198808082046", "金水区丰产路街道"),
    Person("xufeng", "徐峰", "410183197402020077", "新密市自然资源局"),
    Person("tianye", "田野", "41018419850909881X", "新郑市城投公司"),
    Person("hanmei", "韩梅", "410104197912127725", "管城区民政局"),
    Person("caogang", "曹刚", "410185197103031158", "登封市大冶镇西施村"),
    Person("dengwen", "邓文", "410108197606066616", "惠济区城市管理局"),
    Person("pengbo", "彭博", "410102198204044437", "中原区医疗保障局"),
    Person("yangfan", "杨帆", "410181198707076655", "巩义市第一中学"),
    Person("songhe", "宋河", "410122196512128831", "中牟县官渡镇大庄村"),
    Person("jianghong", "蒋红", "410103197808085522", "二七区财政局"),
    Person("lvjian", "吕建", "410182196909099916", "荥阳市广武镇"),
    Person("yuanliang", "袁亮", "410183197703034499", "新密市来集镇苟堂村"),
    Person("tangqi", "唐琦", "41018419881111661X", "新郑市和庄镇卫生院"),
    Person("xiaoling", "肖玲", "410105197212120027", "金水区住房保障中心"),
    Person("liming", "黎明", "410185197405051170", "登封市交通运输局"),
    Person("cuiyong", "崔勇", "410122197101017795", "中牟县韩寺镇后湖村"),
    Person("qinfang", "秦芳", "41010419830303662X", "管城区城东路街道"),
    Person("zhuwei", "朱伟", "410181197808083390", "巩义市回郭镇清西村"),
    Person("gaoshan", "高山", "410183196807071230", "新密市岳村镇"),
    Person("weidong", "魏东", "410122197504045555", "中牟县大孟镇马庄村"),
    Person("shenlin", "沈林", "410185198001019937", "登封市卢店镇"),
    Person("fanyu", "范宇", "410102197901014415", "中原区教育局"),
    Person("lujia", "卢佳", "410181199002023347", "巩义市米河镇半个店村"),
]
PERSONS: dict[str, Person] = {p.key: p for p in _P}


def S(key: str, with_id: bool = True, unit: str | None = None) -> Subject:
    return Subject(key, with_id, unit)


def C(number, matter, source, unit, text, *subjects, attachments=()):
    return LabelledClue(
        number, matter, source, unit, text, tuple(subjects), tuple(attachments)
    )


MATTERS: list[Matter] = [
    # ---------------------------------------------------------------- tuning half
    Matter(
        "m01",
        "收受贿赂",
        clues=(
            C(
                "XT-2024-0001",
                "m01",
                "信访举报",
                "金水区教育局",
                "实名举报金水区教育局局长张三，在2023年校舍维修工程招标过程中，收受包工头李某送的好处费二十万元，"
                "并指定李某的公司中标。",
                S("zhangsan"),
            ),
            C(
                "XT-2024-0002",
                "m01",
                "巡察移交",
                "金水区教育局",
                "巡察发现：区教育局主要负责人张三涉嫌收取承包商贿赂20万元，在校舍维修项目中违规指定施工单位。",
                S("zhangsan"),
            ),
            C(
                "XT-2024-0003",
                "m01",
                "码上反映",
                "金水区教育局",
                "教育局长张三拿了老板20万块钱，维修学校的工程直接给了这个老板。",
                S("zhangsan", False),
            ),
        ),
    ),
    Matter(
        "m02",
        "公车私用",
        clues=(
            C(
                "XT-2024-0004",
                "m02",
                "信访举报",
                "金水区教育局",
                "金水区教育局张三局长长期开公车接送孩子上下学，周末还开公车回老家。",
                S("zhangsan"),
            ),
            C(
                "XT-2024-0005",
                "m02",
                "大数据预警",
                "金水区教育局",
                "车辆轨迹比对预警：金水区教育局公务用车豫A3K216在非工作日多次驶往中牟县，使用人张三，疑似公车私用。",
                S("zhangsan"),
            ),
        ),
    ),
    Matter(
        "m03",
        "低保",
        clues=(
            C(
                "XT-2024-0006",
                "m03",
                "信访举报",
                "中牟县刘集镇李家村",
                "中牟县刘集镇李家村党支部书记王军优亲厚友，把自己的弟弟王小军、弟媳违规纳入最低生活保障，"
                "而村里真正困难的五保老人却吃不上低保。",
                S("wangjun"),
            ),
            C(
                "XT-2024-0007",
                "m03",
                "审计移交",
                "中牟县刘集镇李家村",
                "审计发现，李家村2名低保对象系村支书王军的近亲属，家中有小轿车和商铺，不符合低保条件，"
                "2021年至2023年共领取低保金1.8万元。",
                S("wangjun"),
            ),
            C(
                "XT-2024-0008",
                "m03",
                "码上反映",
                "中牟县刘集镇李家村",
                "李家村村书记王军的弟弟家有车有门面还吃低保，凭什么？",
                S("wangjun", False),
            ),
            C(
                "XT-2024-0009",
                "m03",
                "巡察移交",
                "中牟县刘集镇",
                "县委第三巡察组移交：刘集镇李家村存在村干部亲属违规享受低保问题，涉及村支书王军弟弟王小军一户。",
                S("wangjun"),
            ),
        ),
    ),
    Matter(
        "m04",
        "挪用扶贫资金",
        note="两名村干部共同被反映；各自登记",
        clues=(
            C(
                "XT-2024-0010",
                "m04",
                "信访举报",
                "中牟县刘集镇李家村",
                "李家村村支书王军伙同村主任李国华，挪用扶贫资金三十万元修建村委办公楼，群众意见很大。",
                S("wangjun"),
            ),
            C(
                "XT-2024-0011",
                "m04",
                "审计移交",
                "中牟县刘集镇李家村",
                "审计发现李家村将上级拨付的扶贫专项资金30万元用于新建村部办公楼，经村委会主任李国华、支部书记王军签字拨付。",
                S("liguohua"),
            ),
            C(
                "XT-2024-0012",
                "m04",
                "码上反映",
                "中牟县刘集镇李家村",
                "村主任李国华把扶贫款拿去盖村委大楼了",
                S("liguohua", False),
            ),
        ),
    ),
    Matter(
        "m05",
        "低保",
        note="另一个村的低保案件（与 m03 同类不同人）",
        clues=(
            C(
                "XT-2024-0013",
                "m05",
                "信访举报",
                "新密市城关镇张庄村",
                "新密市城关镇张庄村村委会主任赵磊，将不符合条件的亲戚三户纳入低保，每月多领低保金，"
                "请求调查。",
                S("zhaolei"),
            ),
            C(
                "XT-2024-0014",
                "m05",
                "大数据预警",
                "新密市城关镇张庄村",
                "低保数据与车辆、工商登记比对：张庄村3户低保对象名下有车辆或企业，均为村主任赵磊亲属。",
                S("zhaolei"),
            ),
        ),
    ),
    Matter(
        "m06",
        "医保基金",
        clues=(
            C(
                "XT-2024-0015",
                "m06",
                "审计移交",
                "中原区卫生健康委员会",
                "审计发现中原区卫健委副主任陈静分管期间，辖区两家民营医院通过虚构住院、挂床住院套取医保基金126万元，"
                "陈静收受其中一家医院院长购物卡5万元。",
                S("chenjing"),
            ),
            C(
                "XT-2024-0016",
                "m06",
                "信访举报",
                "中原区卫生健康委员会",
                "举报区卫健委陈静副主任收了民营医院的购物卡，对医院挂床住院骗取医保的问题睁一只眼闭一只眼。",
                S("chenjing"),
            ),
            C(
                "XT-2024-0017",
                "m06",
                "码上反映",
                "中原区卫生健康委员会",
                "有的民营医院让老人挂床住院骗医保钱，卫健委的陈静收了好处不管。",
                S("chenjing", False),
            ),
        ),
    ),
    Matter(
        "m07",
        "工程招投标",
        clues=(
            C(
                "XT-2024-0018",
                "m07",
                "巡察移交",
                "管城区住房和城乡建设局",
                "巡察发现：区住建局副局长刘强在老旧小区改造项目中，授意围标串标，帮助其妻弟的建筑公司中标三个标段，"
                "合同金额共计1260万元。",
                S("liuqiang"),
            ),
            C(
                "XT-2024-0019",
                "m07",
                "信访举报",
                "管城区住房和城乡建设局",
                "管城区住建局刘强利用职权，让他小舅子的公司陪标串标，把老旧小区改造工程拿下了，涉及一千二百六十万元。",
                S("liuqiang"),
            ),
            C(
                "XT-2024-0020",
                "m07",
                "大数据预警",
                "管城区住房和城乡建设局",
                "招投标数据分析：老旧小区改造项目三个标段的投标文件由同一IP上传，中标单位股东与住建局刘强存在亲属关系。",
                S("liuqiang"),
            ),
        ),
    ),
    Matter(
        "m08",
        "公款吃喝",
        clues=(
            C(
                "XT-2024-0021",
                "m08",
                "信访举报",
                "巩义市米河镇人民政府",
                "巩义市米河镇镇长孙立经常在镇政府食堂用公款宴请客人，喝高档白酒，费用以会议费名义报销。",
                S("sunli"),
            ),
            C(
                "XT-2024-0022",
                "m08",
                "审计移交",
                "巩义市米河镇人民政府",
                "米河镇2023年会议费报账凭证中有14笔实为接待餐费，共计8.6万元，含茅台酒等高档酒水，经孙立审批。",
                S("sunli"),
            ),
            C(
                "XT-2024-0023",
                "m08",
                "码上反映",
                "巩义市米河镇人民政府",
                "米河镇的乡长孙立天天大吃大喝，喝的都是茅台，全是公家的钱，还说是开会。",
                S("sunli", False),
            ),
        ),
    ),
    Matter(
        "m09",
        "学校食堂",
        clues=(
            C(
                "XT-2024-0024",
                "m09",
                "信访举报",
                "惠济区第二实验小学",
                "惠济区第二实验小学校长周明与食堂承包商勾结，克扣学生营养餐，饭菜量少质差，收取承包商回扣。",
                S("zhouming"),
            ),
            C(
                "XT-2024-0025",
                "m09",
                "码上反映",
                "惠济区第二实验小学",
                "二实小的孩子天天吃不饱，营养餐缩水，听说校长周明拿了食堂老板的回扣。",
                S("zhouming", False),
            ),
            C(
                "XT-2024-0026",
                "m09",
                "监督检查",
                "惠济区第二实验小学",
                "监督检查发现，第二实验小学学生营养餐实际供餐标准低于合同约定，食堂承包商向校长周明账户转账3笔共4.2万元。",
                S("zhouming"),
            ),
        ),
    ),
    Matter(
        "m10",
        "征地补偿",
        clues=(
            C(
                "XT-2024-0027",
                "m10",
                "信访举报",
                "登封市告成镇王村",
                "登封市告成镇王村村支书吴海在高速公路征地中虚报青苗补偿，给自家多报了12亩地，冒领补偿款十多万元。",
                S("wuhai"),
            ),
            C(
                "XT-2024-0028",
                "m10",
                "审计移交",
                "登封市告成镇王村",
                "审计发现王村征地补偿清册中，吴海名下补偿面积比确权面积多出12亩，多领取征收补偿款11.6万元。",
                S("wuhai"),
            ),
        ),
    ),
    Matter(
        "m11",
        "吃空饷",
        clues=(
            C(
                "XT-2024-0029",
                "m11",
                "大数据预警",
                "二七区市场监督管理局",
                "工资发放与社保、出入境数据比对：二七区市场监管局郑宇2022年起长期在外经商，未到岗上班仍全额领取工资。",
                S("zhengyu"),
            ),
            C(
                "XT-2024-0030",
                "m11",
                "信访举报",
                "二七区市场监督管理局",
                "市场监管局的郑宇好几年不上班，在外地开公司做生意，工资一分不少照领，吃空饷。",
                S("zhengyu", False),
            ),
        ),
    ),
    Matter(
        "m12",
        "大操大办",
        clues=(
            C(
                "XT-2024-0031",
                "m12",
                "信访举报",
                "新郑市龙湖镇",
                "新郑市龙湖镇党委副书记冯涛为儿子大办婚宴，摆了六十多桌，辖区企业老板和村干部都去送礼金。",
                S("fengtao"),
            ),
            C(
                "XT-2024-0032",
                "m12",
                "码上反映",
                "新郑市龙湖镇",
                "龙湖镇冯涛儿子结婚办了60多桌酒席，收了不少老板的红包。",
                S("fengtao", False),
            ),
            C(
                "XT-2024-0033",
                "m12",
                "监督检查",
                "新郑市龙湖镇",
                "经查，冯涛于2024年5月在某酒店操办其子婚宴，宴请62桌，未按规定报告。",
                S("fengtao"),
            ),
        ),
    ),
    Matter(
        "m13",
        "危房改造",
        clues=(
            C(
                "XT-2024-0034",
                "m13",
                "信访举报",
                "荥阳市高村乡刘沟村",
                "荥阳市高村乡刘沟村村主任何伟，把危房改造补助给了自己家有楼房的亲戚，真正住危房的没有份。",
                S("hewei"),
            ),
            C(
                "XT-2024-0035",
                "m13",
                "审计移交",
                "荥阳市高村乡刘沟村",
                "审计发现刘沟村2户农村危房改造对象住房已是二层楼房，系村委会主任何伟的亲属，违规领取补助资金共5万元。",
                S("hewei"),
            ),
        ),
    ),
    Matter(
        "m14",
        "医院回扣",
        clues=(
            C(
                "XT-2024-0036",
                "m14",
                "信访举报",
                "上街区人民医院",
                "上街区人民医院院长马俊在采购医疗设备时收受供应商回扣，设备价格比市场价高出一倍。",
                S("majun"),
            ),
            C(
                "XT-2024-0037",
                "m14",
                "审计移交",
                "上街区人民医院",
                "审计发现，上街区人民医院2022年采购的CT机等设备价格明显高于同期同类产品，供应商与院长马俊之子有资金往来。",
                S("majun"),
            ),
            C(
                "XT-2024-0038",
                "m14",
                "码上反映",
                "上街区人民医院",
                "人民医院马院长买设备吃回扣",
                S("majun", False),
            ),
        ),
    ),
    Matter(
        "m15",
        "惠农补贴",
        clues=(
            C(
                "XT-2024-0039",
                "m15",
                "信访举报",
                "中牟县农业农村局",
                "中牟县农业农村局农机科科长黄斌，与农机经销商串通，用旧农机重复申报农机购置补贴，从中收受好处费。",
                S("huangbin"),
            ),
            C(
                "XT-2024-0040",
                "m15",
                "大数据预警",
                "中牟县农业农村局",
                "农机补贴数据比对：同一发动机号农机在2022、2023年两次申领购置补贴，经办审核人黄斌。",
                S("huangbin"),
            ),
        ),
    ),
    Matter(
        "m16",
        "村务",
        note="同一份照片附件被转来两次，文字差异大",
        clues=(
            C(
                "XT-2024-0041",
                "m16",
                "信访举报",
                "巩义市河洛镇石关村",
                "石关村村支书郭平把村里的集体土地私自租给外地老板开砂场，租金去向不明，账目从不公开。",
                S("guoping"),
                attachments=("sha256:aa01",),
            ),
            C(
                "XT-2024-0042",
                "m16",
                "码上反映",
                "巩义市河洛镇石关村",
                "附照片，河边挖沙的大车每天几十趟，谁批的？",
                attachments=("sha256:aa01",),
            ),
            C(
                "XT-2024-0043",
                "m16",
                "巡察移交",
                "巩义市河洛镇",
                "巡察发现：石关村集体土地50亩出租给砂石企业，未经村民代表大会决议，租金未入村集体账户，经手人郭平。",
                S("guoping"),
            ),
        ),
    ),
    Matter(
        "m17",
        "不作为",
        clues=(
            C(
                "XT-2024-0044",
                "m17",
                "信访举报",
                "金水区丰产路街道",
                "丰产路街道办事处罗艳负责的老旧小区加装电梯审批，群众跑了七八趟都办不下来，态度蛮横，推诿扯皮。",
                S("luoyan"),
            ),
            C(
                "XT-2024-0045",
                "m17",
                "码上反映",
                "金水区丰产路街道",
                "丰产路街道加装电梯的事找罗艳跑了8趟还是办不成，门难进脸难看事难办。",
                S("luoyan", False),
            ),
        ),
    ),
    # ---------------------------------------------------------------- held-out half
    Matter(
        "m18",
        "土地审批",
        clues=(
            C(
                "XT-2024-0046",
                "m18",
                "信访举报",
                "新密市自然资源局",
                "新密市自然资源局副局长徐峰收受房地产开发商钱款，违规为其办理土地出让手续，少缴土地出让金上千万元。",
                S("xufeng"),
            ),
            C(
                "XT-2024-0047",
                "m18",
                "审计移交",
                "新密市自然资源局",
                "审计发现某地块出让时容积率调整未补缴出让金1100余万元，审批人为自然资源局徐峰，开发商与其有经济往来。",
                S("xufeng"),
            ),
            C(
                "XT-2024-0048",
                "m18",
                "巡察移交",
                "新密市自然资源局",
                "巡察组移交：资源局徐峰涉嫌接受开发商贿赂，违规调整地块容积率。",
                S("xufeng"),
            ),
        ),
    ),
    Matter(
        "m19",
        "国企违规",
        clues=(
            C(
                "XT-2024-0049",
                "m19",
                "审计移交",
                "新郑市城投公司",
                "审计发现新郑市城投公司总经理田野违规将3000万元资金出借给私营企业，未经集体决策，利息去向不明。",
                S("tianye"),
            ),
            C(
                "XT-2024-0050",
                "m19",
                "信访举报",
                "新郑市城投公司",
                "城投公司田野总经理私自把公司三千万借给一个私人老板，收了人家的好处。",
                S("tianye"),
            ),
        ),
    ),
    Matter(
        "m20",
        "低保",
        note="民政局审批环节（与 m03、m05 同类不同人）",
        clues=(
            C(
                "XT-2024-0051",
                "m20",
                "信访举报",
                "管城区民政局",
                "管城区民政局社会救助科韩梅，收受申请人红包后违规审批低保，每户收取两千元。",
                S("hanmei"),
            ),
            C(
                "XT-2024-0052",
                "m20",
                "码上反映",
                "管城区民政局",
                "办低保要给民政局的韩梅送2000块钱才给批。",
                S("hanmei", False),
            ),
            C(
                "XT-2024-0053",
                "m20",
                "监督检查",
                "管城区民政局",
                "专项检查发现，管城区民政局2023年新审批低保户中有9户不符合条件，审核人韩梅，部分申请人反映曾向其送钱。",
                S("hanmei"),
            ),
        ),
    ),
    Matter(
        "m21",
        "挪用扶贫资金",
        note="另一村挪用（与 m04 同类不同人）",
        clues=(
            C(
                "XT-2024-0054",
                "m21",
                "信访举报",
                "登封市大冶镇西施村",
                "登封市大冶镇西施村村支书曹刚，挪用扶贫产业资金15万元给自己的养殖场买饲料。",
                S("caogang"),
            ),
            C(
                "XT-2024-0055",
                "m21",
                "审计移交",
                "登封市大冶镇西施村",
                "审计发现西施村扶贫产业项目资金十五万元转入村支书曹刚个人控制的养殖合作社，未用于项目建设。",
                S("caogang"),
            ),
        ),
    ),
    Matter(
        "m22",
        "城管执法",
        clues=(
            C(
                "XT-2024-0056",
                "m22",
                "信访举报",
                "惠济区城市管理局",
                "惠济区城管局执法中队长邓文经常向沿街商户索要好处费，不给就找茬罚款扣东西。",
                S("dengwen"),
            ),
            C(
                "XT-2024-0057",
                "m22",
                "码上反映",
                "惠济区城市管理局",
                "城管的邓队长吃拿卡要，商户不给钱就被罚款。",
                S("dengwen", False),
            ),
            C(
                "XT-2024-0058",
                "m22",
                "监督检查",
                "惠济区城市管理局",
                "走访发现，多名沿街商户反映城管执法中队长邓文以检查为名收取财物，涉及商户10余家。",
                S("dengwen"),
            ),
        ),
    ),
    Matter(
        "m23",
        "医保基金",
        note="另一医保案（与 m06 同类不同人）",
        clues=(
            C(
                "XT-2024-0059",
                "m23",
                "大数据预警",
                "中原区医疗保障局",
                "医保结算数据预警：某诊所2023年为同一批参保人重复结算理疗费用计48万元，稽核人彭博未发现。",
                S("pengbo"),
            ),
            C(
                "XT-2024-0060",
                "m23",
                "信访举报",
                "中原区医疗保障局",
                "医保局的彭博跟诊所老板是同学，诊所虚开理疗项目骗医保，他每次稽核都放过去。",
                S("pengbo"),
            ),
        ),
    ),
    Matter(
        "m24",
        "违规收费",
        clues=(
            C(
                "XT-2024-0061",
                "m24",
                "信访举报",
                "巩义市第一中学",
                "巩义市第一中学校长杨帆默许教师有偿补课，每个学生每学期收取补课费3000元，还强制学生购买教辅资料。",
                S("yangfan"),
            ),
            C(
                "XT-2024-0062",
                "m24",
                "码上反映",
                "巩义市第一中学",
                "巩义一中强制补课，一学期收3000块补课费，杨校长不管。",
                S("yangfan", False),
            ),
            C(
                "XT-2024-0063",
                "m24",
                "监督检查",
                "巩义市第一中学",
                "暗访发现巩义一中高二年级组织周末有偿补课，按每生三千元收费，校长杨帆知情。",
                S("yangfan"),
            ),
        ),
    ),
    Matter(
        "m25",
        "村务",
        note="两名村干部共同被反映（宋河、另一人未登记）",
        clues=(
            C(
                "XT-2024-0064",
                "m25",
                "信访举报",
                "中牟县官渡镇大庄村",
                "中牟县官渡镇大庄村村支书宋河，在村道硬化工程中虚报工程量，多报了2公里，与包工头私分工程款。",
                S("songhe"),
            ),
            C(
                "XT-2024-0065",
                "m25",
                "审计移交",
                "中牟县官渡镇大庄村",
                "审计发现大庄村道路硬化项目结算长度比实测多出2.1公里，多付工程款约46万元，签字人宋河。",
                S("songhe"),
            ),
            C(
                "XT-2024-0066",
                "m25",
                "码上反映",
                "中牟县官渡镇大庄村",
                "大庄村修的水泥路明明没那么长，村书记宋河和包工头一起多报了两公里分钱。",
            ),
        ),
    ),
    Matter(
        "m26",
        "违规发放",
        clues=(
            C(
                "XT-2024-0067",
                "m26",
                "审计移交",
                "二七区财政局",
                "审计发现二七区财政局2023年以加班费名义违规发放津贴补贴共计62万元，经局长蒋红批准。",
                S("jianghong"),
            ),
            C(
                "XT-2024-0068",
                "m26",
                "信访举报",
                "二七区财政局",
                "财政局蒋红局长年底给全局发了一大笔钱，说是加班费，其实没人加班，每人一万多。",
                S("jianghong"),
            ),
        ),
    ),
    Matter(
        "m27",
        "工程招投标",
        note="另一工程（与 m07 同类不同人）",
        clues=(
            C(
                "XT-2024-0069",
                "m27",
                "信访举报",
                "荥阳市广武镇",
                "荥阳市广武镇副镇长吕建在镇污水管网工程中，未经招标直接把工程发包给其同学的公司，收受好处费。",
                S("lvjian"),
            ),
            C(
                "XT-2024-0070",
                "m27",
                "巡察移交",
                "荥阳市广武镇",
                "巡察发现：广武镇污水管网项目规避招标，拆分为6个小项目直接发包给同一公司，分管领导吕建。",
                S("lvjian"),
            ),
        ),
    ),
    Matter(
        "m28",
        "惠农补贴",
        note="另一惠农补贴案（与 m15 同类不同人）",
        clues=(
            C(
                "XT-2024-0071",
                "m28",
                "信访举报",
                "新密市来集镇苟堂村",
                "新密市来集镇苟堂村会计袁亮，把村民的耕地地力保护补贴冒领了，好几户的种粮补贴都没发到手。",
                S("yuanliang"),
            ),
            C(
                "XT-2024-0072",
                "m28",
                "大数据预警",
                "新密市来集镇苟堂村",
                "惠民惠农补贴一卡通比对：苟堂村7户村民的种粮补贴被转入同一账户，账户户主袁亮。",
                S("yuanliang"),
            ),
        ),
    ),
    Matter(
        "m29",
        "医院回扣",
        note="另一医院（与 m14 同类不同人）",
        clues=(
            C(
                "XT-2024-0073",
                "m29",
                "信访举报",
                "新郑市和庄镇卫生院",
                "和庄镇卫生院院长唐琦收受药品公司回扣，指定医生开某公司的高价药。",
                S("tangqi"),
            ),
            C(
                "XT-2024-0074",
                "m29",
                "码上反映",
                "新郑市和庄镇卫生院",
                "和庄卫生院唐院长拿药企回扣，逼医生开贵药。",
                S("tangqi", False),
            ),
        ),
    ),
    Matter(
        "m30",
        "保障房",
        clues=(
            C(
                "XT-2024-0075",
                "m30",
                "信访举报",
                "金水区住房保障中心",
                "金水区住房保障中心肖玲违规给不符合条件的亲友分配公租房，自己还在外面出租了两套。",
                S("xiaoling"),
            ),
            C(
                "XT-2024-0076",
                "m30",
                "大数据预警",
                "金水区住房保障中心",
                "公租房承租人与不动产登记比对：3名公租房承租人名下有商品房，均为经办人肖玲的亲属。",
                S("xiaoling"),
            ),
            C(
                "XT-2024-0077",
                "m30",
                "码上反映",
                "金水区住房保障中心",
                "住保中心的肖玲给亲戚分公租房，人家有房子的还住公租房。",
                S("xiaoling", False),
            ),
        ),
    ),
    Matter(
        "m31",
        "公款旅游",
        clues=(
            C(
                "XT-2024-0078",
                "m31",
                "信访举报",
                "登封市交通运输局",
                "登封市交通运输局局长黎明带着科室负责人以学习考察为名去三亚旅游，费用由施工企业承担。",
                S("liming"),
            ),
            C(
                "XT-2024-0079",
                "m31",
                "监督检查",
                "登封市交通运输局",
                "经核查，黎明等6人于2023年12月赴海南三亚考察，行程以景点游览为主，费用9.8万元由某路桥公司支付。",
                S("liming"),
            ),
        ),
    ),
    Matter(
        "m32",
        "赌博",
        clues=(
            C(
                "XT-2024-0080",
                "m32",
                "信访举报",
                "中牟县韩寺镇后湖村",
                "后湖村村主任崔勇经常在村委会办公室聚众赌博，一晚上输赢上万元。",
                S("cuiyong"),
            ),
            C(
                "XT-2024-0081",
                "m32",
                "码上反映",
                "中牟县韩寺镇后湖村",
                "后湖村的崔勇天天在村部打牌赌钱，一场好几万。",
                S("cuiyong", False),
            ),
        ),
    ),
    Matter(
        "m33",
        "不作为",
        note="另一街道（与 m17 同类不同人）",
        clues=(
            C(
                "XT-2024-0082",
                "m33",
                "信访举报",
                "管城区城东路街道",
                "城东路街道秦芳负责的拆迁安置房分配拖了三年不办，群众多次上门找她都推诿扯皮。",
                S("qinfang"),
            ),
            C(
                "XT-2024-0083",
                "m33",
                "码上反映",
                "管城区城东路街道",
                "城东路街道的安置房三年都分不下来，找秦芳就踢皮球。",
                S("qinfang", False),
            ),
        ),
    ),
    Matter(
        "m34",
        "征地补偿",
        note="另一村征地（与 m10 同类不同人）",
        clues=(
            C(
                "XT-2024-0084",
                "m34",
                "信访举报",
                "巩义市回郭镇清西村",
                "巩义市回郭镇清西村村支书朱伟，在产业园征地中截留村民的征地补偿款，每亩扣了五千元。",
                S("zhuwei"),
            ),
            C(
                "XT-2024-0085",
                "m34",
                "审计移交",
                "巩义市回郭镇清西村",
                "审计发现清西村征地补偿款拨付到村后，按每亩5000元标准被扣减，累计截留96万元，经手人朱伟。",
                S("zhuwei"),
            ),
            C(
                "XT-2024-0086",
                "m34",
                "巡察移交",
                "巩义市回郭镇",
                "巡察移交：回郭镇清西村截留征地补偿款问题，村支书朱伟有重大嫌疑。",
                S("zhuwei"),
            ),
        ),
    ),
]

# Same person, different matter (listed via the person, ranked below same-matter clues).
SAME_PERSON_EXTRA: list[Matter] = [
    Matter(
        "p01",
        "同人异事",
        clues=(
            C(
                "XT-2024-0101",
                "p01",
                "信访举报",
                "中牟县刘集镇李家村",
                "李家村村支书王军在村里开小卖部，用村集体的房子不交房租。",
                S("wangjun"),
            ),
        ),
    ),
    Matter(
        "p02",
        "同人异事",
        clues=(
            C(
                "XT-2024-0102",
                "p02",
                "信访举报",
                "新密市自然资源局",
                "自然资源局徐峰的妻子在局里下属单位吃空饷，常年不上班。",
                S("xufeng"),
            ),
        ),
    ),
    Matter(
        "p03",
        "同人异事",
        clues=(
            C(
                "XT-2024-0103",
                "p03",
                "码上反映",
                "巩义市第一中学",
                "一中杨帆校长违规提拔自己的老乡当教务主任。",
                S("yangfan"),
            ),
        ),
    ),
]

# Hard negatives: same kind of matter, other persons and places; and generic complaints.
NEGATIVES: list[Matter] = [
    Matter(
        "n01",
        "低保",
        negative=True,
        clues=(
            C(
                "XT-2024-0201",
                "n01",
                "信访举报",
                "登封市卢店镇",
                "卢店镇民政所沈林，违规将有车有房的人员纳入低保，向低保户索要好处费。",
                S("shenlin"),
            ),
        ),
    ),
    Matter(
        "n02",
        "低保",
        negative=True,
        clues=(
            C(
                "XT-2024-0202",
                "n02",
                "信访举报",
                "中牟县大孟镇马庄村",
                "中牟县大孟镇马庄村村支书魏东把自己的亲戚违规纳入最低生活保障，困难户却吃不上低保。",
                S("weidong"),
            ),
        ),
    ),
    Matter(
        "n03",
        "挪用扶贫资金",
        negative=True,
        clues=(
            C(
                "XT-2024-0203",
                "n03",
                "审计移交",
                "巩义市米河镇半个店村",
                "审计发现半个店村扶贫资金20万元被用于修建村委办公楼，经手人村会计卢佳。",
                S("lujia"),
            ),
        ),
    ),
    Matter(
        "n04",
        "收受贿赂",
        negative=True,
        clues=(
            C(
                "XT-2024-0204",
                "n04",
                "信访举报",
                "中原区教育局",
                "中原区教育局局长范宇在学校维修工程中收受包工头好处费，并指定其中标。",
                S("fanyu"),
            ),
        ),
    ),
    Matter(
        "n05",
        "大操大办",
        negative=True,
        clues=(
            C(
                "XT-2024-0205",
                "n05",
                "码上反映",
                "新密市岳村镇",
                "岳村镇高山给女儿办婚宴，摆了五十多桌，收了很多红包。",
                S("gaoshan"),
            ),
        ),
    ),
    Matter(
        "n06",
        "generic",
        negative=True,
        clues=(
            C(
                "XT-2024-0206",
                "n06",
                "码上反映",
                "",
                "反映村干部违规办理低保的问题，请求调查处理。",
            ),
            C(
                "XT-2024-0207",
                "n06",
                "码上反映",
                "",
                "举报有干部收受红包，作风问题严重，希望组织严肃查处。",
            ),
            C(
                "XT-2024-0208",
                "n06",
                "码上反映",
                "",
                "我们村的村干部存在优亲厚友问题，群众意见很大。",
            ),
            C(
                "XT-2024-0209",
                "n06",
                "码上反映",
                "",
                "反映工程项目招投标不规范，存在围标串标情况。",
            ),
        ),
    ),
]

ALL_MATTERS: list[Matter] = MATTERS + SAME_PERSON_EXTRA + NEGATIVES
TUNING = {f"m{i:02d}" for i in range(1, 18)}
HELD_OUT = {f"m{i:02d}" for i in range(18, 35)}


def all_clues() -> list[LabelledClue]:
    return [c for m in ALL_MATTERS for c in m.clues]


def matter_of(number: str) -> Matter:
    for m in ALL_MATTERS:
        for c in m.clues:
            if c.number == number:
                return m
    raise KeyError(number)


def subject_keys(clue: LabelledClue) -> set[str]:
    return {s.person for s in clue.subjects}


def relation(a: LabelledClue, b: LabelledClue) -> str | None:
    """Ground truth: 'same_matter', 'joint' (same matter, no common recorded person),
    'same_person' (different matter, common recorded person) or None (unrelated)."""
    ma = matter_of(a.number)
    same_matter = a.matter == b.matter and not ma.negative
    shared = subject_keys(a) & subject_keys(b)
    if same_matter:
        return "same_matter" if shared or not (a.subjects and b.subjects) else "joint"
    if shared:
        return "same_person"
    return None


# ---------------------------------------------------------------- through the database

SOURCES = {
    "信访举报": "petition",
    "码上反映": "qr_code",
    "审计移交": "audit",
    "大数据预警": "big_data",
    "巡察移交": "inspection",
    "监督检查": "supervision",
}


def load_into_db(*, registrar, region, received_date) -> dict:
    """Register the whole set through the services, as a registrar would: each named
    unit, each person with the ID number (a subject without one is given by name and
    unit), each clue, and the shared files. Returns ``{labelled number: Clue}``."""
    from xietong.clues.services import SubjectInput, clue_register
    from xietong.clues.services.attachments import attachment_add
    from xietong.org.models import Unit, UnitKind
    from xietong.org.services import person_create, unit_create

    units: dict[str, Unit] = {}
    persons: dict[str, Person] = {}
    for p in _P:
        if p.unit not in units:
            units[p.unit] = unit_create(
                actor=None, name=p.unit, kind=UnitKind.GOV_DEPARTMENT, region=region
            )
        persons[p.key] = person_create(
            actor=None, name=p.name, id_number=p.id_number, unit=units[p.unit]
        )
    out = {}
    for c in all_clues():
        subjects = []
        for s in c.subjects:
            p = PERSONS[s.person]
            if s.with_id:
                subjects.append(SubjectInput(person=persons[s.person]))
            else:
                subjects.append(SubjectInput(name=p.name, unit_name=s.unit or p.unit))
        clue = clue_register(
            actor=registrar,
            source=SOURCES[c.source],
            received_date=received_date,
            summary=c.text,
            subjects=subjects or [SubjectInput(name="不详")],
        )
        for tag in c.attachments:
            attachment_add(
                actor=registrar,
                clue=clue,
                name=f"举报材料{tag[-4:]}.txt",
                content=f"举报材料 {tag}".encode(),
            )
        out[c.number] = clue
    return out


def evaluate_db(clues: dict, related) -> tuple[float, float, list]:
    """Precision and recall of ``related(clue) -> [Clue, …]`` over the set loaded by
    ``load_into_db``: listed clues outside the set are not counted (another corpus)."""
    by_pk = {clue.pk: number for number, clue in clues.items()}
    labelled = {c.number: c for c in all_clues()}
    tp = fp = fn = 0
    errors = []
    for number, clue in clues.items():
        listed = {by_pk[c.pk] for c in related(clue) if c.pk in by_pk}
        q = labelled[number]
        for other in labelled.values():
            if other.number == number:
                continue
            rel = relation(q, other)
            got = other.number in listed
            if rel and got:
                tp += 1
            elif rel:
                fn += 1
                errors.append(("FN", rel, number, other.number))
            elif got:
                fp += 1
                errors.append(("FP", None, number, other.number))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, errors
