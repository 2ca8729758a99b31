"""Need-to-know matrix rows of the analytics datasets pages and endpoints, with their
targets, bodies and checks (merged into ``tests/access/test_policy_matrix.py``).

Datasets and imports of 金水区纪委监委 (county a) are in reach of the matrix accounts,
中原区's (county b) are not. Analysts of the commission import and cancel; its 委领导
and 案管 only look. The helpers building small department files are shared with the
dataset tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import account
from xietong.access.policies import ANALYTICS_VIEW_ROLES
from xietong.access.roles import Role
from xietong.analytics.models import DatasetImport, RunStatus
from xietong.analytics.services import (
    dataset_import,
    dataset_import_enqueue,
    dataset_upload_stage,
    datasets_root,
    staged_upload_get,
)

from .support import id_number

TARGETS = frozenset({"dataset", "dataset_import", "staged_upload"})
VIEW = frozenset(ANALYTICS_VIEW_ROLES)
WORK = frozenset({Role.ANALYST})
HEADER = ["公民身份号码", "姓名", "性别", "出生日期"]


@pytest.fixture(autouse=True)
def clean_incoming():
    """Remove what a test left under ``incoming`` (staged uploads of queued imports
    outlive the test's database transaction)."""
    incoming = datasets_root() / "incoming"
    before = set(incoming.iterdir()) if incoming.exists() else set()
    yield
    if incoming.exists():
        for path in set(incoming.iterdir()) - before:
            path.unlink(missing_ok=True)


# --- department files ----------------------------------------------------------------


def resident_rows(n: int, start: int = 1) -> list[list[str]]:
    """``n`` clean resident rows with valid, distinct ID numbers."""
    rows = []
    for i in range(start, start + n):
        birth = dt.date(1975, 3, 9) + dt.timedelta(days=i // 900)
        rows.append([id_number(i % 900 + 1, birth=birth), f"居民{i}", "男", str(birth)])
    return rows


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    """A CSV file's bytes as a department would send it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def resident_upload(name="户籍.csv", rows=None) -> SimpleUploadedFile:
    rows = resident_rows(3) if rows is None else rows
    return SimpleUploadedFile(name, csv_bytes(HEADER, rows), "text/csv")


def county_analyst(world, county: str):
    return account(world.units[f"{county}_commission"], Role.ANALYST)


def _county(scope) -> str:
    return "a" if scope == "in" else "b"


# --- targets ---------------------------------------------------------------------------


def target(name: str, ctx, scope):
    """The record a row with ``target=name`` is called on, in or out of reach."""
    world, county = ctx.world, _county(scope)
    unit = world.units[f"{county}_commission"]
    if name == "dataset":
        return dataset_import(
            actor=county_analyst(world, county),
            kind="residents",
            path_or_file=resident_upload(),
            unit=unit,
            name=f"矩阵数据集{county}",
        )
    if name == "dataset_import":
        return dataset_import_enqueue(
            actor=county_analyst(world, county),
            kind="residents",
            unit=unit,
            upload=resident_upload(f"矩阵导入{county}.csv"),
        )
    if name == "staged_upload":
        # The matrix account's own upload when it may make one; someone else's otherwise.
        own = ctx.user is not None and ctx.role == Role.ANALYST and scope == "in"
        return dataset_upload_stage(
            actor=ctx.user if own else county_analyst(world, county),
            kind="residents",
            unit=unit,
            upload=resident_upload(f"矩阵暂存{county}.csv"),
        )
    raise KeyError(name)


# --- bodies ------------------------------------------------------------------------------


def upload_body(ctx, t):
    return {
        "file": resident_upload("矩阵上传.csv"),
        "kind": "residents",
        "unit": ctx.world.units["a_commission"].pk,
        "name": "矩阵上传",
    }


def api_upload_body(ctx, t):
    return {
        "file": resident_upload("矩阵接口上传.csv"),
        "kind": "residents",
        "unit_id": ctx.world.units["a_commission"].pk,
        "mapping": '{"公民身份号码": "id_number"}',
    }


# --- checks on allowed answers --------------------------------------------------------------


def _text(resp) -> str:
    return resp.content.decode()


def check_list_page(ctx, resp):
    text = _text(resp)
    assert "矩阵数据集b" not in text
    assert ("矩阵数据集a" in text) == (ctx.scope == "in")


def check_dataset_page(ctx, resp):
    text = _text(resp)
    assert "矩阵数据集a" in text and "第 1 版" in text and "公民身份号码" in text


def check_staged(ctx, resp):
    token = re.search(r"/import/([0-9a-f]{32})/", resp["Location"]).group(1)
    staged = staged_upload_get(actor=ctx.user, token=token)
    assert staged.file_name == "矩阵上传.csv" and staged.name == "矩阵上传"


def check_mapping_page(ctx, resp):
    text = _text(resp)
    assert "列对应关系" in text and "公民身份号码" in text and "居民1" in text


def check_import_started(ctx, resp):
    job = DatasetImport.objects.get(created_by=ctx.user)
    assert resp["Location"] == reverse("analytics:import", args=[job.pk])
    assert job.status == RunStatus.QUEUED and job.mapping["公民身份号码"] == "id_number"


def check_import_page(ctx, resp):
    text = _text(resp)
    assert "矩阵导入a.csv" in text and "排队等待导入" in text


def check_progress_part(ctx, resp):
    text = _text(resp)
    assert "排队等待导入" in text and 'hx-trigger="every 1500ms"' in text


def check_cancelled(ctx, resp):
    job = DatasetImport.objects.get(source_name="矩阵导入a.csv")
    assert job.status == RunStatus.CANCELLED and job.cancel_requested


def check_api_list(ctx, resp):
    names = {d["name"] for d in resp.json()["items"]}
    expected = {"矩阵数据集a"} if ctx.scope == "in" and ctx.role in VIEW else set()
    assert names == expected


def check_api_dataset(ctx, resp):
    body = resp.json()
    assert body["name"] == "矩阵数据集a"
    assert [v["number"] for v in body["versions"]] == [1]
    assert body["versions"][0]["rows"] == 3


def check_api_import_created(ctx, resp):
    body = resp.json()
    assert body["status"] == "queued" and body["source_name"] == "矩阵接口上传.csv"
    assert DatasetImport.objects.filter(pk=body["id"], created_by=ctx.user).exists()


def check_api_import(ctx, resp):
    body = resp.json()
    assert body["source_name"] == "矩阵导入a.csv" and body["status"] == "queued"


def check_api_cancelled(ctx, resp):
    assert resp.json()["status"] == "cancelled"
    check_cancelled(ctx, resp)


# --- rows ----------------------------------------------------------------------------------


def rows(m) -> dict:
    """Matrix rows: ``m`` is the matrix module (Endpoint, scoped, only, _url…)."""
    E, pk = m.Endpoint, m.pk_of
    cancel_expect = m.scoped(WORK, ok=302, denied_roles=VIEW - WORK)
    return {
        "analytics:datasets": E(
            "analytics:datasets",
            "get",
            m.only(VIEW),
            m._url("analytics:datasets"),
            target="dataset",
            check=check_list_page,
        ),
        "analytics:dataset": E(
            "analytics:dataset",
            "get",
            m.in_reach(VIEW),
            m._url("analytics:dataset", pk),
            target="dataset",
            check=check_dataset_page,
        ),
        "analytics:import_new": E(
            "analytics:import_new", "get", m.only(WORK), m._url("analytics:import_new")
        ),
        "analytics:import_new[post]": E(
            "analytics:import_new",
            "post",
            m.only(WORK, ok=302),
            m._url("analytics:import_new"),
            data=upload_body,
            check=check_staged,
        ),
        "analytics:import_mapping": E(
            "analytics:import_mapping",
            "get",
            m.in_reach(WORK),
            lambda ctx, t: reverse("analytics:import_mapping", args=[t.token]),
            target="staged_upload",
            check=check_mapping_page,
        ),
        "analytics:import_mapping[start]": E(
            "analytics:import_mapping",
            "post",
            m.in_reach(WORK, ok=302),
            lambda ctx, t: reverse("analytics:import_mapping", args=[t.token]),
            data=lambda ctx, t: {"action": "start", "map_0": "id_number"},
            target="staged_upload",
            check=check_import_started,
        ),
        "analytics:import": E(
            "analytics:import",
            "get",
            m.in_reach(VIEW),
            m._url("analytics:import", pk),
            target="dataset_import",
            check=check_import_page,
        ),
        "analytics:import_progress": E(
            "analytics:import_progress",
            "get",
            m.in_reach(VIEW),
            m._url("analytics:import_progress", pk),
            target="dataset_import",
            check=check_progress_part,
        ),
        "analytics:import_cancel": E(
            "analytics:import_cancel",
            "post",
            cancel_expect,
            m._url("analytics:import_cancel", pk),
            target="dataset_import",
            check=check_cancelled,
        ),
        "api:analytics_datasets": E(
            "api:analytics_datasets",
            "get",
            m.everyone(),
            lambda ctx, t: "/api/analytics/datasets",
            target="dataset",
            openapi=("get", "/api/analytics/datasets"),
            check=check_api_list,
        ),
        "api:analytics_dataset": E(
            "api:analytics_dataset",
            "get",
            m.in_reach(VIEW),
            lambda ctx, t: f"/api/analytics/datasets/{t.pk}",
            target="dataset",
            openapi=("get", "/api/analytics/datasets/{dataset_id}"),
            check=check_api_dataset,
        ),
        "api:analytics_import_create": E(
            "api:analytics_import_create",
            "post",
            lambda role, scope: 202 if role in WORK else 403,
            lambda ctx, t: "/api/analytics/datasets/imports",
            data=api_upload_body,
            openapi=("post", "/api/analytics/datasets/imports"),
            check=check_api_import_created,
        ),
        "api:analytics_import": E(
            "api:analytics_import",
            "get",
            m.in_reach(VIEW),
            lambda ctx, t: f"/api/analytics/datasets/imports/{t.pk}",
            target="dataset_import",
            openapi=("get", "/api/analytics/datasets/imports/{import_id}"),
            check=check_api_import,
        ),
        "api:analytics_import_cancel": E(
            "api:analytics_import_cancel",
            "post",
            m.scoped(WORK, ok=200, denied_roles=VIEW - WORK),
            lambda ctx, t: f"/api/analytics/datasets/imports/{t.pk}/cancel",
            target="dataset_import",
            openapi=("post", "/api/analytics/datasets/imports/{import_id}/cancel"),
            check=check_api_cancelled,
        ),
    }
