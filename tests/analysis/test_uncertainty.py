"""Rank uncertainty: exact at zero perturbation, reproducible, equal to run-by-run
re-scoring and to a pandas reference, and known answers for the indistinguishable rule,
the geometric aggregation and the sensitivity indices."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from test_whatif import FIELD_MAX, NOMINAL_RANK, VALUES, scored

from parindex.analysis.uncertainty import (
    METHOD_VERSION,
    competition_ranks_by_row,
    rank_interval_text,
    rank_uncertainty,
    simulated_weights,
    survey_sd_from_intervals,
)
from parindex.errors import InputError


@pytest.fixture(scope="module")
def base():
    return scored()


def two_field_results(units: dict[str, tuple[float, float]], group: str = "G") -> pd.DataFrame:
    """R-like rows for fields "1" and "2" of 10 points each: index = their mean."""
    return pd.DataFrame(
        [
            {
                "unit_code": code,
                "unit_name": f"Đơn vị {code}",
                "peer_group": group,
                "index_pct": (a + b) / 2,
                "field_1_pct": a,
                "field_2_pct": b,
            }
            for code, (a, b) in units.items()
        ]  # fmt: skip
    )


TWO = {"1": 10.0, "2": 10.0}


def test_zero_perturbation_gives_the_nominal_rank(base):
    survey = pd.DataFrame(
        {"unit_code": ["S1", "S5"], "field_code": ["3", "3"], "sd_points": [0.0, 0.0]}
    )
    result = rank_uncertainty(
        base.results, FIELD_MAX, survey_sd=survey, runs=64, weight_range=0.0, seed=3
    )
    table = result.table.set_index("unit_code")
    for col in ("rank", "median_rank", "rank_p05", "rank_p95"):
        assert {c: int(table.loc[c, col]) for c in VALUES} == NOMINAL_RANK, col
    assert (table["rank_mean"] == table["rank"].astype(float)).all()
    # the scoring's own ranks, ties included (S3 and S4 share rank 3)
    assert (table.loc[base.results["unit_code"], "rank"].to_numpy()
            == base.results["rank"].to_numpy()).all()  # fmt: skip
    # only the tie is indistinguishable
    marked = table[table["indistinguishable"]]
    assert dict(marked["indistinguishable_from"]) == {"S3": "S4", "S4": "S3"}
    assert table.loc["S5", "flip_share_above"] == 0
    assert np.isnan(table.loc["S1", "flip_share_above"])
    assert result.sensitivity["index"].isna().all()  # nothing varies
    assert rank_interval_text(3, 3, 3) == "hạng 3"


def test_reproducible_with_a_seed_whatever_the_chunks(base):
    survey = pd.DataFrame(
        {"unit_code": ["S2", "S3", "S4", "S6"], "field_code": ["3"] * 4,
         "sd_points": [0.4, 0.5, 0.5, 0.3], "source": ["e"] * 4}
    )  # fmt: skip
    options = dict(survey_sd=survey, runs=300, alternative_aggregation=True, seed=11)
    one = rank_uncertainty(base.results, FIELD_MAX, **options)
    again = rank_uncertainty(base.results, FIELD_MAX, **options, chunk_runs=7)
    pd.testing.assert_frame_equal(one.table, again.table)
    pd.testing.assert_frame_equal(one.sensitivity, again.sensitivity)
    other = rank_uncertainty(base.results, FIELD_MAX, **{**options, "seed": 12})
    assert not np.allclose(one.table["rank_mean"], other.table["rank_mean"])
    assert one.method["seed"] == 11 and one.method["runs"] == 300
    assert one.method["method_version"] == METHOD_VERSION
    assert one.method["survey"] and one.method["alternative_aggregation"]


def test_run_by_run_rescoring_gives_the_same_intervals():
    """Each run's weights as a re-issued framework (fields scaled, their criteria keeping
    their shares), scored again by `parindex.scoring.score`: same rank percentiles.
    Units with a not-applicable criterion are left out: for them the model keeps the
    field's nominal weight rather than the applicable part."""
    values = {k: v for k, v in VALUES.items() if k != "S6"}
    base = scored(values)
    runs, seed = 24, 5
    result = rank_uncertainty(base.results, FIELD_MAX, runs=runs, seed=seed)
    weights = simulated_weights(FIELD_MAX, runs, 0.2, seed)
    assert np.allclose(weights.sum(axis=1), 40.0)
    ranks = []
    for run in weights.to_dict("records"):
        scale = {f: run[f] / FIELD_MAX[f] for f in FIELD_MAX}
        again = scored(values, field_scale=scale).results.set_index("unit_code")
        ranks.append(again.loc[list(values), "rank"].to_numpy())
    ranks = np.array(ranks)
    table = result.table.set_index("unit_code").loc[list(values)]
    for q, col in ((5, "rank_p05"), (50, "median_rank"), (95, "rank_p95")):
        expected = np.percentile(ranks, q, axis=0, method="inverted_cdf")
        assert (table[col].to_numpy() == expected).all(), col
    assert np.allclose(table["rank_mean"], ranks.mean(axis=0))
    assert (table["rank_p05"] < table["rank_p95"]).any()  # the weights did move ranks


def test_many_runs_match_a_pandas_reference_per_peer_group():
    rng = np.random.default_rng(3)
    n, fields = 45, {"1": 10.0, "2": 20.0, "3": 30.0, "4": 40.0}
    w0 = np.array(list(fields.values()))
    pct = np.round(np.clip(rng.normal(80, 8, (n, 4)), 0, 100), 1)
    groups = np.where(np.arange(n) % 3 == 0, "A", "B")
    frame = pd.DataFrame(
        {"unit_code": [f"U{i:03d}" for i in range(n)], "peer_group": groups,
         "index_pct": pct @ w0 / w0.sum(), **{f"field_{c}_pct": pct[:, i]
                                              for i, c in enumerate(fields)}}
    )  # fmt: skip
    runs = 400
    result = rank_uncertainty(frame, fields, runs=runs, seed=7, weight_range=0.3)
    weights = simulated_weights(fields, runs, 0.3, 7).to_numpy()
    reference = []
    for w in weights:
        value = pd.Series(np.round(pct @ w / w.sum() / 1e-9) * 1e-9)
        reference.append(value.groupby(groups).rank(method="min", ascending=False).to_numpy())
    reference = np.array(reference)
    table = result.table.set_index("unit_code").loc[frame["unit_code"]]
    for q, col in ((5, "rank_p05"), (50, "median_rank"), (95, "rank_p95")):
        expected = np.percentile(reference, q, axis=0, method="inverted_cdf")
        assert (table[col].to_numpy() == expected).all(), col
    assert np.allclose(table["rank_mean"], reference.mean(axis=0))


def test_competition_ranks_by_row_has_explicit_ties():
    values = np.array([[3.0, 5.0, 5.0, 1.0], [1.0, 1.0, 1.0, 2.0]])
    assert competition_ranks_by_row(values).tolist() == [[3, 1, 1, 4], [2, 2, 2, 1]]


def test_aggregation_switch_and_the_indistinguishable_rule():
    """A (100, 50) leads B (73, 73) on the arithmetic mean (75 > 73) but not on the
    geometric one (70.7 < 73); C (10, 10) is far behind either way."""
    frame = two_field_results({"A": (100, 50), "B": (73, 73), "C": (10, 10)})
    runs = 1000
    result = rank_uncertainty(
        frame, TWO, runs=runs, weight_range=0.0, alternative_aggregation=True, seed=2
    )
    t = result.table.set_index("unit_code")
    share = t.loc["B", "flip_share_above"]  # = the share of geometric runs
    assert 0.45 < share < 0.55
    assert (t.loc["A", "rank_p05"], t.loc["A", "rank_p95"]) == (1, 2)
    assert (t.loc["B", "rank_p05"], t.loc["B", "rank_p95"]) == (1, 2)
    assert t.loc["A", "rank_mean"] == pytest.approx(1 + share)
    assert t.loc["A", "indistinguishable_from"] == "B"
    assert t.loc["B", "indistinguishable_from"] == "A"
    assert not t.loc["C", "indistinguishable"] and t.loc["C", "flip_share_above"] == 0
    sens = result.sensitivity.set_index("choice")
    assert sens.loc["aggregation", "index"] > 0.97  # the only thing that varies
    assert sens.loc[["weight:1", "weight:2"], "index"].isna().all()


def test_threshold_of_the_rule_is_an_option():
    frame = two_field_results({"A": (100, 50), "B": (73, 73)})
    result = rank_uncertainty(
        frame, TWO, runs=200, weight_range=0.0, alternative_aggregation=True,
        flip_threshold=0.9,
    )  # fmt: skip
    assert not result.table["indistinguishable"].any()


def test_geometric_mean_counts_an_empty_field_as_one_percent():
    """A (0, 100): geometric mean with the 1 % floor = 10, so B (12, 12) passes it in
    geometric runs but C (9, 9) never does (with 0 instead of 1 %, C would)."""
    frame = two_field_results({"A": (0, 100), "B": (12, 12), "C": (9, 9)})
    result = rank_uncertainty(
        frame, TWO, runs=200, weight_range=0.0, alternative_aggregation=True, seed=1
    )
    t = result.table.set_index("unit_code")
    assert (t.loc["A", "rank_p05"], t.loc["A", "rank_p95"]) == (1, 2)
    assert (t.loc["C", "rank_p05"], t.loc["C", "rank_p95"]) == (3, 3)


def test_weight_of_a_field_on_which_all_units_are_equal_explains_nothing():
    rng = np.random.default_rng(8)
    n = 150
    pct = np.column_stack([np.full(n, 80.0), rng.uniform(50, 100, n), rng.uniform(50, 100, n)])
    fields = {"1": 20.0, "2": 40.0, "3": 40.0}
    w0 = np.array(list(fields.values()))
    frame = pd.DataFrame(
        {"unit_code": [f"U{i}" for i in range(n)], "index_pct": pct @ w0 / 100,
         **{f"field_{c}_pct": pct[:, i] for i, c in enumerate(fields)}}
    )  # fmt: skip
    result = rank_uncertainty(frame, fields, runs=2000, weight_range=0.3, seed=4)
    sens = result.sensitivity.set_index("choice")["index"]
    assert sens["weight:1"] < 0.02
    assert sens["weight:2"] > 0.3 and sens["weight:3"] > 0.3
    assert result.method["first_order_sum"] == pytest.approx(sens.sum())


def test_survey_sensitivity_known_answer():
    """A (80 %) has a survey estimate on field 2, B (81 %) none. A passes B exactly when its
    draw z ≥ Φ⁻¹(0.7) (chosen on a bin edge), so A's own draw explains all of A's rank
    variance and, B's rank being its mirror, half of the total: the index is ½."""
    frame = two_field_results({"A": (80, 80), "B": (81, 81)})
    z_star = NormalDist().inv_cdf(0.7)
    # index shift per draw = w2 / (w1 + w2) × sd / 10 × 100 = 5·sd
    survey = pd.DataFrame(
        {"unit_code": ["A"], "field_code": ["2"], "sd_points": [1 / (5 * z_star)]}
    )
    result = rank_uncertainty(frame, TWO, survey_sd=survey, runs=4000, weight_range=0.0, seed=9)
    t = result.table.set_index("unit_code")
    assert 0.27 < t.loc["A", "flip_share_above"] < 0.33
    assert t.loc["A", "indistinguishable_from"] == "B"
    sens = result.sensitivity.set_index("choice")["index"]
    assert sens["survey"] == pytest.approx(0.5, abs=0.02)


def test_one_estimate_feeding_two_rows_moves_them_together():
    frame = two_field_results({"A": (80, 80), "B": (81, 81), "C": (79, 82)})
    shared = pd.DataFrame(
        {"unit_code": ["A", "A"], "field_code": ["2", "2"], "sd_points": [0.2, 0.2],
         "source": ["e1", "e1"]}
    )  # fmt: skip
    single = pd.DataFrame(
        {"unit_code": ["A"], "field_code": ["2"], "sd_points": [0.4], "source": ["e1"]}
    )
    options = dict(runs=300, weight_range=0.0, seed=5)
    one = rank_uncertainty(frame, TWO, survey_sd=shared, **options)
    two = rank_uncertainty(frame, TWO, survey_sd=single, **options)
    pd.testing.assert_frame_equal(one.table, two.table)
    assert (one.table["rank_p05"] != one.table["rank_p95"]).any()


def test_survey_sd_from_intervals():
    estimates = pd.DataFrame(
        {"unit_code": ["S1", "S2", "S3"], "criterion_code": ["3.2", "3.2", "3.2"],
         "ci_low_pct": [70, 80, None], "ci_high_pct": [80, 90, None],
         "element": ["hai_long", "hai_long", "hai_long"]}
    )  # fmt: skip
    sd = survey_sd_from_intervals(estimates, {"3.2": "3"}, {"3.2": 10.0})
    assert list(sd["unit_code"]) == ["S1", "S2"]  # no interval: taken as exact
    assert sd["sd_points"].iloc[0] == pytest.approx(10 * 0.10 / 3.92)
    assert set(sd["field_code"]) == {"3"} and set(sd["source"]) == {"hai_long"}
    with pytest.raises(InputError) as caught:
        survey_sd_from_intervals(
            estimates.assign(criterion_code="1.1"), {"3.2": "3"}, {"3.2": 10.0}
        )
    assert "row 2: criterion_code" in str(caught.value)


def test_peer_groups_rank_separately(base):
    result = rank_uncertainty(base.results, FIELD_MAX, runs=200, seed=1)
    t = result.table
    ban = t[t["peer_group"] == "Ban"]
    assert ban["rank_p95"].max() <= 3
    assert list(t["peer_group"].unique()) == ["Sở", "Ban"]
    # rows in nominal order within each group
    for _group, rows in t.groupby("peer_group", sort=False):
        assert list(rows["rank"]) == sorted(rows["rank"])


def test_progress_is_reported_per_chunk(base):
    seen = []
    rank_uncertainty(
        base.results, FIELD_MAX, runs=50, chunk_runs=20,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert seen == [(20, 50), (40, 50), (50, 50)]


def test_input_errors_name_the_column_and_row(base):
    with pytest.raises(InputError) as caught:
        rank_uncertainty(base.results.drop(columns="field_3_pct"), FIELD_MAX, runs=10)
    assert "field_3_pct" in str(caught.value)
    with pytest.raises(InputError) as caught:
        rank_uncertainty(base.results, {"1": 10.0, "2": 10.0}, runs=10)
    assert "field_3_pct" in str(caught.value)
    bad = pd.DataFrame({"unit_code": ["S1", "ZZ"], "field_code": ["3", "3"], "sd_points": [1, 1]})
    with pytest.raises(InputError) as caught:
        rank_uncertainty(base.results, FIELD_MAX, survey_sd=bad, runs=10, survey_source="S.csv")
    assert "S.csv: row 3: unit_code" in str(caught.value)
    with pytest.raises(InputError):
        rank_uncertainty(base.results, FIELD_MAX, runs=10, weight_range=1.0)


def test_units_without_an_index_get_no_rank():
    frame = two_field_results({"A": (80, 80), "B": (70, 70)})
    frame.loc[len(frame)] = ["C", "Đơn vị C", "G", np.nan, np.nan, np.nan]
    t = rank_uncertainty(frame, TWO, runs=20).table.set_index("unit_code")
    assert pd.isna(t.loc["C", "rank"]) and pd.isna(t.loc["C", "rank_p95"])
    assert int(t.loc["B", "rank"]) == 2
