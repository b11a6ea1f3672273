"""URLs of the report pages (mounted at /reports/). Permissions: see `views.py`."""

from django.urls import path

from parindex.web.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    # report types (administrators of the defining unit)
    path("types/new/<int:unit_id>/", views.type_create, name="type_create"),
    path("types/<int:type_id>/", views.type_detail, name="type"),
    path("types/<int:type_id>/generate/", views.type_generate, name="type_generate"),
    path("types/<int:type_id>/deadlines/<int:year>/", views.type_deadlines, name="type_deadlines"),
    path("types/<int:type_id>/template/", views.type_template, name="type_template"),
    path("periods/<int:period_id>/remove/", views.period_remove, name="period_remove"),
    # unit × period
    path("matrix/<int:unit_id>/", views.matrix, name="matrix"),
    path("matrix/<int:unit_id>/export.xlsx", views.matrix_export, name="matrix_export"),
    # one unit
    path("unit/<int:unit_id>/", views.unit_reports, name="unit"),
    path("unit/<int:unit_id>/periods/<int:period_id>/upload/", views.upload, name="upload"),
    path("files/<int:file_id>/", views.file_download, name="file"),
    # campaign feed
    path("feed/<int:campaign_id>/", views.feed, name="feed"),
]
