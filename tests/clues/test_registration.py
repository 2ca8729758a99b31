"""Central registration: gapless numbers per commission and year, competent-unit proposal,
petitions with encrypted reporter identity. (Issue 3, registration slice.)"""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from tests.factories import account
from xietong.audit.models import AuditEntry
from xietong.clues.models import Clue, ClueSource, Petition
from xietong.clues.services import (
    SubjectInput,
    clue_register,
    competent_unit,
    petition_register,
)
from xietong.core.crypto import field_cipher
from xietong.core.errors import NotFound, ValidationError

TODAY = dt.date(2026, 11, 2)


@pytest.fixture
def registrar(world):
    return account(world.units["a_case_management"], "case_manager")


def _register(user, person, **kw):
    return clue_register(
        actor=user,
        source=kw.pop("source", ClueSource.PETITION),
        received_date=kw.pop("received_date", TODAY),
        summary=kw.pop("summary", "反映其违规收受工程老板礼金"),
        subjects=[SubjectInput(person=person)],
        **kw,
    )


def test_numbers_run_per_commission_and_year_without_gaps(world, registrar):
    person = world.persons["a_edu_head"]
    first = _register(registrar, person)
    second = _register(registrar, person)
    last_year = _register(registrar, person, received_date=dt.date(2025, 12, 30))
    assert (first.seq, second.seq, last_year.seq) == (1, 2, 1)
    assert first.number == "金水纪线〔2026〕00001号"
    assert last_year.number == "金水纪线〔2025〕00001号"
    other = account(world.units["b_case_management"], "case_manager")
    assert (
        _register(other, world.persons["b_edu_head"]).number
        == "中原纪线〔2026〕00001号"
    )


def test_numbers_stay_apart_when_region_names_share_a_stem(world):
    """安阳市 and 安阳县 both shorten to 安阳; two 鼓楼区 share even the full name."""
    from xietong.clues.services import clue_number
    from xietong.org.models import Unit
    from xietong.org.services import region_create

    city = region_create(actor=None, code="410500", name="安阳市")
    county = region_create(actor=None, code="410522", name="安阳县")
    region_create(actor=None, code="410200", name="开封市")
    region_create(actor=None, code="410300", name="洛阳市")
    gulou_k = region_create(actor=None, code="410204", name="鼓楼区")
    region_create(actor=None, code="410399", name="鼓楼区")
    numbers = {
        clue_number(Unit(region=r), 2026, 1)
        for r in (city, county, gulou_k, world.regions["a"])
    }
    assert numbers == {
        "安阳市纪线〔2026〕00001号",
        "安阳县纪线〔2026〕00001号",
        "开封鼓楼区纪线〔2026〕00001号",
        "金水纪线〔2026〕00001号",
    }


def test_a_refused_registration_takes_no_number(world, registrar):
    person = world.persons["a_edu_head"]
    _register(registrar, person)
    with pytest.raises(ValidationError) as err:
        _register(registrar, person, summary="  ")
    assert "主要问题" in err.value.fields["summary"]
    assert _register(registrar, person).seq == 2
    assert Clue.objects.count() == 2


def test_only_case_management_registers(world):
    handler = account(world.units["a_supervision_office"], "handler")
    with pytest.raises(NotFound):
        _register(handler, world.persons["a_edu_head"])
    assert not Clue.objects.exists()


def test_competent_unit_follows_management_level_and_stationed_groups(world):
    u, p = world.units, world.persons
    # 县管 head of a host unit of the county's stationed group: the group.
    assert competent_unit(p["a_edu_head"]) == u["a_group"]
    # An ordinary cadre of a unit without a stationed group: the county commission.
    assert competent_unit(p["a_health_staff"]) == u["a_commission"]
    # 乡管 cadre of a street office: the township commission.
    assert competent_unit(p["a_town_staff"]) == u["a_town_commission"]


def test_overriding_the_proposal_needs_a_reason(world, registrar):
    person = world.persons["a_health_staff"]
    with pytest.raises(ValidationError) as err:
        _register(registrar, person, owner_unit=world.units["a_supervision_office"])
    assert "须说明理由" in err.value.fields["override_reason"]
    clue = _register(
        registrar,
        person,
        owner_unit=world.units["a_supervision_office"],
        override_reason="与在办案件并案",
    )
    assert clue.owner_unit == world.units["a_supervision_office"]
    assert clue.proposed_unit == world.units["a_commission"]
    assert (
        "与在办案件并案"
        in AuditEntry.objects.filter(object_type="clues.clue").first().summary
    )


def test_future_dates_and_missing_subjects_are_refused(world, registrar):
    with pytest.raises(ValidationError) as err:
        clue_register(
            actor=registrar,
            source="nonsense",
            received_date=dt.date(2999, 1, 1),
            summary="x",
            subjects=[],
        )
    assert set(err.value.fields) >= {"source", "received_date", "subjects"}
    assert not Clue.objects.exists()


def test_petition_reporter_identity_is_encrypted(world):
    clerk = account(world.units["a_petition_office"], "petition_clerk")
    petition = petition_register(
        actor=clerk,
        channel="letter",
        received_date=TODAY,
        content="反映某局长收受礼金",
        real_name=True,
        reporter_name="赵某",
        reporter_phone="13912345678",
    )
    assert "赵某" not in petition.reporter_name_enc
    assert field_cipher().decrypt(petition.reporter_name_enc) == "赵某"
    with pytest.raises(ValidationError) as err:
        petition_register(
            actor=clerk,
            channel="letter",
            received_date=TODAY,
            content="x",
            real_name=True,
            reporter_name="",
            reporter_id_number="410105198013171234",
        )
    assert {"reporter_name", "reporter_id_number"} <= set(err.value.fields)
    assert Petition.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_never_repeat_or_skip(tmp_path, settings):
    """Concurrent registrars (threads, separate connections) get 1..N exactly once."""
    from tests.factories import build_world
    from xietong.audit.services import checkpoint_file

    settings.XIETONG_HOME = tmp_path
    checkpoint_file.cache_clear()
    world = build_world()
    users = [
        account(world.units["a_case_management"], "case_manager") for _ in range(4)
    ]
    person = world.persons["a_health_staff"]
    errors, per_thread = [], 8

    def registrar_thread(user):
        try:
            for _ in range(per_thread):
                _register(user, person)
        except Exception as exc:  # pragma: no cover - reported by the assertion
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=registrar_thread, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(Clue.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(users) * per_thread + 1))
    checkpoint_file.cache_clear()
