"""Helpers for the analytics app tests: small department files and a synthetic province."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from tests.factories import account
from xietong.access.roles import Role
from xietong.analytics.engine.synth import generate
from xietong.analytics.services import dataset_import
from xietong.core.identifiers import make_id_number

SCALE = 0.0003


def write_csv(path: Path, header: list[str], rows: list[list], encoding="utf-8"):
    """A CSV file as a department would send it."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def id_number(seq: int, region="410105", birth=dt.date(1975, 3, 9)) -> str:
    return make_id_number(region, birth, seq)


def id_number_ending_x(region="410105", birth=dt.date(1968, 2, 1)) -> str:
    """A valid ID number whose check character is X."""
    for seq in range(1, 999):
        number = make_id_number(region, birth, seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check digit in range")


def analyst(world, unit_key: str):
    return account(world.units[unit_key], Role.ANALYST)


def import_synth(actor, unit, tmp_path: Path):
    """Generate the synthetic province and import every raw file into ``unit``.

    Payroll comes in two files (one GBK): they become two payroll datasets of the
    unit, which a run reads as one. No mapping is given: the departments' Chinese
    headers are recognised as an analyst's upload is. Returns the ground truth.
    """
    truth = generate(tmp_path / "synth", scale=SCALE)
    for kind, files in truth.raw_files.items():
        for i, entry in enumerate(files):
            dataset_import(
                actor=actor,
                kind=kind,
                path_or_file=tmp_path / "synth" / "raw" / entry["file"],
                unit=unit,
                name=None if i == 0 else f"{kind}-{entry['encoding']}",
            )
    return truth
