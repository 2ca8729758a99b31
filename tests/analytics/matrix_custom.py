"""Need-to-know matrix rows of the analytics custom pages and endpoints, with their
targets, bodies and checks (merged into ``tests/access/test_policy_matrix.py``).

The target is a custom model shared in a county's commission (written by another
analyst there): in reach for county a's analyst, leader and case manager, out of reach
for everyone when it is county b's. Analysts write, try and run; the leader and case
manager may look (403 on writes); everyone else gets 404.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.analytics.support import write_csv
from tests.factories import account
from xietong.access.policies import ANALYTICS_VIEW_ROLES
from xietong.access.roles import Role
from xietong.analytics.models import CustomModel, ModelRun, RunStatus
from xietong.analytics.services import dataset_import
from xietong.analytics.services.custom_models import custom_model_save

TARGETS: frozenset[str] = frozenset({"custom_model", "custom_model_data"})
ANALYSTS = frozenset({Role.ANALYST})
LOOKERS = ANALYTICS_VIEW_ROLES - ANALYSTS  # see shared models, may not change them
SQL = "SELECT payment_id, payee_name AS name, amount FROM payments WHERE amount >= $min"
PARAMS = [{"name": "min", "label": "金额下限", "type": "float", "default": 100}]


def _name(county: str) -> str:
    return f"矩阵模型{county.upper()}"


def make_custom_model(world, county: str, *, data: bool = False) -> CustomModel:
    """A shared model of ``county``'s commission; with ``data``, a payments file
    imported there so it can be tried and run."""
    unit = world.units[f"{county}_commission"]
    author = account(unit, Role.ANALYST)
    if data:
        folder = Path(tempfile.mkdtemp(prefix="custom-"))
        payments = write_csv(
            folder / "payments.csv",
            ["发放流水号", "项目", "收款人姓名", "金额", "发放日期"],
            [[f"{county}-P001", "低保", "矩阵甲", "500", "2026-03-01"]],
        )
        dataset_import(actor=author, kind="payments", path_or_file=payments, unit=unit)
    return custom_model_save(
        actor=author,
        unit=unit,
        name=_name(county),
        sql=SQL,
        params=PARAMS,
        shared=True,
    )


def target(name: str, ctx, scope):
    """The record a row with ``target=name`` is called on, in or out of reach."""
    if name not in TARGETS:
        raise KeyError(name)
    county = "a" if scope == "in" else "b"
    return make_custom_model(ctx.world, county, data=name == "custom_model_data")


# --- checks -----------------------------------------------------------------------------


def _text(resp) -> str:
    return resp.content.decode("utf-8", errors="replace")


def check_list_page(ctx, resp):
    text = _text(resp)
    assert "死亡冒领" in text and "grace_days" in text  # the built-in catalogue
    assert (_name("a") in text) == (ctx.scope == "in")
    assert _name("b") not in text


def check_api_list(ctx, resp):
    names = {m["name"] for m in resp.json()}
    assert names == ({_name("a")} if ctx.scope == "in" else set())


def check_page(ctx, resp):
    text = _text(resp)
    assert _name("a") in text and "amount &gt;= $min" in text


def check_api_detail(ctx, resp):
    body = resp.json()
    assert body["name"] == _name("a") and body["sql"] == SQL
    assert body["can_edit"] == (ctx.role == Role.ANALYST)


def check_editor(ctx, resp):
    assert "数据集与标准列" in _text(resp)


def check_created(ctx, resp):
    model = CustomModel.objects.get(name="矩阵新模型")
    assert model.created_by_id == ctx.user.pk
    assert model.unit_id == ctx.world.units["a_commission"].pk


def check_changed(ctx, resp):
    assert CustomModel.objects.filter(name="矩阵模型（修订）").exists()


def check_deleted(ctx, resp):
    assert not CustomModel.objects.filter(name=_name("a")).exists()


def check_trial(ctx, resp):
    assert "a-P001" in _text(resp)


def check_api_trial(ctx, resp):
    assert [r["payment_id"] for r in resp.json()["rows"]] == ["a-P001"]


def check_run_queued(ctx, resp):
    run = ModelRun.objects.get(custom_model__name=_name("a"))
    assert run.status == RunStatus.QUEUED and run.created_by_id == ctx.user.pk


# --- bodies -----------------------------------------------------------------------------


def form_body(ctx, t):
    return {
        "name": "矩阵新模型" if t is None else "矩阵模型（修订）",
        "unit": ctx.world.units["a_commission"].pk,
        "sql": SQL,
        "param_name": "min",
        "param_label": "金额下限",
        "param_type": "float",
        "param_default": "100",
        "shared": "on",
    }


def api_body(ctx, t):
    return {
        "name": "矩阵新模型" if t is None else "矩阵模型（修订）",
        "sql": SQL,
        "params": PARAMS,
        "shared": True,
    }


def rows(m) -> dict:
    """Matrix rows: ``m`` is the matrix module (Endpoint, scoped, only, _url…)."""
    look = m.only(ANALYTICS_VIEW_ROLES)
    seen = m.in_reach(ANALYTICS_VIEW_ROLES)

    def work(ok):
        return m.scoped(ANALYSTS, ok=ok, denied_roles=LOOKERS, denied=403)

    def api(path=""):
        return lambda ctx, t: f"/api/analytics/custom-models/{t.pk}{path}"

    api_path = "/api/analytics/custom-models/{model_id}"
    return {
        "analytics:custom_models": m.Endpoint(
            "analytics:custom_models",
            "get",
            look,
            m._url("analytics:custom_models"),
            target="custom_model",
            check=check_list_page,
        ),
        "analytics:custom_model_new": m.Endpoint(
            "analytics:custom_model_new",
            "get",
            m.only(ANALYSTS),
            m._url("analytics:custom_model_new"),
            check=check_editor,
        ),
        "analytics:custom_model_new[post]": m.Endpoint(
            "analytics:custom_model_new",
            "post",
            m.only(ANALYSTS, ok=302),
            m._url("analytics:custom_model_new"),
            data=form_body,
            check=check_created,
        ),
        "analytics:custom_model": m.Endpoint(
            "analytics:custom_model",
            "get",
            seen,
            m._url("analytics:custom_model", m.pk_of),
            target="custom_model",
            check=check_page,
        ),
        "analytics:custom_model_edit": m.Endpoint(
            "analytics:custom_model_edit",
            "get",
            work(200),
            m._url("analytics:custom_model_edit", m.pk_of),
            target="custom_model",
            check=check_editor,
        ),
        "analytics:custom_model_edit[post]": m.Endpoint(
            "analytics:custom_model_edit",
            "post",
            work(302),
            m._url("analytics:custom_model_edit", m.pk_of),
            target="custom_model",
            data=form_body,
            check=check_changed,
        ),
        "analytics:custom_model_trial": m.Endpoint(
            "analytics:custom_model_trial",
            "post",
            work(200),
            m._url("analytics:custom_model_trial"),
            target="custom_model_data",
            data=lambda ctx, t: {"model": t.pk, "value_min": "100"},
            check=check_trial,
        ),
        "analytics:custom_model_run": m.Endpoint(
            "analytics:custom_model_run",
            "post",
            work(302),
            m._url("analytics:custom_model_run", m.pk_of),
            target="custom_model_data",
            data=lambda ctx, t: {"value_min": "100"},
            check=check_run_queued,
        ),
        "analytics:custom_model_delete": m.Endpoint(
            "analytics:custom_model_delete",
            "post",
            work(302),
            m._url("analytics:custom_model_delete", m.pk_of),
            target="custom_model",
            check=check_deleted,
        ),
        "api:custom_model_list": m.Endpoint(
            "api:custom_model_list",
            "get",
            look,
            lambda ctx, t: "/api/analytics/custom-models",
            target="custom_model",
            openapi=("get", "/api/analytics/custom-models"),
            check=check_api_list,
        ),
        "api:custom_model_create": m.Endpoint(
            "api:custom_model_create",
            "post",
            m.only(ANALYSTS, ok=201),
            lambda ctx, t: "/api/analytics/custom-models",
            data=lambda ctx, t: api_body(ctx, None),
            json_body=True,
            openapi=("post", "/api/analytics/custom-models"),
            check=check_created,
        ),
        "api:custom_model_detail": m.Endpoint(
            "api:custom_model_detail",
            "get",
            seen,
            api(),
            target="custom_model",
            openapi=("get", api_path),
            check=check_api_detail,
        ),
        "api:custom_model_update": m.Endpoint(
            "api:custom_model_update",
            "put",
            work(200),
            api(),
            target="custom_model",
            data=api_body,
            json_body=True,
            openapi=("put", api_path),
            check=check_changed,
        ),
        "api:custom_model_delete": m.Endpoint(
            "api:custom_model_delete",
            "delete",
            work(204),
            api(),
            target="custom_model",
            openapi=("delete", api_path),
            check=check_deleted,
        ),
        "api:custom_model_trial": m.Endpoint(
            "api:custom_model_trial",
            "post",
            work(200),
            api("/trial"),
            target="custom_model_data",
            data=lambda ctx, t: {"params": {"min": 100}},
            json_body=True,
            openapi=("post", f"{api_path}/trial"),
            check=check_api_trial,
        ),
        "api:custom_model_run": m.Endpoint(
            "api:custom_model_run",
            "post",
            work(202),
            api("/run"),
            target="custom_model_data",
            data=lambda ctx, t: {"params": {"min": 100}},
            json_body=True,
            openapi=("post", f"{api_path}/run"),
            check=check_run_queued,
        ),
    }
