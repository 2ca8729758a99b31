"""Running the catalogue on an engine and turning result rows into hits.

A hit is a plain dict::

    {"model": "death_payment",
     "evidence": {"deaths": ["330106…"], "payments": ["P0001"]},
     "subject": {"id_number": "330106…", "name": "张伟"},   # when there is a person
     "reason": "张伟（身份证号 …）已于 2026-01-05 登记死亡，…",
     "confidence": 1.0,
     "matched_on": ["id_number"]}

Its identity, for de-duplication and for comparing engines and ground truth, is the
model and the sorted keys of its primary dataset's evidence (``hit_identity``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot.errors import ErrorLevel

from xietong.analytics.engine import names
from xietong.analytics.engine.catalogue import CATALOGUE, PRIMARY_DATASET, get_model
from xietong.analytics.engine.catalogue.base import DERIVED, ModelDefinition, Parameter
from xietong.analytics.engine.datasets import DATASETS

CANONICAL_DIALECT = "duckdb"
ENGINES = ("duckdb", "spark")
_LIKE_UNSAFE = set("%_'\\")


class ParameterError(ValueError):
    """Parameters out of range; ``messages`` lists each problem in Chinese."""

    def __init__(self, messages: list[str]):
        super().__init__("；".join(messages))
        self.messages = messages


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------


def _check(param: Parameter, value: Any) -> tuple[Any, str | None]:
    """Coerce one value to the parameter's type; return it and an error or None."""
    label = f"参数“{param.label}”（{param.name}）"
    if param.type == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            return None, f"{label}应为整数"
        try:
            number = int(value)
        except ValueError:
            return None, f"{label}应为整数，实为“{value}”"
        if not param.minimum <= number <= param.maximum:
            return (
                None,
                f"{label}应在 {param.minimum}–{param.maximum} 之间，实为 {number}",
            )
        return number, None
    if param.type == "decimal":
        if isinstance(value, bool):
            return None, f"{label}应为数字"
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None, f"{label}应为数字，实为“{value}”"
        if not number.is_finite():
            return None, f"{label}应为数字，实为“{value}”"
        low_ok = (
            number > param.minimum
            if param.exclusive_minimum
            else number >= param.minimum
        )
        if not low_ok:
            sign = "大于" if param.exclusive_minimum else "不小于"
            return None, f"{label}应{sign} {param.minimum}，实为 {number}"
        if number > param.maximum:
            return None, f"{label}应不大于 {param.maximum}，实为 {number}"
        return number, None
    # text_list
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",")]
    if not isinstance(value, list | tuple):
        return None, f"{label}应为名称列表"
    words = [str(v).strip() for v in value if str(v).strip()]
    if not words:
        return None, f"{label}至少要有一项"
    for word in words:
        if _LIKE_UNSAFE & set(word):
            return None, f"{label}中的“{word}”含有不允许的字符（% _ ' \\）"
        if len(word) > param.maximum:
            return None, f"{label}中的“{word}”太长：最多 {param.maximum} 个字"
    return tuple(dict.fromkeys(words)), None


def validate_params(model_key: str, params: Mapping[str, Any] | None) -> list[str]:
    """Chinese messages naming each bad parameter; empty when all are acceptable."""
    model = get_model(model_key)
    known = {p.name: p for p in model.parameters}
    messages = []
    for name, value in (params or {}).items():
        param = known.get(name)
        if param is None:
            allowed = "、".join(known) or "无"
            messages.append(
                f"模型“{model.label}”没有参数“{name}”（可用参数：{allowed}）"
            )
            continue
        _, error = _check(param, value)
        if error:
            messages.append(error)
    return messages


def resolve_params(model_key: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The defaults overlaid with ``params``, coerced; ParameterError when invalid."""
    messages = validate_params(model_key, params)
    if messages:
        raise ParameterError(messages)
    model = get_model(model_key)
    resolved = model.defaults()
    for name, value in (params or {}).items():
        resolved[name], _ = _check(model.parameter(name), value)
    return resolved


# ---------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------


def transpile(sql: str, dialect: str) -> str:
    """The canonical SQL in ``dialect``; refuses constructs sqlglot cannot carry over."""
    return sqlglot.transpile(
        sql, read=CANONICAL_DIALECT, write=dialect, unsupported_level=ErrorLevel.RAISE
    )[0]


def standalone_sql(model: ModelDefinition, params: Mapping[str, Any]) -> str:
    """The model's canonical SQL with its derived tables inlined as CTEs."""
    sql = model.sql(params).strip()
    if not model.derived:
        return sql
    if not sql.upper().startswith("WITH "):
        raise ValueError(
            f"{model.key}: SQL reading derived tables must start with WITH"
        )
    head = ", ".join(f"{name} AS ({DERIVED[name]().strip()})" for name in model.derived)
    return f"WITH {head}, {sql[5:]}"


def model_sql(
    model_key: str, params: Mapping[str, Any] | None = None, *, engine: str = "duckdb"
) -> str:
    """The SQL a model runs on ``engine`` with these parameters."""
    return transpile(
        get_model(model_key).sql(resolve_params(model_key, params)), engine
    )


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def resolve_sources(data: str | os.PathLike | Mapping[str, Any]) -> dict[str, Path]:
    """Dataset name -> Parquet path, from a directory or a mapping."""
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - set(DATASETS))
        if unknown:
            raise ValueError(f"未知的数据集：{'、'.join(unknown)}")
        return {name: Path(path) for name, path in data.items() if path is not None}
    folder = Path(data)
    if not folder.is_dir():
        raise ValueError(f"数据目录不存在：{folder}")
    return {
        name: folder / f"{name}.parquet"
        for name in DATASETS
        if (folder / f"{name}.parquet").exists()
    }


def calendar_table(calendar: Any = None) -> pa.Table:
    """The official calendar as a table (day, kind, name).

    ``calendar`` may be None (the calendars shipped with the platform), a pyarrow
    table with a ``date`` or ``day`` column and ``kind``, a mapping date -> kind, or
    an iterable of (date, kind) pairs or ``CalendarEntry`` objects.
    """
    if calendar is None:
        from xietong.core.calendar import load_shipped_entries

        calendar = load_shipped_entries()
    if isinstance(calendar, pa.Table):
        day_column = "day" if "day" in calendar.column_names else "date"
        days = calendar.column(day_column).to_pylist()
        kinds = calendar.column("kind").to_pylist()
        labels = (
            calendar.column("name").to_pylist()
            if "name" in calendar.column_names
            else [None] * len(days)
        )
        triples = list(zip(days, kinds, labels, strict=True))
    elif isinstance(calendar, Mapping):
        triples = [(d, k, None) for d, k in calendar.items()]
    else:
        triples = []
        for item in calendar:
            if hasattr(item, "day"):
                triples.append((item.day, item.kind, getattr(item, "name", None)))
            else:
                triples.append((item[0], item[1], item[2] if len(item) > 2 else None))
    for day_value, kind, _ in triples:
        if not isinstance(day_value, date) or kind not in ("holiday", "workday"):
            raise ValueError(
                f"工作日历有误：{day_value} {kind}（应为日期和 holiday/workday）"
            )
    triples.sort(key=lambda t: t[0])
    return pa.table(
        {
            "day": pa.array([t[0] for t in triples], pa.date32()),
            "kind": pa.array([t[1] for t in triples], pa.string()),
            "name": pa.array([t[2] for t in triples], pa.string()),
        }
    )


def positions_table() -> pa.Table:
    return pa.table({"i": pa.array(names.positions(), pa.int32())})


# ---------------------------------------------------------------------------
# Hits
# ---------------------------------------------------------------------------


def hit_identity(hit: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """(model, sorted primary evidence keys): equal identities are the same finding."""
    model = hit["model"]
    keys = hit["evidence"].get(PRIMARY_DATASET[model], [])
    return model, tuple(sorted(keys))


def _row_sort_key(row: Mapping[str, Any]) -> tuple:
    return tuple((k, "" if v is None else str(v)) for k, v in sorted(row.items()))


def _evidence_key(dataset: str, row: Mapping[str, Any]) -> str | None:
    spec = DATASETS[dataset]
    values = {f: row.get(f"{dataset}__{f}") for f in spec.key_fields}
    for part in spec.key_parts:
        if all(values[f] in (None, "") for f in part):
            return None
    return spec.row_key(values)


def assemble_hits(
    model: ModelDefinition, rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Group a model's result rows into hits, merging those with one identity."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in sorted((dict(r) for r in rows), key=_row_sort_key):
        group = row.get("hit_group")
        if group is None:
            group = _evidence_key(model.primary, row)
        if group is None:
            continue
        groups.setdefault(group, []).append(row)
    by_identity: dict[tuple, dict[str, Any]] = {}
    for group_rows in groups.values():
        hit = _build_hit(model, group_rows, params)
        identity = hit_identity(hit)
        if identity in by_identity:
            _merge(by_identity[identity], hit)
        else:
            by_identity[identity] = hit
    return [by_identity[k] for k in sorted(by_identity)]


def _build_hit(model: ModelDefinition, rows: list[dict[str, Any]], params) -> dict:
    evidence: dict[str, list[str]] = {}
    for dataset in model.evidence:
        keys = {k for row in rows if (k := _evidence_key(dataset, row)) is not None}
        if keys:
            evidence[dataset] = sorted(keys)
    confidences = [
        float(r["confidence"]) for r in rows if r.get("confidence") is not None
    ]
    combine = max if model.combine == "max" else min
    matched: list[str] = []
    for row in rows:
        for field in (row.get("matched_on") or "").split(","):
            if field and field not in matched:
                matched.append(field)
    hit: dict[str, Any] = {
        "model": model.key,
        "evidence": dict(sorted(evidence.items())),
        "reason": model.reason(rows, params),
        "confidence": round(combine(confidences), 4) if confidences else 1.0,
        "matched_on": matched,
    }
    subject_id = next(
        (r["subject_id_number"] for r in rows if r.get("subject_id_number")), None
    )
    subject_name = next(
        (r["subject_name"] for r in rows if r.get("subject_name")), None
    )
    if subject_id or subject_name:
        hit["subject"] = {"id_number": subject_id, "name": subject_name}
    return hit


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for dataset, keys in other["evidence"].items():
        into["evidence"][dataset] = sorted(
            set(into["evidence"].get(dataset, [])) | set(keys)
        )
    into["evidence"] = dict(sorted(into["evidence"].items()))
    into["confidence"] = max(into["confidence"], other["confidence"])
    for field in other["matched_on"]:
        if field not in into["matched_on"]:
            into["matched_on"].append(field)


def sort_hits(hits: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Catalogue order, then identity."""
    order = {key: i for i, key in enumerate(CATALOGUE)}
    return sorted(
        (dict(h) for h in hits),
        key=lambda h: (order.get(h["model"], len(order)), hit_identity(h)),
    )


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def make_backend(
    engine: str,
    *,
    spark=None,
    memory_limit: str | None = None,
    threads: int | None = None,
):
    if engine == "duckdb":
        from xietong.analytics.engine.duckdb_backend import DuckDBBackend

        return DuckDBBackend(memory_limit=memory_limit or "4GB", threads=threads)
    if engine == "spark":
        from xietong.analytics.engine.spark_backend import SparkBackend

        return SparkBackend(spark)
    raise ValueError(f"未知的引擎“{engine}”：可用的有 {'、'.join(ENGINES)}")


def run_models(
    data: str | os.PathLike | Mapping[str, Any],
    *,
    engine: str = "duckdb",
    models: Sequence[str] | None = None,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    calendar: Any = None,
    spark=None,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """Run the chosen models (all by default) over ``data`` and return sorted hits."""
    keys = list(models) if models is not None else list(CATALOGUE)
    for key in keys:
        get_model(key)
    params = params or {}
    unknown = sorted(set(params) - set(keys))
    if unknown:
        raise ValueError(f"参数给了未运行的模型：{'、'.join(unknown)}")
    messages: list[str] = []
    resolved: dict[str, dict[str, Any]] = {}
    for key in keys:
        try:
            resolved[key] = resolve_params(key, params.get(key))
        except ParameterError as exc:
            messages.extend(exc.messages)
    if messages:
        raise ParameterError(messages)
    sources = resolve_sources(data)
    aux = {
        "calendar": calendar_table(calendar),
        names.POSITIONS_TABLE: positions_table(),
    }
    backend = make_backend(
        engine, spark=spark, memory_limit=memory_limit, threads=threads
    )
    try:
        backend.load(sources, aux)
        backend.lock()
        needed = {name for key in keys for name in CATALOGUE[key].derived}
        for name in (n for n in DERIVED if n in needed):
            backend.materialize(name, transpile(DERIVED[name](), backend.dialect))
        hits: list[dict[str, Any]] = []
        for key in keys:
            model = CATALOGUE[key]
            sql = transpile(model.sql(resolved[key]), backend.dialect)
            hits.extend(assemble_hits(model, backend.query(sql), resolved[key]))
    finally:
        backend.close()
    return sort_hits(hits)
