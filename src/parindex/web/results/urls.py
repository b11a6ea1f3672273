"""Signed-in result pages, mounted at /rankings/ (namespace `results`); see views.py."""

from django.urls import path

from parindex.web.results import views

app_name = "results"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<int:campaign_id>/", views.ranking, name="ranking"),
    path("<int:campaign_id>/ranking.xlsx", views.ranking_xlsx, name="ranking_xlsx"),
    path("<int:campaign_id>/ranking.pdf", views.ranking_pdf, name="ranking_pdf"),
    path("<int:campaign_id>/uncertainty/", views.uncertainty_page, name="uncertainty"),
    path("<int:campaign_id>/units/<int:unit_id>/", views.profile, name="profile"),
    path("<int:campaign_id>/units/<int:unit_id>/whatif/", views.whatif, name="whatif"),
    path(
        "<int:campaign_id>/units/<int:unit_id>/score-sheet.xlsx",
        views.sheet_xlsx,
        name="sheet_xlsx",
    ),
    path(
        "<int:campaign_id>/units/<int:unit_id>/score-sheet.pdf",
        views.sheet_pdf,
        name="sheet_pdf",
    ),
]
