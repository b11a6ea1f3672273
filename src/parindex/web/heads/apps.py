from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HeadsConfig(AppConfig):
    name = "parindex.web.heads"
    label = "heads"
    verbose_name = _("Responsibility of heads")
    default_auto_field = "django.db.models.BigAutoField"
