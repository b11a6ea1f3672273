"""`{% survey_part campaign unit nodes %}`: the survey section of a results unit profile —
the estimates a survey fed into the campaign for the unit, each with its 95 % interval,
and the points its survey leaves received. Renders nothing when no survey fed the unit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

from parindex.web.surveys.models import CampaignSurveyEstimate

register = template.Library()


@register.inclusion_tag("surveys/_profile_survey.html")
def survey_part(campaign: Any, unit: Any, nodes: Iterable[Mapping[str, Any]] = ()) -> dict:
    rows = list(
        CampaignSurveyEstimate.objects.filter(campaign=campaign, unit=unit).select_related("survey")
    )
    by_code = {n["node_code"]: n for n in nodes or () if n.get("is_leaf")}
    items = []
    for row in rows:
        leaves = []
        for code in row.leaf_codes or []:
            node = by_code.get(code)
            leaves.append(
                {
                    "code": code,
                    "name": node["node_name"] if node else "",
                    "points": node["points"] if node else None,
                    "max_points": node["max_points"] if node else None,
                }
            )
        items.append({"row": row, "leaves": leaves})
    return {"items": items, "survey": rows[0].survey if rows else None}
