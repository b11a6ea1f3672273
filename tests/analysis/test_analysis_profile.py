"""Strengths and weaknesses per field against the peer group (hand-made results)."""

from __future__ import annotations

import pandas as pd
import pytest

from parindex.analysis import field_gaps, strengths_weaknesses


@pytest.fixture
def results() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["D1", "D2", "D3", "C1", "C2"],
            "peer_group": ["department"] * 3 + ["commune"] * 2,
            "index_pct": [80.0, 80.0, 80.0, 55.0, 60.0],
            "field_1_pct": [90.0, 80.0, 70.0, 50.0, 60.0],
            "field_2_pct": [70.0, 80.0, 90.3, 60.0, 60.0],
        }
    )


def test_strengths_weaknesses_of_one_unit(results):
    out = strengths_weaknesses(results, "D1").set_index("field_code")
    f1 = out.loc["1"]  # departments: 90, 80, 70 → average 80, best 90 (D1)
    assert f1["value"] == 90
    assert f1["peer_average"] == pytest.approx(80.0)
    assert f1["best_value"] == 90 and f1["best_units"] == "D1"
    assert f1["gap_to_average"] == pytest.approx(10.0)
    assert f1["gap_to_best"] == pytest.approx(0.0)
    assert f1["label"] == "strength"
    f2 = out.loc["2"]  # 70, 80, 90.3 → average 80.1, best 90.3 (D3)
    assert f2["peer_average"] == pytest.approx(80.1)
    assert f2["best_units"] == "D3"
    assert f2["gap_to_average"] == pytest.approx(-10.1)
    assert f2["gap_to_best"] == pytest.approx(-20.3)
    assert f2["label"] == "weakness"


def test_tolerance_decides_at_average(results):
    d2 = strengths_weaknesses(results, "D2").set_index("field_code")
    assert d2.loc["1", "label"] == "at average"  # exactly the average
    assert d2.loc["2", "label"] == "at average"  # 80 vs 80.1: within 0.5
    strict = strengths_weaknesses(results, "D2", tolerance=0.05).set_index("field_code")
    assert strict.loc["2", "label"] == "weakness"


def test_peers_are_the_same_peer_group_and_ties_for_best(results):
    c1 = strengths_weaknesses(results, "C1").set_index("field_code")
    assert c1.loc["1", "peer_average"] == pytest.approx(55.0)  # communes only: 50, 60
    assert c1.loc["1", "best_units"] == "C2"
    assert c1.loc["2", "best_units"] == "C1, C2"  # both 60
    assert c1.loc["2", "label"] == "at average"


def test_field_gaps_long_table_and_names(results):
    table = field_gaps(results, field_names={"1": "Chỉ đạo, điều hành"})
    assert len(table) == 5 * 2
    assert set(table["label"]) <= {"strength", "weakness", "at average"}
    d3 = table[(table["unit_code"] == "D3") & (table["field_code"] == "1")].iloc[0]
    assert d3["label"] == "weakness" and d3["field_name"] == "Chỉ đạo, điều hành"


def test_unknown_unit_and_no_field_columns(results):
    with pytest.raises(ValueError, match="ZZ"):
        strengths_weaknesses(results, "ZZ")
    with pytest.raises(ValueError, match="field"):
        field_gaps(results.drop(columns=["field_1_pct", "field_2_pct"]))


def test_small_gaps_either_side_are_at_average():
    # average 80: +0.4 and −0.4 are inside the 0.5 tolerance, +0.6 / −0.6 outside
    close = pd.DataFrame({"unit_code": ["E1", "E2"], "field_1_pct": [80.4, 79.6]})
    assert set(field_gaps(close)["label"]) == {"at average"}
    apart = pd.DataFrame({"unit_code": ["E1", "E2"], "field_1_pct": [80.6, 79.4]})
    assert field_gaps(apart)["label"].tolist() == ["strength", "weakness"]
