"""The ground truth: expected hits and near-misses per model, dirty-cell pairs.

A hit is ``{"model": key, "evidence": {dataset: sorted row keys}, "tags": [...]}``
where only the model's primary dataset is listed (the contract with the engine):

========================  ==============  ============================================
model                     dataset         row key
========================  ==============  ============================================
death_payment             payments        payment_id (one hit per late payment)
relative_welfare          payments        payment_id (one hit per payment)
duplicate_payment         payments        payment_id (all rows of the duplicate set,
                                          or all rows paid into the shared account)
supplier_conflict         contracts       contract_id (one hit per contract)
split_purchase            contracts       contract_id (the contracts of the group)
double_payroll            payroll         ``payroll_unit|id_number|month`` (both units'
                                          rows of one month, or one after-death row)
vehicle_misuse            vehicles_use    ``plate|YYYY-MM-DD HH:MM:SS`` (one per trip)
========================  ==============  ============================================

``payroll_unit`` is the unit's USCC (every clean payroll row carries one).
Near-misses have the same shape plus a Chinese ``reason``; none of them may be
reported. Tags say what a hit exercises: ``name_only`` (the payment carries only
name and bank account — resolve the payee through another payment with the same
account), ``name_typo`` (and the name has one wrong character), ``boundary``
(exactly at a threshold), ``window``, ``shared_account``, ``after_death``…
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

MODELS = (
    "death_payment",
    "relative_welfare",
    "supplier_conflict",
    "split_purchase",
    "double_payroll",
    "duplicate_payment",
    "vehicle_misuse",
)
PRIMARY = {
    "death_payment": ("payments", "payment_id"),
    "relative_welfare": ("payments", "payment_id"),
    "duplicate_payment": ("payments", "payment_id"),
    "supplier_conflict": ("contracts", "contract_id"),
    "split_purchase": ("contracts", "contract_id"),
    "double_payroll": ("payroll", "payroll_unit|id_number|month"),
    "vehicle_misuse": ("vehicles_use", "plate|start_time"),
}
# The parameters the ground truth was computed for (DATASETS.md defaults).
PARAMS = {
    "death_payment": {"grace_days": 31},
    "relative_welfare": {"programs": ["低保", "特困"]},
    "supplier_conflict": {},
    "split_purchase": {"min_count": 2, "window_days": 30, "threshold": 1_000_000},
    "double_payroll": {},
    "duplicate_payment": {},
    "vehicle_misuse": {"night_start": "22:00", "night_end": "06:00"},
}


@dataclass
class GroundTruth:
    """What a correct engine must report on the generated data (and must not)."""

    scale: float
    seed: int
    dirty: bool
    counts: dict[str, int] = field(default_factory=dict)
    hits: list[dict] = field(default_factory=list)
    near_misses: dict[str, list[dict]] = field(default_factory=dict)
    raw_files: dict[str, list[dict]] = field(default_factory=dict)
    raw_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    raw_truth: list[dict] = field(default_factory=list)
    params: dict = field(default_factory=lambda: copy.deepcopy(PARAMS))
    method: str = (
        "by construction: the background holds no anomaly of any model (see "
        "synth.background); every hit is planted. tests/analytics/engine/"
        "test_synth.py recomputes all seven models with plain DuckDB SQL over the "
        "Parquet files and requires exactly these hits."
    )

    def hits_for(self, model: str) -> list[dict]:
        return [h for h in self.hits if h["model"] == model]

    def expected(self, model: str) -> set[tuple[str, ...]]:
        """The evidence key tuples of a model's hits (primary dataset only)."""
        ds = PRIMARY[model][0]
        return {tuple(h["evidence"][ds]) for h in self.hits_for(model)}

    def near(self, model: str) -> set[tuple[str, ...]]:
        ds = PRIMARY[model][0]
        return {tuple(h["evidence"][ds]) for h in self.near_misses.get(model, [])}

    def to_dict(self) -> dict:
        return asdict(self)

    def save(self, path: str | Path):
        Path(path).write_text(
            json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
        )

    @classmethod
    def load(cls, path: str | Path) -> GroundTruth:
        return cls(**json.loads(Path(path).read_text(encoding="utf-8")))
