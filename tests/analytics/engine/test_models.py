"""Each built-in model on DuckDB over the hand-built world: exact hits, near misses."""

import pytest

from xietong.analytics.engine import hit_identity, run_models

from . import world as w
from .world import CALENDAR


def run(world_dir, model, **params):
    return run_models(
        world_dir,
        models=[model],
        params={model: params} if params else None,
        calendar=CALENDAR,
    )


def keys(hits):
    """The primary evidence keys of each hit, as sorted tuples."""
    return sorted(hit_identity(h)[1] for h in hits)


def by_key(hits):
    return {hit_identity(h)[1]: h for h in hits}


# -- 死亡冒领 -------------------------------------------------------------------


def test_death_payment_hits(world_dir):
    hits = by_key(run(world_dir, "death_payment"))
    # D1 is 31 days after death (within the grace), D3 before it; D8 names one of
    # two 张伟 of the county; D9 an account nobody is known by.
    assert sorted(hits) == [("D10",), ("D2",), ("D4",), ("D6",)]
    d2 = hits[("D2",)]
    assert d2["evidence"] == {"deaths": [w.WANG], "payments": ["D2"]}
    assert d2["subject"] == {"id_number": w.WANG, "name": "王建国"}
    assert d2["confidence"] == 1.0
    assert d2["matched_on"] == ["id_number"]
    assert "2026-01-10登记死亡" in d2["reason"]
    assert "距死亡 32 天，超过 31 天的宽限期" in d2["reason"]


def test_death_payment_links_payees_without_id_by_a_second_field(world_dir):
    hits = by_key(run(world_dir, "death_payment"))
    assert hits[("D4",)]["subject"]["id_number"] == w.LI
    assert hits[("D4",)]["matched_on"] == ["name", "bank_account"]
    assert hits[("D4",)]["confidence"] == 0.95
    # 赵志钢 on the payment, 赵志刚 on the row that knows the account.
    assert hits[("D6",)]["subject"] == {"id_number": w.ZHAO, "name": "赵志刚"}
    assert hits[("D6",)]["matched_on"] == ["name_similar", "bank_account"]
    assert hits[("D6",)]["confidence"] == 0.85
    assert hits[("D10",)]["matched_on"] == ["name", "region_code"]
    assert hits[("D10",)]["confidence"] == 0.7


def test_death_payment_grace_days(world_dir):
    assert ("D1",) in keys(run(world_dir, "death_payment", grace_days=30))
    assert ("D1",) not in keys(run(world_dir, "death_payment", grace_days=31))
    assert ("D2",) not in keys(run(world_dir, "death_payment", grace_days=32))
    assert ("D3",) in keys(run(world_dir, "death_payment", grace_days=0))


# -- 优亲厚友 -------------------------------------------------------------------


def test_relative_welfare_hits(world_dir):
    hits = by_key(run(world_dir, "relative_welfare"))
    # W2 is a pension, W4's payee has no ID number, W5 is another 刘芳.
    assert sorted(hits) == [("W1",), ("W3",)]
    w1 = hits[("W1",)]
    assert w1["evidence"] == {
        "officials": [w.CHEN],
        "payments": ["W1"],
        "relatives": [f"{w.CHEN}|刘芳"],
    }
    assert w1["subject"] == {"id_number": w.LIU, "name": "刘芳"}
    assert "科长陈明的配偶" in w1["reason"]
    assert "城市低保" in w1["reason"]
    assert hits[("W3",)]["evidence"] == {"officials": [w.CHEN], "payments": ["W3"]}
    assert "公职人员本人" in hits[("W3",)]["reason"]


def test_relative_welfare_programs(world_dir):
    assert keys(run(world_dir, "relative_welfare", programs=["养老"])) == [("W2",)]
    assert keys(run(world_dir, "relative_welfare", programs=["特困"])) == [("W3",)]


# -- 利益输送 -------------------------------------------------------------------


def test_supplier_conflict_hits(world_dir):
    hits = by_key(run(world_dir, "supplier_conflict"))
    # K3: another unit buys; K4: the supplier's 刘芳 is someone else; K5: 0 %.
    assert sorted(hits) == [("K1",), ("K2",)]
    assert hits[("K1",)]["evidence"] == {
        "companies": [w.MINGDA],
        "contracts": ["K1"],
        "officials": [w.CHEN],
    }
    assert "法定代表人陈明" in hits[("K1",)]["reason"]
    # K2 names buyer and supplier without codes: the supplier is found by name.
    assert hits[("K2",)]["evidence"] == {
        "contracts": ["K2"],
        "officials": [w.CHEN],
        "relatives": [f"{w.CHEN}|刘芳"],
        "shareholders": [f"{w.HUAXIN}|刘芳"],
    }
    assert "股东（持股 30.00%）刘芳" in hits[("K2",)]["reason"]
    assert "科长陈明的配偶" in hits[("K2",)]["reason"]


# -- 化整为零 -------------------------------------------------------------------


def test_split_purchase_hits(world_dir):
    hits = by_key(run(world_dir, "split_purchase"))
    assert sorted(hits) == [("S01", "S02", "S03"), ("S10", "S11", "S12")]
    reason = hits[("S01", "S02", "S03")]["reason"]
    assert "29 天内签订 3 份合同" in reason
    assert "合计 1,100,000.00元" in reason


def test_split_purchase_window_and_count(world_dir):
    wider = keys(run(world_dir, "split_purchase", window_days=31))
    assert ("S04", "S05") in wider
    three = keys(run(world_dir, "split_purchase", min_count=3))
    assert three == [("S01", "S02", "S03"), ("S10", "S11", "S12")]
    assert keys(run(world_dir, "split_purchase", min_count=4)) == []
    lower = keys(run(world_dir, "split_purchase", threshold="600000"))
    assert ("S08", "S09") in lower


# -- 一人多岗 / 吃空饷 ----------------------------------------------------------


def test_double_payroll_hits(world_dir):
    hits = by_key(run(world_dir, "double_payroll"))
    two_units = (f"{w.PAYROLL_A}|{w.WU}|2026-03", f"杭州市城管局|{w.WU}|2026-03")
    after_death = (f"{w.PAYROLL_A}|{w.MA}|2026-03",)
    # 何平 is paid twice by one unit, named with and without its code: no hit.
    # 马超 is paid for his month of death (2026-02): no hit for that month.
    assert sorted(hits) == sorted([two_units, after_death])
    assert "同时从 2 个单位领取工资" in hits[two_units]["reason"]
    assert hits[after_death]["evidence"]["deaths"] == [w.MA]
    assert "2026-02-15登记死亡" in hits[after_death]["reason"]


# -- 重复支付 -------------------------------------------------------------------


def test_duplicate_payment_hits(world_dir):
    hits = by_key(run(world_dir, "duplicate_payment"))
    # X7/X8 share an account but are one person (冯宝玉 is 冯宝宝 misspelt on a row
    # without ID number, tied by the account): no hit. D4/D5 likewise.
    assert sorted(hits) == [("X1", "X2"), ("X5", "X6")]
    assert hits[("X1", "X2")]["subject"]["id_number"] == w.ZHOU
    assert "共 2 笔" in hits[("X1", "X2")]["reason"]
    assert "subject" not in hits[("X5", "X6")]
    assert (
        "收到 2 个不同人员的 2 笔款项（收款人：郑一、郑二）"
        in hits[("X5", "X6")]["reason"]
    )


# -- 公车私用 -------------------------------------------------------------------


def test_vehicle_misuse_hits(world_dir):
    hits = by_key(run(world_dir, "vehicle_misuse"))
    assert sorted(hits) == [
        ("浙A00001|2026-01-01 10:00:00",),  # 元旦
        ("浙A00001|2026-03-10 22:30:00",),  # night
        ("浙A00001|2026-03-11 05:59:00",),  # before six
        ("浙A00001|2026-03-14 09:00:00",),  # Saturday
        ("浙A00002|2026-03-14 10:00:00",),  # Saturday, blank purpose
    ]
    # Not hits: the make-up working Saturday 2026-02-14, the night trip with a
    # purpose, 06:00 and 21:59 on a weekday.
    assert "元旦放假期间" in hits[("浙A00001|2026-01-01 10:00:00",)]["reason"]
    assert "周六休息日" in hits[("浙A00001|2026-03-14 09:00:00",)]["reason"]
    assert "夜间" in hits[("浙A00001|2026-03-10 22:30:00",)]["reason"]


def test_vehicle_misuse_without_a_calendar_treats_every_saturday_as_off(world_dir):
    hits = run_models(world_dir, models=["vehicle_misuse"], calendar=[])
    assert ("浙A00001|2026-02-14 10:00:00",) in keys(hits)


def test_vehicle_misuse_uses_the_shipped_official_calendar_by_default(world_dir):
    hits = run_models(world_dir, models=["vehicle_misuse"])
    assert ("浙A00001|2026-02-14 10:00:00",) not in keys(hits)
    assert ("浙A00001|2026-01-01 10:00:00",) in keys(hits)


# -- the whole catalogue --------------------------------------------------------


def test_all_models_run_by_default_and_results_are_sorted(world_dir):
    hits = run_models(world_dir, calendar=CALENDAR)
    models = [h["model"] for h in hits]
    order = [
        "death_payment",
        "relative_welfare",
        "supplier_conflict",
        "split_purchase",
        "double_payroll",
        "duplicate_payment",
        "vehicle_misuse",
    ]
    assert sorted(set(models), key=order.index) == order
    assert models == sorted(models, key=order.index)
    assert len(hits) == len({hit_identity(h) for h in hits}) == 19
    for hit in hits:
        assert 0 < hit["confidence"] <= 1
        assert hit["reason"].endswith("。")
        assert set(hit) <= {
            "model",
            "evidence",
            "subject",
            "reason",
            "confidence",
            "matched_on",
        }


@pytest.mark.parametrize("missing", ["deaths", "payments", "residents"])
def test_a_missing_dataset_is_an_empty_one(world_dir, missing):
    sources = {p.stem: p for p in world_dir.glob("*.parquet") if p.stem != missing}
    hits = run_models(sources, models=["death_payment"], calendar=CALENDAR)
    expected = {"deaths": [], "payments": [], "residents": [("D2",), ("D4",), ("D6",)]}
    assert keys(hits) == expected[missing]
