"""Pages of the analytics app: hits."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
