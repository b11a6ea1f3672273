"""Survey estimates → scoring inputs → points of the framework's survey leaves."""

from __future__ import annotations

import pandas as pd
import pytest

from parindex.errors import InputError
from parindex.framework.builtin import load_builtin
from parindex.framework.model import Band, Framework, Node
from parindex.scoring import score
from parindex.survey.estimate import estimate
from parindex.survey.mapping import builtin_mapping, check_mapping, load_mapping, survey_inputs

MAPPING = {
    "id": "test",
    "satisfied": [4, 5],
    "elements": {
        "access": {"name": "Tiếp cận", "index": "service", "questions": ["q1"]},
        "procedures": {"name": "Thủ tục", "index": "service", "questions": ["q2"]},
    },
    "leaves": {"2.1": "access", "2.2": "service"},
}


def framework() -> Framework:
    return Framework(
        id="fw-survey",
        name="Khung có tiêu chí điều tra",
        version="1",
        unit_kind="commune",
        max_points=10,
        classification=[Band("A", 80), Band("B", 0)],
        nodes=[
            Node(
                "1",
                "Thẩm định",
                6,
                children=[Node("1.1", "Kế hoạch", 6, method="appraisal", rule={"type": "manual"})],
            ),
            Node(
                "2",
                "Điều tra",
                4,
                children=[
                    Node("2.1", "Tiếp cận", 3, method="survey", rule={"type": "survey"}),
                    Node("2.2", "Dịch vụ", 1, method="survey", rule={"type": "survey"}),
                ],
            ),
        ],
    )


def responses() -> pd.DataFrame:
    # U1: q1 satisfied 3 of 4 (75 %), q2 1 of 4; service = mean of the two element scores
    #     per respondent: (1+1)/2, (1+0)/2, (1+0)/2, (0+0)/2 → 0.5
    # U2: q1 1 of 2 (50 %); q2 2 of 2; service: (1+1)/2, (0+1)/2 → 0.75
    return pd.DataFrame(
        {
            "unit": ["U1", "U1", "U1", "U1", "U2", "U2"],
            "q1": ["5", "4", "4", "1", "5", "2"],
            "q2": ["5", "1", "2", "3", "4", "4"],
        }
    )


def test_survey_inputs_feed_score():
    mapping = load_mapping(MAPPING)
    est = estimate(responses(), mapping.design(columns={"unit": "unit"}))
    inputs = survey_inputs(est, mapping)
    assert inputs.columns.tolist() == ["unit_code", "criterion_code", "value", "track"]
    got = {(r.unit_code, r.criterion_code): r.value for r in inputs.itertuples()}
    assert got == pytest.approx(
        {("U1", "2.1"): 0.75, ("U1", "2.2"): 0.5, ("U2", "2.1"): 0.5, ("U2", "2.2"): 0.75}
    )
    assert set(inputs["track"]) == {"appraised"}
    appraisal = pd.DataFrame(
        {"unit_code": ["U1", "U2"], "criterion_code": ["1.1", "1.1"], "value": [6, 3]}
    )
    result = score(framework(), pd.concat([appraisal, inputs], ignore_index=True))
    points = dict(zip(result.results["unit_code"], result.results["points"], strict=True))
    # U1: 6 + 3 × 0.75 + 1 × 0.5 = 8.75; U2: 3 + 3 × 0.5 + 1 × 0.75 = 5.25
    assert points == pytest.approx({"U1": 8.75, "U2": 5.25})
    detail = result.detail.set_index(["unit_code", "node_code"])
    assert detail.loc[("U1", "2.1"), "points"] == pytest.approx(2.25)


def test_units_without_an_estimate_get_no_row_and_all_is_left_out():
    mapping = load_mapping(MAPPING)
    est = pd.DataFrame(
        {
            "unit_code": ["U1", "U1", "U2", "U2", "ALL", "ALL"],
            "element": ["access", "service", "access", "service", "access", "service"],
            "estimate_pct": [80.0, 70.0, float("nan"), 60.0, 75.0, 65.0],
        }
    )
    inputs = survey_inputs(est, mapping)
    assert list(zip(inputs["unit_code"], inputs["criterion_code"], strict=True)) == [
        ("U1", "2.1"),
        ("U1", "2.2"),
        ("U2", "2.2"),
    ]
    assert inputs["value"].tolist() == pytest.approx([0.8, 0.7, 0.6])


def test_missing_element_in_estimates_and_bad_mapping_are_reported():
    mapping = load_mapping(MAPPING)
    est = pd.DataFrame({"unit_code": ["U1"], "element": ["access"], "estimate_pct": [80.0]})
    with pytest.raises(InputError, match="no estimate of 'service'"):
        survey_inputs(est, mapping)
    with pytest.raises(InputError) as info:
        load_mapping({**MAPPING, "leaves": {"2.1": "nothing"}, "extra": 1}, "m.yaml")
    text = str(info.value)
    assert "m.yaml: leaves.2.1" in text and "extra: unknown key" in text


def test_mapping_leaves_are_checked_against_the_framework():
    mapping = load_mapping({**MAPPING, "leaves": {"1.1": "access", "9.9": "access"}})
    problems = check_mapping(mapping, framework=framework())
    text = "\n".join(map(str, problems))
    assert "leaf 1.1" in text and "not a survey leaf" in text
    assert "leaf 9.9" in text and "not a node" in text


def test_builtin_sipas_mapping_round_trip_on_the_example_framework():
    mapping = builtin_mapping("sipas-bnv-2022")
    fw = load_builtin("example-commune-2025")
    assert check_mapping(mapping, framework=fw) == []
    # every respondent satisfied with everything → index 1 → the leaves' maximum
    answers = {f"q9_{k:02d}": ["5", "4"] for k in range(1, 34)}
    data = pd.DataFrame({"unit": ["X01", "X01"], **answers})
    est = estimate(data, mapping.design(columns={"unit": "unit"}))
    assert est.loc[est["element"] == "overall", "estimate_pct"].tolist() == [100.0, 100.0]
    inputs = survey_inputs(est, mapping)
    assert sorted(inputs["criterion_code"]) == sorted(mapping.leaves)
    result = score(fw, inputs)
    detail = result.detail.set_index(["unit_code", "node_code"])
    leaves = {"8.1.1": 2.5, "8.1.2": 2.5, "8.1.3": 2.5, "8.1.4": 2.5, "8.2.1": 2.5, "8.2.2": 2.5}
    for code, maximum in leaves.items():
        assert detail.loc[("X01", code), "points"] == pytest.approx(maximum)
