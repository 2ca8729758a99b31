"""An analyst's own read-only SQL over the standard datasets, checked and sandboxed.

Two fences stand between a custom model and the machine. ``check_sql`` reads the
query with sqlglot before it runs: one statement, a SELECT, reading only the
standard datasets and its own CTEs, calling no file, network or system function.
``run_custom_sql`` then runs it on a fresh in-memory DuckDB connection that cannot
reach files or the network at all (``enable_external_access = false``, locked), with a
memory limit, one thread and a wall-clock limit — so a hole in the first fence still
reads nothing. Every refusal is a Chinese sentence naming what and where: “第 2 行第 15
列：不允许使用 read_csv 读取文件”.

Parameters are ``$name`` placeholders declared in a spec
``[{"name", "label", "type": int|float|str|date, "default", "min", "max"}]`` and bound
by DuckDB as values, never pasted into the text (``custom_params``); each result row
becomes a hit (``custom_hits``). Both are re-exported here.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.dataset as pads
import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from xietong.analytics.engine.custom_hits import (
    RESULT_EVIDENCE,
    default_reason,
    fill_reason,
    result_hits,
    row_evidence,
    row_identity,
)
from xietong.analytics.engine.custom_params import (
    PARAM_TYPE_LABELS,
    PARAM_TYPES,
    CustomParamError,
    check_param_spec,
    validate_custom_params,
)
from xietong.analytics.engine.datasets import DATASETS
from xietong.analytics.engine.duckdb_backend import SQL_TYPES, DuckDBBackend

MAX_SQL_CHARS = 20_000

# Statements a custom model may never be, by their first word (and how to name them).
FORBIDDEN_STATEMENTS = {
    word: word
    for word in (
        "ALTER ANALYZE ATTACH BEGIN CALL CHECKPOINT COMMENT COMMIT COPY CREATE"
        " DEALLOCATE DELETE DESCRIBE DETACH DROP EXECUTE EXPLAIN GRANT INSERT INSTALL"
        " LOAD MERGE PIVOT PRAGMA PREPARE RESET REPLACE ROLLBACK SET SHOW SUMMARIZE"
        " TRUNCATE UNPIVOT UPDATE USE VACUUM"
    ).split()
} | {
    "DESC": "DESCRIBE",
    "EXPORT": "EXPORT DATABASE",
    "FORCE": "FORCE INSTALL",
    "IMPORT": "IMPORT DATABASE",
}

# Functions that read files, reach the network or the host, or run SQL from a string.
DENIED_FUNCTIONS = frozenset(
    (
        "getenv current_setting glob query query_table read_text read_blob sniff_csv"
        " parquet_scan json_execute_serialized_sql sql_auto_complete which_secret"
        " enable_logging disable_logging load_extension"
    ).split()
)
DENIED_PREFIXES = tuple(
    "read_ parquet_ sniff_ duckdb_ pragma_ iceberg_ delta_ sqlite_ postgres_ mysql_"
    " http s3".split()
)
FILE_READERS_PREFIXES = ("read_", "parquet_", "sniff_", "glob", "iceberg_", "delta_")

_DIALECT = DuckDB()

__all__ = [
    "PARAM_TYPES",
    "PARAM_TYPE_LABELS",
    "RESULT_EVIDENCE",
    "CheckedSQL",
    "CustomParamError",
    "CustomSQLError",
    "QueryCancelled",
    "QueryResult",
    "check_param_spec",
    "check_sql",
    "dataset_reference",
    "default_reason",
    "execute_sandboxed",
    "fill_reason",
    "open_sandbox",
    "result_hits",
    "row_evidence",
    "row_identity",
    "run_custom_sql",
    "translate_error",
    "validate_custom_params",
]


class CustomSQLError(ValueError):
    """A refused or failed query: a Chinese message, with its place when known."""

    def __init__(
        self, message: str, *, line: int | None = None, col: int | None = None
    ):
        if line is not None:
            message = f"第 {line} 行第 {col or 1} 列：{message}"
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


class QueryCancelled(CustomSQLError):
    """The query was stopped because its run was cancelled."""


@dataclass(frozen=True)
class CheckedSQL:
    """A query that passed the checks, with what it reads and which parameters it uses."""

    sql: str
    datasets: frozenset[str]
    ctes: frozenset[str]
    params: tuple[str, ...]  # ``$name`` placeholders, in order of first use


@dataclass
class QueryResult:
    """Columns and rows; unpacks as ``columns, rows``. ``truncated`` when rows were cut."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False
    elapsed_s: float = 0.0
    # The datasets that had data (the others were empty tables).
    loaded: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Any]:
        return iter((self.columns, self.rows))


# ---------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------


def position(sql: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset in ``sql``."""
    offset = max(0, min(offset, len(sql)))
    line = sql.count("\n", 0, offset) + 1
    col = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _tokens(sql: str) -> list[Token]:
    try:
        return _DIALECT.tokenize(sql)
    except TokenError:
        raise CustomSQLError("无法识别的写法，请检查引号、注释和 $ 符号") from None


_DOLLAR_QUOTE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]{0,39})\b")


def _scan(sql: str) -> tuple[str, list[tuple[str, int]]]:
    """Walk the text once past strings, comments and dollar quotes, finding each
    ``$name`` parameter: (the text with those ``$`` turned into ``_``, [(name,
    offset)]). The masked text keeps every position; sqlglot's tokenizer trips over
    some ``$name … ''`` texts. Refuses an unclosed string or comment and ``$1``."""
    chars = list(sql)
    uses: list[tuple[str, int]] = []
    i, n = 0, len(sql)
    while i < n:
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise _refuse("注释 /* 没有闭合", sql, i)
            i = end + 2
        elif sql[i] in "'\"":
            quote, j = sql[i], i + 1
            while j < n and (sql[j] != quote or sql.startswith(quote * 2, j)):
                j += 2 if sql[j] == quote else 1
            if j >= n:
                raise _refuse(f"引号 {quote} 没有闭合", sql, i)
            i = j + 1
        elif sql[i] == "$":
            dollar = _DOLLAR_QUOTE.match(sql, i)
            if dollar:
                end = sql.find(dollar.group(0), dollar.end())
                if end < 0:
                    raise _refuse(f"{dollar.group(0)} 开始的字符串没有闭合", sql, i)
                i = end + len(dollar.group(0))
                continue
            param = _PARAMETER.match(sql, i)
            if param is None:
                raise _refuse(
                    "参数应写作 $参数名（字母开头，字母、数字或下划线）", sql, i
                )
            uses.append((param.group(1), i))
            chars[i] = "_"
            i = param.end()
        else:
            i += 1
    return "".join(chars), uses


def _node_offset(node: exp.Expression, sql: str, tokens: list[Token], word: str):
    """Where ``node`` starts: sqlglot's own position, else the first token ``word``."""
    for candidate in (node, node.args.get("this")):
        meta = getattr(candidate, "meta", None) if candidate is not None else None
        if isinstance(meta, dict) and "start" in meta:
            return meta["start"]
    needle = word.lower()
    for token in tokens:
        if token.text.lower() == needle:
            return token.start
    found = sql.lower().find(needle)
    return found if found >= 0 else 0


def _refuse(message: str, sql: str, offset: int) -> CustomSQLError:
    line, col = position(sql, offset)
    return CustomSQLError(message, line=line, col=col)


# ---------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------


def _statements(tokens: list[Token]) -> list[list[Token]]:
    groups: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            groups.append([])
        else:
            groups[-1].append(token)
    return [g for g in groups if g]


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _written_name(sql: str, offset: int, fallback: str) -> str:
    """The function name as the analyst wrote it (sqlglot renames range to
    generate_series)."""
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", sql[offset:])
    return match.group(0).lower() if match else fallback


def _denied_function(name: str) -> bool:
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


def _function_refusal(name: str) -> str:
    if name.startswith(FILE_READERS_PREFIXES) or name in ("read_text", "read_blob"):
        return f"不允许使用 {name} 读取文件"
    return f"不允许使用函数 {name}（它会访问文件、网络或系统）"


def _looks_like_path(name: str) -> bool:
    return any(s in name for s in ("/", "\\", "://", "~")) or bool(
        re.search(
            r"\.(csv|tsv|parquet|json|jsonl|ndjson|txt|xlsx?|db|duckdb|gz)$", name, re.I
        )
    )


def _refuse_placeholders(tokens: list[Token], sql: str) -> None:
    for token in tokens:
        if token.token_type == TokenType.PLACEHOLDER:
            raise _refuse(
                "不支持 ? 占位符，请用 $参数名 引用已声明的参数", sql, token.start
            )


def check_sql(
    sql: str,
    datasets: Iterable[str] = tuple(DATASETS),
    *,
    declared: Iterable[str] | None = None,
) -> CheckedSQL:
    """Accept one read-only SELECT over ``datasets``; CustomSQLError naming the place.

    With ``declared`` (the parameter names of the spec), a ``$name`` that is not
    declared is refused too.
    """
    if not sql or not sql.strip():
        raise CustomSQLError("SQL 不能为空，请写一条 SELECT 查询")
    if len(sql) > MAX_SQL_CHARS:
        raise CustomSQLError(f"SQL 太长：最多 {MAX_SQL_CHARS} 个字符")
    masked, uses = _scan(sql)
    tokens = _tokens(masked)
    statements = _statements(tokens)
    if not statements:
        raise CustomSQLError("SQL 不能为空，请写一条 SELECT 查询")
    if len(statements) > 1:
        raise _refuse(
            "只能写一条查询语句，这里开始了第二条（请去掉多余的分号和语句）",
            sql,
            statements[1][0].start,
        )
    first = statements[0][0]
    keyword = first.text.upper()
    if keyword in FORBIDDEN_STATEMENTS:
        raise _refuse(
            f"不允许执行 {FORBIDDEN_STATEMENTS[keyword]} 语句，"
            "自定义模型只能是一条只读的 SELECT 查询",
            sql,
            first.start,
        )
    _refuse_placeholders(tokens, sql)
    try:
        trees = [t for t in sqlglot.parse(masked, read=_DIALECT) if t is not None]
    except ParseError as exc:
        raise _parse_error(exc, sql) from None
    if len(trees) != 1:
        raise CustomSQLError("只能写一条查询语句")
    tree = trees[0]
    if isinstance(tree, exp.Subquery):
        tree = tree.unnest()
    if not isinstance(tree, exp.Query):
        raise _refuse(
            f"不允许执行 {keyword} 语句，自定义模型只能是一条只读的 SELECT 查询",
            sql,
            first.start,
        )
    allowed_datasets = {d.lower() for d in datasets}
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    used: set[str] = set()
    for node in tree.walk():
        if isinstance(node, exp.Command):
            raise _refuse("不允许在查询中执行命令", sql, first.start)
        if isinstance(node, exp.Table):
            used |= _check_table(node, sql, tokens, allowed_datasets, ctes)
        elif isinstance(node, exp.Func):
            name = _function_name(node)
            own = node.meta.get("start") if isinstance(node.meta, dict) else None
            written = name if own is None else _written_name(sql, own, name)
            if _denied_function(name) or _denied_function(written):
                offset = _node_offset(node, sql, tokens, name) if own is None else own
                raise _refuse(_function_refusal(written), sql, offset)
    names = [name for name, _ in uses]
    if declared is not None:
        known = set(declared)
        for name, offset in uses:
            if name not in known:
                listed = "、".join(sorted(known)) or "无"
                raise _refuse(
                    f"参数 ${name} 没有声明（已声明的参数：{listed}）", sql, offset
                )
    return CheckedSQL(
        sql=sql,
        datasets=frozenset(used),
        ctes=frozenset(ctes),
        params=tuple(dict.fromkeys(names)),
    )


def _check_table(
    node: exp.Table,
    sql: str,
    tokens: list[Token],
    datasets: set[str],
    ctes: set[str],
) -> set[str]:
    """The dataset a FROM/JOIN item reads; refuses table functions, paths and others."""
    source = node.this
    if isinstance(source, exp.Func):
        name = _function_name(source)
        offset = _node_offset(source, sql, tokens, name)
        name = _written_name(sql, offset, name)
        if _denied_function(name):
            raise _refuse(_function_refusal(name), sql, offset)
        raise _refuse(
            f"不允许使用表函数 {name}，只能读取数据集或本查询的 WITH 子查询",
            sql,
            offset,
        )
    if not isinstance(source, exp.Identifier):
        offset = _node_offset(node, sql, tokens, node.name or "from")
        raise _refuse("这里只能写数据集名或 WITH 子查询名", sql, offset)
    name = source.name
    offset = _node_offset(source, sql, tokens, name)
    if source.quoted and _looks_like_path(name):
        raise _refuse(
            f"不允许把文件或网址“{name}”当作表读取，只能读取已导入的数据集",
            sql,
            offset,
        )
    if node.args.get("db") or node.args.get("catalog"):
        qualifier = node.args.get("catalog") or node.args.get("db")
        raise _refuse(
            f"不允许指定库名“{node.sql(dialect=_DIALECT)}”，请直接写数据集名，如 {name}",
            sql,
            _node_offset(qualifier, sql, tokens, qualifier.name),
        )
    lowered = name.lower()
    if lowered in ctes:
        return set()
    if lowered in datasets:
        return {lowered}
    available = "、".join(sorted(datasets))
    raise _refuse(f"数据集“{name}”不存在；可用的数据集：{available}", sql, offset)


def _parse_error(exc: ParseError, sql: str) -> CustomSQLError:
    error = (exc.errors or [{}])[0]
    highlight = (error.get("highlight") or "").strip()
    line = error.get("line")
    col = error.get("col")
    if line and col and highlight:
        col = max(1, col - len(highlight) + 1)
    near = f"在“{highlight}”附近" if highlight else ""
    return CustomSQLError(
        f"语法错误：{near}无法解析，请检查拼写、括号和逗号", line=line, col=col
    )


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _parquet_dataset(path: Path):
    if path.is_dir():
        parts = sorted(str(p) for p in path.glob("*.parquet"))
        return pads.dataset(parts, format="parquet")
    return pads.dataset(str(path), format="parquet")


def _register(con, sources: Mapping[str, Path]) -> None:
    """Every standard dataset as a view with its standard typed columns (and the extra
    columns the provider sent); a dataset the unit lacks is an empty view.

    The Parquet is scanned through Arrow, on DuckDB's side a Python object rather than
    a file, so the views stay readable once file access is switched off.
    """
    for name, spec in DATASETS.items():
        path = sources.get(name)
        if path is None:
            columns = ", ".join(
                f"CAST(NULL AS {SQL_TYPES[c.type]}) AS {_quote_ident(c.name)}"
                for c in spec.columns
            )
            con.execute(f"CREATE TEMP VIEW {name} AS SELECT {columns} WHERE false")
            continue
        source = f"__source_{name}"
        con.register(source, _parquet_dataset(Path(path)))
        present = [r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()]
        standard = set(spec.column_names)
        select = [
            f"CAST({_quote_ident(c.name) if c.name in present else 'NULL'} "
            f"AS {SQL_TYPES[c.type]}) AS {_quote_ident(c.name)}"
            for c in spec.columns
        ]
        select += [_quote_ident(n) for n in present if n not in standard]
        con.execute(
            f"CREATE TEMP VIEW {name} AS SELECT {', '.join(select)} FROM {source}"
        )


def open_sandbox(
    sources: Mapping[str, str | Path], *, memory_limit: str = "1GB"
) -> DuckDBBackend:
    """A locked in-memory DuckDB holding the datasets as views, ready for a query."""
    unknown = sorted(set(sources) - set(DATASETS))
    if unknown:
        raise ValueError(f"未知的数据集：{'、'.join(unknown)}")
    backend = DuckDBBackend(memory_limit=memory_limit, threads=1)
    try:
        # No spilling to disk either: a query that needs more memory stops.
        backend.con.execute("SET temp_directory = ''")
        _register(backend.con, {k: Path(v) for k, v in sources.items() if v})
        backend.lock()
    except Exception:
        backend.close()
        raise
    return backend


def execute_sandboxed(
    sql: str,
    sources: Mapping[str, str | Path],
    params: Mapping[str, Any] | None = None,
    *,
    timeout_s: float = 30,
    memory_limit: str = "1GB",
    max_rows: int = 10_000,
    truncate: bool = False,
    should_cancel: Callable[[], bool] | None = None,
) -> QueryResult:
    """Run ``sql`` as it is (no check) on the locked sandbox, within the limits.

    The query runs in a helper thread while this one watches the clock and
    ``should_cancel`` (so a Django-backed callback stays on the caller's thread) and
    interrupts DuckDB when either says stop.
    """
    if should_cancel is not None and should_cancel():
        raise QueryCancelled("查询已取消")
    backend = open_sandbox(sources, memory_limit=memory_limit)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            cursor = backend.con.execute(sql, dict(params) if params else None)
            outcome["columns"] = [d[0] for d in cursor.description or ()]
            outcome["rows"] = cursor.fetchmany(max_rows + 1)
        except BaseException as exc:  # handed to the watching thread
            outcome["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=work, name="custom-sql", daemon=True)
    stopped = None
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
            if not worker.is_alive() or stopped:
                continue
            if time.monotonic() - started > timeout_s:
                stopped = "timeout"
            elif should_cancel is not None and should_cancel():
                stopped = "cancelled"
            if stopped:
                backend.con.interrupt()
        worker.join()
    finally:
        backend.close()
    elapsed = time.monotonic() - started
    if stopped == "timeout":
        raise CustomSQLError(f"查询超过 {_seconds(timeout_s)} 秒，已中止")
    if stopped == "cancelled":
        raise QueryCancelled("查询已取消")
    if "error" in outcome:
        raise translate_error(outcome["error"], sql, memory_limit=memory_limit)
    columns, raw = _unique(outcome["columns"]), outcome["rows"]
    if len(raw) > max_rows and not truncate:
        raise CustomSQLError(
            f"查询结果超过 {max_rows} 行，请加上筛选条件，或用 LIMIT 限制行数"
        )
    truncated = len(raw) > max_rows
    rows = [dict(zip(columns, r, strict=True)) for r in raw[:max_rows]]
    return QueryResult(
        columns,
        rows,
        truncated=truncated,
        elapsed_s=elapsed,
        loaded=tuple(sorted(k for k, v in sources.items() if v)),
    )


def _unique(columns: list[str]) -> list[str]:
    """Column names made distinct (``a.id_number, b.id_number`` → id_number,
    id_number_2) so each row is a mapping that loses no value."""
    seen: set[str] = set()
    out = []
    for name in columns:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def run_custom_sql(
    sql: str,
    sources: Mapping[str, str | Path],
    params: Mapping[str, Any] | None = None,
    *,
    timeout_s: float = 30,
    memory_limit: str = "1GB",
    max_rows: int = 10_000,
    truncate: bool = False,
    should_cancel: Callable[[], bool] | None = None,
) -> QueryResult:
    """Check ``sql`` and run it in the sandbox; unpacks as ``(columns, rows)``.

    ``params`` are the resolved values (``validate_custom_params``); only those the
    query uses are bound. More than ``max_rows`` rows is an error, or with
    ``truncate`` the first ``max_rows`` and ``truncated`` set.
    """
    checked = check_sql(sql, declared=None if params is None else params.keys())
    bound = {name: params[name] for name in checked.params} if params else {}
    missing = [n for n in checked.params if n not in bound]
    if missing:
        raise CustomSQLError(f"参数 {'、'.join('$' + n for n in missing)} 没有声明")
    return execute_sandboxed(
        sql,
        sources,
        bound,
        timeout_s=timeout_s,
        memory_limit=memory_limit,
        max_rows=max_rows,
        truncate=truncate,
        should_cancel=should_cancel,
    )


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# ---------------------------------------------------------------------------
# DuckDB errors in Chinese
# ---------------------------------------------------------------------------

_LINE = re.compile(r"^LINE (\d+): (.*)$")


def _duckdb_position(text: str, sql: str) -> tuple[int | None, int | None]:
    """(line, column) from DuckDB's ``LINE n: …`` and caret, mapped onto ``sql``."""
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        match = _LINE.match(raw)
        if not match or i + 1 >= len(lines):
            continue
        number = int(match.group(1))
        prefix = len(raw) - len(match.group(2))
        caret = lines[i + 1].find("^")
        if caret < 0:
            return number, None
        shown = match.group(2)
        offset = caret - prefix
        source_lines = sql.splitlines() or [""]
        source = source_lines[number - 1] if number <= len(source_lines) else ""
        cut_start = shown.startswith("...")
        cut_end = shown.endswith("...") and not source.endswith("...")
        snippet = shown[3 if cut_start else 0 : len(shown) - (3 if cut_end else 0)]
        offset -= 3 if cut_start else 0
        if cut_start and not cut_end and source.endswith(snippet):
            base = len(source) - len(snippet)
        elif cut_start:
            base = max(0, source.find(snippet))
        else:
            base = 0
        return number, base + offset + 1
    return None, None


def _quoted(text: str, pattern: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def translate_error(
    exc: BaseException, sql: str, *, memory_limit: str = "1GB"
) -> CustomSQLError:
    """A DuckDB error as a Chinese sentence with its place in the query."""
    text = str(exc)
    head = text.split("\n", 1)[0]
    line, col = _duckdb_position(text, sql)
    if isinstance(exc, duckdb.InterruptException):
        return QueryCancelled("查询已中止")
    if isinstance(exc, duckdb.OutOfMemoryException) or "Out of Memory" in head:
        return CustomSQLError(
            f"查询所需内存超过上限（{memory_limit}），请缩小数据范围或简化查询"
        )
    if isinstance(exc, duckdb.PermissionException):
        return CustomSQLError(
            "不允许访问文件、网络或修改设置，只能读取已导入的数据集", line=line, col=col
        )
    if isinstance(exc, duckdb.ParserException):
        near = _quoted(head, r'at or near "([^"]*)"')
        where = f"在“{near}”附近" if near else ""
        return CustomSQLError(f"语法错误：{where}无法解析", line=line, col=col)
    column = _quoted(head, r'column "([^"]+)" not found') or _quoted(
        head, r'does not have a column named "([^"]+)"'
    )
    if column:
        return CustomSQLError(
            f"找不到列“{column}”。{_column_hint(sql)}", line=line, col=col
        )
    table = _quoted(head, r"Table with name (\S+) does not exist")
    if table:
        available = "、".join(DATASETS)
        return CustomSQLError(
            f"数据集“{table}”不存在；可用的数据集：{available}", line=line, col=col
        )
    function = _quoted(head, r"Function with name (\S+) does not exist")
    if function:
        return CustomSQLError(f"函数 {function} 不存在", line=line, col=col)
    compare = re.search(r"Cannot compare values of type (\S+) and type (\S+)", head)
    if compare:
        return CustomSQLError(
            f"类型不匹配：{compare.group(1)} 与 {compare.group(2)} 不能直接比较，"
            "请用 CAST 转换",
            line=line,
            col=col,
        )
    if "No function matches" in head:
        signature = _quoted(head, r"argument types '([^']*)'") or ""
        return CustomSQLError(
            f"函数的参数类型不匹配：{signature}，请用 CAST 转换类型", line=line, col=col
        )
    if isinstance(exc, duckdb.ConversionException) or "Conversion Error" in head:
        detail = head.split(":", 1)[-1].strip()
        return CustomSQLError(f"类型转换失败：{detail}", line=line, col=col)
    ambiguous = _quoted(head, r'Ambiguous reference to column name "([^"]+)"')
    if ambiguous:
        return CustomSQLError(
            f"列名“{ambiguous}”有歧义（几个表都有这一列），请写明表别名，"
            f"如 a.{ambiguous}",
            line=line,
            col=col,
        )
    if "configuration has been locked" in head:
        return CustomSQLError("不允许修改设置", line=line, col=col)
    if "must appear in the GROUP BY clause" in head:
        name = _quoted(head, r'column "([^"]+)" must appear') or ""
        return CustomSQLError(
            f"列“{name}”须出现在 GROUP BY 中或放入聚合函数", line=line, col=col
        )
    return CustomSQLError(f"查询出错：{head}", line=line, col=col)


def _column_hint(sql: str) -> str:
    """The standard columns of the datasets the query reads (all of them if unsure)."""
    try:
        read = check_sql(sql).datasets
    except CustomSQLError:
        read = frozenset()
    names = sorted(read) or list(DATASETS)
    return "可用的列——" + "；".join(
        f"{n}：{'、'.join(DATASETS[n].column_names)}" for n in names
    )


@dataclass(frozen=True)
class DatasetReference:
    """A dataset and its standard columns, for the editor's reference panel."""

    name: str
    label: str
    columns: list[tuple[str, str, str]] = field(default_factory=list)


def dataset_reference() -> list[DatasetReference]:
    """Every standard dataset with its columns (name, Chinese label, SQL type)."""
    return [
        DatasetReference(
            name=spec.name,
            label=spec.label,
            columns=[(c.name, c.label, SQL_TYPES[c.type]) for c in spec.columns],
        )
        for spec in DATASETS.values()
    ]
