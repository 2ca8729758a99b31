"""The raw files "as departments hand them over": CSV with Chinese headers and the
dirty cells of DATASETS.md, row for row the clean Parquet data.

``raw/<dataset>.csv`` (UTF-8) holds the rows in the order of the Parquet file;
payroll is split by unit into ``raw/payroll.csv`` and ``raw/payroll.gbk.csv``
(GBK-encoded; rows whose text GBK cannot encode stay in the UTF-8 file). A sample
of dirty cells is recorded as ``raw_truth`` entries: the raw text, the clean value
(JSON: dates ISO, money as a string with two decimals, timestamps
"YYYY-MM-DD HH:MM:SS"), the column, the kind of dirt, the file and its 1-based data
line. Kinds ``company_*`` pair a name variant with the registered name it must be
matched to (not a string normalisation); ``name_traditional`` needs a
traditional→simplified table; ``name_typo`` is not dirt of the raw file but a
clean value with one wrong character (``registered`` gives the resident's name).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from contextlib import ExitStack
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from . import vocab
from .schema import DATASETS

EXCEL_EPOCH = date(1899, 12, 30)
SAMPLES_PER_KIND = 25

HEADERS: dict[str, dict[str, str]] = {
    "residents": {
        "id_number": "公民身份号码",
        "name": "姓名",
        "gender": "性别",
        "birth_date": "出生日期",
        "region_code": "户籍地行政区划代码",
        "address": "住址",
    },
    "deaths": {
        "id_number": "身份证号",
        "name": "姓名",
        "death_date": "死亡日期",
        "region_code": "行政区划",
        "source": "信息来源",
    },
    "officials": {
        "id_number": "身份证号码",
        "name": "姓名",
        "unit_uscc": "单位统一社会信用代码",
        "unit_name": "单位名称",
        "position": "职务",
        "level": "职级",
        "start_date": "任职开始日期",
        "end_date": "任职结束日期",
    },
    "relatives": {
        "official_id_number": "公职人员身份证号",
        "relative_name": "亲属姓名",
        "relative_id_number": "亲属身份证号",
        "relation": "关系",
    },
    "companies": {
        "uscc": "统一社会信用代码",
        "name": "企业名称",
        "legal_rep_name": "法定代表人",
        "legal_rep_id_number": "法定代表人身份证号",
        "reg_date": "成立日期",
        "status": "登记状态",
        "address": "住所",
    },
    "shareholders": {
        "uscc": "统一社会信用代码",
        "holder_name": "股东名称",
        "holder_id_number": "股东证件号码",
        "share_ratio": "持股比例",
    },
    "contracts": {
        "contract_id": "合同编号",
        "buyer_unit_uscc": "采购单位统一社会信用代码",
        "buyer_unit_name": "采购单位",
        "supplier_uscc": "供应商统一社会信用代码",
        "supplier_name": "供应商名称",
        "amount": "合同金额（元）",
        "sign_date": "签订日期",
        "method": "采购方式",
        "subject": "采购内容",
    },
    "payments": {
        "payment_id": "流水号",
        "program": "项目名称",
        "payee_name": "领取人姓名",
        "payee_id_number": "领取人身份证号",
        "bank_account": "银行账号",
        "amount": "发放金额",
        "pay_date": "发放日期",
        "region_code": "行政区划代码",
        "paying_unit": "发放单位",
    },
    "payroll": {
        "payroll_unit_uscc": "单位统一社会信用代码",
        "payroll_unit_name": "单位名称",
        "id_number": "证件号码",
        "name": "姓名",
        "month": "工资月份",
        "amount": "实发工资",
        "bank_account": "银行卡号",
    },
    "vehicles_use": {
        "plate": "车牌号码",
        "unit_name": "用车单位",
        "start_time": "出车时间",
        "end_time": "收车时间",
        "driver_name": "驾驶员",
        "purpose": "用车事由",
    },
}

# Which dirt a column gets, per dataset: (column, family, id column of the row).
_ID_COLS = {
    "id_number",
    "payee_id_number",
    "official_id_number",
    "relative_id_number",
    "legal_rep_id_number",
    "holder_id_number",
}
_NAME_COLS = {
    "residents": {"name": "id_number"},
    "deaths": {"name": "id_number"},
    "officials": {"name": "id_number"},
    "relatives": {"relative_name": "relative_id_number"},
    "companies": {"legal_rep_name": "legal_rep_id_number"},
    "shareholders": {"holder_name": "holder_id_number"},
    "payments": {"payee_name": "payee_id_number"},
    "payroll": {"name": "id_number"},
    "vehicles_use": {"driver_name": None},
}
_DATE_COLS = {
    "birth_date",
    "death_date",
    "start_date",
    "end_date",
    "reg_date",
    "sign_date",
    "pay_date",
}
_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
_TRAD = str.maketrans(vocab.TRADITIONAL)
_COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限公司")
_BRANCHES = ("郑州分公司", "金水分公司", "洛阳分公司", "第一分公司")


def clean_json(value):
    """The clean value as recorded in raw_truth."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def plain(value) -> str:
    """A clean value written the ordinary way."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


class _Dirt:
    def __init__(self, seed: int, dataset: str):
        self.rng = np.random.default_rng([seed, 77, DATASETS.index(dataset)])
        self.dataset = dataset

    def u(self) -> float:
        return float(self.rng.random())

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    # Each returns (raw text, kind) or (plain text, None).

    def id_number(self, v: str | None):
        if v is None:
            return "", None
        if v.endswith("X") and self.u() < 0.5:
            return v[:-1] + "x", "id_lower_x"
        u = self.u()
        if u < 0.03:
            return v.translate(_FULLWIDTH), "id_fullwidth"
        if u < 0.06:
            return f"{v[:6]} {v[6:14]} {v[14:]}", "id_spaces"
        if u < 0.08:
            return f" {v}\u3000", "id_spaces"
        if u < 0.12 and v[6:8] == "19":
            return v[:6] + v[8:17], "id_15"
        return v, None

    def name(self, v: str | None, identified: bool):
        if v is None:
            return "", None
        if vocab.MIDDLE_DOT in v:
            u = self.u()
            if u < 0.35:
                return v.replace(vocab.MIDDLE_DOT, "•"), "name_dot_bullet"
            if u < 0.55:
                return v.replace(vocab.MIDDLE_DOT, "・"), "name_dot_katakana"
            if u < 0.65:
                return v.replace(vocab.MIDDLE_DOT, " · "), "name_spaces"
            return v, None
        u = self.u()
        if u < 0.03:
            cut = 2 if v[:2] in ("司马", "欧阳", "上官") else 1
            return v[:cut] + self.pick((" ", "  ", "\u3000")) + v[cut:], "name_spaces"
        if u < 0.04:
            return f" {v} ", "name_spaces"
        if identified and u < 0.055 and v.translate(_TRAD) != v:
            return v.translate(_TRAD), "name_traditional"
        return v, None

    def company(self, v: str):
        u = self.u()
        form = next((f for f in _COMPANY_FORMS if v.endswith(f)), "")
        core = v[: len(v) - len(form)]
        if u < 0.04 and form:
            return core, "company_no_suffix"
        if u < 0.07 and form in ("有限公司", "有限责任公司"):
            other = "有限责任公司" if form == "有限公司" else "有限公司"
            return core + other, "company_suffix_swap"
        if u < 0.10:
            return f"{v}（{self.pick(_BRANCHES)}）", "company_branch_fullwidth"
        if u < 0.12:
            return f"{v}({self.pick(_BRANCHES)})", "company_branch_halfwidth"
        return v, None

    def amount(self, v: Decimal):
        u = self.u()
        text = f"{v:.2f}"
        if u < 0.12 and v >= 1000:
            return f"{v:,.2f}", "amount_comma"
        if u < 0.18:
            return text + "元", "amount_yuan"
        if u < 0.22 and v >= 1000:
            return f"{v:,.2f} 元", "amount_comma_yuan"
        if u < 0.30 and v == v.to_integral_value():
            return str(int(v)), "amount_integer"
        return text, None

    def day(self, v: date | None):
        if v is None:
            return "", None
        u = self.u()
        if u < 0.10:
            return f"{v.year}/{v.month}/{v.day}", "date_slash"
        if u < 0.18:
            return v.strftime("%Y%m%d"), "date_compact"
        if u < 0.24:
            return str((v - EXCEL_EPOCH).days), "date_excel"
        return v.isoformat(), None

    def moment(self, v: datetime | None):
        if v is None:
            return "", None
        u = self.u()
        if u < 0.10:
            t = f"{v.hour}:{v.minute:02d}:{v.second:02d}"
            return f"{v.year}/{v.month}/{v.day} {t}", "datetime_slash"
        if u < 0.14:
            serial = (v.date() - EXCEL_EPOCH).days + (
                v.hour * 3600 + v.minute * 60 + v.second
            ) / 86400
            return f"{serial:.6f}", "datetime_excel"
        return v.strftime("%Y-%m-%d %H:%M:%S"), None

    def month(self, v: str):
        u = self.u()
        y, m = v.split("-")
        if u < 0.05:
            return y + m, "month_compact"
        if u < 0.10:
            return f"{y}年{int(m)}月", "month_cn"
        if u < 0.15:
            return f"{y}/{m}", "month_slash"
        return v, None

    def ratio(self, v: float):
        if self.u() < 0.6:
            pct = f"{v * 100:.2f}".rstrip("0").rstrip(".")
            return pct + "%", "ratio_percent"
        return plain(v), None

    def purpose(self, v: str | None):
        if v is None:
            return (self.pick(("", " ", "\u3000")), "purpose_blank")
        return v, None


def _row_key(dataset: str, row: dict) -> str | None:
    if dataset == "payments":
        return row["payment_id"]
    if dataset == "contracts":
        return row["contract_id"]
    if dataset == "payroll":
        return f"{row['payroll_unit_uscc']}|{row['id_number']}|{row['month']}"
    if dataset == "vehicles_use":
        return f"{row['plate']}|{row['start_time']:%Y-%m-%d %H:%M:%S}"
    return None


def _gbk_ok(values: list[str]) -> bool:
    try:
        "".join(values).encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


# Rows read, dirtied and written at a time: memory stays bounded however large the
# dataset (20 M payments at scale 1.0). The dirt is drawn cell by cell from one
# generator per dataset, so the files do not depend on this size.
BATCH_ROWS = 65_536


def _file_name(ds: str, enc: str) -> str:
    return f"{ds}.gbk.csv" if enc == "gbk" else f"{ds}.csv"


def write_raw(
    out: Path,
    seed: int,
    registered_names: Mapping[str, str],
    *,
    batch_rows: int = BATCH_ROWS,
) -> tuple:
    """Write ``out/raw/*.csv``; return (files, headers, raw_truth).

    ``registered_names`` maps ID numbers to residents' names (to report clean
    payment names with one wrong character). Each dataset is read and written in
    batches of ``batch_rows`` rows."""
    raw_dir = out / "raw"
    raw_dir.mkdir(exist_ok=True)
    files: dict[str, list[dict]] = {}
    truth: list[dict] = []
    headers = {ds: {cn: std for std, cn in HEADERS[ds].items()} for ds in DATASETS}
    for ds in DATASETS:
        encodings = ("utf-8", "gbk") if ds == "payroll" else ("utf-8",)
        with ExitStack() as stack:
            handles = {
                enc: stack.enter_context(
                    open(raw_dir / _file_name(ds, enc), "w", encoding=enc, newline="")
                )
                for enc in encodings
            }
            lines = _write_dataset(
                out, ds, seed, registered_names, handles, truth, batch_rows
            )
        files[ds] = [
            {"file": _file_name(ds, enc), "encoding": enc, "rows": lines[enc]}
            for enc in encodings
        ]
    return files, headers, truth


def _write_dataset(
    out: Path,
    ds: str,
    seed: int,
    registered_names: Mapping[str, str],
    handles: dict,
    truth: list[dict],
    batch_rows: int,
) -> dict[str, int]:
    """Dirty and write one dataset's rows; the data lines written per encoding."""
    source = pq.ParquetFile(out / f"{ds}.parquet")
    dirt = _Dirt(seed, ds)
    names = _NAME_COLS.get(ds, {})
    cols = list(HEADERS[ds])
    writers = {k: csv.writer(v, lineterminator="\r\n") for k, v in handles.items()}
    lines = dict.fromkeys(handles, 0)
    for w in writers.values():
        w.writerow([HEADERS[ds][c] for c in cols])
    counts: dict[tuple[str, str], int] = {}
    gbk_units: set[str] = set()
    if ds == "payroll":
        units = source.read(columns=["payroll_unit_uscc"]).column(0).unique()
        gbk_units = set(sorted(units.to_pylist())[::2])
    for batch in source.iter_batches(batch_size=batch_rows):
        for row in batch.to_pylist():
            cells, dirty = [], []
            for c in cols:
                v = row[c]
                if c in _ID_COLS:
                    text, kind = dirt.id_number(v)
                elif c in names:
                    idc = names[c]
                    ident = idc is not None and row.get(idc) is not None
                    text, kind = dirt.name(v, ident)
                    if ds == "payments" and ident and v is not None:
                        reg = registered_names.get(row["payee_id_number"])
                        if reg is not None and reg != v:
                            dirty.append((c, "name_typo", text, v, reg))
                elif c == "supplier_name":
                    text, kind = dirt.company(v)
                elif c == "amount":
                    text, kind = dirt.amount(v)
                elif c in _DATE_COLS:
                    text, kind = dirt.day(v)
                elif c in ("start_time", "end_time"):
                    text, kind = dirt.moment(v)
                elif c == "month":
                    text, kind = dirt.month(v)
                elif c == "share_ratio":
                    text, kind = dirt.ratio(v)
                elif c == "purpose":
                    text, kind = dirt.purpose(v)
                else:
                    text, kind = plain(v), None
                cells.append(text)
                if kind:
                    dirty.append((c, kind, text, clean_json(v), None))
            enc = "utf-8"
            if ds == "payroll" and row["payroll_unit_uscc"] in gbk_units:
                enc = "gbk" if _gbk_ok(cells) else "utf-8"
            writers[enc].writerow(cells)
            lines[enc] += 1
            for c, kind, text, clean, reg in dirty:
                n = counts.get((c, kind), 0)
                if n >= SAMPLES_PER_KIND:
                    continue
                counts[(c, kind)] = n + 1
                entry = {
                    "dataset": ds,
                    "file": _file_name(ds, enc),
                    "line": lines[enc],
                    "key": _row_key(ds, row),
                    "column": c,
                    "kind": kind,
                    "raw": text,
                    "clean": clean,
                }
                if reg is not None:
                    entry["registered"] = reg
                truth.append(entry)
    return lines
