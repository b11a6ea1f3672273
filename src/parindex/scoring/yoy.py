"""Year-over-year comparison of a results table with an earlier year's.

Publications always state how far each unit moved ("tăng 3 bậc", "+1.14 points"), and
units change: provinces and communes merge, so a new unit's previous index is the weighted
mean of its predecessors'. A merged unit had no rank of its own last year, so its rank
change is left empty rather than invented.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem

YOY_COLUMNS = ("prev_index_pct", "index_change", "prev_rank", "rank_change", "yoy_note")
REQUIRED = ("unit_code", "index_pct", "rank")

_ENTRY = re.compile(r"^\s*([^:;\s][^:;]*?)\s*(?::\s*([^:;]*?)\s*)?$")


def _check_columns(frame: pd.DataFrame, source: str) -> None:
    missing = [c for c in REQUIRED if c not in frame.columns]
    problems = [Problem(source, "header", c, "missing column") for c in missing]
    if not missing:
        keys = frame["unit_code"].astype(str)
        dup = keys[keys.duplicated()].unique()
        problems += [
            Problem(source, f"unit {code}", "unit_code", "appears more than once") for code in dup
        ]
    if problems:
        raise InputError(problems)


def _as_float(values: pd.Series) -> pd.Series:
    """Numbers as float64 with NaN for blanks, whatever the column held (text, Int64)."""
    return pd.to_numeric(values, errors="coerce").astype("float64")


def _fmt_weight(w: float) -> str:
    return f"{w:g}"


def compare_with_previous(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    predecessors: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """`current` with prev_index_pct, index_change, prev_rank, rank_change, yoy_note added.

    rank_change = prev_rank − rank (positive = moved up). Units are matched on unit_code
    (compared as text, so 1 and "1" match). A unit absent last year gets NaN and the note
    "new". A unit listed in `predecessors` (unit → {pred_code: weight}) gets the weighted
    mean of its predecessors' previous indices (weights renormalised over the predecessors
    that had an index last year), no previous rank and no rank change, and the note
    "merged: A×0.6, B×0.4" — even if its own code existed last year, because the unit it
    names now is not the one ranked then. Values are left unrounded.
    """
    _check_columns(current, "current")
    _check_columns(previous, "previous")
    out = current.drop(columns=[c for c in YOY_COLUMNS if c in current.columns]).copy()
    keys = out["unit_code"].astype(str)

    prev = pd.DataFrame(
        {
            "key": previous["unit_code"].astype(str).to_numpy(),
            "prev_index_pct": _as_float(previous["index_pct"]).to_numpy(),
            "prev_rank": _as_float(previous["rank"]).to_numpy(),
        }
    ).set_index("key")

    prev_index = keys.map(prev["prev_index_pct"]).astype(float)
    prev_rank = keys.map(prev["prev_rank"]).astype(float)
    found = keys.isin(prev.index)
    note = pd.Series(np.where(found, "", "new"), index=out.index, dtype=object)

    preds = {str(k): dict(v) for k, v in (predecessors or {}).items() if v}
    merged = keys.isin(list(preds))
    if merged.any():
        links = pd.DataFrame(
            [
                (unit, str(code), float(weight))
                for unit, mapping in preds.items()
                for code, weight in mapping.items()
            ],
            columns=["unit", "pred", "weight"],
        )
        links["index"] = links["pred"].map(prev["prev_index_pct"]).astype(float)
        usable = links[links["index"].notna()]
        sums = (usable["index"] * usable["weight"]).groupby(usable["unit"]).sum()
        weights = usable.groupby("unit")["weight"].sum()
        mean = (sums / weights.where(weights > 0)).astype(float)
        prev_index = prev_index.where(~merged, keys.map(mean).astype(float))
        prev_rank = prev_rank.where(~merged, np.nan)
        note = note.where(~merged, keys.map(_merged_notes(links)))

    out["prev_index_pct"] = prev_index.to_numpy()
    out["index_change"] = _as_float(out["index_pct"]).to_numpy() - prev_index.to_numpy()
    out["prev_rank"] = prev_rank.to_numpy()
    out["rank_change"] = prev_rank.to_numpy() - _as_float(out["rank"]).to_numpy()
    out["yoy_note"] = note.to_numpy()
    return out


def _merged_notes(links: pd.DataFrame) -> dict[str, str]:
    """One note per merged unit: the predecessors with their weights, and which of them
    had no index last year (they are left out of the mean)."""
    notes = {}
    for unit, rows in links.groupby("unit", sort=False):  # one loop per merged unit: few
        text = "merged: " + ", ".join(
            f"{p}×{_fmt_weight(w)}" for p, w in zip(rows["pred"], rows["weight"], strict=True)
        )
        absent = rows.loc[rows["index"].isna(), "pred"].tolist()
        if len(absent) == len(rows):
            text += " (no predecessor found last year)"
        elif absent:
            text += f" (no previous index for {', '.join(absent)}; weights renormalised)"
        notes[unit] = text
    return notes


def _places(n: float) -> tuple[str, bool]:
    count = abs(n)
    text = f"{count:g}"
    return text, count == 1


def describe_rank_change(rank_change: float | None) -> str:
    """The rank change in words: "up 3 places", "down 7 places", "up 1 place",
    "unchanged"; "" when there is no rank change (NaN, e.g. a merged or new unit)."""
    if rank_change is None or (isinstance(rank_change, float) and math.isnan(rank_change)):
        return ""
    value = float(rank_change)
    if math.isnan(value):
        return ""
    if value == 0:
        return "unchanged"
    count, one = _places(value)
    return f"{'up' if value > 0 else 'down'} {count} {'place' if one else 'places'}"


def describe_rank_change_vi(rank_change: float | None) -> str:
    """The rank change in Vietnamese: "tăng 3 bậc", "giảm 7 bậc", "giữ nguyên"; "" when
    there is no rank change."""
    if rank_change is None:
        return ""
    value = float(rank_change)
    if math.isnan(value):
        return ""
    if value == 0:
        return "giữ nguyên"
    count, _ = _places(value)
    return f"{'tăng' if value > 0 else 'giảm'} {count} bậc"


def parse_predecessors(text: str | None) -> dict[str, float]:
    """Parse the units-table syntax "CODE:weight;CODE:weight" (weight optional → 1).

    An empty cell means no predecessors. Weights must be positive finite numbers and a code
    may appear once; anything else raises ValueError naming the offending entry.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return {}
    raw = str(text).strip()
    if not raw:
        return {}
    parts = raw.split(";")
    if parts[-1].strip() == "":  # tolerate one trailing ";" (spreadsheet habit)
        parts = parts[:-1]
    result: dict[str, float] = {}
    for part in parts:
        match = _ENTRY.match(part)
        if not match or not part.strip():
            raise ValueError(
                f"predecessors {raw!r}: bad entry {part.strip()!r}; "
                "expected CODE or CODE:weight separated by ';'"
            )
        code, weight_text = match.group(1), match.group(2)
        if weight_text is None:
            weight = 1.0
        else:
            try:
                weight = float(weight_text.replace(",", "."))
            except ValueError:
                raise ValueError(
                    f"predecessors {raw!r}: weight {weight_text!r} of {code} is not a number"
                ) from None
            if not math.isfinite(weight) or weight <= 0:
                raise ValueError(
                    f"predecessors {raw!r}: weight of {code} must be a positive number, "
                    f"got {weight_text!r}"
                )
        if code in result:
            raise ValueError(f"predecessors {raw!r}: {code} is listed more than once")
        result[code] = weight
    return result
