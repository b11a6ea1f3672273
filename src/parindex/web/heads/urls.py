"""URLs of the responsibility of heads pages (mounted at /heads/); see views.py."""

from django.urls import path

from parindex.web.heads import views

app_name = "heads"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:campaign_id>/", views.campaign_heads, name="campaign"),
    path("<int:campaign_id>/heads.xlsx", views.heads_xlsx, name="xlsx"),
    path("<int:campaign_id>/rules.yaml", views.rules_yaml, name="rules_yaml"),
    path("<int:campaign_id>/rules/", views.rules_upload, name="rules_upload"),
]
