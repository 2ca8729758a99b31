"""The tamper-evident audit log: what is recorded, the SM3 chain, checkpoints and append-only."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, account, build_world, new_id_number
from tests.tamper import tamper_sql
from xietong.access.roles import Grant, Role
from xietong.access.services import token_create
from xietong.audit import services as audit_services
from xietong.audit.chain import GENESIS, CheckpointFile, entry_hash
from xietong.audit.models import Action, AuditEntry
from xietong.audit.services import audit_record, audit_verify
from xietong.core.crypto import field_cipher
from xietong.core.keys import load_keyring
from xietong.org.models import Person

IP = "192.0.2.10"
PG = "postgresql"


def _entry(**filters) -> AuditEntry:
    return AuditEntry.objects.filter(**filters).latest("seq")


def _assert_who(entry, user, ip=IP):
    assert entry.actor_id == user.pk
    assert entry.actor_username == user.username
    assert entry.actor_name == user.full_name
    assert entry.unit_name == user.unit.name
    assert entry.client_ip == ip
    assert abs(entry.created_at - timezone.now()) < dt.timedelta(minutes=1)


# --- what is recorded -----------------------------------------------------------------------


@pytest.mark.django_db
def test_person_writes_and_views_are_recorded(client, world):
    user = account(world.units["a_supervision_office"], Role.HANDLER)
    client.force_login(user)
    unit = world.units["a_edu"]
    number = new_id_number("410105")

    resp = client.post(
        reverse("org:person_create"),
        {
            "name": "赵志刚",
            "id_number": number,
            "unit": unit.pk,
            "position": "副局长",
            "management_level": "county",
            "is_party_member": "on",
        },
        REMOTE_ADDR=IP,
    )
    assert resp.status_code == 302, resp.content.decode()[:500]
    person = Person.objects.get(name="赵志刚")
    e = _entry(action=Action.CREATE, object_type="org.person")
    _assert_who(e, user)
    assert e.object_id == str(person.pk) and e.object_repr == "赵志刚"
    assert json.loads(e.summary)["单位"] == unit.name
    assert number not in e.summary  # the ID number never enters the log

    resp = client.post(
        reverse("org:person_edit", args=[person.pk]),
        {
            "name": "赵志刚",
            "unit": unit.pk,
            "position": "局长",
            "management_level": "county",
            "status": "serving",
            "is_party_member": "on",
        },
        REMOTE_ADDR=IP,
    )
    assert resp.status_code == 302
    e = _entry(action=Action.CHANGE, object_type="org.person")
    _assert_who(e, user)
    assert json.loads(e.summary)["职务"] == ["副局长", "局长"]

    resp = client.post(
        reverse("org:relative_add", args=[person.pk]),
        {"relation": "spouse", "name": "钱丽"},
        REMOTE_ADDR=IP,
    )
    assert resp.status_code == 302
    e = _entry(action=Action.CREATE, object_type="org.relative")
    _assert_who(e, user)
    assert "配偶" in e.summary and "赵志刚" in e.summary

    assert (
        client.get(reverse("org:person", args=[person.pk]), REMOTE_ADDR=IP).status_code
        == 200
    )
    e = _entry(action=Action.VIEW, object_type="org.person")
    _assert_who(e, user)
    assert e.object_id == str(person.pk)


@pytest.mark.django_db
def test_account_role_grant_and_config_writes_are_recorded(client, world):
    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)
    secadmin = account(world.units["a_commission"], Role.SECADMIN)

    client.force_login(sysadmin)
    resp = client.post(
        reverse("access:account_create"),
        {
            "username": "new_handler",
            "full_name": "孙立",
            "unit": world.units["a_edu"].pk,
            "password": PASSWORD,
        },
        REMOTE_ADDR=IP,
    )
    assert resp.status_code == 302
    from xietong.access.models import User

    target = User.objects.get(username="new_handler")
    e = _entry(action=Action.CREATE, object_type="access.user")
    _assert_who(e, sysadmin)
    assert e.object_id == str(target.pk)
    assert PASSWORD not in e.summary

    client.post(
        reverse("access:account_action", args=[target.pk, "disable"]), REMOTE_ADDR=IP
    )
    e = _entry(action=Action.CHANGE, object_type="access.user")
    _assert_who(e, sysadmin)
    assert "停用" in e.summary

    client.post(
        reverse("workdays:day"),
        {"day": "2026-03-02", "kind": "holiday", "name": "测试"},
        REMOTE_ADDR=IP,
    )
    e = _entry(action=Action.CONFIG)
    _assert_who(e, sysadmin)
    assert e.object_id == "2026-03-02" and "法定节假日" in e.summary

    client.force_login(secadmin)
    url = reverse("access:account_action", args=[target.pk, "role-add"])
    assert client.post(url, {"role": "rectifier"}, REMOTE_ADDR=IP).status_code == 302
    e = _entry(action=Action.GRANT)
    _assert_who(e, secadmin)
    assert e.object_id == str(target.pk) and "整改联络员" in e.summary

    url = reverse("access:account_action", args=[target.pk, "grant-add"])
    client.post(url, {"grant": Grant.REPORTER_IDENTITY}, REMOTE_ADDR=IP)
    e = _entry(action=Action.GRANT)
    _assert_who(e, secadmin)
    assert "查看举报人身份信息" in e.summary

    url = reverse("access:account_action", args=[target.pk, "role-remove"])
    client.post(url, {"role": "rectifier"}, REMOTE_ADDR=IP)
    e = _entry(action=Action.REVOKE)
    _assert_who(e, secadmin)
    assert "整改联络员" in e.summary


@pytest.mark.django_db
def test_api_write_with_token_is_recorded_with_client_address(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    _, raw = token_create(actor=user, name="脚本")
    person = world.persons["a_edu_head"]
    resp = client.patch(
        f"/api/persons/{person.pk}",
        data=json.dumps({"status": "left"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        REMOTE_ADDR=IP,
    )
    assert resp.status_code == 200
    e = _entry(action=Action.CHANGE, object_type="org.person")
    _assert_who(e, user)
    assert json.loads(e.summary)["状态"] == ["serving", "left"]


@pytest.mark.django_db
def test_export_is_recorded(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    client.force_login(user)
    resp = client.get(
        reverse("org:persons"), {"export": "xlsx", "top": "1"}, REMOTE_ADDR=IP
    )
    assert resp.status_code == 200
    e = _entry(action=Action.EXPORT)
    _assert_who(e, user)
    assert e.object_repr == "监督对象清单"
    summary = json.loads(e.summary)
    assert summary["条数"] == 1 and "top=1" in summary["筛选"]


@pytest.mark.django_db
def test_login_and_failed_login_are_recorded(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    client.post(
        reverse("access:login"),
        {"username": user.username, "password": "Nope@12345"},
        REMOTE_ADDR=IP,
    )
    e = _entry(action=Action.LOGIN_FAILED)
    _assert_who(e, user)
    assert "密码错误" in e.summary
    client.post(
        reverse("access:login"),
        {"username": user.username, "password": PASSWORD},
        REMOTE_ADDR=IP,
    )
    _assert_who(_entry(action=Action.LOGIN), user)


@pytest.mark.django_db
def test_sensitive_identity_view_needs_the_grant_and_is_recorded(client, world):
    person = world.persons["a_edu_head"]
    number = field_cipher().decrypt(person.id_number_enc)
    url = reverse("org:person_reveal", args=[person.pk])

    plain = account(world.units["a_case_management"], Role.CASE_MANAGER)
    client.force_login(plain)
    resp = client.post(url, REMOTE_ADDR=IP)
    assert resp.status_code == 403
    text = resp.content.decode()
    assert "单独授权" in text
    assert number not in text and "13800138000" not in text
    api = client.post(f"/api/persons/{person.pk}/identity", REMOTE_ADDR=IP)
    assert api.status_code == 403 and number not in api.content.decode()
    # The ordinary archive page shows only the masked number.
    page = client.get(reverse("org:person", args=[person.pk])).content.decode()
    assert number not in page and person.id_number_masked in page
    assert not AuditEntry.objects.filter(action=Action.VIEW_SENSITIVE).exists()

    granted = account(
        world.units["a_case_management"],
        Role.CASE_MANAGER,
        grants=[Grant.SENSITIVE_IDENTITY],
    )
    client.force_login(granted)
    resp = client.post(url, REMOTE_ADDR=IP)
    assert resp.status_code == 200
    assert number in resp.content.decode() and "13800138000" in resp.content.decode()
    e = _entry(action=Action.VIEW_SENSITIVE)
    _assert_who(e, granted)
    assert e.object_type == "org.person" and e.object_id == str(person.pk)
    assert number not in e.summary

    resp = client.post(f"/api/persons/{person.pk}/identity", REMOTE_ADDR=IP)
    assert resp.json() == {"id_number": number, "phone": "13800138000"}
    assert (
        AuditEntry.objects.filter(
            action=Action.VIEW_SENSITIVE, actor_id=granted.pk
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_reporter_identity_grant_does_not_open_id_numbers(client, world):
    user = account(
        world.units["a_case_management"],
        Role.CASE_MANAGER,
        grants=[Grant.REPORTER_IDENTITY],
    )
    client.force_login(user)
    person = world.persons["a_edu_head"]
    resp = client.post(reverse("org:person_reveal", args=[person.pk]))
    assert resp.status_code == 403
    assert field_cipher().decrypt(person.id_number_enc) not in resp.content.decode()


@pytest.mark.django_db
def test_sensitive_view_out_of_reach_is_not_found_even_with_the_grant(client, world):
    user = account(
        world.units["a_case_management"],
        Role.CASE_MANAGER,
        grants=[Grant.SENSITIVE_IDENTITY],
    )
    client.force_login(user)
    person = world.persons["b_edu_head"]
    resp = client.post(reverse("org:person_reveal", args=[person.pk]))
    assert resp.status_code == 404
    assert field_cipher().decrypt(person.id_number_enc) not in resp.content.decode()
    assert not AuditEntry.objects.filter(action=Action.VIEW_SENSITIVE).exists()


# --- the chain ------------------------------------------------------------------------------


@pytest.fixture
def checkpoints(tmp_path, monkeypatch):
    """A checkpoint file of this test's own, signed with the installation's checkpoint key."""
    cp = CheckpointFile(
        tmp_path / "audit" / "checkpoints.log",
        load_keyring(settings.XIETONG_HOME).checkpoint,
    )
    monkeypatch.setattr(audit_services, "checkpoint_file", lambda: cp)
    return cp


@pytest.fixture
def log(db, checkpoints, django_capture_on_commit_callbacks):
    """About thirty entries written by the real services, with their checkpoints."""
    assert not AuditEntry.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        build_world()
        for i in range(3):
            audit_record(
                actor=None,
                action=Action.CONFIG,
                object_repr=f"配置 {i}",
                summary={"项": i},
                ip="198.51.100.1",
            )
    n = AuditEntry.objects.count()
    assert n >= 20
    good, bad = checkpoints.read()
    assert bad == [] and max(c.seq for c in good) == n
    return n


def _tamper(sql: str, params=()) -> None:
    """Write behind the application's back, as a privileged attacker with database access
    (who can also switch the append-only triggers off)."""
    tamper_sql(sql, params)


def test_entries_are_chained_with_sm3(log):
    prev = GENESIS
    for e in AuditEntry.objects.order_by("seq"):
        values = {
            f: getattr(e, f)
            for f in (
                "seq",
                "created_at",
                "actor_id",
                "actor_username",
                "actor_name",
                "unit_name",
                "action",
                "object_type",
                "object_id",
                "object_repr",
                "summary",
                "client_ip",
            )
        }
        assert e.prev_hash == prev
        assert e.entry_hash == entry_hash(prev, values)
        assert len(e.entry_hash) == 64
        prev = e.entry_hash
    # SM3 of "abc" (GB/T 32905-2016 example): the chain uses real SM3, not SHA-256.
    from xietong.core.crypto import sm3_hex

    assert (
        sm3_hex(b"abc")
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_intact_log_verifies(log):
    result = audit_verify()
    assert result.ok and result.checked == log and result.first_bad_seq is None
    assert (
        result.message() == f"审计日志完整：共校验 {log} 条，哈希链与签名检查点一致。"
    )


def test_altered_entry_is_named(log):
    _tamper(
        "UPDATE audit_auditentry SET summary = %s WHERE seq = 7", ['{"单位":"伪造"}']
    )
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 7
    assert "内容被改动" in result.reason
    assert result.message().startswith("审计日志被篡改：第 7 条")


def test_altered_client_address_is_named(log):
    _tamper(
        "UPDATE audit_auditentry SET client_ip = %s WHERE seq = 12", ["203.0.113.9"]
    )
    assert audit_verify().first_bad_seq == 12


def test_removed_entry_is_named(log):
    _tamper("DELETE FROM audit_auditentry WHERE seq = 9")
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 9
    assert "第 9 条记录已被删除" in result.reason


_CONTENT = (
    "created_at",
    "actor_id",
    "actor_username",
    "actor_name",
    "unit_name",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "summary",
    "client_ip",
    "prev_hash",
    "entry_hash",
)


def test_swapped_entries_are_named(log):
    five, six = (
        AuditEntry.objects.filter(seq=s).values(*_CONTENT).get() for s in (5, 6)
    )
    sets = ", ".join(f"{c} = %s" for c in _CONTENT)
    _tamper("UPDATE audit_auditentry SET entry_hash = %s WHERE seq = 5", ["x" * 64])
    _tamper(
        f"UPDATE audit_auditentry SET {sets} WHERE seq = 6", [five[c] for c in _CONTENT]
    )
    _tamper(
        f"UPDATE audit_auditentry SET {sets} WHERE seq = 5", [six[c] for c in _CONTENT]
    )
    assert AuditEntry.objects.get(seq=5).entry_hash == six["entry_hash"]
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 5


def test_reordered_sequence_numbers_are_named(log):
    _tamper("UPDATE audit_auditentry SET seq = -1 WHERE seq = 5")
    _tamper("UPDATE audit_auditentry SET seq = 5 WHERE seq = 6")
    _tamper("UPDATE audit_auditentry SET seq = 6 WHERE seq = -1")
    result = audit_verify()
    assert not result.ok and result.first_bad_seq == 5


def test_rewritten_tail_without_the_key_is_caught_by_checkpoints(log):
    """Re-hashing every entry after an edit makes a valid chain; the checkpoints still differ."""
    rows = list(AuditEntry.objects.order_by("seq").values("seq", *_CONTENT))
    prev = rows[9]["entry_hash"]
    for row in rows[10:]:
        values = dict(row)
        if row["seq"] == 11:
            values["summary"] = '{"伪造":1}'
        digest = entry_hash(prev, values)
        _tamper(
            "UPDATE audit_auditentry SET summary = %s, prev_hash = %s, entry_hash = %s WHERE seq = %s",
            [values["summary"], prev, digest, row["seq"]],
        )
        prev = digest
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq is not None and result.first_bad_seq >= 11
    assert "检查点" in result.reason


def test_removed_newest_entries_are_named(log):
    _tamper("DELETE FROM audit_auditentry WHERE seq > %s", [log - 3])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_seq == log - 2
    assert f"第 {log - 2} 条起的记录被删除" in result.reason


def test_tampered_checkpoint_file_is_reported(log, checkpoints):
    lines = checkpoints.path.read_text().splitlines(keepends=True)
    seq, digest, mac = lines[4].rstrip("\n").split("\t")
    lines[4] = f"{seq}\t{'0' * 64}\t{mac}\n"
    checkpoints.path.write_text("".join(lines))
    result = audit_verify()
    assert not result.ok
    assert "检查点文件第 5 行签名无效" in result.reason


def test_forged_checkpoint_for_a_shortened_log_is_reported(log, checkpoints):
    """Cutting the log and rewriting the checkpoint file without the key does not pass."""
    _tamper("DELETE FROM audit_auditentry WHERE seq > %s", [log - 3])
    keep = AuditEntry.objects.order_by("-seq").first()
    lines = [
        ln
        for ln in checkpoints.path.read_text().splitlines(keepends=True)
        if int(ln.split("\t")[0]) <= log - 3
    ]
    lines.append(f"{log - 3}\t{keep.entry_hash}\t{'f' * 64}\n")
    checkpoints.path.write_text("".join(lines))
    result = audit_verify()
    assert not result.ok


def test_cli_verify_exit_codes(log, capsys):
    from xietong.cli import main

    assert main(["audit", "verify"]) == 0
    assert "审计日志完整" in capsys.readouterr().out
    _tamper("UPDATE audit_auditentry SET actor_username = %s WHERE seq = 7", ["ghost"])
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "审计日志被篡改：第 7 条" in out


def test_cli_verify_names_removed_newest_entries(log, capsys):
    from xietong.cli import main

    _tamper("DELETE FROM audit_auditentry WHERE seq > %s", [log - 3])
    assert main(["audit", "verify"]) == 1
    assert f"第 {log - 2} 条" in capsys.readouterr().out


def test_auditor_screen_verifies(client, log):
    from xietong.org.models import Unit

    auditor = account(Unit.objects.get(name="金水区纪委监委"), Role.AUDITOR)
    client.force_login(auditor)
    resp = client.post(reverse("audit:verify"))
    assert resp.status_code == 200 and "审计日志完整" in resp.content.decode()
    _tamper("DELETE FROM audit_auditentry WHERE seq = 3")
    resp = client.post("/api/audit/verify")
    assert resp.json()["ok"] is False and resp.json()["first_bad_seq"] == 3


# --- append-only ----------------------------------------------------------------------------


def test_model_refuses_update_and_delete(log):
    entry = AuditEntry.objects.get(seq=4)
    entry.summary = "改写"
    with pytest.raises(RuntimeError, match="只能追加"):
        entry.save()
    with pytest.raises(RuntimeError, match="只能追加"):
        entry.delete()
    assert AuditEntry.objects.get(seq=4).summary != "改写"
    assert audit_verify().ok


def test_queryset_refuses_bulk_update_and_delete(log):
    with pytest.raises(RuntimeError, match="只能追加"):
        AuditEntry.objects.filter(seq=4).update(summary="改写")
    with pytest.raises(RuntimeError, match="只能追加"):
        AuditEntry.objects.filter(seq__gt=5).delete()
    assert AuditEntry.objects.count() == log
    assert audit_verify().ok


def test_new_instance_cannot_overwrite_an_existing_entry(log):
    original = AuditEntry.objects.values().get(seq=4)
    forged = AuditEntry(**{**original, "summary": "覆盖"})
    with pytest.raises((IntegrityError, RuntimeError)):
        with transaction.atomic():
            forged.save()
    assert AuditEntry.objects.get(seq=4).summary == original["summary"]
    assert audit_verify().ok


def test_database_trigger_refuses_update_and_delete(log):
    # Both databases refuse UPDATE; PostgreSQL refuses DELETE as well (SQLite's test flushes
    # need DELETE, and a deletion there is caught by verify).
    statements = ["UPDATE audit_auditentry SET summary = 'x' WHERE seq = 3"]
    if connection.vendor == PG:
        statements += [
            "DELETE FROM audit_auditentry WHERE seq = 3",
            "DELETE FROM audit_auditentry",
        ]
    for sql in statements:
        with pytest.raises(DatabaseError) as exc:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(sql)
        assert "审计日志只能追加" in str(exc.value)
    assert AuditEntry.objects.count() == log
    assert audit_verify().ok
