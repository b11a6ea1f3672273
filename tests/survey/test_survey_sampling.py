"""Multi-stage selection, design weights, calibration and sample sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parindex.errors import InputError
from parindex.survey.sampling import calibrate, sample_size, select_sample, yamane_size


def balanced_frame() -> pd.DataFrame:
    """2 districts × 6 communes × 4 villages × 25 households = 1,200 households."""
    rows = []
    for d in range(2):
        for c in range(6):
            for v in range(4):
                for h in range(25):
                    rows.append(
                        (
                            f"D{d}",
                            f"C{c}",
                            f"V{v}",  # village codes repeat across communes: nested ids
                            f"D{d}C{c}V{v}H{h:02d}",
                            "nam" if h % 2 else "nu",
                            "18_34" if h % 3 else "35_plus",
                        )
                    )
    return pd.DataFrame(rows, columns=["unit", "commune", "village", "household", "sex", "age"])


SRS_DESIGN = {
    "stratum": "unit",
    "household": "household",
    "stages": [
        {"column": "commune", "n": 3, "method": "srs"},
        {"column": "village", "n": 2, "method": "srs"},
        {"column": "household", "n": 5, "method": "srs"},
    ],
}


def test_stage_sizes_probabilities_and_exact_weights_for_srs():
    frame = balanced_frame()
    sample = select_sample(frame, SRS_DESIGN, seed=11)
    # 2 districts × 3 communes × 2 villages × 5 households
    assert len(sample) == 60
    assert sample.groupby("unit")["commune"].nunique().tolist() == [3, 3]
    assert (sample.groupby(["unit", "commune"])["village"].nunique() == 2).all()
    assert (sample.groupby(["unit", "commune", "village"]).size() == 5).all()
    # probabilities: 3/6 communes, 2/4 villages, 5/25 households
    assert np.allclose(sample["prob_commune"], 0.5)
    assert np.allclose(sample["prob_village"], 0.5)
    assert np.allclose(sample["prob_household"], 0.2)
    assert np.allclose(sample["design_weight"], 1 / (0.5 * 0.5 * 0.2))
    # balanced frame, SRS at every stage: the weights add up to the frame exactly
    assert sample["design_weight"].sum() == pytest.approx(len(frame))
    assert sample.groupby("unit")["weight"].sum().tolist() == pytest.approx([600, 600])
    assert sample["household"].is_unique


def test_same_seed_same_sample_whatever_the_row_order():
    frame = balanced_frame()
    a = select_sample(frame, SRS_DESIGN, seed=5)
    b = select_sample(frame.sample(frac=1, random_state=3), SRS_DESIGN, seed=5)
    c = select_sample(frame, SRS_DESIGN, seed=6)
    assert a["household"].tolist() == b["household"].tolist()
    assert a["household"].tolist() != c["household"].tolist()


def unequal_frame() -> pd.DataFrame:
    # one district; commune sizes 10, 20, 30, 40, 100 households (total 200)
    rows = []
    for c, size in enumerate([10, 20, 30, 40, 100]):
        for h in range(size):
            rows.append(("D", f"C{c}", f"V{h % 2}", f"C{c}H{h}"))
    return pd.DataFrame(rows, columns=["unit", "commune", "village", "household"])


PPS_DESIGN = {
    "stratum": "unit",
    "household": "household",
    "stages": [
        {"column": "commune", "n": 2, "method": "pps"},
        {"column": "household", "n": 4, "method": "srs"},
    ],
}


def test_pps_probabilities_with_a_certainty_unit():
    # 2 × 100/200 = 1 → C4 is taken with certainty; the other draw is PPS among the rest:
    # π = 1 × M / 100 → C0 0.1, C1 0.2, C2 0.3, C3 0.4.
    sample = select_sample(unequal_frame(), PPS_DESIGN, seed=1)
    probs = sample.groupby("commune")["prob_commune"].first().to_dict()
    assert probs["C4"] == 1.0
    expected = {"C0": 0.1, "C1": 0.2, "C2": 0.3, "C3": 0.4}
    for c, p in probs.items():
        if c != "C4":
            assert p == pytest.approx(expected[c])
    assert sample["commune"].nunique() == 2
    # household stage: 4 of the commune's households
    sizes = {"C0": 10, "C1": 20, "C2": 30, "C3": 40, "C4": 100}
    for c, grp in sample.groupby("commune"):
        assert grp["prob_household"].iloc[0] == pytest.approx(4 / sizes[c])


def test_pps_selection_frequencies_match_the_inclusion_probabilities():
    from parindex.survey.sampling import _pps_group

    sizes = np.array([10.0, 20, 30, 40, 100])
    rng = np.random.default_rng(0)
    reps = 4000
    hits = np.zeros(5)
    for _ in range(reps):
        selected, prob = _pps_group(sizes, 2, rng)
        assert selected.sum() == 2
        hits += selected
    assert prob.tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4, 1.0])
    # binomial SE at most √(0.25/4000) = 0.008: allow 4 SE
    assert np.abs(hits / reps - prob).max() < 0.032


def test_weights_add_up_to_the_frame_in_expectation():
    frame = unequal_frame()
    totals = [
        select_sample(frame, PPS_DESIGN, seed=seed)["design_weight"].sum() for seed in range(200)
    ]
    # Horvitz–Thompson: E[Σ w] = 200 households
    assert np.mean(totals) == pytest.approx(len(frame), rel=0.05)


def test_all_units_taken_when_n_exceeds_the_clusters():
    design = {
        "household": "household",
        "stages": [
            {"column": "commune", "n": 10, "method": "srs"},
            {"column": "household", "n": 3, "method": "srs"},
        ],
    }
    sample = select_sample(unequal_frame(), design, seed=2)
    assert sample["commune"].nunique() == 5
    assert (sample["prob_commune"] == 1.0).all()


def test_bad_frame_and_design_report_every_problem():
    frame = balanced_frame()
    frame.loc[3, "village"] = ""
    frame.loc[10, "household"] = frame.loc[9, "household"]
    with pytest.raises(InputError) as info:
        select_sample(frame, SRS_DESIGN, seed=1, source="F.csv")
    text = str(info.value)
    assert "F.csv: row 5: village: is empty" in text
    assert "F.csv: row 12: household" in text and "first in row 11" in text
    bad = {
        "stratum": "district",
        "household": "household",
        "stages": [
            {"column": "commune", "n": 0, "method": "srs"},
            {"column": "village", "n": 2, "method": "random"},
        ],
    }
    with pytest.raises(InputError) as info:
        select_sample(balanced_frame(), bad, seed=1)
    text = str(info.value)
    for part in ("stratum", "stages[1].n", "stages[2].method", "last stage must draw households"):
        assert part in text


def weighted_sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": ["A"] * 6 + ["B"] * 4,
            "sex": ["nam", "nam", "nu", "nu", "nu", "nam", "nam", "nu", "nu", "nu"],
            "age": ["y", "o", "y", "o", "y", "y", "o", "y", "o", "o"],
            "weight": [10.0, 12, 8, 9, 11, 10, 20, 25, 15, 30],
        }
    )


def test_poststratification_reproduces_the_cell_totals_exactly():
    margins = pd.DataFrame(
        {
            "variable": ["sex+age"] * 4,
            "category": ["nam+y", "nam+o", "nu+y", "nu+o"],
            "total": [300, 250, 280, 270],
        }
    )
    out = calibrate(weighted_sample(), margins, "poststrat")
    cells = out.groupby(["sex", "age"])["weight"].sum()
    assert cells[("nam", "y")] == pytest.approx(300, rel=1e-12)
    assert cells[("nam", "o")] == pytest.approx(250, rel=1e-12)
    assert cells[("nu", "y")] == pytest.approx(280, rel=1e-12)
    assert cells[("nu", "o")] == pytest.approx(270, rel=1e-12)
    # nam+y: weights 10, 10 (Σ 20) → factor 300/20 = 15
    assert out.loc[0, "calibration_factor"] == pytest.approx(15.0)


def test_raking_meets_both_margins_and_per_unit_margins():
    margins = pd.DataFrame(
        {
            "variable": ["sex", "sex", "age", "age"],
            "category": ["nam", "nu", "y", "o"],
            "total": [520, 580, 600, 500],
        }
    )
    out = calibrate(weighted_sample(), margins, "raking", tol=1e-10)
    assert out.groupby("sex")["weight"].sum().to_dict() == pytest.approx(
        {"nam": 520, "nu": 580}, rel=1e-9
    )
    assert out.groupby("age")["weight"].sum().to_dict() == pytest.approx(
        {"y": 600, "o": 500}, rel=1e-9
    )
    assert out.attrs["calibration"]["iterations"] > 1
    by_unit = pd.DataFrame(
        {
            "unit": ["A", "A", "B", "B"],
            "variable": ["sex", "sex", "sex", "sex"],
            "category": ["nam", "nu", "nam", "nu"],
            "total": [100, 200, 50, 70],
        }
    )
    out = calibrate(weighted_sample(), by_unit, "raking", by="unit")
    got = out.groupby(["unit", "sex"])["weight"].sum()
    assert got[("A", "nam")] == pytest.approx(100)
    assert got[("B", "nu")] == pytest.approx(70)


def test_raking_on_one_variable_equals_poststratification():
    margins = pd.DataFrame({"variable": ["sex", "sex"], "category": ["nam", "nu"], "total": [5, 7]})
    a = calibrate(weighted_sample(), margins, "raking")
    b = calibrate(weighted_sample(), margins, "poststrat")
    assert np.allclose(a["weight"], b["weight"])


def test_calibration_problems():
    margins = pd.DataFrame(
        {
            "variable": ["sex", "sex", "sex"],
            "category": ["nam", "khac", "nam"],
            "total": [5, "x", 6],
        }
    )
    with pytest.raises(InputError) as info:
        calibrate(weighted_sample(), margins, "raking", margins_source="M.csv")
    text = str(info.value)
    assert "M.csv: row 3: total" in text and "M.csv: row 4: category" in text
    margins = pd.DataFrame(
        {"variable": ["sex", "sex"], "category": ["nam", "khac"], "total": [5, 6]}
    )
    with pytest.raises(InputError) as info:
        calibrate(weighted_sample(), margins, "raking", source="S.csv")
    text = str(info.value)
    assert "'nu' has no population total" in text and "'khac' has no respondent" in text
    # inconsistent margins (totals 10 vs 1000) cannot converge
    margins = pd.DataFrame(
        {
            "variable": ["sex", "sex", "age", "age"],
            "category": ["nam", "nu", "y", "o"],
            "total": [5, 5, 500, 500],
        }
    )
    with pytest.raises(InputError, match="did not converge"):
        calibrate(weighted_sample(), margins, "raking", max_iter=20)


def test_sample_size_known_answers():
    # z = 1.959964: 1.959964² × 0.25 / 0.05² = 384.15 → 385
    assert sample_size(0.05) == 385
    # × deff 1.5 = 576.22 → 577
    assert sample_size(0.05, deff=1.5) == 577
    # finite population N = 10,000: 384.15 / (1 + 383.15/10,000) = 369.98 → 370
    assert sample_size(0.05, population=10_000) == 370
    # ±3 % at 95 %: 1.959964² × 0.25 / 0.0009 = 1067.07 → 1068
    assert sample_size(0.03) == 1068
    # 99 %: z = 2.575829, p = 0.2: 6.634897 × 0.16 / 0.0025 = 424.63 → 425
    assert sample_size(0.04 / 0.8, confidence=0.99, p=0.2) == 425
    # the pilot formula: 10,000 / (1 + 10,000 × 0.0025) = 384.6 → 385; 1,000 / 3.5 → 286
    assert yamane_size(10_000, 0.05) == 385
    assert yamane_size(1_000, 0.05) == 286
    with pytest.raises(InputError, match="moe"):
        sample_size(5)
