"""Year-over-year comparison: real published ranks, merged units, rank-change wording."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.analysis.published import published_results
from parindex.errors import InputError
from parindex.scoring.yoy import (
    compare_with_previous,
    describe_rank_change,
    describe_rank_change_vi,
    parse_predecessors,
)


def _row(table: pd.DataFrame, code: str) -> pd.Series:
    rows = table[table["unit_code"] == code]
    assert len(rows) == 1, code
    return rows.iloc[0]


# --------------------------------------------------------------------- real published data


def test_da_nang_2022_rank_5_to_2023_rank_12_is_down_7_places():
    out = compare_with_previous(published_results(2023), published_results(2022))
    dn = _row(out, "Đà Nẵng")
    assert dn["prev_rank"] == 5
    assert dn["rank"] == 12
    assert dn["rank_change"] == -7  # 5 − 12
    assert describe_rank_change(dn["rank_change"]) == "down 7 places"
    assert describe_rank_change_vi(dn["rank_change"]) == "giảm 7 bậc"
    # 88.68 (2023, cadn.com.vn) − 87.54 (2022) = +1.14
    assert dn["prev_index_pct"] == pytest.approx(87.54)
    assert dn["index_change"] == pytest.approx(1.14)
    assert dn["yoy_note"] == ""


def test_other_published_moves_2022_to_2023():
    out = compare_with_previous(published_results(2023), published_results(2022))
    ht = _row(out, "Hà Tĩnh")  # 28 → 18
    assert ht["rank_change"] == 10
    assert describe_rank_change(ht["rank_change"]) == "up 10 places"
    assert ht["index_change"] == pytest.approx(88.35 - 85.95)
    na = _row(out, "Nghệ An")  # 16 → 15, no index published either year
    assert na["rank_change"] == 1
    assert describe_rank_change(na["rank_change"]) == "up 1 place"
    assert math.isnan(na["index_change"])
    qn = _row(out, "Quảng Ninh")  # 1 → 1, 90.1 → 92.18
    assert qn["rank_change"] == 0
    assert describe_rank_change_vi(qn["rank_change"]) == "giữ nguyên"
    assert qn["index_change"] == pytest.approx(2.08)
    hp = _row(out, "Hải Phòng")  # rank 2 both years; no 2022 index published
    assert hp["prev_rank"] == 2 and hp["rank_change"] == 0
    assert math.isnan(hp["prev_index_pct"])
    nb = _row(out, "Ninh Bình")  # not in the 2022 rows
    assert nb["yoy_note"] == "new"
    assert math.isnan(nb["prev_rank"]) and math.isnan(nb["rank_change"])


def test_hai_phong_2023_to_2024_plus_4_30_points_up_1_place():
    out = compare_with_previous(published_results(2024), published_results(2023))
    hp = _row(out, "Hải Phòng")
    assert hp["index_change"] == pytest.approx(96.17 - 91.87)
    assert round(hp["index_change"], 2) == 4.30
    assert describe_rank_change(hp["rank_change"]) == "up 1 place"


# --------------------------------------------------------------------- merged units


@pytest.fixture
def previous() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["A", "B", "C"],
            "index_pct": [70.0, 85.0, 75.0],
            "rank": [3, 1, 2],
            "unit_name": ["a", "b", "c"],  # extra columns are ignored
        }
    )


def test_merged_unit_weighted_mean_and_empty_rank_change(previous):
    current = pd.DataFrame({"unit_code": ["X", "C"], "index_pct": [80.0, 78.0], "rank": [1, 2]})
    out = compare_with_previous(current, previous, {"X": {"A": 0.6, "B": 0.4}})
    x = _row(out, "X")
    assert x["prev_index_pct"] == pytest.approx(0.6 * 70 + 0.4 * 85)  # 76
    assert x["index_change"] == pytest.approx(80 - 76)
    assert math.isnan(x["prev_rank"])
    assert math.isnan(x["rank_change"])
    assert x["yoy_note"] == "merged: A×0.6, B×0.4"
    c = _row(out, "C")  # an ordinary unit next to it
    assert c["rank_change"] == 0 and c["index_change"] == pytest.approx(3.0)
    assert c["yoy_note"] == ""


def test_merged_weights_are_renormalised(previous):
    current = pd.DataFrame({"unit_code": ["X"], "index_pct": [80.0], "rank": [1]})
    out = compare_with_previous(current, previous, {"X": {"A": 3, "B": 1}})
    assert out["prev_index_pct"].iloc[0] == pytest.approx((3 * 70 + 1 * 85) / 4)  # 73.75
    # a predecessor missing last year: the mean is over those found
    out = compare_with_previous(current, previous, {"X": {"A": 0.6, "Z": 0.4}})
    assert out["prev_index_pct"].iloc[0] == pytest.approx(70.0)
    assert "Z" in out["yoy_note"].iloc[0]
    assert out["yoy_note"].iloc[0].startswith("merged: A×0.6, Z×0.4")


def test_merged_without_any_predecessor_found(previous):
    current = pd.DataFrame({"unit_code": ["X"], "index_pct": [80.0], "rank": [1]})
    out = compare_with_previous(current, previous, {"X": {"Y": 1, "Z": 1}})
    assert math.isnan(out["prev_index_pct"].iloc[0])
    assert math.isnan(out["index_change"].iloc[0])
    assert "no predecessor found" in out["yoy_note"].iloc[0]


def test_predecessors_win_over_own_code(previous):
    current = pd.DataFrame({"unit_code": ["A"], "index_pct": [80.0], "rank": [1]})
    out = compare_with_previous(current, previous, {"A": {"A": 0.5, "B": 0.5}})
    assert out["prev_index_pct"].iloc[0] == pytest.approx((70 + 85) / 2)
    assert math.isnan(out["rank_change"].iloc[0])  # not A's own rank 3 → 1


def test_codes_match_as_text_and_existing_columns_are_replaced():
    prev = pd.DataFrame({"unit_code": [1, 2], "index_pct": [80.0, 70.0], "rank": [1, 2]})
    cur = pd.DataFrame(
        {
            "unit_code": ["2", "1"],
            "index_pct": [90.0, 85.0],
            "rank": [1, 2],
            "rank_change": [99, 99],  # stale values from an earlier run
        }
    )
    out = compare_with_previous(cur, prev)
    assert out["rank_change"].tolist() == [1.0, -1.0]
    assert out["index_change"].tolist() == pytest.approx([20.0, 5.0])
    assert list(out.columns).count("rank_change") == 1


def test_missing_columns_raise_input_error(previous):
    with pytest.raises(InputError) as info:
        compare_with_previous(pd.DataFrame({"unit_code": ["A"], "index_pct": [1.0]}), previous)
    assert any(p.field == "rank" and p.source == "current" for p in info.value.problems)


def test_duplicate_codes_in_previous_raise(previous):
    dup = pd.concat([previous, previous.iloc[[0]]])
    current = pd.DataFrame({"unit_code": ["A"], "index_pct": [80.0], "rank": [1]})
    with pytest.raises(InputError, match="A"):
        compare_with_previous(current, dup)


# --------------------------------------------------------------------- wording and parsing


@pytest.mark.parametrize(
    ("change", "en", "vi"),
    [
        (3, "up 3 places", "tăng 3 bậc"),
        (-7, "down 7 places", "giảm 7 bậc"),
        (1.0, "up 1 place", "tăng 1 bậc"),
        (0, "unchanged", "giữ nguyên"),
        (float("nan"), "", ""),
        (None, "", ""),
        (np.float64(-20), "down 20 places", "giảm 20 bậc"),
    ],
)
def test_describe_rank_change(change, en, vi):
    assert describe_rank_change(change) == en
    assert describe_rank_change_vi(change) == vi


def test_parse_predecessors():
    assert parse_predecessors("A:0.6;B:0.4") == {"A": 0.6, "B": 0.4}
    assert parse_predecessors(" A ; B:2 ") == {"A": 1.0, "B": 2.0}
    assert parse_predecessors("H44.01:0,5;H44.02:0,5") == {"H44.01": 0.5, "H44.02": 0.5}
    assert parse_predecessors("A:1;") == {"A": 1.0}
    assert parse_predecessors("") == {}
    assert parse_predecessors(None) == {}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("A:x", "'x'"),
        ("A:0.6;;B", "bad entry"),
        (":0.5", "':0.5'"),
        ("A:1:2", "'A:1:2'"),
        ("A:0", "positive"),
        ("A:-1", "positive"),
        ("A;A:2", "more than once"),
    ],
)
def test_parse_predecessors_rejects_bad_syntax(text, fragment):
    with pytest.raises(ValueError, match="predecessors") as info:
        parse_predecessors(text)
    assert fragment in str(info.value)


# --------------------------------------------------------------------- property


@st.composite
def _tables(draw):
    n = draw(st.integers(1, 12))
    codes = [f"U{i}" for i in range(n)]
    index = draw(st.lists(st.floats(50, 100), min_size=n, max_size=n))
    ranks = draw(st.lists(st.integers(1, n), min_size=n, max_size=n))
    prev_codes = [c for c in codes if draw(st.booleans())] + ["GONE"]
    prev_ranks = draw(
        st.lists(st.integers(1, n + 1), min_size=len(prev_codes), max_size=len(prev_codes))
    )
    current = pd.DataFrame({"unit_code": codes, "index_pct": index, "rank": ranks})
    previous = pd.DataFrame({"unit_code": prev_codes, "index_pct": 60.0, "rank": prev_ranks})
    perm_c = draw(st.permutations(range(len(current))))
    perm_p = draw(st.permutations(range(len(previous))))
    return current, previous, list(perm_c), list(perm_p)


@settings(max_examples=150, deadline=None)
@given(_tables())
def test_rank_change_invariant_to_row_order(tables):
    current, previous, perm_c, perm_p = tables
    base = compare_with_previous(current, previous).set_index("unit_code")
    shuffled = compare_with_previous(current.iloc[perm_c], previous.iloc[perm_p])
    shuffled = shuffled.set_index("unit_code").loc[base.index]
    pd.testing.assert_series_equal(base["rank_change"], shuffled["rank_change"])
    pd.testing.assert_series_equal(base["prev_index_pct"], shuffled["prev_index_pct"])
    # and the definition itself: previous rank − rank for units present last year
    prev_rank = previous.set_index("unit_code")["rank"]
    for code, row in base.iterrows():
        if code in prev_rank.index:
            assert row["rank_change"] == prev_rank[code] - row["rank"]
        else:
            assert math.isnan(row["rank_change"]) and row["yoy_note"] == "new"
