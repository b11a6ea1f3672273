"""Known answers for each rule type and for the sums, worked out by hand from the rules."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scoring_fixtures import rows

from parindex.framework.model import Band, Framework, Node
from parindex.scoring import competition_rank, score


def unit_a_inputs() -> pd.DataFrame:
    return rows(
        ("A", "1.1", "1,75"),  # Vietnamese decimal comma
        ("A", "1.2", "Ban hành chậm"),  # → 1
        ("A", "1.3", "0.97"),  # 95%–<100% band: share 0.5 of 2 → 1
        ("A", "1.4", "3", "", "on_time"),
        ("A", "1.4", "4", "", "required"),  # 3/4 × 2 → 1.5
        ("A", "2.1", "0.4"),  # 4 × 0.4 / 0.5 → 3.2
        ("A", "2.2", "3"),  # 2 − 3 × 0.25 → 1.25
        ("A", "2.3", "0.85"),  # 6 × 0.85 → 5.1
        ("A", "T.1", "2"),  # bonus, cap 1 → 1
        ("A", "P.1", "0.5"),  # penalty 0.5
        ("A", "1.1", "2", "self"),
        ("A", "1.2", "ban hành  KỊP THỜI", "self"),  # labels match ignoring case and spaces
        ("A", "1.3", "1", "self"),
        ("A", "1.4", "4", "self", "on_time"),
        ("A", "1.4", "4", "self", "required"),
        ("A", "2.1", "0.6", "self"),  # capped at 4
        ("A", "2.2", "0", "self"),
    )


def test_every_rule_type_known_answers(fw):
    result = score(fw, unit_a_inputs())
    leaf = result.detail.set_index("node_code")
    expected = {"1.1": 1.75, "1.2": 1, "1.3": 1, "1.4": 1.5, "2.1": 3.2, "2.2": 1.25, "2.3": 5.1}
    for code, points in expected.items():
        assert leaf.loc[code, "points"] == pytest.approx(points), code
    r = result.results.iloc[0]
    assert r["field_1_pct"] == pytest.approx(5.25 / 8 * 100)
    assert r["field_2_pct"] == pytest.approx(9.55 / 12 * 100)
    assert r["bonus_points"] == pytest.approx(1.0)
    assert r["penalty_points"] == pytest.approx(0.5)
    assert r["points"] == pytest.approx(14.8 + 1 - 0.5)
    assert r["index_pct"] == pytest.approx(76.5)
    assert r["class"] == "Khá"


def test_self_track_uses_survey_result_and_difference(fw):
    r = score(fw, unit_a_inputs()).results.iloc[0]
    # self: 2 + 2 + 2 + 2 + 4 + 2 + 5.1 (survey comes from the survey, not the unit)
    assert r["self_points"] == pytest.approx(19.1)
    assert r["self_index_pct"] == pytest.approx(95.5)
    assert r["self_class"] == "Tốt"
    assert r["diff_points"] == pytest.approx(15.3 - 19.1)


def test_not_applicable_uses_applicable_maximum(fw):
    inputs = rows(
        ("B", "1.1", "2"),
        ("B", "1.2", "Ban hành kịp thời"),
        ("B", "1.3", "1"),
        ("B", "1.4", "", "", "", "false"),
        ("B", "2.1", "0.5"),
        ("B", "2.2", "", "", "", "không"),
        ("B", "2.3", "1"),
    )
    r = score(fw, inputs).results.iloc[0]
    assert r["max_points"] == pytest.approx(16)
    assert r["index_pct"] == pytest.approx(100)
    assert r["class"] == "Tốt"
    detail = score(fw, inputs).detail.set_index("node_code")
    assert detail.loc["1.4", "max_points"] == 0 and not detail.loc["1.4", "applicable"]
    assert detail.loc["1", "max_points"] == pytest.approx(6)


def test_thanh_hoa_2023_ban_dan_toc_not_applicable_example():
    # Thanh Hóa 2023: Ban Dân tộc 68.32 points = 81.33% (16 of the 100 points not applicable).
    fw = Framework(
        id="x",
        name="x",
        version="1",
        unit_kind="department",
        max_points=100,
        nodes=[
            Node("1", "applicable", 84, rule={"type": "manual"}),
            Node("2", "not applicable", 16, rule={"type": "manual"}),
        ],
    )
    r = score(fw, rows(("BDT", "1", "68.32"), ("BDT", "2", "", "", "", "false"))).results.iloc[0]
    assert round(r["index_pct"], 2) == 81.33


def test_missing_values_score_zero_and_are_reported(fw):
    result = score(fw, rows(("A", "1.1", "2")))
    r = result.results.iloc[0]
    assert r["points"] == pytest.approx(2)
    assert r["missing_values"] == 6
    assert result.warnings and "A (6)" in result.warnings[0]
    assert math.isnan(r["self_points"])  # no self-assessment at all


def test_formula_missing_one_input_gives_no_points(fw):
    detail = score(fw, rows(("A", "1.4", "3", "", "on_time"))).detail.set_index("node_code")
    assert detail.loc["1.4", "points"] == 0


def test_classification_inclusive_and_strict_bounds():
    fw = Framework(
        id="x",
        name="x",
        version="1",
        unit_kind="commune",
        max_points=100,
        classification=[Band("Tốt", 80, inclusive=False), Band("Khá", 65), Band("Yếu", 0)],
        nodes=[Node("1", "a", 100, rule={"type": "manual"})],
    )
    res = score(
        fw, rows(("A", "1", "80"), ("B", "1", "80.01"), ("C", "1", "65"), ("D", "1", "64.99"))
    )
    classes = dict(zip(res.results["unit_code"], res.results["class"], strict=True))
    assert classes == {"A": "Khá", "B": "Tốt", "C": "Khá", "D": "Yếu"}


def test_competition_ranking_within_peer_groups():
    fw = Framework(
        id="x",
        name="x",
        version="1",
        unit_kind="commune",
        max_points=1,
        nodes=[
            Node("1", "a", 0.5, rule={"type": "manual"}),
            Node("2", "b", 0.5, rule={"type": "manual"}),
        ],
    )
    # C and B tie at 0.3 reached in a different order of addition (0.1 + 0.2 vs 0.2 + 0.1).
    inputs = rows(
        ("A", "1", "0.5"),
        ("A", "2", "0.5"),
        ("B", "1", "0.1"),
        ("B", "2", "0.2"),
        ("C", "1", "0.2"),
        ("C", "2", "0.1"),
        ("D", "1", "0.1"),
        ("D", "2", "0.1"),
        ("X", "1", "0.1"),
    )
    units = pd.DataFrame({"unit_code": list("ABCDX"), "peer_group": ["g1", "g1", "g1", "g1", "g2"]})
    res = score(fw, inputs, units).results.set_index("unit_code")
    assert res["rank"].to_dict() == {"A": 1, "B": 2, "C": 2, "D": 4, "X": 1}


def test_ranking_helper_leaves_nan_unranked():
    ranks = competition_rank(np.array([3.0, np.nan, 5.0]))
    assert ranks[0] == 2 and ranks[2] == 1 and np.isnan(ranks[1])


def test_results_record_framework_version(fw):
    r = score(fw, unit_a_inputs()).results.iloc[0]
    assert (r["framework_id"], r["framework_version"]) == ("test-dept", "1")


def test_detail_has_every_node_for_every_unit(fw):
    inputs = pd.concat([unit_a_inputs(), rows(("Z", "1.1", "1"))])
    detail = score(fw, inputs).detail
    assert len(detail) == 2 * 9  # 2 fields + 7 leaves, per unit
    assert set(detail.columns) >= {"unit_code", "node_code", "points", "max_points", "lost_points"}
    a = detail[detail["unit_code"] == "A"].set_index("node_code")
    assert a.loc["2", "lost_points"] == pytest.approx(12 - 9.55)


def test_previous_year_with_merged_unit(fw):
    current = rows(("A", "1.1", "2"), ("M", "1.1", "1"))
    units = pd.DataFrame({"unit_code": ["A", "M"], "predecessors": ["", "P1:0.25;P2:0.75"]})
    previous = pd.DataFrame(
        {"unit_code": ["A", "P1", "P2"], "index_pct": [5.0, 40.0, 80.0], "rank": [3, 2, 1]}
    )
    res = score(fw, current, units, previous).results.set_index("unit_code")
    assert res.loc["A", "index_change"] == pytest.approx(10.0 - 5.0)
    assert res.loc["A", "rank_change"] == 3 - 1
    assert res.loc["M", "prev_index_pct"] == pytest.approx(0.25 * 40 + 0.75 * 80)
    assert pd.isna(res.loc["M", "rank_change"])
    assert "merged" in res.loc["M", "yoy_note"]
