"""Where units lose points: per unit, across units, and year after year.

This is the analysis provinces publish after the results ("các tiêu chí bị trừ điểm"):
which criteria each unit lost points on, which criteria cost the most across all units,
and which losses recur every year — the ones a remedial plan must address first.
All functions take detail tables (D.csv shape) and work column-wise with pandas.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem

EPS = 1e-9
_TRUE = {"true", "1", "yes", "y", "t", "x", "có"}
_FALSE = {"false", "0", "no", "n", "f", "", "không", "nan", "none"}


def _as_bool(values: pd.Series) -> pd.Series:
    """Booleans from a column that may have come from CSV as text ("True", "1", ...)."""
    if values.dtype == bool:
        return values
    text = values.astype(str).str.strip().str.lower()
    unknown = ~text.isin(_TRUE | _FALSE)
    if unknown.any():
        raise ValueError(f"not a true/false value: {values[unknown].iloc[0]!r}")
    return text.isin(_TRUE)


def _prepare(detail: pd.DataFrame, source: str = "detail") -> pd.DataFrame:
    """A copy with numeric points, boolean is_leaf and a lost_points column (computed as
    max_points − points when the table lacks it)."""
    needed = ["unit_code", "node_code"]
    if "lost_points" not in detail.columns:
        needed += ["points", "max_points"]
    missing = [c for c in needed if c not in detail.columns]
    if missing:
        raise InputError([Problem(source, "header", c, "missing column") for c in missing])
    out = detail.copy()
    if "node_name" not in out.columns:
        out["node_name"] = ""
    for col in ("points", "max_points", "lost_points", "depth"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    if "lost_points" not in out.columns:
        out["lost_points"] = out["max_points"] - out["points"]
    if "is_leaf" in out.columns:
        out["is_leaf"] = _as_bool(out["is_leaf"])
    elif "parent_code" in out.columns:
        parents = set(out["parent_code"].dropna().astype(str))
        out["is_leaf"] = ~out["node_code"].astype(str).isin(parents)
    else:
        out["is_leaf"] = True
    return out


def lost_points_by_unit(
    detail: pd.DataFrame, leaves_only: bool = True, *, only_lost: bool = True
) -> pd.DataFrame:
    """Per unit, the nodes where it lost points, largest loss first.

    Returns unit_code, node_code, node_name, max_points, points, lost_points. Units keep
    the order they have in `detail`; ties in loss keep framework (row) order. With
    `only_lost` (default) nodes without a loss are left out.
    """
    d = _prepare(detail)
    if leaves_only:
        d = d[d["is_leaf"]]
    if only_lost:
        d = d[d["lost_points"] > EPS]
    unit_order = pd.Series(np.arange(d["unit_code"].nunique()), index=pd.unique(d["unit_code"]))
    d = d.assign(_u=d["unit_code"].map(unit_order), _r=np.arange(len(d)))
    d = d.sort_values(["_u", "lost_points", "_r"], ascending=[True, False, True])
    cols = ["unit_code", "node_code", "node_name", "max_points", "points", "lost_points"]
    return d[[c for c in cols if c in d.columns]].reset_index(drop=True)


def top_lost_criteria(
    detail: pd.DataFrame, n: int | None = 10, depth: int | None = None
) -> pd.DataFrame:
    """The nodes that cost units the most points, summed over all units.

    Leaves by default; with `depth` the nodes at that depth (0 = fields) instead.
    Columns: node_code, node_name, total_lost, mean_lost (per unit for which the node was
    applicable, i.e. max_points > 0), units_losing (units with a loss), units,
    share_of_max_lost (total lost / total max points of the node over those units).
    Ordered by total_lost descending, ties in framework order; `n=None` keeps all rows.
    """
    d = _prepare(detail)
    if depth is None:
        d = d[d["is_leaf"]]
    else:
        if "depth" not in d.columns:
            raise InputError([Problem("detail", "header", "depth", "missing column")])
        d = d[d["depth"] == depth]
    if "max_points" in d.columns:
        d = d[~(d["max_points"] <= 0)]  # not applicable to that unit: not a loss
    d = d.assign(_losing=d["lost_points"] > EPS, _r=np.arange(len(d)))
    grouped = d.groupby("node_code", sort=False)
    table = pd.DataFrame(
        {
            "node_name": grouped["node_name"].first(),
            "total_lost": grouped["lost_points"].sum(),
            "mean_lost": grouped["lost_points"].mean(),
            "units_losing": grouped["_losing"].sum().astype(int),
            "units": grouped["unit_code"].nunique(),
            "_r": grouped["_r"].min(),
        }
    )
    if "max_points" in d.columns:
        total_max = grouped["max_points"].sum()
        table["share_of_max_lost"] = table["total_lost"] / total_max.where(total_max > 0)
    else:
        table["share_of_max_lost"] = np.nan
    table = table.reset_index().sort_values(["total_lost", "_r"], ascending=[False, True])
    table = table.drop(columns="_r").reset_index(drop=True)
    cols = [
        "node_code",
        "node_name",
        "total_lost",
        "mean_lost",
        "units_losing",
        "units",
        "share_of_max_lost",
    ]
    table = table[cols]
    return table if n is None else table.head(n)


def _year(key: int | str) -> int:
    try:
        return int(str(key).strip())
    except ValueError:
        raise ValueError(f"year {key!r} is not an integer year") from None


def recurring_losses(
    details: Mapping[int | str, pd.DataFrame],
    min_years: int = 2,
    *,
    leaves_only: bool = True,
) -> pd.DataFrame:
    """Losses a unit keeps making: (unit, node) pairs with lost points in at least
    `min_years` CONSECUTIVE years.

    `details` maps year → detail table. A year in which the unit did not lose points on the
    node (or has no row for it) breaks the run: 2023 and 2025 without 2024 is not a streak.
    Returns unit_code, node_code, node_name (latest year's), years ("2023, 2024, 2025": all
    years with a loss), streak (longest run of consecutive years), total_lost (over all
    years); ordered by streak, then total_lost, descending.
    """
    frames = []
    all_years = sorted(_year(key) for key in details)
    for key, detail in details.items():  # one iteration per year: a handful
        d = _prepare(detail, source=f"detail {key}")
        if leaves_only:
            d = d[d["is_leaf"]]
        d = d[d["lost_points"] > EPS]
        frames.append(
            d[["unit_code", "node_code", "node_name", "lost_points"]].assign(year=_year(key))
        )
    cols = ["unit_code", "node_code", "node_name", "years", "streak", "total_lost"]
    if not frames:
        return pd.DataFrame(columns=cols)
    long = pd.concat(frames, ignore_index=True)
    if long.empty:
        return pd.DataFrame(columns=cols)
    key_cols = ["unit_code", "node_code"]
    long = long.sort_values("year", kind="mergesort")
    lost = long.pivot_table(
        index=key_cols, columns="year", values="lost_points", aggfunc="sum", sort=True
    ).reindex(columns=all_years)
    # One pass per year (a handful), each vectorised over all (unit, node) pairs.
    run = np.zeros(len(lost), dtype=int)
    streak = np.zeros(len(lost), dtype=int)
    years = np.full(len(lost), "", dtype=object)
    previous_year = None
    for year in lost.columns:
        has = lost[year].notna().to_numpy()
        if previous_year is None or year - previous_year != 1:
            run[:] = 0  # a year missing from `details` breaks every run
        run = np.where(has, run + 1, 0)
        streak = np.maximum(streak, run)
        years = np.where(has, np.where(years == "", str(year), years + f", {year}"), years)
        previous_year = year
    result = pd.DataFrame(
        {
            "node_name": long.groupby(key_cols)["node_name"].last().reindex(lost.index),
            "years": years,
            "streak": streak,
            "total_lost": lost.sum(axis=1),
        },
        index=lost.index,
    ).reset_index()
    result = result[result["streak"] >= min_years]
    result = result.sort_values(
        ["streak", "total_lost"], ascending=[False, False], kind="mergesort"
    )
    return result[cols].reset_index(drop=True)
