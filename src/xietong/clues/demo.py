"""Demo petitions and clues for the demo province, made through the real services so that a
newcomer finds a filled 线索台账 at the county, city and province commissions."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from xietong.access.models import User
from xietong.access.policies import person_units
from xietong.org.models import Person

from .models import Clue, ClueSource
from .services import SubjectInput, clue_register, petition_register

MATTERS = (
    "反映其在{unit}工程项目招标中为亲属控制的公司提供便利，收受好处费{n}万元。",
    "反映其违规发放津贴补贴，以会议费名义套取资金{n}万元用于单位聚餐。",
    "反映其长期公车私用，节假日驾驶公务用车接送子女、外出旅游。",
    "反映其在低保评定中优亲厚友，将不符合条件的亲属纳入最低生活保障。",
    "反映其接受管理服务对象宴请，并收受购物卡{n}千元。",
    "反映其插手{unit}物资采购，指定供应商并从中收取回扣。",
    "反映其对群众反映的问题推诿扯皮、敷衍应付，长期不作为。",
    "反映其违规操办子女婚宴，借机收受下属和管理服务对象礼金。",
)
SOURCES = (
    ClueSource.PETITION,
    ClueSource.PETITION,
    ClueSource.INSPECTION,
    ClueSource.AUDIT,
    ClueSource.SUPERVISION,
    ClueSource.QR_CODE,
    ClueSource.BIG_DATA,
)


def build_clues(*, seed: int = 2026, per_commission: int = 24, log=print) -> int:
    """Register demo petitions and clues at the 省/市/县 demo commissions; returns the count."""
    if Clue.objects.exists():
        return 0
    rng = random.Random(f"{seed}:clues")
    made = 0
    with transaction.atomic():
        for level in ("xian", "shi", "sheng"):
            registrar = User.objects.filter(username=f"{level}_case_manager").first()
            clerk = User.objects.filter(username=f"{level}_petition_clerk").first()
            if registrar is None or clerk is None:
                continue
            units = person_units(registrar).values("pk")
            persons = list(
                Person.objects.filter(unit_id__in=units, verified=True)
                .select_related("unit__region")
                .order_by("id")[:4000]
            )
            for i in range(per_commission):
                person = rng.choice(persons)
                received = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(300))
                text = rng.choice(MATTERS).format(
                    unit=person.unit.name, n=rng.randint(2, 60)
                )
                source = SOURCES[i % len(SOURCES)]
                petition = None
                if source == ClueSource.PETITION:
                    real = rng.random() < 0.4
                    petition = petition_register(
                        actor=clerk,
                        channel=rng.choice(["letter", "visit", "phone", "online"]),
                        received_date=received,
                        content=f"{person.unit.name}{person.position}{person.name}：{text}",
                        real_name=real,
                        reporter_name="群众" + rng.choice("甲乙丙丁戊") if real else "",
                    )
                clue_register(
                    actor=registrar,
                    source=source,
                    received_date=received,
                    summary=f"{person.name}（{person.unit.name}{person.position}）{text}",
                    subjects=[SubjectInput(person=person)],
                    petition=petition,
                )
                made += 1
    log(f"登记演示问题线索 {made} 条（县、市、省纪委监委案件监督管理室）")
    return made
