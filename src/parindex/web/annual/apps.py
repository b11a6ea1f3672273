from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnualConfig(AppConfig):
    name = "parindex.web.annual"
    label = "annual"
    verbose_name = _("Annual report")
    default_auto_field = "django.db.models.BigAutoField"
