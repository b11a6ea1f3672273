"""Service-index (Decision 766) scores from counts, as the national portal computes them.

Input: a long table of counts, one row per unit, metric and period —
``unit_code, metric, numerator, denominator`` plus optional ``unit_name, level, period``.
``metric`` is a catalogue code (``dossier_on_time``) or the portal's number (``2.1``).
Counts are whole numbers ≥ 0 and, for scored metrics, numerator ≤ denominator. For
``dossier_satisfaction`` (5.4) the numerator is the dossiers neither overdue nor with a
complaint or "dislike" (denominator − overdue − complained, floored at 0), so the ratio is
100% − (overdue share + complaint share).

Scoring, exactly as the portal (reproduces every published Phú Thọ 2.1 score):
- metric score: ``linear`` = max × num / den; ``full_at`` = min(max, max × num / (den × T));
  computed in ``decimal`` from the integer counts and rounded **half-up to 2 decimals**
  (binary floats would turn 19.125 into 19.12); a zero denominator gives 0, or the full
  max when the metric says ``zero_denominator: full`` (5.2/5.3 with no PAKN);
- group score = sum of its rounded metric scores; total = sum of the group scores
  (summed exactly, in hundredths);
- a metric with no row for a unit scores 0 and is flagged ``missing`` (never free points);
- ranks: competition ranking (1, 2, 2, 4; higher is better) within (level, period), per
  group and on the total; metric rows carry no rank.

Output: one row per unit × period × item, items being every metric code, every group code
and ``total``; columns ``OUTPUT_COLUMNS``. ``ratio_pct`` is num / den in % rounded half-up
to 2 decimals (metric rows; empty for a zero denominator, reported metrics, groups, total).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import numpy as np
import pandas as pd

from parindex.dossiers.catalogue import CatalogueMetric, ServiceCatalogue
from parindex.errors import InputError, Problem
from parindex.scoring.ranking import competition_rank

REQUIRED_COLUMNS = ("unit_code", "metric", "numerator", "denominator")
OPTIONAL_COLUMNS = ("unit_name", "level", "period")
OUTPUT_COLUMNS = [
    "unit_code",
    "unit_name",
    "level",
    "period",
    "item",
    "item_kind",  # metric | group | total
    "group",
    "score",
    "max_score",
    "ratio_pct",
    "rank",
    "missing",
    "numerator",
    "denominator",
]
TOTAL = "total"
_PREC = 60
_HUNDRED = Decimal(100)


def metric_score(metric: CatalogueMetric, numerator: int, denominator: int) -> Decimal:
    """One metric's score, rounded half-up to 2 decimals in decimal arithmetic."""
    return Decimal(_metric_cents(metric, int(numerator), int(denominator))) / _HUNDRED


def _metric_cents(metric: CatalogueMetric, num: int, den: int) -> int:
    if not metric.scored:
        return 0
    if den == 0:
        return int(metric.max * _HUNDRED) if metric.zero_denominator == "full" else 0
    with localcontext() as ctx:
        ctx.prec = _PREC
        if metric.rule == "full_at":
            x = min(metric.max, metric.max * Decimal(num) / (Decimal(den) * metric.threshold))
        else:
            x = metric.max * Decimal(num) / Decimal(den)
        return int((x * _HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ratio_pct(num: int, den: int) -> float:
    if den == 0:
        return float("nan")
    with localcontext() as ctx:
        ctx.prec = _PREC
        pct = (_HUNDRED * Decimal(num) / Decimal(den)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return float(pct)


def _text_column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    col = frame[name].astype(object)
    return col.where(col.notna(), "").astype(str).str.strip().astype(object)


def validate_counts(
    counts: pd.DataFrame, catalogue: ServiceCatalogue, source: str = "counts"
) -> pd.DataFrame:
    """Check a counts table and return it clean (metric codes resolved, int64 counts,
    text columns filled, ``row`` = CSV row number = position + 2). Raises one `InputError`
    with every problem."""
    problems: list[Problem] = []
    missing_cols = [c for c in REQUIRED_COLUMNS if c not in counts.columns]
    if missing_cols:
        raise InputError([Problem(source, "header", c, "missing column") for c in missing_cols])
    n = len(counts)
    rows = np.arange(n) + 2
    unit = _text_column(counts, "unit_code")
    metric_in = _text_column(counts, "metric")
    lookup = catalogue.lookup()
    metric = metric_in.map(lookup).fillna("").astype(object)

    for i in np.flatnonzero((unit == "").to_numpy()):
        problems.append(Problem(source, f"row {rows[i]}", "unit_code", "required"))
    for i in np.flatnonzero((metric == "").to_numpy()):
        shown = metric_in.iloc[i]
        msg = "required" if shown == "" else f"unknown metric code '{shown}'"
        problems.append(Problem(source, f"row {rows[i]}", "metric", msg))

    parsed: dict[str, np.ndarray] = {}
    bad = np.zeros(n, dtype=bool)
    for col in ("numerator", "denominator"):
        raw = counts[col]
        text = _text_column(counts, col)
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            values = pd.to_numeric(raw, errors="coerce")
        else:
            values = pd.to_numeric(text.where(text != "", np.nan), errors="coerce")
        v = values.astype(float).to_numpy()
        with np.errstate(invalid="ignore"):
            is_nan = np.isnan(v)
            not_whole = ~is_nan & (~np.isfinite(v) | (v != np.floor(v)))
            negative = ~is_nan & ~not_whole & (v < 0)
        for i in np.flatnonzero(is_nan | not_whole | negative):
            shown = text.iloc[i]
            if is_nan[i]:
                msg = "required" if shown in ("", "nan") else f"'{shown}' is not a number"
            elif not_whole[i]:
                msg = f"{shown} is not a whole number"
            else:
                msg = f"{shown} is negative"
            problems.append(Problem(source, f"row {rows[i]}", col, msg))
        bad |= is_nan | not_whole | negative
        parsed[col] = np.where(bad, 0, np.nan_to_num(v, nan=0, posinf=0, neginf=0)).astype(np.int64)
    num, den = parsed["numerator"], parsed["denominator"]

    scored = {m.code: m.scored for m in catalogue.metrics}
    is_scored = metric.map(lambda c: scored.get(c, False)).to_numpy(dtype=bool)
    over = np.flatnonzero(~bad & is_scored & (num > den))
    for i in over:
        problems.append(
            Problem(
                source,
                f"row {rows[i]}",
                "numerator",
                f"numerator {num[i]} is greater than the denominator {den[i]}",
            )
        )

    period = _text_column(counts, "period")
    key = pd.DataFrame({"u": unit.to_numpy(), "m": metric.to_numpy(), "p": period.to_numpy()})
    known = (key["u"] != "") & (key["m"] != "")
    dup = (key.duplicated(keep="first") & known).to_numpy()
    if dup.any():
        first = key.assign(row=rows).groupby(["u", "m", "p"], sort=False)["row"].transform("first")
        for i in np.flatnonzero(dup):
            u, m, p = key.iloc[i]
            where = f" for period {p}" if p else ""
            problems.append(
                Problem(
                    source,
                    f"row {rows[i]}",
                    "metric",
                    f"unit {u}, metric {m}{where} already given in row {first.iloc[i]}",
                )
            )
    if problems:
        raise InputError(problems)
    return pd.DataFrame(
        {
            "row": rows,
            "unit_code": unit.to_numpy(),
            "unit_name": _text_column(counts, "unit_name").to_numpy(),
            "level": _text_column(counts, "level").to_numpy(),
            "period": period.to_numpy(),
            "metric": metric.to_numpy(),
            "numerator": num,
            "denominator": den,
        }
    )


def score_counts(
    counts: pd.DataFrame, catalogue: ServiceCatalogue, *, source: str = "counts"
) -> pd.DataFrame:
    """Scores of every unit (and period) for every metric, group and the total."""
    clean = validate_counts(counts, catalogue, source)
    by_code = {m.code: m for m in catalogue.metrics}

    metric_objs = [by_code[c] for c in clean["metric"]]
    nums, dens = clean["numerator"].tolist(), clean["denominator"].tolist()
    clean["cents"] = np.array(
        [_metric_cents(m, a, b) for m, a, b in zip(metric_objs, nums, dens, strict=True)],
        dtype=np.int64,
    )
    clean["ratio_pct"] = np.array(
        [
            _ratio_pct(a, b) if m.scored else np.nan
            for m, a, b in zip(metric_objs, nums, dens, strict=True)
        ],
        dtype=float,
    )

    units = clean.drop_duplicates(["unit_code", "period"], keep="first")[
        ["unit_code", "period", "unit_name", "level"]
    ].reset_index(drop=True)
    units["unit_order"] = np.arange(len(units))

    group_order = {g.code: k for k, g in enumerate(catalogue.groups)}
    n_metrics = len(catalogue.metrics)
    items = pd.DataFrame(
        {
            "item": [m.code for m in catalogue.metrics],
            "group": [m.group for m in catalogue.metrics],
            "max_cents": [int(m.max * _HUNDRED) for m in catalogue.metrics],
            "scored": [m.scored for m in catalogue.metrics],
            "item_order": np.arange(n_metrics),
        }
    )
    grid = units.merge(items, how="cross")
    grid = grid.merge(
        clean[["unit_code", "period", "metric", "numerator", "denominator", "cents", "ratio_pct"]],
        how="left",
        left_on=["unit_code", "period", "item"],
        right_on=["unit_code", "period", "metric"],
    ).drop(columns="metric")
    grid["missing"] = grid["cents"].isna()
    grid["cents"] = grid["cents"].fillna(0).astype(np.int64)
    grid["item_kind"] = "metric"

    keys = ["unit_code", "period"]
    scored_rows = grid[grid["scored"]]
    groups = (
        scored_rows.groupby([*keys, "group"], sort=False)
        .agg(cents=("cents", "sum"), missing=("missing", "any"))
        .reset_index()
    )
    groups["item"] = groups["group"]
    groups["max_cents"] = groups["group"].map(
        {g.code: int(g.max * _HUNDRED) for g in catalogue.groups}
    )
    groups["item_order"] = n_metrics + groups["group"].map(group_order)
    groups["item_kind"] = "group"

    totals = groups.groupby(keys, sort=False).agg(
        cents=("cents", "sum"), missing=("missing", "any")
    )
    totals = totals.reset_index()
    totals["item"] = TOTAL
    totals["group"] = ""
    totals["max_cents"] = int(catalogue.max_points * _HUNDRED)
    totals["item_order"] = n_metrics + len(catalogue.groups)
    totals["item_kind"] = "total"

    meta = units.set_index(keys)[["unit_name", "level", "unit_order"]]
    rolled = pd.concat([groups, totals], ignore_index=True).join(meta, on=keys)
    out = pd.concat([grid.drop(columns="scored"), rolled], ignore_index=True)

    out["score"] = out["cents"].astype(np.int64) / 100.0
    out["max_score"] = out["max_cents"].astype(np.int64) / 100.0
    ranked = out["item_kind"] != "metric"
    rank = np.full(len(out), np.nan)
    sub = out[ranked]
    rank[ranked.to_numpy()] = competition_rank(
        sub["score"], sub["level"] + "\x1f" + sub["period"] + "\x1f" + sub["item"]
    )
    out["rank"] = pd.array(rank, dtype="Float64").round().astype("Int64")
    out["numerator"] = out["numerator"].astype("Int64")
    out["denominator"] = out["denominator"].astype("Int64")
    out["missing"] = out["missing"].astype(bool)
    out = out.sort_values(["unit_order", "item_order"], kind="stable").reset_index(drop=True)
    return out[OUTPUT_COLUMNS]


def summary_table(scores: pd.DataFrame, catalogue: ServiceCatalogue) -> pd.DataFrame:
    """One row per unit and period: group scores, total and rank of the total."""
    rolled = scores[scores["item_kind"] != "metric"]
    wide = rolled.pivot_table(
        index=["unit_code", "period"], columns="item", values="score", sort=False
    )
    cols = [g.code for g in catalogue.groups] + [TOTAL]
    wide = wide.reindex(columns=cols)
    tot = rolled[rolled["item"] == TOTAL].set_index(["unit_code", "period"])
    wide["rank"] = tot["rank"]
    wide["unit_name"] = tot["unit_name"]
    wide["level"] = tot["level"]
    return wide.reset_index()[["unit_code", "unit_name", "level", "period", *cols, "rank"]]
