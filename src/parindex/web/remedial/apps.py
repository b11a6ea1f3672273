from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemedialConfig(AppConfig):
    name = "parindex.web.remedial"
    label = "remedial"
    verbose_name = _("Remedial plans")
    default_auto_field = "django.db.models.BigAutoField"
