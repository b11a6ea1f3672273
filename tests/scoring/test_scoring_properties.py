"""Properties that must hold for any framework values (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_fixtures import make_framework

from parindex.framework.model import Framework, Node
from parindex.scoring import score
from parindex.scoring.rules import bands_points, deduction_points, linear_points, survey_points

FW = make_framework()
NUMERIC_LEAVES = {"1.1": (0, 2), "1.3": (0, 1), "2.1": (0, 3), "2.2": (0, 20), "2.3": (0, 1)}
LABELS = ["Ban hành kịp thời", "Ban hành chậm", "Không ban hành"]


@st.composite
def campaigns(draw):
    n_units = draw(st.integers(1, 8))
    records = []
    for u in range(n_units):
        code = f"U{u}"
        for leaf, (lo, hi) in NUMERIC_LEAVES.items():
            if draw(st.booleans()):
                if leaf == "1.1":
                    v = draw(st.integers(0, 8)) * 0.25
                elif leaf == "2.2":
                    v = draw(st.integers(lo, hi))
                else:
                    v = draw(st.floats(lo, hi, allow_nan=False))
                records.append((code, leaf, str(v), "", ""))
        if draw(st.booleans()):
            records.append((code, "1.2", draw(st.sampled_from(LABELS)), "", ""))
        if draw(st.booleans()):
            records.append((code, "1.4", str(draw(st.integers(0, 10))), "on_time", ""))
            records.append((code, "1.4", str(draw(st.integers(0, 10))), "required", ""))
        if draw(st.booleans()):
            records.append((code, "T.1", str(draw(st.floats(0, 2))), "", ""))
        if draw(st.booleans()):
            records.append((code, "2.2", "", "", "false"))  # may duplicate: filtered below
    frame = pd.DataFrame(
        records, columns=["unit_code", "criterion_code", "value", "input", "applicable"]
    )
    frame = frame.drop_duplicates(["unit_code", "criterion_code", "input"], keep="first")
    return frame


@settings(max_examples=60, deadline=None)
@given(campaigns())
def test_points_within_bounds_and_totals_add_up(inputs):
    result = score(FW, inputs)
    detail = result.detail
    assert (detail["points"] >= -1e-12).all()
    assert (detail["points"] <= detail["max_points"] + 1e-9).all()
    leaves = detail[detail["is_leaf"]].groupby("unit_code")["points"].sum()
    fields = detail[detail["depth"] == 0].groupby("unit_code")["points"].sum()
    res = result.results.set_index("unit_code")
    np.testing.assert_allclose(leaves.sort_index(), fields.sort_index(), atol=1e-9)
    base = res["points"] - res["bonus_points"] + res["penalty_points"]
    np.testing.assert_allclose(base.sort_index(), leaves.sort_index(), atol=1e-9)
    assert (res["index_pct"] <= 100 * (1 + 1 / 16) + 1e-9).all()  # bonus is at most 1 point


@settings(max_examples=40, deadline=None)
@given(campaigns(), st.randoms(use_true_random=False))
def test_ranking_invariant_to_row_order(inputs, rnd):
    first = score(FW, inputs).results.set_index("unit_code")[["rank", "index_pct"]]
    order = list(range(len(inputs)))
    rnd.shuffle(order)
    second = score(FW, inputs.iloc[order]).results.set_index("unit_code")[["rank", "index_pct"]]
    pd.testing.assert_frame_equal(first.sort_index(), second.sort_index())


sorted_pairs = st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=30).map(sorted)


@given(sorted_pairs)
def test_monotone_rules_stay_monotone(values):
    v = np.array(values)
    leaves = {n.code: n for n in FW.leaves()}
    for points in (
        bands_points(v, leaves["1.3"]),
        linear_points(v, leaves["2.1"]),
        survey_points(v, leaves["2.3"]),
    ):
        assert np.all(np.diff(points) >= -1e-12)
    counts = np.round(v * 10)
    assert np.all(np.diff(deduction_points(counts, leaves["2.2"])) <= 1e-12)


@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=20))
def test_manual_points_monotone_in_whole_score(values):
    fw = Framework(
        id="m",
        name="m",
        version="1",
        unit_kind="commune",
        max_points=10,
        nodes=[Node("1", "a", 10, rule={"type": "manual"})],
    )
    frame = pd.DataFrame(
        {
            "unit_code": [f"U{i}" for i in range(len(values))],
            "criterion_code": "1",
            "value": [repr(v) for v in values],
        }
    )
    index = score(fw, frame).results.set_index("unit_code")["index_pct"]
    in_input_order = index.loc[frame["unit_code"]].to_numpy()
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(in_input_order[order]) >= -1e-9)
