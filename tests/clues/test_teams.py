"""Joint screening and joint cases (联合排查/联合查办): forming, membership, log, disbanding,
and what a member may see."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from tests.factories import account
from xietong.access.roles import Role
from xietong.audit.models import Action, AuditEntry
from xietong.clues import selectors
from xietong.clues.models import JointTeam, JointTeamMember, TeamLogEntry
from xietong.clues.services import (
    SubjectInput,
    clue_link,
    clue_register,
    team_close,
    team_form,
    team_log_add,
    team_member_add,
    team_member_remove,
)
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.org.services import zone_create

pytestmark = pytest.mark.django_db


def _clue(world, county="a", summary="教育局长违规收受礼金", person=None):
    registrar = account(world.units[f"{county}_case_management"], Role.CASE_MANAGER)
    return clue_register(
        actor=registrar,
        source="petition",
        received_date=dt.date(2026, 3, 2),
        summary=summary,
        subjects=[SubjectInput(person=world.persons[person or f"{county}_edu_head"])],
    )


@pytest.fixture
def cast(world):
    """County a's people: who forms, who sits on the team, who stays outside."""
    u = world.units
    return {
        "former": account(u["a_case_management"], Role.CASE_MANAGER),
        "head": account(u["a_supervision_office"], Role.HEAD),
        "handler": account(u["a_supervision_office"], Role.HANDLER),
        "office": account(u["a_supervision_office"], Role.HANDLER),
        "town": account(u["a_town_commission"], Role.HANDLER),
        "group": account(u["a_group"], Role.HANDLER),
        "sysadmin": account(u["a_commission"], Role.SYSADMIN),
        "partner": account(u["a_procuratorate"], Role.PARTNER_LIAISON),
        "b_handler": account(u["b_supervision_office"], Role.HANDLER),
        "b_former": account(u["b_case_management"], Role.CASE_MANAGER),
    }


def _form(world, cast, clue, **kw):
    args = dict(
        actor=cast["former"],
        clue=clue,
        name="联合排查组",
        purpose="screening",
        lead_unit=world.units["a_supervision_office"],
        members=[cast["office"], cast["town"], cast["group"]],
        leads=[cast["office"]],
    )
    args.update(kw)
    return team_form(**args)


def _refused(fn, *args, **kw):
    """Run a write that must fail; return the error, checking nothing was written."""
    teams, seats, logs = (
        JointTeam.objects.count(),
        JointTeamMember.objects.count(),
        TeamLogEntry.objects.count(),
    )
    audits = AuditEntry.objects.count()
    with pytest.raises((ValidationError, PermissionDenied, NotFound, Conflict)) as exc:
        fn(*args, **kw)
    assert JointTeam.objects.count() == teams
    assert JointTeamMember.objects.count() == seats
    assert TeamLogEntry.objects.count() == logs
    assert AuditEntry.objects.count() == audits
    return exc.value


# --- forming a team ---------------------------------------------------------------------------


def test_team_of_several_units_is_formed_and_audited(world, cast):
    clue = _clue(world)
    team = _form(world, cast, clue)
    seats = {m.user_id: m.is_lead for m in team.members.all()}
    assert seats == {
        cast["office"].pk: True,
        cast["town"].pk: False,
        cast["group"].pk: False,
    }
    assert team.is_active and team.get_purpose_display() == "联合排查"
    entry = AuditEntry.objects.filter(
        action=Action.CREATE, object_type="clues.jointteam", object_id=str(team.pk)
    ).get()
    assert entry.actor_id == cast["former"].pk
    summary = json.loads(entry.summary)
    assert summary["线索"] == clue.number and len(summary["成员"]) == 3


def test_first_member_leads_when_no_lead_is_named(world, cast):
    team = _form(world, cast, _clue(world), leads=None, purpose="case")
    assert list(
        team.members.filter(is_lead=True).values_list("user_id", flat=True)
    ) == [cast["office"].pk]
    assert team.get_purpose_display() == "联合查办"


@pytest.mark.parametrize(
    "member_key,needle",
    [
        ("sysadmin", "三员"),
        ("partner", "不是纪检监察机关或巡视巡察机构"),
        ("b_handler", "跨地区抽调请选择联动协作区"),
    ],
)
def test_ineligible_members_are_refused_with_a_reason(world, cast, member_key, needle):
    clue = _clue(world)
    err = _refused(_form, world, cast, clue, members=[cast["office"], cast[member_key]])
    assert needle in err.message
    assert cast[member_key].full_name in err.message
    assert "members" in err.fields


def test_bad_input_names_every_field_and_changes_nothing(world, cast):
    clue = _clue(world)
    err = _refused(
        _form, world, cast, clue, name=" ", purpose="party", members=[], leads=[]
    )
    assert set(err.fields) >= {"name", "purpose", "members"}
    assert "工作组名称" in err.message and "联合排查或联合查办" in err.message
    err = _refused(_form, world, cast, clue, leads=[cast["head"]])
    assert err.fields == {"leads": "组长须从成员中指定"}
    err = _refused(_form, world, cast, clue, lead_unit=world.units["a_edu"])
    assert "牵头单位" in err.message and "lead_unit" in err.fields
    err = _refused(
        _form, world, cast, clue, lead_unit=world.units["b_supervision_office"]
    )
    assert "不在金水区纪委监委的管辖范围内" in err.message


def test_only_the_handling_commission_forms_teams(world, cast):
    clue = _clue(world)
    # 承办人 sees the clue but may not form a team; county b does not even see it.
    _refused(_form, world, cast, clue, actor=cast["handler"])
    err = _refused(_form, world, cast, clue, actor=cast["b_former"])
    assert isinstance(err, NotFound)
    assert isinstance(
        _refused(_form, world, cast, clue, actor=cast["handler"]), PermissionDenied
    )


def test_no_team_on_a_merged_clue(world, cast):
    clue = _clue(world)
    other = _clue(world, summary="另一条线索")
    clue_link(
        actor=cast["former"], clue=clue, other=other, kind="merge", reason="同一事项"
    )
    clue.refresh_from_db()
    err = _refused(_form, world, cast, clue)
    assert isinstance(err, Conflict) and "已合并" in err.message


def test_a_zone_brings_in_members_from_another_county(world, cast):
    u = world.units
    zone = zone_create(
        actor=None,
        name="金水中原联动协作区",
        region=world.regions["city"],
        lead_unit=u["a_supervision_office"],
        members=[u["b_supervision_office"], u["a_town_commission"]],
    )
    clue = _clue(world)
    team = _form(
        world, cast, clue, zone=zone, members=[cast["office"], cast["b_handler"]]
    )
    assert team.members.filter(user=cast["b_handler"]).exists()
    # With a zone, only its units (and the lead unit) may send members.
    err = _refused(_form, world, cast, clue, zone=zone, members=[cast["group"]])
    assert "不是协作区“金水中原联动协作区”的成员单位" in err.message
    # The county-b member sees this clue, not county b's own... nor county a's others.
    other = _clue(world, summary="卫健委科员违规发放补贴", person="a_health_staff")
    assert selectors.access_clue_by_id(cast["b_handler"], clue.pk) == clue
    with pytest.raises(NotFound):
        selectors.access_clue_by_id(cast["b_handler"], other.pk)


def test_a_zone_the_commission_is_not_in_is_refused(world, cast):
    u = world.units
    zone = zone_create(
        actor=None,
        name="中原区协作区",
        region=world.regions["b"],
        lead_unit=u["b_supervision_office"],
        members=[u["b_inspection"]],
    )
    err = _refused(_form, world, cast, _clue(world), zone=zone)
    assert "zone" in err.fields and "不能以该协作区名义组建工作组" in err.message


# --- need to know -----------------------------------------------------------------------------


def test_township_member_sees_the_team_clue_only_and_loses_it_on_close(
    client, world, cast
):
    clue = _clue(world)
    other = _clue(world, summary="卫健委科员违规发放补贴", person="a_health_staff")
    town = cast["town"]
    with pytest.raises(NotFound):
        selectors.access_clue_by_id(town, clue.pk)
    team = _form(world, cast, clue)
    client.force_login(town)
    assert client.get(reverse("clues:detail", args=[clue.pk])).status_code == 200
    assert client.get(reverse("clues:detail", args=[other.pk])).status_code == 404
    ledger = client.get(reverse("clues:ledger")).content.decode()
    assert clue.number in ledger and other.number not in ledger
    assert client.get(f"/api/clues/{other.pk}").status_code == 404
    page = client.get(reverse("clues:team", args=[team.pk])).content.decode()
    assert "保存记录" in page  # a member may write to the log
    home = client.get(reverse("dashboard:home")).content.decode()
    assert "联合排查：联合排查组" in home  # the member's way in, on the home page
    team_log_add(actor=town, team=team, kind="decision", text="议定：分两组走访核实。")

    team_close(actor=cast["former"], team=team, reason="排查完毕")

    assert client.get(reverse("clues:detail", args=[clue.pk])).status_code == 404
    assert client.get(reverse("clues:team", args=[team.pk])).status_code == 404
    assert client.get(f"/api/teams/{team.pk}").status_code == 404
    assert clue.number not in client.get(reverse("clues:ledger")).content.decode()
    assert "联合排查组" not in client.get(reverse("dashboard:home")).content.decode()
    # The log stays with the case: the handling commission still reads it.
    client.force_login(cast["head"])
    page = client.get(reverse("clues:team", args=[team.pk])).content.decode()
    assert "议定：分两组走访核实。" in page and "已解散" in page
    detail = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "联合排查组" in detail and "已解散" in detail
    entry = AuditEntry.objects.filter(
        action=Action.TRANSITION, object_type="clues.jointteam"
    ).get()
    assert json.loads(entry.summary)["理由"] == "排查完毕"


# --- members, log, close ------------------------------------------------------------------------


def test_lead_manages_members_plain_member_may_not(world, cast):
    team = _form(world, cast, _clue(world))
    # The lead (a supervision-office handler) adds and removes; a plain member may not.
    team_member_add(actor=cast["office"], team=team, user=cast["handler"])
    assert team.members.filter(user=cast["handler"], is_lead=False).exists()
    err = _refused(team_member_add, actor=cast["town"], team=team, user=cast["head"])
    assert isinstance(err, PermissionDenied)
    team_member_remove(actor=cast["office"], team=team, user=cast["handler"])
    assert not team.members.filter(user=cast["handler"]).exists()
    assert AuditEntry.objects.filter(
        action=Action.CHANGE, object_id=str(team.pk), summary__contains="移出成员"
    ).exists()
    # Administrators never sit on a team; nobody sits twice; the last lead stays.
    err = _refused(
        team_member_add, actor=cast["former"], team=team, user=cast["sysadmin"]
    )
    assert "三员" in err.message
    err = _refused(team_member_add, actor=cast["former"], team=team, user=cast["town"])
    assert "已是工作组成员" in err.message
    err = _refused(
        team_member_remove, actor=cast["former"], team=team, user=cast["office"]
    )
    assert "唯一的组长" in err.message
    team_member_add(actor=cast["former"], team=team, user=cast["town"], is_lead=True)
    team_member_remove(actor=cast["former"], team=team, user=cast["office"])
    assert list(team.members.values_list("user_id", "is_lead")) == [
        (cast["town"].pk, True),
        (cast["group"].pk, False),
    ]


def test_log_is_written_by_members_only(world, cast):
    team = _form(world, cast, _clue(world))
    entry = team_log_add(actor=cast["group"], team=team, kind="log", text="调取账目。")
    assert entry.author == cast["group"] and entry.get_kind_display() == "工作记录"
    assert AuditEntry.objects.filter(
        action=Action.CREATE, object_type="clues.teamlogentry", object_id=str(entry.pk)
    ).exists()
    err = _refused(team_log_add, actor=cast["head"], team=team, kind="log", text="x")
    assert isinstance(err, PermissionDenied)
    err = _refused(team_log_add, actor=cast["group"], team=team, kind="memo", text=" ")
    assert set(err.fields) == {"kind", "text"}
    err = _refused(
        team_log_add, actor=cast["group"], team=team, kind="log", text="长" * 5001
    )
    assert "5000" in err.message
    team_close(actor=cast["office"], team=team)  # the lead disbands
    err = _refused(team_close, actor=cast["former"], team=team)
    assert isinstance(err, Conflict)
    # The handling side is told the team is disbanded; a former member from the
    # township no longer sees the clue at all.
    err = _refused(team_log_add, actor=cast["group"], team=team, kind="log", text="x")
    assert isinstance(err, Conflict) and "已解散" in err.message
    err = _refused(team_log_add, actor=cast["town"], team=team, kind="log", text="x")
    assert isinstance(err, NotFound)


# --- pages and API --------------------------------------------------------------------------------


def test_clue_page_form_and_team_page(client, world, cast):
    clue = _clue(world)
    client.force_login(cast["former"])
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert "组建联合工作组" in page and 'name="members" multiple' in page
    assert cast["town"].full_name in page and "经八路街道纪工委" in page
    assert (
        cast["sysadmin"].username not in page and cast["partner"].username not in page
    )
    resp = client.post(
        reverse("clues:team_create", args=[clue.pk]),
        {
            "name": "联合查办组",
            "purpose": "case",
            "lead_unit": world.units["a_supervision_office"].pk,
            "members": [cast["town"].pk],
            "leads": [cast["office"].pk],
        },
    )
    team = JointTeam.objects.get(name="联合查办组")
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "clues:team", args=[team.pk]
    )
    assert set(team.members.values_list("user_id", "is_lead")) == {
        (cast["town"].pk, False),
        (cast["office"].pk, True),
    }
    page = client.get(reverse("clues:team", args=[team.pk])).content.decode()
    assert "增加成员" in page and "解散" in page and "保存记录" not in page
    # A member removes nobody, but writes to the log; a refused entry keeps the text.
    client.force_login(cast["town"])
    resp = client.post(
        reverse("clues:team_log_add", args=[team.pk]), {"kind": "x", "text": "已走访"}
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "类别只能是工作记录或集体决定" in body and "已走访" in body
    resp = client.post(
        reverse("clues:team_log_add", args=[team.pk]), {"kind": "log", "text": "已走访"}
    )
    assert resp.status_code == 302
    resp = client.post(reverse("clues:team_close", args=[team.pk]))
    assert resp.status_code == 403
    client.force_login(cast["former"])
    resp = client.post(
        reverse("clues:team_member_remove", args=[team.pk, cast["town"].pk])
    )
    assert resp.status_code == 302 and not team.members.filter(user=cast["town"])


def test_htmx_refusal_keeps_the_input(client, world, cast):
    clue = _clue(world)
    client.force_login(cast["former"])
    resp = client.post(
        reverse("clues:team_create", args=[clue.pk]),
        {
            "name": "跨区排查组",
            "purpose": "screening",
            "lead_unit": world.units["a_supervision_office"].pk,
            "members": [cast["b_handler"].pk],
            "leads": [cast["office"].pk],
        },
        HTTP_HX_REQUEST="true",
    )
    body = resp.content.decode()
    assert resp.status_code == 200 and "未组建" in body
    assert "跨地区抽调请选择联动协作区" in body
    assert 'value="跨区排查组"' in body
    assert f'value="{cast["office"].pk}" selected' in body
    assert not JointTeam.objects.exists()
    ok = client.post(
        reverse("clues:team_create", args=[clue.pk]),
        {
            "name": "排查组",
            "purpose": "screening",
            "lead_unit": world.units["a_supervision_office"].pk,
            "leads": [cast["office"].pk],
        },
        HTTP_HX_REQUEST="true",
    )
    team = JointTeam.objects.get()
    assert ok["HX-Redirect"] == reverse("clues:team", args=[team.pk])


def test_api_team_create_read_and_log(client, world, cast):
    clue = _clue(world)
    client.force_login(cast["former"])
    body = {
        "name": "接口工作组",
        "purpose": "screening",
        "lead_unit_id": world.units["a_supervision_office"].pk,
        "member_ids": [cast["office"].pk, cast["town"].pk],
        "lead_ids": [cast["office"].pk],
    }
    resp = client.post(
        f"/api/clues/{clue.pk}/teams", json.dumps(body), content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["clue_number"] == clue.number and data["purpose_label"] == "联合排查"
    assert {(m["user_id"], m["is_lead"]) for m in data["members"]} == {
        (cast["office"].pk, True),
        (cast["town"].pk, False),
    }
    bad = client.post(
        f"/api/clues/{clue.pk}/teams",
        json.dumps({**body, "member_ids": [987654]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and "987654" in bad.json()["message"]
    team_id = data["id"]
    # The former is not a member: may read, may not write to the log.
    resp = client.post(
        f"/api/teams/{team_id}/log",
        json.dumps({"kind": "log", "text": "x"}),
        content_type="application/json",
    )
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    client.force_login(cast["town"])
    resp = client.post(
        f"/api/teams/{team_id}/log",
        json.dumps({"kind": "decision", "text": "集体决定：提请立案。"}),
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["kind_label"] == "集体决定"
    data = client.get(f"/api/teams/{team_id}").json()
    assert [e["text"] for e in data["log"]] == ["集体决定：提请立案。"]
    assert data["log"][0]["unit"] == "经八路街道纪工委"
    client.force_login(cast["b_former"])
    assert client.get(f"/api/teams/{team_id}").status_code == 404
