"""Normalisers applied on import, so that the models compare like with like.

Each takes a raw cell (text, number, date) and returns ``Normalized(value, changed)``
or raises ``NormalizationError`` (a ``ValueError``) whose message, in Chinese, names
the problem. ``changed`` tells the import report that the value was cleaned (a
15-digit ID number, full-width digits, "1,234.50元" …), not merely re-typed.

Traditional characters are folded to simplified with OpenCC's ``t2s`` tables
(opencc-python-reimplemented, pure Python).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from xietong.analytics.engine.datasets import get_dataset
from xietong.core import identifiers
from xietong.core.errors import ValidationError
from xietong.core.identifiers import PROVINCE_CODES


class NormalizationError(ValueError):
    """A cell that cannot be cleaned; the message says why, in Chinese."""


class Normalized(NamedTuple):
    value: Any
    changed: bool


class CompanyName(NamedTuple):
    value: str  # the head entity's name without its legal-form suffix
    branch: str | None  # "杭州分公司" when the row names a branch
    changed: bool


_CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _fold(raw: Any) -> str:
    """NFKC (full-width to ASCII) and drop every kind of whitespace."""
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split())


def _require(raw: Any, what: str) -> None:
    if _blank(raw):
        raise NormalizationError(f"{what}为空")


# ---------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------


def normalize_id_number(raw: Any, *, today: date | None = None) -> Normalized:
    """An 18-digit ID number (GB 11643): 15-digit numbers upgraded, checksum checked."""
    if type(raw) is str and _clean_id_number(raw, today):
        return Normalized(raw, False)
    return _normalize_id_number(raw, today=today)


def _clean_id_number(raw: str, today: date | None) -> bool:
    """Whether ``raw`` already is what parse_id_number returns: most cells of a
    department's file are, and these checks cost a fraction of the general path."""
    if len(raw) != 18 or not raw.isascii() or not raw[:17].isdigit():
        return False
    check = raw[17]
    if not (check.isdigit() or check == "X") or raw[:2] not in PROVINCE_CODES:
        return False
    try:
        birth = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > (today or date.today()):
        return False
    # The weights are 2**(18-i) mod 11 and 13 = 2 (mod 11): the weighted sum is
    # twice the 17 digits read in base 13, modulo 11 (identifiers.id_check_char).
    return identifiers.ID_CHECK_CHARS[2 * int(raw[:17], 13) % 11] == check


def _normalize_id_number(raw: Any, *, today: date | None = None) -> Normalized:
    _require(raw, "身份证号")
    try:
        parsed = identifiers.parse_id_number(str(raw), field="身份证号", today=today)
    except ValidationError as exc:
        raise NormalizationError(exc.message) from None
    return Normalized(parsed.number, parsed.number != raw)


def normalize_uscc(raw: Any) -> Normalized:
    """A unified social credit code (GB 32100), checksum checked."""
    _require(raw, "统一社会信用代码")
    try:
        code = identifiers.validate_uscc(str(raw))
    except ValidationError as exc:
        raise NormalizationError(exc.message) from None
    return Normalized(code, code != raw)


def normalize_region_code(raw: Any) -> Normalized:
    """A 6-, 9- or 12-digit region code."""
    _require(raw, "行政区划代码")
    text = str(raw)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        text = str(int(raw))  # a spreadsheet turned the code into a number
    try:
        code = identifiers.validate_region_code(text)
    except ValidationError as exc:
        raise NormalizationError(exc.message) from None
    return Normalized(code, code != raw)


def normalize_bank_account(raw: Any) -> Normalized:
    """Digits only: spaces and hyphens between digit groups are dropped."""
    if type(raw) is str and _clean_bank_account(raw):
        return Normalized(raw, False)  # already clean: the general path agrees
    return _normalize_bank_account(raw)


def _clean_bank_account(raw: str) -> bool:
    return 6 <= len(raw) <= 32 and raw.isascii() and raw.isdigit()


def _normalize_bank_account(raw: Any) -> Normalized:
    _require(raw, "银行账号")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    text = re.sub(r"[-\s]", "", _fold(raw))
    bad = next((ch for ch in text if not ("0" <= ch <= "9")), None)
    if bad is not None:
        raise NormalizationError(f"银行账号“{raw}”含非数字字符“{bad}”")
    if not 6 <= len(text) <= 32:
        raise NormalizationError(f"银行账号“{raw}”长度不对：应为 6–32 位数字")
    return Normalized(text, text != raw)


def normalize_plate(raw: Any) -> Normalized:
    """A licence plate: full-width letters folded, upper case, no spaces or dots."""
    _require(raw, "车牌号")
    text = re.sub(r"[·.\-]", "", _fold(raw)).upper()
    return Normalized(text, text != raw)


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

# Every dot people put between the parts of a transliterated name.
_NAME_DOTS = "·•‧・･∙⋅●.．。・"
_DOT_RUN = re.compile("[" + re.escape(_NAME_DOTS) + "]+")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1 << 16)
def _to_simplified(text: str) -> str:
    if text.isascii():
        return text
    return _t2s().convert(text)


@lru_cache(maxsize=1)
def _name_unclean_chars() -> frozenset[str]:
    """Characters normalize_person_name removes or replaces: whitespace, the dots
    and every character of a t2s dictionary key (text without any is left as is)."""
    try:
        chain = _t2s()._dict_chain_data
        t2s = {
            ch
            for group in chain
            for _, _, table in group
            for key in table
            for ch in key
        }
    except (AttributeError, TypeError, ValueError):  # another OpenCC: no shortcut
        return frozenset(chr(n) for n in range(0x110000))
    spaces = (chr(n) for n in range(0x110000) if chr(n).isspace())
    return frozenset(t2s).union(_NAME_DOTS, spaces)


def _clean_name(raw: str) -> bool:
    """Whether normalize_person_name returns ``raw`` unchanged (the common case)."""
    return (
        raw != ""
        and _name_unclean_chars().isdisjoint(raw)
        and unicodedata.is_normalized("NFKC", raw)
    )


def normalize_person_name(raw: Any) -> Normalized:
    """A person's name: no whitespace, one kind of middle dot, simplified characters."""
    if type(raw) is str and _clean_name(raw):
        return Normalized(raw, False)
    return _normalize_person_name(raw)


def _normalize_person_name(raw: Any) -> Normalized:
    _require(raw, "姓名")
    text = "".join(str(raw).split())
    text = unicodedata.normalize("NFKC", text)
    text = _DOT_RUN.sub("·", text).strip("·")
    text = _to_simplified(text)
    if not text:
        raise NormalizationError(f"姓名“{raw}”不含任何文字")
    return Normalized(text, text != raw)


def normalize_unit_name(raw: Any) -> Normalized:
    """An organisation's name as written: whitespace gone, brackets half-width."""
    _require(raw, "单位名称")
    text = _to_simplified(_fold(raw))
    return Normalized(text, text != raw)


# Longest first: "股份有限公司" must not leave "股份" behind.
_LEGAL_FORMS = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "(普通合伙)",
    "(有限合伙)",
    "集团",
)
_BRANCH = re.compile(
    r"^(?P<head>.+(?:有限责任公司|股份有限公司|有限公司|公司|集团))"
    r"\(?(?P<branch>[^()]*?(?:分公司|分店|分部|营业部|办事处|分行|支行))\)?$"
)


def normalize_company_name(raw: Any) -> CompanyName:
    """A company's name reduced to its head entity without the legal-form suffix."""
    _require(raw, "企业名称")
    text = _to_simplified(_fold(raw))
    branch = None
    match = _BRANCH.match(text)
    if match:
        text, branch = match.group("head"), match.group("branch")
    for suffix in _LEGAL_FORMS:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    return CompanyName(text, branch, text != raw)


def normalize_gender(raw: Any) -> Normalized:
    """男 or 女 from the spellings of registers (1/2, M/F, 男性…)."""
    _require(raw, "性别")
    text = _fold(raw).lower()
    if text in {"男", "男性", "m", "male", "1"}:
        return Normalized("男", raw != "男")
    if text in {"女", "女性", "f", "female", "2"}:
        return Normalized("女", raw != "女")
    raise NormalizationError(f"性别“{raw}”无法识别：应为 男 或 女")


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

_CENT = Decimal("0.01")
_AMOUNT_NOISE = re.compile(r"(人民币|rmb|cny|元整|元|圆|[￥¥,\s])", re.IGNORECASE)
_SCALES = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# Already written as the normalised value would be: no leading zero, two places.
_AMOUNT_LIMIT = Decimal(10) ** 16
_PLAIN_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,15})\.[0-9][0-9]")


def normalize_amount(raw: Any) -> Normalized:
    """An amount in 元 as Decimal with two places: "1,234.50元", "１２３", "1.2万"."""
    if type(raw) is str and _PLAIN_AMOUNT.fullmatch(raw):
        return Normalized(Decimal(raw), False)
    return _normalize_amount(raw)


def _normalize_amount(raw: Any) -> Normalized:
    _require(raw, "金额")
    if isinstance(raw, bool):
        raise NormalizationError(f"金额“{raw}”无法识别")
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = _AMOUNT_NOISE.sub("", unicodedata.normalize("NFKC", str(raw)))
        scale = Decimal(1)
        if text and text[-1] in _SCALES:
            scale, text = _SCALES[text[-1]], text[:-1]
        try:
            value = Decimal(text) * scale
        except InvalidOperation:
            raise NormalizationError(f"金额“{raw}”无法识别为数字") from None
    if not value.is_finite():
        raise NormalizationError(f"金额“{raw}”无法识别为数字")
    # Amounts are stored as decimal(18, 2): at most 16 digits before the point.
    if value.copy_abs() >= _AMOUNT_LIMIT:
        raise NormalizationError(f"金额“{raw}”超出范围：整数部分最多 16 位")
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    changed = not isinstance(raw, Decimal | int) or cents != raw
    if isinstance(raw, str):
        changed = raw.strip() != format(cents, "f")
    return Normalized(cents, changed)


def normalize_ratio(raw: Any) -> Normalized:
    """A share as a fraction 0..1: "30%", "30" and "0.3" all give 0.3."""
    _require(raw, "持股比例")
    text = _fold(raw)
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise NormalizationError(f"持股比例“{raw}”无法识别为数字") from None
    if percent or value > 1:
        value = value / 100
    if not 0 <= value <= 1:
        raise NormalizationError(f"持股比例“{raw}”超出 0–100% 的范围")
    return Normalized(value, value != raw)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

# Excel's day 0 is 1899-12-30 once its fictitious 1900-02-29 is accounted for.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MIN, _EXCEL_MAX = 61, 73050  # 1900-03-01 .. 2099-12-31
_SEPARATED = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")
_SERIAL = re.compile(r"\d{1,5}(?:\.\d+)?")


def _excel_serial(value: float, raw: Any) -> datetime:
    if not _EXCEL_MIN <= value < _EXCEL_MAX + 1:
        raise NormalizationError(f"日期“{raw}”不是合理的 Excel 日期序号")
    days = int(value)
    seconds = round((value - days) * 86400)
    return datetime.combine(_EXCEL_EPOCH + timedelta(days=days), time()) + timedelta(
        seconds=seconds
    )


def _parse_moment(raw: Any, what: str) -> tuple[datetime, bool]:
    """Parse a date or date-time; the flag says whether a time of day was given."""
    _require(raw, what)
    if isinstance(raw, datetime):
        return raw, True
    if isinstance(raw, date):
        return datetime.combine(raw, time()), False
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        moment = _excel_serial(float(raw), raw)
        return moment, moment.time() != time()
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if _SERIAL.fullmatch(text):
        moment = _excel_serial(float(text), raw)
        return moment, moment.time() != time()
    match = _SEPARATED.fullmatch(text) or _COMPACT.fullmatch(text)
    if not match:
        raise NormalizationError(
            f"{what}“{raw}”无法识别：请用 2026-03-01、2026/3/1、20260301 或 2026年3月1日"
        )
    parts = [int(g) if g else 0 for g in match.groups()]
    try:
        moment = datetime(*parts[:3], *parts[3:6])
    except ValueError:
        raise NormalizationError(f"{what}“{raw}”不是真实存在的日期或时间") from None
    return moment, match.group(4) is not None


def normalize_date(raw: Any) -> Normalized:
    """A calendar date from the formats of DATASETS.md (and Excel serial numbers)."""
    if type(raw) is str and _ISO_DATE.fullmatch(raw):
        try:
            return Normalized(date(int(raw[:4]), int(raw[5:7]), int(raw[8:])), False)
        except ValueError:
            pass  # not a real day: the general path words the error
    return _normalize_date(raw)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _normalize_date(raw: Any) -> Normalized:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return Normalized(raw, False)
    moment, _ = _parse_moment(raw, "日期")
    if moment.tzinfo is not None:
        moment = _to_shanghai(moment)
    value = moment.date()
    return Normalized(value, not (isinstance(raw, str) and raw == value.isoformat()))


def normalize_datetime(raw: Any) -> Normalized:
    """A wall-clock time in China (no time zone), to the second."""
    if isinstance(raw, datetime) and raw.tzinfo is None:
        return Normalized(raw.replace(microsecond=0), raw.microsecond != 0)
    moment, _ = _parse_moment(raw, "时间")
    if moment.tzinfo is not None:
        moment = _to_shanghai(moment)
    value = moment.replace(microsecond=0)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return Normalized(value, not (isinstance(raw, str) and raw == text))


def _to_shanghai(moment: datetime) -> datetime:
    # China has kept UTC+8 without daylight saving since 1991.
    return moment.astimezone(_CHINA).replace(tzinfo=None)


_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?|(\d{4})(\d{2})")


def normalize_month(raw: Any) -> Normalized:
    """A month as "YYYY-MM": "2026-03", "202603", "2026年3月" or a date in it."""
    _require(raw, "月份")
    if isinstance(raw, date):
        return Normalized(f"{raw:%Y-%m}", True)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _MONTH.fullmatch(text)
    if match:
        year = int(match.group(1) or match.group(3))
        month = int(match.group(2) or match.group(4))
    else:
        try:
            day = normalize_date(raw).value
        except NormalizationError:
            raise NormalizationError(
                f"月份“{raw}”无法识别：请用 2026-03、202603 或 2026年3月"
            ) from None
        year, month = day.year, day.month
    if not (1 <= month <= 12 and 1900 <= year <= 2099):
        raise NormalizationError(f"月份“{raw}”不是真实存在的月份")
    value = f"{year:04d}-{month:02d}"
    return Normalized(value, value != raw)


def normalize_text(raw: Any) -> Normalized:
    """Free text: surrounding whitespace removed; blank becomes None."""
    if _blank(raw):
        return Normalized(None, raw is not None)
    text = str(raw).strip()
    return Normalized(text, text != raw)


NORMALIZERS = {
    "id_number": normalize_id_number,
    "uscc": normalize_uscc,
    "region_code": normalize_region_code,
    "bank_account": normalize_bank_account,
    "plate": normalize_plate,
    "person_name": normalize_person_name,
    "unit_name": normalize_unit_name,
    "company_name": normalize_company_name,
    "gender": normalize_gender,
    "amount": normalize_amount,
    "ratio": normalize_ratio,
    "date": normalize_date,
    "datetime": normalize_datetime,
    "month": normalize_month,
    "text": normalize_text,
}


def already_clean_test(normalizer: str, today: date) -> Callable[[str], bool] | None:
    """A test of the texts ``normalizer`` returns unchanged (changed False), far
    cheaper than normalising them; most cells of a department's file pass it.

    ID numbers are checked against ``today`` rather than the clock: a test made
    before midnight refuses a birth date the normaliser accepts after it, never the
    other way round."""
    if normalizer == "id_number":
        return lambda raw: _clean_id_number(raw, today)
    if normalizer == "bank_account":
        return _clean_bank_account
    if normalizer == "person_name":
        return _clean_name
    return None


class RowResult(NamedTuple):
    values: dict[str, Any]  # standard columns (and "<column>_branch" for companies)
    changed: list[str]  # columns whose value was cleaned
    errors: dict[str, str]  # column -> Chinese message


def normalize_row(dataset: str, row: dict[str, Any]) -> RowResult:
    """Normalise one row already keyed by standard column names."""
    spec = get_dataset(dataset)
    values: dict[str, Any] = {}
    changed: list[str] = []
    errors: dict[str, str] = {}
    required = {g[0] for g in spec.required if len(g) == 1}
    for column in spec.columns:
        raw = row.get(column.name)
        if _blank(raw):
            values[column.name] = None
            if column.name in required:
                errors[column.name] = (
                    f"{column.label}（{column.name}）为必填项，不能为空"
                )
            continue
        try:
            result = NORMALIZERS[column.normalizer](raw)
        except NormalizationError as exc:
            values[column.name] = None
            errors[column.name] = str(exc)
            continue
        values[column.name] = result.value
        if isinstance(result, CompanyName):
            values[f"{column.name}_branch"] = result.branch
        if result.changed:
            changed.append(column.name)
    for group in spec.required:
        if len(group) > 1 and all(values.get(n) is None for n in group):
            if not any(n in errors for n in group):
                errors[group[0]] = f"{spec.describe_group(group)}至少要填一项"
    return RowResult(values, changed, errors)
