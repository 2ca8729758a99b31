"""Scope (一键抓取): input filters applied on load, the same on DuckDB and Spark."""

from __future__ import annotations

import threading
import time

import pytest

from xietong.analytics.engine import (
    RunCancelled,
    check_scope,
    hit_identity,
    run_models,
)
from xietong.analytics.engine.duckdb_backend import DuckDBBackend
from xietong.analytics.engine.runner import _region_prefix, watch_cancel

from .world import CALENDAR, JIAOYU

SCOPES = {
    "region": {"region_code": "330108"},
    "city": {"region_code": "330100"},
    "garden_bureau": {"target_unit": {"name": "杭州市園林局"}},  # traditional 園
    "city_management": {"target_unit": {"name": "杭州市城管局", "uscc": ""}},
    "education_by_uscc": {"target_unit": {"name": "", "uscc": JIAOYU}},
    "civil_affairs": {"target_unit": {"name": "杭州市西湖区民政局有限公司"}},
}


def _ids(hits, model=None):
    return {hit_identity(h) for h in hits if model is None or h["model"] == model}


@pytest.fixture(scope="module")
def whole(world_dir):
    return run_models(world_dir, calendar=CALENDAR)


def _run(world_dir, scope, **kw):
    return run_models(world_dir, calendar=CALENDAR, scope=scope, **kw)


def test_check_scope_accepts_the_three_forms_and_refuses_the_rest():
    assert check_scope(None) == {} and check_scope({}) == {}
    assert check_scope({"region_code": " 410105 "}) == {"region_code": "410105"}
    target = check_scope({"target_unit": {"name": " 金水区教育局 ", "uscc": ""}})
    assert target == {"target_unit": {"name": "金水区教育局", "uscc": ""}}
    for bad, words in (
        ({"region_code": "41A1"}, "行政区划代码“41A1”无效"),
        ({"region_code": "4"}, "2–12 位数字"),
        ({"target_unit": {"name": "", "uscc": ""}}, "至少要有名称或统一社会信用代码"),
        ({"target_unit": {"uscc": "91330106000000000X"}}, "统一社会信用代码"),
        ({"unit": "x"}, "不认识：unit"),
        ({"region_code": "41", "target_unit": {"name": "x"}}, "之一"),
    ):
        with pytest.raises(ValueError, match=words):
            check_scope(bad)


def test_region_prefix_drops_whole_zero_levels_only():
    assert _region_prefix("410000") == "41"
    assert _region_prefix("410100") == "4101"
    assert _region_prefix("410105") == "410105"
    assert _region_prefix("410105001000") == "410105001"
    assert _region_prefix("4101") == "4101"


def test_region_scope_keeps_only_the_payments_of_the_region(world_dir, whole):
    hits = _run(world_dir, SCOPES["region"])
    # D10 (钱多多, 330108001) is the only payment of 330108; registers stay whole so
    # her death registered in the county is still seen.
    assert _ids(hits, "death_payment") == {("death_payment", ("D10",))}
    assert ("death_payment", ("D10",)) in _ids(whole)
    assert not _ids(hits, "duplicate_payment") and not _ids(hits, "relative_welfare")
    # Datasets without a region code are not narrowed.
    for model in ("vehicle_misuse", "split_purchase", "double_payroll"):
        assert _ids(hits, model) == _ids(whole, model), model


def test_a_city_code_means_every_county_of_the_city(world_dir):
    hits = _run(world_dir, SCOPES["city"])
    assert ("death_payment", ("D10",)) in _ids(hits, "death_payment")


def test_target_unit_keeps_its_staff_with_their_pay_from_other_units(world_dir, whole):
    garden = _run(world_dir, SCOPES["garden_bureau"])
    assert _ids(garden, "double_payroll") == _ids(whole, "double_payroll")
    assert not _ids(garden, "death_payment") and not _ids(garden, "split_purchase")
    assert not _ids(garden, "vehicle_misuse")
    # 城管局 named without its USCC: only 吴强 is on its payroll; paid also by 园林局.
    city = _run(world_dir, SCOPES["city_management"])
    persons = {h["subject"]["name"] for h in city if h["model"] == "double_payroll"}
    assert persons == {"吴强"}


def test_target_unit_by_uscc_keeps_its_contracts(world_dir, whole):
    hits = _run(world_dir, SCOPES["education_by_uscc"])
    assert _ids(hits, "split_purchase") == _ids(whole, "split_purchase")
    assert {h["model"] for h in hits} <= {"split_purchase", "supplier_conflict"}
    for hit in hits:
        assert all(
            k == "K3" or k.startswith("S") for k in hit["evidence"]["contracts"]
        ), hit


def test_target_unit_names_compare_after_company_name_normalisation(world_dir, whole):
    hits = _run(world_dir, SCOPES["civil_affairs"])
    for model in ("death_payment", "duplicate_payment", "vehicle_misuse"):
        assert _ids(hits, model) == _ids(whole, model), model
    assert not _ids(hits, "split_purchase")  # 教育局's contracts are out


def test_an_unknown_target_unit_leaves_nothing(world_dir):
    assert _run(world_dir, {"target_unit": {"name": "不存在的单位"}}) == []


def test_progress_is_reported_before_each_model_and_at_the_end(world_dir):
    seen = []
    run_models(
        world_dir,
        models=["death_payment", "vehicle_misuse"],
        calendar=CALENDAR,
        on_progress=lambda done, total, key: seen.append((done, total, key)),
    )
    assert seen == [(0, 2, "death_payment"), (1, 2, "vehicle_misuse"), (2, 2, None)]


def test_should_cancel_between_models_stops_the_run(world_dir):
    seen = []

    def progress(done, total, key):
        seen.append(key)

    with pytest.raises(RunCancelled):
        run_models(
            world_dir,
            calendar=CALENDAR,
            on_progress=progress,
            should_cancel=lambda: len(seen) >= 2,
        )
    assert len(seen) == 2  # the second model never ran


def test_a_cancel_interrupts_a_long_duckdb_query():
    flag = threading.Event()
    backend = DuckDBBackend(memory_limit="256MB", threads=1)
    try:
        threading.Timer(0.3, flag.set).start()
        started = time.monotonic()
        with pytest.raises(Exception, match="(?i)interrupt"):
            with watch_cancel(backend, flag.is_set, interval=0.05):
                backend.query(
                    "SELECT count(*) FROM range(100000000) a, range(100000) b "
                    "WHERE a.range + b.range < 0"
                )
        assert time.monotonic() - started < 10
    finally:
        backend.close()


@pytest.mark.spark
@pytest.mark.parametrize("name", list(SCOPES))
def test_scopes_give_identical_hits_on_spark(world_dir, spark, name):
    duck = _run(world_dir, SCOPES[name])
    on_spark = _run(world_dir, SCOPES[name], engine="spark", spark=spark)
    assert on_spark == duck
