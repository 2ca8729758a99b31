"""The append-only audit log. Entries are chained with SM3; see ``audit.chain``."""

from django.db import models


class Action(models.TextChoices):
    CREATE = "create", "新增"
    CHANGE = "change", "修改"
    TRANSITION = "transition", "状态变更"
    DELETE = "delete", "删除"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    LOCKED = "locked", "账号锁定"
    VIEW = "view", "查看档案"
    VIEW_SENSITIVE = "view_sensitive", "查看敏感信息"
    GRANT = "grant", "授权"
    REVOKE = "revoke", "撤销授权"
    KEY_ROTATE = "key_rotate", "密钥轮换"
    CONFIG = "config", "配置变更"


class AuditEntryQuerySet(models.QuerySet):
    """Bulk writes bypass ``save``/``delete``; refuse them too."""

    def update(self, **kwargs):
        raise RuntimeError("审计日志只能追加，不能修改。")

    def delete(self):
        raise RuntimeError("审计日志只能追加，不能删除。")


class AuditEntry(models.Model):
    """One audited event. Never updated or deleted (enforced by trigger on PostgreSQL)."""

    seq = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField("时间", db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField("账号", max_length=150, blank=True)
    actor_name = models.CharField("姓名", max_length=64, blank=True)
    unit_name = models.CharField("单位", max_length=128, blank=True)
    action = models.CharField(
        "操作", max_length=20, choices=Action.choices, db_index=True
    )
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    summary = models.TextField("变更摘要", blank=True)
    client_ip = models.CharField("客户端地址", max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        ordering = ["-seq"]
        default_permissions = ()

    def __str__(self):
        return f"#{self.seq} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Append-only: the chain service inserts; nothing may rewrite an entry.
        if (
            not self._state.adding
            or kwargs.get("force_update")
            or kwargs.get("update_fields")
        ):
            raise RuntimeError("审计日志只能追加，不能修改。")
        # Always INSERT: a new instance carrying an existing seq must not UPDATE that row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计日志只能追加，不能删除。")
