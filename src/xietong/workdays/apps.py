from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "xietong.workdays"
    verbose_name = "工作日历"
