"""Home-page figures of the clue ledger."""

from django.urls import reverse

from xietong.access import policies
from xietong.dashboard.registry import Counter, counter_provider

from .models import Clue


@counter_provider
def clue_counters(viewer):
    if not policies.clue_units(viewer).exists():
        return []
    qs = policies.scope_clues(viewer, Clue.objects.all())
    return [Counter("本单位问题线索", qs.count(), reverse("clues:ledger"))]


# --- transfers (移送/转办/交办) ----------------------------------------------------------------

from xietong.dashboard.registry import TodoItem, todo_provider  # noqa: E402


def _unit_ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@todo_provider
def transfer_todos(viewer, today=None):
    """Transfers to accept, overdue acceptance and feedback on both sides, and reminders
    (催办) the receiver has not answered since."""
    from . import selectors_transfers as st

    feeding = _unit_ids(policies.transfer_units(viewer))
    if not feeding:
        return []
    receiving = _unit_ids(policies.transfer_receiving_units(viewer))
    sending = _unit_ids(policies.transfer_sending_units(viewer))
    items = []
    for t in st.open_transfers(viewer, today=today):
        d = t.deadlines
        url = reverse("clues:detail", args=[t.clue_id]) + "#transfers"
        number, kind = t.clue.number, t.get_kind_display()

        def add(title, due, urgent, detail, url=url):
            items.append(TodoItem(title, url, "线索移送", due, urgent, detail))

        if t.to_unit_id in receiving and t.status == "sent":
            add(
                f"{'移送线索逾期未接收' if d.accept_overdue else '待接收移送线索'} "
                f"{number}",
                d.accept_due,
                d.accept_overdue,
                f"{t.from_unit.name}{kind}：{t.reason[:40]}",
            )
        if t.from_unit_id in sending and d.accept_overdue:
            add(
                f"移送线索对方逾期未接收 {number}",
                d.accept_due,
                True,
                f"{t.to_unit.name}尚未接收或退回",
            )
        if d.feedback_overdue and t.to_unit_id in feeding:
            add(
                f"移送线索反馈逾期 {number}",
                t.feedback_due,
                True,
                f"应向{t.from_unit.name}反馈处置情况",
            )
        if d.feedback_overdue and t.from_unit_id in sending:
            add(
                f"移送线索反馈逾期，请催办 {number}",
                t.feedback_due,
                True,
                f"{t.to_unit.name}逾期未反馈处置情况",
            )
        reminder = st.last_reminder_unanswered(t) if t.to_unit_id in feeding else None
        if reminder is not None:
            add(
                f"上级/移出单位催办 {number}",
                t.feedback_due,
                d.feedback_overdue,
                f"{reminder.unit.name}：{reminder.content[:60]}",
            )
    return items


@counter_provider
def transfer_counters(viewer):
    from .models import Transfer

    receiving = policies.transfer_receiving_units(viewer)
    if not receiving.exists():
        return []
    waiting = Transfer.objects.filter(status="sent", to_unit__in=receiving.values("pk"))
    return [
        Counter(
            "待接收移送",
            waiting.count(),
            reverse("clues:transfers") + "?tab=in&status=sent",
        )
    ]


# --- 党风廉政意见回复 -----------------------------------------------------------------------

from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402


@todo_provider
def integrity_todos(viewer):
    """Batches awaiting the reply of the viewer's commission (案管, 委领导)."""
    from .models import IntegrityBatch

    if not (
        viewer.role_set & policies.INTEGRITY_REPLY_ROLES
        and not policies.is_admin(viewer)
    ):
        return []
    waiting = (
        IntegrityBatch.objects.filter(
            confirmed_at__isnull=True,
            commission__in=policies.clue_units(viewer).values("pk"),
        )
        .select_related("requesting_unit")
        .annotate(size=Count("entries"))
        .order_by("submitted_at")
    )
    return [
        TodoItem(
            f"党风廉政意见征求待回复：{b.purpose}",
            reverse("clues:integrity_batch", args=[b.pk]),
            "党风廉政意见",
            detail=f"{b.requesting_unit.name}，{b.size}人，"
            f"{timezone.localtime(b.submitted_at):%Y-%m-%d}提交",
        )
        for b in waiting
    ]


@counter_provider
def integrity_counters(viewer):
    """The liaison's requests and the commission's pending replies, linked to the list."""
    from . import selectors_outcomes

    if not policies.sees_integrity_batches(viewer):
        return []
    qs = selectors_outcomes.integrity_batches(viewer)
    if policies.can_request_integrity(viewer):
        return [
            Counter(
                "党风廉政意见征求",
                qs.count(),
                reverse("clues:integrity_batches"),
            )
        ]
    return [
        Counter(
            "党风廉政意见待回复",
            qs.filter(confirmed_at__isnull=True).count(),
            reverse("clues:integrity_batches"),
        )
    ]


# --- disposal (处置) -------------------------------------------------------------------------


@todo_provider
def disposal_todos(viewer, today=None):
    """Opinions awaiting the viewer's approval (委领导; main leader where needed), and for
    承办人 and 部门负责人 of the handling commission overdue opinions and inquiry replies."""
    from . import selectors

    items = []
    for d in selectors.approvable_disposals(viewer)[:50]:
        detail = f"{d.get_method_display()}：{d.opinion[:40]}"
        if d.needs_main_leader:
            detail = "须主要负责人审批 · " + detail
        items.append(
            TodoItem(
                f"拟办意见待审批 {d.clue.number}",
                reverse("clues:detail", args=[d.clue_id]) + "#disposal",
                "线索处置",
                detail=detail,
            )
        )
    for c in selectors.overdue_disposal_clues(viewer, today=today)[:50]:
        url = reverse("clues:detail", args=[c.pk]) + "#disposal"
        if c.opinion_overdue:
            items.append(
                TodoItem(
                    f"拟办意见逾期 {c.number}",
                    url,
                    "线索处置",
                    selectors.opinion_due(c.received_date),
                    True,
                    f"{c.received_date:%Y-%m-%d} 收到，尚未提出拟办意见",
                )
            )
        if c.reply_overdue:
            items.append(
                TodoItem(
                    f"谈话函询回复逾期 {c.number}",
                    url,
                    "线索处置",
                    c.current_reply_due,
                    True,
                    f"回复期限 {c.current_reply_due:%Y-%m-%d}，尚未登记回复",
                )
            )
    return items


@counter_provider
def disposal_counters(viewer):
    """待处置线索: the viewer's ledger clues still awaiting a disposal opinion."""
    from . import selectors

    if not policies.clue_units(viewer).exists():
        return []
    waiting = selectors.clue_ledger(viewer=viewer, status="registered")
    return [
        Counter(
            "待处置线索",
            waiting.count(),
            reverse("clues:ledger") + "?status=registered",
        )
    ]


# --- joint teams (联合排查/联合查办) -------------------------------------------------------------


@todo_provider
def team_todos(viewer):
    """The active joint teams the viewer sits on: the way in for a member from another unit."""
    from .models import JointTeamMember

    if not getattr(viewer, "is_authenticated", False):
        return []
    seats = JointTeamMember.objects.filter(
        user=viewer, team__is_active=True
    ).select_related("team__clue")
    return [
        TodoItem(
            title=f"{s.team.get_purpose_display()}：{s.team.name}",
            url=reverse("clues:team", args=[s.team_id]),
            category="联合工作组",
            detail=f"线索 {s.team.clue.number}" + ("（组长）" if s.is_lead else ""),
        )
        for s in seats
    ]
