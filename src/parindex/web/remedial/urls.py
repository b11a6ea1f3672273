"""URLs of the remedial plans pages."""

from django.urls import path  # noqa: F401

app_name = "remedial"

urlpatterns: list = []
