"""Related clues across units: ranked with reasons; others' clues reveal only the unit."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from tests.factories import account
from xietong import cli
from xietong.clues.models import ClueSignature
from xietong.clues.related import related_clues
from xietong.clues.services import SubjectInput, clue_register

DAY = dt.date(2026, 3, 2)


def _clue(user, summary, person=None, name="", unit=""):
    subject = (
        SubjectInput(person=person)
        if person
        else SubjectInput(name=name, unit_name=unit)
    )
    return clue_register(
        actor=user,
        source="petition",
        received_date=DAY,
        summary=summary,
        subjects=[subject],
    )


@pytest.fixture
def registrars(world):
    return (
        account(world.units["a_case_management"], "case_manager"),
        account(world.units["b_case_management"], "case_manager"),
    )


def test_same_person_in_another_county_is_found_and_ranked(world, registrars):
    a_user, b_user = registrars
    person = world.persons["a_edu_head"]
    mine = _clue(a_user, "张建国在校舍改造工程中收受施工方好处费二十万元", person)
    theirs = _clue(
        b_user, "反映金水区教育局长张建国收取包工头回扣20万元，为其承揽校舍工程", person
    )
    unrelated = _clue(b_user, "某村会计挪用集体资金用于赌博", name="赵某", unit="某村")
    assert ClueSignature.objects.filter(clue=mine).exists()
    found = related_clues(mine)
    numbers = [c.number for c, _ in found]
    assert theirs.number in numbers and unrelated.number not in numbers
    match = dict((c.number, m) for c, m in found)[theirs.number]
    assert any("同一身份证号码" in r for r in match.reasons)


def test_viewer_outside_reach_learns_only_the_unit(client, world, registrars):
    a_user, b_user = registrars
    # County a hears of 刘洋 (county b) by name and unit; county b holds its own clue.
    mine = _clue(a_user, "刘洋违规收受礼金", name="刘洋", unit="中原区教育局")
    theirs = _clue(
        b_user, "举报刘洋收受管理服务对象礼金购物卡", world.persons["b_edu_head"]
    )
    assert theirs.owner_unit == world.units["b_commission"]
    client.force_login(a_user)
    page = client.get(reverse("clues:detail", args=[mine.pk])).content.decode()
    assert "中原区纪委监委持有相关线索，请与该单位联系" in page
    assert theirs.number not in page and "购物卡" not in page


def test_cli_related_prints_ranked_json(world, registrars, capsys):
    a_user, b_user = registrars
    person = world.persons["a_health_staff"]
    mine = _clue(a_user, "李秀英套取医保基金", person)
    _clue(b_user, "反映李秀英骗取医疗保障基金", person)
    assert cli.main(["clues", "related", mine.number, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out and set(out[0]) == {"number", "score", "reasons"}
    assert 0 <= out[0]["score"] <= 1
    assert cli.main(["clues", "related", "不存在的编号"]) == 2


def test_api_related_hides_what_the_viewer_may_not_see(client, world, registrars):
    a_user, b_user = registrars
    mine = _clue(a_user, "刘洋违规收受礼金", name="刘洋", unit="中原区教育局")
    _clue(b_user, "举报刘洋收受礼金购物卡", world.persons["b_edu_head"])
    client.force_login(a_user)
    ledger = client.get("/api/clues").json()
    assert [c["number"] for c in ledger["items"]] == [mine.number]
    related = client.get(f"/api/clues/{mine.pk}/related").json()
    assert related == [
        {
            "number": None,
            "unit": "中原区纪委监委",
            "score": related[0]["score"],
            "reasons": [],
        }
    ]
    assert 0.5 <= related[0]["score"] <= 1
