from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "xietong.clues"
    verbose_name = "问题线索"
