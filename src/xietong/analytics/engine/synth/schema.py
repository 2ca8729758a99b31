"""Arrow schemas of the ten standard datasets (clean, normalised types) and a sink
that streams tables into a Parquet file in row groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .codes import date32, decimal_cents

# Parquet has no second unit; microseconds (DuckDB's TIMESTAMP) round-trip as is.
S, D, T = pa.string(), pa.date32(), pa.timestamp("us")
MONEY = pa.decimal128(18, 2)

SCHEMAS: dict[str, pa.Schema] = {
    "residents": pa.schema(
        [
            ("id_number", S),
            ("name", S),
            ("gender", S),
            ("birth_date", D),
            ("region_code", S),
            ("address", S),
        ]
    ),
    "deaths": pa.schema(
        [
            ("id_number", S),
            ("name", S),
            ("death_date", D),
            ("region_code", S),
            ("source", S),
        ]
    ),
    "officials": pa.schema(
        [
            ("id_number", S),
            ("name", S),
            ("unit_uscc", S),
            ("unit_name", S),
            ("position", S),
            ("level", S),
            ("start_date", D),
            ("end_date", D),
        ]
    ),
    "relatives": pa.schema(
        [
            ("official_id_number", S),
            ("relative_name", S),
            ("relative_id_number", S),
            ("relation", S),
        ]
    ),
    "companies": pa.schema(
        [
            ("uscc", S),
            ("name", S),
            ("legal_rep_name", S),
            ("legal_rep_id_number", S),
            ("reg_date", D),
            ("status", S),
            ("address", S),
        ]
    ),
    "shareholders": pa.schema(
        [
            ("uscc", S),
            ("holder_name", S),
            ("holder_id_number", S),
            ("share_ratio", pa.float64()),
        ]
    ),
    "contracts": pa.schema(
        [
            ("contract_id", S),
            ("buyer_unit_uscc", S),
            ("buyer_unit_name", S),
            ("supplier_uscc", S),
            ("supplier_name", S),
            ("amount", MONEY),
            ("sign_date", D),
            ("method", S),
            ("subject", S),
        ]
    ),
    "payments": pa.schema(
        [
            ("payment_id", S),
            ("program", S),
            ("payee_name", S),
            ("payee_id_number", S),
            ("bank_account", S),
            ("amount", MONEY),
            ("pay_date", D),
            ("region_code", S),
            ("paying_unit", S),
        ]
    ),
    "payroll": pa.schema(
        [
            ("payroll_unit_uscc", S),
            ("payroll_unit_name", S),
            ("id_number", S),
            ("name", S),
            ("month", S),
            ("amount", MONEY),
            ("bank_account", S),
        ]
    ),
    "vehicles_use": pa.schema(
        [
            ("plate", S),
            ("unit_name", S),
            ("start_time", T),
            ("end_time", T),
            ("driver_name", S),
            ("purpose", S),
        ]
    ),
}
DATASETS = tuple(SCHEMAS)


def column(values, typ: pa.DataType) -> pa.Array:
    """An Arrow column of a schema type from Python values (dates as day numbers,
    money as integer cents, timestamps as epoch seconds)."""
    if typ == D:
        return pa.array(values, type=pa.int32()).cast(D)
    if typ == MONEY:
        return decimal_cents(np.array(values, np.int64))
    if typ == T:
        return pa.array(values, type=pa.int64()).cast(pa.timestamp("s")).cast(T)
    return pa.array(values, type=typ)


def table_from_rows(dataset: str, rows: list[dict], *, ref: bool = False) -> pa.Table:
    """A table of the dataset's schema from row dicts (plus ``_ref`` if asked)."""
    schema = SCHEMAS[dataset]
    cols = [column([r[f.name] for r in rows], f.type) for f in schema]
    names = list(schema.names)
    if ref:
        cols.append(pa.array([r.get("_ref") for r in rows], pa.string()))
        names.append("_ref")
    return pa.Table.from_arrays(cols, names=names)


def make_table(dataset: str, columns: dict, *, ref: bool = False) -> pa.Table:
    """A table of the dataset's schema from arrays (cast where needed)."""
    schema = SCHEMAS[dataset]
    arrays = []
    for f in schema:
        a = columns[f.name]
        if not isinstance(a, pa.Array | pa.ChunkedArray):
            a = column(a, f.type)
        if a.type != f.type:
            a = a.cast(f.type)
        arrays.append(a)
    names = list(schema.names)
    if ref:
        n = len(arrays[0])
        arrays.append(pa.nulls(n, pa.string()))
        names.append("_ref")
    return pa.Table.from_arrays(arrays, names=names)


def dates(days) -> pa.Array:
    return date32(days)


class ParquetSink:
    """Streams tables of one dataset into ``<dir>/<dataset>.parquet``."""

    ROW_GROUP = 1 << 20

    def __init__(self, out_dir: Path, dataset: str):
        self.dataset = dataset
        self.schema = SCHEMAS[dataset]
        self.path = Path(out_dir) / f"{dataset}.parquet"
        self.tmp = self.path.with_suffix(".parquet.part")
        self.writer = pq.ParquetWriter(
            self.tmp, self.schema, compression="zstd", write_statistics=True
        )
        self.rows = 0

    def write(self, table: pa.Table):
        table = table.select(self.schema.names).cast(self.schema)
        self.writer.write_table(table, row_group_size=self.ROW_GROUP)
        self.rows += table.num_rows

    def close(self) -> int:
        self.writer.close()
        self.tmp.replace(self.path)
        return self.rows
