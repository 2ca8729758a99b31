"""Login, account administration (系统管理员), roles and grants (安全保密管理员), tokens."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xietong.audit.exports import audited_xlsx_export
from xietong.core.errors import NotFound, ValidationError
from xietong.core.paging import paginate, query_without_page

from . import policies, services
from .forms import (
    AccountCreateForm,
    GrantForm,
    LoginForm,
    PasswordForm,
    RoleForm,
    TokenForm,
)
from .models import ApiToken, User
from .roles import Grant, Role


def login_view(request):
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            error = exc.message
        else:
            login(request, user)
            nxt = request.GET.get("next", "")
            if not nxt.startswith("/") or nxt.startswith("//"):
                nxt = "/"
            return redirect(nxt)
    return render(request, "access/login.html", {"form": form, "error": error})


@require_POST
def logout_view(request):
    services.logout_record(user=request.user)
    logout(request)
    return redirect("access:login")


def _account_admin(user) -> bool:
    return policies.can_manage_accounts(user) or policies.can_manage_roles(user)


def _accounts_qs(request):
    qs = policies.scope_accounts(
        request.user,
        User.objects.select_related("unit").prefetch_related("role_assignments"),
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(full_name__contains=q)
            | Q(unit__name__contains=q)
        )
    role = request.GET.get("role", "")
    if role in Role.values:
        qs = qs.filter(role_assignments__role=role)
    if request.GET.get("locked") == "1":
        qs = qs.filter(locked_until__gt=timezone.now())
    return qs.order_by("username")


@login_required
def accounts(request):
    policies.require(_account_admin(request.user))
    qs = _accounts_qs(request)
    if request.GET.get("export") == "xlsx":
        rows = (
            (
                u.username,
                u.full_name,
                u.unit.name if u.unit else "",
                u.role_labels(),
                "启用" if u.is_active else "停用",
                timezone.localtime(u.last_login).strftime("%Y-%m-%d %H:%M")
                if u.last_login
                else "",
            )
            for u in qs
        )
        return audited_xlsx_export(
            request,
            object_type="access.user",
            title="账号清单",
            headers=["账号", "姓名", "单位", "角色", "状态", "最后登录"],
            rows=rows,
        )
    page = paginate(request, qs)
    return render(
        request,
        "access/accounts.html",
        {
            "page": page,
            "query": query_without_page(request),
            "roles": Role.choices,
            "can_create": policies.can_manage_accounts(request.user),
            "create_form": AccountCreateForm(),
            "now": timezone.now(),
        },
    )


@login_required
@require_POST
def account_create(request):
    policies.require(policies.can_manage_accounts(request.user))
    form = AccountCreateForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else field
            messages.error(request, f"{label}：{'；'.join(errs)}")
        return redirect("access:accounts")
    try:
        user = services.account_create(actor=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, exc.message)
        return redirect("access:accounts")
    messages.success(request, f"已创建账号 {user.username}，请安全保密管理员分配角色。")
    return redirect("access:account", user.pk)


def _target(request, pk) -> User:
    policies.require(_account_admin(request.user))
    try:
        target = User.objects.select_related("unit").get(pk=int(pk))
    except (User.DoesNotExist, ValueError):
        raise NotFound() from None
    policies.require(policies.can_administer_account(request.user, target))
    return target


@login_required
def account(request, pk):
    target = _target(request, pk)
    return render(
        request,
        "access/account.html",
        {
            "target": target,
            "assignments": target.role_assignments.select_related("assigned_by"),
            "grants": target.grants.select_related("granted_by"),
            "role_form": RoleForm(),
            "grant_form": GrantForm(),
            "password_form": PasswordForm(),
            "can_accounts": policies.can_manage_accounts(request.user),
            "can_roles": policies.can_manage_roles(request.user),
            "is_leader": Role.LEADER in target.role_set,
            "locked": bool(
                target.locked_until and target.locked_until > timezone.now()
            ),
        },
    )


@login_required
@require_POST
def account_action(request, pk, action):
    """One POST endpoint per account action; each goes through its service."""
    target = _target(request, pk)
    user = request.user
    try:
        if action == "role-add":
            role = request.POST.get("role", "")
            services.role_assign(actor=user, user=target, role=role)
            messages.success(request, f"已分配角色：{Role(role).label}")
        elif action == "role-remove":
            services.role_revoke(
                actor=user, user=target, role=request.POST.get("role", "")
            )
            messages.success(request, "已撤销角色")
        elif action == "grant-add":
            grant = request.POST.get("grant", "")
            services.grant_add(actor=user, user=target, grant=grant)
            messages.success(request, f"已授权：{Grant(grant).label}")
        elif action == "grant-remove":
            services.grant_revoke(
                actor=user, user=target, grant=request.POST.get("grant", "")
            )
            messages.success(request, "已撤销授权")
        elif action in ("main-leader-on", "main-leader-off"):
            main = action == "main-leader-on"
            services.account_set_main_leader(actor=user, user=target, main=main)
            messages.success(
                request, "已设为主要负责人" if main else "已取消主要负责人"
            )
        elif action == "unlock":
            services.account_unlock(actor=user, user=target)
            messages.success(request, "已解除锁定")
        elif action == "disable":
            services.account_set_active(actor=user, user=target, active=False)
            messages.success(request, "已停用账号")
        elif action == "enable":
            services.account_set_active(actor=user, user=target, active=True)
            messages.success(request, "已启用账号")
        elif action == "password":
            services.account_set_password(
                actor=user, user=target, password=request.POST.get("password", "")
            )
            messages.success(request, "已重设密码")
        else:
            raise NotFound()
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect("access:account", target.pk)


@login_required
def profile(request):
    """The user's own account: password change and API tokens for scripts."""
    new_token = None
    if request.method == "POST":
        if "name" in request.POST:
            form = TokenForm(request.POST)
            try:
                if not form.is_valid():
                    raise ValidationError("请填写令牌用途。")
                _, new_token = services.token_create(
                    actor=request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as exc:
                messages.error(request, exc.message)
        elif "revoke" in request.POST:
            token = ApiToken.objects.filter(
                pk=request.POST.get("revoke"), user=request.user
            ).first()
            if token is None:
                raise NotFound()
            services.token_revoke(actor=request.user, token=token)
            messages.success(request, "令牌已撤销")
        elif "password" in request.POST:
            try:
                if not request.user.check_password(
                    request.POST.get("old_password", "")
                ):
                    raise ValidationError(
                        "原密码不正确。", fields={"old_password": "不正确"}
                    )
                services.account_set_password(
                    actor=request.user,
                    user=request.user,
                    password=request.POST["password"],
                )
                from django.contrib.auth import update_session_auth_hash

                update_session_auth_hash(request, request.user)
                messages.success(request, "密码已修改")
            except ValidationError as exc:
                messages.error(request, exc.message)
    return render(
        request,
        "access/profile.html",
        {
            "tokens": request.user.api_tokens.all(),
            "new_token": new_token,
            "form": TokenForm(),
        },
    )
