"""URLs of the annual report pages."""

from django.urls import path  # noqa: F401

app_name = "annual"

urlpatterns: list = []
