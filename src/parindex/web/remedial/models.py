"""Remedial plans (kế hoạch khắc phục) and their tasks.

A `RemedialPlan` is made from one campaign's results: either a unit's own plan, or a
province-level plan (like Bắc Kạn's Kế hoạch 130/KH-UBND: number, date, title, issuer)
that groups tasks across the units of the campaign. Each `RemedialTask` targets one
criterion (leaf) one unit lost points on; the criterion's code and name, its maximum, the
points and the lost points are copied from the results when the task is created, so the
task still says what it was about after a framework changes. A task has an owner unit, a
deadline, the points it is expected to recover and a stored status (not started, in
progress, done); "overdue" is derived from the deadline on the day shown
(`parindex.analysis.remedial.effective_status`), never stored. `TaskProgress` records each
progress note with an optional evidence file (checked like campaign evidence, stored
privately, served only through a permission-checked view).

Every model keeps a history (django-simple-history) with who, when and why.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from parindex.analysis import remedial as core
from parindex.web.campaigns.models import Campaign
from parindex.web.units.models import Unit, today

USER = settings.AUTH_USER_MODEL


class TaskStatus(models.TextChoices):
    """Stored statuses; "overdue" is shown, never stored (see `DISPLAY_STATUS`)."""

    NOT_STARTED = core.NOT_STARTED, pgettext_lazy("remedial task", "Not started")
    IN_PROGRESS = core.IN_PROGRESS, pgettext_lazy("remedial task", "In progress")
    DONE = core.DONE, pgettext_lazy("remedial task", "Done")


DISPLAY_STATUS = {
    core.NOT_STARTED: pgettext_lazy("remedial task", "Not started"),
    core.IN_PROGRESS: pgettext_lazy("remedial task", "In progress"),
    core.DONE: pgettext_lazy("remedial task", "Done"),
    core.OVERDUE: pgettext_lazy("remedial task", "Overdue"),
}


@deconstructible
class RemedialStorage(FileSystemStorage):
    """Evidence of remedial tasks under the media directory, readable by the server account
    only and without any URL: served only by the permission-checked download view."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    def url(self, name: str | None) -> str:
        raise ValueError("remedial evidence has no URL: use the remedial download view")


def progress_upload_to(instance: TaskProgress, filename: str) -> str:
    """remedial/<plan id>/<task id>/<random>.<ext>: the name a user typed stays in the
    database only, never in a path."""
    suffix = PurePath(filename).suffix.lower()
    if not suffix[1:].isalnum():
        suffix = ""
    task = instance.task
    return f"remedial/{task.plan_id}/{task.pk}/{uuid.uuid4().hex}{suffix}"


class RemedialPlan(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province-level plan")
        UNIT = "unit", _("Unit plan")

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="remedial_plans",
        help_text=_("The campaign whose results the plan answers."),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The campaign's root unit for a province-level plan, else the unit."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    number = models.CharField(_("number"), max_length=100, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    title = models.CharField(_("plan title"), max_length=500)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remedial plan")
        verbose_name_plural = _("remedial plans")
        ordering = ["-campaign__year", "level", "unit__code", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def is_province_level(self) -> bool:
        return self.level == self.Level.PROVINCE


class RemedialTask(models.Model):
    plan = models.ForeignKey(
        RemedialPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit evaluated"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit whose result lost the points."),
    )
    owner = models.ForeignKey(
        Unit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The unit responsible for the task."),
    )
    node_code = models.CharField(_("criterion"), max_length=32)
    node_name = models.CharField(_("criterion name"), max_length=500)
    field_code = models.CharField(_("field"), max_length=32, blank=True)
    field_name = models.CharField(_("field name"), max_length=500, blank=True)
    max_points = models.FloatField(_("maximum points"))
    points = models.FloatField(_("points at creation"))
    lost_points = models.FloatField(_("lost points at creation"))
    recurring_years = models.CharField(
        _("years with a loss"),
        max_length=200,
        blank=True,
        help_text=_("Consecutive years in which the unit lost points on the criterion."),
    )
    action = models.TextField(_("task"))
    deadline = models.DateField(_("deadline"))
    expected_points = models.FloatField(_("points expected to recover"))
    status = models.CharField(
        pgettext_lazy("remedial task", "status"),
        max_length=12,
        choices=TaskStatus.choices,
        default=TaskStatus.NOT_STARTED,
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("remedial task")
        verbose_name_plural = _("remedial tasks")
        ordering = ["plan", "unit__code", "-lost_points", "node_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit", "node_code"], name="remedial_task_once"
            ),
            models.CheckConstraint(
                condition=Q(expected_points__gte=0), name="remedial_task_expected"
            ),
        ]
        indexes = [models.Index(fields=["owner", "status"], name="remedial_task_owner")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.node_code}: {self.action[:60]}"

    def display_status(self, on: dt.date | None = None) -> str:
        """not_started / in_progress / done / overdue on `on` (default today)."""
        return core.effective_status(self.status, self.deadline, on or today())

    @property
    def display_status_label(self) -> str:
        return str(DISPLAY_STATUS[self.display_status()])

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurring_years)


class TaskProgress(models.Model):
    """A progress note on a task, the status it set, and an optional evidence file."""

    task = models.ForeignKey(
        RemedialTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="progress"
    )
    note = models.TextField(_("progress note"))
    status = models.CharField(
        pgettext_lazy("remedial task", "status"), max_length=12, choices=TaskStatus.choices
    )
    file = models.FileField(
        _("evidence file"),
        storage=RemedialStorage(),
        upload_to=progress_upload_to,
        max_length=255,
        blank=True,
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["task", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.note[:60]}"

    @property
    def status_label(self) -> str:
        return str(DISPLAY_STATUS.get(self.status, self.status))
