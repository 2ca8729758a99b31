"""The synthetic data generator: determinism, valid identifiers, planted anomalies
whose ground truth is exact, and raw files that carry every dirty case.

Plain pytest on Parquet/CSV files; no Django database.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")

from xietong.analytics.engine.synth import (  # noqa: E402
    DATASETS,
    MODELS,
    PRIMARY,
    SCHEMAS,
    GroundTruth,
    generate,
)
from xietong.analytics.engine.synth.codes import luhn_ok  # noqa: E402
from xietong.analytics.engine.synth.reference import reference_hits  # noqa: E402
from xietong.analytics.engine.synth.world import World, calendar_2026  # noqa: E402
from xietong.core.identifiers import parse_id_number, validate_uscc  # noqa: E402

SCALE = 0.001


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synth")
    generate(path, scale=SCALE, seed=2026)
    return path


@pytest.fixture(scope="module")
def truth(out) -> GroundTruth:
    return GroundTruth.load(out / "truth.json")


@pytest.fixture(scope="module")
def con(out):
    c = duckdb.connect()
    for ds in DATASETS:
        c.execute(f"create view {ds} as select * from '{out / ds}.parquet'")
    yield c
    c.close()


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }


def test_same_seed_gives_identical_files(out, tmp_path):
    generate(tmp_path, scale=SCALE, seed=2026)
    assert _files(tmp_path) == _files(out)


def test_other_seed_gives_other_data_and_clean_data_ignores_dirty(out, tmp_path):
    generate(tmp_path / "b", scale=SCALE, seed=7, dirty=False)
    a = pq.read_table(out / "payments.parquet").column("payee_id_number")
    b = pq.read_table(tmp_path / "b/payments.parquet").column("payee_id_number")
    assert a != b
    generate(tmp_path / "c", scale=SCALE, seed=2026, dirty=False)
    assert not (tmp_path / "c/raw").exists()
    for ds in DATASETS:
        name = f"{ds}.parquet"
        assert (tmp_path / "c" / name).read_bytes() == (out / name).read_bytes(), ds


def test_parquet_files_have_the_standard_schemas(out, truth):
    for ds in DATASETS:
        table = pq.read_table(out / f"{ds}.parquet")
        assert table.schema == SCHEMAS[ds], ds
        assert table.num_rows == truth.counts[ds] > 0
    payments = pq.read_table(out / "payments.parquet")
    assert str(payments.schema.field("amount").type) == "decimal128(18, 2)"
    assert str(payments.schema.field("pay_date").type) == "date32[day]"


def test_sizes_scale_linearly_to_the_benchmark_province():
    world = World(scale=1.0, seed=1, calendar=calendar_2026())
    assert world.n_persons == 5_000_000
    assert world.n_officials == 200_000
    assert world.n_deceased == 300_000
    assert world.n_companies == 1_000_000
    assert world.n_trips == 500_000
    small = World(scale=SCALE, seed=1, calendar=calendar_2026())
    assert small.n_persons == 5_000 and small.n_officials == 200


def test_id_numbers_are_valid_and_unique(con):
    ids = [r[0] for r in con.execute("select id_number from residents").fetchall()]
    assert len(ids) == len(set(ids))
    for number in ids:
        parsed = parse_id_number(number, today=date(2026, 12, 31))
        assert parsed.number == number
    # Everybody named anywhere by ID is a resident.
    orphans = con.execute(
        """
        select count(*) from (
            select id_number from deaths union all select id_number from officials
            union all select relative_id_number from relatives
            union all select legal_rep_id_number from companies
            union all select holder_id_number from shareholders
            union all select payee_id_number from payments
            union all select id_number from payroll
        ) x(i) where i is not null and i not in (select id_number from residents)
        """
    ).fetchone()[0]
    assert orphans == 0


def test_genders_and_birth_dates_agree_with_id_numbers(con):
    bad = con.execute(
        """
        select count(*) from residents
        where strftime(birth_date, '%Y%m%d') <> substr(id_number, 7, 8)
           or (cast(substr(id_number, 17, 1) as int) % 2 = 1) <> (gender = '男')
           or region_code <> substr(id_number, 1, 6)
        """
    ).fetchone()[0]
    assert bad == 0


def test_usccs_and_bank_accounts_are_valid(con):
    codes = con.execute(
        "select uscc from companies union select unit_uscc from officials "
        "union select buyer_unit_uscc from contracts"
    ).fetchall()
    for (code,) in codes:
        assert validate_uscc(code) == code
    assert con.execute(
        "select count(distinct uscc) = count(*) from companies"
    ).fetchone()[0]
    accounts = con.execute("select distinct bank_account from payments").fetchall()
    assert all(len(a) == 19 and luhn_ok(a) for (a,) in accounts)


def test_background_looks_like_a_henan_register(con):
    # The same name shared by different people (张伟-style), regions of 河南.
    shared = con.execute(
        "select count(*) from (select name from residents group by name "
        "having count(distinct id_number) >= 3)"
    ).fetchone()[0]
    assert shared >= 10
    assert con.execute(
        "select bool_and(region_code like '41%') from residents"
    ).fetchone()[0]
    assert (
        con.execute("select count(*) from residents where name like '%·%'").fetchone()[
            0
        ]
        > 0
    )
    programs = {
        r[0] for r in con.execute("select distinct program from payments").fetchall()
    }
    assert programs == {"养老", "低保", "特困", "农机补贴", "危房改造"}
    methods = {
        r[0] for r in con.execute("select distinct method from contracts").fetchall()
    }
    assert {"公开招标", "询价", "单一来源", "直接采购"} <= methods
    assert (
        con.execute(
            "select count(*) from payments where payee_id_number is null"
        ).fetchone()[0]
        > 5
    )


def test_every_model_has_planted_hits_and_near_misses(truth):
    assert set(truth.near_misses) == set(MODELS)
    for model in MODELS:
        hits = truth.hits_for(model)
        assert len(hits) >= 5, model
        assert len(truth.near_misses[model]) >= 5, model
        ds = PRIMARY[model][0]
        for hit in hits:
            assert list(hit["evidence"]) == [ds]
            assert hit["evidence"][ds] == sorted(hit["evidence"][ds])
        assert not truth.expected(model) & truth.near(model)


def _keys(con, model: str) -> set[str]:
    ds, key = PRIMARY[model]
    if ds == "payroll":
        sql = (
            "select payroll_unit_uscc || '|' || id_number || '|' || month from payroll"
        )
    elif ds == "vehicles_use":
        sql = (
            "select plate || '|' || strftime(start_time, '%Y-%m-%d %H:%M:%S') "
            "from vehicles_use"
        )
    else:
        sql = f"select {key} from {ds}"
    return {r[0] for r in con.execute(sql).fetchall()}


def test_evidence_keys_name_existing_unique_rows(con, truth):
    for model in MODELS:
        ds = PRIMARY[model][0]
        keys = _keys(con, model)
        rows = con.execute(f"select count(*) from {ds}").fetchone()[0]
        assert len(keys) == rows, f"{ds} keys are not unique"
        for case in truth.hits_for(model) + truth.near_misses[model]:
            assert set(case["evidence"][ds]) <= keys, (model, case)


def test_ground_truth_is_exact(out, truth):
    """An independent SQL recomputation finds exactly the planted hits: the
    background creates no accidental anomaly and no near-miss is a hit."""
    found = reference_hits(out, calendar_2026())
    for model in MODELS:
        assert found[model] == truth.expected(model), model
        assert not found[model] & truth.near(model), model


def test_death_payments_are_more_than_31_days_after_death(con, truth):
    rows = con.execute(
        """
        with ids as (
            select bank_account, any_value(payee_id_number) as pid from payments
            where payee_id_number is not null group by bank_account
        )
        select p.payment_id, p.payee_id_number is null,
               p.pay_date - d.death_date
        from payments p
        left join ids on ids.bank_account = p.bank_account
        join deaths d on d.id_number = coalesce(p.payee_id_number, ids.pid)
        """
    ).fetchall()
    delay = {r[0]: r[2] for r in rows}
    name_only = {r[0] for r in rows if r[1]}
    tagged = 0
    for hit in truth.hits_for("death_payment"):
        (pid,) = hit["evidence"]["payments"]
        assert delay[pid] > 31
        assert ("name_only" in hit["tags"]) == (pid in name_only)
        tagged += "name_only" in hit["tags"]
    assert tagged >= 2
    assert any(
        delay[h["evidence"]["payments"][0]] == 32
        for h in truth.hits_for("death_payment")
    )
    lags = []
    for near in truth.near_misses["death_payment"]:
        (pid,) = near["evidence"]["payments"]
        # A near-miss is paid at most 31 days after the death of its own payee.
        if pid in delay and pid not in name_only:
            assert delay[pid] <= 31
            lags.append(delay[pid])
    assert {31, 0} <= set(lags) and min(lags) < 0


def test_split_purchase_groups_follow_the_definition(con, truth):
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select contract_id, buyer_unit_uscc, supplier_uscc, amount, sign_date "
            "from contracts"
        ).fetchall()
    }
    threshold = Decimal(1_000_000)
    for hit in truth.hits_for("split_purchase"):
        group = [rows[c] for c in hit["evidence"]["contracts"]]
        assert len(group) >= 2
        assert len({(g[0], g[1]) for g in group}) == 1
        assert all(g[2] < threshold for g in group)
        first = min(g[3] for g in group)
        assert max(g[3] for g in group) - first <= timedelta(days=30)
        assert sum(g[2] for g in group) >= threshold
    tags = {t for h in truth.hits_for("split_purchase") for t in h["tags"]}
    assert {"boundary", "window"} <= tags


def test_vehicle_misuse_hits_and_near_misses(con, truth):
    cal = calendar_2026()
    rows = {
        f"{r[0]}|{r[1]:%Y-%m-%d %H:%M:%S}": r
        for r in con.execute(
            "select plate, start_time, purpose from vehicles_use"
        ).fetchall()
    }

    def misuse(start: datetime, purpose) -> bool:
        kind = cal.get(start.date())
        off = kind == "holiday" or (kind is None and start.weekday() >= 5)
        night = start.hour >= 22 or start.hour < 6
        return (off or night) and not (purpose or "").strip()

    for hit in truth.hits_for("vehicle_misuse"):
        _, start, purpose = rows[hit["evidence"]["vehicles_use"][0]]
        assert misuse(start, purpose)
    for near in truth.near_misses["vehicle_misuse"]:
        _, start, purpose = rows[near["evidence"]["vehicles_use"][0]]
        assert not misuse(start, purpose)
    # A trip on a make-up working day (调休上班) is among the near-misses.
    assert any(
        cal.get(rows[n["evidence"]["vehicles_use"][0]][1].date()) == "workday"
        for n in truth.near_misses["vehicle_misuse"]
    )


def test_double_payroll_evidence(con, truth):
    deaths = dict(con.execute("select id_number, death_date from deaths").fetchall())
    for hit in truth.hits_for("double_payroll"):
        parts = [k.split("|") for k in hit["evidence"]["payroll"]]
        if len(parts) == 2:
            assert parts[0][1:] == parts[1][1:] and parts[0][0] != parts[1][0]
        else:
            ((_, pid, month),) = parts
            assert month > f"{deaths[pid]:%Y-%m}"
    for near in truth.near_misses["double_payroll"]:
        parts = [k.split("|") for k in near["evidence"]["payroll"]]
        assert len({p[2] for p in parts}) == len(parts)  # never the same month


# ---------------------------------------------------------------------------
# raw files
# ---------------------------------------------------------------------------


def _raw_rows(out: Path, file: str, encoding: str) -> list[dict]:
    with open(out / "raw" / file, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def test_raw_files_have_chinese_headers_and_all_rows(out, truth):
    for ds in DATASETS:
        files = truth.raw_files[ds]
        total = sum(f["rows"] for f in files)
        assert total == truth.counts[ds]
        header = next(
            csv.reader(open(out / "raw" / files[0]["file"], encoding="utf-8"))
        )
        assert all(re.search(r"[\u4e00-\u9fff]", h) for h in header), header
        assert set(truth.raw_headers[ds].values()) == set(SCHEMAS[ds].names)


def test_payroll_comes_partly_in_gbk(out, truth):
    files = {f["encoding"]: f for f in truth.raw_files["payroll"]}
    data = (out / "raw" / files["gbk"]["file"]).read_bytes()
    assert files["gbk"]["file"] == "payroll.gbk.csv" and files["gbk"]["rows"] > 0
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "工资月份" in data.decode("gbk")


def test_raw_files_carry_every_dirty_case(out, truth):
    text = {
        f["file"]: (out / "raw" / f["file"]).read_text(encoding=f["encoding"])
        for files in truth.raw_files.values()
        for f in files
    }
    payments = text["payments.csv"]
    residents = text["residents.csv"]
    assert re.search(r"[０-９]{17}[０-９Ｘ]", residents)  # full-width digits
    assert re.search(r"(?<![\d])\d{17}x(?!\d)", "".join(text.values()))  # lowercase x
    assert re.search(r"^41\d{13},", residents, re.M)  # old 15-digit ID
    assert re.search(r"\d{6} \d{8} \d{3}[\dX]", payments)  # spaces in ID numbers
    assert "•" in "".join(text.values()) and "·" in residents  # middle-dot variants
    assert re.search(r"[张王李刘陈杨][ \u3000]+[\u4e00-\u9fff]", "".join(text.values()))
    kinds = {e["kind"] for e in truth.raw_truth}
    assert {
        "id_fullwidth", "id_spaces", "id_lower_x", "id_15", "name_spaces",
        "name_dot_bullet", "name_traditional", "name_typo", "company_no_suffix",
        "company_suffix_swap", "company_branch_fullwidth", "amount_comma",
        "amount_yuan", "date_slash", "date_compact", "date_excel", "datetime_excel",
        "month_cn", "ratio_percent", "purpose_blank",
    } <= kinds  # fmt: skip
    assert re.search(
        r",\d{1,3}(,\d{3})+\.\d\d元?,|\"\d{1,3}(,\d{3})+\.\d\d",
        payments + text["contracts.csv"],
    )
    assert re.search(r",\d+\.\d\d元,", payments)
    assert re.search(r",2026/\d{1,2}/\d{1,2},", payments)
    assert re.search(r",2026\d{4},", payments)
    assert re.search(r",46\d{3},", payments)  # Excel serial numbers of 2026 dates
    assert re.search(r"（[^）]*分公司）", text["contracts.csv"])
    # Some payments carry only name and bank account.
    rows = _raw_rows(out, "payments.csv", "utf-8")
    assert (
        sum(1 for r in rows if not r["领取人身份证号"].strip() and r["银行账号"]) >= 5
    )


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _parse_day(raw: str) -> date:
    t = _fold(raw)
    if re.fullmatch(r"\d{5}", t):
        return date(1899, 12, 30) + timedelta(days=int(t))
    if re.fullmatch(r"\d{8}", t):
        return datetime.strptime(t, "%Y%m%d").date()
    return datetime.strptime(t.replace("/", "-"), "%Y-%m-%d").date()


def _reference_normalise(kind: str, raw: str):
    """Just enough normalisation to prove each raw→clean pair is recoverable."""
    family = kind.split("_")[0]
    if family == "id":
        return parse_id_number(raw, today=date(2026, 12, 31)).number
    if family == "name" and kind not in ("name_traditional", "name_typo"):
        return re.sub(r"[•・]", "·", _fold(raw))
    if family == "amount":
        return f"{Decimal(_fold(raw).replace(',', '').removesuffix('元')):.2f}"
    if family == "date":
        return _parse_day(raw).isoformat()
    if kind == "datetime_excel":
        serial = Decimal(raw)
        base = datetime(1899, 12, 30) + timedelta(days=int(serial))
        seconds = round((serial - int(serial)) * 86400)
        return f"{base + timedelta(seconds=int(seconds)):%Y-%m-%d %H:%M:%S}"
    if kind == "datetime_slash":
        return f"{datetime.strptime(raw, '%Y/%m/%d %H:%M:%S'):%Y-%m-%d %H:%M:%S}"
    if family == "month":
        m = re.fullmatch(r"(\d{4})\D?(\d{1,2})月?", _fold(raw))
        return f"{m[1]}-{int(m[2]):02d}"
    if family == "ratio":
        return float(Decimal(raw.removesuffix("%")) / 100)
    if family == "purpose":
        return _fold(raw) or None
    return None


def test_raw_truth_pairs_point_at_real_cells_and_normalise_back(out, truth):
    clean = {ds: pq.read_table(out / f"{ds}.parquet").to_pylist() for ds in DATASETS}
    raw = {
        f["file"]: _raw_rows(out, f["file"], f["encoding"])
        for files in truth.raw_files.values()
        for f in files
    }
    checked = 0
    for entry in truth.raw_truth:
        ds, col = entry["dataset"], entry["column"]
        header = {v: k for k, v in truth.raw_headers[ds].items()}[col]
        assert raw[entry["file"]][entry["line"] - 1][header] == entry["raw"], entry
        if ds != "payroll":
            value = clean[ds][entry["line"] - 1][col]
            if isinstance(value, float):
                assert value == pytest.approx(entry["clean"])
            elif value is not None and not isinstance(value, str):
                assert str(entry["clean"]) in (
                    str(value),
                    f"{value:%Y-%m-%d %H:%M:%S}" if isinstance(value, datetime) else "",
                )
            else:
                assert value == entry["clean"], entry
        expected = _reference_normalise(entry["kind"], entry["raw"])
        if expected is not None:
            if isinstance(expected, float):
                assert expected == pytest.approx(entry["clean"]), entry
            else:
                assert expected == entry["clean"], entry
            checked += 1
    assert checked > 100
    typos = [e for e in truth.raw_truth if e["kind"] == "name_typo"]
    assert typos and all(
        len(e["clean"]) == len(e["registered"])
        and sum(a != b for a, b in zip(e["clean"], e["registered"], strict=True)) == 1
        for e in typos
    )


def test_every_raw_header_maps_onto_its_standard_dataset(tmp_path):
    """The departments' own headers in the raw files are recognised without a mapping."""
    from xietong.analytics.engine import map_headers

    truth = generate(tmp_path, scale=0.0003)
    assert len(truth.raw_headers) == 10
    for name, headers in truth.raw_headers.items():
        mapped = map_headers(name.split(".")[0], headers)
        assert mapped.missing == [] and mapped.extra == [], (name, mapped.extra)
        assert mapped.mapping == headers  # each header onto its own column
