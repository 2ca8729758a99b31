"""Custom SQL models in the web app: saving, sharing, edit rights, trials and runs."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import account
from xietong.access.roles import Role
from xietong.analytics import selectors_custom as sel
from xietong.analytics.engine.custom import QueryCancelled
from xietong.analytics.jobs import claim
from xietong.analytics.models import CustomModel, Hit, ModelRun, RunStatus
from xietong.analytics.services import dataset_import
from xietong.analytics.services.custom_models import (
    custom_model_check_params,
    custom_model_delete,
    custom_model_hits,
    custom_model_save,
    custom_model_trial,
)
from xietong.analytics.services.runs import model_run_enqueue, model_run_perform
from xietong.audit.models import Action, AuditEntry
from xietong.core.errors import Conflict, NotFound, PermissionDenied, ValidationError

from .support import analyst, id_number, write_csv

SQL = (
    "SELECT p.payment_id, p.payee_id_number AS id_number, p.payee_name AS name,\n"
    "       p.amount, d.death_date\n"
    "FROM payments p JOIN deaths d ON d.id_number = p.payee_id_number\n"
    "WHERE p.pay_date > d.death_date + $grace\n"
    "ORDER BY p.payment_id"
)
PARAMS = [
    {"name": "grace", "label": "宽限天数", "type": "int", "default": 31, "min": 0}
]


@pytest.fixture
def data(world, tmp_path):
    """金水区纪委监委's data: 张伟 died on 2026-01-05 and was paid after it, twice."""
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    person = id_number(31)
    deaths = write_csv(
        tmp_path / "deaths.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[person, "张伟", "2026-01-05"]],
    )
    payments = write_csv(
        tmp_path / "payments.csv",
        ["发放流水号", "项目", "收款人姓名", "身份证号", "金额", "发放日期"],
        [
            ["P001", "养老", "张伟", person, "300", "2026-01-04"],
            ["P002", "养老", "张伟", person, "300", "2026-02-20"],
            ["P003", "养老", "张伟", person, "300", "2026-03-20"],
        ],
    )
    dataset_import(actor=actor, kind="deaths", path_or_file=deaths, unit=unit)
    dataset_import(actor=actor, kind="payments", path_or_file=payments, unit=unit)
    return {"actor": actor, "unit": unit, "person": person}


def _save(actor, unit, **kw):
    values = {
        "name": "死后仍领取",
        "sql": SQL,
        "params": PARAMS,
        "reason_template": "{name}已于{death_date}死亡，仍领取{amount}元",
    }
    values.update(kw)
    return custom_model_save(actor=actor, unit=unit, **values)


# --- saving ----------------------------------------------------------------------------


def test_saving_checks_the_sql_and_declarations_and_is_audited(world):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    with pytest.raises(ValidationError) as caught:
        _save(actor, unit, sql="SELECT *\nFROM read_csv('/etc/passwd')")
    assert caught.value.fields["sql"] == "第 2 行第 6 列：不允许使用 read_csv 读取文件"
    with pytest.raises(ValidationError) as caught:
        _save(actor, unit, params=[])
    assert "$grace 没有声明" in caught.value.fields["sql"]
    with pytest.raises(ValidationError) as caught:
        _save(
            actor,
            unit,
            params=[{"name": "grace", "type": "int", "default": -1, "min": 0}],
        )
    assert "默认值为 -1" in caught.value.fields["grace"]
    with pytest.raises(ValidationError) as caught:
        _save(
            actor,
            unit,
            params=[
                {"name": "grace", "type": "int", "default": 31},
                {"name": "min_amount", "type": "float", "default": 5000},
            ],
        )
    assert caught.value.fields["params"] == "未使用：$min_amount"
    assert not CustomModel.objects.exists()

    model = _save(actor, unit)

    assert model.created_by == actor and model.unit == unit and not model.shared
    assert model.params == [
        {
            "name": "grace",
            "label": "宽限天数",
            "type": "int",
            "min": 0,
            "max": None,
            "default": 31,
        }
    ]
    entry = AuditEntry.objects.get(object_type="analytics.custommodel")
    assert entry.action == Action.CREATE and entry.actor_id == actor.pk


def test_a_name_is_unique_within_a_unit(world):
    unit = world.units["a_commission"]
    _save(analyst(world, "a_commission"), unit)
    with pytest.raises(ValidationError) as caught:
        _save(analyst(world, "a_commission"), unit)
    assert caught.value.fields == {"name": "名称已被使用"}
    # Another commission may use the same name.
    _save(analyst(world, "b_commission"), world.units["b_commission"])
    assert CustomModel.objects.count() == 2


def test_only_analysts_of_the_unit_write_models(world):
    unit = world.units["a_commission"]
    for user in (
        account(world.units["a_commission"], Role.LEADER),
        analyst(world, "b_commission"),
    ):
        with pytest.raises(PermissionDenied):
            _save(user, unit)


# --- who sees and who edits -----------------------------------------------------------


def test_a_private_model_is_its_creators_and_a_shared_one_the_units(world):
    creator = analyst(world, "a_commission")
    colleague = analyst(world, "a_commission")
    leader = account(world.units["a_commission"], Role.LEADER)
    case_manager = account(world.units["a_case_management"], Role.CASE_MANAGER)
    handler = account(world.units["a_supervision_office"], Role.HANDLER)
    outsider = analyst(world, "b_commission")
    model = _save(creator, world.units["a_commission"])

    assert list(sel.custom_model_list(viewer=creator)) == [model]
    for user in (colleague, leader, case_manager, handler, outsider):
        assert not sel.custom_model_list(viewer=user).exists()
        with pytest.raises(NotFound):
            sel.access_custom_model_by_id(user, model.pk)

    model = custom_model_save(
        actor=creator,
        unit=None,
        name=model.name,
        sql=model.sql,
        params=model.params,
        shared=True,
        custom_model=model,
    )

    for user in (creator, colleague, leader, case_manager):
        assert sel.access_custom_model_by_id(user, model.pk) == model
        assert list(sel.custom_model_list(viewer=user)) == [model]
    for user in (handler, outsider):
        with pytest.raises(NotFound):
            sel.access_custom_model_by_id(user, model.pk)


def test_a_shared_model_is_edited_by_the_units_analysts_only(world):
    creator = analyst(world, "a_commission")
    colleague = analyst(world, "a_commission")
    leader = account(world.units["a_commission"], Role.LEADER)
    private = _save(creator, world.units["a_commission"], name="私有")
    shared = _save(creator, world.units["a_commission"], name="共享", shared=True)

    def edit(user, model, name):
        return custom_model_save(
            actor=user,
            unit=None,
            name=name,
            sql=model.sql,
            params=model.params,
            shared=model.shared,
            custom_model=model,
        )

    with pytest.raises(NotFound):
        edit(colleague, private, "改名")
    with pytest.raises(PermissionDenied):
        edit(leader, shared, "改名")
    with pytest.raises(PermissionDenied):
        custom_model_delete(actor=leader, custom_model=shared)
    assert edit(colleague, shared, "共享（修订）").name == "共享（修订）"
    assert edit(creator, private, "私有（修订）").name == "私有（修订）"
    changes = AuditEntry.objects.filter(
        object_type="analytics.custommodel", action=Action.CHANGE
    )
    assert {e.actor_id for e in changes} == {colleague.pk, creator.pk}


def test_the_unit_of_a_model_does_not_change(world):
    creator = analyst(world, "a_commission")
    model = _save(creator, world.units["a_commission"])
    with pytest.raises(ValidationError):
        custom_model_save(
            actor=creator,
            unit=world.units["a_edu"],
            name=model.name,
            sql=model.sql,
            params=model.params,
            custom_model=model,
        )


# --- trial ------------------------------------------------------------------------------


def test_a_trial_shows_the_rows_of_the_units_latest_data(data):
    model = _save(data["actor"], data["unit"])

    result = custom_model_trial(
        actor=data["actor"], custom_model=model, params={"grace": "60"}
    )

    assert result.columns == ["payment_id", "id_number", "name", "amount", "death_date"]
    assert [r["payment_id"] for r in result.rows] == ["P003"]
    assert not result.truncated
    entry = AuditEntry.objects.filter(action=Action.VIEW).latest("seq")
    assert entry.object_id == str(model.pk)

    # The editor's unsaved SQL, over the unit.
    with pytest.raises(ValidationError) as caught:
        custom_model_trial(
            actor=data["actor"],
            unit=data["unit"],
            sql="SELECT payee_nam\nFROM payments",
            param_spec=[],
        )
    assert caught.value.fields["sql"].startswith("第 1 行第 8 列：找不到列“payee_nam”")
    with pytest.raises(ValidationError) as caught:
        custom_model_trial(
            actor=data["actor"], custom_model=model, params={"grace": "soon"}
        )
    assert caught.value.fields == {
        "grace": "参数“宽限天数”（grace）应为整数，实为“soon”"
    }


def test_a_leader_sees_a_shared_model_but_does_not_try_it(data, world):
    model = _save(data["actor"], data["unit"], shared=True)
    leader = account(world.units["a_commission"], Role.LEADER)
    with pytest.raises(PermissionDenied):
        custom_model_trial(actor=leader, custom_model=model)
    with pytest.raises(NotFound):
        custom_model_trial(actor=analyst(world, "b_commission"), custom_model=model)


# --- runs and hits -----------------------------------------------------------------------


def _perform(run):
    return model_run_perform(claim(run))


def test_a_run_stores_one_hit_per_row_and_a_rerun_adds_none(data):
    model = _save(data["actor"], data["unit"])
    run = model_run_enqueue(
        actor=data["actor"],
        model="custom",
        unit=data["unit"],
        params={},
        custom_model=model,
    )
    assert run.status == RunStatus.QUEUED and run.params == {"grace": 31}

    run = _perform(run)

    assert run.status == RunStatus.DONE, run.error
    assert run.hits_new == 2
    hits = Hit.objects.filter(custom_model=model).order_by("reason")
    assert [h.model for h in hits] == ["custom", "custom"]
    assert hits[0].reason == "张伟已于2026-01-05死亡，仍领取300.00元"
    assert {tuple(h.evidence["payments"]) for h in hits} == {("P002",), ("P003",)}
    assert all(h.evidence_keys()["deaths"] == [data["person"]] for h in hits)
    assert hits[0].subject_name == "张伟"
    assert hits[0].model_label == "死后仍领取"

    again = _perform(
        model_run_enqueue(
            actor=data["actor"], model="custom", unit=data["unit"], custom_model=model
        )
    )
    assert again.status == RunStatus.DONE
    assert again.hits_new == 0 and again.hits_known == 2
    assert Hit.objects.filter(custom_model=model).count() == 2

    with pytest.raises(Conflict):
        custom_model_delete(actor=data["actor"], custom_model=model)


def test_the_worker_hooks_resolve_parameters_and_honour_cancel(data, tmp_path):
    model = _save(data["actor"], data["unit"])
    assert custom_model_check_params(model, {"grace": "45"}) == {"grace": 45}
    with pytest.raises(ValidationError) as caught:
        custom_model_check_params(model, {"grace": -5, "extra": 1})
    assert set(caught.value.fields) == {"grace", "extra"}

    run = model_run_enqueue(
        actor=data["actor"], model="custom", unit=data["unit"], custom_model=model
    )
    from xietong.analytics.models import DatasetVersion

    sources = {
        v.dataset.kind: v.path for v in DatasetVersion.objects.select_related("dataset")
    }
    hits = custom_model_hits(run, sources)
    assert len(hits) == 2 and all(h["model"] == "custom" for h in hits)
    assert custom_model_hits(run, sources) == hits  # stable identities
    with pytest.raises(QueryCancelled):
        custom_model_hits(run, sources, should_cancel=lambda: True)


def test_a_model_that_never_ran_can_be_deleted(world):
    creator = analyst(world, "a_commission")
    model = _save(creator, world.units["a_commission"])
    custom_model_delete(actor=creator, custom_model=model)
    assert not CustomModel.objects.exists()
    assert AuditEntry.objects.filter(
        object_type="analytics.custommodel", action=Action.DELETE
    ).exists()


# --- pages and API ----------------------------------------------------------------------


def test_the_editor_points_at_the_error_and_saves(client, world):
    actor = analyst(world, "a_commission")
    client.force_login(actor)
    form = {
        "name": "大额发放",
        "unit": world.units["a_commission"].pk,
        "sql": "SELECT *\nFROM payments\nWHERE amount > $min AND getenv('HOME') = ''",
        "param_name": ["min", ""],
        "param_label": ["金额下限", ""],
        "param_type": ["float", "str"],
        "param_default": ["5000", ""],
        "param_min": ["0", ""],
        "param_max": ["", ""],
        "reason_template": "{payee_name}领取{amount}元",
    }
    resp = client.post(reverse("analytics:custom_model_new"), form)
    assert resp.status_code == 400
    text = resp.content.decode()
    assert "第 3 行第 25 列：不允许使用函数 getenv" in text
    assert 'data-error-line="3"' in text
    assert "<mark>g</mark>etenv" in text

    form["sql"] = "SELECT *\nFROM payments\nWHERE amount > $min"
    resp = client.post(reverse("analytics:custom_model_new"), form)
    model = CustomModel.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == reverse("analytics:custom_model", args=[model.pk])
    assert model.params[0]["default"] == 5000.0
    page = client.get(reverse("analytics:custom_model", args=[model.pk]))
    assert "大额发放" in page.content.decode()


def test_the_list_shows_the_builtin_catalogue_for_reference(client, world):
    client.force_login(account(world.units["a_commission"], Role.LEADER))
    text = client.get(reverse("analytics:custom_models")).content.decode()
    for label in (
        "死亡冒领",
        "优亲厚友",
        "利益输送",
        "化整为零",
        "重复支付",
        "公车私用",
    ):
        assert label in text
    assert "grace_days" in text
    assert "新建模型" not in text  # a leader reads, analysts write


def test_the_trial_fragment_shows_rows_or_the_error(client, data):
    client.force_login(data["actor"])
    body = {
        "unit": data["unit"].pk,
        "sql": "SELECT payment_id, amount FROM payments ORDER BY 1",
    }
    text = client.post(reverse("analytics:custom_model_trial"), body).content.decode()
    assert "P001" in text and "P003" in text and "试运行结果" in text
    body["sql"] = "SELECT payment_id,\n  amount FROM payment"
    text = client.post(reverse("analytics:custom_model_trial"), body).content.decode()
    assert "第 2 行第 15 列" in text and 'data-error-line="2"' in text


def test_the_run_button_queues_a_background_run(client, data):
    model = _save(data["actor"], data["unit"])
    client.force_login(data["actor"])
    resp = client.post(
        reverse("analytics:custom_model_run", args=[model.pk]), {"value_grace": "10"}
    )
    assert resp.status_code == 302
    run = ModelRun.objects.get(custom_model=model)
    assert run.status == RunStatus.QUEUED and run.model == "custom"
    assert run.params == {"grace": 10} and run.created_by == data["actor"]


def test_the_api_creates_lists_tries_and_runs(client, data):
    client.force_login(data["actor"])
    payload = {
        "name": "死后仍领取",
        "sql": SQL,
        "params": PARAMS,
        "reason_template": "{name}",
        "shared": True,
    }
    resp = client.post(
        "/api/analytics/custom-models",
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    model_id = resp.json()["id"]
    assert [m["id"] for m in client.get("/api/analytics/custom-models").json()] == [
        model_id
    ]
    trial = client.post(
        f"/api/analytics/custom-models/{model_id}/trial",
        data=json.dumps({"params": {"grace": 60}}),
        content_type="application/json",
    ).json()
    assert trial["columns"][0] == "payment_id"
    assert [r["payment_id"] for r in trial["rows"]] == ["P003"]
    bad = client.put(
        f"/api/analytics/custom-models/{model_id}",
        data=json.dumps({**payload, "sql": "DROP TABLE payments"}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"]["sql"].startswith("第 1 行第 1 列：不允许执行 DROP")
    run = client.post(
        f"/api/analytics/custom-models/{model_id}/run",
        data=json.dumps({"params": {"grace": 5}}),
        content_type="application/json",
    )
    assert run.status_code == 202 and run.json()["params"] == {"grace": 5}


def test_a_hit_without_key_columns_carries_its_row_and_opens(client, data):
    model = _save(
        data["actor"],
        data["unit"],
        name="按人汇总",
        sql="SELECT payee_name AS 姓名, count(*) AS 笔数 FROM payments GROUP BY 1",
        params=[],
        reason_template="",
    )
    run = _perform(
        model_run_enqueue(
            actor=data["actor"], model="custom", unit=data["unit"], custom_model=model
        )
    )
    assert run.status == RunStatus.DONE, run.error
    hit = Hit.objects.get(custom_model=model)
    assert hit.evidence == {"结果": ["姓名=张伟；笔数=3"]}
    assert hit.reason == "自定义模型“按人汇总”命中：姓名 张伟，笔数 3"
    assert hit.subject_name == "张伟"
    client.force_login(data["actor"])
    page = client.get(reverse("analytics:hit", args=[hit.pk]))
    assert page.status_code == 200 and "姓名=张伟；笔数=3" in page.content.decode()
