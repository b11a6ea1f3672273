"""Calendar exceptions kept by administrators, added to the packaged ones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.dossiers.calendar import CalendarException


class CalendarExceptionEntry(models.Model):
    """An extra day off or a make-up working day decided by the government; wins over the
    packaged exceptions and the `holidays` package on the same day."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("day off")
        WORKDAY = "workday", _("make-up working day")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source = models.CharField(_("deciding document"), max_length=200)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.kind}"

    def as_exception(self) -> CalendarException:
        return CalendarException(self.day, self.kind, self.source, self.note)  # type: ignore[arg-type]
