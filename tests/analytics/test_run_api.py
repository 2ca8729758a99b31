"""The runs API: catalogue, queueing with Chinese validation, progress, cancel and
schedules."""

from __future__ import annotations

import json

import pytest

from tests.factories import account
from xietong.access.roles import Role
from xietong.analytics import jobs
from xietong.analytics.models import ModelRun, RunSchedule

from .matrix_runs import small_data
from .support import analyst


@pytest.fixture
def setup(world, tmp_path, client):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    small_data(actor, unit, tmp_path)
    client.force_login(actor)
    return actor, unit


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_catalogue_gives_labels_defaults_and_ranges(setup, client):
    models = {m["key"]: m for m in client.get("/api/analytics/models").json()}
    assert len(models) == 7
    (grace,) = models["death_payment"]["parameters"]
    assert grace == {
        "name": "grace_days",
        "label": "宽限天数",
        "type": "int",
        "default": 31,
        "minimum": 0,
        "maximum": 3650,
        "help": grace["help"],
    }
    split = {p["name"]: p for p in models["split_purchase"]["parameters"]}
    assert split["threshold"]["default"] == "1000000"


def test_invalid_requests_are_refused_in_chinese_and_queue_nothing(setup, client):
    _, unit = setup
    cases = [
        ({"model": "nope", "unit_id": unit.pk}, "model", "未知的模型“nope”"),
        (
            {"model": "all", "unit_id": unit.pk, "engine": "hive"},
            "engine",
            "未知的引擎",
        ),
        (
            {
                "model": "death_payment",
                "unit_id": unit.pk,
                "params": {"grace_days": "x"},
            },
            "grace_days",
            "应为整数",
        ),
        (
            {
                "model": "all",
                "unit_id": unit.pk,
                "params": {"vehicle_misuse": {"x": 1}},
            },
            "vehicle_misuse.x",
            "没有参数“x”",
        ),
        (
            {"model": "all", "unit_id": unit.pk, "scope": {"region_code": "4"}},
            "scope",
            "2–12 位数字",
        ),
        ({"model": "all", "unit_id": 987654}, "unit_id", "单位编号 987654 不存在"),
    ]
    for body, field, words in cases:
        resp = _post(client, "/api/analytics/runs", body)
        assert resp.status_code == 400, body
        assert field in resp.json()["fields"], resp.json()
        assert words in resp.json()["message"], resp.json()
    assert not ModelRun.objects.exists()


def test_a_run_is_queued_followed_and_finished(setup, client):
    _, unit = setup
    resp = _post(
        client,
        "/api/analytics/runs",
        {
            "model": "all",
            "unit_id": unit.pk,
            "scope": {"target_unit": {"name": "金水区民政局"}},
        },
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["status"] == "queued" and body["status_label"] == "排队中"
    assert body["scope_label"] == "被巡察单位 金水区民政局"
    assert {v["kind"] for v in body["data_versions"]} == {"deaths", "payments"}

    jobs.Worker().run_once()

    detail = client.get(f"/api/analytics/runs/{body['id']}").json()
    assert detail["status"] == "done" and detail["hits_new"] == 1
    assert detail["progress_done"] == detail["progress_total"] == 7
    listed = client.get("/api/analytics/runs").json()["items"]
    assert [r["id"] for r in listed] == [body["id"]]
    resp = _post(client, f"/api/analytics/runs/{body['id']}/cancel", {})
    assert resp.status_code == 409 and "已完成，无法取消" in resp.json()["message"]


def test_cancel_and_reach(setup, client, world):
    actor, unit = setup
    run_id = _post(client, "/api/analytics/runs", {"unit_id": unit.pk}).json()["id"]
    resp = _post(client, f"/api/analytics/runs/{run_id}/cancel", {})
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled"

    client.force_login(analyst(world, "b_commission"))
    missing = client.get("/api/analytics/runs/987654")
    other = client.get(f"/api/analytics/runs/{run_id}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    refused = _post(client, "/api/analytics/runs", {"unit_id": unit.pk})
    assert refused.status_code == 403 and "无权" in refused.json()["message"]
    assert ModelRun.objects.count() == 1


def test_schedules_api(setup, client, world):
    _, unit = setup
    bad = _post(client, "/api/analytics/schedules", {"unit_id": unit.pk, "every": "x"})
    assert bad.status_code == 400 and bad.json()["fields"] == {"every": "周期无效"}
    resp = _post(
        client,
        "/api/analytics/schedules",
        {"model": "split_purchase", "unit_id": unit.pk, "every": "monthly"},
    )
    assert resp.status_code == 201 and resp.json()["every_label"] == "每月"
    sid = resp.json()["id"]
    assert [s["id"] for s in client.get("/api/analytics/schedules").json()] == [sid]
    off = _post(client, f"/api/analytics/schedules/{sid}", {"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False

    client.force_login(account(unit, Role.LEADER))
    assert client.delete(f"/api/analytics/schedules/{sid}").status_code == 403
    client.force_login(setup[0])
    assert client.delete(f"/api/analytics/schedules/{sid}").status_code == 204
    assert not RunSchedule.objects.exists()
