from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "parindex.web.campaigns"
    label = "campaigns"
    verbose_name = _("Assessment campaigns")
    default_auto_field = "django.db.models.BigAutoField"
