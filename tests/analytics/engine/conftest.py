"""Fixtures for the engine tests: plain pytest, no Django database."""

from __future__ import annotations

import pytest

from .world import write_world


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory):
    """The hand-built province of world.py as Parquet files."""
    return write_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole run: the JVM starts once."""
    # `make test` installs PySpark (requirements-spark.lock): without it the
    # conformance suite fails rather than silently skips.
    from xietong.analytics.engine.spark_backend import create_session

    session = create_session(
        "xietong-tests", shuffle_partitions=4, config=TEST_SPARK_CONFIG
    )
    yield session
    session.stop()


# Tiny data: compiling generated code costs more than it saves.
TEST_SPARK_CONFIG = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.codegen.wholeStage": "false",
}
