"""Writes for petitions and clues: intake, central registration with gapless numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from xietong.access import policies
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import field_cipher
from xietong.core.errors import NotFound, PermissionDenied, ValidationError
from xietong.core.identifiers import normalize_phone, parse_id_number
from xietong.org.models import ManagementLevel, Person, Region, Unit, UnitKind

from ..models import (
    Clue,
    ClueCounter,
    ClueLink,
    ClueSource,
    ClueStatus,
    ClueSubject,
    LinkKind,
    Petition,
    PetitionChannel,
)


@dataclass(frozen=True)
class SubjectInput:
    """A person a clue concerns: a registry person, or a name and unit as reported."""

    person: Person | None = None
    name: str = ""
    unit_name: str = ""


def _short_name(region: Region) -> str:
    name = region.name
    for suffix in (
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "自治区",
        "省",
        "市",
        "区",
        "县",
    ):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def number_prefix(region: Region) -> str:
    """The region part of a clue number: the short name (金水), unless another region shares
    it (安阳市 and 安阳县 are both 安阳): then the full name, and where even that repeats
    (two 鼓楼区 in different cities) the parent's short name before it."""
    short = _short_name(region)
    others = Region.objects.filter(name__startswith=short).exclude(pk=region.pk)
    if not any(_short_name(r) == short for r in others.only("name")):
        return short
    if not others.filter(name=region.name).exists() or region.parent is None:
        return region.name
    return _short_name(region.parent) + region.name


def clue_number(
    commission: Unit, year: int, seq: int, *, prefix: str | None = None
) -> str:
    """The registration number shown on every document, e.g. 金水纪线〔2026〕00012号
    (``prefix``: the commission's :func:`number_prefix`, when already known)."""
    return f"{prefix or number_prefix(commission.region)}纪线〔{year}〕{seq:05d}号"


def _validate_date(value, field: str, label: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError(f"{label}无效。", fields={field: "日期无效"})
    if value > timezone.localdate():
        raise ValidationError(f"{label}不能晚于今天。", fields={field: "日期在未来"})
    return value


# --- competent unit (分级负责、归口办理) -----------------------------------------------------

_LEVEL_ORDER = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
_MANAGED_AT = {
    ManagementLevel.PROVINCE: "province",
    ManagementLevel.CITY: "city",
    ManagementLevel.COUNTY: "county",
    ManagementLevel.TOWNSHIP: "township",
}


def _region_at(region: Region, level: str) -> Region | None:
    node = region
    while node is not None and _LEVEL_ORDER[node.level] > _LEVEL_ORDER[level]:
        node = node.parent
    return node if node is not None and node.level == level else None


def _commission_of(region: Region | None) -> Unit | None:
    if region is None:
        return None
    kind = (
        UnitKind.TOWNSHIP_COMMISSION
        if region.level == "township"
        else UnitKind.COMMISSION
    )
    return (
        Unit.objects.filter(region=region, kind=kind, is_active=True)
        .order_by("id")
        .first()
    )


def _stationed_group_for(unit: Unit) -> Unit | None:
    ancestors = [int(x) for x in unit.path.strip("/").split("/") if x]
    return (
        Unit.objects.filter(
            kind=UnitKind.STATIONED_GROUP, is_active=True, host_units__in=ancestors
        )
        .order_by("id")
        .first()
    )


def competent_unit(person: Person) -> Unit | None:
    """The unit that should handle a clue about ``person``: the commission of the level that
    manages the cadre; for cadres of a 派驻组's host units below that level, the group."""
    unit = person.unit
    managed = _MANAGED_AT.get(person.management_level)
    if managed is None:
        # Cadres without a management level: the lowest commission over their unit.
        managed = (
            "township" if unit.region.level in ("township", "village") else "county"
        )
        if managed == "county" and unit.region.level in ("province", "city"):
            managed = unit.region.level
    commission = _commission_of(_region_at(unit.region, managed))
    group = _stationed_group_for(unit)
    if group is not None and commission is not None:
        group_level = group.region.level
        if _LEVEL_ORDER[group_level] <= _LEVEL_ORDER[managed]:
            return group
    return commission


# --- petitions ------------------------------------------------------------------------------


@transaction.atomic
def petition_register(
    *,
    actor,
    channel: str,
    received_date: dt.date,
    content: str,
    real_name: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_id_number: str = "",
    receiving_unit: Unit | None = None,
) -> Petition:
    """Register a petition; reporter identity is encrypted and never shown without a grant."""
    if actor is not None and not policies.can_register_petition(actor):
        raise NotFound()
    errors: dict[str, str] = {}
    if channel not in PetitionChannel.values:
        errors["channel"] = "举报渠道无效"
    content = (content or "").strip()
    if not content:
        errors["content"] = "举报内容不能为空"
    try:
        _validate_date(received_date, "received_date", "收到日期")
    except ValidationError as exc:
        errors.update(exc.fields)
    phone = number = ""
    if real_name:
        if not (reporter_name or "").strip():
            errors["reporter_name"] = "实名举报须填写举报人姓名"
        if reporter_phone:
            try:
                phone = normalize_phone(reporter_phone, field="举报人电话")
            except ValidationError as exc:
                errors["reporter_phone"] = exc.message
        if reporter_id_number:
            try:
                number = parse_id_number(
                    reporter_id_number, field="举报人身份证号码"
                ).number
            except ValidationError as exc:
                errors["reporter_id_number"] = exc.message
    receiving_unit = actor.unit if actor is not None else receiving_unit
    if receiving_unit is None:
        errors["receiving_unit"] = "受理单位不存在"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    cipher = field_cipher()
    petition = Petition.objects.create(
        receiving_unit=receiving_unit,
        channel=channel,
        real_name=real_name,
        reporter_name_enc=cipher.encrypt(reporter_name.strip()) if real_name else "",
        reporter_phone_enc=cipher.encrypt(phone) if phone else "",
        reporter_id_enc=cipher.encrypt(number) if number else "",
        received_date=received_date,
        content=content,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=petition,
        summary={"渠道": petition.get_channel_display(), "实名": real_name},
    )
    return petition


# --- central registration --------------------------------------------------------------------


def _take_number(commission: Unit, year: int) -> int:
    """Next number of the commission's year, inside the caller's transaction: the counter
    row stays locked until commit, and a rollback gives the number back — no gaps."""
    ClueCounter.objects.get_or_create(commission=commission, year=year)
    counter = ClueCounter.objects.select_for_update().get(
        commission=commission, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def clue_register(
    *,
    actor,
    source: str,
    received_date: dt.date,
    summary: str,
    subjects: list[SubjectInput],
    petition: Petition | None = None,
    owner_unit: Unit | None = None,
    override_reason: str = "",
    registering_unit: Unit | None = None,
) -> Clue:
    """Register a clue centrally (案件监督管理室) with the commission's next number.

    The platform proposes the competent unit from the first registry person; the registrar
    may choose another with a reason. ``actor`` None (a console import) must name the
    ``registering_unit``, a commission's 案件监督管理室.
    """
    if actor is not None:
        if not policies.can_register_clue(actor):
            raise NotFound()
        registering_unit = actor.unit
    elif registering_unit is None or policies.supervising_root(
        registering_unit
    ).kind not in (
        UnitKind.COMMISSION,
        UnitKind.TOWNSHIP_COMMISSION,
    ):
        raise ValidationError(
            "登记部门须为纪委监委的案件监督管理室。",
            fields={"receiving_unit": "登记部门无效"},
        )
    errors: dict[str, str] = {}
    if source not in ClueSource.values:
        errors["source"] = "线索来源无效"
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = "主要问题不能为空"
    try:
        _validate_date(received_date, "received_date", "收到日期")
    except ValidationError as exc:
        errors.update(exc.fields)
    if not subjects:
        errors["subjects"] = "请至少填写一名被反映人"
    for i, s in enumerate(subjects, start=1):
        if s.person is None and not s.name.strip():
            errors[f"subjects.{i}"] = f"第 {i} 名被反映人缺少姓名"
    commission = policies.supervising_root(registering_unit)
    proposed = next(
        (competent_unit(s.person) for s in subjects if s.person is not None), None
    )
    owner = owner_unit or proposed or commission
    if owner_unit is not None and proposed is not None and owner_unit.pk != proposed.pk:
        if not override_reason.strip():
            errors["override_reason"] = (
                f"建议承办单位为{proposed.name}；改由{owner_unit.name}承办须说明理由"
            )
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    year = received_date.year
    seq = _take_number(commission, year)
    clue = Clue.objects.create(
        number=clue_number(commission, year, seq),
        commission=commission,
        year=year,
        seq=seq,
        source=source,
        petition=petition,
        received_date=received_date,
        summary=summary,
        registering_unit=registering_unit,
        owner_unit=owner,
        proposed_unit=proposed,
        override_reason=override_reason.strip(),
        created_by=actor,
    )
    ClueSubject.objects.bulk_create(
        ClueSubject(
            clue=clue,
            person=s.person,
            name=s.person.name if s.person else " ".join(s.name.split()),
            unit_name=s.person.unit.name if s.person else s.unit_name.strip(),
        )
        for s in subjects
    )
    from ..related import store_signatures

    store_signatures(clue)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=clue,
        summary={
            "来源": clue.get_source_display(),
            "承办单位": owner.name,
            "建议承办单位": proposed.name if proposed else "",
            "理由": clue.override_reason,
        },
    )
    return clue


@dataclass(frozen=True)
class ReporterIdentity:
    name: str
    phone: str
    id_number: str


@transaction.atomic
def petition_reveal_reporter(*, actor, petition: Petition) -> ReporterIdentity:
    """Decrypt the reporter's identity for a holder of the grant; every view is audited."""
    from xietong.access.roles import Grant

    if not policies.can_see_sensitive(actor, Grant.REPORTER_IDENTITY):
        raise PermissionDenied("查看举报人身份信息需要单独授权。")
    cipher = field_cipher()

    def dec(token: str) -> str:
        return cipher.decrypt(token) if token else ""

    identity = ReporterIdentity(
        name=dec(petition.reporter_name_enc),
        phone=dec(petition.reporter_phone_enc),
        id_number=dec(petition.reporter_id_enc),
    )
    audit_record(
        actor=actor,
        action=Action.VIEW_SENSITIVE,
        obj=petition,
        summary={"字段": "举报人身份信息"},
    )
    return identity


def find_subject(
    *, id_number: str = "", name: str = "", unit_text: str = ""
) -> SubjectInput:
    """Resolve a reported person: by ID number through the keyed hash (the registry, not the
    registrar's reach: the competent unit may be elsewhere), else by name and unit."""
    from xietong.org.services import id_lookup_hash

    if id_number.strip():
        number = parse_id_number(id_number, field="被反映人身份证号码").number
        person = (
            Person.objects.select_related("unit__region")
            .filter(id_number_hash=id_lookup_hash(number))
            .first()
        )
        if person is not None:
            return SubjectInput(person=person)
        if not name.strip():
            raise ValidationError(
                "该身份证号码不在监督对象库中，请同时填写姓名和单位。",
                fields={"subject_name": "请填写姓名"},
            )
    if name.strip() and unit_text.strip():
        matches = list(
            Person.objects.select_related("unit__region").filter(
                name=" ".join(name.split()), unit__name=unit_text.strip()
            )[:2]
        )
        if len(matches) == 1:
            return SubjectInput(person=matches[0])
    return SubjectInput(name=name, unit_name=unit_text)


@transaction.atomic
def clue_link(*, actor, clue: Clue, other: Clue, kind: str, reason: str) -> ClueLink:
    """Link two clues (关联), or merge ``clue`` into ``other`` (合并): the merged clue keeps
    its own record and history and points to the clue that carries on."""
    from .. import workflow

    if not policies.can_register_clue(actor):
        raise NotFound()
    visible = set(
        policies.scope_clues(
            actor, Clue.objects.filter(pk__in=[clue.pk, other.pk])
        ).values_list("pk", flat=True)
    )
    if clue.pk not in visible or other.pk not in visible:
        raise NotFound()
    if kind == LinkKind.MERGE:
        # A clue already merged cannot be merged again, whatever else is wrong.
        workflow.next_state(clue.status, "merge")
    errors = {}
    if kind not in LinkKind.values:
        errors["kind"] = "方式只能是关联或合并"
    if clue.pk == other.pk:
        errors["other"] = "不能与线索本身关联或合并"
    if not (reason or "").strip():
        errors["reason"] = "请填写理由"
    if ClueLink.objects.filter(from_clue=clue, to_clue=other).exists():
        errors["other"] = f"已与 {other.number} 关联"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    if kind == LinkKind.MERGE:
        if other.status == ClueStatus.MERGED:
            raise ValidationError(
                f"{other.number} 已并入其他线索，请合并到最终线索。",
                fields={"other": "已合并"},
            )
        locked = Clue.objects.select_for_update().get(pk=clue.pk)
        new_state = workflow.next_state(locked.status, "merge")
        Clue.objects.filter(pk=clue.pk).update(status=new_state, merged_into=other)
        audit_record(
            actor=actor,
            action=Action.TRANSITION,
            obj=clue,
            summary={
                "状态": [locked.get_status_display(), "已合并"],
                "并入": other.number,
                "理由": reason.strip(),
            },
        )
    link = ClueLink.objects.create(
        from_clue=clue,
        to_clue=other,
        kind=kind,
        reason=reason.strip()[:255],
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=link,
        summary={"方式": link.get_kind_display(), "理由": link.reason},
    )
    return link
