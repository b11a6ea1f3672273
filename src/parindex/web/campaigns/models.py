"""Assessment campaigns: who scores what, when, with which evidence, and the results.

A `Campaign` evaluates the units of one kind under a root unit (the province or ministry
running it) for one year, on a framework *snapshot* stored in the campaign itself (its
canonical YAML), so later edits of a framework file never change a running or past
campaign. Each unit in scope has one `Assessment`; each leaf of the framework one
`LeafValue` holding both tracks (self-assessed and appraised) as entered. `Evidence`,
`ExplanationRequest`, `CampaignWindow` and `WindowException` complete the workflow, whose
rules live in `services.py`. At finalisation the appraised values are scored by
`parindex.scoring.score` and written to `UnitResult` / `NodeResult`, the tables the
rankings, profiles, exports and the API read.

Every model people change keeps a history (django-simple-history) with who, when and why
(`history_change_reason`), so the appraisal page can show who changed which value, from
what to what, and why.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.web.units.models import Unit, UnitKind

USER = settings.AUTH_USER_MODEL


class Track(models.TextChoices):
    SELF = "self", _("Self-assessment")
    APPRAISED = "appraised", _("Appraisal")


class WindowKind(models.TextChoices):
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment")
    EXPLANATION = "explanation", _("Explanations")
    APPRAISAL_1 = "appraisal_1", _("Appraisal, round 1")
    APPRAISAL_2 = "appraisal_2", _("Appraisal, round 2")
    PUBLICATION = "publication", _("Publication")


# --- evidence files: private storage ---------------------------------------------------------


@deconstructible
class EvidenceStorage(FileSystemStorage):
    """Uploaded evidence under the media directory (settings.MEDIA_ROOT), never under the
    static root and never given a URL: files are served only by the permission-checked
    download view. Files are readable by the server account only."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    def url(self, name: str | None) -> str:
        raise ValueError("evidence files have no URL: use the campaigns download view")


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """evidence/<campaign id>/<unit code>/<random>.<ext>: the original name is kept in
    the database only, so a file name typed by a user never becomes a path."""
    assessment = instance.leaf_value.assessment
    suffix = PurePath(filename).suffix.lower()
    if not suffix[1:].isalnum():
        suffix = ""
    unit_code = "".join(c for c in assessment.unit.code if c.isalnum() or c in "-_") or "unit"
    return f"evidence/{assessment.campaign_id}/{unit_code}/{uuid.uuid4().hex}{suffix}"


# --- campaign --------------------------------------------------------------------------------


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        FINALISED = "finalised", _("Finalised")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=255)
    year = models.PositiveSmallIntegerField(_("year"))
    root_unit = models.ForeignKey(
        Unit,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text=_("The province or ministry running the evaluation."),
    )
    framework_id = models.CharField(_("framework id"), max_length=100)
    framework_version = models.CharField(_("framework version"), max_length=50)
    framework_name = models.CharField(_("framework name"), max_length=255)
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices)
    framework_yaml = models.TextField(_("framework (YAML)"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="following",
        help_text=_("Last year's campaign, for the change since last year."),
    )
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finalised_by = models.ForeignKey(
        USER,
        verbose_name=_("finalised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    published_by = models.ForeignKey(
        USER,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["root_unit", "year", "unit_kind"], name="campaign_root_year_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def framework(self):
        """The parsed framework snapshot (cached per YAML text, shared by all requests)."""
        return self.spec().framework

    def spec(self):
        """The framework with its leaves prepared for forms (`values.FrameworkSpec`)."""
        from parindex.web.campaigns.values import framework_spec

        return framework_spec(self.framework_yaml)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def has_results(self) -> bool:
        return self.status in (self.Status.FINALISED, self.Status.PUBLISHED)


class CampaignWindow(models.Model):
    """When one step of a campaign is open: both dates inclusive, Vietnamese calendar
    days (Asia/Ho_Chi_Minh)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="windows"
    )
    kind = models.CharField(_("step"), max_length=20, choices=WindowKind.choices)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"), help_text=_("Last day (inclusive)."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("campaign window")
        verbose_name_plural = _("campaign windows")
        ordering = ["campaign", "opens_on"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="campaign_window_once"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="campaign_window_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.opens_on:%d/%m/%Y}–{self.closes_on:%d/%m/%Y}"


class WindowException(models.Model):
    """One unit may act in a window until a later date (illness, a merger, a reopening)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="exceptions"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("step"), max_length=20, choices=WindowKind.choices)
    until = models.DateField(_("until"), help_text=_("Last day (inclusive)."))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        USER,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("window exception")
        verbose_name_plural = _("window exceptions")
        ordering = ["campaign", "unit", "kind", "-until"]
        indexes = [models.Index(fields=["campaign", "unit", "kind"], name="campaign_exc_lookup")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="window_exception_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code}: {self.get_kind_display()} → {self.until:%d/%m/%Y}"


class Assessment(models.Model):
    """One unit in one campaign: its self-assessment, then its appraisal."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        APPRAISED = "appraised", _("Appraised")
        FINALISED = "finalised", _("Finalised")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="assessments"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    round = models.PositiveSmallIntegerField(
        _("appraisal round"), default=1, choices=[(1, "1"), (2, "2")]
    )
    submitted_by = models.ForeignKey(
        USER,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["campaign", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="assessment_once"),
            models.CheckConstraint(condition=Q(round__in=[1, 2]), name="assessment_round"),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="assessment_status")]

    def __str__(self) -> str:
        return f"{self.unit.code} — {self.campaign}"

    @property
    def is_locked_for_unit(self) -> bool:
        """Submitted (or later): the unit can no longer change its self-assessment."""
        return self.status not in (self.Status.NOT_STARTED, self.Status.IN_PROGRESS)


class LeafValue(models.Model):
    """Both tracks of one leaf for one unit, as entered.

    Self track: `self_value` is the text the unit gave — points (manual), an option label
    (options), a ratio 0–1 (bands, linear), a count (deduction) — and `self_inputs` the
    declared inputs of a formula leaf. Appraised track: the same in `appraised_*`; a leaf
    is appraised once `appraised_at` is set (values of survey leaves are imported there).
    """

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="values"
    )
    leaf_code = models.CharField(_("criterion"), max_length=32)
    # self track
    self_value = models.CharField(_("self-assessed value"), max_length=255, blank=True)
    self_inputs = models.JSONField(_("self-assessed inputs"), default=dict, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    explanation = models.TextField(_("explanation"), blank=True)
    self_filled = models.BooleanField(_("filled in"), default=False, editable=False)
    self_updated_by = models.ForeignKey(
        USER,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    self_updated_at = models.DateTimeField(_("last changed at"), null=True, blank=True)
    # appraised track
    appraised_value = models.CharField(_("appraised value"), max_length=255, blank=True)
    appraised_inputs = models.JSONField(_("appraised inputs"), default=dict, blank=True)
    appraised_not_applicable = models.BooleanField(
        _("not applicable (appraisal)"),
        null=True,
        blank=True,
        help_text=_("Empty: as the unit declared."),
    )
    appraisal_reason = models.TextField(_("reason for the appraised value"), blank=True)
    appraised_by = models.ForeignKey(
        USER,
        verbose_name=_("appraised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    appraised_at = models.DateTimeField(_("appraised at"), null=True, blank=True)
    appraised_round = models.PositiveSmallIntegerField(_("appraisal round"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["self_filled"])

    class Meta:
        verbose_name = _("criterion value")
        verbose_name_plural = _("criterion values")
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "leaf_code"], name="leaf_value_once"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.unit.code} {self.leaf_code}"

    @property
    def is_appraised(self) -> bool:
        return self.appraised_at is not None

    @property
    def effective_not_applicable(self) -> bool:
        """Not applicable as the appraisal decided, else as the unit declared."""
        if self.appraised_not_applicable is not None:
            return self.appraised_not_applicable
        return self.not_applicable


class ExplanationRequest(models.Model):
    """Appraisers ask a unit to explain one leaf (giải trình) in appraisal round 1."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    leaf_value = models.ForeignKey(
        LeafValue,
        verbose_name=_("criterion value"),
        on_delete=models.CASCADE,
        related_name="explanation_requests",
    )
    round = models.PositiveSmallIntegerField(_("appraisal round"), default=1)
    message = models.TextField(_("request"))
    deadline = models.DateField(_("deadline"))
    requested_by = models.ForeignKey(
        USER,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    response_text = models.TextField(_("answer"), blank=True)
    responded_by = models.ForeignKey(
        USER,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("explanation request")
        verbose_name_plural = _("explanation requests")
        ordering = ["leaf_value", "requested_at"]

    def __str__(self) -> str:
        return f"{self.leaf_value} ({self.get_status_display()})"


class Evidence(models.Model):
    """A document supporting a leaf: an uploaded file, or a cited document (number, date,
    issuer) the appraisers can look up."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        CITATION = "citation", _("Cited document")

    leaf_value = models.ForeignKey(
        LeafValue,
        verbose_name=_("criterion value"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(
        _("file"),
        storage=EvidenceStorage(),
        upload_to=evidence_upload_to,
        max_length=255,
        blank=True,
    )
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    doc_issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        USER,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("added at"), auto_now_add=True)
    explanation_request = models.ForeignKey(
        ExplanationRequest,
        verbose_name=_("explanation request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evidence",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["leaf_value", "uploaded_at", "id"]

    def __str__(self) -> str:
        if self.kind == self.Kind.FILE:
            return self.original_name
        return " ".join(p for p in (self.doc_number, self.title) if p) or str(self.pk)


# --- results snapshot --------------------------------------------------------------------------


class UnitResult(models.Model):
    """One unit's result on one track, written at finalisation (see services.compute_results).

    Unrounded values as the core computed them; `fields` maps each top-level field code
    to its index %. Read by rankings, profiles, exports and the API.
    """

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="unit_results",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="campaign_results"
    )
    unit_code = models.CharField(_("unit code"), max_length=32)
    unit_name = models.CharField(_("unit name"), max_length=255)
    peer_group = models.CharField(_("peer group"), max_length=128, blank=True)
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    points = models.FloatField(_("points"))
    max_points = models.FloatField(_("maximum points"))
    index_pct = models.FloatField(_("index (%)"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    class_label = models.CharField(_("class"), max_length=64, blank=True)
    fields = models.JSONField(_("index per field (%)"), default=dict, blank=True)
    bonus_points = models.FloatField(_("bonus points"), default=0)
    penalty_points = models.FloatField(_("penalty points"), default=0)
    missing_values = models.PositiveIntegerField(_("criteria without a value"), default=0)
    prev_index_pct = models.FloatField(_("previous index (%)"), null=True, blank=True)
    index_change = models.FloatField(_("change of the index"), null=True, blank=True)
    prev_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    rank_change = models.IntegerField(_("change of rank"), null=True, blank=True)
    yoy_note = models.CharField(_("note on the previous year"), max_length=500, blank=True)
    framework_id = models.CharField(_("framework id"), max_length=100)
    framework_version = models.CharField(_("framework version"), max_length=50)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")
        ordering = ["campaign", "track", "peer_group", "rank", "unit_code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "track"], name="unit_result_once"),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "track", "peer_group", "rank"], name="unit_result_ranking"
            ),
            models.Index(fields=["unit", "track"], name="unit_result_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.track}: {self.index_pct}"


class NodeResult(models.Model):
    """Points of one unit on one node of the framework (appraised track, with the
    self-assessed points beside them), written at finalisation."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="node_results",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="node_results"
    )
    node_code = models.CharField(_("node"), max_length=32)
    node_name = models.CharField(_("name"), max_length=500)
    parent_code = models.CharField(_("parent node"), max_length=32, blank=True)
    depth = models.PositiveSmallIntegerField(_("depth"))
    is_leaf = models.BooleanField(_("leaf"))
    points = models.FloatField(_("points"))
    max_points = models.FloatField(_("maximum points"))
    lost_points = models.FloatField(_("lost points"))
    self_points = models.FloatField(_("self-assessed points"), null=True, blank=True)
    applicable = models.BooleanField(_("applicable"), default=True)

    class Meta:
        verbose_name = _("node result")
        verbose_name_plural = _("node results")
        ordering = ["campaign", "unit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "node_code"], name="node_result_once"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "node_code"], name="node_result_node"),
            models.Index(fields=["campaign", "depth"], name="node_result_depth"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.node_code}: {self.points}/{self.max_points}"
