from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xietong.core"
    verbose_name = "基础"
