"""Publication summary on a small hand-made table; every expected figure worked by hand.

Current year (index, rank, class, region)      Previous year (index → competition rank)
U1 95  1 A North                                U2 93 → 1
U2 92  2 A North                                U1 90 → 2
U3 92  2 A South                                U3 89 → 3
U4 88  4 B South                                U4 88 → 4, U6 88 → 4
U5 85  5 B South                                U9 82 → 6
U6 85  5 B North                                U5 80 → 7
U7 75  7 C South (new)                          U8 70 → 8   (U8, U9 gone)
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from parindex.analysis import summarize, to_markdown
from parindex.analysis.fmt import fmt_number


@pytest.fixture
def current() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": [f"U{i}" for i in range(1, 8)],
            "unit_name": [f"Unit {i}" for i in range(1, 8)],
            "peer_group": "province",
            "index_pct": [95.0, 92.0, 92.0, 88.0, 85.0, 85.0, 75.0],
            "rank": [1, 2, 2, 4, 5, 5, 7],
            "class": ["A", "A", "A", "B", "B", "B", "C"],
        }
    )


@pytest.fixture
def previous() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["U1", "U2", "U3", "U4", "U5", "U6", "U8", "U9"],
            "index_pct": [90.0, 93.0, 89.0, 88.0, 80.0, 88.0, 70.0, 82.0],
            "rank": [2, 1, 3, 4, 7, 4, 8, 6],
        }
    )


@pytest.fixture
def regions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["U1", "U2", "U6", "U3", "U4", "U5", "U7"],
            "region": ["North"] * 3 + ["South"] * 4,
        }
    )


def _codes(entries):
    return [u["unit_code"] for u in entries]


def test_averages_and_counts(current, previous):
    s = summarize(current, previous)
    assert s["count"] == 7
    assert s["average_index"] == pytest.approx(612 / 7)  # 87.43
    assert s["previous_average"] == pytest.approx(680 / 8)  # 85.00 over last year's units
    assert s["average_change"] == pytest.approx(612 / 7 - 85)
    assert s["above_average"] == 4  # 95, 92, 92, 88 > 87.43
    assert s["classes"] == {"A": 3, "B": 3, "C": 1}
    assert list(s["classes"]) == ["A", "B", "C"]


def test_up_down_and_extremes(current, previous):
    # changes: U1 +5, U2 −1, U3 +3, U4 0, U5 +5, U6 −3, U7 new
    ch = summarize(current, previous)["changes"]
    assert (ch["up"], ch["down"], ch["unchanged"], ch["without_previous"]) == (3, 2, 1, 1)
    assert ch["largest_rise"]["value"] == pytest.approx(5.0)
    assert _codes(ch["largest_rise"]["units"]) == ["U1", "U5"]  # a tie, both kept
    assert ch["smallest_rise"]["value"] == pytest.approx(3.0)
    assert _codes(ch["smallest_rise"]["units"]) == ["U3"]
    assert ch["largest_fall"]["value"] == pytest.approx(-3.0)
    assert _codes(ch["largest_fall"]["units"]) == ["U6"]
    assert ch["smallest_fall"]["value"] == pytest.approx(-1.0)
    assert _codes(ch["smallest_fall"]["units"]) == ["U2"]


def test_top_and_bottom_keep_ties(current):
    s = summarize(current)
    # ranks 1, 2, 2, 4, 5, 5, 7: the 5th best rank is 5, shared by U5 and U6
    assert _codes(s["top"]) == ["U1", "U2", "U3", "U4", "U5", "U6"]
    # the 5th worst rank is 2, shared by U2 and U3
    assert _codes(s["bottom"]) == ["U2", "U3", "U4", "U5", "U6", "U7"]
    assert s["top"][0]["rank"] == 1 and s["top"][0]["index_pct"] == 95.0
    assert s["changes"] is None and s["previous_average"] is None
    assert s["rank_movers"] is None


def test_rank_movers(current, previous):
    # rank changes (previous − current): U1 +1, U2 −1, U3 +1, U4 0, U5 +2, U6 −1
    movers = summarize(current, previous)["rank_movers"]
    assert _codes(movers["up"]) == ["U5", "U1", "U3"]
    assert [m["rank_change"] for m in movers["up"]] == [2, 1, 1]
    assert _codes(movers["down"]) == ["U2", "U6"]
    one = summarize(current, previous, movers_n=1)["rank_movers"]
    assert _codes(one["up"]) == ["U5"]
    assert _codes(one["down"]) == ["U2", "U6"]  # tied at −1


def test_region_averages(current, previous, regions):
    regs = {r["region"]: r for r in summarize(current, previous, regions)["regions"]}
    assert list(regs) == ["North", "South"]  # by average, best first
    north, south = regs["North"], regs["South"]
    assert north["count"] == 3
    assert north["average_index"] == pytest.approx((95 + 92 + 85) / 3)
    assert north["previous_average"] == pytest.approx((90 + 93 + 88) / 3)
    assert north["change"] == pytest.approx(1 / 3)
    assert south["count"] == 4
    assert south["average_index"] == pytest.approx((92 + 88 + 85 + 75) / 4)
    assert south["previous_average"] == pytest.approx((89 + 88 + 80) / 3)  # U7 is new
    assert south["change"] == pytest.approx(85 - 257 / 3)


def test_region_column_in_results(current, regions):
    with_region = current.merge(regions, on="unit_code")
    regs = summarize(with_region)["regions"]
    assert [r["region"] for r in regs] == ["North", "South"]
    assert regs[1]["previous_average"] is None


def test_existing_yoy_columns_are_used(current, previous):
    from parindex.scoring.yoy import compare_with_previous

    with_yoy = compare_with_previous(current, previous)
    s = summarize(with_yoy)  # no previous table: previous average from prev_index_pct
    assert s["previous_average"] == pytest.approx((90 + 93 + 89 + 88 + 80 + 88) / 6)
    assert s["changes"]["up"] == 3


def test_json_serialisable_and_unrounded(current, previous, regions):
    s = summarize(current, previous, regions)
    text = json.dumps(s, allow_nan=False, ensure_ascii=False)
    back = json.loads(text)
    assert back["average_index"] == 612 / 7  # full precision, not 87.43


def test_markdown_vietnamese(current, previous, regions):
    md = to_markdown(summarize(current, previous, regions))
    assert "Chỉ số trung bình: 87,43%" in md
    assert "năm trước: 85,00%" in md
    assert "tăng 2,43 điểm" in md  # 87.428571 − 85
    assert "Số đơn vị tăng điểm: 3; giảm điểm: 2; giữ nguyên: 1" in md
    assert "Tăng nhiều nhất: Unit 1, Unit 5 (+5,00 điểm)" in md
    assert "Giảm nhiều nhất: Unit 6 (-3,00 điểm)" in md
    assert "tăng 2 bậc" in md and "giảm 1 bậc" in md
    assert "| North | 3 | 90,67 | 90,33 | +0,33 |" in md
    assert "| A | 3 |" in md


def test_markdown_english(current, previous):
    md = to_markdown(summarize(current, previous), lang="en")
    assert "Average index: 87.43% (previous year: 85.00%; up 2.43 points)" in md
    assert "Units up: 3; down: 2; unchanged: 1" in md
    assert "up 2 places" in md
    with pytest.raises(ValueError):
        to_markdown(summarize(current), lang="fr")


@pytest.mark.parametrize(
    ("x", "kwargs", "expected"),
    [
        (87.68, {}, "87,68"),
        (87.68, {"lang": "en"}, "87.68"),
        (1234.5, {}, "1.234,50"),
        (1234.5, {"lang": "en"}, "1,234.50"),
        (87.675, {}, "87,68"),  # half away from zero, like Excel
        (2.19, {"signed": True}, "+2,19"),
        (-1.78, {"signed": True}, "-1,78"),
        (-0.001, {"signed": True}, "0,00"),
        (12, {"decimals": 0}, "12"),
        (None, {}, "–"),
        (float("nan"), {}, "–"),
    ],
)
def test_fmt_number(x, kwargs, expected):
    assert fmt_number(x, **kwargs) == expected
