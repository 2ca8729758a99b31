"""Synthetic data for the big-data supervision models, with planted anomalies.

``generate(out_dir, scale=0.001, seed=2026, dirty=True)`` writes the ten standard
datasets of DATASETS.md as ``<out_dir>/<dataset>.parquet`` (clean, normalised
types), optionally the raw department files ``<out_dir>/raw/*.csv`` with Chinese
headers and dirty cells, and the ground truth ``<out_dir>/truth.json`` (see
:mod:`.truth` for its format). Plain Python on numpy and pyarrow: nothing of Django.

Scale 1.0 is the benchmark province of issue 4 (20 M payments, 5 M residents, …);
counts scale linearly with a floor of a few dozen rows. Everything is a pure
function of ``seed``: the same seed gives byte-identical files.

The split_purchase group, precisely: take the contracts between one buyer and one
supplier whose amount is under ``threshold``, ordered by sign date. The first of
them opens a group; the group is every such contract signed at most
``window_days`` days after the opening one (inclusive, so 30 days is in); the
next contract after the window opens the next group. A group is a hit when it has
at least ``min_count`` contracts and its amounts sum to ``threshold`` or more.
(The planted groups are built so that a sliding window anchored at every contract
finds no other group, so both readings give the same hits.)

Other boundaries: death_payment hits when ``pay_date - death_date > 31`` days (31
is not a hit); vehicle_misuse's night is ``22:00:00 <= time`` or ``time <
06:00:00`` of the start time; double_payroll's after-death rows are those of a
month after the month of death (the month of death itself is not a hit).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from . import background as bg
from .plan import build_plan
from .raw import write_raw
from .schema import DATASETS, SCHEMAS
from .truth import MODELS, PARAMS, PRIMARY, GroundTruth
from .world import World, calendar_2026

__all__ = [
    "DATASETS",
    "MODELS",
    "PARAMS",
    "PRIMARY",
    "SCHEMAS",
    "GroundTruth",
    "generate",
]


def generate(
    out_dir: str | Path,
    *,
    scale: float = 0.001,
    seed: int = 2026,
    dirty: bool = True,
    calendar: dict[date, str] | str | Path | None = None,
    progress=None,
) -> GroundTruth:
    """Write the synthetic province into ``out_dir`` and return its ground truth.

    ``calendar``: the 2026 official calendar as ``{date: "holiday"|"workday"}`` or
    the path of a ``date,kind,name`` CSV (default: the one shipped in
    ``xietong/core/data``). ``progress(dataset, rows, seconds)`` is called after
    each dataset.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if not isinstance(calendar, dict):
        calendar = calendar_2026(calendar)
    world = World(scale=scale, seed=seed, calendar=calendar)
    plan = build_plan(world, lambda p: bg.plate_days(world, p))

    counts: dict[str, int] = {}
    refs: dict[str, str] = {}
    clock = time.perf_counter()

    def done(ds: str, rows: int):
        nonlocal clock
        counts[ds] = rows
        if progress:
            now = time.perf_counter()
            progress(ds, rows, now - clock)
            clock = now

    # Planted names are fixed by now (the plan ran first).
    done("residents", bg.write_residents(world, out))
    done("deaths", bg.write_deaths(world, plan, out))
    done("officials", bg.write_officials(world, plan, out))
    done("relatives", bg.write_relatives(world, out))
    companies, shareholders = bg.write_companies(world, plan, out)
    done("companies", companies)
    done("shareholders", shareholders)
    rows, r = bg.write_contracts(world, plan, out)
    refs.update(r)
    done("contracts", rows)
    rows, r = bg.write_payments(world, plan, out)
    refs.update(r)
    done("payments", rows)
    done("payroll", bg.write_payroll(world, plan, out))
    done("vehicles_use", bg.write_vehicles(world, plan, out))

    def keys(ref_list):
        return sorted(refs.get(x, x) for x in ref_list)

    truth = GroundTruth(scale=scale, seed=seed, dirty=dirty, counts=counts)
    for model, ds, ref_list, tags in plan.hits:
        truth.hits.append(
            {"model": model, "evidence": {ds: keys(ref_list)}, "tags": tags}
        )
    for model in MODELS:
        truth.near_misses[model] = [
            {"model": model, "evidence": {ds: keys(ref_list)}, "reason": reason}
            for m, ds, ref_list, reason in plan.near
            if m == model
        ]
    if dirty:
        residents = pq.read_table(
            out / "residents.parquet", columns=["id_number", "name"]
        )
        registered = dict(
            zip(
                residents.column("id_number").to_pylist(),
                residents.column("name").to_pylist(),
                strict=True,
            )
        )
        files, headers, pairs = write_raw(out, seed, registered)
        truth.raw_files, truth.raw_headers, truth.raw_truth = files, headers, pairs
        done("raw", sum(f["rows"] for v in files.values() for f in v))
        del counts["raw"]
    truth.save(out / "truth.json")
    return truth
