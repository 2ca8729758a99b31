"""Chinese identifiers: resident ID numbers, USCC, region codes and phone numbers.

Plain Python on purpose (no Django): forms, the API, importers and data generators
all share one set of rules and one set of Chinese error messages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from xietong.core.errors import ValidationError

# GB/T 2260 province-level codes (71 台湾, 81 香港, 82 澳门; 83 is used on
# 港澳台居民居住证, whose holders carry ID-style numbers starting with 83).
PROVINCE_CODES = frozenset(
    [str(n) for n in range(11, 16)]
    + [str(n) for n in range(21, 24)]
    + [str(n) for n in range(31, 38)]
    + [str(n) for n in range(41, 47)]
    + [str(n) for n in range(50, 55)]
    + [str(n) for n in range(61, 66)]
    + ["71", "81", "82", "83"]
)

# 直辖市: their districts hang directly under the province-level code, the
# "01/02" city segment being a bookkeeping artefact rather than a real city.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_INDEX = {c: i for i, c in enumerate(USCC_ALPHABET)}


def _fold(raw: str | None) -> str:
    """NFKC-fold and drop every whitespace character."""
    text = unicodedata.normalize("NFKC", raw or "")
    # str.split() without arguments splits on all Unicode whitespace.
    return "".join(text.split())


def _fail(field: str, reason: str) -> ValidationError:
    """Build the error so that message and field entry read the same."""
    message = f"{field}{reason}"
    return ValidationError(message, fields={field: message})


# ---------------------------------------------------------------------------
# 居民身份证号码 (GB 11643-1999)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IdNumber:
    """A parsed, valid 18-digit resident ID number."""

    number: str
    region_code: str
    birth_date: date
    gender: str  # "M" or "F"


def normalize_id_number(raw: str) -> str:
    """Fold full-width characters, drop whitespace and upper-case the check X."""
    return _fold(raw).upper()


def id_check_char(first17: str) -> str:
    """Return the GB 11643-1999 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("id_check_char needs exactly 17 ASCII digits")
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _is_digits(text: str) -> bool:
    # isdigit() alone accepts superscripts and other scripts' digits.
    return text.isascii() and text.isdigit()


def parse_id_number(
    raw: str, *, field: str = "身份证号码", today: date | None = None
) -> IdNumber:
    """Validate a 15- or 18-digit ID number and return it as an 18-digit IdNumber."""
    number = normalize_id_number(raw)
    if not number:
        raise _fail(field, "不能为空")
    for pos, ch in enumerate(number, start=1):
        if not (_is_digits(ch) or ch == "X"):
            raise _fail(field, f"第 {pos} 位含非法字符“{ch}”：只能是数字或校验位 X")
    if len(number) not in (15, 18):
        raise _fail(
            field, f"长度不对：应为 18 位（旧号码为 15 位），实为 {len(number)} 位"
        )
    x_pos = number.find("X") + 1
    if x_pos and (len(number) == 15 or x_pos != 18):
        where = "15 位旧号码不含校验位" if len(number) == 15 else "只有第 18 位可以是 X"
        raise _fail(field, f"第 {x_pos} 位含非法字符“X”：{where}")

    if len(number) == 15:
        # Old numbers carry a two-digit year of the 1900s and no check character.
        body = number[:6] + "19" + number[6:]
        given_check = None
    else:
        body = number[:17]
        given_check = number[17]

    province = body[:2]
    if province not in PROVINCE_CODES:
        raise _fail(field, f"前两位“{province}”不是有效的省级行政区划代码")

    birth_text = body[6:14]
    try:
        birth = date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
    except ValueError:
        raise _fail(
            field, f"中的出生日期“{birth_text}”无效：不是真实存在的日期"
        ) from None
    if birth.year < 1900:
        raise _fail(field, f"中的出生日期“{birth_text}”无效：年份早于 1900 年")
    if birth > (today or date.today()):
        raise _fail(field, f"中的出生日期“{birth_text}”无效：晚于今天")

    expected = id_check_char(body)
    if given_check is not None and given_check != expected:
        raise _fail(field, f"校验位错误：应为 {expected}，实为 {given_check}")

    full = body + expected
    gender = "M" if int(full[16]) % 2 == 1 else "F"
    return IdNumber(number=full, region_code=full[:6], birth_date=birth, gender=gender)


def make_id_number(region_code: str, birth: date, seq: int) -> str:
    """Build a valid 18-digit ID number (for generators and tests)."""
    if len(region_code) != 6 or not _is_digits(region_code):
        raise ValueError("region_code must be 6 digits")
    if not 0 <= seq <= 999:
        raise ValueError("seq must be within 0..999")
    first17 = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


def mask_id_number(number: str | IdNumber | None) -> str:
    """Mask an ID number for display: keep the first 6 and last 4 characters."""
    if isinstance(number, IdNumber):
        number = number.number
    text = normalize_id_number(number or "")
    if len(text) <= 10:
        # Too short to keep both ends without revealing (nearly) everything.
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


# ---------------------------------------------------------------------------
# 统一社会信用代码 (GB 32100-2015)
# ---------------------------------------------------------------------------


def normalize_uscc(raw: str) -> str:
    """Fold full-width characters, drop whitespace and upper-case."""
    return _fold(raw).upper()


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters."""
    if len(first17) != 17 or any(c not in _USCC_INDEX for c in first17):
        raise ValueError("uscc_check_char needs 17 characters from the USCC alphabet")
    total = sum(_USCC_INDEX[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str, *, field: str = "统一社会信用代码") -> str:
    """Validate a unified social credit code and return it normalised."""
    code = normalize_uscc(raw)
    if not code:
        raise _fail(field, "不能为空")
    if len(code) != 18:
        raise _fail(field, f"长度不对：应为 18 位，实为 {len(code)} 位")
    for pos, ch in enumerate(code, start=1):
        if ch not in _USCC_INDEX:
            raise _fail(
                field,
                f"第 {pos} 位含非法字符“{ch}”："
                "只能是数字或除 I、O、S、V、Z 以外的大写字母",
            )
    for pos in range(3, 9):
        ch = code[pos - 1]
        if not _is_digits(ch):
            raise _fail(
                field,
                f"第 {pos} 位应为数字，实为“{ch}”：第 3–8 位是登记管理机关行政区划码",
            )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise _fail(field, f"校验位错误：应为 {expected}，实为 {code[17]}")
    return code


def make_uscc(prefix2: str, region6: str, body9: str) -> str:
    """Build a valid USCC from its parts (for generators and tests)."""
    if len(prefix2) != 2 or len(body9) != 9:
        raise ValueError("prefix2 must have 2 and body9 9 characters")
    if len(region6) != 6 or not _is_digits(region6):
        raise ValueError("region6 must be 6 digits")
    first17 = (prefix2 + region6 + body9).upper()
    return first17 + uscc_check_char(first17)


# ---------------------------------------------------------------------------
# 行政区划代码 (GB/T 2260; 9/12-digit 统计用区划代码)
# ---------------------------------------------------------------------------


def validate_region_code(raw: str, *, field: str = "行政区划代码") -> str:
    """Validate a 6-, 9- or 12-digit region code and return it normalised."""
    code = _fold(raw)
    if not code:
        raise _fail(field, "不能为空")
    for ch in code:
        if not _is_digits(ch):
            raise _fail(field, f"含非法字符“{ch}”：只能是数字")
    if len(code) not in (6, 9, 12):
        raise _fail(
            field,
            "长度不对：应为 6 位（县级及以上）、9 位（乡级）或 12 位（村级），"
            f"实为 {len(code)} 位",
        )
    if code[:2] not in PROVINCE_CODES:
        raise _fail(field, f"前两位“{code[:2]}”不是有效的省级行政区划代码")
    return code


def region_level(code: str) -> str:
    """Return "province", "city", "county", "township" or "village" for a code."""
    code = validate_region_code(code)
    # Statistical codes are often zero-padded to 12 digits for every level, so the
    # level is where the last non-zero segment ends, not just the length.
    if len(code) == 12 and code[9:] != "000":
        return "village"
    if len(code) >= 9 and code[6:9] != "000":
        return "township"
    if code[2:6] == "0000":
        return "province"
    if code[4:6] == "00":
        return "city"
    return "county"


def region_parent_code(code: str) -> str | None:
    """Return the canonical (6/9-digit) code of the parent region, or None."""
    code = validate_region_code(code)
    level = region_level(code)
    if level == "village":
        return code[:9]
    if level == "township":
        # Towns under cities without counties (e.g. 东莞 441900) get the city.
        return code[:6]
    if level == "county":
        # 直辖市 districts and 省直辖县级行政单位 (city segment 90) belong to the
        # province itself; there is no real city in between.
        if code[:2] in MUNICIPALITIES or code[2:4] == "90":
            return code[:2] + "0000"
        return code[:4] + "00"
    if level == "city":
        return code[:2] + "0000"
    return None


# ---------------------------------------------------------------------------
# 电话号码
# ---------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# 010 and 02X are the only three-digit area codes; all others have four digits.
_LANDLINE_RE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))([1-9]\d{6,7})")


def normalize_phone(raw: str, *, field: str = "手机号码") -> str:
    """Return a mainland mobile (11 digits) or landline as "0371-12345678"."""
    text = _fold(raw)
    if not text:
        raise _fail(field, "不能为空")
    # Separators people commonly type; they carry no information.
    digits = re.sub(r"[-()（）.]", "", text)
    international = False
    if digits.startswith("+"):
        if not digits.startswith("+86"):
            raise _fail(field, f"“{text}”不是中国大陆号码：国际区号应为 +86")
        digits = digits[3:]
        international = True
    elif digits.startswith("0086"):
        digits = digits[4:]
        international = True
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
        international = True
    for ch in digits:
        if not _is_digits(ch):
            raise _fail(field, f"含非法字符“{ch}”：只能是数字、空格、连字符或 +86")
    if _MOBILE_RE.fullmatch(digits):
        return digits
    if international and not digits.startswith("0"):
        # After +86 the trunk prefix 0 of the area code is dropped.
        digits = "0" + digits
    match = _LANDLINE_RE.fullmatch(digits)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    raise _fail(
        field,
        f"格式不正确：“{text}”既不是 11 位手机号（如 13812345678），"
        "也不是带区号的固定电话（如 0371-12345678）",
    )
