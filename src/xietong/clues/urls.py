from django.urls import path

from . import views

app_name = "clues"
urlpatterns = [
    path("clues/", views.ledger, name="ledger"),
    path("clues/new/", views.register, name="register"),
    path("clues/<int:pk>/", views.clue_detail, name="detail"),
    path("clues/<int:pk>/link/", views.clue_link, name="link"),
    path("petitions/new/", views.petition_new, name="petition_new"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition"),
    path("petitions/<int:pk>/reporter/", views.petition_reveal, name="petition_reveal"),
]
