"""The embedded engine: DuckDB, in memory, sandboxed while models run.

The datasets are copied from Parquet into in-memory tables with the standard schema
(missing optional columns become typed NULLs, missing datasets empty tables). Only
then is the connection locked: no file or network access and no configuration
change, so neither a model nor an analyst's SQL can read or write outside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from xietong.analytics.engine.datasets import DATASETS, Column

DIALECT = "duckdb"

SQL_TYPES = {
    "str": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "decimal": "DECIMAL(18, 2)",
    "int": "BIGINT",
    "float": "DOUBLE",
}


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_glob(path: Path) -> str:
    """A file, or a directory of Parquet parts as Spark writes them."""
    return str(path / "*.parquet") if path.is_dir() else str(path)


class DuckDBBackend:
    """One in-memory DuckDB database holding the datasets of one run."""

    dialect = DIALECT

    def __init__(
        self,
        *,
        memory_limit: str = "4GB",
        threads: int | None = None,
        temp_directory: str | None = None,
    ):
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = {_quote_str(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if temp_directory:
            self.con.execute(f"SET temp_directory = {_quote_str(temp_directory)}")
        # Wall-clock times throughout: TIMESTAMP columns carry no zone, and a
        # zoned Parquet column is converted to China time on load.
        self.con.execute("SET TimeZone = 'Asia/Shanghai'")
        self.locked = False

    # -- loading ------------------------------------------------------------

    def load(
        self,
        sources: Mapping[str, Path],
        aux: Mapping[str, pa.Table],
        filters: Mapping[str, str] | None = None,
    ) -> None:
        """Create every standard dataset table, and the auxiliary tables.

        ``filters`` maps a dataset to a condition (the run's scope) its rows must
        meet; ``{full}`` in it names the unfiltered table.
        """
        filters = filters or {}
        if self.locked:
            raise RuntimeError("the connection is locked; load before lock()")
        for name, spec in DATASETS.items():
            path = sources.get(name)
            if path is None:
                columns = ", ".join(
                    f"{_quote_ident(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns
                )
                self.con.execute(f"CREATE TABLE {name} ({columns})")
                continue
            source = f"read_parquet({_quote_str(parquet_glob(Path(path)))})"
            present = {
                row[0]
                for row in self.con.execute(
                    f"DESCRIBE SELECT * FROM {source}"
                ).fetchall()
            }
            select = ", ".join(_typed(c, c.name in present) for c in spec.columns)
            condition = filters.get(name)
            if condition is None:
                self.con.execute(
                    f"CREATE TABLE {name} AS SELECT {select} FROM {source}"
                )
                continue
            full = f"__full_{name}"
            self.con.execute(
                f"CREATE TEMP TABLE {full} AS SELECT {select} FROM {source}"
            )
            self.con.execute(
                # The same shape as on Spark (where the alias is needed).
                f"CREATE TABLE {name} AS SELECT * FROM {full} AS scoped "
                f"WHERE {condition.replace('{full}', full)}"
            )
            self.con.execute(f"DROP TABLE {full}")
        for name, table in aux.items():
            self.con.register("__aux_source", table)
            self.con.execute(f"CREATE TABLE {name} AS SELECT * FROM __aux_source")
            self.con.unregister("__aux_source")

    def lock(self) -> None:
        """No file, network or extension access from here on, and no way back."""
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        self.con.execute("SET lock_configuration = true")
        self.locked = True

    def materialize(self, name: str, sql: str) -> None:
        """Store a derived table that several models read (built once per run)."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    # -- querying -----------------------------------------------------------

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def interrupt(self) -> None:
        """Stop the query in flight (called from another thread to cancel a run)."""
        self.con.interrupt()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> DuckDBBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _typed(column: Column, present: bool) -> str:
    """Cast a Parquet column to the standard type (a zoned timestamp becomes China
    wall-clock time, TimeZone being set); an absent column is a typed NULL."""
    ident = _quote_ident(column.name)
    value = ident if present else "NULL"
    return f"CAST({value} AS {SQL_TYPES[column.type]}) AS {ident}"
