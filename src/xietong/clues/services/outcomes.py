"""Outcomes of a clue or case: 四种形态, sanctions with their influence periods (影响期),
诫勉 and 组织处理, and the 案件剖析报告 of a case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .. import rules
from ..limits import time_limits
from ..models import (
    CaseReport,
    Clue,
    ClueStatus,
    ClueSubject,
    Disposal,
    DisposalMethod,
    DisposalStatus,
    Form,
    Outcome,
    Sanction,
    SanctionKind,
)

# An outcome is recorded while the step that decides it runs (or as it concludes).
RECORDING_STATES = frozenset(
    {ClueStatus.INQUIRY, ClueStatus.VERIFICATION, ClueStatus.CASE}
)
PROBATION_CHOICES = (12, 24)


@dataclass(frozen=True)
class SanctionInput:
    """One sanction, 诫勉 or 组织处理 as entered: kind, effective date, probation."""

    kind: str
    effective_date: dt.date | None
    probation_months: int | None = None
    note: str = ""


def _visible(actor, clue: Clue) -> None:
    if not policies.scope_clues(actor, Clue.objects.filter(pk=clue.pk)).exists():
        raise NotFound()


def _may_record(actor, clue: Clue) -> None:
    _visible(actor, clue)
    if not policies.can_record_disposal(actor, clue):
        raise PermissionDenied(
            "只有承办部门的承办人、部门负责人或联合工作组成员可以登记处理结果。"
        )


def _clean_form(form) -> int | None:
    if form in (None, "", 0, "0"):
        return None
    try:
        value = int(form)
    except (TypeError, ValueError):
        value = None
    if value not in Form.values:
        raise ValidationError(
            "四种形态须为第一至第四种形态之一，或不填。", fields={"form": "形态无效"}
        )
    return value


def _clean_date(value, *, clue: Clue, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError(f"{label}无效。", fields={field: "日期无效"})
    if value > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。", fields={field: "日期在未来"})
    if value < clue.received_date:
        raise ValidationError(
            f"{label}不能早于线索收到日期（{clue.received_date:%Y-%m-%d}）。",
            fields={field: "早于线索收到日期"},
        )
    return value


def _clean_sanctions(
    sanctions: Sequence[SanctionInput], clue: Clue
) -> list[SanctionInput]:
    """Validate every row; party and government sanctions are one of each family at most."""
    errors: dict[str, str] = {}
    clean: list[SanctionInput] = []
    families: dict[str, int] = {}
    seen_kinds: dict[str, int] = {}
    for i, s in enumerate(sanctions, start=1):
        key = f"sanctions.{i}"
        label = f"第 {i} 项处分"
        if s.kind not in SanctionKind.values:
            errors[key] = f"{label}：处分类别“{s.kind}”无效"
            continue
        kind_label = SanctionKind(s.kind).label
        try:
            effective = _clean_date(
                s.effective_date, clue=clue, field=key, label=f"{label}的生效日期"
            )
        except ValidationError as exc:
            errors[key] = exc.message.rstrip("。")
            continue
        probation = s.probation_months
        if s.kind == SanctionKind.PARTY_PROBATION:
            try:
                probation = int(probation) if probation not in (None, "") else None
            except (TypeError, ValueError):
                probation = None
            if probation not in PROBATION_CHOICES:
                errors[key] = f"{label}：留党察看期须为一年（12 个月）或两年（24 个月）"
                continue
        elif probation not in (None, ""):
            errors[key] = f"{label}：只有留党察看需要填写察看期"
            continue
        else:
            probation = None
        family = (
            "party"
            if s.kind in rules.PARTY_KINDS
            else "gov"
            if s.kind in rules.GOV_KINDS
            else None
        )
        if family is not None and family in families:
            which = "党纪处分" if family == "party" else "政务处分"
            errors[key] = (
                f"{label}：同一次处理只能给予一项{which}"
                f"（与第 {families[family]} 项重复）"
            )
            continue
        if s.kind in seen_kinds:
            errors[key] = f"{label}：“{kind_label}”与第 {seen_kinds[s.kind]} 项重复"
            continue
        if family is not None:
            families[family] = i
        seen_kinds[s.kind] = i
        note = (s.note or "").strip()
        if len(note) > 255:
            errors[key] = f"{label}：说明不能超过 255 字"
            continue
        clean.append(SanctionInput(s.kind, effective, probation, note))
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    return clean


def _clean_outcome(
    *, clue: Clue, form, conclusion: str, decided_date, sanctions
) -> tuple[int | None, str, dt.date, list[SanctionInput]]:
    form = _clean_form(form)
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise ValidationError("请填写处理结论。", fields={"conclusion": "不能为空"})
    decided = _clean_date(
        decided_date, clue=clue, field="decided_date", label="决定日期"
    )
    clean = _clean_sanctions(list(sanctions or ()), clue)
    disciplinary = [s for s in clean if s.kind.startswith(("party_", "gov_"))]
    if disciplinary and not was_case(clue):
        label = SanctionKind(disciplinary[0].kind).label
        raise ValidationError(
            f"{label}须经立案审查调查后作出；谈话函询、初步核实可登记诫勉、"
            "组织处理或批评教育。",
            fields={"sanctions": "党纪处分、政务处分须先立案"},
        )
    return form, conclusion, decided, clean


def _write_sanctions(outcome: Outcome, sanctions: list[SanctionInput]) -> list:
    limits = time_limits()
    rows = []
    for s in sanctions:
        months = rules.influence_months(
            s.kind, probation_months=s.probation_months, limits=limits
        )
        end = rules.influence_end(
            s.kind,
            s.effective_date,
            probation_months=s.probation_months,
            limits=limits,
        )
        rows.append(
            Sanction(
                outcome=outcome,
                person_id=outcome.person_id,
                kind=s.kind,
                effective_date=s.effective_date,
                probation_months=s.probation_months,
                influence_months=months,
                influence_end=end,
                note=s.note,
            )
        )
    Sanction.objects.bulk_create(rows)
    return rows


def _describe(outcome: Outcome, sanctions) -> dict:
    return {
        "被反映人": outcome.subject.name,
        "四种形态": outcome.get_form_display() if outcome.form else "",
        "处理结论": outcome.conclusion,
        "决定日期": outcome.decided_date.isoformat(),
        "处分": [
            f"{SanctionKind(s.kind).label}（{s.effective_date:%Y-%m-%d}生效"
            + (f"，察看期{s.probation_months}个月" if s.probation_months else "")
            + (f"，影响期至{s.influence_end:%Y-%m-%d}" if s.influence_end else "")
            + "）"
            for s in sanctions
        ],
    }


@transaction.atomic
def outcome_record(
    *,
    actor,
    clue: Clue,
    subject: ClueSubject,
    form,
    conclusion: str,
    decided_date: dt.date,
    sanctions: Sequence[SanctionInput] = (),
) -> Outcome:
    """Record how the clue or case ended for one subject: form, conclusion, sanctions with
    their influence periods. One outcome per subject; a correction goes through
    :func:`outcome_correct`."""
    _may_record(actor, clue)
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    if clue.status not in RECORDING_STATES:
        raise Conflict(
            f"线索当前状态为“{clue.get_status_display()}”，不能登记处理结果"
            "（须在谈话函询、初步核实或立案审查调查中登记）。"
        )
    if subject is None or subject.clue_id != clue.pk:
        raise ValidationError(
            "被反映人不属于本线索。", fields={"subject": "不属于本线索"}
        )
    if Outcome.objects.filter(subject=subject).exists():
        raise Conflict(
            f"已为{subject.name}登记处理结果；如需更正，请使用“更正”并说明理由。"
        )
    form, conclusion, decided, clean = _clean_outcome(
        clue=clue,
        form=form,
        conclusion=conclusion,
        decided_date=decided_date,
        sanctions=sanctions,
    )
    outcome = Outcome.objects.create(
        clue=clue,
        subject=subject,
        person_id=subject.person_id,
        form=form,
        conclusion=conclusion,
        decided_date=decided,
        created_by=actor,
    )
    rows = _write_sanctions(outcome, clean)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=outcome,
        summary={"线索": clue.number, **_describe(outcome, rows)},
    )
    return outcome


@transaction.atomic
def outcome_correct(
    *,
    actor,
    outcome: Outcome,
    reason: str,
    form,
    conclusion: str,
    decided_date: dt.date,
    sanctions: Sequence[SanctionInput] = (),
) -> Outcome:
    """Correct a recorded outcome (e.g. after a review); the reason and the former record
    are kept in the audit log."""
    clue = outcome.clue
    _may_record(actor, clue)
    outcome = (
        Outcome.objects.select_for_update().select_related("subject").get(pk=outcome.pk)
    )
    clue = Clue.objects.get(pk=outcome.clue_id)
    if clue.status not in RECORDING_STATES | {ClueStatus.CONCLUDED}:
        raise Conflict(
            f"线索当前状态为“{clue.get_status_display()}”，不能更正处理结果。"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请说明更正理由。", fields={"reason": "不能为空"})
    if len(reason) > 255:
        raise ValidationError("更正理由不能超过 255 字。", fields={"reason": "过长"})
    form, conclusion, decided, clean = _clean_outcome(
        clue=clue,
        form=form,
        conclusion=conclusion,
        decided_date=decided_date,
        sanctions=sanctions,
    )
    before = _describe(outcome, list(outcome.sanctions.all()))
    outcome.sanctions.all().delete()
    outcome.form = form
    outcome.conclusion = conclusion
    outcome.decided_date = decided
    outcome.save(update_fields=["form", "conclusion", "decided_date"])
    rows = _write_sanctions(outcome, clean)
    after = _describe(outcome, rows)
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        obj=outcome,
        summary={
            "线索": clue.number,
            "更正理由": reason,
            **{k: [before[k], after[k]] for k in after if before[k] != after[k]},
            "原记录": before,
        },
    )
    return outcome


def was_case(clue: Clue) -> bool:
    """The clue is, or was, under 立案审查调查 (an approved case disposal)."""
    if clue.status == ClueStatus.CASE:
        return True
    return (
        clue.status == ClueStatus.CONCLUDED
        and Disposal.objects.filter(
            clue=clue, method=DisposalMethod.CASE, status=DisposalStatus.APPROVED
        ).exists()
    )


@transaction.atomic
def case_report_save(*, actor, clue: Clue, title: str, body: str) -> CaseReport:
    """Write or revise the 案件剖析报告 of a case (立案, or concluded after a case)."""
    _may_record(actor, clue)
    clue = Clue.objects.select_for_update().get(pk=clue.pk)
    if not was_case(clue):
        raise Conflict("只有立案审查调查的案件才能撰写案件剖析报告。")
    title = " ".join((title or "").split())
    body = (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = "标题不能为空"
    elif len(title) > 128:
        errors["title"] = "标题不能超过 128 字"
    if not body:
        errors["body"] = "正文不能为空"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    report = CaseReport.objects.filter(clue=clue).first()
    created = report is None
    if created:
        report = CaseReport(clue=clue)
    old_title = report.title
    report.title, report.body, report.author = title, body, actor
    report.save()
    audit_record(
        actor=actor,
        action=Action.CREATE if created else Action.CHANGE,
        obj=report,
        summary={"线索": clue.number, "标题": title if created else [old_title, title]},
    )
    return report
