"""Identifier rules: ID numbers, USCC, region codes and phone numbers."""

from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xietong.core.errors import ValidationError
from xietong.core.identifiers import (
    PROVINCE_CODES,
    USCC_ALPHABET,
    IdNumber,
    id_check_char,
    make_id_number,
    make_uscc,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    parse_id_number,
    region_level,
    region_parent_code,
    uscc_check_char,
    validate_region_code,
    validate_uscc,
)

DIGITS = "0123456789"

provinces = st.sampled_from(sorted(PROVINCE_CODES))
regions = st.builds(
    lambda p, rest: p + rest, provinces, st.text(DIGITS, min_size=4, max_size=4)
)
births = st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31))
seqs = st.integers(min_value=0, max_value=999)
valid_ids = st.builds(make_id_number, regions, births, seqs)


def full_width(text: str) -> str:
    """Turn ASCII letters and digits into their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


def reference_id_check(first17: str) -> str:
    """Independent spelling of GB 11643: weight of position i is 2^(17-i) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


# --- 身份证号码 -------------------------------------------------------------


def test_known_sample_number_parses():
    parsed = parse_id_number("11010519491231002X")
    assert parsed == IdNumber(
        number="11010519491231002X",
        region_code="110105",
        birth_date=date(1949, 12, 31),
        gender="F",
    )


def test_wrong_check_char_names_expected_and_actual():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105194912310021")
    assert exc.value.message == "身份证号码校验位错误：应为 X，实为 1"
    assert exc.value.fields == {"身份证号码": "身份证号码校验位错误：应为 X，实为 1"}


def test_custom_field_name_is_used():
    with pytest.raises(ValidationError) as exc:
        parse_id_number("110105194912310021", field="监护人身份证号码")
    assert exc.value.message.startswith("监护人身份证号码校验位错误")
    assert set(exc.value.fields) == {"监护人身份证号码"}


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("1101051949123100", "长度不对：应为 18 位（旧号码为 15 位），实为 16 位"),
        ("11010519491231002X1", "实为 19 位"),
        ("1101O5194912310021", "第 5 位含非法字符“O”"),
        ("张三", "第 1 位含非法字符“张”"),
        ("110105X94912310021", "第 7 位含非法字符“X”：只有第 18 位可以是 X"),
        ("11010549123100X", "15 位旧号码不含校验位"),
        ("990105194912310021", "前两位“99”不是有效的省级行政区划代码"),
        ("110105202302300021", "出生日期“20230230”无效：不是真实存在的日期"),
        ("440524188001010014", "出生日期“18800101”无效：年份早于 1900 年"),
    ],
)
def test_each_failure_has_precise_reason(raw, fragment):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(raw)
    assert exc.value.message.startswith("身份证号码")
    assert fragment in exc.value.message
    assert exc.value.fields["身份证号码"] == exc.value.message


def test_birth_date_in_future_is_rejected():
    number = make_id_number("110105", date(2030, 1, 1), 12)
    with pytest.raises(ValidationError) as exc:
        parse_id_number(number, today=date(2026, 1, 1))
    assert "出生日期“20300101”无效：晚于今天" in exc.value.message
    assert parse_id_number(number, today=date(2030, 1, 1)).birth_date == date(
        2030, 1, 1
    )


@given(st.text(DIGITS, min_size=17, max_size=17))
def test_check_char_matches_independent_formula(first17):
    assert id_check_char(first17) == reference_id_check(first17)


@given(regions, births, seqs)
def test_generated_id_round_trips(region, birth, seq):
    number = make_id_number(region, birth, seq)
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.region_code == region
    assert parsed.birth_date == birth
    assert parsed.gender == ("M" if seq % 2 else "F")


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from(DIGITS + "X"))
def test_any_single_character_change_is_rejected(number, pos, new):
    changed = number[:pos] + new + number[pos + 1 :]
    assume(changed != number)
    with pytest.raises(ValidationError):
        parse_id_number(changed)


@given(valid_ids, st.data())
def test_full_width_space_and_lowercase_variants_normalise(number, data):
    variant = number.lower()
    if data.draw(st.booleans(), label="full width"):
        variant = full_width(variant)
    cut = data.draw(st.integers(0, len(variant)), label="cut")
    space = data.draw(st.sampled_from([" ", "\u3000", "\t", "  "]), label="space")
    variant = f" {variant[:cut]}{space}{variant[cut:]}\n"
    assert normalize_id_number(variant) == number
    assert parse_id_number(variant).number == number


@given(
    regions,
    st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)),
    seqs,
)
def test_fifteen_digit_number_converts_to_eighteen(region, birth, seq):
    old = f"{region}{birth:%y%m%d}{seq:03d}"
    assert len(old) == 15
    new = make_id_number(region, birth, seq)
    parsed = parse_id_number(old)
    assert parsed.number == new
    assert parsed == parse_id_number(new)


def test_mask_keeps_first_six_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number(parse_id_number("11010519491231002X")) == (
        "110105********002X"
    )
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"


def test_make_id_number_rejects_bad_arguments():
    with pytest.raises(ValueError):
        make_id_number("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id_number("110105", date(1990, 1, 1), 1000)


# --- 统一社会信用代码 -------------------------------------------------------

alphabet_chars = st.sampled_from(USCC_ALPHABET)
letters = st.sampled_from([c for c in USCC_ALPHABET if c.isalpha()])
valid_usccs = st.builds(
    make_uscc,
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110000600037341L", "91110108551385082Q"]
)
def test_known_uscc_codes_validate(code):
    assert validate_uscc(code) == code


def test_uscc_check_char_formula():
    # (31 - Σ mod 31) mod 31 with Σ = 0 must give "0", not index 31.
    assert uscc_check_char("0" * 17) == "0"
    assert uscc_check_char("91350100M000100Y4") == "3"


@given(valid_usccs)
def test_generated_uscc_validates(code):
    assert len(code) == 18
    assert validate_uscc(code) == code


@given(letters, st.text(DIGITS, min_size=6, max_size=6))
def test_letter_in_first_position_is_allowed(first, region):
    code = make_uscc(first + "1", region, "MA01B2C3D")
    assert validate_uscc(code) == code


@given(
    valid_usccs,
    st.integers(min_value=0, max_value=17),
    st.sampled_from(USCC_ALPHABET + "IOSVZ"),
)
def test_any_single_character_substitution_is_rejected(code, pos, new):
    changed = code[:pos] + new + code[pos + 1 :]
    assume(changed != code)
    with pytest.raises(ValidationError):
        validate_uscc(changed)


@given(valid_usccs)
def test_uscc_normalises_case_width_and_spaces(code):
    variant = " " + full_width(code.lower()[:9]) + "\u3000" + code.lower()[9:]
    assert normalize_uscc(variant) == code
    assert validate_uscc(variant) == code


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "不能为空"),
        ("9135010", "长度不对：应为 18 位，实为 7 位"),
        ("91350100M000100I43", "第 16 位含非法字符“I”"),
        ("O1350100M000100Y43", "第 1 位含非法字符“O”"),
        ("9135A100M000100Y43", "第 5 位应为数字，实为“A”"),
        ("91350100M000100Y44", "校验位错误：应为 3，实为 4"),
    ],
)
def test_uscc_failures_name_position_and_reason(code, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.message.startswith("统一社会信用代码")
    assert fragment in exc.value.message
    assert set(exc.value.fields) == {"统一社会信用代码"}


# --- 行政区划代码 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("410000", "province", None),
        ("410100", "city", "410000"),
        ("410105", "county", "410100"),
        ("110105", "county", "110000"),  # 直辖市 district
        ("500230", "county", "500000"),
        ("419001", "county", "410000"),  # 省直辖县级市 济源
        ("410105001", "township", "410105"),
        ("410105001001", "village", "410105001"),
        ("410105001000", "township", "410105"),  # zero-padded statistical code
        ("410100000000", "city", "410000"),
        ("441900003", "township", "441900"),  # 东莞: towns directly under a city
    ],
)
def test_region_level_and_parent(code, level, parent):
    assert validate_region_code(code) == code
    assert region_level(code) == level
    assert region_parent_code(code) == parent


def test_region_code_is_normalised():
    assert validate_region_code(" ４１０１０５ ") == "410105"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "不能为空"),
        ("4101", "长度不对"),
        ("41010", "实为 5 位"),
        ("41A105", "含非法字符“A”"),
        ("990000", "前两位“99”不是有效的省级行政区划代码"),
    ],
)
def test_region_code_failures(code, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_region_code(code)
    assert exc.value.message.startswith("行政区划代码")
    assert fragment in exc.value.message


# --- 电话号码 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0371-12345678", "0371-12345678"),
        ("0371 1234567", "0371-1234567"),
        ("037112345678", "0371-12345678"),
        ("(010)87654321", "010-87654321"),
        ("021-62345678", "021-62345678"),
        ("+86 371 12345678", "0371-12345678"),
        ("+86 10 87654321", "010-87654321"),
    ],
)
def test_phone_numbers_normalise(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "不能为空"),
        ("12345678901", "格式不正确"),
        ("1381234567", "格式不正确"),
        ("138123456789", "格式不正确"),
        ("12345678", "格式不正确"),
        ("138abc45678", "含非法字符“a”"),
        ("+1 202 555 0123", "国际区号应为 +86"),
    ],
)
def test_bad_phone_numbers_are_rejected(raw, fragment):
    with pytest.raises(ValidationError) as exc:
        normalize_phone(raw, field="联系电话")
    assert exc.value.message.startswith("联系电话")
    assert fragment in exc.value.message
    assert set(exc.value.fields) == {"联系电话"}
