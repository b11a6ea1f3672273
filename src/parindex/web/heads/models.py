"""A province's own rule set for classifying heads of agencies (YAML text, validated by
`parindex.analysis.heads` before it is stored).

Without one, the heads page uses the packaged example rule set
(`parindex/data/head_rules/`), labelled as an example. Uploading a new rule set for a
root unit makes it the active one; earlier ones stay (inactive) for the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.web.units.models import Unit


class HeadRuleSetFile(models.Model):
    root_unit = models.ForeignKey(
        Unit,
        verbose_name=_("province or ministry"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    rule_set_id = models.CharField(_("rule set id"), max_length=100)
    name = models.CharField(_("name"), max_length=500)
    version = models.CharField(_("version"), max_length=50)
    yaml_text = models.TextField(_("rule set (YAML)"))
    active = models.BooleanField(_("in use"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("heads' rule set")
        verbose_name_plural = _("heads' rule sets")
        ordering = ["root_unit", "-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"
