"""URLs of the responsibility of heads pages."""

from django.urls import path  # noqa: F401

app_name = "heads"

urlpatterns: list = []
