from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "xietong.access"
    verbose_name = "账号与权限"

    def ready(self):
        from . import checks  # noqa: F401
