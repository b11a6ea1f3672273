"""What if a unit recovered some of its lost points, or a field weighed differently?

Two questions a Sở Nội vụ asks after a ranking, answered against the *other units'
results as they are*:

1. **Which criteria to recover first** (`what_if`). Every point counts the same in the
   index (index = points / applicable maximum × 100), so what differs between criteria is
   how many points each one lost, i.e. how far recovering it alone can carry the unit.
   For each leaf where the unit lost points (the D.csv detail table): the rank if the
   leaf were fully recovered, the places gained, the fewest points of it that already
   give that rank (reaching the index of the unit it would draw level with: equal
   indices share a rank), and the points per place gained — the table is ordered by the
   latter. The unit-level figure "points to gain the next place" is the gap to the index
   of the nearest unit above. Then a greedy plan: repeatedly recover the criterion with
   the fewest points per place gained from where the plan stands (when no single
   criterion gains a place, the one with the most lost points, which gets closest),
   until rank 1 or nothing is left, with the rank after each step and the fewest
   cumulative points that reach it.
2. **What a field's weight does to the whole ranking** (`field_weight_effect`): every unit
   re-scored with the field's maximum changed and the field's criteria keeping their
   shares (every criterion of the field scaled by new / old maximum), with the new rank
   and the change of rank (positive = moved up).

Both follow the scoring exactly: points = max(0, main points + bonus − penalty), index
on the unit's applicable maximum, competition ranks within the peer group on unrounded
values with the scoring's 1e-9 tolerance (`parindex.scoring.ranking`). The tests check
the answers by changing the inputs and running `parindex.scoring.score` again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parindex.analysis.lost_points import EPS, _prepare
from parindex.errors import InputError, Problem
from parindex.scoring.ranking import TOLERANCE, competition_rank

METHOD_VERSION = "whatif-1"

CRITERIA_COLUMNS = [
    "node_code",
    "node_name",
    "field_code",
    "max_points",
    "points",
    "lost_points",
    "new_rank",
    "places_gained",
    "points_needed",
    "points_per_place",
    "reaches_next_place",
]
PATH_COLUMNS = [
    "step",
    "node_code",
    "node_name",
    "field_code",
    "points_recovered",
    "cumulative_points",
    "min_cumulative_points",
    "index_pct",
    "rank",
    "places_gained",
]
EFFECT_COLUMNS = [
    "unit_code",
    "unit_name",
    "peer_group",
    "index_pct",
    "rank",
    "new_index_pct",
    "new_rank",
    "rank_change",
]


@dataclass
class WhatIf:
    """The answers for one unit; `next_place`: None at rank 1, else the rank it would
    reach, the points that takes, the index to reach and the unit(s) holding it."""

    unit_code: str
    unit_name: str
    peer_group: str
    index_pct: float
    rank: int
    group_size: int
    points: float
    max_points: float
    next_place: dict[str, Any] | None
    criteria: pd.DataFrame
    path: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)


def _snap(value: float | np.ndarray) -> Any:
    return np.round(np.asarray(value, dtype=float) / TOLERANCE)


def _results_frame(results: pd.DataFrame, source: str) -> pd.DataFrame:
    problems = [
        Problem(source, "header", c, "required column is missing")
        for c in ("unit_code", "index_pct")
        if c not in results.columns
    ]
    if problems:
        raise InputError(problems)
    out = results.copy()
    out["unit_code"] = out["unit_code"].astype(str).str.strip()
    for col in ("index_pct", "points", "max_points", "bonus_points", "penalty_points"):
        if col in out.columns:
            out[col] = pd.to_numeric(out[col], errors="coerce")
    for col in ("bonus_points", "penalty_points"):
        out[col] = out[col].fillna(0.0) if col in out.columns else 0.0
    out["peer_group"] = out["peer_group"].fillna("").astype(str) if "peer_group" in out else ""
    out["unit_name"] = out["unit_name"].fillna("").astype(str) if "unit_name" in out else ""
    return out


class _Standing:
    """A unit's position among the other units of its peer group."""

    def __init__(self, others: np.ndarray, base: float, bonus: float, penalty: float, mx: float):
        self.others = np.sort(others[~np.isnan(others)])[::-1]  # descending
        self.snapped = _snap(self.others)
        self.base, self.bonus, self.penalty, self.max = base, bonus, penalty, mx

    def index_after(self, extra: float) -> float:
        points = max(0.0, self.base + extra + self.bonus - self.penalty)
        return points / self.max * 100.0 if self.max > 0 else float("nan")

    def rank_of(self, index: float) -> int:
        return 1 + int((self.snapped > _snap(index)).sum())

    def needed_for(self, index: float) -> float:
        """Fewest extra points that bring the unit's index to `index`."""
        return max(0.0, index * self.max / 100.0 - (self.base + self.bonus - self.penalty))

    def level_for(self, index: float) -> float | None:
        """The lowest index giving the same rank as `index`: the index of the lowest
        unit ahead of which (or level with which) `index` is, or None if none."""
        mask = self.snapped <= _snap(index)
        return float(self.others[mask][0]) if mask.any() else None

    def next_level(self, index: float) -> float | None:
        """The index of the nearest unit strictly above."""
        mask = self.snapped > _snap(index)
        return float(self.others[mask][-1]) if mask.any() else None


def what_if(
    results: pd.DataFrame,
    detail: pd.DataFrame,
    unit_code: str,
    *,
    source: str = "results",
    detail_source: str = "detail",
) -> WhatIf:
    """Criteria whose recovery would move `unit_code` up, and a greedy recovery plan."""
    table = _results_frame(results, source)
    unit_code = str(unit_code).strip()
    row = table[table["unit_code"] == unit_code]
    if row.empty:
        raise InputError([Problem(source, "", "unit_code", f"no unit {unit_code!r}")])
    rec = row.iloc[0]
    if pd.isna(rec["index_pct"]):
        raise InputError([Problem(source, "", "index_pct", f"unit {unit_code!r} has no index")])
    d = _prepare(detail, detail_source)
    d = d[d["unit_code"].astype(str).str.strip() == unit_code]
    if d.empty:
        raise InputError(
            [Problem(detail_source, "", "unit_code", f"no rows of unit {unit_code!r}")]
        )
    leaves = d[d["is_leaf"]]
    base = float(leaves["points"].sum())
    max_points = float(leaves["max_points"].sum())
    group = table[table["peer_group"] == rec["peer_group"]]
    peers = group[group["unit_code"] != unit_code]["index_pct"].to_numpy(dtype=float)
    standing = _Standing(
        peers, base, float(rec["bonus_points"]), float(rec["penalty_points"]), max_points
    )
    index = float(rec["index_pct"])
    rank = int(competition_rank(group["index_pct"].to_numpy(dtype=float))[
        int(np.flatnonzero(group["unit_code"].to_numpy() == unit_code)[0])
    ])  # fmt: skip

    next_place = None
    target = standing.next_level(index)
    if target is not None:
        next_rank = standing.rank_of(target)
        holders = group[_snap(group["index_pct"].to_numpy(dtype=float)) == _snap(target)]
        next_place = {
            "rank": next_rank,
            "index_pct": target,
            "points_needed": standing.needed_for(target),
            "units": holders["unit_code"].tolist(),
            "unit_names": holders["unit_name"].tolist(),
        }
    field_of = _field_of(d)
    lost = leaves[leaves["lost_points"] > EPS]
    criteria = _criteria(lost, standing, rank, next_place, field_of)
    path = _path(lost, standing, rank, field_of)
    return WhatIf(
        unit_code=unit_code,
        unit_name=str(rec["unit_name"]),
        peer_group=str(rec["peer_group"]),
        index_pct=index,
        rank=rank,
        group_size=len(group),
        points=float(rec["points"]) if "points" in rec and not pd.isna(rec["points"]) else base,
        max_points=max_points,
        next_place=next_place,
        criteria=criteria,
        path=path,
        method={
            "method_version": METHOD_VERSION,
            "ranking": "competition ranking within the peer group, ties below 1e-9",
            "other_units": "as published",
        },
    )


def _field_of(detail: pd.DataFrame) -> dict[str, str]:
    """Leaf → top-level field, through parent_code (or the code's first segment)."""
    codes = detail["node_code"].astype(str).tolist()
    if "parent_code" in detail.columns:
        parent = dict(zip(codes, detail["parent_code"].fillna("").astype(str), strict=True))
    else:
        parent = {}
    out = {}
    for code in codes:
        top, seen = code, 0
        while parent.get(top) and seen < 50:
            top, seen = parent[top], seen + 1
        if not parent:
            top = code.split(".")[0]
        out[code] = top
    return out


def _criteria(
    lost: pd.DataFrame,
    standing: _Standing,
    rank: int,
    next_place: dict[str, Any] | None,
    field_of: dict[str, str],
) -> pd.DataFrame:
    rows = []
    for leaf in lost.to_dict("records"):
        amount = float(leaf["lost_points"])
        full = standing.index_after(amount)
        new_rank = standing.rank_of(full)
        gained = rank - new_rank
        needed = np.nan
        if gained > 0:
            level = standing.level_for(full)
            needed = min(amount, standing.needed_for(level)) if level is not None else np.nan
        rows.append(
            {
                "node_code": str(leaf["node_code"]),
                "node_name": str(leaf.get("node_name", "")),
                "field_code": field_of.get(str(leaf["node_code"]), ""),
                "max_points": float(leaf["max_points"]),
                "points": float(leaf["points"]),
                "lost_points": amount,
                "new_rank": new_rank,
                "places_gained": gained,
                "points_needed": needed,
                "points_per_place": needed / gained if gained > 0 else np.nan,
                "reaches_next_place": bool(
                    next_place is not None and amount >= next_place["points_needed"] - 1e-9
                ),
            }
        )
    frame = pd.DataFrame(rows, columns=CRITERIA_COLUMNS)
    if frame.empty:
        return frame
    frame["_gains"] = frame["places_gained"] > 0
    frame = frame.sort_values(
        ["_gains", "points_per_place", "places_gained", "lost_points", "node_code"],
        ascending=[False, True, False, False, True],
        na_position="last",
        kind="stable",
    )
    return frame.drop(columns="_gains").reset_index(drop=True)


def _path(
    lost: pd.DataFrame, standing: _Standing, rank: int, field_of: dict[str, str]
) -> pd.DataFrame:
    remaining = [
        (str(r["node_code"]), str(r.get("node_name", "")), float(r["lost_points"]))
        for r in lost.to_dict("records")
    ]
    steps = []
    extra, current = 0.0, rank
    while remaining and current > 1:
        best = None
        for code, name, amount in remaining:
            gained = current - standing.rank_of(standing.index_after(extra + amount))
            # fewest points per place; when nothing gains a place, the largest step
            key = (
                (0, amount / gained, -gained, -amount, code)
                if gained > 0
                else (1, 0.0, 0, -amount, code)
            )
            if best is None or key < best[0]:
                best = (key, code, name, amount)
        _key, code, name, amount = best
        remaining = [r for r in remaining if r[0] != code]
        extra += amount
        index = standing.index_after(extra)
        current = standing.rank_of(index)
        level = standing.level_for(index) if current < rank else None
        steps.append(
            {
                "step": len(steps) + 1,
                "node_code": code,
                "node_name": name,
                "field_code": field_of.get(code, ""),
                "points_recovered": amount,
                "cumulative_points": extra,
                "min_cumulative_points": (
                    min(extra, standing.needed_for(level)) if level is not None else np.nan
                ),
                "index_pct": index,
                "rank": current,
                "places_gained": rank - current,
            }
        )
    return pd.DataFrame(steps, columns=PATH_COLUMNS)


def field_weight_effect(
    results: pd.DataFrame,
    field_max: Mapping[str, float],
    weights: Mapping[str, float],
    *,
    detail: pd.DataFrame | None = None,
    source: str = "results",
) -> pd.DataFrame:
    """New index and rank of every unit when fields get new maxima `weights` ({code: new
    maximum}; the other fields keep theirs), the field's criteria keeping their shares.

    With `detail` (D.csv) the unit's own points and applicable maximum of each field are
    used, which is exact re-scoring (not-applicable criteria included). Without it, the
    field's points are its index × the framework maximum (exact when no criterion of the
    field is not applicable); bonus and penalty points are kept in both cases.
    """
    table = _results_frame(results, source)
    codes = [str(c) for c in field_max]
    problems = []
    for code, value in weights.items():
        if str(code) not in codes:
            problems.append(Problem("options", "", "field", f"no field {code!r}"))
        elif not np.isfinite(float(value)) or float(value) < 0:
            problems.append(Problem("options", f"field {code}", "weight", "must be zero or more"))
    if problems:
        raise InputError(problems)
    old = np.asarray([float(field_max[c]) for c in codes])
    new = np.asarray([float(weights.get(c, field_max[c])) for c in codes])
    scale = np.divide(new, old, out=np.ones_like(new), where=old > 0)
    points, maxima = _field_points(table, codes, old, detail, source)
    bonus = table["bonus_points"].to_numpy(dtype=float)
    penalty = table["penalty_points"].to_numpy(dtype=float)
    new_points = np.maximum(0.0, points @ scale + bonus - penalty)
    new_max = maxima @ scale
    with np.errstate(invalid="ignore", divide="ignore"):
        new_index = np.where(new_max > 0, new_points / new_max * 100.0, np.nan)
    index = table["index_pct"].to_numpy(dtype=float)
    unchanged = np.allclose(scale, 1.0, rtol=0, atol=0)
    if unchanged:
        new_index = index.copy()
    new_index = np.where(np.isnan(index), np.nan, new_index)
    groups = table["peer_group"].to_numpy()
    out = pd.DataFrame(
        {
            "unit_code": table["unit_code"],
            "unit_name": table["unit_name"],
            "peer_group": table["peer_group"],
            "index_pct": index,
            "rank": competition_rank(index, groups),
            "new_index_pct": new_index,
            "new_rank": competition_rank(new_index, groups),
        }
    )
    out["rank_change"] = out["rank"] - out["new_rank"]
    for col in ("rank", "new_rank", "rank_change"):
        out[col] = out[col].astype("Int64")
    order = {g: i for i, g in enumerate(pd.unique(out["peer_group"]))}
    out = out.assign(_g=out["peer_group"].map(order)).sort_values(
        ["_g", "new_rank", "unit_code"], na_position="last", kind="stable"
    )
    return out.drop(columns="_g").reset_index(drop=True)[EFFECT_COLUMNS]


def _field_points(
    table: pd.DataFrame,
    codes: list[str],
    old: np.ndarray,
    detail: pd.DataFrame | None,
    source: str,
) -> tuple[np.ndarray, np.ndarray]:
    """(units, fields) points and applicable maxima of every field."""
    if detail is None:
        missing = [f"field_{c}_pct" for c in codes if f"field_{c}_pct" not in table.columns]
        if missing:
            raise InputError([Problem(source, "header", c, "no column for this field")
                              for c in missing])  # fmt: skip
        pct = np.column_stack(
            [pd.to_numeric(table[f"field_{c}_pct"], errors="coerce") for c in codes]
        )
        available = ~np.isnan(pct)
        return np.nan_to_num(pct) / 100.0 * old, available * old
    d = _prepare(detail, "detail")
    if "depth" in d.columns:
        top = d[d["depth"] == 0]
    else:
        top = d[d["node_code"].astype(str).isin(codes)]
    top = top.assign(unit_code=top["unit_code"].astype(str).str.strip(),
                     node_code=top["node_code"].astype(str))  # fmt: skip
    pts = top.pivot_table(index="unit_code", columns="node_code", values="points", aggfunc="sum")
    mx = top.pivot_table(index="unit_code", columns="node_code", values="max_points", aggfunc="sum")
    pts = pts.reindex(index=table["unit_code"], columns=codes).fillna(0.0)
    mx = mx.reindex(index=table["unit_code"], columns=codes).fillna(0.0)
    return pts.to_numpy(dtype=float), mx.to_numpy(dtype=float)
