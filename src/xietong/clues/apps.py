from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "xietong.clues"
    verbose_name = "问题线索"

    def ready(self):
        from . import dashboard  # noqa: F401  (registers the home-page counters)
