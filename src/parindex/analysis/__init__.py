"""Analysis of results: lost points, recurring losses, strengths and weaknesses,
publication summaries, the real published data with its consistency check, rank
uncertainty (Monte Carlo) and sensitivity, what-if, remedial-plan recovery, heads'
classification rules, the annual report's content and map classes/geometry.

Pure functions on DataFrames; only `published` and the default rule set / tile grid
loaders read files, and only package data.
"""

from parindex.analysis.fmt import fmt_number
from parindex.analysis.heads import classify_heads, head_rules_from_text, load_default_head_rules
from parindex.analysis.lost_points import (
    lost_points_by_unit,
    recurring_losses,
    top_lost_criteria,
)
from parindex.analysis.profile import field_gaps, strengths_weaknesses
from parindex.analysis.published import (
    DATASETS,
    Finding,
    consistency_check,
    load_published,
    published_results,
)
from parindex.analysis.remedial import recovery
from parindex.analysis.summary import summarize, to_markdown
from parindex.analysis.uncertainty import (
    UncertaintyResult,
    rank_interval_text,
    rank_uncertainty,
    simulated_weights,
    survey_sd_from_intervals,
)
from parindex.analysis.whatif import WhatIf, field_weight_effect, what_if

__all__ = [
    "DATASETS",
    "Finding",
    "UncertaintyResult",
    "WhatIf",
    "classify_heads",
    "field_weight_effect",
    "head_rules_from_text",
    "load_default_head_rules",
    "rank_interval_text",
    "rank_uncertainty",
    "recovery",
    "simulated_weights",
    "survey_sd_from_intervals",
    "what_if",
    "consistency_check",
    "field_gaps",
    "fmt_number",
    "load_published",
    "lost_points_by_unit",
    "published_results",
    "recurring_losses",
    "strengths_weaknesses",
    "summarize",
    "to_markdown",
    "top_lost_criteria",
]
