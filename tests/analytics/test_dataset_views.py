"""The dataset pages and the three-step import wizard, as an analyst uses them."""

from __future__ import annotations

import datetime as dt
import os
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from tests.factories import account
from xietong.access.roles import Role
from xietong.analytics.models import DatasetImport, DatasetVersion, RunStatus
from xietong.analytics.services import (
    dataset_import,
    dataset_import_perform,
    datasets_root,
)

from .matrix_datasets import (
    HEADER,
    clean_incoming,  # noqa: F401 (autouse fixture)
    county_analyst,
    csv_bytes,
    resident_rows,
)


def _incoming() -> set:
    root = datasets_root() / "incoming"
    return set(root.iterdir()) if root.exists() else set()


@pytest.fixture
def analyst(world, client):
    user = county_analyst(world, "a")
    client.force_login(user)
    return user


def _step1(client, world, upload, **extra):
    data = {
        "file": upload,
        "kind": "residents",
        "unit": world.units["a_commission"].pk,
        **extra,
    }
    return client.post(reverse("analytics:import_new"), data)


def _token(resp) -> str:
    assert resp.status_code == 302, resp.content.decode()[:500]
    return re.search(r"/import/([0-9a-f]{32})/", resp["Location"]).group(1)


def _csv(rows, name="户籍.csv", encoding="utf-8", header=HEADER):
    return SimpleUploadedFile(name, csv_bytes(header, rows, encoding), "text/csv")


def test_the_wizard_uploads_maps_previews_and_imports_a_gbk_file(
    world, client, analyst
):
    rows = resident_rows(3)
    rows[0][1] = "张　伟"  # a full-width space, cleaned
    resp = _step1(
        client,
        world,
        _csv(rows, encoding="gbk"),
        name="2026年户籍",
        period_start="2026-01-01",
        period_end="2026-03-31",
    )
    url = reverse("analytics:import_mapping", args=[_token(resp)])

    page = client.get(url).content.decode()
    assert "GBK" in page and "已自动转换" in page
    assert '<option value="id_number" selected>' in page  # 公民身份号码 recognised
    assert "<del>张　伟</del> → <ins>张伟</ins>" in page
    assert "已检查前 3 行" in page and "都能规范化" in page

    # Unmapping 姓名 refreshes the preview (HTMX) with the missing column named.
    part = client.post(
        url, {"map_0": "id_number", "map_1": ""}, headers={"HX-Request": "true"}
    )
    assert part.status_code == 200
    text = part.content.decode()
    assert text.startswith('<div id="preview">') and "缺少必填列：姓名（name）" in text

    refused = client.post(url, {"action": "start", "map_1": ""})
    assert refused.status_code == 400
    assert "缺少必填列" in refused.content.decode()
    assert not DatasetImport.objects.exists()

    started = client.post(url, {"action": "start", "map_2": ""})
    job = DatasetImport.objects.get()
    assert started["Location"] == reverse("analytics:import", args=[job.pk])
    assert job.mapping["性别"] is None and job.name == "2026年户籍"
    assert client.get(url).status_code == 404  # the staged upload is used up
    waiting = client.get(started["Location"]).content.decode()
    assert "排队等待导入" in waiting and "取消导入" in waiting

    dataset_import_perform(job)

    done = client.get(reverse("analytics:import_progress", args=[job.pk]))
    text = done.content.decode()
    assert "导入完成" in text and "hx-trigger" not in text  # polling stops
    assert "GBK/GB18030（已转换为 UTF-8）" in text
    assert "姓名去除空格：1 处" in text
    version = DatasetVersion.objects.get()
    assert version.period_end == dt.date(2026, 3, 31)

    listing = client.get(reverse("analytics:datasets")).content.decode()
    assert "2026年户籍" in listing and "第 1 版" in listing
    assert "2026-01-01 至 2026-03-31" in listing
    detail = client.get(reverse("analytics:dataset", args=[version.dataset_id]))
    text = detail.content.decode()
    assert "姓名去除空格：1 处" in text and "公民身份号码" in text
    assert "GBK" in text


def test_a_refused_import_shows_each_bad_row(world, client, analyst):
    rows = resident_rows(3)
    rows[2][0] = "4101051975"
    resp = _step1(client, world, _csv(rows))
    url = reverse("analytics:import_mapping", args=[_token(resp)])
    page = client.get(url).content.decode()
    assert "有 1 行无法规范化" in page and "第 4 行" in page

    client.post(url, {"action": "start"})
    job = DatasetImport.objects.get()
    dataset_import_perform(job)

    text = client.get(reverse("analytics:import", args=[job.pk])).content.decode()
    assert "未导入" in text and "有 1 行数据无法规范化" in text
    assert re.search(r"第 4 行</td><td>身份证号 <code>id_number</code></td>", text)
    assert not DatasetVersion.objects.exists()


@pytest.mark.parametrize(
    "upload,extra,words",
    [
        (lambda: _csv(resident_rows(1), name="户籍.docx"), {}, "不支持的文件类型"),
        (
            lambda: _csv(resident_rows(1)),
            {"period_start": "2026-05-01", "period_end": "2026-04-01"},
            "不能晚于截止日期",
        ),
        (lambda: _csv(resident_rows(1)), {"kind": "pets"}, "数据集类型无效"),
    ],
    ids=["extension", "period", "kind"],
)
def test_step1_refuses_bad_input_and_stages_nothing(
    world, client, analyst, upload, extra, words
):
    before = _incoming()
    resp = _step1(client, world, upload(), **extra)
    assert resp.status_code == 400
    assert words in resp.content.decode()
    assert _incoming() == before


def test_an_empty_file_is_refused(world, client, analyst):
    resp = _step1(client, world, SimpleUploadedFile("空.csv", b"", "text/csv"))
    assert resp.status_code == 400
    assert "上传的文件是空的" in resp.content.decode()


def test_an_xlsx_over_the_limit_is_refused_through_the_page(
    world, client, analyst, settings, tmp_path
):
    book = Workbook()
    book.active.append(HEADER)
    for row in resident_rows(50):
        book.active.append(row)
    path = tmp_path / "户籍.xlsx"
    book.save(path)
    settings.XIETONG_DATASET_XLSX_MAX_BYTES = 1024
    before = _incoming()

    upload = SimpleUploadedFile("户籍.xlsx", path.read_bytes())
    resp = _step1(client, world, upload)

    assert resp.status_code == 400
    text = resp.content.decode()
    assert "XLSX 文件过大" in text and "另存为 CSV" in text
    assert _incoming() == before


def test_a_mapping_to_a_column_that_is_not_standard_is_refused(world, client, analyst):
    url = reverse(
        "analytics:import_mapping",
        args=[_token(_step1(client, world, _csv(resident_rows(1))))],
    )
    resp = client.post(url, {"action": "start", "map_1": "nickname"})
    assert resp.status_code == 400
    assert "“nickname”不是户籍人口（residents）的标准列" in resp.content.decode()
    assert not DatasetImport.objects.exists()


def test_only_the_units_of_the_own_commission_are_offered(world, client, analyst):
    page = client.get(reverse("analytics:import_new")).content.decode()
    assert "金水区纪委监委" in page and "中原区纪委监委" not in page
    resp = _step1(
        client, world, _csv(resident_rows(1)), unit=world.units["b_commission"].pk
    )
    assert resp.status_code == 400
    assert "不能为该单位导入数据集" in resp.content.decode()


def test_discarding_at_the_mapping_step_deletes_the_upload(world, client, analyst):
    token = _token(_step1(client, world, _csv(resident_rows(1))))
    staged = {p for p in _incoming() if p.stem == token}
    assert len(staged) == 2  # the file and its sidecar
    resp = client.post(
        reverse("analytics:import_mapping", args=[token]), {"action": "discard"}
    )
    assert resp["Location"] == reverse("analytics:datasets")
    assert not any(p.exists() for p in staged)


def test_a_new_upload_sweeps_abandoned_ones(world, client, analyst):
    token = _token(_step1(client, world, _csv(resident_rows(1))))
    old = time.time() - 3 * 86400
    abandoned = [p for p in _incoming() if p.stem == token]
    for p in abandoned:
        os.utime(p, (old, old))
    _token(_step1(client, world, _csv(resident_rows(1))))
    assert not any(p.exists() for p in abandoned)


def test_cancelling_from_the_page(world, client, analyst):
    client.post(
        reverse(
            "analytics:import_mapping",
            args=[_token(_step1(client, world, _csv(resident_rows(2))))],
        ),
        {"action": "start"},
    )
    job = DatasetImport.objects.get()
    url = reverse("analytics:import_cancel", args=[job.pk])

    resp = client.post(url, follow=True)
    assert "已取消导入" in resp.content.decode()
    job.refresh_from_db()
    assert job.status == RunStatus.CANCELLED

    again = client.post(url, follow=True).content.decode()
    assert "该导入已结束（已取消），无法取消" in again


def test_the_list_filters_by_unit_and_kind(world, client, analyst):
    unit = world.units["a_commission"]
    office = world.units["a_supervision_office"]
    for target, kind, name in ((unit, "residents", "甲"), (office, "deaths", "乙")):
        header = HEADER if kind == "residents" else ["身份证号", "姓名", "死亡日期"]
        rows = [r[:2] + ["2025-01-01"] for r in resident_rows(1)]
        dataset_import(
            actor=analyst,
            kind=kind,
            path_or_file=_csv(
                rows if kind == "deaths" else resident_rows(1), header=header
            ),
            unit=target,
            name=f"数据{name}",
        )
    url = reverse("analytics:datasets")
    both = client.get(url).content.decode()
    assert "数据甲" in both and "数据乙" in both
    only_deaths = client.get(url, {"kind": "deaths"}).content.decode()
    assert "数据乙" in only_deaths and "数据甲" not in only_deaths
    only_unit = client.get(url, {"unit": unit.pk}).content.decode()
    assert "数据甲" in only_unit and "数据乙" not in only_unit


def test_a_leader_sees_datasets_but_cannot_import(world, client):
    leader = account(world.units["a_commission"], Role.LEADER)
    client.force_login(leader)
    page = client.get(reverse("analytics:datasets")).content.decode()
    assert "导入数据</a>" not in page
    assert client.get(reverse("analytics:import_new")).status_code == 404
