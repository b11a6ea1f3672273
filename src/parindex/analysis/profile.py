"""Strong and weak fields of a unit, measured against its peers.

A province's own analysis of its result names the fields where it is above or below the
average of its peers and how far it is from the best — the starting point of a remedial
plan. Peers are the units of the same peer group (departments are not compared with
communes). Values are the component indices `field_<code>_pct` of the results table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem

FIELD_COLUMN = re.compile(r"^field_(.+)_pct$")
TIE = 1e-9
COLUMNS = [
    "unit_code",
    "peer_group",
    "field_code",
    "field_name",
    "value",
    "peer_average",
    "best_value",
    "best_units",
    "gap_to_average",
    "gap_to_best",
    "label",
]


def field_columns(results: pd.DataFrame) -> dict[str, str]:
    """Field code → column name for every `field_<code>_pct` column, in table order."""
    found = {}
    for col in results.columns:
        match = FIELD_COLUMN.match(str(col))
        if match:
            found[match.group(1)] = col
    return found


def field_gaps(
    results: pd.DataFrame,
    tolerance: float = 0.5,
    field_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per unit and top-level field: the unit's component index, its peer group's
    average and best (and which units hold the best), the gaps, and a label.

    label: "strength" when the value is more than `tolerance` points (of %) above the peer
    average, "weakness" when more than `tolerance` below, otherwise "at average"; "" when the
    unit has no value for the field. The average and best ignore missing values.
    """
    if "unit_code" not in results.columns:
        raise InputError([Problem("results", "header", "unit_code", "missing column")])
    fields = field_columns(results)
    if not fields:
        raise InputError(
            [Problem("results", "header", "field_<code>_pct", "no field index columns")]
        )
    base = pd.DataFrame(
        {
            "unit_code": results["unit_code"].to_numpy(),
            "peer_group": (
                results["peer_group"].to_numpy() if "peer_group" in results.columns else ""
            ),
        }
    )
    base["peer_group"] = base["peer_group"].fillna("")
    wide = pd.concat([base, results[list(fields.values())].reset_index(drop=True)], axis=1).rename(
        columns={col: code for code, col in fields.items()}
    )
    long = wide.melt(
        id_vars=["unit_code", "peer_group"],
        value_vars=list(fields),
        var_name="field_code",
        value_name="value",
    )
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    groups = long.groupby(["peer_group", "field_code"], sort=False)["value"]
    long["peer_average"] = groups.transform("mean")
    long["best_value"] = groups.transform("max")
    is_best = long["value"] >= long["best_value"] - TIE
    holders = (
        long[is_best]
        .groupby(["peer_group", "field_code"], sort=False)["unit_code"]
        .agg(lambda codes: ", ".join(map(str, codes)))
        .rename("best_units")
    )
    long = long.join(holders, on=["peer_group", "field_code"])
    long["best_units"] = long["best_units"].fillna("")
    long["gap_to_average"] = long["value"] - long["peer_average"]
    long["gap_to_best"] = long["value"] - long["best_value"]
    gap = long["gap_to_average"]
    long["label"] = np.select(
        [gap.isna(), gap > tolerance, gap < -tolerance],
        ["", "strength", "weakness"],
        default="at average",
    )
    names = dict(field_names or {})
    long["field_name"] = long["field_code"].map(lambda c: names.get(c, ""))
    return long[COLUMNS]


def strengths_weaknesses(
    results: pd.DataFrame,
    unit_code: str,
    tolerance: float = 0.5,
    field_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The field profile of one unit (see `field_gaps`), one row per field in framework
    order. Raises ValueError when the unit is not in `results`."""
    table = field_gaps(results, tolerance=tolerance, field_names=field_names)
    mine = table[table["unit_code"].astype(str) == str(unit_code)]
    if mine.empty:
        raise ValueError(f"unit {unit_code!r} is not in the results table")
    return mine.reset_index(drop=True)
