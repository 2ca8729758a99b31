"""Pages of the analytics app: datasets."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
