"""Gathering a campaign's data from the database for the annual report, then the core.

Everything the report computes is computed by `parindex.analysis.annual.build_annual_report`
from DataFrames built here: the results snapshot (`UnitResult`, with each unit's region),
the points per criterion (`NodeResult`), last year's results, the detail of earlier years
(recurring losses), the survey estimates fed into the campaign
(`parindex.web.surveys.models.CampaignSurveyEstimate`), the service index of the campaign's
year from the dossier data (`parindex.web.dossiers.services.dashboard_scores`), and — from
the apps that provide them — the state of remedial plans and the rank intervals of the
uncertainty analysis. Earlier years are read as the results pages read them: every year
with results for the administration's edition, published years only for the others.

Those two come from other apps through published contracts, looked up when the report is
built (`_provider`): a missing module or function leaves the section in the report with the
reason "not available on this server", while an error inside an existing module is not
hidden.

Query budget (1,000 units × 100 criteria): one query for the results, one for the regions,
one for the criteria, one for last year's results, one per earlier year for its losses,
one for the survey estimates, plus what the dossier store and the two providers need.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from parindex.analysis.annual import AnnualReport, build_annual_report
from parindex.analysis.lost_points import EPS
from parindex.errors import InputError
from parindex.web.campaigns.models import Campaign, NodeResult, Track, UnitResult
from parindex.web.results.queries import (
    PUBLIC_STATUSES,
    RESULT_STATUSES,
    campaign_chain,
    campaign_fields,
)
from parindex.web.units.models import Unit

HISTORY_YEARS = 3
ON_TIME_METRIC = "dossier_on_time"  # 2.1: dossiers received or processed in the period  # earlier years read for recurring losses
REMEDIAL = ("parindex.web.remedial.services", "plan_status")
UNCERTAINTY = ("parindex.web.results.uncertainty", "campaign_uncertainty")
PLAN_COLUMNS = [
    "unit_code",
    "unit_name",
    "tasks",
    "done",
    "in_progress",
    "not_started",
    "overdue",
    "completion",
]


@dataclass
class Edition:
    """What a reader may see: `internal` adds the parts that are work in progress of the
    administration (the state of remedial plans) and is for roles on the whole campaign."""

    internal: bool


def _provider(module: str, name: str) -> Callable[..., Any] | None:
    """`module.name` when that module exists and defines it; None otherwise. Errors raised
    while importing an existing module propagate (they are bugs, not absence)."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a parent package is missing
        return None
    if spec is None:
        return None
    return getattr(importlib.import_module(module), name, None)


def has_results(campaign: Campaign) -> bool:
    """Finalised or published, with stored appraised results: a report can be made."""
    return (
        campaign.has_results
        and UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).exists()
    )


# --- frames from the results snapshot ---------------------------------------------------------


def results_frame(campaign: Campaign) -> pd.DataFrame:
    """The appraised results in the R.csv shape (field indices as field_<code>_pct, the
    class as `class`, the unit's region), one query plus one for the regions."""
    fields = [f.code for f in campaign_fields(campaign)]
    rows = list(
        UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).values(
            "unit_id", "unit_code", "unit_name", "peer_group", "points", "max_points",
            "index_pct", "rank", "class_label", "fields", "bonus_points", "penalty_points",
            "prev_index_pct", "index_change", "prev_rank", "rank_change", "yoy_note",
            "framework_id", "framework_version",
        )
    )  # fmt: skip
    regions = dict(
        Unit.objects.filter(pk__in={r["unit_id"] for r in rows}).values_list("pk", "region")
    )
    records = []
    for row in rows:
        values = row.pop("fields") or {}
        row["class"] = row.pop("class_label")
        row["region"] = regions.get(row.pop("unit_id")) or ""
        for code in fields:
            row[f"field_{code}_pct"] = values.get(code)
        records.append(row)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return frame
    if campaign.previous_id is None:
        frame = frame.drop(
            columns=["prev_index_pct", "index_change", "prev_rank", "rank_change", "yoy_note"]
        )
    return frame


def detail_frame(campaign: Campaign, codes: dict[int, str] | None = None) -> pd.DataFrame:
    """The points per node (D.csv shape), unit codes as in the results snapshot."""
    if codes is None:
        codes = dict(
            UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).values_list(
                "unit_id", "unit_code"
            )
        )
    columns = ["unit_id", "node_code", "node_name", "parent_code", "depth", "is_leaf",
               "points", "max_points", "lost_points", "applicable"]  # fmt: skip
    rows = NodeResult.objects.filter(campaign=campaign).order_by("id").values_list(*columns)
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    frame.insert(0, "unit_code", frame.pop("unit_id").map(codes))
    return frame[frame["unit_code"].notna()].reset_index(drop=True)


def previous_frame(
    campaign: Campaign, statuses: tuple[str, ...] = RESULT_STATUSES
) -> pd.DataFrame | None:
    """Last year's appraised results (for last year's average), if its status is one of
    `statuses`."""
    previous = campaign.previous
    if previous is None or previous.status not in statuses:
        return None
    rows = UnitResult.objects.filter(campaign=previous, track=Track.APPRAISED).values(
        "unit_code", "unit_name", "index_pct", "rank"
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["unit_code", "unit_name", "index_pct", "rank"]
    )
    return None if frame.empty else frame


def history_frames(
    campaign: Campaign,
    statuses: tuple[str, ...] = RESULT_STATUSES,
    years: int = HISTORY_YEARS,
) -> dict[int, pd.DataFrame]:
    """year → the leaves with a loss in each earlier campaign whose status is one of
    `statuses` (through `previous`), for recurring losses; units matched on their code."""
    out: dict[int, pd.DataFrame] = {}
    columns = ["unit_code", "node_code", "node_name", "is_leaf", "lost_points"]
    for earlier in campaign_chain(campaign, statuses)[:years]:
        if earlier.year in out or earlier.year == campaign.year:
            continue
        codes = dict(
            UnitResult.objects.filter(campaign=earlier, track=Track.APPRAISED).values_list(
                "unit_id", "unit_code"
            )
        )
        rows = NodeResult.objects.filter(
            campaign=earlier, is_leaf=True, lost_points__gt=EPS
        ).values_list("unit_id", *columns[1:])
        frame = pd.DataFrame.from_records(list(rows), columns=["unit_id", *columns[1:]])
        frame.insert(0, "unit_code", frame.pop("unit_id").map(codes))
        out[earlier.year] = frame[frame["unit_code"].notna()].reset_index(drop=True)
    return out


# --- other apps -------------------------------------------------------------------------------


def survey_frame(campaign: Campaign) -> pd.DataFrame | None:
    """The survey estimates fed into the campaign (one row per unit and element)."""
    from parindex.web.surveys.models import CampaignSurveyEstimate

    rows = (
        CampaignSurveyEstimate.objects.filter(campaign=campaign)
        .order_by("id")
        .values(
            "unit__code",
            "element",
            "element_name",
            "estimate_pct",
            "ci_low_pct",
            "ci_high_pct",
            "n",
        )
    )
    frame = pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return None
    return frame.rename(columns={"unit__code": "unit_code"})


@dataclass
class ServiceIndex:
    scores: pd.DataFrame | None  # unit_code, unit_name, total, group_<code>...
    group_names: dict[str, str]
    group_max: dict[str, float]


def service_frame(campaign: Campaign, unit_codes: set[str]) -> ServiceIndex:
    """The service index (Decision 766) of the campaign's year for its units that had
    dossiers that year (received or processed: metric 2.1 has a denominator), from the
    dossier data (`dashboard_scores`: the database or the Parquet store, cached)."""
    from parindex.dossiers import Period, load_default_catalogue
    from parindex.web.dossiers import services

    catalogue = load_default_catalogue()
    names = {g.code: g.name_vi for g in catalogue.groups}
    maxima = {g.code: float(g.max) for g in catalogue.groups}
    empty = ServiceIndex(None, names, maxima)
    if not unit_codes:
        return empty
    scores = services.dashboard_scores(campaign.root_unit, Period(campaign.year))
    scores = scores[scores["unit_code"].isin(unit_codes)]
    handled = scores[(scores["item"] == ON_TIME_METRIC) & (scores["denominator"].fillna(0) > 0)]
    scores = scores[scores["unit_code"].isin(set(handled["unit_code"]))]
    scores = scores[scores["item_kind"] != "metric"]
    if scores.empty:
        return empty
    totals = scores[scores["item_kind"] == "total"].set_index("unit_code")
    frame = pd.DataFrame({"unit_code": totals.index.astype(str)})
    frame["unit_name"] = totals["unit_name"].to_numpy()
    frame["total"] = totals["score"].to_numpy(dtype=float)
    groups = scores[scores["item_kind"] == "group"]
    for group in catalogue.groups:
        values = groups[groups["item"] == group.code].set_index("unit_code")["score"]
        frame[f"group_{group.code}"] = frame["unit_code"].map(values).astype(float)
    return ServiceIndex(frame, names, maxima)


def plan_frame(campaign: Campaign, edition: Edition) -> tuple[pd.DataFrame | None, str]:
    """Remedial-plan status per owner unit (`plan_status` of the remedial app)."""
    if not edition.internal:
        return None, "internal"
    plan_status = _provider(*REMEDIAL)
    if plan_status is None:
        return None, "not_installed"
    rows = list(plan_status(campaign))
    return pd.DataFrame.from_records(rows, columns=PLAN_COLUMNS) if rows else pd.DataFrame(), ""


@dataclass
class Intervals:
    table: pd.DataFrame | None
    method: dict[str, Any]
    sensitivity: pd.DataFrame | None
    reason: str = ""


def interval_frame(campaign: Campaign) -> Intervals:
    """Rank intervals of the uncertainty analysis (`campaign_uncertainty`, cached there);
    results that do not fit the framework (its documented `InputError`) leave the section
    with a reason instead of failing the whole report."""
    uncertainty = _provider(*UNCERTAINTY)
    if uncertainty is None:
        return Intervals(None, {}, None, "not_installed")
    try:
        result = uncertainty(campaign)
    except InputError:
        return Intervals(None, {}, None, "uncertainty_failed")
    if result is None:
        return Intervals(None, {}, None, "no_uncertainty")
    method = dict(getattr(result, "method", None) or {})
    return Intervals(result.table, method, getattr(result, "sensitivity", None))


# --- the report -------------------------------------------------------------------------------


def framework_parts(campaign: Campaign) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The framework's fields (code, name, max_points) and classification bands."""
    fields = [
        {"code": f.code, "name": f.name, "max_points": f.max_points}
        for f in campaign_fields(campaign)
    ]
    bands = [
        {"label": b.label, "name": b.name or "", "min": b.min, "inclusive": b.inclusive}
        for b in campaign.framework().classification or []
    ]
    return fields, bands


def build_report(campaign: Campaign, edition: Edition) -> AnnualReport:
    """The annual report of a campaign with results (see the module docstring)."""
    results = results_frame(campaign)
    fields, bands = framework_parts(campaign)
    codes = dict(
        UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).values_list(
            "unit_id", "unit_code"
        )
    )
    detail = detail_frame(campaign, codes)
    names = dict(zip(results["unit_code"], results["unit_name"], strict=True))
    detail["unit_name"] = detail["unit_code"].map(names)
    service = service_frame(campaign, set(results["unit_code"]))
    plans, plans_reason = plan_frame(campaign, edition)
    intervals = interval_frame(campaign)
    # Earlier years: every year with results for the administration; for everyone else
    # only published ones, as on the public results pages.
    statuses = RESULT_STATUSES if edition.internal else PUBLIC_STATUSES
    return build_annual_report(
        results,
        detail,
        previous_frame(campaign, statuses),
        year=campaign.year,
        fields=fields,
        bands=bands,
        history=history_frames(campaign, statuses),
        survey=survey_frame(campaign),
        service_index=service.scores,
        service_groups=service.group_names,
        service_group_max=service.group_max,
        plans=plans,
        plans_reason=plans_reason,
        rank_intervals=intervals.table,
        rank_method=intervals.method,
        rank_sensitivity=intervals.sensitivity,
        intervals_reason=intervals.reason,
    )
