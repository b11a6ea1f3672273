from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "parindex.web.reports"
    label = "reports"
    verbose_name = _("Periodic reform reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Values this app writes into campaigns carry its change reason; the campaign
        # history page must show it translated like the campaigns app's own reasons.
        from parindex.web.campaigns import services as campaign_services
        from parindex.web.reports.services import REASON_FROM_REPORTS

        campaign_services.SYSTEM_REASONS.add(REASON_FROM_REPORTS)
