"""Parameters of a custom SQL model: their declarations and the values of a run.

A declaration is ``{"name", "label", "type": int|float|str|date, "default", "min",
"max"}``; the query refers to it as ``$name`` and DuckDB binds the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

PARAM_TYPES = ("int", "float", "str", "date")
PARAM_TYPE_LABELS = {"int": "整数", "float": "数字", "str": "文本", "date": "日期"}
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
MAX_TEXT_PARAM = 200


class CustomParamError(ValueError):
    """Bad parameters or parameter declarations; ``fields`` maps each to its message."""

    def __init__(self, fields: Mapping[str, str]):
        self.fields = dict(fields)
        super().__init__("；".join(self.fields.values()))


def _label(param: Mapping[str, Any]) -> str:
    label, name = param.get("label") or "", param["name"]
    return f"参数“{label}”（{name}）" if label and label != name else f"参数 {name} "


def _coerce(kind: str, value: Any) -> Any:
    """``value`` as a ``kind`` parameter value; ValueError when it is not one."""
    if kind == "int":
        if (
            isinstance(value, bool)
            or isinstance(value, float)
            and not value.is_integer()
        ):
            raise ValueError
        return int(str(value).strip()) if isinstance(value, str) else int(value)
    if kind == "float":
        if isinstance(value, bool):
            raise ValueError
        number = float(str(value).strip().replace(",", ""))
        if not math.isfinite(number):
            raise ValueError
        return number
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        # 2026-03-01, and the 2026/3/1 people type as well.
        text = str(value).strip().replace("/", "-")
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    text = str(value)
    if len(text) > MAX_TEXT_PARAM:
        raise ValueError
    return text


def _type_message(param: Mapping[str, Any], value: Any) -> str:
    kind = param["type"]
    hint = {"date": "日期，如 2026-03-01"}.get(kind, PARAM_TYPE_LABELS[kind])
    if kind == "str":
        return f"{_label(param)}太长：最多 {MAX_TEXT_PARAM} 个字"
    return f"{_label(param)}应为{hint}，实为“{value}”"


def _range_message(param: Mapping[str, Any], value: Any) -> str | None:
    if param["type"] == "str":
        return None
    low, high = param.get("min"), param.get("max")
    low = _coerce(param["type"], low) if low not in (None, "") else None
    high = _coerce(param["type"], high) if high not in (None, "") else None
    if low is not None and value < low or high is not None and value > high:
        if low is not None and high is not None:
            bounds = f"应在 {low}–{high} 之间"
        elif low is not None:
            bounds = f"应不小于 {low}"
        else:
            bounds = f"应不大于 {high}"
        return f"{_label(param)}{bounds}，实为 {value}"
    return None


def check_param_spec(spec: Any) -> list[dict[str, Any]]:
    """The declared parameters, cleaned; CustomParamError naming each bad declaration."""
    if spec in (None, ""):
        return []
    if not isinstance(spec, list | tuple):
        raise CustomParamError({"params": "参数声明应为列表"})
    fields: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(spec, start=1):
        where = f"第 {i} 个参数"
        if not isinstance(raw, Mapping):
            fields[f"params.{i}"] = f"{where}的声明应为对象"
            continue
        name = str(raw.get("name") or "").strip()
        if not PARAM_NAME.match(name):
            fields[f"params.{i}"] = (
                f"{where}的名称“{name}”无效：应以字母开头，只含字母、数字和下划线"
            )
            continue
        if name in seen:
            fields[name] = f"{where}的名称 {name} 重复"
            continue
        seen.add(name)
        kind = str(raw.get("type") or "str").strip()
        if kind not in PARAM_TYPES:
            fields[name] = f"{where}（{name}）的类型应为 int、float、str 或 date"
            continue
        param: dict[str, Any] = {
            "name": name,
            "label": str(raw.get("label") or "").strip()[:64] or name,
            "type": kind,
        }
        problem = None
        for key in ("min", "max", "default"):
            value = raw.get(key)
            if value in (None, ""):
                param[key] = None
                continue
            if key != "default" and kind == "str":
                problem = f"{_label(param)}是文本，不能设置最小值或最大值"
                break
            try:
                param[key] = _coerce(kind, value)
            except (TypeError, ValueError):
                name_cn = {"min": "最小值", "max": "最大值", "default": "默认值"}[key]
                problem = (
                    f"{_label(param)}的{name_cn}“{value}”不是{PARAM_TYPE_LABELS[kind]}"
                )
                break
        if problem is None and param["min"] is not None and param["max"] is not None:
            if param["min"] > param["max"]:
                problem = f"{_label(param)}的最小值大于最大值"
        if problem is None and param["default"] is not None:
            problem = _range_message(param, param["default"])
            if problem:
                problem = problem.replace("，实为", "，默认值为")
        if problem:
            fields[name] = problem
            continue
        cleaned.append(_jsonable_param(param))
    if fields:
        raise CustomParamError(fields)
    return cleaned


def _jsonable_param(param: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in param.items()}


def validate_custom_params(
    spec: Sequence[Mapping[str, Any]], values: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Every declared parameter's value (given, else its default), typed and in range.

    CustomParamError names each undeclared, missing, mistyped or out-of-range one.
    """
    values = dict(values or {})
    known = {p["name"]: p for p in spec}
    fields: dict[str, str] = {}
    for name in values:
        if name not in known:
            listed = "、".join(known) or "无"
            fields[name] = f"没有参数“{name}”（已声明的参数：{listed}）"
    resolved: dict[str, Any] = {}
    for name, param in known.items():
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            value = param.get("default")
        if value is None or value == "":
            fields[name] = f"{_label(param)}必须填写"
            continue
        try:
            typed = _coerce(param["type"], value)
        except (TypeError, ValueError):
            fields[name] = _type_message(param, value)
            continue
        problem = _range_message(param, typed)
        if problem:
            fields[name] = problem
            continue
        resolved[name] = typed
    if fields:
        raise CustomParamError(fields)
    return resolved
