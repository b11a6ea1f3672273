"""What a publication of the results states, computed from a results table.

The ministry's announcement (and each province's) always gives the same figures: the
average index and its change, how many units rose or fell and by how much at the extremes,
how many are above the average, the count per group or classification, the top and bottom
units, the biggest movers in the ranking and the regional averages. `summarize` computes
them unrounded into a JSON-ready dict; `to_markdown` renders it, rounding only there.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from parindex.analysis.fmt import fmt_number
from parindex.errors import InputError, Problem
from parindex.scoring.ranking import competition_rank
from parindex.scoring.yoy import (
    compare_with_previous,
    describe_rank_change,
    describe_rank_change_vi,
)

TIE = 1e-9


# --------------------------------------------------------------------------- helpers


def _num(x: Any) -> float | int | None:
    """A JSON-safe number: None for NaN, int for integral ranks/counts kept as ints."""
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return int(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    value = float(x)
    return None if math.isnan(value) or math.isinf(value) else value


def _rank(x: Any) -> int | float | None:
    value = _num(x)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(x: Any) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA:
        return None
    return str(x)


def _unit(row: pd.Series) -> dict[str, Any]:
    return {"unit_code": _text(row["unit_code"]), "unit_name": _text(row.get("unit_name"))}


def _extreme(frame: pd.DataFrame, column: str, largest: bool) -> dict[str, Any] | None:
    """The largest (or smallest) value of `column` and every unit that has it."""
    values = frame[column]
    if values.dropna().empty:
        return None
    target = values.max() if largest else values.min()
    holders = frame[(values - target).abs() <= TIE]
    return {"value": float(target), "units": [_unit(r) for _, r in holders.iterrows()]}


def _head_with_ties(frame: pd.DataFrame, column: str, n: int, ascending: bool) -> pd.DataFrame:
    """The first `n` rows by `column`, plus every row tied with the n-th."""
    ordered = frame[frame[column].notna()].sort_values(
        column, ascending=ascending, kind="mergesort"
    )
    if len(ordered) <= n:
        return ordered
    cut = ordered[column].iloc[n - 1]
    keep = ordered[column] <= cut + TIE if ascending else ordered[column] >= cut - TIE
    return ordered[keep]


def _entry(row: pd.Series, has_yoy: bool) -> dict[str, Any]:
    entry = {
        "rank": _rank(row["rank"]),
        **_unit(row),
        "peer_group": _text(row.get("peer_group")),
        "index_pct": _num(row["index_pct"]),
    }
    if has_yoy:
        entry["index_change"] = _num(row["index_change"])
        entry["prev_rank"] = _rank(row["prev_rank"])
        entry["rank_change"] = _rank(row["rank_change"])
    return entry


def _prepare(results: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("unit_code", "index_pct") if c not in results.columns]
    if missing:
        raise InputError([Problem("results", "header", c, "missing column") for c in missing])
    r = results.reset_index(drop=True).copy()
    r["index_pct"] = pd.to_numeric(r["index_pct"], errors="coerce").astype(float)
    if "peer_group" in r.columns:
        r["peer_group"] = r["peer_group"].fillna("")
    if "rank" in r.columns:
        r["rank"] = pd.to_numeric(r["rank"], errors="coerce").astype(float)
    else:  # rank it the way scoring does: within peer groups, on unrounded values
        groups = r["peer_group"] if "peer_group" in r.columns else None
        r["rank"] = competition_rank(r["index_pct"], groups)
    return r


# --------------------------------------------------------------------------- summarize


def summarize(
    results: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    *,
    top_n: int = 5,
    movers_n: int = 3,
) -> dict[str, Any]:
    """The figures of a publication, unrounded, as a JSON-serialisable dict.

    - average_index: mean of index_pct; previous_average: mean of `previous`'s index when
      given (the published national average of last year), else mean of prev_index_pct;
      average_change = the difference.
    - changes (when year-over-year columns exist or `previous` is given; computed with
      `compare_with_previous` if `results` lacks them): units up / down / unchanged (change
      within 1e-9) / without a previous value, and the largest and smallest rise and fall
      with the units holding them (ties kept).
    - above_average, classes (count per `class` label), top and bottom `top_n` units by rank
      within each peer group (ties at the cut kept), rank_movers (largest rank rises and
      falls, ties kept) and regions (`regions` table unit_code, region — or a `region`
      column of `results`): count, average, previous average over the same units
      (prev_index_pct, so merged units count with their predecessors' weighted mean), change.
    """
    r = _prepare(results)
    has_yoy = {"prev_index_pct", "index_change"} <= set(r.columns)
    if not has_yoy and previous is not None:
        r = compare_with_previous(r, previous)
        has_yoy = True
    if has_yoy:
        for col in ("prev_index_pct", "index_change", "prev_rank", "rank_change"):
            if col not in r.columns:
                r[col] = np.nan
            r[col] = pd.to_numeric(r[col], errors="coerce").astype(float)

    index = r["index_pct"]
    average = index.mean()
    summary: dict[str, Any] = {
        "count": int(len(r)),
        "count_with_index": int(index.notna().sum()),
    }
    if "peer_group" in r.columns:
        summary["peer_groups"] = {
            str(k): int(v) for k, v in r["peer_group"].value_counts(sort=False).items()
        }
    for key in ("framework_id", "framework_version"):
        if key in r.columns:
            values = r[key].dropna().astype(str).unique().tolist()
            summary[key] = values[0] if len(values) == 1 else values
    summary["average_index"] = _num(average)

    previous_average = None
    if previous is not None and "index_pct" in previous.columns:
        previous_average = pd.to_numeric(previous["index_pct"], errors="coerce").mean()
    elif has_yoy:
        previous_average = r["prev_index_pct"].mean()
    summary["previous_average"] = _num(previous_average)
    summary["average_change"] = (
        _num(average - previous_average) if previous_average is not None else None
    )
    summary["above_average"] = int((index > average + TIE).sum()) if index.notna().any() else 0

    summary["changes"] = _changes(r) if has_yoy else None
    summary["classes"] = _classes(r)
    summary["top"], summary["bottom"] = _top_bottom(r, top_n, has_yoy)
    summary["rank_movers"] = _movers(r, movers_n) if has_yoy else None
    summary["regions"] = _regions(r, regions, has_yoy)
    return summary


def _changes(r: pd.DataFrame) -> dict[str, Any]:
    change = r["index_change"]
    compared = r[change.notna()]
    rises = compared[compared["index_change"] > TIE]
    falls = compared[compared["index_change"] < -TIE]
    return {
        "compared": int(len(compared)),
        "up": int(len(rises)),
        "down": int(len(falls)),
        "unchanged": int(len(compared) - len(rises) - len(falls)),
        "without_previous": int(change.isna().sum()),
        "largest_rise": _extreme(rises, "index_change", largest=True),
        "smallest_rise": _extreme(rises, "index_change", largest=False),
        "largest_fall": _extreme(falls, "index_change", largest=False),
        "smallest_fall": _extreme(falls, "index_change", largest=True),
    }


def _classes(r: pd.DataFrame) -> dict[str, int] | None:
    """Count per classification label, best band first (bands ordered by their best index)."""
    if "class" not in r.columns:
        return None
    labels = r["class"].astype(object).where(r["class"].notna(), "")
    order = (
        pd.DataFrame({"label": labels, "index": r["index_pct"]})
        .groupby("label", sort=False)
        .agg(count=("index", "size"), best=("index", "max"))
        .sort_values("best", ascending=False, na_position="last", kind="mergesort")
    )
    return {str(label): int(row["count"]) for label, row in order.iterrows()}


def _top_bottom(
    r: pd.DataFrame, n: int, has_yoy: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    top: list[dict[str, Any]] = []
    bottom: list[dict[str, Any]] = []
    groups: list[tuple[Hashable, pd.DataFrame]] = (
        list(r.groupby("peer_group", sort=False)) if "peer_group" in r.columns else [("", r)]
    )
    for _, frame in groups:  # one pass per peer group: a handful
        head = _head_with_ties(frame, "rank", n, ascending=True)
        tail = _head_with_ties(frame, "rank", n, ascending=False)
        tail = tail.sort_values("rank", kind="mergesort")
        top += [_entry(row, has_yoy) for _, row in head.iterrows()]
        bottom += [_entry(row, has_yoy) for _, row in tail.iterrows()]
    return top, bottom


def _movers(r: pd.DataFrame, n: int) -> dict[str, list[dict[str, Any]]]:
    up = _head_with_ties(r[r["rank_change"] > 0], "rank_change", n, ascending=False)
    down = _head_with_ties(r[r["rank_change"] < 0], "rank_change", n, ascending=True)
    return {
        "up": [_entry(row, True) for _, row in up.iterrows()],
        "down": [_entry(row, True) for _, row in down.iterrows()],
    }


def _regions(
    r: pd.DataFrame, regions: pd.DataFrame | None, has_yoy: bool
) -> list[dict[str, Any]] | None:
    if regions is not None:
        missing = [c for c in ("unit_code", "region") if c not in regions.columns]
        if missing:
            raise InputError([Problem("regions", "header", c, "missing column") for c in missing])
        mapping = regions.drop_duplicates("unit_code", keep="first")
        mapping = pd.Series(mapping["region"].to_numpy(), index=mapping["unit_code"].astype(str))
        region = r["unit_code"].astype(str).map(mapping)
    elif "region" in r.columns:
        region = r["region"]
    else:
        return None
    frame = pd.DataFrame({"region": region, "index": r["index_pct"]})
    frame["prev"] = r["prev_index_pct"] if has_yoy else np.nan
    frame = frame[frame["region"].notna()]
    table = frame.groupby("region", sort=False).agg(
        count=("index", "size"), average=("index", "mean"), previous=("prev", "mean")
    )
    table = table.sort_values("average", ascending=False, kind="mergesort")
    out = []
    for name, row in table.iterrows():  # one per region: a handful
        prev = _num(row["previous"]) if has_yoy else None
        avg = _num(row["average"])
        out.append(
            {
                "region": str(name),
                "count": int(row["count"]),
                "average_index": avg,
                "previous_average": prev,
                "change": None if prev is None or avg is None else avg - prev,
            }
        )
    return out


# --------------------------------------------------------------------------- markdown

_WORDS = {
    "vi": {
        "title": "Tổng hợp kết quả Chỉ số CCHC",
        "count": "Số đơn vị được đánh giá",
        "average": "Chỉ số trung bình",
        "previous": "năm trước",
        "above": "Số đơn vị trên mức trung bình",
        "up": "tăng",
        "down": "giảm",
        "unchanged": "giữ nguyên",
        "points": "điểm",
        "units_up": "Số đơn vị tăng điểm",
        "units_down": "giảm điểm",
        "units_same": "giữ nguyên",
        "units_new": "chưa có số liệu năm trước",
        "largest_rise": "Tăng nhiều nhất",
        "smallest_rise": "tăng ít nhất",
        "largest_fall": "Giảm nhiều nhất",
        "smallest_fall": "giảm ít nhất",
        "classes": "Xếp loại",
        "class": "Xếp loại",
        "n_units": "Số đơn vị",
        "top": "Dẫn đầu",
        "bottom": "Cuối bảng",
        "rank": "Hạng",
        "unit": "Đơn vị",
        "group": "Nhóm",
        "index": "Chỉ số (%)",
        "change": "Thay đổi (điểm)",
        "rank_change": "Thứ hạng",
        "movers": "Thay đổi thứ hạng",
        "movers_up": "Tăng nhiều bậc nhất",
        "movers_down": "Giảm nhiều bậc nhất",
        "from_to": "từ {a} lên {b}",
        "from_to_down": "từ {a} xuống {b}",
        "regions": "Theo vùng",
        "region": "Vùng",
        "region_avg": "Chỉ số trung bình (%)",
        "region_prev": "Năm trước (%)",
        "none": "không có",
    },
    "en": {
        "title": "PAR Index results summary",
        "count": "Units assessed",
        "average": "Average index",
        "previous": "previous year",
        "above": "Units above the average",
        "up": "up",
        "down": "down",
        "unchanged": "unchanged",
        "points": "points",
        "units_up": "Units up",
        "units_down": "down",
        "units_same": "unchanged",
        "units_new": "without a previous value",
        "largest_rise": "Largest rise",
        "smallest_rise": "smallest rise",
        "largest_fall": "Largest fall",
        "smallest_fall": "smallest fall",
        "classes": "Classification",
        "class": "Class",
        "n_units": "Units",
        "top": "Top",
        "bottom": "Bottom",
        "rank": "Rank",
        "unit": "Unit",
        "group": "Group",
        "index": "Index (%)",
        "change": "Change (points)",
        "rank_change": "Ranking",
        "movers": "Rank changes",
        "movers_up": "Largest rank rises",
        "movers_down": "Largest rank falls",
        "from_to": "from {a} to {b}",
        "from_to_down": "from {a} to {b}",
        "regions": "By region",
        "region": "Region",
        "region_avg": "Average index (%)",
        "region_prev": "Previous year (%)",
        "none": "none",
    },
}


def _cell(text: Any) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def _name(unit: dict[str, Any]) -> str:
    return unit.get("unit_name") or unit.get("unit_code") or ""


def _direction(value: float | None, w: dict[str, str], lang: str) -> str:
    if value is None:
        return ""
    if abs(value) <= TIE:
        return w["unchanged"]
    word = w["up"] if value > 0 else w["down"]
    return f"{word} {fmt_number(abs(value), lang=lang)} {w['points']}"


def _extreme_text(label: str, ext: dict[str, Any] | None, w: dict[str, str], lang: str) -> str:
    if ext is None:
        return f"{label}: {w['none']}"
    names = ", ".join(_name(u) for u in ext["units"])
    return f"{label}: {names} ({fmt_number(ext['value'], lang=lang, signed=True)} {w['points']})"


def _units_table(entries: list[dict[str, Any]], w: dict[str, str], lang: str) -> list[str]:
    groups = {e.get("peer_group") for e in entries}
    show_group = len(groups) > 1
    has_yoy = any("index_change" in e for e in entries)
    describe = describe_rank_change_vi if lang == "vi" else describe_rank_change
    head = [w["rank"], w["unit"]] + ([w["group"]] if show_group else []) + [w["index"]]
    if has_yoy:
        head += [w["change"], w["rank_change"]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        row = [fmt_number(e["rank"], 0, lang), _cell(_name(e))]
        if show_group:
            row.append(_cell(e.get("peer_group")))
        row.append(fmt_number(e["index_pct"], lang=lang))
        if has_yoy:
            row += [
                fmt_number(e.get("index_change"), lang=lang, signed=True),
                describe(e.get("rank_change")),
            ]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def to_markdown(summary: dict[str, Any], lang: str = "vi") -> str:
    """A readable Markdown report of a `summarize` result, in Vietnamese (default; numbers
    with a decimal comma, 87,68) or English. Numbers are rounded to 2 decimals here only."""
    if lang not in _WORDS:
        raise ValueError(f"unknown language {lang!r}: use 'vi' or 'en'")
    w = _WORDS[lang]

    def num(x: Any, decimals: int = 2, signed: bool = False) -> str:
        return fmt_number(x, decimals, lang, signed=signed)

    out = [f"# {w['title']}", ""]
    out.append(f"- {w['count']}: {summary['count']}")
    avg = f"- {w['average']}: {num(summary['average_index'])}%"
    if summary.get("previous_average") is not None:
        avg += (
            f" ({w['previous']}: {num(summary['previous_average'])}%; "
            f"{_direction(summary.get('average_change'), w, lang)})"
        )
    out.append(avg)
    out.append(f"- {w['above']}: {summary['above_average']}")
    changes = summary.get("changes")
    if changes:
        counts = (
            f"- {w['units_up']}: {changes['up']}; {w['units_down']}: {changes['down']}; "
            f"{w['units_same']}: {changes['unchanged']}"
        )
        if changes["without_previous"]:
            counts += f"; {w['units_new']}: {changes['without_previous']}"
        out.append(counts)
        out.append(
            "- "
            + _extreme_text(w["largest_rise"], changes["largest_rise"], w, lang)
            + "; "
            + _extreme_text(w["smallest_rise"], changes["smallest_rise"], w, lang)
        )
        out.append(
            "- "
            + _extreme_text(w["largest_fall"], changes["largest_fall"], w, lang)
            + "; "
            + _extreme_text(w["smallest_fall"], changes["smallest_fall"], w, lang)
        )

    if summary.get("classes"):
        out += ["", f"## {w['classes']}", "", f"| {w['class']} | {w['n_units']} |", "|---|---|"]
        out += [f"| {_cell(k) or '–'} | {v} |" for k, v in summary["classes"].items()]

    for key in ("top", "bottom"):
        if summary.get(key):
            out += ["", f"## {w[key]}", ""] + _units_table(summary[key], w, lang)

    movers = summary.get("rank_movers")
    if movers and (movers["up"] or movers["down"]):
        describe = describe_rank_change_vi if lang == "vi" else describe_rank_change
        out += ["", f"## {w['movers']}", ""]
        for key, label, template in (
            ("up", w["movers_up"], w["from_to"]),
            ("down", w["movers_down"], w["from_to_down"]),
        ):
            if not movers[key]:
                continue
            items = [
                f"{_name(e)} ({describe(e['rank_change'])}, "
                + template.format(a=num(e["prev_rank"], 0), b=num(e["rank"], 0))
                + ")"
                for e in movers[key]
            ]
            out.append(f"- {label}: " + "; ".join(items))

    if summary.get("regions"):
        head = [w["region"], w["n_units"], w["region_avg"], w["region_prev"], w["change"]]
        out += ["", f"## {w['regions']}", "", "| " + " | ".join(head) + " |"]
        out.append("|" + "---|" * len(head))
        for reg in summary["regions"]:
            out.append(
                f"| {_cell(reg['region'])} | {reg['count']} | {num(reg['average_index'])} | "
                f"{num(reg['previous_average'])} | {num(reg['change'], signed=True)} |"
            )
    return "\n".join(out) + "\n"
