"""The ten standard datasets of the supervision models (shared/DATASETS.md).

Each dataset knows its columns (name, Chinese label, type, normaliser, header aliases),
which columns are required (a group of several means "one of them"), and how to
build the key string of a row. The row key is the contract with the data generator,
the CLI and the web app: a hit names its evidence rows by these keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

ColumnType = Literal["str", "date", "datetime", "decimal", "int", "float"]

# Header spellings shared by several datasets, space-separated.
ID = (
    "身份证号 身份证号码 公民身份号码 居民身份证号码 身份证件号码 证件号码 证件号 身份证"
    " sfzh idcard id_no idno"
)
NAME = "姓名 名字 人员姓名 xm"
USCC = "统一社会信用代码 社会信用代码 信用代码 统一代码 credit_code"
AMOUNT = "金额 发放金额 支付金额 拨付金额 补贴金额 金额元"
REGION = (
    "行政区划代码 区划代码 行政区划 所属区划 户籍地区划代码 户籍地行政区划代码"
    " 所在地行政区划代码"
)
ACCOUNT = "银行账号 银行卡号 账号 卡号 收款账号 开户账号 银行账户 社保卡号"


@dataclass(frozen=True)
class Column:
    """One standard column: its type, how imports clean it and what headers mean it."""

    name: str
    label: str
    type: ColumnType = "str"
    normalizer: str = "text"
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dataset:
    """A standard dataset: columns, required groups and the row-key recipe."""

    name: str
    label: str
    columns: tuple[Column, ...]
    # Each group must have at least one column present: ("unit_uscc", "unit_name").
    required: tuple[tuple[str, ...], ...]
    # The key is the parts joined by "|"; a part of several fields takes the first
    # one that is present (payroll: the unit's USCC, else its name).
    key_parts: tuple[tuple[str, ...], ...]
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def key_fields(self) -> tuple[str, ...]:
        """Every column the row key reads, in order."""
        return tuple(f for part in self.key_parts for f in part)

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def row_key(self, row: Mapping[str, Any]) -> str:
        """The key string of one (normalised) row, e.g. ``"京A12345|2026-03-01 22:30:00"``."""
        parts = []
        for part in self.key_parts:
            value = None
            for name in part:
                candidate = row.get(name)
                if _present(candidate):
                    value = candidate
                    break
            parts.append(format_key_value(value))
        return "|".join(parts)

    def prefixed_row_key(self, row: Mapping[str, Any], prefix: str) -> str | None:
        """``row_key`` of the columns ``prefix + field`` of a model's result row,
        or None when a part of the key has no value (no evidence row there)."""
        parts = []
        for part in self.key_parts:
            for name in part:
                value = row.get(prefix + name)
                if _present(value):
                    parts.append(format_key_value(value))
                    break
            else:
                return None
        return "|".join(parts)

    def map_headers(self, headers: Iterable[str]) -> HeaderMapping:
        """Map a file's headers (Chinese or English) onto this dataset's columns."""
        lookup: dict[str, str] = {}
        for column in self.columns:
            for spelling in (column.name, column.label, *column.aliases):
                lookup.setdefault(_header_token(spelling), column.name)
        mapping: dict[str, str] = {}
        extra: list[str] = []
        taken: set[str] = set()
        for header in headers:
            target = lookup.get(_header_token(header))
            if target is None or target in taken:
                extra.append(header)
                continue
            mapping[header] = target
            taken.add(target)
        missing = [group for group in self.required if not taken.intersection(group)]
        return HeaderMapping(
            dataset=self, mapping=mapping, missing=missing, extra=extra
        )

    def describe_group(self, group: tuple[str, ...]) -> str:
        """Chinese description of a required group: 单位统一社会信用代码（unit_uscc）或…"""
        return "或".join(f"{self.column(n).label}（{n}）" for n in group)


@dataclass(frozen=True)
class HeaderMapping:
    """The result of matching a file's headers to a dataset."""

    dataset: Dataset
    mapping: dict[str, str]  # file header -> standard column
    missing: list[tuple[str, ...]]  # required groups with no column present
    extra: list[str]  # headers kept as extra columns

    @property
    def ok(self) -> bool:
        return not self.missing

    def missing_message(self) -> str:
        """A Chinese sentence naming every missing required column, or ""."""
        if not self.missing:
            return ""
        names = "；".join(self.dataset.describe_group(g) for g in self.missing)
        return f"{self.dataset.label}（{self.dataset.name}）缺少必填列：{names}。"


def _present(value: Any) -> bool:
    return value is not None and value != ""


def format_key_value(value: Any) -> str:
    """Render one key part: dates ISO, times to the second, decimals as written."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        # isoformat: the same text as strftime("%Y-%m-%d %H:%M:%S"), 15x faster.
        return value.replace(tzinfo=None).isoformat(" ", "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")


def _header_token(header: str) -> str:
    """Fold a header for comparison: width, case, spaces, separators and (units)."""
    text = unicodedata.normalize("NFKC", str(header or "")).lower()
    text = _BRACKETED.sub("", text)
    return re.sub(r"[\s_\-:：*]+", "", text)


def _c(name: str, label: str, type_: ColumnType, norm: str, aliases: str = ""):
    """A column; ``aliases`` are the other header spellings, space-separated."""
    return Column(name, label, type_, norm, tuple(aliases.split()))


RESIDENTS = Dataset(
    name="residents",
    label="户籍人口",
    columns=(
        _c("id_number", "身份证号", "str", "id_number", ID),
        _c("name", "姓名", "str", "person_name", NAME),
        _c("gender", "性别", "str", "gender", "xb sex"),
        _c("birth_date", "出生日期", "date", "date", "出生年月日 生日"),
        _c("region_code", "行政区划代码", "str", "region_code", REGION),
        _c("address", "住址", "str", "text", "地址 户籍地址 户籍地址详址"),
    ),
    required=(("id_number",), ("name",)),
    key_parts=(("id_number",),),
)

DEATHS = Dataset(
    name="deaths",
    label="死亡登记",
    columns=(
        _c("id_number", "身份证号", "str", "id_number", ID),
        _c("name", "姓名", "str", "person_name", NAME + " 死者姓名"),
        _c("death_date", "死亡日期", "date", "date", "死亡时间 死亡登记日期"),
        _c("region_code", "行政区划代码", "str", "region_code", REGION),
        _c("source", "数据来源", "str", "text", "来源 登记机关 信息来源"),
    ),
    required=(("id_number",), ("name",), ("death_date",)),
    key_parts=(("id_number",),),
)

OFFICIALS = Dataset(
    name="officials",
    label="公职人员",
    columns=(
        _c("id_number", "身份证号", "str", "id_number", ID),
        _c("name", "姓名", "str", "person_name", NAME),
        _c(
            "unit_uscc",
            "单位统一社会信用代码",
            "str",
            "uscc",
            USCC + " 单位代码 单位信用代码",
        ),
        _c("unit_name", "单位名称", "str", "unit_name", "单位 工作单位 所在单位"),
        _c("position", "职务", "str", "text", "现任职务 岗位"),
        _c("level", "职级", "str", "text", "级别 职务层次"),
        _c("start_date", "任职日期", "date", "date", "任职时间 入职日期 任职开始日期"),
        _c(
            "end_date",
            "离任日期",
            "date",
            "date",
            "免职日期 离职日期 离任时间 任职结束日期",
        ),
    ),
    required=(("id_number",), ("name",), ("unit_uscc", "unit_name")),
    key_parts=(("id_number",),),
)

RELATIVES = Dataset(
    name="relatives",
    label="亲属关系",
    columns=(
        _c(
            "official_id_number",
            "公职人员身份证号",
            "str",
            "id_number",
            "干部身份证号 本人身份证号 公职人员身份证号码 干部身份证号码",
        ),
        _c("relative_name", "亲属姓名", "str", "person_name", "家属姓名 姓名"),
        _c(
            "relative_id_number",
            "亲属身份证号",
            "str",
            "id_number",
            "亲属身份证号码 家属身份证号 " + ID,
        ),
        _c("relation", "关系", "str", "text", "与本人关系 亲属关系 称谓"),
    ),
    required=(("official_id_number",), ("relative_name",), ("relation",)),
    key_parts=(("official_id_number",), ("relative_name",)),
)

COMPANIES = Dataset(
    name="companies",
    label="市场主体登记",
    columns=(
        _c("uscc", "统一社会信用代码", "str", "uscc", USCC),
        _c(
            "name",
            "企业名称",
            "str",
            "company_name",
            "名称 市场主体名称 公司名称 单位名称",
        ),
        _c("legal_rep_name", "法定代表人", "str", "person_name", "法定代表人姓名 法人"),
        _c(
            "legal_rep_id_number",
            "法定代表人身份证号",
            "str",
            "id_number",
            "法定代表人证件号码 法人身份证号 法定代表人身份证号码",
        ),
        _c("reg_date", "成立日期", "date", "date", "注册日期 登记日期"),
        _c("status", "登记状态", "str", "text", "经营状态 状态"),
        _c("address", "住所", "str", "text", "地址 注册地址"),
    ),
    required=(("uscc",), ("name",)),
    key_parts=(("uscc",),),
)

SHAREHOLDERS = Dataset(
    name="shareholders",
    label="股东",
    columns=(
        _c("uscc", "统一社会信用代码", "str", "uscc", USCC + " 企业统一社会信用代码"),
        _c(
            "holder_name",
            "股东名称",
            "str",
            "person_name",
            "股东 股东姓名 投资人 出资人",
        ),
        _c(
            "holder_id_number",
            "股东证件号码",
            "str",
            "id_number",
            "股东身份证号 股东身份证号码 投资人证件号码 " + ID,
        ),
        _c("share_ratio", "持股比例", "float", "ratio", "出资比例 股比"),
    ),
    required=(("uscc",), ("holder_name",)),
    key_parts=(("uscc",), ("holder_name",)),
)

CONTRACTS = Dataset(
    name="contracts",
    label="采购合同",
    columns=(
        _c("contract_id", "合同编号", "str", "text", "合同号 合同编码"),
        _c(
            "buyer_unit_uscc",
            "采购单位统一社会信用代码",
            "str",
            "uscc",
            "采购人统一社会信用代码",
        ),
        _c(
            "buyer_unit_name",
            "采购单位",
            "str",
            "unit_name",
            "采购单位名称 采购人 采购人名称",
        ),
        _c("supplier_uscc", "供应商统一社会信用代码", "str", "uscc"),
        _c(
            "supplier_name",
            "供应商",
            "str",
            "company_name",
            "供应商名称 成交供应商 中标单位 中标供应商",
        ),
        _c("amount", "合同金额", "decimal", "amount", "金额 成交金额 中标金额"),
        _c("sign_date", "签订日期", "date", "date", "签约日期 合同签订日期"),
        _c("method", "采购方式", "str", "text"),
        _c("subject", "采购内容", "str", "text", "合同名称 项目名称 标的"),
    ),
    required=(
        ("contract_id",),
        ("buyer_unit_uscc", "buyer_unit_name"),
        ("supplier_uscc", "supplier_name"),
        ("amount",),
        ("sign_date",),
    ),
    key_parts=(("contract_id",),),
)

PAYMENTS = Dataset(
    name="payments",
    label="资金拨付/补贴发放",
    columns=(
        _c("payment_id", "发放流水号", "str", "text", "流水号 支付编号 发放编号"),
        _c(
            "program", "项目", "str", "text", "补贴项目 资金项目 项目名称 救助类别 类别"
        ),
        _c(
            "payee_name",
            "收款人姓名",
            "str",
            "person_name",
            "收款人 领取人 领款人 领取人姓名 领款人姓名 " + NAME,
        ),
        _c(
            "payee_id_number",
            "收款人身份证号",
            "str",
            "id_number",
            "收款人身份证号码 领取人身份证号 领取人身份证号码 " + ID,
        ),
        _c("bank_account", "银行账号", "str", "bank_account", ACCOUNT),
        _c("amount", "金额", "decimal", "amount", AMOUNT),
        _c("pay_date", "发放日期", "date", "date", "支付日期 拨付日期 发放时间"),
        _c("region_code", "行政区划代码", "str", "region_code", REGION),
        _c("paying_unit", "发放单位", "str", "unit_name", "拨付单位 支付单位"),
    ),
    required=(
        ("payment_id",),
        ("program",),
        ("payee_name",),
        ("amount",),
        ("pay_date",),
    ),
    key_parts=(("payment_id",),),
)

PAYROLL = Dataset(
    name="payroll",
    label="工资发放",
    columns=(
        _c(
            "payroll_unit_uscc",
            "单位统一社会信用代码",
            "str",
            "uscc",
            USCC + " 单位代码",
        ),
        _c(
            "payroll_unit_name",
            "单位名称",
            "str",
            "unit_name",
            "发放单位 工作单位 单位",
        ),
        _c("id_number", "身份证号", "str", "id_number", ID),
        _c("name", "姓名", "str", "person_name", NAME),
        _c("month", "月份", "str", "month", "发放月份 工资月份 所属月份 年月"),
        _c(
            "amount",
            "金额",
            "decimal",
            "amount",
            "应发工资 实发工资 实发金额 应发金额 工资总额",
        ),
        _c("bank_account", "银行账号", "str", "bank_account", ACCOUNT),
    ),
    required=(
        ("payroll_unit_uscc", "payroll_unit_name"),
        ("id_number",),
        ("name",),
        ("month",),
        ("amount",),
    ),
    key_parts=(("payroll_unit_uscc", "payroll_unit_name"), ("id_number",), ("month",)),
)

VEHICLES_USE = Dataset(
    name="vehicles_use",
    label="公车使用",
    columns=(
        _c("plate", "车牌号", "str", "plate", "车牌号码 号牌号码 车牌"),
        _c(
            "unit_name",
            "使用单位",
            "str",
            "unit_name",
            "单位名称 所属单位 单位 用车单位",
        ),
        _c(
            "start_time",
            "出车时间",
            "datetime",
            "datetime",
            "开始时间 用车时间 出发时间",
        ),
        _c(
            "end_time", "返回时间", "datetime", "datetime", "结束时间 回车时间 收车时间"
        ),
        _c("driver_name", "驾驶员", "str", "person_name", "驾驶人 司机"),
        _c("purpose", "用车事由", "str", "text", "事由 用途 出车事由"),
    ),
    required=(("plate",), ("unit_name",), ("start_time",)),
    key_parts=(("plate",), ("start_time",)),
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        RESIDENTS,
        DEATHS,
        OFFICIALS,
        RELATIVES,
        COMPANIES,
        SHAREHOLDERS,
        CONTRACTS,
        PAYMENTS,
        PAYROLL,
        VEHICLES_USE,
    )
}


def get_dataset(name: str) -> Dataset:
    """The standard dataset called ``name``; a KeyError names the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        known = "、".join(DATASETS)
        raise KeyError(f"未知的数据集“{name}”：可用的有 {known}") from None


def map_headers(dataset: str, headers: Iterable[str]) -> HeaderMapping:
    """Map a file's headers onto the standard dataset ``dataset``."""
    return get_dataset(dataset).map_headers(headers)


def row_key(dataset: str, row: Mapping[str, Any]) -> str:
    """The evidence key of one row of ``dataset`` (see ``Dataset.key_parts``)."""
    return get_dataset(dataset).row_key(row)
