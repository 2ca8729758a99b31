from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.profile, name="profile"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path(
        "accounts/<int:pk>/<slug:action>/", views.account_action, name="account_action"
    ),
]
