"""The runs pages: the form with its Chinese errors, live progress, cancel,
schedules and 一键抓取 from a unit's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import account
from xietong.access.roles import Role
from xietong.analytics import jobs
from xietong.analytics.models import ModelRun, RunSchedule, RunStatus
from xietong.analytics.services import model_run_enqueue

from .matrix_runs import small_data
from .support import analyst


@pytest.fixture
def setup(world, tmp_path, client):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    small_data(actor, unit, tmp_path)
    client.force_login(actor)
    return actor, unit


def test_the_form_lists_every_model_with_its_parameters(setup, client):
    text = client.get(reverse("analytics:run_new")).content.decode()
    assert "全部模型（7 个内置模型）" in text
    assert 'name="p.death_payment.grace_days"' in text and "宽限天数" in text
    assert "默认 31" in text and "范围 0–3650" in text
    assert "默认 低保，特困" in text
    # Choosing one model shows its parameters only (the HTMX refresh uses this).
    one = client.get(reverse("analytics:run_new"), {"model": "vehicle_misuse"})
    assert "p.death_payment.grace_days" not in one.content.decode()


def test_a_bad_parameter_is_named_next_to_its_field_and_nothing_is_queued(
    setup, client
):
    _, unit = setup
    resp = client.post(
        reverse("analytics:run_new"),
        {"model": "death_payment", "unit": unit.pk, "p.death_payment.grace_days": "-3"},
    )
    assert resp.status_code == 400
    text = resp.content.decode()
    assert 'class="invalid"' in text
    assert "参数“宽限天数”（grace_days）应在 0–3650 之间，实为 -3" in text
    assert 'value="-3"' in text  # what was typed is kept
    assert not ModelRun.objects.exists()


def test_a_bad_scope_is_refused_in_chinese(setup, client):
    _, unit = setup
    resp = client.post(
        reverse("analytics:run_new"),
        {"model": "all", "unit": unit.pk, "scope_kind": "region", "region_code": "41x"},
    )
    assert resp.status_code == 400
    assert "行政区划代码“41x”无效" in resp.content.decode()
    assert not ModelRun.objects.exists()


def test_a_run_is_queued_then_polled_until_done(setup, client):
    _, unit = setup
    resp = client.post(
        reverse("analytics:run_new"),
        {
            "model": "all",
            "unit": unit.pk,
            "engine": "duckdb",
            "p.death_payment.grace_days": "10",
            "scope_kind": "region",
            "region_code": "410105",
        },
    )
    run = ModelRun.objects.get()
    assert resp["Location"] == reverse("analytics:run", args=[run.pk])
    assert run.params["death_payment"] == {"grace_days": 10}
    assert run.scope == {"region_code": "410105"}

    page = client.get(resp["Location"]).content.decode()
    assert "排队中" in page and 'hx-trigger="every 2s"' in page
    assert "取消运行" in page and "行政区划 410105" in page
    assert "死亡登记" in page  # the data versions, by dataset

    jobs.Worker().run_once()

    url = reverse("analytics:run_progress", args=[run.pk])
    fragment = client.get(url, {"was": "running"})
    assert fragment["HX-Refresh"] == "true"
    assert "every 2s" not in fragment.content.decode()
    page = client.get(reverse("analytics:run", args=[run.pk])).content.decode()
    assert "已完成" in page and "新发现 <b>1</b> 条" in page
    assert f"/analytics/hits/?run={run.pk}" in page and "取消运行" not in page
    listing = client.get(reverse("analytics:runs")).content.decode()
    assert f"#{run.pk}" in listing and "全部模型" in listing


def test_cancel_from_the_page(setup, client):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)
    resp = client.post(reverse("analytics:run_cancel", args=[run.pk]), follow=True)
    assert "已取消" in resp.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    again = client.post(reverse("analytics:run_cancel", args=[run.pk]), follow=True)
    assert "该运行已已取消" not in again.content.decode()
    assert "无法取消" in again.content.decode()


def test_a_leader_sees_runs_but_cannot_start_or_cancel(setup, client, world):
    actor, unit = setup
    run = model_run_enqueue(actor=actor, model="all", unit=unit)
    client.force_login(account(unit, Role.LEADER))
    page = client.get(reverse("analytics:run", args=[run.pk])).content.decode()
    assert "取消运行" not in page
    assert "运行模型" not in client.get(reverse("analytics:runs")).content.decode()
    assert client.get(reverse("analytics:run_new")).status_code == 404
    assert (
        client.post(reverse("analytics:run_cancel", args=[run.pk])).status_code == 403
    )


def test_schedule_pages(setup, client):
    _, unit = setup
    bad = client.post(
        reverse("analytics:schedule_create"),
        {"model": "all", "unit": unit.pk, "every": "yearly"},
    )
    assert bad.status_code == 400 and "周期“yearly”无效" in bad.content.decode()
    assert not RunSchedule.objects.exists()
    client.post(
        reverse("analytics:schedule_create"),
        {"model": "all", "unit": unit.pk, "every": "weekly", "first_run_at": ""},
    )
    schedule = RunSchedule.objects.get()
    page = client.get(reverse("analytics:schedules")).content.decode()
    assert "每周" in page and "全部模型" in page
    client.post(reverse("analytics:schedule_toggle", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert not schedule.enabled
    RunSchedule.objects.filter(pk=schedule.pk).update(
        disabled_reason="创建人已无权对该单位运行模型，定时运行已停用。"
    )
    page = client.get(reverse("analytics:schedules")).content.decode()
    assert "创建人已无权对该单位运行模型" in page
    client.post(reverse("analytics:schedule_delete", args=[schedule.pk]))
    assert not RunSchedule.objects.exists()


def test_sweep_from_a_units_page(setup, client, world):
    target = world.units["a_edu"]
    page = client.get(reverse("org:unit", args=[target.pk])).content.decode()
    assert "一键抓取（全部模型）" in page

    resp = client.post(reverse("analytics:sweep", args=[target.pk]))

    run = ModelRun.objects.get()
    assert resp["Location"] == reverse("analytics:run", args=[run.pk])
    assert run.model == "all" and run.unit == world.units["a_commission"]
    assert run.scope == {"target_unit": {"name": "金水区教育局", "uscc": target.uscc}}
    client.force_login(account(world.units["a_commission"], Role.LEADER))
    page = client.get(reverse("org:unit", args=[target.pk])).content.decode()
    assert "一键抓取（全部模型）" not in page
