"""Transfer with two-way feedback (移送/转办/交办): services, overdue rules, to-dos, pages
and the API. State is built through the services; "today" is passed in where it matters."""

import datetime as dt
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import account
from xietong.access.roles import Role
from xietong.access.services import token_create
from xietong.audit.models import Action, AuditEntry
from xietong.clues import selectors
from xietong.clues import selectors_transfers as st
from xietong.clues.dashboard import transfer_counters, transfer_todos
from xietong.clues.models import Transfer, TransferNote
from xietong.clues.services import (
    SubjectInput,
    clue_register,
    transfer_accept,
    transfer_note_add,
    transfer_return,
    transfer_send,
)
from xietong.clues.services.common import clue_transition
from xietong.core.calendar import CalendarEntry
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.workdays.services import add_workdays, calendar_import

MON = dt.date(2026, 3, 2)  # a Monday with no holiday near it


@pytest.fixture
def next_year(db):
    """Load next year's calendar, so that deadlines counted from the real today (pages and
    API) never run off the loaded data late in the year."""
    year = dt.date.today().year + 1
    calendar_import(
        actor=None,
        entries=[CalendarEntry(dt.date(year, 1, 1), "holiday", "元旦")],
        source="测试",
    )


@pytest.fixture
def people(world):
    u = world.units
    return {
        "a_cm": account(u["a_case_management"], Role.CASE_MANAGER),
        "a_head": account(u["a_supervision_office"], Role.HEAD),
        "a_handler": account(u["a_supervision_office"], Role.HANDLER),
        "b_cm": account(u["b_case_management"], Role.CASE_MANAGER),
        "b_handler": account(u["b_supervision_office"], Role.HANDLER),
        "b_leader": account(u["b_commission"], Role.LEADER),
        "liaison": account(u["a_procuratorate"], Role.PARTNER_LIAISON),
        "b_liaison": account(u["b_procuratorate"], Role.PARTNER_LIAISON),
        "town_cm": account(u["a_town_commission"], Role.CASE_MANAGER),
    }


@pytest.fixture
def clue(world, people):
    """A clue about 金水区's education bureau head; handled by the stationed group."""
    return clue_register(
        actor=people["a_cm"],
        source="petition",
        received_date=dt.date(2026, 3, 1),
        summary="教育局局长张建国在学校工程招标中收受承包商礼金五万元",
        subjects=[SubjectInput(person=world.persons["a_edu_head"])],
    )


def _send(clue, to_unit, actor, *, today=MON, days=10, kind="transfer"):
    return transfer_send(
        actor=actor,
        clue=clue,
        to_unit=to_unit,
        kind=kind,
        reason="被反映人的亲属在中原区任职，按干部管理权限由其办理",
        feedback_workdays=days,
        today=today,
    )


def _audits(action, model):
    return AuditEntry.objects.filter(action=action, object_type=model)


def _summary(entry) -> dict:
    return json.loads(entry.summary)


def _section(page: str) -> str:
    """The 移送 section of a clue page."""
    start = page.index('<section class="card" id="transfers">')
    return page[start : page.index("</section>", start)]


# --- sending -------------------------------------------------------------------------------


def test_send_counts_the_feedback_deadline_on_the_working_day_calendar(
    world, people, clue
):
    t = _send(
        clue,
        world.units["b_commission"],
        people["a_cm"],
        today=dt.date(2026, 9, 30),
        days=5,
    )
    # 10-01..10-07 National Day; 10-10 (Saturday) is a make-up working day:
    # 10-08, 10-09, 10-10, 10-12, 10-13.
    assert t.feedback_due == dt.date(2026, 10, 13)
    assert t.feedback_workdays == 5
    assert st._sent_day(Transfer.objects.get()) == dt.date(2026, 9, 30)
    assert t.from_unit == world.units["a_group"] == clue.owner_unit
    assert t.status == "sent"
    entry = _audits(Action.CREATE, "clues.transfer").get()
    assert _summary(entry)["接收单位"] == "中原区纪委监委"
    assert "5 个工作日（2026-10-13）" in _summary(entry)["反馈期限"]


def test_default_feedback_deadline_is_the_configured_limit(
    world, people, clue, settings
):
    t = transfer_send(
        actor=people["a_cm"],
        clue=clue,
        to_unit=world.units["b_commission"],
        kind="refer",
        reason="转办",
        today=MON,
    )
    assert t.feedback_workdays == 30
    assert t.feedback_due == add_workdays(MON, 30)
    settings.XIETONG_CLUE_TIME_LIMITS = {"transfer_feedback_workdays": 12}
    t.refresh_from_db()
    transfer_return(actor=people["b_cm"], transfer=t, reason="不属于本单位管辖")
    again = transfer_send(
        actor=people["a_cm"],
        clue=clue,
        to_unit=world.units["a_town_commission"],
        kind="assign",
        reason="交办",
        today=MON,
    )
    assert again.feedback_workdays == 12


def test_a_deadline_in_a_year_without_calendar_is_refused(
    world, people, clue, settings, tmp_path
):
    from xietong.core.errors import CalendarYearMissing

    settings.XIETONG_HOME = tmp_path  # the gap is noted there for the administrator

    with pytest.raises(CalendarYearMissing) as exc:
        _send(
            clue, world.units["b_commission"], people["a_cm"], today=dt.date(2030, 6, 3)
        )
    assert "2030 年的法定节假日和调休数据尚未录入" in exc.value.message
    assert not Transfer.objects.exists()
    assert "2030" in (tmp_path / "calendar" / "gaps.json").read_text()


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"kind": "mail"}, "kind", "移送方式"),
        ({"reason": "   "}, "reason", "移送理由"),
        ({"to_unit": None}, "to_unit", "不存在"),
        ({"to_unit": "a_group"}, "to_unit", "不能移送给本单位"),
        ({"to_unit": "a_edu"}, "to_unit", "不能接收线索"),
        ({"feedback_workdays": 0}, "feedback_workdays", "1 至 180"),
        ({"feedback_workdays": 181}, "feedback_workdays", "1 至 180"),
        ({"feedback_workdays": "十天"}, "feedback_workdays", "1 至 180"),
    ],
)
def test_bad_input_is_named_and_changes_nothing(
    world, people, clue, change, field, words
):
    args = {
        "kind": "transfer",
        "reason": "移送",
        "to_unit": world.units["b_commission"],
        "feedback_workdays": 10,
    }
    args.update(change)
    if isinstance(args["to_unit"], str):
        args["to_unit"] = world.units[args["to_unit"]]
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        transfer_send(actor=people["a_cm"], clue=clue, today=MON, **args)
    assert words in exc.value.fields[field]
    assert words in exc.value.message
    assert not Transfer.objects.exists()
    assert AuditEntry.objects.count() == before


def test_inactive_unit_is_refused(world, people, clue):
    from xietong.org.models import Unit

    Unit.objects.filter(pk=world.units["b_commission"].pk).update(is_active=False)
    world.units["b_commission"].refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _send(clue, world.units["b_commission"], people["a_cm"])
    assert "已停用" in exc.value.fields["to_unit"]


def test_only_the_handling_side_sends(world, people, clue):
    # The 承办人 sees the clue but may not send it on; another county does not see it.
    with pytest.raises(PermissionDenied):
        _send(clue, world.units["b_commission"], people["a_handler"])
    with pytest.raises(NotFound):
        _send(clue, world.units["a_commission"], people["b_cm"])
    # The head of an office of the owning commission may.
    assert _send(clue, world.units["b_commission"], people["a_head"]).pk
    assert Transfer.objects.count() == 1


def test_no_second_transfer_while_one_is_pending(world, people, clue):
    _send(clue, world.units["b_commission"], people["a_cm"])
    with pytest.raises(Conflict) as exc:
        _send(clue, world.units["a_town_commission"], people["a_cm"])
    assert "移送中" in exc.value.message
    assert Transfer.objects.count() == 1
    # Nor can the clue be disposed of while the transfer waits.
    with pytest.raises(Conflict):
        clue_transition(actor=people["a_head"], clue=clue, event="propose")


def test_a_clue_under_disposal_cannot_be_transferred(world, people, clue):
    clue_transition(actor=people["a_head"], clue=clue, event="propose", reason="拟函询")
    with pytest.raises(Conflict) as exc:
        _send(clue, world.units["b_commission"], people["a_cm"])
    assert "拟办意见待审批" in exc.value.message
    assert not Transfer.objects.exists()


# --- accepting and returning -----------------------------------------------------------------


def test_accept_moves_the_clue_and_a_second_acceptance_is_refused(world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    # 中原区 sees the clue while the transfer waits.
    assert selectors.access_clue_by_id(people["b_handler"], clue.pk) == clue
    transfer_accept(actor=people["b_cm"], transfer=t)
    t.refresh_from_db()
    clue.refresh_from_db()
    assert t.status == "accepted" and t.decided_by == people["b_cm"]
    assert t.decided_at is not None
    assert clue.owner_unit == world.units["b_commission"]
    change = _audits(Action.CHANGE, "clues.clue").get()
    assert _summary(change)["承办单位"] == [
        "金水区纪委监委派驻第一纪检监察组",
        "中原区纪委监委",
    ]
    assert _audits(Action.TRANSITION, "clues.transfer").count() == 1
    with pytest.raises(Conflict) as exc:
        transfer_accept(actor=people["b_leader"], transfer=t)
    assert "不能重复接收" in exc.value.message
    with pytest.raises(Conflict):
        transfer_return(actor=people["b_leader"], transfer=t, reason="晚了")
    t.refresh_from_db()
    assert t.decided_by == people["b_cm"] and t.status == "accepted"
    # The sender keeps sight of the clue, and the new owner may send it on.
    assert selectors.access_clue_by_id(people["a_cm"], clue.pk) == clue
    onward = _send(clue, world.units["b_procuratorate"], people["b_cm"])
    assert onward.from_unit == world.units["b_commission"]


def test_only_the_receiving_side_decides(world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    with pytest.raises(PermissionDenied):  # 承办人 feeds back, does not accept
        transfer_accept(actor=people["b_handler"], transfer=t)
    with pytest.raises(PermissionDenied):  # the sender sees it but is not the receiver
        transfer_accept(actor=people["a_cm"], transfer=t)
    with pytest.raises(NotFound):  # an unrelated township commission sees nothing
        transfer_accept(actor=people["town_cm"], transfer=t)
    t.refresh_from_db()
    assert t.status == "sent"


def test_return_needs_a_reason_and_hides_the_clue_from_the_receiver(
    world, people, clue
):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    with pytest.raises(ValidationError) as exc:
        transfer_return(actor=people["b_cm"], transfer=t, reason="  ")
    assert exc.value.fields == {"reason": "请填写退回理由"}
    t.refresh_from_db()
    assert t.status == "sent"
    transfer_return(actor=people["b_cm"], transfer=t, reason="被反映人不属于本级管理")
    t.refresh_from_db()
    clue.refresh_from_db()
    assert t.status == "returned" and t.return_reason == "被反映人不属于本级管理"
    assert clue.owner_unit == world.units["a_group"]
    with pytest.raises(NotFound):
        selectors.access_clue_by_id(people["b_cm"], clue.pk)
    # Both sides still list the transfer; the receiver without the clue's content.
    incoming = st.decorate(
        people["b_cm"], st.transfer_list(viewer=people["b_cm"], direction="in")
    )
    assert [x.pk for x in incoming] == [t.pk] and not incoming[0].clue_visible
    outgoing = st.decorate(
        people["a_cm"], st.transfer_list(viewer=people["a_cm"], direction="out")
    )
    assert [x.pk for x in outgoing] == [t.pk] and outgoing[0].clue_visible
    entry = _audits(Action.TRANSITION, "clues.transfer").get()
    assert _summary(entry)["理由"] == "被反映人不属于本级管理"
    # The clue can go elsewhere now.
    assert _send(clue, world.units["a_town_commission"], people["a_cm"]).pk


def test_access_transfer_by_id_answers_not_found_alike(world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    assert st.access_transfer_by_id(people["b_cm"], t.pk) == t
    for viewer in (people["liaison"], people["town_cm"]):
        with pytest.raises(NotFound) as out:
            st.access_transfer_by_id(viewer, t.pk)
        with pytest.raises(NotFound) as missing:
            st.access_transfer_by_id(viewer, 987654321)
        assert out.value.message == missing.value.message
    with pytest.raises(NotFound):
        st.access_transfer_by_id(people["a_cm"], "x")


# --- two-way feedback ------------------------------------------------------------------------


def test_procuratorate_liaison_accepts_and_reports_the_result(world, people, clue):
    t = _send(clue, world.units["a_procuratorate"], people["a_cm"], kind="transfer")
    liaison = people["liaison"]
    assert selectors.access_clue_by_id(liaison, clue.pk) == clue
    with pytest.raises(Conflict) as early:
        transfer_note_add(actor=liaison, transfer=t, kind="progress", content="已阅")
    assert "接收后" in early.value.message
    transfer_accept(actor=liaison, transfer=t)
    clue.refresh_from_db()
    assert clue.owner_unit == world.units["a_procuratorate"]
    transfer_note_add(
        actor=liaison, transfer=t, kind="progress", content="已调取相关账户流水"
    )
    t.refresh_from_db()
    assert t.status == "accepted"
    transfer_note_add(
        actor=liaison,
        transfer=t,
        kind="result",
        content="经审查，已以涉嫌受贿罪立案侦查",
    )
    t.refresh_from_db()
    assert t.status == "fed_back" and t.fed_back_at is not None
    notes = list(t.notes.values_list("kind", "unit__name", "content"))
    assert notes == [
        ("progress", "金水区人民检察院", "已调取相关账户流水"),
        ("result", "金水区人民检察院", "经审查，已以涉嫌受贿罪立案侦查"),
    ]
    assert _audits(Action.CREATE, "clues.transfernote").count() == 2
    states = [
        _summary(e)["状态"]
        for e in _audits(Action.TRANSITION, "clues.transfer").order_by("seq")
    ]
    assert states == [["待接收", "已接收办理中"], ["已接收办理中", "已反馈办结"]]
    with pytest.raises(Conflict):
        transfer_note_add(actor=liaison, transfer=t, kind="progress", content="补充")
    with pytest.raises(Conflict) as exc:
        transfer_note_add(
            actor=people["a_cm"], transfer=t, kind="reminder", content="催"
        )
    assert "无需催办" in exc.value.message


def test_each_side_posts_only_its_own_notes(world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    transfer_accept(actor=people["b_cm"], transfer=t)
    with pytest.raises(PermissionDenied):
        transfer_note_add(actor=people["a_cm"], transfer=t, kind="result", content="x")
    with pytest.raises(PermissionDenied):
        transfer_note_add(
            actor=people["b_cm"], transfer=t, kind="reminder", content="x"
        )
    with pytest.raises(PermissionDenied):  # the sender's 承办人 does not send reminders
        transfer_note_add(
            actor=people["a_handler"], transfer=t, kind="reminder", content="x"
        )
    with pytest.raises(NotFound):
        transfer_note_add(
            actor=people["town_cm"], transfer=t, kind="reminder", content="x"
        )
    with pytest.raises(ValidationError) as empty:
        transfer_note_add(
            actor=people["b_handler"], transfer=t, kind="progress", content=" "
        )
    assert "content" in empty.value.fields
    with pytest.raises(ValidationError) as bad:
        transfer_note_add(
            actor=people["b_handler"], transfer=t, kind="memo", content="x"
        )
    assert "kind" in bad.value.fields
    assert not TransferNote.objects.exists()
    # The receiving 承办人 does report; the sending head does remind.
    transfer_note_add(
        actor=people["b_handler"], transfer=t, kind="progress", content="已约谈"
    )
    transfer_note_add(
        actor=people["a_head"], transfer=t, kind="reminder", content="请按期反馈"
    )
    assert list(t.notes.values_list("unit__name", flat=True)) == [
        "中原区纪委监委",
        "金水区纪委监委派驻第一纪检监察组",
    ]


def test_the_receivers_disposal_flows_back_to_the_sender(client, world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    transfer_accept(actor=people["b_cm"], transfer=t)
    clue_transition(
        actor=people["b_handler"], clue=clue, event="propose", reason="拟谈话函询"
    )
    note = t.notes.get()
    assert note.kind == "progress" and note.unit == world.units["b_commission"]
    assert "拟办意见待审批" in note.content and "拟谈话函询" in note.content
    client.force_login(people["a_cm"])
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "拟谈话函询" in page and "进展反馈" in page
    assert "中原区纪委监委 → 移出单位" in page


# --- overdue rules ---------------------------------------------------------------------------


def test_acceptance_and_feedback_overdue(world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"], today=MON, days=8)
    # Five working days to accept: by Monday 03-09; overdue from Tuesday 03-10.
    d = st.deadlines(t, today=dt.date(2026, 3, 9))
    assert d.accept_due == dt.date(2026, 3, 9)
    assert not d.accept_overdue and not d.feedback_overdue
    d = st.deadlines(t, today=dt.date(2026, 3, 10))
    assert d.accept_overdue and not d.feedback_overdue
    assert t.feedback_due == dt.date(2026, 3, 12)
    assert st.deadlines(t, today=dt.date(2026, 3, 12)).feedback_overdue is False
    late = st.deadlines(t, today=dt.date(2026, 3, 13))
    assert late.accept_overdue and late.feedback_overdue

    def overdue_ids(viewer, day):
        qs = st.transfer_list(viewer=viewer, overdue=True, today=day)
        return [x.pk for x in qs]

    assert overdue_ids(people["a_cm"], dt.date(2026, 3, 9)) == []
    assert overdue_ids(people["a_cm"], dt.date(2026, 3, 10)) == [t.pk]
    assert overdue_ids(people["b_cm"], dt.date(2026, 3, 10)) == [t.pk]
    transfer_accept(actor=people["b_cm"], transfer=t)
    t.refresh_from_db()
    assert overdue_ids(people["b_cm"], dt.date(2026, 3, 12)) == []
    d = st.deadlines(t, today=dt.date(2026, 3, 13))
    assert d.accept_due is None and not d.accept_overdue and d.feedback_overdue
    assert overdue_ids(people["b_cm"], dt.date(2026, 3, 13)) == [t.pk]
    transfer_note_add(actor=people["b_cm"], transfer=t, kind="result", content="已办结")
    t.refresh_from_db()
    assert not st.deadlines(t, today=dt.date(2026, 3, 13)).overdue
    assert overdue_ids(people["b_cm"], dt.date(2026, 3, 13)) == []


def test_acceptance_limit_skips_the_holiday(world, people, clue):
    t = _send(
        clue, world.units["b_commission"], people["a_cm"], today=dt.date(2026, 9, 30)
    )
    d = st.deadlines(t, today=dt.date(2026, 10, 12))
    assert d.accept_due == dt.date(2026, 10, 13) and not d.accept_overdue
    assert st.deadlines(t, today=dt.date(2026, 10, 14)).accept_overdue


# --- to-dos and counters ---------------------------------------------------------------------


def _titles(viewer, day):
    return {i.title: i for i in transfer_todos(viewer, today=day)}


def test_todos_on_both_sides(world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"], today=MON, days=8)
    number = clue.number
    todo = _titles(people["b_cm"], dt.date(2026, 3, 3))
    item = todo[f"待接收移送线索 {number}"]
    assert not item.urgent and item.due == dt.date(2026, 3, 9)
    assert item.url.endswith(f"/clues/{clue.pk}/#transfers")
    assert _titles(people["a_cm"], dt.date(2026, 3, 3)) == {}
    # The 承办人 does not accept: no item for them.
    assert _titles(people["b_handler"], dt.date(2026, 3, 3)) == {}
    counter = transfer_counters(people["b_cm"])
    assert [(c.label, c.value) for c in counter] == [("待接收移送", 1)]
    assert transfer_counters(people["b_handler"]) == []

    late = _titles(people["b_cm"], dt.date(2026, 3, 10))
    assert late[f"移送线索逾期未接收 {number}"].urgent
    sender = _titles(people["a_cm"], dt.date(2026, 3, 10))
    assert sender[f"移送线索对方逾期未接收 {number}"].urgent

    transfer_accept(actor=people["b_cm"], transfer=t)
    assert transfer_counters(people["b_cm"])[0].value == 0
    assert _titles(people["b_cm"], dt.date(2026, 3, 12)) == {}
    overdue = _titles(people["b_handler"], dt.date(2026, 3, 13))
    assert overdue[f"移送线索反馈逾期 {number}"].due == dt.date(2026, 3, 12)
    sender = _titles(people["a_cm"], dt.date(2026, 3, 13))
    assert sender[f"移送线索反馈逾期，请催办 {number}"].urgent

    transfer_note_add(
        actor=people["a_cm"], transfer=t, kind="reminder", content="请尽快反馈处置情况"
    )
    todo = _titles(people["b_handler"], dt.date(2026, 3, 11))
    reminder = todo[f"上级/移出单位催办 {number}"]
    assert "请尽快反馈处置情况" in reminder.detail and not reminder.urgent
    transfer_note_add(
        actor=people["b_handler"], transfer=t, kind="progress", content="正在核查"
    )
    assert f"上级/移出单位催办 {number}" not in _titles(
        people["b_handler"], dt.date(2026, 3, 11)
    )
    transfer_note_add(
        actor=people["b_handler"], transfer=t, kind="result", content="了结"
    )
    assert _titles(people["b_handler"], dt.date(2026, 3, 13)) == {}
    assert _titles(people["a_cm"], dt.date(2026, 3, 13)) == {}


def test_home_page_shows_the_counter_and_items(client, world, people, clue):
    _send(clue, world.units["b_commission"], people["a_cm"])
    client.force_login(people["b_cm"])
    page = client.get(reverse("dashboard:home")).content.decode()
    assert "待接收移送" in page
    # Sent on 03-02: by now long overdue for acceptance and feedback.
    assert f"移送线索逾期未接收 {clue.number}" in page
    assert f"移送线索反馈逾期 {clue.number}" in page


# --- pages -----------------------------------------------------------------------------------


def test_send_through_the_page_with_a_unit_that_does_not_exist(
    client, world, people, clue, next_year
):
    client.force_login(people["a_cm"])
    url = reverse("clues:transfer_send", args=[clue.pk])
    before = AuditEntry.objects.count()
    resp = client.post(
        url,
        {
            "to_unit": "999999",
            "kind": "transfer",
            "reason": "移送",
            "feedback_workdays": "10",
        },
        follow=True,
    )
    assert resp.status_code == 200
    assert "接收单位：单位编号 999999 不存在" in resp.content.decode()
    assert not Transfer.objects.exists()
    assert AuditEntry.objects.count() == before
    resp = client.post(
        url, {"to_unit": "", "kind": "transfer", "reason": ""}, follow=True
    )
    text = resp.content.decode()
    assert "接收单位：请选择接收单位" in text and "理由：请填写移送理由" in text
    assert not Transfer.objects.exists()


def test_the_clue_page_section_end_to_end(client, world, people, clue, next_year):
    client.force_login(people["a_cm"])
    detail = reverse("clues:detail", args=[clue.pk])
    page = _section(client.get(detail).content.decode())
    # The unit chooser offers commissions, groups and partner units, not the owner.
    assert 'name="to_unit"' in page and "中原区人民检察院" in page
    assert "经八路街道纪工委" in page and '<optgroup label="协作单位">' in page
    assert f'value="{world.units["a_group"].pk}"' not in page
    assert f'value="{world.units["a_edu"].pk}"' not in page
    resp = client.post(
        reverse("clues:transfer_send", args=[clue.pk]),
        {
            "to_unit": world.units["b_commission"].pk,
            "kind": "assign",
            "reason": "按管理权限交办",
            "feedback_workdays": "10",
        },
    )
    assert resp.status_code == 302 and resp["Location"] == detail
    t = Transfer.objects.get()
    assert t.kind == "assign" and t.feedback_workdays == 10
    page = _section(client.get(detail).content.decode())
    assert "按管理权限交办" in page and f"{t.feedback_due:%Y-%m-%d}" in page
    assert 'name="to_unit"' not in page  # one transfer at a time
    assert "发送催办" in page

    # The receiver sees the clue, accepts through the page.
    client.force_login(people["b_cm"])
    page = _section(client.get(detail).content.decode())
    assert "接收并承办" in page and "退回" in page
    resp = client.post(reverse("clues:transfer_return", args=[t.pk]), {"reason": ""})
    assert resp.status_code == 302
    t.refresh_from_db()
    assert t.status == "sent"
    resp = client.post(reverse("clues:transfer_accept", args=[t.pk]))
    assert resp.status_code == 302 and resp["Location"] == detail
    clue.refresh_from_db()
    assert clue.owner_unit == world.units["b_commission"]
    again = client.post(reverse("clues:transfer_accept", args=[t.pk]), follow=True)
    assert "不能重复接收" in again.content.decode()

    client.force_login(people["b_handler"])
    page = _section(client.get(detail).content.decode())
    assert "发送反馈" in page and "接收并承办" not in page
    client.post(
        reverse("clues:transfer_note", args=[t.pk]),
        {"kind": "result", "content": "已谈话提醒，予以了结"},
    )
    t.refresh_from_db()
    assert t.status == "fed_back"

    client.force_login(people["a_cm"])
    page = _section(client.get(detail).content.decode())
    assert "已谈话提醒，予以了结" in page and "已反馈办结" in page


def test_a_handler_may_not_accept_through_the_page(client, world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    client.force_login(people["b_handler"])
    resp = client.post(reverse("clues:transfer_accept", args=[t.pk]))
    assert resp.status_code == 403
    t.refresh_from_db()
    assert t.status == "sent"
    client.force_login(people["town_cm"])
    assert client.post(reverse("clues:transfer_accept", args=[t.pk])).status_code == 404


def test_returning_through_the_page_leaves_the_receiver_on_the_list(
    client, world, people, clue
):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    client.force_login(people["b_cm"])
    resp = client.post(
        reverse("clues:transfer_return", args=[t.pk]), {"reason": "不属本级管辖"}
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("clues:transfers")
    page = client.get(reverse("clues:transfers")).content.decode()
    assert clue.number in page and "不属本级管辖" in page and "已退回" in page
    assert "内容不可见" in page and "收受承包商礼金" not in page
    assert client.get(reverse("clues:detail", args=[clue.pk])).status_code == 404


def test_transfers_page_tabs_filters_and_export(client, world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"], days=3)
    client.force_login(people["a_cm"])
    url = reverse("clues:transfers")
    incoming = client.get(url).content.decode()
    assert clue.number not in incoming and "暂无收到的移送线索" in incoming
    out = client.get(url, {"tab": "out"}).content.decode()
    assert clue.number in out and "中原区纪委监委" in out
    assert "反馈逾期" in out  # sent 03-02 with 3 working days: long overdue
    assert (
        clue.number in client.get(url, {"tab": "out", "overdue": "1"}).content.decode()
    )
    assert (
        clue.number
        not in client.get(url, {"tab": "out", "status": "accepted"}).content.decode()
    )
    resp = client.get(url, {"tab": "out", "export": "xlsx"})
    assert resp.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(
            values_only=True
        )
    )
    header = rows[0]
    assert "线索编号" in header and "反馈截止" in header
    flat = [c for row in rows for c in row if c]
    assert clue.number in flat and "中原区纪委监委" in flat and "2026-03-05" in flat
    entry = AuditEntry.objects.filter(action=Action.EXPORT).get()
    assert entry.object_type == "clues.transfer"
    # The receiver that returned it exports number and reason only.
    transfer_return(actor=people["b_cm"], transfer=t, reason="退回")
    client.force_login(people["b_cm"])
    resp = client.get(url, {"tab": "in", "export": "xlsx"})
    cells = {
        c
        for row in openpyxl.load_workbook(io.BytesIO(resp.content)).active.iter_rows(
            values_only=True
        )
        for c in row
        if c
    }
    assert clue.number in cells and "退回" in cells
    assert clue.summary not in cells


def test_the_ledger_links_to_the_transfers_page(client, world, people):
    client.force_login(people["liaison"])
    page = client.get(reverse("clues:ledger")).content.decode()
    assert reverse("clues:transfers") in page
    assert client.get(reverse("clues:transfers")).status_code == 200


# --- API -------------------------------------------------------------------------------------


def _auth(user):
    _, raw = token_create(actor=user, name="测试脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client, url, body, user):
    return client.post(
        url, data=json.dumps(body), content_type="application/json", **_auth(user)
    )


def test_api_round_trip(client, world, people, clue, next_year):
    a, b = people["a_cm"], people["b_cm"]
    bad = _post(
        client,
        f"/api/clues/{clue.pk}/transfers",
        {"to_unit_id": 99999, "kind": "transfer", "reason": "移送"},
        a,
    )
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"to_unit_id": "接收单位不存在或已停用"}
    assert not Transfer.objects.exists()
    resp = _post(
        client,
        f"/api/clues/{clue.pk}/transfers",
        {
            "to_unit_id": world.units["b_commission"].pk,
            "kind": "refer",
            "reason": "转办",
            "feedback_workdays": 10,
        },
        a,
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["direction"] == "out" and body["status"] == "sent"
    assert body["to_unit"] == "中原区纪委监委" and body["accept_due"]
    assert body["summary"] == clue.summary
    tid = body["id"]
    listed = client.get("/api/transfers?direction=in", **_auth(b)).json()
    assert [x["id"] for x in listed["items"]] == [tid]
    assert listed["items"][0]["direction"] == "in"
    assert client.get("/api/transfers?direction=out", **_auth(b)).json()["count"] == 0
    handler = _post(client, f"/api/transfers/{tid}/accept", {}, people["b_handler"])
    assert handler.status_code == 403
    assert _post(client, f"/api/transfers/{tid}/accept", {}, b).status_code == 200
    twice = _post(client, f"/api/transfers/{tid}/accept", {}, b)
    assert twice.status_code == 409 and "不能重复接收" in twice.json()["message"]
    note = _post(
        client,
        f"/api/transfers/{tid}/notes",
        {"kind": "result", "content": "已函询，予以了结"},
        people["b_handler"],
    )
    assert note.status_code == 201 and note.json()["kind_label"] == "处置情况反馈"
    after = client.get("/api/transfers", **_auth(a)).json()["items"][0]
    assert after["status"] == "fed_back"
    assert after["notes"][0]["content"] == "已函询，予以了结"


def test_api_return_hides_the_summary_from_the_receiver(client, world, people, clue):
    t = _send(clue, world.units["b_commission"], people["a_cm"])
    empty = _post(client, f"/api/transfers/{t.pk}/return", {}, people["b_cm"])
    assert empty.status_code == 400 and empty.json()["fields"] == {
        "reason": "请填写退回理由"
    }
    resp = _post(
        client, f"/api/transfers/{t.pk}/return", {"reason": "不属管辖"}, people["b_cm"]
    )
    assert resp.status_code == 200
    assert resp.json()["status"] == "returned" and resp.json()["summary"] is None
    assert resp.json()["clue_number"] == clue.number
    overdue = client.get("/api/transfers?overdue=true", **_auth(people["a_cm"]))
    assert overdue.json()["count"] == 0  # returned: no longer open
    out = _post(client, f"/api/transfers/{t.pk}/accept", {}, people["town_cm"])
    missing = _post(client, "/api/transfers/987654321/accept", {}, people["town_cm"])
    assert out.status_code == missing.status_code == 404
    assert out.json() == missing.json()


def test_the_daily_job_reminds_each_overdue_transfer_once(world, people, clue):
    from xietong.clues.services import transfer_remind_overdue

    late_accept = _send(clue, world.units["b_commission"], people["a_cm"], days=8)
    other = clue_register(
        actor=people["a_cm"],
        source="petition",
        received_date=dt.date(2026, 3, 1),
        summary="卫健委科员李秀英违规发放津贴补贴",
        subjects=[SubjectInput(person=world.persons["a_health_staff"])],
    )
    late_feedback = _send(other, world.units["a_procuratorate"], people["a_cm"], days=6)
    transfer_accept(actor=people["liaison"], transfer=late_feedback)
    # Monday 03-09: nothing is late yet.
    assert transfer_remind_overdue(today=dt.date(2026, 3, 9)) == []
    # Thursday 03-12: the first is not accepted in time, the second's feedback (6 working
    # days, due 03-10) is late.
    notes = transfer_remind_overdue(today=dt.date(2026, 3, 12))
    by_transfer = {n.transfer_id: n for n in notes}
    assert set(by_transfer) == {late_accept.pk, late_feedback.pk}
    assert "超过接收期限" in by_transfer[late_accept.pk].content
    assert "反馈期限 2026-03-10 已过" in by_transfer[late_feedback.pk].content
    assert all(n.kind == "reminder" and n.created_by is None for n in notes)
    assert by_transfer[late_accept.pk].unit == late_accept.from_unit
    assert (
        _audits(Action.CREATE, "clues.transfernote").filter(actor_id=None).count() == 2
    )
    # Once a day: a second run does not remind again.
    assert transfer_remind_overdue(today=dt.date(2026, 3, 12)) == []
    # The receiver sees the reminder on its to-do list.
    assert any("催办" in t for t in _titles(people["liaison"], dt.date(2026, 3, 12)))


def test_remind_command_prints_each_reminder(world, people, clue, capsys):
    from xietong.cli import main

    _send(clue, world.units["b_commission"], people["a_cm"], days=8)
    assert main(["clues", "remind", "--date", "2026-03-12"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{clue.number}\t")
    assert "超过接收期限" in out[0]
    assert out[-1] == "已催办 1 件逾期移送。"
