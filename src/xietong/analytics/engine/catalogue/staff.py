"""Models over staff and their use of public resources: 一人多岗/吃空饷 and 公车私用."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from xietong.analytics.engine.catalogue.base import (
    ModelDefinition,
    Rows,
    day,
    first,
    first_deaths_cte,
    who,
    with_ctes,
    yuan,
)

# ---------------------------------------------------------------------------
# 一人多岗 / 吃空饷
# ---------------------------------------------------------------------------


def _double_payroll_sql(p: Mapping[str, Any]) -> str:
    # A unit named without its USCC on some rows takes the USCC that other payroll
    # rows give for that name, so that one unit is not counted as two.
    return (
        with_ctes(
            """
payroll_unit_codes AS (
    SELECT payroll_unit_name AS unit_name, min(payroll_unit_uscc) AS uscc
    FROM payroll
    WHERE payroll_unit_name IS NOT NULL AND payroll_unit_uscc IS NOT NULL
    GROUP BY payroll_unit_name
    HAVING count(DISTINCT payroll_unit_uscc) = 1
),
keyed_payroll AS (
    SELECT pr.*,
        coalesce(pr.payroll_unit_uscc, uc.uscc, pr.payroll_unit_name) AS unit_key
    FROM payroll pr
    LEFT JOIN payroll_unit_codes uc
      ON pr.payroll_unit_uscc IS NULL AND uc.unit_name = pr.payroll_unit_name
    WHERE pr.id_number IS NOT NULL AND pr.month IS NOT NULL
),
several_units AS (
    SELECT id_number, month, count(DISTINCT unit_key) AS units
    FROM keyed_payroll
    GROUP BY id_number, month
    HAVING count(DISTINCT unit_key) >= 2
)""",
            first_deaths_cte(),
        )
        + """
SELECT
    'units:' || k.id_number || '|' || k.month AS hit_group,
    'units' AS kind,
    k.payroll_unit_uscc AS payroll__payroll_unit_uscc,
    k.payroll_unit_name AS payroll__payroll_unit_name,
    k.id_number AS payroll__id_number,
    k.month AS payroll__month,
    CAST(NULL AS VARCHAR) AS deaths__id_number,
    k.id_number AS subject_id_number,
    k.name AS subject_name,
    CAST(1.0 AS DOUBLE) AS confidence,
    'id_number,month' AS matched_on,
    k.month, k.amount, s.units, CAST(NULL AS DATE) AS death_date
FROM keyed_payroll k
JOIN several_units s ON s.id_number = k.id_number AND s.month = k.month
UNION ALL
SELECT
    'dead:' || k.unit_key || '|' || k.id_number || '|' || k.month AS hit_group,
    'dead' AS kind,
    k.payroll_unit_uscc, k.payroll_unit_name, k.id_number, k.month,
    d.id_number,
    k.id_number, coalesce(d.name, k.name),
    CAST(1.0 AS DOUBLE), 'id_number',
    k.month, k.amount, CAST(NULL AS BIGINT), d.death_date
FROM keyed_payroll k
JOIN first_deaths d ON d.id_number = k.id_number
WHERE k.month > substring(CAST(d.death_date AS VARCHAR), 1, 7)
"""
    )


def _double_payroll_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    person = who(first(rows, "subject_name"), r["subject_id_number"])
    if r["kind"] == "units":
        units = "、".join(
            str(u)
            for u in dict.fromkeys(
                row["payroll__payroll_unit_name"] or row["payroll__payroll_unit_uscc"]
                for row in rows
            )
        )
        total = sum((row["amount"] or 0) for row in rows)
        return (
            f"{person}在 {r['month']} 同时从 {r['units']} 个单位领取工资（{units}），"
            f"合计{yuan(total)}。"
        )
    unit = r["payroll__payroll_unit_name"] or r["payroll__payroll_unit_uscc"]
    return (
        f"{person}已于{day(r['death_date'])}登记死亡，{unit}仍为其发放 "
        f"{r['month']} 的工资{yuan(r['amount'])}。"
    )


DOUBLE_PAYROLL = ModelDefinition(
    key="double_payroll",
    label="一人多岗/吃空饷",
    description="同一人同月从两个单位领取工资，或死亡当月之后仍在领取工资。",
    parameters=(),
    reads=("payroll", "deaths"),
    primary="payroll",
    evidence=("payroll", "deaths"),
    build_sql=_double_payroll_sql,
    reason=_double_payroll_reason,
    combine="min",
)

# ---------------------------------------------------------------------------
# 公车私用
# ---------------------------------------------------------------------------

# 2000-01-03 was a Monday: days since then modulo 7 give the weekday (0 = Monday)
# in any engine, whatever its own day-of-week numbering.
_WEEKDAY = (
    "((date_diff('day', DATE '2000-01-03', CAST(v.start_time AS DATE)) % 7) + 7) % 7"
)


def _vehicle_misuse_sql(p: Mapping[str, Any]) -> str:
    return f"""
WITH trips AS (
    SELECT v.plate, v.unit_name, v.start_time, v.driver_name,
           CAST(v.start_time AS DATE) AS trip_date,
           EXTRACT(HOUR FROM v.start_time) AS trip_hour,
           {_WEEKDAY} AS weekday
    FROM vehicles_use v
    WHERE v.start_time IS NOT NULL AND v.plate IS NOT NULL
      AND (v.purpose IS NULL OR trim(v.purpose) = '')
),
classified AS (
    SELECT t.*, cal.kind AS day_kind, cal.name AS day_name,
        CASE WHEN cal.kind = 'workday' THEN FALSE
             WHEN cal.kind = 'holiday' THEN TRUE
             ELSE t.weekday >= 5 END AS day_off,
        (t.trip_hour >= 22 OR t.trip_hour < 6) AS at_night
    FROM trips t
    LEFT JOIN calendar cal ON cal.day = t.trip_date
)
SELECT
    plate AS vehicles_use__plate,
    start_time AS vehicles_use__start_time,
    CAST(NULL AS VARCHAR) AS subject_id_number,
    CAST(NULL AS VARCHAR) AS subject_name,
    CAST(1.0 AS DOUBLE) AS confidence,
    'start_time,purpose' AS matched_on,
    unit_name, driver_name, weekday,
    day_kind, day_name, day_off, at_night
FROM classified
WHERE day_off OR at_night
"""


_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _vehicle_misuse_reason(rows: Rows, p: Mapping[str, Any]) -> str:
    r = rows[0]
    when = r["vehicles_use__start_time"]
    stamp = (
        when.replace(tzinfo=None).isoformat(" ", "minutes")
        if isinstance(when, datetime)
        else when
    )
    causes = []
    if r["day_off"]:
        if r["day_kind"] == "holiday":
            causes.append(f"{r['day_name'] or '法定节假日'}放假期间")
        else:
            causes.append(f"{_WEEKDAY_NAMES[int(r['weekday'])]}休息日")
    if r["at_night"]:
        causes.append("夜间（22:00–06:00）")
    driver = f"，驾驶员{r['driver_name']}" if r.get("driver_name") else ""
    return (
        f"{r['unit_name'] or ''}公务车 {r['vehicles_use__plate']} 于 {stamp}"
        f"（{'、'.join(causes)}）出车{driver}，未登记用车事由。"
    )


VEHICLE_MISUSE = ModelDefinition(
    key="vehicle_misuse",
    label="公车私用",
    description="在休息日、节假日（调休上班日除外）或夜间 22:00–06:00 出车且未登记事由。",
    parameters=(),
    reads=("vehicles_use",),
    primary="vehicles_use",
    evidence=("vehicles_use",),
    build_sql=_vehicle_misuse_sql,
    reason=_vehicle_misuse_reason,
)
