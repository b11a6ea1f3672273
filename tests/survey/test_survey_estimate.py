"""Estimates and Taylor standard errors checked against arithmetic written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from parindex.errors import InputError
from parindex.survey.estimate import (
    ALL,
    OVERALL,
    compare,
    estimate,
    expectations,
    parse_design,
    respondent_scores,
)

# Two strata × two PSUs; one question on the 5-point scale, 4 and 5 = satisfied.
#   stratum A, PSU a1: w=1 answer 5 (y=1) | w=1 answer 2 (y=0)
#   stratum A, PSU a2: w=2 answer 4 (y=1) | w=2 blank (missing, not unsatisfied)
#   stratum B, PSU b1: w=1 answer 1 (y=0) | w=3 answer 5 (y=1)
#   stratum B, PSU b2: w=2 answer 3 (y=0) | w=2 answer 4 (y=1)
SMALL = pd.DataFrame(
    {
        "stratum": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "psu": ["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"],
        "weight": [1, 1, 2, 2, 1, 3, 2, 2],
        "unit": ["X", "X", "X", "X", "X", "Y", "Y", "Y"],
        "q1": ["5", "2", "4", "", "1", "5", "3", "4"],
    }
)
DESIGN = {
    "columns": {"stratum": "stratum", "psu": "psu", "weight": "weight", "unit": "unit"},
    "satisfied": [4, 5],
    "elements": {"e": ["q1"]},
    "min_n": 5,
    "max_cv": 0.2,
}


def row(table: pd.DataFrame, unit: str, element: str) -> pd.Series:
    hit = table[(table["unit_code"] == unit) & (table["element"] == element)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_all_units_estimate_and_taylor_se_by_hand():
    # Σw = 1+1+2+1+3+2+2 = 12 over the 7 answers; Σwy = 1+2+3+2 = 8 → R = 2/3.
    # z = w (y − 2/3) / 12, in 36ths: a1: +1, −2 → t=−1; a2: +2 (blank: 0) → t=+2;
    #   b1: −2, +3 → t=+1; b2: −4, +2 → t=−2.
    # Stratum A: mean 0.5, deviations ±1.5 → 2/1 × 4.5 = 9; stratum B: the same 9.
    # V = 18/36² = 1/72.
    table = estimate(SMALL, DESIGN)
    r = row(table, ALL, "e")
    assert r["estimate_pct"] == pytest.approx(200 / 3)
    se = math.sqrt(1 / 72)
    assert r["se_pct"] == pytest.approx(100 * se)
    assert r["ci_low_pct"] == pytest.approx(100 * (2 / 3 - 1.96 * se))
    assert r["ci_high_pct"] == pytest.approx(100 * (2 / 3 + 1.96 * se))
    assert r["n"] == 7  # the blank answer is not counted
    # deff: Σw(y−R)² = 8·(1/3)² + 4·(2/3)² = 8/3; V_srs = (8/3) / (12 · 6) = 1/27
    assert r["deff"] == pytest.approx((1 / 72) / (1 / 27))
    # se/estimate = 0.1179/0.6667 = 0.18 < 0.2; n = 7 ≥ min_n 5
    assert not r["high_cv"] and not r["small_sample"]


def test_domain_estimate_keeps_every_psu_of_the_design():
    # Unit X: answers (w, y) = (1,1) (1,0) (2,1) (1,0) → W = 5, Σwy = 3, R = 0.6.
    # z = w (y − 0.6)/5 inside X, 0 outside: t_a1 = 0.08 − 0.12 = −0.04, t_a2 = 0.16,
    #   t_b1 = −0.12 (its second respondent is in Y), t_b2 = 0 (no respondent of X).
    # Stratum A: mean 0.06, deviations ±0.10 → 2 × 0.02 = 0.04.
    # Stratum B: mean −0.06, deviations ±0.06 → 2 × 0.0072 = 0.0144.  V = 0.0544.
    table = estimate(SMALL, DESIGN)
    r = row(table, "X", "e")
    assert r["estimate_pct"] == pytest.approx(60.0)
    assert r["se_pct"] == pytest.approx(100 * math.sqrt(0.0544))
    assert r["n"] == 4
    # Estimating X on its own rows would lose PSU b2 and make stratum B lonely.
    alone = SMALL[SMALL["unit"] == "X"]
    with pytest.raises(InputError, match="single PSU"):
        estimate(alone, DESIGN)


def test_unit_y_and_flags():
    # Unit Y: (3,1) (2,0) (2,1) → W = 7, Σwy = 5, R = 5/7.
    # z: b1 second 3·(2/7)/7 = 6/49; b2: 2·(−5/7)/7 = −10/49, 2·(2/7)/7 = 4/49 → t_b2 = −6/49;
    #   stratum A PSUs: 0, 0.  A: 0.  B: mean 0, deviations ±6/49 → 2 × 72/49² = 144/2401.
    table = estimate(SMALL, DESIGN)
    r = row(table, "Y", "e")
    assert r["estimate_pct"] == pytest.approx(500 / 7)
    assert r["se_pct"] == pytest.approx(100 * 12 / 49)
    assert r["n"] == 3 and r["small_sample"]
    assert r["high_cv"] == (12 / 49 / (5 / 7) > 0.2)


def test_lonely_psu_error_names_the_stratum_and_adjust_centres_on_grand_mean():
    # A third stratum C with one PSU (c1: w=1 answer 5, w=1 answer 1).
    extra = pd.DataFrame(
        {
            "stratum": ["C", "C"],
            "psu": ["c1", "c1"],
            "weight": [1, 1],
            "unit": ["Y", "Y"],
            "q1": ["5", "1"],
        }
    )
    data = pd.concat([SMALL, extra], ignore_index=True)
    with pytest.raises(InputError) as info:
        estimate(data, DESIGN)
    assert "stratum 'C'" in str(info.value) and "lonely_psu: adjust" in str(info.value)

    # adjust: Σw = 14, Σwy = 9, R = 9/14. z = w (y − 9/14)/14, in units of 1/196:
    #   a1: 5 − 9 = −4; a2: 10; b1: −9 + 15 = 6; b2: −18 + 10 = −8; c1: 5 − 9 = −4.
    # Stratum A: mean 3, dev ±7 → 2 × 98 = 196; B: mean −1, dev ±7 → 196.
    # C (lonely): grand mean of the 5 PSU totals = 0 → (−4)² = 16.  V = 408 / 196².
    table = estimate(data, {**DESIGN, "lonely_psu": "adjust"})
    r = row(table, ALL, "e")
    assert r["estimate_pct"] == pytest.approx(900 / 14)
    assert r["se_pct"] == pytest.approx(100 * math.sqrt(408) / 196)


def test_lonely_psu_adjust_matches_a_published_known_answer():
    # Known answer of R survey (svymean, survey.lonely.psu = "adjust") on a 9-row design,
    # y on 1–10 used as scores y/10 so the estimate is 10 × mean(y):
    # mean = 45/10.5; PSU totals of w(y − mean)/10.5 in 1/73.5: stratum 1: 1, −3;
    # stratum 2 (one PSU): 53; stratum 3: −46, −16, 11. Grand mean 0.
    # V = [2·(10 − 4/2) + 53² + 3/2·(2493 − 51²/3)] / 73.5² = 5264 / 5402.25; SE 0.98712.
    toy = pd.DataFrame(
        {
            "strata": [1, 1, 1, 2, 2, 3, 3, 3, 3],
            "psu": [11, 11, 12, 21, 21, 31, 32, 33, 33],
            "w": [1.0, 2.0, 1.5, 1.0, 0.5, 2.0, 1.0, 1.0, 0.5],
            "y": [3, 5, 4, 10, 8, 1, 2, 6, 4],
        }
    )
    design = {
        "columns": {"stratum": "strata", "psu": "psu", "weight": "w"},
        "scores": {k: k / 10 for k in range(1, 11)},
        "elements": {"y": ["y"]},
        "lonely_psu": "adjust",
    }
    r = row(estimate(toy, design), ALL, "y")
    assert r["estimate_pct"] == pytest.approx(10 * 30 / 7)
    assert r["se_pct"] == pytest.approx(10 * math.sqrt(5264 / 5402.25))
    assert r["se_pct"] == pytest.approx(10 * 0.987121477399568, rel=1e-9)


def test_parts_and_overall_average_the_respondents_element_scores():
    # Respondent 1: e1 answers (5, 2) → 0.5; e2 (4) → 1; e3 blank → overall (0.5+1)/2 = 0.75
    # Respondent 2: e1 (1, blank) → 0; e2 blank; e3 (5) → 1 → overall 0.5; part p = e1,e2 → 0
    data = pd.DataFrame(
        {
            "a": ["5", "1"],
            "b": ["2", ""],
            "c": ["4", ""],
            "d": ["", "5"],
            "w": [1, 3],
        }
    )
    design = {
        "columns": {"weight": "w"},
        "elements": {"e1": ["a", "b"], "e2": ["c"], "e3": ["d"]},
        "parts": {"p": ["e1", "e2"]},
        "satisfied": [4, 5],
    }
    scores = respondent_scores(data, design)
    assert scores["e1"].tolist() == [0.5, 0.0]
    assert scores["p"].tolist() == [0.75, 0.0]
    assert scores[OVERALL].tolist() == [0.75, 0.5]
    table = estimate(data, design)
    # weighted: overall (1·0.75 + 3·0.5)/4 = 0.5625; e2 only respondent 1 → 1.0
    assert row(table, ALL, OVERALL)["estimate_pct"] == pytest.approx(56.25)
    assert row(table, ALL, "e2")["estimate_pct"] == pytest.approx(100.0)
    assert row(table, ALL, "e2")["n"] == 1
    assert row(table, ALL, "p")["estimate_pct"] == pytest.approx(100 * 0.75 / 4)
    assert list(table["element"]) == ["e1", "e2", "e3", "p", OVERALL]


def test_weighted_answer_scores_with_missing_answer_e():
    # A–E form: A 100 %, B 60 %, C 20 %, D 0 %, E = missing.
    # Respondent 1: A, E → 1.0;  respondent 2: B, C → 0.4;  respondent 3: E, E → no score.
    data = pd.DataFrame({"c1": ["A", "B", "E"], "c2": ["E", "C", "E"]})
    design = {
        "scores": {"A": 1, "B": 0.6, "C": 0.2, "D": 0},
        "missing_answers": ["E"],
        "elements": {"x": ["c1", "c2"]},
    }
    r = row(estimate(data, design), ALL, "x")
    assert r["estimate_pct"] == pytest.approx(70.0)
    assert r["n"] == 2
    # no PSU column: each respondent is a PSU, one stratum: z = (y − 0.7)/2 → ±0.15;
    # the respondent without a score is a PSU with total 0; mean 0 over 3 PSUs.
    # V = 3/2 · (0.15² + 0.15² + 0) = 0.0675
    assert r["se_pct"] == pytest.approx(100 * math.sqrt(0.0675))


def test_numbers_and_text_answers_are_the_same_answer():
    as_text = pd.DataFrame({"q": ["4", "4.0", " 5 ", "3", ""]})
    as_numbers = pd.DataFrame({"q": [4, 4.0, 5, 3, np.nan]})
    design = {"elements": {"e": ["q"]}}
    a = estimate(as_text, design)
    b = estimate(as_numbers, design)
    assert row(a, ALL, "e")["estimate_pct"] == pytest.approx(75.0)
    pd.testing.assert_frame_equal(a, b)


def test_bad_answers_and_columns_are_all_reported():
    data = SMALL.astype({"weight": object})
    data.loc[2, "q1"] = "7"
    data.loc[5, "q1"] = "rất hài lòng"
    data.loc[6, "weight"] = "abc"
    with pytest.raises(InputError) as info:
        estimate(data, DESIGN, source="R.csv")
    text = str(info.value)
    assert "R.csv: row 4: q1: answer '7'" in text
    assert "row 7: q1" in text
    assert "R.csv: row 8: weight" in text
    with pytest.raises(InputError, match="q2: question column of the design is missing"):
        estimate(SMALL, {**DESIGN, "elements": {"e": ["q1", "q2"]}})


def test_design_problems_are_all_reported():
    with pytest.raises(InputError) as info:
        parse_design(
            {
                "satisfied": [6],
                "elements": {"a": ["q1"]},
                "parts": {"p": ["a", "zz"]},
                "lonely_psu": "drop",
                "colums": {},
            }
        )
    text = str(info.value)
    for part in ("colums: unknown key", "satisfied", "zz", "lonely_psu", "'drop'"):
        assert part in text
    with pytest.raises(InputError, match="fraction"):
        parse_design({"scores": {"A": 100}, "elements": {"a": ["q"]}})


def _reference(data: pd.DataFrame, design: dict) -> dict[tuple[str, str], tuple[float, float]]:
    """A deliberately plain implementation: loops over units, elements and PSUs."""
    d = parse_design(design)
    scores = respondent_scores(data, d)
    strata = data["s"].tolist()
    psus = [f"{s}|{p}" for s, p in zip(strata, data["p"], strict=True)]
    psu_of_stratum: dict[str, set[str]] = {}
    for s, p in zip(strata, psus, strict=True):
        psu_of_stratum.setdefault(s, set()).add(p)
    out = {}
    for unit in [*sorted(set(data["u"])), ALL]:
        for name in d.names:
            num = den = 0.0
            members = []
            for i in range(len(data)):
                y = scores[name].iloc[i]
                if (unit == ALL or data["u"].iloc[i] == unit) and not math.isnan(y):
                    w = float(data["w"].iloc[i])
                    num += w * y
                    den += w
                    members.append(i)
            r = num / den
            totals = dict.fromkeys(psus, 0.0)
            for i in members:
                totals[psus[i]] += float(data["w"].iloc[i]) * (scores[name].iloc[i] - r) / den
            var = 0.0
            for _s, ps in psu_of_stratum.items():
                t = [totals[p] for p in ps]
                mean = sum(t) / len(t)
                var += len(t) / (len(t) - 1) * sum((x - mean) ** 2 for x in t)
            out[(unit, name)] = (100 * r, 100 * math.sqrt(var))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_estimates_equal_a_plain_loop(seed):
    rng = np.random.default_rng(seed)
    n = 120
    data = pd.DataFrame(
        {
            "s": rng.choice(["h1", "h2", "h3"], n),
            "p": rng.integers(0, 3, n),
            "w": rng.uniform(0.5, 3, n),
            "u": rng.choice(["U1", "U2", "U3", "U4"], n),
        }
    )
    for q in ("q1", "q2", "q3", "q4"):
        answers = rng.integers(1, 6, n).astype(object)
        answers[rng.random(n) < 0.2] = ""
        data[q] = answers
    design = {
        "columns": {"stratum": "s", "psu": "p", "weight": "w", "unit": "u"},
        "elements": {"a": ["q1", "q2"], "b": ["q3"], "c": ["q4"]},
        "parts": {"ab": ["a", "b"]},
    }
    table = estimate(data, design)
    ref = _reference(data, design)
    assert len(table) == len(ref)
    for r in table.itertuples():
        est, se = ref[(r.unit_code, r.element)]
        assert r.estimate_pct == pytest.approx(est, abs=1e-9)
        assert r.se_pct == pytest.approx(se, abs=1e-9)


def test_samplics_cross_check_of_domain_means():
    import samplics  # in the test extra: a missing cross-check must fail, not skip

    rng = np.random.default_rng(3)
    n = 300
    stratum = np.repeat(["s1", "s2", "s3"], 100)
    psu = np.repeat(np.arange(30), 10) % 10
    w = rng.uniform(1, 4, n)
    answers = rng.integers(1, 6, n).astype(float)
    answers[rng.random(n) < 0.1] = np.nan
    unit = rng.choice(["A", "B", "C"], n)
    data = pd.DataFrame({"st": stratum, "psu": psu, "w": w, "q": answers, "u": unit})
    table = estimate(
        data,
        {
            "columns": {"stratum": "st", "psu": "psu", "weight": "w", "unit": "u"},
            "elements": {"e": ["q"]},
        },
    )
    y = np.where(np.isnan(answers), np.nan, (answers >= 4).astype(float))
    psu_ids = [f"{s}-{p}" for s, p in zip(stratum, psu, strict=True)]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_domain = samplics.TaylorEstimator(samplics.PopParam.mean)
        by_domain.estimate(
            y=y, samp_weight=w, stratum=stratum, psu=psu_ids, domain=unit, remove_nan=True
        )
        overall = samplics.TaylorEstimator(samplics.PopParam.mean)
        overall.estimate(y=y, samp_weight=w, stratum=stratum, psu=psu_ids, remove_nan=True)
    for u in ("A", "B", "C"):
        r = row(table, u, "e")
        assert r["estimate_pct"] == pytest.approx(100 * by_domain.point_est[u], rel=1e-10)
        assert r["se_pct"] == pytest.approx(100 * by_domain.stderror[u], rel=1e-8)
    r = row(table, ALL, "e")
    assert r["estimate_pct"] == pytest.approx(100 * overall.point_est, rel=1e-10)
    assert r["se_pct"] == pytest.approx(100 * overall.stderror, rel=1e-8)


def test_change_and_significance_by_hand():
    current = pd.DataFrame(
        {
            "unit_code": ["U1", "U2", "U3"],
            "element": ["e", "e", "e"],
            "estimate_pct": [85.0, 90.0, 70.0],
            "se_pct": [3.0, 3.0, 2.0],
        }
    )
    previous = pd.DataFrame(
        {
            "unit_code": ["U1", "U2"],
            "element": ["e", "e"],
            "estimate_pct": [80.0, 80.0],
            "se_pct": [4.0, 4.0],
        }
    )
    out = compare(current, previous)
    # U1: 5 / √(9 + 16) = 1 → p = 2(1 − Φ(1)) = 0.3173; U2: 10/5 = 2 → p = 0.0455
    assert out["change"].tolist()[:2] == [5.0, 10.0]
    assert out["z"].tolist()[:2] == pytest.approx([1.0, 2.0])
    assert out["p_value"].tolist()[:2] == pytest.approx([0.3173105, 0.0455003], abs=1e-6)
    assert out["significant"].tolist() == [False, True, False]
    assert math.isnan(out["previous_pct"].iloc[2]) and math.isnan(out["z"].iloc[2])


def test_expectations_rank_the_weighted_share_of_top_answers():
    # Item x: top answer (3) by w 1 and 2 of w 1+2+1 → 75 %; item y: by w 1 of 4 → 25 %.
    data = pd.DataFrame(
        {"x": ["3", "3", "1"], "y": ["3", "2", "2"], "w": [1, 2, 1]},
    )
    out = expectations(
        data,
        {"x": "Thông tin", "y": "Trụ sở"},
        top=["3"],
        scale=["1", "2", "3"],
        columns={"weight": "w"},
    )
    assert out["item"].tolist() == ["x", "y"]
    assert out["share_pct"].tolist() == pytest.approx([75.0, 25.0])
    assert out["rank"].tolist() == [1, 2]
    assert out["label"].tolist() == ["Thông tin", "Trụ sở"]


def test_unit_codes_are_kept_as_written():
    data = pd.DataFrame({"unit": ["001", "001", "010"], "q": ["5", "1", "4"]})
    table = estimate(data, {"columns": {"unit": "unit"}, "elements": {"e": ["q"]}})
    assert table["unit_code"].unique().tolist() == ["001", "010", ALL]
    assert row(table, "001", "e")["estimate_pct"] == pytest.approx(50.0)
