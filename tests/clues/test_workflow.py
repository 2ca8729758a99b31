"""Property tests of the clue and transfer state machines (``clues.workflow``,
``clues.transfer_workflow``): illegal transitions are always refused, final states have no
exits, guards decide exactly what they claim — and the disposal services, driven by random
sequences of actions, keep the clue exactly where the state machine says."""

from __future__ import annotations

import datetime as dt
from collections import deque

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clues.test_disposal import DAY, on, people, register  # noqa: F401
from xietong.audit.models import AuditEntry
from xietong.clues import transfer_workflow, workflow
from xietong.clues.models import Clue, ClueStatus, Disposal, TransferStatus
from xietong.clues.services import (
    clue_conclude,
    disposal_approve,
    disposal_propose,
    disposal_reject,
    inquiry_record_reply,
    verification_record_report,
)
from xietong.core.errors import ApplicationError, Conflict

STATES = list(workflow.LABELS)
EVENTS = sorted({e for (_, e) in workflow.TRANSITIONS}) + ["close", "reopen"]
METHODS = sorted(workflow.METHOD_STATE)
facts_st = st.builds(
    workflow.Facts,
    transfer_pending=st.booleans(),
    reply_on_file=st.booleans(),
    report_on_file=st.booleans(),
    outcome_on_file=st.booleans(),
    method=st.sampled_from([*METHODS, "", "interrogate"]),
)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- the clue state machine -----------------------------------------------------------------


def test_states_are_the_clue_statuses():
    assert set(STATES) == set(ClueStatus.values)
    assert all(workflow.LABELS[v] == label for v, label in ClueStatus.choices)
    assert set(workflow.METHOD_STATE.values()) <= set(STATES)


@given(st.sampled_from(STATES), st.sampled_from(EVENTS), facts_st)
def test_illegal_transitions_are_always_refused(state, event, facts):
    if (state, event) in workflow.TRANSITIONS:
        return
    with pytest.raises(Conflict) as err:
        workflow.next_state(state, event, facts)
    assert workflow.LABELS[state] in err.value.message


@given(st.sampled_from(sorted(workflow.FINAL)), st.sampled_from(EVENTS), facts_st)
def test_final_states_have_no_exits(state, event, facts):
    assert workflow.allowed_events(state) == []
    with pytest.raises(Conflict):
        workflow.next_state(state, event, facts)


@given(st.sampled_from(STATES), st.sampled_from(EVENTS), facts_st)
def test_a_legal_move_lands_in_a_known_state_or_is_refused_in_chinese(
    state, event, facts
):
    try:
        new = workflow.next_state(state, event, facts)
    except Conflict as exc:
        assert _chinese(exc.message)
    else:
        assert (state, event) in workflow.TRANSITIONS
        assert new in STATES


@given(facts_st)
def test_a_pending_transfer_blocks_disposal_merge_and_another_transfer(facts):
    for event in ("propose", "merge", "transfer"):
        if facts.transfer_pending:
            with pytest.raises(Conflict) as err:
                workflow.next_state(workflow.REGISTERED, event, facts)
            assert "移送" in err.value.message
        else:
            assert workflow.next_state(workflow.REGISTERED, event, facts)


@given(facts_st)
def test_conclusion_needs_the_step_done(facts):
    needs = {
        workflow.INQUIRY: facts.reply_on_file,
        workflow.VERIFICATION: facts.report_on_file,
        workflow.CASE: facts.outcome_on_file,
    }
    for state, done in needs.items():
        if done:
            assert workflow.next_state(state, "conclude", facts) == workflow.CONCLUDED
        else:
            with pytest.raises(Conflict) as err:
                workflow.next_state(state, "conclude", facts)
            assert err.value.message.startswith("请先")
    # 暂存待查 is never concluded directly: a new opinion is drafted first.
    with pytest.raises(Conflict):
        workflow.next_state(workflow.SHELVED, "conclude", facts)


@given(facts_st)
def test_approval_follows_the_method(facts):
    if facts.method in workflow.METHOD_STATE:
        assert (
            workflow.next_state(workflow.OPINION, "approve", facts)
            == workflow.METHOD_STATE[facts.method]
        )
    else:
        with pytest.raises(Conflict) as err:
            workflow.next_state(workflow.OPINION, "approve", facts)
        assert "处置方式" in err.value.message


def _edges(state):
    out = set()
    for (s, _event), (target, _) in workflow.TRANSITIONS.items():
        if s == state:
            out |= set(workflow.METHOD_STATE.values()) if target is None else {target}
    return out


def test_every_state_is_reachable_and_every_open_state_can_end():
    seen, todo = {workflow.REGISTERED}, deque([workflow.REGISTERED])
    while todo:
        for nxt in _edges(todo.popleft()) - seen:
            seen.add(nxt)
            todo.append(nxt)
    assert seen == set(STATES)
    for state in set(STATES) - workflow.FINAL:
        reach, todo = {state}, deque([state])
        while todo:
            for nxt in _edges(todo.popleft()) - reach:
                reach.add(nxt)
                todo.append(nxt)
        assert reach & workflow.FINAL, state


@given(st.lists(st.tuples(st.sampled_from(EVENTS), facts_st), max_size=25))
def test_random_walks_never_leave_a_final_state(steps):
    state = workflow.REGISTERED
    for event, facts in steps:
        was_final = state in workflow.FINAL
        try:
            state = workflow.next_state(state, event, facts)
        except Conflict:
            continue
        assert not was_final
        assert state in STATES


# --- the transfer state machine -------------------------------------------------------------

T_STATES = list(transfer_workflow.LABELS)
T_EVENTS = ["accept", "return", "result", "send", "reopen"]


def test_transfer_states_are_the_transfer_statuses():
    assert set(T_STATES) == set(TransferStatus.values)
    assert transfer_workflow.OPEN == {
        transfer_workflow.SENT,
        transfer_workflow.ACCEPTED,
    }


@given(st.sampled_from(T_STATES), st.sampled_from(T_EVENTS))
def test_transfer_moves_are_the_table_and_nothing_else(state, event):
    if (state, event) in transfer_workflow.TRANSITIONS:
        assert transfer_workflow.next_state(state, event) in T_STATES
    else:
        with pytest.raises(Conflict) as err:
            transfer_workflow.next_state(state, event)
        assert transfer_workflow.LABELS[state] in err.value.message


@given(
    st.sampled_from(sorted(set(T_STATES) - transfer_workflow.OPEN)),
    st.sampled_from(T_EVENTS),
)
def test_closed_transfers_have_no_exits(state, event):
    with pytest.raises(Conflict):
        transfer_workflow.next_state(state, event)


def test_a_transfer_is_accepted_once():
    accepted = transfer_workflow.next_state(transfer_workflow.SENT, "accept")
    for event in ("accept", "return"):
        with pytest.raises(Conflict):
            transfer_workflow.next_state(accepted, event)


# --- the services follow the machine ---------------------------------------------------------

ACTIONS = st.one_of(
    st.tuples(
        st.just("propose"),
        st.sampled_from(METHODS),
        st.sampled_from(["talk", "letter"]),
    ),
    st.tuples(st.sampled_from(["approve", "reject", "reply", "report", "conclude"])),
)


class Model:
    """What the state machine says the clue should be, from the actions that succeeded."""

    def __init__(self):
        self.state = workflow.REGISTERED
        self.pending = False
        self.reply = self.report = False

    def expect(self, action) -> str | None:
        """The state after ``action``, or None when it must be refused."""
        kind = action[0]
        facts = workflow.Facts(
            reply_on_file=self.reply,
            report_on_file=self.report,
            method=action[1] if kind == "propose" else self.method_pending,
        )
        if kind in ("approve", "reject") and not self.pending:
            return None
        if kind == "reply":
            ok = self.state == workflow.INQUIRY and not self.reply
            return self.state if ok else None
        if kind == "report":
            ok = self.state == workflow.VERIFICATION and not self.report
            return self.state if ok else None
        event = kind
        try:
            return workflow.next_state(self.state, event, facts)
        except Conflict:
            return None

    method_pending = ""

    def apply(self, action, new_state):
        kind = action[0]
        if kind == "propose":
            self.pending, self.method_pending = True, action[1]
        elif kind == "approve":
            self.pending = False
            self.reply = self.report = False
        elif kind == "reject":
            self.pending = False
        elif kind == "reply":
            self.reply = True
        elif kind == "report":
            self.report = True
        self.state = new_state


def _run(action, clue, people):  # noqa: F811
    kind = action[0]
    latest = Disposal.objects.filter(clue=clue).order_by("-id").first()
    if kind == "propose":
        disposal_propose(
            actor=people.handler,
            clue=clue,
            method=action[1],
            opinion="拟办",
            inquiry_form=action[2],
        )
    elif kind in ("approve", "reject"):
        if latest is None:
            raise Conflict("尚无拟办意见。")
        if kind == "approve":
            disposal_approve(actor=people.main, disposal=latest)
        else:
            disposal_reject(actor=people.main, disposal=latest, comment="退回")
    elif kind == "reply":
        inquiry_record_reply(
            actor=people.handler, clue=clue, reply_text="回复", reply_date=DAY
        )
    elif kind == "report":
        verification_record_report(
            actor=people.handler, clue=clue, report_text="报告", report_date=DAY
        )
    else:
        clue_conclude(actor=people.handler, clue=clue, conclusion="办结")


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=1, max_size=8))
def test_services_refuse_what_the_machine_refuses(world, people, actions):  # noqa: F811
    with on(DAY):
        clue = register(world, people, received=dt.date(2026, 5, 25))
        model = Model()
        for action in actions:
            expected = model.expect(action)
            audits = AuditEntry.objects.count()
            disposals = list(
                Disposal.objects.filter(clue=clue).values_list("id", "status")
            )
            try:
                _run(action, clue, people)
            except ApplicationError as exc:
                assert expected is None, (action, model.state, exc.message)
                assert _chinese(exc.message)
                # A refusal changes nothing.
                assert AuditEntry.objects.count() == audits
                assert (
                    list(Disposal.objects.filter(clue=clue).values_list("id", "status"))
                    == disposals
                )
            else:
                assert expected is not None, (action, model.state)
                model.apply(action, expected)
            assert Clue.objects.get(pk=clue.pk).status == model.state
            pending = Disposal.objects.filter(clue=clue, status="pending").count()
            assert pending == (1 if model.pending else 0)
