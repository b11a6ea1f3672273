"""Who may do what on which unit: the permission predicates, registered with `rules`.

One idea throughout: a user holds roles through `RoleAssignment`s, each on the root of a
subtree of units; a permission on a unit is granted when one of the user's *active*
assignments of a suitable role covers that unit. Nothing else (no Django groups, no model
permissions) grants access to evaluation data.

| permission (use with `user.has_perm(name, unit)`) | roles                        |
|---------------------------------------------------|------------------------------|
| parindex.view_unit                                | any role                     |
| parindex.edit_self_assessment                     | reporter, unit_head          |
| parindex.submit_self_assessment                   | unit_head                    |
| parindex.appraise                                 | appraiser                    |
| parindex.admin_campaigns                          | campaign_admin               |
| parindex.manage_units, parindex.manage_users      | sysadmin                     |

The system administrator manages users and units, and may view every unit, but does not
enter or appraise scores: separation of duties, so that an audit can tell who scored what.
(Django superusers bypass every permission, as Django does everywhere; keep them for
emergencies.) Called without a unit (`has_perm("parindex.appraise")`) a permission asks
"does the user hold the role anywhere?", which is what menus need.

Each predicate loads the user's active assignments once per request (cached on the user
object) and then compares materialised paths, so checking a list of 3,500 units costs one
query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

import rules

from parindex.web.accounts.models import Role, RoleAssignment
from parindex.web.units.models import Unit, UnitQuerySet, today

VIEW_ROLES = frozenset(Role.values)
EDIT_ROLES = frozenset({Role.REPORTER, Role.UNIT_HEAD})
SUBMIT_ROLES = frozenset({Role.UNIT_HEAD})
APPRAISE_ROLES = frozenset({Role.APPRAISER})
CAMPAIGN_ROLES = frozenset({Role.CAMPAIGN_ADMIN})
SYSADMIN_ROLES = frozenset({Role.SYSADMIN})

_CACHE_ATTR = "_parindex_assignments"


class AppraisalTarget(NamedTuple):
    """What `parindex.appraise_field` is checked on: a unit and a framework field code."""

    unit: Unit
    field_code: str


def assignments(user: Any, on: dt.date | None = None) -> list[RoleAssignment]:
    """The active role assignments of `user` (cached on the user object for today)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    on = on or today()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached[0] == on:
        return cached[1]
    found = list(RoleAssignment.objects.active(on).filter(user_id=user.pk).select_related("unit"))
    setattr(user, _CACHE_ATTR, (on, found))
    return found


def forget_assignments(user: Any) -> None:
    """Drop the cached assignments (after changing them within the same request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def has_role(user: Any, roles: Iterable[str]) -> bool:
    """True if the user holds one of `roles` on any unit."""
    wanted = set(roles)
    return any(a.role in wanted for a in assignments(user))


def has_role_on_unit(user: Any, unit: Unit | None, roles: Iterable[str]) -> bool:
    """True if one of the user's active assignments of `roles` covers `unit`.

    A system administrator's assignment without a unit covers every unit; `unit=None`
    asks whether the user holds one of the roles anywhere.
    """
    if unit is None:
        return has_role(user, roles)
    wanted = set(roles)
    return any(a.role in wanted and a.covers(unit) for a in assignments(user))


def scope_roots(user: Any, roles: Iterable[str] = VIEW_ROLES) -> list[Unit] | None:
    """Roots of the subtrees where the user holds `roles`; None means every unit."""
    wanted = set(roles)
    roots = []
    for assignment in assignments(user):
        if assignment.role not in wanted:
            continue
        if assignment.unit_id is None:
            return None
        roots.append(assignment.unit)
    return roots


def visible_units(user: Any, roles: Iterable[str] = VIEW_ROLES) -> UnitQuerySet:
    """Units the user may see (through `roles`), as a queryset to filter further."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Unit.objects.all()  # as Django's has_perm does for superusers
    roots = scope_roots(user, roles)
    if roots is None:
        return Unit.objects.all()
    return Unit.objects.subtree(*roots)


def appraisal_fields(user: Any, unit: Unit) -> set[str] | None:
    """Framework field codes the user may appraise on `unit`: None = all, empty = none."""
    fields: set[str] = set()
    for assignment in assignments(user):
        if assignment.role in APPRAISE_ROLES and assignment.covers(unit):
            if not assignment.fields:
                return None
            fields.update(str(code) for code in assignment.fields)
    return fields


# --- predicates ------------------------------------------------------------------------------


@rules.predicate
def is_sysadmin(user: Any) -> bool:
    return has_role(user, SYSADMIN_ROLES)


@rules.predicate
def can_view_unit(user: Any, unit: Unit | None = None) -> bool:
    return has_role_on_unit(user, unit, VIEW_ROLES)


@rules.predicate
def can_edit_self_assessment(user: Any, unit: Unit | None = None) -> bool:
    return has_role_on_unit(user, unit, EDIT_ROLES)


@rules.predicate
def can_submit_self_assessment(user: Any, unit: Unit | None = None) -> bool:
    return has_role_on_unit(user, unit, SUBMIT_ROLES)


@rules.predicate
def can_appraise(user: Any, unit: Unit | None = None) -> bool:
    return has_role_on_unit(user, unit, APPRAISE_ROLES)


@rules.predicate
def can_appraise_field(user: Any, target: AppraisalTarget | None = None) -> bool:
    if target is None:
        return has_role(user, APPRAISE_ROLES)
    fields = appraisal_fields(user, target.unit)
    return fields is None or str(target.field_code) in fields


@rules.predicate
def can_admin_campaigns(user: Any, unit: Unit | None = None) -> bool:
    return has_role_on_unit(user, unit, CAMPAIGN_ROLES)


rules.add_perm("parindex.view_unit", can_view_unit)
rules.add_perm("parindex.edit_self_assessment", can_edit_self_assessment)
rules.add_perm("parindex.submit_self_assessment", can_submit_self_assessment)
rules.add_perm("parindex.appraise", can_appraise)
rules.add_perm("parindex.appraise_field", can_appraise_field)
rules.add_perm("parindex.admin_campaigns", can_admin_campaigns)
rules.add_perm("parindex.manage_units", is_sysadmin)
rules.add_perm("parindex.manage_users", is_sysadmin)
