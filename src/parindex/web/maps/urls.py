"""URLs of the maps pages."""

from django.urls import path  # noqa: F401

app_name = "maps"

urlpatterns: list = []
