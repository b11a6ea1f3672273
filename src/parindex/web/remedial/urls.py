"""URLs of the remedial plan pages (mounted at /plans/); see views.py for who may do what."""

from django.urls import path

from parindex.web.remedial import views

app_name = "remedial"

urlpatterns = [
    path("", views.index, name="index"),
    path("campaigns/<int:campaign_id>/", views.campaign_status, name="campaign"),
    path("new/<int:campaign_id>/", views.create, name="create"),
    path("<int:plan_id>/", views.detail, name="detail"),
    path("<int:plan_id>/edit/", views.edit, name="edit"),
    path("<int:plan_id>/units/<int:unit_id>/", views.propose, name="propose"),
    path("<int:plan_id>/plan.xlsx", views.plan_xlsx, name="plan_xlsx"),
    path("<int:plan_id>/plan.pdf", views.plan_pdf, name="plan_pdf"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/progress/", views.progress, name="progress"),
    path("tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:task_id>/delete/", views.task_delete, name="task_delete"),
    path("evidence/<int:progress_id>/", views.evidence, name="evidence"),
]
