"""The official calendar as data: holidays and make-up working days per year."""

from django.db import models


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日"
    WORKDAY = "workday", "调休上班"


class CalendarYear(models.Model):
    """A year whose official calendar has been loaded; other years are errors, never guesses."""

    year = models.PositiveIntegerField("年度", primary_key=True)
    source = models.CharField("来源", max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "日历年度"
        ordering = ["year"]

    def __str__(self):
        return f"{self.year} 年"


class CalendarDay(models.Model):
    """One day that differs from the Monday–Friday rule."""

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=DayKind.choices)
    name = models.CharField("名称", max_length=32)

    class Meta:
        verbose_name = "节假日与调休"
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {self.name}（{self.get_kind_display()}）"
