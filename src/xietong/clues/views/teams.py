"""Joint teams (联合排查/联合查办): the section on the clue page and the team page."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.core.errors import Conflict, ValidationError
from xietong.org.models import CollaborationZone, Unit

from .. import selectors, services
from ..models import Clue, JointTeam, TeamLogKind
from ..services import teams as team_services


def _ids(values) -> list[int]:
    out = []
    for v in values:
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            continue
    return out


def _grouped(accounts, *, home: set[int] | None = None) -> list[tuple[str, list]]:
    """Accounts grouped by unit for an <optgroup> picker; units outside ``home`` (the
    handling commission's reach) are marked as coming through a collaboration zone."""
    out = []
    for unit, users in groupby(accounts, key=lambda u: u.unit):
        label = unit.name
        if home is not None and unit.pk not in home:
            label += "（协作区单位，须选择协作区）"
        out.append((label, list(users)))
    return out


def _users(ids: list[int]) -> tuple[list, list[int]]:
    User = get_user_model()
    found = {u.pk: u for u in User.objects.filter(pk__in=ids).select_related("unit")}
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]


def _team_rows(clue: Clue):
    return (
        clue.teams.select_related("lead_unit", "zone")
        .prefetch_related("members__user__unit")
        .order_by("-is_active", "-created_at", "-id")
    )


def clue_section(request, clue, *, errors=None, posted=None):
    """The teams of a clue, and the form to form one for those who may."""
    user = request.user
    can_form = policies.can_form_team(user, clue) and clue.is_open
    teams = list(_team_rows(clue))
    if not teams and not can_form:
        return None
    ctx = {
        "clue": clue,
        "teams": teams,
        "can_form": can_form,
        "errors": errors or {},
        "posted": posted or {"purpose": "screening", "members": [], "leads": []},
    }
    if can_form:
        units = team_services.candidate_units(clue, with_zones=True)
        home = set(team_services.candidate_units(clue).values_list("pk", flat=True))
        ctx.update(
            purposes=list(team_services.PURPOSES.items()),
            candidates=_grouped(team_services.candidate_accounts(units), home=home),
            lead_units=units.select_related("region").order_by("path"),
            zones=team_services.relevant_zones(clue),
            default_lead_unit=user.unit_id,
        )
    return ctx


@login_required
@require_POST
def team_create(request, pk):
    """Form a joint team on the clue (HTMX: errors re-render the section, input kept)."""
    clue = selectors.access_clue_by_id(request.user, pk)
    p = request.POST
    member_ids = _ids(p.getlist("members"))
    lead_ids = _ids(p.getlist("leads"))
    posted = {
        "name": p.get("name", "").strip(),
        "purpose": p.get("purpose", ""),
        "lead_unit": _ids([p.get("lead_unit")])[:1],
        "zone": _ids([p.get("zone")])[:1],
        "members": member_ids,
        "leads": lead_ids,
    }
    try:
        # The chosen 组长 sits on the team whether or not also ticked as a member.
        member_ids += [i for i in lead_ids if i not in member_ids]
        members, missing = _users(member_ids)
        if missing:
            raise ValidationError(
                f"成员账号 {'、'.join(map(str, missing))} 不存在。",
                fields={"members": "账号不存在"},
            )
        leads, _ = _users(lead_ids)
        lead_unit = Unit.objects.filter(pk__in=posted["lead_unit"]).first()
        zone = None
        if p.get("zone"):
            zone = CollaborationZone.objects.filter(pk__in=posted["zone"]).first()
            if zone is None:
                raise ValidationError(
                    "所选协作区不存在。", fields={"zone": "协作区不存在"}
                )
        team = services.team_form(
            actor=request.user,
            clue=clue,
            name=posted["name"],
            purpose=posted["purpose"],
            lead_unit=lead_unit,
            members=members,
            leads=leads or None,
            zone=zone,
        )
    except (ValidationError, Conflict) as exc:
        if request.htmx:
            ctx = clue_section(
                request,
                clue,
                errors=exc.fields or {"表单": exc.message},
                posted=posted,
            )
            ctx["message"] = exc.message
            return render(request, "clues/_teams.html", {"s": ctx})
        messages.error(request, exc.message)
        return redirect(reverse("clues:detail", args=[clue.pk]) + "#teams")
    messages.success(request, f"已组建{team.get_purpose_display()}工作组“{team.name}”")
    url = reverse("clues:team", args=[team.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _team_page(request, team: JointTeam, *, errors=None, posted=None, status=200):
    user = request.user
    members = list(
        team.members.select_related("user__unit").order_by("-is_lead", "added_at", "id")
    )
    can_manage = policies.can_manage_team(user, team)
    ctx = {
        "team": team,
        "clue": team.clue,
        "members": members,
        "log": team.log.select_related("author__unit"),
        "is_member": policies.is_team_member(user, team),
        "can_manage": can_manage,
        "log_kinds": TeamLogKind.choices,
        "errors": errors or {},
        "posted": posted or {},
        "lead_count": sum(1 for m in members if m.is_lead),
    }
    if can_manage:
        units = team_services.candidate_units(
            team.clue, zone=team.zone, lead_unit=team.lead_unit
        )
        ctx["candidates"] = _grouped(
            team_services.candidate_accounts(
                units, exclude=[m.user_id for m in members]
            )
        )
    return render(request, "clues/team.html", ctx, status=status)


@login_required
def team_detail(request, pk):
    """The team page: members, work log and decisions; forms for members and the lead."""
    team = team_services.access_team_by_id(request.user, pk)
    return _team_page(request, team)


def _back(team: JointTeam):
    return redirect("clues:team", team.pk)


@login_required
@require_POST
def team_member_add(request, pk):
    team = team_services.access_team_by_id(request.user, pk)
    ids = _ids([request.POST.get("user")])
    users, _ = _users(ids)
    try:
        services.team_member_add(
            actor=request.user,
            team=team,
            user=users[0] if users else None,
            is_lead=request.POST.get("is_lead") == "1",
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已增加成员")
    return _back(team)


@login_required
@require_POST
def team_member_remove(request, pk, user_id):
    team = team_services.access_team_by_id(request.user, pk)
    users, _ = _users([user_id])
    try:
        services.team_member_remove(
            actor=request.user, team=team, user=users[0] if users else None
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已移出成员")
    return _back(team)


@login_required
@require_POST
def team_log_add(request, pk):
    """A member writes a 工作记录 or 集体决定; a refused entry keeps what was typed."""
    team = team_services.access_team_by_id(request.user, pk)
    kind = request.POST.get("kind", "")
    text = request.POST.get("text", "")
    try:
        services.team_log_add(actor=request.user, team=team, kind=kind, text=text)
    except ValidationError as exc:
        return _team_page(
            request,
            team,
            errors=exc.fields or {"记录": exc.message},
            posted={"kind": kind, "text": text},
            status=400,
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录")
    return _back(team)


@login_required
@require_POST
def team_close(request, pk):
    """Disband the team: members lose access; the log stays with the case."""
    team = team_services.access_team_by_id(request.user, pk)
    try:
        services.team_close(
            actor=request.user, team=team, reason=request.POST.get("reason", "")
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message)
        return _back(team)
    messages.success(request, f"工作组“{team.name}”已解散，工作记录随线索保存。")
    if policies.scope_clues(
        request.user, Clue.objects.filter(pk=team.clue_id)
    ).exists():
        return _back(team)
    return redirect("dashboard:home")
