"""The citizen form, mounted at /s/ (namespace `survey_form`, no sign-in); see citizen.py."""

from django.urls import path

from parindex.web.surveys import citizen

app_name = "survey_form"

urlpatterns = [
    path("<str:code>/", citizen.start, name="start"),
    path("<str:code>/<int:index>/", citizen.section, name="section"),
    path("<str:code>/submit/", citizen.submit, name="submit"),
]
