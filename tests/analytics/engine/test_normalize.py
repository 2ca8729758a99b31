from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xietong.analytics.engine.normalize import (
    NormalizationError,
    normalize_amount,
    normalize_bank_account,
    normalize_company_name,
    normalize_date,
    normalize_datetime,
    normalize_id_number,
    normalize_month,
    normalize_person_name,
    normalize_ratio,
    normalize_row,
)
from xietong.core.identifiers import make_id_number

ID = make_id_number("330106", date(1949, 12, 31), 2)  # 330106194912310027


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# -- ID numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        full_width(ID),
        " ".join([ID[:6], ID[6:14], ID[14:]]),
        ID[:6] + "\u3000" + ID[6:],
        ID[:6] + ID[8:17],  # the old 15-digit form
    ],
)
def test_dirty_id_numbers_are_cleaned_and_reported(raw):
    assert normalize_id_number(raw) == (ID, True)


def test_clean_id_number_is_unchanged():
    assert normalize_id_number(ID) == (ID, False)


def test_lowercase_x_becomes_upper_case():
    number = next(
        n
        for seq in range(1000)
        if (n := make_id_number("330106", date(1970, 5, 6), seq)).endswith("X")
    )
    assert normalize_id_number(number.lower()) == (number, True)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (ID[:17] + "1", "校验位错误：应为 7，实为 1"),
        (ID[:16], "长度不对"),
        ("", "身份证号为空"),
        ("33010619491231002Y", "非法字符"),
    ],
)
def test_bad_id_numbers_are_refused_with_a_chinese_reason(raw, message):
    with pytest.raises(NormalizationError, match=message):
        normalize_id_number(raw)


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    seq=st.integers(0, 999),
    region=st.sampled_from(["110105", "330106", "650102", "440305"]),
)
def test_id_number_property_every_dirty_spelling_gives_the_same_number(
    born, seq, region
):
    number = make_id_number(region, born, seq)
    spellings = [
        number,
        number.lower(),
        full_width(number),
        f" {number[:6]} {number[6:]} ",
    ]
    for spelling in spellings:
        assert normalize_id_number(spelling).value == number
    # 15-digit numbers exist only for the 1900s; upgrading restores the check digit.
    assert normalize_id_number(number[:6] + number[8:17]).value == number


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    seq=st.integers(0, 999),
    wrong=st.sampled_from("0123456789X"),
)
def test_id_number_property_a_wrong_check_character_is_refused(born, seq, wrong):
    number = make_id_number("330106", born, seq)
    if wrong == number[17]:
        return
    with pytest.raises(NormalizationError, match="校验位错误"):
        normalize_id_number(number[:17] + wrong)


# -- names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "阿依古丽·买买提",
        "阿依古丽•买买提",
        "阿依古丽・买买提",
        "阿依古丽‧买买提",
        "阿依古丽 · 买买提",
    ],
)
def test_middle_dot_variants_become_one(raw):
    assert normalize_person_name(raw).value == "阿依古丽·买买提"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" 张 伟 ", "张伟"),
        ("王\u3000芳", "王芳"),
        ("張偉", "张伟"),
        ("劉國華", "刘国华"),
    ],
)
def test_names_lose_spaces_and_traditional_characters(raw, clean):
    assert normalize_person_name(raw) == (clean, True)


def test_a_clean_name_is_unchanged():
    assert normalize_person_name("张伟") == ("张伟", False)


# -- companies -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name", "branch"),
    [
        ("杭州明达科技有限公司", "杭州明达科技", None),
        ("杭州明达科技有限责任公司", "杭州明达科技", None),
        ("杭州明达科技", "杭州明达科技", None),
        ("浙江华信股份有限公司", "浙江华信", None),
        ("阿里巴巴（中国）有限公司", "阿里巴巴(中国)", None),
        ("某某建设集团有限公司杭州分公司", "某某建设", "杭州分公司"),
        ("某某有限公司（西湖分公司）", "某某", "西湖分公司"),
        ("杭州银行股份有限公司西湖支行", "杭州银行", "西湖支行"),
    ],
)
def test_company_names_reduce_to_the_head_entity(raw, name, branch):
    result = normalize_company_name(raw)
    assert (result.value, result.branch) == (name, branch)


# -- amounts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,234.50元", "1234.50"),
        ("１２３元", "123.00"),
        ("1.2万", "12000.00"),
        ("￥3,000", "3000.00"),
        (" 88 ", "88.00"),
        (12.5, "12.50"),
        (Decimal("7.005"), "7.01"),
        ("-50", "-50.00"),
    ],
)
def test_amounts(raw, value):
    assert normalize_amount(raw).value == Decimal(value)


def test_amount_already_clean_is_unchanged():
    assert normalize_amount("1234.50") == (Decimal("1234.50"), False)


@pytest.mark.parametrize("raw", ["abc", "1.2.3元", "万"])
def test_bad_amounts(raw):
    with pytest.raises(NormalizationError, match="金额"):
        normalize_amount(raw)


@pytest.mark.parametrize("raw", ["9" * 40, "1" + "0" * 16, "99999999999亿", -(10**17)])
def test_amounts_beyond_sixteen_integer_digits_are_a_row_error(raw):
    # Stored as decimal(18, 2); longer numbers once escaped as InvalidOperation.
    with pytest.raises(NormalizationError, match="超出范围"):
        normalize_amount(raw)
    assert normalize_amount("9" * 16).value == Decimal("9" * 16)


def test_share_ratio_is_a_fraction():
    assert normalize_ratio("30%").value == pytest.approx(0.3)
    assert normalize_ratio("30").value == pytest.approx(0.3)
    assert normalize_ratio(0.3).value == pytest.approx(0.3)


# -- dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2026-03-01",
        "2026/3/1",
        "20260301",
        "2026年3月1日",
        "2026.03.01",
        46082,
        "46082",
        "2026-03-01 00:00:00",
        datetime(2026, 3, 1, 9, 0),
    ],
)
def test_date_formats(raw):
    assert normalize_date(raw).value == date(2026, 3, 1)


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "yesterday", "12"])
def test_bad_dates(raw):
    with pytest.raises(NormalizationError):
        normalize_date(raw)


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31)))
def test_date_property_every_format_gives_the_same_day(day):
    serial = (day - date(1899, 12, 30)).days
    spellings = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day:%Y%m%d}",
        f"{day.year}年{day.month}月{day.day}日",
        serial,
        str(serial),
        full_width(day.isoformat()),
    ]
    for spelling in spellings:
        assert normalize_date(spelling).value == day


def test_datetimes():
    assert normalize_datetime("2026/3/1 22:30").value == datetime(2026, 3, 1, 22, 30)
    assert normalize_datetime(46082.9375).value == datetime(2026, 3, 1, 22, 30)
    assert normalize_datetime("2026-03-01T22:30:05").value == datetime(
        2026, 3, 1, 22, 30, 5
    )


def test_aware_datetimes_become_china_wall_clock():
    utc = datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert normalize_datetime(utc).value == datetime(2026, 3, 1, 22, 30)


@pytest.mark.parametrize(
    "raw", ["2026-03", "202603", "2026年3月", "2026/3", "2026-03-15"]
)
def test_months(raw):
    assert normalize_month(raw).value == "2026-03"


def test_bad_month():
    with pytest.raises(NormalizationError, match="月份"):
        normalize_month("2026-13")


# -- accounts and rows -----------------------------------------------------------


def test_bank_accounts_keep_digits_only():
    assert normalize_bank_account("6222 0212-3456 7890") == ("6222021234567890", True)
    assert normalize_bank_account("６２２２０２１２") == ("62220212", True)
    with pytest.raises(NormalizationError, match="非数字"):
        normalize_bank_account("6222abc")


def test_normalize_row_reports_changes_and_errors():
    result = normalize_row(
        "payroll",
        {
            "payroll_unit_name": "杭州市园林局",
            "id_number": ID[:6] + ID[8:17],
            "name": "張 偉",
            "month": "202603",
            "amount": "8,000元",
        },
    )
    assert result.errors == {}
    assert result.values["id_number"] == ID
    assert result.values["name"] == "张伟"
    assert result.values["month"] == "2026-03"
    assert result.values["amount"] == Decimal("8000.00")
    assert result.changed == ["id_number", "name", "month", "amount"]


def test_normalize_row_names_missing_required_values():
    result = normalize_row("officials", {"id_number": ID, "name": "陈明"})
    assert result.errors == {
        "unit_uscc": "单位统一社会信用代码（unit_uscc）或单位名称（unit_name）至少要填一项"
    }
    result = normalize_row("deaths", {"id_number": "123", "name": "王"})
    assert "身份证号" in result.errors["id_number"]
    assert result.errors["death_date"] == "死亡日期（death_date）为必填项，不能为空"
