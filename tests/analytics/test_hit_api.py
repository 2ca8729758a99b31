"""The hit API: list with filters and pages, one hit with its evidence, triage."""

from __future__ import annotations

import json

from tests.factories import account
from xietong.access.roles import Grant, Role
from xietong.analytics.models import Hit, HitStatus
from xietong.analytics.services import model_run_execute

from .matrix_hits import import_death_payments, make_hit, person_number
from .support import analyst, id_number


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_hit_list_filters_and_pages(client, world):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    import_death_payments(
        actor, unit, [(id_number(200 + i), f"接口对象{i}") for i in range(3)]
    )
    run = model_run_execute(actor=actor, model="death_payment", unit=unit)
    make_hit(world, "b")
    client.force_login(actor)

    body = client.get("/api/analytics/hits", {"page_size": 2}).json()

    assert body["count"] == 3 and len(body["items"]) == 2
    item = body["items"][0]
    assert item["model"] == "death_payment" and item["model_label"] == "死亡冒领"
    assert item["status"] == "new" and item["last_run_id"] == run.pk
    assert "*" in item["subject_id_number"]
    assert id_number(200) not in json.dumps(body, ensure_ascii=False)
    assert client.get("/api/analytics/hits", {"q": "接口对象1"}).json()["count"] == 1
    assert client.get("/api/analytics/hits", {"run": run.pk}).json()["count"] == 3
    assert client.get("/api/analytics/hits", {"run": "x"}).json()["count"] == 0
    assert client.get("/api/analytics/hits", {"status": "to_clue"}).json()["count"] == 0
    assert client.get("/api/analytics/hits", {"unit": unit.pk}).json()["count"] == 3
    other = world.units["b_commission"].pk
    assert client.get("/api/analytics/hits", {"unit": other}).json()["count"] == 0


def test_hit_detail_carries_evidence_keys_and_rows(client, world):
    hit = make_hit(world)
    number = person_number(world.persons["a_edu_head"])
    client.force_login(analyst(world, "a_commission"))

    body = client.get(f"/api/analytics/hits/{hit.pk}").json()

    tables = {t["dataset"]: t for t in body["evidence"]}
    assert set(tables) == {"deaths", "payments"}
    assert tables["payments"]["keys"] == ["a-P001"]
    row = tables["payments"]["rows"][0]
    assert row["payment_id"] == "a-P001" and row["amount"] == "300.00"
    assert row["pay_date"] == "2026-02-14"
    labels = {c["name"]: c["label"] for c in tables["payments"]["columns"]}
    assert labels["payment_id"] == "发放流水号"
    # ID numbers (also as a key of the death register) are masked.
    assert number not in json.dumps(body, ensure_ascii=False)
    assert tables["deaths"]["keys"] == [number[:6] + "********" + number[-4:]]
    assert body["params"] == {"grace_days": 31}
    assert {v["kind"] for v in body["data_versions"]} == {"deaths", "payments"}
    assert body["person_id"] == world.persons["a_edu_head"].pk

    assert client.get(f"/api/analytics/hits/{hit.pk}?reveal=true").status_code == 403
    client.force_login(
        account(
            world.units["a_commission"],
            Role.ANALYST,
            grants=(Grant.SENSITIVE_IDENTITY,),
        )
    )
    body = client.get(f"/api/analytics/hits/{hit.pk}?reveal=true").json()
    assert body["subject_id_number"] == number
    assert body["evidence"][0]["keys"] == [number]


def test_hit_detail_of_another_commission_is_not_found(client, world):
    hit = make_hit(world, "b")
    client.force_login(analyst(world, "a_commission"))
    resp = client.get(f"/api/analytics/hits/{hit.pk}")
    missing = client.get("/api/analytics/hits/987654321")
    assert resp.status_code == missing.status_code == 404
    assert resp.json() == missing.json()


def test_triage_through_the_api(client, world):
    hit = make_hit(world)
    client.force_login(analyst(world, "a_commission"))
    url = f"/api/analytics/hits/{hit.pk}/triage"

    resp = _post(client, url, {"decision": "dismissed", "reason": ""})
    assert resp.status_code == 400
    assert resp.json()["fields"] == {"reason": "排除理由不能为空"}
    assert Hit.objects.get().status == HitStatus.NEW

    resp = _post(client, url, {"decision": "to_problem", "reason": "列入问题清单"})
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "to_problem" and body["triage_reason"] == "列入问题清单"
    assert body["triaged_by"] and body["triaged_at"]

    resp = _post(client, url, {"decision": "dismissed", "reason": "再次"})
    assert resp.status_code == 409 and "不能重复研判" in resp.json()["message"]


def test_a_leader_reads_but_may_not_triage(client, world):
    hit = make_hit(world)
    client.force_login(account(world.units["a_commission"], Role.LEADER))
    assert client.get(f"/api/analytics/hits/{hit.pk}").status_code == 200
    resp = _post(
        client,
        f"/api/analytics/hits/{hit.pk}/triage",
        {"decision": "dismissed", "reason": "x"},
    )
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
