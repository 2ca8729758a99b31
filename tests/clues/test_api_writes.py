"""Registration writes through the API: the related-clue warning comes back with the clue."""

import json

import pytest

from tests.factories import account
from xietong.access.services import token_create
from xietong.clues.models import Clue, Petition
from xietong.core.crypto import field_cipher


def _auth(user):
    _, raw = token_create(actor=user, name="测试脚本")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def registrar(world):
    return account(world.units["a_case_management"], "case_manager")


def _post(client, url, body, auth):
    return client.post(
        url, data=json.dumps(body), content_type="application/json", **auth
    )


def _id_number(person) -> str:
    return field_cipher().decrypt(person.id_number_enc)


def test_register_by_id_number_returns_number_and_related(client, world, registrar):
    auth = _auth(registrar)
    person = world.persons["a_edu_head"]
    body = {
        "source": "petition",
        "received_date": "2026-03-02",
        "summary": "教育局局长张建国在学校工程招标中收受承包商礼金五万元",
        "subjects": [{"id_number": _id_number(person)}],
    }
    first = _post(client, "/api/clues", body, auth)
    assert first.status_code == 201, first.content
    assert first.json()["number"].startswith("金水纪线〔2026〕")
    assert first.json()["related"] == []
    body["summary"] = "举报张建国局长在学校工程招标中收了承包商五万元礼金"
    second = _post(client, "/api/clues", body, auth)
    assert second.status_code == 201
    related = second.json()["related"]
    assert related[0]["number"] == first.json()["number"]
    assert any("身份证" in r for r in related[0]["reasons"])


def test_bad_id_number_is_named_and_nothing_is_registered(client, world, registrar):
    resp = _post(
        client,
        "/api/clues",
        {
            "source": "petition",
            "received_date": "2026-03-02",
            "summary": "收受礼金",
            "subjects": [{"id_number": "410105198005170001"}],
        },
        _auth(registrar),
    )
    assert resp.status_code == 400
    assert "subjects.1" in resp.json()["fields"]
    assert "校验" in resp.json()["message"] or "身份证" in resp.json()["message"]
    assert not Clue.objects.exists()


def test_impossible_date_and_unknown_owner_unit(client, world, registrar):
    auth = _auth(registrar)
    base = {
        "source": "petition",
        "summary": "收受礼金",
        "subjects": [{"name": "赵某", "unit": "某单位"}],
    }
    resp = _post(client, "/api/clues", {**base, "received_date": "2026-02-30"}, auth)
    assert resp.status_code == 422
    resp = _post(
        client,
        "/api/clues",
        {**base, "received_date": "2026-03-02", "owner_unit_id": 987654},
        auth,
    )
    assert resp.status_code == 400
    assert resp.json()["fields"] == {"owner_unit_id": "承办单位不存在"}
    assert not Clue.objects.exists()


def test_petition_by_api_encrypts_the_reporter(client, world):
    clerk = account(world.units["a_petition_office"], "petition_clerk")
    resp = _post(
        client,
        "/api/petitions",
        {
            "channel": "online",
            "received_date": "2026-03-01",
            "content": "反映某局长违规收受礼金",
            "real_name": True,
            "reporter_name": "王某某",
            "reporter_phone": "13800138000",
        },
        _auth(clerk),
    )
    assert resp.status_code == 201
    petition = Petition.objects.get(pk=resp.json()["id"])
    assert "王某某" not in petition.reporter_name_enc
    assert field_cipher().decrypt(petition.reporter_name_enc) == "王某某"
    assert "reporter_name" not in resp.json()
