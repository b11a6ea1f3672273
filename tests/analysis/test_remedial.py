"""Remedial plans, the pure part: overdue derived from the deadline, completion summaries
as a partition of the tasks, and recovery at the next campaign — known answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from parindex.analysis import remedial as r
from parindex.errors import InputError

D = dt.date
TODAY = D(2026, 5, 10)


def test_overdue_is_derived_from_the_deadline():
    assert r.effective_status("not_started", D(2026, 5, 9), TODAY) == "overdue"
    assert r.effective_status("in_progress", D(2026, 5, 9), TODAY) == "overdue"
    assert r.effective_status("in_progress", D(2026, 5, 10), TODAY) == "in_progress"  # inclusive
    assert r.effective_status("not_started", D(2026, 6, 1), TODAY) == "not_started"
    assert r.effective_status("done", D(2020, 1, 1), TODAY) == "done"  # done late is done
    # the same task is not overdue yesterday and overdue tomorrow: nothing stored goes stale
    assert r.effective_status("in_progress", D(2026, 5, 10), D(2026, 5, 11)) == "overdue"
    with pytest.raises(ValueError, match="unknown task status"):
        r.effective_status("overdue", D(2026, 6, 1), TODAY)  # never a stored status


def tasks_frame():
    return pd.DataFrame(
        [
            {"owner": "A", "field": "1", "status": "done", "deadline": D(2026, 1, 1)},
            {"owner": "A", "field": "3", "status": "in_progress", "deadline": D(2026, 5, 1)},
            {"owner": "A", "field": "3", "status": "not_started", "deadline": D(2026, 9, 1)},
            {"owner": "B", "field": "1", "status": "done", "deadline": D(2026, 3, 1)},
            {"owner": "B", "field": "3", "status": "done", "deadline": D(2026, 9, 1)},
            {"owner": "C", "field": "3", "status": "in_progress", "deadline": D(2026, 9, 1)},
        ]
    )


def test_status_summary_by_owner_is_a_partition():
    table = r.status_summary(tasks_frame(), TODAY, "owner").set_index("owner")
    counts = table.loc["A", ["tasks", "done", "in_progress", "not_started", "overdue"]]
    # the past-deadline task in progress counts as overdue only
    assert counts.tolist() == [3, 1, 0, 1, 1]
    assert table.loc["A", "completion"] == pytest.approx(1 / 3)
    assert table.loc["B", "completion"] == pytest.approx(1.0)
    assert table.loc["C", ["in_progress", "completion"]].tolist() == [1, 0.0]
    parts = table[["done", "in_progress", "not_started", "overdue"]].sum(axis=1)
    assert (parts == table["tasks"]).all()
    assert list(table.index) == ["A", "B", "C"]  # first-seen order


def test_status_summary_by_field_and_empty():
    table = r.status_summary(tasks_frame(), TODAY, "field").set_index("field")
    assert table.loc["1", "completion"] == pytest.approx(1.0)
    assert table.loc["3", ["tasks", "done", "overdue"]].tolist() == [4, 1, 1]
    empty = r.status_summary(tasks_frame().iloc[0:0], TODAY, "owner")
    assert empty.empty and list(empty.columns) == ["owner", *r.SUMMARY_COLUMNS]
    with pytest.raises(InputError, match="tasks: header: deadline: missing column"):
        r.status_summary(pd.DataFrame({"owner": ["A"], "status": ["done"]}), TODAY, "owner")


def test_recovery_known_answers():
    tasks = pd.DataFrame(
        [
            # id, unit, node, max, points then, expected
            (1, "U", "1.1", 6, 4, 2),  # 4 → 6: +2 of 2 → met
            (2, "U", "1.2", 4, 2, 2),  # 2 → 3: +1 of 2 → partly
            (3, "U", "2.1", 6, 5, 1),  # 5 → 4: lost one more → none
            (4, "V", "1.1", 6, 3, 3),  # V has no result then → no_result
            (5, "U", "3.1", 2, 1, 1),  # criterion gone from the framework → not_comparable
            (6, "U", "2.2", 4, 3, 1),  # maximum 4 → 5 → not_comparable
            (7, "U", "1.3", 2, 1, 0.5),  # 1 → 2: nothing lost any more → met
            (8, "U", "2.3", 3, 1, 1),  # not applicable then → not_comparable
            (9, "W", "1.1", 6, 2, 2),  # W has a result but not this node → not_comparable
            (10, "U", "2.4", 5, 3, 2),  # 3 → 3: nothing recovered → none
        ],
        columns=["task_id", "unit_code", "node_code", "max_points", "points", "expected_points"],
    )
    later = pd.DataFrame(
        [
            ("U", "1.1", 6, 6, True),
            ("U", "1.2", 4, 3, True),
            ("U", "2.1", 6, 4, True),
            ("U", "2.2", 5, 4, True),
            ("U", "1.3", 2, 2, True),
            ("U", "2.3", 0, 0, False),
            ("U", "2.4", 5, 3, True),
        ],
        columns=["unit_code", "node_code", "max_points", "points", "applicable"],
    )
    table = r.recovery(tasks, later, units_with_result=["U", "W"]).set_index("task_id")
    assert table["outcome"].to_dict() == {
        1: "met", 2: "partly", 3: "none", 4: "no_result", 5: "not_comparable",
        6: "not_comparable", 7: "met", 8: "not_comparable", 9: "not_comparable", 10: "none",
    }  # fmt: skip
    assert table.loc[1, ["points_then", "points_now", "recovered", "recovered_share"]].tolist() == [
        4, 6, 2, 1.0,
    ]  # fmt: skip
    assert table.loc[2, ["lost_then", "lost_now", "recovered", "recovered_share"]].tolist() == [
        2, 1, 1, 0.5,
    ]  # fmt: skip
    assert table.loc[3, "recovered"] == -1
    assert table.loc[7, "recovered"] == 1 and table.loc[7, "recovered_share"] == 2.0
    assert table.loc[6, "points_now"] == 4 and pd.isna(table.loc[6, "recovered"])
    assert pd.isna(table.loc[4, "points_now"]) and pd.isna(table.loc[4, "recovered"])
    assert table.loc[10, "recovered"] == 0


def test_recovery_units_default_to_those_in_the_later_table():
    tasks = pd.DataFrame(
        [(1, "W", "1.1", 6, 2, 2)],
        columns=["task_id", "unit_code", "node_code", "max_points", "points", "expected_points"],
    )
    later = pd.DataFrame(
        [("U", "1.1", 6, 6)], columns=["unit_code", "node_code", "max_points", "points"]
    )
    assert r.recovery(tasks, later)["outcome"].tolist() == ["no_result"]
    assert r.recovery(tasks, later, ["W"])["outcome"].tolist() == ["not_comparable"]
    with pytest.raises(InputError, match="later results: header: points: missing column"):
        r.recovery(tasks, later.drop(columns="points"))
