"""党风廉政意见回复: a partner liaison (组织部…) submits a list of cadres, the commission gets
a proposed reply per person computed in bulk from sanctions and open clues, confirms it,
and the reply is exported.

The liaison never learns clue content: ``reasons`` are for the commission; what leaves the
commission is the verdict and a neutral wording (``public``)."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from xietong.access import policies
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.core.identifiers import mask_id_number, parse_id_number
from xietong.org.models import Person, Unit, UnitKind
from xietong.org.services import id_lookup_hash

from ..models import (
    ClueStatus,
    ClueSubject,
    IntegrityBatch,
    IntegrityEntry,
    OpinionVerdict,
    Sanction,
    SanctionKind,
)

MAX_ROWS = 2000
CLOSED_STATES = (ClueStatus.CLOSED, ClueStatus.CONCLUDED, ClueStatus.MERGED)
NOT_IN_REGISTRY = "监督对象库中无此人记录"
OPEN_CLUES_PUBLIC = "存在尚未办结的问题线索"
# A dismissal from public office (政务开除) has no period: it never expires.
_NO_PERIOD_KINDS = (SanctionKind.GOV_EXPULSION,)


def integrity_commission(unit: Unit | None) -> Unit | None:
    """The commission answering for ``unit``: the commission of its region, or of the
    nearest region above it that has one (a county unit → the county commission)."""
    region = unit.region if unit is not None else None
    while region is not None:
        found = (
            Unit.objects.filter(kind=UnitKind.COMMISSION, region=region, is_active=True)
            .order_by("id")
            .first()
        )
        if found is not None:
            return found
        region = region.parent
    return None


# --- reading the list (screen or .xlsx) --------------------------------------------------------


def _split_line(line: str) -> list[str]:
    for sep in (",", "，", "\t", "、", ";", "；"):
        if sep in line:
            return [p.strip() for p in line.split(sep)]
    return line.split()


def _is_header(name: str, number: str) -> bool:
    return "姓名" in name or "身份证" in number


def parse_integrity_text(text: str) -> tuple[list[tuple[str, str]], list[int]]:
    """Rows of "姓名,身份证号码" per line (a header line is skipped), with line numbers."""
    rows, lines = [], []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = _split_line(raw.strip())
        name = parts[0] if parts else ""
        number = parts[1] if len(parts) > 1 else ""
        if not rows and _is_header(name, number):
            continue
        rows.append((name, number))
        lines.append(n)
    return rows, lines


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and value < 1e15:
        value = int(value)  # a 序号 typed as a number; an 18-digit ID has lost digits
    return str(value).strip()


def parse_integrity_xlsx(data: bytes) -> tuple[list[tuple[str, str]], list[int]]:
    """Rows of an .xlsx with columns 姓名 and 身份证号码 (found from the header row within
    the first five rows; without a header, the first two columns), with sheet row numbers."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        cells = [
            [_cell_text(v) for v in row]
            for row in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 10)
        ]
        wb.close()
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError(
            "文件不是有效的 .xlsx 工作簿。", fields={"file": "无法读取"}
        ) from None
    name_col, id_col, start = 0, 1, 0
    for i, row in enumerate(cells[:5]):
        names = [j for j, v in enumerate(row) if v.replace(" ", "") == "姓名"]
        ids = [j for j, v in enumerate(row) if "身份证" in v]
        if names and ids:
            name_col, id_col, start = names[0], ids[0], i + 1
            break
    rows, lines = [], []
    for i, row in enumerate(cells[start:], start=start + 1):
        name = row[name_col] if name_col < len(row) else ""
        number = row[id_col] if id_col < len(row) else ""
        if not name and not number:
            continue
        rows.append((name, number))
        lines.append(i)
    return rows, lines


# --- the proposal, in bulk --------------------------------------------------------------------


def integrity_proposals(
    person_ids: Sequence[int], *, today: dt.date | None = None
) -> dict[int, tuple[str, list[dict]]]:
    """Proposed verdict and reasons for each registry person, in two queries for the whole
    list: active influence periods → 有意见; open clues or cases → 暂缓; else 无意见.

    Each reason is ``{"text": for the commission, "public": neutral wording or ""}``."""
    today = today or timezone.localdate()
    ids = list(set(person_ids))
    sanctions: dict[int, list[dict]] = defaultdict(list)
    for s in (
        Sanction.objects.filter(person_id__in=ids)
        .filter(
            Q(influence_end__gte=today)
            | Q(influence_end__isnull=True, kind__in=_NO_PERIOD_KINDS)
        )
        .values("person_id", "kind", "effective_date", "influence_end")
        .order_by(F("influence_end").desc(nulls_first=True), "-effective_date")
    ):
        sanctions[s["person_id"]].append(s)
    clues: dict[int, dict[int, str]] = defaultdict(dict)
    for c in (
        ClueSubject.objects.filter(person_id__in=ids)
        .exclude(clue__status__in=CLOSED_STATES)
        .values("person_id", "clue_id", "clue__status")
    ):
        clues[c["person_id"]][c["clue_id"]] = c["clue__status"]
    out: dict[int, tuple[str, list[dict]]] = {}
    for pid in ids:
        reasons: list[dict] = []
        for s in sanctions.get(pid, ()):
            label = SanctionKind(s["kind"]).label
            if s["influence_end"] is None:
                text = f"受到{label}处分（{s['effective_date']:%Y-%m-%d}生效）"
                public = f"受到{label}处分"
            else:
                end = f"{s['influence_end']:%Y-%m-%d}"
                text = (
                    f"受到{label}处分（{s['effective_date']:%Y-%m-%d}生效），"
                    f"影响期至{end}"
                )
                public = f"处分影响期内（至{end}）"
            reasons.append({"text": text, "public": public})
        held = clues.get(pid, {})
        if held:
            cases = sum(1 for status in held.values() if status == ClueStatus.CASE)
            text = f"有{len(held)}件尚未办结的问题线索"
            if cases:
                text += f"（其中立案审查调查{cases}件）"
            reasons.append({"text": text, "public": OPEN_CLUES_PUBLIC})
        if sanctions.get(pid):
            verdict = OpinionVerdict.OBJECTION
        elif held:
            verdict = OpinionVerdict.DEFER
        else:
            verdict = OpinionVerdict.NONE
        out[pid] = (verdict, _dedupe_public(reasons))
    return out


def _dedupe_public(reasons: list[dict]) -> list[dict]:
    """Several active sanctions give one neutral line: the latest end date only."""
    seen = False
    for r in reasons:
        if r["public"].startswith("处分影响期内") or r["public"].startswith("受到"):
            if seen:
                r["public"] = ""
            seen = True
    return reasons


def public_wording(reasons: list[dict]) -> str:
    """What the reply tells the asking unit: the neutral wordings, never clue content."""
    return "；".join(r["public"] for r in reasons if r.get("public"))


# --- submit and confirm ---------------------------------------------------------------------


def _row_label(i: int, source_rows: Sequence[int] | None) -> str:
    return f"第 {source_rows[i - 1] if source_rows else i} 行"


def _clean_rows(rows, source_rows) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Names and normalised ID numbers; every row error is collected, row-numbered."""
    errors: dict[str, str] = {}
    clean: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows, start=1):
        label = _row_label(i, source_rows)
        try:
            name, raw = row[0], row[1]
        except (TypeError, IndexError, KeyError):
            errors[label] = "应为“姓名,身份证号码”两项"
            clean.append(("", ""))
            continue
        name = "".join(str(name or "").split())
        if not name:
            errors[label] = "姓名为空"
        elif len(name) > 64:
            errors[label] = "姓名过长"
        number = ""
        try:
            number = parse_id_number(str(raw or ""), field="身份证号码").number
        except ValidationError as exc:
            errors[label] = "；".join(filter(None, [errors.get(label), exc.message]))
        else:
            if number in seen:
                errors[label] = (
                    f"身份证号码与{_row_label(seen[number], source_rows)}重复"
                )
            else:
                seen[number] = i
        clean.append((name, number))
    return clean, errors


@transaction.atomic
def integrity_batch_submit(
    *,
    actor,
    purpose: str,
    rows: Sequence[tuple[str, str]],
    source_rows: Sequence[int] | None = None,
) -> IntegrityBatch:
    """Ask the commission of the liaison's region for integrity opinions on ``rows``
    (name, ID number). All or nothing: any bad row refuses the whole list with a
    row-numbered Chinese error list. ``source_rows`` names the rows as the user sees
    them (line or sheet row numbers)."""
    if not policies.can_request_integrity(actor):
        raise PermissionDenied("只有协作单位联络员可以征求党风廉政意见。")
    commission = integrity_commission(actor.unit)
    if commission is None:
        raise ValidationError("未找到本地区的纪委监委，无法提交。")
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise ValidationError("请填写事由。", fields={"purpose": "不能为空"})
    if len(purpose) > 128:
        raise ValidationError("事由不能超过 128 字。", fields={"purpose": "过长"})
    rows = list(rows or ())
    if not rows:
        raise ValidationError("名单为空，请至少填写一人。", fields={"rows": "名单为空"})
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            f"一次最多征求 {MAX_ROWS} 人，本次 {len(rows)} 人，请分批提交。",
            fields={"rows": "人数过多"},
        )
    if source_rows is not None and len(source_rows) != len(rows):
        source_rows = None
    clean, errors = _clean_rows(rows, source_rows)
    hashes = {number: id_lookup_hash(number) for _, number in clean if number}
    persons = {
        p.id_number_hash: p
        for p in Person.objects.filter(id_number_hash__in=list(hashes.values())).only(
            "id", "name", "id_number_hash"
        )
    }
    matched: list[Person | None] = []
    for i, (name, number) in enumerate(clean, start=1):
        person = persons.get(hashes.get(number, ""))
        if person is not None and name and "".join(person.name.split()) != name:
            label = _row_label(i, source_rows)
            errors.setdefault(label, "姓名与监督对象库中该身份证号码的登记姓名不一致")
        matched.append(person)
    if errors:
        raise ValidationError(
            f"名单中有 {len(errors)} 行有误，整份名单未提交，请更正后重新提交。",
            fields=errors,
        )
    proposals = integrity_proposals([p.pk for p in matched if p is not None])
    batch = IntegrityBatch.objects.create(
        requesting_unit=actor.unit,
        commission=commission,
        purpose=purpose,
        submitted_by=actor,
    )
    entries = []
    for i, ((name, number), person) in enumerate(
        zip(clean, matched, strict=True), start=1
    ):
        if person is None:
            verdict = OpinionVerdict.NONE
            reasons = [{"text": NOT_IN_REGISTRY + "，请核查", "public": ""}]
        else:
            verdict, reasons = proposals[person.pk]
        entries.append(
            IntegrityEntry(
                batch=batch,
                row=i,
                name=name,
                id_masked=mask_id_number(number),
                person=person,
                proposal=verdict,
                reasons=reasons,
            )
        )
    IntegrityEntry.objects.bulk_create(entries, batch_size=500)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=batch,
        summary={
            "征求单位": actor.unit.name,
            "回复机关": commission.name,
            "事由": purpose,
            "人数": len(entries),
        },
    )
    return batch


@transaction.atomic
def integrity_batch_confirm(
    *, actor, batch: IntegrityBatch, overrides: dict | None = None
) -> IntegrityBatch:
    """The commission confirms the reply: each proposal stands unless overridden by
    ``{row: (verdict, note)}`` (a changed verdict needs a note). Final once confirmed."""
    if not policies.scope_integrity_batches(
        actor, IntegrityBatch.objects.filter(pk=batch.pk)
    ).exists():
        raise NotFound()
    if not policies.can_reply_integrity(actor, batch):
        raise PermissionDenied("只有受征求的纪委监委案管或委领导可以确认回复。")
    batch = IntegrityBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.is_confirmed:
        raise Conflict("该批党风廉政意见已确认回复，不能再次确认。")
    entries = list(batch.entries.order_by("row"))
    by_row = {e.row: e for e in entries}
    errors: dict[str, str] = {}
    changes: dict[int, tuple[str, str]] = {}
    for key, value in (overrides or {}).items():
        try:
            row = int(key)
            verdict, note = value
        except (TypeError, ValueError):
            errors[f"第 {key} 行"] = "格式无效"
            continue
        label = f"第 {row} 行"
        entry = by_row.get(row)
        note = " ".join(str(note or "").split())
        if entry is None:
            errors[label] = "本批次无此行"
        elif verdict not in OpinionVerdict.values:
            errors[label] = f"回复意见“{verdict}”无效"
        elif len(note) > 255:
            errors[label] = "回复说明不能超过 255 字"
        elif verdict != entry.proposal and not note:
            errors[label] = "改变建议意见须填写回复说明"
        else:
            changes[row] = (verdict, note)
    if errors:
        raise ValidationError(
            f"有 {len(errors)} 行回复意见有误，未确认。", fields=errors
        )
    changed_rows = []
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for e in entries:
        verdict, note = changes.get(e.row, (e.proposal, ""))
        if verdict != e.proposal:
            changed_rows.append(e.row)
        if not note and verdict != OpinionVerdict.NONE:
            note = public_wording(e.reasons)[:255]
        e.reply, e.reply_note = verdict, note
        groups[(verdict, note)].append(e.pk)
    # One UPDATE per distinct reply (a handful): far cheaper than a per-row CASE.
    for (verdict, note), pks in groups.items():
        IntegrityEntry.objects.filter(pk__in=pks).update(reply=verdict, reply_note=note)
    batch.confirmed_by = actor
    batch.confirmed_at = timezone.now()
    batch.save(update_fields=["confirmed_by", "confirmed_at"])
    counts = {label: 0 for label in OpinionVerdict.labels}
    for e in entries:
        counts[OpinionVerdict(e.reply).label] += 1
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=batch,
        summary={
            "状态": ["待回复", "已回复"],
            "人数": len(entries),
            **counts,
            "改变建议意见的行": changed_rows,
        },
    )
    return batch
