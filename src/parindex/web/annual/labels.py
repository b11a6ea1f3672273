"""Words of the annual report: section titles, table titles, column headings, reasons.

The core names everything with keys (`parindex.analysis.annual`); these are the translated
words for them, shared by the PDF and the Excel workbook so both say the same thing. Every
word has the context "annual report", so the report keeps its own terms even where another
app's catalogue translates the same English words otherwise.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

SECTIONS = {
    "summary": pgettext_lazy("annual report", "Summary figures"),
    "ranking": pgettext_lazy("annual report", "Ranking by peer group"),
    "classes": pgettext_lazy("annual report", "Groups and classes"),
    "field_leaders": pgettext_lazy("annual report", "Field indices and field leaders"),
    "averages": pgettext_lazy("annual report", "Averages by peer group and region"),
    "movers": pgettext_lazy("annual report", "Biggest movers"),
    "lost_points": pgettext_lazy("annual report", "Where points were lost"),
    "survey": pgettext_lazy("annual report", "Survey results"),
    "service_index": pgettext_lazy("annual report", "Service index (Decision 766)"),
    "remedial": pgettext_lazy("annual report", "Remedial plans"),
    "robustness": pgettext_lazy("annual report", "Robustness of the ranks"),
}

TABLES = {
    "top": pgettext_lazy("annual report", "Top units of each peer group"),
    "bottom": pgettext_lazy("annual report", "Lowest units of each peer group"),
    "ranking": pgettext_lazy("annual report", "Ranking"),
    "class_counts": pgettext_lazy("annual report", "Units per class"),
    "class_by_group": pgettext_lazy("annual report", "Classes per peer group"),
    "field_averages": pgettext_lazy("annual report", "Field indices of all units"),
    "field_leaders": pgettext_lazy("annual report", "Field leaders"),
    "peer_group_averages": pgettext_lazy("annual report", "Averages by peer group"),
    "region_averages": pgettext_lazy("annual report", "Averages by region"),
    "rank_up": pgettext_lazy("annual report", "Largest rises in rank"),
    "rank_down": pgettext_lazy("annual report", "Largest falls in rank"),
    "index_up": pgettext_lazy("annual report", "Largest rises of the index"),
    "index_down": pgettext_lazy("annual report", "Largest falls of the index"),
    "lost_by_field": pgettext_lazy("annual report", "Points lost by field"),
    "lost_criteria": pgettext_lazy("annual report", "Criteria that lost the most points"),
    "recurring_criteria": pgettext_lazy("annual report", "Criteria losing points year after year"),
    "recurring_pairs": pgettext_lazy("annual report", "Recurring losses by unit"),
    "survey_elements": pgettext_lazy("annual report", "Results by survey element"),
    # xgettext:no-python-format
    "survey_units": pgettext_lazy("annual report", "Estimates by unit with 95% intervals"),
    "service_groups": pgettext_lazy("annual report", "Service index by group"),
    "service_scores": pgettext_lazy("annual report", "Service index by unit"),
    "plan_status": pgettext_lazy("annual report", "Remedial-plan tasks by unit"),
    "rank_intervals": pgettext_lazy("annual report", "Rank intervals"),
    "sensitivity": pgettext_lazy(
        "annual report", "Sensitivity of the ranks to each uncertain choice"
    ),
    "widest_intervals": pgettext_lazy("annual report", "Least certain ranks (widest intervals)"),
}

COLUMNS = {
    "rank": pgettext_lazy("annual report", "Rank"),
    "unit_code": pgettext_lazy("annual report", "Code"),
    "unit_name": pgettext_lazy("annual report", "Unit"),
    "peer_group": pgettext_lazy("annual report", "Peer group"),
    "points": pgettext_lazy("annual report", "Points"),
    "max_points": pgettext_lazy("annual report", "Maximum points"),
    "index_pct": pgettext_lazy("annual report", "Index (%)"),
    "class": pgettext_lazy("annual report", "Class"),
    "prev_index_pct": pgettext_lazy("annual report", "Previous year (%)"),
    "index_change": pgettext_lazy("annual report", "Change (points)"),
    "prev_rank": pgettext_lazy("annual report", "Previous rank"),
    "rank_change": pgettext_lazy("annual report", "Change of rank (places)"),
    "yoy_note": pgettext_lazy("annual report", "Notes"),
    "label": pgettext_lazy("annual report", "Class"),
    "name": pgettext_lazy("annual report", "Name"),
    "min": pgettext_lazy("annual report", "From (%)"),
    "upper": pgettext_lazy("annual report", "Below (%)"),
    "count": pgettext_lazy("annual report", "Units"),
    "share_pct": pgettext_lazy("annual report", "Share (%)"),
    "unclassified": pgettext_lazy("annual report", "Unclassified"),
    "field_code": pgettext_lazy("annual report", "Field"),
    "field_name": pgettext_lazy("annual report", "Field name"),
    "average": pgettext_lazy("annual report", "Average (%)"),
    "best_value": pgettext_lazy("annual report", "Highest (%)"),
    "leaders": pgettext_lazy("annual report", "Leading units"),
    "lowest_value": pgettext_lazy("annual report", "Lowest (%)"),
    "lowest_units": pgettext_lazy("annual report", "Lowest units"),
    "average_index": pgettext_lazy("annual report", "Average index (%)"),
    "previous_average": pgettext_lazy("annual report", "Previous year (%)"),
    "change": pgettext_lazy("annual report", "Change (points)"),
    "region": pgettext_lazy("annual report", "Region"),
    "node_code": pgettext_lazy("annual report", "Code"),
    "node_name": pgettext_lazy("annual report", "Criterion"),
    "total_lost": pgettext_lazy("annual report", "Points lost"),
    "mean_lost": pgettext_lazy("annual report", "Mean per unit"),
    "units_losing": pgettext_lazy("annual report", "Units losing points"),
    "units": pgettext_lazy("annual report", "Units"),
    "share_of_max_lost": pgettext_lazy("annual report", "Share of the maximum lost (%)"),
    "longest": pgettext_lazy("annual report", "Longest run (years)"),
    "years": pgettext_lazy("annual report", "Years"),
    "streak": pgettext_lazy("annual report", "Years in a row"),
    "element_name": pgettext_lazy("annual report", "Survey element"),
    "mean_estimate": pgettext_lazy("annual report", "Mean (%)"),
    "lowest": pgettext_lazy("annual report", "Lowest (%)"),
    "highest": pgettext_lazy("annual report", "Highest (%)"),
    "mean_half_width": pgettext_lazy("annual report", "Mean margin (± points)"),
    "n": pgettext_lazy("annual report", "Respondents"),
    "total": pgettext_lazy("annual report", "Service index (points)"),
    "par_rank": pgettext_lazy("annual report", "PAR Index rank"),
    "group_name": pgettext_lazy("annual report", "Group of the index"),
    "max_score": pgettext_lazy("annual report", "Maximum points"),
    "average_score": pgettext_lazy("annual report", "Average (points)"),
    "lowest_score": pgettext_lazy("annual report", "Lowest (points)"),
    "highest_score": pgettext_lazy("annual report", "Highest (points)"),
    "tasks": pgettext_lazy("annual report", "Tasks"),
    "done": pgettext_lazy("annual report", "Done"),
    "in_progress": pgettext_lazy("annual report", "In progress"),
    "not_started": pgettext_lazy("annual report", "Not started"),
    "overdue": pgettext_lazy("annual report", "Overdue"),
    "completion_pct": pgettext_lazy("annual report", "Completion (%)"),
    "median_rank": pgettext_lazy("annual report", "Median rank"),
    "rank_p05": pgettext_lazy("annual report", "Best likely rank (5th percentile)"),
    "rank_p95": pgettext_lazy("annual report", "Worst likely rank (95th percentile)"),
    "width": pgettext_lazy("annual report", "Width (places)"),
    "similar": pgettext_lazy("annual report", "Cannot be told apart from"),
    "kind": pgettext_lazy("annual report", "Uncertain choice"),
    "index": pgettext_lazy("annual report", "Sensitivity index (first order)"),
}

CHOICES = {
    "weight": pgettext_lazy("annual report", "Weight of field %(code)s"),
    "survey": pgettext_lazy("annual report", "Survey estimates"),
    "aggregation": pgettext_lazy("annual report", "Aggregation (arithmetic or geometric mean)"),
}

METHOD = {
    "runs": pgettext_lazy("annual report", "Runs"),
    "weight_range": pgettext_lazy("annual report", "Weights of the fields varied by up to (±%)"),
    "survey": pgettext_lazy("annual report", "Survey estimates drawn within their intervals"),
    "alternative_aggregation": pgettext_lazy(
        "annual report", "Geometric mean as an alternative aggregation"
    ),
    "seed": pgettext_lazy("annual report", "Random seed"),
    "method_version": pgettext_lazy("annual report", "Method version"),
}

LIKELY_RANK = pgettext_lazy("annual report", "Likely rank (5–95%)")

# Suffixes of data-defined columns (survey elements: <element>_est / _low / _high).
INTERVAL_PARTS = {
    "low": pgettext_lazy("annual report", "%(name)s: 95%% interval from"),
    "high": pgettext_lazy("annual report", "%(name)s: 95%% interval to"),
}

FIGURES = {
    "count": pgettext_lazy("annual report", "Units evaluated"),
    "count_with_index": pgettext_lazy("annual report", "Units with an index"),
    "peer_groups": pgettext_lazy("annual report", "Peer groups"),
    "average_index": pgettext_lazy("annual report", "Average index (%)"),
    "median_index": pgettext_lazy("annual report", "Median index (%)"),
    "previous_average": pgettext_lazy("annual report", "Previous year's average (%)"),
    "average_change": pgettext_lazy("annual report", "Change of the average (points)"),
    "above_average": pgettext_lazy("annual report", "Units above the average"),
    "highest": pgettext_lazy("annual report", "Highest index (%)"),
    "lowest": pgettext_lazy("annual report", "Lowest index (%)"),
    "compared": pgettext_lazy("annual report", "Units compared with the previous year"),
    "up": pgettext_lazy("annual report", "Units with a higher index"),
    "down": pgettext_lazy("annual report", "Units with a lower index"),
    "unchanged": pgettext_lazy("annual report", "Units with the same index"),
    "without_previous": pgettext_lazy("annual report", "Units without a previous value"),
    "largest_rise": pgettext_lazy("annual report", "Largest rise (points)"),
    "largest_fall": pgettext_lazy("annual report", "Largest fall (points)"),
    "groups": pgettext_lazy("annual report", "Peer groups"),
    "bands": pgettext_lazy("annual report", "Classes"),
    "classified": pgettext_lazy("annual report", "Units with a class"),
    "unclassified": pgettext_lazy("annual report", "Units without a class"),
    "has_regions": pgettext_lazy("annual report", "Regions recorded"),
    "has_previous": pgettext_lazy("annual report", "Previous year available"),
    "units": pgettext_lazy("annual report", "Units"),
    "total_lost": pgettext_lazy("annual report", "Points lost in total"),
    "mean_lost_per_unit": pgettext_lazy("annual report", "Points lost per unit"),
    "recurring_years": pgettext_lazy("annual report", "Years compared for recurring losses"),
    "recurring_pairs": pgettext_lazy("annual report", "Recurring unit–criterion losses"),
    "recurring_units": pgettext_lazy("annual report", "Units with recurring losses"),
    "elements": pgettext_lazy("annual report", "Survey elements"),
    "respondents": pgettext_lazy("annual report", "Respondents"),
    "average_total": pgettext_lazy("annual report", "Average service index (points)"),
    "correlation": pgettext_lazy("annual report", "Correlation with the PAR Index"),
    "tasks": pgettext_lazy("annual report", "Tasks"),
    "done": pgettext_lazy("annual report", "Done"),
    "in_progress": pgettext_lazy("annual report", "In progress"),
    "not_started": pgettext_lazy("annual report", "Not started"),
    "overdue": pgettext_lazy("annual report", "Overdue"),
    "completion_pct": pgettext_lazy("annual report", "Completion (%)"),
    "units_with_overdue": pgettext_lazy("annual report", "Units with overdue tasks"),
    "mean_width": pgettext_lazy("annual report", "Mean width of the rank interval (places)"),
    "widest": pgettext_lazy("annual report", "Widest rank interval (places)"),
    "firm": pgettext_lazy("annual report", "Units with the same rank in every run"),
    "indistinguishable": pgettext_lazy(
        "annual report", "Units whose rank cannot be told apart from a neighbour's"
    ),
    "method": pgettext_lazy("annual report", "Method"),
}

REASONS = {
    "no_detail": pgettext_lazy(
        "annual report", "No points per criterion are stored for this campaign."
    ),
    "no_fields": pgettext_lazy("annual report", "The campaign's framework has no fields."),
    "no_previous": pgettext_lazy("annual report", "There is no previous year to compare with."),
    "no_survey": pgettext_lazy("annual report", "No survey estimates were fed into this campaign."),
    "no_service_index": pgettext_lazy(
        "annual report", "There are no dossier data of the campaign's units for its year."
    ),
    "no_plans": pgettext_lazy(
        "annual report", "No remedial plan has tasks for the units of this campaign yet."
    ),
    "no_uncertainty": pgettext_lazy(
        "annual report", "No uncertainty analysis of the ranks has been run for this campaign."
    ),
    "not_installed": pgettext_lazy(
        "annual report", "This part is not available on this server yet."
    ),
    "uncertainty_failed": pgettext_lazy(
        "annual report", "The uncertainty analysis could not be run on these results."
    ),
    "internal": pgettext_lazy(
        "annual report", "This part is shown only to users with a role on the whole campaign."
    ),
}


def column_label(key: str, labels: dict[str, str]) -> str:
    """The heading of a column: data-defined labels first (fields, classes, elements)."""
    if key.startswith("field_") and key.endswith("_pct") and key in labels:
        return str(pgettext_lazy("annual report", "Field %(code)s (%%)") % {"code": labels[key]})
    if key.startswith("class_") and key in labels:
        return labels[key]
    if key.startswith("group_") and key in labels:
        return labels[key]
    for part, text in INTERVAL_PARTS.items():
        base = key[: -len(part) - 1] + "_est"
        if key.endswith("_" + part) and base in labels:
            return str(text % {"name": labels[base]})
    if key.endswith("_est") and key in labels:
        return str(pgettext_lazy("annual report", "%(name)s (%%)") % {"name": labels[key]})
    return str(COLUMNS.get(key, key))
