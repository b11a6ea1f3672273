"""The units table: who is scored, in which peer group, and whom they succeed.

Peer groups matter because ranks are only meaningful among comparable units
(departments apart from communes); predecessors matter because after the 2025 mergers a
unit's "change since last year" has to be computed against the units it replaced.
"""

from __future__ import annotations

import pandas as pd

from parindex.errors import InputError, Problem
from parindex.scoring.yoy import parse_predecessors

UNIT_COLUMNS = ("unit_code", "unit_name", "unit_kind", "peer_group", "predecessors", "region")


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str).str.strip()


def prepare_units(
    units: pd.DataFrame | None,
    codes_in_inputs: list[str],
    default_kind: str,
    source: str = "units",
) -> pd.DataFrame:
    """Return a clean units table with every column of UNIT_COLUMNS.

    Without a units table every unit found in the inputs is scored in one peer group of
    the framework's unit kind, named by its code.
    """
    if units is None:
        codes = sorted(set(codes_in_inputs))
        return pd.DataFrame(
            {
                "unit_code": codes,
                "unit_name": codes,
                "unit_kind": default_kind,
                "peer_group": default_kind,
                "predecessors": "",
                "region": "",
            }
        )

    problems: list[Problem] = []
    if "unit_code" not in units.columns:
        raise InputError([Problem(source, "header", "unit_code", "required column is missing")])
    frame = pd.DataFrame({c: _text(units[c]) if c in units.columns else "" for c in UNIT_COLUMNS})
    frame.index = range(len(frame))
    lines = frame.index + 2

    empty = frame["unit_code"] == ""
    for line in lines[empty]:
        problems.append(Problem(source, f"row {line}", "unit_code", "is empty"))
    dup = frame["unit_code"].duplicated(keep=False) & ~empty
    for code, group in frame[dup].groupby("unit_code"):
        rows = ", ".join(str(i + 2) for i in group.index)
        problems.append(
            Problem(source, f"rows {rows}", "unit_code", f"{code} appears more than once")
        )
    for i, text in frame["predecessors"].items():
        if text:
            try:
                parse_predecessors(text)
            except ValueError as exc:
                problems.append(Problem(source, f"row {i + 2}", "predecessors", str(exc)))
    if problems:
        raise InputError(problems)

    frame.loc[frame["unit_name"] == "", "unit_name"] = frame["unit_code"]
    frame.loc[frame["unit_kind"] == "", "unit_kind"] = default_kind
    frame.loc[frame["peer_group"] == "", "peer_group"] = frame["unit_kind"]
    return frame


def split_by_kind(units: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The units a framework for `kind` scores, and the others (code → their kind).

    A province keeps one units file for departments and communes alike; each framework
    scores only its own kind, so communes never appear with 0 points in a department
    ranking.
    """
    mine = units["unit_kind"] == kind
    others = dict(zip(units.loc[~mine, "unit_code"], units.loc[~mine, "unit_kind"], strict=True))
    return units[mine].reset_index(drop=True), others


def predecessor_map(units: pd.DataFrame) -> dict[str, dict[str, float]]:
    """unit_code → {predecessor: weight} for units that have predecessors."""
    rows = units.loc[units["predecessors"] != "", ["unit_code", "predecessors"]]
    return {code: parse_predecessors(text) for code, text in rows.itertuples(index=False)}
