"""Calendar exceptions kept by administrators; dossier records and the batches that wrote them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.dossiers.calendar import CalendarException
from parindex.dossiers.ingest import MAX_CODE_LENGTH


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


class DossierBatch(models.Model):
    """One write of dossier records (an import command or an API batch): who sent what and
    what became of it. Its latest id is also the database's version for the page caches."""

    class Via(models.TextChoices):
        COMMAND = "command", _("import command")
        API = "api", _("API batch")

    via = models.CharField(_("sent through"), max_length=16, choices=Via.choices)
    source = models.CharField(_("source"), max_length=300, blank=True)
    records = models.PositiveIntegerField(_("records received"), default=0)
    inserted = models.PositiveIntegerField(_("inserted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("dossier batch")
        verbose_name_plural = _("dossier batches")

    def __str__(self) -> str:
        return f"{self.via} {self.source} {self.created_at:%Y-%m-%d %H:%M}"


class Dossier(models.Model):
    """A one-stop-shop dossier as the last record received for its code: every column
    `parindex.dossiers.ingest.validate_records` outputs, with the same names and meaning
    (see that module's field table), so nothing of an accepted record is lost.

    Moments are stored as instants (Django's time-zone aware fields); the ingestion tables
    hold them as naive Vietnam time, and `dbstore` converts both ways. Rows are written
    only by `dbstore.upsert` (bulk, by dossier code) and read back with `dbstore.read`.
    """

    dossier_code = models.CharField(_("dossier code"), max_length=MAX_CODE_LENGTH)
    unit_code = models.CharField(_("unit code"), max_length=MAX_CODE_LENGTH)
    procedure_code = models.CharField(
        _("procedure code"), max_length=MAX_CODE_LENGTH, null=True, blank=True
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    due_at = models.DateTimeField(_("appointed return date"), null=True, blank=True)
    original_due_at = models.DateTimeField(_("original appointed date"), null=True, blank=True)
    reschedule_count = models.PositiveSmallIntegerField(_("times rescheduled"), default=0)
    processed_at = models.DateTimeField(_("end of processing"), null=True, blank=True)
    returned_at = models.DateTimeField(_("result returned at"), null=True, blank=True)
    channel = models.PositiveSmallIntegerField(_("channel"), default=1)
    status = models.PositiveSmallIntegerField(_("status"))
    paid_online = models.PositiveSmallIntegerField(_("paid online"), default=0)
    has_fee = models.BooleanField(_("has fees"), null=True, blank=True)
    fee_amount = models.FloatField(_("fees (VND)"), null=True, blank=True)
    supplement_requested_at = models.DateTimeField(
        _("supplement requested at"), null=True, blank=True
    )
    supplement_completed_at = models.DateTimeField(
        _("supplement completed at"), null=True, blank=True
    )
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    result_electronic = models.BooleanField(_("electronic result"), null=True, blank=True)
    digitized = models.BooleanField(_("digitised"), null=True, blank=True)
    reused_data = models.BooleanField(_("re-used digitised data"), null=True, blank=True)
    shared_data = models.BooleanField(_("data from the citizen's store"), null=True, blank=True)
    citizen_data = models.BooleanField(_("used the population database"), null=True, blank=True)
    synced = models.BooleanField(_("synchronised to the portal"), null=True, blank=True)
    complaint = models.BooleanField(_("complaint"), null=True, blank=True)
    receipt_month = models.IntegerField(_("month of receipt (yyyymm)"))
    updated_at = models.DateTimeField(_("last written at"))

    class Meta:
        ordering = ["unit_code", "received_at", "dossier_code"]
        # the key of the upsert (ON CONFLICT); a constraint rather than unique=True, which
        # on PostgreSQL adds a second (LIKE) index that every insert would maintain
        constraints = [
            models.UniqueConstraint(fields=["dossier_code"], name="dossiers_dossier_code_unique"),
        ]
        # the pages read the dossiers of some units (and periods)
        indexes = [
            models.Index(fields=["unit_code", "received_at"], name="dossiers_unit_received"),
        ]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return self.dossier_code
