"""Lost points per unit, across units, and recurring year after year (hand-made details)."""

from __future__ import annotations

import pandas as pd
import pytest

from parindex.analysis import lost_points_by_unit, recurring_losses, top_lost_criteria
from parindex.errors import InputError

COLUMNS = ["unit_code", "node_code", "node_name", "parent_code", "depth", "is_leaf"]


def detail(losses: dict[tuple[str, str], float], maxima=None) -> pd.DataFrame:
    """A D.csv-shaped table: field 1 (max 3) with leaves 1.1 (max 2) and 1.2 (max 1), for
    the units named in `losses` ((unit, leaf) → lost points)."""
    maxima = {"1.1": 2.0, "1.2": 1.0, **(maxima or {})}
    names = {"1.1": "Ban hành kế hoạch", "1.2": "Báo cáo định kỳ"}
    units = sorted({u for u, _ in losses})
    rows = []
    for unit in units:
        field_lost = field_max = 0.0
        leaves = []
        for leaf in ("1.1", "1.2"):
            mx = maxima.get((unit, leaf), maxima[leaf])
            lost = losses.get((unit, leaf), 0.0)
            field_lost += lost
            field_max += mx
            leaves.append([unit, leaf, names[leaf], "1", 1, True, mx - lost, mx, lost])
        rows.append(
            [
                unit,
                "1",
                "Chỉ đạo điều hành",
                None,
                0,
                False,
                field_max - field_lost,
                field_max,
                field_lost,
            ]
        )
        rows += leaves
    return pd.DataFrame(rows, columns=[*COLUMNS, "points", "max_points", "lost_points"])


D23 = detail({("A", "1.1"): 0.5, ("A", "1.2"): 0.0, ("B", "1.1"): 0.0, ("B", "1.2"): 1.0})
D24 = detail({("A", "1.1"): 0.0, ("A", "1.2"): 0.25, ("B", "1.1"): 0.0, ("B", "1.2"): 0.5})
D25 = detail({("A", "1.1"): 1.0, ("A", "1.2"): 0.25, ("B", "1.1"): 0.0, ("B", "1.2"): 0.0})


def test_lost_points_by_unit_orders_by_loss_within_unit():
    d = detail({("A", "1.1"): 0.5, ("A", "1.2"): 1.0, ("B", "1.1"): 0.25, ("B", "1.2"): 0.0})
    out = lost_points_by_unit(d)
    assert out[["unit_code", "node_code"]].values.tolist() == [
        ["A", "1.2"],  # 1.0 before 0.5
        ["A", "1.1"],
        ["B", "1.1"],  # B lost nothing on 1.2: not listed
    ]
    assert out["lost_points"].tolist() == [1.0, 0.5, 0.25]
    # with the field rows, and the zero losses kept
    full = lost_points_by_unit(d, leaves_only=False, only_lost=False)
    assert len(full) == 6
    assert full.iloc[0][["unit_code", "node_code", "lost_points"]].tolist() == ["A", "1", 1.5]


def test_is_leaf_read_from_csv_text_and_lost_points_computed():
    d = D23.drop(columns="lost_points").astype({"is_leaf": str})  # "True"/"False"
    out = lost_points_by_unit(d)
    assert out[["unit_code", "node_code", "lost_points"]].values.tolist() == [
        ["A", "1.1", 0.5],
        ["B", "1.2", 1.0],
    ]


def test_top_lost_criteria_across_units():
    out = top_lost_criteria(D23)
    assert out["node_code"].tolist() == ["1.2", "1.1"]
    top = out.iloc[0]  # 1.2: B lost 1 of 1, A lost 0 of 1
    assert top["total_lost"] == pytest.approx(1.0)
    assert top["mean_lost"] == pytest.approx(0.5)
    assert top["units_losing"] == 1
    assert top["share_of_max_lost"] == pytest.approx(1.0 / 2.0)
    second = out.iloc[1]  # 1.1: A lost 0.5 of 2, B 0 of 2
    assert second["total_lost"] == pytest.approx(0.5)
    assert second["share_of_max_lost"] == pytest.approx(0.5 / 4.0)
    assert second["node_name"] == "Ban hành kế hoạch"
    assert len(top_lost_criteria(D23, n=1)) == 1


def test_top_lost_criteria_by_depth_and_not_applicable_leaf():
    fields = top_lost_criteria(D23, depth=0)
    assert fields["node_code"].tolist() == ["1"]
    assert fields["total_lost"].iloc[0] == pytest.approx(1.5)  # 0.5 + 1.0
    assert fields["units_losing"].iloc[0] == 2
    assert fields["share_of_max_lost"].iloc[0] == pytest.approx(1.5 / 6.0)
    # C has leaf 1.2 not applicable (max 0): it is neither a loss nor a unit assessed on it
    d = detail(
        {("A", "1.2"): 1.0, ("B", "1.2"): 0.0, ("C", "1.2"): 0.0},
        maxima={("C", "1.2"): 0.0},
    )
    row = top_lost_criteria(d).set_index("node_code").loc["1.2"]
    assert row["units"] == 2
    assert row["mean_lost"] == pytest.approx(0.5)


def test_recurring_losses_need_consecutive_years():
    out = recurring_losses({2023: D23, "2024": D24, 2025: D25})
    pairs = out[["unit_code", "node_code"]].values.tolist()
    # A 1.1: lost in 2023, not 2024, lost in 2025 → not recurring
    assert ["A", "1.1"] not in pairs
    # B 1.2: 2023 + 2024 (1.0 + 0.5); A 1.2: 2024 + 2025 (0.25 + 0.25)
    assert pairs == [["B", "1.2"], ["A", "1.2"]]
    b = out.iloc[0]
    assert b["streak"] == 2 and b["years"] == "2023, 2024"
    assert b["total_lost"] == pytest.approx(1.5)
    a = out.iloc[1]
    assert a["streak"] == 2 and a["years"] == "2024, 2025"
    assert a["total_lost"] == pytest.approx(0.5)


def test_recurring_losses_min_years_and_fields():
    assert recurring_losses({2023: D23, 2024: D24, 2025: D25}, min_years=3).empty
    # field 1 of A lost 0.5, 0.25, 1.25: three years in a row
    out = recurring_losses({2023: D23, 2024: D24, 2025: D25}, min_years=3, leaves_only=False)
    assert out[["unit_code", "node_code", "streak"]].values.tolist() == [["A", "1", 3]]
    assert out["years"].iloc[0] == "2023, 2024, 2025"
    assert out["total_lost"].iloc[0] == pytest.approx(0.5 + 0.25 + 1.25)


def test_recurring_losses_missing_year_breaks_the_run():
    # no 2024 table at all: A 1.1 lost in 2023 and 2025 only
    out = recurring_losses({2023: D23, 2025: D25})
    assert out.empty
    assert list(out.columns) == [
        "unit_code",
        "node_code",
        "node_name",
        "years",
        "streak",
        "total_lost",
    ]


def test_recurring_losses_bad_year_and_bad_table():
    with pytest.raises(ValueError, match="year"):
        recurring_losses({"năm 2023": D23})
    with pytest.raises(InputError, match="node_code"):
        recurring_losses({2023: D23.drop(columns="node_code")})
