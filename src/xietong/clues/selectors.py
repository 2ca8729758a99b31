"""Reads of clues and petitions, always scoped for the viewer by ``access.policies``.

Overdue rules (every limit from ``limits.time_limits()``):

* disposal opinion (拟办意见) overdue — the clue is still 待处置 and today is later than its
  received date plus ``opinion_months`` (``rules.add_months``);
* inquiry reply overdue — the clue is in 谈话函询, the approved inquiry has no reply on file
  and today is later than its ``reply_due``;
* transfer feedback overdue — a transfer of the clue is open (待接收 or 已接收办理中) and
  today is later than its ``feedback_due``.

Every function that depends on the date takes an optional ``today`` (tests pass one).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from xietong.access import policies
from xietong.access.policies import scope_clues
from xietong.core.errors import NotFound

from . import workflow
from .limits import time_limits
from .models import (
    Clue,
    ClueSource,
    ClueStatus,
    Disposal,
    DisposalMethod,
    DisposalStatus,
    Form,
    Outcome,
    Transfer,
    TransferStatus,
)
from .rules import add_months

OPEN_TRANSFER = (TransferStatus.SENT, TransferStatus.ACCEPTED)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- overdue rules --------------------------------------------------------------------------


def opinion_due(received: dt.date) -> dt.date:
    """The last day for the disposal opinion of a clue received on ``received``."""
    return add_months(received, time_limits().opinion_months)


def opinion_overdue_cutoff(today: dt.date | None = None) -> dt.date:
    """Clues received on or before this day and still 待处置 are overdue for an opinion."""
    today = _today(today)
    months = time_limits().opinion_months
    # add_months is monotone, so the overdue received dates are all those up to a cutoff;
    # walk down from today (at most a few months of days) to find it exactly.
    day = today
    while add_months(day, months) >= today:
        day -= dt.timedelta(days=1)
    return day


def opinion_overdue_q(today: dt.date | None = None) -> Q:
    return Q(
        status=ClueStatus.REGISTERED, received_date__lte=opinion_overdue_cutoff(today)
    )


def _latest_approved() -> QuerySet:
    return Disposal.objects.filter(
        clue=OuterRef("pk"), status=DisposalStatus.APPROVED
    ).order_by("-id")


def _open_transfer_overdue(today: dt.date) -> Exists:
    return Exists(
        Transfer.objects.filter(
            clue=OuterRef("pk"), status__in=OPEN_TRANSFER, feedback_due__lt=today
        )
    )


def with_disposal_state(qs: QuerySet, *, today: dt.date | None = None) -> QuerySet:
    """Annotate clues with the current disposal (``current_method``,
    ``current_method_label``, ``current_reply_due``) and the three overdue flags
    (``opinion_overdue``, ``reply_overdue``, ``transfer_overdue``)."""
    today = _today(today)
    latest = _latest_approved()
    qs = qs.annotate(
        current_method=Subquery(latest.values("method")[:1]),
        current_reply_due=Subquery(latest.values("reply_due")[:1]),
        current_reply_date=Subquery(latest.values("reply_date")[:1]),
    )
    return qs.annotate(
        current_method_label=Case(
            *(
                When(current_method=v, then=Value(label))
                for v, label in DisposalMethod.choices
            ),
            default=Value(""),
            output_field=CharField(),
        ),
        opinion_overdue=ExpressionWrapper(
            opinion_overdue_q(today), output_field=BooleanField()
        ),
        reply_overdue=ExpressionWrapper(
            Q(
                status=ClueStatus.INQUIRY,
                current_reply_date__isnull=True,
                current_reply_due__lt=today,
            ),
            output_field=BooleanField(),
        ),
        transfer_overdue=_open_transfer_overdue(today),
    )


def overdue_reasons(clue) -> list[str]:
    """The overdue flags of an annotated clue (:func:`with_disposal_state`) in words."""
    reasons = []
    if getattr(clue, "opinion_overdue", False):
        reasons.append("拟办意见逾期")
    if getattr(clue, "reply_overdue", False):
        reasons.append("函询回复逾期")
    if getattr(clue, "transfer_overdue", False):
        reasons.append("移送反馈逾期")
    return reasons


# --- the ledger (线索台账) ------------------------------------------------------------------


def clue_ledger(
    *,
    viewer,
    source: str = "",
    status: str = "",
    q: str = "",
    method: str = "",
    form: str | int = "",
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Clue]:
    """线索台账: the clues the viewer's unit holds, newest first, filtered by source, status,
    disposal method (of the latest approved opinion), 四种形态 form (an outcome of that form)
    and overdue (opinion, inquiry reply or transfer feedback); unknown values are ignored."""
    today = _today(today)
    qs = scope_clues(viewer, Clue.objects.all()).select_related(
        "owner_unit", "commission", "registering_unit"
    )
    if source in ClueSource.values:
        qs = qs.filter(source=source)
    if status in ClueStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(summary__contains=q) | Q(number__contains=q))
    form_value = _form_value(form)
    if form_value is not None:
        qs = qs.filter(
            Exists(Outcome.objects.filter(clue=OuterRef("pk"), form=form_value))
        )
    qs = with_disposal_state(qs, today=today)
    if method in DisposalMethod.values:
        qs = qs.filter(current_method=method)
    if overdue:
        qs = qs.filter(
            Q(opinion_overdue=True) | Q(reply_overdue=True) | Q(transfer_overdue=True)
        )
    return qs.prefetch_related(
        "subjects",
        Prefetch("outcomes", queryset=Outcome.objects.only("id", "clue_id", "form")),
    ).order_by("-year", "-seq")


def _form_value(form) -> int | None:
    try:
        value = int(form)
    except (TypeError, ValueError):
        return None
    return value if value in Form.values else None


def form_labels(clue) -> list[str]:
    """The 四种形态 forms of a clue's outcomes (prefetched by :func:`clue_ledger`)."""
    forms = sorted({o.form for o in clue.outcomes.all() if o.form})
    return [Form(f).label for f in forms]


def decorate_ledger(rows) -> list[Clue]:
    """Attach ``forms`` and ``overdue`` (the reasons) to ledger rows for a screen."""
    rows = list(rows)
    for c in rows:
        c.forms = form_labels(c)
        c.overdue = overdue_reasons(c)
    return rows


def access_clue_by_id(viewer, clue_id) -> Clue:
    """Fetch and authorise in one call; missing and out of reach answer the same."""
    try:
        pk = int(clue_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    clue = (
        scope_clues(viewer, Clue.objects.filter(pk=pk))
        .select_related(
            "owner_unit", "proposed_unit", "registering_unit", "petition", "merged_into"
        )
        .first()
    )
    if clue is None:
        raise NotFound()
    return clue


# --- disposal (处置) ------------------------------------------------------------------------


def clue_disposals(clue: Clue) -> list[Disposal]:
    """Every disposal opinion of ``clue``, oldest first, with who drafted and decided."""
    return list(
        Disposal.objects.filter(clue=clue)
        .select_related("drafted_by", "decided_by", "unit")
        .order_by("drafted_at", "id")
    )


def access_disposal_by_id(viewer, disposal_id) -> Disposal:
    """A disposal opinion of a clue the viewer may see; otherwise not found."""
    try:
        pk = int(disposal_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    disposal = (
        Disposal.objects.filter(
            pk=pk, clue__in=scope_clues(viewer, Clue.objects.all()).values("pk")
        )
        .select_related("clue__owner_unit", "drafted_by", "decided_by")
        .first()
    )
    if disposal is None:
        raise NotFound()
    return disposal


def clue_transitions(clue: Clue) -> list[dict]:
    """The clue's state changes (流转记录) as audited: when, who, what, from → to, why."""
    from xietong.audit.models import Action, AuditEntry

    entries = AuditEntry.objects.filter(
        object_type="clues.clue", object_id=str(clue.pk), action=Action.TRANSITION
    ).order_by("seq")
    out = []
    for e in entries:
        try:
            summary = json.loads(e.summary) if e.summary else {}
        except ValueError:
            summary = {}
        states = summary.get("状态") or ["", ""]
        out.append(
            {
                "at": e.created_at,
                "actor": e.actor_name or e.actor_username,
                "unit": e.unit_name,
                "event": summary.get("事项", ""),
                "from": states[0] if len(states) > 0 else "",
                "to": states[1] if len(states) > 1 else "",
                "method": summary.get("处置方式", ""),
                "reason": summary.get("理由", ""),
            }
        )
    return out


def approvable_disposals(viewer) -> QuerySet[Disposal]:
    """Pending opinions the viewer may approve (委领导; main leader where needed)."""
    qs = Disposal.objects.filter(status=DisposalStatus.PENDING)
    return (
        policies.scope_approvable_disposals(viewer, qs)
        .select_related("clue", "drafted_by")
        .order_by("drafted_at", "id")
    )


def overdue_disposal_clues(viewer, *, today: dt.date | None = None) -> QuerySet[Clue]:
    """Clues the viewer drafts and records for whose opinion or inquiry reply is overdue
    (承办人, 部门负责人 of the handling commission), annotated as in
    :func:`with_disposal_state`."""
    today = _today(today)
    units = policies.disposal_drafting_units(viewer).values("pk")
    qs = with_disposal_state(Clue.objects.filter(owner_unit__in=units), today=today)
    return qs.filter(Q(opinion_overdue=True) | Q(reply_overdue=True)).order_by(
        "received_date", "id"
    )


def next_step(clue: Clue) -> str:
    """What comes next for ``clue``, in words, for the clue page."""
    return {
        ClueStatus.REGISTERED: "待承办部门提出拟办意见，报委领导审批。",
        ClueStatus.OPINION: "拟办意见待委领导审批；批准后按处置方式办理，不批准则重新拟办。",
        ClueStatus.INQUIRY: "谈话函询：登记谈话记录或书面回复后办结，或提出新的处置意见（如转初步核实）。",
        ClueStatus.VERIFICATION: "初步核实：提交初步核实报告后办结，或提出新的处置意见（如立案审查调查）。",
        ClueStatus.SHELVED: "暂存待查：出现新情况时可重新提出拟办意见。",
        ClueStatus.CASE: "立案审查调查：为每名被反映人登记处理结果后办结。",
        ClueStatus.CLOSED: "已予以了结，处置完毕。",
        ClueStatus.CONCLUDED: "已办结。",
        ClueStatus.MERGED: "已并入其他线索，在该线索中继续处置。",
    }.get(clue.status, workflow.LABELS.get(clue.status, ""))
