"""Custom SQL models in the engine: the checks, the sandbox, parameters and hits.

Plain pytest, no Django: the refusals name what and where, the locked connection
refuses files even when the checks are bypassed, limits stop runaway queries, and
result rows become stable hits.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from xietong.analytics.engine.custom import (
    CustomParamError,
    CustomSQLError,
    QueryCancelled,
    check_param_spec,
    check_sql,
    execute_sandboxed,
    fill_reason,
    result_hits,
    row_evidence,
    row_identity,
    run_custom_sql,
    validate_custom_params,
)
from xietong.analytics.engine.datasets import DATASETS

# --- the checks -------------------------------------------------------------------------

REFUSED = [
    # (sql, words the message must contain, "第 l 行第 c 列" or None)
    ("COPY payments TO '/tmp/out.csv'", ["COPY"], (1, 1)),
    ("ATTACH 'other.duckdb' AS o", ["ATTACH"], (1, 1)),
    ("DETACH o", ["DETACH"], (1, 1)),
    ("INSTALL httpfs", ["INSTALL"], (1, 1)),
    ("LOAD httpfs", ["LOAD"], (1, 1)),
    ("PRAGMA database_list", ["PRAGMA"], (1, 1)),
    ("SET enable_external_access = true", ["SET"], (1, 1)),
    ("CALL pragma_version()", ["CALL"], (1, 1)),
    ("EXPORT DATABASE '/tmp/x'", ["EXPORT DATABASE"], (1, 1)),
    ("IMPORT DATABASE '/tmp/x'", ["IMPORT DATABASE"], (1, 1)),
    ("CREATE TABLE t AS SELECT 1", ["CREATE"], (1, 1)),
    ("INSERT INTO payments SELECT * FROM payments", ["INSERT"], (1, 1)),
    ("UPDATE payments SET amount = 0", ["UPDATE"], (1, 1)),
    ("  DELETE FROM payments", ["DELETE"], (1, 3)),
    ("DROP TABLE payments", ["DROP"], (1, 1)),
    ("ALTER TABLE payments ADD COLUMN x INT", ["ALTER"], (1, 1)),
    (
        "SELECT *\nFROM payments p\n  JOIN read_csv('/etc/passwd') x ON true",
        ["不允许使用 read_csv 读取文件"],
        (3, 8),
    ),
    (
        "SELECT * FROM read_parquet('/data/x.parquet')",
        ["read_parquet", "读取文件"],
        (1, 15),
    ),
    ("SELECT * FROM read_json_auto('x.json')", ["read_json_auto"], (1, 15)),
    ("SELECT * FROM parquet_scan('x.parquet')", ["parquet_scan"], (1, 15)),
    ("SELECT * FROM glob('/etc/*')", ["glob"], (1, 15)),
    ("SELECT * FROM read_text('/etc/hosts')", ["read_text"], (1, 15)),
    ("SELECT * FROM sniff_csv('x.csv')", ["sniff_csv"], (1, 15)),
    (
        "SELECT *\nFROM 'https://example.com/a.parquet'",
        ["https://example.com/a.parquet", "文件或网址"],
        (2, 6),
    ),
    ("SELECT * FROM 's3://bucket/key.csv'", ["s3://bucket/key.csv"], (1, 15)),
    ("SELECT * FROM '/etc/passwd'", ["/etc/passwd"], (1, 15)),
    ("SELECT * FROM query_table('payments')", ["query_table"], (1, 15)),
    ("SELECT * FROM query('SELECT 1')", ["query"], (1, 15)),
    ("SELECT getenv('HOME')", ["getenv"], (1, 8)),
    ("SELECT 1 AS a, current_setting('threads')", ["current_setting"], (1, 16)),
    ("SELECT * FROM range(10)", ["表函数 range"], (1, 15)),
    ("SELECT * FROM duckdb_settings()", ["duckdb_settings"], (1, 15)),
    ("SELECT 1;\nSELECT 2", ["只能写一条"], (2, 1)),
    ("SELECT 1; DROP TABLE payments", ["只能写一条"], (1, 11)),
    ("SELECT * FROM citizens", ["数据集“citizens”不存在", "residents"], (1, 15)),
    ("SELECT * FROM main.payments", ["库名"], (1, 15)),
    (
        "SELECT * FROM payments p\nWHERE EXISTS (SELECT 1 FROM read_csv_auto('a'))",
        ["read_csv_auto"],
        (2, 29),
    ),
    ("SELECT 1 FROM", ["语法错误"], (1, 10)),
    ("SELECT 'abc", ["引号 ' 没有闭合"], (1, 8)),
    ("SELECT * FROM payments WHERE amount > ?", ["? 占位符"], (1, 39)),
    ("SELECT * FROM payments WHERE amount > $min", ["$min 没有声明"], (1, 39)),
    ("", ["不能为空"], None),
]


@pytest.mark.parametrize(
    "sql,words,place", REFUSED, ids=[r[0][:40] or "empty" for r in REFUSED]
)
def test_a_refused_query_names_what_and_where(sql, words, place):
    with pytest.raises(CustomSQLError) as caught:
        check_sql(sql, declared=[])
    message = str(caught.value)
    for word in words:
        assert word in message, message
    if place is not None:
        line, col = place
        assert message.startswith(f"第 {line} 行第 {col} 列："), message
        assert (caught.value.line, caught.value.col) == place


ACCEPTED = [
    ("SELECT * FROM payments", {"payments"}),
    ("FROM payments", {"payments"}),
    (
        "WITH dead AS (SELECT id_number, death_date FROM deaths)\n"
        "SELECT p.* FROM payments p JOIN dead d ON p.payee_id_number = d.id_number\n"
        "WHERE p.pay_date > d.death_date + INTERVAL 31 DAY",
        {"payments", "deaths"},
    ),
    (
        "SELECT payee_name FROM payments UNION ALL SELECT name FROM residents",
        {"payments", "residents"},
    ),
    (
        "SELECT * EXCLUDE (bank_account) FROM payments "
        "QUALIFY row_number() OVER (PARTITION BY payee_name ORDER BY pay_date) = 1",
        {"payments"},
    ),
    ("SELECT payee_name, sum(amount) FROM payments GROUP BY ALL", {"payments"}),
    ("SELECT * FROM payments WHERE read_flag = 1 AND amount > 0", {"payments"}),
    ("SELECT x FROM unnest([1, 2]) t(x)", set()),
]


@pytest.mark.parametrize("sql,datasets", ACCEPTED)
def test_read_only_selects_over_the_datasets_pass(sql, datasets):
    assert check_sql(sql).datasets == datasets


def test_the_check_reports_the_parameters_used():
    checked = check_sql(
        "SELECT * FROM payments WHERE amount >= $min AND program = $prog "
        "AND amount < $min * 10 AND payee_name <> '$not_a_param'",
        declared=["min", "prog", "unused"],
    )
    assert checked.params == ("min", "prog")
    # A parameter before an empty string literal (sqlglot's tokenizer alone trips).
    checked = check_sql(
        "SELECT * FROM payments WHERE amount > $min AND bank_account <> ''",
        declared=["min"],
    )
    assert checked.params == ("min",)
    with pytest.raises(CustomSQLError) as caught:
        check_sql("SELECT * FROM payments\nWHERE amount > $1", declared=[])
    assert str(caught.value).startswith("第 2 行第 16 列：参数应写作 $参数名")
    assert check_sql("SELECT $$a $x ''$$ AS t", declared=[]).params == ()


# --- the sandbox ------------------------------------------------------------------------


def _payments(path, n=3, **extra):
    columns = {
        "payment_id": [f"P{i:04d}" for i in range(n)],
        "program": ["低保"] * n,
        "payee_name": ["张伟"] * n,
        "payee_id_number": ["410105197503090011"] * n,
        "amount": pa.array(
            [Decimal("300.00") + i for i in range(n)], pa.decimal128(18, 2)
        ),
        "pay_date": [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(n)],
        **extra,
    }
    pq.write_table(pa.table(columns), path)
    return path


@pytest.fixture
def sources(tmp_path):
    return {
        "payments": _payments(tmp_path / "payments.parquet", 3, 备注=["甲", "乙", "丙"])
    }


def test_datasets_are_readable_after_the_connection_is_locked(sources):
    columns, rows = run_custom_sql(
        "SELECT payment_id, amount, 备注, region_code FROM payments ORDER BY 1",
        sources,
        {},
    )
    assert columns == ["payment_id", "amount", "备注", "region_code"]
    assert rows[0] == {
        "payment_id": "P0000",
        "amount": Decimal("300.00"),
        "备注": "甲",
        "region_code": None,  # a standard column the provider left out: typed NULL
    }
    # A dataset the unit never imported is an empty table with the standard columns.
    columns, rows = run_custom_sql("SELECT * FROM deaths", sources, {})
    assert rows == [] and columns == list(DATASETS["deaths"].column_names)


def test_the_sandbox_itself_refuses_files_when_the_checks_are_bypassed(
    sources, tmp_path
):
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n", encoding="utf-8")
    for sql in (
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM '{secret}'",
        f"SELECT * FROM read_parquet('{sources['payments']}')",
    ):
        with pytest.raises(CustomSQLError) as caught:
            execute_sandboxed(sql, sources)
        assert "不允许访问文件" in str(caught.value), sql
    out = tmp_path / "out.csv"
    with pytest.raises(CustomSQLError):
        execute_sandboxed(f"COPY (SELECT * FROM payments) TO '{out}'", sources)
    assert not out.exists()
    with pytest.raises(CustomSQLError) as caught:
        execute_sandboxed("SET enable_external_access = true", sources)
    assert "不允许修改设置" in str(caught.value)


def test_a_query_over_the_time_limit_is_stopped(tmp_path):
    big = {"payments": _payments(tmp_path / "p.parquet", 2000)}
    started = time.monotonic()
    with pytest.raises(CustomSQLError) as caught:
        run_custom_sql(
            "SELECT count(*) FROM payments a, payments b, payments c, payments d",
            big,
            {},
            timeout_s=0.5,
        )
    assert str(caught.value) == "查询超过 0.5 秒，已中止"
    assert time.monotonic() - started < 10


def test_a_cancelled_run_stops_its_query(tmp_path):
    big = {"payments": _payments(tmp_path / "p.parquet", 2000)}
    asked = []

    def should_cancel():
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(QueryCancelled):
        run_custom_sql(
            "SELECT count(*) FROM payments a, payments b, payments c, payments d",
            big,
            {},
            should_cancel=should_cancel,
        )


def test_a_query_over_the_memory_limit_is_stopped(tmp_path):
    data = {"payments": _payments(tmp_path / "p.parquet", 3000)}
    with pytest.raises(CustomSQLError) as caught:
        run_custom_sql(
            "SELECT count(DISTINCT a.payment_id || b.payment_id || repeat('x', 200)) "
            "FROM payments a, payments b",
            data,
            {},
            memory_limit="30MB",
        )
    assert "内存超过上限（30MB）" in str(caught.value)


def test_too_many_rows_is_an_error_unless_truncating(tmp_path):
    data = {"payments": _payments(tmp_path / "p.parquet", 60)}
    with pytest.raises(CustomSQLError) as caught:
        run_custom_sql("SELECT * FROM payments", data, {}, max_rows=50)
    assert "超过 50 行" in str(caught.value)
    result = run_custom_sql(
        "SELECT * FROM payments", data, {}, max_rows=50, truncate=True
    )
    assert len(result.rows) == 50 and result.truncated


def test_duckdb_errors_are_chinese_with_their_place(sources):
    with pytest.raises(CustomSQLError) as caught:
        run_custom_sql("SELECT payee_nam\nFROM payments", sources, {})
    message = str(caught.value)
    assert message.startswith("第 1 行第 8 列：找不到列“payee_nam”")
    assert "payee_name" in message  # the dataset's columns are suggested
    with pytest.raises(CustomSQLError) as caught:
        run_custom_sql(
            "SELECT *\nFROM payments\nWHERE pay_date > 'not a date'", sources, {}
        )
    assert str(caught.value).startswith("第 3 行第 18 列：类型转换失败")
    with pytest.raises(CustomSQLError) as caught:
        run_custom_sql(
            "SELECT a.payment_id FROM payments a JOIN payments b USING (program) "
            "WHERE amount > 0",
            sources,
            {},
        )
    assert "有歧义" in str(caught.value)


def test_repeated_column_names_keep_every_value(sources):
    columns, rows = run_custom_sql(
        "SELECT a.payment_id, b.payment_id FROM payments a JOIN payments b "
        "ON a.payment_id = b.payment_id ORDER BY 1 LIMIT 1",
        sources,
        {},
    )
    assert columns == ["payment_id", "payment_id_2"]
    assert rows == [{"payment_id": "P0000", "payment_id_2": "P0000"}]


# --- parameters --------------------------------------------------------------------------

SPEC = [
    {"name": "min", "label": "金额下限", "type": "float", "default": 301, "min": 0},
    {"name": "since", "label": "起始日期", "type": "date", "default": "2026-01-01"},
    {"name": "n", "label": "条数", "type": "int", "default": 10, "min": 1, "max": 100},
    {"name": "who", "label": "姓名", "type": "str", "default": "张伟"},
]


def test_parameters_are_typed_and_bound_as_values(sources):
    spec = check_param_spec(SPEC)
    values = validate_custom_params(spec, {"n": "2", "since": "2026/1/2"})
    assert values == {
        "min": 301.0,
        "since": dt.date(2026, 1, 2),
        "n": 2,
        "who": "张伟",
    }
    _, rows = run_custom_sql(
        "SELECT payment_id FROM payments WHERE amount >= $min AND pay_date >= $since "
        "AND payee_name = $who ORDER BY 1 LIMIT $n",
        sources,
        values,
    )
    assert [r["payment_id"] for r in rows] == ["P0001", "P0002"]
    # A text value is a value, never SQL.
    values["who"] = "' OR 1=1 --"
    _, rows = run_custom_sql(
        "SELECT payment_id FROM payments WHERE payee_name = $who", sources, values
    )
    assert rows == []


@pytest.mark.parametrize(
    "given,field,words",
    [
        ({"n": "abc"}, "n", ["参数“条数”（n）应为整数", "abc"]),
        ({"n": 500}, "n", ["应在 1–100 之间", "500"]),
        ({"min": -1}, "min", ["应不小于 0.0"]),
        ({"since": "yesterday"}, "since", ["应为日期"]),
        ({"who": "x" * 300}, "who", ["太长"]),
        ({"limit": 5}, "limit", ["没有参数“limit”", "min、since、n、who"]),
        ({"n": True}, "n", ["应为整数"]),
    ],
)
def test_a_bad_parameter_value_is_named(given, field, words):
    with pytest.raises(CustomParamError) as caught:
        validate_custom_params(check_param_spec(SPEC), given)
    assert set(caught.value.fields) == {field}
    for word in words:
        assert word in caught.value.fields[field]


def test_a_parameter_without_value_or_default_is_missing():
    spec = check_param_spec([{"name": "grace", "label": "宽限天数", "type": "int"}])
    with pytest.raises(CustomParamError) as caught:
        validate_custom_params(spec, {"grace": ""})
    assert caught.value.fields == {"grace": "参数“宽限天数”（grace）必须填写"}


@pytest.mark.parametrize(
    "spec,key,words",
    [
        ([{"name": "1st"}], "params.1", ["名称“1st”无效"]),
        ([{"name": "a", "type": "bool"}], "a", ["int、float、str 或 date"]),
        ([{"name": "a", "type": "int", "min": 5, "max": 1}], "a", ["最小值大于最大值"]),
        ([{"name": "a", "type": "int", "default": 9, "max": 5}], "a", ["默认值为 9"]),
        ([{"name": "a", "type": "int", "default": "x"}], "a", ["默认值“x”不是整数"]),
        ([{"name": "a"}, {"name": "a"}], "a", ["重复"]),
        ([{"name": "a", "type": "str", "max": 3}], "a", ["不能设置"]),
    ],
)
def test_a_bad_parameter_declaration_is_named(spec, key, words):
    with pytest.raises(CustomParamError) as caught:
        check_param_spec(spec)
    for word in words:
        assert word in caught.value.fields[key]


# --- results → hits ------------------------------------------------------------------------


def test_each_distinct_row_is_one_hit_with_a_stable_identity(sources):
    sql = (
        "SELECT p.payment_id, p.payee_id_number AS id_number, p.payee_name AS name, "
        "p.amount, p.pay_date FROM payments p ORDER BY 1"
    )
    _, first = run_custom_sql(sql, sources, {})
    _, again = run_custom_sql(sql, sources, {})
    hits = result_hits(
        model_id=7,
        model_name="大额发放",
        reason_template="{name}于{pay_date}领取{amount:,.2f}元",
        rows=first + first[:1],  # a repeated row is one hit
        reads={"payments"},
    )
    assert len(hits) == 3
    assert [h["identity"] for h in hits] == [
        h["identity"]
        for h in result_hits(
            model_id=7, model_name="x", reason_template="", rows=again, reads=()
        )
    ]
    other_model = result_hits(
        model_id=8, model_name="x", reason_template="", rows=first, reads=()
    )
    assert {h["identity"] for h in hits}.isdisjoint(h["identity"] for h in other_model)
    hit = hits[0]
    assert hit["model"] == "custom" and len(hit["identity"]) == 64
    assert hit["evidence"] == {"payments": ["P0000"]}
    assert hit["reason"] == "张伟于2026-01-01领取300.00元"
    assert hit["subject"] == {"id_number": "410105197503090011", "name": "张伟"}
    assert hit["confidence"] == 1.0 and hit["matched_on"] == []


def test_evidence_follows_the_key_columns():
    row = {"id_number": "410105197503090011", "姓名": "张伟"}
    assert row_evidence(row, {"deaths", "payments"}) == {
        "deaths": ["410105197503090011"]
    }
    assert row_evidence(row, {"officials", "residents"}) == {
        "officials": ["410105197503090011"]
    }
    assert row_evidence(
        {"deaths__id_number": "4101", "payments__payment_id": "P1"}, ()
    ) == {"deaths": ["4101"], "payments": ["P1"]}
    assert row_evidence(
        {"plate": "豫A12345", "start_time": dt.datetime(2026, 3, 1, 22, 30)}, ()
    ) == {"vehicles_use": ["豫A12345|2026-03-01 22:30:00"]}
    assert row_evidence(
        {"program": "低保", "total": Decimal("9.50")}, {"payments"}
    ) == {"结果": ["program=低保；total=9.50"]}


def test_the_reason_template_only_looks_up_columns():
    row = {"name": "张伟", "amount": Decimal("1234.5")}
    assert (
        fill_reason("{name} {amount:,.2f} {missing} {name.__class__} {{x}}", row)
        == "张伟 1,234.50 {missing} {name.__class__} {x}"
    )
    hit = result_hits(
        model_id=1, model_name="测试", reason_template="", rows=[row], reads=()
    )[0]
    assert hit["reason"] == "自定义模型“测试”命中：name 张伟，amount 1234.5"
    assert row_identity(1, row) == row_identity(1, dict(reversed(list(row.items()))))
