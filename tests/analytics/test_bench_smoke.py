"""bench/analytics.py end to end on a tiny province: every step runs and prints its
figures (timings are not asserted). Kept short: payments and payroll imported, two
models timed alone, Spark left to ``make bench``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = (
    "death_payment",
    "relative_welfare",
    "supplier_conflict",
    "split_purchase",
    "double_payroll",
    "duplicate_payment",
    "vehicle_misuse",
)


def test_analytics_bench_prints_every_figure(tmp_path):
    figures = tmp_path / "figures.json"
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "analytics.py"),
            "--scale",
            "0.0003",
            "--repeat",
            "1",
            "--threads",
            "1",
            "--sample-rows",
            "100",
            "--import-datasets",
            "payroll",
            "--models",
            "death_payment,vehicle_misuse",
            "--no-spark",
            "--out",
            str(tmp_path / "province"),
            "--json",
            str(figures),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "行/s" in text and "峰值内存" in text  # generation and import
    assert "导入结果与生成器的干净 Parquet 比较：0 行不同 ✓" in text
    timed = ("death_payment", "vehicle_misuse")  # alone, against hand-written SQL
    for model in timed:
        line = next(x for x in text.splitlines() if x.startswith(model))
        assert line.rstrip().endswith("✓"), line  # same hits as the hand-written query
    assert "目标 ≤1.5" in text and "目标 <60 s" in text

    report = json.loads(figures.read_text())
    imported = report["import"]
    assert imported["payments.csv"]["rows"] == report["generate"]["rows"]["payments"]
    # payroll: a sample of 100 rows, split into a UTF-8 and a GBK file
    assert set(imported) == {"payments.csv", "payroll.csv", "payroll.gbk.csv"}
    assert imported["payroll.csv"]["rows"] + imported["payroll.gbk.csv"]["rows"] == 100
    assert set(report["models"]) == set(timed)
    for model in timed:
        m = report["models"][model]
        assert m["same_hits"] and m["ratio"] > 0
        assert m["engine"]["peak_rss_mb"] > 0 and m["hand"]["peak_rss_mb"] > 0
    for model in MODELS:
        q = report["quality"][model]
        # The generator's ground truth is exact: every planted hit, nothing else.
        assert q["hits"] == q["expected"] > 0
        assert q["precision"] == q["recall"] == 1.0
    assert report["catalogue_duckdb"]["seconds"] > 0
    assert "catalogue_spark" not in report
