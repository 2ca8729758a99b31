"""The result rows of a custom SQL model as hits: identity, evidence, reason, subject.

Each distinct row is one hit. Its identity is the model and the row itself, so a
re-run finds the same hits again rather than new ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from xietong.analytics.engine.datasets import DATASETS

# Result columns that name evidence rows without the ``<dataset>__<field>`` prefix.
SHORTHAND_KEYS = {
    "payments": ("payment_id",),
    "contracts": ("contract_id",),
    "vehicles_use": ("plate", "start_time"),
}
# ``id_number`` names a row of the first of these datasets the query reads;
# ``uscc`` a row of companies when the query reads companies.
PERSON_DATASETS = ("deaths", "officials", "residents")
SUBJECT_ID_COLUMNS = ("id_number", "身份证号", "subject_id_number")
SUBJECT_NAME_COLUMNS = ("name", "姓名", "subject_name")
RESULT_EVIDENCE = "结果"


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return "" if value is None else str(value)


def row_identity(model_id: Any, row: Mapping[str, Any]) -> str:
    """SHA-256 hex of the model and the row's columns and values, in column order
    independent form: the same row of the same model is the same hit on every run."""
    canonical = [[str(k), _text(v)] for k, v in sorted(row.items(), key=lambda i: i[0])]
    text = json.dumps([str(model_id), canonical], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_evidence(row: Mapping[str, Any], reads: Iterable[str]) -> dict[str, list[str]]:
    """Evidence keys the row names: ``<dataset>__<field>`` columns for any dataset,
    and the shorthands (payment_id, contract_id, plate + start_time, uscc, id_number);
    a row naming none is its own evidence, ``{"结果": ["列=值；…"]}``."""
    reads = set(reads)
    evidence: dict[str, list[str]] = {}

    def add(dataset: str, values: Mapping[str, Any]) -> None:
        spec = DATASETS[dataset]
        for part in spec.key_parts:
            if all(values.get(f) in (None, "") for f in part):
                return
        evidence.setdefault(dataset, [spec.row_key(values)])

    for name, spec in DATASETS.items():
        prefixed = {f: row.get(f"{name}__{f}") for f in spec.key_fields}
        add(name, prefixed)
    for name, columns in SHORTHAND_KEYS.items():
        if all(c in row for c in columns):
            add(name, {c: row[c] for c in columns})
    if "uscc" in row and "companies" in reads:
        add("companies", {"uscc": row["uscc"]})
    if "id_number" in row:
        for name in PERSON_DATASETS:
            if name in reads:
                add(name, {"id_number": row["id_number"]})
                break
    if not evidence:
        shown = "；".join(f"{k}={_text(v)}" for k, v in row.items())
        return {RESULT_EVIDENCE: [shown]}
    return dict(sorted(evidence.items()))


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}:]+)(?::([^{}]*))?\}")


def fill_reason(template: str, row: Mapping[str, Any]) -> str:
    """``template`` with ``{column}`` (optionally ``{column:,.2f}``) filled from the row.

    Only plain look-ups: a placeholder naming no column stays as written, and there
    is no attribute or index access, so a template cannot reach into the objects.
    """

    def fill(match: re.Match) -> str:
        whole = match.group(0)
        if whole == "{{":
            return "{"
        if whole == "}}":
            return "}"
        key, spec = match.group(1).strip(), match.group(2)
        if key not in row:
            return whole
        value = row[key]
        if spec and isinstance(value, int | float | Decimal | dt.date):
            try:
                return format(value, spec)
            except (TypeError, ValueError):
                pass
        return _text(value)

    return _PLACEHOLDER.sub(fill, template)


def default_reason(model_name: str, row: Mapping[str, Any]) -> str:
    """自定义模型“X”命中：列 值，… (the first six non-empty columns)."""
    shown = [f"{k} {_text(v)}" for k, v in row.items() if v not in (None, "")][:6]
    return f"自定义模型“{model_name}”命中：{'，'.join(shown) or '（空行）'}"


def result_hits(
    *,
    model_id: Any,
    model_name: str,
    reason_template: str,
    rows: Iterable[Mapping[str, Any]],
    reads: Iterable[str],
) -> list[dict[str, Any]]:
    """One hit per distinct result row (repeated rows are one hit)."""
    reads = frozenset(reads)
    hits: dict[str, dict[str, Any]] = {}
    for row in rows:
        identity = row_identity(model_id, row)
        if identity in hits:
            continue
        hit: dict[str, Any] = {
            "model": "custom",
            "identity": identity,
            "evidence": row_evidence(row, reads),
            "reason": fill_reason(reason_template, row)
            if reason_template.strip()
            else default_reason(model_name, row),
            "confidence": 1.0,
            "matched_on": [],
        }
        number = next((row[c] for c in SUBJECT_ID_COLUMNS if row.get(c)), None)
        name = next((row[c] for c in SUBJECT_NAME_COLUMNS if row.get(c)), None)
        if number or name:
            hit["subject"] = {
                "id_number": _text(number) or None,
                "name": _text(name) or None,
            }
        hits[identity] = hit
    return list(hits.values())
