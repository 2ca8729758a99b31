"""Bulk import of units and supervised persons from CSV or XLSX files.

All or nothing: every row is checked first and every bad row is reported with its row
number as the user sees it in Excel (header = row 1). Only when no row is bad are the rows
written, through the real services, in one transaction with one summary audit entry.

The CLI passes a path; a web upload can pass a file-like object and its ``filename``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from xietong.access.policies import can_change_person, can_edit_org
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import ApplicationError, NotFound, ValidationError
from xietong.core.identifiers import (
    mask_id_number,
    parse_id_number,
    validate_region_code,
    validate_uscc,
)

from .models import ManagementLevel, PartnerKind, Person, Region, Unit, UnitKind
from .services import id_lookup_hash, person_create, person_validate, unit_create

MAX_ROWS = 200_000
_CHUNK = 500  # IN (...) lists stay below every database's parameter limit


class ImportFileError(ApplicationError):
    """The file as a whole cannot be read: missing, wrong format or encoding, bad header."""

    code = "import_file"


class _RowFailed(Exception):
    """A service refused a row while writing (e.g. a concurrent insert); rolls back all."""

    def __init__(self, number: int, message: str):
        super().__init__(message)
        self.number = number
        self.message = message


# --- the report -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did, or would do, row by row."""

    kind: str  # "units" or "persons"
    filename: str
    total: int = 0
    created: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        """One line per row, then a summary, in Chinese."""
        if not self.ok:
            out = [f"第 {row} 行\t错误：{reason}" for row, reason in self.errors]
            rows = len({row for row, _ in self.errors})
            out.append(f"共 {rows} 行有错误，未导入任何数据。")
            return out
        verb = "可导入" if self.dry_run else "已导入"
        out = [f"第 {row} 行\t{verb}：{text}" for row, text in self.created]
        if self.dry_run:
            out.append(f"检查通过，共 {self.total} 条（未写入，--dry-run）。")
        else:
            out.append(f"共导入 {len(self.created)} 条。")
        return out


# --- columns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese column name used in every message
    aliases: tuple[str, ...]
    required: bool = False


UNIT_COLUMNS = (
    Column("name", "单位名称", ("单位名称", "名称", "name"), True),
    Column("kind", "单位类别", ("单位类别", "单位类型", "类别", "kind"), True),
    Column(
        "region_code", "区划代码", ("区划代码", "行政区划代码", "region_code"), True
    ),
    Column("uscc", "统一社会信用代码", ("统一社会信用代码", "信用代码", "uscc")),
    Column("parent", "上级单位", ("上级单位", "parent")),
    Column("partner_kind", "协作单位类型", ("协作单位类型", "partner_kind")),
)
PERSON_COLUMNS = (
    Column("name", "姓名", ("姓名", "name"), True),
    Column(
        "id_number",
        "身份证号码",
        ("身份证号码", "身份证号", "公民身份号码", "id_number"),
        True,
    ),
    Column("unit", "单位", ("单位", "所在单位", "unit"), True),
    Column("position", "职务", ("职务", "position")),
    Column("management_level", "干部管理权限", ("干部管理权限", "management_level")),
    Column("phone", "手机号码", ("手机号码", "手机号", "phone")),
    Column(
        "is_party_member", "中共党员", ("中共党员", "是否中共党员", "is_party_member")
    ),
    Column("is_top_leader", "一把手", ("一把手", "是否一把手", "is_top_leader")),
)


def _fold(value: str) -> str:
    """For matching codes and labels only: names keep their full-width punctuation."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _header_key(text) -> str:
    """Header text without spaces, required-markers (*) or a trailing note in brackets."""
    key = "".join(_fold(str(text or "")).split()).replace("*", "")
    return re.sub(r"\(.*\)$", "", key).lower()


def _header_map(header: list, columns: tuple[Column, ...]) -> dict[str, int]:
    by_alias = {_header_key(a): col for col in columns for a in col.aliases}
    found: dict[str, int] = {}
    for pos, text in enumerate(header):
        col = by_alias.get(_header_key(text))
        if col is None:
            continue
        if col.key in found:
            raise ImportFileError(
                f"表头中“{col.label}”列出现了两次（第 {found[col.key] + 1} 列和"
                f"第 {pos + 1} 列），请删除其中一列。"
            )
        found[col.key] = pos
    missing = [c for c in columns if c.required and c.key not in found]
    if missing:
        names = "、".join(f"“{c.label}”" for c in missing)
        raise ImportFileError(
            f"缺少必填列{names}：请检查第 1 行表头"
            f"（可用列名：{'；'.join('/'.join(c.aliases) for c in missing)}）。"
        )
    return found


# --- reading the file -----------------------------------------------------------------------


@dataclass
class _Table:
    filename: str
    rows: list[tuple[int, dict]]  # (row number as seen in Excel, {column key: text})


def _read_bytes(source, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImportFileError(f"文件 {path} 不存在。") from None
        except IsADirectoryError:
            raise ImportFileError(f"{path} 是文件夹，不是文件。") from None
        except OSError as exc:
            raise ImportFileError(f"无法读取文件 {path}：{exc.strerror}") from None
        return data, filename or path.name
    data = source.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = filename or os.path.basename(getattr(source, "name", "") or "") or "上传文件"
    return data, name


def _file_format(data: bytes, filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower()
    if ext == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"{filename} 是 Excel 97-2003（.xls）格式或已加密，无法读取："
            "请在 Excel 中另存为 .xlsx 或 CSV 后再导入。"
        )
    # Content wins over the name: a workbook renamed to .csv is still a workbook.
    if ext in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if ext in (".csv", ".txt") or not ext:
        return "csv"
    raise ImportFileError(f"{filename} 的格式不受支持：只能导入 CSV 或 XLSX 文件。")


def _decode(data: bytes, filename: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            f"{filename} 是 UTF-16 编码：请另存为“CSV UTF-8（逗号分隔）”后再导入。"
        )
    # GB18030 is a superset of GBK: it reads every file Excel saves as "CSV (逗号分隔)".
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        f"{filename} 的文字编码无法识别：CSV 文件应为 UTF-8 或 GBK 编码。"
    )


def _csv_rows(data: bytes, filename: str) -> Iterator[list]:
    reader = csv.reader(io.StringIO(_decode(data, filename), newline=""))
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(
            f"{filename} 第 {reader.line_num} 行不是有效的 CSV 文本"
            "（引号未闭合或单元格过长），请在 Excel 中重新另存为 CSV。"
        ) from exc


_XLSX_BROKEN = (
    "无法打开 {}：文件已损坏或不是 .xlsx 格式，请在 Excel 中另存为 .xlsx 后重试。"
)


def _xlsx_rows(data: bytes, filename: str) -> Iterator[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:
        # openpyxl raises many kinds of error on a damaged or foreign file.
        raise ImportFileError(_XLSX_BROKEN.format(filename)) from exc
    try:
        for values in sheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def _lossy_number(value) -> bool:
    """Excel keeps 15 significant digits: a longer number typed as a number is damaged."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (abs(value) >= 1e15)
    )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _data_rows(raw: Iterable[list], columns, filename: str) -> list[tuple[int, dict]]:
    header_map = None
    rows: list[tuple[int, dict]] = []
    for number, values in enumerate(raw, start=1):
        if all(_text(v) == "" for v in values):
            continue
        if header_map is None:
            header_map = _header_map(values, columns)
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                f"{filename} 的数据超过 {MAX_ROWS} 行上限：请拆分为多个文件分批导入。"
            )
        rows.append((number, _row_dict(values, header_map)))
    if header_map is None:
        raise ImportFileError(f"{filename} 是空文件：第 1 行应为表头。")
    if not rows:
        raise ImportFileError(f"{filename} 只有表头，没有数据行。")
    return rows


def _row_dict(values: list, header_map: dict[str, int]) -> dict:
    row: dict = {"_lossy": set()}
    for key, pos in header_map.items():
        value = values[pos] if pos < len(values) else None
        row[key] = _text(value)
        if _lossy_number(value):
            row["_lossy"].add(key)
    return row


def read_table(source, columns, *, filename: str | None = None) -> _Table:
    """Read a CSV or XLSX file into numbered rows keyed by column; raises ImportFileError."""
    data, name = _read_bytes(source, filename)
    if not data.strip():
        raise ImportFileError(f"{name} 是空文件：第 1 行应为表头。")
    fmt = _file_format(data, name)
    raw = _xlsx_rows(data, name) if fmt == "xlsx" else _csv_rows(data, name)
    return _Table(filename=name, rows=_data_rows(raw, columns, name))


# --- shared checks --------------------------------------------------------------------------


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _choice(value: str, choices) -> str | None:
    """The code for a code or a Chinese label of a TextChoices (None if neither)."""
    key = _fold(value).lower()
    for code, label in choices.choices:
        if key in (code, _fold(label).lower()):
            return code
    return None


def _lossy_reasons(row: dict, columns) -> list[str]:
    labels = {c.key: c.label for c in columns}
    return [
        f"{labels[key]}被 Excel 存成了数字，超过 15 位的部分已丢失："
        "请把该列设为“文本”格式后重新填写"
        for key in sorted(row["_lossy"])
    ]


def _duplicate_reason(seen: dict, key, row: int, label: str, value: str) -> str | None:
    first = seen.setdefault(key, row)
    if first != row:
        return f"{label}“{value}”与第 {first} 行重复"
    return None


def _unit_candidates(refs: set[str]) -> dict[str, list[Unit]]:
    """Existing units a reference may mean: by id, by USCC or by exact name."""
    ids = {r for r in refs if r.isdigit() and len(r) <= 12}
    out: dict[str, list[Unit]] = defaultdict(list)
    for chunk in _chunks(ids):
        for unit in Unit.objects.filter(pk__in=[int(i) for i in chunk]):
            out[str(unit.pk)].append(unit)
    others = refs - ids
    for chunk in _chunks(others):
        for unit in Unit.objects.filter(uscc__in=[c.upper() for c in chunk]):
            out[unit.uscc].append(unit)
        for unit in Unit.objects.filter(name__in=chunk).order_by("pk"):
            out[unit.name].append(unit)
    return out


def _looks_like_uscc(ref: str) -> bool:
    return len(ref) == 18 and ref.isascii() and ref.isalnum() and not ref.isdigit()


def _unit_ref_key(ref: str) -> str:
    return ref.upper() if _looks_like_uscc(ref) else ref


# --- units ----------------------------------------------------------------------------------


def _kind_labels() -> str:
    return "、".join(label for _, label in UnitKind.choices)


class _UnitRows:
    """Checks unit rows against each other and the database; plans what to create."""

    def __init__(self, table: _Table):
        self.table = table
        self.regions = self._regions()
        refs = {_unit_ref_key(r["parent"]) for _, r in table.rows if r.get("parent")}
        self.parents = _unit_candidates(refs)
        self.used_usccs = self._used_usccs()
        self.existing = self._existing_units()
        self.names_in_file: dict[str, list[int]] = defaultdict(list)
        self.seen_uscc: dict = {}
        self.seen_unit: dict = {}

    def finish(self, checked) -> None:
        """Checks that need every row; units need none beyond :meth:`check`."""

    def _regions(self) -> dict[str, Region]:
        codes = {_fold(r["region_code"]) for _, r in self.table.rows}
        found: dict[str, Region] = {}
        for chunk in _chunks(codes):
            found.update({r.code: r for r in Region.objects.filter(code__in=chunk)})
        return found

    def _used_usccs(self) -> set[str]:
        codes = {_fold(r.get("uscc", "")).upper() for _, r in self.table.rows} - {""}
        used: set[str] = set()
        for chunk in _chunks(codes):
            used.update(
                Unit.objects.filter(uscc__in=chunk).values_list("uscc", flat=True)
            )
        return used

    def _existing_units(self) -> set[tuple[str, int, int | None]]:
        names = {r["name"] for _, r in self.table.rows} - {""}
        found: set[tuple[str, int, int | None]] = set()
        for chunk in _chunks(names):
            found.update(
                Unit.objects.filter(name__in=chunk).values_list(
                    "name", "region_id", "parent_id"
                )
            )
        return found

    def check(self, number: int, row: dict) -> tuple[dict, list[str]]:
        reasons = _lossy_reasons(row, UNIT_COLUMNS)
        plan: dict = {"name": row["name"]}
        if not row["name"]:
            reasons.append("单位名称不能为空")
        elif len(row["name"]) > 128:
            reasons.append("单位名称过长：不能超过 128 个字")
        plan["kind"] = self._kind(row["kind"], reasons)
        plan["region"] = self._region(row["region_code"], reasons)
        plan["uscc"] = self._uscc(number, row.get("uscc", ""), reasons)
        plan["parent"] = self._parent(number, row.get("parent", ""), reasons)
        plan["partner_kind"] = self._partner_kind(
            row.get("partner_kind", ""), plan["kind"], reasons
        )
        self._check_same_unit(number, plan, row.get("parent", ""), reasons)
        if row["name"]:
            self.names_in_file[row["name"]].append(number)
        return plan, reasons

    def _kind(self, value: str, reasons: list[str]) -> str | None:
        if not value:
            reasons.append("单位类别不能为空")
            return None
        code = _choice(value, UnitKind)
        if code is None:
            reasons.append(f"单位类别“{value}”无效：应为 {_kind_labels()} 之一")
        return code

    def _region(self, value: str, reasons: list[str]) -> Region | None:
        try:
            code = validate_region_code(value, field="区划代码")
        except ValidationError as exc:
            reasons.append(exc.message)
            return None
        region = self.regions.get(code)
        if region is None:
            reasons.append(f"区划代码“{code}”在系统中不存在：请先录入该行政区划")
        return region

    def _uscc(self, number: int, value: str, reasons: list[str]) -> str | None:
        if not value:
            return None
        try:
            code = validate_uscc(value)
        except ValidationError as exc:
            reasons.append(exc.message)
            return None
        dup = _duplicate_reason(self.seen_uscc, code, number, "统一社会信用代码", code)
        if dup:
            reasons.append(dup)
        elif code in self.used_usccs:
            reasons.append(f"统一社会信用代码“{code}”已被系统中其他单位使用")
        return code

    def _parent(self, number: int, value: str, reasons: list[str]):
        """An existing Unit, or ("row", n) for a unit earlier in this file, or None."""
        if not value:
            return None
        in_db = self.parents.get(_unit_ref_key(value), [])
        in_file = [] if value.isdigit() else self.names_in_file.get(value, [])
        found = [*in_db, *(("row", n) for n in in_file)]
        if len(found) == 1:
            return found[0]
        if not found:
            reasons.append(
                f"上级单位“{value}”不存在：应为系统中已有单位的名称、编号或统一社会信用代码，"
                "或本文件前面各行中的单位"
            )
        else:
            where = [f"编号 {u.pk}" for u in in_db] + [f"第 {n} 行" for n in in_file]
            reasons.append(
                f"上级单位“{value}”有 {len(found)} 个同名单位（{'、'.join(where)}），"
                "无法确定：请改填上级单位的编号或统一社会信用代码"
            )
        return None

    def _partner_kind(self, value: str, kind: str | None, reasons: list[str]) -> str:
        if not value:
            return ""
        code = _choice(value, PartnerKind)
        if code is None:
            labels = "、".join(label for _, label in PartnerKind.choices)
            reasons.append(f"协作单位类型“{value}”无效：应为 {labels} 之一")
        elif kind and kind != UnitKind.PARTNER:
            reasons.append("协作单位类型只适用于单位类别为“协作单位”的单位")
        return code or ""

    def _check_same_unit(self, number, plan, parent_text, reasons) -> None:
        """Re-importing the same file must not create every unit a second time."""
        region, parent, name = plan["region"], plan["parent"], plan["name"]
        if region is None or not name or (parent_text and parent is None):
            return
        key = (name, region.pk, parent if isinstance(parent, tuple) else parent_text)
        dup = _duplicate_reason(self.seen_unit, key, number, "单位名称", name)
        if dup:
            reasons.append(dup + "（同一区划、同一上级单位）")
            return
        if isinstance(parent, tuple):
            return
        if (name, region.pk, parent.pk if parent else None) in self.existing:
            reasons.append(
                f"单位“{name}”在区划 {region.code} 下已存在（上级单位相同），请勿重复导入"
            )

    @staticmethod
    def display(plan: dict) -> str:
        return f"{plan['name']}（{plan['region'].name}）"

    @staticmethod
    def write(plans: list[tuple[int, dict]], actor=None) -> None:
        made: dict[int, Unit] = {}
        for number, plan in plans:
            parent = plan["parent"]
            if isinstance(parent, tuple):
                parent = made[parent[1]]
            try:
                made[number] = unit_create(actor=actor, **{**plan, "parent": parent})
            except ValidationError as exc:
                raise _RowFailed(number, exc.message) from exc


# --- persons --------------------------------------------------------------------------------

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "党员", "中共党员"}
_FALSE = {"否", "n", "no", "false", "0", "×", "非党员", "群众"}


def _flag(value: str, label: str, default: bool, reasons: list[str]) -> bool:
    key = _fold(value).lower()
    if not key:
        return default
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    reasons.append(f"{label}应填“是”或“否”，实为“{value}”")
    return default


class _PersonRows:
    """Checks person rows against each other and the database; plans what to create."""

    def __init__(self, table: _Table):
        self.table = table
        refs = {_unit_ref_key(r["unit"]) for _, r in table.rows if r["unit"]}
        self.units = _unit_candidates(refs)
        self.seen_id: dict[str, int] = {}
        self.hashes: dict[int, str] = {}

    def check(self, number: int, row: dict) -> tuple[dict, list[str]]:
        reasons = _lossy_reasons(row, PERSON_COLUMNS)
        id_number = self._id_number(number, row, reasons)
        fields = {
            "name": row["name"],
            "id_number": id_number,
            "unit": self._unit(row["unit"], reasons),
            "position": row.get("position", ""),
            "management_level": self._level(row.get("management_level", ""), reasons),
            "phone": row.get("phone", ""),
        }
        plan = self._validated(fields, reasons)
        plan["is_party_member"] = _flag(
            row.get("is_party_member", ""), "中共党员", True, reasons
        )
        plan["is_top_leader"] = _flag(
            row.get("is_top_leader", ""), "一把手", False, reasons
        )
        return plan, reasons

    def _id_number(self, number: int, row: dict, reasons: list[str]) -> str:
        """The normalised 18-digit number, checked against earlier rows ("" if bad)."""
        if "id_number" in row["_lossy"]:
            return ""
        try:
            parsed = parse_id_number(row["id_number"], field="身份证号码")
        except ValidationError as exc:
            reasons.append(exc.message)
            return ""
        # The report may reach a screen or a log: show the number masked, like the UI.
        masked = mask_id_number(parsed.number)
        dup = _duplicate_reason(
            self.seen_id, parsed.number, number, "身份证号码", masked
        )
        if dup:
            reasons.append(dup)
        else:
            self.hashes[number] = id_lookup_hash(parsed.number)
        return parsed.number

    @staticmethod
    def _validated(fields: dict, reasons: list[str]) -> dict:
        try:
            data = person_validate(**fields)
        except ValidationError as exc:
            # The ID number and the unit have been explained by their own checks.
            errors = {
                k: v for k, v in exc.fields.items() if k not in ("id_number", "unit")
            }
            reasons.extend(errors.values())
            return dict(fields)
        return {**fields, "name": data["name"], "phone": data["phone"]}

    def _unit(self, value: str, reasons: list[str]) -> Unit | None:
        if not value:
            reasons.append("单位不能为空")
            return None
        if _looks_like_uscc(value):
            try:
                validate_uscc(value, field="单位（统一社会信用代码）")
            except ValidationError as exc:
                reasons.append(exc.message)
                return None
        found = self.units.get(_unit_ref_key(value), [])
        if len(found) == 1:
            actor = getattr(self, "actor", None)
            if actor is not None and not can_change_person(actor, unit=found[0]):
                reasons.append(
                    f"单位“{value}”不在您的管辖范围内，不能在该单位登记监督对象"
                )
                return None
            return found[0]
        if not found:
            reasons.append(
                f"单位“{value}”不存在：请填写系统中已有单位的全称、统一社会信用代码或编号"
            )
        else:
            ids = "、".join(str(u.pk) for u in found)
            reasons.append(
                f"单位“{value}”有 {len(found)} 个同名单位（编号 {ids}），无法确定："
                "请改填该单位的统一社会信用代码（或单位编号）"
            )
        return None

    @staticmethod
    def _level(value: str, reasons: list[str]) -> str:
        if not value:
            return ManagementLevel.OTHER
        code = _choice(value, ManagementLevel)
        if code is None:
            code = _choice(value.removesuffix("干部"), ManagementLevel)
        if code is None:
            reasons.append(
                f"干部管理权限“{value}”无效：应为 省管、市管、县管、乡管 或 其他"
            )
            return ManagementLevel.OTHER
        return code

    def finish(self, checked: list[tuple[int, dict, list[str]]]) -> None:
        """ID numbers already registered, found with one query per chunk of rows."""
        taken = self._registered(set(self.hashes.values()))
        for number, _plan, reasons in checked:
            if self.hashes.get(number) in taken:
                reasons.append("身份证号码已登记为监督对象，请勿重复导入")

    @staticmethod
    def _registered(hashes: set[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(hashes):
            found.update(
                Person.objects.filter(id_number_hash__in=chunk).values_list(
                    "id_number_hash", flat=True
                )
            )
        return found

    @staticmethod
    def display(plan: dict) -> str:
        return f"{plan['name']}（{plan['unit'].name}）"

    @staticmethod
    def write(plans: list[tuple[int, dict]], actor=None) -> None:
        for number, plan in plans:
            try:
                person_create(actor=actor, **plan)
            except ValidationError as exc:
                raise _RowFailed(number, exc.message) from exc


# --- running an import ----------------------------------------------------------------------


def _run(
    kind: str,
    rows_cls,
    columns,
    object_type: str,
    source,
    filename,
    dry_run,
    actor=None,
):
    table = read_table(source, columns, filename=filename)
    checker = rows_cls(table)
    checker.actor = actor
    checked = []
    for number, row in table.rows:
        plan, reasons = checker.check(number, row)
        checked.append((number, plan, reasons))
    checker.finish(checked)
    report = ImportReport(
        kind=kind, filename=table.filename, total=len(table.rows), dry_run=dry_run
    )
    report.errors = [(n, "；".join(r)) for n, _p, r in checked if r]
    if not report.ok:
        return report
    plans = [(n, p) for n, p, _r in checked]
    if not dry_run:
        try:
            _write(checker, plans, object_type, table.filename, actor)
        except _RowFailed as exc:
            report.errors = [(exc.number, exc.message)]
            return report
    report.created = [(n, checker.display(p)) for n, p in plans]
    return report


@transaction.atomic
def _write(checker, plans, object_type: str, filename: str, actor=None) -> None:
    checker.write(plans, actor)
    audit_record(
        actor=actor,
        action=Action.IMPORT,
        object_type=object_type,
        object_repr=f"导入{filename}",
        summary={"行数": len(plans)},
    )


def import_units(
    source, *, filename: str | None = None, dry_run: bool = False, actor=None
):
    """Import units from a CSV/XLSX path or file-like; all rows or none are written.

    ``actor`` None is the server console; a web upload passes the user (系统管理员).
    """
    if actor is not None and not can_edit_org(actor):
        raise NotFound()
    return _run(
        "units", _UnitRows, UNIT_COLUMNS, "org.unit", source, filename, dry_run, actor
    )


def import_persons(
    source, *, filename: str | None = None, dry_run: bool = False, actor=None
):
    """Import supervised persons from a CSV/XLSX path or file-like; all rows or none.

    With an ``actor`` every row's unit must be within the actor's reach.
    """
    return _run(
        "persons",
        _PersonRows,
        PERSON_COLUMNS,
        "org.person",
        source,
        filename,
        dry_run,
        actor,
    )


__all__ = [
    "MAX_ROWS",
    "ImportFileError",
    "ImportReport",
    "import_persons",
    "import_units",
    "read_table",
]
