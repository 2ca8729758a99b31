"""Linking (关联) and merging (合并) clues: both histories kept, illegal steps refused."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import account
from xietong.audit.models import Action, AuditEntry
from xietong.clues import workflow
from xietong.clues.models import Clue, ClueLink, ClueStatus
from xietong.clues.services import SubjectInput, clue_link, clue_register
from xietong.core.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def registrar(world):
    return account(world.units["a_case_management"], "case_manager")


def _clue(user, person, text="收受礼金"):
    return clue_register(
        actor=user,
        source="petition",
        received_date=dt.date(2026, 3, 2),
        summary=text,
        subjects=[SubjectInput(person=person)],
    )


def test_merge_keeps_both_records_and_audits_the_transition(world, registrar):
    p = world.persons["a_health_staff"]
    first, second = _clue(registrar, p), _clue(registrar, p, "收受购物卡")
    clue_link(
        actor=registrar, clue=second, other=first, kind="merge", reason="同一事项"
    )
    second.refresh_from_db()
    assert second.status == ClueStatus.MERGED and second.merged_into == first
    assert Clue.objects.count() == 2
    entry = AuditEntry.objects.filter(action=Action.TRANSITION).get()
    assert entry.object_id == str(second.pk) and "同一事项" in entry.summary
    with pytest.raises(Conflict):
        clue_link(
            actor=registrar, clue=second, other=first, kind="merge", reason="再次"
        )


def test_link_rules(world, registrar):
    p = world.persons["a_health_staff"]
    a, b = _clue(registrar, p), _clue(registrar, p)
    with pytest.raises(ValidationError) as err:
        clue_link(actor=registrar, clue=a, other=a, kind="link", reason="")
    assert {"other", "reason"} <= set(err.value.fields)
    clue_link(actor=registrar, clue=a, other=b, kind="link", reason="同一人")
    with pytest.raises(ValidationError):
        clue_link(actor=registrar, clue=a, other=b, kind="link", reason="同一人")
    assert ClueLink.objects.count() == 1


def test_cannot_link_to_a_clue_out_of_reach(world, registrar):
    other = account(world.units["b_case_management"], "case_manager")
    mine = _clue(registrar, world.persons["a_health_staff"])
    theirs = _clue(other, world.persons["b_edu_head"])
    with pytest.raises(NotFound):
        clue_link(actor=registrar, clue=mine, other=theirs, kind="link", reason="x")


def test_workflow_refuses_illegal_transitions():
    assert workflow.next_state("registered", "merge") == "merged"
    with pytest.raises(Conflict) as err:
        workflow.next_state("merged", "merge")
    assert "已合并" in err.value.message


def test_link_form_on_the_clue_page(client, world, registrar):
    p = world.persons["a_health_staff"]
    a, b = _clue(registrar, p), _clue(registrar, p)
    client.force_login(registrar)
    resp = client.post(
        reverse("clues:link", args=[a.pk]),
        {"kind": "merge", "other": b.number, "reason": "并案"},
    )
    assert resp.status_code == 302
    page = client.get(reverse("clues:detail", args=[a.pk])).content.decode()
    assert "本线索已并入" in page and b.number in page
    resp = client.post(
        reverse("clues:link", args=[b.pk]),
        {"kind": "link", "other": "不存在", "reason": "x"},
        follow=True,
    )
    assert "不存在或您无权查看" in resp.content.decode()
