"""Need-to-know matrix rows of the analytics runs pages and endpoints, with their
targets, bodies and checks (merged into ``tests/access/test_policy_matrix.py``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse

from tests.factories import account
from xietong.access.roles import Role
from xietong.analytics.models import ModelRun, RunSchedule, RunStatus
from xietong.analytics.services import (
    dataset_import,
    model_run_enqueue,
    schedule_create,
)

from .support import id_number, write_csv

VIEW = frozenset({Role.ANALYST, Role.LEADER, Role.CASE_MANAGER})
WORK = frozenset({Role.ANALYST})
LOOK_ONLY = VIEW - WORK

TARGETS = frozenset(
    {"analytics_run", "analytics_schedule", "analytics_data_unit", "sweep_unit"}
)


def small_data(actor, unit, folder: Path | None = None) -> str:
    """Deaths and payments of one person paid 40 days after death (one hit of
    死亡冒领) imported into ``unit``; returns the person's ID number."""
    folder = Path(folder or tempfile.mkdtemp(prefix="runs-"))
    person = id_number(31)
    deaths = write_csv(
        folder / "deaths.csv",
        ["身份证号", "姓名", "死亡日期", "行政区划代码"],
        [[person, "张伟", "2026-01-05", "410105"]],
    )
    payments = write_csv(
        folder / "payments.csv",
        [
            "发放流水号",
            "项目",
            "收款人姓名",
            "身份证号",
            "金额",
            "发放日期",
            "行政区划代码",
            "发放单位",
        ],
        [
            [
                "P001",
                "养老",
                "张伟",
                person,
                "300",
                "2026-02-14",
                "410105",
                "金水区民政局",
            ],
            [
                "P002",
                "养老",
                "张伟",
                person,
                "300",
                "2026-01-04",
                "410105",
                "金水区民政局",
            ],
        ],
    )
    dataset_import(actor=actor, kind="deaths", path_or_file=deaths, unit=unit)
    dataset_import(actor=actor, kind="payments", path_or_file=payments, unit=unit)
    return person


def _commission(world, scope):
    return world.units["a_commission" if scope == "in" else "b_commission"]


def _analyst_of(world, unit):
    return account(unit, Role.ANALYST)


def target(name: str, ctx, scope):
    """The record a row with ``target=name`` is called on, in or out of reach."""
    world = ctx.world
    unit = _commission(world, scope)
    if name == "analytics_schedule":
        return schedule_create(
            actor=_analyst_of(world, unit),
            model="death_payment",
            unit=unit,
            every="daily",
        )
    if name == "sweep_unit":
        # The analyst's own data is swept; the unit swept may be any unit.
        own = world.units["a_commission"]
        small_data(_analyst_of(world, own), own)
        return world.units["a_edu" if scope == "in" else "b_edu"]
    analyst = _analyst_of(world, unit)
    small_data(analyst, unit)
    if name == "analytics_data_unit":
        return unit
    return model_run_enqueue(actor=analyst, model="all", unit=unit)


# --- bodies and checks ------------------------------------------------------------------


def run_form(ctx, t):
    return {
        "model": "death_payment",
        "unit": t.pk,
        "engine": "duckdb",
        "p.death_payment.grace_days": "10",
    }


def schedule_form(ctx, t):
    return {
        "model": "all",
        "unit": ctx.world.units["a_commission"].pk,
        "engine": "duckdb",
        "every": "weekly",
    }


def run_body(ctx, t):
    return {"model": "death_payment", "unit_id": t.pk, "params": {"grace_days": 10}}


def schedule_body(ctx, t):
    return {
        "model": "all",
        "unit_id": ctx.world.units["a_commission"].pk,
        "every": "monthly",
    }


def check_run_queued(ctx, resp):
    run = ModelRun.objects.get(created_by=ctx.user)
    assert run.status == RunStatus.QUEUED
    assert run.params == {"death_payment": {"grace_days": 10}}


def check_sweep(ctx, resp):
    run = ModelRun.objects.get(created_by=ctx.user)
    assert run.model == "all" and "target_unit" in run.scope
    assert resp["Location"] == reverse("analytics:run", args=[run.pk])


def check_cancelled(ctx, resp):
    assert ModelRun.objects.get(status=RunStatus.CANCELLED).cancel_requested


def check_schedule_created(ctx, resp):
    assert RunSchedule.objects.filter(created_by=ctx.user).exists()


def check_schedule_toggled(ctx, resp):
    assert not RunSchedule.objects.get().enabled


def check_schedule_deleted(ctx, resp):
    assert not RunSchedule.objects.exists()


def check_runs_page(ctx, resp):
    text = resp.content.decode()
    assert "模型运行" in text


def check_catalogue(ctx, resp):
    models = {m["key"]: m for m in resp.json()}
    assert models["death_payment"]["parameters"][0]["default"] == 31


def rows(m) -> dict:
    """Matrix rows: ``m`` is the matrix module (Endpoint, scoped, only, _url…)."""
    E, only, scoped, url, pk_of = m.Endpoint, m.only, m.scoped, m._url, m.pk_of

    def worker(ok):
        return scoped(WORK, ok=ok, denied_roles=LOOK_ONLY, denied=403)

    def data_unit_expect(ok, out):
        return lambda role, scope: (
            (ok if scope == "in" else out) if role in WORK else 404
        )

    return {
        "analytics:runs": E(
            "analytics:runs",
            "get",
            only(VIEW),
            url("analytics:runs"),
            check=check_runs_page,
        ),
        "analytics:run_new": E(
            "analytics:run_new", "get", only(WORK), url("analytics:run_new")
        ),
        "analytics:run_new[post]": E(
            "analytics:run_new",
            "post",
            data_unit_expect(302, 400),
            url("analytics:run_new"),
            data=run_form,
            target="analytics_data_unit",
            check=check_run_queued,
        ),
        "analytics:run": E(
            "analytics:run",
            "get",
            scoped(VIEW),
            url("analytics:run", pk_of),
            target="analytics_run",
        ),
        "analytics:run_progress": E(
            "analytics:run_progress",
            "get",
            scoped(VIEW),
            url("analytics:run_progress", pk_of),
            target="analytics_run",
        ),
        "analytics:run_cancel": E(
            "analytics:run_cancel",
            "post",
            worker(302),
            url("analytics:run_cancel", pk_of),
            target="analytics_run",
            check=check_cancelled,
        ),
        "analytics:schedules": E(
            "analytics:schedules", "get", only(VIEW), url("analytics:schedules")
        ),
        "analytics:schedule_create": E(
            "analytics:schedule_create",
            "get",
            only(WORK),
            url("analytics:schedule_create"),
        ),
        "analytics:schedule_create[post]": E(
            "analytics:schedule_create",
            "post",
            only(WORK, ok=302),
            url("analytics:schedule_create"),
            data=schedule_form,
            check=check_schedule_created,
        ),
        "analytics:schedule_toggle": E(
            "analytics:schedule_toggle",
            "post",
            worker(302),
            url("analytics:schedule_toggle", pk_of),
            target="analytics_schedule",
            check=check_schedule_toggled,
        ),
        "analytics:schedule_delete": E(
            "analytics:schedule_delete",
            "post",
            worker(302),
            url("analytics:schedule_delete", pk_of),
            target="analytics_schedule",
            check=check_schedule_deleted,
        ),
        "analytics:sweep": E(
            "analytics:sweep",
            "post",
            lambda role, scope: 302 if role in WORK else 404,
            url("analytics:sweep", pk_of),
            target="sweep_unit",
            check=check_sweep,
        ),
        "api:analytics_model_list": E(
            "api:analytics_model_list",
            "get",
            only(VIEW),
            lambda ctx, t: "/api/analytics/models",
            openapi=("get", "/api/analytics/models"),
            check=check_catalogue,
        ),
        "api:analytics_run_list": E(
            "api:analytics_run_list",
            "get",
            only(VIEW),
            lambda ctx, t: "/api/analytics/runs",
            openapi=("get", "/api/analytics/runs"),
        ),
        "api:analytics_run_create": E(
            "api:analytics_run_create",
            "post",
            data_unit_expect(201, 403),
            lambda ctx, t: "/api/analytics/runs",
            data=run_body,
            json_body=True,
            target="analytics_data_unit",
            openapi=("post", "/api/analytics/runs"),
            check=check_run_queued,
        ),
        "api:analytics_run_detail": E(
            "api:analytics_run_detail",
            "get",
            scoped(VIEW),
            lambda ctx, t: f"/api/analytics/runs/{t.pk}",
            target="analytics_run",
            openapi=("get", "/api/analytics/runs/{run_id}"),
        ),
        "api:analytics_run_cancel": E(
            "api:analytics_run_cancel",
            "post",
            worker(200),
            lambda ctx, t: f"/api/analytics/runs/{t.pk}/cancel",
            target="analytics_run",
            openapi=("post", "/api/analytics/runs/{run_id}/cancel"),
            check=check_cancelled,
        ),
        "api:analytics_schedule_list": E(
            "api:analytics_schedule_list",
            "get",
            only(VIEW),
            lambda ctx, t: "/api/analytics/schedules",
            openapi=("get", "/api/analytics/schedules"),
        ),
        "api:analytics_schedule_create": E(
            "api:analytics_schedule_create",
            "post",
            only(WORK, ok=201),
            lambda ctx, t: "/api/analytics/schedules",
            data=schedule_body,
            json_body=True,
            openapi=("post", "/api/analytics/schedules"),
            check=check_schedule_created,
        ),
        "api:analytics_schedule_update": E(
            "api:analytics_schedule_update",
            "post",
            worker(200),
            lambda ctx, t: f"/api/analytics/schedules/{t.pk}",
            data=lambda ctx, t: {"enabled": False},
            json_body=True,
            target="analytics_schedule",
            openapi=("post", "/api/analytics/schedules/{schedule_id}"),
            check=check_schedule_toggled,
        ),
        "api:analytics_schedule_delete": E(
            "api:analytics_schedule_delete",
            "delete",
            worker(204),
            lambda ctx, t: f"/api/analytics/schedules/{t.pk}",
            target="analytics_schedule",
            openapi=("delete", "/api/analytics/schedules/{schedule_id}"),
            check=check_schedule_deleted,
        ),
    }
