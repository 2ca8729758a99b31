from datetime import date, datetime
from decimal import Decimal

import pytest

from xietong.analytics.engine import DATASETS, get_dataset, map_headers, row_key


def test_the_ten_standard_datasets_of_datasets_md():
    assert list(DATASETS) == [
        "residents",
        "deaths",
        "officials",
        "relatives",
        "companies",
        "shareholders",
        "contracts",
        "payments",
        "payroll",
        "vehicles_use",
    ]
    assert DATASETS["payments"].label == "资金拨付/补贴发放"
    assert DATASETS["payments"].column("amount").type == "decimal"
    assert DATASETS["vehicles_use"].column("start_time").type == "datetime"


def test_unknown_dataset_is_named_in_chinese():
    with pytest.raises(KeyError, match="未知的数据集“salaries”"):
        get_dataset("salaries")


@pytest.mark.parametrize(
    "header",
    ["身份证号", "公民身份号码", "身份证号码", "证件号码", "ID_NUMBER", " 身份证号 "],
)
def test_id_number_headers(header):
    result = map_headers("residents", [header, "姓名"])
    assert result.mapping == {header: "id_number", "姓名": "name"}
    assert result.ok


def test_chinese_headers_of_a_payments_file_map_without_renaming():
    headers = [
        "发放流水号",
        "项目",
        "姓名",
        "身份证号",
        "银行卡号",
        "发放金额（元）",
        "发放日期",
        "备注",
    ]
    result = map_headers("payments", headers)
    assert result.mapping == {
        "发放流水号": "payment_id",
        "项目": "program",
        "姓名": "payee_name",
        "身份证号": "payee_id_number",
        "银行卡号": "bank_account",
        "发放金额（元）": "amount",
        "发放日期": "pay_date",
    }
    assert result.extra == ["备注"]
    assert result.ok


def test_english_standard_headers_map_to_themselves():
    spec = DATASETS["contracts"]
    result = spec.map_headers(list(spec.column_names))
    assert result.mapping == {n: n for n in spec.column_names}


def test_missing_required_column_is_named():
    result = map_headers("deaths", ["身份证号", "姓名"])
    assert result.missing == [("death_date",)]
    assert (
        result.missing_message()
        == "死亡登记（deaths）缺少必填列：死亡日期（death_date）。"
    )


def test_one_of_group_is_satisfied_by_either_column():
    assert map_headers("officials", ["身份证号", "姓名", "单位名称"]).ok
    assert map_headers("officials", ["身份证号", "姓名", "统一社会信用代码"]).ok
    result = map_headers("officials", ["身份证号", "姓名", "职务"])
    assert result.missing == [("unit_uscc", "unit_name")]
    assert "单位统一社会信用代码（unit_uscc）或单位名称（unit_name）" in (
        result.missing_message()
    )


def test_a_second_header_for_the_same_column_is_kept_as_extra():
    result = map_headers("residents", ["身份证号", "证件号码", "姓名"])
    assert result.mapping == {"身份证号": "id_number", "姓名": "name"}
    assert result.extra == ["证件号码"]


def test_relatives_tell_the_official_from_the_relative():
    result = map_headers(
        "relatives", ["干部身份证号", "亲属姓名", "身份证号", "与本人关系"]
    )
    assert result.mapping == {
        "干部身份证号": "official_id_number",
        "亲属姓名": "relative_name",
        "身份证号": "relative_id_number",
        "与本人关系": "relation",
    }


def test_row_keys():
    assert row_key("payments", {"payment_id": "P1"}) == "P1"
    assert row_key(
        "relatives", {"official_id_number": "A", "relative_name": "刘芳"}
    ) == ("A|刘芳")
    assert row_key("shareholders", {"uscc": "U", "holder_name": "刘芳"}) == "U|刘芳"
    trip = {"plate": "浙A00001", "start_time": datetime(2026, 3, 1, 22, 30)}
    assert row_key("vehicles_use", trip) == "浙A00001|2026-03-01 22:30:00"


def test_payroll_key_takes_the_unit_uscc_else_its_name():
    row = {"payroll_unit_uscc": "U1", "payroll_unit_name": "园林局"}
    row |= {"id_number": "X", "month": "2026-03"}
    assert row_key("payroll", row) == "U1|X|2026-03"
    row["payroll_unit_uscc"] = None
    assert row_key("payroll", row) == "园林局|X|2026-03"


def test_key_values_are_formatted_stably():
    assert row_key("contracts", {"contract_id": Decimal("12.50")}) == "12.50"
    assert row_key("contracts", {"contract_id": date(2026, 3, 1)}) == "2026-03-01"
