"""The hit pages: the list with its filters and counts, one hit with its evidence rows,
the person's archive and the triage, and dismissing several hits at once."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, account
from xietong.access.roles import Grant, Role
from xietong.access.services import account_create
from xietong.analytics.models import Hit, HitStatus
from xietong.analytics.services import model_run_execute
from xietong.audit.models import Action, AuditEntry

from .matrix_hits import import_death_payments, make_hit, person_number
from .support import analyst, id_number


def _many_hits(world, n=3):
    """``n`` 死亡冒领 hits of county a about unregistered people, and the run."""
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    people = [(id_number(100 + i), f"测试对象{i}") for i in range(n)]
    import_death_payments(actor, unit, people, prefix="M")
    run = model_run_execute(actor=actor, model="death_payment", unit=unit)
    return actor, run, list(Hit.objects.filter(last_run=run).order_by("pk"))


def _text(resp) -> str:
    return resp.content.decode()


def test_hit_list_shows_masked_subjects_counts_and_filters(client, world):
    actor, run, hits = _many_hits(world)
    other = make_hit(world, "b")
    number = id_number(100)
    client.force_login(actor)

    text = _text(client.get(reverse("analytics:hits")))

    assert "测试对象0" in text and "死亡冒领" in text
    assert number not in text and number[:6] in text  # masked
    assert other.subject_name not in text  # another commission's hit
    assert 'href="/analytics/hits/"' in text and "tabs" in text
    # Counts per status on top: 3 new, 0 dismissed.
    assert "<b>3</b><span>待研判</span>" in text
    assert "<b>0</b><span>已排除</span>" in text

    text = _text(client.get(reverse("analytics:hits"), {"q": "测试对象1"}))
    assert "测试对象1" in text and "测试对象2" not in text
    text = _text(client.get(reverse("analytics:hits"), {"run": run.pk}))
    assert "测试对象2" in text
    assert "模型运行 #" in text
    text = _text(client.get(reverse("analytics:hits"), {"run": "999999"}))
    assert "测试对象0" not in text and "暂无预警" in text
    text = _text(client.get(reverse("analytics:hits"), {"model": "split_purchase"}))
    assert "测试对象0" not in text
    # The month a user sees: China time (at 16:00 UTC on the last day of a month it
    # is already the next month there).
    month = timezone.localtime(hits[0].created_at).strftime("%Y-%m")
    text = _text(client.get(reverse("analytics:hits"), {"month": month}))
    assert "测试对象0" in text
    text = _text(client.get(reverse("analytics:hits"), {"month": "2001-01"}))
    assert "测试对象0" not in text
    text = _text(client.get(reverse("analytics:hits"), {"status": "dismissed"}))
    assert "测试对象0" not in text


def test_hit_list_paginates(client, world, settings):
    settings.XIETONG_PAGE_SIZE = 2
    actor, _, _ = _many_hits(world, n=3)
    client.force_login(actor)
    first = _text(client.get(reverse("analytics:hits")))
    second = _text(client.get(reverse("analytics:hits"), {"page": 2}))
    assert "共 3 条，第 1/2 页" in first and "第 2/2 页" in second


def test_a_role_without_analytics_gets_no_hit_pages(client, world):
    hit = make_hit(world)
    client.force_login(account(world.units["a_supervision_office"], Role.HANDLER))
    assert client.get(reverse("analytics:hits")).status_code == 404
    assert client.get(reverse("analytics:hit", args=[hit.pk])).status_code == 404
    assert client.get(reverse("analytics:ledger")).status_code == 404


def test_hit_page_shows_reason_versions_evidence_and_archive_link(client, world):
    hit = make_hit(world)
    person = world.persons["a_edu_head"]
    number = person_number(person)
    client.force_login(account(world.units["a_commission"], Role.LEADER))

    text = _text(client.get(reverse("analytics:hit", args=[hit.pk])))

    # The reason sentence, with the ID number in it masked.
    assert hit.reason.replace(number, number[:6] + "********" + number[-4:]) in text
    # Parameters and the data versions that produced it, linked to the datasets page.
    assert "grace_days" in text and "31" in text
    for key in hit.data_versions:
        dataset_id = key.split(":")[1]
        assert f'href="/analytics/datasets/{dataset_id}/"' in text
    assert "第 1 版" in text
    # The evidence rows, with Chinese column labels and masked ID numbers.
    assert "发放流水号" in text and "a-P001" in text and "死亡日期" in text
    assert "2026-02-14" in text  # the payment date, 40 days after death
    assert number not in text
    assert number[:6] in text
    # The subject's integrity archive, and the ID number in the rows, linked.
    archive = reverse("org:person", args=[person.pk])
    assert text.count(f'href="{archive}"') >= 2
    assert "研判" in text and "待数据分析员研判" in text  # a leader may not triage


def test_no_archive_link_when_the_person_is_out_of_the_viewers_reach(client, world):
    # County a's analysts import a file about county b's official: the hit is theirs,
    # the person is not.
    actor = analyst(world, "a_commission")
    unit = world.units["a_commission"]
    person = world.persons["b_edu_head"]
    import_death_payments(actor, unit, [(person_number(person), person.name)])
    model_run_execute(actor=actor, model="death_payment", unit=unit)
    hit = Hit.objects.get(unit=unit)
    client.force_login(actor)

    text = _text(client.get(reverse("analytics:hit", args=[hit.pk])))

    assert "刘洋" in text  # the hit is about them …
    assert reverse("org:person", args=[person.pk]) not in text  # … no archive link
    assert "廉政档案" not in text


def test_full_id_numbers_only_with_the_grant_and_audited(client, world):
    hit = make_hit(world)
    number = person_number(world.persons["a_edu_head"])
    plain = account(world.units["a_commission"], Role.ANALYST)
    granted = account(
        world.units["a_commission"], Role.ANALYST, grants=(Grant.SENSITIVE_IDENTITY,)
    )
    url = reverse("analytics:hit", args=[hit.pk])

    client.force_login(plain)
    text = _text(client.get(url))
    assert "查看完整身份证号码" not in text
    assert client.get(url, {"reveal": "1"}).status_code == 403
    assert not AuditEntry.objects.filter(action=Action.VIEW_SENSITIVE).exists()

    client.force_login(granted)
    text = _text(client.get(url))
    assert "查看完整身份证号码（留痕）" in text and number not in text
    text = _text(client.get(url, {"reveal": "1"}))
    assert text.count(number) >= 3  # subject, death row, payment row
    entry = AuditEntry.objects.get(action=Action.VIEW_SENSITIVE)
    assert entry.actor_id == granted.pk and entry.object_id == str(hit.pk)


def test_dismissing_needs_a_reason_and_then_shows_who_when_why(client, world):
    hit = make_hit(world)
    actor = analyst(world, "a_commission")
    client.force_login(actor)
    url = reverse("analytics:hit_triage", args=[hit.pk])

    resp = client.post(url, {"decision": "dismissed", "reason": "  "})

    assert resp.status_code == 400
    assert "排除预警须说明理由" in _text(resp) and "排除理由不能为空" in _text(resp)
    hit.refresh_from_db()
    assert hit.status == HitStatus.NEW and hit.triaged_by is None

    resp = client.post(url, {"decision": "later"})
    assert resp.status_code == 400 and "研判结论“later”无效" in _text(resp)

    resp = client.post(url, {"decision": "dismissed", "reason": "已核实为补发"})
    assert resp.status_code == 302
    text = _text(client.get(resp["Location"]))
    assert "已研判为“已排除”" in text
    assert "已核实为补发" in text and actor.full_name in text
    assert "提交研判" not in text

    resp = client.post(url, {"decision": "to_clue", "reason": ""})
    assert resp.status_code == 409 and "不能重复研判" in _text(resp)


def test_a_leader_may_not_triage(client, world):
    hit = make_hit(world)
    client.force_login(account(world.units["a_commission"], Role.LEADER))
    resp = client.post(
        reverse("analytics:hit_triage", args=[hit.pk]),
        {"decision": "dismissed", "reason": "无"},
    )
    assert resp.status_code == 403
    hit.refresh_from_db()
    assert hit.status == HitStatus.NEW


def test_turning_into_a_clue_links_the_clue(client, world):
    hit = make_hit(world)
    actor = account_create(
        actor=None,
        username="analyst_cm",
        full_name="案管分析员",
        unit=world.units["a_case_management"],
        password=PASSWORD,
        roles=(Role.ANALYST, Role.CASE_MANAGER),
    )
    client.force_login(actor)

    resp = client.post(
        reverse("analytics:hit_triage", args=[hit.pk]),
        {"decision": "to_clue", "reason": "需核查"},
    )

    hit.refresh_from_db()
    assert hit.status == HitStatus.TO_CLUE and hit.clue is not None
    text = _text(client.get(resp["Location"]))
    assert reverse("clues:detail", args=[hit.clue.pk]) in text
    assert hit.clue.number in text


@pytest.mark.parametrize("broken", ["triaged", "foreign"])
def test_bulk_dismissal_is_all_or_nothing(client, world, broken):
    actor, _, hits = _many_hits(world)
    client.force_login(actor)
    ids = [h.pk for h in hits]
    if broken == "triaged":
        client.post(
            reverse("analytics:hit_triage", args=[hits[1].pk]),
            {"decision": "to_risk", "reason": ""},
        )
        expected = 302
    else:
        ids.append(make_hit(world, "b").pk)
        expected = 404

    resp = client.post(
        reverse("analytics:hits_dismiss"), {"ids": ids, "reason": "批量核实"}
    )

    assert resp.status_code == expected
    assert not Hit.objects.filter(status=HitStatus.DISMISSED).exists()
    if broken == "triaged":
        text = _text(client.get(resp["Location"]))
        assert "不能重复研判" in text and "未排除任何预警" in text


def test_bulk_dismissal_dismisses_the_selected_hits(client, world):
    actor, _, hits = _many_hits(world)
    client.force_login(actor)
    back = reverse("analytics:hits") + "?status=new"

    resp = client.post(
        reverse("analytics:hits_dismiss"),
        {"ids": [hits[0].pk, hits[2].pk], "reason": "批量核实", "next": back},
    )

    assert resp.status_code == 302 and resp["Location"] == back
    statuses = dict(Hit.objects.values_list("pk", "status"))
    assert statuses[hits[0].pk] == statuses[hits[2].pk] == HitStatus.DISMISSED
    assert statuses[hits[1].pk] == HitStatus.NEW
    assert "已排除 2 条预警" in _text(client.get(back))
    resp = client.post(reverse("analytics:hits_dismiss"), {"ids": [hits[1].pk]})
    assert Hit.objects.get(pk=hits[1].pk).status == HitStatus.NEW
    assert "排除预警须说明理由" in _text(client.get(resp["Location"]))
