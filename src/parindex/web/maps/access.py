"""Who may see and upload boundary sets.

| what                                    | who                                                  |
|-----------------------------------------|------------------------------------------------------|
| a campaign's map                        | as its ranking (`results.access.ranking_scope`); the  |
|                                         | public map: published campaigns, no sign-in          |
| upload / withdraw a set for a unit      | `parindex.manage_boundaries` on it (campaign admin of |
|                                         | the unit or above, system administrator)             |
| upload / withdraw a set for the country | system administrators                                |
| the list and a set's page               | anyone with a role on its unit, above it or under it |
|                                         | (a commune's reporter sees the province's communes); |
|                                         | sets of the whole country: every signed-in user      |
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from parindex.web.accounts.rules import CAMPAIGN_ROLES, is_sysadmin, scope_roots, visible_units
from parindex.web.maps.models import BoundarySet
from parindex.web.units.models import Unit, UnitKind

MANAGE = "parindex.manage_boundaries"
VIEW = "parindex.view_unit"


def may_manage_boundaries(user: Any, unit: Unit | None) -> bool:
    if unit is None:
        return bool(is_sysadmin(user) or getattr(user, "is_superuser", False))
    return user.has_perm(MANAGE, unit)


def _related_unit_ids(user: Any) -> set[int] | None:
    """Units on which, above which or under which the user holds a role (None = all)."""
    roots = scope_roots(user)
    if roots is None or getattr(user, "is_superuser", False):
        return None
    ids: set[int] = set()
    for root in roots:
        ids.update(root.ancestor_ids())
    ids.update(visible_units(user).values_list("pk", flat=True))
    return ids


def may_view_set(user: Any, boundary_set: BoundarySet) -> bool:
    if boundary_set.unit is None:
        return True
    related = _related_unit_ids(user)
    return related is None or boundary_set.unit_id in related


def visible_sets(user: Any):
    sets = BoundarySet.objects.select_related("unit", "uploaded_by", "withdrawn_by")
    related = _related_unit_ids(user)
    if related is None:
        return sets
    return sets.filter(Q(unit__isnull=True) | Q(unit_id__in=related))


def scope_choices(user: Any) -> list[Unit | None]:
    """Scopes the user may upload for: None (the country) for system administrators, then
    the units in force where they administer campaigns — their roots and the provinces
    and ministries under them."""
    choices: list[Unit | None] = []
    if may_manage_boundaries(user, None):
        choices.append(None)
        units = Unit.objects.in_force().filter(
            Q(parent__isnull=True) | Q(kind__in=(UnitKind.PROVINCE, UnitKind.MINISTRY))
        )
    else:
        roots = scope_roots(user, CAMPAIGN_ROLES) or []
        if not roots:
            return choices
        units = (
            Unit.objects.in_force()
            .subtree(*roots)
            .filter(Q(pk__in=[r.pk for r in roots]) | Q(kind__in=(UnitKind.PROVINCE,)))
        )
    choices.extend(units.order_by("depth", "name"))
    return choices
