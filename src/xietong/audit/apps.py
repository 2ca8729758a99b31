from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xietong.audit"
    verbose_name = "审计日志"
