"""What-if for one unit of a campaign: frames from the stored results, answers from
`parindex.analysis.whatif` (the core does every computation).

Queries: the campaign's appraised results (one), the unit's node results (one) and, for
a field-weight change, the top-level node results of every unit (one, on the
`node_result_depth` index).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from parindex.analysis.whatif import WhatIf, field_weight_effect, what_if
from parindex.web.campaigns.models import Campaign, NodeResult
from parindex.web.results.uncertainty import field_max, results_frame
from parindex.web.units.models import Unit

DETAIL_COLUMNS = ("node_code", "node_name", "parent_code", "depth", "is_leaf", "points",
                  "max_points", "lost_points")  # fmt: skip


def unit_whatif(
    campaign: Campaign, unit: Unit, results: pd.DataFrame | None = None
) -> WhatIf | None:
    """The what-if answers for `unit`; None when it has no result in the campaign."""
    results = results_frame(campaign) if results is None else results
    if not (results["unit_id"] == unit.pk).any():
        return None
    code = str(results.loc[results["unit_id"] == unit.pk, "unit_code"].iloc[0])
    if pd.isna(results.loc[results["unit_id"] == unit.pk, "index_pct"].iloc[0]):
        return None
    nodes = list(
        NodeResult.objects.filter(campaign=campaign, unit=unit)
        .order_by("id")
        .values(*DETAIL_COLUMNS)
    )
    if not nodes:
        return None
    detail = pd.DataFrame(nodes, columns=list(DETAIL_COLUMNS)).assign(unit_code=code)
    return what_if(results.drop(columns=["unit_id"]), detail, code, source=campaign.name)


def weight_effect(
    campaign: Campaign, weights: dict[str, float], results: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every unit's new index and rank with the fields' new maxima (exact re-scoring from
    each unit's field points and applicable maxima), with `unit_id`."""
    results = results_frame(campaign) if results is None else results
    codes = dict(zip(results["unit_id"], results["unit_code"], strict=True))
    top = pd.DataFrame(
        list(
            NodeResult.objects.filter(campaign=campaign, depth=0).values(
                "unit_id", "node_code", "points", "max_points"
            )
        ),
        columns=["unit_id", "node_code", "points", "max_points"],
    )
    top["unit_code"] = top["unit_id"].map(codes)
    top = top.dropna(subset=["unit_code"]).assign(depth=0, is_leaf=False)
    effect = field_weight_effect(
        results.drop(columns=["unit_id"]), field_max(campaign), weights, detail=top,
        source=campaign.name,
    )  # fmt: skip
    ids = {code: unit_id for unit_id, code in codes.items()}
    effect.insert(0, "unit_id", effect["unit_code"].map(ids))
    return effect


def points_up(value: Any) -> float | None:
    """Points to recover rounded *up* to 0.01 for display (rounding down would tell a
    unit that 1.23 is enough when 1.2345 is needed)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return math.ceil(float(value) * 100 - 1e-7) / 100


def parse_weight(text: str | None) -> float | None:
    """A field maximum typed by a user: "12", "12,5" or "12.5"; None if not a number ≥ 0."""
    if text is None:
        return None
    value = text.strip().replace(" ", "").replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number) or number < 0 or number > 10_000:
        return None
    return number
