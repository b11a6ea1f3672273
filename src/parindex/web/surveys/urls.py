"""Survey administration, mounted at /surveys/ (namespace `surveys`); see views.py."""

from django.urls import path

from parindex.web.surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:survey_id>/", views.detail, name="detail"),
    path("<int:survey_id>/status/", views.set_status, name="status"),
    path("<int:survey_id>/sample/", views.sample, name="sample"),
    path("<int:survey_id>/codes/", views.codes, name="codes"),
    path("<int:survey_id>/import/", views.import_view, name="import"),
    path("<int:survey_id>/entry-template.xlsx", views.template_xlsx, name="template"),
    path("<int:survey_id>/estimates/", views.estimates, name="estimates"),
    path("<int:survey_id>/estimates.xlsx", views.estimates_xlsx, name="estimates_xlsx"),
    path("<int:survey_id>/distribution/", views.distribution, name="distribution"),
    path("<int:survey_id>/distribution.xlsx", views.distribution_xlsx, name="distribution_xlsx"),
    path("<int:survey_id>/feed/", views.feed, name="feed"),
]
