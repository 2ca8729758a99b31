"""One definition, two engines: every model gives the same hits on DuckDB and Spark.

Runs Spark in local mode (loopback only); the session is shared by the whole test
run so the JVM starts once.
"""

import pytest

from xietong.analytics.engine import CATALOGUE, hit_identity, run_models, sort_hits
from xietong.analytics.engine import names as name_rules
from xietong.analytics.engine.runner import positions_table

from .test_names import close_pairs_query, expected_pairs, sample_names
from .world import CALENDAR

pytestmark = pytest.mark.spark

# Parameters other than the defaults, so that the rendered literals are compared too.
VARIANT_PARAMS = {
    "death_payment": {"grace_days": 0},
    "relative_welfare": {"programs": ["养老", "特困"]},
    "split_purchase": {"window_days": 31, "threshold": "1000000.50", "min_count": 2},
}


@pytest.fixture(scope="module")
def duckdb_hits(world_dir):
    return run_models(world_dir, calendar=CALENDAR)


@pytest.fixture(scope="module")
def spark_hits(world_dir, spark):
    return run_models(world_dir, engine="spark", spark=spark, calendar=CALENDAR)


def test_every_model_finds_something_to_compare(duckdb_hits):
    assert {h["model"] for h in duckdb_hits} == set(CATALOGUE)


@pytest.mark.parametrize("model", list(CATALOGUE))
def test_identical_hit_identities_and_evidence(duckdb_hits, spark_hits, model):
    duck = [h for h in duckdb_hits if h["model"] == model]
    spark = [h for h in spark_hits if h["model"] == model]
    assert [hit_identity(h) for h in spark] == [hit_identity(h) for h in duck]
    assert [h["evidence"] for h in spark] == [h["evidence"] for h in duck]


def test_identical_hits_in_every_field(duckdb_hits, spark_hits):
    assert spark_hits == duckdb_hits
    assert sort_hits(spark_hits) == spark_hits


def test_identical_hits_with_other_parameters(world_dir, spark):
    models = list(VARIANT_PARAMS)
    duck = run_models(
        world_dir, models=models, params=VARIANT_PARAMS, calendar=CALENDAR
    )
    spark_run = run_models(
        world_dir,
        engine="spark",
        spark=spark,
        models=models,
        params=VARIANT_PARAMS,
        calendar=CALENDAR,
    )
    assert spark_run == duck
    identities = {hit_identity(h) for h in duck}
    assert ("death_payment", ("D3",)) in identities
    assert ("relative_welfare", ("W2",)) in identities
    assert ("split_purchase", ("S04", "S05")) in identities


def test_missing_datasets_are_empty_on_both_engines(world_dir, spark):
    sources = {"vehicles_use": world_dir / "vehicles_use.parquet"}
    models = ["vehicle_misuse", "double_payroll"]
    duck = run_models(sources, models=models, calendar=CALENDAR)
    spark_run = run_models(
        sources, engine="spark", spark=spark, models=models, calendar=CALENDAR
    )
    assert spark_run == duck
    assert {h["model"] for h in duck} == {"vehicle_misuse"}


def test_spark_finds_exactly_the_names_within_one_edit(spark):
    left, right = sample_names()
    for view, values in (("left_names", left), ("right_names", right)):
        rows = list(enumerate(values))
        spark.createDataFrame(rows, "k INT, name STRING").createOrReplaceTempView(view)
    positions = [(i,) for i in positions_table().column("i").to_pylist()]
    spark.createDataFrame(positions, "i INT").createOrReplaceTempView(
        name_rules.POSITIONS_TABLE
    )
    found = {
        (r["left_key"], r["right_key"])
        for r in spark.sql(close_pairs_query("spark")).collect()
    }
    assert found == expected_pairs(left, right)
