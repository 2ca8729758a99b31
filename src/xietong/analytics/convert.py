"""The import's hot loop: one file row to the cleaned cells of its standard columns.

A department's file repeats most of its values (program, region code, paying unit,
dates, often names and amounts), so each column remembers what its normaliser made
of every text it has seen: the value, the branch of a company name and the
report's change kind (:func:`~xietong.analytics.report.change_kind`). The cleaned
cells are exactly those of :func:`~xietong.analytics.engine.normalize_row` (the
same normalisers are called, once per distinct text instead of once per cell); a
row with any error is handed to ``normalize_row`` itself, so the errors are worded
and ordered as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from xietong.analytics.engine import get_dataset, normalize_row
from xietong.analytics.engine.normalize import (
    NORMALIZERS,
    CompanyName,
    NormalizationError,
    RowResult,
    already_clean_test,
)
from xietong.analytics.report import change_kind

# What a column cell became: (value, branch of a company name, change kind or None).
Cell = tuple[Any, Any, str | None]
BLANK: Cell = (None, None, None)
_BAD: Cell = (None, None, "bad")  # compared by identity: the cell cannot be cleaned
# A column's memory is emptied when it holds this many texts; one whose texts
# hardly repeat (serial numbers; ID numbers of a province's payments, which come
# back months apart) stops remembering.
_CACHE_LIMIT = 1 << 16


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cleaner(column, today: date) -> Callable[[Any], Cell]:
    """The column's cell cleaner: normalize_row's handling of one cell."""
    normalize = NORMALIZERS[column.normalizer]
    already_clean = already_clean_test(column.normalizer, today)

    def clean(raw: Any) -> Cell:
        if already_clean is not None and type(raw) is str and already_clean(raw):
            return (raw, None, None)
        if _blank(raw):
            return BLANK
        try:
            result = normalize(raw)
        except NormalizationError:
            return _BAD
        branch = result.branch if isinstance(result, CompanyName) else None
        if not result.changed:
            return (result.value, branch, None)
        return (result.value, branch, change_kind(column, raw, result.value, branch))

    if column.normalizer != "text":
        return clean
    trimmed = change_kind(column, " ", "")

    def clean_text(raw: Any) -> Cell:
        if type(raw) is not str:
            return clean(raw)
        text = raw.strip()  # normalize_text without building its NamedTuple
        if not text:
            return BLANK
        return (text, None, None if text == raw else trimmed)

    return clean_text


class _Column:
    __slots__ = ("index", "required", "clean", "cache", "since")

    def __init__(self, index: int | None, required: bool, clean):
        self.index = index
        self.required = required
        self.clean = clean
        self.cache: dict[str, Cell] | None = {}
        self.since = 0  # the converter's row count when the cache was last emptied

    def miss(self, raw: str, rows: int) -> Cell:
        """Clean a text the cache does not hold, and remember it."""
        cell = self.clean(raw)
        cache = self.cache
        if len(cache) >= _CACHE_LIMIT:
            # Fewer hits than a quarter of the texts remembered: not worth it.
            if rows - self.since - len(cache) < len(cache) // 4:
                self.cache = None
                return cell
            cache.clear()
            self.since = rows
        cache[raw] = cell
        return cell


class RowConverter:
    """Cleans the rows of one file whose columns ``by_column`` lists as
    (file column index, standard column)."""

    def __init__(self, kind: str, by_column: list[tuple[int, str]]):
        self.kind = kind
        self.spec = spec = get_dataset(kind)
        self.by_column = by_column
        self.rows = 0
        index = {column: i for i, column in by_column}
        required = {g[0] for g in spec.required if len(g) == 1}
        today = date.today()
        self.columns = [
            _Column(index.get(c.name), c.name in required, _cleaner(c, today))
            for c in spec.columns
        ]
        position = {c.name: p for p, c in enumerate(spec.columns)}
        self.groups = [[position[n] for n in g] for g in spec.required if len(g) > 1]
        # Positions of company-name columns, whose branch is stored alongside.
        self.branches = [
            p for p, c in enumerate(spec.columns) if c.normalizer == "company_name"
        ]

    def cells(self, cells: list) -> list[Cell] | None:
        """The cleaned cell of every standard column, or None when the row has an
        error (:meth:`result` then words it)."""
        self.rows = rows = self.rows + 1
        width = len(cells)
        out = []
        for column in self.columns:
            index = column.index
            if index is None or index >= width:
                cell = BLANK
            else:
                raw = cells[index]
                cache = column.cache
                # Only text is remembered: 1, 1.0 and True are one dictionary key.
                if cache is not None and type(raw) is str:
                    cell = cache.get(raw)
                    if cell is None:
                        cell = column.miss(raw, rows)
                else:
                    cell = column.clean(raw)
            if cell is _BAD or (cell is BLANK and column.required):
                return None
            out.append(cell)
        for group in self.groups:
            if all(out[p][0] is None for p in group):
                return None
        return out

    def result(self, cells: list) -> tuple[dict[str, Any], RowResult]:
        """The row as normalize_row sees and cleans it (raw values by column)."""
        width = len(cells)
        raw = {c: cells[i] if i < width else None for i, c in self.by_column}
        return raw, normalize_row(self.kind, raw)
