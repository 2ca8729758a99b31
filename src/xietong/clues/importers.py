"""``xietong clues import FILE.csv``: bulk registration, one result line per data row.

Columns: source, received_date, person_name, person_id_number, person_unit, summary,
receiving_unit (Chinese headers accepted). An empty receiving_unit means the province
commission's 案件监督管理室. Each row is registered in its own transaction, so a bad row is
reported and the others still get their numbers. A person not yet in the registry is added
as an unverified person when their unit is known.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction

from xietong.core.errors import ApplicationError, ValidationError
from xietong.core.identifiers import parse_id_number
from xietong.org.importers import Column, read_table
from xietong.org.models import ManagementLevel, Person, Region, Unit, UnitKind
from xietong.org.services import id_lookup_hash, person_create

from .models import ClueSource
from .services import SubjectInput, clue_register

COLUMNS = (
    Column("source", "来源", ("source", "来源", "线索来源"), True),
    Column(
        "received_date", "收到日期", ("received_date", "收到日期", "受理日期"), True
    ),
    Column("person_name", "被反映人姓名", ("person_name", "被反映人", "姓名"), True),
    Column("person_id_number", "身份证号码", ("person_id_number", "身份证号码")),
    Column("person_unit", "被反映人单位", ("person_unit", "单位", "被反映人单位")),
    Column("summary", "主要问题", ("summary", "主要问题", "问题摘要"), True),
    Column("receiving_unit", "受理单位", ("receiving_unit", "受理单位", "登记单位")),
)

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")


def _source(text: str) -> str:
    text = text.strip()
    if text in ClueSource.values:
        return text
    for value, label in ClueSource.choices:
        if text == label:
            return value
    raise ValidationError(f"来源“{text}”无效：应为 {'、'.join(ClueSource.labels)}")


def _date(text: str) -> dt.date:
    text = re.sub(r"\s+", "", text)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        f"收到日期“{text}”无效：应为 2026-03-01、2026/3/1 或 20260301"
    )


def _unit(name: str) -> Unit | None:
    name = name.strip()
    if not name:
        return None
    units = list(Unit.objects.filter(name=name)[:2])
    return units[0] if len(units) == 1 else None


def _registering_unit(name: str) -> Unit:
    if not name.strip():
        province = Region.objects.filter(parent__isnull=True).order_by("code").first()
        unit = Unit.objects.filter(
            kind=UnitKind.CASE_MANAGEMENT,
            parent__kind=UnitKind.COMMISSION,
            parent__region=province,
        ).first()
    else:
        unit = _unit(name)
        if unit is not None and unit.kind == UnitKind.COMMISSION:
            unit = unit.children.filter(kind=UnitKind.CASE_MANAGEMENT).first() or unit
    if unit is None:
        raise ValidationError(f"受理单位“{name or '省纪委监委案件监督管理室'}”不存在")
    return unit


def _subject(row: dict) -> SubjectInput:
    name = " ".join(row.get("person_name", "").split())
    unit_text = row.get("person_unit", "").strip()
    number = row.get("person_id_number", "").strip()
    if number:
        parsed = parse_id_number(number, field="身份证号码")
        person = Person.objects.filter(
            id_number_hash=id_lookup_hash(parsed.number)
        ).first()
        if person is not None:
            return SubjectInput(person=person)
        unit = _unit(unit_text)
        if unit is None:
            raise ValidationError(
                f"被反映人不在监督对象库中，且单位“{unit_text}”不存在或不唯一，无法登记为待核实人员"
            )
        person = person_create(
            actor=None,
            name=name,
            id_number=parsed.number,
            unit=unit,
            management_level=ManagementLevel.OTHER,
            verified=False,
        )
        return SubjectInput(person=person)
    unit = _unit(unit_text)
    if unit is not None:
        matches = list(Person.objects.filter(name=name, unit=unit)[:2])
        if len(matches) == 1:
            return SubjectInput(person=matches[0])
    return SubjectInput(name=name, unit_name=unit_text)


def import_clues(path: str) -> list[tuple[int, str | None, str | None]]:
    """Register every row; returns (data row, clue number or None, error or None).

    Data rows count from 1 (the header is not counted); blank lines are skipped.
    """
    table = read_table(path, COLUMNS)
    results = []
    for index, (_line, row) in enumerate(table.rows, start=1):
        number = index
        try:
            with transaction.atomic():
                clue = clue_register(
                    actor=None,
                    source=_source(row["source"]),
                    received_date=_date(row["received_date"]),
                    summary=row["summary"],
                    subjects=[_subject(row)],
                    registering_unit=_registering_unit(row.get("receiving_unit", "")),
                )
            results.append((number, clue.number, None))
        except ApplicationError as exc:
            results.append((number, None, exc.message))
    return results
