"""Supervised persons of the demo province, with postings and relatives."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from xietong.core.crypto import field_cipher
from xietong.core.identifiers import make_id_number, mask_id_number

from ..models import Person, Posting, Relation, Relative, Unit, UnitKind
from ..services import PHONE_KIND, id_lookup_hash
from .names import other_surname, random_given_name, random_name, random_surname
from .places import OTHER_BIRTH_CODES
from .staffing import ORGAN_KINDS, Staffing, management_level

if TYPE_CHECKING:
    from .builder import DemoBuilder

PERSONS_AT_SCALE_1 = 21_600
BATCH_SIZE = 5_000


def _birth(rng, lo: int, hi: int) -> dt.date:
    start = dt.date(lo, 1, 1)
    return start + dt.timedelta(
        days=rng.randrange((dt.date(hi, 12, 31) - start).days + 1)
    )


def _id_number(b: DemoBuilder, rng, code: str, birth: dt.date, male: bool) -> str:
    while True:
        seq = rng.randrange(500) * 2 + (1 if male else 0)
        number = make_id_number(code, birth, seq)
        if number not in b.used_ids:
            b.used_ids.add(number)
            return number


def _phone(b: DemoBuilder, rng) -> str:
    while True:
        phone = (
            rng.choice(("13", "15", "18"))
            + str(rng.randrange(10))
            + (f"{rng.randrange(100_000_000):08d}")
        )
        if phone[:3] in ("154",):
            continue
        if phone not in b.used_phones:
            b.used_phones.add(phone)
            return phone


def _company(b: DemoBuilder, rng, home: str) -> str:
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
    place = b.place_names.get(home, "河南")
    return f"{place}{brand}{trade}有限公司"


def _work_text(b: DemoBuilder, rng, age: int, home: str) -> str:
    if age < 18:
        return "在读学生"
    if age < 23 and rng.random() < 0.7:
        return "大学在读"
    if age >= 60:
        return rng.choice(("退休", "退休", "务农", "无"))
    roll = rng.random()
    if roll < 0.35:
        return f"{_company(b, rng, home)} " + rng.choice(
            ("法定代表人", "总经理", "股东", "会计", "职员", "职员", "项目经理")
        )
    if roll < 0.55:
        return rng.choice(("个体经营", "务农", "自由职业", "无业"))
    if roll < 0.8:
        return f"{b.place_names.get(home, '河南')}" + rng.choice(
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
    b: DemoBuilder, rng, name: str, surname: str, male: bool, birth: dt.date, home: str
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
            r_surname = other_surname(rng, surname)
            r_birth = birth + dt.timedelta(days=rng.randint(-5 * 365, 5 * 365))
        elif relation == Relation.CHILD:
            r_male = rng.random() < 0.5
            r_surname = (
                surname if male or rng.random() < 0.2 else other_surname(rng, surname)
            )
            r_birth = birth + dt.timedelta(days=rng.randint(23 * 365, 35 * 365))
        elif relation == Relation.CHILD_SPOUSE:
            r_male = rng.random() < 0.5
            r_surname = other_surname(rng, surname)
            r_birth = birth + dt.timedelta(days=rng.randint(24 * 365, 36 * 365))
        elif relation == Relation.PARENT:
            r_male = rng.random() < 0.5
            r_surname = surname if r_male else other_surname(rng, surname)
            r_birth = birth - dt.timedelta(days=rng.randint(21 * 365, 34 * 365))
        else:
            r_male = rng.random() < 0.5
            r_surname = surname
            r_birth = birth + dt.timedelta(days=rng.randint(-8 * 365, 8 * 365))
        if r_birth > dt.date(2024, 12, 31):
            continue
        r_name = random_name(rng, r_male, r_surname)
        if r_name == name:
            continue
        number = ""
        if rng.random() < 0.6:
            code = home if rng.random() < 0.8 else rng.choice(b.all_birth_codes)
            number = _id_number(b, rng, code, r_birth, r_male)
        work = _work_text(b, rng, today_year - r_birth.year, home)
        out.append((relation, r_name, number, work))
    return out, has_spouse


def build_persons(b: DemoBuilder) -> None:
    """Staff every staffed unit with supervised persons, postings and relatives."""
    rng = b.rng_persons
    cipher = field_cipher()
    b.used_ids = set()
    b.used_phones = set()
    b.all_birth_codes = tuple(c.code for c in b.counties) + OTHER_BIRTH_CODES
    b.place_names = {c.code: c.name for c in b.counties}
    staffed = [u for u in b.units if u.demo_staffing is not None]
    weights = [u.demo_staffing.base * rng.uniform(0.75, 1.25) for u in staffed]
    target = max(1, round(PERSONS_AT_SCALE_1 * b.scale))
    factor = target / sum(weights)
    sizes = [max(1, int(w * factor)) for w in weights]
    for _ in range(max(0, target - sum(sizes))):
        sizes[rng.randrange(len(sizes))] += 1
    by_level: dict[str, list[Unit]] = {}
    for unit in staffed:
        by_level.setdefault(unit.demo_level, []).append(unit)
    total = sum(sizes)
    # Light per-person records for the linking pass after all persons exist.
    b.people = []
    batch: list[Person] = []
    pending: list[tuple] = []  # (earlier posting or None, current posting, relatives)
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
            b.people.append(
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
        st: Staffing = unit.demo_staffing
        posts = [(st.top, "L")]
        n_dep = min(size - 1, rng.randint(*st.deputies_n))
        for i in range(n_dep):
            posts.append(
                (
                    st.deputies[i] if i < len(st.deputies) else rng.choice(st.deputies),
                    "L",
                )
            )
        if unit.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY) and rng.random() < 0.4:
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
                birth = _birth(rng, 1963, 1982)
            elif tier == "L":
                birth = _birth(rng, 1965, 1986)
            elif tier == "H":
                birth = _birth(rng, 1966, 1993)
            else:
                birth = _birth(rng, 1962, 2000)
            surname = random_surname(rng)
            name = surname + random_given_name(rng, male)
            home = unit.demo_home
            code = (
                rng.choice(home)
                if rng.random() < 0.85
                else rng.choice(b.all_birth_codes)
            )
            number = _id_number(b, rng, code, birth, male)
            phone = _phone(b, rng) if rng.random() < 0.7 else ""
            # 县管 covers the leaders of county units and the heads of county organs only.
            county_non_organ_head = (
                tier == "H"
                and unit.demo_level == "county"
                and unit.kind not in ORGAN_KINDS
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
                management_level=management_level(unit.demo_level, tier_for_level),
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
                rels, has_spouse = _relatives(
                    b, rng, name, surname, male, birth, rng.choice(home)
                )
            person.demo_number = number
            person.demo_unit_name = unit.name
            person.demo_spouse = has_spouse
            batch.append(person)
            pending.append((earlier, current, rels))
            if len(batch) >= BATCH_SIZE:
                flush()
                if len(b.people) >= next_log:
                    b.log(f"  已生成监督对象 {len(b.people)}/{total}（{b.elapsed()}）")
                    next_log += 50_000
    if batch:
        flush()
    n_linked = _link_relatives(b, rng, cipher)
    b.counts.update(
        persons=len(b.people),
        postings=n_postings,
        relatives=n_relatives + n_linked,
        linked_relatives=n_linked,
    )
    b.log(
        f"生成监督对象 {len(b.people)} 人、任职经历 {n_postings} 条、"
        f"亲属 {n_relatives + n_linked} 人（其中 {n_linked} 人本人也是监督对象）（{b.elapsed()}）"
    )


def _link_relatives(b: DemoBuilder, rng, cipher) -> int:
    """About 2% of persons get a spouse or sibling who is a supervised person elsewhere."""
    people = b.people
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
