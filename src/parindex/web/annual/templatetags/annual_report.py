"""`{% annual_report_allowed campaign user as allowed %}`: whether to show the buttons
of the annual report (PDF, Excel) for a campaign."""

from __future__ import annotations

from typing import Any

from django import template

from parindex.web.annual.access import may_download

register = template.Library()


@register.simple_tag
def annual_report_allowed(campaign: Any, user: Any) -> bool:
    return may_download(user, campaign)


@register.filter
def names(value: Any) -> str:
    """Unit names joined by commas, the first few only when there are many."""
    from parindex.web.annual.present import short_list

    return short_list(list(value or []))
