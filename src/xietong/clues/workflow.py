"""The clue state machine: a transition table with guards. Plain Python, no Django.

Later steps (disposal opinion, approval, 谈话函询, 初步核实, 立案…) extend the table.
"""

from __future__ import annotations

from xietong.core.errors import Conflict

REGISTERED, MERGED = "registered", "merged"

# (state, event) → new state
TRANSITIONS: dict[tuple[str, str], str] = {
    (REGISTERED, "merge"): MERGED,
}

LABELS = {REGISTERED: "已登记", MERGED: "已合并"}
EVENT_LABELS = {"merge": "合并"}


def next_state(state: str, event: str) -> str:
    """The state after ``event``; an illegal transition is refused with a Chinese message."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise Conflict(
            f"线索当前状态为“{LABELS.get(state, state)}”，不能{EVENT_LABELS.get(event, event)}。"
        ) from None
