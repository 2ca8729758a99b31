"""Analytics benchmark (issue 4): a synthetic province at ``--scale`` (1.0 = 20,000,000
payments, 33.2 M rows in all), imported through the real importer and run through the
seven built-in models on DuckDB and Spark.

Usage: ``python bench/analytics.py [--scale 1.0] [--repeat 3] [--threads 2]
[--sample-rows 1000000] [--no-spark] [--spark-driver-memory 8g]``
(``make bench`` runs it through ``bench/run.py --only analytics``).

Steps, each printed as it finishes, with its target where the issue sets one:

1. the province: clean Parquet and ground truth from the engine's generator
   (``bench/analytics_data.py``), cached in ``bench/out/analytics-<scale>/``;
   then the raw department files (Chinese headers, dirty cells) in ``raw-bench/``,
   written chunk by chunk with the generator's own ``write_raw``: every payment,
   and the first ``--sample-rows`` rows of each other dataset;
2. import through the real importer (``dataset_import``, row-by-row normalisation
   into Parquet) into a fresh XIETONG_HOME on SQLite, one process per file: rows/s
   and the peak RSS of that process; the imported payments are compared with the
   generator's clean Parquet, which the models then read;
3. each model on DuckDB alone (``run_models(models=[key])``, its datasets only) in
   a fresh process: wall time of the call and the process's peak RSS, median of
   ``--repeat`` runs;
4. the same model's logic as one hand-written DuckDB query over the same Parquet
   files (``bench/analytics_baseline.py``), same process setup and thread count,
   the calendar table it joins built inside the timer as the engine does:
   the ratio engine / hand-written (target ≤ 1.5), and whether both find the same
   hits;
5. the whole catalogue in one run on DuckDB (target < 60 s);
6. the whole catalogue on Spark local mode (local[2]), once;
7. hits per model with precision and recall against the generator's ground truth.

It prints figures and writes them to ``bench/out/analytics-<scale>.json``; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

MODELS = (
    "death_payment",
    "relative_welfare",
    "supplier_conflict",
    "split_purchase",
    "double_payroll",
    "duplicate_payment",
    "vehicle_misuse",
)
RAW_MARKER = ".raw.json"
CHUNK_ROWS = 250_000


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------


def run_child(
    args: list[str],
    env: dict | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
) -> tuple[dict, float, float]:
    """Run ``bench/analytics.py --child …`` in a fresh process.

    Returns (its JSON result, wall seconds of the process, its peak RSS in MiB: the
    VmHWM it reads of itself just before it exits).
    """
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_path = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__)), "--child", *args]
    t0 = time.perf_counter()
    # The children run in the cache folder: DuckDB spills to ./.tmp beyond its
    # memory limit.
    stderr = open(log, "w") if log else None  # Spark's JVM is chatty
    try:
        proc = subprocess.run(
            cmd + ["--result", str(result_path)], env=env, cwd=cwd, stderr=stderr
        )
    finally:
        if stderr:
            stderr.close()
    wall = time.perf_counter() - t0
    try:
        if proc.returncode != 0:
            where = f"（日志：{log}）" if log else ""
            raise SystemExit(
                f"子进程失败（退出码 {proc.returncode}）{where}：{' '.join(args)}"
            )
        result = json.loads(result_path.read_text())
    finally:
        result_path.unlink(missing_ok=True)
    return result, wall, result["peak_rss_mb"]


def vm_hwm_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                stat = (p / "stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(
                int(p.name)
            )
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


# ---------------------------------------------------------------------------
# Step 1: the province
# ---------------------------------------------------------------------------


def ensure_province(data: Path, scale: float, seed: int) -> dict:
    """Clean Parquet + truth through bench/analytics_data.py (reused when present)."""
    marker = data / ".synth.json"
    want = {"scale": scale, "seed": seed, "dirty": False}
    reused = marker.exists() and json.loads(marker.read_text())["params"] == want
    if not reused:
        print(f"生成省份 scale={scale:g} → {data} …", flush=True)
        cmd = [sys.executable, str(ROOT / "bench" / "analytics_data.py")]
        cmd += ["--scale", str(scale), "--seed", str(seed), "--out", str(data)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    info = json.loads(marker.read_text())
    from xietong.analytics.engine.synth import GroundTruth

    truth = GroundTruth.load(data / "truth.json")
    return {
        "reused": reused,
        "seconds": info["seconds"],
        "peak_rss_mb": info["peak_rss_mb"],
        "rows": truth.counts,
        "total_rows": sum(truth.counts.values()),
    }


def ensure_raw(data: Path, seed: int, sample_rows: int) -> dict:
    """raw-bench/<dataset>.csv: every payment, the first ``sample_rows`` of the rest.

    The generator's ``write_raw`` holds a whole dataset in memory (20 M payments do
    not fit), so it is called on chunks of ``CHUNK_ROWS`` rows and the files are
    concatenated; the dirt is drawn with a seed per chunk.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from xietong.analytics.engine.synth import DATASETS
    from xietong.analytics.engine.synth.raw import write_raw

    raw = data / "raw-bench"
    marker = raw / RAW_MARKER
    want = {"seed": seed, "sample_rows": sample_rows, "chunk": CHUNK_ROWS}
    if marker.exists() and json.loads(marker.read_text())["params"] == want:
        return json.loads(marker.read_text()) | {"reused": True}
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    print("写出原始部门文件（中文表头、脏数据）…", flush=True)
    t0 = time.perf_counter()
    schemas = {ds: pq.read_schema(data / f"{ds}.parquet") for ds in DATASETS}
    files: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(dir=data) as scratch:
        tmp = Path(scratch)
        for ds in DATASETS:
            limit = None if ds == "payments" else sample_rows
            for other in DATASETS:
                table = schemas[other].empty_table()
                pq.write_table(table, tmp / f"{other}.parquet")
            outputs: dict[str, list] = {}  # file -> [handle, rows, encoding]
            done = 0
            source = pq.ParquetFile(data / f"{ds}.parquet")
            for i, batch in enumerate(source.iter_batches(batch_size=CHUNK_ROWS)):
                if limit is not None and done >= limit:
                    break
                if limit is not None:
                    batch = batch.slice(0, limit - done)
                done += batch.num_rows
                pq.write_table(pa.Table.from_batches([batch]), tmp / f"{ds}.parquet")
                chunk_files, _, _ = write_raw(tmp, seed * 1000 + i, {})
                for entry in chunk_files[ds]:
                    blob = (tmp / "raw" / entry["file"]).read_bytes()
                    if entry["file"] not in outputs:
                        handle = open(raw / entry["file"], "wb")
                        outputs[entry["file"]] = [handle, 0, entry["encoding"]]
                    else:
                        blob = blob.split(b"\r\n", 1)[1]  # the header line again
                    outputs[entry["file"]][0].write(blob)
                    outputs[entry["file"]][1] += entry["rows"]
            files[ds] = []
            for name, (handle, rows, encoding) in outputs.items():
                handle.close()
                if rows:
                    files[ds].append({"file": name, "rows": rows, "encoding": encoding})
                else:
                    (raw / name).unlink()
    info = {"params": want, "seconds": time.perf_counter() - t0, "files": files}
    marker.write_text(json.dumps(info, ensure_ascii=False))
    return info | {"reused": False}


# ---------------------------------------------------------------------------
# Step 2: import through the real importer
# ---------------------------------------------------------------------------


def child_import(args) -> dict:
    """In a fresh process: dataset_import of one raw file; rows and seconds."""
    os.environ["XIETONG_HOME"] = str(args.home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xietong.settings.demo"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    from xietong.analytics.engine.synth.raw import HEADERS
    from xietong.analytics.services import dataset_import
    from xietong.org.models import Region, Unit

    # Only the first import of the fresh home migrates: the check alone costs
    # seconds per process.
    if not (args.home / "xietong.sqlite3").exists():
        call_command("migrate", verbosity=0, interactive=False)
    region, _ = Region.objects.get_or_create(
        code="410000", defaults={"name": "河南省", "level": "province"}
    )
    unit = Unit.objects.filter(kind="commission").first() or Unit.objects.create(
        name="河南省纪委监委", kind="commission", region=region
    )
    mapping = {cn: std for std, cn in HEADERS[args.kind].items()}
    t0 = time.perf_counter()
    version = dataset_import(
        actor=None,
        kind=args.kind,
        path_or_file=args.file,
        unit=unit,
        name=Path(args.file).name,
        mapping=mapping,
    )
    seconds = time.perf_counter() - t0
    return {
        "rows": version.rows,
        "seconds": seconds,
        "parquet": str(Path(os.environ["XIETONG_HOME"]) / version.file),
        "changes": version.report.get("changes", {}),
    }


def compare_with_clean(imported: str, clean: Path) -> dict:
    """Rows of the imported payments that differ from the generator's clean rows."""
    import duckdb
    import pyarrow.parquet as pq

    clean_cols = pq.read_schema(clean).names
    imported_cols = pq.read_schema(imported).names
    cols = ", ".join(f'"{c}"' for c in clean_cols if c in imported_cols)
    con = duckdb.connect()
    differ = con.execute(
        f"SELECT count(*) FROM (SELECT {cols} FROM read_parquet('{imported}') "
        f"EXCEPT ALL SELECT {cols} FROM read_parquet('{clean}'))"
    ).fetchone()[0]
    examples = con.execute(
        f"SELECT {cols} FROM read_parquet('{imported}') EXCEPT ALL "
        f"SELECT {cols} FROM read_parquet('{clean}') LIMIT 3"
    ).fetchall()
    con.close()
    return {
        "differing_rows": differ,
        "missing_columns": [c for c in clean_cols if c not in imported_cols],
        "extra_columns": [c for c in imported_cols if c not in clean_cols],
        "examples": [[str(v) for v in row] for row in examples],
    }


def bench_import(data: Path, raw_info: dict, only: list[str] | None) -> dict:
    home = data / "import-home"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    results: dict[str, dict] = {}
    for ds, entries in raw_info["files"].items():
        if only and ds not in only:
            continue
        for entry in entries:
            path = data / "raw-bench" / entry["file"]
            r, wall, peak = run_child(
                ["import", "--kind", ds, "--file", str(path), "--home", str(home)]
            )
            r |= {"peak_rss_mb": peak, "rows_per_s": r["rows"] / r["seconds"]}
            r["file"] = entry["file"]
            r["encoding"] = entry["encoding"]
            if ds == "payments":
                r["compare"] = compare_with_clean(
                    r["parquet"], data / "payments.parquet"
                )
            results[entry["file"]] = r
            print(
                f"  {entry['file']:<22}{r['rows']:>12,} 行  {r['seconds']:8.1f} s"
                f"  {r['rows_per_s']:>9,.0f} 行/s  峰值 {peak:,.0f} MiB",
                flush=True,
            )
    shutil.rmtree(home, ignore_errors=True)  # the imported copies are not needed again
    return results


# ---------------------------------------------------------------------------
# Steps 3–6: models
# ---------------------------------------------------------------------------


def child_engine(args) -> dict:
    """In a fresh process: run_models over the clean Parquet; seconds and hits."""
    from xietong.analytics.engine import CATALOGUE, hit_identity, run_models

    keys = list(MODELS) if args.model == "all" else [args.model]
    reads = {ds for k in keys for ds in CATALOGUE[k].reads}
    sources = {ds: args.data / f"{ds}.parquet" for ds in sorted(reads)}
    spark = None
    extra: dict = {}
    if args.engine == "spark":
        from xietong.analytics.engine.spark_backend import create_session

        t0 = time.perf_counter()
        spark = create_session(
            master=f"local[{args.threads}]",
            config={
                "spark.driver.memory": args.spark_driver_memory,
                "spark.driver.maxResultSize": "2g",
                "spark.ui.showConsoleProgress": "false",
                "spark.local.dir": str(args.data / "spark-tmp"),
            },
        )
        extra["session_seconds"] = time.perf_counter() - t0
    phases = time_phases(args.engine)
    t0 = time.perf_counter()
    hits = run_models(
        sources,
        engine=args.engine,
        models=keys,
        spark=spark,
        memory_limit=args.memory_limit,
        threads=args.threads if args.engine == "duckdb" else None,
    )
    seconds = time.perf_counter() - t0
    if spark is not None:
        extra["jvm_peak_rss_mb"] = max(
            (vm_hwm_mb(p) for p in descendants(os.getpid())), default=0.0
        )
        spark.stop()
    by_model: dict[str, list] = {k: [] for k in keys}
    for hit in hits:
        model, identity = hit_identity(hit)
        by_model[model].append(list(identity))
    phases["assemble"] = seconds - sum(phases.values())
    return {"seconds": seconds, "hits": by_model, "phases": phases, **extra}


def time_phases(engine: str) -> dict[str, float]:
    """Time the backend's steps of a run: copying the datasets in, building the
    derived tables, the model queries (with fetching the rows); the remainder of
    run_models is turning rows into hits."""
    if engine == "duckdb":
        from xietong.analytics.engine.duckdb_backend import DuckDBBackend as backend
    else:
        from xietong.analytics.engine.spark_backend import SparkBackend as backend
    phases = {"load": 0.0, "derived": 0.0, "query": 0.0}

    def timed(method: str, phase: str) -> None:
        original = getattr(backend, method)

        def wrapper(self, *a, **kw):
            t0 = time.perf_counter()
            try:
                return original(self, *a, **kw)
            finally:
                phases[phase] += time.perf_counter() - t0

        setattr(backend, method, wrapper)

    timed("load", "load")
    timed("materialize", "derived")
    timed("query", "query")
    return phases


def child_hand(args) -> dict:
    """In a fresh process: the hand-written query of one model; seconds and hits."""
    import analytics_baseline
    import duckdb

    from xietong.analytics.engine import calendar_table

    # The official calendar is an input of the query: built inside the timer, as
    # the engine builds it inside run_models (only for the model that joins it).
    t0 = time.perf_counter()
    calendar = calendar_table() if args.model == "vehicle_misuse" else None
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute(f"SET threads = {int(args.threads)}")
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    hits = analytics_baseline.run(con, args.data, args.model, calendar)
    con.close()
    return {
        "seconds": time.perf_counter() - t0,
        "hits": {args.model: sorted(list(h) for h in hits)},
    }


def model_args(args, kind: str, model: str, engine: str = "duckdb") -> list[str]:
    return [
        kind,
        "--model",
        model,
        "--engine",
        engine,
        "--data",
        str(args.data),
        "--threads",
        str(args.threads),
        "--memory-limit",
        args.memory_limit,
        "--spark-driver-memory",
        args.spark_driver_memory,
    ]


# A run shorter than this is repeated at least SHORT_REPEAT times: its median is
# otherwise at the mercy of a few milliseconds of process start-up noise.
SHORT_SECONDS = 1.0
SHORT_REPEAT = 9


def repeated(args, kind: str, model: str) -> dict:
    """Median seconds and peak RSS over ``--repeat`` fresh processes (at least
    SHORT_REPEAT when the runs take under SHORT_SECONDS)."""
    runs = [
        run_child(model_args(args, kind, model), cwd=args.data)
        for _ in range(args.repeat)
    ]
    if statistics.median(r["seconds"] for r, _, _ in runs) < SHORT_SECONDS:
        runs += [
            run_child(model_args(args, kind, model), cwd=args.data)
            for _ in range(SHORT_REPEAT - len(runs))
        ]
    phases = [r["phases"] for r, _, _ in runs if "phases" in r]
    return {
        "phases": {k: statistics.median(p[k] for p in phases) for k in phases[0]}
        if phases
        else None,
        "seconds": statistics.median(r["seconds"] for r, _, _ in runs),
        "all_seconds": [r["seconds"] for r, _, _ in runs],
        "peak_rss_mb": statistics.median(peak for _, _, peak in runs),
        "hits": runs[0][0]["hits"],
    }


def secs(seconds: float) -> str:
    """Seconds to two decimals, three under one second."""
    return f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}"


def as_sets(hits: dict[str, list]) -> dict[str, set[tuple]]:
    return {m: {tuple(k) for k in keys} for m, keys in hits.items()}


def phase_line(phases: dict) -> str:
    return (
        f"其中载入 {phases['load']:.1f} s，派生表 {phases['derived']:.1f} s，"
        f"模型查询 {phases['query']:.1f} s，组装命中 {phases['assemble']:.1f} s"
    )


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB (engine default)")
    ap.add_argument("--sample-rows", type=int, default=1_000_000)
    ap.add_argument("--no-import", action="store_true")
    ap.add_argument(
        "--models", help="time only these models alone (comma-separated; default all)"
    )
    ap.add_argument(
        "--import-datasets",
        help="besides payments, import only these datasets (comma-separated)",
    )
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--spark-driver-memory", default="8g")
    ap.add_argument("--out", type=Path, default=None, help="cache folder")
    ap.add_argument("--json", type=Path, default=None, help="where to write figures")
    # Internal: one measured step in a fresh process.
    ap.add_argument(
        "--child", choices=("import", "engine", "hand"), help=argparse.SUPPRESS
    )
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    ap.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child = {"import": child_import, "engine": child_engine, "hand": child_hand}
        result = child[args.child](args)
        # The child's own high-water mark: wait4's ru_maxrss would also count the
        # parent's memory at fork time, which exec carries over.
        result["peak_rss_mb"] = vm_hwm_mb()
        args.result.write_text(json.dumps(result, ensure_ascii=False, default=str))
        return 0
    args.data = (args.out or OUT / f"analytics-{args.scale:g}").resolve()
    report = run_bench(args)
    path = args.json or OUT / f"analytics-{args.scale:g}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print(f"\n数据已写入 {path}")
    return 0


def run_bench(args) -> dict:
    from xietong.analytics.engine import CATALOGUE
    from xietong.analytics.engine.synth import GroundTruth

    report: dict = {
        "scale": args.scale,
        "seed": args.seed,
        "threads": args.threads,
        "repeat": args.repeat,
        "duckdb_memory_limit": args.memory_limit,
        "cpu_count": os.cpu_count(),
    }
    clock = time.perf_counter()

    # 1. The province.
    print(f"== 1. 合成省份 scale={args.scale:g}（{args.data}）==")
    gen = ensure_province(args.data, args.scale, args.seed)
    report["generate"] = gen
    how = "（复用缓存，以下为首次生成的数据）" if gen["reused"] else ""
    print(
        f"生成 {gen['total_rows']:,} 行{how}：{gen['seconds']:.1f} s，"
        f"{gen['total_rows'] / gen['seconds']:,.0f} 行/s，"
        f"峰值内存 {gen['peak_rss_mb']:,.0f} MiB"
    )
    for ds, rows in gen["rows"].items():
        print(f"  {ds:<14}{rows:>12,}")
    truth = GroundTruth.load(args.data / "truth.json")

    # 2. Import through the real importer.
    if not args.no_import:
        raw = ensure_raw(args.data, args.seed, args.sample_rows)
        report["raw_files"] = raw
        raw_rows = sum(f["rows"] for v in raw["files"].values() for f in v)
        how = "（复用）" if raw["reused"] else ""
        print(f"原始文件 {raw_rows:,} 行{how}：{raw['seconds']:.1f} s")
        print(
            f"== 2. 真实导入器（dataset_import，逐行规范化 → Parquet，SQLite，"
            f"每个文件一个新进程）：付款流水全部 {gen['rows']['payments']:,} 行，"
            f"其他数据集各取前 {args.sample_rows:,} 行 =="
        )
        only = (
            ["payments", *args.import_datasets.split(",")]
            if args.import_datasets
            else None
        )
        imports = bench_import(args.data, raw, only)
        report["import"] = imports
        pay = imports["payments.csv"]
        cmp = pay["compare"]
        same = cmp["differing_rows"] == 0 and not cmp["missing_columns"]
        print(
            f"付款流水导入 {pay['rows']:,} 行：{pay['rows_per_s']:,.0f} 行/s，"
            f"导入进程峰值内存 {pay['peak_rss_mb']:,.0f} MiB；"
            f"导入结果与生成器的干净 Parquet 比较：{cmp['differing_rows']:,} 行不同 "
            f"{mark(same)}"
            + (f"，缺列 {cmp['missing_columns']}" if cmp["missing_columns"] else "")
        )
        for example in cmp["examples"]:
            print(f"    不同行示例：{example}")
        print(f"  规范化：{pay['changes']}")

    # 3–4. Each model alone, engine and hand-written.
    print(
        f"== 3–4. 各模型单独运行（DuckDB，{args.threads} 线程，memory_limit "
        f"{args.memory_limit}，每次一个新进程，{args.repeat} 次取中位数，"
        f"不足 {SHORT_SECONDS:g} 秒的取 {SHORT_REPEAT} 次；峰值内存为进程峰值 RSS）=="
    )
    print(
        f"{'模型':<20}{'引擎 s':>9}{'峰值 MiB':>10}{'手写 s':>9}{'峰值 MiB':>10}"
        f"{'比值':>7}  目标 ≤1.5  结果一致"
    )
    per_model: dict[str, dict] = {}
    for key in args.models.split(",") if args.models else MODELS:
        engine = repeated(args, "engine", key)
        hand = repeated(args, "hand", key)
        ratio = engine["seconds"] / hand["seconds"]
        agree = as_sets(engine["hits"])[key] == as_sets(hand["hits"])[key]
        per_model[key] = {"engine": engine, "hand": hand, "ratio": ratio}
        per_model[key]["same_hits"] = agree
        print(
            f"{key:<20}{secs(engine['seconds']):>9}{engine['peak_rss_mb']:>10,.0f}"
            f"{secs(hand['seconds']):>9}{hand['peak_rss_mb']:>10,.0f}{ratio:>7.2f}"
            f"  {mark(ratio <= 1.5):^9}  {mark(agree)}",
            flush=True,
        )
    report["models"] = per_model
    print("引擎耗时构成（中位数，s）：载入内存表 / 派生表 / 模型查询 / 组装命中")
    for key, m in per_model.items():
        ph = m["engine"]["phases"]
        print(
            f"  {key:<20}{ph['load']:>8.2f}{ph['derived']:>8.2f}{ph['query']:>8.2f}"
            f"{ph['assemble']:>8.2f}"
        )

    # 5. The whole catalogue.
    print("== 5. 全部模型一次运行（DuckDB，models=all）==")
    whole = repeated(args, "engine", "all")
    report["catalogue_duckdb"] = whole
    print(
        f"全部 7 个模型：{whole['seconds']:.1f} s（{args.repeat} 次中位数 "
        f"{', '.join(f'{s:.1f}' for s in whole['all_seconds'])}），"
        f"峰值内存 {whole['peak_rss_mb']:,.0f} MiB  目标 <60 s {mark(whole['seconds'] < 60)}"
    )
    print(f"  {phase_line(whole['phases'])}")

    # 6. Spark.
    duck_hits = as_sets(whole["hits"])
    if not args.no_spark:
        print(
            f"== 6. Spark 本地模式（local[{args.threads}]，driver 内存 "
            f"{args.spark_driver_memory}，一次）=="
        )
        env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1")
        (args.data / "spark-tmp").mkdir(exist_ok=True)
        log = args.data / "spark.log"
        print(f"（Spark 日志：{log}）", flush=True)
        r, wall, peak = run_child(
            model_args(args, "engine", "all", "spark"), env, cwd=args.data, log=log
        )
        shutil.rmtree(args.data / "spark-tmp", ignore_errors=True)
        same = as_sets(r["hits"]) == duck_hits
        report["catalogue_spark"] = {
            "seconds": r["seconds"],
            "phases": r["phases"],
            "session_seconds": r["session_seconds"],
            "driver_python_peak_rss_mb": peak,
            "jvm_peak_rss_mb": r["jvm_peak_rss_mb"],
            "same_hits_as_duckdb": same,
        }
        print(
            f"全部 7 个模型：{r['seconds']:.1f} s（另启动会话 {r['session_seconds']:.1f} s），"
            f"JVM 峰值内存 {r['jvm_peak_rss_mb']:,.0f} MiB；与 DuckDB 命中一致 {mark(same)}"
        )
        print(f"  {phase_line(r['phases'])}")

    # 7. Hits against the ground truth.
    print("== 7. 命中数与真值比较（全部模型一次运行的结果）==")
    print(
        f"{'模型':<20}{'命中':>8}{'真值':>8}{'精确率':>9}{'召回率':>9}{'近似误报':>9}"
    )
    quality = {}
    for key in MODELS:
        found, expected = duck_hits[key], truth.expected(key)
        right = len(found & expected)
        precision = right / len(found) if found else 1.0
        recall = right / len(expected) if expected else 1.0
        near = len(found & truth.near(key))
        quality[key] = {
            "label": CATALOGUE[key].label,
            "hits": len(found),
            "expected": len(expected),
            "precision": precision,
            "recall": recall,
            "near_misses_flagged": near,
        }
        print(
            f"{key:<20}{len(found):>8}{len(expected):>8}{precision:>9.3f}"
            f"{recall:>9.3f}{near:>9}"
        )
    report["quality"] = quality
    report["bench_seconds"] = time.perf_counter() - clock
    print(f"基准总用时 {report['bench_seconds']:.0f} s")
    return report


if __name__ == "__main__":
    raise SystemExit(main())
