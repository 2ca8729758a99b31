"""API for joint teams (联合排查/联合查办): read a team, form one, write to its log."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from ninja import Field, Router, Schema
from ninja.responses import Status

from xietong.core.errors import ValidationError
from xietong.org.models import CollaborationZone, Unit

from .. import selectors, services
from ..services import teams as team_services

router = Router(tags=["联合排查与联合查办"])


class MemberOut(Schema):
    user_id: int
    name: str
    unit: str
    is_lead: bool

    @staticmethod
    def resolve_name(obj):
        return obj.user.full_name or obj.user.username

    @staticmethod
    def resolve_unit(obj):
        return obj.user.unit.name if obj.user.unit_id else ""


class LogOut(Schema):
    id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    text: str
    author: str
    unit: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj):
        return obj.author.full_name or obj.author.username

    @staticmethod
    def resolve_unit(obj):
        return obj.author.unit.name if obj.author.unit_id else ""


class TeamOut(Schema):
    id: int
    clue_id: int
    clue_number: str = Field(..., alias="clue.number")
    name: str
    purpose: str
    purpose_label: str = Field(..., alias="get_purpose_display")
    lead_unit: str = Field(..., alias="lead_unit.name")
    zone: str | None
    is_active: bool
    created_at: dt.datetime
    members: list[MemberOut]
    log: list[LogOut]

    @staticmethod
    def resolve_zone(obj):
        return obj.zone.name if obj.zone_id else None

    @staticmethod
    def resolve_members(obj):
        return obj.members.select_related("user__unit").order_by(
            "-is_lead", "added_at", "id"
        )

    @staticmethod
    def resolve_log(obj):
        return obj.log.select_related("author__unit")


class TeamIn(Schema):
    name: str = Field(..., max_length=128)
    purpose: str = "screening"
    lead_unit_id: int
    member_ids: list[int]
    lead_ids: list[int] = []
    zone_id: int | None = None


class LogIn(Schema):
    kind: str = "log"
    text: str


def _users(ids: list[int], field: str) -> list:
    User = get_user_model()
    found = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("unit")}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError(
            f"账号 {'、'.join(missing)} 不存在。", fields={field: "账号不存在"}
        )
    return [found[i] for i in ids]


@router.get(
    "/teams/{int:team_id}", response=TeamOut, summary="联合工作组（成员与工作记录）"
)
def team_detail(request, team_id: int):
    return team_services.access_team_by_id(request.auth, team_id)


@router.post(
    "/clues/{int:clue_id}/teams",
    response={201: TeamOut},
    summary="组建联合排查/联合查办工作组",
)
def team_create(request, clue_id: int, payload: TeamIn):
    clue = selectors.access_clue_by_id(request.auth, clue_id)
    members = _users(payload.member_ids, "member_ids")
    leads = _users(payload.lead_ids, "lead_ids")
    lead_unit = Unit.objects.filter(pk=payload.lead_unit_id).first()
    zone = None
    if payload.zone_id is not None:
        zone = CollaborationZone.objects.filter(pk=payload.zone_id).first()
        if zone is None:
            raise ValidationError("协作区不存在。", fields={"zone_id": "协作区不存在"})
    with transaction.atomic():
        team = services.team_form(
            actor=request.auth,
            clue=clue,
            name=payload.name,
            purpose=payload.purpose,
            lead_unit=lead_unit,
            members=members,
            leads=leads or None,
            zone=zone,
        )
    return Status(201, team)


@router.post(
    "/teams/{int:team_id}/log",
    response={201: LogOut},
    summary="填写工作记录或集体决定（工作组成员）",
)
def team_log_create(request, team_id: int, payload: LogIn):
    team = team_services.access_team_by_id(request.auth, team_id)
    entry = services.team_log_add(
        actor=request.auth, team=team, kind=payload.kind, text=payload.text
    )
    return Status(201, entry)
