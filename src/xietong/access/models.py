"""Accounts, their roles, sensitive-field grants and API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from .roles import ADMIN_ROLES, Grant, Role


class User(AbstractUser):
    """A person who logs in. Belongs to one unit; holds roles through RoleAssignment."""

    full_name = models.CharField("姓名", max_length=64, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name="所在单位",
    )
    failed_logins = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    # 委主要负责人 (书记): approves talks or letters to a lower-level 一把手.
    is_main_leader = models.BooleanField("主要负责人", default=False)

    class Meta:
        verbose_name = "账号"
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    @property
    def role_set(self) -> frozenset[str]:
        """The user's roles, cached on the instance for the request."""
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    @property
    def grant_set(self) -> frozenset[str]:
        cached = getattr(self, "_grant_cache", None)
        if cached is None:
            cached = frozenset(self.grants.values_list("grant", flat=True))
            self._grant_cache = cached
        return cached

    @property
    def is_admin_role(self) -> bool:
        return bool(self.role_set & ADMIN_ROLES)

    def role_labels(self) -> str:
        return "、".join(Role(r).label for r in sorted(self.role_set))

    def forget_cached_access(self) -> None:
        for attr in ("_role_cache", "_grant_cache", "_reach_cache"):
            self.__dict__.pop(attr, None)


class RoleAssignment(models.Model):
    """One role held by one account."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    assigned_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class SensitiveGrant(models.Model):
    """Permission to see a kind of sensitive field; every use of it is audited."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    grant = models.CharField("授权", max_length=32, choices=Grant.choices)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "敏感信息授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "grant"], name="unique_user_grant")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_grant_display()}"


class ApiToken(models.Model):
    """A bearer token for scripts; only its SM3 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=64)
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
