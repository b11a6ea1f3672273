"""Boundary sets: administrator-uploaded unit boundaries, stored ready to draw.

A `BoundarySet` holds the boundaries of one level of units (provinces or communes) under a
scope unit (a province for its communes; empty = the whole country, system administrators
only). The GeoJSON is validated by `parindex.analysis.maps.parse_geojson` and stored
already projected to SVG path data (`paths`, in a `width` × `height` view box), so a map
page only looks paths up. Sets are never edited: a new upload supersedes the previous one
of the same scope and level, and a set can be withdrawn (with who and when); the list of
sets is the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parindex.web.units.models import Unit

USER = settings.AUTH_USER_MODEL


class Level(models.TextChoices):
    PROVINCE = "province", _("Provinces")
    COMMUNE = "commune", _("Communes and wards")
    DISTRICT = "district", _("Districts (before 1/7/2025)")


class BoundarySetQuerySet(models.QuerySet):
    def active(self) -> BoundarySetQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class BoundarySet(models.Model):
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("scope"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="boundary_sets",
        help_text=_("The unit whose subdivisions these are; empty = the whole country."),
    )
    name = models.CharField(_("name"), max_length=255)
    source = models.CharField(
        _("source"),
        max_length=500,
        blank=True,
        help_text=_("Where the boundaries come from (agency, document, date)."),
    )
    code_property = models.CharField(_("code property"), max_length=64)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    feature_count = models.PositiveIntegerField(_("features"), default=0)
    matched_codes = models.JSONField(_("codes matched to units"), default=list, blank=True)
    unmatched_codes = models.JSONField(_("codes without a unit"), default=list, blank=True)
    names = models.JSONField(_("names in the file"), default=dict, blank=True)
    paths = models.JSONField(_("SVG paths"), default=dict, blank=True)
    centres = models.JSONField(_("label points"), default=dict, blank=True)
    width = models.FloatField(_("view box width"), default=0)
    height = models.FloatField(_("view box height"), default=0)
    simulated = models.BooleanField(
        _("simulated"), default=False, help_text=_("Generated for the demo: not a real map.")
    )
    uploaded_by = models.ForeignKey(
        USER,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    withdrawn_by = models.ForeignKey(
        USER,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)

    objects = BoundarySetQuerySet.as_manager()

    class Meta:
        verbose_name = _("boundary set")
        verbose_name_plural = _("boundary sets")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["level", "unit"], name="boundary_set_scope")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
