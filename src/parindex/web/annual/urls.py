"""URLs of the annual report, mounted at /annual/ (namespace `annual`); see views.py."""

from django.urls import path

from parindex.web.annual import views

app_name = "annual"

urlpatterns = [
    path("<int:campaign_id>/report.pdf", views.report_pdf, name="pdf"),
    path("<int:campaign_id>/report.xlsx", views.report_xlsx, name="xlsx"),
    path("public/<int:campaign_id>/report.pdf", views.public_report_pdf, name="public_pdf"),
    path("public/<int:campaign_id>/report.xlsx", views.public_report_xlsx, name="public_xlsx"),
]
