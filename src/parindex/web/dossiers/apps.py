from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "parindex.web.dossiers"
    label = "dossiers"
    verbose_name = _("Dossiers and service index")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Values this app writes into campaigns carry its change reason; the campaign
        # history page must show it translated like the campaigns app's own reasons.
        from parindex.web.campaigns import services as campaign_services
        from parindex.web.dossiers.feed import REASON_FROM_DOSSIERS

        campaign_services.SYSTEM_REASONS.add(REASON_FROM_DOSSIERS)
