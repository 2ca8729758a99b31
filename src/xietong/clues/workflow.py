"""The clue state machine: a transition table with guards. Plain Python, no Django.

待处置 → (拟办) 拟办意见待审批 → (批准) 谈话函询 / 初步核实 / 暂存待查 / 予以了结 / 立案审查调查;
(不批准) back to 待处置. After 谈话函询, 初步核实 or 暂存待查 a new opinion may be drafted
(e.g. 函询 → 初核); 谈话函询 (with the reply on file), 初步核实 (with the report) and 立案
(with the outcome) end in 已办结. 予以了结, 已办结 and 已合并 are final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xietong.core.errors import Conflict

REGISTERED = "registered"
OPINION = "opinion"
INQUIRY = "inquiry"
VERIFICATION = "verification"
SHELVED = "shelved"
CASE = "case"
CLOSED = "closed"
CONCLUDED = "concluded"
MERGED = "merged"

LABELS = {
    REGISTERED: "待处置",
    OPINION: "拟办意见待审批",
    INQUIRY: "谈话函询",
    VERIFICATION: "初步核实",
    SHELVED: "暂存待查",
    CASE: "立案审查调查",
    CLOSED: "予以了结",
    CONCLUDED: "已办结",
    MERGED: "已合并",
}
EVENT_LABELS = {
    "merge": "合并",
    "propose": "提出拟办意见",
    "approve": "批准拟办意见",
    "reject": "退回拟办意见",
    "conclude": "办结",
    "transfer": "移送",
}
FINAL = frozenset({CLOSED, CONCLUDED, MERGED})
# The state an approved opinion of each disposal method leads to.
METHOD_STATE = {
    "inquiry": INQUIRY,
    "verification": VERIFICATION,
    "shelved": SHELVED,
    "closed": CLOSED,
    "case": CASE,
}


@dataclass(frozen=True)
class Facts:
    """What the guards need to know about a clue, gathered by the caller."""

    transfer_pending: bool = False  # a transfer sent and not yet accepted or returned
    reply_on_file: bool = False  # 谈话记录 or written reply recorded
    report_on_file: bool = False  # 初步核实报告 recorded
    outcome_on_file: bool = False  # an outcome recorded for every subject
    method: str = ""  # the disposal method being approved


Guard = Callable[[Facts], str | None]


def _no_pending_transfer(f: Facts) -> str | None:
    return (
        "线索正在移送中，待接收单位接收或退回后再处置。" if f.transfer_pending else None
    )


def _step_done(f: Facts, state: str) -> str | None:
    if state == INQUIRY and not f.reply_on_file:
        return "请先登记谈话记录或书面回复，再办结。"
    if state == VERIFICATION and not f.report_on_file:
        return "请先提交初步核实报告，再办结。"
    if state == CASE and not f.outcome_on_file:
        return "请先为每名被反映人登记处理结果，再办结。"
    return None


# (state, event) → (new state or None for "decided by the method", guards)
TRANSITIONS: dict[tuple[str, str], tuple[str | None, tuple[Guard, ...]]] = {
    (REGISTERED, "merge"): (MERGED, (_no_pending_transfer,)),
    (REGISTERED, "propose"): (OPINION, (_no_pending_transfer,)),
    (REGISTERED, "transfer"): (REGISTERED, (_no_pending_transfer,)),
    (OPINION, "approve"): (None, ()),
    (OPINION, "reject"): (REGISTERED, ()),
    (INQUIRY, "propose"): (OPINION, ()),
    (VERIFICATION, "propose"): (OPINION, ()),
    (SHELVED, "propose"): (OPINION, ()),
    (INQUIRY, "conclude"): (CONCLUDED, (lambda f: _step_done(f, INQUIRY),)),
    (VERIFICATION, "conclude"): (CONCLUDED, (lambda f: _step_done(f, VERIFICATION),)),
    (CASE, "conclude"): (CONCLUDED, (lambda f: _step_done(f, CASE),)),
}


def allowed_events(state: str) -> list[str]:
    """The events the table allows from ``state`` (before guards)."""
    return [event for (s, event) in TRANSITIONS if s == state]


def next_state(state: str, event: str, facts: Facts | None = None) -> str:
    """The state after ``event``; an illegal transition or a failing guard is refused with
    a Chinese message and changes nothing."""
    facts = facts or Facts()
    try:
        target, guards = TRANSITIONS[(state, event)]
    except KeyError:
        raise Conflict(
            f"线索当前状态为“{LABELS.get(state, state)}”，"
            f"不能{EVENT_LABELS.get(event, event)}。"
        ) from None
    for guard in guards:
        message = guard(facts)
        if message:
            raise Conflict(message)
    if target is None:
        try:
            return METHOD_STATE[facts.method]
        except KeyError:
            raise Conflict("处置方式无效。") from None
    return target
