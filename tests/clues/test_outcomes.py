"""Outcomes of clues and cases: 四种形态, sanctions with influence periods, corrections, the
案件剖析报告, the clue-page section and the 问题线索与处分 section of the person archive."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import account
from xietong.access.roles import Role
from xietong.audit.models import Action, AuditEntry
from xietong.clues import services
from xietong.clues.models import CaseReport, Clue, Outcome, Sanction
from xietong.clues.services import SanctionInput, SubjectInput
from xietong.clues.services.common import clue_transition
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

RECEIVED = dt.date(2026, 3, 2)
# Whether a period is running depends on the day the tests run: for "影响期内" use a date a
# few days back (a 12-month period is then surely running).
RECENT = timezone.localdate() - dt.timedelta(days=5)


def staff(world, county: str = "a") -> SimpleNamespace:
    """The accounts of one county commission that take a clue through its life."""
    u = world.units
    return SimpleNamespace(
        registrar=account(u[f"{county}_case_management"], Role.CASE_MANAGER),
        handler=account(u[f"{county}_supervision_office"], Role.HANDLER),
        head=account(u[f"{county}_supervision_office"], Role.HEAD),
        leader=account(u[f"{county}_commission"], Role.LEADER),
    )


def register(
    world, people, *, county="a", summary="反映其违规收受管理服务对象礼金", owner=None
):
    team = staff(world, county)
    return services.clue_register(
        actor=team.registrar,
        source="petition",
        received_date=RECEIVED,
        summary=summary,
        subjects=[SubjectInput(person=world.persons[p]) for p in people],
        owner_unit=world.units[owner] if owner else None,
        override_reason="由委机关直接办理" if owner else "",
    )


def open_case(world, clue, *, county="a", method="case"):
    """Take the clue through an approved disposal opinion (立案 by default)."""
    team = staff(world, county)
    disposal = services.disposal_propose(
        actor=team.handler, clue=clue, method=method, opinion="拟按此方式处置"
    )
    services.disposal_approve(actor=team.leader, disposal=disposal, comment="同意")
    clue.refresh_from_db()
    return clue


def case_about(world, *people, county="a"):
    return open_case(
        world, register(world, people or ["a_edu_head"], county=county), county=county
    )


def record(actor, clue, *, sanctions=(), form=2, subject=None, **kw):
    return services.outcome_record(
        actor=actor,
        clue=clue,
        subject=subject or clue.subjects.first(),
        form=form,
        conclusion=kw.pop("conclusion", "经查，收受礼金属实，给予处分"),
        decided_date=kw.pop("decided_date", dt.date(2026, 6, 1)),
        sanctions=sanctions,
    )


# --- outcome_record ------------------------------------------------------------------------


def test_record_computes_influence_periods_and_audits(world):
    clue = case_about(world)
    handler = staff(world).handler
    outcome = record(
        handler,
        clue,
        sanctions=[
            SanctionInput("party_warning", dt.date(2026, 5, 31)),
            SanctionInput("gov_demerit", dt.date(2026, 6, 1), note="区监委决定"),
        ],
    )
    person = world.persons["a_edu_head"]
    assert outcome.person == person and outcome.form == 2
    by_kind = {s.kind: s for s in outcome.sanctions.all()}
    assert by_kind["party_warning"].influence_months == 12
    assert by_kind["party_warning"].influence_end == dt.date(2027, 5, 30)
    assert by_kind["gov_demerit"].influence_end == dt.date(2027, 5, 31)
    assert by_kind["gov_demerit"].note == "区监委决定"
    assert all(s.person == person for s in by_kind.values())
    entry = AuditEntry.objects.filter(
        action=Action.CREATE, object_type="clues.outcome", object_id=str(outcome.pk)
    ).get()
    assert entry.actor_id == handler.pk
    assert "党内警告" in json.dumps(entry.summary, ensure_ascii=False)


def test_probation_and_dismissal(world):
    clue = case_about(world)
    outcome = record(
        staff(world).handler,
        clue,
        form=3,
        sanctions=[
            SanctionInput("party_probation", dt.date(2026, 6, 1), probation_months=24),
            SanctionInput("gov_expulsion", dt.date(2026, 6, 1)),
        ],
    )
    by_kind = {s.kind: s for s in outcome.sanctions.all()}
    assert by_kind["party_probation"].influence_months == 48
    assert by_kind["party_probation"].influence_end == dt.date(2030, 5, 31)
    assert by_kind["party_probation"].probation_months == 24
    assert by_kind["gov_expulsion"].influence_end is None


def test_locally_configured_admonition_months(world, settings):
    settings.XIETONG_CLUE_TIME_LIMITS = {"admonition_months": 12}
    clue = case_about(world)
    outcome = record(
        staff(world).handler,
        clue,
        form=1,
        sanctions=[SanctionInput("admonition", dt.date(2026, 6, 1))],
    )
    s = outcome.sanctions.get()
    assert (s.influence_months, s.influence_end) == (12, dt.date(2027, 5, 31))


def test_outcome_without_sanctions_and_form(world):
    clue = open_case(world, register(world, ["a_edu_head"]), method="verification")
    outcome = record(staff(world).handler, clue, form="", conclusion="了结，予以提醒")
    assert outcome.form is None and not outcome.sanctions.exists()


@pytest.mark.parametrize(
    "sanctions,form,field,text",
    [
        (
            [SanctionInput("party_probation", dt.date(2026, 6, 1))],
            3,
            "sanctions.1",
            "留党察看期",
        ),
        (
            [
                SanctionInput(
                    "party_probation", dt.date(2026, 6, 1), probation_months=18
                )
            ],
            3,
            "sanctions.1",
            "一年（12 个月）或两年（24 个月）",
        ),
        (
            [SanctionInput("party_warning", dt.date(2026, 6, 1), probation_months=12)],
            2,
            "sanctions.1",
            "只有留党察看",
        ),
        (
            [
                SanctionInput("party_warning", dt.date(2026, 6, 1)),
                SanctionInput("party_serious_warning", dt.date(2026, 6, 1)),
            ],
            2,
            "sanctions.2",
            "只能给予一项党纪处分",
        ),
        (
            [
                SanctionInput("gov_warning", dt.date(2026, 6, 1)),
                SanctionInput("gov_demotion", dt.date(2026, 6, 1)),
            ],
            3,
            "sanctions.2",
            "只能给予一项政务处分",
        ),
        (
            [
                SanctionInput("admonition", dt.date(2026, 6, 1)),
                SanctionInput("admonition", dt.date(2026, 6, 2)),
            ],
            1,
            "sanctions.2",
            "重复",
        ),
        (
            [SanctionInput("party_reprimand", dt.date(2026, 6, 1))],
            2,
            "sanctions.1",
            "处分类别",
        ),
        (
            [SanctionInput("party_warning", dt.date(2026, 3, 1))],
            2,
            "sanctions.1",
            "不能早于线索收到日期",
        ),
        (
            [SanctionInput("party_warning", dt.date(2099, 1, 1))],
            2,
            "sanctions.1",
            "不能晚于今天",
        ),
        ([SanctionInput("party_warning", None)], 2, "sanctions.1", "生效日期无效"),
        ([], 5, "form", "四种形态"),
    ],
)
def test_bad_outcomes_are_refused_and_change_nothing(
    world, sanctions, form, field, text
):
    clue = case_about(world)
    handler = staff(world).handler
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        record(handler, clue, form=form, sanctions=sanctions)
    assert field in exc.value.fields
    assert text in exc.value.message
    assert not Outcome.objects.exists() and not Sanction.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_decided_date_and_conclusion_are_checked(world):
    clue = case_about(world)
    handler = staff(world).handler
    with pytest.raises(ValidationError) as exc:
        record(handler, clue, decided_date=dt.date(2026, 1, 5))
    assert "decided_date" in exc.value.fields and "决定日期" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        record(handler, clue, conclusion="  ")
    assert "conclusion" in exc.value.fields
    assert not Outcome.objects.exists()


def test_one_outcome_per_subject(world):
    clue = case_about(world)
    handler = staff(world).handler
    record(
        handler, clue, sanctions=[SanctionInput("party_warning", dt.date(2026, 6, 1))]
    )
    with pytest.raises(Conflict, match="更正"):
        record(
            handler, clue, sanctions=[SanctionInput("gov_warning", dt.date(2026, 6, 1))]
        )
    assert Outcome.objects.count() == 1
    assert list(Sanction.objects.values_list("kind", flat=True)) == ["party_warning"]


def test_subject_of_another_clue_is_refused(world):
    clue = case_about(world)
    other = register(world, ["a_health_staff"], summary="另一事项")
    with pytest.raises(ValidationError, match="不属于本线索"):
        record(staff(world).handler, clue, subject=other.subjects.get())


def test_outcomes_only_while_a_step_runs(world):
    clue = register(world, ["a_edu_head"])
    with pytest.raises(Conflict, match="待处置"):
        record(staff(world).handler, clue)
    assert not Outcome.objects.exists()


def test_who_may_record(world):
    clue = case_about(world)
    a = staff(world)
    with pytest.raises(PermissionDenied):
        record(a.leader, clue)  # sees the clue, does not record outcomes
    with pytest.raises(NotFound):
        record(staff(world, "b").handler, clue)  # another county: not even found
    record(a.head, clue)
    assert Outcome.objects.get().created_by == a.head


def test_recording_every_subject_lets_the_case_conclude(world):
    clue = case_about(world, "a_edu_head", "a_health_staff")
    handler = staff(world).handler
    first, second = clue.subjects.order_by("id")
    record(handler, clue, subject=first)
    with pytest.raises(Conflict, match="每名被反映人"):
        clue_transition(actor=handler, clue=clue, event="conclude")
    record(handler, clue, subject=second, form=1)
    clue_transition(actor=handler, clue=clue, event="conclude")
    assert Clue.objects.get(pk=clue.pk).status == "concluded"
    with pytest.raises(Conflict):
        record(handler, clue, subject=second)


# --- outcome_correct -----------------------------------------------------------------------


def test_correction_keeps_the_old_record_in_the_audit_log(world):
    clue = case_about(world)
    handler = staff(world).handler
    outcome = record(
        handler,
        clue,
        sanctions=[SanctionInput("party_serious_warning", dt.date(2026, 6, 1))],
    )
    with pytest.raises(ValidationError) as exc:
        services.outcome_correct(
            actor=handler,
            outcome=outcome,
            reason=" ",
            form=2,
            conclusion="改",
            decided_date=dt.date(2026, 6, 1),
            sanctions=[],
        )
    assert "reason" in exc.value.fields
    assert outcome.sanctions.get().kind == "party_serious_warning"
    services.outcome_correct(
        actor=handler,
        outcome=outcome,
        reason="经申诉复查，改为党内警告",
        form=2,
        conclusion="给予党内警告处分",
        decided_date=dt.date(2026, 7, 1),
        sanctions=[SanctionInput("party_warning", dt.date(2026, 7, 1))],
    )
    outcome.refresh_from_db()
    assert outcome.conclusion == "给予党内警告处分"
    s = outcome.sanctions.get()
    assert (s.kind, s.influence_end) == ("party_warning", dt.date(2027, 6, 30))
    entry = AuditEntry.objects.filter(
        action=Action.CHANGE, object_id=str(outcome.pk)
    ).get()
    text = json.dumps(entry.summary, ensure_ascii=False)
    assert "经申诉复查" in text and "党内严重警告" in text and "原记录" in text


# --- 案件剖析报告 -------------------------------------------------------------------------------


def test_case_report_for_a_case(world):
    clue = case_about(world)
    handler = staff(world).handler
    report = services.case_report_save(
        actor=handler, clue=clue, title="张某受贿案剖析", body="一、基本案情……"
    )
    assert report.clue == clue and report.author == handler
    services.case_report_save(
        actor=handler, clue=clue, title="张某受贿案剖析（修订）", body="二"
    )
    assert CaseReport.objects.get().title == "张某受贿案剖析（修订）"
    actions = list(
        AuditEntry.objects.filter(object_type="clues.casereport")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [Action.CREATE, Action.CHANGE]
    with pytest.raises(ValidationError) as exc:
        services.case_report_save(actor=handler, clue=clue, title="", body="")
    assert set(exc.value.fields) == {"title", "body"}


def test_case_report_only_for_cases(world):
    clue = open_case(world, register(world, ["a_edu_head"]), method="verification")
    with pytest.raises(Conflict, match="立案审查调查"):
        services.case_report_save(
            actor=staff(world).handler, clue=clue, title="剖析", body="正文"
        )
    assert not CaseReport.objects.exists()


def test_case_report_after_a_concluded_case(world):
    clue = case_about(world)
    a = staff(world)
    record(a.handler, clue)
    clue_transition(actor=a.handler, clue=clue, event="conclude")
    clue.refresh_from_db()
    assert clue.status == "concluded"
    services.case_report_save(actor=a.handler, clue=clue, title="剖析", body="正文")
    assert CaseReport.objects.filter(clue=clue).exists()
    # A clue concluded after 初步核实 was never a case.
    other = open_case(
        world,
        register(world, ["a_health_staff"], summary="另一事项"),
        method="verification",
    )
    with pytest.raises(Conflict):
        services.case_report_save(
            actor=a.handler, clue=other, title="剖析", body="正文"
        )


# --- screens -------------------------------------------------------------------------------


def test_record_through_the_clue_page(client, world):
    clue = case_about(world)
    a = staff(world)
    client.force_login(a.handler)
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "登记处理结果" in page and "留党察看期" in page
    resp = client.post(
        reverse("clues:outcome_record", args=[clue.pk]),
        {
            "subject": clue.subjects.get().pk,
            "form": "3",
            "conclusion": "给予留党察看一年处分",
            "decided_date": "2026-06-01",
            "kind_1": "party_probation",
            "effective_1": "2026-06-01",
            "probation_1": "12",
            "kind_2": "gov_warning",
            "effective_2": "2026-06-01",
            "probation_2": "24",  # hidden for this kind: ignored
            "kind_3": "",
        },
    )
    assert resp.status_code == 302
    outcome = Outcome.objects.get()
    assert {s.kind: s.influence_end for s in outcome.sanctions.all()} == {
        "party_probation": dt.date(2029, 5, 31),
        "gov_warning": dt.date(2026, 11, 30),
    }
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "留党察看" in page and "2029-05-31" in page and "2026-11-30" in page


def test_bad_form_post_shows_the_error_and_records_nothing(client, world):
    clue = case_about(world)
    client.force_login(staff(world).handler)
    resp = client.post(
        reverse("clues:outcome_record", args=[clue.pk]),
        {
            "subject": clue.subjects.get().pk,
            "form": "3",
            "conclusion": "x",
            "decided_date": "2026-06-01",
            "kind_1": "party_probation",
            "effective_1": "2026-06-01",
        },
        follow=True,
    )
    assert "留党察看期须为一年" in resp.content.decode()
    assert not Outcome.objects.exists()


def test_correct_and_report_through_the_page(client, world):
    clue = case_about(world)
    a = staff(world)
    outcome = record(
        a.handler, clue, sanctions=[SanctionInput("gov_warning", dt.date(2026, 6, 1))]
    )
    client.force_login(a.handler)
    resp = client.post(
        reverse("clues:outcome_correct", args=[clue.pk, outcome.pk]),
        {
            "reason": "决定书日期录入有误",
            "form": "2",
            "conclusion": outcome.conclusion,
            "decided_date": "2026-06-02",
            "kind_1": "gov_warning",
            "effective_1": "2026-06-02",
        },
    )
    assert resp.status_code == 302
    assert Sanction.objects.get().effective_date == dt.date(2026, 6, 2)
    resp = client.post(
        reverse("clues:case_report", args=[clue.pk]),
        {"title": "以案促改剖析", "body": "发案原因：监督缺位"},
    )
    assert resp.status_code == 302
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "以案促改剖析" in page and "监督缺位" in page


def test_leader_sees_the_outcome_but_no_forms(client, world):
    clue = case_about(world)
    a = staff(world)
    record(
        a.handler,
        clue,
        decided_date=RECENT,
        sanctions=[SanctionInput("party_warning", RECENT)],
    )
    client.force_login(a.leader)
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "党内警告" in page and "影响期内" in page
    assert reverse("clues:outcome_record", args=[clue.pk]) not in page
    assert (
        "保存更正" not in page
        and reverse("clues:case_report", args=[clue.pk]) not in page
    )
    resp = client.post(
        reverse("clues:case_report", args=[clue.pk]), {"title": "t", "body": "b"}
    )
    assert resp.status_code == 404
    assert not CaseReport.objects.exists()


def test_registered_clue_has_no_outcome_section(client, world):
    clue = register(world, ["a_edu_head"])
    client.force_login(staff(world).handler)
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert 'id="outcomes"' not in page


# --- the person archive ------------------------------------------------------------------


def _archive(client, user, person):
    client.force_login(user)
    resp = client.get(reverse("org:person", args=[person.pk]))
    assert resp.status_code == 200
    return resp.content.decode()


def test_archive_shows_sanctions_and_open_clues_within_scope(client, world):
    person = world.persons["a_edu_head"]
    a = staff(world)
    # The commission handles these itself (the person's stationed group would otherwise).
    closed = open_case(world, register(world, ["a_edu_head"], owner="a_commission"))
    record(
        a.handler,
        closed,
        decided_date=RECENT,
        sanctions=[
            SanctionInput("gov_warning", dt.date(2026, 3, 10)),  # ended 2026-09-09
            SanctionInput("party_warning", RECENT),
        ],
    )
    end = Sanction.objects.get(kind="party_warning").influence_end
    open_clue = register(
        world, ["a_edu_head"], summary="反映其违规兼职取酬", owner="a_commission"
    )

    page = _archive(client, a.handler, person)
    assert "问题线索与处分" in page
    assert page.index("党内警告") < page.index("政务警告")  # active first
    assert "影响期内" in page and "已期满" in page
    assert open_clue.number in page and closed.number in page

    # A stationed group reaches the person but not the commission's clues.
    group_handler = account(world.units["a_group"], Role.HANDLER)
    page = _archive(client, group_handler, person)
    assert "党内警告" in page and f"{end:%Y-%m-%d}" in page
    assert open_clue.number not in page and closed.number not in page
    assert "违规兼职取酬" not in page and "收受礼金属实" not in page

    # Someone who may see the person but not outcomes sees neither.
    inspector = account(world.units["a_inspection"], Role.INSPECTOR)
    page = _archive(client, inspector, person)
    assert "党内警告" not in page and open_clue.number not in page
    assert "仅纪检监察机关承办人员可见" in page


def test_sanctions_api_follows_the_same_policy(client, world):
    a = staff(world)
    clue = case_about(world)
    record(
        a.handler,
        clue,
        decided_date=RECENT,
        sanctions=[SanctionInput("party_warning", RECENT)],
    )
    person = world.persons["a_edu_head"]
    client.force_login(a.leader)
    data = client.get(f"/api/persons/{person.pk}/sanctions").json()
    assert (
        data[0]["kind_label"] == "党内警告" and data[0]["in_influence_period"] is True
    )
    client.force_login(account(world.units["a_inspection"], Role.INSPECTOR))
    assert client.get(f"/api/persons/{person.pk}/sanctions").status_code == 404
    client.force_login(staff(world, "b").leader)
    assert client.get(f"/api/persons/{person.pk}/sanctions").status_code == 404


def test_outcome_api_round_trip(client, world):
    clue = case_about(world)
    a = staff(world)
    client.force_login(a.handler)
    url = f"/api/clues/{clue.pk}/outcomes"
    bad = client.post(
        url,
        json.dumps(
            {
                "subject_id": clue.subjects.get().pk,
                "form": 3,
                "conclusion": "留党察看",
                "decided_date": "2026-06-01",
                "sanctions": [
                    {"kind": "party_probation", "effective_date": "2026-06-01"}
                ],
            }
        ),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "sanctions.1" in bad.json()["fields"]
    resp = client.post(
        url,
        json.dumps(
            {
                "subject_id": clue.subjects.get().pk,
                "form": 3,
                "conclusion": "留党察看",
                "decided_date": "2026-06-01",
                "sanctions": [
                    {
                        "kind": "party_probation",
                        "effective_date": "2026-06-01",
                        "probation_months": 12,
                    }
                ],
            }
        ),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["sanctions"][0]["influence_end"] == "2029-05-31"
    listed = client.get(url).json()
    assert [o["form_label"] for o in listed] == ["第三种形态"]


def test_party_and_government_sanctions_need_a_case(world):
    """谈话函询 ends in 诫勉 or 组织处理 at most: a 党纪/政务处分 needs 立案审查调查."""
    clue = register(world, ["a_health_staff"])
    team = staff(world)
    handler = team.handler
    disposal = services.disposal_propose(
        actor=handler,
        clue=clue,
        method="inquiry",
        inquiry_form="letter",
        opinion="反映较笼统，拟函询本人",
    )
    services.disposal_approve(actor=team.leader, disposal=disposal, comment="同意")
    clue.refresh_from_db()
    assert clue.status == "inquiry"
    for kind in ("party_warning", "gov_demerit"):
        with pytest.raises(ValidationError) as err:
            record(handler, clue, form=2, sanctions=[SanctionInput(kind, RECENT)])
        assert "须经立案审查调查" in err.value.message
        assert "sanctions" in err.value.fields
    assert not Outcome.objects.filter(clue=clue).exists()
    assert not Sanction.objects.exists()
    outcome = record(
        handler, clue, form=1, sanctions=[SanctionInput("admonition", RECENT)]
    )
    assert [s.kind for s in outcome.sanctions.all()] == ["admonition"]
