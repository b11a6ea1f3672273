"""Rank uncertainty of a campaign, computed once per results and kept in the cache.

`campaign_uncertainty(campaign, scope=None)` runs `parindex.analysis.uncertainty.
rank_uncertainty` on the campaign's stored appraised results (`UnitResult`), with the
field maxima of its framework snapshot and, when a survey fed the campaign, the survey
estimates with their 95 % intervals (`parindex.web.surveys` `CampaignSurveyEstimate`,
each leaf's applicable maximum from `NodeResult`). The ranking pages, the uncertainty
page and the annual report call it.

Cost: a few hundred milliseconds at 1,000 units and 1,000 runs, so it is never run per
request: the result is cached under a key made of the campaign, the time its results
were computed (`UnitResult.computed_at`), the identity of its survey estimates and the
settings — recomputing the results or feeding a survey again gives a new key, so a stale
answer is never served. Reading the key costs one query.

Settings (all optional): `PARINDEX_UNCERTAINTY_RUNS` (1,000), `PARINDEX_UNCERTAINTY_SEED`
(0), `PARINDEX_UNCERTAINTY_WEIGHT_RANGE` (0.2), `PARINDEX_UNCERTAINTY_ALTERNATIVE_
AGGREGATION` (False), `PARINDEX_UNCERTAINTY_CACHE_SECONDS` (one week).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, OuterRef, Subquery

from parindex.analysis.uncertainty import (
    UncertaintyResult,
    rank_uncertainty,
    survey_sd_from_intervals,
)
from parindex.web.campaigns.models import Campaign, NodeResult, Track, UnitResult

log = logging.getLogger(__name__)

CACHE_PREFIX = "results:uncertainty"


def options() -> dict[str, Any]:
    """The Monte Carlo settings of the web application."""
    return {
        "runs": int(getattr(settings, "PARINDEX_UNCERTAINTY_RUNS", 1000)),
        "seed": int(getattr(settings, "PARINDEX_UNCERTAINTY_SEED", 0)),
        "weight_range": float(getattr(settings, "PARINDEX_UNCERTAINTY_WEIGHT_RANGE", 0.2)),
        "alternative_aggregation": bool(
            getattr(settings, "PARINDEX_UNCERTAINTY_ALTERNATIVE_AGGREGATION", False)
        ),
    }


def results_frame(campaign: Campaign) -> pd.DataFrame:
    """The campaign's appraised results as an R.csv table (with `unit_id`): one query."""
    fields = [str(n.code) for n in campaign.framework().nodes]
    rows = list(
        UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED)
        .order_by("peer_group", "rank", "unit_code")
        .values(
            "unit_id", "unit_code", "unit_name", "peer_group", "points", "max_points",
            "index_pct", "rank", "bonus_points", "penalty_points", "fields",
        )
    )  # fmt: skip
    records = []
    for row in rows:
        values = row.pop("fields") or {}
        for code in fields:
            value = values.get(code)
            row[f"field_{code}_pct"] = float("nan") if value is None else float(value)
        row["index_pct"] = float("nan") if row["index_pct"] is None else row["index_pct"]
        records.append(row)
    columns = [
        "unit_id", "unit_code", "unit_name", "peer_group", "points", "max_points",
        "index_pct", "rank", "bonus_points", "penalty_points",
        *[f"field_{c}_pct" for c in fields],
    ]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def field_max(campaign: Campaign) -> dict[str, float]:
    return {str(n.code): float(n.max_points or 0) for n in campaign.framework().nodes}


def survey_sd(campaign: Campaign, results: pd.DataFrame) -> pd.DataFrame | None:
    """Survey uncertainty from the estimates a survey fed into the campaign, or None."""
    from parindex.web.surveys.models import CampaignSurveyEstimate

    estimates = list(
        CampaignSurveyEstimate.objects.filter(campaign=campaign).values(
            "unit_id", "element", "leaf_codes", "ci_low_pct", "ci_high_pct"
        )
    )
    if not estimates:
        return None
    leaf_field: dict[str, str] = {}
    leaf_max: dict[str, float] = {}
    for top in campaign.framework().nodes:
        for node, _depth in top.walk():
            if node.is_leaf:
                leaf_field[str(node.code)] = str(top.code)
                leaf_max[str(node.code)] = float(node.max_points or 0)
    codes = dict(zip(results["unit_id"], results["unit_code"], strict=True))
    leaves = {code for e in estimates for code in (e["leaf_codes"] or []) if code in leaf_field}
    applicable = {
        (r["unit_id"], r["node_code"]): r["max_points"]
        for r in NodeResult.objects.filter(campaign=campaign, node_code__in=leaves).values(
            "unit_id", "node_code", "max_points"
        )
    }
    rows = []
    for e in estimates:
        if e["unit_id"] not in codes:
            continue
        for leaf in e["leaf_codes"] or []:
            if leaf not in leaf_field:
                continue
            rows.append(
                {
                    "unit_code": codes[e["unit_id"]],
                    "criterion_code": leaf,
                    "ci_low_pct": e["ci_low_pct"],
                    "ci_high_pct": e["ci_high_pct"],
                    "element": e["element"],
                    "max_points": applicable.get((e["unit_id"], leaf), leaf_max[leaf]),
                }
            )
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    table = survey_sd_from_intervals(frame, leaf_field, leaf_max, source="survey estimates")
    return table if len(table) else None


def _signature(campaign: Campaign) -> tuple[Any, Any]:
    """(computed_at of the appraised results, latest survey estimate id) in one query:
    two scalar subqueries, no join between results and estimates. Results and estimates
    are replaced (deleted and created again) on every computation or feed, so a new one
    means a new time or a new id."""
    from parindex.web.surveys.models import CampaignSurveyEstimate

    # every row of a computation carries the same computed_at (one bulk_create), so any
    # row will do: LIMIT 1 on the ranking index instead of a MAX over the campaign
    computed = (
        UnitResult.objects.filter(campaign=OuterRef("pk"), track=Track.APPRAISED)
        .order_by()
        .values("computed_at")[:1]
    )
    survey = (
        CampaignSurveyEstimate.objects.filter(campaign=OuterRef("pk"))
        .order_by("-id")
        .values("id")[:1]
    )
    rows = list(
        Campaign.objects.filter(pk=campaign.pk)
        .order_by()
        .annotate(at=Subquery(computed), survey=Subquery(survey))
        .values("at", "survey")
    )
    return (rows[0]["at"], rows[0]["survey"]) if rows else (None, None)


def cache_key(campaign: Campaign) -> str | None:
    """None when the campaign has no stored results."""
    computed, survey = _signature(campaign)
    if computed is None:
        return None
    opts = options()
    return ":".join(
        [
            CACHE_PREFIX,
            str(campaign.pk),
            computed.isoformat(),
            str(survey or 0),
            str(opts["runs"]),
            str(opts["seed"]),
            repr(opts["weight_range"]),
            "alt" if opts["alternative_aggregation"] else "arith",
        ]
    )


def compute(campaign: Campaign) -> UncertaintyResult:
    """Run the Monte Carlo for the whole campaign (no cache)."""
    results = results_frame(campaign)
    opts = options()
    result = rank_uncertainty(
        results.drop(columns=["unit_id"]),
        field_max(campaign),
        survey_sd=survey_sd(campaign, results),
        runs=opts["runs"],
        weight_range=opts["weight_range"],
        alternative_aggregation=opts["alternative_aggregation"],
        seed=opts["seed"],
        source=campaign.name,
    )
    ids = dict(zip(results["unit_code"], results["unit_id"], strict=True))
    result.table.insert(0, "unit_id", result.table["unit_code"].map(ids))
    computed = UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).aggregate(
        at=Max("computed_at")
    )["at"]
    result.method.update(
        {
            "campaign_id": campaign.pk,
            "framework_id": campaign.framework_id,
            "framework_version": campaign.framework_version,
            "results_computed_at": computed.isoformat() if computed else None,
        }
    )
    return result


def campaign_uncertainty(campaign: Campaign, scope: Any = None) -> UncertaintyResult:
    """The campaign's rank uncertainty (cached per results' computed_at).

    `scope`: None for every unit, or the units whose rows to keep (a Unit queryset such as
    `access.ranking_scope` returns, or unit ids); ranks stay those within the whole peer
    group, and neighbours outside the scope are left out of `indistinguishable_from` (the
    `indistinguishable` mark stays). Raises `parindex.errors.InputError` if the stored
    results do not fit the framework snapshot.
    """
    key = cache_key(campaign)
    result = cache.get(key) if key else None
    if result is None:
        result = compute(campaign)
        if key:
            cache.set(key, result, _timeout())
    if scope is None:
        return result
    return _scoped(result, scope)


def _timeout() -> int:
    return int(getattr(settings, "PARINDEX_UNCERTAINTY_CACHE_SECONDS", 7 * 86400))


NAMED = 3  # neighbours named beside a rank; the rest are counted


def campaign_intervals(campaign: Campaign, scope: Any = None) -> dict[str, dict[str, Any]]:
    """unit_code → {low, high, median, indistinguishable, similar (the first `NAMED`
    neighbours' codes), similar_count} for the ranking rows.

    Cached itself in a compact form (a tuple per unit, the neighbours as one string), so a
    ranking page of a thousand units reads it in a millisecond instead of turning the
    result table into records on every request. Empty (and logged) if the uncertainty
    cannot be computed: the ranking must show anyway.
    """
    try:
        key = cache_key(campaign)
        compact = cache.get(f"{key}:intervals") if key else None
        if compact is None:
            compact = _compact(campaign_uncertainty(campaign))
            if key:
                cache.set(f"{key}:intervals", compact, _timeout())
    except Exception:  # the ranking must not fail because of its uncertainty
        log.exception("rank uncertainty of campaign %s failed", campaign.pk)
        return {}
    visible = None
    if scope is not None:
        visible = set(
            UnitResult.objects.filter(
                campaign=campaign, track=Track.APPRAISED, unit__in=_unit_query(scope)
            ).values_list("unit_code", flat=True)
        )
    out = {}
    for code, (low, high, median, flag, text) in compact.items():
        if visible is not None:
            if code not in visible:
                continue
            codes = [c for c in text.split(", ") if c in visible] if text else []
            count = len(codes)
        else:
            codes = text.split(", ", NAMED)[:NAMED] if text else []
            count = text.count(", ") + 1 if text else 0
        out[code] = {
            "low": low,
            "high": high,
            "median": median,
            "indistinguishable": flag,
            "similar": codes[:NAMED],
            "similar_count": count,
        }
    return out


def _compact(result: UncertaintyResult) -> dict[str, tuple]:
    table = result.table[result.table["rank"].notna()]
    return {
        str(code): (int(low), int(high), int(median), bool(flag), str(text or ""))
        for code, low, high, median, flag, text in zip(
            table["unit_code"], table["rank_p05"], table["rank_p95"], table["median_rank"],
            table["indistinguishable"], table["indistinguishable_from"], strict=True,
        )
    }  # fmt: skip


def _scoped(result: UncertaintyResult, scope: Any) -> UncertaintyResult:
    ids = _unit_ids(scope)
    table = result.table[result.table["unit_id"].isin(ids)].copy()
    visible = set(table["unit_code"])
    table["indistinguishable_from"] = [
        ", ".join(c for c in str(text).split(", ") if c in visible)
        for text in table["indistinguishable_from"]
    ]
    return UncertaintyResult(
        table.reset_index(drop=True), result.sensitivity.copy(), copy.deepcopy(result.method)
    )


def _unit_ids(scope: Any) -> set[int]:
    if hasattr(scope, "values_list"):
        return set(scope.values_list("pk", flat=True))
    return {int(getattr(item, "pk", item)) for item in scope}


def _unit_query(scope: Any) -> Any:
    """A queryset or a list of ids usable in `unit__in`."""
    return scope if hasattr(scope, "values_list") else list(_unit_ids(scope))


def rows_with_names(
    result: UncertaintyResult, names: dict[str, str] | None = None, named: int = 5
) -> Iterable[dict[str, Any]]:
    """Table rows for templates, with the first `named` neighbours' names and how many
    more there are (a tie of thirty units would otherwise fill the page)."""
    names = names or dict(zip(result.table["unit_code"], result.table["unit_name"], strict=True))
    for rec in result.table.to_dict("records"):
        similar = [c for c in str(rec["indistinguishable_from"] or "").split(", ") if c]
        rec["similar"] = [{"code": c, "name": names.get(c, c)} for c in similar[:named]]
        rec["similar_more"] = max(0, len(similar) - named)
        rec["ranked"] = not pd.isna(rec["rank"])
        yield rec
