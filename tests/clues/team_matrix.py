"""Targets, request bodies and checks for the need-to-know matrix rows of joint teams and
attachments (``tests/access/test_policy_matrix.py``): a team or attachment of county a is
in reach of the matrix accounts, county b's is out."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import account
from xietong.access.roles import ADMIN_ROLES, Role
from xietong.clues.models import Attachment, JointTeam, TeamLogEntry
from xietong.clues.services import (
    SubjectInput,
    attachment_add,
    clue_register,
    petition_register,
    team_form,
)

TEAM_FORM_ROLES = frozenset({Role.LEADER, Role.HEAD, Role.CASE_MANAGER})
# Matrix roles whose unit (ROLE_UNIT) is a discipline or inspection body: they can be
# seated on a team. Partner liaisons (检察院) and rectifiers (教育局) cannot; nor the 三员.
SEAT_ROLES = frozenset(
    {
        Role.LEADER,
        Role.ANALYST,
        Role.HEAD,
        Role.HANDLER,
        Role.CASE_MANAGER,
        Role.PETITION_CLERK,
        Role.INSPECTION_LEAD,
        Role.INSPECTOR,
    }
)
PDF = b"%PDF-1.4\n% matrix attachment\n%%EOF\n"
TEAM_NAME = "矩阵工作组"


def _county(scope) -> str:
    return "a" if scope == "in" else "b"


def _clue(world, county):
    registrar = account(world.units[f"{county}_case_management"], Role.CASE_MANAGER)
    return clue_register(
        actor=registrar,
        source="petition",
        received_date=dt.date(2026, 3, 2),
        summary=f"{county}县教育局长违规收受礼金",
        subjects=[SubjectInput(person=world.persons[f"{county}_edu_head"])],
    )


def _seatable(user) -> bool:
    return (
        user is not None
        and not (user.role_set & ADMIN_ROLES)
        and user.unit is not None
        and user.unit.is_supervising
    )


def team(ctx, scope, *, seat: bool = False) -> JointTeam:
    """A team on a clue of the county: a lead from the supervision office and a second
    member (the township commission in a, an office in b); with ``seat``, the matrix
    account itself sits on county a's team when it may."""
    world, county = ctx.world, _county(scope)
    lead = account(world.units[f"{county}_supervision_office"], Role.HANDLER)
    second_unit = "a_town_commission" if county == "a" else "b_supervision_office"
    members = [lead, account(world.units[second_unit], Role.HANDLER)]
    if seat and scope == "in" and _seatable(ctx.user):
        members.append(ctx.user)
    return team_form(
        actor=account(world.units[f"{county}_case_management"], Role.CASE_MANAGER),
        clue=_clue(world, county),
        name=f"{TEAM_NAME}{county}",
        purpose="screening",
        lead_unit=world.units[f"{county}_supervision_office"],
        members=members,
        leads=[lead],
    )


def clue_attachment(ctx, scope) -> Attachment:
    world, county = ctx.world, _county(scope)
    return attachment_add(
        actor=account(world.units[f"{county}_case_management"], Role.CASE_MANAGER),
        clue=_clue(world, county),
        name="矩阵附件.pdf",
        content=PDF,
    )


def petition_attachment(ctx, scope) -> Attachment:
    world, county = ctx.world, _county(scope)
    clerk = account(world.units[f"{county}_petition_office"], Role.PETITION_CLERK)
    petition = petition_register(
        actor=clerk,
        channel="letter",
        received_date=dt.date(2026, 3, 1),
        content=f"{county}县举报信",
    )
    return attachment_add(
        actor=clerk, petition=petition, name="矩阵附件.pdf", content=PDF
    )


def target(kind: str, ctx, scope):
    """The record a row is called on, or None when ``kind`` is not one of ours."""
    if kind == "team":
        return team(ctx, scope)
    if kind == "team_seat":
        return team(ctx, scope, seat=True)
    if kind == "clue_attachment":
        return clue_attachment(ctx, scope)
    if kind == "petition_attachment":
        return petition_attachment(ctx, scope)
    return None


# --- bodies ------------------------------------------------------------------------------------


def team_form_body(ctx, t):
    member = account(ctx.world.units["a_town_commission"], Role.HANDLER)
    return {
        "name": "矩阵新工作组",
        "purpose": "case",
        "lead_unit": ctx.world.units["a_supervision_office"].pk,
        "members": [member.pk],
        "leads": [member.pk],
    }


def api_team_body(ctx, t):
    member = account(ctx.world.units["a_town_commission"], Role.HANDLER)
    return {
        "name": "矩阵新工作组",
        "purpose": "case",
        "lead_unit_id": ctx.world.units["a_supervision_office"].pk,
        "member_ids": [member.pk],
    }


def member_add_body(ctx, t):
    return {"user": account(ctx.world.units["a_group"], Role.HANDLER).pk}


def member_remove_url(ctx, t):
    plain = t.members.filter(is_lead=False).first()
    return reverse(
        "clues:team_member_remove", args=[t.pk, plain.user_id if plain else 1]
    )


def log_body(ctx, t):
    return {"kind": "log", "text": "矩阵工作记录"}


def upload_body(ctx, t):
    return {"file": SimpleUploadedFile("矩阵上传.pdf", PDF, "application/pdf")}


# --- checks on allowed answers ------------------------------------------------------------------


def _team_a() -> JointTeam:
    return JointTeam.objects.get(name=f"{TEAM_NAME}a")


def check_team_page(ctx, resp):
    text = resp.content.decode()
    assert f"{TEAM_NAME}a" in text and f"{TEAM_NAME}b" not in text


def check_api_team(ctx, resp):
    assert resp.json()["name"] == f"{TEAM_NAME}a"
    assert len(resp.json()["members"]) == 2


def check_team_formed(ctx, resp):
    assert JointTeam.objects.filter(name="矩阵新工作组", created_by=ctx.user).exists()


def check_member_added(ctx, resp):
    assert _team_a().members.count() == 3


def check_member_removed(ctx, resp):
    assert _team_a().members.count() == 1


def check_team_closed(ctx, resp):
    assert _team_a().is_active is False


def check_log_written(ctx, resp):
    assert TeamLogEntry.objects.filter(author=ctx.user, text="矩阵工作记录").exists()


def check_uploaded(ctx, resp):
    assert Attachment.objects.filter(name="矩阵上传.pdf", uploaded_by=ctx.user).exists()


def check_download(ctx, resp):
    assert b"".join(resp.streaming_content) == PDF
