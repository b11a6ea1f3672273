"""Dossier pages, mounted at /dossiers/ (namespace `dossiers`); see views.py."""

from django.urls import path

from parindex.web.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.index, name="index"),
    path("units/<int:unit_id>/", views.dashboard, name="dashboard"),
    path("units/<int:unit_id>/detail/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/overdue/", views.overdue, name="overdue"),
    path("units/<int:unit_id>/overdue.xlsx", views.overdue_xlsx, name="overdue_xlsx"),
    path("campaigns/<int:campaign_id>/feed/", views.metric_feed, name="metric_feed"),
    path("calendar/", views.calendar_list, name="calendar"),
    path("calendar/import/", views.calendar_import, name="calendar_import"),
    path("calendar/<int:entry_id>/delete/", views.calendar_delete, name="calendar_delete"),
]
