"""The evidence rows of a hit, read back from the Parquet files of the data versions
that produced it.

A hit stores only the keys of its evidence rows (``engine.datasets.row_key``); the
rows themselves stay in the imported files. :func:`read_evidence_rows` is plain
DuckDB over those files and knows nothing of Django; :func:`hit_evidence` picks the
files of a hit, masks ID numbers for the viewer and links the persons they may open.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from xietong.analytics.engine import CATALOGUE, DATASETS

# A hit's evidence is a handful of rows; the cap only guards against a key that
# matches far more rows than any model ever cites.
MAX_ROWS = 200


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _prefilter_part(dataset: str) -> int | None:
    """Index of a key part that is one text column, to narrow the scan in SQL."""
    spec = DATASETS[dataset]
    for i, part in enumerate(spec.key_parts):
        if len(part) == 1 and spec.column(part[0]).type == "str":
            return i
    return None


def read_evidence_rows(
    paths: Sequence[Path], dataset: str, keys: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``dataset`` in ``paths`` whose row key is one of ``keys``, by key.

    The files are scanned with DuckDB, narrowed in SQL by one key column and then
    matched exactly on the full row key in Python (the same function that made it).
    """
    import duckdb

    spec = DATASETS[dataset]
    wanted = set(keys)
    existing = [p for p in paths if Path(p).exists()]
    if not wanted or not existing:
        return {}
    files = "[" + ", ".join(_literal(str(p)) for p in existing) + "]"
    sql = f"SELECT * FROM read_parquet({files}, union_by_name = true)"
    part = _prefilter_part(dataset)
    params: list[Any] = []
    if part is not None:
        column = spec.key_parts[part][0]
        values = sorted({k.split("|")[part] for k in wanted if k.count("|") >= part})
        sql += f' WHERE "{column}" IN (SELECT unnest(?))'
        params.append(values)
    found: dict[str, list[dict[str, Any]]] = {}
    with duckdb.connect() as con:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        count = 0
        while batch := cursor.fetchmany(1000):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                key = spec.row_key(row)
                if key in wanted and count < MAX_ROWS:
                    found.setdefault(key, []).append(row)
                    count += 1
    return found


# An ID number inside a sentence: 18 characters (the last may be X) or the old 15 digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_ids_in_text(text: str) -> str:
    """``text`` with every ID number in it masked (a model's reason names the
    person's ID number; the sentence is shown to viewers without the grant)."""
    from xietong.core.identifiers import mask_id_number

    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(1)), text or "")


def mask_key(dataset: str, key: str) -> str:
    """A row key with its ID-number parts masked (a key may be an ID number)."""
    from xietong.core.identifiers import mask_id_number

    spec = DATASETS.get(dataset)
    parts = key.split("|")
    if spec is None or len(parts) != len(spec.key_parts):
        return key
    return "|".join(
        mask_id_number(value)
        if value and any(spec.column(f).normalizer == "id_number" for f in fields)
        else value
        for value, fields in zip(parts, spec.key_parts, strict=True)
    )


def protect_hit_text(evidence: dict, reason: str) -> tuple[dict, str, str, str]:
    """``(masked evidence, masked reason, full evidence JSON, full reason)`` — the
    full texts are empty when masking changed nothing (nothing to encrypt)."""
    masked = {
        dataset: [
            mask_key(dataset, str(k))
            if dataset in DATASETS
            else mask_ids_in_text(str(k))
            for k in keys
        ]
        for dataset, keys in (evidence or {}).items()
    }
    shown = mask_ids_in_text(reason)
    full_evidence = ""
    if masked != evidence:
        full_evidence = json.dumps(evidence, ensure_ascii=False, separators=(",", ":"))
    return masked, shown, full_evidence, reason if shown != reason else ""


def column_label(dataset: str, name: str) -> str:
    """Chinese label of a stored column: the standard one, or the file's own header."""
    spec = DATASETS[dataset]
    if name in spec.column_names:
        return spec.column(name).label
    if name.endswith("_branch") and name[:-7] in spec.column_names:
        return f"{spec.column(name[:-7]).label}（分支机构）"
    return name


def display_value(value: Any) -> str:
    """A cell as shown: dates ISO, times to the minute, amounts as written."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# --- for the web app ---------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    person_id: int | None = None


@dataclass
class EvidenceTable:
    """One evidence dataset of a hit: its keys, the rows found and the keys not found."""

    dataset: str
    label: str
    keys: list[str]
    columns: list[str] = field(default_factory=list)  # column names
    labels: list[str] = field(default_factory=list)  # their Chinese labels
    rows: list[list[Cell]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "label": self.label,
            "keys": self.keys,
            "columns": [
                {"name": n, "label": lb}
                for n, lb in zip(self.columns, self.labels, strict=True)
            ],
            "rows": [
                {n: c.text for n, c in zip(self.columns, row, strict=True)}
                for row in self.rows
            ],
            "missing": self.missing,
        }


def hit_versions(hit) -> list:
    """The data versions a hit was found in, limited to the datasets its model reads."""
    from xietong.analytics.models import DatasetVersion

    reads = CATALOGUE[hit.model].reads if hit.model in CATALOGUE else None
    pks = [
        pk
        for key, pk in (hit.data_versions or {}).items()
        if reads is None or key.split(":")[0] in reads
    ]
    return list(
        DatasetVersion.objects.select_related("dataset")
        .filter(pk__in=pks)
        .order_by("dataset__kind", "dataset_id")
    )


def hit_evidence(hit, *, viewer, reveal: bool = False) -> list[EvidenceTable]:
    """The evidence tables of ``hit`` for ``viewer``: ID numbers masked unless
    ``reveal`` (the caller has checked the grant and audited the view), and each ID
    number of a person the viewer may open linked to that person's archive."""
    from xietong.access import policies
    from xietong.analytics.models import DatasetVersion
    from xietong.core.identifiers import mask_id_number
    from xietong.org.models import Person
    from xietong.org.services import id_lookup_hash

    version_pks = [pk for pk in (hit.data_versions or {}).values()]
    versions = DatasetVersion.objects.select_related("dataset").filter(
        pk__in=version_pks
    )
    by_kind: dict[str, list[Path]] = {}
    for version in versions:
        by_kind.setdefault(version.dataset.kind, []).append(version.path)
    tables = []
    for dataset, keys in (hit.evidence_keys() or {}).items():
        spec = DATASETS.get(dataset)

        def shown(key: str, dataset=dataset) -> str:
            return key if reveal else mask_key(dataset, key)

        table = EvidenceTable(
            dataset=dataset,
            label=spec.label if spec else dataset,
            keys=[shown(k) for k in keys],
        )
        tables.append(table)
        if spec is None:
            continue
        try:
            found = read_evidence_rows(by_kind.get(dataset, []), dataset, keys)
        except Exception:  # a damaged or vanished file must not break the page
            table.unreadable = True
            continue
        table.missing = [shown(k) for k in keys if k not in found]
        rows = [row for k in keys for row in found.get(k, [])]
        if not rows:
            continue
        table.columns = [
            n for n in rows[0] if any(r.get(n) not in (None, "") for r in rows)
        ]
        table.labels = [column_label(dataset, n) for n in table.columns]
        id_columns = {
            n
            for n in table.columns
            if n in spec.column_names and spec.column(n).normalizer == "id_number"
        }
        hashes = {
            id_lookup_hash(str(r[n])) for r in rows for n in id_columns if r.get(n)
        }
        persons = {
            h: pk
            for h, pk in policies.scope_persons(
                viewer, Person.objects.filter(id_number_hash__in=hashes)
            ).values_list("id_number_hash", "pk")
        }
        for row in rows:
            cells = []
            for name in table.columns:
                value = row.get(name)
                if name in id_columns and value:
                    text = str(value) if reveal else mask_id_number(str(value))
                    cells.append(Cell(text, persons.get(id_lookup_hash(str(value)))))
                else:
                    cells.append(Cell(display_value(value)))
            table.rows.append(cells)
    return tables
