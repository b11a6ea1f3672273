from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResultsConfig(AppConfig):
    name = "parindex.web.results"
    label = "results"
    verbose_name = _("Results")
