"""Analysis of results: lost points, recurring losses, strengths and weaknesses,
publication summaries, and the real published data with its consistency check.

Pure functions on DataFrames; only `published` reads files, and only package data.
"""

from parindex.analysis.fmt import fmt_number
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
from parindex.analysis.summary import summarize, to_markdown

__all__ = [
    "DATASETS",
    "Finding",
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
