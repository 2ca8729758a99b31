"""Turning a model's result rows into hits does not depend on the engine's row order."""

from datetime import date, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xietong.analytics.engine import get_model, resolve_params
from xietong.analytics.engine.runner import assemble_hits


def _split_row(anchor: str, contract: str, day: int, n: int, total: str) -> dict:
    return {
        "hit_group": anchor,
        "contracts__contract_id": contract,
        "confidence": 1.0,
        "matched_on": "buyer_unit,supplier,sign_date",
        "buyer_unit_name": "某县教育局",
        "supplier_name": "某某科技有限公司",
        "amount": Decimal("400000.00"),
        "sign_date": date(2026, 3, day),
        "n": n,
        "total": Decimal(total),
        "anchor_date": date(2026, 3, 1 if anchor == "C1" else 2),
        "last_date": date(2026, 3, 20),
    }


# Two windows (anchors C1 and C2) holding the same three contracts: one finding,
# whose reason must come from the same window whatever the order; and a second
# finding of its own.
SPLIT_ROWS = [
    *(
        _split_row("C1", c, d, 3, "1200000")
        for c, d in (("C1", 1), ("C2", 2), ("C3", 20))
    ),
    *(
        _split_row("C2", c, d, 3, "1200000.00")
        for c, d in (("C1", 1), ("C2", 2), ("C3", 20))
    ),
    *(_split_row("C7", c, d, 2, "1100000") for c, d in (("C7", 5), ("C8", 6))),
]
# Rows of one hit that disagree (here on the fields that matched): the hit lists
# them in one order whatever the engine's.
SPLIT_ROWS[-1] = {**SPLIT_ROWS[-1], "matched_on": "supplier,buyer_unit"}

TRIPS = [
    {
        "vehicles_use__plate": plate,
        "vehicles_use__start_time": datetime(2026, 3, 7, hour, 15),
        "subject_id_number": None,
        "subject_name": None,
        "confidence": 1.0,
        "matched_on": "start_time,purpose",
        "unit_name": "某县财政局",
        "driver_name": driver,
        "weekday": 5,
        "day_kind": None,
        "day_name": None,
        "day_off": True,
        "at_night": hour >= 22,
    }
    for plate, hour, driver in (("豫A00001", 23, "王强"), ("豫A00002", 9, None))
]


def _assemble(key: str, rows: list[dict]) -> list[dict]:
    return assemble_hits(get_model(key), rows, resolve_params(key, None))


@settings(max_examples=60, deadline=None)
@given(st.permutations(SPLIT_ROWS))
def test_grouped_hits_do_not_depend_on_row_order(rows):
    hits = _assemble("split_purchase", rows)
    assert hits == _assemble("split_purchase", SPLIT_ROWS)
    assert [h["evidence"]["contracts"] for h in hits] == [
        ["C1", "C2", "C3"],
        ["C7", "C8"],
    ]
    # The merged finding reads the window of the first row in the fixed order.
    assert "2026-03-01至2026-03-20" in hits[0]["reason"]
    assert hits[1]["matched_on"] == ["buyer_unit", "supplier", "sign_date"]


@settings(max_examples=20, deadline=None)
@given(st.permutations(TRIPS))
def test_one_row_hits_do_not_depend_on_row_order(rows):
    hits = _assemble("vehicle_misuse", rows)
    assert hits == _assemble("vehicle_misuse", TRIPS)
    assert [h["evidence"]["vehicles_use"] for h in hits] == [
        ["豫A00001|2026-03-07 23:15:00"],
        ["豫A00002|2026-03-07 09:15:00"],
    ]
    assert "2026-03-07 23:15" in hits[0]["reason"] and "驾驶员王强" in hits[0]["reason"]
