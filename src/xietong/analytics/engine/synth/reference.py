"""An independent recomputation of the seven models over the clean Parquet files,
in plain DuckDB SQL, to check that the ground truth is exact (tests, and
``bench/analytics_data.py --verify`` at scale).

Payees without an ID number are resolved through their bank account when every
payment into that account that carries an ID number carries the same one. This is
a checking aid with the DATASETS.md default parameters, not the engine.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

_PAY = """
create or replace temp table pay as
with acct as (
    select bank_account, min(payee_id_number) as pid
    from payments where payee_id_number is not null
    group by bank_account having count(distinct payee_id_number) = 1
)
select p.*, coalesce(p.payee_id_number, a.pid) as pid
from payments p left join acct a
  on p.payee_id_number is null and p.bank_account = a.bank_account
"""

_SQL = {
    "death_payment": """
        select list(payment_id) from pay join deaths d on d.id_number = pay.pid
        where pay.pay_date - d.death_date > 31
        group by payment_id
    """,
    "relative_welfare": """
        with people as (
            select id_number as pid from officials
            union select relative_id_number from relatives
            where relative_id_number is not null
        )
        select list(payment_id) from pay
        where program in ('低保', '特困') and pid in (select pid from people)
        group by payment_id
    """,
    "supplier_conflict": """
        with conflicted as (
            select unit_uscc, id_number as pid from officials
            union
            select o.unit_uscc, r.relative_id_number from officials o
            join relatives r on r.official_id_number = o.id_number
            where r.relative_id_number is not null
        ), owners as (
            select uscc, legal_rep_id_number as pid from companies
            where legal_rep_id_number is not null
            union
            select uscc, holder_id_number from shareholders
            where holder_id_number is not null
        )
        select list(distinct c.contract_id) from contracts c
        join owners w on w.uscc = c.supplier_uscc
        join conflicted k on k.unit_uscc = c.buyer_unit_uscc and k.pid = w.pid
        group by c.contract_id
    """,
    "double_payroll": """
        select list(payroll_unit_uscc || '|' || id_number || '|' || month)
        from payroll group by id_number, month
        having count(distinct payroll_unit_uscc) >= 2
        union all
        select [p.payroll_unit_uscc || '|' || p.id_number || '|' || p.month]
        from payroll p join deaths d on d.id_number = p.id_number
        where p.month > strftime(d.death_date, '%Y-%m')
    """,
    "duplicate_payment": """
        select list(payment_id) from pay
        group by program, coalesce(pid, payee_name || '|' || bank_account),
                 amount, pay_date
        having count(*) >= 2
        union all
        select list(payment_id) from pay group by bank_account
        having count(distinct coalesce(pid, 'name:' || payee_name)) >= 2
    """,
    "vehicle_misuse": """
        select [plate || '|' || strftime(start_time, '%Y-%m-%d %H:%M:%S')]
        from vehicles_use v left join cal on cal.d = cast(v.start_time as date)
        where (purpose is null or trim(purpose) = '')
          and (coalesce(cal.kind, case when isodow(v.start_time) >= 6
                                       then 'holiday' else 'workday' end) = 'holiday'
               or hour(v.start_time) >= 22 or hour(v.start_time) < 6)
    """,
}


def connect(data_dir: str | Path, calendar: dict[date, str]):
    """A DuckDB connection with one view per Parquet file and the calendar."""
    import duckdb

    con = duckdb.connect()
    for path in sorted(Path(data_dir).glob("*.parquet")):
        con.execute(f"create view {path.stem} as select * from read_parquet('{path}')")
    con.execute("create temp table cal (d date, kind varchar)")
    con.executemany("insert into cal values (?, ?)", sorted(calendar.items()))
    return con


def split_groups(rows, *, window_days=30, threshold_cents=100_000_000, min_count=2):
    """The split_purchase groups of (contract_id, buyer, supplier, cents, day)."""
    by_pair: dict[tuple, list] = {}
    for cid, buyer, supplier, cents, day in rows:
        if cents < threshold_cents:
            by_pair.setdefault((buyer, supplier), []).append((day, cid, cents))
    hits = set()
    for items in by_pair.values():
        items.sort()
        i = 0
        while i < len(items):
            j = i
            while j + 1 < len(items) and (items[j + 1][0] - items[i][0]).days <= (
                window_days
            ):
                j += 1
            group = items[i : j + 1]
            if len(group) >= min_count and sum(g[2] for g in group) >= threshold_cents:
                hits.add(tuple(sorted(g[1] for g in group)))
            i = j + 1
    return hits


def reference_hits(
    data_dir: str | Path, calendar: dict[date, str], timings: dict | None = None
) -> dict[str, set[tuple[str, ...]]]:
    """Every model's hits as sets of sorted evidence-key tuples."""
    import time

    con = connect(data_dir, calendar)
    t0 = time.perf_counter()
    con.execute(_PAY)
    if timings is not None:
        timings["resolve_payees"] = time.perf_counter() - t0
    out = {}
    for model, sql in _SQL.items():
        t0 = time.perf_counter()
        out[model] = {tuple(sorted(r[0])) for r in con.execute(sql).fetchall()}
        if timings is not None:
            timings[model] = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = con.execute(
        "select contract_id, buyer_unit_uscc, supplier_uscc, "
        "cast(amount * 100 as bigint), sign_date from contracts"
    ).fetchall()
    out["split_purchase"] = split_groups(rows)
    if timings is not None:
        timings["split_purchase"] = time.perf_counter() - t0
    con.close()
    return out
