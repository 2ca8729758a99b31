from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "xietong.dashboard"
    verbose_name = "工作台"

    def ready(self):
        from . import todos  # noqa: F401  (registers the foundation's to-do providers)
