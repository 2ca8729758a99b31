from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("org/", views.tree, name="tree"),
    path("org/<slug:kind>/<int:pk>/children/", views.tree_node, name="tree_node"),
    path("org/units/", views.units, name="units"),
    path("org/zones/", views.zones, name="zones"),
    path("org/units/new/", views.unit_create, name="unit_create"),
    path("org/units/<int:pk>/", views.unit_detail, name="unit"),
    path("org/units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("org/import/<slug:kind>/", views.import_view, name="import"),
    path("persons/", views.persons, name="persons"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_archive, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/identity/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/relatives/", views.relative_add, name="relative_add"),
]
