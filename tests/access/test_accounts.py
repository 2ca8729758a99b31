"""Accounts and roles: 三员分立, login lockout, session timeout, argon2, tokens, disabling."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.factories import PASSWORD, account
from xietong.access import policies
from xietong.access.models import RoleAssignment, SensitiveGrant, User
from xietong.access.roles import (
    ADMIN_ROLES,
    BUSINESS_ROLES,
    Grant,
    Role,
    combination_error,
)
from xietong.access.services import (
    BAD_CREDENTIALS,
    account_create,
    account_set_active,
    account_unlock,
    grant_add,
    role_assign,
    role_revoke,
    token_create,
    token_revoke,
)
from xietong.audit.models import Action, AuditEntry
from xietong.core.errors import NotFound, ValidationError

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def bare_account(world, username="bare", unit="a_commission"):
    """An account without any role (as the system administrator creates it)."""
    return account_create(
        actor=None,
        username=username,
        full_name="无角色",
        unit=world.units[unit],
        password=PASSWORD,
    )


# --- 三员分立 ----------------------------------------------------------------------------------


@pytest.fixture
def secadmin(world):
    return account(world.units["a_commission"], Role.SECADMIN)


@pytest.fixture
def sysadmin(world):
    return account(world.units["a_commission"], Role.SYSADMIN)


def _roles(user) -> set[str]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("first", sorted(ADMIN_ROLES))
@pytest.mark.parametrize("second", sorted(ADMIN_ROLES))
def test_no_account_holds_two_admin_roles(world, secadmin, first, second):
    user = bare_account(world)
    role_assign(actor=secadmin, user=user, role=first)
    with pytest.raises(ValidationError) as exc:
        role_assign(actor=secadmin, user=user, role=second)
    if first == second:
        assert exc.value.message == f"该账号已具有“{Role(first).label}”角色。"
    else:
        assert exc.value.message == (
            f"三员分立：该账号已是{Role(first).label}，不能再担任{Role(second).label}。"
        )
    assert exc.value.fields == {"role": exc.value.message}
    assert _roles(user) == {first}


@pytest.mark.django_db
@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
def test_admin_then_business_refused(world, secadmin, admin):
    user = bare_account(world)
    role_assign(actor=secadmin, user=user, role=admin)
    for business in BUSINESS_ROLES:
        with pytest.raises(ValidationError) as exc:
            role_assign(actor=secadmin, user=user, role=business)
        assert exc.value.message == (
            f"三员分立：{Role(admin).label}不能同时具有业务角色“{Role(business).label}”。"
        )
    assert _roles(user) == {admin}


@pytest.mark.django_db
@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
def test_business_then_admin_refused(world, secadmin, admin):
    user = bare_account(world)
    role_assign(actor=secadmin, user=user, role=Role.HANDLER)
    role_assign(
        actor=secadmin, user=user, role=Role.CASE_MANAGER
    )  # two business roles are fine
    with pytest.raises(ValidationError) as exc:
        role_assign(actor=secadmin, user=user, role=admin)
    assert exc.value.message == f"三员分立：{Role(admin).label}不能同时具有业务角色。"
    assert _roles(user) == {Role.HANDLER, Role.CASE_MANAGER}


@pytest.mark.django_db
def test_refused_assignment_writes_nothing(world, secadmin):
    user = bare_account(world)
    role_assign(actor=secadmin, user=user, role=Role.AUDITOR)
    grants_before = AuditEntry.objects.filter(action=Action.GRANT).count()
    with pytest.raises(ValidationError):
        role_assign(actor=secadmin, user=user, role=Role.SYSADMIN)
    assert AuditEntry.objects.filter(action=Action.GRANT).count() == grants_before
    entry = AuditEntry.objects.filter(action=Action.GRANT, object_id=str(user.pk)).get()
    assert entry.actor_id == secadmin.pk
    assert "安全审计员" in entry.summary


@pytest.mark.django_db
def test_account_create_with_two_admin_roles_is_refused_and_rolled_back(world):
    with pytest.raises(ValidationError) as exc:
        account_create(
            actor=None,
            username="two_hats",
            full_name="双重身份",
            unit=world.units["a_commission"],
            password=PASSWORD,
            roles=(Role.SYSADMIN, Role.AUDITOR),
        )
    assert exc.value.message.startswith("三员分立")
    assert not User.objects.filter(username="two_hats").exists()


@pytest.mark.django_db
def test_cli_refuses_two_admin_roles(world, capsys):
    from xietong.cli import main

    code = main(
        [
            "accounts",
            "create",
            "cli_two",
            "--full-name",
            "命令行",
            "--unit",
            str(world.units["a_commission"].pk),
            "--role",
            "secadmin",
            "--role",
            "auditor",
            "--password",
            PASSWORD,
        ]
    )
    assert code == 2
    assert "三员分立" in capsys.readouterr().err
    assert not User.objects.filter(username="cli_two").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
def test_grant_add_refuses_admins(world, secadmin, admin):
    user = (
        account(world.units["a_commission"], admin)
        if admin != Role.SECADMIN
        else bare_account(world)
    )
    if admin == Role.SECADMIN:
        role_assign(actor=None, user=user, role=Role.SECADMIN)
    for grant in Grant.values:
        with pytest.raises(ValidationError) as exc:
            grant_add(actor=secadmin, user=user, grant=grant)
        assert exc.value.message == "三员不能查看业务敏感信息。"
    assert not SensitiveGrant.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_secadmin_cannot_assign_roles_to_itself(world, secadmin):
    with pytest.raises(ValidationError) as exc:
        role_assign(actor=secadmin, user=secadmin, role=Role.LEADER)
    assert exc.value.message == "不能给自己分配角色。"
    assert _roles(secadmin) == {Role.SECADMIN}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r != Role.SECADMIN])
def test_only_secadmin_assigns_roles_and_grants(world, role):
    actor = account(world.units["a_commission"], role)
    user = bare_account(world)
    with pytest.raises(NotFound):
        role_assign(actor=actor, user=user, role=Role.HANDLER)
    with pytest.raises(NotFound):
        grant_add(actor=actor, user=user, grant=Grant.SENSITIVE_IDENTITY)
    assert _roles(user) == set()


@pytest.mark.django_db
def test_sysadmin_cannot_assign_roles_through_the_screen(client, world, sysadmin):
    user = bare_account(world)
    client.force_login(sysadmin)
    resp = client.post(
        reverse("access:account_action", args=[user.pk, "role-add"]),
        {"role": Role.LEADER},
    )
    assert resp.status_code == 404
    assert _roles(user) == set()


@pytest.mark.django_db
def test_secadmin_screen_shows_the_chinese_refusal(client, world, secadmin):
    user = bare_account(world)
    role_assign(actor=secadmin, user=user, role=Role.SYSADMIN)
    client.force_login(secadmin)
    resp = client.post(
        reverse("access:account_action", args=[user.pk, "role-add"]),
        {"role": Role.AUDITOR},
        follow=True,
    )
    assert resp.status_code == 200
    assert (
        "三员分立：该账号已是系统管理员，不能再担任安全审计员。"
        in resp.content.decode()
    )
    assert _roles(user) == {Role.SYSADMIN}


@pytest.mark.django_db
@pytest.mark.parametrize("admin", sorted(ADMIN_ROLES))
def test_admins_reach_no_business_record_even_with_a_smuggled_grant(world, admin):
    user = account(world.units["a_commission"], admin)
    # A grant row written behind the service's back still gives nothing.
    SensitiveGrant.objects.create(user=user, grant=Grant.SENSITIVE_IDENTITY)
    user.forget_cached_access()
    assert policies.person_reach(user).empty
    assert not policies.scope_persons(user).exists()
    assert not policies.can_see_sensitive(user)
    assert not policies.can_export_persons(user)
    for person in world.persons.values():
        assert not policies.can_view_person(user, person)
        assert not policies.can_change_person(user, person)
        with pytest.raises(NotFound):
            policies.access_person_by_id(user, person.pk)


# Operations for the property test: (assign?, account index, role).
_ops = st.lists(
    st.tuples(st.booleans(), st.integers(0, 2), st.sampled_from(list(Role))),
    min_size=1,
    max_size=25,
)


def _model_accepts(existing: set[str], role: str) -> bool:
    """The rule, independently stated: an admin role only alone; business roles not beside one."""
    if role in existing:
        return False
    if role in ADMIN_ROLES:
        return not existing
    return not (existing & ADMIN_ROLES)


@pytest.mark.django_db
@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=_ops)
def test_random_role_sequences_keep_three_admin_separation(world, ops):
    with transaction.atomic():
        secadmin = account(
            world.units["a_commission"], Role.SECADMIN, username="prop_sec"
        )
        users = [bare_account(world, username=f"prop_{i}") for i in range(3)]
        for assign, idx, role in ops:
            user = users[idx]
            existing = _roles(user)
            if assign:
                expected = _model_accepts(existing, role)
                assert (combination_error(existing, role) is None) == expected
                try:
                    role_assign(actor=secadmin, user=user, role=role)
                    accepted = True
                except ValidationError as exc:
                    accepted = False
                    assert CHINESE.search(exc.message)
                assert accepted == expected, (existing, role)
            else:
                try:
                    role_revoke(actor=secadmin, user=user, role=role)
                    assert role in existing
                except ValidationError as exc:
                    assert role not in existing
                    assert exc.message == "该账号没有这个角色。"
            for u in users:
                held = _roles(u)
                admin = held & ADMIN_ROLES
                assert len(admin) <= 1, held
                assert not (admin and held & BUSINESS_ROLES), held
        transaction.set_rollback(True)


# --- login and lockout -----------------------------------------------------------------------


def _login(client, username, password, ip="10.8.0.7"):
    return client.post(
        reverse("access:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_lockout_after_five_failures(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    limit = settings.XIETONG_LOCKOUT_FAILURES
    assert limit == 5
    for i in range(limit):
        resp = _login(client, user.username, "Wrong@Pass2026")
        assert resp.status_code == 200
        assert BAD_CREDENTIALS.format(limit=5, minutes=15) in resp.content.decode()
        user.refresh_from_db()
        assert (user.locked_until is not None) == (i == limit - 1)
    assert user.locked_until > timezone.now() + dt.timedelta(minutes=14)

    # Locked: even the right password is refused, with the Chinese lock message.
    resp = _login(client, user.username, PASSWORD)
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "账号因连续登录失败已被锁定" in text
    assert "联系系统管理员解锁" in text
    assert not _is_logged_in(client)

    failed = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, actor_id=user.pk)
    assert failed.count() == limit + 1
    assert all(e.client_ip == "10.8.0.7" for e in failed)
    assert all(e.unit_name == user.unit.name for e in failed)
    assert failed.filter(summary__contains="账号已锁定").count() == 1
    locked = AuditEntry.objects.filter(action=Action.LOCKED, actor_id=user.pk).get()
    assert "连续 5 次登录失败" in locked.summary
    assert not AuditEntry.objects.filter(action=Action.LOGIN, actor_id=user.pk).exists()

    # The system administrator unlocks; the right password works again.
    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)
    client.force_login(sysadmin)
    resp = client.post(reverse("access:account_action", args=[user.pk, "unlock"]))
    assert resp.status_code == 302
    client.logout()
    user.refresh_from_db()
    assert user.locked_until is None and user.failed_logins == 0
    resp = _login(client, user.username, PASSWORD)
    assert resp.status_code == 302
    assert _is_logged_in(client)
    login = AuditEntry.objects.filter(action=Action.LOGIN, actor_id=user.pk).get()
    assert login.client_ip == "10.8.0.7"


@pytest.mark.django_db
def test_lock_expires_and_success_resets_the_counter(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    for _ in range(4):
        _login(client, user.username, "Wrong@Pass2026")
    user.refresh_from_db()
    assert user.failed_logins == 4 and user.locked_until is None
    assert _login(client, user.username, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0
    client.logout()
    # Four more failures do not lock: the counter started again.
    for _ in range(4):
        _login(client, user.username, "Wrong@Pass2026")
    user.refresh_from_db()
    assert user.locked_until is None
    # A lock whose time has passed no longer refuses.
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _login(client, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_account_unlock_service_needs_the_system_administrator(world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + dt.timedelta(minutes=15), failed_logins=0
    )
    secadmin = account(world.units["a_commission"], Role.SECADMIN)
    with pytest.raises(NotFound):
        account_unlock(actor=secadmin, user=user)
    user.refresh_from_db()
    assert user.locked_until is not None
    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)
    account_unlock(actor=sysadmin, user=user)
    user.refresh_from_db()
    assert user.locked_until is None
    entry = AuditEntry.objects.filter(
        action=Action.CHANGE, object_id=str(user.pk)
    ).latest("seq")
    assert entry.actor_id == sysadmin.pk and "解除锁定" in entry.summary


@pytest.mark.django_db
def test_unknown_account_login_failure_is_audited(client, world):
    resp = _login(client, "nobody_here", "Whatever@2026")
    assert "账号或密码错误" in resp.content.decode()
    entry = AuditEntry.objects.filter(action=Action.LOGIN_FAILED).latest("seq")
    assert entry.actor_id is None
    assert entry.object_repr == "nobody_here"
    assert "账号不存在" in entry.summary
    assert entry.client_ip == "10.8.0.7"


# --- session timeout ------------------------------------------------------------------------


def test_session_timeout_settings():
    assert settings.SESSION_COOKIE_AGE == 1800
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_idle_session_expires_and_activity_extends_it(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    assert _login(client, user.username, PASSWORD).status_code == 302
    key = client.session.session_key
    home = reverse("dashboard:home")

    # Activity pushes the expiry 30 minutes ahead (sliding idle timeout).
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(minutes=1)
    )
    assert client.get(home).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > timezone.now() + dt.timedelta(minutes=29)

    # Once the expiry has passed, the next request is sent to the login page.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    resp = client.get(home)
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("access:login"))
    assert (
        client.get(f"/api/persons/{world.persons['a_edu_head'].pk}").status_code == 401
    )


# --- passwords ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(world):
    user = account(world.units["a_commission"], Role.LEADER)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert PASSWORD not in user.password
    assert isinstance(get_hasher("default"), Argon2PasswordHasher)
    from xietong.settings import base

    # Production keeps Django's full-cost argon2 and nothing weaker.
    assert base.PASSWORD_HASHERS == ["django.contrib.auth.hashers.Argon2PasswordHasher"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password,phrase",
    [
        ("Ab1!xyz", "密码长度太短，至少需要 10 个字符。"),
        ("abcdefghijkl", "至少三类"),
        ("1234567890123", "只包含数字"),
        ("Password123", "太常见"),  # long enough, three classes, but on the common list
    ],
)
def test_weak_password_refused_in_chinese(world, password, phrase):
    with pytest.raises(ValidationError) as exc:
        account_create(
            actor=None,
            username="weak_pw",
            full_name="弱口令",
            unit=world.units["a_commission"],
            password=password,
        )
    assert CHINESE.search(exc.value.message), exc.value.message
    assert phrase in exc.value.message
    assert exc.value.fields == {"password": "密码强度不足"}
    assert not User.objects.filter(username="weak_pw").exists()


@pytest.mark.django_db
def test_weak_password_on_the_accounts_screen(client, world):
    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)
    client.force_login(sysadmin)
    resp = client.post(
        reverse("access:account_create"),
        {
            "username": "weak2",
            "full_name": "弱口令",
            "unit": world.units["a_edu"].pk,
            "password": "abcdefghijkl",
        },
        follow=True,
    )
    assert (
        "密码须包含大写字母、小写字母、数字、符号中的至少三类。"
        in resp.content.decode()
    )
    assert not User.objects.filter(username="weak2").exists()


# --- tokens and disabled accounts ------------------------------------------------------------


@pytest.mark.django_db
def test_token_auth_and_revocation(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    token, raw = token_create(actor=user, name="统计脚本")
    assert raw.startswith("xt_") and raw not in token.digest
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    resp = client.get("/api/me", **auth)
    assert resp.status_code == 200
    assert resp.json()["username"] == user.username
    assert resp.json()["roles"] == ["case_manager"]
    token.refresh_from_db()
    assert token.last_used_at is not None

    other = account(world.units["a_case_management"], Role.CASE_MANAGER)
    with pytest.raises(NotFound):
        token_revoke(actor=other, token=token)
    token_revoke(actor=user, token=token)
    resp = client.get("/api/me", **auth)
    assert resp.status_code == 401
    assert resp.json()["code"] == "unauthenticated"
    assert AuditEntry.objects.filter(
        action=Action.REVOKE, object_type="access.apitoken"
    ).exists()


@pytest.mark.django_db
def test_disabled_account_cannot_log_in_or_use_anything(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    _, raw = token_create(actor=user, name="脚本")
    client.force_login(user)
    assert client.get(reverse("org:persons")).status_code == 200

    sysadmin = account(world.units["a_commission"], Role.SYSADMIN)
    account_set_active(actor=sysadmin, user=user, active=False)

    # The open session ends, the token stops working, and a fresh login is refused.
    resp = client.get(reverse("org:persons"))
    assert resp.status_code == 302 and resp["Location"].startswith(
        reverse("access:login")
    )
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    fresh = Client()
    resp = _login(fresh, user.username, PASSWORD)
    assert resp.status_code == 200
    assert "账号或密码错误" in resp.content.decode()
    assert not _is_logged_in(fresh)
    entry = AuditEntry.objects.filter(
        action=Action.LOGIN_FAILED, actor_id=user.pk
    ).latest("seq")
    assert "账号已停用" in entry.summary

    with pytest.raises(ValidationError) as exc:
        account_set_active(actor=sysadmin, user=sysadmin, active=False)
    assert exc.value.message == "不能停用自己的账号。"


@pytest.mark.django_db
def test_logout_is_audited_and_ends_the_session(client, world):
    user = account(world.units["a_case_management"], Role.CASE_MANAGER)
    assert _login(client, user.username, PASSWORD).status_code == 302
    resp = client.post(reverse("access:logout"))
    assert resp.status_code == 302
    assert not _is_logged_in(client)
    assert AuditEntry.objects.filter(action=Action.LOGOUT, actor_id=user.pk).exists()
    assert client.get(reverse("dashboard:home")).status_code == 302
