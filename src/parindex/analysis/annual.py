"""The content of an annual PAR Index report, as plain data, from the result tables.

The ministry's yearly publication (and each province's own) has the same parts: summary
figures, the ranking of each peer group, the classification, the leaders of each field,
regional and peer-group averages with their change, the biggest movers, where points were
lost, and — when the year has them — survey estimates with their intervals, the service
index of Decision 766, the state of remedial plans and how robust the ranks are.
`build_annual_report` assembles those parts from DataFrames into an `AnnualReport` of
`Section`s holding figures and `Table`s (lists of dicts, unrounded values); the shells
render it as PDF and Excel, translating the keys and rounding only there.

It reuses the analyses that already exist — `summarize` (averages, changes, classes, top
and bottom, rank movers, regional averages), `field_gaps` (peer averages and field leaders),
`top_lost_criteria` and `recurring_losses` — and adds only what they do not compute.
A section whose data is missing stays in the report with `available=False` and a `reason`
key, so a reader sees that the part exists and why it is empty.

Inputs (all plain DataFrames; see docs/ARCHITECTURE.md for the R.csv / D.csv columns):

- results: R.csv shape (unit_code, unit_name, peer_group, points, max_points, index_pct,
  rank, class, field_<code>_pct..., optional prev_index_pct, index_change, prev_rank,
  rank_change, yoy_note, region);
- detail: D.csv shape of the same year; history: {year: D.csv} of earlier years;
- previous: last year's R.csv (only index_pct is read, for last year's average);
- survey: unit_code, element, element_name, estimate_pct, ci_low_pct, ci_high_pct, n;
- service_index: unit_code, unit_name, total, rank and one `group_<code>` column per group;
- plans: unit_code, unit_name, tasks, done, in_progress, not_started, overdue;
- rank_intervals: unit_code, rank, median_rank, rank_p05, rank_p95, optional
  indistinguishable_from ("A, B": units whose rank cannot be told apart);
  rank_sensitivity: kind (weight | survey | aggregation), field_code, index.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from parindex.analysis.lost_points import recurring_losses, top_lost_criteria
from parindex.analysis.profile import field_columns, field_gaps
from parindex.analysis.summary import summarize
from parindex.errors import InputError, Problem
from parindex.scoring.ranking import competition_rank
from parindex.scoring.yoy import compare_with_previous

TIE = 1e-9
SECTION_KEYS = (
    "summary",
    "ranking",
    "classes",
    "field_leaders",
    "averages",
    "movers",
    "lost_points",
    "survey",
    "service_index",
    "remedial",
    "robustness",
)
GROUP_COLUMN = re.compile(r"^group_(.+)$")


# --------------------------------------------------------------------------- data classes


@dataclass
class Table:
    """Rows (dicts keyed by `columns`) of one table of a section.

    `key` names what the table is (the shells translate it); `group` is the peer group or
    element the table is about, if any; `labels` gives the heading of data-defined columns
    (a field code, a class label) that no translation catalogue can know.
    """

    key: str
    columns: list[str]
    rows: list[dict[str, Any]]
    group: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Section:
    key: str
    available: bool = True
    reason: str = ""  # why not available: no_detail, no_previous, no_survey, ...
    figures: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)

    def table(self, key: str, group: str | None = None) -> Table | None:
        for t in self.tables:
            if t.key == key and (group is None or t.group == group):
                return t
        return None


@dataclass
class AnnualReport:
    year: int | None
    fields: list[dict[str, Any]]  # code, name, max_points
    bands: list[dict[str, Any]]  # label, name, min, inclusive (best first)
    has_previous: bool
    sections: list[Section]

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


# --------------------------------------------------------------------------- helpers


def _num(x: Any) -> float | None:
    """A plain float, None for missing / NaN."""
    if x is None or x is pd.NA:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def _int(x: Any) -> int | None:
    value = _num(x)
    return None if value is None else int(round(value))


def _text(x: Any) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def _require(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError([Problem(source, "header", c, "missing column") for c in missing])


def _first_n_with_ties(frame: pd.DataFrame, column: str, n: int, largest: bool) -> pd.DataFrame:
    """The `n` rows with the largest (or smallest) `column`, plus rows tied with the n-th."""
    ordered = frame[frame[column].notna()].sort_values(
        column, ascending=not largest, kind="mergesort"
    )
    if len(ordered) <= n:
        return ordered
    cut = ordered[column].iloc[n - 1]
    keep = ordered[column] >= cut - TIE if largest else ordered[column] <= cut + TIE
    return ordered[keep]


def _holders(frame: pd.DataFrame, column: str, value: float) -> list[str]:
    """Names of the units whose `column` equals `value` (ties within 1e-9)."""
    hit = frame[(frame[column] - value).abs() <= TIE]
    return [_text(n) or _text(c) for n, c in zip(hit["unit_name"], hit["unit_code"], strict=True)]


def _extreme(frame: pd.DataFrame, column: str, largest: bool) -> dict[str, Any] | None:
    """{"value", "units"}: the largest (or smallest) value of `column` and who has it."""
    values = frame[column].dropna()
    if values.empty:
        return None
    value = float(values.max() if largest else values.min())
    return {"value": value, "units": _holders(frame, column, value)}


def _prepare_results(results: pd.DataFrame) -> pd.DataFrame:
    _require(results, ("unit_code", "index_pct"), "results")
    r = results.reset_index(drop=True).copy()
    r["unit_code"] = r["unit_code"].astype(str)
    if "unit_name" not in r.columns:
        r["unit_name"] = r["unit_code"]
    r["unit_name"] = r["unit_name"].map(_text)
    if "peer_group" not in r.columns:
        r["peer_group"] = ""
    r["peer_group"] = r["peer_group"].map(_text)
    numeric = ["index_pct", "points", "max_points", "rank", "prev_index_pct", "index_change"]
    numeric += ["prev_rank", "rank_change", *field_columns(r).values()]
    for col in numeric:
        if col in r.columns:
            r[col] = pd.to_numeric(r[col], errors="coerce").astype(float)
    if "class" not in r.columns:
        r["class"] = ""
    r["class"] = r["class"].map(_text)
    return r


def _fields(
    r: pd.DataFrame, fields: Sequence[Mapping[str, Any]] | None, detail: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """Fields in framework order: the given list, else the field columns of the results
    named after the depth-0 nodes of the detail table."""
    if fields:
        return [
            {
                "code": str(f["code"]),
                "name": _text(f.get("name")),
                "max_points": _num(f.get("max_points")),
            }
            for f in fields
        ]
    names: dict[str, str] = {}
    maxima: dict[str, float | None] = {}
    if detail is not None and {"node_code", "depth"} <= set(detail.columns):
        top = detail[pd.to_numeric(detail["depth"], errors="coerce") == 0]
        top = top.drop_duplicates("node_code")
        names = dict(zip(top["node_code"].astype(str), top.get("node_name", ""), strict=True))
        if "max_points" in top.columns:
            maxima = {
                str(c): _num(m) for c, m in zip(top["node_code"], top["max_points"], strict=True)
            }
    return [
        {"code": code, "name": _text(names.get(code)), "max_points": maxima.get(code)}
        for code in field_columns(r)
    ]


def _bands(bands: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    out = [
        {
            "label": str(b["label"]),
            "name": _text(b.get("name")),
            "min": float(b["min"]),
            "inclusive": bool(b.get("inclusive", True)),
        }
        for b in bands or ()
    ]
    out.sort(key=lambda b: b["min"], reverse=True)
    return out


def _sorted_groups(r: pd.DataFrame) -> list[str]:
    return sorted(r["peer_group"].unique(), key=lambda g: (g == "", g.casefold()))


# --------------------------------------------------------------------------- sections


def _summary(r: pd.DataFrame, s: dict[str, Any], has_yoy: bool) -> Section:
    index = r["index_pct"].dropna()
    figures: dict[str, Any] = {
        "count": s["count"],
        "count_with_index": s["count_with_index"],
        "peer_groups": len(s.get("peer_groups") or {}),
        "average_index": s["average_index"],
        "median_index": _num(index.median()) if not index.empty else None,
        "previous_average": s["previous_average"],
        "average_change": s["average_change"],
        "above_average": s["above_average"],
    }
    figures["highest"] = _extreme(r, "index_pct", largest=True)
    figures["lowest"] = _extreme(r, "index_pct", largest=False)
    changes = s.get("changes") if has_yoy else None
    if changes:
        for key in ("compared", "up", "down", "unchanged", "without_previous"):
            figures[key] = changes[key]
        for key in ("largest_rise", "largest_fall"):
            extreme = changes.get(key)
            figures[key] = (
                None
                if extreme is None
                else {
                    "value": extreme["value"],
                    "units": [u["unit_name"] or u["unit_code"] for u in extreme["units"]],
                }
            )
    columns = ["rank", "unit_code", "unit_name", "peer_group", "index_pct"]
    notes: dict[str, str] = {}
    if has_yoy:
        columns += ["index_change", "rank_change", "yoy_note"]
        if "yoy_note" in r.columns:
            notes = dict(zip(r["unit_code"], r["yoy_note"].map(_text), strict=True))

    def rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = [{c: e.get(c) for c in columns} for e in entries]
        if has_yoy:
            for row in out:
                row["yoy_note"] = notes.get(str(row["unit_code"]), "")
        return out

    # A small group's top and bottom overlap: the bottom keeps only units not in the top.
    top_codes = {(e["peer_group"], e["unit_code"]) for e in s["top"]}
    bottom = [e for e in s["bottom"] if (e["peer_group"], e["unit_code"]) not in top_codes]
    tables = [Table("top", columns, rows(s["top"])), Table("bottom", columns, rows(bottom))]
    return Section("summary", figures=figures, tables=tables)


def _ranking(
    r: pd.DataFrame,
    fields: list[dict[str, Any]],
    has_yoy: bool,
    intervals: pd.DataFrame | None,
) -> Section:
    """One table per peer group in rank order (ties by name), with the likely ranks of the
    uncertainty analysis beside the rank when there is one."""
    columns = ["rank", "unit_code", "unit_name", "points", "max_points", "index_pct", "class"]
    likely: dict[str, tuple[float | None, float | None]] = {}
    if intervals is not None:
        columns[1:1] = ["rank_p05", "rank_p95"]
        likely = {
            c: (_num(a), _num(b))
            for c, a, b in zip(
                intervals["unit_code"], intervals["rank_p05"], intervals["rank_p95"], strict=True
            )
        }
    if has_yoy:
        columns += ["prev_index_pct", "index_change", "prev_rank", "rank_change", "yoy_note"]
    field_keys = [f"field_{f['code']}_pct" for f in fields]
    labels = {key: f["code"] for key, f in zip(field_keys, fields, strict=True)}
    tables = []
    for group in _sorted_groups(r):
        frame = r[r["peer_group"] == group].copy()
        frame["_name"] = frame["unit_name"].str.casefold()
        frame = frame.sort_values(["rank", "_name"], na_position="last", kind="mergesort")
        rows = []
        for rec in frame.to_dict("records"):
            row = {c: rec.get(c) for c in columns}
            row["rank"] = _int(rec.get("rank"))
            if intervals is not None:
                row["rank_p05"], row["rank_p95"] = likely.get(row["unit_code"], (None, None))
            if has_yoy:
                row["prev_rank"] = _int(rec.get("prev_rank"))
                row["rank_change"] = _int(rec.get("rank_change"))
                row["yoy_note"] = _text(rec.get("yoy_note"))
            for key in ("points", "max_points", "index_pct", "prev_index_pct", "index_change"):
                if key in row:
                    row[key] = _num(row[key])
            for key in field_keys:
                row[key] = _num(rec.get(key))
            rows.append(row)
        tables.append(Table("ranking", columns + field_keys, rows, group=group, labels=labels))
    return Section("ranking", figures={"groups": len(tables)}, tables=tables)


def _classes(r: pd.DataFrame, s: dict[str, Any], bands: list[dict[str, Any]]) -> Section:
    """Counts per band of the framework (every band, also empty ones), its limits, and the
    same counts per peer group. Units outside every band are counted as unclassified."""
    counts = s.get("classes") or {}
    total = int(r["index_pct"].notna().sum())
    rows = []
    upper: float | None = None
    upper_inclusive = False
    for band in bands:
        count = int(counts.get(band["label"], 0))
        rows.append(
            {
                "label": band["label"],
                "name": band["name"],
                "min": band["min"],
                "inclusive": band["inclusive"],
                "upper": upper,
                "upper_inclusive": upper_inclusive,
                "count": count,
                "share_pct": count / total * 100 if total else None,
            }
        )
        upper, upper_inclusive = band["min"], not band["inclusive"]
    known = {b["label"] for b in bands}
    other = {label: n for label, n in counts.items() if label not in known}
    if not bands:  # no bands given: the labels found, best first (summarize's order)
        rows = [
            {"label": label, "name": "", "min": None, "inclusive": True, "upper": None,
             "upper_inclusive": False, "count": n, "share_pct": n / total * 100 if total else None}
            for label, n in other.items() if label
        ]  # fmt: skip
        other = {label: n for label, n in other.items() if not label}
    unclassified = int(sum(other.values()))
    columns = ["label", "name", "min", "upper", "count", "share_pct"]
    tables = [Table("class_counts", columns, rows)]
    labels = [row["label"] for row in rows]
    keys = [f"class_{i}" for i in range(len(labels))]
    by_group = []
    for group in _sorted_groups(r):
        frame = r[r["peer_group"] == group]
        found = frame["class"].value_counts()
        row: dict[str, Any] = {"peer_group": group, "count": int(len(frame))}
        for key, label in zip(keys, labels, strict=True):
            row[key] = int(found.get(label, 0))
        row["unclassified"] = int(len(frame) - sum(row[k] for k in keys))
        by_group.append(row)
    group_columns = ["peer_group", "count", *keys]
    if unclassified:
        group_columns.append("unclassified")
    tables.append(
        Table(
            "class_by_group", group_columns, by_group, labels=dict(zip(keys, labels, strict=True))
        )
    )
    figures = {"bands": len(rows), "classified": total - unclassified, "unclassified": unclassified}
    return Section("classes", figures=figures, tables=tables)


def _field_leaders(r: pd.DataFrame, fields: list[dict[str, Any]]) -> Section:
    """Per peer group and field: average, best (with its units) from `field_gaps`, and the
    lowest value with its units; plus each field's average over all units."""
    if not fields:
        return Section("field_leaders", available=False, reason="no_fields")
    names = {f["code"]: f["name"] for f in fields}
    columns = {f"field_{f['code']}_pct" for f in fields}
    present = [c for c in field_columns(r).values() if c in columns]
    gaps = field_gaps(r[["unit_code", "peer_group", *present]], field_names=names)
    unit_names = dict(zip(r["unit_code"], r["unit_name"], strict=True))
    lowest = gaps.groupby(["peer_group", "field_code"], sort=False)["value"].transform("min")
    gaps = gaps.assign(lowest=lowest)
    is_low = (gaps["value"] - gaps["lowest"]).abs() <= TIE
    low_units = (
        gaps[is_low]
        .groupby(["peer_group", "field_code"], sort=False)["unit_code"]
        .agg(lambda codes: [unit_names.get(c, c) for c in codes])
    )
    first = gaps.drop_duplicates(["peer_group", "field_code"])
    order = {f["code"]: i for i, f in enumerate(fields)}
    tables = []
    for group in _sorted_groups(r):
        part = first[first["peer_group"] == group]
        part = part.assign(_o=part["field_code"].map(order)).sort_values("_o")
        rows = []
        for rec in part.to_dict("records"):
            code = rec["field_code"]
            best = [c for c in str(rec["best_units"] or "").split(", ") if c]
            has_value = _num(rec["best_value"]) is not None
            rows.append(
                {
                    "field_code": code,
                    "field_name": names.get(code, ""),
                    "average": _num(rec["peer_average"]),
                    "best_value": _num(rec["best_value"]),
                    "leaders": [unit_names.get(c, c) for c in best] if has_value else [],
                    "lowest_value": _num(rec["lowest"]),
                    "lowest_units": list(low_units.get((group, code), [])) if has_value else [],
                }
            )
        tables.append(
            Table(
                "field_leaders",
                ["field_code", "field_name", "average", "best_value", "leaders",
                 "lowest_value", "lowest_units"],
                rows,
                group=group,
            )
        )  # fmt: skip
    overall = []
    for f in fields:
        key = f"field_{f['code']}_pct"
        values = r[key].dropna() if key in r.columns else pd.Series(dtype=float)
        overall.append(
            {
                "field_code": f["code"],
                "field_name": f["name"],
                "average": _num(values.mean()) if not values.empty else None,
                "best_value": _num(values.max()) if not values.empty else None,
                "lowest_value": _num(values.min()) if not values.empty else None,
            }
        )
    tables.insert(
        0,
        Table("field_averages", ["field_code", "field_name", "average", "best_value",
                                 "lowest_value"], overall),
    )  # fmt: skip
    return Section("field_leaders", tables=tables)


def _average_rows(entries: list[dict[str, Any]] | None, key: str) -> list[dict[str, Any]]:
    return [
        {
            key: e["region"],
            "count": e["count"],
            "average_index": e["average_index"],
            "previous_average": e["previous_average"],
            "change": e["change"],
        }
        for e in entries or []
    ]


def _averages(
    r: pd.DataFrame, previous: pd.DataFrame | None, s: dict[str, Any], has_yoy: bool
) -> Section:
    """Peer-group and regional averages with their change, from `summarize`'s regional
    averages (previous average over the same units, merged units through predecessors)."""
    groups = summarize(
        r, previous, regions=pd.DataFrame({"unit_code": r["unit_code"], "region": r["peer_group"]})
    )["regions"]
    columns = ["count", "average_index", "previous_average", "change"]
    tables = [
        Table("peer_group_averages", ["peer_group", *columns], _average_rows(groups, "peer_group"))
    ]
    has_regions = "region" in r.columns and r["region"].map(_text).ne("").any()
    if has_regions:
        with_region = r[r["region"].map(_text).ne("")]
        regions = summarize(with_region, previous)["regions"]
        tables.append(
            Table("region_averages", ["region", *columns], _average_rows(regions, "region"))
        )
    figures = {
        "average_index": s["average_index"],
        "previous_average": s["previous_average"],
        "average_change": s["average_change"],
        "has_regions": bool(has_regions),
        "has_previous": has_yoy,
    }
    return Section("averages", figures=figures, tables=tables)


def _movers(r: pd.DataFrame, s: dict[str, Any], has_yoy: bool, n: int) -> Section:
    """Largest rises and falls in rank (from `summarize`) and in index points (ties kept)."""
    if not has_yoy:
        return Section("movers", available=False, reason="no_previous")
    rank_cols = ["unit_code", "unit_name", "peer_group", "prev_rank", "rank", "rank_change",
                 "index_pct", "index_change"]  # fmt: skip
    movers = s.get("rank_movers") or {"up": [], "down": []}
    tables = [
        Table("rank_up", rank_cols, [{c: e.get(c) for c in rank_cols} for e in movers["up"]]),
        Table("rank_down", rank_cols, [{c: e.get(c) for c in rank_cols} for e in movers["down"]]),
    ]
    index_cols = ["unit_code", "unit_name", "peer_group", "prev_index_pct", "index_pct",
                  "index_change", "rank_change", "yoy_note"]  # fmt: skip
    for key, frame, largest in (
        ("index_up", r[r["index_change"] > TIE], True),
        ("index_down", r[r["index_change"] < -TIE], False),
    ):
        head = _first_n_with_ties(frame, "index_change", n, largest=largest)
        rows = []
        for rec in head.to_dict("records"):
            row = {c: rec.get(c) for c in index_cols}
            for c in ("prev_index_pct", "index_pct", "index_change"):
                row[c] = _num(row[c])
            row["rank_change"] = _int(row["rank_change"])
            row["yoy_note"] = _text(row["yoy_note"])
            rows.append(row)
        tables.append(Table(key, index_cols, rows))
    return Section("movers", tables=tables)


def _lost_points(
    detail: pd.DataFrame | None,
    history: Mapping[int, pd.DataFrame] | None,
    year: int | None,
    n: int,
    recurring_n: int,
) -> Section:
    """Points lost per field and per criterion over all units (`top_lost_criteria`), and the
    losses units keep making year after year (`recurring_losses`), by criterion and by pair."""
    if detail is None or detail.empty:
        return Section("lost_points", available=False, reason="no_detail")
    by_field = top_lost_criteria(detail, n=None, depth=0) if "depth" in detail.columns else None
    top = top_lost_criteria(detail, n=n)
    leaves = top_lost_criteria(detail, n=None)
    units = int(detail["unit_code"].nunique())
    total_lost = float(leaves["total_lost"].sum())
    columns = ["node_code", "node_name", "total_lost", "mean_lost", "units_losing", "units",
               "share_of_max_lost"]  # fmt: skip

    def rows_of(table: pd.DataFrame) -> list[dict[str, Any]]:
        out = []
        for rec in table.to_dict("records"):
            row = {c: rec[c] for c in columns}
            for c in ("total_lost", "mean_lost", "share_of_max_lost"):
                row[c] = _num(row[c])
            row["share_of_max_lost"] = (
                None if row["share_of_max_lost"] is None else row["share_of_max_lost"] * 100
            )
            row["units_losing"], row["units"] = int(row["units_losing"]), int(row["units"])
            out.append(row)
        return out

    tables = []
    if by_field is not None:
        tables.append(Table("lost_by_field", columns, rows_of(by_field)))
    tables.append(Table("lost_criteria", columns, rows_of(top)))
    figures: dict[str, Any] = {
        "units": units,
        "total_lost": total_lost,
        "mean_lost_per_unit": total_lost / units if units else None,
        "recurring_years": None,
    }
    if history and year is not None:
        details = {int(y): d for y, d in history.items() if int(y) != int(year)}
        details[int(year)] = detail
        recurring = recurring_losses(details, min_years=2)
        current = recurring[recurring["years"].str.contains(str(year), regex=False)]
        figures["recurring_years"] = f"{min(details)}–{max(details)}"
        figures["recurring_pairs"] = int(len(current))
        figures["recurring_units"] = int(current["unit_code"].nunique())
        per_node = (
            current.groupby("node_code", sort=False)
            .agg(node_name=("node_name", "last"), units=("unit_code", "nunique"),
                 longest=("streak", "max"), total_lost=("total_lost", "sum"))
            .reset_index()
            .sort_values(["units", "total_lost"], ascending=[False, False], kind="mergesort")
        )  # fmt: skip
        tables.append(
            Table(
                "recurring_criteria",
                ["node_code", "node_name", "units", "longest", "total_lost"],
                [
                    {"node_code": rec["node_code"], "node_name": _text(rec["node_name"]),
                     "units": int(rec["units"]), "longest": int(rec["longest"]),
                     "total_lost": _num(rec["total_lost"])}
                    for rec in per_node.head(n).to_dict("records")
                ],
            )
        )  # fmt: skip
        names = {}
        if "unit_name" in detail.columns:
            names = dict(zip(detail["unit_code"].astype(str), detail["unit_name"], strict=True))
        tables.append(
            Table(
                "recurring_pairs",
                ["unit_code", "unit_name", "node_code", "node_name", "years", "streak",
                 "total_lost"],
                [
                    {"unit_code": str(rec["unit_code"]),
                     "unit_name": _text(names.get(str(rec["unit_code"]))),
                     "node_code": rec["node_code"], "node_name": _text(rec["node_name"]),
                     "years": rec["years"], "streak": int(rec["streak"]),
                     "total_lost": _num(rec["total_lost"])}
                    for rec in current.head(recurring_n).to_dict("records")
                ],
            )
        )  # fmt: skip
    return Section("lost_points", figures=figures, tables=tables)


def _survey(survey: pd.DataFrame | None, r: pd.DataFrame) -> Section:
    """Per element: how many units, the mean, lowest and highest estimate, the mean
    half-width of the 95 % intervals; and every unit's estimate with its interval."""
    if survey is None or survey.empty:
        return Section("survey", available=False, reason="no_survey")
    _require(survey, ("unit_code", "element", "estimate_pct"), "survey")
    e = survey.reset_index(drop=True).copy()
    e["unit_code"] = e["unit_code"].astype(str)
    for col in ("estimate_pct", "ci_low_pct", "ci_high_pct", "n"):
        e[col] = pd.to_numeric(e[col], errors="coerce") if col in e.columns else np.nan
    if "element_name" not in e.columns:
        e["element_name"] = e["element"]
    names = dict(zip(r["unit_code"], r["unit_name"], strict=True))
    if "unit_name" in e.columns:
        e["unit_name"] = [
            _text(n) or names.get(c, c) for c, n in zip(e["unit_code"], e["unit_name"], strict=True)
        ]
    else:
        e["unit_name"] = e["unit_code"].map(lambda c: names.get(c, c))
    e["half_width"] = (e["ci_high_pct"] - e["ci_low_pct"]) / 2
    elements = []
    for element, part in e.groupby("element", sort=False):
        estimates = part["estimate_pct"]
        elements.append(
            {
                "element": str(element),
                "element_name": _text(part["element_name"].iloc[0]),
                "units": int(part["unit_code"].nunique()),
                "mean_estimate": _num(estimates.mean()),
                "lowest": _num(estimates.min()),
                "highest": _num(estimates.max()),
                "mean_half_width": _num(part["half_width"].mean()),
            }
        )
    keys = {el["element"]: f"e{i}" for i, el in enumerate(elements)}
    labels = {keys[el["element"]]: el["element_name"] for el in elements}
    units: dict[str, dict[str, Any]] = {}
    for rec in e.to_dict("records"):  # one row per unit, each element's estimate beside
        row = units.setdefault(
            rec["unit_code"],
            {"unit_code": rec["unit_code"], "unit_name": rec["unit_name"], "n": None},
        )
        key = keys[str(rec["element"])]
        row[f"{key}_est"] = _num(rec["estimate_pct"])
        row[f"{key}_low"] = _num(rec["ci_low_pct"])
        row[f"{key}_high"] = _num(rec["ci_high_pct"])
        n = _int(rec["n"])
        if n is not None and (row["n"] is None or n > row["n"]):
            row["n"] = n
    element_columns = [f"{k}_{part}" for k in keys.values() for part in ("est", "low", "high")]
    rows = []
    for row in sorted(units.values(), key=lambda x: (x["unit_name"].casefold(), x["unit_code"])):
        rows.append({**{c: None for c in element_columns}, **row})
    for key, name in list(labels.items()):
        labels[f"{key}_est"] = name
    figures = {
        "units": len(units),
        "elements": len(elements),
        "respondents": sum(row["n"] or 0 for row in rows),
    }
    return Section(
        "survey",
        figures=figures,
        tables=[
            Table("survey_elements", ["element_name", "units", "mean_estimate", "lowest",
                                      "highest", "mean_half_width"], elements),
            Table("survey_units", ["unit_code", "unit_name", "n", *element_columns], rows,
                  labels=labels),
        ],
    )  # fmt: skip


def _service_index(
    scores: pd.DataFrame | None,
    r: pd.DataFrame,
    group_names: Mapping[str, str] | None,
    group_max: Mapping[str, float] | None,
) -> Section:
    """The units' service index (Decision 766): total, rank, group scores — beside their
    PAR Index and rank — and per group the average, lowest and highest score."""
    if scores is None or scores.empty:
        return Section("service_index", available=False, reason="no_service_index")
    _require(scores, ("unit_code", "total"), "service_index")
    s = scores.reset_index(drop=True).copy()
    s["unit_code"] = s["unit_code"].astype(str)
    groups = [m.group(1) for c in s.columns if (m := GROUP_COLUMN.match(str(c)))]
    for col in ["total", *[f"group_{g}" for g in groups]]:
        s[col] = pd.to_numeric(s[col], errors="coerce").astype(float)
    if "rank" not in s.columns:  # ranked among the campaign's units, as the portal ranks
        s["rank"] = competition_rank(s["total"])
    s["rank"] = pd.to_numeric(s["rank"], errors="coerce")
    par = r.set_index("unit_code")
    names = dict(zip(r["unit_code"], r["unit_name"], strict=True))
    if "unit_name" not in s.columns:
        s["unit_name"] = ""
    s = s.sort_values(["rank", "unit_code"], na_position="last", kind="mergesort")
    group_keys = [f"group_{g}" for g in groups]
    rows = []
    for rec in s.to_dict("records"):
        code = rec["unit_code"]
        row = {
            "rank": _int(rec["rank"]),
            "unit_code": code,
            "unit_name": _text(rec["unit_name"]) or names.get(code, code),
            "total": _num(rec["total"]),
            **{k: _num(rec[k]) for k in group_keys},
            "index_pct": _num(par["index_pct"].get(code)) if code in par.index else None,
            "par_rank": _int(par["rank"].get(code))
            if code in par.index and "rank" in par
            else None,
        }
        rows.append(row)
    group_names = dict(group_names or {})
    group_max = dict(group_max or {})
    group_rows = []
    for g, key in zip(groups, group_keys, strict=True):
        values = s[key].dropna()
        group_rows.append(
            {
                "group": g,
                "group_name": group_names.get(g, g),
                "max_score": _num(group_max.get(g)),
                "average_score": _num(values.mean()) if not values.empty else None,
                "lowest_score": _num(values.min()) if not values.empty else None,
                "highest_score": _num(values.max()) if not values.empty else None,
            }
        )
    totals = s["total"].dropna()
    named = pd.DataFrame(
        {"unit_code": [x["unit_code"] for x in rows], "unit_name": [x["unit_name"] for x in rows],
         "total": [x["total"] for x in rows]}
    ).astype({"total": float})  # fmt: skip
    paired = [(row["total"], row["index_pct"]) for row in rows
              if row["total"] is not None and row["index_pct"] is not None]  # fmt: skip
    correlation = None
    if len(paired) >= 3:
        a, b = np.array(paired).T
        if a.std() > 0 and b.std() > 0:
            correlation = float(np.corrcoef(a, b)[0, 1])
    figures = {
        "units": int(len(s)),
        "average_total": _num(totals.mean()) if not totals.empty else None,
        "highest": _extreme(named, "total", largest=True),
        "lowest": _extreme(named, "total", largest=False),
        "correlation": correlation,
    }
    labels = {k: group_names.get(g, g) for g, k in zip(groups, group_keys, strict=True)}
    return Section(
        "service_index",
        figures=figures,
        tables=[
            Table("service_groups", ["group_name", "max_score", "average_score", "lowest_score",
                                     "highest_score"],
                  group_rows),
            Table("service_scores", ["rank", "unit_code", "unit_name", "total", *group_keys,
                                     "index_pct", "par_rank"], rows, labels=labels),
        ],
    )  # fmt: skip


PLAN_COUNTS = ("tasks", "done", "in_progress", "not_started", "overdue")


def _remedial(plans: pd.DataFrame | None, reason: str) -> Section:
    """Remedial-plan tasks per owner unit and in total; completion = done / tasks × 100."""
    if plans is None:
        return Section("remedial", available=False, reason=reason or "no_plans")
    if plans.empty:
        return Section("remedial", available=False, reason="no_plans")
    _require(plans, ("unit_code", *PLAN_COUNTS), "plans")
    rows = []
    for rec in plans.to_dict("records"):
        row = {"unit_code": _text(rec["unit_code"]), "unit_name": _text(rec.get("unit_name"))}
        for key in PLAN_COUNTS:
            row[key] = _int(rec[key]) or 0
        row["completion_pct"] = row["done"] / row["tasks"] * 100 if row["tasks"] else None
        rows.append(row)
    rows.sort(
        key=lambda x: (
            -(x["overdue"]),
            x["completion_pct"] if x["completion_pct"] is not None else 101,
            x["unit_code"],
        )
    )
    totals = {key: sum(row[key] for row in rows) for key in PLAN_COUNTS}
    totals["units"] = len(rows)
    totals["completion_pct"] = totals["done"] / totals["tasks"] * 100 if totals["tasks"] else None
    totals["units_with_overdue"] = sum(1 for row in rows if row["overdue"])
    columns = ["unit_code", "unit_name", *PLAN_COUNTS, "completion_pct"]
    return Section("remedial", figures=totals, tables=[Table("plan_status", columns, rows)])


def _prepare_intervals(intervals: pd.DataFrame | None, r: pd.DataFrame) -> pd.DataFrame | None:
    """The rank intervals with numeric ranks, each unit's peer group, name and rank (from
    the results where the table lacks them) and the width p95 − p05."""
    if intervals is None or intervals.empty:
        return None
    _require(intervals, ("unit_code", "rank_p05", "rank_p95"), "rank_intervals")
    t = intervals.reset_index(drop=True).copy()
    t["unit_code"] = t["unit_code"].astype(str)
    for col in ("rank", "median_rank", "rank_p05", "rank_p95"):
        t[col] = pd.to_numeric(t[col], errors="coerce") if col in t.columns else np.nan
    info = r.set_index("unit_code")
    if "peer_group" not in t.columns:
        t["peer_group"] = t["unit_code"].map(info["peer_group"]).fillna("")
    t["peer_group"] = t["peer_group"].map(_text)
    if "unit_name" not in t.columns:
        t["unit_name"] = ""
    t["unit_name"] = [
        _text(n) or _text(info["unit_name"].get(c, c))
        for c, n in zip(t["unit_code"], t["unit_name"], strict=True)
    ]
    if "rank" in info.columns:
        t["rank"] = t["rank"].fillna(t["unit_code"].map(info["rank"]).astype(float))
    t["width"] = t["rank_p95"] - t["rank_p05"]
    names = dict(zip(r["unit_code"], r["unit_name"], strict=True))
    if "indistinguishable_from" in t.columns:
        t["similar"] = [
            [names.get(c, c) for c in _text(text).split(", ") if c]
            for text in t["indistinguishable_from"]
        ]
    else:
        t["similar"] = [[] for _ in range(len(t))]
    return t


def _robustness(
    t: pd.DataFrame | None,
    method: Mapping[str, Any] | None,
    sensitivity: pd.DataFrame | None,
    reason: str,
    n: int,
) -> Section:
    """Each unit's rank with the median and 5th–95th percentile rank of the uncertainty
    analysis, per peer group; the width of the interval says how firm the rank is. Also
    the `n` units with the widest intervals (the least certain ranks)."""
    if t is None:
        return Section("robustness", available=False, reason=reason or "no_uncertainty")
    columns = ["rank", "unit_code", "unit_name", "median_rank", "rank_p05", "rank_p95", "width",
               "similar"]  # fmt: skip

    def rows_of(part: pd.DataFrame, with_group: bool = False) -> list[dict[str, Any]]:
        out = []
        for rec in part.to_dict("records"):
            row = {"rank": _int(rec["rank"]), "unit_code": rec["unit_code"],
                   "unit_name": rec["unit_name"]}  # fmt: skip
            if with_group:
                row["peer_group"] = rec["peer_group"]
            for c in ("median_rank", "rank_p05", "rank_p95", "width"):
                row[c] = _num(rec[c])
            row["similar"] = list(rec["similar"])
            out.append(row)
        return out

    widest = t[t["width"] > TIE].sort_values(
        ["width", "peer_group", "rank"], ascending=[False, True, True], kind="mergesort"
    )
    tables = [
        Table(
            "widest_intervals",
            ["rank", "unit_code", "unit_name", "peer_group", *columns[3:]],
            rows_of(widest.head(n), with_group=True),
        )
    ]
    for group in sorted(t["peer_group"].unique(), key=lambda g: (g == "", g.casefold())):
        part = t[t["peer_group"] == group].sort_values(["rank", "unit_code"], kind="mergesort")
        rows = rows_of(part)
        tables.append(Table("rank_intervals", columns, rows, group=group))
    if sensitivity is not None and not sensitivity.empty:
        _require(sensitivity, ("kind", "index"), "rank_sensitivity")
        rows = [
            {"kind": _text(rec["kind"]), "field_code": _text(rec.get("field_code")),
             "index": _num(rec["index"])}
            for rec in sensitivity.to_dict("records")
        ]  # fmt: skip
        tables.insert(1, Table("sensitivity", ["kind", "field_code", "index"], rows))
    widths = t["width"].dropna()
    figures = {
        "units": int(len(t)),
        "mean_width": _num(widths.mean()) if not widths.empty else None,
        "widest": _num(widths.max()) if not widths.empty else None,
        "firm": int((widths <= TIE).sum()),
        "indistinguishable": int(sum(1 for s in t["similar"] if s)),
        "method": {str(k): v for k, v in (method or {}).items()},
    }
    return Section("robustness", figures=figures, tables=tables)


# --------------------------------------------------------------------------- the report


def build_annual_report(
    results: pd.DataFrame,
    detail: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    fields: Sequence[Mapping[str, Any]] | None = None,
    bands: Sequence[Mapping[str, Any]] | None = None,
    history: Mapping[int, pd.DataFrame] | None = None,
    survey: pd.DataFrame | None = None,
    service_index: pd.DataFrame | None = None,
    service_groups: Mapping[str, str] | None = None,
    service_group_max: Mapping[str, float] | None = None,
    plans: pd.DataFrame | None = None,
    plans_reason: str = "",
    rank_intervals: pd.DataFrame | None = None,
    rank_method: Mapping[str, Any] | None = None,
    rank_sensitivity: pd.DataFrame | None = None,
    intervals_reason: str = "",
    top_n: int = 5,
    movers_n: int = 5,
    lost_n: int = 10,
    recurring_n: int = 20,
) -> AnnualReport:
    """Every section of the annual report, unrounded, in publication order.

    `previous` gives last year's average; when `results` lack the year-over-year columns
    they are computed from it (`compare_with_previous`, matching units on their code).
    `fields` (code, name, max_points) and `bands` (label, name, min, inclusive: the
    framework's own classification) come from the campaign's framework; without them the
    field columns of `results` and the class labels found are used. `history` holds the
    detail tables of earlier years for recurring losses. `plans_reason` /
    `intervals_reason` say why `plans` / `rank_intervals` are None (e.g. the module that
    computes them is not installed), so the section can say so.
    """
    r = _prepare_results(results)
    if previous is not None and not {"prev_index_pct", "index_change"} <= set(r.columns):
        r = _prepare_results(compare_with_previous(r, previous))  # as scoring does it
    has_yoy = bool(
        {"prev_index_pct", "index_change"} <= set(r.columns) and r["index_change"].notna().any()
    )
    if not has_yoy:
        r = r.drop(columns=[c for c in ("prev_index_pct", "index_change", "prev_rank",
                                        "rank_change", "yoy_note") if c in r.columns])  # fmt: skip
    s = summarize(r, previous if has_yoy else None, top_n=top_n, movers_n=movers_n)
    field_list = _fields(r, fields, detail)
    band_list = _bands(bands)
    intervals = _prepare_intervals(rank_intervals, r)
    sections = [
        _summary(r, s, has_yoy),
        _ranking(r, field_list, has_yoy, intervals),
        _classes(r, s, band_list),
        _field_leaders(r, field_list),
        _averages(r, previous if has_yoy else None, s, has_yoy),
        _movers(r, s, has_yoy, movers_n),
        _lost_points(detail, history, year, lost_n, recurring_n),
        _survey(survey, r),
        _service_index(service_index, r, service_groups, service_group_max),
        _remedial(plans, plans_reason),
        _robustness(intervals, rank_method, rank_sensitivity, intervals_reason, recurring_n),
    ]
    return AnnualReport(
        year=year, fields=field_list, bands=band_list, has_previous=has_yoy, sections=sections
    )
