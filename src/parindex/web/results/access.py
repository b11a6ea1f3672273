"""Who sees which results (signed-in pages; the public pages need no check but publication).

| page                         | who                                                         |
|------------------------------|-------------------------------------------------------------|
| ranking of a campaign        | any role on the campaign's root unit: every row; any role on |
|                              | units of the campaign: the rows of those units — and every   |
|                              | row once the campaign is published                          |
| profile / score sheet of a   | `parindex.view_unit` on that unit (a reporter: their own)    |
| unit                         |                                                             |
| progress dashboard           | the campaigns app's dashboard (`campaigns:detail`)           |

Answers follow the foundation: not signed in → sign-in page, no such campaign or unit →
404, no role covering it → 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from parindex.web.accounts.rules import visible_units
from parindex.web.campaigns.models import Campaign
from parindex.web.units.models import UnitQuerySet

VIEW = "parindex.view_unit"
ADMIN = "parindex.admin_campaigns"
VIEW_APPRAISAL = "parindex.view_appraisal"  # registered by the campaigns app


def ranking_scope(user: Any, campaign: Campaign) -> UnitQuerySet | None:
    """The units whose rows `user` may see in the campaign's ranking; None = every row.

    Raises PermissionDenied when the user's roles cover neither the campaign's root unit
    nor any unit evaluated in it.
    """
    if user.has_perm(VIEW, campaign.root_unit):
        return None
    visible = visible_units(user)
    if not campaign.assessments.filter(unit__in=visible).exists():
        raise PermissionDenied
    if campaign.status == Campaign.Status.PUBLISHED:
        return None  # published results are public anyway
    return visible


def result_campaigns(user: Any):
    """Campaigns with results (finalised or published) in which the user sees something."""
    visible = visible_units(user)
    return (
        Campaign.objects.filter(status__in=(Campaign.Status.FINALISED, Campaign.Status.PUBLISHED))
        .filter(Q(root_unit__in=visible) | Q(assessments__unit__in=visible))
        .select_related("root_unit")
        .defer("framework_yaml")
        .distinct()
        .order_by("-year", "name")
    )
