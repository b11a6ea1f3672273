"""Finding what a request is about, and whether the caller may see or change it.

Answers, in this order (the same as the pages, `parindex.web.accounts.permissions`):

1. the campaign, the unit in the campaign (by code) or the criterion does not exist → 404;
2. it is not public and the caller is anonymous → 401;
3. it exists but the caller's roles do not cover it → 403.

An existing unit is answered 403, not 404, for the reason the pages give: unit lists are
public (rankings are published), so hiding that a unit exists protects nothing. What is
protected is the unit's *data*: a reporter of unit A can never read or change unit B's
self-assessment, whatever the URL.

Public (anonymous) reads: a published campaign, its units, its results and each unit's
score detail. Everything else needs a signed-in user or a token, and a role.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from parindex.web.accounts.rules import visible_units
from parindex.web.campaigns.models import Assessment, Campaign

VIEW = "parindex.view_unit"
EDIT = "parindex.edit_self_assessment"
VIEW_APPRAISAL = "parindex.view_appraisal"


class ApiError(Exception):
    """An answer other than 200: `status`, a message for people, and per-leaf errors."""

    def __init__(self, status: int, detail: Any, errors: list[dict] | None = None):
        super().__init__(str(detail))
        self.status = status
        self.detail = str(detail)
        self.errors = errors


def not_found(detail: Any) -> ApiError:
    return ApiError(404, detail)


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def refuse(user: Any, detail: Any = None) -> ApiError:
    """401 for anonymous callers, 403 for signed-in ones."""
    if not signed_in(user):
        return ApiError(401, _("Sign in or send an API token to see this."))
    return ApiError(403, detail or _("Your roles do not give access to this."))


def visible_campaigns(user: Any) -> QuerySet[Campaign]:
    """Published campaigns, and those whose root or one of whose units the user may see."""
    campaigns = Campaign.objects.select_related("root_unit")
    if not signed_in(user):
        return campaigns.filter(status=Campaign.Status.PUBLISHED)
    units = visible_units(user)
    ids = Campaign.objects.filter(
        Q(status=Campaign.Status.PUBLISHED)
        | Q(root_unit__in=units)
        | Q(assessments__unit__in=units)
    ).values("pk")
    return campaigns.filter(pk__in=ids)


def get_campaign(campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("root_unit").filter(pk=campaign_id).first()
    if campaign is None:
        raise not_found(_("No campaign with id %(id)s.") % {"id": campaign_id})
    return campaign


def sees_whole_campaign(user: Any, campaign: Campaign) -> bool:
    """May see every unit of the campaign (its root unit is covered by the user's roles)."""
    return signed_in(user) and user.has_perm(VIEW, campaign.root_unit)


def campaign_for_reading(user: Any, campaign_id: int) -> Campaign:
    """The campaign, if published or if the user sees its root or one of its units."""
    campaign = get_campaign(campaign_id)
    if campaign.status == Campaign.Status.PUBLISHED or sees_whole_campaign(user, campaign):
        return campaign
    if signed_in(user) and campaign.assessments.filter(unit__in=visible_units(user)).exists():
        return campaign
    raise refuse(user)


def get_assessment(campaign: Campaign, unit_code: str) -> Assessment:
    """The assessment of the unit with this code in the campaign (one version per code)."""
    assessment = (
        Assessment.objects.select_related("campaign", "campaign__root_unit", "unit")
        .filter(campaign=campaign, unit__code=unit_code)
        .first()
    )
    if assessment is None:
        raise not_found(
            _("Unit %(code)s is not in the scope of this campaign.") % {"code": unit_code}
        )
    assessment.campaign = campaign  # share the campaign's caches (framework, windows)
    return assessment


def require_unit_perm(user: Any, perm: str, assessment: Assessment) -> None:
    if not (signed_in(user) and user.has_perm(perm, assessment.unit)):
        raise refuse(user)


def results_readable(user: Any, campaign: Campaign) -> None:
    """Campaign-wide results: public once published, else for those who see the root."""
    if campaign.status != Campaign.Status.PUBLISHED and not sees_whole_campaign(user, campaign):
        raise refuse(user)
    if not campaign.has_results:
        raise not_found(_("The campaign has no results yet."))


def unit_results_readable(user: Any, assessment: Assessment) -> None:
    """One unit's results: public once published, else for those who see the unit."""
    campaign = assessment.campaign
    if campaign.status != Campaign.Status.PUBLISHED:
        require_unit_perm(user, VIEW, assessment)
    if not campaign.has_results:
        raise not_found(_("The campaign has no results yet."))


def sees_appraisal(user: Any, assessment: Assessment) -> bool:
    """Appraised values of a unit: appraisers and campaign administrators, or the unit
    itself once the campaign has results (as on the unit page)."""
    if not signed_in(user):
        return False
    return assessment.campaign.has_results or user.has_perm(VIEW_APPRAISAL, assessment.unit)
