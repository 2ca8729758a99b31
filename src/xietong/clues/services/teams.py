"""Joint screening and joint cases (联合排查/联合查办): a team from several units for one clue.

Members see the team's clue and nothing else (``policies.scope_clues`` counts active team
seats); once the team is disbanded they lose it, while the team's log stays with the case
and the handling commission still reads it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet

from xietong.access import policies
from xietong.access.roles import ADMIN_ROLES
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from xietong.org.models import SUPERVISING_KINDS, CollaborationZone, Unit, UnitKind

from ..models import Clue, JointTeam, JointTeamMember, TeamLogEntry, TeamLogKind

PURPOSES = {"screening": "联合排查", "case": "联合查办"}
LOG_MAX_CHARS = 5000


# --- reads ------------------------------------------------------------------------------------


def access_team_by_id(viewer, team_id) -> JointTeam:
    """A team whose clue ``viewer`` may see; missing and out of reach answer the same."""
    try:
        pk = int(team_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    visible = policies.scope_clues(viewer, Clue.objects.all()).values("pk")
    team = (
        JointTeam.objects.filter(pk=pk, clue__in=visible)
        .select_related("clue", "lead_unit", "zone", "created_by")
        .first()
    )
    if team is None:
        raise NotFound()
    return team


def handling_commission(clue: Clue) -> Unit:
    """The commission (or township commission) over the unit handling ``clue``."""
    owner = clue.owner_unit
    ids = [int(x) for x in owner.path.strip("/").split("/") if x]
    kinds = (UnitKind.COMMISSION, UnitKind.TOWNSHIP_COMMISSION)
    found = {u.pk: u for u in Unit.objects.filter(pk__in=ids, kind__in=kinds)}
    for pk in reversed(ids):
        if pk in found:
            return found[pk]
    return policies.supervising_root(owner)


def _ancestor_ids(unit: Unit) -> set[int]:
    return {int(x) for x in unit.path.strip("/").split("/") if x} | {unit.pk}


def _in_zone(unit: Unit, zone_ids: set[int]) -> bool:
    # A zone that lists a commission takes in its offices and stationed groups too.
    return bool(_ancestor_ids(unit) & zone_ids)


def _under(unit: Unit, root: Unit) -> bool:
    return unit.path.startswith(root.path)


def relevant_zones(clue: Clue) -> QuerySet[CollaborationZone]:
    """Collaboration zones the handling commission (or one of its bodies) belongs to."""
    commission = handling_commission(clue)
    reach = policies.unit_reach(commission)
    return (
        CollaborationZone.objects.filter(
            Q(members__path__startswith=commission.path)
            | Q(members__in=Unit.objects.filter(reach.unit_q()))
        )
        .distinct()
        .order_by("id")
    )


def candidate_units(
    clue: Clue,
    *,
    zone: CollaborationZone | None = None,
    lead_unit: Unit | None = None,
    with_zones: bool = False,
) -> QuerySet[Unit]:
    """Supervising units whose staff may sit on a team for ``clue``: with ``zone``, the
    zone's units; without, those in the handling commission's reach (and, ``with_zones``,
    the units of every zone the commission belongs to, for a form where the zone is still
    to be chosen); always the lead unit and its bodies."""
    if zone is not None:
        ids = list(zone.members.values_list("pk", flat=True))
        q = Q(pk__in=ids) | Q(parent_id__in=ids)
    else:
        q = policies.unit_reach(handling_commission(clue)).unit_q()
        if with_zones:
            for z in relevant_zones(clue):
                ids = list(z.members.values_list("pk", flat=True))
                q |= Q(pk__in=ids) | Q(parent_id__in=ids)
    if lead_unit is not None:
        q |= Q(path__startswith=lead_unit.path)
    return Unit.objects.filter(q, kind__in=SUPERVISING_KINDS, is_active=True)


def candidate_accounts(units: QuerySet[Unit], exclude=()) -> QuerySet:
    """Active accounts in ``units`` that may be picked as members (never one of the 三员)."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, unit__in=units.values("pk"))
        .exclude(role_assignments__role__in=ADMIN_ROLES)
        .exclude(pk__in=list(exclude))
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "full_name", "username")
    )


# --- eligibility -------------------------------------------------------------------------------


def _who(user) -> str:
    unit = user.unit.name if user.unit_id else "无单位"
    return f"{user.full_name or user.username}（{unit}）"


def _member_error(
    user, *, clue: Clue, lead_unit: Unit, zone: CollaborationZone | None
) -> str | None:
    """Why ``user`` may not sit on a team for ``clue``, or None."""
    if not user.is_active:
        return f"{_who(user)}的账号已停用"
    if user.role_set & ADMIN_ROLES:
        return f"{_who(user)}是三员（系统、安全保密、安全审计管理员），不能参加工作组"
    if user.unit_id is None:
        return f"{_who(user)}没有所在单位"
    unit = user.unit
    if not unit.is_supervising:
        return (
            f"{_who(user)}所在单位不是纪检监察机关或巡视巡察机构，不能参加联合排查、"
            f"联合查办"
        )
    if _under(unit, lead_unit):
        return None
    if zone is not None:
        zone_ids = set(zone.members.values_list("pk", flat=True))
        if not _in_zone(unit, zone_ids):
            return (
                f"{_who(user)}所在单位既不是协作区“{zone.name}”的成员单位，"
                f"也不属于牵头单位{lead_unit.name}"
            )
        return None
    if not policies.unit_reach(handling_commission(clue)).contains_unit(unit):
        return (
            f"{_who(user)}所在单位不在{handling_commission(clue).name}的管辖范围内；"
            f"跨地区抽调请选择联动协作区"
        )
    return None


def _lead_unit_error(
    lead_unit: Unit | None, *, clue: Clue, zone: CollaborationZone | None
) -> str | None:
    if lead_unit is None:
        return "牵头单位不存在"
    if not lead_unit.is_supervising:
        return f"牵头单位“{lead_unit.name}”不是纪检监察机关或巡视巡察机构"
    commission = handling_commission(clue)
    if _under(lead_unit, commission):
        return None
    if zone is not None:
        if _in_zone(lead_unit, set(zone.members.values_list("pk", flat=True))):
            return None
        return f"牵头单位“{lead_unit.name}”不是协作区“{zone.name}”的成员单位"
    if policies.unit_reach(commission).contains_unit(lead_unit):
        return None
    return f"牵头单位“{lead_unit.name}”不在{commission.name}的管辖范围内"


def _zone_error(zone: CollaborationZone, *, clue: Clue, lead_unit: Unit) -> str | None:
    if relevant_zones(clue).filter(pk=zone.pk).exists():
        return None
    if lead_unit is not None and _in_zone(
        lead_unit, set(zone.members.values_list("pk", flat=True))
    ):
        return None
    return (
        f"{handling_commission(clue).name}和牵头单位都不是协作区“{zone.name}”的成员，"
        f"不能以该协作区名义组建工作组"
    )


def _require_visible_clue(actor, clue: Clue) -> None:
    if not policies.scope_clues(actor, Clue.objects.filter(pk=clue.pk)).exists():
        raise NotFound()


def _require_manager(actor, team: JointTeam) -> None:
    _require_visible_clue(actor, team.clue)
    if not team.is_active:
        raise Conflict(f"工作组“{team.name}”已解散，不能再调整。")
    if not policies.can_manage_team(actor, team):
        raise PermissionDenied(
            "只有工作组组长或线索承办机关的领导、部门负责人、案管可以调整工作组。"
        )


# --- writes ------------------------------------------------------------------------------------


@transaction.atomic
def team_form(
    *,
    actor,
    clue: Clue,
    name: str,
    purpose: str,
    lead_unit: Unit | None,
    members: list,
    leads: list | None = None,
    zone: CollaborationZone | None = None,
) -> JointTeam:
    """Form a joint team (联合排查/联合查办) on ``clue`` from members of several units;
    ``leads`` (default: the first member) are the team's 组长."""
    _require_visible_clue(actor, clue)
    if not policies.can_form_team(actor, clue):
        raise PermissionDenied(
            "只有线索承办机关的委领导、部门负责人或案管可以组建联合工作组。"
        )
    if not clue.is_open:
        raise Conflict(
            f"线索 {clue.number} 已{clue.get_status_display()}，不能再组建工作组。"
        )
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写工作组名称"
    elif len(name) > 128:
        errors["name"] = "工作组名称不能超过 128 个字"
    if purpose not in PURPOSES:
        errors["purpose"] = "类型只能是联合排查或联合查办"
    lead_error = _lead_unit_error(lead_unit, clue=clue, zone=zone)
    if lead_error:
        errors["lead_unit"] = lead_error
    if zone is not None and not lead_error:
        zone_error = _zone_error(zone, clue=clue, lead_unit=lead_unit)
        if zone_error:
            errors["zone"] = zone_error
    unique = list({u.pk: u for u in members}.values())
    leads = list({u.pk: u for u in (leads or unique[:1])}.values())
    if not unique:
        errors["members"] = "请至少选择一名成员"
    elif lead_unit is not None:
        bad = [
            e
            for u in unique
            if (e := _member_error(u, clue=clue, lead_unit=lead_unit, zone=zone))
        ]
        if bad:
            errors["members"] = "；".join(bad)
    member_ids = {u.pk for u in unique}
    if unique and not leads:
        errors["leads"] = "请至少指定一名组长"
    elif any(u.pk not in member_ids for u in leads):
        errors["leads"] = "组长须从成员中指定"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    team = JointTeam.objects.create(
        clue=clue,
        name=name,
        purpose=purpose,
        lead_unit=lead_unit,
        zone=zone,
        created_by=actor,
    )
    lead_ids = {u.pk for u in leads}
    JointTeamMember.objects.bulk_create(
        JointTeamMember(team=team, user=u, is_lead=u.pk in lead_ids) for u in unique
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=team,
        summary={
            "线索": clue.number,
            "类型": PURPOSES[purpose],
            "牵头单位": lead_unit.name,
            "协作区": zone.name if zone else "",
            "成员": [_who(u) for u in unique],
            "组长": [_who(u) for u in leads],
        },
    )
    return team


@transaction.atomic
def team_member_add(*, actor, team: JointTeam, user, is_lead: bool = False):
    """Add a member (or make an existing member 组长): by the team's lead or whoever may
    form teams on the clue."""
    team = JointTeam.objects.select_for_update().get(pk=team.pk)
    _require_manager(actor, team)
    if user is None:
        raise ValidationError("成员账号不存在。", fields={"user": "账号不存在"})
    seat = team.members.filter(user=user).first()
    if seat is not None:
        if not is_lead or seat.is_lead:
            raise ValidationError(
                f"{_who(user)}已是工作组成员。", fields={"user": "已是成员"}
            )
        seat.is_lead = True
        seat.save(update_fields=["is_lead"])
        audit_record(
            actor=actor,
            action=Action.CHANGE,
            obj=team,
            summary={"指定组长": _who(user)},
        )
        return seat
    error = _member_error(
        user, clue=team.clue, lead_unit=team.lead_unit, zone=team.zone
    )
    if error:
        raise ValidationError(error + "。", fields={"user": error})
    seat = JointTeamMember.objects.create(team=team, user=user, is_lead=is_lead)
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        obj=team,
        summary={"增加成员": _who(user), "组长": is_lead},
    )
    return seat


@transaction.atomic
def team_member_remove(*, actor, team: JointTeam, user) -> None:
    """Take a member off the team; the last 组长 stays until another is named."""
    team = JointTeam.objects.select_for_update().get(pk=team.pk)
    _require_manager(actor, team)
    seat = team.members.filter(user=user).first() if user is not None else None
    if seat is None:
        raise ValidationError("该账号不是工作组成员。", fields={"user": "不是成员"})
    if seat.is_lead and not team.members.filter(is_lead=True).exclude(pk=seat.pk):
        raise ValidationError(
            f"{_who(user)}是唯一的组长，请先指定其他组长再移出。",
            fields={"user": "唯一组长"},
        )
    seat.delete()
    audit_record(
        actor=actor, action=Action.CHANGE, obj=team, summary={"移出成员": _who(user)}
    )


@transaction.atomic
def team_log_add(*, actor, team: JointTeam, kind: str, text: str) -> TeamLogEntry:
    """A member writes to the team's work log (工作记录) or records a decision (集体决定)."""
    _require_visible_clue(actor, team.clue)
    if not team.is_active:
        raise Conflict(f"工作组“{team.name}”已解散，不能再填写记录。")
    if not policies.is_team_member(actor, team):
        raise PermissionDenied("只有工作组成员可以填写工作记录和集体决定。")
    errors = {}
    if kind not in TeamLogKind.values:
        errors["kind"] = "类别只能是工作记录或集体决定"
    text = (text or "").strip()
    if not text:
        errors["text"] = "请填写记录内容"
    elif len(text) > LOG_MAX_CHARS:
        errors["text"] = f"记录内容不能超过 {LOG_MAX_CHARS} 字"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    entry = TeamLogEntry.objects.create(team=team, kind=kind, text=text, author=actor)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=entry,
        summary={
            "工作组": team.name,
            "线索": team.clue.number,
            "类别": entry.get_kind_display(),
        },
    )
    return entry


@transaction.atomic
def team_close(*, actor, team: JointTeam, reason: str = "") -> JointTeam:
    """Disband the team: members lose access to the clue; the log stays with the case."""
    locked = JointTeam.objects.select_for_update().get(pk=team.pk)
    _require_manager(actor, locked)
    JointTeam.objects.filter(pk=locked.pk).update(is_active=False)
    team.is_active = False
    audit_record(
        actor=actor,
        action=Action.TRANSITION,
        obj=locked,
        summary={
            "状态": ["工作中", "已解散"],
            "线索": locked.clue.number,
            "理由": (reason or "").strip()[:255],
        },
    )
    return team
