"""Clue and petition screens through the client: registration, ledger, reporter identity."""

import pytest
from django.urls import reverse

from tests.factories import account, new_id_number
from xietong.access.roles import Grant
from xietong.audit.models import Action, AuditEntry
from xietong.clues.models import Clue, Petition
from xietong.core.crypto import field_cipher


@pytest.fixture
def registrar(world):
    return account(world.units["a_case_management"], "case_manager")


def test_register_by_id_number_proposes_the_competent_unit(client, world, registrar):
    client.force_login(registrar)
    person = world.persons["a_health_staff"]
    resp = client.post(
        reverse("clues:register"),
        {
            "source": "petition",
            "received_date": "2026-03-02",
            "summary": "反映其利用职务便利为亲属承揽工程",
            "subject_id_number": field_cipher().decrypt(person.id_number_enc),
        },
    )
    assert resp.status_code == 302
    clue = Clue.objects.get()
    assert clue.subjects.get().person == person
    assert clue.owner_unit == world.units["a_commission"]
    page = client.get(reverse("clues:detail", args=[clue.pk])).content.decode()
    assert clue.number in page and "金水区纪委监委" in page
    ledger = client.get(reverse("clues:ledger")).content.decode()
    assert clue.number in ledger


def test_register_rejects_a_bad_id_number_and_numbers_nothing(client, world, registrar):
    client.force_login(registrar)
    resp = client.post(
        reverse("clues:register"),
        {
            "source": "petition",
            "received_date": "2026-03-02",
            "summary": "x",
            "subject_id_number": "410105198013171234",
        },
    )
    assert resp.status_code == 200
    assert "身份证号码" in resp.content.decode()
    assert not Clue.objects.exists()


def test_unknown_person_is_kept_as_reported(client, world, registrar):
    client.force_login(registrar)
    resp = client.post(
        reverse("clues:register"),
        {
            "source": "qr_code",
            "received_date": "2026-03-02",
            "summary": "村干部优亲厚友",
            "subject_id_number": new_id_number("410105"),
            "subject_name": "陈某",
            "subject_unit": "某村村委会",
        },
    )
    assert resp.status_code == 302
    subject = Clue.objects.get().subjects.get()
    assert subject.person is None and subject.name == "陈某"


def test_reporter_identity_needs_the_grant_and_is_audited(client, world):
    clerk = account(world.units["a_petition_office"], "petition_clerk")
    client.force_login(clerk)
    resp = client.post(
        reverse("clues:petition_new"),
        {
            "channel": "visit",
            "received_date": "2026-03-01",
            "content": "实名反映某局长违规收受礼金",
            "real_name": "on",
            "reporter_name": "钱某",
            "reporter_phone": "13800001111",
        },
    )
    assert resp.status_code == 302
    petition = Petition.objects.get()
    page = client.get(reverse("clues:petition", args=[petition.pk])).content.decode()
    assert "钱某" not in page
    resp = client.post(reverse("clues:petition_reveal", args=[petition.pk]))
    assert resp.status_code == 403 and "钱某" not in resp.content.decode()
    granted = account(
        world.units["a_petition_office"],
        "petition_clerk",
        grants=(Grant.REPORTER_IDENTITY,),
    )
    client.force_login(granted)
    resp = client.post(reverse("clues:petition_reveal", args=[petition.pk]))
    assert "钱某" in resp.content.decode()
    entry = AuditEntry.objects.filter(action=Action.VIEW_SENSITIVE).get()
    assert entry.actor_username == granted.username


def test_demo_clues_fill_the_ledgers_and_home_counts(client, db):
    from xietong.clues.demo import build_clues
    from xietong.org.demo import build_demo

    build_demo(scale=0.02, log=lambda *_: None)
    assert build_clues(per_commission=5, log=lambda *_: None) == 15
    from xietong.access.models import User

    user = User.objects.get(username="xian_case_manager")
    client.force_login(user)
    home = client.get(reverse("dashboard:home")).content.decode()
    assert "本单位问题线索" in home
    ledger = client.get(reverse("clues:ledger")).content.decode()
    assert "金水纪线〔2026〕00001号" in ledger
