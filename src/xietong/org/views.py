"""Organisation tree, unit pages, person lists and the person archive (廉政档案)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xietong.access import policies
from xietong.analytics.selectors import run_units as analytics_run_units
from xietong.audit.exports import audited_xlsx_export
from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.errors import NotFound, PermissionDenied, ValidationError
from xietong.core.paging import paginate, query_without_page

from . import selectors, services
from .forms import PersonEditForm, PersonForm, RelativeForm, UnitForm
from .models import CollaborationZone, ManagementLevel, Region, Unit, UnitKind

ARCHIVE_SECTIONS: list = []
"""Later apps append ``(title, template, context_fn(viewer, person))`` to show their records."""


def _form_errors(form) -> dict[str, str]:
    return {
        (form.fields[f].label if f in form.fields else f): "；".join(e)
        for f, e in form.errors.items()
    }


@login_required
def tree(request):
    """Regions from the province down; each opens its units and sub-regions on demand."""
    policies.require(policies.can_browse_org(request.user))
    roots = list(selectors.region_roots())
    own = request.user.unit
    return render(request, "org/tree.html", {"roots": roots, "own_unit": own})


@login_required
def tree_node(request, kind, pk):
    """HTMX fragment: the children of one region or unit."""
    policies.require(policies.can_browse_org(request.user))
    if kind == "region":
        region = Region.objects.filter(pk=pk).first()
        if region is None:
            raise NotFound()
        ctx = {
            "regions": selectors.region_children(region),
            "units": selectors.units_in_region(region),
        }
    elif kind == "unit":
        unit = policies.access_unit_by_id(request.user, pk)
        ctx = {"regions": [], "units": selectors.unit_children(unit)}
    else:
        raise NotFound()
    return render(request, "org/_tree_children.html", ctx)


@login_required
def unit_detail(request, pk):
    unit = policies.access_unit_by_id(request.user, pk)
    reach = policies.person_reach(request.user)
    persons = None
    if not reach.empty:
        persons = selectors.person_list(
            viewer=request.user,
            filters=selectors.PersonFilters(unit_id=unit.pk, include_subunits=False),
        )[:20]
    ctx = {
        "unit": unit,
        "children": unit.children.order_by("sort_order", "id"),
        "supervised_regions": unit.supervised_regions.all(),
        "host_units": unit.host_units.all(),
        "stationed_groups": unit.stationed_groups.all(),
        "zones": unit.zones.all(),
        "persons": persons,
        "can_see_persons": not reach.empty,
        "ancestors": _ancestors(unit),
        "can_edit": policies.can_edit_org(request.user),
        # 一键抓取: analysts run every model over their data, narrowed to this unit.
        "sweep_units": list(analytics_run_units(viewer=request.user)),
    }
    return render(request, "org/unit.html", ctx)


@login_required
def units(request):
    """Unit ledger: filter by kind, region and name; export to .xlsx."""
    policies.require(policies.can_browse_org(request.user))
    kind = request.GET.get("kind", "")
    region = request.GET.get("region", "").strip()[:12]
    q = request.GET.get("q", "").strip()[:64]
    qs = selectors.unit_list(kind=kind, region_code=region, q=q)
    if request.GET.get("export") == "xlsx":
        rows = (
            (
                u.pk,
                u.name,
                u.get_kind_display(),
                u.uscc or "",
                u.region.code,
                u.region.name,
                u.parent.name if u.parent else "",
                "启用" if u.is_active else "停用",
            )
            for u in qs.select_related("parent").iterator(chunk_size=2000)
        )
        return audited_xlsx_export(
            request,
            object_type="org.unit",
            title="单位清单",
            headers=[
                "编号",
                "单位名称",
                "类别",
                "统一社会信用代码",
                "区划代码",
                "区划",
                "上级单位",
                "状态",
            ],
            rows=rows,
        )
    return render(
        request,
        "org/units.html",
        {
            "page": paginate(request, qs),
            "kinds": UnitKind.choices,
            "query": query_without_page(request),
            "can_edit": policies.can_edit_org(request.user),
            "zones": CollaborationZone.objects.select_related("lead_unit", "region")
            .prefetch_related("groups__lead_unit")
            .order_by("id")
            if not request.GET.get("page")
            else [],
        },
    )


def _split(text: str) -> list[str]:
    return [
        p.strip()
        for p in text.replace("，", ",").replace("、", ",").split(",")
        if p.strip()
    ]


def _unit_refs(data) -> tuple[dict, dict]:
    """Resolve the region, parent, supervised regions and host units named in a unit form."""
    errors, refs = {}, {}
    refs["region"] = Region.objects.filter(code=data["region_code"].strip()).first()
    if refs["region"] is None:
        errors["region_code"] = f"区划代码 {data['region_code']} 不存在"
    refs["parent"] = None
    if data.get("parent"):
        refs["parent"] = Unit.objects.filter(pk=data["parent"]).first()
        if refs["parent"] is None:
            errors["parent"] = f"上级单位编号 {data['parent']} 不存在"
    codes = _split(data.get("supervised_regions", ""))
    regions = list(Region.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {r.code for r in regions})
    if missing:
        errors["supervised_regions"] = f"监督区域代码不存在：{'、'.join(missing)}"
    refs["supervised_regions"] = regions
    ids = _split(data.get("host_units", ""))
    bad = [i for i in ids if not i.isdigit()]
    hosts = list(Unit.objects.filter(pk__in=[int(i) for i in ids if i.isdigit()]))
    missing = sorted(set(ids) - {str(h.pk) for h in hosts})
    if bad or missing:
        errors["host_units"] = f"派驻单位编号不存在：{'、'.join(missing)}"
    refs["host_units"] = hosts
    return refs, errors


@login_required
def unit_create(request):
    """Register a unit (系统管理员)."""
    policies.require(policies.can_edit_org(request.user))
    form = UnitForm(
        request.POST or None, initial={"parent": request.GET.get("parent", "")}
    )
    errors = {}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            refs, errors = _unit_refs(data)
            if not errors:
                try:
                    unit = services.unit_create(
                        actor=request.user,
                        name=data["name"],
                        kind=data["kind"],
                        region=refs["region"],
                        parent=refs["parent"],
                        uscc=data["uscc"] or None,
                        partner_kind=data["partner_kind"],
                        supervised_regions=refs["supervised_regions"],
                        host_units=refs["host_units"],
                    )
                except ValidationError as exc:
                    errors = exc.fields or {"表单": exc.message}
                else:
                    messages.success(request, f"已登记单位 {unit.name}")
                    return redirect("org:unit", unit.pk)
        else:
            errors = _form_errors(form)
    return render(
        request,
        "org/unit_form.html",
        {"form": form, "errors": _labelled(form, errors), "creating": True},
    )


@login_required
def unit_edit(request, pk):
    """Change a unit's name, code, state and supervision scope (系统管理员)."""
    policies.require(policies.can_edit_org(request.user))
    unit = policies.access_unit_by_id(request.user, pk)
    initial = {
        "name": unit.name,
        "kind": unit.kind,
        "region_code": unit.region.code,
        "parent": unit.parent_id,
        "uscc": unit.uscc or "",
        "partner_kind": unit.partner_kind,
        "supervised_regions": ",".join(
            unit.supervised_regions.values_list("code", flat=True)
        ),
        "host_units": ",".join(
            str(i) for i in unit.host_units.values_list("pk", flat=True)
        ),
        "is_active": unit.is_active,
    }
    form = UnitForm(request.POST or None, initial=initial)
    for name in ("kind", "region_code", "parent", "partner_kind"):
        form.fields[name].disabled = True
    errors = {}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            refs, errors = _unit_refs(data)
            if not errors:
                try:
                    services.unit_update(
                        actor=request.user,
                        unit=unit,
                        name=data["name"],
                        uscc=data["uscc"] or None,
                        is_active=data["is_active"],
                        supervised_regions=refs["supervised_regions"],
                        host_units=refs["host_units"],
                    )
                except ValidationError as exc:
                    errors = exc.fields or {"表单": exc.message}
                else:
                    messages.success(request, "已保存")
                    return redirect("org:unit", unit.pk)
        else:
            errors = _form_errors(form)
    return render(
        request,
        "org/unit_form.html",
        {
            "form": form,
            "errors": _labelled(form, errors),
            "creating": False,
            "unit": unit,
        },
    )


def _labelled(form, errors: dict) -> dict:
    return {
        (form.fields[k].label if k in form.fields else k): v for k, v in errors.items()
    }


def _ancestors(unit: Unit) -> list[Unit]:
    ids = [int(x) for x in unit.path.strip("/").split("/") if x][:-1]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _filters_from(request) -> selectors.PersonFilters:
    def flag(name):
        v = request.GET.get(name, "")
        return True if v == "1" else False if v == "0" else None

    unit_id = request.GET.get("unit", "")
    return selectors.PersonFilters(
        unit_id=int(unit_id) if unit_id.isdigit() else None,
        include_subunits=request.GET.get("sub", "1") != "0",
        q=request.GET.get("q", "").strip()[:64],
        management_level=request.GET.get("level", ""),
        top_leader=flag("top"),
        verified=flag("verified"),
    )


@login_required
def persons(request):
    """监督对象 list scoped by need to know; filters; .xlsx export of the filtered list."""
    reach = policies.person_reach(request.user)
    policies.require(not reach.empty)
    filters = _filters_from(request)
    qs = selectors.person_list(viewer=request.user, filters=filters)
    if request.GET.get("export") == "xlsx":
        policies.require(policies.can_export_persons(request.user))
        rows = (
            (
                p.name,
                p.get_gender_display(),
                p.birth_date.isoformat(),
                p.unit.name,
                p.position,
                p.get_management_level_display(),
                "是" if p.is_party_member else "否",
                "是" if p.is_top_leader else "否",
                p.get_status_display(),
                "是" if p.verified else "否",
            )
            for p in qs.iterator(chunk_size=2000)
        )
        return audited_xlsx_export(
            request,
            object_type="org.person",
            title="监督对象清单",
            headers=[
                "姓名",
                "性别",
                "出生日期",
                "单位",
                "职务",
                "干部管理权限",
                "中共党员",
                "一把手",
                "状态",
                "已核实",
            ],
            rows=rows,
        )
    page = paginate(request, qs)
    unit = Unit.objects.filter(pk=filters.unit_id).first() if filters.unit_id else None
    return render(
        request,
        "org/persons.html",
        {
            "page": page,
            "filters": filters,
            "filter_unit": unit,
            "levels": ManagementLevel.choices,
            "query": query_without_page(request),
            "can_export": policies.can_export_persons(request.user),
            "can_create": bool(request.user.role_set & policies.PERSON_CHANGE_ROLES),
        },
    )


@login_required
def person_archive(request, pk):
    """廉政档案: the person, unit history and relatives; later apps add sections."""
    person = policies.access_person_by_id(request.user, pk)
    # The archive is a sensitive record: every opening is audited.
    audit_record(actor=request.user, action=Action.VIEW, obj=person)
    sections = [
        {"title": title, "template": template, **fn(request.user, person)}
        for title, template, fn in ARCHIVE_SECTIONS
    ]
    return render(
        request,
        "org/person.html",
        {
            "person": person,
            "postings": person.postings.select_related("unit").order_by("-start_date"),
            "relatives": [
                (
                    r,
                    r.linked_person
                    if r.linked_person
                    and policies.can_view_person(request.user, r.linked_person)
                    else None,
                )
                for r in person.relatives.select_related("linked_person__unit__region")
            ],
            "can_change": policies.can_change_person(request.user, person),
            "can_reveal": policies.can_see_sensitive(request.user),
            "relative_form": RelativeForm(),
            "sections": sections,
        },
    )


@login_required
@require_POST
def person_reveal(request, pk):
    """HTMX: decrypt ID and phone numbers for a user with the grant; audited."""
    person = policies.access_person_by_id(request.user, pk)
    try:
        identity = services.person_reveal_identity(actor=request.user, person=person)
    except PermissionDenied as exc:
        return render(request, "org/_identity.html", {"error": exc.message}, status=403)
    return render(request, "org/_identity.html", {"identity": identity})


@login_required
def person_create(request):
    policies.require(bool(request.user.role_set & policies.PERSON_CHANGE_ROLES))
    form = PersonForm(
        request.POST or None,
        initial={"unit": request.GET.get("unit", "")},
        user=request.user,
    )
    errors = {}
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = data.pop("unit")
            try:
                person = services.person_create(actor=request.user, unit=unit, **data)
            except (ValidationError, PermissionDenied) as exc:
                errors = exc.fields or {"表单": exc.message}
            else:
                messages.success(request, f"已登记监督对象 {person.name}")
                return redirect("org:person", person.pk)
        else:
            errors = _form_errors(form)
    return render(
        request,
        "org/person_form.html",
        {"form": form, "errors": errors, "creating": True},
    )


@login_required
def person_edit(request, pk):
    person = policies.access_person_by_id(request.user, pk, for_change=True)
    initial = {
        "name": person.name,
        "unit": person.unit_id,
        "position": person.position,
        "management_level": person.management_level,
        "status": person.status,
        "is_party_member": person.is_party_member,
        "is_top_leader": person.is_top_leader,
    }
    form = PersonEditForm(request.POST or None, initial=initial, user=request.user)
    errors = {}
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = data.pop("unit")
            if unit is None:
                errors = {"unit": "所在单位不存在"}
            else:
                try:
                    services.person_update(
                        actor=request.user,
                        person=person,
                        unit=unit,
                        effective_date=data.pop("effective_date"),
                        **data,
                    )
                except ValidationError as exc:
                    errors = exc.fields or {"表单": exc.message}
                else:
                    messages.success(request, "已保存")
                    return redirect("org:person", person.pk)
        else:
            errors = _form_errors(form)
    return render(
        request,
        "org/person_form.html",
        {"form": form, "errors": errors, "creating": False, "person": person},
    )


@login_required
@require_POST
def relative_add(request, pk):
    person = policies.access_person_by_id(request.user, pk, for_change=True)
    form = RelativeForm(request.POST)
    if not form.is_valid():
        for label, err in _form_errors(form).items():
            messages.error(request, f"{label}：{err}")
        return redirect("org:person", person.pk)
    try:
        services.relative_add(actor=request.user, person=person, **form.cleaned_data)
        messages.success(request, "已添加亲属")
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect("org:person", person.pk)


IMPORT_LIMIT_BYTES = 20 * 1024 * 1024


@login_required
def import_view(request, kind):
    """Upload a CSV/XLSX of units (系统管理员) or persons (案管、承办人…); check, then write."""
    from . import importers

    if kind == "units":
        policies.require(policies.can_edit_org(request.user))
        func, label = importers.import_units, "单位"
    elif kind == "persons":
        policies.require(bool(request.user.role_set & policies.PERSON_CHANGE_ROLES))
        func, label = importers.import_persons, "监督对象"
    else:
        raise NotFound()
    report = error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要导入的文件（CSV 或 XLSX）。"
        elif upload.size > IMPORT_LIMIT_BYTES:
            error = f"文件过大（上限 {IMPORT_LIMIT_BYTES // 1024 // 1024} MB），请分批导入。"
        else:
            try:
                report = func(
                    upload,
                    filename=upload.name,
                    dry_run=request.POST.get("dry_run") == "1",
                    actor=request.user,
                )
            except importers.ImportFileError as exc:
                error = exc.message
    return render(
        request,
        "org/import.html",
        {"kind": kind, "label": label, "report": report, "error": error},
    )


def _units_from_ids(values: list[str]) -> list[Unit]:
    ids = [int(v) for v in values if str(v).isdigit()]
    return list(Unit.objects.filter(pk__in=ids))


@login_required
def zones(request):
    """联动协作区 and 协作组: every account may look; the 系统管理员 forms new ones."""
    policies.require(policies.can_browse_org(request.user))
    can_edit = policies.can_edit_org(request.user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        policies.require(can_edit)
        post = request.POST
        try:
            if post.get("zone"):
                zone = CollaborationZone.objects.filter(pk=post["zone"]).first()
                if zone is None:
                    raise NotFound()
                services.group_create(
                    actor=request.user,
                    zone=zone,
                    name=post.get("name", ""),
                    lead_unit=Unit.objects.filter(
                        pk=post.get("lead_unit") or 0
                    ).first(),
                    members=_units_from_ids(post.getlist("members")),
                )
                messages.success(request, f"已在“{zone.name}”下建立协作组")
            else:
                services.zone_create(
                    actor=request.user,
                    name=post.get("name", ""),
                    region=Region.objects.filter(
                        code=post.get("region", "").strip()
                    ).first(),
                    lead_unit=Unit.objects.filter(
                        pk=post.get("lead_unit") or 0
                    ).first(),
                    members=_units_from_ids(post.getlist("members")),
                )
                messages.success(request, "已建立联动协作区")
            return redirect("org:zones")
        except ValidationError as exc:
            errors = exc.fields or {"表单": exc.message}
    zone_list = (
        CollaborationZone.objects.select_related("lead_unit", "region")
        .prefetch_related("members", "groups__lead_unit", "groups__members")
        .order_by("region__code", "id")
    )
    supervising = []
    if can_edit:
        from .models import SUPERVISING_KINDS

        supervising = (
            Unit.objects.filter(kind__in=SUPERVISING_KINDS, is_active=True)
            .exclude(
                kind__in=[
                    k
                    for k in SUPERVISING_KINDS
                    if k
                    not in (
                        UnitKind.STATIONED_GROUP,
                        UnitKind.TOWNSHIP_COMMISSION,
                        UnitKind.SUPERVISION_OFFICE,
                        UnitKind.INSPECTION_OFFICE,
                        UnitKind.COMMISSION,
                    )
                ]
            )
            .select_related("region")
            .order_by("region__code", "sort_order", "id")
        )
    labels = {
        "name": "名称",
        "region": "区划代码",
        "lead_unit": "牵头单位",
        "members": "成员单位",
    }
    return render(
        request,
        "org/zones.html",
        {
            "zones": zone_list,
            "can_edit": can_edit,
            "supervising": supervising,
            "errors": {labels.get(k, k): v for k, v in errors.items()},
        },
    )
