"""The embedded engine: DuckDB, in memory, sandboxed while models run.

Each dataset gets the standard schema (missing optional columns become typed NULLs,
missing datasets empty tables). By default the datasets are copied from Parquet into
in-memory tables; only then is the connection locked: no file or network access and
no configuration change, so no SQL can read or write outside it.

With ``parquet_views=True`` (the built-in catalogue, whose SQL is our own) the
datasets are views over the Parquet files instead: a query reads only the columns
and row groups it needs, and nothing is copied, which is faster and holds far less
memory. The lock then allows exactly those files (``allowed_paths``) and nothing
else: no other file, no directory listing, no network, no configuration change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from xietong.analytics.engine.datasets import DATASETS, Column
from xietong.analytics.engine.gcpause import gc_paused

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


def parquet_files(path: Path) -> list[str]:
    """The Parquet file, or the parts of a directory as Spark writes them."""
    if path.is_dir():
        return sorted(str(p) for p in path.glob("*.parquet"))
    return [str(path)]


def _string_list(items: list[str]) -> str:
    return "[" + ", ".join(_quote_str(i) for i in items) + "]"


class DuckDBBackend:
    """One in-memory DuckDB database holding the datasets of one run."""

    dialect = DIALECT

    def __init__(
        self,
        *,
        memory_limit: str = "4GB",
        threads: int | None = None,
        temp_directory: str | None = None,
        parquet_views: bool = False,
    ):
        self.con = duckdb.connect(":memory:")
        self.parquet_views = parquet_views
        self._files: list[str] = []  # read through views; allowed once locked
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
        tables: Collection[str] | None = None,
    ) -> None:
        """Create every standard dataset table (or view), and the auxiliary tables.

        ``filters`` maps a dataset to a condition (the run's scope) its rows must
        meet; ``{full}`` in it names the unfiltered table. ``tables``, when given,
        limits the datasets created to those (the ones the run's SQL reads).
        """
        filters = filters or {}
        if self.locked:
            raise RuntimeError("the connection is locked; load before lock()")
        empty = []
        for name, spec in DATASETS.items():
            if tables is not None and name not in tables:
                continue
            path = sources.get(name)
            if path is None:
                columns = ", ".join(
                    f"{_quote_ident(c.name)} {SQL_TYPES[c.type]}" for c in spec.columns
                )
                empty.append(f"CREATE TABLE {name} ({columns});")
                continue
            files = parquet_files(Path(path))
            source = f"read_parquet({_string_list(files)})"
            present = {
                row[0]
                for row in self.con.execute(
                    f"DESCRIBE SELECT * FROM {source}"
                ).fetchall()
            }
            select = ", ".join(_typed(c, c.name in present) for c in spec.columns)
            condition = filters.get(name)
            if self.parquet_views:
                self._files.extend(files)
                self._load_view(name, f"SELECT {select} FROM {source}", condition)
                continue
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
        if empty:
            self.con.execute("\n".join(empty))  # one round trip for all
        for name, table in aux.items():
            # Small tables (calendar, positions): read in place, not copied.
            self.con.register(name, table)

    def _load_view(self, name: str, select: str, condition: str | None) -> None:
        if condition is None:
            self.con.execute(f"CREATE VIEW {name} AS {select}")
            return
        full = f"__full_{name}"
        self.con.execute(f"CREATE VIEW {full} AS {select}")
        self.con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM {full} AS scoped "
            f"WHERE {condition.replace('{full}', full)}"
        )

    def lock(self) -> None:
        """No file, network or extension access from here on, and no way back.

        With Parquet views, the dataset files the views read stay readable (and
        only those: no listing of their folders, no other file).
        """
        if self._files:
            files = sorted(set(self._files))
            self.con.execute(f"SET allowed_paths = {_string_list(files)}")
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET autoinstall_known_extensions = false")
        self.con.execute("SET autoload_known_extensions = false")
        self.con.execute("SET lock_configuration = true")
        self.locked = True

    def materialize(self, name: str, sql: str) -> None:
        """Store a derived table that several models read (built once per run)."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def define_view(self, name: str, sql: str) -> None:
        """A derived table computed inside each query that reads it (not stored)."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    # -- querying -----------------------------------------------------------

    def query(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)  # runs the query
        names = [d[0] for d in cursor.description]
        with gc_paused():  # only turning the result into Python objects
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
