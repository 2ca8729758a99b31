"""THE need-to-know matrix: every role × records in and out of reach × every endpoint.

``MATRIX`` lists every page and API operation the project serves, how to call it and which
status each of the 13 roles must get. ``test_every_endpoint_is_in_the_matrix`` walks the URL
resolver and the OpenAPI schema, so an endpoint added without a row here fails the suite.

Accounts sit in 金水区 (county ``a``). Persons of county ``a`` are inside the reach of its
commission and offices; 中原区's (county ``b``) are outside. An out-of-reach record must
answer exactly like a missing one: same status, same body, and never the person's name.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.analytics import matrix_custom as amc  # analytics rows, by sub-domain
from tests.analytics import matrix_datasets as amd
from tests.analytics import matrix_hits as amh
from tests.analytics import matrix_runs as amr
from tests.clues import team_matrix as tm  # joint teams and attachments rows
from tests.clues import test_disposal as dm  # disposal rows
from tests.clues import test_integrity as im  # outcomes and integrity rows
from tests.factories import PASSWORD, account, new_id_number
from xietong.access.policies import (
    PERSON_CHANGE_ROLES,
    PERSON_EXPORT_ROLES,
    PERSON_VIEW_ROLES,
)
from xietong.access.roles import ADMIN_ROLES, Grant, Role
from xietong.access.services import account_create, token_create
from xietong.audit.models import Action, AuditEntry
from xietong.core.crypto import field_cipher
from xietong.org.models import Person

ALL_ROLES = tuple(Role)
VIEW = frozenset(PERSON_VIEW_ROLES)
CHANGE = frozenset(PERSON_CHANGE_ROLES)
EXPORT = frozenset(PERSON_EXPORT_ROLES)
ACCOUNT_ADMINS = frozenset({Role.SYSADMIN, Role.SECADMIN})

ROLE_UNIT = {
    Role.LEADER: "a_commission",
    Role.ANALYST: "a_commission",
    Role.HEAD: "a_supervision_office",
    Role.HANDLER: "a_supervision_office",
    Role.CASE_MANAGER: "a_case_management",
    Role.PETITION_CLERK: "a_petition_office",
    Role.INSPECTION_LEAD: "a_inspection",
    Role.INSPECTOR: "a_inspection",
    Role.PARTNER_LIAISON: "a_procuratorate",
    Role.RECTIFIER: "a_edu",
    Role.SYSADMIN: "a_commission",
    Role.SECADMIN: "a_commission",
    Role.AUDITOR: "a_commission",
}

IN_PERSON, OUT_PERSON = "a_edu_head", "b_edu_head"
IN_UNIT, OUT_UNIT = "a_edu", "b_edu"
A_NAMES = {"张建国", "李秀英", "王磊"}
B_NAMES = {"刘洋"}
MISSING_PK = 987_654_321

# Endpoints deliberately outside the matrix, each with its reason.
EXCLUDED = {
    "api:openapi-json": "OpenAPI schema document (static description, tested in tests/api)",
    "api:openapi-view": "Swagger UI page for the schema (static documentation)",
}


# --- how to call an endpoint -----------------------------------------------------------------


@dataclass
class Missing:
    """Stands for a record that does not exist."""

    pk: int = MISSING_PK
    name: str = "不存在的人"


@dataclass
class Ctx:
    world: object
    user: object
    role: str
    scope: str | None
    other: object = (
        None  # an account in county a, which county a's administrators manage
    )
    foreign: object = None  # an account in county b, outside their reach


@dataclass
class Endpoint:
    name: str  # URL name under the project resolver
    method: str  # get / post / patch
    expect: Callable[[str, str | None], int]
    url: Callable[[Ctx, object], str] | None = None
    data: Callable[[Ctx, object], dict] | None = None
    json_body: bool = False
    target: str | None = None  # "person" / "unit" when called in and out of reach
    grant: bool | str = False  # True: SENSITIVE_IDENTITY; or the Grant to give
    export: bool = False  # an .xlsx export: audited with EXPORT
    openapi: tuple[str, str] | None = None  # (method, path) in the OpenAPI schema
    check: Callable | None = None  # extra assertions on an allowed answer
    anonymous: int | None = None  # status without login; None: login redirect / 401
    scopes: tuple = field(default=(None,))

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    def __post_init__(self):
        if self.target and self.scopes == (None,):
            self.scopes = ("in", "out")


def check_zone_created(ctx, resp):
    from xietong.org.models import CollaborationZone

    zone = CollaborationZone.objects.get(name="矩阵测试协作区")
    assert zone.members.count() == 3


def _url(name, *args, query=""):
    return lambda ctx, t: reverse(name, args=[a(ctx, t) for a in args]) + query


def pk_of(ctx, t):
    return t.pk


def region_pk(ctx, t):
    return ctx.world.regions["a"].pk


def unit_a(ctx, t):
    return ctx.world.units["a_edu"].pk


# --- expectations -------------------------------------------------------------------------


def everyone(status=200):
    return lambda role, scope: status


def only(roles, ok=200, no=404):
    return lambda role, scope: ok if role in roles else no


def in_reach(roles, ok=200):
    """``ok`` for ``roles`` on a record in reach; 404 otherwise (out of reach or no right)."""
    return lambda role, scope: ok if role in roles and scope == "in" else 404


CLUE_ROLES = {Role.LEADER, Role.HEAD, Role.HANDLER, Role.CASE_MANAGER}
# Partner liaisons keep a ledger of the clues transferred to their unit.
LEDGER_ROLES = CLUE_ROLES | {Role.PARTNER_LIAISON}
PETITION_ROLES = {Role.PETITION_CLERK, Role.CASE_MANAGER, Role.LEADER}


def person_scoped(ok_roles, ok=200, denied_roles=frozenset(), denied=403):
    """In reach: ``ok`` for ``ok_roles``, ``denied`` for those who may only look; else 404."""

    def expect(role, scope):
        if scope != "in":
            return 404
        if role in ok_roles:
            return ok
        if role in denied_roles:
            return denied
        return 404

    return expect


scoped = person_scoped  # the same rule for any record with a reach


def api_create_expect(role, scope):
    # Units are reference data every account may browse, so a unit outside one's reach is
    # refused (403) rather than hidden; nothing about any person is revealed.
    return 201 if scope == "in" and role in CHANGE else 403


# --- extra checks on allowed answers ------------------------------------------------------


def _text(resp) -> str:
    return resp.content.decode("utf-8", errors="replace")


def _xlsx_cells(resp) -> set[str]:
    assert resp["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ), resp["Content-Type"]
    wb = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    return {
        str(c)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c
    }


def check_person_list_page(ctx, resp):
    text = _text(resp)
    assert all(n in text for n in A_NAMES)
    assert not any(n in text for n in B_NAMES)


def check_person_export(ctx, resp):
    cells = _xlsx_cells(resp)
    assert A_NAMES <= cells
    assert not (B_NAMES & cells)


def check_api_person_list(ctx, resp):
    names = {p["name"] for p in resp.json()["items"]}
    assert names == A_NAMES


def check_unit_page(ctx, resp):
    text = _text(resp)
    assert not any(n in text for n in B_NAMES)
    if ctx.scope == "in" and ctx.role in VIEW:
        assert "张建国" in text
    else:
        assert "张建国" not in text


def check_person_page(ctx, resp):
    assert ctx.world.persons[IN_PERSON].name in _text(resp)


def _id_number(person) -> str:
    return field_cipher().decrypt(person.id_number_enc)


def check_reveal(ctx, resp):
    person = ctx.world.persons[IN_PERSON]
    assert _id_number(person) in _text(resp)
    assert AuditEntry.objects.filter(
        action=Action.VIEW_SENSITIVE, actor_id=ctx.user.pk, object_id=str(person.pk)
    ).exists()


def check_api_identity(ctx, resp):
    person = ctx.world.persons[IN_PERSON]
    assert resp.json()["id_number"] == _id_number(person)
    assert resp.json()["phone"] == "13800138000"
    assert AuditEntry.objects.filter(
        action=Action.VIEW_SENSITIVE, actor_id=ctx.user.pk
    ).exists()


def check_accounts_export(ctx, resp):
    cells = _xlsx_cells(resp)
    assert {ctx.user.username, ctx.other.username} <= cells
    assert ctx.foreign.username not in cells


def check_audit_export(ctx, resp):
    cells = _xlsx_cells(resp)
    assert "登录" in cells or "新增" in cells


def check_unit_export(ctx, resp):
    assert "金水区教育局" in _xlsx_cells(resp)


def check_api_me(ctx, resp):
    assert resp.json()["roles"] == [str(ctx.role)]


def check_relative_added(ctx, resp):
    assert ctx.world.persons[IN_PERSON].relatives.filter(name="赵敏").exists()


def check_person_created(ctx, resp):
    assert Person.objects.filter(
        name="新登记人员", unit=ctx.world.units[IN_UNIT]
    ).exists()


def check_person_patched(ctx, resp):
    assert resp.json()["position"] == "副局长"


def check_lookup(ctx, resp):
    assert resp.json()["name"] == ctx.world.persons[IN_PERSON].name


def check_role_added(ctx, resp):
    ctx.other.forget_cached_access()
    assert Role.HANDLER in ctx.other.role_set
    ctx.foreign.forget_cached_access()
    assert not ctx.foreign.role_set


def check_account_created(ctx, resp):
    from xietong.access.models import User

    assert User.objects.filter(username="matrix_new").exists()


def check_day_set(ctx, resp):
    from xietong.workdays.models import CalendarDay

    assert CalendarDay.objects.filter(day="2026-03-02", kind="holiday").exists()


def check_verify(ctx, resp):
    assert "审计日志" in _text(resp)


def check_api_entries(ctx, resp):
    assert resp.json()["count"] > 0


def check_api_verify(ctx, resp):
    assert set(resp.json()) == {"ok", "checked", "first_bad_seq", "message"}


# --- request bodies ---------------------------------------------------------------------------


def lookup_body(ctx, t):
    number = new_id_number("410105") if isinstance(t, Missing) else _id_number(t)
    return {"id_number": number}


def api_person_body(ctx, t):
    return {
        "name": "新登记人员",
        "id_number": new_id_number("410105"),
        "unit_id": t.pk,
        "position": "科员",
        "management_level": "other",
    }


MATRIX: dict[str, Endpoint] = {
    # --- pages ------------------------------------------------------------------------------
    "dashboard:home": Endpoint(
        "dashboard:home", "get", everyone(), _url("dashboard:home")
    ),
    "access:login": Endpoint(
        "access:login", "get", everyone(), _url("access:login"), anonymous=200
    ),
    "access:logout": Endpoint(
        "access:logout", "post", everyone(302), _url("access:logout"), anonymous=302
    ),
    "access:profile": Endpoint(
        "access:profile", "get", everyone(), _url("access:profile")
    ),
    "access:accounts": Endpoint(
        "access:accounts", "get", only(ACCOUNT_ADMINS), _url("access:accounts")
    ),
    "access:accounts?export=xlsx": Endpoint(
        "access:accounts",
        "get",
        only(ACCOUNT_ADMINS),
        _url("access:accounts", query="?export=xlsx"),
        export=True,
        check=check_accounts_export,
    ),
    "access:account_create": Endpoint(
        "access:account_create",
        "post",
        only({Role.SYSADMIN}, ok=302),
        _url("access:account_create"),
        data=lambda ctx, t: {
            "username": "matrix_new",
            "full_name": "新账号",
            "unit": ctx.world.units["a_commission"].pk,
            "password": PASSWORD,
        },
        check=check_account_created,
    ),
    "access:account": Endpoint(
        "access:account",
        "get",
        scoped(ACCOUNT_ADMINS),
        _url("access:account", pk_of),
        target="account",
    ),
    "access:account_action[unlock]": Endpoint(
        "access:account_action",
        "post",
        scoped({Role.SYSADMIN}, ok=302),
        lambda ctx, t: reverse("access:account_action", args=[t.pk, "unlock"]),
        target="account",
    ),
    "access:account_action[main-leader-off]": Endpoint(
        "access:account_action",
        "post",
        scoped({Role.SECADMIN}, ok=302),
        lambda ctx, t: reverse("access:account_action", args=[t.pk, "main-leader-off"]),
        target="account",
    ),
    "access:account_action[role-add]": Endpoint(
        "access:account_action",
        "post",
        scoped({Role.SECADMIN}, ok=302),
        lambda ctx, t: reverse("access:account_action", args=[t.pk, "role-add"]),
        target="account",
        data=lambda ctx, t: {"role": Role.HANDLER},
        check=check_role_added,
    ),
    "org:tree": Endpoint("org:tree", "get", everyone(), _url("org:tree")),
    "org:tree_node": Endpoint(
        "org:tree_node",
        "get",
        everyone(),
        lambda ctx, t: reverse(
            "org:tree_node", args=["region", ctx.world.regions["a"].pk]
        ),
    ),
    "org:units": Endpoint("org:units", "get", everyone(), _url("org:units")),
    "org:units?export=xlsx": Endpoint(
        "org:units",
        "get",
        everyone(),
        _url("org:units", query="?export=xlsx"),
        export=True,
        check=check_unit_export,
    ),
    "org:unit_create": Endpoint(
        "org:unit_create", "get", only({Role.SYSADMIN}), _url("org:unit_create")
    ),
    "org:zones": Endpoint("org:zones", "get", everyone(), _url("org:zones")),
    "clues:ledger": Endpoint(
        "clues:ledger", "get", only(LEDGER_ROLES), _url("clues:ledger")
    ),
    "clues:ledger?export=xlsx": Endpoint(
        "clues:ledger",
        "get",
        only(LEDGER_ROLES),
        _url("clues:ledger", query="?export=xlsx"),
        export=True,
    ),
    "clues:register": Endpoint(
        "clues:register", "get", only({Role.CASE_MANAGER}), _url("clues:register")
    ),
    "clues:detail": Endpoint(
        "clues:detail",
        "get",
        in_reach(CLUE_ROLES),
        _url("clues:detail", pk_of),
        target="clue",
    ),
    "clues:link": Endpoint(
        "clues:link",
        "post",
        in_reach({Role.CASE_MANAGER}, ok=302),
        _url("clues:link", pk_of),
        target="clue",
        data=lambda ctx, t: {"kind": "link", "other": "无此编号", "reason": "矩阵"},
    ),
    "clues:petition_new": Endpoint(
        "clues:petition_new",
        "get",
        only({Role.PETITION_CLERK}),
        _url("clues:petition_new"),
    ),
    "clues:petition": Endpoint(
        "clues:petition",
        "get",
        in_reach(PETITION_ROLES),
        _url("clues:petition", pk_of),
        target="petition",
    ),
    "clues:petition_reveal": Endpoint(
        "clues:petition_reveal",
        "post",
        in_reach(PETITION_ROLES),
        _url("clues:petition_reveal", pk_of),
        target="petition",
        grant=Grant.REPORTER_IDENTITY,
    ),
    "org:zones[post]": Endpoint(
        "org:zones",
        "post",
        only({Role.SYSADMIN}, ok=302),
        _url("org:zones"),
        data=lambda ctx, t: {
            "name": "矩阵测试协作区",
            "region": "410105",
            "lead_unit": ctx.world.units["a_supervision_office"].pk,
            "members": [
                ctx.world.units["a_group"].pk,
                ctx.world.units["a_town_commission"].pk,
            ],
        },
        check=check_zone_created,
    ),
    "org:unit": Endpoint(
        "org:unit",
        "get",
        everyone(),
        _url("org:unit", pk_of),
        target="unit",
        check=check_unit_page,
    ),
    "org:unit_edit": Endpoint(
        "org:unit_edit",
        "get",
        only({Role.SYSADMIN}),
        _url("org:unit_edit", pk_of),
        target="unit",
    ),
    "org:import[units]": Endpoint(
        "org:import",
        "get",
        only({Role.SYSADMIN}),
        lambda ctx, t: reverse("org:import", args=["units"]),
    ),
    "org:import[persons]": Endpoint(
        "org:import",
        "get",
        only(CHANGE),
        lambda ctx, t: reverse("org:import", args=["persons"]),
    ),
    "org:import[persons]:post": Endpoint(
        "org:import",
        "post",
        only(CHANGE),
        lambda ctx, t: reverse("org:import", args=["persons"]),
        data=lambda ctx, t: {
            "file": _upload(
                f"姓名,身份证号码,单位\n导入人员,{new_id_number('410105')},{t.name}\n",
                "persons.csv",
            )
        },
        target="unit",
        check=lambda ctx, resp: check_person_import(ctx, resp),
    ),
    "org:persons": Endpoint(
        "org:persons",
        "get",
        only(VIEW),
        _url("org:persons"),
        check=check_person_list_page,
    ),
    "org:persons?export=xlsx": Endpoint(
        "org:persons",
        "get",
        only(EXPORT),
        _url("org:persons", query="?export=xlsx"),
        export=True,
        check=check_person_export,
    ),
    "org:person_create": Endpoint(
        "org:person_create", "get", only(CHANGE), _url("org:person_create")
    ),
    "org:person": Endpoint(
        "org:person",
        "get",
        person_scoped(VIEW),
        _url("org:person", pk_of),
        target="person",
        check=check_person_page,
    ),
    "org:person_edit": Endpoint(
        "org:person_edit",
        "get",
        person_scoped(CHANGE, denied_roles=VIEW - CHANGE),
        _url("org:person_edit", pk_of),
        target="person",
    ),
    "org:person_reveal": Endpoint(
        "org:person_reveal",
        "post",
        person_scoped(frozenset(), denied_roles=VIEW),
        _url("org:person_reveal", pk_of),
        target="person",
    ),
    "org:person_reveal[granted]": Endpoint(
        "org:person_reveal",
        "post",
        person_scoped(VIEW),
        _url("org:person_reveal", pk_of),
        target="person",
        grant=True,
        check=check_reveal,
    ),
    "org:relative_add": Endpoint(
        "org:relative_add",
        "post",
        person_scoped(CHANGE, ok=302, denied_roles=VIEW - CHANGE),
        _url("org:relative_add", pk_of),
        target="person",
        data=lambda ctx, t: {"relation": "spouse", "name": "赵敏"},
        check=check_relative_added,
    ),
    "audit:log": Endpoint("audit:log", "get", only({Role.AUDITOR}), _url("audit:log")),
    "audit:log?export=xlsx": Endpoint(
        "audit:log",
        "get",
        only({Role.AUDITOR}),
        _url("audit:log", query="?export=xlsx"),
        export=True,
        check=check_audit_export,
    ),
    "audit:verify": Endpoint(
        "audit:verify",
        "post",
        only({Role.AUDITOR}),
        _url("audit:verify"),
        check=check_verify,
    ),
    "workdays:calendar": Endpoint(
        "workdays:calendar", "get", everyone(), _url("workdays:calendar")
    ),
    "workdays:day": Endpoint(
        "workdays:day",
        "post",
        only({Role.SYSADMIN}, ok=302),
        _url("workdays:day"),
        data=lambda ctx, t: {
            "day": "2026-03-02",
            "kind": "holiday",
            "name": "测试假日",
        },
        check=check_day_set,
    ),
    "workdays:import": Endpoint(
        "workdays:import",
        "post",
        only({Role.SYSADMIN}, ok=302),
        _url("workdays:import"),
        data=lambda ctx, t: {
            "file": _upload("date,kind,name\n2027-01-01,holiday,元旦\n")
        },
    ),
    # --- API --------------------------------------------------------------------------------
    "api:api-root": Endpoint(
        "api:api-root", "get", everyone(404), lambda ctx, t: "/api/", anonymous=404
    ),
    "api:me": Endpoint(
        "api:me",
        "get",
        everyone(),
        lambda ctx, t: "/api/me",
        openapi=("get", "/api/me"),
        check=check_api_me,
    ),
    "api:regions": Endpoint(
        "api:regions",
        "get",
        everyone(),
        lambda ctx, t: "/api/regions?parent=410100",
        openapi=("get", "/api/regions"),
    ),
    "api:units": Endpoint(
        "api:units",
        "get",
        everyone(),
        lambda ctx, t: "/api/units?region=410105",
        openapi=("get", "/api/units"),
    ),
    "api:unit": Endpoint(
        "api:unit",
        "get",
        everyone(),
        lambda ctx, t: f"/api/units/{t.pk}",
        target="unit",
        openapi=("get", "/api/units/{unit_id}"),
    ),
    "api:persons": Endpoint(
        "api:persons",
        "get",
        only(VIEW),
        lambda ctx, t: "/api/persons",
        openapi=("get", "/api/persons"),
        check=check_api_person_list,
    ),
    "api:person_create": Endpoint(
        "api:person_create",
        "post",
        api_create_expect,
        lambda ctx, t: "/api/persons",
        data=api_person_body,
        json_body=True,
        target="unit",
        openapi=("post", "/api/persons"),
        check=check_person_created,
    ),
    "api:clue_create": Endpoint(
        "api:clue_create",
        "post",
        only({Role.CASE_MANAGER}, ok=201),
        lambda ctx, t: "/api/clues",
        data=lambda ctx, t: {
            "source": "petition",
            "received_date": "2026-03-02",
            "summary": "矩阵测试：违规收受礼金",
            "subjects": [{"name": "赵某", "unit": "某单位"}],
        },
        json_body=True,
        openapi=("post", "/api/clues"),
    ),
    "api:petition_create": Endpoint(
        "api:petition_create",
        "post",
        only({Role.PETITION_CLERK}, ok=201),
        lambda ctx, t: "/api/petitions",
        data=lambda ctx, t: {
            "channel": "letter",
            "received_date": "2026-03-01",
            "content": "矩阵测试举报信",
        },
        json_body=True,
        openapi=("post", "/api/petitions"),
    ),
    # -- matrix: transfers --
    "clues:transfers": Endpoint(
        "clues:transfers", "get", only(LEDGER_ROLES), _url("clues:transfers")
    ),
    "clues:transfers?export=xlsx": Endpoint(
        "clues:transfers",
        "get",
        only(LEDGER_ROLES),
        _url("clues:transfers", query="?tab=out&export=xlsx"),
        export=True,
    ),
    "clues:transfer_send": Endpoint(
        "clues:transfer_send",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER},
            ok=302,
            denied_roles={Role.HANDLER},
        ),
        _url("clues:transfer_send", pk_of),
        target="clue",
        data=lambda ctx, t: {
            "to_unit": ctx.world.units["a_town_commission"].pk,
            "kind": "transfer",
            "reason": "矩阵测试",
            "feedback_workdays": "1",
        },
        check=lambda ctx, resp: _transfer_made(ctx),
    ),
    "clues:transfer_accept": Endpoint(
        "clues:transfer_accept",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER},
            ok=302,
            denied_roles={Role.HANDLER},
        ),
        _url("clues:transfer_accept", pk_of),
        target="transfer",
        check=lambda ctx, resp: _transfer_now(ctx, "accepted"),
    ),
    "clues:transfer_accept[partner]": Endpoint(
        "clues:transfer_accept",
        "post",
        scoped({Role.PARTNER_LIAISON}, ok=302, denied_roles=CLUE_ROLES),
        _url("clues:transfer_accept", pk_of),
        target="transfer_partner",
        check=lambda ctx, resp: _transfer_now(ctx, "accepted"),
    ),
    "clues:transfer_return": Endpoint(
        "clues:transfer_return",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER},
            ok=302,
            denied_roles={Role.HANDLER},
        ),
        _url("clues:transfer_return", pk_of),
        target="transfer",
        data=lambda ctx, t: {"reason": "矩阵测试：不属本级管辖"},
        check=lambda ctx, resp: _transfer_now(ctx, "returned"),
    ),
    "clues:transfer_note": Endpoint(
        "clues:transfer_note",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER},
            ok=302,
            denied_roles={Role.HANDLER, Role.PARTNER_LIAISON},
        ),
        _url("clues:transfer_note", pk_of),
        target="transfer_partner",
        data=lambda ctx, t: {"kind": "reminder", "content": "请按期反馈"},
        check=lambda ctx, resp: _transfer_noted(ctx),
    ),
    "api:transfers": Endpoint(
        "api:transfers",
        "get",
        only(LEDGER_ROLES),
        lambda ctx, t: "/api/transfers?direction=in&overdue=false",
        openapi=("get", "/api/transfers"),
    ),
    "api:transfer_create": Endpoint(
        "api:transfer_create",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER},
            ok=201,
            denied_roles={Role.HANDLER},
        ),
        lambda ctx, t: f"/api/clues/{t.pk}/transfers",
        data=lambda ctx, t: {
            "to_unit_id": ctx.world.units["a_town_commission"].pk,
            "kind": "refer",
            "reason": "矩阵测试",
            "feedback_workdays": 1,
        },
        json_body=True,
        target="clue",
        openapi=("post", "/api/clues/{clue_id}/transfers"),
        check=lambda ctx, resp: _transfer_made(ctx),
    ),
    "api:transfer_accept": Endpoint(
        "api:transfer_accept",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER}, denied_roles={Role.HANDLER}
        ),
        lambda ctx, t: f"/api/transfers/{t.pk}/accept",
        target="transfer",
        openapi=("post", "/api/transfers/{transfer_id}/accept"),
        check=lambda ctx, resp: _transfer_now(ctx, "accepted"),
    ),
    "api:transfer_return": Endpoint(
        "api:transfer_return",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER}, denied_roles={Role.HANDLER}
        ),
        lambda ctx, t: f"/api/transfers/{t.pk}/return",
        data=lambda ctx, t: {"reason": "矩阵测试：不属本级管辖"},
        json_body=True,
        target="transfer",
        openapi=("post", "/api/transfers/{transfer_id}/return"),
        check=lambda ctx, resp: _transfer_now(ctx, "returned"),
    ),
    "api:transfer_note_create": Endpoint(
        "api:transfer_note_create",
        "post",
        scoped(
            {Role.LEADER, Role.HEAD, Role.CASE_MANAGER},
            ok=201,
            denied_roles={Role.HANDLER, Role.PARTNER_LIAISON},
        ),
        lambda ctx, t: f"/api/transfers/{t.pk}/notes",
        data=lambda ctx, t: {"kind": "reminder", "content": "请按期反馈"},
        json_body=True,
        target="transfer_partner",
        openapi=("post", "/api/transfers/{transfer_id}/notes"),
        check=lambda ctx, resp: _transfer_noted(ctx),
    ),
    # -- matrix: disposal --
    "clues:disposal_propose": Endpoint(
        "clues:disposal_propose",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        _url("clues:disposal_propose", pk_of),
        target="clue",
        data=lambda ctx, t: {"method": "verification", "opinion": "矩阵测试"},
        check=dm.matrix_check("proposed"),
    ),
    "clues:disposal_approve": Endpoint(
        "clues:disposal_approve",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        _url("clues:disposal_approve", pk_of),
        target="disposal",
        data=lambda ctx, t: {"comment": "同意"},
        check=dm.matrix_check("approved"),
    ),
    "clues:disposal_reject": Endpoint(
        "clues:disposal_reject",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        _url("clues:disposal_reject", pk_of),
        target="disposal",
        data=lambda ctx, t: {"comment": "事实不清"},
        check=dm.matrix_check("rejected"),
    ),
    "clues:inquiry_reply": Endpoint(
        "clues:inquiry_reply",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        lambda ctx, t: reverse("clues:inquiry_reply", args=[t.clue_id]),
        target="disposal_inquiry",
        data=lambda ctx, t: {"reply_text": "矩阵回复", "reply_date": "2026-03-03"},
        check=dm.matrix_check("replied"),
    ),
    "clues:verification_report": Endpoint(
        "clues:verification_report",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        lambda ctx, t: reverse("clues:verification_report", args=[t.clue_id]),
        target="disposal_verification",
        data=lambda ctx, t: {"report_text": "矩阵报告", "report_date": "2026-03-03"},
        check=dm.matrix_check("reported"),
    ),
    "clues:clue_conclude": Endpoint(
        "clues:clue_conclude",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        lambda ctx, t: reverse("clues:clue_conclude", args=[t.clue_id]),
        target="disposal_replied",
        data=lambda ctx, t: {"conclusion": "矩阵办结"},
        check=dm.matrix_check("concluded"),
    ),
    "api:clue_disposal_list": Endpoint(
        "api:clue_disposal_list",
        "get",
        in_reach(CLUE_ROLES),
        lambda ctx, t: f"/api/clues/{t.pk}/disposals",
        target="clue",
        openapi=("get", "/api/clues/{clue_id}/disposals"),
    ),
    "api:clue_disposal_create": Endpoint(
        "api:clue_disposal_create",
        "post",
        scoped(dm.DRAFTERS, ok=201, denied_roles=CLUE_ROLES - dm.DRAFTERS),
        lambda ctx, t: f"/api/clues/{t.pk}/disposals",
        target="clue",
        data=lambda ctx, t: {"method": "verification", "opinion": "矩阵测试"},
        json_body=True,
        openapi=("post", "/api/clues/{clue_id}/disposals"),
        check=dm.matrix_check("proposed"),
    ),
    "api:disposal_approve": Endpoint(
        "api:disposal_approve",
        "post",
        scoped({Role.LEADER}, denied_roles=CLUE_ROLES - {Role.LEADER}),
        lambda ctx, t: f"/api/disposals/{t.pk}/approve",
        target="disposal",
        data=lambda ctx, t: {"comment": "同意"},
        json_body=True,
        openapi=("post", "/api/disposals/{disposal_id}/approve"),
        check=dm.matrix_check("approved"),
    ),
    "api:disposal_reject": Endpoint(
        "api:disposal_reject",
        "post",
        scoped({Role.LEADER}, denied_roles=CLUE_ROLES - {Role.LEADER}),
        lambda ctx, t: f"/api/disposals/{t.pk}/reject",
        target="disposal",
        data=lambda ctx, t: {"comment": "事实不清"},
        json_body=True,
        openapi=("post", "/api/disposals/{disposal_id}/reject"),
        check=dm.matrix_check("rejected"),
    ),
    "api:clue_reply": Endpoint(
        "api:clue_reply",
        "post",
        scoped(dm.DRAFTERS, denied_roles=CLUE_ROLES - dm.DRAFTERS),
        lambda ctx, t: f"/api/clues/{t.clue_id}/reply",
        target="disposal_inquiry",
        data=lambda ctx, t: {"reply_text": "矩阵回复", "reply_date": "2026-03-03"},
        json_body=True,
        openapi=("post", "/api/clues/{clue_id}/reply"),
        check=dm.matrix_check("replied"),
    ),
    "api:clue_report": Endpoint(
        "api:clue_report",
        "post",
        scoped(dm.DRAFTERS, denied_roles=CLUE_ROLES - dm.DRAFTERS),
        lambda ctx, t: f"/api/clues/{t.clue_id}/report",
        target="disposal_verification",
        data=lambda ctx, t: {"report_text": "矩阵报告", "report_date": "2026-03-03"},
        json_body=True,
        openapi=("post", "/api/clues/{clue_id}/report"),
        check=dm.matrix_check("reported"),
    ),
    "api:clue_conclude": Endpoint(
        "api:clue_conclude",
        "post",
        scoped(dm.DRAFTERS, denied_roles=CLUE_ROLES - dm.DRAFTERS),
        lambda ctx, t: f"/api/clues/{t.clue_id}/conclude",
        target="disposal_replied",
        data=lambda ctx, t: {"conclusion": "矩阵办结"},
        json_body=True,
        openapi=("post", "/api/clues/{clue_id}/conclude"),
        check=dm.matrix_check("concluded"),
    ),
    # -- matrix: teams --
    "clues:team": Endpoint(
        "clues:team",
        "get",
        in_reach(CLUE_ROLES),
        _url("clues:team", pk_of),
        target="team",
        check=tm.check_team_page,
    ),
    "clues:team[member]": Endpoint(
        "clues:team",
        "get",
        in_reach(tm.SEAT_ROLES),
        _url("clues:team", pk_of),
        target="team_seat",
        check=tm.check_team_page,
    ),
    "clues:team_create": Endpoint(
        "clues:team_create",
        "post",
        scoped(
            tm.TEAM_FORM_ROLES, ok=302, denied_roles=CLUE_ROLES - tm.TEAM_FORM_ROLES
        ),
        _url("clues:team_create", pk_of),
        target="clue",
        data=tm.team_form_body,
        check=tm.check_team_formed,
    ),
    "clues:team_member_add": Endpoint(
        "clues:team_member_add",
        "post",
        scoped(
            tm.TEAM_FORM_ROLES, ok=302, denied_roles=CLUE_ROLES - tm.TEAM_FORM_ROLES
        ),
        _url("clues:team_member_add", pk_of),
        target="team",
        data=tm.member_add_body,
        check=tm.check_member_added,
    ),
    "clues:team_member_remove": Endpoint(
        "clues:team_member_remove",
        "post",
        scoped(
            tm.TEAM_FORM_ROLES, ok=302, denied_roles=CLUE_ROLES - tm.TEAM_FORM_ROLES
        ),
        tm.member_remove_url,
        target="team",
        check=tm.check_member_removed,
    ),
    "clues:team_log_add": Endpoint(
        "clues:team_log_add",
        "post",
        scoped(frozenset(), denied_roles=CLUE_ROLES),
        _url("clues:team_log_add", pk_of),
        target="team",
        data=tm.log_body,
    ),
    "clues:team_log_add[member]": Endpoint(
        "clues:team_log_add",
        "post",
        in_reach(tm.SEAT_ROLES, ok=302),
        _url("clues:team_log_add", pk_of),
        target="team_seat",
        data=tm.log_body,
        check=tm.check_log_written,
    ),
    "clues:team_close": Endpoint(
        "clues:team_close",
        "post",
        scoped(
            tm.TEAM_FORM_ROLES, ok=302, denied_roles=CLUE_ROLES - tm.TEAM_FORM_ROLES
        ),
        _url("clues:team_close", pk_of),
        target="team",
        check=tm.check_team_closed,
    ),
    "api:team_detail": Endpoint(
        "api:team_detail",
        "get",
        in_reach(CLUE_ROLES),
        lambda ctx, t: f"/api/teams/{t.pk}",
        target="team",
        openapi=("get", "/api/teams/{team_id}"),
        check=tm.check_api_team,
    ),
    "api:team_create": Endpoint(
        "api:team_create",
        "post",
        scoped(
            tm.TEAM_FORM_ROLES, ok=201, denied_roles=CLUE_ROLES - tm.TEAM_FORM_ROLES
        ),
        lambda ctx, t: f"/api/clues/{t.pk}/teams",
        data=tm.api_team_body,
        json_body=True,
        target="clue",
        openapi=("post", "/api/clues/{clue_id}/teams"),
        check=tm.check_team_formed,
    ),
    "api:team_log_create": Endpoint(
        "api:team_log_create",
        "post",
        scoped(frozenset(), denied_roles=CLUE_ROLES),
        lambda ctx, t: f"/api/teams/{t.pk}/log",
        data=tm.log_body,
        json_body=True,
        target="team",
        openapi=("post", "/api/teams/{team_id}/log"),
    ),
    "api:team_log_create[member]": Endpoint(
        "api:team_log_create",
        "post",
        in_reach(tm.SEAT_ROLES, ok=201),
        lambda ctx, t: f"/api/teams/{t.pk}/log",
        data=tm.log_body,
        json_body=True,
        target="team_seat",
        openapi=("post", "/api/teams/{team_id}/log"),
        check=tm.check_log_written,
    ),
    # -- matrix: integrity --
    "clues:outcome_record": Endpoint(
        "clues:outcome_record",
        "post",
        in_reach(im.RECORD_ROLES, ok=302),
        _url("clues:outcome_record", pk_of),
        target="outcome_case",
        data=im.matrix_outcome_body,
        check=im.matrix_check_outcome,
    ),
    "clues:outcome_correct": Endpoint(
        "clues:outcome_correct",
        "post",
        in_reach(im.RECORD_ROLES, ok=302),
        lambda ctx, t: reverse("clues:outcome_correct", args=[t.clue_id, t.pk]),
        target="outcome",
        data=im.matrix_correct_body,
        check=im.matrix_check_outcome,
    ),
    "clues:case_report": Endpoint(
        "clues:case_report",
        "post",
        in_reach(im.RECORD_ROLES, ok=302),
        _url("clues:case_report", pk_of),
        target="outcome_case",
        data=lambda ctx, t: {"title": "矩阵测试剖析报告", "body": "发案原因"},
        check=im.matrix_check_report,
    ),
    "api:clue_outcome_list": Endpoint(
        "api:clue_outcome_list",
        "get",
        in_reach(CLUE_ROLES),
        lambda ctx, t: f"/api/clues/{t.pk}/outcomes",
        target="outcome_case",
        openapi=("get", "/api/clues/{clue_id}/outcomes"),
    ),
    "api:clue_outcome_create": Endpoint(
        "api:clue_outcome_create",
        "post",
        in_reach(im.RECORD_ROLES, ok=201),
        lambda ctx, t: f"/api/clues/{t.pk}/outcomes",
        data=im.matrix_api_outcome_body,
        json_body=True,
        target="outcome_case",
        openapi=("post", "/api/clues/{clue_id}/outcomes"),
        check=im.matrix_check_outcome,
    ),
    "api:person_sanctions": Endpoint(
        "api:person_sanctions",
        "get",
        person_scoped(CLUE_ROLES),
        lambda ctx, t: f"/api/persons/{t.pk}/sanctions",
        target="person",
        openapi=("get", "/api/persons/{person_id}/sanctions"),
    ),
    "clues:integrity_batches": Endpoint(
        "clues:integrity_batches",
        "get",
        only(im.BATCH_ROLES),
        _url("clues:integrity_batches"),
    ),
    "clues:integrity_new": Endpoint(
        "clues:integrity_new",
        "get",
        only({Role.PARTNER_LIAISON}),
        _url("clues:integrity_new"),
    ),
    "clues:integrity_new[post]": Endpoint(
        "clues:integrity_new",
        "post",
        only({Role.PARTNER_LIAISON}, ok=302),
        _url("clues:integrity_new"),
        data=im.matrix_new_batch_body,
        check=im.matrix_check_batch,
    ),
    "clues:integrity_batch": Endpoint(
        "clues:integrity_batch",
        "get",
        in_reach(im.BATCH_ROLES),
        _url("clues:integrity_batch", pk_of),
        target="integrity_batch",
    ),
    "clues:integrity_batch?export=xlsx": Endpoint(
        "clues:integrity_batch",
        "get",
        in_reach(im.REPLY_ROLES),
        _url("clues:integrity_batch", pk_of, query="?export=xlsx"),
        target="integrity_batch",
        export=True,
        check=im.matrix_check_reply_export,
    ),
    "clues:integrity_batch?export=xlsx[replied]": Endpoint(
        "clues:integrity_batch",
        "get",
        in_reach(im.BATCH_ROLES),
        _url("clues:integrity_batch", pk_of, query="?export=xlsx"),
        target="integrity_reply",
        export=True,
        check=im.matrix_check_reply_export,
    ),
    "clues:integrity_confirm": Endpoint(
        "clues:integrity_confirm",
        "post",
        in_reach(im.REPLY_ROLES, ok=302),
        _url("clues:integrity_confirm", pk_of),
        target="integrity_batch",
        check=im.matrix_check_confirmed,
    ),
    "api:integrity_batch_list": Endpoint(
        "api:integrity_batch_list",
        "get",
        only(im.BATCH_ROLES),
        lambda ctx, t: "/api/integrity-batches",
        openapi=("get", "/api/integrity-batches"),
    ),
    "api:integrity_batch_create": Endpoint(
        "api:integrity_batch_create",
        "post",
        only({Role.PARTNER_LIAISON}, ok=201),
        lambda ctx, t: "/api/integrity-batches",
        data=im.matrix_api_batch_body,
        json_body=True,
        openapi=("post", "/api/integrity-batches"),
        check=im.matrix_check_batch,
    ),
    "api:integrity_batch_detail": Endpoint(
        "api:integrity_batch_detail",
        "get",
        in_reach(im.BATCH_ROLES),
        lambda ctx, t: f"/api/integrity-batches/{t.pk}",
        target="integrity_batch",
        openapi=("get", "/api/integrity-batches/{batch_id}"),
    ),
    "api:integrity_batch_confirm": Endpoint(
        "api:integrity_batch_confirm",
        "post",
        in_reach(im.REPLY_ROLES),
        lambda ctx, t: f"/api/integrity-batches/{t.pk}/confirm",
        data=lambda ctx, t: {"overrides": []},
        json_body=True,
        target="integrity_batch",
        openapi=("post", "/api/integrity-batches/{batch_id}/confirm"),
        check=im.matrix_check_confirmed,
    ),
    # -- matrix: attachments --
    "clues:clue_attachment_add": Endpoint(
        "clues:clue_attachment_add",
        "post",
        in_reach(CLUE_ROLES, ok=302),
        _url("clues:clue_attachment_add", pk_of),
        target="clue",
        data=tm.upload_body,
        check=tm.check_uploaded,
    ),
    "clues:petition_attachment_add": Endpoint(
        "clues:petition_attachment_add",
        "post",
        scoped(
            {Role.PETITION_CLERK},
            ok=302,
            denied_roles=PETITION_ROLES - {Role.PETITION_CLERK},
        ),
        _url("clues:petition_attachment_add", pk_of),
        target="petition",
        data=tm.upload_body,
        check=tm.check_uploaded,
    ),
    "clues:attachment[clue]": Endpoint(
        "clues:attachment",
        "get",
        in_reach(CLUE_ROLES),
        _url("clues:attachment", pk_of),
        target="clue_attachment",
        export=True,
        check=tm.check_download,
    ),
    "clues:attachment[petition]": Endpoint(
        "clues:attachment",
        "get",
        in_reach(PETITION_ROLES),
        _url("clues:attachment", pk_of),
        target="petition_attachment",
        export=True,
        check=tm.check_download,
    ),
    "api:clues": Endpoint(
        "api:clues",
        "get",
        only(LEDGER_ROLES),
        lambda ctx, t: "/api/clues",
        openapi=("get", "/api/clues"),
    ),
    "api:clue": Endpoint(
        "api:clue",
        "get",
        in_reach(CLUE_ROLES),
        lambda ctx, t: f"/api/clues/{t.pk}",
        target="clue",
        openapi=("get", "/api/clues/{clue_id}"),
    ),
    "api:clue_related": Endpoint(
        "api:clue_related",
        "get",
        in_reach(CLUE_ROLES),
        lambda ctx, t: f"/api/clues/{t.pk}/related",
        target="clue",
        openapi=("get", "/api/clues/{clue_id}/related"),
    ),
    "api:person": Endpoint(
        "api:person",
        "get",
        person_scoped(VIEW),
        lambda ctx, t: f"/api/persons/{t.pk}",
        target="person",
        openapi=("get", "/api/persons/{person_id}"),
    ),
    "api:person_update": Endpoint(
        "api:person_update",
        "patch",
        person_scoped(CHANGE, denied_roles=VIEW - CHANGE),
        lambda ctx, t: f"/api/persons/{t.pk}",
        data=lambda ctx, t: {"position": "副局长"},
        json_body=True,
        target="person",
        openapi=("patch", "/api/persons/{person_id}"),
        check=check_person_patched,
    ),
    "api:person_lookup": Endpoint(
        "api:person_lookup",
        "post",
        person_scoped(VIEW),
        lambda ctx, t: "/api/persons/lookup",
        data=lookup_body,
        json_body=True,
        target="person",
        openapi=("post", "/api/persons/lookup"),
        check=check_lookup,
    ),
    "api:person_identity": Endpoint(
        "api:person_identity",
        "post",
        person_scoped(frozenset(), denied_roles=VIEW),
        lambda ctx, t: f"/api/persons/{t.pk}/identity",
        target="person",
        openapi=("post", "/api/persons/{person_id}/identity"),
    ),
    "api:person_identity[granted]": Endpoint(
        "api:person_identity",
        "post",
        person_scoped(VIEW),
        lambda ctx, t: f"/api/persons/{t.pk}/identity",
        target="person",
        grant=True,
        openapi=("post", "/api/persons/{person_id}/identity"),
        check=check_api_identity,
    ),
    "api:add": Endpoint(
        "api:add",
        "get",
        everyone(),
        lambda ctx, t: "/api/workdays/add?start=2026-09-28&n=5",
        openapi=("get", "/api/workdays/add"),
        check=lambda ctx, resp: _expect_json(
            resp, {"start": "2026-09-28", "workdays": 5, "result": "2026-10-10"}
        ),
    ),
    "api:between": Endpoint(
        "api:between",
        "get",
        everyone(),
        lambda ctx, t: "/api/workdays/between?start=2026-09-28&end=2026-10-12",
        openapi=("get", "/api/workdays/between"),
        check=lambda ctx, resp: _expect_json(
            resp, {"start": "2026-09-28", "end": "2026-10-12", "workdays": 6}
        ),
    ),
    "api:years": Endpoint(
        "api:years",
        "get",
        everyone(),
        lambda ctx, t: "/api/calendar/years",
        openapi=("get", "/api/calendar/years"),
    ),
    "api:entries": Endpoint(
        "api:entries",
        "get",
        only({Role.AUDITOR}),
        lambda ctx, t: "/api/audit/entries",
        openapi=("get", "/api/audit/entries"),
        check=check_api_entries,
    ),
    "api:verify": Endpoint(
        "api:verify",
        "post",
        only({Role.AUDITOR}),
        lambda ctx, t: "/api/audit/verify",
        openapi=("post", "/api/audit/verify"),
        check=check_api_verify,
    ),
}

# Analytics rows live beside their tests, one module per sub-domain; each has
# ``rows(m)`` (m: this module, for Endpoint, scoped, _url…), ``TARGETS`` and ``target``.
ANALYTICS_MATRIX = (amd, amr, amh, amc)
for _module in ANALYTICS_MATRIX:
    MATRIX.update(_module.rows(sys.modules[__name__]))


def _expect_json(resp, expected):
    assert resp.json() == expected


def _upload(text: str, name: str = "calendar.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def check_person_import(ctx, resp):
    """An import may only register persons in units within the importer's reach."""
    created = Person.objects.filter(name="导入人员")
    if ctx.scope == "in":
        assert created.filter(unit=ctx.world.units[IN_UNIT]).exists(), _text(resp)[
            :2000
        ]
    else:
        assert not created.exists()
        assert "不在您的管辖范围内" in _text(resp)


# --- running a cell -----------------------------------------------------------------------------


def _clue_in(world, county: str):
    """A clue registered by the county's 案件监督管理室 about its education bureau head."""
    import datetime as dt

    from xietong.clues.services import SubjectInput, clue_register

    registrar = account(world.units[f"{county}_case_management"], Role.CASE_MANAGER)
    return clue_register(
        actor=registrar,
        source="petition",
        received_date=dt.date(2026, 3, 2),
        summary=f"{county}县教育局长违规收受礼金",
        subjects=[SubjectInput(person=world.persons[f"{county}_edu_head"])],
    )


def _petition_in(world, county: str):
    import datetime as dt

    from xietong.clues.services import petition_register

    clerk = account(world.units[f"{county}_petition_office"], Role.PETITION_CLERK)
    return petition_register(
        actor=clerk,
        channel="letter",
        received_date=dt.date(2026, 3, 1),
        content=f"{county}县举报信",
        real_name=True,
        reporter_name="举报人甲",
    )


def _transfer_target(world, kind: str, scope):
    """A transfer in reach: for ``transfer``, 中原区 sends a clue to 金水区纪委监委
    (county a receives); for ``transfer_partner``, 金水区 sends one to its 人民检察院
    (county a sends, the liaison receives). Out of reach: a transfer inside 中原区."""
    import datetime as dt

    from xietong.clues.services import transfer_send

    partner = kind == "transfer_partner"
    county = "a" if partner and scope == "in" else "b"
    if scope == "in" and not partner:
        to_unit = world.units["a_commission"]
    else:
        to_unit = world.units[f"{county}_procuratorate"]
    return transfer_send(
        actor=account(world.units[f"{county}_case_management"], Role.CASE_MANAGER),
        clue=_clue_in(world, county),
        to_unit=to_unit,
        kind="transfer",
        reason="矩阵测试：按管理权限移送",
        feedback_workdays=10,
        today=dt.date(2026, 3, 3),
    )


def _transfer_made(ctx):
    from xietong.clues.models import Transfer

    assert Transfer.objects.filter(
        to_unit=ctx.world.units["a_town_commission"], sent_by=ctx.user
    ).exists()


def _transfer_now(ctx, status):
    from xietong.clues.models import Transfer

    assert Transfer.objects.get(decided_by=ctx.user).status == status


def _transfer_noted(ctx):
    from xietong.clues.models import TransferNote

    assert TransferNote.objects.filter(kind="reminder", created_by=ctx.user).exists()


def _target(ep: Endpoint, ctx: Ctx, scope):
    world = ctx.world
    if ep.target is None:
        return None
    if ep.target == "clue":
        return _clue_in(world, "a" if scope == "in" else "b")
    if ep.target == "petition":
        return _petition_in(world, "a" if scope == "in" else "b")
    # -- targets: transfers --
    if ep.target in ("transfer", "transfer_partner"):
        return _transfer_target(world, ep.target, scope)
    # -- targets: disposal --
    if ep.target in (
        "disposal",
        "disposal_inquiry",
        "disposal_verification",
        "disposal_replied",
    ):
        return dm.matrix_target(ep.target, world, scope)
    # -- targets: teams --
    if ep.target in ("team", "team_seat"):
        return tm.target(ep.target, ctx, scope)
    # -- targets: integrity --
    if ep.target in ("outcome_case", "outcome", "integrity_batch", "integrity_reply"):
        return im.matrix_target(ep.target, world, scope)
    # -- targets: attachments --
    if ep.target in ("clue_attachment", "petition_attachment"):
        return tm.target(ep.target, ctx, scope)
    # -- targets: analytics --
    for module in ANALYTICS_MATRIX:
        if ep.target in module.TARGETS:
            return module.target(ep.target, ctx, scope)
    if ep.target == "person":
        return world.persons[IN_PERSON if scope == "in" else OUT_PERSON]
    if ep.target == "account":
        return ctx.other if scope == "in" else ctx.foreign
    return world.units[IN_UNIT if scope == "in" else OUT_UNIT]


def _call(client, ep: Endpoint, ctx: Ctx, target, **extra):
    url = ep.url(ctx, target)
    data = ep.data(ctx, target) if ep.data else None
    method = getattr(client, ep.method)
    if ep.json_body:
        return method(
            url, data=json.dumps(data or {}), content_type="application/json", **extra
        )
    if ep.method == "patch":
        return method(
            url, data=json.dumps(data or {}), content_type="application/json", **extra
        )
    if data is None:
        return method(url, **extra)
    return method(url, data=data, **extra)


_CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _normalised(resp) -> bytes:
    return _CSRF.sub(r"\1", _text(resp)).encode()


CELLS = [
    pytest.param(key, role, scope, id=f"{key}|{role}|{scope or '-'}")
    for key, ep in MATRIX.items()
    for role in ALL_ROLES
    for scope in ep.scopes
]


def _ctx(world, user, role, scope) -> Ctx:
    """The context of one cell, with an account inside and one outside county a."""

    def bare(username, unit):
        return account_create(
            actor=None,
            username=username,
            full_name="目标账号",
            unit=world.units[unit],
            password=PASSWORD,
        )

    return Ctx(
        world=world,
        user=user,
        role=role,
        scope=scope,
        other=bare("matrix_target", "a_edu"),
        foreign=bare("matrix_foreign", "b_commission"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("key,role,scope", CELLS)
def test_matrix_cell(client, world, key, role, scope):
    ep = MATRIX[key]
    grant = ep.grant if isinstance(ep.grant, str) else Grant.SENSITIVE_IDENTITY
    grants = (grant,) if ep.grant and role not in ADMIN_ROLES else ()
    user = account(world.units[ROLE_UNIT[role]], role, grants=grants)
    ctx = _ctx(world, user, role, scope)
    client.force_login(user)
    target = _target(ep, ctx, scope)
    exports_before = AuditEntry.objects.filter(action=Action.EXPORT).count()

    resp = _call(client, ep, ctx, target)

    expected = ep.expect(role, scope)
    assert resp.status_code == expected, (key, role, scope, _text(resp)[:300])
    if ep.is_api and resp.status_code >= 400:
        body = resp.json()
        assert set(body) == {"message", "code", "fields"}
        assert re.search(r"[\u4e00-\u9fff]", body["message"]), body
    if ep.target == "person" and scope == "out":
        # Nothing about the out-of-reach person leaks, whatever the status.
        assert target.name not in _text(resp)
        assert _id_number(target) not in _text(resp)
    if ep.target == "account" and scope == "out":
        assert target.username not in _text(resp)
    if resp.status_code == 404 and ep.target in ("person", "account"):
        # Out of reach (or no right at all) answers exactly like a record that does not exist.
        missing = _call(client, ep, ctx, Missing())
        assert missing.status_code == 404
        assert _normalised(missing) == _normalised(resp)
    if ep.export:
        after = AuditEntry.objects.filter(action=Action.EXPORT).count()
        if resp.status_code == 200:
            assert after == exports_before + 1
            entry = (
                AuditEntry.objects.filter(action=Action.EXPORT).order_by("-seq").first()
            )
            assert entry.actor_id == user.pk
            assert entry.unit_name == user.unit.name
        else:
            assert after == exports_before
    if ep.grant and resp.status_code != 200:
        assert not AuditEntry.objects.filter(action=Action.VIEW_SENSITIVE).exists()
    if ep.check and resp.status_code == expected and expected < 400:
        ep.check(ctx, resp)


# --- anonymous ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(MATRIX))
def test_anonymous(client, world, key):
    ep = MATRIX[key]
    ctx = _ctx(world, None, "", "in")
    resp = _call(client, ep, ctx, _target(ep, ctx, "in"))
    if ep.anonymous is not None:
        assert resp.status_code == ep.anonymous
    elif ep.is_api:
        assert resp.status_code == 401
        assert resp.json() == {
            "message": "未登录或令牌无效。",
            "code": "unauthenticated",
            "fields": {},
        }
    else:
        assert resp.status_code == 302
        assert resp["Location"].startswith(reverse("access:login") + "?next=")
    text = _text(resp)
    assert not any(n in text for n in A_NAMES | B_NAMES)


# --- completeness ---------------------------------------------------------------------------


def _url_names(resolver, ns=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _url_names(p, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern):
            yield ns + (p.name or f"<unnamed {p.pattern}>")


def test_every_endpoint_is_in_the_matrix():
    names = set(_url_names(get_resolver()))
    covered = {ep.name for ep in MATRIX.values()}
    missing = sorted(names - covered - set(EXCLUDED))
    assert not missing, f"endpoints without a row in the need-to-know matrix: {missing}"
    stale = sorted((covered | set(EXCLUDED)) - names)
    assert not stale, f"matrix rows for endpoints that no longer exist: {stale}"


def test_every_openapi_operation_is_in_the_matrix():
    from xietong.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.lower(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method.lower() in {"get", "post", "put", "patch", "delete"}
    }
    covered = {ep.openapi for ep in MATRIX.values() if ep.openapi}
    assert operations - covered == set(), sorted(operations - covered)
    assert covered - operations == set(), sorted(covered - operations)
    # Each operation's URL name (ninja names it after the view) is the row's name.
    for ep in MATRIX.values():
        if ep.openapi:
            op = schema["paths"][ep.openapi[1]][ep.openapi[0]]
            assert ep.name == f"api:{ep.name.split(':')[1]}"
            assert op["operationId"].endswith(ep.name.split(":")[1]), (
                ep.name,
                op["operationId"],
            )


def test_matrix_covers_all_thirteen_roles():
    assert len(ALL_ROLES) == 13
    assert set(ROLE_UNIT) == set(Role)
    cells_per_key = {}
    for p in CELLS:
        cells_per_key.setdefault(p.values[0], set()).add(p.values[1])
    assert all(roles == set(Role) for roles in cells_per_key.values())


# --- reach of a stationed group and a township commission -----------------------------------

REACH_CASES = [
    # (account unit, role, person, expected)
    ("a_group", Role.HANDLER, "a_edu_head", 200),
    ("a_group", Role.HANDLER, "a_health_staff", 404),
    ("a_group", Role.HANDLER, "a_town_staff", 404),
    ("a_group", Role.HANDLER, "b_edu_head", 404),
    ("a_town_commission", Role.HANDLER, "a_town_staff", 200),
    ("a_town_commission", Role.HANDLER, "a_edu_head", 404),
    ("a_town_commission", Role.HANDLER, "a_health_staff", 404),
    ("a_town_commission", Role.HANDLER, "b_edu_head", 404),
    ("a_commission", Role.LEADER, "a_town_staff", 200),
    ("a_supervision_office", Role.HEAD, "a_health_staff", 200),
    ("b_case_management", Role.CASE_MANAGER, "b_edu_head", 200),
    ("b_case_management", Role.CASE_MANAGER, "a_edu_head", 404),
]

REACH_LISTS = {
    "a_group": {"张建国"},
    "a_town_commission": {"王磊"},
    "a_commission": A_NAMES,
    "b_case_management": B_NAMES,
}


@pytest.mark.django_db
@pytest.mark.parametrize("unit_key,role,person_key,expected", REACH_CASES)
@pytest.mark.parametrize("surface", ["page", "api", "lookup", "edit"])
def test_reach_of_special_units(
    client, world, unit_key, role, person_key, expected, surface
):
    user = account(world.units[unit_key], role)
    client.force_login(user)
    person = world.persons[person_key]
    if surface == "page":
        resp = client.get(reverse("org:person", args=[person.pk]))
    elif surface == "api":
        resp = client.get(f"/api/persons/{person.pk}")
    elif surface == "edit":
        resp = client.get(reverse("org:person_edit", args=[person.pk]))
        # handler and head may change; leader may only look.
        if expected == 200 and role not in CHANGE:
            expected = 403
    else:
        resp = client.post(
            "/api/persons/lookup",
            data={"id_number": _id_number(person)},
            content_type="application/json",
        )
    assert resp.status_code == expected
    if expected == 404:
        assert person.name not in _text(resp)


@pytest.mark.django_db
@pytest.mark.parametrize("unit_key", list(REACH_LISTS))
def test_person_lists_are_scoped(client, world, unit_key):
    role = Role.CASE_MANAGER if unit_key.startswith("b_") else Role.HANDLER
    if unit_key == "a_commission":
        role = Role.LEADER
    user = account(world.units[unit_key], role)
    client.force_login(user)
    resp = client.get("/api/persons")
    assert {p["name"] for p in resp.json()["items"]} == REACH_LISTS[unit_key]
    page = _text(client.get(reverse("org:persons")))
    for name in A_NAMES | B_NAMES:
        assert (name in page) == (name in REACH_LISTS[unit_key]), name
    # Free-text search cannot reach across the boundary either.
    for name in A_NAMES | B_NAMES:
        resp = client.get("/api/persons", {"q": name})
        found = {p["name"] for p in resp.json()["items"]}
        assert found == ({name} & REACH_LISTS[unit_key])
    # Nor can an exact ID-number search.
    for person in world.persons.values():
        resp = client.get("/api/persons", {"q": _id_number(person)})
        found = {p["name"] for p in resp.json()["items"]}
        assert found == ({person.name} & REACH_LISTS[unit_key])


@pytest.mark.django_db
def test_unit_filter_cannot_widen_reach(client, world):
    """Asking for another county's unit by id yields nobody, not its persons."""
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    client.force_login(user)
    resp = client.get("/api/persons", {"unit": world.units["b_edu"].pk})
    assert resp.status_code == 200 and resp.json()["items"] == []
    page = client.get(reverse("org:persons"), {"unit": world.units["b_edu"].pk})
    assert "刘洋" not in _text(page)
    export = client.get(
        reverse("org:persons"), {"unit": world.units["b_edu"].pk, "export": "xlsx"}
    )
    assert "刘洋" not in _xlsx_cells(export)


# --- bearer tokens ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_bearer_token_follows_the_same_policy(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    _, raw = token_create(actor=user, name="脚本")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    inside, outside = world.persons[IN_PERSON], world.persons[OUT_PERSON]
    assert client.get(f"/api/persons/{inside.pk}", **auth).status_code == 200
    out = client.get(f"/api/persons/{outside.pk}", **auth)
    missing = client.get(f"/api/persons/{MISSING_PK}", **auth)
    assert out.status_code == missing.status_code == 404
    assert out.content == missing.content
    assert {
        p["name"] for p in client.get("/api/persons", **auth).json()["items"]
    } == A_NAMES
    assert client.get("/api/audit/entries", **auth).status_code == 404
    # A write with a token needs no CSRF token (not a browser session).
    resp = client.patch(
        f"/api/persons/{inside.pk}",
        data=json.dumps({"position": "书记"}),
        content_type="application/json",
        **auth,
    )
    assert resp.status_code == 200 and resp.json()["position"] == "书记"
    bad = client.get("/api/me", HTTP_AUTHORIZATION="Bearer xt_not-a-real-token")
    assert bad.status_code == 401


@pytest.mark.django_db
def test_bearer_token_of_an_administrator_sees_no_business_data(client, world):
    for role in ADMIN_ROLES:
        user = account(world.units["a_commission"], role)
        _, raw = token_create(actor=user, name="脚本")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        assert client.get("/api/persons", **auth).status_code == 404
        assert (
            client.get(
                f"/api/persons/{world.persons[IN_PERSON].pk}", **auth
            ).status_code
            == 404
        )
        expected = 200 if role == Role.AUDITOR else 404
        assert client.get("/api/audit/entries", **auth).status_code == expected


@pytest.mark.django_db
def test_session_writes_to_the_api_need_csrf(world):
    """The browser session authenticates the API only with a CSRF token for writes."""
    from django.test import Client

    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    person = world.persons[IN_PERSON]
    assert client.get(f"/api/persons/{person.pk}").status_code == 200
    resp = client.patch(
        f"/api/persons/{person.pk}",
        data=json.dumps({"position": "书记"}),
        content_type="application/json",
    )
    assert resp.status_code in (401, 403)
    person.refresh_from_db()
    assert person.position == "局长"
