"""The transfer state machine (移送/转办/交办). Plain Python, no Django.

待接收 → (接收) 已接收办理中 → (反馈处置结果) 已反馈办结; 待接收 → (退回) 已退回.
"""

from __future__ import annotations

from xietong.core.errors import Conflict

SENT, ACCEPTED, RETURNED, FED_BACK = "sent", "accepted", "returned", "fed_back"
LABELS = {
    SENT: "待接收",
    ACCEPTED: "已接收办理中",
    RETURNED: "已退回",
    FED_BACK: "已反馈办结",
}
EVENT_LABELS = {"accept": "接收", "return": "退回", "result": "反馈处置结果"}
TRANSITIONS: dict[tuple[str, str], str] = {
    (SENT, "accept"): ACCEPTED,
    (SENT, "return"): RETURNED,
    (ACCEPTED, "result"): FED_BACK,
}
OPEN = frozenset({SENT, ACCEPTED})


def next_state(state: str, event: str) -> str:
    """The state after ``event``; a second acceptance or any illegal step is refused."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise Conflict(
            f"该移送当前状态为“{LABELS.get(state, state)}”，"
            f"不能{EVENT_LABELS.get(event, event)}。"
        ) from None
