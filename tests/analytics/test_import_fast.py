"""The import's fast row loop stores exactly what the general per-row path gives.

The reference is the preview's path (``_each_row``: ``normalize_row`` on a dict per
row, ``change_kind`` per changed cell), written out the way the importer wrote
every row before the converter remembered cleaned texts: the same Parquet rows,
the same counts of each kind of cleaning (in the same order), the same errors.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from xietong.analytics import convert
from xietong.analytics.engine.synth import generate
from xietong.analytics.report import ImportReport
from xietong.analytics.services import datasets as ds

from .support import SCALE


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("fast-synth")
    return out, generate(out, scale=SCALE)


def _reference(kind: str, path: Path, mapping: dict) -> tuple[list, dict]:
    """Rows and report as the general per-row path makes them."""
    source, headers = ds._open(path, path.name)
    try:
        columns = ds._resolve_mapping(kind, headers, mapping)
        spec = ds.get_dataset(kind)
        extras = ds._extra_names(kind, headers, columns)
        by_column = [(headers.index(h), c) for h, c in columns.items()]
        report = ImportReport()
        rows = []
        for _, cells, raw, result in ds._each_row(kind, source.rows, by_column, report):
            if result.errors:
                if report.full:
                    break
                continue
            if report.error_rows:
                continue
            for change in ds._changes(kind, raw, result).values():
                report.changes[change] += 1
            values = result.values
            row = {c: values[c] for c in spec.column_names}
            for c in spec.columns:
                if c.normalizer == "company_name":
                    row[f"{c.name}_branch"] = values.get(f"{c.name}_branch")
            for index, name in extras:
                value = cells[index] if index < len(cells) else None
                row[name] = None if ds._blank(value) else str(value).strip()
            rows.append(row)
    finally:
        source.close()
    return ([] if report.error_rows else rows), report.as_dict()


def _fast(kind: str, path: Path, mapping: dict, target: Path) -> tuple[list, dict]:
    source, headers = ds._open(path, path.name)
    try:
        columns = ds._resolve_mapping(kind, headers, mapping)
        written, report = ds._convert(
            kind=kind,
            rows=source.rows,
            target=target,
            mapping=columns,
            headers=headers,
            progress=None,
        )
    finally:
        source.close()
    rows = pq.read_table(target).to_pylist() if not report.error_rows else []
    assert written == len(rows)
    return rows, report.as_dict()


def _assert_same(kind, path, mapping, tmp_path):
    expected_rows, expected_report = _reference(kind, path, mapping)
    rows, report = _fast(kind, path, mapping, tmp_path / f"{path.name}.parquet")
    assert rows == expected_rows
    # as_dict orders kinds by count, ties by first occurrence: compare as lists.
    assert list(report["changes"].items()) == list(expected_report["changes"].items())
    assert report == expected_report
    return report


def test_every_dirty_synthetic_file_imports_as_the_general_path_does(
    synth, tmp_path, settings, monkeypatch
):
    out, truth = synth
    settings.XIETONG_DATASET_CHUNK_ROWS = 37  # several chunks per file
    # A tiny memory, so columns are emptied and given up on along the way.
    monkeypatch.setattr(convert, "_CACHE_LIMIT", 16)
    changed = 0
    for kind, files in truth.raw_files.items():
        for entry in files:
            path = out / "raw" / entry["file"]
            report = _assert_same(kind, path, truth.raw_headers[kind], tmp_path)
            changed += sum(report["changes"].values())
    assert changed > 100  # the files are dirty


def _damaged(source: Path, target: Path, seed: int, share: float) -> Path:
    rnd = random.Random(seed)
    with open(source, encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    bad = ["", " ", "abc", "2026-02-30", "１２３", "x", "\u3000", "12.345.6", "-5"]
    for i, row in enumerate(rows):
        if rnd.random() < share:
            j = rnd.randrange(len(row))
            row[j] = rnd.choice(bad)
        if i % 53 == 0:
            rows[i] = [" "] * len(row)  # a blank row
        elif i % 71 == 0:
            rows[i] = row[:4]  # a short row
        elif i % 89 == 0:
            rows[i] = [*row, "多余"]
    with open(target, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return target


@pytest.mark.parametrize(("seed", "share"), [(1, 0.01), (2, 0.2)])
def test_bad_rows_are_refused_and_reported_as_by_the_general_path(
    synth, tmp_path, seed, share
):
    out, truth = synth
    path = _damaged(out / "raw" / "payments.csv", tmp_path / "pay.csv", seed, share)
    report = _assert_same("payments", path, truth.raw_headers["payments"], tmp_path)
    assert report["error_rows"] and report["blank_rows"]


def test_typed_cells_of_a_parquet_file_import_as_the_general_path_does(tmp_path):
    import datetime as dt
    from decimal import Decimal

    from .support import id_number

    table = pa.table(
        {
            "流水号": [f"P{i}" for i in range(40)],
            "项目": ["低保", " 低保 ", "临时救助", "低保"] * 10,
            "收款人姓名": ["王芳", "張偉", "艾力•买买提", " 陈 明"] * 10,
            "收款人身份证号": [id_number(i % 7) for i in range(40)],
            "金额": [Decimal(i * 37) / 4 for i in range(40)],
            "发放日期": [
                dt.date(2026, 1, 1) + dt.timedelta(days=i % 9) for i in range(40)
            ],
            "行政区划代码": pa.array([410105 + i % 3 for i in range(40)], pa.int64()),
            "备注": [None, " 补发 ", "", "x"] * 10,
        }
    )
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    _assert_same("payments", path, None, tmp_path)


def test_a_required_group_left_blank_is_refused_as_by_the_general_path(synth, tmp_path):
    out, truth = synth
    with open(out / "raw" / "payroll.csv", encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    # Unit code or name: one of them is enough, both blank is an error.
    for i in (3, 10, 11):
        rows[i][0] = ""
    for i in (10, 12):
        rows[i][1] = " "
    path = tmp_path / "payroll.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    report = _assert_same("payroll", path, truth.raw_headers["payroll"], tmp_path)
    assert [e["row"] for e in report["errors"]] == [12]


def test_a_row_the_converter_refuses_but_normalize_row_accepts_is_kept(
    synth, tmp_path, monkeypatch
):
    # A cached refusal can go stale: an ID number born "tomorrow" at the start of
    # an import spanning midnight. normalize_row has the last word on such a row.
    out, truth = synth
    path = out / "raw" / "payments.csv"
    cells = convert.RowConverter.cells
    seen = []

    def refuse_every_fifth(self, row):
        seen.append(row)
        return None if len(seen) % 5 == 0 else cells(self, row)

    monkeypatch.setattr(convert.RowConverter, "cells", refuse_every_fifth)
    report = _assert_same("payments", path, truth.raw_headers["payments"], tmp_path)
    assert len(seen) >= 10 and not report["error_rows"]
