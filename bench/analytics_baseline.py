"""The analytics benchmark's baseline: each of the seven models written by hand as one
plain DuckDB query over the Parquet files, with the logic of the engine's model
(payee resolution included), in DuckDB's own idiom rather than portable SQL:
``levenshtein`` instead of the deletion-neighbourhood join, window frames instead of
self-joins, ``list()`` instead of row-per-evidence output.

Every query returns one column ``keys``: the sorted primary evidence keys of one hit,
so its result compares directly with the engine's hit identities. ``bench/analytics.py``
checks that both find the same hits before it compares their times.
"""

from __future__ import annotations

from pathlib import Path

#: Datasets each baseline query reads (views over the Parquet files).
READS = {
    "death_payment": ("payments", "payroll", "residents", "deaths"),
    "relative_welfare": ("payments", "payroll", "residents", "officials", "relatives"),
    "duplicate_payment": ("payments", "payroll", "residents"),
    "supplier_conflict": (
        "contracts",
        "companies",
        "shareholders",
        "officials",
        "relatives",
    ),
    "split_purchase": ("contracts", "companies"),
    "double_payroll": ("payroll", "deaths"),
    "vehicle_misuse": ("vehicles_use",),
}

# Payments with the payee's ID number: given; else the one ID seen with this bank
# account and the same name, else with a name one character away, else the one
# resident of the county with that name (ambiguity at a step falls through).
_RESOLVED = """
unlinked AS (
    SELECT payment_id, payee_name, bank_account, region_code
    FROM payments WHERE payee_id_number IS NULL
),
known AS (
    SELECT payee_id_number AS id, payee_name AS name, bank_account FROM payments
    WHERE payee_id_number IS NOT NULL AND payee_name IS NOT NULL
      AND bank_account IN (SELECT bank_account FROM unlinked)
    UNION
    SELECT id_number, name, bank_account FROM payroll
    WHERE id_number IS NOT NULL AND name IS NOT NULL
      AND bank_account IN (SELECT bank_account FROM unlinked)
),
by_account AS (
    SELECT u.payment_id,
           count(DISTINCT k.id) FILTER (k.name = u.payee_name) AS n_same,
           min(k.id) FILTER (k.name = u.payee_name) AS id_same,
           count(DISTINCT k.id) FILTER (levenshtein(k.name, u.payee_name) <= 1)
               AS n_close,
           min(k.id) FILTER (levenshtein(k.name, u.payee_name) <= 1) AS id_close
    FROM unlinked u JOIN known k ON k.bank_account = u.bank_account
    GROUP BY u.payment_id
),
by_region AS (
    SELECT u.payment_id, min(r.id_number) AS id, count(DISTINCT r.id_number) AS n
    FROM unlinked u JOIN residents r
      ON r.name = u.payee_name AND left(r.region_code, 6) = left(u.region_code, 6)
    GROUP BY u.payment_id
),
pay AS (
    SELECT p.*, CASE WHEN p.payee_id_number IS NOT NULL THEN p.payee_id_number
                     WHEN a.n_same = 1 THEN a.id_same
                     WHEN a.n_close = 1 THEN a.id_close
                     WHEN r.n = 1 THEN r.id END AS pid
    FROM payments p
    LEFT JOIN by_account a USING (payment_id)
    LEFT JOIN by_region r USING (payment_id)
)"""

_DEATHS = """
dead AS (
    SELECT id_number, min(death_date) AS death_date FROM deaths
    WHERE id_number IS NOT NULL AND death_date IS NOT NULL GROUP BY id_number
)"""

QUERIES = {
    "death_payment": f"""
WITH {_RESOLVED}, {_DEATHS}
SELECT [payment_id] AS keys FROM pay JOIN dead ON dead.id_number = pay.pid
WHERE pay.pay_date - dead.death_date > 31
""",
    "relative_welfare": f"""
WITH {_RESOLVED},
circle AS (
    SELECT id_number AS pid FROM officials WHERE id_number IS NOT NULL
    UNION SELECT relative_id_number FROM relatives
    WHERE relative_id_number IS NOT NULL
)
SELECT [payment_id] AS keys FROM pay
WHERE (program LIKE '%低保%' OR program LIKE '%特困%')
  AND pid IN (SELECT pid FROM circle)
""",
    "duplicate_payment": f"""
WITH {_RESOLVED}
SELECT list(payment_id ORDER BY payment_id) AS keys FROM pay
WHERE program IS NOT NULL AND amount IS NOT NULL AND pay_date IS NOT NULL
  AND coalesce(pid, payee_name) IS NOT NULL
GROUP BY program, coalesce(pid, 'name:' || payee_name || '|'
                                || coalesce(bank_account, '')), amount, pay_date
HAVING count(*) >= 2
UNION
SELECT list(payment_id ORDER BY payment_id) FROM pay
WHERE bank_account IS NOT NULL GROUP BY bank_account
HAVING count(DISTINCT coalesce(pid, 'name:' || payee_name)) >= 2
""",
    "supplier_conflict": """
WITH by_name AS (
    SELECT name, min(uscc) AS uscc FROM companies
    WHERE name IS NOT NULL AND uscc IS NOT NULL
    GROUP BY name HAVING count(DISTINCT uscc) = 1
),
c AS (
    SELECT c.contract_id, coalesce(c.supplier_uscc, b.uscc) AS supplier,
           c.buyer_unit_uscc, c.buyer_unit_name
    FROM contracts c
    LEFT JOIN by_name b ON c.supplier_uscc IS NULL AND b.name = c.supplier_name
),
owners AS (
    SELECT uscc, legal_rep_id_number AS pid FROM companies
    WHERE legal_rep_id_number IS NOT NULL
    UNION
    SELECT uscc, holder_id_number FROM shareholders
    WHERE holder_id_number IS NOT NULL AND (share_ratio IS NULL OR share_ratio > 0)
),
circle AS (
    SELECT id_number AS pid, unit_uscc, unit_name FROM officials
    WHERE id_number IS NOT NULL
    UNION
    SELECT r.relative_id_number, o.unit_uscc, o.unit_name
    FROM relatives r JOIN officials o ON o.id_number = r.official_id_number
    WHERE r.relative_id_number IS NOT NULL
)
SELECT DISTINCT [c.contract_id] AS keys
FROM c JOIN owners w ON w.uscc = c.supplier JOIN circle k ON k.pid = w.pid
WHERE k.unit_uscc = c.buyer_unit_uscc OR k.unit_name = c.buyer_unit_name
""",
    # A window opens at each contract under the limit and holds the same buyer's
    # contracts with the same supplier up to 30 days later; one that lies wholly
    # inside the previous qualifying window is the same finding and is dropped.
    "split_purchase": """
WITH by_name AS (
    SELECT name, min(uscc) AS uscc FROM companies
    WHERE name IS NOT NULL AND uscc IS NOT NULL
    GROUP BY name HAVING count(DISTINCT uscc) = 1
),
eligible AS (
    SELECT c.contract_id, c.amount, c.sign_date,
           coalesce(c.buyer_unit_uscc, c.buyer_unit_name) AS buyer,
           coalesce(c.supplier_uscc, b.uscc, c.supplier_name) AS supplier
    FROM contracts c
    LEFT JOIN by_name b ON c.supplier_uscc IS NULL AND b.name = c.supplier_name
    WHERE c.amount < 1000000 AND c.sign_date IS NOT NULL
      AND coalesce(c.buyer_unit_uscc, c.buyer_unit_name) IS NOT NULL
      AND coalesce(c.supplier_uscc, b.uscc, c.supplier_name) IS NOT NULL
),
windows AS (
    SELECT sign_date, w.n, w.total, w.last_date, w.ids, buyer, supplier
    FROM (
        SELECT buyer, supplier, sign_date, struct_pack(
            n := count(*) OVER f, total := sum(amount) OVER f,
            last_date := max(sign_date) OVER f, ids := list(contract_id) OVER f
        ) AS w
        FROM eligible
        WINDOW f AS (PARTITION BY buyer, supplier ORDER BY sign_date
                     RANGE BETWEEN CURRENT ROW AND INTERVAL 30 DAY FOLLOWING)
    )
    WHERE w.n >= 2 AND w.total >= 1000000
),
kept AS (
    SELECT ids, last_date, lag(sign_date) OVER (
        PARTITION BY buyer, supplier ORDER BY sign_date) AS previous
    FROM windows
)
SELECT DISTINCT list_sort(ids) AS keys FROM kept
WHERE previous IS NULL OR last_date - previous > 30
""",
    "double_payroll": f"""
WITH codes AS (
    SELECT payroll_unit_name AS name, min(payroll_unit_uscc) AS uscc FROM payroll
    WHERE payroll_unit_name IS NOT NULL AND payroll_unit_uscc IS NOT NULL
    GROUP BY payroll_unit_name HAVING count(DISTINCT payroll_unit_uscc) = 1
),
k AS (
    SELECT p.id_number, p.month,
           coalesce(p.payroll_unit_uscc, c.uscc, p.payroll_unit_name) AS unit,
           coalesce(p.payroll_unit_uscc, p.payroll_unit_name) || '|' || p.id_number
               || '|' || p.month AS key
    FROM payroll p
    LEFT JOIN codes c ON p.payroll_unit_uscc IS NULL AND c.name = p.payroll_unit_name
    WHERE p.id_number IS NOT NULL AND p.month IS NOT NULL
), {_DEATHS}
SELECT list(key ORDER BY key) AS keys FROM k GROUP BY id_number, month
HAVING count(DISTINCT unit) >= 2
UNION
SELECT [key] FROM k JOIN dead USING (id_number)
WHERE k.month > strftime(dead.death_date, '%Y-%m')
""",
    "vehicle_misuse": """
SELECT [plate || '|' || strftime(start_time, '%Y-%m-%d %H:%M:%S')] AS keys
FROM vehicles_use v LEFT JOIN calendar c ON c.day = CAST(v.start_time AS DATE)
WHERE v.start_time IS NOT NULL AND v.plate IS NOT NULL
  AND (v.purpose IS NULL OR trim(v.purpose) = '')
  AND (coalesce(c.kind = 'holiday', isodow(v.start_time) >= 6)
       OR hour(v.start_time) >= 22 OR hour(v.start_time) < 6)
""",
}


def run(con, data: Path, model: str, calendar) -> set[tuple[str, ...]]:
    """Run one baseline query on ``con`` (threads etc. already set); its hits."""
    for name in READS[model]:
        path = str(data / f"{name}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    if model == "vehicle_misuse":
        con.register("calendar", calendar)
    return {tuple(sorted(row[0])) for row in con.execute(QUERIES[model]).fetchall()}
