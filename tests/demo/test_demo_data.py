"""The simulated province: deterministic, the right size, realistic and scorable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parindex.demo import KINDS, MERGERS, build_demo
from parindex.scoring import score


def _predecessors(text: str) -> dict[str, float]:
    """ "A:0.6;B:0.4" → {"A": 0.6, "B": 0.4} (the units-table format)."""
    pairs = (part.split(":") for part in text.split(";"))
    return {code: float(weight) for code, weight in pairs}


@pytest.fixture(scope="module")
def demo():
    return build_demo(seed=2025)


@pytest.fixture(scope="module")
def scored(demo):
    out = {}
    for kind in demo.kinds:
        previous = None
        for year in demo.years:
            result = score(
                demo.frameworks[kind],
                demo.inputs_of(year, kind),
                demo.units_of(year, kind),
                previous,
            )
            out[kind, year] = result
            previous = result.results
    return out


def _leaves(demo, kind, blocks=False):
    fw = demo.frameworks[kind]
    leaves = fw.leaves()
    if blocks:
        leaves += fw.block_leaves("bonus") + fw.block_leaves("penalty")
    return {n.code: n for n in leaves}


def test_same_seed_same_data_other_seed_other_data():
    a, b, c = build_demo(seed=7), build_demo(seed=7), build_demo(seed=8)
    for year in a.years:
        pd.testing.assert_frame_equal(a.units[year], b.units[year])
        for kind in KINDS:
            pd.testing.assert_frame_equal(a.inputs_of(year, kind), b.inputs_of(year, kind))
    year = a.last_year
    assert not a.inputs_of(year, "commune").equals(c.inputs_of(year, "commune"))
    assert not a.inputs_of(year, "department").equals(c.inputs_of(year, "department"))


def test_three_years_about_20_departments_and_60_communes(demo):
    assert demo.years == (2023, 2024, 2025)
    assert set(demo.frameworks) == {"department", "commune"}
    assert demo.frameworks["department"].id == "example-department-2025"
    assert "mô phỏng" in demo.province
    for year in demo.years:
        assert 18 <= len(demo.units_of(year, "department")) <= 22
        assert 55 <= len(demo.units_of(year, "commune")) <= 65
        units = demo.units[year]
        assert list(units.columns) == [
            "unit_code",
            "unit_name",
            "unit_kind",
            "peer_group",
            "predecessors",
            "region",
        ]
        assert units["unit_code"].is_unique
        assert {"Sở Nội vụ", "Sở Tài chính", "Văn phòng UBND tỉnh"} <= set(units["unit_name"])
        assert set(units.loc[units["unit_kind"] == "commune", "peer_group"]) == {"Phường", "Xã"}


def test_units_of_inputs_are_the_units_of_the_year(demo):
    for year in demo.years:
        for kind in demo.kinds:
            assert set(demo.inputs_of(year, kind)["unit_code"]) == set(
                demo.units_of(year, kind)["unit_code"]
            )


def test_merged_units_in_the_last_year_name_predecessors_of_the_year_before(demo):
    last, before = demo.years[-1], demo.years[-2]
    units = demo.units_of(last, "commune")
    merged = units[units["predecessors"] != ""]
    assert len(merged) == len(MERGERS)
    previous_codes = set(demo.units_of(before, "commune")["unit_code"])
    sizes = []
    for text in merged["predecessors"]:
        preds = _predecessors(text)
        sizes.append(len(preds))
        assert set(preds) <= previous_codes
        assert not set(preds) & set(units["unit_code"])  # they are gone
        assert sum(preds.values()) == pytest.approx(1.0)
        assert all(0 < w < 1 for w in preds.values())
    assert sorted(sizes) == [2, 2, 3]
    for year in demo.years[:-1]:
        assert (demo.units[year]["predecessors"] == "").all()
    assert (demo.units_of(last, "department")["predecessors"] == "").all()


def test_units_never_self_score_survey_leaves(demo):
    for kind in demo.kinds:
        survey = {c for c, n in _leaves(demo, kind).items() if n.rule_type == "survey"}
        for year in demo.years:
            rows = demo.inputs_of(year, kind)
            on_survey = rows[rows["criterion_code"].isin(survey)]
            assert len(on_survey) > 0
            assert (on_survey["track"] == "appraised").all()
            values = on_survey.loc[on_survey["applicable"], "value"].astype(float)
            assert values.between(0.70, 0.96).all()
            assert 0.78 <= values.mean() <= 0.92


def test_every_option_value_is_a_label_of_the_framework(demo):
    for kind in demo.kinds:
        leaves = _leaves(demo, kind, blocks=True)
        options = {
            c: {o["label"] for o in n.rule["options"]}
            for c, n in leaves.items()
            if n.rule_type == "options"
        }
        for year in demo.years:
            rows = demo.inputs_of(year, kind)
            rows = rows[rows["criterion_code"].isin(options) & rows["applicable"]]
            assert len(rows) > 0
            bad = [
                (c, v)
                for c, v in zip(rows["criterion_code"], rows["value"], strict=True)
                if v not in options[c]
            ]
            assert bad == []
            # more than one option is used: units differ
            assert rows["value"].nunique() > 3


def test_values_have_the_types_their_rules_expect(demo):
    for kind in demo.kinds:
        leaves = _leaves(demo, kind)
        for year in demo.years:
            rows = demo.inputs_of(year, kind)
            rows = rows[rows["applicable"]]
            rule_of = {c: n.rule_type for c, n in leaves.items()}
            rule = rows["criterion_code"].map(rule_of).fillna("")
            ratios = rows.loc[rule.isin(["bands", "linear", "survey"]), "value"].astype(float)
            assert ratios.between(0, 1).all()
            counts = rows.loc[rule == "deduction", "value"].astype(int)
            assert (counts >= 0).all() and counts.max() >= 1
            assert (counts <= 2).mean() > 0.9  # mostly 0–2 cases
            formula = rows[rule == "formula"]
            assert (formula["input"] != "").all()
            assert set(formula["input"]) == {"on_time", "required", "overdue", "apologised"}


def test_some_leaves_are_not_applicable_to_some_units(demo):
    for kind in demo.kinds:
        for year in demo.years:
            rows = demo.inputs_of(year, kind)
            na = rows[~rows["applicable"]]
            assert len(na) > 0
            assert na["value"].isna().all()
            n_units = len(demo.units_of(year, kind))
            per_leaf = na.groupby("criterion_code")["unit_code"].nunique()
            assert (per_leaf <= n_units / 3).all()  # a few units per leaf, not most
    dept = demo.inputs_of(demo.last_year, "department")
    na = dept[~dept["applicable"]]
    assert {"3.2.1", "7.2.1"} <= set(na.loc[na["unit_code"] == "BQLDA-GT", "criterion_code"])
    assert "3.2.1" not in set(na.loc[na["unit_code"] == "SNV", "criterion_code"])


def test_demo_scores_without_problems_and_gives_plausible_indices(demo, scored):
    for key, result in scored.items():
        assert result.warnings == [], key  # every applicable leaf has an appraised value
        index = result.results["index_pct"]
        assert index.between(55, 100).all(), key
        assert 78 <= index.mean() <= 92, key
        assert result.results["class"].nunique() >= 2, key


def test_appraised_is_below_self_on_most_leaves_and_some_are_cut(demo, scored):
    for key, result in scored.items():
        detail = result.detail
        leaves = detail[detail["is_leaf"] & detail["applicable"]]
        diff = leaves["points"] - leaves["self_points"]
        assert (diff <= 1e-9).mean() > 0.95, key
        assert (diff < -1e-9).sum() >= 10, key  # the appraisers cut some leaves
        res = result.results
        assert (res["diff_points"] <= 1e-9).mean() >= 0.8, key


def test_rank_one_in_every_peer_group(scored):
    for result in scored.values():
        res = result.results
        for _, group in res.groupby("peer_group"):
            assert (group["rank"] == 1).any()


def test_latent_quality_drifts_but_persists(demo, scored):
    kind = "commune"
    a = scored[kind, demo.years[0]].results.set_index("unit_code")["index_pct"]
    b = scored[kind, demo.years[1]].results.set_index("unit_code")["index_pct"]
    common = a.index.intersection(b.index)
    corr = np.corrcoef(a[common], b[common])[0, 1]
    assert 0.3 < corr < 0.99
    assert not np.allclose(a[common], b[common])


def test_some_units_keep_losing_points_on_the_same_leaves(demo, scored):
    from parindex.analysis import recurring_losses

    for kind in demo.kinds:
        details = {year: scored[kind, year].detail for year in demo.years}
        recurring = recurring_losses(details, min_years=2)
        rule_of = {c: n.rule_type for c, n in _leaves(demo, kind).items()}
        non_survey = recurring[recurring["node_code"].map(rule_of) != "survey"]
        full = non_survey[non_survey["streak"] == len(demo.years)]
        assert len(full) >= 5
