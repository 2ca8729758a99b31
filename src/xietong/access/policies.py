"""The need-to-know policy: the one place that decides who may see, change or export what.

Views, the API, exports, search and the CLI all call these functions. Reach is decided from
the user's unit on the organisation tree:

* a commission (and each of its internal offices) reaches the units in the regions it
  supervises, recursively (县纪委 → the county, its townships and villages);
* a stationed group (派驻组) reaches its host units and their sub-units;
* a township commission reaches its township; an inspection office its region;
* any other unit reaches only itself — and partner liaisons and rectification liaisons reach
  no person at all until a later record is shared with them.

The three administrators (三员) reach no business record. A record outside a user's reach is
reported exactly like a missing one (:class:`NotFound`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from xietong.core.errors import NotFound, PermissionDenied
from xietong.org.models import Person, Unit, UnitKind

from .roles import ADMIN_ROLES, Grant, Role

PERSON_VIEW_ROLES = frozenset(
    {
        Role.LEADER,
        Role.HEAD,
        Role.HANDLER,
        Role.CASE_MANAGER,
        Role.PETITION_CLERK,
        Role.INSPECTION_LEAD,
        Role.INSPECTOR,
        Role.ANALYST,
    }
)
PERSON_CHANGE_ROLES = frozenset({Role.HEAD, Role.HANDLER, Role.CASE_MANAGER})
PERSON_EXPORT_ROLES = frozenset(
    {
        Role.LEADER,
        Role.HEAD,
        Role.HANDLER,
        Role.CASE_MANAGER,
        Role.ANALYST,
        Role.INSPECTION_LEAD,
    }
)


@dataclass(frozen=True)
class Reach:
    """The part of the organisation tree a user's unit may see into."""

    region_paths: tuple[str, ...] = ()
    unit_paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.region_paths and not self.unit_paths

    def unit_q(self, prefix: str = "") -> Q:
        """A Q over Unit (or over ``prefix``unit) matching every reachable unit."""
        if self.empty:
            return Q(pk__in=[])
        q = Q()
        for path in self.region_paths:
            q |= Q(**{f"{prefix}region__path__startswith": path})
        for path in self.unit_paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def contains_unit(self, unit: Unit) -> bool:
        return any(unit.region.path.startswith(p) for p in self.region_paths) or any(
            unit.path.startswith(p) for p in self.unit_paths
        )


def _has_any(user, roles) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.role_set & roles))


def is_admin(user) -> bool:
    """One of the 三员: sees configuration, never business records."""
    return _has_any(user, ADMIN_ROLES)


def supervising_root(unit: Unit | None) -> Unit | None:
    """The commission an internal office belongs to; the unit itself otherwise."""
    if unit is None:
        return None
    if unit.is_commission_department and unit.parent_id:
        return unit.parent
    return unit


def unit_reach(unit: Unit | None) -> Reach:
    """What a user working in ``unit`` may see into, before roles are considered."""
    root = supervising_root(unit)
    if root is None:
        return Reach()
    if root.kind == UnitKind.STATIONED_GROUP:
        paths = tuple(root.host_units.values_list("path", flat=True)) + (root.path,)
        return Reach(unit_paths=paths)
    if root.kind in (
        UnitKind.COMMISSION,
        UnitKind.TOWNSHIP_COMMISSION,
        UnitKind.INSPECTION_OFFICE,
    ):
        paths = tuple(root.supervised_regions.values_list("path", flat=True))
        return Reach(region_paths=paths or (root.region.path,))
    if root.kind == UnitKind.PARTNER:
        return Reach()
    return Reach(unit_paths=(root.path,))


def person_reach(user) -> Reach:
    """The reach in which ``user`` may see persons (empty without a person-viewing role)."""
    cached = getattr(user, "_reach_cache", None)
    if cached is not None:
        return cached
    if not _has_any(user, PERSON_VIEW_ROLES) or is_admin(user):
        reach = Reach()
    else:
        reach = unit_reach(user.unit)
    if user.is_authenticated:
        user._reach_cache = reach
    return reach


# --- persons -----------------------------------------------------------------------------


def person_units(user) -> QuerySet:
    """Units whose persons ``user`` may see; narrow it further before :func:`scope_persons`."""
    reach = person_reach(user)
    if reach.empty:
        return Unit.objects.none()
    return Unit.objects.filter(reach.unit_q())


def scope_persons(user, qs: QuerySet | None = None, *, units: QuerySet | None = None):
    """Persons ``user`` may see (list scoping), optionally only in ``units`` — which must
    come from :func:`person_units` so that it can only narrow the reach."""
    qs = Person.objects.all() if qs is None else qs
    if person_reach(user).empty:
        return qs.none()
    units = person_units(user) if units is None else units
    return qs.filter(unit_id__in=units.values("pk"))


def can_view_person(user, person: Person) -> bool:
    """May ``user`` open this person's archive?"""
    reach = person_reach(user)
    return not reach.empty and reach.contains_unit(person.unit)


def can_change_person(
    user, person: Person | None = None, unit: Unit | None = None
) -> bool:
    """May ``user`` create (in ``unit``) or edit this person?"""
    if not _has_any(user, PERSON_CHANGE_ROLES) or is_admin(user):
        return False
    target = person.unit if person is not None else unit
    return target is not None and person_reach(user).contains_unit(target)


def can_export_persons(user) -> bool:
    """May ``user`` export person lists (still scoped by :func:`scope_persons`)?"""
    return _has_any(user, PERSON_EXPORT_ROLES) and not is_admin(user)


def can_see_sensitive(user, grant: str = Grant.SENSITIVE_IDENTITY) -> bool:
    """Has ``user`` the separate grant for this kind of sensitive field?"""
    return (
        user.is_authenticated
        and user.is_active
        and not is_admin(user)
        and grant in user.grant_set
    )


def access_person_by_id(actor, person_id, *, for_change: bool = False) -> Person:
    """Fetch and authorise in one call; missing and forbidden answer the same."""
    try:
        person = Person.objects.select_related("unit__region", "unit__parent").get(
            pk=int(person_id)
        )
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not can_view_person(actor, person):
        raise NotFound()
    if for_change and not can_change_person(actor, person):
        raise PermissionDenied("您可以查看但无权修改该监督对象。")
    return person


# --- organisation registry ------------------------------------------------------------------


def can_browse_org(user) -> bool:
    """The organisation tree is reference data every signed-in account may browse."""
    return bool(user.is_authenticated and user.is_active)


def can_edit_org(user) -> bool:
    """Units and regions are configuration: the system administrator edits them."""
    return _has_any(user, {Role.SYSADMIN})


def access_unit_by_id(actor, unit_id) -> Unit:
    """A unit for the organisation browser."""
    if not can_browse_org(actor):
        raise NotFound()
    try:
        return Unit.objects.select_related("region", "parent").get(pk=int(unit_id))
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- administration -----------------------------------------------------------------------


def can_manage_accounts(user) -> bool:
    """Create, disable and unlock accounts: 系统管理员."""
    return _has_any(user, {Role.SYSADMIN})


def can_manage_roles(user) -> bool:
    """Assign roles and sensitive grants: 安全保密管理员."""
    return _has_any(user, {Role.SECADMIN})


def account_units(user) -> QuerySet:
    """Units whose accounts an administrator (系统管理员/安全保密管理员) manages: those in
    the reach of the administrator's own commission (a county's administrators manage the
    county's accounts; the province's manage all)."""
    if not (can_manage_accounts(user) or can_manage_roles(user)):
        return Unit.objects.none()
    reach = unit_reach(user.unit)
    if reach.empty:
        return Unit.objects.none()
    return Unit.objects.filter(reach.unit_q())


def scope_accounts(user, qs: QuerySet) -> QuerySet:
    """Accounts ``user`` may administer (list scoping)."""
    return qs.filter(unit_id__in=account_units(user).values("pk"))


def can_administer_account(user, target) -> bool:
    """May ``user`` administer ``target`` (an account) at all?"""
    if target.unit_id is None:
        return False
    return account_units(user).filter(pk=target.unit_id).exists()


def can_view_audit(user) -> bool:
    """Search and export the audit log: 安全审计员 only."""
    return _has_any(user, {Role.AUDITOR})


def can_manage_calendar(user) -> bool:
    """Edit and import the working-day calendar: 系统管理员."""
    return _has_any(user, {Role.SYSADMIN})


def can_view_calendar(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def require(allowed: bool) -> None:
    """Turn a failed capability check into the same answer as a missing page."""
    if not allowed:
        raise NotFound()


# --- clues -----------------------------------------------------------------------------------
#
# A clue is seen by the commission that registered or owns it (its offices: 委领导, 部门负责人,
# 承办人, 案管), by a unit it was transferred to while that transfer stands (not once returned)
# and by the unit that sent it, and by the members of a joint team formed on it — nothing else.

CLUE_VIEW_ROLES = frozenset({Role.LEADER, Role.HEAD, Role.HANDLER, Role.CASE_MANAGER})
# Partner bodies (检察院、组织部…) take part through their liaison.
TRANSFER_ROLES = CLUE_VIEW_ROLES | {Role.PARTNER_LIAISON}
TRANSFER_SEND_ROLES = frozenset({Role.LEADER, Role.HEAD, Role.CASE_MANAGER})
DISPOSAL_DRAFT_ROLES = frozenset({Role.HEAD, Role.HANDLER})
DISPOSAL_APPROVE_ROLES = frozenset({Role.LEADER})
TEAM_FORM_ROLES = frozenset({Role.LEADER, Role.HEAD, Role.CASE_MANAGER})


def can_register_clue(user) -> bool:
    """Central registration is the 案件监督管理室's job (案管 of a commission)."""
    root = supervising_root(getattr(user, "unit", None))
    return (
        _has_any(user, {Role.CASE_MANAGER})
        and not is_admin(user)
        and root is not None
        and root.kind in (UnitKind.COMMISSION, UnitKind.TOWNSHIP_COMMISSION)
    )


def can_register_petition(user) -> bool:
    """信访 clerks register petitions for their commission."""
    return _has_any(user, {Role.PETITION_CLERK}) and not is_admin(user)


def clue_units(user) -> QuerySet:
    """Units whose clues ``user`` may see as their own: their commission and its offices."""
    if not _has_any(user, CLUE_VIEW_ROLES) or is_admin(user):
        return Unit.objects.none()
    root = supervising_root(user.unit)
    if root is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=root.path)


def transfer_units(user) -> QuerySet:
    """Units on whose behalf ``user`` sends, receives and answers transfers: their
    commission and its offices; a partner liaison, their own unit."""
    if is_admin(user):
        return Unit.objects.none()
    if _has_any(user, CLUE_VIEW_ROLES):
        return clue_units(user)
    if _has_any(user, {Role.PARTNER_LIAISON}) and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def scope_clues(user, qs: QuerySet) -> QuerySet:
    """Clues ``user`` may see (list scoping)."""
    from xietong.clues.models import JointTeamMember, Transfer

    if is_admin(user) or not getattr(user, "is_authenticated", False):
        return qs.none()
    own = clue_units(user).values("pk")
    mine = transfer_units(user).values("pk")
    received = Transfer.objects.filter(
        to_unit__in=mine, status__in=("sent", "accepted", "fed_back")
    ).values("clue_id")
    sent = Transfer.objects.filter(from_unit__in=mine).values("clue_id")
    seats = JointTeamMember.objects.filter(user=user, team__is_active=True).values(
        "team__clue_id"
    )
    return qs.filter(
        Q(owner_unit__in=own)
        | Q(registering_unit__in=own)
        | Q(pk__in=received)
        | Q(pk__in=sent)
        | Q(pk__in=seats)
    )


def sees_clue_ledger(user) -> bool:
    """Whether the user has a clue ledger at all (own clues, transfers or a team seat)."""
    from xietong.clues.models import JointTeamMember

    if is_admin(user):
        return False
    return (
        transfer_units(user).exists()
        or JointTeamMember.objects.filter(user=user, team__is_active=True).exists()
    )


def handles_clue(user, clue) -> bool:
    """The clue is owned by the user's commission (the competent, handling side)."""
    return clue_units(user).filter(pk=clue.owner_unit_id).exists()


def can_transfer_clue(user, clue) -> bool:
    """案管, 部门负责人 or 委领导 of the owning commission send a clue on."""
    return _has_any(user, TRANSFER_SEND_ROLES) and handles_clue(user, clue)


def is_transfer_receiver(user, transfer) -> bool:
    """The user acts for the receiving unit of ``transfer``."""
    return (
        _has_any(user, TRANSFER_ROLES - {Role.HANDLER})
        and transfer_units(user).filter(pk=transfer.to_unit_id).exists()
    )


def is_transfer_sender(user, transfer) -> bool:
    """The user acts for the sending unit of ``transfer``."""
    return (
        _has_any(user, TRANSFER_SEND_ROLES)
        and transfer_units(user).filter(pk=transfer.from_unit_id).exists()
    )


def can_feed_back(user, transfer) -> bool:
    """Receivers (承办人 too) report progress and disposal results to the sender."""
    return _has_any(user, TRANSFER_ROLES) and (
        transfer_units(user).filter(pk=transfer.to_unit_id).exists()
    )


def can_draft_disposal(user, clue) -> bool:
    """承办人 and 部门负责人 of the handling commission draft the 拟办意见."""
    return _has_any(user, DISPOSAL_DRAFT_ROLES) and handles_clue(user, clue)


def can_approve_disposal(user, disposal) -> bool:
    """委领导 of the handling commission approve; talks or letters to a lower-level 一把手
    need the commission's main leader (主要负责人)."""
    if not (
        _has_any(user, DISPOSAL_APPROVE_ROLES) and handles_clue(user, disposal.clue)
    ):
        return False
    return user.is_main_leader or not disposal.needs_main_leader


def can_record_disposal(user, clue) -> bool:
    """承办人 and 部门负责人 of the handling commission record replies, reports and
    outcomes; joint-team members record them for the team's matter."""
    from xietong.clues.models import JointTeamMember

    if _has_any(user, DISPOSAL_DRAFT_ROLES) and handles_clue(user, clue):
        return True
    return JointTeamMember.objects.filter(
        user=user, team__clue=clue, team__is_active=True
    ).exists()


def can_form_team(user, clue) -> bool:
    """委领导, 部门负责人 or 案管 of the handling commission form a joint team."""
    return _has_any(user, TEAM_FORM_ROLES) and handles_clue(user, clue)


def is_team_member(user, team) -> bool:
    return team.is_active and team.members.filter(user=user).exists()


def can_view_outcomes(user, person) -> bool:
    """Sanctions and outcomes on a person's archive: commission staff with the person in
    reach (组织部 learns them through an integrity opinion)."""
    return (
        _has_any(user, CLUE_VIEW_ROLES)
        and not is_admin(user)
        and can_view_person(user, person)
    )


# --- 党风廉政意见回复 ------------------------------------------------------------------------

INTEGRITY_REPLY_ROLES = frozenset({Role.LEADER, Role.CASE_MANAGER})


def can_request_integrity(user) -> bool:
    """A partner liaison (组织部…) asks the commission for integrity opinions."""
    return (
        _has_any(user, {Role.PARTNER_LIAISON})
        and not is_admin(user)
        and user.unit is not None
        and user.unit.kind == UnitKind.PARTNER
    )


def can_reply_integrity(user, batch) -> bool:
    """案管 or 委领导 of the asked commission confirm the reply."""
    return (
        _has_any(user, INTEGRITY_REPLY_ROLES)
        and clue_units(user).filter(pk=batch.commission_id).exists()
    )


def scope_integrity_batches(user, qs: QuerySet) -> QuerySet:
    """Batches a user may see: those their unit asked, or those asked of their commission."""
    if is_admin(user):
        return qs.none()
    q = Q(pk__in=[])
    if can_request_integrity(user):
        q |= Q(requesting_unit_id=user.unit_id)
    if _has_any(user, INTEGRITY_REPLY_ROLES):
        q |= Q(commission__in=clue_units(user).values("pk"))
    return qs.filter(q)


def can_manage_team(user, team) -> bool:
    """A 组长 of the active team, or whoever may form teams on its clue, adds and removes
    members and disbands it."""
    if not team.is_active or is_admin(user):
        return False
    return (
        can_form_team(user, team.clue)
        or team.members.filter(user=user, is_lead=True).exists()
    )


def can_add_clue_attachment(user, clue) -> bool:
    """Staff of the handling commission and members of an active team on the clue attach
    files to it."""
    from xietong.clues.models import JointTeamMember

    if is_admin(user):
        return False
    return handles_clue(user, clue) or (
        JointTeamMember.objects.filter(
            user=user, team__clue=clue, team__is_active=True
        ).exists()
    )


def can_add_petition_attachment(user, petition) -> bool:
    """信访 clerks of the receiving commission attach files to a petition."""
    from xietong.clues.models import Petition

    return can_register_petition(user) and (
        scope_petitions(user, Petition.objects.filter(pk=petition.pk)).exists()
    )


def scope_attachments(user, qs: QuerySet) -> QuerySet:
    """Attachments of the clues and petitions ``user`` may see."""
    from xietong.clues.models import Clue, Petition

    if is_admin(user) or not getattr(user, "is_authenticated", False):
        return qs.none()
    clues = scope_clues(user, Clue.objects.all()).values("pk")
    petitions = scope_petitions(user, Petition.objects.all()).values("pk")
    return qs.filter(Q(clue__in=clues) | Q(petition__in=petitions))


def transfer_receiving_units(user) -> QuerySet:
    """Units for which ``user`` accepts or returns transfers (承办人 only feed back)."""
    if not _has_any(user, TRANSFER_ROLES - {Role.HANDLER}):
        return Unit.objects.none()
    return transfer_units(user)


def transfer_sending_units(user) -> QuerySet:
    """Units on whose behalf ``user`` sends transfers and reminders (催办)."""
    if not _has_any(user, TRANSFER_SEND_ROLES):
        return Unit.objects.none()
    return transfer_units(user)


def sees_integrity_batches(user) -> bool:
    """The 党风廉政意见 list: partner liaisons who ask, 案管 and 委领导 who reply."""
    if is_admin(user):
        return False
    return can_request_integrity(user) or (
        _has_any(user, INTEGRITY_REPLY_ROLES) and clue_units(user).exists()
    )


def can_export_integrity(user, batch) -> bool:
    """The commission exports the reply at any time; the asking unit once confirmed."""
    if can_reply_integrity(user, batch):
        return True
    return (
        batch.is_confirmed
        and can_request_integrity(user)
        and user.unit_id == batch.requesting_unit_id
    )


def scope_approvable_disposals(user, qs: QuerySet) -> QuerySet:
    """Pending opinions ``user`` may decide (as :func:`can_approve_disposal`, as a filter)."""
    if is_admin(user) or not _has_any(user, DISPOSAL_APPROVE_ROLES):
        return qs.none()
    qs = qs.filter(clue__owner_unit__in=clue_units(user).values("pk"))
    return qs if user.is_main_leader else qs.filter(needs_main_leader=False)


def disposal_drafting_units(user) -> QuerySet:
    """Units whose clues ``user`` drafts opinions for (as :func:`can_draft_disposal`)."""
    if not _has_any(user, DISPOSAL_DRAFT_ROLES):
        return Unit.objects.none()
    return clue_units(user)


PETITION_VIEW_ROLES = frozenset({Role.PETITION_CLERK, Role.CASE_MANAGER, Role.LEADER})


def scope_petitions(user, qs: QuerySet) -> QuerySet:
    """Petitions received by the user's own commission (信访、案管、委领导)."""
    if not _has_any(user, PETITION_VIEW_ROLES) or is_admin(user):
        return qs.none()
    root = supervising_root(user.unit)
    if root is None:
        return qs.none()
    return qs.filter(receiving_unit__path__startswith=root.path)


# --- analytics -------------------------------------------------------------------------------
#
# Datasets, model runs and hits belong to the unit whose data they are. Analysts (数据分析员)
# and the 委领导/案管 of that unit's own commission (the commission and its offices, or
# the unit itself outside a commission) see them; analysts alone import data, run models
# and triage hits. Another commission's analysts — even a higher one's — see nothing, and
# the three administrators see none of it.

ANALYTICS_VIEW_ROLES = frozenset({Role.ANALYST, Role.LEADER, Role.CASE_MANAGER})
ANALYTICS_WORK_ROLES = frozenset({Role.ANALYST})


def analytics_units(user, roles=ANALYTICS_VIEW_ROLES) -> QuerySet:
    """Units whose datasets and hits ``user`` may see (with one of ``roles``)."""
    if not _has_any(user, roles) or is_admin(user):
        return Unit.objects.none()
    root = supervising_root(user.unit)
    if root is None:
        return Unit.objects.none()
    return Unit.objects.filter(path__startswith=root.path)


def _in_analytics_units(user, unit: Unit | None, roles) -> bool:
    return unit is not None and analytics_units(user, roles).filter(pk=unit.pk).exists()


def can_import_dataset(user, unit: Unit | None) -> bool:
    """An analyst imports datasets for a unit of their own commission (or their unit)."""
    return _in_analytics_units(user, unit, ANALYTICS_WORK_ROLES)


def can_run_models(user, unit: Unit | None) -> bool:
    """An analyst runs the models over the datasets of a unit of their own commission."""
    return _in_analytics_units(user, unit, ANALYTICS_WORK_ROLES)


def scope_datasets(user, qs: QuerySet) -> QuerySet:
    """Datasets (or, through ``dataset__unit``, versions) ``user`` may see."""
    field = "unit" if qs.model.__name__ == "Dataset" else "dataset__unit"
    return qs.filter(**{f"{field}__in": analytics_units(user).values("pk")})


def scope_model_runs(user, qs: QuerySet) -> QuerySet:
    """Model runs ``user`` may see."""
    return qs.filter(unit__in=analytics_units(user).values("pk"))


def scope_hits(user, qs: QuerySet) -> QuerySet:
    """Hits ``user`` may see: those produced by the data of their commission's units."""
    return qs.filter(unit__in=analytics_units(user).values("pk"))


def can_view_hit(user, hit) -> bool:
    """May ``user`` open this hit?"""
    return _in_analytics_units(user, hit.unit, ANALYTICS_VIEW_ROLES)


def can_triage_hit(user, hit) -> bool:
    """An analyst of the hit's commission dismisses it or turns it into a clue, problem
    or risk."""
    return _in_analytics_units(user, hit.unit, ANALYTICS_WORK_ROLES)


# Custom SQL models (自定义模型) belong to a unit, like the data they read. A private model
# is its creator's alone; a shared one (本单位共享) is seen by everyone who sees that unit's
# analytics (analyst, 委领导, 案管). Editing and deleting: the creator, and — for a shared
# model, which the unit's analysts maintain together — any analyst of the unit. Running:
# whoever sees the model and may run models over the unit's data (an analyst). A creator
# who is no longer an analyst of the unit's commission loses the model with the unit.


def scope_custom_models(user, qs: QuerySet) -> QuerySet:
    """Custom models ``user`` may see: their own and those shared in units they see."""
    units = analytics_units(user).values("pk")
    return qs.filter(unit__in=units).filter(Q(created_by=user) | Q(shared=True))


def can_view_custom_model(user, custom_model) -> bool:
    """May ``user`` open this custom model (its SQL, parameters and runs)?"""
    if custom_model.created_by_id != getattr(user, "pk", None) and not (
        custom_model.shared
    ):
        return False
    return _in_analytics_units(user, custom_model.unit, ANALYTICS_VIEW_ROLES)


def can_create_custom_model(user, unit: Unit | None) -> bool:
    """An analyst writes custom models for a unit of their own commission."""
    return _in_analytics_units(user, unit, ANALYTICS_WORK_ROLES)


def can_edit_custom_model(user, custom_model) -> bool:
    """The creator edits or deletes a model; any analyst of the unit a shared one."""
    if not can_view_custom_model(user, custom_model):
        return False
    return _in_analytics_units(user, custom_model.unit, ANALYTICS_WORK_ROLES)


def can_run_custom_model(user, custom_model) -> bool:
    """Whoever sees the model and may run models over its unit's data runs it."""
    return can_view_custom_model(user, custom_model) and can_run_models(
        user, custom_model.unit
    )
