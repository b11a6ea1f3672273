"""URLs of the maps pages (mounted at /maps/); see views.py."""

from django.urls import path

from parindex.web.maps import views

app_name = "maps"

urlpatterns = [
    path("", views.index, name="index"),
    path("campaigns/<int:campaign_id>/", views.campaign_map, name="campaign"),
    path("public/campaigns/<int:campaign_id>/", views.public_map, name="public_campaign"),
    path("boundaries/", views.boundary_list, name="boundary_list"),
    path("boundaries/upload/", views.boundary_upload, name="boundary_upload"),
    path("boundaries/<int:set_id>/", views.boundary_detail, name="boundary_detail"),
    path("boundaries/<int:set_id>/withdraw/", views.boundary_withdraw, name="boundary_withdraw"),
]
