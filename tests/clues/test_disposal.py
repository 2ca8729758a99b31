"""Disposal (处置): the opinion, its approval (main leader for a lower-level 一把手), the
reply or report, the conclusion; overdue rules, the ledger filters, to-dos, pages and API.

State is built through the services. The clock is pinned (``on``) so that deadlines never
depend on the real date nor run off the loaded working-day calendar."""

from __future__ import annotations

import datetime as dt
import io
import json
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import account, new_id_number
from xietong.access.roles import Role
from xietong.access.services import account_set_main_leader, token_create
from xietong.audit.models import Action, AuditEntry
from xietong.clues import selectors
from xietong.clues.dashboard import disposal_counters, disposal_todos
from xietong.clues.models import (
    Clue,
    Disposal,
    Transfer,
    TransferNote,
)
from xietong.clues.rules import add_months
from xietong.clues.services import (
    SubjectInput,
    clue_conclude,
    clue_register,
    disposal_approve,
    disposal_propose,
    disposal_reject,
    inquiry_record_reply,
    outcome_record,
    transfer_accept,
    transfer_send,
    verification_record_report,
)
from xietong.clues.services.disposal import (
    handling_commission,
    is_lower_level_top_leader,
)
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.org.services import person_create
from xietong.workdays.services import add_workdays

DAY = dt.date(2026, 6, 1)  # a Monday; "today" of every test unless moved with ``on``


@contextmanager
def on(day: dt.date, hour: int = 10):
    """Run with the clock at ``day`` (``hour`` o'clock, local time), still ticking."""
    real = timezone.now
    start = real()
    base = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
    with mock.patch("django.utils.timezone.now", lambda: base + (real() - start)):
        yield


@pytest.fixture(autouse=True)
def clock():
    with on(DAY):
        yield


@pytest.fixture
def people(world):
    u = world.units
    main = account(u["a_commission"], Role.LEADER)
    account_set_main_leader(actor=None, user=main, main=True)
    return SimpleNamespace(
        cm=account(u["a_case_management"], Role.CASE_MANAGER),
        handler=account(u["a_supervision_office"], Role.HANDLER),
        head=account(u["a_supervision_office"], Role.HEAD),
        leader=account(u["a_commission"], Role.LEADER),
        main=main,
        b_handler=account(u["b_supervision_office"], Role.HANDLER),
        b_leader=account(u["b_commission"], Role.LEADER),
        b_cm=account(u["b_case_management"], Role.CASE_MANAGER),
    )


def register(world, people, key="a_health_staff", received=dt.date(2026, 5, 20)):
    return clue_register(
        actor=people.cm,
        source="petition",
        received_date=received,
        summary=f"反映{world.persons[key].name}违规收受礼金",
        subjects=[SubjectInput(person=world.persons[key])],
    )


def propose(people, clue, method="inquiry", form="letter", by=None):
    return disposal_propose(
        actor=by or people.handler,
        clue=clue,
        method=method,
        opinion=f"建议{method}",
        inquiry_form=form,
    )


def approved(people, clue, method="inquiry", form="letter"):
    """Propose and approve ``method`` on ``clue`` (the main leader approves)."""
    d = propose(people, clue, method, form)
    return disposal_approve(actor=people.main, disposal=d, comment="同意")


def status(clue) -> str:
    return Clue.objects.get(pk=clue.pk).status


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- proposing --------------------------------------------------------------------------------


def test_propose_moves_the_clue_and_is_audited(world, people):
    clue = register(world, people)
    before = audit_count()
    d = propose(people, clue, "inquiry", "talk")
    assert status(clue) == "opinion"
    assert (d.status, d.method, d.inquiry_form) == ("pending", "inquiry", "talk")
    assert d.unit == clue.owner_unit == world.units["a_commission"]
    assert d.drafted_by == people.handler and not d.needs_main_leader
    entries = AuditEntry.objects.filter(seq__gt=before)
    assert entries.filter(action=Action.TRANSITION, object_type="clues.clue").exists()
    assert entries.filter(action=Action.CREATE, object_type="clues.disposal").exists()
    assert "提出拟办意见" in entries.get(action=Action.TRANSITION).summary


@pytest.mark.parametrize(
    "method,form,opinion,field",
    [
        ("", "", "建议函询", "method"),
        ("interrogate", "", "建议函询", "method"),
        ("inquiry", "", "建议函询", "inquiry_form"),
        ("inquiry", "phone", "建议函询", "inquiry_form"),
        ("verification", "", "   ", "opinion"),
        ("verification", "", "长" * 2001, "opinion"),
    ],
)
def test_bad_opinion_is_named_and_changes_nothing(
    world, people, method, form, opinion, field
):
    clue = register(world, people)
    before = audit_count()
    with pytest.raises(ValidationError) as err:
        disposal_propose(
            actor=people.handler,
            clue=clue,
            method=method,
            opinion=opinion,
            inquiry_form=form,
        )
    assert field in err.value.fields
    assert any(ch >= "\u4e00" for ch in err.value.message)
    assert status(clue) == "registered"
    assert not Disposal.objects.exists() and audit_count() == before


def test_only_drafters_of_the_handling_commission_propose(world, people):
    clue = register(world, people)
    for actor in (people.leader, people.cm):
        with pytest.raises(PermissionDenied) as err:
            propose(people, clue, by=actor)
        assert "承办人或部门负责人" in err.value.message
    with pytest.raises(NotFound):
        propose(people, clue, by=people.b_handler)
    assert propose(people, clue, "verification", by=people.head).status == "pending"


def test_a_second_opinion_while_one_is_pending_is_refused(world, people):
    clue = register(world, people)
    propose(people, clue)
    with pytest.raises(Conflict) as err:
        propose(people, clue, "verification")
    assert "拟办意见待审批" in err.value.message
    assert Disposal.objects.count() == 1


def test_form_is_dropped_for_methods_other_than_inquiry(world, people):
    clue = register(world, people)
    d = propose(people, clue, "verification", "talk")
    assert d.inquiry_form == ""


# --- who must approve ---------------------------------------------------------------------


def _person(world, *, unit, level, top=True):
    return person_create(
        actor=None,
        name="测试人",
        id_number=new_id_number(),
        unit=world.units[unit],
        management_level=level,
        is_top_leader=top,
    )


def test_lower_level_top_leader_rule(world):
    county = world.units["a_commission"]
    town = world.units["a_town_commission"]
    # 县管一把手 (局长) is a lower-level 一把手 for the county commission…
    assert is_lower_level_top_leader(world.persons["a_edu_head"], county)
    # …a 市管一把手 in the county (县委书记) is not: that is the city's matter.
    assert not is_lower_level_top_leader(
        _person(world, unit="a_edu", level="city"), county
    )
    # Not a 一把手 at all.
    assert not is_lower_level_top_leader(world.persons["a_health_staff"], county)
    assert not is_lower_level_top_leader(None, county)
    # A 乡管一把手 is lower for both the county and the township commission.
    town_head = _person(world, unit="a_town_office", level="township")
    assert is_lower_level_top_leader(town_head, county)
    assert is_lower_level_top_leader(town_head, town)
    # A 县管一把手 is above the township commission.
    assert not is_lower_level_top_leader(world.persons["a_edu_head"], town)
    # Without a management level, the unit's region decides.
    assert is_lower_level_top_leader(
        _person(world, unit="a_town_office", level="other"), county
    )
    assert not is_lower_level_top_leader(
        _person(world, unit="a_edu", level="other"), town
    )


def test_handling_commission_of_a_stationed_group_is_its_commission(world):
    assert handling_commission(world.units["a_group"]) == world.units["a_commission"]
    assert (
        handling_commission(world.units["a_supervision_office"])
        == world.units["a_commission"]
    )
    assert (
        handling_commission(world.units["a_commission"]) == world.units["a_commission"]
    )


def test_inquiry_to_a_lower_level_top_leader_needs_the_main_leader(world, people):
    clue = register(world, people, "a_edu_head")
    assert clue.owner_unit == world.units["a_group"]
    d = propose(people, clue, "inquiry", "talk")
    assert d.needs_main_leader
    before = audit_count()
    with pytest.raises(PermissionDenied) as err:
        disposal_approve(actor=people.leader, disposal=d)
    assert "主要负责人" in err.value.message
    with pytest.raises(PermissionDenied):
        disposal_reject(actor=people.leader, disposal=d, comment="退回")
    d.refresh_from_db()
    assert d.status == "pending" and status(clue) == "opinion"
    assert audit_count() == before
    done = disposal_approve(actor=people.main, disposal=d, comment="同意谈话")
    assert done.status == "approved" and done.decided_by == people.main
    assert status(clue) == "inquiry"


def test_verification_of_a_top_leader_needs_no_main_leader(world, people):
    clue = register(world, people, "a_edu_head")
    d = propose(people, clue, "verification")
    assert not d.needs_main_leader
    assert disposal_approve(actor=people.leader, disposal=d).status == "approved"
    assert status(clue) == "verification"


# --- approving and rejecting ----------------------------------------------------------------


def test_approval_sets_the_reply_deadline_and_is_audited(world, people):
    clue = register(world, people)
    d = propose(people, clue)
    before = audit_count()
    done = disposal_approve(actor=people.leader, disposal=d, comment="同意")
    assert done.status == "approved" and done.decision_comment == "同意"
    assert timezone.localdate(done.decided_at) == DAY
    assert done.reply_due == add_workdays(DAY, 15) == dt.date(2026, 6, 23)
    assert status(clue) == "inquiry"
    entries = AuditEntry.objects.filter(seq__gt=before)
    transition = entries.get(action=Action.TRANSITION, object_type="clues.clue")
    assert "批准拟办意见" in transition.summary and "谈话函询" in transition.summary
    assert entries.filter(object_type="clues.disposal").exists()


def test_reply_deadline_counts_working_days_across_the_national_day(world, people):
    with on(dt.date(2026, 9, 18)):  # a Friday; 中秋、国庆 and two make-up days ahead
        clue = register(world, people, received=dt.date(2026, 9, 10))
        d = propose(people, clue)
        done = disposal_approve(actor=people.leader, disposal=d)
    # 9/20 (make-up), 9/21–24, 9/28–30, 10/8, 10/9, 10/10 (make-up), 10/12–15.
    assert done.reply_due == dt.date(2026, 10, 15)


def test_other_methods_lead_to_their_step(world, people):
    for method, state in (
        ("verification", "verification"),
        ("shelved", "shelved"),
        ("closed", "closed"),
        ("case", "case"),
    ):
        clue = register(world, people)
        d = approved(people, clue, method)
        assert status(clue) == state and d.reply_due is None


def test_only_leaders_of_the_handling_commission_decide(world, people):
    clue = register(world, people)
    d = propose(people, clue)
    for actor in (people.handler, people.head, people.cm):
        with pytest.raises(PermissionDenied) as err:
            disposal_approve(actor=actor, disposal=d)
        assert "委领导" in err.value.message
    with pytest.raises(NotFound):
        disposal_approve(actor=people.b_leader, disposal=d)
    assert Disposal.objects.get(pk=d.pk).status == "pending"


def test_a_second_approval_is_refused(world, people):
    clue = register(world, people)
    d = propose(people, clue)
    disposal_approve(actor=people.leader, disposal=d)
    with pytest.raises(Conflict) as err:
        disposal_approve(actor=people.main, disposal=d)
    assert "已批准" in err.value.message
    with pytest.raises(Conflict):
        disposal_reject(actor=people.main, disposal=d, comment="晚了")


def test_reject_needs_a_reason_then_sends_the_clue_back(world, people):
    clue = register(world, people)
    d = propose(people, clue)
    before = audit_count()
    with pytest.raises(ValidationError) as err:
        disposal_reject(actor=people.leader, disposal=d, comment="  ")
    assert "comment" in err.value.fields and "退回理由" in err.value.message
    assert status(clue) == "opinion" and audit_count() == before
    done = disposal_reject(actor=people.leader, disposal=d, comment="事实不清")
    assert done.status == "rejected" and done.decision_comment == "事实不清"
    assert status(clue) == "registered"
    again = propose(people, clue, "verification")
    assert again.status == "pending" and status(clue) == "opinion"


def test_long_approval_comment_is_refused(world, people):
    clue = register(world, people)
    d = propose(people, clue)
    with pytest.raises(ValidationError) as err:
        disposal_approve(actor=people.leader, disposal=d, comment="长" * 256)
    assert "comment" in err.value.fields
    assert Disposal.objects.get(pk=d.pk).status == "pending"


# --- the reply, the report, the conclusion ---------------------------------------------------


def test_reply_dates_must_lie_between_approval_and_today(world, people):
    clue = register(world, people, received=dt.date(2026, 5, 4))
    with on(dt.date(2026, 5, 20)):
        approved(people, clue)
    cases = [
        (DAY + dt.timedelta(days=1), "日期在未来"),
        (dt.date(2026, 5, 19), "早于批准谈话函询之日"),
        (None, "日期无效"),
    ]
    before = audit_count()
    for day, msg in cases:
        with pytest.raises(ValidationError) as err:
            inquiry_record_reply(
                actor=people.handler, clue=clue, reply_text="说明", reply_date=day
            )
        assert err.value.fields["reply_date"] == msg
    with pytest.raises(ValidationError) as err:
        inquiry_record_reply(
            actor=people.handler, clue=clue, reply_text=" ", reply_date=DAY
        )
    assert "reply_text" in err.value.fields
    assert audit_count() == before
    assert Disposal.objects.get().reply_date is None
    d = inquiry_record_reply(
        actor=people.handler,
        clue=clue,
        reply_text="本人如实说明情况",
        reply_date=dt.date(2026, 5, 20),
    )
    assert d.reply_date == dt.date(2026, 5, 20) and d.reply_text == "本人如实说明情况"
    assert AuditEntry.objects.filter(
        seq__gt=before, object_type="clues.disposal", summary__contains="书面回复"
    ).exists()
    with pytest.raises(Conflict):
        inquiry_record_reply(
            actor=people.handler, clue=clue, reply_text="再次", reply_date=DAY
        )


def test_reply_only_in_inquiry_and_by_recorders(world, people):
    clue = register(world, people)
    with pytest.raises(Conflict) as err:
        inquiry_record_reply(
            actor=people.handler, clue=clue, reply_text="说明", reply_date=DAY
        )
    assert "待处置" in err.value.message
    approved(people, clue, "verification")
    with pytest.raises(Conflict):
        inquiry_record_reply(
            actor=people.handler, clue=clue, reply_text="说明", reply_date=DAY
        )
    with pytest.raises(PermissionDenied):
        verification_record_report(
            actor=people.leader, clue=clue, report_text="报告", report_date=DAY
        )
    with pytest.raises(NotFound):
        verification_record_report(
            actor=people.b_handler, clue=clue, report_text="报告", report_date=DAY
        )


def test_conclude_is_refused_without_the_reply(world, people):
    clue = register(world, people)
    approved(people, clue, "inquiry", "talk")
    with pytest.raises(Conflict) as err:
        clue_conclude(actor=people.handler, clue=clue, conclusion="了结")
    assert "请先登记谈话记录或书面回复" in err.value.message
    assert status(clue) == "inquiry"
    with pytest.raises(ValidationError) as err:
        clue_conclude(actor=people.handler, clue=clue, conclusion="")
    assert "conclusion" in err.value.fields
    inquiry_record_reply(
        actor=people.handler, clue=clue, reply_text="谈话记录", reply_date=DAY
    )
    with pytest.raises(PermissionDenied):
        clue_conclude(actor=people.leader, clue=clue, conclusion="了结")
    clue_conclude(actor=people.head, clue=clue, conclusion="反映问题不属实，予以了结")
    assert status(clue) == "concluded"
    assert AuditEntry.objects.filter(
        object_type="clues.clue", summary__contains="反映问题不属实"
    ).exists()
    with pytest.raises(Conflict) as err:
        propose(people, clue)
    assert "已办结" in err.value.message


def test_verification_report_then_conclude(world, people):
    clue = register(world, people)
    approved(people, clue, "verification")
    with pytest.raises(Conflict) as err:
        clue_conclude(actor=people.handler, clue=clue, conclusion="办结")
    assert "初步核实报告" in err.value.message
    with pytest.raises(ValidationError) as err:
        verification_record_report(
            actor=people.handler,
            clue=clue,
            report_text="核实报告",
            report_date=DAY + dt.timedelta(days=3),
        )
    assert err.value.fields == {"report_date": "日期在未来"}
    verification_record_report(
        actor=people.handler, clue=clue, report_text="经核实不属实", report_date=DAY
    )
    with pytest.raises(Conflict):
        verification_record_report(
            actor=people.handler, clue=clue, report_text="又一份", report_date=DAY
        )
    clue_conclude(actor=people.handler, clue=clue, conclusion="核实不属实，了结")
    assert status(clue) == "concluded"


def test_a_case_concludes_once_every_subject_has_an_outcome(world, people):
    clue = register(world, people)
    approved(people, clue, "case")
    with pytest.raises(Conflict) as err:
        clue_conclude(actor=people.handler, clue=clue, conclusion="结案")
    assert "处理结果" in err.value.message
    outcome_record(
        actor=people.handler,
        clue=clue,
        subject=clue.subjects.get(),
        form=2,
        conclusion="给予党内警告处分",
        decided_date=DAY,
    )
    clue_conclude(actor=people.handler, clue=clue, conclusion="结案")
    assert status(clue) == "concluded"


def test_an_inquiry_can_turn_into_verification(world, people):
    clue = register(world, people)
    approved(people, clue, "inquiry")
    second = approved(people, clue, "verification")
    assert status(clue) == "verification"
    assert selectors.clue_disposals(clue)[-1] == second


def test_conclusion_of_a_transferred_clue_flows_back_to_the_sender(world, people):
    clue = register(world, people)
    sent = transfer_send(
        actor=people.cm,
        clue=clue,
        to_unit=world.units["b_commission"],
        kind="transfer",
        reason="按管辖移送",
        feedback_workdays=20,
    )
    transfer_accept(actor=people.b_cm, transfer=sent)
    # The receiver now handles it; the sender may no longer draft.
    with pytest.raises(PermissionDenied):
        propose(people, clue, by=people.handler)
    d = propose(people, clue, "verification", by=people.b_handler)
    disposal_approve(actor=people.b_leader, disposal=d)
    verification_record_report(
        actor=people.b_handler, clue=clue, report_text="核实", report_date=DAY
    )
    clue_conclude(actor=people.b_handler, clue=clue, conclusion="经核实予以了结")
    assert Transfer.objects.get(pk=sent.pk).status == "fed_back"
    note = TransferNote.objects.filter(transfer=sent, kind="result").get()
    assert "经核实予以了结" in note.content


# --- overdue rules ----------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    received=st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    today=st.dates(dt.date(2025, 1, 1), dt.date(2027, 3, 31)),
)
def test_opinion_cutoff_matches_the_rule(received, today):
    """received ≤ cutoff(today) exactly when today is past received + opinion_months."""
    cutoff = selectors.opinion_overdue_cutoff(today)
    assert (received <= cutoff) == (today > add_months(received, 1))


def _ledger(viewer, **kw):
    return {c.number for c in selectors.clue_ledger(viewer=viewer, **kw)}


def test_opinion_overdue_after_one_month(world, people):
    clue = register(world, people, received=dt.date(2026, 1, 31))
    due = selectors.opinion_due(clue.received_date)
    assert due == dt.date(2026, 2, 28)
    assert clue.number not in _ledger(people.handler, overdue=True, today=due)
    late = due + dt.timedelta(days=1)
    assert _ledger(people.handler, overdue=True, today=late) == {clue.number}
    row = selectors.clue_ledger(viewer=people.handler, today=late).get()
    assert selectors.overdue_reasons(row) == ["拟办意见逾期"]
    propose(people, clue)  # no longer 待处置
    assert _ledger(people.handler, overdue=True, today=late) == set()


def test_reply_overdue_until_the_reply_is_on_file(world, people):
    clue = register(world, people)
    d = approved(people, clue)
    assert _ledger(people.handler, overdue=True, today=d.reply_due) == set()
    late = d.reply_due + dt.timedelta(days=1)
    assert _ledger(people.handler, overdue=True, today=late) == {clue.number}
    row = selectors.clue_ledger(viewer=people.handler, today=late).get()
    assert selectors.overdue_reasons(row) == ["函询回复逾期"]
    inquiry_record_reply(
        actor=people.handler, clue=clue, reply_text="书面说明", reply_date=DAY
    )
    assert _ledger(people.handler, overdue=True, today=late) == set()


def test_open_transfer_past_its_feedback_deadline_is_overdue(world, people):
    clue = register(world, people, received=DAY)
    sent = transfer_send(
        actor=people.cm,
        clue=clue,
        to_unit=world.units["b_commission"],
        kind="transfer",
        reason="按管辖移送",
        feedback_workdays=5,
    )
    late = sent.feedback_due + dt.timedelta(days=1)
    assert late < selectors.opinion_due(DAY)
    assert _ledger(people.cm, overdue=True, today=sent.feedback_due) == set()
    assert _ledger(people.cm, overdue=True, today=late) == {clue.number}
    assert _ledger(people.b_cm, overdue=True, today=late) == {clue.number}
    row = selectors.clue_ledger(viewer=people.cm, today=late).get()
    assert selectors.overdue_reasons(row) == ["移送反馈逾期"]


# --- ledger filters ---------------------------------------------------------------------------


def test_ledger_filters_by_method_form_source_and_status(world, people):
    inquiry = register(world, people)
    approved(people, inquiry, "inquiry")
    verification = register(world, people)
    approved(people, verification, "verification")
    pending = register(world, people)
    propose(people, pending, "case")
    untouched = clue_register(
        actor=people.cm,
        source="audit",
        received_date=DAY,
        summary="审计移交：违规发放津补贴",
        subjects=[SubjectInput(person=world.persons["a_town_staff"])],
    )
    h = people.handler
    assert _ledger(h, method="inquiry") == {inquiry.number}
    assert _ledger(h, method="verification") == {verification.number}
    assert _ledger(h, method="case") == set()  # proposed, not approved
    assert _ledger(h, method="bogus") == _ledger(h)
    assert _ledger(h, source="audit") == {untouched.number}
    assert _ledger(h, status="opinion") == {pending.number}
    # The latest approved opinion decides: the inquiry turns into verification.
    approved(people, inquiry, "verification")
    assert _ledger(h, method="inquiry") == set()
    assert _ledger(h, method="verification") == {inquiry.number, verification.number}
    outcome_record(
        actor=h,
        clue=verification,
        subject=verification.subjects.get(),
        form=1,
        conclusion="谈话提醒",
        decided_date=DAY,
    )
    assert _ledger(h, form="1") == {verification.number}
    assert _ledger(h, form=2) == set()
    assert _ledger(h, form="9") == _ledger(h)
    assert _ledger(h, form="1", method="verification", q="礼金") == {
        verification.number
    }
    # Another county sees none of it, whatever the filter.
    assert _ledger(people.b_handler, method="verification") == set()


def test_ledger_page_and_export_carry_the_new_columns(client, world, people):
    clue = register(world, people, received=dt.date(2026, 4, 1))
    done = register(world, people)
    approved(people, done, "verification")
    outcome_record(
        actor=people.handler,
        clue=done,
        subject=done.subjects.get(),
        form=1,
        conclusion="批评教育",
        decided_date=DAY,
    )
    client.force_login(people.handler)
    page = client.get(reverse("clues:ledger"), {"overdue": "1"}).content.decode()
    assert clue.number in page and done.number not in page
    assert "拟办意见逾期" in page and 'name="overdue" value="1" checked' in page
    page = client.get(reverse("clues:ledger"), {"form": "1"}).content.decode()
    assert done.number in page and clue.number not in page
    assert "第一种形态" in page and "初步核实" in page
    resp = client.get(reverse("clues:ledger"), {"export": "xlsx"})
    rows = list(
        openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(
            values_only=True
        )
    )
    header = rows[0]
    assert header[-3:] == ("处置方式", "形态", "是否逾期")
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[done.number][-3:] == ("初步核实", "第一种形态", "否")
    assert by_number[clue.number][-3:] == (None, None, "是（拟办意见逾期）")
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == 1


def test_ledger_api_filters(client, world, people):
    clue = register(world, people)
    approved(people, clue, "inquiry")
    other = register(world, people, received=dt.date(2026, 4, 1))
    _, raw = token_create(actor=people.handler, name="脚本")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    items = client.get("/api/clues", {"method": "inquiry"}, **auth).json()["items"]
    assert [i["number"] for i in items] == [clue.number]
    assert items[0]["disposal_method"] == "inquiry" and items[0]["overdue"] == []
    items = client.get("/api/clues", {"overdue": "true"}, **auth).json()["items"]
    assert [(i["number"], i["overdue"]) for i in items] == [
        (other.number, ["拟办意见逾期"])
    ]


# --- to-dos and the home counter ----------------------------------------------------------


def _titles(items):
    return [i.title for i in items]


def test_leaders_see_only_the_opinions_they_may_approve(world, people):
    top = register(world, people, "a_edu_head")
    plain = register(world, people)
    propose(people, top, "inquiry", "talk")
    propose(people, plain, "verification")
    ordinary = _titles(disposal_todos(people.leader))
    assert ordinary == [f"拟办意见待审批 {plain.number}"]
    main = disposal_todos(people.main)
    assert set(_titles(main)) == {
        f"拟办意见待审批 {plain.number}",
        f"拟办意见待审批 {top.number}",
    }
    assert any("须主要负责人审批" in i.detail for i in main)
    assert disposal_todos(people.b_leader) == []
    assert disposal_todos(people.handler) == []


def test_handlers_see_overdue_opinions_and_replies_as_urgent(world, people):
    late = register(world, people, received=dt.date(2026, 4, 1))
    inquiry = register(world, people)
    d = approved(people, inquiry)
    today = d.reply_due + dt.timedelta(days=1)
    items = disposal_todos(people.handler, today=today)
    assert {i.title for i in items} == {
        f"拟办意见逾期 {late.number}",
        f"谈话函询回复逾期 {inquiry.number}",
    }
    assert all(i.urgent for i in items)
    assert disposal_todos(people.head, today=today)
    assert disposal_todos(people.b_handler, today=today) == []
    assert disposal_todos(people.handler, today=DAY) == [
        i for i in disposal_todos(people.handler, today=DAY) if late.number in i.title
    ]


def test_home_counter_of_clues_awaiting_disposal(world, people):
    register(world, people)
    register(world, people)
    propose(people, register(world, people))
    (counter,) = disposal_counters(people.handler)
    assert (counter.label, counter.value) == ("待处置线索", 2)
    assert counter.url.endswith("?status=registered")
    assert disposal_counters(people.b_handler)[0].value == 0
    assert disposal_counters(account(world.units["a_edu"], Role.RECTIFIER)) == []


# --- the clue page ------------------------------------------------------------------------


def _page(client, user, clue) -> str:
    client.force_login(user)
    resp = client.get(reverse("clues:detail", args=[clue.pk]))
    assert resp.status_code == 200
    return resp.content.decode()


def test_page_shows_the_forms_that_fit_the_viewer(client, world, people):
    clue = register(world, people, "a_edu_head")
    page = _page(client, people.handler, clue)
    assert 'id="disposal"' in page and "提出拟办意见" in page
    assert reverse("clues:disposal_propose", args=[clue.pk]) in page
    page = _page(client, people.leader, clue)
    assert reverse("clues:disposal_propose", args=[clue.pk]) not in page
    d = propose(people, clue, "inquiry", "talk")
    approve_url = reverse("clues:disposal_approve", args=[d.pk])
    page = _page(client, people.leader, clue)
    assert "须主要负责人审批" in page and approve_url not in page
    page = _page(client, people.main, clue)
    assert approve_url in page
    assert reverse("clues:disposal_reject", args=[d.pk]) in page
    page = _page(client, people.handler, clue)
    assert approve_url not in page and "建议inquiry" in page


def test_refused_post_comes_back_as_a_message(client, world, people):
    clue = register(world, people, "a_edu_head")
    d = propose(people, clue, "inquiry", "talk")
    client.force_login(people.leader)
    resp = client.post(
        reverse("clues:disposal_approve", args=[d.pk]), {"comment": "同意"}, follow=True
    )
    assert resp.redirect_chain[0][0].endswith(
        reverse("clues:detail", args=[clue.pk]) + "#disposal"
    )
    assert "须由本委主要负责人审批" in resp.content.decode()
    assert Disposal.objects.get(pk=d.pk).status == "pending"
    client.force_login(people.handler)
    resp = client.post(
        reverse("clues:clue_conclude", args=[clue.pk]), {"conclusion": "x"}, follow=True
    )
    assert "不能办结" in resp.content.decode()
    assert status(clue) == "opinion"


def test_the_whole_step_through_the_pages(client, world, people):
    clue = register(world, people)
    client.force_login(people.handler)
    bad = client.post(
        reverse("clues:disposal_propose", args=[clue.pk]),
        {"method": "inquiry", "opinion": "建议函询"},
        follow=True,
    )
    assert "谈话函询须选择谈话或函询" in bad.content.decode()
    assert not Disposal.objects.exists()
    client.post(
        reverse("clues:disposal_propose", args=[clue.pk]),
        {"method": "inquiry", "inquiry_form": "letter", "opinion": "建议函询"},
    )
    d = Disposal.objects.get()
    client.force_login(people.leader)
    client.post(reverse("clues:disposal_approve", args=[d.pk]), {"comment": ""})
    assert status(clue) == "inquiry"
    client.force_login(people.handler)
    page = _page(client, people.handler, clue)
    assert "登记书面回复" in page and "2026-06-23" in page
    assert "请先登记谈话记录或书面回复" in page  # why 办结 is not offered yet
    bad = client.post(
        reverse("clues:inquiry_reply", args=[clue.pk]),
        {"reply_text": "说明", "reply_date": "2026-13-01"},
        follow=True,
    )
    assert "回复日期无效" in bad.content.decode()
    client.post(
        reverse("clues:inquiry_reply", args=[clue.pk]),
        {"reply_text": "本人书面说明", "reply_date": "2026-06-01"},
    )
    page = _page(client, people.handler, clue)
    assert "本人书面说明" in page
    assert reverse("clues:clue_conclude", args=[clue.pk]) in page
    resp = client.post(
        reverse("clues:clue_conclude", args=[clue.pk]),
        {"conclusion": "函询后予以采信了结"},
        follow=True,
    )
    assert "线索已办结" in resp.content.decode()
    assert status(clue) == "concluded"
    page = resp.content.decode()
    assert "流转记录" in page and "函询后予以采信了结" in page


def test_posts_out_of_reach_answer_not_found(client, world, people):
    clue = register(world, people)
    d = propose(people, clue)
    client.force_login(people.b_leader)
    assert (
        client.post(reverse("clues:disposal_approve", args=[d.pk])).status_code == 404
    )
    client.force_login(people.b_handler)
    assert (
        client.post(
            reverse("clues:disposal_propose", args=[clue.pk]), {"method": "case"}
        ).status_code
        == 404
    )
    assert Disposal.objects.get().status == "pending"


# --- the API --------------------------------------------------------------------------------


def _post(client, url, body, user):
    _, raw = token_create(actor=user, name="脚本")
    return client.post(
        url,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


def test_api_lifecycle(client, world, people):
    clue = register(world, people)
    resp = _post(
        client,
        f"/api/clues/{clue.pk}/disposals",
        {"method": "inquiry", "inquiry_form": "talk", "opinion": "建议谈话"},
        people.handler,
    )
    assert resp.status_code == 201, resp.content
    d = resp.json()
    assert (d["status"], d["method_label"], d["needs_main_leader"]) == (
        "pending",
        "谈话函询",
        False,
    )
    resp = _post(client, f"/api/disposals/{d['id']}/approve", {}, people.leader)
    assert resp.status_code == 200 and resp.json()["reply_due"] == "2026-06-23"
    resp = _post(
        client,
        f"/api/clues/{clue.pk}/conclude",
        {"conclusion": "了结"},
        people.handler,
    )
    assert resp.status_code == 409 and "谈话记录" in resp.json()["message"]
    resp = _post(
        client,
        f"/api/clues/{clue.pk}/reply",
        {"reply_text": "谈话记录", "reply_date": "2026-06-02"},
        people.handler,
    )
    assert resp.status_code == 400
    assert resp.json()["fields"] == {"reply_date": "日期在未来"}
    resp = _post(
        client,
        f"/api/clues/{clue.pk}/reply",
        {"reply_text": "谈话记录", "reply_date": "2026-06-01"},
        people.handler,
    )
    assert resp.status_code == 200 and resp.json()["reply_date"] == "2026-06-01"
    resp = _post(
        client, f"/api/clues/{clue.pk}/conclude", {"conclusion": "了结"}, people.head
    )
    assert resp.json() == {
        "id": clue.pk,
        "number": clue.number,
        "status": "concluded",
        "status_label": "已办结",
    }
    _, raw = token_create(actor=people.leader, name="脚本")
    listed = client.get(
        f"/api/clues/{clue.pk}/disposals", HTTP_AUTHORIZATION=f"Bearer {raw}"
    ).json()
    assert [x["status"] for x in listed] == ["approved"]
    assert listed[0]["decided_by"] and listed[0]["reply_text"] == "谈话记录"


def test_api_refusals(client, world, people):
    clue = register(world, people, "a_edu_head")
    resp = _post(
        client,
        f"/api/clues/{clue.pk}/disposals",
        {"method": "inquiry", "opinion": "建议谈话"},
        people.handler,
    )
    assert resp.status_code == 400
    assert resp.json()["fields"] == {"inquiry_form": "谈话函询须选择谈话或函询"}
    d = propose(people, clue, "inquiry", "talk")
    resp = _post(client, f"/api/disposals/{d.pk}/approve", {}, people.leader)
    assert resp.status_code == 403 and "主要负责人" in resp.json()["message"]
    resp = _post(client, f"/api/disposals/{d.pk}/reject", {}, people.main)
    assert resp.status_code == 400 and "comment" in resp.json()["fields"]
    resp = _post(client, f"/api/disposals/{d.pk}/approve", {}, people.b_leader)
    assert resp.status_code == 404
    resp = _post(
        client, f"/api/disposals/{d.pk}/reject", {"comment": "再议"}, people.main
    )
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    assert status(clue) == "registered"


# --- the need-to-know matrix (tests/access/test_policy_matrix.py) ----------------------------

MATRIX_DAY = dt.date(
    2026, 3, 3
)  # targets are built then; the calendar covers any reply due
DRAFTERS = {Role.HEAD, Role.HANDLER}


def matrix_target(kind: str, world, scope):
    """A disposal of the matrix clue (county a in reach, county b out): ``disposal`` a
    pending 初步核实 opinion; ``disposal_inquiry`` an approved 谈话函询 (the edu head is a
    县管一把手, so the county's main leader approves it); ``disposal_verification`` an
    approved 初步核实; ``disposal_replied`` an approved 谈话函询 with its reply on file."""
    county = "a" if scope == "in" else "b"
    u = world.units
    with on(MATRIX_DAY):
        clue = clue_register(
            actor=account(u[f"{county}_case_management"], Role.CASE_MANAGER),
            source="petition",
            received_date=dt.date(2026, 3, 2),
            summary=f"{county}县教育局长违规收受礼金",
            subjects=[SubjectInput(person=world.persons[f"{county}_edu_head"])],
        )
        handler = account(u[f"{county}_supervision_office"], Role.HANDLER)
        method = "inquiry" if kind in ("disposal_inquiry", "disposal_replied") else ""
        d = disposal_propose(
            actor=handler,
            clue=clue,
            method=method or "verification",
            opinion="矩阵测试拟办意见",
            inquiry_form="talk" if method else "",
        )
        if kind == "disposal":
            return d
        main = account(u[f"{county}_commission"], Role.LEADER)
        account_set_main_leader(actor=None, user=main, main=True)
        d = disposal_approve(actor=main, disposal=d)
        if kind == "disposal_replied":
            d = inquiry_record_reply(
                actor=handler, clue=clue, reply_text="谈话记录", reply_date=MATRIX_DAY
            )
        return d


def matrix_check(what: str):
    """An extra check on an allowed matrix answer: the write happened exactly for the roles
    that may do it (the others were refused with a message)."""

    def check(ctx, resp):
        d = Disposal.objects.filter(clue__commission=ctx.world.units["a_commission"])
        did = {
            "proposed": lambda: d.filter(opinion="矩阵测试").exists(),
            "approved": lambda: d.filter(status="approved").exists(),
            "rejected": lambda: d.filter(status="rejected").exists(),
            "replied": lambda: d.filter(reply_text="矩阵回复").exists(),
            "reported": lambda: d.filter(report_text="矩阵报告").exists(),
            "concluded": lambda: Clue.objects.filter(
                commission=ctx.world.units["a_commission"], status="concluded"
            ).exists(),
        }[what]()
        allowed = {Role.LEADER} if what in ("approved", "rejected") else DRAFTERS
        assert did == (ctx.role in allowed), (what, ctx.role)

    return check
