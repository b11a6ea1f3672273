"""Public results, mounted at /results/ (namespace `public_results`): no sign-in, only
published campaigns; see views.py."""

from django.urls import path

from parindex.web.results import views

app_name = "public_results"

urlpatterns = [
    path("", views.public_list, name="list"),
    path("<int:campaign_id>/", views.public_ranking, name="ranking"),
    path("<int:campaign_id>/ranking.xlsx", views.public_ranking_xlsx, name="ranking_xlsx"),
    path("<int:campaign_id>/ranking.pdf", views.public_ranking_pdf, name="ranking_pdf"),
    path("<int:campaign_id>/uncertainty/", views.public_uncertainty, name="uncertainty"),
    path("<int:campaign_id>/units/<int:unit_id>/", views.public_profile, name="profile"),
]
