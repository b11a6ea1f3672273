from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "parindex.web.reports"
    label = "reports"
    verbose_name = _("Periodic reform reports")
    default_auto_field = "django.db.models.BigAutoField"
