"""Pages of the analytics app: custom."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
