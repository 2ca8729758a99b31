"""Disposal (处置): the disposal opinion (拟办意见), its approval, and the step it then runs —
谈话函询 with its reply, 初步核实 with its report — up to the conclusion (办结).

Every state change goes through :func:`services.common.clue_transition`, which checks the
clue's state machine (``clues.workflow``), audits who, when and why, and reports the change
to the unit that transferred the clue.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.org.models import Person, Unit, UnitKind
from xietong.workdays.services import add_workdays

from ..limits import time_limits
from ..models import (
    Clue,
    ClueStatus,
    Disposal,
    DisposalMethod,
    DisposalStatus,
    InquiryForm,
)
from .common import clue_transition

OPINION_MAX = 2000
TEXT_MAX = 20000
COMMENT_MAX = 255
# Region levels from the top; a cadre's management level uses the same names.
LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
COMMISSION_KINDS = (UnitKind.COMMISSION, UnitKind.TOWNSHIP_COMMISSION)


# --- who must approve -------------------------------------------------------------------------


def handling_commission(unit: Unit) -> Unit:
    """The commission a handling unit belongs to: itself, or the nearest 纪委监委 or
    乡镇纪(工)委 above an internal office or a 派驻组; the unit itself failing both."""
    node = unit
    while node is not None:
        if node.kind in COMMISSION_KINDS:
            return node
        node = node.parent
    return unit


def is_lower_level_top_leader(person: Person | None, commission: Unit) -> bool:
    """Whether ``person`` is a lower-level 一把手 for ``commission`` (下一级党组织主要负责人).

    The rule: the person must be a 一把手 (``is_top_leader``), and their level must be at or
    below the commission's own level, where

    * the commission's level is the level of its region (县纪委监委: 县; 乡镇纪委: 乡镇);
    * the person's level is their 干部管理权限 when they have one (县管 = 县, 乡管 = 乡镇…),
      because the party committee that manages a cadre sits one level above the unit they
      lead: a 县管 一把手 (县直部门局长, 乡镇党委书记) leads a unit below the county party
      committee, which is exactly whom the county commission's main leader must approve
      talks or letters to; a 乡管 一把手 (村党支部书记) is lower still;
    * without a management level (其他) it is the level of the region their unit lies in.

    So a county commission needs its main leader for the 一把手 of 县直单位, townships and
    villages, but not for a 市管 一把手 (县委书记、县长), who is the higher commission's
    matter. Persons named only by text, not in the registry, are not known to be 一把手.
    """
    if person is None or not person.is_top_leader:
        return False
    commission_rank = LEVEL_RANK.get(commission.region.level)
    if commission_rank is None:
        return True
    level = person.management_level
    if level not in LEVEL_RANK:
        level = person.unit.region.level
    return LEVEL_RANK.get(level, commission_rank) >= commission_rank


def needs_main_leader(clue: Clue, method: str) -> bool:
    """Talks or letters (谈话函询) to a lower-level 一把手 need the handling commission's
    main leader (主要负责人); see :func:`is_lower_level_top_leader`."""
    if method != DisposalMethod.INQUIRY:
        return False
    commission = handling_commission(clue.owner_unit)
    subjects = clue.subjects.select_related("person__unit__region")
    return any(is_lower_level_top_leader(s.person, commission) for s in subjects)


# --- helpers --------------------------------------------------------------------------------


class _Errors:
    """Collects every bad field before refusing, so the user sees them all at once."""

    def __init__(self):
        self.fields: dict[str, str] = {}
        self.messages: list[str] = []

    def add(self, field: str, short: str, message: str = "") -> None:
        self.fields[field] = short
        self.messages.append((message or short).rstrip("。"))

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for field, short in exc.fields.items():
                self.add(field, short, exc.message)
            return None

    def raise_any(self) -> None:
        if self.fields:
            raise ValidationError("；".join(self.messages) + "。", fields=self.fields)


def _fresh(actor, clue: Clue, *, lock: bool = False) -> Clue:
    """The clue as it stands now (its handling unit may have changed), if visible."""
    qs = policies.scope_clues(actor, Clue.objects.filter(pk=clue.pk))
    if lock:
        # Lock the row itself; the scoping subqueries stay unlocked.
        if not qs.exists():
            raise NotFound()
        return (
            Clue.objects.select_for_update(of=("self",))
            .select_related("owner_unit")
            .get(pk=clue.pk)
        )
    found = qs.select_related("owner_unit").first()
    if found is None:
        raise NotFound()
    return found


def _text(value, *, field: str, label: str, limit: int, required=True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"请填写{label}。", fields={field: f"{label}不能为空"})
    if len(text) > limit:
        raise ValidationError(
            f"{label}不能超过 {limit} 字。", fields={field: f"超过 {limit} 字"}
        )
    return text


def _date(value, *, field: str, label: str, not_before: dt.date, since: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(f"{label}无效。", fields={field: "日期无效"})
    if value > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。", fields={field: "日期在未来"})
    if value < not_before:
        raise ValidationError(
            f"{label}不能早于{since}（{not_before:%Y-%m-%d}）。",
            fields={field: f"早于{since}"},
        )
    return value


def current_disposal(clue: Clue) -> Disposal | None:
    """The latest approved opinion: the step the clue runs now (or ran last)."""
    return (
        Disposal.objects.filter(clue=clue, status=DisposalStatus.APPROVED)
        .order_by("-id")
        .first()
    )


def _decider(actor, disposal: Disposal) -> Disposal:
    clue = _fresh(actor, disposal.clue)
    disposal = Disposal.objects.select_related("clue").get(pk=disposal.pk)
    disposal.clue = clue
    if policies.can_approve_disposal(actor, disposal):
        return disposal
    # Would they be allowed to approve the same opinion without the main-leader rule?
    if disposal.needs_main_leader and policies.can_approve_disposal(
        actor, Disposal(clue=clue, needs_main_leader=False)
    ):
        raise PermissionDenied(
            "该拟办意见是对下级一把手谈话函询，须由本委主要负责人审批。"
        )
    raise PermissionDenied("只有承办单位的委领导可以审批拟办意见。")


def _recorder(actor, clue: Clue, what: str) -> Clue:
    clue = _fresh(actor, clue)
    if not policies.can_record_disposal(actor, clue):
        raise PermissionDenied(
            f"只有承办单位的承办人、部门负责人或联合工作组成员可以{what}。"
        )
    return clue


# --- the opinion and its approval -----------------------------------------------------------


@transaction.atomic
def disposal_propose(
    *, actor, clue: Clue, method: str, opinion: str, inquiry_form: str = ""
) -> Disposal:
    """Draft a disposal opinion (拟办意见) for approval; the clue becomes 拟办意见待审批.

    承办人 and 部门负责人 of the handling commission draft. 谈话函询 names 谈话 or 函询;
    for other methods the choice is ignored. Whether the main leader must approve is decided
    here (:func:`needs_main_leader`) and kept with the opinion.
    """
    clue = _fresh(actor, clue, lock=True)
    if not policies.can_draft_disposal(actor, clue):
        raise PermissionDenied("只有承办单位的承办人或部门负责人可以提出拟办意见。")
    errors = _Errors()
    if method not in DisposalMethod.values:
        errors.add("method", "请选择处置方式")
    elif method == DisposalMethod.INQUIRY:
        if inquiry_form not in InquiryForm.values:
            errors.add("inquiry_form", "谈话函询须选择谈话或函询")
    else:
        inquiry_form = ""
    opinion = errors.check(
        _text, opinion, field="opinion", label="拟办意见", limit=OPINION_MAX
    )
    errors.raise_any()
    clue_transition(
        actor=actor,
        clue=clue,
        event="propose",
        reason=opinion,
        处置方式=DisposalMethod(method).label,
    )
    disposal = Disposal.objects.create(
        clue=clue,
        method=method,
        inquiry_form=inquiry_form,
        opinion=opinion,
        unit=clue.owner_unit,
        drafted_by=actor,
        needs_main_leader=needs_main_leader(clue, method),
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=disposal,
        summary={
            "处置方式": disposal.get_method_display(),
            "谈话或函询": disposal.get_inquiry_form_display() if inquiry_form else "",
            "须主要负责人审批": "是" if disposal.needs_main_leader else "否",
        },
    )
    return disposal


def _locked_pending(disposal: Disposal) -> Disposal:
    locked = (
        Disposal.objects.select_for_update(of=("self",))
        .select_related("clue__owner_unit")
        .get(pk=disposal.pk)
    )
    if locked.status != DisposalStatus.PENDING:
        raise Conflict(f"该拟办意见已{locked.get_status_display()}，不能再次审批。")
    return locked


@transaction.atomic
def disposal_approve(*, actor, disposal: Disposal, comment: str = "") -> Disposal:
    """Approve a pending opinion (委领导; the main leader where :func:`needs_main_leader`):
    the clue moves to the approved method's step; 谈话函询 gets its reply deadline,
    ``inquiry_reply_workdays`` working days after the day of approval."""
    disposal = _decider(actor, disposal)
    comment = _text(
        comment, field="comment", label="审批意见", limit=COMMENT_MAX, required=False
    )
    locked = _locked_pending(disposal)
    clue = locked.clue
    clue_transition(
        actor=actor,
        clue=clue,
        event="approve",
        method=locked.method,
        reason=comment,
        处置方式=locked.get_method_display(),
    )
    now = timezone.now()
    locked.status = DisposalStatus.APPROVED
    locked.decided_by = actor
    locked.decided_at = now
    locked.decision_comment = comment
    if locked.method == DisposalMethod.INQUIRY:
        locked.reply_due = add_workdays(
            timezone.localdate(now), time_limits().inquiry_reply_workdays
        )
    locked.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "reply_due",
        ]
    )
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        summary={
            "审批": "批准",
            "审批意见": comment,
            "回复期限": locked.reply_due.isoformat() if locked.reply_due else "",
        },
    )
    return locked


@transaction.atomic
def disposal_reject(*, actor, disposal: Disposal, comment: str) -> Disposal:
    """Send a pending opinion back (不批准) with the reason; the clue returns to 待处置 and
    a new opinion may be drafted."""
    disposal = _decider(actor, disposal)
    comment = _text(comment, field="comment", label="退回理由", limit=COMMENT_MAX)
    locked = _locked_pending(disposal)
    clue_transition(actor=actor, clue=locked.clue, event="reject", reason=comment)
    locked.status = DisposalStatus.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_comment = comment
    locked.save(
        update_fields=["status", "decided_by", "decided_at", "decision_comment"]
    )
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        summary={"审批": "不批准", "退回理由": comment},
    )
    return locked


# --- running the step -----------------------------------------------------------------------


def _running(clue: Clue, state: str, method: str, what: str) -> Disposal:
    locked = Clue.objects.select_for_update().get(pk=clue.pk)
    current = current_disposal(locked)
    if locked.status != state or current is None or current.method != method:
        raise Conflict(f"线索当前状态为“{locked.get_status_display()}”，不能{what}。")
    return Disposal.objects.select_for_update().get(pk=current.pk)


@transaction.atomic
def inquiry_record_reply(
    *, actor, clue: Clue, reply_text: str, reply_date: dt.date
) -> Disposal:
    """Record the 谈话记录 or the written reply of the approved 谈话函询; the date lies
    between the day of approval and today."""
    clue = _recorder(actor, clue, "登记谈话记录或书面回复")
    errors = _Errors()
    reply_text = errors.check(
        _text,
        reply_text,
        field="reply_text",
        label="谈话记录或书面回复",
        limit=TEXT_MAX,
    )
    disposal = _running(
        clue, ClueStatus.INQUIRY, DisposalMethod.INQUIRY, "登记谈话记录或书面回复"
    )
    errors.check(
        _date,
        reply_date,
        field="reply_date",
        label="回复日期",
        not_before=timezone.localdate(disposal.decided_at),
        since="批准谈话函询之日",
    )
    errors.raise_any()
    if disposal.reply_date is not None:
        raise Conflict("本次谈话函询已登记回复，不能重复登记。")
    disposal.reply_text = reply_text
    disposal.reply_date = reply_date
    disposal.save(update_fields=["reply_text", "reply_date"])
    what = "谈话记录" if disposal.inquiry_form == InquiryForm.TALK else "书面回复"
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        obj=disposal,
        summary={
            "事项": f"登记{what}",
            "回复日期": reply_date.isoformat(),
            "期限": disposal.reply_due.isoformat() if disposal.reply_due else "",
        },
    )
    return disposal


@transaction.atomic
def verification_record_report(
    *, actor, clue: Clue, report_text: str, report_date: dt.date
) -> Disposal:
    """Record the 初步核实报告 of the approved verification; the date lies between the day
    of approval and today."""
    clue = _recorder(actor, clue, "提交初步核实报告")
    errors = _Errors()
    report_text = errors.check(
        _text, report_text, field="report_text", label="初步核实报告", limit=TEXT_MAX
    )
    disposal = _running(
        clue, ClueStatus.VERIFICATION, DisposalMethod.VERIFICATION, "提交初步核实报告"
    )
    errors.check(
        _date,
        report_date,
        field="report_date",
        label="报告日期",
        not_before=timezone.localdate(disposal.decided_at),
        since="批准初步核实之日",
    )
    errors.raise_any()
    if disposal.report_date is not None:
        raise Conflict("本次初步核实已提交报告，不能重复提交。")
    disposal.report_text = report_text
    disposal.report_date = report_date
    disposal.save(update_fields=["report_text", "report_date"])
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        obj=disposal,
        summary={"事项": "提交初步核实报告", "报告日期": report_date.isoformat()},
    )
    return disposal


@transaction.atomic
def clue_conclude(*, actor, clue: Clue, conclusion: str) -> Clue:
    """Conclude (办结) a clue after 谈话函询 (reply on file), 初步核实 (report on file) or
    立案审查调查 (an outcome for every subject); the conclusion is the audited reason and
    flows back to a transferring unit as its 处置情况反馈."""
    clue = _recorder(actor, clue, "办结线索")
    conclusion = _text(
        conclusion, field="conclusion", label="办结意见", limit=OPINION_MAX
    )
    return clue_transition(actor=actor, clue=clue, event="conclude", reason=conclusion)
