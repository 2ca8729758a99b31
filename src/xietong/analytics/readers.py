"""Streaming readers for the files departments hand over: CSV, XLSX and Parquet.

Each reader yields the header row first and then the data rows as lists, so an
import holds one chunk in memory however large the file. CSV encodings are
detected (UTF-8 with or without BOM, else GBK/GB18030 via charset-normalizer).
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xietong.core.errors import ValidationError

SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
_SAMPLE = 1 << 20
# GBK and GB2312 are subsets of GB18030, which also decodes every byte sequence
# either of them produces.
_CHINESE = {"gbk", "gb2312", "gb18030", "hz", "cp936"}


@dataclass
class Source:
    """An opened input: its format, encoding (CSV) and a row iterator.

    ``position()`` tells how many bytes of the file the rows read so far stand for:
    exact for CSV (the read buffer's offset), estimated from the row count for XLSX
    and Parquet, whose bytes are compressed.
    """

    format: str
    encoding: str
    rows: Iterator[list[Any]]
    position: Callable[[], int] = field(default=lambda: 0)

    def close(self) -> None:
        """Release the file now rather than when the iterator is collected."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()


def file_format(file_name: str) -> str:
    """csv, xlsx or parquet from the file's name; ValidationError otherwise."""
    suffix = Path(file_name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(
            f"不支持的文件类型“{suffix or file_name}”：请上传 CSV、XLSX 或 Parquet 文件。",
            fields={"file": "文件类型不支持"},
        )
    return SUFFIXES[suffix]


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or gb18030 (or what charset-normalizer finds) for a CSV."""
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the end is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    name = (best.encoding if best else "gb18030").lower().replace("-", "")
    if name in _CHINESE or best is None:
        return "gb18030"
    return best.encoding


def open_source(path: Path, fmt: str, *, xlsx_max_bytes: int) -> Source:
    """Open ``path`` for streaming; the first row yielded is the header."""
    size = path.stat().st_size
    if fmt == "csv":
        encoding = detect_encoding(path)
        opened: list = []  # the open file, for position()
        return Source(
            "csv",
            encoding,
            _csv_rows(path, encoding, opened),
            lambda: _tell(opened[0], size) if opened else 0,
        )
    tracker = _Tracker(size)
    if fmt == "xlsx":
        if size > xlsx_max_bytes:
            raise ValidationError(
                f"XLSX 文件过大（{size / 1048576:.0f} MB，上限 "
                f"{xlsx_max_bytes / 1048576:.0f} MB）：请另存为 CSV 或 Parquet 后导入。",
                fields={"file": "文件过大"},
            )
        return Source("xlsx", "", _xlsx_rows(path, tracker), tracker.position)
    return Source("parquet", "", _parquet_rows(path, tracker), tracker.position)


def _tell(fh, size: int) -> int:
    try:
        return size if fh.closed else fh.buffer.tell()
    except (OSError, ValueError):
        return 0


class _Tracker:
    """Bytes read, estimated as the share of rows read of the rows the file declares."""

    def __init__(self, size: int):
        self.size = size
        self.total = 0
        self.done = 0

    def position(self) -> int:
        if not self.total:
            return 0
        return min(self.size, self.size * self.done // self.total)


def _csv_rows(path: Path, encoding: str, opened: list) -> Iterator[list[Any]]:
    with open(path, encoding=encoding, newline="") as fh:
        opened.append(fh)
        reader = csv.reader(fh)
        try:
            yield from reader
        except UnicodeDecodeError:
            raise ValidationError(
                f"文件第 {reader.line_num + 1} 行附近的编码与前文（{encoding}）不一致，"
                "无法识别：请统一另存为 UTF-8 或 GBK 编码。",
                fields={"file": "编码错误"},
            ) from None
        except csv.Error as exc:
            raise ValidationError(
                f"文件第 {reader.line_num} 行不是有效的 CSV：{exc}",
                fields={"file": "CSV 格式错误"},
            ) from None


def _xlsx_rows(path: Path, tracker: _Tracker) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(
            "无法读取该 XLSX 文件：文件已损坏或不是 Excel 2007 以上格式。",
            fields={"file": "文件无法读取"},
        ) from None
    try:
        sheet = book.worksheets[0]
        # The sheet's declared dimension; absent in some generated files (no estimate).
        tracker.total = sheet.max_row or 0
        for row in sheet.iter_rows(values_only=True):
            tracker.done += 1
            yield list(row)
    finally:
        book.close()


def _parquet_rows(
    path: Path, tracker: _Tracker, batch_size: int = 50_000
) -> Iterator[list[Any]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception:  # pyarrow raises ArrowInvalid, OSError…
        raise ValidationError(
            "无法读取该 Parquet 文件：文件已损坏或格式不对。",
            fields={"file": "文件无法读取"},
        ) from None
    names = parquet.schema_arrow.names
    tracker.total = parquet.metadata.num_rows
    yield list(names)
    for batch in parquet.iter_batches(batch_size=batch_size):
        columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for row in zip(*columns, strict=True):
            tracker.done += 1
            yield list(row)
