"""Units: the bodies that are evaluated, as a dated hierarchy.

A `Unit` row is one *version* of a unit: its code, name and parent as they were between
`valid_from` and `valid_to` (both inclusive; `valid_to` empty = still in force). When the
2025 reorganisation merges three communes into one, the three rows get a `valid_to` and the
new commune is a new row whose `UnitPredecessor` links say whom it replaces and with which
weight, so "change since last year" can still be computed for it. Nothing is overwritten,
so last year's results keep pointing at last year's units.

The hierarchy is a materialised path of primary keys ("/3/41/"): "every unit under this
one" is one indexed prefix query on SQLite and PostgreSQL alike, and "is this unit under
that one" is a string comparison without any query, which is what permission checks need
to be cheap.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

PATH_SEPARATOR = "/"


def path_depth(path: str) -> int:
    """ "/3/" → 0 (a root), "/3/41/" → 1."""
    return path.count(PATH_SEPARATOR) - 2


def child_path(parent_path: str, pk: int) -> str:
    """The path of unit `pk` placed under a unit whose path is `parent_path` ("" = a root)."""
    return f"{parent_path or PATH_SEPARATOR}{pk}{PATH_SEPARATOR}"


def today() -> dt.date:
    """Today in the configured time zone (Asia/Ho_Chi_Minh), not the server's UTC date."""
    return timezone.localdate()


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Department or agency")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune or ward")


class UnitQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None) -> UnitQuerySet:
        """Versions in force on `on` (default: today)."""
        on = on or today()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)

    def subtree(self, *roots: Unit, include_roots: bool = True) -> UnitQuerySet:
        """Units under any of `roots` (and the roots themselves unless told otherwise)."""
        if not roots:
            return self.none()
        condition = Q()
        for root in roots:
            condition |= Q(path__startswith=root.path)
        queryset = self.filter(condition)
        if not include_roots:
            queryset = queryset.exclude(pk__in=[root.pk for root in roots])
        return queryset

    def roots(self) -> UnitQuerySet:
        return self.filter(parent__isnull=True)


class Unit(models.Model):
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    peer_group = models.CharField(
        _("peer group"),
        max_length=128,
        blank=True,
        help_text=_("Units are ranked only against units of the same peer group."),
    )
    region = models.CharField(_("region"), max_length=128, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Last day in force; empty while the unit exists."),
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    history = HistoricalRecords(excluded_fields=["path", "depth"])
    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_valid_from"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    # --- dates -------------------------------------------------------------------------
    def in_force_on(self, on: dt.date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def is_current(self) -> bool:
        return self.in_force_on()

    # --- hierarchy ---------------------------------------------------------------------
    def is_descendant_of(self, other: Unit, include_self: bool = True) -> bool:
        """True if `self` is under `other` — no query, only the stored paths."""
        if not self.path or not other.path:
            raise ValueError("paths are set when a unit is saved; save both units first")
        if self.pk == other.pk:
            return include_self
        return self.path.startswith(other.path)

    def descendants(self, include_self: bool = False) -> UnitQuerySet:
        return Unit.objects.subtree(self, include_roots=include_self)

    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to the parent."""
        return [int(p) for p in self.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR)][:-1]

    def ancestors(self) -> UnitQuerySet:
        return Unit.objects.filter(pk__in=self.ancestor_ids()).order_by("depth")

    def clean(self) -> None:
        super().clean()
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("must not be before the valid-from date")})
        if self.parent_id is not None and self.pk is not None:
            if self.parent_id == self.pk or (
                self.parent.path and self.path and self.parent.path.startswith(self.path)
            ):
                raise ValidationError({"parent": _("a unit cannot be placed under itself")})

    def save(self, *args, **kwargs) -> None:
        """Save and keep `path`/`depth` of this unit and everything under it right.

        A new unit needs its primary key before its path can be written, hence the second
        UPDATE; moving a unit rewrites the paths of its whole subtree in one UPDATE.
        """
        with transaction.atomic(using=kwargs.get("using")):
            # Paths in memory may be stale (an ancestor moved since this one was loaded).
            old_path = ""
            if self.pk is not None:
                old_path = (
                    Unit.objects.filter(pk=self.pk).values_list("path", flat=True).first() or ""
                )
            parent_path = self._parent_path()
            if old_path and parent_path.startswith(old_path):
                raise ValueError(f"{self} cannot be placed under itself or its own descendant")
            super().save(*args, **kwargs)
            new_path = child_path(parent_path, self.pk)
            new_depth = path_depth(new_path)
            if new_path != old_path:
                if old_path:
                    Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                        depth=F("depth") + (new_depth - path_depth(old_path)),
                    )
                Unit.objects.filter(pk=self.pk).update(path=new_path, depth=new_depth)
            self.path, self.depth = new_path, new_depth

    def _parent_path(self) -> str:
        if self.parent_id is None:
            return ""
        # Read the parent's path from the database: the instance in memory may be stale
        # after its own subtree was moved.
        path = Unit.objects.filter(pk=self.parent_id).values_list("path", flat=True).first()
        if path is None:
            raise ValueError(f"parent {self.parent_id} of {self.code} does not exist")
        return path


class UnitPredecessor(models.Model):
    """`unit` replaced (part of) `predecessor`: after a merger or a split."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merger")
        SPLIT = "split", _("Split")

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    predecessor = models.ForeignKey(
        Unit,
        verbose_name=_("predecessor"),
        on_delete=models.PROTECT,
        related_name="successor_links",
    )
    weight = models.FloatField(
        _("weight"),
        default=1.0,
        help_text=_("Share of the predecessor carried into the unit, e.g. population."),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.MERGE)
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("predecessor")
        verbose_name_plural = _("predecessors")
        ordering = ["unit", "predecessor"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "predecessor"], name="unit_predecessor_once"),
            models.CheckConstraint(
                condition=~Q(unit=F("predecessor")), name="unit_predecessor_not_self"
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="unit_predecessor_weight"),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.code} → {self.unit.code} ({self.weight:g})"
