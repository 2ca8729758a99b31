"""Apache Spark (PySpark) for data that outgrows one machine.

PySpark is an optional extra (``pip install xietong[spark]``); it is imported only
when this backend is used. Timestamps are TIMESTAMP_NTZ (wall-clock China time, no
zone) so that hours and dates read the same as on DuckDB, and so that collecting a
row does not shift it into the Python process's time zone.

A backend registers the datasets as temporary views of the session under their
standard names: one run at a time per session.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from xietong.analytics.engine.datasets import DATASETS

DIALECT = "spark"

SQL_TYPES = {
    "str": "STRING",
    "date": "DATE",
    "datetime": "TIMESTAMP_NTZ",
    "decimal": "DECIMAL(18,2)",
    "int": "BIGINT",
    "float": "DOUBLE",
}

_ARROW_TO_SPARK = {
    pa.string(): "STRING",
    pa.large_string(): "STRING",
    pa.int32(): "INT",
    pa.int64(): "BIGINT",
    pa.date32(): "DATE",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
}


def create_session(
    app_name: str = "xietong-analytics",
    *,
    master: str = "local[2]",
    shuffle_partitions: int = 4,
    config: Mapping[str, str] | None = None,
):
    """A SparkSession bound to loopback, in China time, without the web UI."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "Asia/Shanghai")
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkBackend:
    """The datasets of one run as temporary views of a SparkSession."""

    dialect = DIALECT

    def __init__(self, spark=None):
        self.spark = spark if spark is not None else create_session()
        self._cached: list[Any] = []

    def load(
        self,
        sources: Mapping[str, Path],
        aux: Mapping[str, pa.Table],
        filters: Mapping[str, str] | None = None,
        tables: Collection[str] | None = None,
    ) -> None:
        """Register every standard dataset view, and the auxiliary tables.

        ``filters`` maps a dataset to a condition (the run's scope) its rows must
        meet; ``{full}`` in it names the unfiltered view. ``tables``, when given,
        limits the datasets created to those (the ones the run's SQL reads).
        """
        filters = filters or {}
        for name, spec in DATASETS.items():
            if tables is not None and name not in tables:
                continue
            path = sources.get(name)
            if path is None:
                schema = ", ".join(
                    f"{_ident(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns
                )
                self.spark.createDataFrame([], schema).createOrReplaceTempView(name)
                continue
            raw = self.spark.read.parquet(str(path))
            raw.createOrReplaceTempView(f"__raw_{name}")
            select = ", ".join(
                f"CAST({_ident(c.name) if c.name in raw.columns else 'NULL'} "
                f"AS {SQL_TYPES[c.type]}) AS {_ident(c.name)}"
                for c in spec.columns
            )
            frame = self.spark.sql(f"SELECT {select} FROM __raw_{name}")
            condition = filters.get(name)
            if condition is not None:
                full = f"__full_{name}"
                frame.createOrReplaceTempView(full)
                frame = self.spark.sql(
                    # An alias, or Spark reads ``WHERE (x)`` as a table alias with columns.
                    f"SELECT * FROM {full} AS scoped "
                    f"WHERE {condition.replace('{full}', full)}"
                )
            frame = frame.cache()
            self._cached.append(frame)
            frame.createOrReplaceTempView(name)
        for name, table in aux.items():
            schema = ", ".join(
                f"{_ident(f.name)} {_ARROW_TO_SPARK[f.type]}" for f in table.schema
            )
            rows = [tuple(r.values()) for r in table.to_pylist()]
            self.spark.createDataFrame(rows, schema).createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str) -> None:
        """Cache a derived table that several models read (computed on first use)."""
        frame = self.spark.sql(sql).cache()
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)

    def lock(self) -> None:
        """Spark runs trusted built-in SQL only; sandboxing is DuckDB's job."""

    def query(self, sql: str) -> list[dict[str, Any]]:
        return [row.asDict() for row in self.spark.sql(sql).collect()]

    def interrupt(self) -> None:
        """Cancel the running Spark jobs (one run per session; see the module doc)."""
        self.spark.sparkContext.cancelAllJobs()

    def close(self) -> None:
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()

    def __enter__(self) -> SparkBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
