"""The background: realistic rows of every dataset that hold no anomaly by design.

Why the background is clean, model by model (the ground truth relies on it):

- death_payment: the deceased draw a pension only while alive (pay date <= death).
- relative_welfare: 低保/特困 go to people of the "general" class only, never to an
  official or relative (those draw 养老 at most; a parent's 养老 is a near-miss).
- supplier_conflict: legal representatives and shareholders of background companies
  are "business" people, who are nobody's official or relative.
- split_purchase: contracts between the same buyer and supplier are at least 35 days
  apart, so no two fall in one 30-day window.
- double_payroll: each official is paid once a month by the own unit; nobody on the
  payroll is in the deaths data.
- duplicate_payment: one payment per person, program and month (one-off programs on
  different dates); every person has an own bank card, used for nothing else.
- vehicle_misuse: trips without a purpose start on working days between 07:00 and
  20:55; trips on non-working days or at night always carry a purpose.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vocab
from .codes import (
    affine,
    affine_params,
    day_number,
    decimal_cents,
    id_numbers,
    prefixed,
)
from .plan import Plan, typo_name
from .schema import ParquetSink, dates, make_table, table_from_rows
from .world import DEC31, JAN1, REGION_CODES, REGION_SHORT, YEAR, World

CHUNK = 500_000
_GENDER = pa.array(["女", "男"])


def _refs(table: pa.Table, key: str) -> dict[str, str]:
    ref = table.column("_ref")
    mask = pc.is_valid(ref)
    if not pc.any(mask).as_py():
        return {}
    sub = table.filter(mask)
    return dict(
        zip(sub.column("_ref").to_pylist(), sub.column(key).to_pylist(), strict=True)
    )


def _sorted(table: pa.Table, *keys: np.ndarray) -> pa.Table:
    order = np.lexsort(tuple(reversed(keys)))
    return table.take(pa.array(order))


def _region_str(region: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(REGION_CODES[region]), pa.string())


# ---------------------------------------------------------------------------
# persons
# ---------------------------------------------------------------------------


def write_residents(world: World, out) -> int:
    sink = ParquetSink(out, "residents")
    n = world.n_persons
    a, b = affine_params(n, world.seed, "residents-order")
    for lo in range(0, n, CHUNK):
        idx = affine(np.arange(lo, min(n, lo + CHUNK)), n, a, b)
        region, birth, seq, male = world.id_parts(idx)
        sink.write(
            make_table(
                "residents",
                {
                    "id_number": id_numbers(REGION_CODES[region], birth, seq),
                    "name": world.names(idx),
                    "gender": _GENDER.take(pa.array(male.astype(np.int8))),
                    "birth_date": dates(birth),
                    "region_code": _region_str(region),
                    "address": world.addresses(idx, region),
                },
            )
        )
    return sink.close()


def write_deaths(world: World, plan: Plan, out) -> int:
    dc = world.cls("deceased")
    idx = dc.start + np.arange(dc.size, dtype=np.int64)
    region, birth, seq, _ = world.id_parts(idx)
    death = world.death_day(idx)
    source = world.hasher.integers(idx, "death-src", 0, 3)
    bg = make_table(
        "deaths",
        {
            "id_number": id_numbers(REGION_CODES[region], birth, seq),
            "name": world.names(idx),
            "death_date": dates(death),
            "region_code": _region_str(region),
            "source": pa.array(vocab.DEATH_SOURCES).take(pa.array(source)),
        },
    )
    table = pa.concat_tables([bg, table_from_rows("deaths", plan.deaths)])
    key = np.asarray(table.column("death_date").cast(pa.int32()))
    tie = world.hasher.bits(np.arange(table.num_rows), "death-order")
    sink = ParquetSink(out, "deaths")
    sink.write(_sorted(table, key, tie))
    return sink.close()


def _official_columns(world: World, o: np.ndarray, unit: np.ndarray) -> dict:
    h = world.hasher
    pos_names, pos_cum = vocab.cumulative(vocab.POSITIONS)
    units_uscc = pa.array([u.uscc for u in world.units])
    units_name = pa.array([u.name for u in world.units])
    return {
        "id_number": world.id_numbers(o),
        "name": world.names(o),
        "unit_uscc": units_uscc.take(pa.array(unit)),
        "unit_name": units_name.take(pa.array(unit)),
        "position": pa.array(pos_names).take(pa.array(h.weighted(o, "pos", pos_cum))),
        "level": pa.array(vocab.LEVELS).take(
            pa.array(h.integers(o, "level", 0, len(vocab.LEVELS)))
        ),
        "start_date": dates(h.integers(o, "off-start", 7300, 20400)),
        "end_date": pa.nulls(len(o), pa.date32()),
    }


def write_officials(world: World, plan: Plan, out) -> int:
    o = np.arange(world.n_officials, dtype=np.int64)
    o = o[~np.isin(o, np.fromiter(plan.officials_skip, np.int64))]
    bg = make_table("officials", _official_columns(world, o, world.official_unit(o)))
    parts = [bg]
    if plan.officials:
        po = np.array([r["idx"] for r in plan.officials], np.int64)
        cols = _official_columns(world, po, np.zeros(len(po), np.int64))
        cols["unit_uscc"] = pa.array([r["unit_uscc"] for r in plan.officials])
        cols["unit_name"] = pa.array([r["unit_name"] for r in plan.officials])
        cols["start_date"] = dates([r["start_date"] for r in plan.officials])
        cols["end_date"] = pa.array(
            [r["end_date"] for r in plan.officials], pa.int32()
        ).cast(pa.date32())
        parts.append(make_table("officials", cols))
    table = pa.concat_tables(parts)
    sink = ParquetSink(out, "officials")
    sink.write(table)
    return sink.close()


def write_relatives(world: World, out) -> int:
    sink = ParquetSink(out, "relatives")
    for lo in range(0, world.n_officials, CHUNK):
        o = np.arange(lo, min(world.n_officials, lo + CHUNK), dtype=np.int64)
        off_ids = world.id_numbers(o)
        parts = []
        for k in range(4):
            rel = world.relative(o, k)
            ids = world.id_numbers(rel)
            missing = world.relative_id_missing(rel)
            ids = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), ids)
            parts.append(
                make_table(
                    "relatives",
                    {
                        "official_id_number": off_ids,
                        "relative_name": world.names(rel),
                        "relative_id_number": ids,
                        "relation": pa.array(world.relation(o, k).tolist()),
                    },
                )
            )
        table = pa.concat_tables(parts)
        # Interleave: each official's relatives together.
        order = np.arange(4 * len(o)).reshape(4, len(o)).T.ravel()
        sink.write(table.take(pa.array(order)))
    return sink.close()


# ---------------------------------------------------------------------------
# companies, shareholders, contracts
# ---------------------------------------------------------------------------

_COMPANY_ADDR = pa.array(
    [
        "河南省郑州市郑东新区" if c == "河南" else f"河南省{c}市"
        for c in vocab.COMPANY_CITIES
    ]
)


def write_companies(world: World, plan: Plan, out) -> tuple[int, int]:
    h = world.hasher
    n = world.n_companies
    sinks = ParquetSink(out, "companies"), ParquetSink(out, "shareholders")
    n_chunks = max(1, math.ceil(n / CHUNK))
    extra_c = [[] for _ in range(n_chunks)]
    extra_s = [[] for _ in range(n_chunks)]
    by_uscc = {}
    for r in plan.companies:
        k = int(h.integers(np.array([len(by_uscc)]), "planted-chunk", 0, n_chunks)[0])
        by_uscc[r["uscc"]] = k
        extra_c[k].append(r)
    for r in plan.shareholders:
        extra_s[by_uscc[r["uscc"]]].append(r)
    stat_names, stat_cum = vocab.cumulative(vocab.COMPANY_STATUS)
    bz = world.cls("business")
    for ci, lo in enumerate(range(0, n, CHUNK)):
        c = np.arange(lo, min(n, lo + CHUNK), dtype=np.int64)
        uscc = world.company_usccs(c)
        name = world.company_names(c)
        rep = world.company_rep(c)
        city = world.company_core(c)[0]
        street = h.integers(c, "c-street", 0, len(vocab.STREETS))
        address = pc.binary_join_element_wise(
            _COMPANY_ADDR.take(pa.array(city)),
            pa.array(vocab.STREETS).take(pa.array(street)),
            pc.cast(pa.array(h.integers(c, "c-no", 1, 500)), pa.string()),
            pa.scalar("号"),
            "",
        )
        comp = make_table(
            "companies",
            {
                "uscc": uscc,
                "name": name,
                "legal_rep_name": world.names(rep),
                "legal_rep_id_number": world.id_numbers(rep),
                "reg_date": dates(
                    h.integers(
                        c,
                        "c-reg",
                        day_number(date(2000, 1, 1)),
                        day_number(date(2025, 12, 31)),
                    )
                ),
                "status": pa.array(stat_names).take(
                    pa.array(h.weighted(c, "c-status", stat_cum))
                ),
                "address": address,
            },
        )
        if extra_c[ci]:
            comp = pa.concat_tables([comp, table_from_rows("companies", extra_c[ci])])
        comp = comp.sort_by("uscc")
        sinks[0].write(comp)

        # Shareholders: the legal representative first, then people or companies.
        nsh = 1 + h.integers(c, "nsh", 0, 3)
        cc = np.repeat(c, nsh)
        first = np.repeat(np.cumsum(nsh) - nsh, nsh)
        j = np.arange(len(cc)) - first
        key = cc * 4 + j
        rep_local = np.repeat(rep - bz.start, nsh)
        person = bz.start + (rep_local + j * (bz.size // 3 + 1)) % bz.size
        corp = (j > 0) & (h.uniform(key, "corp-holder") < 0.1)
        other = (cc + 1 + h.integers(key, "corp-pick", 0, max(1, n - 1))) % n
        names = world.names(person)
        ids = world.id_numbers(person)
        if corp.any():
            m = pa.array(corp)
            names = pc.replace_with_mask(names, m, world.company_names(other[corp]))
            ids = pc.if_else(m, pa.scalar(None, pa.string()), ids)
        u1 = h.uniform(cc, "ratio1")
        u2 = h.uniform(cc, "ratio2")
        n_of = np.repeat(nsh, nsh)
        r1 = np.where(n_of == 2, 0.5 + 0.4 * u1, 0.4 + 0.3 * u1).round(4)
        r2 = np.where(n_of == 2, 1 - r1, ((1 - r1) * (0.4 + 0.4 * u2)).round(4))
        r3 = 1 - r1 - r2
        ratio = np.select([n_of == 1, j == 0, j == 1], [1.0, r1, r2], r3).round(4)
        sh = make_table(
            "shareholders",
            {
                "uscc": pc.take(uscc, pa.array(cc - lo)),
                "holder_name": names,
                "holder_id_number": ids,
                "share_ratio": pa.array(ratio),
            },
        )
        if extra_s[ci]:
            sh = pa.concat_tables([sh, table_from_rows("shareholders", extra_s[ci])])
        sinks[1].write(sh.sort_by("uscc"))
    return sinks[0].close(), sinks[1].close()


_METHOD_W = np.cumsum([15, 30, 10, 35, 10]).astype(np.float64)
# Amount ranges (yuan) per method in vocab.METHODS order.
_METHOD_AMOUNT = np.array(
    [[1_000_000, 20_000_000], [10_000, 900_000], [50_000, 2_000_000], [1_000, 200_000],
     [200_000, 3_000_000]], np.int64
)  # fmt: skip


def _coprime(n: int, start: int) -> int:
    k = start
    while math.gcd(k, n) != 1:
        k += 1
    return k


def write_contracts(world: World, plan: Plan, out) -> tuple[int, dict]:
    h = world.hasher
    u, cbg = world.n_units, world.n_companies
    n_pairs = math.ceil(world.n_contracts / 2)
    p = np.arange(n_pairs, dtype=np.int64)
    k = 1 + h.integers(p, "kp", 0, 3)
    buyer = p % u
    t = p // u
    step = _coprime(cbg, 7919 % cbg or 1)
    supplier = (t * step + h.integers(buyer, "sup-off", 0, cbg)) % cbg
    assert t.max() < cbg, "not enough companies for distinct pairs"
    pr = np.repeat(p, k)
    j = np.arange(len(pr)) - np.repeat(np.cumsum(k) - k, k)
    key = pr * 3 + j
    gap = np.where(j > 0, h.integers(key, "gap", 35, 71), 0)
    span = 365 - 71 * (np.repeat(k, k) - 1)
    first = JAN1 + (h.bits(pr, "first") % span.astype(np.uint64)).astype(np.int64)
    cum = np.cumsum(gap)
    day = first + cum - np.repeat(cum[np.cumsum(k) - k], k)
    assert day.max() <= DEC31
    method = h.weighted(key, "method", _METHOD_W)
    lo_hi = _METHOD_AMOUNT[method]
    yuan = lo_hi[:, 0] + (
        h.bits(key, "amount") % (lo_hi[:, 1] - lo_hi[:, 0]).astype(np.uint64)
    ).astype(np.int64)
    cents = np.where(h.uniform(key, "round") < 0.6, yuan // 100 * 100, yuan) * 100
    bu = buyer[pr]
    sup = supplier[pr]
    bg = make_table(
        "contracts",
        {
            "contract_id": pa.nulls(len(pr), pa.string()),
            "buyer_unit_uscc": pa.array([x.uscc for x in world.units]).take(
                pa.array(bu)
            ),
            "buyer_unit_name": pa.array([x.name for x in world.units]).take(
                pa.array(bu)
            ),
            "supplier_uscc": world.company_usccs(sup),
            "supplier_name": world.company_names(sup),
            "amount": decimal_cents(cents),
            "sign_date": dates(day),
            "method": pa.array(vocab.METHODS).take(pa.array(method)),
            "subject": pa.array(vocab.SUBJECTS).take(
                pa.array(h.integers(key, "subject", 0, len(vocab.SUBJECTS)))
            ),
        },
        ref=True,
    )
    rows = [dict(r, contract_id=None) for r in plan.contracts]
    table = pa.concat_tables([bg, table_from_rows("contracts", rows, ref=True)])
    sign = np.asarray(table.column("sign_date").cast(pa.int32()))
    tie = h.bits(np.arange(table.num_rows), "contract-order")
    table = _sorted(table, sign, tie)
    ids = prefixed(f"CG{YEAR}", np.arange(1, table.num_rows + 1), 7)
    table = table.set_column(0, "contract_id", ids)
    refs = _refs(table, "contract_id")
    sink = ParquetSink(out, "contracts")
    sink.write(table)
    return sink.close(), refs


# ---------------------------------------------------------------------------
# payments
# ---------------------------------------------------------------------------

P_PENSION, P_LOW, P_DESTITUTE, P_FARM, P_HOUSE = range(5)
_DOB_1966 = day_number(date(1966, 12, 31))


class _Streams:
    """Monthly payments (养老/低保/特困) and one-off ones (农机补贴/危房改造)."""

    def __init__(self, world: World):
        self.world = world
        h = world.hasher
        person, prog, start, end, general = [], [], [], [], []
        once_p, once_prog, once_day, once_amt = [], [], [], []
        g = world.cls("general")
        for lo in range(g.start, g.start + g.size, CHUNK):
            idx = np.arange(lo, min(g.start + g.size, lo + CHUNK), dtype=np.int64)
            _, birth, _, _ = world.id_parts(idx)
            u = h.uniform(idx, "welfare")
            for code, m in (
                (P_LOW, u < 0.095),
                (P_DESTITUTE, (u >= 0.095) & (u < 0.115)),
                (P_PENSION, (birth <= _DOB_1966) & (h.uniform(idx, "pension") < 0.95)),
            ):
                person.append(idx[m])
                prog.append(np.full(m.sum(), code))
                end.append(np.full(m.sum(), DEC31))
                general.append(np.ones(m.sum(), bool))
            farm = h.uniform(idx, "farm") < 0.03
            house = h.uniform(idx, "house") < 0.015
            once_p += [idx[farm], idx[house]]
            once_prog += [np.full(farm.sum(), P_FARM), np.full(house.sum(), P_HOUSE)]
        parent = world.cls("parent")
        idx = parent.start + np.arange(parent.size, dtype=np.int64)
        m = h.uniform(idx, "pension") < 0.85
        person.append(idx[m])
        prog.append(np.full(m.sum(), P_PENSION))
        end.append(np.full(m.sum(), DEC31))
        general.append(np.zeros(m.sum(), bool))
        dc = world.cls("deceased")
        idx = dc.start + np.arange(dc.size, dtype=np.int64)
        death = world.death_day(idx)
        _, birth, _, _ = world.id_parts(idx)
        m = (death >= JAN1) & (birth <= _DOB_1966) & (h.uniform(idx, "pension") < 0.8)
        person.append(idx[m])
        prog.append(np.full(m.sum(), P_PENSION))
        end.append(death[m])  # paid only while alive: pay date <= death date
        general.append(np.zeros(m.sum(), bool))
        bz = world.cls("business")
        idx = bz.start + np.arange(bz.size, dtype=np.int64)
        farm = h.uniform(idx, "farm") < 0.02
        once_p.append(idx[farm])
        once_prog.append(np.full(farm.sum(), P_FARM))

        self.person = np.concatenate(person)
        self.prog = np.concatenate(prog).astype(np.int64)
        self.end = np.concatenate(end).astype(np.int64)
        self.general = np.concatenate(general)
        sid = np.arange(len(self.person), dtype=np.int64)
        late = h.uniform(sid, "late-start") < 0.05
        start = np.where(late, h.integers(sid, "start-month", 2, 13), 1)
        self.start = start
        amount = {
            P_PENSION: (150, 400),
            P_LOW: (300, 700),
            P_DESTITUTE: (600, 1000),
        }
        lo = np.array([amount.get(int(c), (0, 1))[0] for c in range(5)])
        hi = np.array([amount.get(int(c), (0, 1))[1] for c in range(5)])
        yuan = lo[self.prog] + (
            h.bits(sid, "stream-amt") % (hi - lo)[self.prog].astype(np.uint64)
        ).astype(np.int64)
        half = h.uniform(sid, "half") < 0.3
        self.cents = yuan * 100 + half * 50
        self.strings = self._strings(self.person, self.prog)

        # One-off payments: a second 农机补贴 for some, in another month.
        op = np.concatenate(once_p)
        oprog = np.concatenate(once_prog).astype(np.int64)
        oid = np.arange(len(op), dtype=np.int64)
        second = (oprog == P_FARM) & (h.uniform(oid, "farm-2") < 0.3)
        op2 = np.concatenate([op, op[second]])
        oprog2 = np.concatenate([oprog, oprog[second]])
        m1 = h.integers(oid, "once-month", 1, 13)
        m2 = (m1[second] - 1 + h.integers(oid[second], "once-m2", 1, 12)) % 12 + 1
        month = np.concatenate([m1, m2])
        key = np.arange(len(op2), dtype=np.int64)
        dom = h.integers(key, "once-dom", 1, 29)
        once_day.append(
            np.array(
                [day_number(date(YEAR, int(mm), 1)) for mm in range(1, 13)], np.int64
            )[month - 1]
            + dom
            - 1
        )
        farm_yuan = 2_000 + h.integers(key, "farm-amt", 0, 48_001)
        house_yuan = 15_000 + h.integers(key, "house-amt", 0, 25_001)
        once_amt.append(np.where(oprog2 == P_FARM, farm_yuan, house_yuan) * 100)
        self.once_person = op2
        self.once_prog = oprog2
        self.once_month = month
        self.once_day = once_day[0]
        self.once_cents = once_amt[0]
        self.once_strings = self._strings(op2, oprog2)

    def _strings(self, person: np.ndarray, prog: np.ndarray) -> dict:
        world = self.world
        region, birth, seq, _ = world.id_parts(person)
        payer = pa.array(
            [short + dept for short in REGION_SHORT for dept in vocab.PROGRAM_PAYER]
        )
        dom = 5 + (region * 7 + prog * 3) % 16
        return {
            "id": id_numbers(REGION_CODES[region], birth, seq),
            "name": world.names(person),
            "account": world.accounts(person),
            "region": _region_str(region),
            "payer": payer.take(pa.array(region * 5 + prog)),
            "dom": dom,
        }


def _typo_names(names: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return names
    vals = [typo_name(x) for x in names.filter(pa.array(mask)).to_pylist()]
    return pc.replace_with_mask(names, pa.array(mask), pa.array(vals))


def write_payments(world: World, plan: Plan, out) -> tuple[int, dict]:
    h = world.hasher
    st = _Streams(world)
    sink = ParquetSink(out, "payments")
    refs: dict[str, str] = {}
    programs = pa.array(vocab.PROGRAMS)
    by_month: dict[int, list[dict]] = {}
    for r in plan.payments:
        mo = (
            int(
                np.datetime64(int(r["pay_date"]), "D")
                .astype("datetime64[M]")
                .astype(np.int64)
            )
            % 12
        )
        by_month.setdefault(mo + 1, []).append(r)
    for month in range(1, 13):
        first = day_number(date(YEAR, month, 1))
        pay_day = first + st.strings["dom"] - 1
        active = np.nonzero((st.start <= month) & (pay_day <= st.end))[0]
        sid = active.astype(np.int64)
        row_key = sid * 16 + month
        no_id = (
            st.general[sid]
            & (st.prog[sid] <= P_LOW)
            & (month > st.start[sid])
            & (h.uniform(row_key, "no-id") < 0.004)
        )
        take = pa.array(sid)
        ids = st.strings["id"].take(take)
        ids = pc.if_else(pa.array(no_id), pa.scalar(None, pa.string()), ids)
        names = _typo_names(
            st.strings["name"].take(take),
            ~no_id & (h.uniform(row_key, "typo") < 0.0005),
        )
        monthly = make_table(
            "payments",
            {
                "payment_id": pa.nulls(len(sid), pa.string()),
                "program": programs.take(pa.array(st.prog[sid])),
                "payee_name": names,
                "payee_id_number": ids,
                "bank_account": st.strings["account"].take(take),
                "amount": decimal_cents(st.cents[sid]),
                "pay_date": dates(pay_day[sid]),
                "region_code": st.strings["region"].take(take),
                "paying_unit": st.strings["payer"].take(take),
            },
            ref=True,
        )
        oi = np.nonzero(st.once_month == month)[0]
        ot = pa.array(oi)
        once = make_table(
            "payments",
            {
                "payment_id": pa.nulls(len(oi), pa.string()),
                "program": programs.take(pa.array(st.once_prog[oi])),
                "payee_name": st.once_strings["name"].take(ot),
                "payee_id_number": st.once_strings["id"].take(ot),
                "bank_account": st.once_strings["account"].take(ot),
                "amount": decimal_cents(st.once_cents[oi]),
                "pay_date": dates(st.once_day[oi]),
                "region_code": st.once_strings["region"].take(ot),
                "paying_unit": st.once_strings["payer"].take(ot),
            },
            ref=True,
        )
        parts = [monthly, once]
        planted = by_month.get(month, [])
        if planted:
            rows = [dict(r, payment_id=None) for r in planted]
            parts.append(table_from_rows("payments", rows, ref=True))
        table = pa.concat_tables(parts)
        pay = np.asarray(table.column("pay_date").cast(pa.int32()))
        region = np.asarray(pc.cast(table.column("region_code"), pa.int64()))
        tie = h.bits(np.arange(table.num_rows) + month * 10**9, "pay-order")
        table = _sorted(table, pay, region, tie)
        ids = prefixed(f"FK{YEAR}{month:02d}", np.arange(1, table.num_rows + 1), 7)
        table = table.set_column(0, "payment_id", ids)
        refs.update(_refs(table, "payment_id"))
        sink.write(table)
    return sink.close(), refs


# ---------------------------------------------------------------------------
# payroll and cars
# ---------------------------------------------------------------------------


def write_payroll(world: World, plan: Plan, out) -> int:
    o = np.arange(world.n_officials, dtype=np.int64)
    o = o[~np.isin(o, np.fromiter(plan.payroll_skip, np.int64))]
    unit = world.official_unit(o)
    uscc = pa.array([u.uscc for u in world.units]).take(pa.array(unit))
    uname = pa.array([u.name for u in world.units]).take(pa.array(unit))
    ids, names, accts = world.id_numbers(o), world.names(o), world.accounts(o)
    sink = ParquetSink(out, "payroll")
    by_month: dict[str, list[dict]] = {}
    for r in plan.payroll:
        by_month.setdefault(r["month"], []).append(r)
    for month in range(1, 13):
        label = f"{YEAR}-{month:02d}"
        bg = make_table(
            "payroll",
            {
                "payroll_unit_uscc": uscc,
                "payroll_unit_name": uname,
                "id_number": ids,
                "name": names,
                "month": pa.array([label] * len(o)),
                "amount": decimal_cents(world.salary_cents(o, month)),
                "bank_account": accts,
            },
        )
        parts = [bg]
        if by_month.get(label):
            parts.append(table_from_rows("payroll", by_month[label]))
        table = pa.concat_tables(parts)
        sink.write(table.sort_by([("payroll_unit_uscc", "ascending")]))
    return sink.close()


def _trip_step(world: World) -> int:
    n_w, n_n = len(world.work_days), len(world.nonwork_days)
    k = 37
    while math.gcd(k, n_w) != 1 or math.gcd(k, n_n) != 1:
        k += 1
    return k


def trip_days(world: World, k: np.ndarray) -> np.ndarray:
    """Start days of background trips k (distinct for each plate)."""
    h = world.hasher
    k = np.asarray(k, np.int64)
    p, j = k % world.n_plates, k // world.n_plates
    step = _trip_step(world)
    wd, nd = world.work_days, world.nonwork_days
    nonwork = h.uniform(k, "trip-nonwork") < 0.06
    iw = (h.integers(p, "trip-off-w", 0, len(wd)) + j * step) % len(wd)
    inw = (h.integers(p, "trip-off-n", 0, len(nd)) + j * step) % len(nd)
    return np.where(nonwork, nd[inw], wd[iw])


def plate_days(world: World, p: int) -> set[int]:
    k = np.arange(p, world.n_trips, world.n_plates, dtype=np.int64)
    return set(trip_days(world, k).tolist())


def write_vehicles(world: World, plan: Plan, out) -> int:
    h = world.hasher
    k = np.arange(world.n_trips, dtype=np.int64)
    p = k % world.n_plates
    assert world.n_trips <= world.n_plates * min(
        len(world.work_days), len(world.nonwork_days)
    )
    day = trip_days(world, k)
    working = world.working[day - JAN1]
    night = working & (h.uniform(k, "night") < 0.02)
    hour = np.where(
        night,
        np.array([22, 23, 0, 1, 2, 3, 4, 5])[h.integers(k, "night-h", 0, 8)],
        np.where(working, h.integers(k, "hour", 7, 21), h.integers(k, "hour", 8, 21)),
    )
    minute = 5 * h.integers(k, "minute", 0, 12)
    start = day * 86400 + hour * 3600 + minute * 60
    end = start + 60 * h.integers(k, "duration", 20, 361)
    no_purpose = working & ~night & (h.uniform(k, "no-purpose") < 0.35)
    purpose = pa.array(vocab.PURPOSES).take(
        pa.array(h.integers(k, "purpose", 0, len(vocab.PURPOSES)))
    )
    night_purpose = pa.array(vocab.NIGHT_PURPOSES).take(
        pa.array(h.integers(k, "purpose", 0, len(vocab.NIGHT_PURPOSES)))
    )
    purpose = pc.if_else(pa.array(night), night_purpose, purpose)
    purpose = pc.if_else(pa.array(no_purpose), pa.scalar(None, pa.string()), purpose)
    unit = p % world.n_units
    n_u = (world.n_officials - 1 - unit) // world.n_units + 1
    driver = unit + world.n_units * (
        h.bits(p * 2 + (k // world.n_plates) % 2, "driver") % n_u.astype(np.uint64)
    ).astype(np.int64)
    bg = make_table(
        "vehicles_use",
        {
            "plate": world.plate(p),
            "unit_name": pa.array([u.name for u in world.units]).take(pa.array(unit)),
            "start_time": pa.array(start).cast(pa.timestamp("s")),
            "end_time": pa.array(end).cast(pa.timestamp("s")),
            "driver_name": world.names(driver),
            "purpose": purpose,
        },
    )
    table = pa.concat_tables([bg, table_from_rows("vehicles_use", plan.vehicles)])
    st = np.asarray(table.column("start_time").cast(pa.int64()))
    tie = h.bits(np.arange(table.num_rows), "trip-order")
    sink = ParquetSink(out, "vehicles_use")
    sink.write(_sorted(table, st, tie))
    return sink.close()
