"""Running the built-in models over imported datasets; hits, their scope and triage."""

from __future__ import annotations

import hashlib

import pytest

from tests.factories import account
from xietong.access import policies
from xietong.access.roles import Role
from xietong.analytics import selectors
from xietong.analytics.engine import CATALOGUE, hit_identity
from xietong.analytics.models import Hit, HitStatus, ModelRun, RunStatus
from xietong.analytics.services import dataset_import, hit_triage, model_run_execute
from xietong.audit.models import AuditEntry
from xietong.core.crypto import field_cipher
from xietong.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from xietong.core.identifiers import mask_id_number

from .support import analyst, id_number, import_synth, write_csv


def _death_payment_files(tmp_path, *, paid_days_after=40):
    """One person dead on 2026-01-05 and paid ``paid_days_after`` days later."""
    person = id_number(21)
    deaths = write_csv(
        tmp_path / "deaths.csv",
        ["身份证号", "姓名", "死亡日期"],
        [[person, "张伟", "2026-01-05"]],
    )
    import datetime as dt

    day = dt.date(2026, 1, 5) + dt.timedelta(days=paid_days_after)
    payments = write_csv(
        tmp_path / "payments.csv",
        ["发放流水号", "项目", "收款人姓名", "身份证号", "金额", "发放日期"],
        [
            ["P001", "养老", "张伟", person, "300", day.isoformat()],
            ["P002", "养老", "张伟", person, "300", "2026-01-04"],
        ],
    )
    return person, deaths, payments


def _import_death_payment(actor, unit, tmp_path, **kw):
    person, deaths, payments = _death_payment_files(tmp_path, **kw)
    dataset_import(actor=actor, kind="deaths", path_or_file=deaths, unit=unit)
    dataset_import(actor=actor, kind="payments", path_or_file=payments, unit=unit)
    return person


def test_every_planted_anomaly_is_found_after_import_and_rerun_adds_nothing(
    world, tmp_path, record_property
):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    truth = import_synth(actor, unit, tmp_path)

    run = model_run_execute(actor=actor, model="all", unit=unit)

    assert run.status == RunStatus.DONE, run.error
    assert run.hits_known == 0 and run.hits_new == Hit.objects.count()
    stored = {
        (h.model, tuple(sorted(h.evidence_keys().get(_primary(h.model), []))))
        for h in Hit.objects.all()
    }
    expected = {hit_identity(h) for h in truth.hits}
    missing = expected - stored
    assert not missing, sorted(missing)[:5]
    # Precision and recall per model over the dirty department files, shown in the
    # suite's summary (tests/conftest.py); every model must find all it should and
    # raise nothing the ground truth does not hold.
    scores = precision_recall(stored, expected)
    record_property("precision_recall", scores)
    assert set(scores) == set(CATALOGUE)
    for model, score in scores.items():
        assert score["recall"] == 1.0, (model, score)
        assert score["precision"] == 1.0, (model, score)
    # Payroll came as two files (two datasets); the run read both.
    assert sum(k.startswith("payroll:") for k in run.data_versions) == 2

    again = model_run_execute(actor=actor, model="all", unit=unit)
    assert again.status == RunStatus.DONE
    assert again.hits_new == 0 and again.hits_known == run.hits_new
    assert Hit.objects.count() == run.hits_new
    assert set(Hit.objects.values_list("last_run", flat=True)) == {again.pk}
    assert set(Hit.objects.values_list("first_run", flat=True)) == {run.pk}
    hits = selectors.run_hits(again)
    assert len(hits) == run.hits_new and not any(h["new"] for h in hits)


def precision_recall(found: set, expected: set) -> dict[str, dict]:
    """Per model: true and false positives, misses, precision and recall."""
    scores = {}
    for model in CATALOGUE:
        got = {h for h in found if h[0] == model}
        want = {h for h in expected if h[0] == model}
        tp = len(got & want)
        scores[model] = {
            "tp": tp,
            "fp": len(got - want),
            "fn": len(want - got),
            "precision": tp / len(got) if got else 1.0,
            "recall": tp / len(want) if want else 1.0,
        }
    return scores


def _primary(model):
    from xietong.analytics.engine import PRIMARY_DATASET

    return PRIMARY_DATASET[model]


def test_hit_records_evidence_reason_params_versions_and_encrypted_subject(
    world, tmp_path
):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    person = _import_death_payment(actor, unit, tmp_path)

    run = model_run_execute(
        actor=actor, model="death_payment", unit=unit, params={"grace_days": "20"}
    )

    hit = Hit.objects.get()
    assert hit.model == "death_payment" and hit.unit == unit
    # ID numbers are kept only encrypted: the columns hold them masked, the full
    # evidence and sentence come back through the cipher, the identity is keyed.
    masked = mask_id_number(person)
    assert hit.evidence == {"deaths": [masked], "payments": ["P001"]}
    assert hit.evidence_keys() == {"deaths": [person], "payments": ["P001"]}
    assert "张伟" in hit.reason and masked in hit.reason and person not in hit.reason
    assert person in hit.full_reason()
    stored = " ".join([hit.evidence_enc, hit.reason_enc, hit.identity])
    assert (
        person not in stored
        and hashlib.sha256(person.encode()).hexdigest() not in stored
    )
    assert hit.params == {"grace_days": 20} and run.params == {
        "death_payment": {"grace_days": 20}
    }
    assert hit.data_versions == run.data_versions and len(run.data_versions) == 2
    assert hit.subject_name == "张伟"
    assert person not in hit.subject_id_number_enc
    assert field_cipher().decrypt(hit.subject_id_number_enc) == person
    assert hit.subject_id_number_masked.startswith(person[:4])
    assert AuditEntry.objects.filter(object_type="analytics.modelrun").count() == 2


def test_a_parameter_out_of_range_is_refused_naming_it(world, tmp_path):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    _import_death_payment(actor, unit, tmp_path)
    with pytest.raises(ValidationError) as exc:
        model_run_execute(
            actor=actor, model="death_payment", unit=unit, params={"grace_days": -1}
        )
    assert "grace_days" in exc.value.fields
    assert "0–3650" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        model_run_execute(
            actor=actor,
            model="all",
            unit=unit,
            params={"split_purchase": {"min_count": 1}},
        )
    assert set(exc.value.fields) == {"split_purchase.min_count"}
    with pytest.raises(ValidationError, match="没有参数“speed”"):
        model_run_execute(
            actor=actor, model="death_payment", unit=unit, params={"speed": 1}
        )
    assert not ModelRun.objects.exists()


def test_running_without_datasets_or_an_unknown_model_is_refused(world):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    with pytest.raises(ValidationError, match="尚未导入任何数据集"):
        model_run_execute(actor=actor, model="all", unit=unit)
    with pytest.raises(ValidationError, match="未知的模型"):
        model_run_execute(actor=actor, model="ghost_salary", unit=unit)


def test_another_units_analyst_sees_neither_datasets_nor_hits(world, tmp_path):
    a_analyst = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    _import_death_payment(a_analyst, unit, tmp_path)
    model_run_execute(actor=a_analyst, model="death_payment", unit=unit)
    hit = Hit.objects.get()

    b_analyst = analyst(world, "b_commission")
    office_analyst = analyst(world, "a_case_management")
    leader = account(world.units["a_commission"], Role.LEADER)
    handler = account(world.units["a_commission"], Role.HANDLER)
    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)

    assert list(selectors.hit_list(viewer=a_analyst)) == [hit]
    assert list(selectors.hit_list(viewer=office_analyst)) == [hit]
    assert list(selectors.hit_list(viewer=leader)) == [hit]
    for outsider in (b_analyst, handler, sysadmin):
        assert not selectors.hit_list(viewer=outsider).exists()
        assert not selectors.dataset_list(viewer=outsider).exists()
        assert not selectors.dataset_version_list(viewer=outsider).exists()
        assert not selectors.model_run_list(viewer=outsider).exists()
        with pytest.raises(NotFound):
            selectors.access_hit_by_id(outsider, hit.pk)
    assert selectors.dataset_list(viewer=a_analyst).count() == 2
    assert not policies.can_run_models(b_analyst, unit)
    assert not policies.can_triage_hit(b_analyst, hit)
    assert not policies.can_triage_hit(leader, hit)
    with pytest.raises(PermissionDenied):
        model_run_execute(actor=b_analyst, model="all", unit=unit)
    with pytest.raises(NotFound):
        hit_triage(actor=b_analyst, hit=hit, decision="dismissed", reason="无关")
    with pytest.raises(PermissionDenied):
        hit_triage(actor=leader, hit=hit, decision="dismissed", reason="无关")


def test_triage_dismiss_needs_a_reason_and_happens_once(world, tmp_path):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    _import_death_payment(actor, unit, tmp_path)
    model_run_execute(actor=actor, model="death_payment", unit=unit)
    hit = Hit.objects.get()

    with pytest.raises(ValidationError) as exc:
        hit_triage(actor=actor, hit=hit, decision="dismissed", reason=" ")
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationError, match="研判结论“later”无效"):
        hit_triage(actor=actor, hit=hit, decision="later", reason="")

    hit = hit_triage(actor=actor, hit=hit, decision="dismissed", reason="已核实为补发")
    assert hit.status == HitStatus.DISMISSED and hit.triaged_by == actor
    assert hit.triage_reason == "已核实为补发" and hit.triaged_at is not None
    with pytest.raises(Conflict):
        hit_triage(actor=actor, hit=hit, decision="to_clue", reason="")

    # A dismissed hit stays dismissed when a later run finds it again.
    model_run_execute(actor=actor, model="death_payment", unit=unit)
    assert Hit.objects.get().status == HitStatus.DISMISSED


def test_triage_to_clue_by_an_analyst_only_marks_the_hit(world, tmp_path):
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    _import_death_payment(actor, unit, tmp_path)
    model_run_execute(actor=actor, model="death_payment", unit=unit)

    hit = hit_triage(actor=actor, hit=Hit.objects.get(), decision="to_clue", reason="")

    assert hit.status == HitStatus.TO_CLUE and hit.clue is None


def test_triage_to_clue_by_a_case_manager_analyst_registers_a_big_data_clue(
    world, tmp_path
):
    from tests.factories import PASSWORD
    from xietong.access.services import account_create
    from xietong.clues.models import ClueSource

    unit = world.units["a_case_management"]
    actor = account_create(
        actor=None,
        username="analyst_case_manager",
        full_name="案管分析员",
        unit=unit,
        password=PASSWORD,
        roles=(Role.ANALYST, Role.CASE_MANAGER),
    )
    _import_death_payment(actor, world.units["a_commission"], tmp_path)
    model_run_execute(
        actor=actor, model="death_payment", unit=world.units["a_commission"]
    )

    hit = hit_triage(
        actor=actor, hit=Hit.objects.get(), decision="to_clue", reason="需核查"
    )

    assert hit.status == HitStatus.TO_CLUE and hit.clue is not None
    assert hit.clue.source == ClueSource.BIG_DATA
    assert "死亡" in hit.clue.summary and "需核查" in hit.clue.summary
    assert [s.name for s in hit.clue.subjects.all()] == ["张伟"]
