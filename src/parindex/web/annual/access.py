"""Who may have a campaign's annual report, and which edition.

The report covers every unit of the campaign, so it follows the ranking's rule
(`parindex.web.results.access.ranking_scope`) and asks for the *whole* ranking:

| who                                                  | gets                                 |
|------------------------------------------------------|--------------------------------------|
| a role on the campaign's root unit                   | the report with the remedial plans   |
| a role on some units of a published campaign         | the report without remedial plans    |
|                                                      | (the ranking is public by then)      |
| a role on some units of an unpublished campaign      | 403: they see only their own rows    |
| no role on the campaign                              | 403                                  |
| anyone, published campaign (`/annual/public/…`)      | the report without remedial plans    |

Not signed in → sign-in page; unknown campaign or one without results → 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parindex.web.annual.data import Edition, has_results
from parindex.web.campaigns.models import Campaign
from parindex.web.results.access import VIEW, ranking_scope


def signed_in_edition(user: Any, campaign: Campaign) -> Edition:
    """The edition `user` may download; Http404 without results, PermissionDenied when the
    user may not see the whole ranking."""
    if not has_results(campaign):
        raise Http404
    if ranking_scope(user, campaign) is not None:
        raise PermissionDenied
    return Edition(internal=user.has_perm(VIEW, campaign.root_unit))


def may_download(user: Any, campaign: Campaign) -> bool:
    """For buttons: whether `signed_in_edition` would give the user a report."""
    if not getattr(user, "is_authenticated", False) or not campaign.has_results:
        return False  # (the cheap test first: no query for campaigns still running)
    try:
        signed_in_edition(user, campaign)
    except (PermissionDenied, Http404):
        return False
    return True
