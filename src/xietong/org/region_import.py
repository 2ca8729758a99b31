"""Import of administrative regions (GB/T 2260 and statistical township/village codes).

A fresh installation loads its province's regions from a file before units and persons:
``xietong import regions FILE``. Same rules as the other imports: every bad row reported by
number, nothing written unless every row is good.
"""

from __future__ import annotations

from xietong.core.errors import NotFound, ValidationError
from xietong.core.identifiers import region_parent_code, validate_region_code

from .importers import Column, _fold, _RowFailed, _run, _Table
from .models import Region
from .services import region_create

REGION_COLUMNS = (
    Column("code", "区划代码", ("区划代码", "行政区划代码", "代码", "code"), True),
    Column("name", "名称", ("名称", "区划名称", "name"), True),
)


class _RegionRows:
    """Checks region rows; a parent must exist already or come in the same file."""

    def __init__(self, table: _Table):
        codes = {_fold(r["code"]) for _, r in table.rows}
        self.existing = set(
            Region.objects.filter(
                code__in=codes
                | {
                    region_parent_code(c) or ""
                    for c in codes
                    if c.isdigit() and len(c) in (6, 9, 12)
                }
            ).values_list("code", flat=True)
        )
        self.in_file = {}

    def check(self, number: int, row: dict) -> tuple[dict, list[str]]:
        reasons: list[str] = []
        try:
            code = validate_region_code(row["code"], field="区划代码")
        except ValidationError as exc:
            return {}, [exc.message]
        name = row["name"].strip()
        if not name:
            reasons.append("名称不能为空")
        if code in self.existing:
            reasons.append(f"区划代码 {code} 已存在")
        elif code in self.in_file:
            reasons.append(f"区划代码 {code} 与第 {self.in_file[code]} 行重复")
        self.in_file.setdefault(code, number)
        return {"code": code, "name": name}, reasons

    def finish(self, checked) -> None:
        """Every parent must be in the database or in the file."""
        known = self.existing | set(self.in_file)
        for _number, plan, reasons in checked:
            parent = region_parent_code(plan["code"]) if plan else None
            if parent and parent not in known:
                reasons.append(
                    f"上级区划 {parent} 不存在：请先导入上级区划或一并列入文件"
                )

    @staticmethod
    def display(plan: dict) -> str:
        return f"{plan['name']}（{plan['code']}）"

    @staticmethod
    def write(plans: list[tuple[int, dict]], actor=None) -> None:
        # Parents first: shorter codes are higher levels.
        for number, plan in sorted(
            plans, key=lambda p: (len(p[1]["code"]), p[1]["code"])
        ):
            try:
                region_create(actor=actor, **plan)
            except ValidationError as exc:
                raise _RowFailed(number, exc.message) from exc


def import_regions(
    source, *, filename: str | None = None, dry_run: bool = False, actor=None
):
    """Import regions from a CSV/XLSX path or file-like; all rows or none are written."""
    from xietong.access.policies import can_edit_org

    if actor is not None and not can_edit_org(actor):
        raise NotFound()
    return _run(
        "regions",
        _RegionRows,
        REGION_COLUMNS,
        "org.region",
        source,
        filename,
        dry_run,
        actor,
    )
