"""Writes to the organisation registry. Each service validates, writes and audits atomically."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from xietong.access.policies import can_change_person, can_edit_org
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import field_cipher
from xietong.core.errors import NotFound, PermissionDenied, ValidationError
from xietong.core.identifiers import (
    mask_id_number,
    normalize_phone,
    parse_id_number,
    region_level,
    region_parent_code,
    validate_region_code,
    validate_uscc,
)

from .models import (
    CollaborationGroup,
    CollaborationZone,
    ManagementLevel,
    Person,
    PersonStatus,
    Posting,
    Region,
    Relation,
    Relative,
    Unit,
    UnitKind,
)

ID_KIND = "id"
PHONE_KIND = "phone"


def id_lookup_hash(number: str) -> str:
    """Keyed hash of a normalised ID number, for exact look-up without decrypting."""
    return field_cipher().lookup_hash(ID_KIND, number)


def _require_org_editor(actor) -> None:
    if actor is not None and not can_edit_org(actor):
        raise NotFound()


# --- regions and units --------------------------------------------------------------------


@transaction.atomic
def region_create(*, actor, code: str, name: str) -> Region:
    """Register a region; its parent is found from the code and must exist already."""
    _require_org_editor(actor)
    code = validate_region_code(code)
    name = (name or "").strip()
    if not name:
        raise ValidationError("区划名称不能为空。", fields={"name": "必填"})
    if Region.objects.filter(code=code).exists():
        raise ValidationError(f"区划代码 {code} 已存在。", fields={"code": "重复"})
    parent = None
    parent_code = region_parent_code(code)
    if parent_code:
        parent = Region.objects.filter(code=parent_code).first()
        if parent is None:
            raise ValidationError(
                f"区划代码 {code} 的上级区划 {parent_code} 不存在，请先录入上级区划。",
                fields={"code": "上级区划不存在"},
            )
    region = Region(
        code=code,
        name=name,
        level=region_level(code),
        parent=parent,
        path=(parent.path if parent else "") + code + "/",
    )
    region.save()
    audit_record(actor=actor, action=Action.CREATE, obj=region, summary={"代码": code})
    return region


def _unit_path(unit: Unit) -> str:
    return (unit.parent.path if unit.parent_id else "/") + f"{unit.pk}/"


def _clean_unit_fields(*, name, kind, uscc, region, parent, partner_kind) -> dict:
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "单位名称不能为空"
    if kind not in UnitKind.values:
        errors["kind"] = f"单位类别“{kind}”无效"
    code = None
    if uscc:
        try:
            code = validate_uscc(uscc)
        except ValidationError as exc:
            errors["uscc"] = exc.message
    if region is None:
        errors["region"] = "所在区划不存在"
    if kind == UnitKind.PARTNER and not partner_kind:
        partner_kind = "other"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    return {
        "name": name,
        "kind": kind,
        "uscc": code,
        "region": region,
        "parent": parent,
        "partner_kind": partner_kind or "",
    }


@transaction.atomic
def unit_create(
    *,
    actor,
    name: str,
    kind: str,
    region: Region | None,
    parent: Unit | None = None,
    uscc: str | None = None,
    partner_kind: str = "",
    supervised_regions: list[Region] | None = None,
    host_units: list[Unit] | None = None,
    sort_order: int = 0,
) -> Unit:
    """Register a unit; supervising units get their regions or host units."""
    _require_org_editor(actor)
    fields = _clean_unit_fields(
        name=name,
        kind=kind,
        uscc=uscc,
        region=region,
        parent=parent,
        partner_kind=partner_kind,
    )
    if fields["uscc"] and Unit.objects.filter(uscc=fields["uscc"]).exists():
        raise ValidationError(
            f"统一社会信用代码 {fields['uscc']} 已被其他单位使用。",
            fields={"uscc": "重复"},
        )
    unit = Unit(sort_order=sort_order, **fields)
    unit.save()
    unit.path = _unit_path(unit)
    unit.save(update_fields=["path"])
    if supervised_regions:
        unit.supervised_regions.set(supervised_regions)
    if host_units:
        if kind != UnitKind.STATIONED_GROUP:
            raise ValidationError(
                "只有派驻纪检监察组可以设置派驻单位。",
                fields={"host_units": "类别不符"},
            )
        unit.host_units.set(host_units)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=unit,
        summary={"类别": unit.get_kind_display(), "区划": region.code},
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    actor,
    unit: Unit,
    name: str,
    uscc: str | None,
    is_active: bool,
    supervised_regions: list[Region] | None = None,
    host_units: list[Unit] | None = None,
) -> Unit:
    """Change a unit's name, code, state and supervision scope (系统管理员)."""
    _require_org_editor(actor)
    fields = _clean_unit_fields(
        name=name,
        kind=unit.kind,
        uscc=uscc,
        region=unit.region,
        parent=unit.parent,
        partner_kind=unit.partner_kind,
    )
    if (
        fields["uscc"]
        and Unit.objects.filter(uscc=fields["uscc"]).exclude(pk=unit.pk).exists()
    ):
        raise ValidationError(
            f"统一社会信用代码 {fields['uscc']} 已被其他单位使用。",
            fields={"uscc": "重复"},
        )
    if host_units and unit.kind != UnitKind.STATIONED_GROUP:
        raise ValidationError(
            "只有派驻纪检监察组可以设置派驻单位。", fields={"host_units": "类别不符"}
        )
    if host_units and any(h.pk == unit.pk for h in host_units):
        raise ValidationError(
            "派驻单位不能是本单位。", fields={"host_units": "不能包含本单位"}
        )
    diff = {}
    for key, new in (
        ("name", fields["name"]),
        ("uscc", fields["uscc"]),
        ("is_active", is_active),
    ):
        old = getattr(unit, key)
        if old != new:
            diff[Unit._meta.get_field(key).verbose_name] = [
                str(old or ""),
                str(new or ""),
            ]
            setattr(unit, key, new)
    unit.save()
    if supervised_regions is not None:
        old = sorted(unit.supervised_regions.values_list("code", flat=True))
        new = sorted(r.code for r in supervised_regions)
        if old != new:
            unit.supervised_regions.set(supervised_regions)
            diff["监督区域"] = [",".join(old), ",".join(new)]
    if host_units is not None:
        old = sorted(unit.host_units.values_list("pk", flat=True))
        new = sorted(h.pk for h in host_units)
        if old != new:
            unit.host_units.set(host_units)
            diff["派驻单位"] = [",".join(map(str, old)), ",".join(map(str, new))]
    if diff:
        audit_record(actor=actor, action=Action.CHANGE, obj=unit, summary=diff)
    return unit


def _check_zone_units(lead: Unit | None, members: list[Unit], errors: dict) -> None:
    if lead is None:
        errors["lead_unit"] = "牵头单位不存在"
    elif not lead.is_supervising:
        errors["lead_unit"] = f"牵头单位“{lead.name}”不是监督单位"
    if not members:
        errors["members"] = "请至少选择一个成员单位"
    bad = [u.name for u in members if not u.is_supervising]
    if bad:
        errors["members"] = f"成员单位须为监督单位：{'、'.join(bad)}"


@transaction.atomic
def zone_create(
    *,
    actor,
    name: str,
    region: Region | None,
    lead_unit: Unit | None,
    members: list[Unit],
) -> CollaborationZone:
    """Form a 联动协作区 of supervising units (系统管理员)."""
    _require_org_editor(actor)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "协作区名称不能为空"
    elif CollaborationZone.objects.filter(name=name).exists():
        errors["name"] = f"协作区“{name}”已存在"
    if region is None:
        errors["region"] = "区划不存在"
    _check_zone_units(lead_unit, members, errors)
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    zone = CollaborationZone.objects.create(
        name=name, region=region, lead_unit=lead_unit
    )
    zone.members.set({*members, lead_unit})
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=zone,
        summary={"牵头单位": lead_unit.name, "成员": [u.name for u in members]},
    )
    return zone


@transaction.atomic
def group_create(
    *,
    actor,
    zone: CollaborationZone,
    name: str,
    lead_unit: Unit | None,
    members: list[Unit],
) -> CollaborationGroup:
    """Form a 协作组 inside a zone; its units must belong to the zone."""
    _require_org_editor(actor)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "协作组名称不能为空"
    _check_zone_units(lead_unit, members, errors)
    zone_ids = set(zone.members.values_list("pk", flat=True))
    outside = [
        u.name
        for u in [*members, *([lead_unit] if lead_unit else [])]
        if u.pk not in zone_ids
    ]
    if outside and "members" not in errors:
        errors["members"] = f"以下单位不是该协作区成员：{'、'.join(outside)}"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    group = CollaborationGroup.objects.create(zone=zone, name=name, lead_unit=lead_unit)
    group.members.set({*members, lead_unit})
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=group,
        summary={"协作区": zone.name, "组长单位": lead_unit.name},
    )
    return group


# --- persons ------------------------------------------------------------------------------


def _clean_person(
    *, name, id_number, unit, position, management_level, phone
) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    data: dict = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "姓名不能为空"
    elif len(name) > 64:
        errors["name"] = "姓名过长"
    data["name"] = name
    parsed = None
    try:
        parsed = parse_id_number(id_number or "", field="身份证号码")
    except ValidationError as exc:
        errors["id_number"] = exc.message
    data["parsed"] = parsed
    if unit is None:
        errors["unit"] = "所在单位不存在"
    data["unit"] = unit
    if management_level not in ManagementLevel.values:
        errors["management_level"] = f"干部管理权限“{management_level}”无效"
    data["management_level"] = management_level
    data["position"] = (position or "").strip()[:64]
    data["phone"] = ""
    if phone:
        try:
            data["phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.message
    return data, errors


def person_validate(**kwargs) -> dict:
    """Validate person fields without writing; raises ValidationError naming each field."""
    data, errors = _clean_person(**kwargs)
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    return data


@transaction.atomic
def person_create(
    *,
    actor,
    name: str,
    id_number: str,
    unit: Unit | None,
    position: str = "",
    management_level: str = ManagementLevel.OTHER,
    phone: str = "",
    is_party_member: bool = True,
    is_top_leader: bool = False,
    verified: bool = True,
    start_date: dt.date | None = None,
) -> Person:
    """Register a supervised person; the ID number is encrypted and hashed for look-up."""
    if actor is not None and not can_change_person(actor, unit=unit):
        raise (
            NotFound()
            if unit is None
            else PermissionDenied("您无权在该单位登记监督对象。")
        )
    data = person_validate(
        name=name,
        id_number=id_number,
        unit=unit,
        position=position,
        management_level=management_level,
        phone=phone,
    )
    parsed = data["parsed"]
    digest = id_lookup_hash(parsed.number)
    if Person.objects.filter(id_number_hash=digest).exists():
        raise ValidationError(
            "该身份证号码已登记为监督对象，请勿重复登记。", fields={"id_number": "重复"}
        )
    cipher = field_cipher()
    person = Person(
        name=data["name"],
        id_number_enc=cipher.encrypt(parsed.number),
        id_number_hash=digest,
        id_number_masked=mask_id_number(parsed.number),
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        phone_enc=cipher.encrypt(data["phone"]) if data["phone"] else "",
        phone_hash=cipher.lookup_hash(PHONE_KIND, data["phone"])
        if data["phone"]
        else "",
        unit=unit,
        position=data["position"],
        management_level=data["management_level"],
        is_party_member=is_party_member,
        is_top_leader=is_top_leader,
        verified=verified,
    )
    person.save()
    Posting.objects.create(
        person=person,
        unit=unit,
        position=person.position,
        start_date=start_date or dt.date.today(),
    )
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=person,
        summary={
            "单位": unit.name,
            "职务": person.position,
            "干部管理权限": person.get_management_level_display(),
        },
    )
    return person


_TRACKED = (
    "name",
    "position",
    "management_level",
    "is_party_member",
    "is_top_leader",
    "status",
)


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    unit: Unit | None = None,
    effective_date: dt.date | None = None,
    phone: str | None = None,
    **changes,
) -> Person:
    """Change a person's record; a new unit or position closes the old posting."""
    if actor is not None and not can_change_person(actor, person):
        raise NotFound()
    errors: dict[str, str] = {}
    unknown = set(changes) - set(_TRACKED)
    if unknown:
        raise ValidationError(f"不能修改字段：{'、'.join(sorted(unknown))}。")
    if "name" in changes:
        changes["name"] = " ".join((changes["name"] or "").split())
        if not changes["name"]:
            errors["name"] = "姓名不能为空"
    if (
        "management_level" in changes
        and changes["management_level"] not in ManagementLevel.values
    ):
        errors["management_level"] = "干部管理权限无效"
    if "status" in changes and changes["status"] not in PersonStatus.values:
        errors["status"] = "状态无效"
    if (
        unit is not None
        and actor is not None
        and not can_change_person(actor, unit=unit)
    ):
        errors["unit"] = "无权将人员调入该单位"
    new_phone = None
    if phone is not None and phone != "":
        try:
            new_phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.message
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    diff = {}
    for key, value in changes.items():
        old = getattr(person, key)
        if old != value:
            diff[Person._meta.get_field(key).verbose_name] = [str(old), str(value)]
            setattr(person, key, value)
    moved = unit is not None and unit.pk != person.unit_id
    if moved:
        diff["所在单位"] = [person.unit.name, unit.name]
    if moved or "position" in changes and diff.get("职务"):
        when = effective_date or dt.date.today()
        Posting.objects.filter(person=person, end_date__isnull=True).update(
            end_date=when
        )
        if moved:
            person.unit = unit
        Posting.objects.create(
            person=person, unit=person.unit, position=person.position, start_date=when
        )
    if phone is not None:
        cipher = field_cipher()
        person.phone_enc = cipher.encrypt(new_phone) if new_phone else ""
        person.phone_hash = (
            cipher.lookup_hash(PHONE_KIND, new_phone) if new_phone else ""
        )
        diff["手机号码"] = "已更新"
    if not diff:
        return person
    person.save()
    audit_record(actor=actor, action=Action.CHANGE, obj=person, summary=diff)
    return person


@transaction.atomic
def relative_add(
    *,
    actor,
    person: Person,
    relation: str,
    name: str,
    id_number: str = "",
    work_unit: str = "",
) -> Relative:
    """Record a relative; an ID number that belongs to a supervised person links the two."""
    if actor is not None and not can_change_person(actor, person):
        raise NotFound()
    errors = {}
    if relation not in Relation.values:
        errors["relation"] = "亲属关系无效"
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = "亲属姓名不能为空"
    parsed = None
    if id_number:
        try:
            parsed = parse_id_number(id_number, field="亲属身份证号码")
        except ValidationError as exc:
            errors["id_number"] = exc.message
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    rel = Relative(
        person=person, relation=relation, name=name, work_unit=work_unit.strip()
    )
    if parsed:
        rel.id_number_enc = field_cipher().encrypt(parsed.number)
        rel.id_number_hash = id_lookup_hash(parsed.number)
        rel.id_number_masked = mask_id_number(parsed.number)
        rel.linked_person = Person.objects.filter(
            id_number_hash=rel.id_number_hash
        ).first()
    rel.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        obj=rel,
        summary={"关系": rel.get_relation_display(), "监督对象": person.name},
    )
    return rel


@dataclass(frozen=True)
class SensitiveIdentity:
    id_number: str
    phone: str


@transaction.atomic
def person_reveal_identity(*, actor, person: Person) -> SensitiveIdentity:
    """Decrypt ID and phone numbers for a user holding the grant; every view is audited."""
    from xietong.access.policies import can_see_sensitive, can_view_person

    if not can_view_person(actor, person):
        raise NotFound()
    if not can_see_sensitive(actor):
        raise PermissionDenied("查看身份证号码和电话需要“敏感信息”单独授权。")
    cipher = field_cipher()
    number = cipher.decrypt(person.id_number_enc)
    phone = cipher.decrypt(person.phone_enc) if person.phone_enc else ""
    audit_record(
        actor=actor,
        action=Action.VIEW_SENSITIVE,
        obj=person,
        summary={"字段": "身份证号码、手机号码"},
    )
    return SensitiveIdentity(id_number=number, phone=phone)
