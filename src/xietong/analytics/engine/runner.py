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

Scope ("一键抓取"). A run may be narrowed before any model reads the data; the same
filters are applied on load by both engines (``scope_filters``):

- ``{}``: everything given.
- ``{"region_code": "410105"}``: the rows of ``payments`` whose region code starts
  with the code (trailing zero levels dropped: 410100 means all of 4101…). The
  registers (residents, deaths, companies, shareholders, relatives) stay whole: they
  are what the subjects are checked against, and narrowing them would turn an
  ambiguous name into a unique one or hide a death registered elsewhere. Datasets
  without a region code (contracts, payroll, officials, vehicles_use) stay whole.
- ``{"target_unit": {"name": …, "uscc": …}}`` (被巡察单位): the records of that
  unit — payments it paid (``paying_unit``), contracts it bought (``buyer_unit_*``),
  trips of its cars (``vehicles_use.unit_name``), its officials (``unit_*``) and the
  payroll of the persons it pays, with their pay from any other unit (so that 一人
  多岗 still sees the second unit). A row belongs to the unit when its USCC equals
  the unit's, or when its name equals the unit's after the company-name
  normalisation (width, traditional characters, legal form such as 有限公司).
  Registers stay whole.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot.errors import ErrorLevel

from xietong.analytics.engine import names
from xietong.analytics.engine import normalize as norm
from xietong.analytics.engine.catalogue import CATALOGUE, PRIMARY_DATASET, get_model
from xietong.analytics.engine.catalogue.base import (
    DERIVED,
    ModelDefinition,
    Parameter,
    derived_closure,
    sql_string,
)
from xietong.analytics.engine.datasets import DATASETS

# The default engine, imported with the runner rather than inside the first run.
from xietong.analytics.engine.duckdb_backend import DuckDBBackend
from xietong.analytics.engine.gcpause import gc_paused

CANONICAL_DIALECT = "duckdb"
ENGINES = ("duckdb", "spark")
_LIKE_UNSAFE = set("%_'\\")


class RunCancelled(Exception):
    """The caller asked the run to stop (``should_cancel``); no hits are returned."""

    def __init__(self) -> None:
        super().__init__("运行已取消")


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
    """The canonical SQL in ``dialect``; refuses constructs sqlglot cannot carry over.

    The canonical dialect is returned as written: parsing and regenerating it would
    only cost time (``test_portability`` checks that every model transpiles).
    """
    if dialect == CANONICAL_DIALECT:
        return sql.strip()
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
    head = ", ".join(
        f"{name} AS ({DERIVED[name].sql().strip()})"
        for name in derived_closure(model.derived)
    )
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
    return DATASETS[dataset].prefixed_row_key(row, f"{dataset}__")


def assemble_hits(
    model: ModelDefinition, rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Group a model's result rows into hits, merging those with one identity."""
    # Each row with the key of its primary evidence row (computed once).
    groups: dict[Any, list[tuple[dict[str, Any], str | None]]] = {}
    for row in map(dict, rows):
        primary = _evidence_key(model.primary, row)
        group = row.get("hit_group")
        if group is None:
            group = primary
        if group is None:
            continue
        groups.setdefault(group, []).append((row, primary))
    # Whatever order the engine returned the rows in, the same hits come out: the
    # rows of a hit in one fixed order (the reason reads the first), and groups
    # with one identity merged in the order of their first rows. Most hits have
    # one row and one group, and skip the sorting.
    by_identity: dict[tuple, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=lambda m: _row_sort_key(m[0]))
        hit = _build_hit(model, members, params)
        by_identity.setdefault(hit_identity(hit), []).append((members[0][0], hit))
    hits = []
    for identity in sorted(by_identity):
        found = by_identity[identity]
        if len(found) > 1:
            found.sort(key=lambda f: _row_sort_key(f[0]))
        hit = found[0][1]
        for _, other in found[1:]:
            _merge(hit, other)
        hits.append(hit)
    return hits


def _build_hit(
    model: ModelDefinition,
    members: list[tuple[dict[str, Any], str | None]],
    params: Mapping[str, Any],
) -> dict:
    rows = [row for row, _ in members]
    evidence: dict[str, list[str]] = {}
    for dataset in model.evidence:
        if dataset == model.primary:
            keys = {k for _, k in members if k is not None}
        else:
            keys = {k for r in rows if (k := _evidence_key(dataset, r)) is not None}
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
# Scope
# ---------------------------------------------------------------------------

# Datasets narrowed by a region scope, and their region column.
REGION_SCOPED = {"payments": "region_code"}
# Datasets narrowed by a target-unit scope: (USCC column or None, name column).
UNIT_SCOPED = {
    "payments": (None, "paying_unit"),
    "contracts": ("buyer_unit_uscc", "buyer_unit_name"),
    "officials": ("unit_uscc", "unit_name"),
    "vehicles_use": (None, "unit_name"),
    "payroll": ("payroll_unit_uscc", "payroll_unit_name"),
}
# Of the unit-scoped datasets, those kept whole for every person the unit has a row
# of (dataset -> person column): payroll, so a second paying unit is still seen.
UNIT_SCOPED_BY_PERSON = {"payroll": "id_number"}
# The placeholder a filter uses for the unfiltered table (self-joins).
FULL_TABLE = "{full}"
_REGION_PREFIX = re.compile(r"\d{2,12}")


def _region_prefix(code: str) -> str:
    """410100 -> 4101, 410000 -> 41, 410105001000 -> 410105001 (whole levels only)."""
    if len(code) in (9, 12):
        while len(code) > 6 and code.endswith("000"):
            code = code[:-3]
    if len(code) == 6:
        while len(code) > 2 and code.endswith("00"):
            code = code[:-2]
    return code


def check_scope(scope: Mapping[str, Any] | None) -> dict[str, Any]:
    """The scope in its stored form; ValueError in Chinese when it makes no sense."""
    if not scope:
        return {}
    if not isinstance(scope, Mapping):
        raise ValueError("抓取范围应为对象：{} 或 region_code 或 target_unit")
    unknown = sorted(set(scope) - {"region_code", "target_unit"})
    if unknown or len(scope) != 1:
        raise ValueError(
            "抓取范围只能是 region_code（行政区划代码前缀）或 target_unit（被巡察单位）"
            "之一" + (f"，不认识：{'、'.join(unknown)}" if unknown else "")
        )
    if "region_code" in scope:
        code = str(scope["region_code"] or "").strip()
        if not _REGION_PREFIX.fullmatch(code):
            raise ValueError(f"行政区划代码“{code}”无效：应为 2–12 位数字")
        return {"region_code": code}
    target = scope["target_unit"]
    if not isinstance(target, Mapping):
        raise ValueError("被巡察单位应给出名称（name）和统一社会信用代码（uscc）")
    name = str(target.get("name") or "").strip()
    uscc = str(target.get("uscc") or "").strip()
    if not name and not uscc:
        raise ValueError("被巡察单位至少要有名称或统一社会信用代码")
    if uscc:
        try:
            uscc = norm.normalize_uscc(uscc).value
        except norm.NormalizationError as exc:
            raise ValueError(f"被巡察单位的{exc}") from None
    return {"target_unit": {"name": name, "uscc": uscc}}


def _unit_key(name: Any) -> str | None:
    """A unit's name for comparison: the company-name normalisation, else folded."""
    try:
        return norm.normalize_company_name(name).value
    except norm.NormalizationError:
        return None


def _distinct_values(path: Path, column: str) -> list[str]:
    import pyarrow.compute as pc
    import pyarrow.dataset as pads

    data = pads.dataset(str(path), format="parquet")
    if column not in data.schema.names:
        return []
    values = pc.unique(data.to_table(columns=[column]).column(column))
    return [v for v in values.to_pylist() if isinstance(v, str) and v]


def _in_list(column: str, values: Sequence[str]) -> str:
    if not values:
        return "1 = 0"
    return f"{column} IN (" + ", ".join(sql_string(v) for v in sorted(values)) + ")"


def scope_filters(
    sources: Mapping[str, Path], scope: Mapping[str, Any] | None
) -> dict[str, str]:
    """Dataset -> canonical SQL condition on its standard columns (see module doc).

    A condition may read the unfiltered table as ``{full}``. The names of the target
    unit are matched in Python over each file's distinct names, so both engines get
    the same literal list.
    """
    scope = check_scope(scope)
    filters: dict[str, str] = {}
    if "region_code" in scope:
        prefix = _region_prefix(scope["region_code"])
        for dataset, column in REGION_SCOPED.items():
            filters[dataset] = (
                f"substring({column}, 1, {len(prefix)}) = {sql_string(prefix)}"
            )
    elif "target_unit" in scope:
        target = scope["target_unit"]
        key = _unit_key(target["name"]) if target["name"] else None
        for dataset, (uscc_column, name_column) in UNIT_SCOPED.items():
            path = sources.get(dataset)
            names = []
            if path is not None and key is not None:
                names = [
                    v
                    for v in _distinct_values(Path(path), name_column)
                    if _unit_key(v) == key
                ]
            parts = [_in_list(name_column, names)]
            if uscc_column and target["uscc"]:
                parts.append(f"{uscc_column} = {sql_string(target['uscc'])}")
            own = "(" + " OR ".join(parts) + ")"
            person = UNIT_SCOPED_BY_PERSON.get(dataset)
            if person:
                own = (
                    f"({own} OR {person} IN (SELECT {person} FROM {FULL_TABLE} AS unit_rows "
                    f"WHERE {own}))"
                )
            filters[dataset] = own
    return filters


def _filters_for(filters: Mapping[str, str], dialect: str) -> dict[str, str]:
    """The scope conditions in the backend's dialect ({full} kept as a placeholder)."""
    if dialect == CANONICAL_DIALECT:
        return dict(filters)
    out = {}
    for dataset, condition in filters.items():
        sql = transpile(
            f"SELECT * FROM full_table_placeholder AS t WHERE {condition}".replace(
                FULL_TABLE, "full_table_placeholder"
            ),
            dialect,
        )
        where = sql.split(" WHERE ", 1)[1]
        out[dataset] = where.replace("full_table_placeholder", FULL_TABLE)
    return out


# ---------------------------------------------------------------------------
# Cancelling
# ---------------------------------------------------------------------------


class _CancelWatch:
    """Polls ``should_cancel`` off the running thread and interrupts the backend's
    query in flight, so a long model stops without waiting for its end."""

    def __init__(self, backend, should_cancel: Callable[[], bool], interval=0.2):
        self.backend = backend
        self.should_cancel = should_cancel
        self.interval = interval
        self.fired = False
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="analytics-cancel-watch", daemon=True
        )

    def __enter__(self) -> _CancelWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            if self.should_cancel():
                self.fired = True
                interrupt = getattr(self.backend, "interrupt", None)
                if interrupt is not None:
                    interrupt()
                return


def watch_cancel(backend, should_cancel: Callable[[], bool], interval: float = 0.2):
    """A context in which ``should_cancel()`` turning true interrupts ``backend``."""
    return _CancelWatch(backend, should_cancel, interval)


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
        # The catalogue's SQL is our own: it reads the Parquet files through views
        # (see duckdb_backend) instead of copying every dataset into memory.
        return DuckDBBackend(
            memory_limit=memory_limit or "4GB", threads=threads, parquet_views=True
        )
    if engine == "spark":
        from xietong.analytics.engine.spark_backend import SparkBackend

        return SparkBackend(spark)
    raise ValueError(f"未知的引擎“{engine}”：可用的有 {'、'.join(ENGINES)}")


def _reads(table: str, sql: str) -> int:
    """How many times ``sql`` names ``table`` (as a word)."""
    return len(re.findall(rf"\b{re.escape(table)}\b", sql))


def _derived_plan(sqls: Mapping[str, str], backend) -> list[tuple[str, str, bool]]:
    """(name, SQL, as a view?) of the derived tables the models (``sqls``: key ->
    SQL) read, in build order.

    Each is stored, except on a backend with views (DuckDB) a large one that the
    models name only once in all: it stays a view, so that the one query reads
    only the columns and rows it needs and nothing is copied.
    """
    reads: dict[str, int] = {}
    for key, sql in sqls.items():
        for name in CATALOGUE[key].derived:
            reads[name] = reads.get(name, 0) + _reads(name, sql)
    views = hasattr(backend, "define_view")
    plan = []
    for name in derived_closure(list(reads)):
        derived = DERIVED[name]
        as_view = views and derived.large and reads.get(name, 0) <= 1
        plan.append((name, transpile(derived.sql(), backend.dialect), as_view))
    return plan


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
    scope: Mapping[str, Any] | None = None,
    on_progress: Callable[[int, int, str | None], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[dict[str, Any]]:
    """Run the chosen models (all by default) over ``data`` and return sorted hits.

    ``scope`` narrows the input (module doc). ``on_progress(done, total, key)`` is
    called before each model (``key`` about to run) and once at the end (key None).
    When ``should_cancel()`` turns true the query in flight is interrupted and
    RunCancelled raised; it is polled from another thread, so it must be cheap and
    thread-safe.
    """
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
    filters = scope_filters(sources, scope)
    # A calendar given is checked now; the shipped one is read only when needed.
    given_calendar = calendar_table(calendar) if calendar is not None else None
    cancelled = should_cancel or (lambda: False)

    def checkpoint() -> None:
        if cancelled():
            raise RunCancelled()

    checkpoint()
    backend = make_backend(
        engine, spark=spark, memory_limit=memory_limit, threads=threads
    )
    # Nothing to watch without a should_cancel (and no thread to start).
    watch = watch_cancel(backend, cancelled) if should_cancel else nullcontext()
    try:
        with watch:
            try:
                sqls = {
                    key: transpile(CATALOGUE[key].sql(resolved[key]), backend.dialect)
                    for key in keys
                }
                derived = _derived_plan(sqls, backend)
                scoped = _filters_for(filters, backend.dialect)
                # Only the datasets and auxiliary tables some query of the run reads.
                text = "\n".join(
                    [*sqls.values(), *(sql for _, sql, _ in derived), *scoped.values()]
                )
                tables = {name for name in DATASETS if _reads(name, text)}
                aux = {}
                if _reads("calendar", text):
                    aux["calendar"] = (
                        given_calendar
                        if given_calendar is not None
                        else calendar_table(None)
                    )
                if _reads(names.POSITIONS_TABLE, text):
                    aux[names.POSITIONS_TABLE] = positions_table()
                backend.load(sources, aux, filters=scoped, tables=tables)
                backend.lock()
                for name, sql, as_view in derived:
                    checkpoint()
                    if as_view:
                        backend.define_view(name, sql)
                    else:
                        backend.materialize(name, sql)
                hits: list[dict[str, Any]] = []
                for done, key in enumerate(keys):
                    checkpoint()
                    if on_progress is not None:
                        on_progress(done, len(keys), key)
                    checkpoint()
                    model = CATALOGUE[key]
                    rows = backend.query(sqls[key])
                    with gc_paused():
                        hits.extend(assemble_hits(model, rows, resolved[key]))
                checkpoint()
            except RunCancelled:
                raise
            except Exception as exc:
                # An interrupted query raises the engine's own error: report why.
                if cancelled():
                    raise RunCancelled() from exc
                raise
    finally:
        backend.close()
    if on_progress is not None:
        on_progress(len(keys), len(keys), None)
    return sort_hits(hits)
