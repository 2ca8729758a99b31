"""Synthetic province for the analytics benchmark: the ten standard datasets of
DATASETS.md with planted anomalies and their ground truth.

Usage: ``python bench/analytics_data.py [--scale 1.0] [--seed 2026]
[--out bench/out/analytics] [--dirty] [--force] [--verify]``.
Scale 1.0 is the province of issue 4 (20,000,000 payments, 5,000,000 residents, …).
The output is reused while a marker with the same scale, seed and dirtiness
exists (``--force`` regenerates). Prints rows per dataset, seconds, peak memory
and the size on disk; ``--verify`` recomputes every model with plain DuckDB SQL
and compares with the ground truth (it prints, it asserts nothing).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from xietong.analytics.engine.synth import (  # noqa: E402
    DATASETS,
    MODELS,
    GroundTruth,
    generate,
)

MARKER = ".synth.json"


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/analytics")
    ap.add_argument("--dirty", action="store_true", help="also write raw CSV files")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--verify", action="store_true")
    args = ap.parse_args(argv)

    out: Path = args.out
    wanted = {"scale": args.scale, "seed": args.seed, "dirty": args.dirty}
    marker = out / MARKER
    reuse = (
        not args.force
        and marker.exists()
        and json.loads(marker.read_text())["params"] == wanted
    )
    if reuse:
        info = json.loads(marker.read_text())
        truth = GroundTruth.load(out / "truth.json")
        print(f"复用 {out}（scale={args.scale} seed={args.seed}）")
        for ds, rows in truth.counts.items():
            print(f"  {ds:<14}{rows:>12,}")
        print(
            f"生成耗时 {info['seconds']:.1f} s，峰值内存 {info['peak_rss_mb']:.0f} MB"
        )
    else:
        # Remove only what the generator writes: --out may be a shared folder.
        for name in [*(f"{ds}.parquet" for ds in DATASETS), "truth.json", MARKER]:
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / "raw", ignore_errors=True)
        out.mkdir(parents=True, exist_ok=True)
        print(f"生成 scale={args.scale} seed={args.seed} → {out}")
        t0 = time.perf_counter()

        def progress(ds, rows, seconds):
            if seconds < 0.01:  # shareholders are written together with companies
                print(f"  {ds:<14}{rows:>12,} 行  （与上一项一并生成）", flush=True)
                return
            print(
                f"  {ds:<14}{rows:>12,} 行  {seconds:7.1f} s  {rows / seconds:>12,.0f} 行/s"
                f"  峰值 {peak_rss_mb():,.0f} MB",
                flush=True,
            )

        truth = generate(
            out, scale=args.scale, seed=args.seed, dirty=args.dirty, progress=progress
        )
        seconds = time.perf_counter() - t0
        info = {"params": wanted, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}
        marker.write_text(json.dumps(info))
        print(f"合计 {sum(truth.counts.values()):,} 行，{seconds:.1f} s，"
              f"峰值内存 {info['peak_rss_mb']:,.0f} MB")  # fmt: skip
    print(f"磁盘占用 {disk_mb(out):,.0f} MB")
    per_model = {m: len(truth.hits_for(m)) for m in MODELS}
    near = {m: len(v) for m, v in truth.near_misses.items()}
    print("埋设命中", per_model)
    print("近似未命中", near)

    if args.verify:
        from xietong.analytics.engine.synth.reference import reference_hits
        from xietong.analytics.engine.synth.world import calendar_2026

        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        ref = reference_hits(out, calendar_2026(), timings)
        print(f"DuckDB 参照计算 {time.perf_counter() - t0:.1f} s")
        for m in MODELS:
            exp = truth.expected(m)
            missing, extra = exp - ref[m], ref[m] - exp
            flagged = truth.near(m) & ref[m]
            status = "一致" if not (missing or extra or flagged) else "不一致"
            print(
                f"  {m:<18}{status}  真值 {len(exp)}  参照 {len(ref[m])}  "
                f"漏 {len(missing)}  多 {len(extra)}  近似误报 {len(flagged)}  "
                f"{timings.get(m, 0):.2f} s"
            )
        print(f"  (付款人解析 {timings.get('resolve_payees', 0):.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
