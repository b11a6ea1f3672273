"""Periodic reform reports: report types, their periods, units' submissions and files,
and the reminders sent.

`ReportType` is defined by an administrator on a root unit (the province or ministry)
and applies to every unit of one kind under it. Its `ReportPeriod`s are generated for a
year from the deadline rule, each with its own editable `due_on`. A unit's
`ReportSubmission` for a period collects its `ReportFile`s (the report itself and every
required attachment); it is *submitted* at the moment the last required file arrives
(`submitted_at`), which decides on time / late (see `periods.classify`). Files are stored
privately and served only by permission-checked views. `ReminderSent` makes reminders
idempotent. Everything people change keeps a history (django-simple-history).
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.web.reports import periods
from parindex.web.units.models import Unit, UnitKind

USER = settings.AUTH_USER_MODEL
REPORT_SLOT = ""  # the slot of the report itself; attachments use their names


class PeriodKind(models.TextChoices):
    QUARTER = periods.QUARTER, _("Quarterly")
    HALF_YEAR = periods.HALF_YEAR, _("Six-monthly")
    YEAR = periods.YEAR, _("Annual")


class Status(models.TextChoices):
    ON_TIME = periods.ON_TIME, _("On time")
    LATE = periods.LATE, _("Late")
    MISSING = periods.MISSING, _("Missing")
    PENDING = periods.PENDING, _("Not yet due")
    NOT_REQUIRED = periods.NOT_REQUIRED, _("Not required")


@deconstructible
class ReportStorage(FileSystemStorage):
    """Report files and templates under the media directory, readable by the server
    account only and without any URL: served only by the permission-checked views."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    def url(self, name: str | None) -> str:
        raise ValueError("report files have no URL: use the reports download views")


def _safe_suffix(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return suffix if suffix[1:].isalnum() else ""


def _safe_code(code: str) -> str:
    return "".join(c for c in code if c.isalnum() or c in "-_") or "unit"


def template_upload_to(instance: ReportType, filename: str) -> str:
    return f"reports/templates/{uuid.uuid4().hex}{_safe_suffix(filename)}"


def report_upload_to(instance: ReportFile, filename: str) -> str:
    """reports/<type>/<year>/<unit code>/<random>.<ext>: the name a user typed is kept in
    the database only, never used as a path."""
    submission = instance.submission
    period = submission.period
    return (
        f"reports/{period.report_type_id}/{period.year}/{_safe_code(submission.unit.code)}/"
        f"{uuid.uuid4().hex}{_safe_suffix(filename)}"
    )


class ReportType(models.Model):
    root_unit = models.ForeignKey(
        Unit, verbose_name=_("defined by"), on_delete=models.PROTECT, related_name="report_types",
        help_text=_("The province or ministry that receives the reports."),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    unit_kind = models.CharField(
        _("units that report"), max_length=16, choices=UnitKind.choices,
        help_text=_("Every unit of this kind under the defining unit sends the report."),
    )  # fmt: skip
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    due_day = models.PositiveSmallIntegerField(
        _("deadline: day of the month"), default=10,
        help_text=_("1–31; a day past the month's end means its last day."),
    )  # fmt: skip
    due_months_after = models.PositiveSmallIntegerField(
        _("deadline: months after the period"), default=1,
        help_text=_("0: in the period's last month; 1: in the month after the period; …"),
    )  # fmt: skip
    attachments = models.JSONField(
        _("required attachments"), default=list, blank=True,
        help_text=_("Names of the files that must come with the report."),
    )  # fmt: skip
    template = models.FileField(
        _("template"), storage=ReportStorage(), upload_to=template_upload_to, max_length=255,
        blank=True,
    )  # fmt: skip
    template_name = models.CharField(_("template file name"), max_length=255, blank=True)
    template_content_type = models.CharField(_("content type"), max_length=100, blank=True)
    template_size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    template_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Types no longer in use keep their history.")
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report type")
        verbose_name_plural = _("report types")
        ordering = ["root_unit", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=31), name="report_type_due_day"
            ),
            models.CheckConstraint(
                condition=Q(due_months_after__lte=12), name="report_type_months_after"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def slots(self) -> list[str]:
        """The files a submission needs: the report (REPORT_SLOT), then each attachment."""
        return [REPORT_SLOT, *[str(a) for a in self.attachments or []]]

    def due_date_for(self, period_end):
        return periods.due_date(period_end, self.due_day, self.due_months_after)

    def applies_to(self, unit: Unit) -> bool:
        """Is `unit` one of the units that send this report (no query)?"""
        return unit.kind == self.unit_kind and unit.is_descendant_of(
            self.root_unit, include_self=False
        )

    def units(self):
        """Every version of every unit that sends this report (any date)."""
        return Unit.objects.subtree(self.root_unit, include_roots=False).filter(kind=self.unit_kind)


class ReportPeriod(models.Model):
    report_type = models.ForeignKey(
        ReportType, verbose_name=_("report type"), on_delete=models.CASCADE,
        related_name="periods",
    )  # fmt: skip
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("period number"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    due_on = models.DateField(
        _("deadline"), help_text=_("Last day to submit (inclusive, Vietnam time).")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report period")
        verbose_name_plural = _("report periods")
        ordering = ["report_type", "year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_type", "year", "number"], name="report_period_once"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="report_period_dates"
            ),
        ]
        indexes = [models.Index(fields=["due_on"], name="report_period_due")]

    def __str__(self) -> str:
        return f"{self.report_type.name} — {self.label}"

    @property
    def label(self) -> str:
        """ "Quý II/2025", "6 tháng đầu năm 2025", "Năm 2025" (translated)."""
        kind = self.report_type.period_kind
        if kind == periods.QUARTER:
            return gettext("Quarter %(roman)s/%(year)s") % {
                "roman": periods.ROMAN.get(self.number, self.number),
                "year": self.year,
            }
        if kind == periods.HALF_YEAR:
            if self.number == 1:
                return gettext("First half of %(year)s") % {"year": self.year}
            return gettext("Second half of %(year)s") % {"year": self.year}
        return gettext("Year %(year)s") % {"year": self.year}


class ReportSubmission(models.Model):
    """One unit's report for one period; submitted once every required file is there."""

    period = models.ForeignKey(
        ReportPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
        related_name="submissions",
    )  # fmt: skip
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="report_submissions"
    )
    submitted_at = models.DateTimeField(
        _("submitted at"), null=True, blank=True,
        help_text=_("When the last required file arrived; empty while files are missing."),
    )  # fmt: skip
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report submission")
        verbose_name_plural = _("report submissions")
        ordering = ["period", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="report_submission_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} — {self.period}"

    def status(self, now) -> str:
        return periods.classify(self.period.due_on, self.submitted_at, now)


class ReportFile(models.Model):
    """A file of a submission: the report (slot "") or a required attachment (its name)."""

    submission = models.ForeignKey(
        ReportSubmission, verbose_name=_("submission"), on_delete=models.CASCADE,
        related_name="files",
    )  # fmt: skip
    slot = models.CharField(_("document"), max_length=255, blank=True)
    file = models.FileField(
        _("file"), storage=ReportStorage(), upload_to=report_upload_to, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        USER, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        ordering = ["submission", "slot", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def slot_label(self) -> str:
        return self.slot or gettext("Report")


class ReminderSent(models.Model):
    """One reminder e-mailed to one person about one unit's report for one period and
    deadline: the reminder command never sends it again (a moved deadline is a new one)."""

    period = models.ForeignKey(
        ReportPeriod, verbose_name=_("period"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        USER, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("deadline"))
    email = models.EmailField(_("e-mail"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "user", "due_on"], name="report_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.unit_id} {self.period_id} ({self.due_on:%d/%m/%Y})"
