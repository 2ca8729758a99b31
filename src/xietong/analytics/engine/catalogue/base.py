"""What a built-in model is, and the SQL building blocks the models share.

A model is written once, as SQL in DuckDB's dialect (the canonical one), by a function
of its validated parameters. DuckDB runs that text as written; for Spark it is
transpiled with sqlglot. Only portable primitives are used (joins, CASE, COALESCE, substring, length,
``||``, date_diff, EXTRACT, aggregates); ``tests/analytics/engine/test_portability.py``
rejects any function sqlglot does not know how to translate. A table several models
read (``payments_resolved``: payments tied to a person, via the small
``payment_links``) is a DERIVED table, also canonical SQL, which a run builds once
before the models.

Output contract of a model query, one row per piece of evidence:

- ``<dataset>__<field>`` for the key fields of each evidence dataset
  (``payments__payment_id``; ``payroll__payroll_unit_uscc`` …); a row contributes a
  key for a dataset when every key part is present;
- ``hit_group`` (optional): rows with the same value form one hit; without it, rows
  are grouped by the key of the model's primary dataset;
- ``subject_id_number``, ``subject_name``, ``confidence`` (0..1), ``matched_on``
  (comma-separated field names);
- whatever else the model's reason sentence needs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from xietong.analytics.engine import names

ParamType = Literal["int", "decimal", "text_list"]


@dataclass(frozen=True)
class Parameter:
    """An editable parameter: type, default and the allowed range."""

    name: str
    label: str
    type: ParamType
    default: Any
    minimum: Any = None
    maximum: Any = None
    exclusive_minimum: bool = False
    help: str = ""


Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class ModelDefinition:
    """A built-in model: metadata, its canonical SQL and its reason sentence."""

    key: str
    label: str
    description: str
    parameters: tuple[Parameter, ...]
    reads: tuple[str, ...]  # datasets the SQL reads
    primary: str  # the dataset whose evidence keys identify a hit
    evidence: tuple[str, ...]  # datasets whose keys the SQL outputs
    build_sql: Callable[[Mapping[str, Any]], str]
    reason: Callable[[Rows, Mapping[str, Any]], str]
    # How a hit's confidence follows from its rows: "max" when rows are
    # alternative paths to one finding, "min" when every row is needed.
    combine: Literal["max", "min"] = "max"
    derived: tuple[str, ...] = ()  # DERIVED tables the SQL reads

    def parameter(self, name: str) -> Parameter:
        return next(p for p in self.parameters if p.name == name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def sql(self, params: Mapping[str, Any] | None = None) -> str:
        """The canonical (DuckDB-dialect) SQL for these parameters (defaults filled)."""
        return self.build_sql({**self.defaults(), **(params or {})})


# ---------------------------------------------------------------------------
# Literals
# ---------------------------------------------------------------------------


def sql_string(value: str) -> str:
    """A single-quoted SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_number(value: int | Decimal) -> str:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError("SQL numbers must be int or Decimal")
    return format(value, "f") if isinstance(value, Decimal) else str(int(value))


def like_any(column: str, words: Sequence[str]) -> str:
    """``column`` contains any of ``words`` (validated to hold no LIKE wildcards)."""
    if not words:
        return "FALSE"
    parts = [f"{column} LIKE {sql_string('%' + w + '%')}" for w in words]
    return "(" + " OR ".join(parts) + ")"


# ---------------------------------------------------------------------------
# Shared CTEs
# ---------------------------------------------------------------------------

# Confidence of each way a payment is tied to a person, strongest first.
LINK_ID, LINK_ACCOUNT, LINK_ACCOUNT_SIMILAR, LINK_REGION = 1.0, 0.95, 0.85, 0.7


def payment_links_sql() -> str:
    """The derived table ``payment_links``: how payments without an ID number are
    tied to a person (a few rows per such payment; see ``payments_resolved_sql``).

    Columns: ``payment_id``, ``via`` ('account', 'similar' or 'region'), the linked
    ``id_number`` and ``n``, the number of distinct persons found that way (a link
    holds only when it is 1). It is small (the unlinked payments only), so the
    runner stores it once per run and ``payments_resolved`` joins it to payments.

    A payment that carries no ID number is tied to a person only when a second field
    agrees with the name, never on the name alone (many people are called 张伟):
    the bank account together with the same name (0.95) or a name one character
    away (0.85), as seen on rows of payments or payroll that carry both an ID number
    and the account; else the name and the county among the residents, when exactly
    one resident of that county has the name (0.7). An ambiguous link is no link.
    """
    unlinked_variants = names.variants_select(
        "unlinked", "payee_name", ["payment_id", "bank_account"], alias="u"
    )
    known_variants = names.variants_select(
        "known_accounts", "name", ["id_number", "bank_account"], alias="k"
    )
    return f"""
WITH unlinked AS (
    SELECT payment_id, payee_name, bank_account, region_code
    FROM payments
    WHERE payee_id_number IS NULL
),
unlinked_accounts AS (
    SELECT DISTINCT bank_account FROM unlinked WHERE bank_account IS NOT NULL
),
known_accounts AS (
    SELECT p.payee_id_number AS id_number, p.payee_name AS name, p.bank_account
    FROM payments p
    JOIN unlinked_accounts ua ON ua.bank_account = p.bank_account
    WHERE p.payee_id_number IS NOT NULL AND p.payee_name IS NOT NULL
    UNION
    SELECT w.id_number, w.name, w.bank_account
    FROM payroll w
    JOIN unlinked_accounts ua ON ua.bank_account = w.bank_account
    WHERE w.id_number IS NOT NULL AND w.name IS NOT NULL
),
link_account AS (
    SELECT u.payment_id, min(k.id_number) AS id_number,
           count(DISTINCT k.id_number) AS n
    FROM unlinked u
    JOIN known_accounts k
      ON k.bank_account = u.bank_account AND k.name = u.payee_name
    GROUP BY u.payment_id
),
unlinked_variants AS ({unlinked_variants} AND u.bank_account IS NOT NULL),
known_variants AS ({known_variants}),
link_account_similar AS (
    SELECT uv.payment_id, min(kv.id_number) AS id_number,
           count(DISTINCT kv.id_number) AS n
    FROM unlinked_variants uv
    JOIN known_variants kv
      ON kv.bank_account = uv.bank_account AND {names.one_edit_condition("uv", "kv")}
    GROUP BY uv.payment_id
),
unlinked_places AS (
    SELECT DISTINCT payee_name AS name, substring(region_code, 1, 6) AS county
    FROM unlinked
    WHERE region_code IS NOT NULL
),
resident_names AS (
    SELECT r.name, up.county,
           min(r.id_number) AS id_number, count(DISTINCT r.id_number) AS n
    FROM residents r
    JOIN unlinked_places up
      ON up.name = r.name AND up.county = substring(r.region_code, 1, 6)
    GROUP BY r.name, up.county
),
link_region AS (
    SELECT u.payment_id, r.id_number, r.n
    FROM unlinked u
    JOIN resident_names r
      ON r.name = u.payee_name AND r.county = substring(u.region_code, 1, 6)
)
SELECT payment_id, 'account' AS via, id_number, n FROM link_account
UNION ALL
SELECT payment_id, 'similar' AS via, id_number, n FROM link_account_similar
UNION ALL
SELECT payment_id, 'region' AS via, id_number, n FROM link_region"""


def payments_resolved_sql() -> str:
    """The derived table ``payments_resolved``: payments with the payee's ID number.

    Columns: those of ``payments`` and ``person_id``, ``link_confidence``,
    ``link_fields``: the ID number the payment carries, else the first link of
    ``payment_links`` that holds (by account, by a similar name with the account,
    by county). It reads ``payment_links``, which the runner builds first; on
    DuckDB it is a view when a single model reads it (nothing copied), else stored.
    """
    return f"""
SELECT p.*,
    CASE WHEN p.payee_id_number IS NOT NULL THEN p.payee_id_number
         WHEN la.n = 1 THEN la.id_number
         WHEN ls.n = 1 THEN ls.id_number
         WHEN lr.n = 1 THEN lr.id_number END AS person_id,
    CASE WHEN p.payee_id_number IS NOT NULL THEN CAST({LINK_ID} AS DOUBLE)
         WHEN la.n = 1 THEN CAST({LINK_ACCOUNT} AS DOUBLE)
         WHEN ls.n = 1 THEN CAST({LINK_ACCOUNT_SIMILAR} AS DOUBLE)
         WHEN lr.n = 1 THEN CAST({LINK_REGION} AS DOUBLE) END AS link_confidence,
    CASE WHEN p.payee_id_number IS NOT NULL THEN 'id_number'
         WHEN la.n = 1 THEN 'name,bank_account'
         WHEN ls.n = 1 THEN 'name_similar,bank_account'
         WHEN lr.n = 1 THEN 'name,region_code' END AS link_fields
FROM payments p
LEFT JOIN payment_links la ON la.via = 'account' AND la.payment_id = p.payment_id
LEFT JOIN payment_links ls ON ls.via = 'similar' AND ls.payment_id = p.payment_id
LEFT JOIN payment_links lr ON lr.via = 'region' AND lr.payment_id = p.payment_id"""


def first_deaths_cte() -> str:
    """CTE ``first_deaths``: one row per ID number with the earliest death date."""
    return """
first_deaths AS (
    SELECT id_number, min(death_date) AS death_date, min(name) AS name
    FROM deaths
    WHERE id_number IS NOT NULL AND death_date IS NOT NULL
    GROUP BY id_number
)"""


def contracts_resolved_ctes() -> str:
    """CTEs ending in ``contracts_resolved``: contracts with the supplier's USCC.

    A contract that names its supplier without a USCC takes the USCC of the one
    registered company with that (normalised) name; with several, none. Only the
    names such contracts carry are grouped: the engines inline this CTE wherever
    ``contracts_resolved`` is read, and grouping all companies each time cost a
    model twice the time of its join.
    """
    return """
companies_by_name AS (
    SELECT name, min(uscc) AS uscc
    FROM companies
    WHERE name IS NOT NULL AND uscc IS NOT NULL
      AND name IN (SELECT supplier_name FROM contracts WHERE supplier_uscc IS NULL)
    GROUP BY name
    HAVING count(DISTINCT uscc) = 1
),
contracts_resolved AS (
    SELECT c.*,
        coalesce(c.supplier_uscc, cb.uscc) AS supplier_key_uscc,
        coalesce(c.supplier_uscc, cb.uscc, c.supplier_name) AS supplier_key,
        coalesce(c.buyer_unit_uscc, c.buyer_unit_name) AS buyer_key
    FROM contracts c
    LEFT JOIN companies_by_name cb
      ON c.supplier_uscc IS NULL AND cb.name = c.supplier_name
)"""


def officials_and_relatives_cte() -> str:
    """CTE ``official_circle``: every official and every relative with an ID number.

    Columns: person_id, person_name, official_id, official_row_id (NULL when the
    official is not in ``officials``), official_name, unit_uscc,
    unit_name, position, relation (NULL for the official), relative_name.
    """
    return """
official_circle AS (
    SELECT o.id_number AS person_id, o.name AS person_name,
           o.id_number AS official_id, o.id_number AS official_row_id,
           o.name AS official_name, o.unit_uscc, o.unit_name, o.position,
           CAST(NULL AS VARCHAR) AS relation, CAST(NULL AS VARCHAR) AS relative_name
    FROM officials o
    WHERE o.id_number IS NOT NULL
    UNION ALL
    SELECT r.relative_id_number, r.relative_name,
           r.official_id_number, o.id_number, o.name,
           o.unit_uscc, o.unit_name, o.position,
           r.relation, r.relative_name
    FROM relatives r
    LEFT JOIN officials o ON o.id_number = r.official_id_number
    WHERE r.relative_id_number IS NOT NULL
)"""


def with_ctes(*ctes: str) -> str:
    return "WITH " + ",".join(ctes)


@dataclass(frozen=True)
class Derived:
    """A table derived from the datasets that several models share.

    ``needs``: the derived tables its SQL reads (built before it). ``large``: as
    big as a dataset, so a DuckDB run keeps it a view unless several models read it.
    """

    build_sql: Callable[[], str]
    needs: tuple[str, ...] = ()
    large: bool = False

    def sql(self) -> str:
        return self.build_sql()


# Tables derived from the datasets, in the order they are built (once per run,
# before the models, after the connection is locked), from canonical SQL.
DERIVED: dict[str, Derived] = {
    "payment_links": Derived(payment_links_sql),
    "payments_resolved": Derived(
        payments_resolved_sql, needs=("payment_links",), large=True
    ),
}


def derived_closure(wanted: Sequence[str]) -> list[str]:
    """The derived tables ``wanted`` and those they read, in build order."""
    needed: set[str] = set()
    todo = list(wanted)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(DERIVED[name].needs)
    return [name for name in DERIVED if name in needed]


# ---------------------------------------------------------------------------
# Reason helpers
# ---------------------------------------------------------------------------


def yuan(value: Any) -> str:
    """An amount as 1,234.50元."""
    if value is None:
        return "（金额不详）"
    return f"{Decimal(value):,.2f}元"


def day(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value is not None else "（日期不详）"


def first(rows: Rows, column: str) -> Any:
    """The first non-empty value of ``column`` among rows (rows are sorted)."""
    return next((r[column] for r in rows if r.get(column) not in (None, "")), None)


def distinct(rows: Rows, column: str) -> list[Any]:
    seen: list[Any] = []
    for row in rows:
        value = row.get(column)
        if value not in (None, "") and value not in seen:
            seen.append(value)
    return seen


def who(name: Any, id_number: Any) -> str:
    """张伟（身份证号 330106…）, or just the name without an ID number."""
    if id_number:
        return f"{name or '（姓名不详）'}（身份证号 {id_number}）"
    return str(name or "（姓名不详）")
