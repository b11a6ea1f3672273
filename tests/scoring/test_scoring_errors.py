"""Every bad input is reported with its row, all at once, and nothing is scored."""

from __future__ import annotations

import pandas as pd
import pytest
from scoring_fixtures import rows

from parindex.errors import InputError
from parindex.scoring import score


def problems_of(fw, inputs, units=None) -> list[str]:
    with pytest.raises(InputError) as info:
        score(fw, inputs, units)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        (("A", "9.9", "1"), "unknown criterion '9.9'"),
        (("A", "1", "1"), "'1' has sub-criteria"),
        (("A", "1.1", "abc"), "'abc' is not a number"),
        (("A", "1.1", "2.5"), "outside 0–2"),
        (("A", "1.1", "-1"), "outside 0–2"),
        (("A", "1.1", "1.3"), "not a multiple of 0.25"),
        (("A", "1.2", "Ban hành sớm"), "is not an option of 1.2"),
        (("A", "1.3", "95"), "outside 0–1"),
        (("A", "2.1", "-0.1"), "negative"),
        (("A", "2.2", "1.5"), "not a count"),
        (("A", "2.3", "0.9", "self"), "do not self-score survey"),
        (("A", "1.1", "1", "thamdinh"), "is not a track"),
        (("A", "1.1", "1", "", "", "maybe"), "is not true/false"),
        (("A", "1.4", "3"), "needs an input name"),
        (("A", "1.4", "3", "", "late"), "needs an input name"),
        (("A", "1.1", "1", "", "x"), "not a formula criterion"),
        (("", "1.1", "1"), "unit_code: is empty"),
    ],
)
def test_each_bad_row_is_named(fw, item, needle):
    found = problems_of(fw, rows(("A", "1.1", "1"), item))
    assert any(needle in p and "row 3" in p for p in found), found


def test_all_problems_reported_together(fw):
    found = problems_of(fw, rows(("A", "9.9", "1"), ("A", "1.1", "x"), ("A", "2.3", "2")))
    assert len(found) == 3
    assert {p.split(":")[1].strip() for p in found} == {"row 2", "row 3", "row 4"}


def test_unknown_unit_when_units_table_given(fw):
    units = pd.DataFrame({"unit_code": ["A"]})
    found = problems_of(fw, rows(("A", "1.1", "1"), ("B", "1.1", "1")), units)
    assert found == ["inputs: row 3: unit_code: unknown unit 'B' (not in the units table)"]


def test_duplicate_rows(fw):
    found = problems_of(fw, rows(("A", "1.1", "1"), ("A", "1.1", "2")))
    assert found == [
        "inputs: rows 2, 3: duplicate value for unit A, criterion 1.1, track appraised"
    ]


def test_missing_columns(fw):
    with pytest.raises(InputError) as info:
        score(fw, pd.DataFrame({"unit_code": ["A"], "value": ["1"]}))
    assert "criterion_code: required column is missing" in str(info.value)


def test_units_table_problems(fw):
    units = pd.DataFrame({"unit_code": ["A", "A", "B"], "predecessors": ["", "", "X:abc"]})
    found = problems_of(fw, rows(("A", "1.1", "1")), units)
    assert any("A appears more than once" in p for p in found)
    assert any("row 4" in p and "weight 'abc' of X is not a number" in p for p in found)


def test_many_bad_rows_are_summarised(fw):
    bad = rows(*[(f"U{i}", "1.1", "x") for i in range(500)])
    found = problems_of(fw, bad)
    assert len(found) == 51
    assert found[-1].endswith("... and 450 more rows with this problem")


def test_units_of_another_kind_are_not_scored(fw):
    units = pd.DataFrame(
        {"unit_code": ["A", "X"], "unit_kind": ["department", "commune"], "peer_group": ["", ""]}
    )
    res = score(fw, rows(("A", "1.1", "1")), units).results
    assert res["unit_code"].tolist() == ["A"]
    found = problems_of(fw, rows(("A", "1.1", "1"), ("X", "1.1", "1")), units)
    assert found == [
        "inputs: row 3: unit_code: unit 'X' is a commune unit; framework test-dept scores "
        "department units"
    ]
