"""Accounts, roles, grants, tokens and login — each write audited in its transaction."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from xietong.audit.models import Action
from xietong.audit.services import audit_record
from xietong.core.crypto import sm3_hex
from xietong.core.errors import NotFound, ValidationError

from . import policies
from .models import ApiToken, RoleAssignment, SensitiveGrant, User
from .roles import Grant, Role, combination_error


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotFound()


def _require_account(actor, user) -> None:
    """The target account must be within the administrator's commission."""
    if actor is not None:
        _require(policies.can_administer_account(actor, user))


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(
            "；".join(exc.messages), fields={"password": "密码强度不足"}
        ) from None


@transaction.atomic
def account_create(
    *,
    actor,
    username: str,
    full_name: str,
    unit,
    password: str,
    roles: tuple[str, ...] = (),
) -> User:
    """Create an account (系统管理员). Roles may only be given here by the system itself."""
    if actor is not None:
        _require(policies.can_manage_accounts(actor))
        if roles:
            raise ValidationError(
                "角色由安全保密管理员分配。", fields={"roles": "三员分立"}
            )
    errors = {}
    username = (username or "").strip()
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        errors["username"] = "账号只能由字母、数字、下划线和点组成"
    elif User.objects.filter(username=username).exists():
        errors["username"] = f"账号 {username} 已存在"
    if not (full_name or "").strip():
        errors["full_name"] = "姓名不能为空"
    if unit is None:
        errors["unit"] = "所在单位不存在"
    elif (
        actor is not None
        and not policies.account_units(actor).filter(pk=unit.pk).exists()
    ):
        errors["unit"] = "该单位不在您管理的范围内"
    if errors:
        raise ValidationError("；".join(errors.values()) + "。", fields=errors)
    user = User(username=username, full_name=full_name.strip(), unit=unit)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor, action=Action.CREATE, obj=user, summary={"单位": unit.name}
    )
    for role in roles:
        role_assign(actor=None, user=user, role=role)
    return user


@transaction.atomic
def account_set_active(*, actor, user: User, active: bool) -> User:
    """Disable or re-enable an account; a disabled account cannot log in or use tokens."""
    _require(policies.can_manage_accounts(actor))
    _require_account(actor, user)
    if user.pk == actor.pk and not active:
        raise ValidationError("不能停用自己的账号。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=Action.CHANGE,
        obj=user,
        summary={"状态": "启用" if active else "停用"},
    )
    return user


@transaction.atomic
def account_unlock(*, actor, user: User) -> User:
    """Lift a lockout before it expires."""
    _require(policies.can_manage_accounts(actor))
    _require_account(actor, user)
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit_record(
        actor=actor, action=Action.CHANGE, obj=user, summary={"操作": "解除锁定"}
    )
    return user


@transaction.atomic
def account_set_password(*, actor, user: User, password: str) -> User:
    """Reset a password (系统管理员) or change one's own."""
    if actor is not None and actor.pk != user.pk:
        _require(policies.can_manage_accounts(actor))
        _require_account(actor, user)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor, action=Action.CHANGE, obj=user, summary={"操作": "重设密码"}
    )
    return user


@transaction.atomic
def role_assign(*, actor, user: User, role: str) -> RoleAssignment:
    """Give a role (安全保密管理员); refuses any combination that breaks 三员分立."""
    if actor is not None:
        _require(policies.can_manage_roles(actor))
        _require_account(actor, user)
        if actor.pk == user.pk:
            raise ValidationError("不能给自己分配角色。", fields={"role": "三员分立"})
    if role not in Role.values:
        raise ValidationError(f"角色“{role}”不存在。", fields={"role": "无效"})
    # Lock the user row so two concurrent assignments cannot both pass the check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    existing = set(
        RoleAssignment.objects.filter(user=user).values_list("role", flat=True)
    )
    problem = combination_error(existing, role)
    if problem:
        raise ValidationError(problem, fields={"role": problem})
    assignment = RoleAssignment.objects.create(user=user, role=role, assigned_by=actor)
    user.forget_cached_access()
    audit_record(
        actor=actor, action=Action.GRANT, obj=user, summary={"角色": Role(role).label}
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, user: User, role: str) -> None:
    """Take a role away (安全保密管理员)."""
    _require(policies.can_manage_roles(actor))
    _require_account(actor, user)
    deleted, _ = RoleAssignment.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise ValidationError("该账号没有这个角色。", fields={"role": "不存在"})
    user.forget_cached_access()
    audit_record(
        actor=actor, action=Action.REVOKE, obj=user, summary={"角色": Role(role).label}
    )


@transaction.atomic
def account_set_main_leader(*, actor, user: User, main: bool) -> User:
    """Mark a 委领导 as the commission's main leader (书记), who alone approves talks or
    letters to a lower-level 一把手 (安全保密管理员 decides, like roles)."""
    if actor is not None:
        _require(policies.can_manage_roles(actor))
        _require_account(actor, user)
    if main and Role.LEADER not in set(
        RoleAssignment.objects.filter(user=user).values_list("role", flat=True)
    ):
        raise ValidationError(
            "只有具有“委领导”角色的账号才能设为主要负责人。",
            fields={"is_main_leader": "须为委领导"},
        )
    user.is_main_leader = main
    user.save(update_fields=["is_main_leader"])
    audit_record(
        actor=actor,
        action=Action.GRANT if main else Action.REVOKE,
        obj=user,
        summary={"主要负责人": "是" if main else "否"},
    )
    return user


@transaction.atomic
def grant_add(*, actor, user: User, grant: str) -> SensitiveGrant:
    """Grant access to a kind of sensitive field (安全保密管理员); never to the 三员."""
    if actor is not None:
        _require(policies.can_manage_roles(actor))
        _require_account(actor, user)
    if grant not in Grant.values:
        raise ValidationError(f"授权“{grant}”不存在。", fields={"grant": "无效"})
    if user.is_admin_role:
        raise ValidationError(
            "三员不能查看业务敏感信息。", fields={"grant": "三员分立"}
        )
    if SensitiveGrant.objects.filter(user=user, grant=grant).exists():
        raise ValidationError("该账号已有此授权。", fields={"grant": "重复"})
    obj = SensitiveGrant.objects.create(user=user, grant=grant, granted_by=actor)
    user.forget_cached_access()
    audit_record(
        actor=actor, action=Action.GRANT, obj=user, summary={"授权": Grant(grant).label}
    )
    return obj


@transaction.atomic
def grant_revoke(*, actor, user: User, grant: str) -> None:
    """Withdraw a sensitive-field grant."""
    _require(policies.can_manage_roles(actor))
    _require_account(actor, user)
    deleted, _ = SensitiveGrant.objects.filter(user=user, grant=grant).delete()
    if not deleted:
        raise ValidationError("该账号没有此授权。", fields={"grant": "不存在"})
    user.forget_cached_access()
    audit_record(
        actor=actor,
        action=Action.REVOKE,
        obj=user,
        summary={"授权": Grant(grant).label},
    )


# --- login ----------------------------------------------------------------------------------


LOCKED_MESSAGE = (
    "账号因连续登录失败已被锁定，请于 {until} 后再试，或联系系统管理员解锁。"
)
BAD_CREDENTIALS = "账号或密码错误。连续失败 {limit} 次将锁定账号 {minutes} 分钟。"


def login_attempt(*, request, username: str, password: str) -> User:
    """Authenticate with lockout; audits success and failure. Raises ValidationError."""
    username = (username or "").strip()
    now = timezone.now()
    limit = settings.XIETONG_LOCKOUT_FAILURES
    minutes = settings.XIETONG_LOCKOUT_MINUTES
    refusal, user = None, None
    with transaction.atomic():
        account = User.objects.select_for_update().filter(username=username).first()
        if account and account.locked_until and account.locked_until > now:
            audit_record(
                actor=account,
                action=Action.LOGIN_FAILED,
                obj=account,
                summary={"原因": "账号已锁定"},
            )
            until = timezone.localtime(account.locked_until).strftime("%H:%M")
            refusal = LOCKED_MESSAGE.format(until=until)
        else:
            user = authenticate(request, username=username, password=password)
        if refusal is None and user is None:
            if account is not None:
                account.failed_logins += 1
                reason = "密码错误" if account.is_active else "账号已停用"
                if account.failed_logins >= limit:
                    account.locked_until = now + dt.timedelta(minutes=minutes)
                    account.failed_logins = 0
                    account.save(update_fields=["failed_logins", "locked_until"])
                    audit_record(
                        actor=account,
                        action=Action.LOCKED,
                        obj=account,
                        summary={"原因": f"连续 {limit} 次登录失败"},
                    )
                else:
                    account.save(update_fields=["failed_logins"])
                audit_record(
                    actor=account,
                    action=Action.LOGIN_FAILED,
                    obj=account,
                    summary={"原因": reason},
                )
            else:
                audit_record(
                    actor=None,
                    action=Action.LOGIN_FAILED,
                    object_type="access.user",
                    object_repr=username[:64],
                    summary={"原因": "账号不存在"},
                )
            refusal = BAD_CREDENTIALS.format(limit=limit, minutes=minutes)
        if refusal is None:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login = now
            user.save(update_fields=["failed_logins", "locked_until", "last_login"])
            audit_record(actor=user, action=Action.LOGIN, obj=user)
    # Raised only after the block commits: the failure count and its audit entries must stay.
    if refusal is not None:
        raise ValidationError(refusal)
    return user


def logout_record(*, user) -> None:
    """Audit a logout."""
    if user.is_authenticated:
        audit_record(actor=user, action=Action.LOGOUT, obj=user)


# --- API tokens -----------------------------------------------------------------------------


TOKEN_PREFIX = "xt_"


@transaction.atomic
def token_create(*, actor, name: str) -> tuple[ApiToken, str]:
    """Issue a token for the actor's own scripts; the raw token is shown only once."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("请填写令牌用途。", fields={"name": "必填"})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name[:64], prefix=raw[3:11], digest=sm3_hex(raw.encode())
    )
    audit_record(
        actor=actor, action=Action.CREATE, obj=token, summary={"用途": token.name}
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke one of the actor's own tokens."""
    if token.user_id != actor.pk:
        raise NotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=Action.REVOKE, obj=token)


def token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(digest=sm3_hex(raw.encode()), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
