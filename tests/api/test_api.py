"""The JSON API: error shape in Chinese, ID-number look-up, the schema, and a schemathesis run."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from tests.factories import account, build_world, new_id_number
from xietong.access.roles import Grant, Role
from xietong.access.services import token_create
from xietong.core.crypto import field_cipher
from xietong.org.models import Person

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def auth(world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    _, raw = token_create(actor=user, name="测试脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _post(client, url, body, auth):
    return client.post(
        url, data=json.dumps(body), content_type="application/json", **auth
    )


def _assert_error(resp, status, code):
    assert resp.status_code == status, resp.content.decode()
    body = resp.json()
    assert set(body) == {"message", "code", "fields"}
    assert body["code"] == code
    assert CHINESE.search(body["message"]), body
    for value in body["fields"].values():
        assert CHINESE.search(value), body
    return body


def _person_body(world, **overrides):
    body = {
        "name": "周明",
        "id_number": new_id_number("410105"),
        "unit_id": world.units["a_edu"].pk,
        "position": "科长",
        "management_level": "county",
    }
    body.update(overrides)
    return body


# --- error shape ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_bad_id_number_names_the_field(client, world, auth):
    before = Person.objects.count()
    good = new_id_number("410105")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    body = _assert_error(
        _post(client, "/api/persons", _person_body(world, id_number=bad), auth),
        400,
        "invalid",
    )
    assert set(body["fields"]) == {"id_number"}
    assert (
        "身份证号码" in body["fields"]["id_number"]
        and "校验" in body["fields"]["id_number"]
    )
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_several_bad_fields_are_all_named(client, world, auth):
    body = _assert_error(
        _post(
            client,
            "/api/persons",
            _person_body(
                world,
                id_number="12345",
                name="  ",
                management_level="emperor",
                phone="12",
            ),
            auth,
        ),
        400,
        "invalid",
    )
    assert set(body["fields"]) == {"id_number", "name", "management_level", "phone"}


@pytest.mark.django_db
def test_unknown_unit(client, world, auth):
    body = _assert_error(
        _post(client, "/api/persons", _person_body(world, unit_id=987654321), auth),
        400,
        "invalid",
    )
    assert body == {
        "message": "所在单位不存在。",
        "code": "invalid",
        "fields": {"unit_id": "所在单位不存在"},
    }


@pytest.mark.django_db
def test_missing_field_is_422_in_chinese(client, world, auth):
    payload = _person_body(world)
    del payload["name"]
    body = _assert_error(_post(client, "/api/persons", payload, auth), 422, "invalid")
    assert body["fields"] == {"name": "缺少必填项"}
    assert body["message"] == "请求参数有误：name 缺少必填项"


@pytest.mark.django_db
def test_wrong_types_and_bad_json_are_422_in_chinese(client, world, auth):
    body = _assert_error(
        _post(client, "/api/persons", _person_body(world, unit_id="第一"), auth),
        422,
        "invalid",
    )
    assert body["fields"] == {"unit_id": "应为整数"}
    resp = client.post(
        "/api/persons", data="{not json", content_type="application/json", **auth
    )
    body = _assert_error(resp, 400, "bad_request")
    assert body["message"] == "请求格式有误：请求体不是有效的 JSON。"
    body = _assert_error(
        client.get("/api/workdays/add?start=2026-13-01&n=1", **auth), 422, "invalid"
    )
    assert body["fields"] == {"start": "日期格式应为 2026-03-01"}
    body = _assert_error(
        client.get("/api/workdays/add?start=2026-03-01&n=-1", **auth), 422, "invalid"
    )
    assert body["fields"] == {"n": "数值过小"}


@pytest.mark.django_db
def test_year_without_calendar_is_an_error_not_a_guess(client, world, auth):
    body = _assert_error(
        client.get("/api/workdays/add?start=2031-03-02&n=3", **auth),
        409,
        "calendar_year_missing",
    )
    assert "2031 年" in body["message"]


@pytest.mark.django_db
def test_unknown_path_is_json_404(client, world, auth):
    body = _assert_error(
        client.get("/api/persons/not-a-number", **auth), 404, "not_found"
    )
    assert body["message"] == "未找到该记录，或您无权查看。"


# --- look-up by ID number -------------------------------------------------------------------


def _number(person) -> str:
    return field_cipher().decrypt(person.id_number_enc)


@pytest.mark.django_db
def test_lookup_by_id_number_in_reach(client, world, auth):
    person = world.persons["a_edu_head"]
    number = _number(person)
    resp = _post(client, "/api/persons/lookup", {"id_number": number}, auth)
    assert resp.status_code == 200
    assert resp.json()["id"] == person.pk and resp.json()["name"] == "张建国"
    assert resp.json()["id_number_masked"] == person.id_number_masked
    assert (
        number not in resp.content.decode()
    )  # the answer only carries the masked number
    # Full-width digits, spaces and a lowercase x are normalised before the look-up.
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    spaced = f" {fullwidth[:6]} {fullwidth[6:14]} {fullwidth[14:].lower()} "
    resp = _post(client, "/api/persons/lookup", {"id_number": spaced}, auth)
    assert resp.status_code == 200 and resp.json()["id"] == person.pk


@pytest.mark.django_db
def test_lookup_out_of_reach_is_like_missing(client, world, auth):
    out = _post(
        client,
        "/api/persons/lookup",
        {"id_number": _number(world.persons["b_edu_head"])},
        auth,
    )
    missing = _post(
        client, "/api/persons/lookup", {"id_number": new_id_number("410102")}, auth
    )
    assert out.status_code == missing.status_code == 404
    assert out.json() == missing.json()
    assert out.json()["code"] == "not_found" and "刘洋" not in out.content.decode()


@pytest.mark.django_db
def test_lookup_with_a_malformed_number_is_a_chinese_validation_error(
    client, world, auth
):
    body = _assert_error(
        _post(client, "/api/persons/lookup", {"id_number": "41010519800517"}, auth),
        400,
        "invalid",
    )
    assert "身份证号码" in body["message"] and "长度不对" in body["message"]
    assert body["fields"] == {"id_number": body["message"]}


# --- schema ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_openapi_schema_loads(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200
    schema = resp.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "XieTong 协同监督平台 API"
    paths = schema["paths"]
    for path in (
        "/api/persons",
        "/api/persons/{person_id}",
        "/api/persons/lookup",
        "/api/audit/entries",
        "/api/workdays/add",
        "/api/me",
    ):
        assert path in paths, path
    # Every operation is protected and described in Chinese.
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op.get("security"), (method, path)
            assert CHINESE.search(op.get("summary", "")), (method, path)
    assert "TokenAuth" in schema["components"]["securitySchemes"]
    assert client.get(reverse("api:openapi-view")).status_code == 200


# --- schemathesis ---------------------------------------------------------------------------


@pytest.fixture
def no_connection_recycling():
    """The WSGI app runs in this thread on the test's connection: don't let the request
    signals close it mid-transaction (the same thing django.test.Client does)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.schema
@pytest.mark.django_db
def test_schemathesis_no_server_errors(no_connection_recycling):
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error

    world = build_world()
    user = account(
        world.units["a_case_management"],
        Role.CASE_MANAGER,
        grants=[Grant.SENSITIVE_IDENTITY],
    )
    _, raw = token_create(actor=user, name="schemathesis")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    failures: list[str] = []
    calls: list[int] = []

    def runner(label: str, strategy):
        @given(case=strategy)
        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            calls.append(1)
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except AssertionError as exc:
                failures.append(f"{label}: {exc}")
                raise

        return run

    for operation in operations:
        for mode in (
            schemathesis.GenerationMode.POSITIVE,
            schemathesis.GenerationMode.NEGATIVE,
        ):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception as exc:  # an operation with nothing to negate
                if mode == schemathesis.GenerationMode.NEGATIVE:
                    continue
                raise AssertionError(f"{operation.label}: {exc}") from exc
            label = f"{operation.label} [{mode.value}]"
            try:
                runner(label, strategy)()
            except Exception as exc:  # go on, so that one report lists every operation
                if not any(f.startswith(label) for f in failures):
                    failures.append(f"{label}: {exc!r}")
    assert not failures, "\n\n".join(failures)
    assert len(calls) > 100


# --- NUL characters (PostgreSQL text cannot hold them) ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/units?q=%00",
        "/api/persons?q=a%00b",
        "/api/regions?parent=41%00",
        "/api/audit/entries?actor=%00",
    ],
)
def test_nul_in_api_query_is_a_chinese_400(client, world, auth, url):
    body = _assert_error(client.get(url, **auth), 400, "invalid")
    assert "空字符" in body["message"]


@pytest.mark.django_db
def test_nul_in_api_json_body_is_a_chinese_400(client, world, auth):
    before = Person.objects.count()
    resp = client.post(
        "/api/persons",
        data=json.dumps(_person_body(world, name="周\u0000明")),
        content_type="application/json",
        **auth,
    )
    body = _assert_error(resp, 400, "invalid")
    assert "空字符" in body["message"]
    assert Person.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/persons/?q=%00", "/org/units/?q=%00", "/audit/?q=%00"]
)
def test_nul_in_page_query_is_a_chinese_400(client, world, url):
    auditor = account(world.units["a_commission"], Role.AUDITOR)
    user = (
        auditor
        if url.startswith("/audit/")
        else account(world.units["a_case_management"], Role.CASE_MANAGER)
    )
    client.force_login(user)
    resp = client.get(url)
    assert resp.status_code == 400
    assert "空字符" in resp.content.decode()


@pytest.mark.django_db
def test_nul_in_posted_form_is_a_chinese_400(client, world):
    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)
    client.force_login(sysadmin)
    resp = client.post(
        reverse("workdays:day"),
        {"day": "2026-03-02", "kind": "holiday", "name": "假\x00日"},
    )
    assert resp.status_code == 400
    from xietong.workdays.models import CalendarDay

    assert not CalendarDay.objects.filter(day="2026-03-02", kind="holiday").exists()
