"""The synthetic province: sizes, the calendar, units, persons and companies.

Persons and companies are numbered; every attribute is a pure function of the number
(see :mod:`.codes`), so a dataset can be written in chunks and any row can refer to a
person by index without a lookup table. Persons are laid out in classes whose roles
never overlap in the background data — officials, their relatives, the deceased,
business people, people reserved for planted cases, everyone else — and each class
has its own block of ID sequence codes, so ID numbers are unique by construction.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import vocab
from .codes import (
    Hasher,
    affine,
    affine_params,
    bank_accounts,
    day_number,
    digits,
    id_numbers,
    usccs,
)

YEAR = 2026
JAN1 = day_number(date(YEAR, 1, 1))
DEC31 = day_number(date(YEAR, 12, 31))

# Benchmark province at scale 1.0 (issue 4).
BASE = {
    "residents": 5_000_000,
    "deaths": 300_000,
    "officials": 200_000,
    "companies": 1_000_000,
    "contracts": 1_000_000,
    "vehicles_use": 500_000,
    "units": 4_000,
    "business": 600_000,
}
# Planted cases per model at scale 1.0; at least MIN_CASES at any scale.
CASES = {
    "death_payment": 800,
    "relative_welfare": 800,
    "supplier_conflict": 400,
    "split_purchase": 300,
    "double_payroll": 400,
    "duplicate_payment": 800,
    "vehicle_misuse": 800,
}
MIN_CASES = 8


def calendar_2026(path: str | Path | None = None) -> dict[date, str]:
    """The official 2026 calendar: date -> "holiday" | "workday" (调休上班)."""
    if path is None:
        path = Path(__file__).resolve().parents[3] / "core/data/holidays_2026.csv"
    with open(path, encoding="utf-8") as fh:
        return {date.fromisoformat(r["date"]): r["kind"] for r in csv.DictReader(fh)}


@dataclass(frozen=True)
class PersonClass:
    name: str
    start: int
    size: int
    seq_lo: int
    seq_pairs: int
    birth_lo: int
    birth_days: int
    a: int
    b: int

    @property
    def cap(self) -> int:
        return len(REGIONS) * self.seq_pairs * self.birth_days


REGIONS = vocab.regions()
REGION_CODES = np.array([r[0] for r in REGIONS], np.int64)
REGION_CITY = np.array([r[3] for r in REGIONS], np.int64)


def _region_full(r) -> str:
    code, city, county, _ = r
    if city == "省直辖":
        return f"河南省{county}"
    return f"河南省{city}{county}"


def _region_short(r) -> str:
    """The name a unit carries: 郑州市金水区, 中牟县, 巩义市."""
    code, city, county, _ = r
    if county.endswith("区") and city != "省直辖":
        return city + county
    return county


REGION_FULL = pa.array([_region_full(r) for r in REGIONS])
REGION_SHORT = [_region_short(r) for r in REGIONS]

# (name, seq_lo, seq_pairs, first birth date, last birth date)
_CLASS_SPECS = (
    ("official", 500, 30, date(1966, 1, 1), date(2000, 12, 31)),
    ("spouse", 560, 20, date(1964, 1, 1), date(2001, 12, 31)),
    ("child", 600, 30, date(1988, 1, 1), date(2016, 12, 31)),
    ("parent", 660, 30, date(1936, 1, 1), date(1964, 12, 31)),
    ("other", 720, 15, date(1960, 1, 1), date(2002, 12, 31)),
    ("deceased", 750, 50, date(1925, 1, 1), date(1975, 12, 31)),
    ("business", 850, 50, date(1955, 1, 1), date(2000, 12, 31)),
    ("planted", 950, 25, date(1936, 1, 1), date(2000, 12, 31)),
    ("general", 2, 249, date(1935, 1, 1), date(2015, 12, 31)),
)


@dataclass
class Unit:
    index: int
    name: str
    uscc: str
    region: int  # index into REGIONS


@dataclass
class World:
    """Sizes and deterministic attribute functions of one synthetic province."""

    scale: float
    seed: int
    calendar: dict[date, str]
    hasher: Hasher = field(init=False)
    name_override: dict[int, str] = field(default_factory=dict)

    def __post_init__(self):
        s = self.scale
        self.hasher = Hasher(self.seed)
        self.n_cases = {k: max(MIN_CASES, round(v * s)) for k, v in CASES.items()}
        self.n_officials = max(100, round(BASE["officials"] * s))
        self.n_units = max(6, round(BASE["units"] * s))
        self.n_deceased = max(30, round(BASE["deaths"] * s))
        self.n_business = max(40, round(BASE["business"] * s))
        self.n_companies = max(80, round(BASE["companies"] * s))
        self.n_contracts = max(80, round(BASE["contracts"] * s))
        self.n_trips = max(200, round(BASE["vehicles_use"] * s))
        self.n_planted = 4 * sum(self.n_cases.values()) + 60
        o = self.n_officials
        fixed = 5 * o + self.n_deceased + self.n_business + self.n_planted
        self.n_general = max(round(BASE["residents"] * s) - fixed, fixed // 2, 500)
        sizes = {
            "official": o,
            "spouse": o,
            "child": o,
            "parent": o,
            "other": o,
            "deceased": self.n_deceased,
            "business": self.n_business,
            "planted": self.n_planted,
            "general": self.n_general,
        }
        self.classes: dict[str, PersonClass] = {}
        start = 0
        for name, seq_lo, pairs, lo, hi in _CLASS_SPECS:
            days = (hi - lo).days + 1
            cap = len(REGIONS) * pairs * days
            a, b = affine_params(cap, self.seed, "cls-" + name)
            self.classes[name] = PersonClass(
                name, start, sizes[name], seq_lo, pairs, day_number(lo), days, a, b
            )
            start += sizes[name]
        self.n_persons = start
        self._starts = np.array([c.start for c in self.classes.values()], np.int64)
        self._class_list = list(self.classes.values())
        self.units = self._build_units()
        self.n_plates = max(2 * self.n_units, math.ceil(self.n_trips / 60))
        self._build_calendar()

    # -- calendar ----------------------------------------------------------

    def _build_calendar(self):
        days = np.arange(JAN1, DEC31 + 1, dtype=np.int64)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        working = weekday < 5
        for d, kind in self.calendar.items():
            if d.year == YEAR:
                working[day_number(d) - JAN1] = kind == "workday"
        self.working = working  # indexed by day - JAN1
        self.work_days = days[working]
        self.nonwork_days = days[~working]

    def is_working(self, day: int) -> bool:
        return bool(self.working[day - JAN1])

    # -- units -------------------------------------------------------------

    def _build_units(self) -> list[Unit]:
        cand: list[tuple[str, str, int]] = []
        for ci, (_code, city, _counties) in enumerate(vocab.CITIES):
            if city == "省直辖":
                continue
            first = next(i for i, r in enumerate(REGIONS) if r[3] == ci)
            cand += [(city + d, "11", first) for d in vocab.CITY_DEPTS]
        for ri, _r in enumerate(REGIONS):
            short = REGION_SHORT[ri]
            cand += [(short + d, "11", ri) for d in vocab.COUNTY_ORGANS]
            cand += [(short + d, "12", ri) for d in vocab.COUNTY_INSTITUTIONS]
            root = vocab.TOWNSHIP_ROOTS[ri % len(vocab.TOWNSHIP_ROOTS)]
            cand.append((f"{short}{root}镇人民政府", "11", ri))
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(cand))
        n = self.n_units
        if n > len(cand):
            raise ValueError(f"at most {len(cand)} units (scale too large)")
        picked = [cand[i] for i in order[:n]]
        serial = (np.arange(n, dtype=np.int64) * 7919 + 11_000_000) % 10**8
        out = []
        for kind in ("11", "12"):
            idx = [i for i, p in enumerate(picked) if p[1] == kind]
            if not idx:
                continue
            codes = usccs(
                kind,
                REGION_CODES[[picked[i][2] for i in idx]],
                serial[idx],
                np.zeros(len(idx), bool),
            ).to_pylist()
            out += [(i, c) for i, c in zip(idx, codes, strict=True)]
        code_of = dict(out)
        return [Unit(i, p[0], code_of[i], p[2]) for i, p in enumerate(picked)]

    # -- persons -----------------------------------------------------------

    def cls(self, name: str) -> PersonClass:
        return self.classes[name]

    def class_of(self, idx: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._starts, idx, side="right") - 1

    def male(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, np.int64)
        male = self.hasher.uniform(idx, "gender") < 0.5
        sp = self.classes["spouse"]
        is_sp = (idx >= sp.start) & (idx < sp.start + sp.size)
        if is_sp.any():
            off = self.classes["official"].start + (idx[is_sp] - sp.start)
            male[is_sp] = ~(self.hasher.uniform(off, "gender") < 0.5)
        return male

    def id_parts(self, idx: np.ndarray):
        """Region index, birth day number and sequence code of persons."""
        idx = np.asarray(idx, np.int64)
        region = np.empty(len(idx), np.int64)
        birth = np.empty(len(idx), np.int64)
        seq = np.empty(len(idx), np.int64)
        male = self.male(idx)
        ci = self.class_of(idx)
        r = len(REGIONS)
        for k in np.unique(ci):
            c = self._class_list[k]
            m = ci == k
            slot = affine(idx[m] - c.start, c.cap, c.a, c.b)
            region[m] = slot % r
            t = slot // r
            seq[m] = c.seq_lo + 2 * (t % c.seq_pairs) + male[m]
            birth[m] = c.birth_lo + t // c.seq_pairs
        return region, birth, seq, male

    def id_numbers(self, idx: np.ndarray) -> pa.Array:
        region, birth, seq, _ = self.id_parts(idx)
        return id_numbers(REGION_CODES[region], birth, seq)

    def accounts(self, idx: np.ndarray) -> pa.Array:
        """Each person's own bank card; indices >= n_persons give spare cards."""
        idx = np.asarray(idx, np.int64)
        a, b = affine_params(10**12, self.seed, "account")
        numbers = affine(idx, 10**12, a, b)
        out = bank_accounts(numbers, "622848")
        bins = self.hasher.integers(idx, "bin", 0, 4)
        for k, prefix in enumerate(("621700", "622202", "623059"), start=1):
            m = bins == k
            if m.any():
                alt = bank_accounts(numbers[m], prefix)
                out = pc.replace_with_mask(out, pa.array(m), alt)
        return out

    def names(self, idx: np.ndarray) -> pa.Array:
        """Full names: surname + given name, a few 维吾尔族 names with a middle dot."""
        idx = np.asarray(idx, np.int64)
        h = self.hasher
        n = len(idx)
        male = self.male(idx)
        sur = h.weighted(idx, "surname", _SUR_CUM)
        ch = self.classes["child"]
        is_child = (idx >= ch.start) & (idx < ch.start + ch.size)
        if is_child.any():
            father = self.classes["official"].start + (idx[is_child] - ch.start)
            keep = self.male(father)
            sur[is_child] = np.where(
                keep, h.weighted(father, "surname", _SUR_CUM), sur[is_child]
            )
        p1 = sur
        single = h.uniform(idx, "single") < 0.3
        p2 = np.where(
            male,
            h.weighted(idx, "g-single-m", _MS_CUM),
            _FS_OFF + h.weighted(idx, "g-single-f", _FS_CUM),
        )
        first = np.where(
            male,
            _MF_OFF + h.integers(idx, "g-first", 0, len(vocab.MALE_FIRST)),
            _FF_OFF + h.integers(idx, "g-first", 0, len(vocab.FEMALE_FIRST)),
        )
        p2 = np.where(single, p2, first)
        second = np.where(
            male,
            1 + h.integers(idx, "g-second", 0, len(vocab.MALE_SECOND)),
            _FSEC_OFF + h.integers(idx, "g-second", 0, len(vocab.FEMALE_SECOND)),
        )
        p3 = np.where(single, 0, second)
        minority = h.uniform(idx, "minority") < 0.004
        if minority.any():
            p1[minority] = _MIN1_OFF + h.integers(
                idx[minority], "min1", 0, len(vocab.MINORITY_FIRST)
            )
            p2[minority] = _DOT_OFF
            p3[minority] = _MIN2_OFF + h.integers(
                idx[minority], "min2", 0, len(vocab.MINORITY_SECOND)
            )
        out = pc.binary_join_element_wise(
            _P1.take(pa.array(p1)), _P2.take(pa.array(p2)), _P3.take(pa.array(p3)), ""
        )
        # A doubled character (王伟伟) is fine; a given name equal to the surname
        # is not what registers look like, but harmless.
        if self.name_override:
            keys = np.fromiter(self.name_override, np.int64)
            hit = np.isin(idx, keys)
            if hit.any():
                vals = [self.name_override[int(i)] for i in idx[hit]]
                out = pc.replace_with_mask(out, pa.array(hit), pa.array(vals))
        assert len(out) == n
        return out

    def person_rows(self, idx) -> list[dict]:
        """Python dicts of a few persons (for planted cases)."""
        idx = np.asarray(idx, np.int64)
        region, birth, _seq, male = self.id_parts(idx)
        ids = self.id_numbers(idx).to_pylist()
        names = self.names(idx).to_pylist()
        accts = self.accounts(idx).to_pylist()
        out = []
        for k in range(len(idx)):
            out.append(
                {
                    "idx": int(idx[k]),
                    "id_number": ids[k],
                    "name": names[k],
                    "account": accts[k],
                    "region": int(region[k]),
                    "region_code": str(REGION_CODES[region[k]]),
                    "birth": int(birth[k]),
                    "male": bool(male[k]),
                }
            )
        return out

    def addresses(self, idx: np.ndarray, region: np.ndarray) -> pa.Array:
        h = self.hasher
        village = h.uniform(idx, "rural") < 0.45
        place = np.where(
            village,
            len(vocab.STREETS) + h.integers(idx, "vil", 0, len(vocab.VILLAGES)),
            h.integers(idx, "street", 0, len(vocab.STREETS)),
        )
        number = pc.cast(pa.array(h.integers(idx, "houseno", 1, 300)), pa.string())
        return pc.binary_join_element_wise(
            REGION_FULL.take(pa.array(region)),
            _PLACES.take(pa.array(place)),
            number,
            pa.scalar("号"),
            "",
        )

    # -- officials and relatives -----------------------------------------

    def official_unit(self, o: np.ndarray) -> np.ndarray:
        """Unit index of officials (official index o = person index)."""
        return np.asarray(o, np.int64) % self.n_units

    def officials_of_unit(self, u: int) -> np.ndarray:
        return np.arange(u, self.n_officials, self.n_units, dtype=np.int64)

    def relative(self, o: np.ndarray, k: int) -> np.ndarray:
        """Person index of official o's k-th relative (0 spouse, 1 child, 2 parent,
        3 sibling or child-in-law)."""
        name = ("spouse", "child", "parent", "other")[k]
        return self.classes[name].start + np.asarray(o, np.int64)

    def relation(self, o: np.ndarray, k: int) -> np.ndarray:
        if k < 3:
            return np.full(len(o), ("配偶", "子女", "父母")[k], dtype=object)
        return np.where(np.asarray(o) % 2 == 0, "兄弟姐妹", "子女配偶")

    def relative_id_missing(self, rel: np.ndarray) -> np.ndarray:
        """Relatives recorded by name only (no ID number) in the relatives data."""
        return self.hasher.uniform(rel, "rel-noid") < 0.05

    def salary_cents(self, o: np.ndarray, month: int) -> np.ndarray:
        base = 420_000 + self.hasher.integers(o, "salary", 0, 900) * 1_000
        return base + (month == 12) * 200_000

    def death_day(self, idx: np.ndarray) -> np.ndarray:
        """Death dates of the deceased class (2016-01-01 … 2026-12-31)."""
        lo = day_number(date(2016, 1, 1))
        return self.hasher.integers(idx, "death", lo, DEC31 + 1)

    # -- companies ---------------------------------------------------------

    def company_core(self, c: np.ndarray):
        """City, trade-name pair and industry of companies (unique per company)."""
        nz = len(vocab.ZIHAO_CHARS)
        cap = len(vocab.COMPANY_CITIES) * nz * (nz - 1) * len(vocab.INDUSTRIES)
        a, b = affine_params(cap, self.seed, "company")
        slot = affine(c, cap, a, b)
        city = slot % len(vocab.COMPANY_CITIES)
        slot //= len(vocab.COMPANY_CITIES)
        ind = slot % len(vocab.INDUSTRIES)
        pair = slot // len(vocab.INDUSTRIES)
        z1 = pair // (nz - 1)
        z2 = pair % (nz - 1)
        z2 = z2 + (z2 >= z1)
        return city, z1, z2, ind

    def company_names(self, c: np.ndarray) -> pa.Array:
        c = np.asarray(c, np.int64)
        city, z1, z2, ind = self.company_core(c)
        form = self.hasher.weighted(c, "form", _FORM_CUM)
        return pc.binary_join_element_wise(
            _CCITY.take(pa.array(city)),
            _ZIHAO.take(pa.array(z1)),
            _ZIHAO.take(pa.array(z2)),
            _INDUSTRY.take(pa.array(ind)),
            _FORMS.take(pa.array(form)),
            "",
        )

    def company_usccs(self, c: np.ndarray) -> pa.Array:
        c = np.asarray(c, np.int64)
        city, *_ = self.company_core(c)
        a, b = affine_params(10**8, self.seed, "company-serial")
        serial = affine(c, 10**8, a, b)
        letters = self.hasher.uniform(c, "ma") < 0.6
        region = np.asarray(vocab.COMPANY_CITY_CODES, np.int64)[city]
        return usccs("91", region, serial, letters)

    def company_rep(self, c: np.ndarray) -> np.ndarray:
        bz = self.classes["business"]
        return bz.start + self.hasher.integers(c, "rep", 0, bz.size)

    def plate(self, p: np.ndarray) -> pa.Array:
        """Licence plates of the units' cars (豫A12345, 豫AD12345 for some)."""
        p = np.asarray(p, np.int64)
        unit_city = np.array([REGION_CITY[u.region] for u in self.units], np.int64)[
            p % self.n_units
        ]
        letters = np.frombuffer(vocab.PLATE_LETTERS.encode(), np.uint8)[unit_city]
        a, b = affine_params(100_000, self.seed, "plate")
        num = affine(p // 1, 100_000, a, b)
        mat = np.empty((len(p), 6), np.uint8)
        mat[:, 0] = letters
        mat[:, 1:] = digits(num, 5)
        lettered = self.hasher.uniform(p, "plate-letter") < 0.3
        mat[lettered, 1] = np.frombuffer(b"ABCDEFGHJK", np.uint8)[mat[lettered, 1] - 48]
        tail = pa.StringArray.from_buffers(
            len(p),
            pa.py_buffer(np.arange(0, 6 * len(p) + 1, 6, dtype=np.int32).tobytes()),
            pa.py_buffer(mat.tobytes()),
        )
        return pc.binary_join_element_wise(pa.scalar("豫"), tail, "")


def _offsets(*lengths: int) -> list[int]:
    out, acc = [], 0
    for n in lengths:
        out.append(acc)
        acc += n
    return out


_SUR_NAMES, _SUR_CUM = vocab.cumulative(vocab.SURNAMES)
_MS_NAMES, _MS_CUM = vocab.cumulative(vocab.MALE_SINGLE)
_FS_NAMES, _FS_CUM = vocab.cumulative(vocab.FEMALE_SINGLE)
_P1 = pa.array(_SUR_NAMES + vocab.MINORITY_FIRST)
_MIN1_OFF = len(_SUR_NAMES)
_P2_LIST = (
    _MS_NAMES
    + _FS_NAMES
    + list(vocab.MALE_FIRST)
    + list(vocab.FEMALE_FIRST)
    + [vocab.MIDDLE_DOT]
)
_FS_OFF, _MF_OFF, _FF_OFF, _DOT_OFF = _offsets(
    len(_MS_NAMES), len(_FS_NAMES), len(vocab.MALE_FIRST), len(vocab.FEMALE_FIRST)
)[1:] + [len(_P2_LIST) - 1]
_P2 = pa.array(_P2_LIST)
_P3_LIST = [""] + list(vocab.MALE_SECOND) + list(vocab.FEMALE_SECOND)
_FSEC_OFF = 1 + len(vocab.MALE_SECOND)
_MIN2_OFF = len(_P3_LIST)
_P3 = pa.array(_P3_LIST + vocab.MINORITY_SECOND)
_PLACES = pa.array(vocab.STREETS + vocab.VILLAGES)
_FORM_NAMES, _FORM_CUM = vocab.cumulative(vocab.COMPANY_FORMS)
_FORMS = pa.array(_FORM_NAMES)
_CCITY = pa.array(vocab.COMPANY_CITIES)
_ZIHAO = pa.array(list(vocab.ZIHAO_CHARS))
_INDUSTRY = pa.array(vocab.INDUSTRIES)
