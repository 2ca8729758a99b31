"""The normalisers' shortcuts for already-clean text agree with their general path.

Each public normaliser first tests whether a text is already what it would return
(an 18-digit ID number with a valid check character, a plain decimal amount, an
ISO date, a name with nothing to fold) and only otherwise runs the general code:
both must give the same value, the same ``changed`` flag and the same error.
"""

from __future__ import annotations

from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from xietong.analytics.engine import normalize as n
from xietong.core.identifiers import PROVINCE_CODES, id_check_char, make_id_number


def outcome(fn, raw):
    """(value, type of value, changed) or the error message."""
    try:
        result = fn(raw)
    except n.NormalizationError as exc:
        return ("error", str(exc))
    # Decimal("1.5") == Decimal("1.50"): compare the text as well as the value.
    return (result.value, str(result.value), type(result.value), result.changed)


def same(public, general, raw) -> None:
    assert outcome(public, raw) == outcome(general, raw)


_DIGITS = "0123456789"


@st.composite
def id_like(draw):
    """Valid numbers and their near misses: one character off, other lengths,
    lower-case x, full-width, future or pre-1900 birth dates, unknown provinces."""
    region = draw(st.sampled_from(sorted(PROVINCE_CODES) + ["00", "99", "10"]))
    region += draw(st.text(_DIGITS, min_size=4, max_size=4))
    birth = draw(st.dates(min_value=date(1850, 1, 1), max_value=date(2099, 12, 31)))
    number = make_id_number(region, birth, draw(st.integers(0, 999)))
    edit = draw(st.sampled_from(["none", "digit", "check", "lower", "cut", "wide"]))
    if edit == "digit":
        i = draw(st.integers(0, 16))
        number = number[:i] + draw(st.sampled_from(_DIGITS)) + number[i + 1 :]
    elif edit == "check":
        number = number[:17] + draw(st.sampled_from(_DIGITS + "Xx"))
    elif edit == "lower":
        number = number.lower()
    elif edit == "cut":
        number = number[: draw(st.integers(0, 18))]
    elif edit == "wide":
        number = "".join(chr(ord(c) + 0xFEE0) for c in number)
    return number


@settings(max_examples=400)
@given(id_like())
@example("110101190002291234")  # 1900 was no leap year
@example("11010119000301123X")
@example("110101 19900101123")
def test_id_number_shortcut_agrees_with_the_general_path(raw):
    same(n.normalize_id_number, n._normalize_id_number, raw)


@given(st.text(_DIGITS, min_size=17, max_size=17))
def test_id_check_character_in_base_13_is_the_weighted_sum(first17):
    check = n.identifiers.ID_CHECK_CHARS[2 * int(first17, 13) % 11]
    assert check == id_check_char(first17)


@settings(max_examples=300)
@given(st.text(_DIGITS + " -０１９\u3000a", max_size=36))
@example("123456")
@example("12345")
@example("0" * 32)
@example("0" * 33)
def test_bank_account_shortcut_agrees_with_the_general_path(raw):
    same(n.normalize_bank_account, n._normalize_bank_account, raw)


@settings(max_examples=400)
@given(
    st.one_of(
        st.from_regex(r"-?[0-9]{1,18}(\.[0-9]{0,3})?", fullmatch=True),
        st.text(_DIGITS + ".,元 万-１", max_size=14),
    )
)
@example("0.00")
@example("00.50")
@example("1234.50")
@example("9999999999999999.99")
@example("1.5")
def test_amount_shortcut_agrees_with_the_general_path(raw):
    same(n.normalize_amount, n._normalize_amount, raw)


@settings(max_examples=300)
@given(
    st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(0, 9999),
        st.integers(0, 13),
        st.integers(0, 32),
    )
)
@example("2026-02-29")
@example("2024-02-29")
@example("0000-01-01")
def test_iso_date_shortcut_agrees_with_the_general_path(raw):
    same(n.normalize_date, n._normalize_date, raw)


# Simplified and traditional characters (and ones only a t2s phrase changes), the
# dots, whitespace, full-width letters and a combining mark.
_NAME_CHARS = (
    "张伟王芳陈明艾力买买提乾隆干後后發发張偉陳東·•・.．。 \u3000\tＡａA\u0301"
)


# No deadline: the first name loads OpenCC's tables.
@settings(max_examples=500, deadline=None)
@given(st.text(_NAME_CHARS, max_size=8))
@example("乾隆")
@example("王\u3000芳")
@example("·")
def test_person_name_shortcut_agrees_with_the_general_path(raw):
    same(n.normalize_person_name, n._normalize_person_name, raw)


def test_the_shortcuts_take_clean_text_and_only_that():
    number = make_id_number("410105", date(1975, 3, 9), 12)
    assert n._clean_id_number(number, None)
    assert not n._clean_id_number(number[:17] + "x", None)
    assert not n._clean_id_number(number, date(1975, 3, 8))  # born "tomorrow"
    assert n._clean_bank_account("6222020200112233")
    assert not n._clean_bank_account("6222 0202 0011")
    assert n._clean_name("王芳") and n._clean_name("艾力·买买提") is False
    assert not n._clean_name("張偉")
