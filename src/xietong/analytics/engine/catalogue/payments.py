"""Models over payments: 死亡冒领, 优亲厚友 and 重复支付."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xietong.analytics.engine.catalogue.base import (
    ModelDefinition,
    Parameter,
    Rows,
    day,
    distinct,
    first,
    first_deaths_cte,
    like_any,
    officials_and_relatives_cte,
    sql_number,
    who,
    with_ctes,
    yuan,
)

# ---------------------------------------------------------------------------
# 死亡冒领
# ---------------------------------------------------------------------------


def _death_payment_sql(p: Mapping[str, Any]) -> str:
    grace = sql_number(p["grace_days"])
    return (
        with_ctes(first_deaths_cte())
        + f"""
SELECT
    pr.payment_id AS payments__payment_id,
    d.id_number AS deaths__id_number,
    d.id_number AS subject_id_number,
    d.name AS subject_name,
    pr.link_confidence AS confidence,
    pr.link_fields AS matched_on,
    pr.payee_name, pr.program, pr.amount, pr.pay_date, d.death_date,
    date_diff('day', d.death_date, pr.pay_date) AS days_after
FROM payments_resolved pr
JOIN first_deaths d ON d.id_number = pr.person_id
WHERE date_diff('day', d.death_date, pr.pay_date) > {grace}
"""
    )


def _death_payment_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    return (
        f"{who(r['subject_name'], r['subject_id_number'])}已于{day(r['death_date'])}"
        f"登记死亡，{day(r['pay_date'])}仍向其发放{r['program'] or ''}资金"
        f"{yuan(r['amount'])}（收款人“{r['payee_name']}”），距死亡 "
        f"{r['days_after']} 天，超过 {p['grace_days']} 天的宽限期。"
    )


DEATH_PAYMENT = ModelDefinition(
    key="death_payment",
    label="死亡冒领",
    description="死亡日期之后超过宽限天数仍在发放的资金。",
    parameters=(
        Parameter(
            "grace_days",
            "宽限天数",
            "int",
            31,
            0,
            3650,
            help="死亡后多少天内的发放不算异常（如当月已造册的发放）。",
        ),
    ),
    reads=("payments", "deaths", "payroll", "residents"),
    primary="payments",
    evidence=("payments", "deaths"),
    build_sql=_death_payment_sql,
    derived=("payments_resolved",),
    reason=_death_payment_reason,
)

# ---------------------------------------------------------------------------
# 优亲厚友
# ---------------------------------------------------------------------------


def _relative_welfare_sql(p: Mapping[str, Any]) -> str:
    return (
        with_ctes(officials_and_relatives_cte())
        + f"""
SELECT
    pr.payment_id AS payments__payment_id,
    c.official_row_id AS officials__id_number,
    c.official_id AS relatives__official_id_number,
    c.relative_name AS relatives__relative_name,
    pr.person_id AS subject_id_number,
    coalesce(c.person_name, pr.payee_name) AS subject_name,
    pr.link_confidence AS confidence,
    pr.link_fields AS matched_on,
    pr.payee_name, pr.program, pr.amount, pr.pay_date,
    c.official_name, c.unit_name, c.position, c.relation
FROM payments_resolved pr
JOIN official_circle c ON c.person_id = pr.person_id
WHERE {like_any("pr.program", p["programs"])}
"""
    )


def _relative_welfare_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    ties = []
    for row in rows:
        post = f"{row.get('unit_name') or ''}{row.get('position') or '公职人员'}"
        relation = row.get("relation")
        if relation is None:
            tie = f"{post}（公职人员本人）"
        else:
            official = row.get("official_name") or row["relatives__official_id_number"]
            tie = f"{post}{official}的{relation}"
        if tie not in ties:
            ties.append(tie)
    return (
        f"{who(r['subject_name'], r['subject_id_number'])}是{'、'.join(ties)}，"
        f"{day(r['pay_date'])}领取{r['program']}资金{yuan(r['amount'])}。"
    )


RELATIVE_WELFARE = ModelDefinition(
    key="relative_welfare",
    label="优亲厚友",
    description="公职人员本人或其亲属领取低保、特困等困难救助资金。",
    parameters=(
        Parameter(
            "programs",
            "救助项目",
            "text_list",
            ("低保", "特困"),
            1,
            20,
            help="资金项目名称中含有其中任一词即计入（如“城市低保”含“低保”）。",
        ),
    ),
    reads=("payments", "officials", "relatives", "payroll", "residents"),
    primary="payments",
    evidence=("payments", "officials", "relatives"),
    build_sql=_relative_welfare_sql,
    derived=("payments_resolved",),
    reason=_relative_welfare_reason,
)

# ---------------------------------------------------------------------------
# 重复支付
# ---------------------------------------------------------------------------


# Who was paid: the person when known, else the name with the account. Written out
# twice rather than as a shared CTE so that 20 M rows are not materialised.
_PAYEE = (
    "CASE WHEN {p}.person_id IS NOT NULL THEN {p}.person_id "
    "ELSE 'name:' || {p}.payee_name || '|' || coalesce({p}.bank_account, '') END"
)
_PERSON = (
    "CASE WHEN {p}.person_id IS NOT NULL THEN {p}.person_id "
    "ELSE 'name:' || {p}.payee_name END"
)


def _duplicate_payment_sql(p: Mapping[str, Any]) -> str:
    columns = """k.payment_id AS payments__payment_id,
    k.payee_name, k.program, k.amount, k.pay_date, k.bank_account"""
    return f"""
WITH same_payment AS (
    SELECT program, {_PAYEE.format(p="pr")} AS payee_key, amount, pay_date,
           min(payment_id) AS group_id
    FROM payments_resolved pr
    WHERE program IS NOT NULL AND amount IS NOT NULL AND pay_date IS NOT NULL
    GROUP BY program, {_PAYEE.format(p="pr")}, amount, pay_date
    HAVING count(*) >= 2
),
shared_account AS (
    SELECT bank_account, min(payment_id) AS group_id,
           count(DISTINCT {_PERSON.format(p="pr")}) AS persons
    FROM payments_resolved pr
    WHERE bank_account IS NOT NULL
    GROUP BY bank_account
    HAVING count(DISTINCT {_PERSON.format(p="pr")}) >= 2
)
SELECT
    'same:' || s.group_id AS hit_group,
    'same' AS kind,
    k.person_id AS subject_id_number,
    k.payee_name AS subject_name,
    k.link_confidence AS confidence,
    coalesce(k.link_fields, 'payee_name,bank_account') || ',program,amount,pay_date'
        AS matched_on,
    {columns},
    CAST(NULL AS BIGINT) AS persons
FROM payments_resolved k
JOIN same_payment s
  ON s.program = k.program AND s.amount = k.amount AND s.pay_date = k.pay_date
 AND s.payee_key = {_PAYEE.format(p="k")}
UNION ALL
SELECT
    'account:' || a.group_id AS hit_group,
    'account' AS kind,
    CAST(NULL AS VARCHAR) AS subject_id_number,
    CAST(NULL AS VARCHAR) AS subject_name,
    CAST(1.0 AS DOUBLE) AS confidence,
    'bank_account' AS matched_on,
    {columns},
    a.persons
FROM payments_resolved k
JOIN shared_account a ON a.bank_account = k.bank_account
"""


def _duplicate_payment_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    if r["kind"] == "same":
        return (
            f"{who(first(rows, 'subject_name'), first(rows, 'subject_id_number'))}"
            f"在{day(r['pay_date'])}被重复发放{r['program']}资金{yuan(r['amount'])}，"
            f"共 {len(rows)} 笔，项目、收款人、金额和日期均相同。"
        )
    payees = "、".join(str(n) for n in distinct(rows, "payee_name"))
    return (
        f"银行账号 {r['bank_account']} 收到 {r['persons']} 个不同人员的 "
        f"{len(rows)} 笔款项（收款人：{payees}）。"
    )


DUPLICATE_PAYMENT = ModelDefinition(
    key="duplicate_payment",
    label="重复支付",
    description="同一项目、收款人、金额和日期支付两次；或一个银行账号收取两人以上的款项。",
    parameters=(),
    reads=("payments", "payroll", "residents"),
    primary="payments",
    evidence=("payments",),
    build_sql=_duplicate_payment_sql,
    derived=("payments_resolved",),
    reason=_duplicate_payment_reason,
    combine="min",
)
