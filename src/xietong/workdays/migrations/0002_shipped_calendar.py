"""Load the 2025 and 2026 official calendars shipped with the platform."""

from django.db import migrations


def load(apps, schema_editor):
    from xietong.core.calendar import load_shipped_entries

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    entries = load_shipped_entries()
    years = sorted({e.day.year for e in entries})
    for year in years:
        if CalendarYear.objects.filter(year=year).exists():
            continue
        CalendarDay.objects.bulk_create(
            CalendarDay(day=e.day, kind=e.kind, name=e.name)
            for e in entries
            if e.day.year == year
        )
        CalendarYear.objects.create(year=year, source="随平台发布的国务院办公厅通知")


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
