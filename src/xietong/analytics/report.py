"""The import report: what normalisation changed, counted by kind, and the bad rows.

``change_kind`` names, in Chinese, the kind of cleaning a cell went through
("身份证号全角转半角", "15位身份证号升位", "金额去除千分位逗号"…); the report counts
them so the analyst sees what the import did to the department's data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

ERROR_LIMIT = 200

_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_DOTS = re.compile("[•‧・･∙⋅●.．。]")


def _kind_id(raw: str) -> str:
    if _FULLWIDTH.search(raw):
        return "身份证号全角转半角"
    digits = "".join(raw.split())
    if len(digits) == 15:
        return "15位身份证号升位"
    if digits != raw:
        return "身份证号去除空格"
    if "x" in raw:
        return "身份证号小写x转大写"
    return "身份证号格式规范化"


def _kind_name(raw: str, value: Any) -> str:
    if any(ch.isspace() for ch in raw):
        return "姓名去除空格"
    if _DOTS.search(raw):
        return "姓名间隔号统一"
    if _FULLWIDTH.search(raw):
        return "姓名全角转半角"
    if len(raw) == len(str(value)):
        return "姓名繁体转简体"
    return "姓名格式规范化"


def _kind_company(raw: str, value: Any, branch: Any) -> str:
    if branch:
        return "企业名称拆分分支机构"
    folded = "".join(unicodedata.normalize("NFKC", raw).split())
    if folded != raw and "(" in folded:
        return "企业名称全角括号转半角"
    if len(folded) > len(str(value)):
        return "企业名称去除组织形式后缀"
    return "企业名称格式规范化"


def _kind_amount(raw: str) -> str:
    if "," in raw or "，" in raw:
        return "金额去除千分位逗号"
    if "元" in raw or "¥" in raw or "￥" in raw:
        return "金额去除货币单位"
    if raw.strip().endswith(("万", "亿")):
        return "金额万元/亿元换算"
    if _FULLWIDTH.search(raw):
        return "金额全角转半角"
    return "金额保留两位小数"


def _kind_date(raw: Any, what: str) -> str:
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if isinstance(raw, int | float) or re.fullmatch(r"\d{1,5}(\.\d+)?", text):
        return f"{what}Excel序号转换"
    if "/" in text:
        return f"{what}斜杠格式转换"
    if re.fullmatch(r"\d{8}(\d{4,6})?", text):
        return f"{what}紧凑格式转换"
    if "年" in text:
        return f"{what}中文格式转换"
    return f"{what}格式规范化"


def change_kind(column, raw: Any, value: Any, branch: Any = None) -> str:
    """The kind of cleaning ``raw`` went through to become ``value`` (Chinese)."""
    norm = column.normalizer
    text = raw if isinstance(raw, str) else str(raw)
    if norm == "id_number":
        return _kind_id(text)
    if norm == "person_name":
        return _kind_name(text, value)
    if norm == "company_name":
        return _kind_company(text, value, branch)
    if norm == "amount":
        return _kind_amount(text)
    if norm == "date":
        return _kind_date(raw, "日期")
    if norm == "datetime":
        return _kind_date(raw, "时间")
    if norm == "month":
        return "月份格式规范化"
    if norm == "ratio":
        return "持股比例百分数换算" if "%" in text else "持股比例格式规范化"
    if norm == "text":
        return "去除首尾空格"
    return f"{column.label}格式规范化"


@dataclass
class ImportReport:
    """Counts per change kind, and the first :data:`ERROR_LIMIT` row errors."""

    changes: Counter = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_rows: int = 0
    blank_rows: int = 0

    @property
    def full(self) -> bool:
        return len(self.errors) >= ERROR_LIMIT

    def add_error(self, row: int, column: str, label: str, message: str) -> None:
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(
                {"row": row, "column": column, "label": label, "message": message}
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes": dict(self.changes.most_common()),
            "errors": self.errors,
            "error_rows": self.error_rows,
            "blank_rows": self.blank_rows,
        }


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as Chinese lines for the CLI and the import page."""
    lines = [f"{kind}：{count} 处" for kind, count in report.get("changes", {}).items()]
    if report.get("blank_rows"):
        lines.append(f"跳过空行：{report['blank_rows']} 行")
    return lines


def error_line(error: dict[str, Any]) -> str:
    """One row error: 第 12 行 身份证号（id_number）：…"""
    return f"第 {error['row']} 行 {error['label']}（{error['column']}）：{error['message']}"
