from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "parindex.web.maps"
    label = "maps"
    verbose_name = _("Maps")
    default_auto_field = "django.db.models.BigAutoField"
