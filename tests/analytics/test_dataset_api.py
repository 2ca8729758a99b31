"""The datasets API: listing, a dataset with its versions, and background imports."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xietong.analytics.models import DatasetImport, RunStatus
from xietong.analytics.services import dataset_import, dataset_import_perform

from .matrix_datasets import (
    HEADER,
    clean_incoming,  # noqa: F401 (autouse fixture)
    county_analyst,
    csv_bytes,
    resident_rows,
)

URL = "/api/analytics/datasets"


@pytest.fixture
def analyst(world, client):
    user = county_analyst(world, "a")
    client.force_login(user)
    return user


def _csv(rows, name="户籍.csv", encoding="utf-8", header=HEADER):
    return SimpleUploadedFile(name, csv_bytes(header, rows, encoding), "text/csv")


def _post(client, world, **fields):
    data = {
        "file": _csv(resident_rows(3)),
        "kind": "residents",
        "unit_id": world.units["a_commission"].pk,
        **fields,
    }
    return client.post(f"{URL}/imports", data)


def test_an_import_is_queued_polled_and_lists_its_dataset(world, client, analyst):
    rows = resident_rows(3)
    rows[0][1] = "王 五"
    resp = _post(
        client,
        world,
        file=_csv(rows, encoding="gbk"),
        name="户籍2026",
        mapping=json.dumps({"性别": None}),
        period_start="2026-01-01",
        period_end="2026-06-30",
    )
    assert resp.status_code == 202, resp.json()
    body = resp.json()
    assert body["status"] == "queued" and body["percent"] == 0
    job = DatasetImport.objects.get(pk=body["id"])
    assert job.mapping["性别"] is None

    dataset_import_perform(job)

    state = client.get(f"{URL}/imports/{job.pk}").json()
    assert state["status"] == "done" and state["finished"]
    assert state["rows_done"] == 3 and state["percent"] == 100
    assert state["version_number"] == 1

    items = client.get(URL).json()["items"]
    assert [(d["name"], d["latest_version"], d["rows"]) for d in items] == [
        ("户籍2026", 1, 3)
    ]
    detail = client.get(f"{URL}/{state['dataset_id']}").json()
    (version,) = detail["versions"]
    assert version["source_encoding"] == "gb18030"
    assert version["encoding_label"].startswith("GBK")
    assert version["period_end"] == "2026-06-30"
    assert "性别" not in version["column_mapping"]
    assert version["report_lines"] == ["姓名去除空格：1 处"]
    assert version["report"]["changes"] == {"姓名去除空格": 1}


def test_a_refused_import_returns_its_row_errors(world, client, analyst):
    rows = resident_rows(3)
    rows[1][0] = "abc"
    body = _post(client, world, file=_csv(rows)).json()
    dataset_import_perform(DatasetImport.objects.get(pk=body["id"]))

    state = client.get(f"{URL}/imports/{body['id']}").json()
    assert state["status"] == "failed" and state["error_rows"] == 1
    assert state["errors"] == [
        {
            "row": 3,
            "column": "id_number",
            "label": "身份证号",
            "message": state["errors"][0]["message"],
        }
    ]
    assert "未导入任何数据" in state["error"]


@pytest.mark.parametrize(
    "fields,status,key,words",
    [
        ({"mapping": "{not json"}, 400, "mapping", "JSON"),
        ({"mapping": '{"姓名": "nickname"}'}, 400, "mapping", "nickname"),
        ({"mapping": '{"姓名": null}'}, 400, "mapping", "姓名（name）"),
        (
            {"period_start": "2026-05-01", "period_end": "2026-01-01"},
            400,
            "period_start",
            "不能晚于",
        ),
        ({"kind": "pets"}, 400, "kind", "pets"),
        ({"unit_id": 987654}, 400, "unit_id", "不存在"),
    ],
    ids=["json", "non-standard", "missing-required", "period", "kind", "unit"],
)
def test_bad_requests_are_refused_and_nothing_is_queued(
    world, client, analyst, fields, status, key, words
):
    resp = _post(client, world, **fields)
    assert resp.status_code == status
    body = resp.json()
    assert key in body["fields"] and words in body["message"]
    assert not DatasetImport.objects.exists()


def test_bad_files_are_refused(world, client, analyst):
    empty = _post(client, world, file=SimpleUploadedFile("a.csv", b"", "text/csv"))
    assert empty.status_code == 400 and "空" in empty.json()["message"]
    wrong = _post(client, world, file=SimpleUploadedFile("a.pdf", b"%PDF", "x/y"))
    assert wrong.status_code == 400 and ".pdf" in wrong.json()["message"]
    assert not DatasetImport.objects.exists()


def test_another_commissions_unit_is_refused(world, client, analyst):
    resp = _post(client, world, unit_id=world.units["b_commission"].pk)
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"


def test_cancel_then_cancel_again_conflicts(world, client, analyst):
    job_id = _post(client, world).json()["id"]
    first = client.post(f"{URL}/imports/{job_id}/cancel")
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    again = client.post(f"{URL}/imports/{job_id}/cancel")
    assert again.status_code == 409 and "无法取消" in again.json()["message"]
    assert DatasetImport.objects.get(pk=job_id).status == RunStatus.CANCELLED


def test_list_filters_and_hides_other_commissions(world, client, analyst):
    for county, name in (("a", "甲"), ("b", "乙")):
        dataset_import(
            actor=county_analyst(world, county),
            kind="residents",
            path_or_file=_csv(resident_rows(1)),
            unit=world.units[f"{county}_commission"],
            name=f"户籍{name}",
        )
    names = [d["name"] for d in client.get(URL).json()["items"]]
    assert names == ["户籍甲"]
    assert client.get(URL, {"kind": "deaths"}).json()["items"] == []
    other = world.units["a_supervision_office"].pk
    assert client.get(URL, {"unit": other}).json()["items"] == []
    hidden = client.get(URL).json()["items"][0]["id"] + 1
    assert client.get(f"{URL}/{hidden}").status_code == 404
