"""Planted anomalies and near-misses of the seven built-in models.

Each model gets ``world.n_cases[model]`` positive cases and as many near-miss cases;
the variants cycle, so even the smallest scale carries every variant. Planted rows
use people of the "planted" class (nobody else's role), officials taken once each,
companies created for the case, and dates chosen so that they do not interact with
the background: the background itself is built so that it holds no anomaly (see
:mod:`.background`), which makes the planted hits the complete ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from . import vocab
from .codes import EPOCH, day_number
from .world import DEC31, JAN1, REGION_SHORT, YEAR, World

_COMMON_NAMES = ("张伟", "王伟", "王芳", "李娜", "李伟", "刘洋", "张敏", "王静", "李强")


def iso(day: int) -> str:
    return (EPOCH + timedelta(days=int(day))).isoformat()


def d26(month: int, day: int) -> int:
    return day_number(date(YEAR, month, day))


@dataclass
class Plan:
    """Rows to add to the background, the rows they replace, and the truth."""

    world: World
    payments: list[dict] = field(default_factory=list)
    contracts: list[dict] = field(default_factory=list)
    companies: list[dict] = field(default_factory=list)
    shareholders: list[dict] = field(default_factory=list)
    deaths: list[dict] = field(default_factory=list)
    officials: list[dict] = field(default_factory=list)
    payroll: list[dict] = field(default_factory=list)
    vehicles: list[dict] = field(default_factory=list)
    payroll_skip: set[int] = field(default_factory=set)
    officials_skip: set[int] = field(default_factory=set)
    # (model, dataset, refs, tags) and (model, dataset, refs, reason)
    hits: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)
    near: list[tuple[str, str, list[str], str]] = field(default_factory=list)
    plate_days: dict[int, set[int]] = field(default_factory=dict)

    def __post_init__(self):
        w = self.world
        self.rng = np.random.default_rng([w.seed, 4])
        self._next_planted = w.cls("planted").start
        self._officials = list(self.rng.permutation(w.n_officials))
        self._ref = 0
        self._next_company = w.n_companies
        bz = w.cls("business")
        self._business = bz.start + self.rng.permutation(bz.size)
        self._next_business = 0
        self._spare_account = w.n_persons + 1000

    # -- helpers -----------------------------------------------------------

    def ref(self, prefix: str) -> str:
        self._ref += 1
        return f"{prefix}{self._ref}"

    def rint(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def person(self, *, name: str | None = None, old: bool | None = None) -> dict:
        """A fresh person of the planted class (optionally of a given name/age)."""
        w = self.world
        while True:
            idx = self._next_planted
            self._next_planted += 1
            if idx >= w.cls("planted").start + w.cls("planted").size:
                raise RuntimeError("planted class exhausted")
            p = w.person_rows([idx])[0]
            if (
                old is not None
                and (p["birth"] <= day_number(date(1960, 12, 31))) != old
            ):
                continue
            if name is not None:
                w.name_override[idx] = name
                p["name"] = name
            return p

    def business(self) -> dict:
        idx = self._business[self._next_business]
        self._next_business += 1
        return self.world.person_rows([idx])[0]

    def official(self, *, need_ids=(), need_missing: int | None = None) -> dict:
        """An unused official; ``need_ids``: relatives (0–3) that must carry an ID;
        ``need_missing``: a relative recorded without one."""
        w = self.world
        for pos in range(len(self._officials) - 1, -1, -1):
            o = int(self._officials[pos])
            rels = [int(w.relative(np.array([o]), k)[0]) for k in range(4)]
            missing = w.relative_id_missing(np.array(rels))
            if any(missing[k] for k in need_ids):
                continue
            if need_missing is not None and not missing[need_missing]:
                continue
            del self._officials[pos]
            p = w.person_rows([o])[0]
            p["unit"] = w.units[int(w.official_unit(np.array([o]))[0])]
            p["relatives"] = w.person_rows(rels)
            return p
        raise RuntimeError("no official left for a planted case (scale too small)")

    def spare_account(self) -> str:
        self._spare_account += 1
        return self.world.accounts(np.array([self._spare_account])).to_pylist()[0]

    # -- rows --------------------------------------------------------------

    def pay(
        self,
        p: dict,
        program: str,
        cents: int,
        day: int,
        *,
        name_only: bool = False,
        name: str | None = None,
        account: str | None = None,
    ) -> str:
        assert JAN1 <= day <= DEC31, iso(day)
        ref = self.ref("pay")
        prog = vocab.PROGRAMS.index(program)
        self.payments.append(
            {
                "_ref": ref,
                "program": program,
                "payee_name": name or p["name"],
                "payee_id_number": None if name_only else p["id_number"],
                "bank_account": account or p["account"],
                "amount": cents,
                "pay_date": day,
                "region_code": p["region_code"],
                "paying_unit": REGION_SHORT[p["region"]] + vocab.PROGRAM_PAYER[prog],
            }
        )
        return ref

    def death(self, p: dict, day: int):
        src = vocab.DEATH_SOURCES[self.rint(0, 2)]
        self.deaths.append(
            {
                "id_number": p["id_number"],
                "name": p["name"],
                "death_date": day,
                "region_code": p["region_code"],
                "source": src,
            }
        )

    def company(self, rep: dict, holders: list[tuple[dict, float]]) -> dict:
        w = self.world
        c = self._next_company
        self._next_company += 1
        arr = np.array([c])
        row = {
            "uscc": w.company_usccs(arr).to_pylist()[0],
            "name": w.company_names(arr).to_pylist()[0],
            "legal_rep_name": rep["name"],
            "legal_rep_id_number": rep["id_number"],
            "reg_date": day_number(date(2015, 1, 1)) + self.rint(0, 3800),
            "status": "存续",
            "address": f"河南省郑州市金水区{vocab.STREETS[c % len(vocab.STREETS)]}"
            f"{self.rint(1, 300)}号",
        }
        self.companies.append(row)
        for h, ratio in holders:
            self.shareholders.append(
                {
                    "uscc": row["uscc"],
                    "holder_name": h["name"],
                    "holder_id_number": h["id_number"],
                    "share_ratio": ratio,
                }
            )
        return row

    def contract(self, unit, company: dict, cents: int, day: int, method: str) -> str:
        assert JAN1 <= day <= DEC31
        ref = self.ref("ct")
        self.contracts.append(
            {
                "_ref": ref,
                "buyer_unit_uscc": unit.uscc,
                "buyer_unit_name": unit.name,
                "supplier_uscc": company["uscc"],
                "supplier_name": company["name"],
                "amount": cents,
                "sign_date": day,
                "method": method,
                "subject": vocab.SUBJECTS[self.rint(0, len(vocab.SUBJECTS) - 1)],
            }
        )
        return ref

    def salary(self, unit, p: dict, month: int) -> str:
        cents = int(self.world.salary_cents(np.array([p["idx"]]), month)[0])
        self.payroll.append(
            {
                "payroll_unit_uscc": unit.uscc,
                "payroll_unit_name": unit.name,
                "id_number": p["id_number"],
                "name": p["name"],
                "month": f"{YEAR}-{month:02d}",
                "amount": cents,
                "bank_account": p["account"],
            }
        )
        return f"{unit.uscc}|{p['id_number']}|{YEAR}-{month:02d}"

    def trip(self, p: int, day: int, hms: tuple[int, int, int], purpose) -> str:
        w = self.world
        unit = w.units[p % w.n_units]
        start = day * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
        officials = w.officials_of_unit(unit.index)
        driver = w.names(officials[[self.rint(0, len(officials) - 1)]])
        plate = w.plate(np.array([p])).to_pylist()[0]
        self.vehicles.append(
            {
                "plate": plate,
                "unit_name": unit.name,
                "start_time": start,
                "end_time": start + 60 * self.rint(25, 240),
                "driver_name": driver.to_pylist()[0],
                "purpose": purpose,
            }
        )
        self.plate_days.setdefault(p, set()).add(day)
        return f"{plate}|{iso(day)} {hms[0]:02d}:{hms[1]:02d}:{hms[2]:02d}"

    def hit(self, model, dataset, refs, *tags):
        self.hits.append((model, dataset, list(refs), list(tags)))

    def miss(self, model, dataset, refs, reason):
        self.near.append((model, dataset, list(refs), reason))


def build_plan(world: World, background_plate_days) -> Plan:
    """Plant every model's cases. ``background_plate_days(p)`` gives the days on
    which plate p already has background trips (planted trips avoid them)."""
    plan = Plan(world)
    _death_payment(plan)
    _relative_welfare(plan)
    _supplier_conflict(plan)
    _split_purchase(plan)
    _double_payroll(plan)
    _duplicate_payment(plan)
    _vehicle_misuse(plan, background_plate_days)
    return plan


def _pension(plan: Plan, p: dict) -> tuple[str, int]:
    """The monthly program a planted person draws and its amount."""
    if p["birth"] <= day_number(date(1966, 12, 31)):
        return "养老", 100 * plan.rint(150, 400)
    return "低保", 100 * plan.rint(300, 700)


def _death_payment(plan: Plan):
    m = "death_payment"
    for i in range(plan.world.n_cases[m]):
        p = plan.person(old=True)
        prog, cents = _pension(plan, p)
        v = i % 4
        if v == 2:
            death = day_number(date(2025, 6, 1)) + plan.rint(0, 180)
            plan.death(p, death)
            for month in (1, 2, 3):
                plan.hit(m, "payments", [plan.pay(p, prog, cents, d26(month, 10))])
            continue
        death = d26(3, 1) + plan.rint(0, 180)
        plan.death(p, death)
        if v == 0:
            plan.pay(p, prog, cents, death - 20)
            r = plan.pay(p, prog, cents, death + 31)
            plan.miss(m, "payments", [r], "死亡后恰好 31 天发放，未超过宽限期")
            plan.hit(m, "payments", [plan.pay(p, prog, cents, death + 32)], "boundary")
            plan.hit(m, "payments", [plan.pay(p, prog, cents, death + 62)])
        elif v == 1:
            plan.pay(p, prog, cents, death - 40)
            for off in (45, 75):
                r = plan.pay(p, prog, cents, death + off, name_only=True)
                plan.hit(m, "payments", [r], "name_only")
        else:
            plan.pay(p, prog, cents, death - 35)
            r = plan.pay(p, prog, cents, death + 5)
            plan.miss(m, "payments", [r], "死亡后 5 天发放，在宽限期内")
            typo = typo_name(p["name"])
            r = plan.pay(p, prog, cents, death + 40, name_only=True, name=typo)
            plan.hit(m, "payments", [r], "name_only", "nametypo_name")
    for i in range(plan.world.n_cases[m]):
        death = d26(3, 1) + plan.rint(0, 180)
        w = i % 3
        if w == 0:
            p = plan.person(old=True)
            prog, cents = _pension(plan, p)
            plan.death(p, death)
            r = plan.pay(p, prog, cents, death - 3)
            plan.miss(m, "payments", [r], "死亡前发放")
            r = plan.pay(p, prog, cents, death)
            plan.miss(m, "payments", [r], "死亡当天发放")
        elif w == 1:
            name = _COMMON_NAMES[i % len(_COMMON_NAMES)]
            dead = plan.person(name=name, old=True)
            living = plan.person(name=name, old=True)
            prog, cents = _pension(plan, dead)
            plan.death(dead, death)
            plan.pay(dead, prog, cents, death - 30)
            prog, cents = _pension(plan, living)
            plan.pay(living, prog, cents, death - 10)
            r = plan.pay(living, prog, cents, death + 50, name_only=True)
            plan.miss(
                m, "payments", [r], "与死者同名，仅有姓名和账号，账号属于在世的同名人"
            )
        else:
            p = plan.person(old=True)
            prog, cents = _pension(plan, p)
            plan.death(p, death)
            plan.pay(p, prog, cents, death - 25)
            r = plan.pay(p, prog, cents, death + 31)
            plan.miss(m, "payments", [r], "死亡后恰好 31 天发放，未超过宽限期")


def typo_name(name: str) -> str:
    """The name with one wrong character in the given name."""
    chars = list(name)
    for k in range(len(chars) - 1, 0, -1):
        if chars[k] in vocab.TYPO:
            chars[k] = vocab.TYPO[chars[k]]
            return "".join(chars)
    chars[-1] = "玮" if chars[-1] != "玮" else "伟"
    return "".join(chars)


def _random_day(plan: Plan, lo: int = JAN1, hi: int = DEC31) -> int:
    return plan.rint(lo, hi)


def _relative_welfare(plan: Plan):
    m = "relative_welfare"
    for i in range(plan.world.n_cases[m]):
        v = i % 4
        o = plan.official(need_ids=(0, 1, 2))
        low = 100 * plan.rint(300, 700)
        if v == 0:
            r = plan.pay(o, "低保", low, _random_day(plan))
            plan.hit(m, "payments", [r], "official")
        elif v == 1:
            spouse = o["relatives"][0]
            day = _random_day(plan, JAN1, d26(10, 1))
            cents = 100 * plan.rint(600, 1000)
            for off in (0, 61):
                r = plan.pay(spouse, "特困", cents, day + off)
                plan.hit(m, "payments", [r], "relative")
        elif v == 2:
            r = plan.pay(o["relatives"][2], "低保", low, _random_day(plan))
            plan.hit(m, "payments", [r], "relative")
        else:
            child = o["relatives"][1]
            day = _random_day(plan, JAN1, d26(9, 1))
            plan.pay(child, "农机补贴", 100 * plan.rint(2000, 30000), day)
            r = plan.pay(child, "低保", low, day + 90, name_only=True)
            plan.hit(m, "payments", [r], "relative", "name_only")
    for i in range(plan.world.n_cases[m]):
        w = i % 4
        low = 100 * plan.rint(300, 700)
        if w == 0:
            o = plan.official(need_ids=(3,))
            r = plan.pay(
                o["relatives"][3], "养老", 100 * plan.rint(150, 400), d26(5, 10)
            )
            plan.miss(m, "payments", [r], "亲属领取的是养老金，不是低保或特困")
        elif w == 1:
            o = plan.official(need_ids=(0,))
            s = plan.person(name=o["relatives"][0]["name"])
            r = plan.pay(s, "低保", low, _random_day(plan))
            plan.miss(m, "payments", [r], "与公职人员亲属同名，但身份证号不同")
        elif w == 2:
            o = plan.official(need_missing=1)
            s = plan.person(name=o["relatives"][1]["name"])
            r = plan.pay(s, "低保", low, _random_day(plan))
            plan.miss(
                m, "payments", [r], "亲属登记无身份证号，仅姓名相同，没有第二个相符字段"
            )
        else:
            o = plan.official()
            r = plan.pay(o, "农机补贴", 100 * plan.rint(2000, 30000), _random_day(plan))
            plan.miss(m, "payments", [r], "公职人员领取的是农机补贴，不是低保或特困")


def _other_unit(plan: Plan, unit):
    w = plan.world
    while True:
        u = w.units[plan.rint(0, w.n_units - 1)]
        if u.index != unit.index:
            return u


def _small_method(plan: Plan) -> str:
    return ("询价", "单一来源", "直接采购", "竞争性磋商")[plan.rint(0, 3)]


def _supplier_conflict(plan: Plan):
    m = "supplier_conflict"
    for i in range(plan.world.n_cases[m]):
        v = i % 4
        o = plan.official(need_ids=(0, 1))
        b = plan.business()
        if v == 0:
            k = plan.company(o, [(o, 0.51), (b, 0.49)])
            tag = "legal_rep_official"
        elif v == 1:
            k = plan.company(b, [(b, 0.97), (o["relatives"][0], 0.03)])
            tag = "shareholder_relative"
        elif v == 2:
            k = plan.company(o["relatives"][1], [(o["relatives"][1], 1.0)])
            tag = "legal_rep_relative"
        else:
            k = plan.company(b, [(b, 0.995), (o, 0.005)])
            tag = "shareholder_official"
        cents = 100 * plan.rint(50_000, 900_000)
        r = plan.contract(o["unit"], k, cents, _random_day(plan), _small_method(plan))
        plan.hit(m, "contracts", [r], tag)
    for i in range(plan.world.n_cases[m]):
        w = i % 3
        o = plan.official(need_ids=(0,))
        b = plan.business()
        buyer = _other_unit(plan, o["unit"])
        if w == 0:
            k = plan.company(o, [(o, 1.0)])
            reason = "供应商法定代表人是其他单位的公职人员"
        elif w == 1:
            buyer = o["unit"]
            s = plan.person(name=o["name"])
            k = plan.company(b, [(b, 0.8), (s, 0.2)])
            reason = "股东与采购单位公职人员同名，但身份证号不同"
        else:
            k = plan.company(o["relatives"][0], [(o["relatives"][0], 1.0)])
            reason = "供应商法定代表人是其他单位公职人员的亲属"
        cents = 100 * plan.rint(50_000, 900_000)
        r = plan.contract(buyer, k, cents, _random_day(plan), _small_method(plan))
        plan.miss(m, "contracts", [r], reason)


def _split_purchase(plan: Plan):
    m = "split_purchase"
    w_ = plan.world

    def unit():
        return w_.units[plan.rint(0, w_.n_units - 1)]

    for i in range(w_.n_cases[m]):
        v = i % 4
        u = unit()
        k = plan.company(plan.business(), [])
        plan.shareholders.append(_holder(k, plan.business(), 1.0))
        t = _random_day(plan, d26(1, 5), d26(11, 15))
        meth = ("询价", "直接采购")[i % 2]
        if v == 0:
            a = [100 * plan.rint(600_000, 700_000), 100 * plan.rint(450_000, 500_000)]
            days = [t, t + plan.rint(1, 20)]
            tags = ()
        elif v == 1:
            a = [100 * (x + plan.rint(0, 49_999)) for x in (400_000, 350_000, 300_000)]
            days = [t, t + plan.rint(1, 14), t + plan.rint(15, 29)]
            tags = ()
        elif v == 2:
            a = [50_000_000, 50_000_000]
            days = [t, t + 30]
            tags = ("boundary",)
        else:
            a = [60_000_000, 45_000_000, 30_000_000]
            days = [t, t + 20, t + 31]
            tags = ("window",)
        refs = [plan.contract(u, k, x, d, meth) for x, d in zip(a, days, strict=True)]
        plan.hit(m, "contracts", refs[:2] if v == 3 else refs, *tags)
    for i in range(w_.n_cases[m]):
        w = i % 4
        u = unit()
        k = plan.company(plan.business(), [])
        plan.shareholders.append(_holder(k, plan.business(), 1.0))
        t = _random_day(plan, d26(1, 5), d26(11, 15))
        if w == 0:
            refs = [
                plan.contract(u, k, 60_000_000, t, "询价"),
                plan.contract(u, k, 50_000_000, t + 31, "询价"),
            ]
            reason = "两份合同相隔 31 天，超出 30 天窗口"
        elif w == 1:
            refs = [
                plan.contract(u, k, 30_000_000, t, "询价"),
                plan.contract(u, k, 40_000_000, t + plan.rint(1, 10), "询价"),
            ]
            reason = "合计 70 万元，未达到 100 万元"
        elif w == 2:
            refs = [
                plan.contract(u, k, 100_000_000, t, "公开招标"),
                plan.contract(u, k, 30_000_000, t + 5, "询价"),
            ]
            reason = "其中一份合同已达 100 万元（不属于化整为零），其余不足两份"
        else:
            k2 = plan.company(plan.business(), [])
            plan.shareholders.append(_holder(k2, plan.business(), 1.0))
            refs = [
                plan.contract(u, k, 60_000_000, t, "询价"),
                plan.contract(u, k2, 50_000_000, t + 3, "询价"),
            ]
            reason = "同一采购单位，但供应商不同"
        plan.miss(m, "contracts", refs, reason)


def _holder(company: dict, p: dict, ratio: float) -> dict:
    return {
        "uscc": company["uscc"],
        "holder_name": p["name"],
        "holder_id_number": p["id_number"],
        "share_ratio": ratio,
    }


def _double_payroll(plan: Plan):
    m = "double_payroll"
    w_ = plan.world
    for i in range(w_.n_cases[m]):
        v = i % 4
        o = plan.official()
        a = o["unit"]
        plan.payroll_skip.add(o["idx"])
        if v in (0, 1):
            b = _other_unit(plan, a)
            month = plan.rint(1, 11)
            extra = (month,) if v == 0 else (month, month + 1)
            for mo in range(1, 13):
                ka = plan.salary(a, o, mo)
                if mo in extra:
                    kb = plan.salary(b, o, mo)
                    plan.hit(m, "payroll", [ka, kb], "two_units")
            continue
        if v == 2:
            death = d26(3, 1) + plan.rint(0, 200)
            last = _month_of(death) + 2
        else:
            death = day_number(date(2025, 11, 1)) + plan.rint(0, 29)
            last = 2
        plan.death(o, death)
        for mo in range(1, last + 1):
            k = plan.salary(a, o, mo)
            if YEAR * 12 + mo > _month_index(death):
                plan.hit(m, "payroll", [k], "after_death")
            elif YEAR * 12 + mo == _month_index(death):
                plan.miss(m, "payroll", [k], "死亡当月发放工资")
    for i in range(w_.n_cases[m]):
        o = plan.official()
        a = o["unit"]
        plan.payroll_skip.add(o["idx"])
        if i % 2 == 0:
            death = d26(2, 1) + plan.rint(0, 280)
            plan.death(o, death)
            for mo in range(1, _month_of(death) + 1):
                k = plan.salary(a, o, mo)
            plan.miss(m, "payroll", [k], "死亡当月发放工资，之后停发")
            continue
        b = _other_unit(plan, a)
        last_a = plan.rint(3, 9)
        keys = {}
        for mo in range(1, 13):
            keys[mo] = plan.salary(a if mo <= last_a else b, o, mo)
        plan.miss(
            m, "payroll", [keys[last_a], keys[last_a + 1]], "调动：先后在两个单位领薪"
        )
        plan.officials_skip.add(o["idx"])
        end = date(YEAR, last_a + 1, 1) - timedelta(days=1)
        start = _official_start(w_, o["idx"])
        for unit, lo, hi in (
            (a, start, day_number(end)),
            (b, day_number(end) + 1, None),
        ):
            plan.officials.append(
                {
                    "idx": o["idx"],
                    "unit_uscc": unit.uscc,
                    "unit_name": unit.name,
                    "start_date": lo,
                    "end_date": hi,
                }
            )


def _official_start(world: World, o: int) -> int:
    return int(world.hasher.integers(np.array([o]), "off-start", 7300, 20400)[0])


def _month_index(day: int) -> int:
    d = EPOCH + timedelta(days=int(day))
    return d.year * 12 + d.month


def _month_of(day: int) -> int:
    return (EPOCH + timedelta(days=int(day))).month


def _duplicate_payment(plan: Plan):
    m = "duplicate_payment"
    for i in range(plan.world.n_cases[m]):
        v = i % 4
        p = plan.person()
        if v == 0:
            cents = 100 * plan.rint(2000, 50000)
            day = _random_day(plan)
            refs = [plan.pay(p, "农机补贴", cents, day) for _ in range(2)]
            plan.hit(m, "payments", refs, "same_payment")
        elif v == 1:
            prog, cents = _pension(plan, p)
            mo = plan.rint(1, 10)
            for k in range(3):
                r = plan.pay(p, prog, cents, d26(mo + k, 15))
                if k == 1:
                    r2 = plan.pay(p, prog, cents, d26(mo + k, 15))
                    plan.hit(m, "payments", [r, r2], "same_payment")
        elif v == 2:
            acct = plan.spare_account()
            p2 = plan.person()
            refs = [
                plan.pay(p, "农机补贴", 100 * plan.rint(2000, 50000), _random_day(plan),
                         account=acct),
                plan.pay(p2, "危房改造", 100 * plan.rint(15000, 40000),
                         _random_day(plan), account=acct),
            ]  # fmt: skip
            plan.hit(m, "payments", refs, "shared_account")
        else:
            p3 = plan.person()
            refs = [
                plan.pay(p, "农机补贴", 100 * plan.rint(2000, 9000), d26(3, 8)),
                plan.pay(p, "农机补贴", 100 * plan.rint(10000, 50000), d26(9, 8)),
                plan.pay(p3, "危房改造", 100 * plan.rint(15000, 40000),
                         _random_day(plan), account=p["account"]),
            ]  # fmt: skip
            plan.hit(m, "payments", refs, "shared_account")
    for i in range(plan.world.n_cases[m]):
        w = i % 4
        if w == 0:
            p = plan.person()
            cents = 100 * plan.rint(2000, 50000)
            day = _random_day(plan, JAN1, DEC31 - 1)
            refs = [plan.pay(p, "农机补贴", cents, day + k) for k in (0, 1)]
            reason = "同一人同一金额，但发放日期不同"
        elif w == 1:
            p = plan.person()
            cents = 100 * plan.rint(300, 400)
            day = _random_day(plan)
            refs = [plan.pay(p, prog, cents, day) for prog in ("养老", "低保")]
            reason = "同一人同日同额，但项目不同"
        elif w == 2:
            p = plan.person()
            prog, cents = _pension(plan, p)
            refs = [
                plan.pay(p, prog, cents, d26(4, 12)),
                plan.pay(p, prog, cents, d26(5, 12), name_only=True),
            ]
            reason = "同一账号的两笔款项属于同一人（一笔仅有姓名和账号）"
        else:
            name = _COMMON_NAMES[i % len(_COMMON_NAMES)]
            p, q = plan.person(name=name), plan.person(name=name)
            cents = 100 * plan.rint(2000, 50000)
            day = _random_day(plan)
            refs = [plan.pay(x, "农机补贴", cents, day) for x in (p, q)]
            reason = "同名同日同额，但是两个不同的人（身份证号、账号均不同）"
        plan.miss(m, "payments", refs, reason)


def _vehicle_misuse(plan: Plan, background_plate_days):
    m = "vehicle_misuse"
    w_ = plan.world
    cal = w_.calendar
    days = np.arange(JAN1, DEC31 + 1)
    weekday = (days + 3) % 7
    kinds = [cal.get(EPOCH + timedelta(days=int(d))) for d in days]
    plain_weekend = [
        int(d)
        for d, wd, k in zip(days, weekday, kinds, strict=True)
        if wd >= 5 and k is None
    ]
    holiday_weekday = [
        int(d)
        for d, wd, k in zip(days, weekday, kinds, strict=True)
        if wd < 5 and k == "holiday"
    ]
    makeup = [int(d) for d, k in zip(days, kinds, strict=True) if k == "workday"]
    plain_workday = [
        int(d)
        for d, wd, k in zip(days, weekday, kinds, strict=True)
        if wd < 5 and k is None
    ]
    holidays = [int(d) for d, k in zip(days, kinds, strict=True) if k == "holiday"]

    def pick(pool: list[int]) -> tuple[int, int]:
        while True:
            p = plan.rint(0, w_.n_plates - 1)
            taken = background_plate_days(p) | plan.plate_days.get(p, set())
            free = [d for d in pool if d not in taken]
            if free:
                return p, free[plan.rint(0, len(free) - 1)]

    def sec() -> int:
        return plan.rint(1, 59)

    for i in range(w_.n_cases[m]):
        v = i % 5
        if v == 0:
            p, d = pick(plain_weekend)
            k = plan.trip(p, d, (plan.rint(8, 17), plan.rint(0, 59), sec()), None)
            plan.hit(m, "vehicles_use", [k], "weekend")
        elif v == 1:
            p, d = pick(holiday_weekday)
            k = plan.trip(p, d, (plan.rint(8, 17), plan.rint(0, 59), sec()), None)
            plan.hit(m, "vehicles_use", [k], "holiday")
        elif v == 2:
            p, d = pick(plain_workday)
            hour = (22, 23, 0, 1, 2, 3, 4, 5)[plan.rint(0, 7)]
            k = plan.trip(p, d, (hour, plan.rint(0, 59), sec()), None)
            plan.hit(m, "vehicles_use", [k], "night")
        elif v == 3:
            p, d = pick(plain_workday)
            hms = (22, 0, 0) if i % 2 == 0 else (5, 59, 59)
            k = plan.trip(p, d, hms, None)
            plan.hit(m, "vehicles_use", [k], "night", "boundary")
        else:
            p, d = pick(makeup)
            k = plan.trip(p, d, (22, plan.rint(30, 59), sec()), None)
            plan.hit(m, "vehicles_use", [k], "night", "makeup_workday")
    for i in range(w_.n_cases[m]):
        w = i % 5
        if w == 0:
            p, d = pick(plain_workday)
            purpose = vocab.NIGHT_PURPOSES[plan.rint(0, 3)]
            k = plan.trip(p, d, (23, plan.rint(0, 59), sec()), purpose)
            reason = "夜间出车，但登记了用车事由"
        elif w == 1:
            p, d = pick(makeup)
            k = plan.trip(p, d, (plan.rint(9, 16), plan.rint(0, 59), sec()), None)
            reason = "调休上班日的工作时间出车"
        elif w == 2:
            p, d = pick(plain_workday)
            k = plan.trip(p, d, (6, 0, 0), None)
            reason = "06:00:00 出车，不在 22:00–06:00 之间"
        elif w == 3:
            p, d = pick(plain_workday)
            k = plan.trip(p, d, (21, 59, 59), None)
            reason = "21:59:59 出车，不在 22:00–06:00 之间"
        else:
            p, d = pick(holidays)
            purpose = vocab.PURPOSES[plan.rint(0, len(vocab.PURPOSES) - 1)]
            k = plan.trip(p, d, (plan.rint(8, 17), plan.rint(0, 59), sec()), purpose)
            reason = "节假日出车，但登记了用车事由"
        plan.miss(m, "vehicles_use", [k], reason)
