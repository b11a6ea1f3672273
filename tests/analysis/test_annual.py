"""The annual report's content on small hand-made tables; every expected figure worked by hand.

Results (index, rank in peer group, class, fields 1 and 2, previous index → change, region):

S  A 92 1 A  95 89  90 → +2  rank 2→1 (+1)  North
S  B 88 2 B  80 96  91 → −3  rank 1→2 (−1)  North
S  C 88 2 B  95 86  85 → +3  rank 3→2 (+1)  South
S  D 70 4 C  60 80  70 →  0  rank 4→4 ( 0)  South
X  E 75 1 C  75 75  new                     South
X  F 65 2 D  70 60  80 → −15 rank 1→2 (−1)  North

Last year's table also has G (60, gone this year): last year's average = 476 / 6.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parindex.analysis.annual import SECTION_KEYS, build_annual_report
from parindex.errors import InputError

BANDS = [
    {"label": "A+", "min": 95, "name": "Xuất sắc"},
    {"label": "A", "min": 90},
    {"label": "B", "min": 80},
    {"label": "C", "min": 70},
    {"label": "D", "min": 0},
]
FIELDS = [
    {"code": "1", "name": "Chỉ đạo, điều hành", "max_points": 10},
    {"code": "2", "name": "Thủ tục hành chính", "max_points": 10},
]


@pytest.fixture
def results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": list("ABCDEF"),
            "unit_name": [f"Unit {c}" for c in "ABCDEF"],
            "peer_group": ["S"] * 4 + ["X"] * 2,
            "points": [18.4, 17.6, 17.6, 14.0, 15.0, 13.0],
            "max_points": 20.0,
            "index_pct": [92.0, 88.0, 88.0, 70.0, 75.0, 65.0],
            "rank": [1, 2, 2, 4, 1, 2],
            "class": ["A", "B", "B", "C", "C", "D"],
            "field_1_pct": [95.0, 80.0, 95.0, 60.0, 75.0, 70.0],
            "field_2_pct": [89.0, 96.0, 86.0, 80.0, 75.0, 60.0],
            "prev_index_pct": [90.0, 91.0, 85.0, 70.0, np.nan, 80.0],
            "index_change": [2.0, -3.0, 3.0, 0.0, np.nan, -15.0],
            "prev_rank": [2, 1, 3, 4, np.nan, 1],
            "rank_change": [1, -1, 1, 0, np.nan, -1],
            "yoy_note": ["", "", "", "", "new", ""],
            "region": ["North", "North", "South", "South", "South", "North"],
        }
    )


@pytest.fixture
def previous() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": list("ABCDFG"),
            "index_pct": [90.0, 91.0, 85.0, 70.0, 80.0, 60.0],
            "rank": [2, 1, 3, 4, 1, 5],
        }
    )


def _detail(points: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    """D.csv rows for fields 1 (leaves 1.1 of 6, 1.2 of 4) and 2 (2.1 of 6, 2.2 of 4)."""
    maxima = (6.0, 4.0, 6.0, 4.0)
    leaves = ("1.1", "1.2", "2.1", "2.2")
    rows = []
    for unit, values in points.items():
        for field, pair in (("1", (0, 1)), ("2", (2, 3))):
            got = sum(values[i] for i in pair)
            top = sum(maxima[i] for i in pair)
            rows.append((unit, field, f"Lĩnh vực {field}", "", 0, False, got, top))
            for i in pair:
                rows.append((unit, leaves[i], f"Tiêu chí {leaves[i]}", field, 1, True,
                             values[i], maxima[i]))  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=["unit_code", "node_code", "node_name", "parent_code", "depth", "is_leaf",
                 "points", "max_points"],
    )  # fmt: skip
    frame["lost_points"] = frame["max_points"] - frame["points"]
    frame["unit_name"] = "Unit " + frame["unit_code"]
    return frame


@pytest.fixture
def detail() -> pd.DataFrame:
    # A loses 1 on 1.1 and 2 on 2.2; B loses 3 on 1.1 and 1 on 2.2
    return _detail({"A": (5, 4, 6, 2), "B": (3, 4, 6, 3)})


@pytest.fixture
def history() -> dict[int, pd.DataFrame]:
    return {
        2024: _detail({"A": (5, 4, 5, 4), "B": (6, 4, 6, 2)}),  # A: 1.1, 2.1; B: 2.2 (2)
        2023: _detail({"A": (6, 4, 5, 4), "B": (6, 4, 6, 3)}),  # A: 2.1; B: 2.2 (1)
    }


def report(results, previous=None, **kwargs):
    kwargs.setdefault("bands", BANDS)
    kwargs.setdefault("fields", FIELDS)
    return build_annual_report(results, kwargs.pop("detail", None), previous, year=2025, **kwargs)


def codes(table) -> list[str]:
    return [row["unit_code"] for row in table.rows]


# --- summary --------------------------------------------------------------------------------


def test_every_section_in_publication_order(results, previous):
    r = report(results, previous)
    assert [s.key for s in r.sections] == list(SECTION_KEYS)
    assert r.year == 2025 and r.has_previous
    assert [f["code"] for f in r.fields] == ["1", "2"]
    assert [b["label"] for b in r.bands] == ["A+", "A", "B", "C", "D"]


def test_summary_figures(results, previous):
    f = report(results, previous).section("summary").figures
    assert f["count"] == 6 and f["peer_groups"] == 2
    assert f["average_index"] == pytest.approx(478 / 6)  # 79.67
    assert f["median_index"] == pytest.approx((75 + 88) / 2)
    assert f["previous_average"] == pytest.approx(476 / 6)  # last year's units, G included
    assert f["average_change"] == pytest.approx(2 / 6)
    assert f["above_average"] == 3  # 92, 88, 88
    assert (f["up"], f["down"], f["unchanged"], f["without_previous"]) == (2, 2, 1, 1)
    assert f["largest_rise"] == {"value": pytest.approx(3.0), "units": ["Unit C"]}
    assert f["largest_fall"] == {"value": pytest.approx(-15.0), "units": ["Unit F"]}
    assert f["highest"] == {"value": 92.0, "units": ["Unit A"]}
    assert f["lowest"] == {"value": 65.0, "units": ["Unit F"]}


def test_top_and_bottom_per_peer_group_without_repeating_units(results, previous):
    s = report(results, previous, top_n=2).section("summary")
    # S: ranks 1, 2, 2 (the tie at the cut is kept); X: both units
    assert codes(s.table("top")) == ["A", "B", "C", "E", "F"]
    # bottom of S: D and the tied B, C — but B, C are already in the top
    assert codes(s.table("bottom")) == ["D"]
    e = next(row for row in s.table("top").rows if row["unit_code"] == "E")
    assert e["yoy_note"] == "new" and e["rank_change"] is None


# --- ranking, classes, fields -------------------------------------------------------------------


def test_ranking_per_peer_group_ties_by_name(results, previous):
    tables = report(results, previous).section("ranking").tables
    assert [(t.group, codes(t)) for t in tables] == [("S", list("ABCD")), ("X", list("EF"))]
    s = tables[0]
    assert [row["rank"] for row in s.rows] == [1, 2, 2, 4]
    assert [row["rank_change"] for row in s.rows] == [1, -1, 1, 0]
    assert s.rows[0]["field_1_pct"] == 95.0 and s.rows[1]["field_2_pct"] == 96.0
    assert s.labels == {"field_1_pct": "1", "field_2_pct": "2"}
    assert "rank_p05" not in s.columns  # no uncertainty analysis given


def test_classes_follow_the_framework_bands_including_empty_ones(results, previous):
    c = report(results, previous).section("classes")
    counts = c.table("class_counts").rows
    assert [row["label"] for row in counts] == ["A+", "A", "B", "C", "D"]
    assert [row["count"] for row in counts] == [0, 1, 2, 2, 1]
    assert counts[2]["share_pct"] == pytest.approx(200 / 6)
    assert [row["upper"] for row in counts] == [None, 95, 90, 80, 70]
    assert counts[0]["name"] == "Xuất sắc"
    by_group = {row["peer_group"]: row for row in c.table("class_by_group").rows}
    assert [by_group["S"][f"class_{i}"] for i in range(5)] == [0, 1, 2, 1, 0]
    assert [by_group["X"][f"class_{i}"] for i in range(5)] == [0, 0, 0, 1, 1]
    assert c.figures == {"bands": 5, "classified": 6, "unclassified": 0}


def test_units_below_every_band_are_counted_apart(results):
    bands = [{"label": "Tốt", "min": 80}, {"label": "Khá", "min": 70}]
    frame = results.assign(**{"class": ["Tốt", "Tốt", "Tốt", "Khá", "Khá", ""]})
    c = report(frame, bands=bands).section("classes")
    assert [row["count"] for row in c.table("class_counts").rows] == [3, 2]
    assert c.figures["unclassified"] == 1
    x = next(row for row in c.table("class_by_group").rows if row["peer_group"] == "X")
    assert (x["class_0"], x["class_1"], x["unclassified"]) == (0, 1, 1)


def test_field_leaders_per_peer_group_with_ties(results, previous):
    s = report(results, previous).section("field_leaders")
    overall = s.table("field_averages").rows
    assert overall[0]["average"] == pytest.approx(475 / 6)
    assert (overall[0]["best_value"], overall[0]["lowest_value"]) == (95.0, 60.0)
    group_s = s.table("field_leaders", "S").rows
    assert group_s[0]["average"] == pytest.approx((95 + 80 + 95 + 60) / 4)
    assert group_s[0]["leaders"] == ["Unit A", "Unit C"]  # tied at 95
    assert group_s[0]["lowest_units"] == ["Unit D"]
    assert group_s[1]["leaders"] == ["Unit B"] and group_s[1]["best_value"] == 96.0
    group_x = s.table("field_leaders", "X").rows
    assert group_x[1]["average"] == pytest.approx(67.5)
    assert (group_x[1]["leaders"], group_x[1]["lowest_units"]) == (["Unit E"], ["Unit F"])


def test_peer_group_and_regional_averages_with_change(results, previous):
    a = report(results, previous).section("averages")
    groups = {row["peer_group"]: row for row in a.table("peer_group_averages").rows}
    assert groups["S"]["average_index"] == pytest.approx(84.5)
    assert groups["S"]["previous_average"] == pytest.approx(84.0)  # (90+91+85+70)/4
    assert groups["S"]["change"] == pytest.approx(0.5)
    # X: E is new, so last year's average is F's alone
    assert (groups["X"]["average_index"], groups["X"]["previous_average"]) == (70.0, 80.0)
    regions = {row["region"]: row for row in a.table("region_averages").rows}
    assert regions["North"]["average_index"] == pytest.approx(245 / 3)
    assert regions["North"]["change"] == pytest.approx(245 / 3 - 87)
    assert regions["South"]["previous_average"] == pytest.approx(77.5)  # C, D only
    assert [row["region"] for row in a.table("region_averages").rows] == ["North", "South"]


def test_biggest_movers_keep_ties(results, previous):
    m = report(results, previous, movers_n=1).section("movers")
    assert codes(m.table("rank_up")) == ["A", "C"]  # both +1
    assert codes(m.table("rank_down")) == ["B", "F"]  # both −1
    assert codes(m.table("index_up")) == ["C"]  # +3
    assert codes(m.table("index_down")) == ["F"]  # −15
    assert m.table("index_down").rows[0]["prev_index_pct"] == 80.0


def test_without_a_previous_year(results):
    current = results.drop(
        columns=["prev_index_pct", "index_change", "prev_rank", "rank_change", "yoy_note"]
    )
    r = report(current)
    assert not r.has_previous
    movers = r.section("movers")
    assert (movers.available, movers.reason) == (False, "no_previous")
    summary = r.section("summary").figures
    assert summary["previous_average"] is None and "up" not in summary
    assert "index_change" not in r.section("ranking").tables[0].columns


def test_changes_computed_from_last_year_when_the_results_lack_them(results, previous):
    current = results.drop(
        columns=["prev_index_pct", "index_change", "prev_rank", "rank_change", "yoy_note"]
    )
    r = report(current, previous)
    assert r.has_previous
    f = r.section("summary").figures
    assert (f["up"], f["down"], f["unchanged"], f["without_previous"]) == (2, 2, 1, 1)
    s = r.section("ranking").tables[0]
    assert [row["rank_change"] for row in s.rows] == [1, -1, 1, 0]  # as in the table above
    assert codes(r.section("movers").table("index_down"))[:1] == ["F"]


# --- lost points --------------------------------------------------------------------------------


def test_points_lost_by_field_and_criterion(results, detail):
    s = report(results, detail=detail, lost_n=2).section("lost_points")
    by_field = s.table("lost_by_field").rows
    assert [(row["node_code"], row["total_lost"]) for row in by_field] == [("1", 4), ("2", 3)]
    assert by_field[0]["share_of_max_lost"] == pytest.approx(20.0)  # 4 of 2 × 10
    top = s.table("lost_criteria").rows
    assert [row["node_code"] for row in top] == ["1.1", "2.2"]
    assert (top[0]["total_lost"], top[0]["mean_lost"], top[0]["units_losing"]) == (4, 2, 2)
    assert top[0]["share_of_max_lost"] == pytest.approx(4 / 12 * 100)
    assert top[1]["share_of_max_lost"] == pytest.approx(3 / 8 * 100)
    assert s.figures["total_lost"] == 7 and s.figures["mean_lost_per_unit"] == 3.5
    assert s.figures["recurring_years"] is None  # no earlier year given
    assert s.table("recurring_pairs") is None


def test_recurring_losses_up_to_this_year(results, detail, history):
    s = report(results, detail=detail, history=history).section("lost_points")
    pairs = s.table("recurring_pairs").rows
    # B 2.2 in 2023, 2024, 2025; A 1.1 in 2024, 2025; A 2.1 (2023, 2024) stopped: left out
    assert [(r["unit_code"], r["node_code"]) for r in pairs] == [("B", "2.2"), ("A", "1.1")]
    assert (pairs[0]["years"], pairs[0]["streak"], pairs[0]["total_lost"]) == (
        "2023, 2024, 2025",
        3,
        4,
    )
    assert pairs[0]["unit_name"] == "Unit B"
    criteria = s.table("recurring_criteria").rows
    assert [(r["node_code"], r["units"], r["longest"]) for r in criteria] == [
        ("2.2", 1, 3),
        ("1.1", 1, 2),
    ]
    assert s.figures["recurring_years"] == "2023–2025"
    assert (s.figures["recurring_pairs"], s.figures["recurring_units"]) == (2, 2)


# --- survey, service index, plans, robustness -------------------------------------------------


def test_survey_estimates_with_intervals(results):
    survey = pd.DataFrame(
        {
            "unit_code": ["A", "B", "A"],
            "element": ["E1", "E1", "E2"],
            "element_name": ["Tiếp cận dịch vụ", "Tiếp cận dịch vụ", "Thủ tục"],
            "estimate_pct": [80.0, 70.0, 60.0],
            "ci_low_pct": [76.0, 64.0, 50.0],
            "ci_high_pct": [84.0, 76.0, 70.0],
            "n": [100, 90, 100],
        }
    )
    s = report(results, survey=survey).section("survey")
    elements = s.table("survey_elements").rows
    assert [(e["element_name"], e["units"]) for e in elements] == [
        ("Tiếp cận dịch vụ", 2),
        ("Thủ tục", 1),
    ]
    assert (elements[0]["mean_estimate"], elements[0]["lowest"], elements[0]["highest"]) == (
        75.0, 70.0, 80.0
    )  # fmt: skip
    assert elements[0]["mean_half_width"] == pytest.approx(5.0)  # (4 + 6) / 2
    units = s.table("survey_units")
    a, b = units.rows
    assert (a["unit_code"], a["e0_est"], a["e0_low"], a["e0_high"], a["e1_est"]) == (
        "A", 80.0, 76.0, 84.0, 60.0
    )  # fmt: skip
    assert (b["unit_name"], b["e0_est"], b["e1_est"], b["n"]) == ("Unit B", 70.0, None, 90)
    assert units.labels["e1_est"] == "Thủ tục"
    assert s.figures == {"units": 2, "elements": 2, "respondents": 190}
    with pytest.raises(InputError):
        report(results, survey=survey.drop(columns="estimate_pct"))


def test_service_index_ranked_among_the_campaign_units(results):
    scores = pd.DataFrame(
        {
            "unit_code": ["A", "B", "Z"],
            "unit_name": ["", "Unit B", "Unit Z"],
            "total": [85.0, 90.0, 70.0],
            "group_progress": [16.0, 18.0, 14.0],
            "group_satisfaction": [12.0, 15.0, 9.0],
        }
    )
    s = report(
        results, service_index=scores, service_groups={"progress": "Tiến độ"},
        service_group_max={"progress": 20, "satisfaction": 18},
    ).section("service_index")  # fmt: skip
    rows = s.table("service_scores").rows
    assert [(r["unit_code"], r["rank"]) for r in rows] == [("B", 1), ("A", 2), ("Z", 3)]
    assert rows[1]["unit_name"] == "Unit A"  # name from the results when the scores lack it
    assert (rows[1]["index_pct"], rows[1]["par_rank"]) == (92.0, 1)
    assert rows[2]["index_pct"] is None
    groups = s.table("service_groups").rows
    assert groups[0]["group_name"] == "Tiến độ" and groups[0]["average_score"] == 16.0
    assert (groups[1]["lowest_score"], groups[1]["highest_score"], groups[1]["max_score"]) == (
        9.0, 15.0, 18.0
    )  # fmt: skip
    assert s.figures["average_total"] == pytest.approx(245 / 3)
    assert s.figures["highest"] == {"value": 90.0, "units": ["Unit B"]}
    assert s.figures["correlation"] is None  # two units with both indices: too few
    # C added: totals 85, 90, 80 against indices 92, 88, 88 → covariance 0
    more = pd.concat([scores, pd.DataFrame([{"unit_code": "C", "total": 80.0}])])
    corr = report(results, service_index=more).section("service_index").figures["correlation"]
    assert corr == pytest.approx(0.0, abs=1e-12)


def test_remedial_plan_status(results):
    plans = pd.DataFrame(
        {
            "unit_code": ["B", "A"],
            "unit_name": ["Unit B", "Unit A"],
            "tasks": [2, 4],
            "done": [2, 1],
            "in_progress": [0, 2],
            "not_started": [0, 0],
            "overdue": [0, 1],
            "completion": [1.0, 0.25],
        }
    )
    s = report(results, plans=plans).section("remedial")
    rows = s.table("plan_status").rows
    assert codes(s.table("plan_status")) == ["A", "B"]  # overdue tasks first
    assert (rows[0]["completion_pct"], rows[1]["completion_pct"]) == (25.0, 100.0)
    assert s.figures["tasks"] == 6 and s.figures["done"] == 3
    assert s.figures["completion_pct"] == 50.0 and s.figures["units_with_overdue"] == 1
    missing = report(results, plans=None, plans_reason="not_installed").section("remedial")
    assert (missing.available, missing.reason) == (False, "not_installed")
    empty = report(results, plans=plans.iloc[0:0]).section("remedial")
    assert (empty.available, empty.reason) == (False, "no_plans")


@pytest.fixture
def intervals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": list("ABCDEF"),
            "rank": [1, 2, 2, 4, 1, 2],
            "median_rank": [1, 2, 3, 4, 1, 2],
            "rank_p05": [1, 2, 2, 4, 1, 1],
            "rank_p95": [2, 3, 3, 4, 2, 2],
            "indistinguishable_from": ["", "C", "B", "", "", ""],
        }
    )


def test_rank_intervals(results, previous, intervals):
    sensitivity = pd.DataFrame(
        {"kind": ["weight", "survey"], "field_code": ["1", ""], "index": [0.4, 0.1]}
    )
    r = report(
        results, previous, rank_intervals=intervals, rank_method={"runs": 1000},
        rank_sensitivity=sensitivity, recurring_n=3,
    )  # fmt: skip
    s = r.section("robustness")
    assert s.figures["mean_width"] == pytest.approx(5 / 6)
    assert (s.figures["widest"], s.figures["firm"], s.figures["indistinguishable"]) == (1, 1, 2)
    assert s.figures["method"] == {"runs": 1000}
    # widest first; ties by peer group, then rank (B and C tied, in table order)
    assert codes(s.table("widest_intervals")) == ["A", "B", "C"]
    group_s = s.table("rank_intervals", "S")
    assert codes(group_s) == list("ABCD")
    assert group_s.rows[1]["similar"] == ["Unit C"]
    assert [row["width"] for row in group_s.rows] == [1, 1, 1, 0]
    assert [(row["kind"], row["index"]) for row in s.table("sensitivity").rows] == [
        ("weight", 0.4),
        ("survey", 0.1),
    ]
    # the ranking carries each unit's likely ranks
    ranking = r.section("ranking").tables[0]
    assert (ranking.rows[0]["rank_p05"], ranking.rows[0]["rank_p95"]) == (1, 2)
    missing = report(results, rank_intervals=None, intervals_reason="not_installed")
    assert missing.section("robustness").reason == "not_installed"


def test_sections_without_data_say_why(results):
    r = report(results)
    reasons = {s.key: s.reason for s in r.sections if not s.available}
    assert reasons == {
        "lost_points": "no_detail",
        "survey": "no_survey",
        "service_index": "no_service_index",
        "remedial": "no_plans",
        "robustness": "no_uncertainty",
    }
