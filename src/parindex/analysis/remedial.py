"""Remedial plans (kế hoạch khắc phục), the pure part: a task's status on a given day,
completion summaries, and whether a criterion recovered its points at the next campaign.

A province publishes its results, analyses the criteria that lost points and issues a plan
whose tasks each target one criterion of one unit, with an owner, a deadline and the points
the task is expected to bring back. Two questions follow, and this module answers them
without Django, on plain tables:

- *Where do we stand?* A task is stored as not started, in progress or done; "overdue" is
  never stored (it would go stale overnight) but derived from the deadline on the day asked
  (`effective_status`). `status_summary` counts tasks per group (owner unit, field) as a
  partition: done + in progress + not started + overdue = tasks.
- *Did it work?* At the next campaign the same unit's points on the same criterion are
  compared with the points it had when the task was created (`recovery`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem

EPS = 1e-9

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"
OVERDUE = "overdue"
STORED_STATUSES = (NOT_STARTED, IN_PROGRESS, DONE)
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)

# outcomes of `recovery`
MET = "met"  # recovered at least the expected points (or lost nothing any more)
PARTLY = "partly"  # recovered some points, fewer than expected
NONE = "none"  # recovered nothing, or lost more
NO_RESULT = "no_result"  # the unit has no result in the later campaign
NOT_COMPARABLE = "not_comparable"  # criterion absent, not applicable, or its maximum changed
OUTCOMES = (MET, PARTLY, NONE, NO_RESULT, NOT_COMPARABLE)

SUMMARY_COLUMNS = ("tasks", "done", "in_progress", "not_started", "overdue", "completion")
RECOVERY_COLUMNS = (
    "task_id",
    "points_then",
    "points_now",
    "max_points_then",
    "max_points_now",
    "lost_then",
    "lost_now",
    "recovered",
    "expected",
    "recovered_share",
    "outcome",
)


def effective_status(status: str, deadline: dt.date | None, on: dt.date) -> str:
    """The status shown on day `on`: a task not done whose deadline (inclusive) has passed
    is overdue; otherwise its stored status."""
    if status not in STORED_STATUSES:
        raise ValueError(f"unknown task status {status!r}: use one of {', '.join(STORED_STATUSES)}")
    if status == DONE:
        return DONE
    if deadline is not None and deadline < on:
        return OVERDUE
    return status


def _missing(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise InputError([Problem(source, "header", c, "missing column") for c in absent])


def with_effective_status(tasks: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """A copy of `tasks` (columns status, deadline) with `effective_status` added."""
    _missing(tasks, ("status", "deadline"), "tasks")
    out = tasks.copy()
    out["effective_status"] = [
        effective_status(str(s), None if pd.isna(d) else pd.Timestamp(d).date(), on)
        for s, d in zip(out["status"], out["deadline"], strict=True)
    ]
    return out


def status_summary(tasks: pd.DataFrame, on: dt.date, by: str | Sequence[str]) -> pd.DataFrame:
    """Per group of `by`: tasks, done, in_progress, not_started, overdue (a partition of the
    tasks: overdue takes precedence over in progress and not started) and completion (done
    / tasks, a share 0–1). Groups keep their first-seen order."""
    keys = [by] if isinstance(by, str) else list(by)
    _missing(tasks, keys, "tasks")
    frame = with_effective_status(tasks, on)
    columns = [*keys, *SUMMARY_COLUMNS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    for status in STATUSES:
        frame[status] = (frame["effective_status"] == status).astype(int)
    grouped = frame.groupby(keys, sort=False, dropna=False)
    table = grouped[list(STATUSES)].sum()
    table["tasks"] = grouped.size()
    table["completion"] = table["done"] / table["tasks"]
    return table.reset_index()[columns]


def recovery(
    tasks: pd.DataFrame, later: pd.DataFrame, units_with_result: Iterable[str] | None = None
) -> pd.DataFrame:
    """Whether each task's criterion recovered its points at a later campaign.

    `tasks`: task_id, unit_code, node_code, max_points, points (at the task's creation),
    expected_points. `later`: the later campaign's node results, unit_code, node_code,
    max_points, points, and optionally applicable. `units_with_result`: the unit codes that
    have a result in the later campaign (default: those appearing in `later`), so that a
    unit present without the criterion is told apart from a unit absent altogether.

    Returns one row per task (in the order given): points_then/now, max_points_then/now,
    lost_then/now, recovered (= lost_then − lost_now: points regained, negative when more
    were lost), expected, recovered_share (recovered / expected; NaN when nothing was
    expected) and outcome: met (recovered ≥ expected, or nothing lost any more), partly,
    none, no_result (the unit has no result then) or not_comparable (the criterion is
    missing or not applicable, or its maximum changed: the points do not compare).
    """
    _missing(
        tasks,
        ("task_id", "unit_code", "node_code", "max_points", "points", "expected_points"),
        "tasks",
    )
    _missing(later, ("unit_code", "node_code", "max_points", "points"), "later results")
    left = tasks[
        ["task_id", "unit_code", "node_code", "max_points", "points", "expected_points"]
    ].copy()
    left["unit_code"] = left["unit_code"].astype(str)
    left["node_code"] = left["node_code"].astype(str)
    right = later.copy()
    right["unit_code"] = right["unit_code"].astype(str)
    right["node_code"] = right["node_code"].astype(str)
    if "applicable" not in right.columns:
        right["applicable"] = True
    right = right.drop_duplicates(["unit_code", "node_code"], keep="last")
    units_then = set(
        right["unit_code"] if units_with_result is None else map(str, units_with_result)
    )
    merged = left.merge(
        right[["unit_code", "node_code", "max_points", "points", "applicable"]],
        on=["unit_code", "node_code"],
        how="left",
        suffixes=("_then", "_now"),
    )
    max_then = pd.to_numeric(merged["max_points_then"], errors="coerce").to_numpy(float)
    points_then = pd.to_numeric(merged["points_then"], errors="coerce").to_numpy(float)
    max_now = pd.to_numeric(merged["max_points_now"], errors="coerce").to_numpy(float)
    points_now = pd.to_numeric(merged["points_now"], errors="coerce").to_numpy(float)
    expected = pd.to_numeric(merged["expected_points"], errors="coerce").to_numpy(float)
    applicable = merged["applicable"].fillna(False).astype(bool).to_numpy()
    lost_then = max_then - points_then
    lost_now = max_now - points_now
    recovered = lost_then - lost_now

    has_unit = merged["unit_code"].isin(units_then).to_numpy()
    found = ~np.isnan(points_now)
    comparable = found & applicable & (np.abs(max_now - max_then) <= EPS)
    outcome = np.where(
        ~has_unit,
        NO_RESULT,
        np.where(
            ~comparable,
            NOT_COMPARABLE,
            np.where(
                (lost_now <= EPS) | ((recovered > EPS) & (recovered >= expected - EPS)),
                MET,
                np.where(recovered > EPS, PARTLY, NONE),
            ),
        ),
    )
    nan = np.full(len(merged), np.nan)
    usable = comparable & has_unit
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(usable & (expected > EPS), recovered / expected, nan)
    return pd.DataFrame(
        {
            "task_id": merged["task_id"].to_numpy(),
            "points_then": points_then,
            "points_now": np.where(found, points_now, nan),
            "max_points_then": max_then,
            "max_points_now": np.where(found, max_now, nan),
            "lost_then": lost_then,
            "lost_now": np.where(usable, lost_now, nan),
            "recovered": np.where(usable, recovered, nan),
            "expected": expected,
            "recovered_share": share,
            "outcome": outcome,
        },
        columns=list(RECOVERY_COLUMNS),
    )
