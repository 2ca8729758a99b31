from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/day/", views.calendar_day, name="day"),
    path("calendar/import/", views.calendar_import, name="import"),
]
