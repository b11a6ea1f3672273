"""Surveys, their sampled households (with one-time access codes) and the responses."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.web.units.models import Unit

# No 0/O, 1/I/L: codes are typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 31^12 ≈ 2^59


def new_access_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COLLECTING = "collecting", _("Collecting")
        CLOSED = "closed", _("Closed")

    root_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("run by")
    )
    year = models.PositiveIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=255)
    instrument_id = models.CharField(_("instrument id"), max_length=100)
    instrument_version = models.CharField(_("instrument version"), max_length=100)
    instrument_builtin = models.CharField(_("built-in instrument"), max_length=100, blank=True)
    instrument_file = models.BinaryField(_("instrument file"), blank=True, default=b"")
    design_yaml = models.TextField(_("estimation design (YAML)"), blank=True)
    sampling_yaml = models.TextField(_("sampling design (YAML)"), blank=True)
    seed = models.BigIntegerField(_("seed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["instrument_file"])

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class SampledHousehold(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="households")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    village = models.CharField(_("village"), max_length=255, blank=True)
    household_code = models.CharField(_("household code"), max_length=100)
    stratum = models.CharField(_("stratum"), max_length=255, blank=True)
    psu = models.CharField(_("PSU"), max_length=255, blank=True)
    weight = models.FloatField(_("weight"))
    probabilities = models.JSONField(_("inclusion probabilities"), default=dict, blank=True)
    access_code = models.CharField(
        _("access code"), max_length=32, unique=True, default=new_access_code, editable=False
    )
    used_at = models.DateTimeField(_("code used"), null=True, blank=True)

    class Meta:
        ordering = ["unit__code", "village", "household_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "household_code"], name="surveys_household_unique_code"
            )
        ]
        verbose_name = _("sampled household")
        verbose_name_plural = _("sampled households")

    def __str__(self) -> str:
        return self.household_code


class Response(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        PAPER = "paper", _("Paper (entry template)")
        ODK = "odk", _("ODK Central")
        KOBO = "kobo", _("KoboToolbox")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    household = models.ForeignKey(
        SampledHousehold,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
    )
    instrument_version = models.CharField(_("instrument version"), max_length=100)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source)
    instance_id = models.CharField(_("instance id"), max_length=255)
    consented_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted = models.BooleanField(_("submitted"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "instance_id"], name="surveys_response_unique_instance"
            )
        ]
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self) -> str:
        return self.instance_id


class CampaignSurveyEstimate(models.Model):
    """One unit's survey estimate of one element, as written into a campaign by the feed
    (`services.feed_campaign`); the rows of a campaign are replaced on every feed."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="survey_estimates",
        verbose_name=_("campaign"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="+", verbose_name=_("survey")
    )
    element = models.CharField(_("element"), max_length=100)
    element_name = models.CharField(_("element name"), max_length=255, blank=True)
    leaf_codes = models.JSONField(_("survey leaves"), default=list, blank=True)
    estimate_pct = models.FloatField(_("estimate (%)"))
    ci_low_pct = models.FloatField(_("95% interval, low (%)"), null=True, blank=True)
    ci_high_pct = models.FloatField(_("95% interval, high (%)"), null=True, blank=True)
    se_pct = models.FloatField(_("standard error (points)"), null=True, blank=True)
    n = models.PositiveIntegerField(_("respondents"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["campaign", "unit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "element"], name="surveys_campaign_estimate_once"
            )
        ]
        verbose_name = _("survey estimate of a campaign")
        verbose_name_plural = _("survey estimates of campaigns")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.unit_id} {self.element}"
