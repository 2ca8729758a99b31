"""Parameters, inputs, the DuckDB sandbox and the engine's independence from Django."""

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from xietong.analytics.engine import (
    ParameterError,
    get_model,
    hit_identity,
    resolve_params,
    run_models,
    validate_params,
)
from xietong.analytics.engine.duckdb_backend import DuckDBBackend
from xietong.analytics.engine.runner import calendar_table, model_sql

from .world import CALENDAR, ROWS

# -- parameters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        (
            "death_payment",
            {"grace_days": -1},
            "参数“宽限天数”（grace_days）应在 0–3650 之间，实为 -1",
        ),
        (
            "death_payment",
            {"grace_days": 3651},
            "参数“宽限天数”（grace_days）应在 0–3650 之间，实为 3651",
        ),
        (
            "death_payment",
            {"grace_days": "abc"},
            "参数“宽限天数”（grace_days）应为整数",
        ),
        ("death_payment", {"grace_days": True}, "参数“宽限天数”（grace_days）应为整数"),
        (
            "split_purchase",
            {"min_count": 1},
            "参数“最少合同数”（min_count）应在 2–100 之间，实为 1",
        ),
        (
            "split_purchase",
            {"window_days": 367},
            "参数“时间窗口（天）”（window_days）应在 1–366 之间，实为 367",
        ),
        (
            "split_purchase",
            {"threshold": 0},
            "参数“限额（元）”（threshold）应大于 0，实为 0",
        ),
        (
            "relative_welfare",
            {"programs": []},
            "参数“救助项目”（programs）至少要有一项",
        ),
        (
            "relative_welfare",
            {"programs": ["低保'; DROP TABLE payments; --"]},
            "含有不允许的字符",
        ),
        ("relative_welfare", {"programs": ["低%"]}, "含有不允许的字符"),
        ("vehicle_misuse", {"hours": 3}, "模型“公车私用”没有参数“hours”"),
    ],
)
def test_out_of_range_parameters_are_named(model, params, message):
    messages = validate_params(model, params)
    assert len(messages) == 1
    assert message in messages[0]


def test_valid_parameters_are_coerced():
    assert (
        validate_params("split_purchase", {"threshold": "500000", "min_count": 3}) == []
    )
    resolved = resolve_params("split_purchase", {"threshold": "500000"})
    assert resolved == {
        "min_count": 2,
        "window_days": 30,
        "threshold": Decimal("500000"),
    }
    programs = resolve_params("relative_welfare", {"programs": "低保，特困, 临时救助"})
    assert programs == {"programs": ("低保", "特困", "临时救助")}


def test_run_refuses_bad_parameters_before_touching_data(tmp_path):
    with pytest.raises(ParameterError) as caught:
        run_models(
            tmp_path / "nowhere",
            params={
                "death_payment": {"grace_days": -5},
                "split_purchase": {"min_count": 0},
            },
        )
    assert len(caught.value.messages) == 2
    assert "grace_days" in str(caught.value) and "min_count" in str(caught.value)


def test_unknown_model_and_engine_are_refused(world_dir):
    with pytest.raises(KeyError, match="未知的模型“ghost”"):
        run_models(world_dir, models=["ghost"])
    with pytest.raises(ValueError, match="未知的引擎“oracle”"):
        run_models(world_dir, models=["vehicle_misuse"], engine="oracle")


def test_parameters_change_the_sql_and_are_rendered_as_literals():
    sql = model_sql("death_payment", {"grace_days": 45})
    assert "> 45" in sql
    spark_sql = model_sql(
        "relative_welfare", {"programs": ["临时救助"]}, engine="spark"
    )
    assert "LIKE '%临时救助%'" in spark_sql
    assert get_model("death_payment").parameter("grace_days").default == 31


# -- inputs ----------------------------------------------------------------------


def test_missing_data_directory_is_refused(tmp_path):
    with pytest.raises(ValueError, match="数据目录不存在"):
        run_models(tmp_path / "nowhere", models=["vehicle_misuse"])


def test_unknown_dataset_in_a_mapping_is_refused(world_dir):
    with pytest.raises(ValueError, match="未知的数据集：salaries"):
        run_models({"salaries": world_dir / "payroll.parquet"})


def test_calendar_accepts_tables_mappings_and_pairs():
    table = pa.table(
        {"date": [datetime(2026, 1, 1).date()], "kind": ["holiday"], "name": ["元旦"]}
    )
    for calendar in (table, {datetime(2026, 1, 1).date(): "holiday"}, CALENDAR[:1]):
        result = calendar_table(calendar)
        assert result.column("day").to_pylist() == [datetime(2026, 1, 1).date()]
        assert result.column("kind").to_pylist() == ["holiday"]
    with pytest.raises(ValueError, match="工作日历有误"):
        calendar_table([(datetime(2026, 1, 1).date(), "day-off")])


def test_zoned_timestamps_are_read_as_china_wall_clock(tmp_path):
    # 14:30 UTC is 22:30 in China: a night trip.
    trips = pa.table(
        {
            "plate": ["浙A00009"],
            "unit_name": ["某局"],
            "start_time": pa.array(
                [datetime(2026, 3, 10, 14, 30, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    pq.write_table(trips, tmp_path / "vehicles_use.parquet")
    hits = run_models(tmp_path, models=["vehicle_misuse"], calendar=[])
    assert [hit_identity(h) for h in hits] == [
        ("vehicle_misuse", ("浙A00009|2026-03-10 22:30:00",))
    ]


def test_hit_identity_uses_the_primary_dataset_only():
    hit = {
        "model": "death_payment",
        "evidence": {"payments": ["P2", "P1"], "deaths": ["X"]},
    }
    assert hit_identity(hit) == ("death_payment", ("P1", "P2"))


# -- the DuckDB sandbox ----------------------------------------------------------


@pytest.fixture
def locked(world_dir):
    backend = DuckDBBackend(memory_limit="1GB", threads=1)
    backend.load({"payments": world_dir / "payments.parquet"}, {})
    backend.lock()
    yield backend, world_dir
    backend.close()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_parquet('{dir}/payments.parquet')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY payments TO '{dir}/stolen.csv'",
        "ATTACH '{dir}/other.duckdb' AS other",
        "INSTALL httpfs",
        "SELECT * FROM 'https://example.com/x.parquet'",
        "SET enable_external_access = true",
        "SET memory_limit = '100GB'",
    ],
)
def test_locked_connection_refuses_files_network_and_settings(locked, statement):
    backend, folder = locked
    with pytest.raises(duckdb.Error):
        backend.query(statement.format(dir=folder))
    assert not (folder / "stolen.csv").exists()


def test_locked_connection_still_answers_queries(locked):
    backend, _ = locked
    count = len(ROWS["payments"])
    assert backend.query("SELECT count(*) AS n FROM payments") == [{"n": count}]
    # Datasets not given are empty tables with the standard columns.
    assert backend.query(
        "SELECT count(*) AS n, count(plate) AS p FROM vehicles_use"
    ) == [{"n": 0, "p": 0}]


# -- independence ----------------------------------------------------------------


def test_the_engine_imports_neither_django_nor_pyspark():
    code = (
        "import sys, xietong.analytics.engine as e; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'pyspark')); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "src"},
    )
    assert result.stdout.strip() == ""


@pytest.fixture
def locked_views(world_dir, tmp_path):
    """The built-in models' mode: datasets are views over their Parquet files."""
    backend = DuckDBBackend(memory_limit="1GB", threads=1, parquet_views=True)
    backend.load({"payments": world_dir / "payments.parquet"}, {})
    backend.lock()
    other = tmp_path / "other.parquet"
    duckdb.sql("SELECT 1 AS x").write_parquet(str(other))
    yield backend, world_dir, other
    backend.close()


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_parquet('{other}')",
        "SELECT * FROM '{other}'",
        "SELECT * FROM read_parquet('{dir}/*.parquet')",
        "SELECT * FROM glob('{dir}/*')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY payments TO '{dir}/stolen.csv'",
        "COPY payments TO '{other}'",
        "ATTACH '{dir}/other.duckdb' AS other",
        "INSTALL httpfs",
        "SELECT * FROM 'https://example.com/x.parquet'",
        "SET enable_external_access = true",
        "SET allowed_paths = ['/etc/passwd']",
    ],
)
def test_view_mode_reads_only_its_own_files(locked_views, statement):
    # Only the run's own dataset files are reachable (by exact path); the SQL on this
    # connection is the catalogue's own — custom SQL has its own sandbox.
    backend, folder, other = locked_views
    before = other.read_bytes()
    with pytest.raises(duckdb.Error):
        backend.query(statement.format(dir=folder, other=other))
    assert not (folder / "stolen.csv").exists() and other.read_bytes() == before


def test_view_mode_still_answers_queries(locked_views):
    backend, _, _ = locked_views
    count = len(ROWS["payments"])
    assert backend.query("SELECT count(*) AS n FROM payments") == [{"n": count}]
    assert backend.query("SELECT count(*) AS n FROM vehicles_use") == [{"n": 0}]
