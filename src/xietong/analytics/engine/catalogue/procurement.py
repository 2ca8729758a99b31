"""Models over procurement contracts: 利益输送 and 化整为零."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xietong.analytics.engine.catalogue.base import (
    ModelDefinition,
    Parameter,
    Rows,
    contracts_resolved_ctes,
    day,
    officials_and_relatives_cte,
    sql_number,
    who,
    with_ctes,
    yuan,
)

# ---------------------------------------------------------------------------
# 利益输送
# ---------------------------------------------------------------------------


# The ID numbers of official_circle (officials and relatives). Owners outside it
# cannot match, and dropping them before the join with the contracts (which the
# optimiser would otherwise do first) keeps that join small.
_CIRCLE_IDS = (
    "(SELECT id_number FROM officials "
    "UNION ALL SELECT relative_id_number FROM relatives)"
)


def _supplier_conflict_sql(p: Mapping[str, Any]) -> str:
    return (
        with_ctes(
            contracts_resolved_ctes(),
            officials_and_relatives_cte(),
            f"""
supplier_people AS (
    SELECT uscc, legal_rep_id_number AS person_id, legal_rep_name AS person_name,
           'legal_rep' AS role, CAST(NULL AS VARCHAR) AS holder_name,
           CAST(NULL AS DOUBLE) AS share_ratio
    FROM companies
    WHERE legal_rep_id_number IS NOT NULL
      AND legal_rep_id_number IN {_CIRCLE_IDS}
    UNION ALL
    SELECT uscc, holder_id_number, holder_name,
           'shareholder', holder_name, share_ratio
    FROM shareholders
    WHERE holder_id_number IS NOT NULL AND (share_ratio IS NULL OR share_ratio > 0)
      AND holder_id_number IN {_CIRCLE_IDS}
)""",
        )
        + """
SELECT
    c.contract_id AS contracts__contract_id,
    oc.official_row_id AS officials__id_number,
    CASE WHEN oc.relation IS NOT NULL THEN oc.official_id END
        AS relatives__official_id_number,
    oc.relative_name AS relatives__relative_name,
    CASE WHEN s.role = 'legal_rep' THEN s.uscc END AS companies__uscc,
    CASE WHEN s.role = 'shareholder' THEN s.uscc END AS shareholders__uscc,
    s.holder_name AS shareholders__holder_name,
    s.person_id AS subject_id_number,
    coalesce(oc.person_name, s.person_name) AS subject_name,
    CAST(1.0 AS DOUBLE) AS confidence,
    'id_number,buyer_unit' AS matched_on,
    c.buyer_unit_name, c.supplier_name, c.amount, c.sign_date,
    s.role, s.share_ratio, s.person_name AS supplier_person_name,
    oc.official_name, oc.position, oc.relation
FROM contracts_resolved c
JOIN supplier_people s ON s.uscc = c.supplier_key_uscc
JOIN official_circle oc ON oc.person_id = s.person_id
WHERE (c.buyer_unit_uscc IS NOT NULL AND oc.unit_uscc = c.buyer_unit_uscc)
   OR (c.buyer_unit_name IS NOT NULL AND oc.unit_name = c.buyer_unit_name)
"""
    )


def _role(row: dict[str, Any]) -> str:
    if row["role"] == "legal_rep":
        return "法定代表人"
    ratio = row.get("share_ratio")
    return f"股东（持股 {ratio * 100:.2f}%）" if ratio is not None else "股东"


def _supplier_conflict_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    ties = []
    for row in rows:
        official = f"{row.get('position') or '公职人员'}{row['official_name']}"
        kin = "本人" if row["relation"] is None else f"的{row['relation']}"
        tie = f"{_role(row)}{who(row['subject_name'], row['subject_id_number'])}"
        tie += f"是采购单位{official}{kin}"
        if tie not in ties:
            ties.append(tie)
    return (
        f"合同 {r['contracts__contract_id']}（{day(r['sign_date'])}签订，"
        f"{r['buyer_unit_name'] or '采购单位'}向{r['supplier_name'] or '供应商'}采购，"
        f"{yuan(r['amount'])}）的供应商：{'；'.join(ties)}。"
    )


SUPPLIER_CONFLICT = ModelDefinition(
    key="supplier_conflict",
    label="利益输送",
    description="供应商的法定代表人或股东是采购单位的公职人员或其亲属。",
    parameters=(),
    reads=("contracts", "companies", "shareholders", "officials", "relatives"),
    primary="contracts",
    evidence=("contracts", "officials", "relatives", "companies", "shareholders"),
    build_sql=_supplier_conflict_sql,
    reason=_supplier_conflict_reason,
)

# ---------------------------------------------------------------------------
# 化整为零
# ---------------------------------------------------------------------------


def _split_purchase_sql(p: Mapping[str, Any]) -> str:
    threshold = sql_number(Decimal(p["threshold"]))
    window = sql_number(p["window_days"])
    min_count = sql_number(p["min_count"])
    # A window opens at each eligible contract (the "first of them") and holds the
    # contracts of the same buyer and supplier signed within window_days of it.
    # A window wholly inside an earlier qualifying window is the same finding seen
    # from a later start and is dropped.
    in_window = f"""c.buyer_key = a.buyer_key AND c.supplier_key = a.supplier_key
   AND date_diff('day', a.sign_date, c.sign_date) BETWEEN 0 AND {window}
   AND (c.sign_date > a.sign_date
        OR (c.sign_date = a.sign_date AND c.contract_id >= a.contract_id))"""
    return (
        with_ctes(
            contracts_resolved_ctes(),
            f"""
eligible AS (
    SELECT contract_id, buyer_key, supplier_key, buyer_unit_name, supplier_name,
           amount, sign_date
    FROM contracts_resolved
    WHERE amount IS NOT NULL AND sign_date IS NOT NULL AND amount < {threshold}
      AND buyer_key IS NOT NULL AND supplier_key IS NOT NULL
),
windows AS (
    SELECT a.contract_id AS anchor_id, a.sign_date AS anchor_date,
           a.buyer_key, a.supplier_key,
           count(*) AS n, sum(c.amount) AS total, max(c.sign_date) AS last_date
    FROM eligible a
    JOIN eligible c ON {in_window}
    GROUP BY a.contract_id, a.sign_date, a.buyer_key, a.supplier_key
    HAVING count(*) >= {min_count} AND sum(c.amount) >= {threshold}
),
covered AS (
    SELECT DISTINCT w.anchor_id
    FROM windows w
    JOIN windows v
      ON v.buyer_key = w.buyer_key AND v.supplier_key = w.supplier_key
    WHERE (v.anchor_date < w.anchor_date
           OR (v.anchor_date = w.anchor_date AND v.anchor_id < w.anchor_id))
      AND date_diff('day', v.anchor_date, w.last_date) <= {window}
),
kept AS (
    SELECT w.*
    FROM windows w
    LEFT JOIN covered x ON x.anchor_id = w.anchor_id
    WHERE x.anchor_id IS NULL
)""",
        )
        + f"""
SELECT
    k.anchor_id AS hit_group,
    c.contract_id AS contracts__contract_id,
    CAST(1.0 AS DOUBLE) AS confidence,
    'buyer_unit,supplier,sign_date' AS matched_on,
    c.buyer_unit_name, c.supplier_name, c.amount, c.sign_date,
    k.n, k.total, k.anchor_date, k.last_date
FROM kept k
JOIN eligible a ON a.contract_id = k.anchor_id
JOIN eligible c ON {in_window}
"""
    )


def _split_purchase_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    span = (r["last_date"] - r["anchor_date"]).days
    return (
        f"{r['buyer_unit_name'] or '采购单位'}与{r['supplier_name'] or '供应商'}在"
        f"{day(r['anchor_date'])}至{day(r['last_date'])}的 {span} 天内签订 {r['n']} 份"
        f"合同，每份均低于 {yuan(p['threshold'])}，合计 {yuan(r['total'])}，"
        f"达到限额，疑似化整为零规避采购程序。"
    )


SPLIT_PURCHASE = ModelDefinition(
    key="split_purchase",
    label="化整为零",
    description="同一采购单位与同一供应商在短期内签订多份低于限额、合计达到限额的合同。",
    parameters=(
        Parameter("min_count", "最少合同数", "int", 2, 2, 100),
        Parameter("window_days", "时间窗口（天）", "int", 30, 1, 366),
        Parameter(
            "threshold",
            "限额（元）",
            "decimal",
            Decimal("1000000"),
            Decimal("0"),
            Decimal("100000000000"),
            exclusive_minimum=True,
            help="每份合同均低于此额、合计达到此额即命中。",
        ),
    ),
    reads=("contracts", "companies"),
    primary="contracts",
    evidence=("contracts",),
    build_sql=_split_purchase_sql,
    reason=_split_purchase_reason,
    combine="min",
)
