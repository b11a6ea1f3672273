"""Users, the roles they hold on parts of the unit hierarchy, and login lockouts.

A role is always held *on a unit*: the assignment's unit is the root of the subtree it
applies to (a reporter of Sở Tư pháp; a viewer of the whole province). Only a system
administrator may hold a role without a unit, meaning every unit. Assignments are dated
like units, so a role given for one campaign ends by itself.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parindex.web.units.models import Unit, today


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("System administrator")
    CAMPAIGN_ADMIN = "campaign_admin", _("Evaluation administrator")
    REPORTER = "reporter", _("Reporter")
    UNIT_HEAD = "unit_head", _("Head of unit")
    APPRAISER = "appraiser", _("Appraiser")
    VIEWER = "viewer", _("Viewer")


class User(AbstractUser):
    """A person who signs in. Vietnamese names are kept whole in `full_name`."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Who changed a user (activated, renamed, made superuser) is audited; the password
    # hash and the last login are not copied into the history table.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else super().get_short_name()

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> RoleAssignmentQuerySet:
        on = on or today()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        help_text=_("The role applies to this unit and every unit under it."),
    )
    fields = models.JSONField(
        _("framework fields"),
        default=list,
        blank=True,
        help_text=_("Appraisers only: codes of the framework fields they appraise; empty = all."),
    )
    valid_from = models.DateField(_("valid from"), default=today)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role="sysadmin") | Q(unit__isnull=False),
                name="role_assignment_unit_required",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="role_assignment_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id else _("all units")
        return f"{self.user}: {self.get_role_display()} — {where}"

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.unit_id is None and self.role != Role.SYSADMIN:
            errors["unit"] = _("Only a system administrator may hold a role on all units.")
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("must not be before the valid-from date")
        if self.fields and self.role != Role.APPRAISER:
            errors["fields"] = _("Only appraisers are limited to framework fields.")
        if not isinstance(self.fields, list) or not all(
            isinstance(code, str) and code.strip() for code in self.fields
        ):
            errors["fields"] = _("Give a list of field codes, e.g. 1, 3, 7.")
        if errors:
            raise ValidationError(errors)

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or today()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def covers(self, unit: Unit) -> bool:
        """True if `unit` is in the subtree this assignment applies to (no query)."""
        if self.unit_id is None:
            return True
        return unit.is_descendant_of(self.unit)


class LoginLock(models.Model):
    """Failed sign-ins per user name, and until when that name is locked.

    Kept in the database (not the cache) so every gunicorn worker sees the same count.
    Names that do not exist are counted too, so a lockout does not tell an attacker which
    names are real.
    """

    username = models.CharField(_("user name"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")

    def __str__(self) -> str:
        return self.username

    def is_locked(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now
