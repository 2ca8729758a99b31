"""Related clues across units: ranked with reasons; others' clues reveal only the unit."""

import datetime as dt
import json

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import account
from xietong import cli
from xietong.clues import matching, related
from xietong.clues.models import Attachment, ClueSignature
from xietong.clues.related import key_postings, related_clues
from xietong.clues.services import (
    SubjectInput,
    attachment_add,
    clue_register,
    petition_register,
)

from . import paraphrases as P

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


# --- the index ------------------------------------------------------------------------


def test_registration_stores_the_sampled_keys(world, registrars):
    a_user, _ = registrars
    clue = _clue(
        a_user, "张建国在校舍改造工程中收受施工方好处费二十万元", name="张建国"
    )
    stored = sorted(
        ClueSignature.objects.filter(clue=clue).values_list("key", flat=True)
    )
    assert stored == matching.signature_keys(clue.summary) and stored


def test_key_postings_caps_each_key_and_skips_common_ones(world, registrars):
    a_user, _ = registrars
    clues = [
        _clue(a_user, f"王家村村支书{n}挪用修路款", name=n, unit="王家村")
        for n in ("李一民", "赵二虎", "孙三强", "周四海", "吴五福")
    ]
    stored = {
        c.pk: set(ClueSignature.objects.filter(clue=c).values_list("key", flat=True))
        for c in clues
    }
    shared = set.intersection(*stored.values())  # the village and the matter
    mine = stored[clues[2].pk] - set.union(
        *(keys for pk, keys in stored.items() if pk != clues[2].pk)
    )  # the name
    assert shared and mine
    common, rare = min(shared), min(mine)
    found = key_postings([common, rare, 12345], cap=3)
    assert common not in found  # 5 clues > cap 3: common phrasing, not one matter
    assert found == {rare: [clues[2].pk]}
    assert sorted(key_postings([common], cap=5)[common]) == sorted(stored)
    assert key_postings([]) == {}


def test_common_keys_are_not_read_again(world, registrars, monkeypatch):
    a_user, _ = registrars
    clues = [
        _clue(a_user, f"王家村村支书{n}挪用修路款", name=n, unit="王家村")
        for n in ("李一民", "赵二虎", "孙三强", "周四海", "吴五福")
    ]
    keys = [
        set(ClueSignature.objects.filter(clue=c).values_list("key", flat=True))
        for c in clues
    ]
    common = min(set.intersection(*keys))
    rare = min(keys[0] - set.union(*keys[1:]))
    monkeypatch.setattr(related, "KEY_CAP", 3)
    monkeypatch.setattr(related, "_COMMON_KEYS", set())
    assert related.key_postings([common, rare]) == {rare: [clues[0].pk]}
    assert related._COMMON_KEYS == {common}
    with CaptureQueriesContext(connection) as ctx:
        assert related.key_postings([common, rare]) == {rare: [clues[0].pk]}
    assert str(common) not in ctx.captured_queries[0]["sql"]
    with CaptureQueriesContext(connection) as ctx:
        assert related.key_postings([common]) == {}
    assert ctx.captured_queries == []


def test_the_orm_cannot_limit_each_key_in_one_query(db):
    """Why key_postings is raw SQL: a union of per-key sliced querysets (one query, at
    most cap + 1 rows per key) is refused by the ORM on SQLite."""
    parts = [
        ClueSignature.objects.filter(key=k).values_list("key", "clue_id")[:3]
        for k in (1, 2)
    ]
    if connection.vendor == "sqlite":
        with pytest.raises(DatabaseError, match="LIMIT/OFFSET not allowed"):
            list(parts[0].union(parts[1], all=True))
    else:  # PostgreSQL could; one code path for both is simpler to keep right
        assert list(parts[0].union(parts[1], all=True)) == []


def test_text_candidates_prefer_the_rarest_shared_keys(world, registrars, monkeypatch):
    a_user, b_user = registrars
    same = _clue(
        b_user,
        "反映惠济区古荥镇黄河村会计邢大宝虚报冒领危房改造补助三万六千元",
        name="邢大宝",
        unit="黄河村",
    )
    for i in range(4):  # other matters sharing only the place
        _clue(
            b_user,
            f"惠济区古荥镇黄河村修路{i}号工程质量差",
            name=f"赵{i}",
            unit="某公司",
        )
    monkeypatch.setattr(related, "TEXT_CANDIDATES", 1)
    mine = _clue(
        a_user,
        "黄河村邢大宝冒领危房改造补助3.6万元",
        name="邢大宝",
        unit="古荥镇黄河村",  # another way to write the unit: no same-name-and-unit hit
    )
    found = [c for c, _ in related_clues(mine)]
    assert found == [same]


# --- same attachment ------------------------------------------------------------------


@pytest.fixture
def own_home(settings, tmp_path):
    """Stored files of this test only."""
    from xietong.audit.services import checkpoint_file
    from xietong.core.crypto import reset_cipher_cache

    settings.XIETONG_HOME = tmp_path
    checkpoint_file.cache_clear()
    reset_cipher_cache()
    yield tmp_path
    checkpoint_file.cache_clear()
    reset_cipher_cache()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%% evidence\n%%EOF\n"


def test_same_attachment_is_a_strong_reason(world, registrars, own_home):
    a_user, b_user = registrars
    mine = _clue(a_user, "某局干部收受礼金", name="甲", unit="甲单位")
    theirs = _clue(b_user, "某单位公车私用", name="乙", unit="乙单位")
    other = _clue(b_user, "某单位违规发放补贴", name="丙", unit="丙单位")
    attachment_add(actor=a_user, clue=mine, name="转账记录.pdf", content=PDF)
    attachment_add(actor=b_user, clue=theirs, name="银行流水.pdf", content=PDF)
    attachment_add(actor=b_user, clue=other, name="照片.pdf", content=PDF + b" ")
    found = {c.number: m for c, m in related_clues(mine)}
    assert list(found) == [theirs.number]
    assert "附件相同（文件名：转账记录.pdf）" in found[theirs.number].reasons
    assert found[theirs.number].score >= matching.W_ATTACHMENT


def test_same_attachment_through_the_petition(world, registrars, own_home):
    a_user, b_user = registrars
    clerk = account(world.units["a_petition_office"], "petition_clerk")
    petition = petition_register(
        actor=clerk, channel="letter", received_date=DAY, content="举报某局长收受礼金"
    )
    attachment_add(actor=clerk, petition=petition, name="举报信.pdf", content=PDF)
    from_petition = clue_register(
        actor=a_user,
        source="petition",
        received_date=DAY,
        summary="某局长收受礼金",
        subjects=[SubjectInput(name="丁", unit_name="丁单位")],
        petition=petition,
    )
    elsewhere = _clue(b_user, "反映有人违规经商", name="戊", unit="戊单位")
    attachment_add(actor=b_user, clue=elsewhere, name="材料.pdf", content=PDF)
    for query, other in ((from_petition, elsewhere), (elsewhere, from_petition)):
        found = {c.pk: m for c, m in related_clues(query)}
        assert list(found) == [other.pk]
        assert any(r.startswith("附件相同（文件名：") for r in found[other.pk].reasons)
    assert (
        Attachment.objects.filter(clue=from_petition).count() == 0
    )  # via the petition


# --- the labelled set, end to end -------------------------------------------------------


def test_labelled_set_through_the_database(world, registrars, own_home):
    """Registration, index, candidate look-up and scoring together, on the labelled set:
    at least as good as the matcher alone over every pair (test_matching)."""
    a_user, _ = registrars
    clues = P.load_into_db(
        registrar=a_user, region=world.regions["a"], received_date=DAY
    )
    precision, recall, errors = P.evaluate_db(
        clues, lambda c: [x for x, _ in related_clues(c, limit=50)]
    )
    print(f"\n[database] precision={precision:.3f} recall={recall:.3f}")
    for e in errors:
        print("    ", e)
    assert precision >= 0.99
    assert recall >= 0.96
