"""What-if answers checked against re-scoring: every predicted rank is compared with the
rank `parindex.scoring.score` gives after changing the unit's inputs (or the framework's
field maxima), on a small framework with a survey leaf, bonus and penalty points and a
not-applicable criterion.

Units (max 40 points; S6 has criterion 2.2 not applicable, so its maximum is 36):
  Sở:  S1 37 → 92.5 %  (1)     S2 34.5 → 86.25 (2)    S3 33+1 bonus = 34 → 85 (3)
       S4 34 → 85 (3, tied)    S6 28/36 → 77.78 (5)   S5 30.5−0.5 penalty = 30 → 75 (6)
       S8 28.8 → 72 (7)        S7 23 → 57.5 (8)
  Ban: B1 39.5 → 98.75 (1)     B2 32 → 80 (2)         B3 23 → 57.5 (3)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parindex.analysis.whatif import field_weight_effect, what_if
from parindex.errors import InputError
from parindex.framework import load_yaml_text
from parindex.scoring import score

FRAMEWORK = """
id: test-whatif
name: Khung thử nghiệm
version: "1"
unit_kind: department
max_points: 40
classification:
  - {{label: Tốt, min: 80}}
  - {{label: Khá, min: 0}}
nodes:
  - code: "1"
    name: Chỉ đạo, điều hành
    max_points: {m1}
    children:
      - {{code: "1.1", name: Kế hoạch, max_points: {a}, method: appraisal, rule: {{type: manual}}}}
      - {{code: "1.2", name: Báo cáo, max_points: {b}, method: appraisal, rule: {{type: manual}}}}
  - code: "2"
    name: Thủ tục hành chính
    max_points: {m2}
    children:
      - {{code: "2.1", name: Công khai, max_points: {c}, method: appraisal, rule: {{type: manual}}}}
      - {{code: "2.2", name: Đúng hạn, max_points: {d}, method: appraisal, rule: {{type: manual}}}}
  - code: "3"
    name: Tác động
    max_points: {m3}
    children:
      - {{code: "3.1", name: Chuyển đổi số, max_points: {e}, method: appraisal, rule: {{type: manual}}}}
      - {{code: "3.2", name: Hài lòng, max_points: {f}, method: survey, rule: {{type: survey}}}}
bonus:
  cap: 1
  nodes:
    - {{code: "T.1", name: Sáng kiến, max_points: 2, method: appraisal, rule: {{type: manual}}}}
penalty:
  cap: 2
  nodes:
    - {{code: "P.1", name: Bị phê bình, max_points: 3, method: appraisal, rule: {{type: manual}}}}
"""
FIELDS = {"1": ("1.1", "1.2"), "2": ("2.1", "2.2"), "3": ("3.1", "3.2")}
LEAF_MAX = {"1.1": 6, "1.2": 4, "2.1": 6, "2.2": 4, "3.1": 10, "3.2": 10}
FIELD_MAX = {"1": 10.0, "2": 10.0, "3": 20.0}
LEAVES = ("1.1", "1.2", "2.1", "2.2", "3.1", "3.2")
NA = None  # not applicable
# unit: (group, 1.1, 1.2, 2.1, 2.2, 3.1, 3.2 as a survey fraction, bonus, penalty)
VALUES = {
    "S1": ("Sở", 6, 4, 5, 4, 9, 0.90, 0, 0),
    "S2": ("Sở", 5, 4, 6, 3, 8, 0.85, 0, 0),
    "S3": ("Sở", 6, 3, 5, 3, 8, 0.80, 1, 0),
    "S4": ("Sở", 4, 4, 6, 4, 8, 0.80, 0, 0),
    "S5": ("Sở", 5, 2, 4, 3, 9, 0.75, 0, 0.5),
    "S6": ("Sở", 5, 3, 5, NA, 7, 0.80, 0, 0),
    "S7": ("Sở", 3, 2, 3, 2, 6, 0.70, 0, 0),
    "S8": ("Sở", 4, 3, 4, 3, 7, 0.78, 0, 0),
    "B1": ("Ban", 6, 4, 6, 4, 10, 0.95, 0, 0),
    "B2": ("Ban", 5, 3, 5, 3, 8, 0.80, 0, 0),
    "B3": ("Ban", 4, 2, 4, 2, 5, 0.60, 0, 0),
}
NOMINAL_RANK = {"S1": 1, "S2": 2, "S3": 3, "S4": 3, "S6": 5, "S5": 6, "S8": 7, "S7": 8,
                "B1": 1, "B2": 2, "B3": 3}  # fmt: skip


def framework(field_scale: dict[str, float] | None = None):
    """The test framework; `field_scale` multiplies a field's maximum and its leaves'."""
    return load_yaml_text(framework_text(field_scale), "test.yaml")


def framework_text(field_scale: dict[str, float] | None = None) -> str:
    k = {f: (field_scale or {}).get(f, 1.0) for f in FIELDS}
    leaf = {code: LEAF_MAX[code] * k[f] for f, codes in FIELDS.items() for code in codes}
    text = FRAMEWORK.format(
        m1=10 * k["1"], m2=10 * k["2"], m3=20 * k["3"],
        a=leaf["1.1"], b=leaf["1.2"], c=leaf["2.1"], d=leaf["2.2"], e=leaf["3.1"], f=leaf["3.2"],
    )  # fmt: skip
    # the framework's total must follow the fields
    total = 10 * k["1"] + 10 * k["2"] + 20 * k["3"]
    return text.replace("max_points: 40\n", f"max_points: {total}\n", 1)


def units_frame(values=VALUES) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "unit_code": code,
                "unit_name": f"Đơn vị {code}",
                "unit_kind": "department",
                "peer_group": row[0],
            }
            for code, row in values.items()
        ]  # fmt: skip
    )


def inputs_frame(values=VALUES, field_scale=None, changes=None) -> pd.DataFrame:
    """Long inputs; manual values scale with their field; `changes`: {(unit, leaf): value}."""
    k = {f: (field_scale or {}).get(f, 1.0) for f in FIELDS}
    field_of = {code: f for f, codes in FIELDS.items() for code in codes}
    rows = []
    for code, row in values.items():
        for leaf, value in zip(LEAVES, row[1:7], strict=True):
            if (code, leaf) in (changes or {}):
                value = changes[(code, leaf)]
            if value is None:
                rows.append((code, leaf, "", "false"))
            elif leaf == "3.2":
                rows.append((code, leaf, repr(float(value)), "true"))  # a fraction: no scaling
            else:
                rows.append((code, leaf, repr(float(value) * k[field_of[leaf]]), "true"))
        rows.append((code, "T.1", repr(float(row[7])), "true"))
        rows.append((code, "P.1", repr(float(row[8])), "true"))
    return pd.DataFrame(rows, columns=["unit_code", "criterion_code", "value", "applicable"])


def scored(values=VALUES, field_scale=None, changes=None):
    return score(
        framework(field_scale), inputs_frame(values, field_scale, changes), units_frame(values)
    )


def rank_of(result, unit: str) -> int:
    row = result.results.set_index("unit_code").loc[unit]
    return int(row["rank"])


@pytest.fixture(scope="module")
def base():
    return scored()


def test_the_example_scores_as_documented(base):
    r = base.results.set_index("unit_code")
    assert {c: int(r.loc[c, "rank"]) for c in VALUES} == NOMINAL_RANK
    assert r.loc["S6", "max_points"] == pytest.approx(36)
    assert r.loc["S6", "index_pct"] == pytest.approx(28 / 36 * 100)
    assert r.loc["S5", "index_pct"] == pytest.approx(75)


def test_unit_figures_and_next_place(base):
    answer = what_if(base.results, base.detail, "S5")
    assert answer.rank == 6
    assert answer.group_size == 8
    assert answer.index_pct == pytest.approx(75)
    # the nearest unit above is S6 at 77.78 %: (28/36 − 0.75) × 40 points
    assert answer.next_place["rank"] == 5
    assert answer.next_place["units"] == ["S6"]
    assert answer.next_place["points_needed"] == pytest.approx((28 / 36 - 0.75) * 40)


def test_each_criterion_agrees_with_rescoring(base):
    for unit in ("S5", "S7", "S8", "S2", "B3"):
        answer = what_if(base.results, base.detail, unit)
        points = {
            (r["node_code"]): r["points"]
            for r in base.detail[base.detail["unit_code"] == unit].to_dict("records")
        }
        assert len(answer.criteria) > 0
        for row in answer.criteria.to_dict("records"):
            leaf = row["node_code"]
            full = 1.0 if leaf == "3.2" else LEAF_MAX[leaf]
            again = scored(changes={(unit, leaf): full})
            assert rank_of(again, unit) == row["new_rank"], (unit, leaf)
            assert row["places_gained"] == answer.rank - row["new_rank"]
            if row["places_gained"] > 0:
                # exactly the points needed already give the rank; a little less does not
                needed = row["points_needed"]
                assert 0 < needed <= row["lost_points"] + 1e-12
                for amount, expected in ((needed, row["new_rank"]), (needed - 0.01, None)):
                    value = points[leaf] + amount
                    if leaf == "3.2":
                        value = value / LEAF_MAX[leaf]
                    got = rank_of(scored(changes={(unit, leaf): value}), unit)
                    if expected is None:
                        assert got > row["new_rank"], (unit, leaf)
                    else:
                        assert got == expected, (unit, leaf)
                assert row["points_per_place"] == pytest.approx(needed / row["places_gained"])


def test_criteria_are_ordered_by_points_per_place(base):
    answer = what_if(base.results, base.detail, "S5")
    table = answer.criteria
    gaining = table[table["places_gained"] > 0]
    assert list(gaining["points_per_place"]) == sorted(gaining["points_per_place"])
    assert (table["places_gained"] > 0).tolist() == sorted(
        (table["places_gained"] > 0).tolist(), reverse=True
    )
    # S5 lost 1, 2, 2, 1, 1 and 2.5 points; 1.1, 2.2, 3.1 (1 point each) gain nothing
    # (77.78 % needs 1.11 points); the 2-point criteria reach 80 % and pass S6 only
    assert set(table.loc[table["places_gained"] == 0, "node_code"]) == {"1.1", "2.2", "3.1"}
    assert set(table.loc[table["places_gained"] == 1, "node_code"]) == {"1.2", "2.1", "3.2"}
    assert table["reaches_next_place"].sum() == 3
    assert list(table["field_code"][table["node_code"] == "3.2"]) == ["3"]


def test_greedy_plan_agrees_with_rescoring(base):
    answer = what_if(base.results, base.detail, "S7")
    path = answer.path
    assert len(path) >= 2
    assert list(path["step"]) == list(range(1, len(path) + 1))
    changes = {}
    for step in path.to_dict("records"):
        leaf = step["node_code"]
        changes[("S7", leaf)] = 1.0 if leaf == "3.2" else LEAF_MAX[leaf]
        again = scored(changes=changes)
        assert rank_of(again, "S7") == step["rank"]
        index = again.results.set_index("unit_code").loc["S7", "index_pct"]
        assert step["index_pct"] == pytest.approx(index)
    assert path["cumulative_points"].iloc[-1] == pytest.approx(
        sum(s["points_recovered"] for s in path.to_dict("records"))
    )
    # stops at rank 1 or when every lost point is recovered
    assert path["rank"].iloc[-1] == 1 or len(path) == len(answer.criteria)


def test_the_first_unit_has_no_next_place_and_no_plan(base):
    answer = what_if(base.results, base.detail, "S1")
    assert answer.rank == 1
    assert answer.next_place is None
    assert answer.path.empty
    assert (answer.criteria["places_gained"] == 0).all()


def test_field_weight_effect_agrees_with_rescoring(base):
    moved = 0
    for scale in ({"3": 0.2}, {"1": 2.0}, {"2": 1.3, "3": 0.8}, {"3": 0.5}):
        weights = {f: FIELD_MAX[f] * k for f, k in scale.items()}
        effect = field_weight_effect(base.results, FIELD_MAX, weights, detail=base.detail)
        again = scored(field_scale=scale).results.set_index("unit_code")
        got = effect.set_index("unit_code")
        for unit in VALUES:
            assert got.loc[unit, "new_rank"] == again.loc[unit, "rank"], (scale, unit)
            assert got.loc[unit, "new_index_pct"] == pytest.approx(again.loc[unit, "index_pct"])
            assert got.loc[unit, "rank_change"] == NOMINAL_RANK[unit] - again.loc[unit, "rank"]
        moved += int((got["rank_change"] != 0).sum())
    assert moved >= 4  # the cases do move units, so the comparison means something


def test_field_weight_effect_without_detail_when_everything_applies():
    values = {k: v for k, v in VALUES.items() if k != "S6"}
    base = scored(values)
    scale = {"2": 2.0}
    effect = field_weight_effect(base.results, FIELD_MAX, {"2": 20.0})
    again = scored(values, field_scale=scale).results.set_index("unit_code")
    got = effect.set_index("unit_code")
    assert (got["new_rank"] == again.loc[got.index, "rank"]).all()
    assert np.allclose(got["new_index_pct"], again.loc[got.index, "index_pct"])
    # doubling field 2 (S4 has it full, S2 and S3 do not) reorders ranks 2–4
    moved = got[got["rank_change"] != 0]
    assert dict(zip(moved.index, moved["new_rank"], strict=True)) == {"S4": 2, "S2": 3, "S3": 4}


def test_unchanged_weights_change_nothing(base):
    effect = field_weight_effect(base.results, FIELD_MAX, {"1": 10.0}, detail=base.detail)
    assert (effect["rank_change"] == 0).all()
    assert (effect["new_index_pct"] == effect["index_pct"]).all()


def test_errors_name_the_problem(base):
    with pytest.raises(InputError) as caught:
        what_if(base.results, base.detail, "NOPE")
    assert "NOPE" in str(caught.value)
    with pytest.raises(InputError) as caught:
        field_weight_effect(base.results, FIELD_MAX, {"9": 3.0})
    assert "'9'" in str(caught.value)
    with pytest.raises(InputError):
        field_weight_effect(base.results, FIELD_MAX, {"1": -1.0})
