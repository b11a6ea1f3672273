"""How robust is a ranking? Monte Carlo over the choices behind it.

A composite index rests on choices that could reasonably have been made otherwise: the
weight of each field (its maximum points), the survey estimates (each a sample with a
confidence interval), and the way fields are aggregated. Composite-indicator practice
(the OECD/JRC Handbook on Constructing Composite Indicators, 2008, ch. 7) asks that a
published rank come with the range of ranks those choices allow, and with which choice
the rank is most sensitive to. `rank_uncertainty` does that on a results table (R.csv).

## The model (what one run does)

For unit u with field indices p_uf (%), its index in a run is

    index_u + [M(w, p̃_u) − M(w0, p_u)]

where `index_u` is its published (nominal) index, M the weighted mean of the unit's field
indices over the fields it is scored on (Σ w_f p_f / Σ w_f), w0 the nominal field maxima
and w, p̃ the run's weights and field indices. Keeping the nominal index and adding the
*change* keeps everything the field indices alone do not carry (bonus and penalty points,
not-applicable criteria) exactly as scored, and with zero perturbation the change is
exactly zero, so every run reproduces the nominal ranking. Without bonus, penalty or
not-applicable criteria this is exactly re-scoring with field maxima w (the field's
criteria keeping their shares); the what-if module's re-scoring test checks that.

- **Weights**: each field maximum w0_f is multiplied by (1 + U_f), U_f uniform on
  [−range, +range] (default ±20 %), independently per field and run, then all are
  rescaled so that they add up to the framework's total again (a framework of 100 points
  stays one of 100 points).
- **Survey** (optional `survey_sd`): each survey estimate feeding a field is drawn from a
  normal distribution around its published value with standard error
  SE = (upper − lower) / (2 · 1.96) of its 95 % interval, expressed in field points
  (`sd_points` = leaf maximum × SE as a fraction; `survey_sd_from_intervals` converts).
  Rows with the same `unit_code` and `source` share one draw (one estimate feeding several
  leaves moves them together); the field index is kept within 0–100. The shift is
  expressed on the framework maximum of the field.
- **Aggregation** (optional): with `alternative_aggregation`, each run uses, with
  probability ½ (a Bernoulli switch), the weighted *geometric* mean of the field indices
  instead of the weighted arithmetic mean — the usual non-compensatory alternative: a
  weak field can no longer be fully made up by a strong one. Field indices below
  `GEOMETRIC_FLOOR_PCT` (1 %) count as 1 % so that one empty field does not erase every
  other difference.

Ranks are competition ranks (1, 2, 2, 4) within each peer group, on unrounded values
with the scoring's tolerance (values within 1e-9 are tied), exactly as
`parindex.scoring.ranking.competition_rank` ranks the nominal results.

## What comes out

Per unit: the nominal rank, the median rank and the 5th–95th percentile rank interval
(percentiles of the run ranks by the "inverted CDF" definition — the smallest rank k
with at least q of the runs at rank ≤ k — so they are ranks that actually occurred).

**Statistically indistinguishable** units (the rule, also shown on the web page): within a
peer group, units that share a nominal rank are indistinguishable from each other; and
the units at two consecutive nominal ranks are indistinguishable when, in at least
`flip_threshold` (5 %) of the runs, a unit of the lower nominal rank is ranked level with
or ahead of a unit of the higher one — the simulations then do not support the published
order at the 95 % level. Only neighbours are compared: it answers "is 12th really behind
11th?", the question a published ranking raises.

**Sensitivity** of the ranks to each choice: a first-order (Sobol-type) index estimated
from the same Monte Carlo sample by binning (the correlation ratio): for each unit, the
share of the variance of its rank explained by the mean rank within bins of one input,
Var(E[rank | X]) / Var(rank), with `MAX_BINS` equal-probability bins, corrected for the
bias of binning with few runs per bin, summed over units (so units whose rank varies
more weigh more) and divided by their summed rank variance. X is the field's weight
multiplier for the weights; for the survey, the unit's own survey draw (its summed
shift of the index) — other units' draws are thousands of small independent inputs;
for the aggregation, the switch itself. The indices add up to at most about 1; what is
missing is interaction between choices and the effect of other units' survey draws.

Runs are processed in chunks so memory stays bounded whatever the number of runs: per
unit a histogram of its ranks (group size × group size counters), per bin the sum of
ranks, and per neighbour pair the number of flips are all that is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem
from parindex.scoring.ranking import TOLERANCE, competition_rank

METHOD_VERSION = "uncertainty-1"
FLIP_THRESHOLD = 0.05
GEOMETRIC_FLOOR_PCT = 1.0
AGGREGATION_PROBABILITY = 0.5
MAX_BINS = 20
PERCENTILES = (0.05, 0.5, 0.95)
CHUNK_CELLS = 1_000_000  # runs × units held at once (a few arrays of 8 MB)
SE_DIVISOR = 2 * 1.96


@dataclass
class UncertaintyResult:
    """`table`: one row per unit (nominal and simulated ranks, indistinguishable
    neighbours); `sensitivity`: one row per uncertain choice; `method`: everything needed
    to reproduce the run, with the method version."""

    table: pd.DataFrame
    sensitivity: pd.DataFrame
    method: dict[str, Any] = field(default_factory=dict)


TABLE_COLUMNS = [
    "unit_code",
    "unit_name",
    "peer_group",
    "index_pct",
    "rank",
    "median_rank",
    "rank_p05",
    "rank_p95",
    "rank_mean",
    "flip_share_above",
    "indistinguishable",
    "indistinguishable_from",
]
SENSITIVITY_COLUMNS = ["choice", "kind", "field_code", "label", "index"]


# --- inputs --------------------------------------------------------------------------------------


@dataclass
class _Units:
    """The ranked units (those with an index) as arrays."""

    codes: np.ndarray
    names: np.ndarray
    groups: np.ndarray
    index: np.ndarray  # nominal index %
    pct: np.ndarray  # (units, fields) field indices, 0 where not available
    available: np.ndarray  # (units, fields) 1.0 where the field has an index
    unranked: pd.DataFrame  # rows without an index (no rank)


def _numeric(frame: pd.DataFrame, column: str, source: str, problems: list[Problem]) -> np.ndarray:
    text = frame[column]
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & text.notna() & (text.astype(str).str.strip() != "")
    for pos in np.flatnonzero(bad.to_numpy())[:20]:
        problems.append(
            Problem(source, f"row {pos + 2}", column, f"{text.iloc[pos]!r} is not a number")
        )
    return values.to_numpy(dtype=float)


def _prepare_units(
    results: pd.DataFrame, field_max: Mapping[str, float], source: str
) -> tuple[_Units, list[str], np.ndarray]:
    problems: list[Problem] = []
    codes = [str(c) for c in field_max]
    for col in ("unit_code", "index_pct"):
        if col not in results.columns:
            problems.append(Problem(source, "header", col, "required column is missing"))
    for code in codes:
        if f"field_{code}_pct" not in results.columns:
            problems.append(
                Problem(source, "header", f"field_{code}_pct", "no column for this field")
            )
    known = {f"field_{c}_pct" for c in codes}
    for col in results.columns:
        if col.startswith("field_") and col.endswith("_pct") and col not in known:
            problems.append(
                Problem(source, "header", col, "a field without a maximum in the framework")
            )
    weights = []
    for code in codes:
        value = field_max[code]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number <= 0:
            problems.append(
                Problem("framework", f"field {code}", "max_points", "must be a positive number")
            )
        weights.append(number)
    if problems:
        raise InputError(problems)
    if results["unit_code"].astype(str).duplicated().any():
        dup = results["unit_code"].astype(str)
        first = dup[dup.duplicated()].iloc[0]
        raise InputError([Problem(source, "", "unit_code", f"unit {first!r} appears twice")])

    index = _numeric(results, "index_pct", source, problems)
    pct = np.column_stack(
        [_numeric(results, f"field_{c}_pct", source, problems) for c in codes]
    ) if codes else np.zeros((len(results), 0))  # fmt: skip
    if problems:
        raise InputError(problems)
    names = (
        results["unit_name"].fillna("").astype(str)
        if "unit_name" in results.columns
        else pd.Series([""] * len(results), index=results.index)
    )
    groups = (
        results["peer_group"].fillna("").astype(str)
        if "peer_group" in results.columns
        else pd.Series([""] * len(results), index=results.index)
    )
    ranked = ~np.isnan(index)
    unranked = pd.DataFrame(
        {
            "unit_code": results["unit_code"].astype(str).to_numpy()[~ranked],
            "unit_name": names.to_numpy()[~ranked],
            "peer_group": groups.to_numpy()[~ranked],
        }
    )
    available = (~np.isnan(pct[ranked])).astype(float)
    units = _Units(
        codes=results["unit_code"].astype(str).to_numpy()[ranked],
        names=names.to_numpy()[ranked],
        groups=groups.to_numpy()[ranked],
        index=index[ranked],
        pct=np.nan_to_num(pct[ranked], nan=0.0),
        available=available,
        unranked=unranked,
    )
    return units, codes, np.asarray(weights, dtype=float)


def survey_sd_from_intervals(
    estimates: pd.DataFrame,
    leaf_field: Mapping[str, str],
    leaf_max: Mapping[str, float],
    *,
    source: str = "survey",
) -> pd.DataFrame:
    """`survey_sd` rows from survey estimates with 95 % intervals.

    `estimates`: `unit_code, criterion_code, ci_low_pct, ci_high_pct` (percent), optional
    `element` (rows of one unit with the same element are one estimate and share a draw)
    and `max_points` (the leaf's maximum for that unit, when not the framework's).
    `leaf_field` maps a survey leaf to its top-level field, `leaf_max` to its maximum.
    Returns `unit_code, field_code, sd_points, source` with
    sd_points = max × (high − low) / 100 / (2 · 1.96).
    """
    problems: list[Problem] = []
    for col in ("unit_code", "criterion_code", "ci_low_pct", "ci_high_pct"):
        if col not in estimates.columns:
            problems.append(Problem(source, "header", col, "required column is missing"))
    if problems:
        raise InputError(problems)
    low = _numeric(estimates, "ci_low_pct", source, problems)
    high = _numeric(estimates, "ci_high_pct", source, problems)
    own_max = (
        _numeric(estimates, "max_points", source, problems)
        if "max_points" in estimates.columns
        else np.full(len(estimates), np.nan)
    )
    rows = []
    leaves = estimates["criterion_code"].astype(str).str.strip().to_numpy()
    units = estimates["unit_code"].astype(str).str.strip().to_numpy()
    elements = (
        estimates["element"].fillna("").astype(str).str.strip().to_numpy()
        if "element" in estimates.columns
        else np.array([""] * len(estimates), dtype=object)
    )
    for i in range(len(estimates)):
        location = f"row {i + 2}"
        leaf = leaves[i]
        if leaf not in leaf_field:
            problems.append(
                Problem(source, location, "criterion_code", f"{leaf!r} is not a survey leaf")
            )
            continue
        if np.isnan(low[i]) or np.isnan(high[i]):
            continue  # no interval: the estimate is taken as exact
        if high[i] < low[i]:
            problems.append(Problem(source, location, "ci_high_pct", "is below ci_low_pct"))
            continue
        maximum = own_max[i] if not np.isnan(own_max[i]) else float(leaf_max[leaf])
        rows.append(
            {
                "unit_code": units[i],
                "field_code": str(leaf_field[leaf]),
                "sd_points": maximum * (high[i] - low[i]) / 100.0 / SE_DIVISOR,
                "source": elements[i] or leaf,
            }
        )
    if problems:
        raise InputError(problems)
    return pd.DataFrame(rows, columns=["unit_code", "field_code", "sd_points", "source"])


@dataclass
class _Survey:
    """Survey noise as loadings: draw z_s ~ N(0, 1) per source s; cell c (a unit's field)
    moves by Σ_k z_{s_k} · scale_k percentage points over the loadings k of that cell."""

    source_of: np.ndarray  # per loading (sorted by cell): its source
    scale: np.ndarray  # per loading: field-% per unit draw
    cell_start: np.ndarray  # per cell: first loading
    cell_unit: np.ndarray  # per cell: unit position
    cell_field: np.ndarray  # per cell: field position
    unit_start: np.ndarray  # per survey unit: first cell (cells sorted by unit)
    units: np.ndarray  # survey units (positions)
    n_sources: int
    source_unit_start: np.ndarray  # sources sorted by unit: first source per survey unit
    source_lambda: np.ndarray  # per source: nominal index shift per unit draw
    unit_sd: np.ndarray  # per survey unit: sd of its own index shift


def _prepare_survey(
    survey_sd: pd.DataFrame,
    units: _Units,
    codes: list[str],
    w0: np.ndarray,
    source: str,
) -> _Survey | None:
    problems: list[Problem] = []
    for col in ("unit_code", "field_code", "sd_points"):
        if col not in survey_sd.columns:
            problems.append(Problem(source, "header", col, "required column is missing"))
    if problems:
        raise InputError(problems)
    sd = _numeric(survey_sd, "sd_points", source, problems)
    position = {c: i for i, c in enumerate(units.codes)}
    field_pos = {c: i for i, c in enumerate(codes)}
    unit_codes = survey_sd["unit_code"].astype(str).str.strip().to_numpy()
    field_codes = survey_sd["field_code"].astype(str).str.strip().to_numpy()
    sources = (
        survey_sd["source"].fillna("").astype(str).to_numpy()
        if "source" in survey_sd.columns
        else np.array([f"#{i}" for i in range(len(survey_sd))], dtype=object)
    )
    unranked = set(units.unranked["unit_code"])
    keep_u, keep_f, keep_s, keep_sd = [], [], [], []
    for i in range(len(survey_sd)):
        location = f"row {i + 2}"
        if unit_codes[i] not in position:
            if unit_codes[i] not in unranked:
                problems.append(
                    Problem(
                        source, location, "unit_code", f"no unit {unit_codes[i]!r} in the results"
                    )
                )
            continue
        if field_codes[i] not in field_pos:
            problems.append(Problem(source, location, "field_code", f"no field {field_codes[i]!r}"))
            continue
        if np.isnan(sd[i]):
            continue
        if sd[i] < 0:
            problems.append(Problem(source, location, "sd_points", "must not be negative"))
            continue
        u, f = position[unit_codes[i]], field_pos[field_codes[i]]
        if sd[i] == 0 or units.available[u, f] == 0:
            continue  # exact, or the unit is not scored on the field
        keep_u.append(u)
        keep_f.append(f)
        keep_s.append((u, sources[i] or f"#{i}"))
        keep_sd.append(sd[i])
    if problems:
        raise InputError(problems)
    if not keep_u:
        return None
    u_arr = np.asarray(keep_u)
    f_arr = np.asarray(keep_f)
    sd_arr = np.asarray(keep_sd, dtype=float)
    # sources numbered in unit order so that per-unit reductions are contiguous
    source_keys = sorted(set(keep_s), key=lambda k: (k[0], k[1]))
    source_id = {k: i for i, k in enumerate(source_keys)}
    s_arr = np.asarray([source_id[k] for k in keep_s])
    scale = sd_arr / w0[f_arr] * 100.0  # field points → field %
    order = np.lexsort((s_arr, f_arr, u_arr))
    u_arr, f_arr, s_arr, scale = u_arr[order], f_arr[order], s_arr[order], scale[order]
    cell_key = u_arr * len(codes) + f_arr
    new_cell = np.r_[True, cell_key[1:] != cell_key[:-1]]
    cell_start = np.flatnonzero(new_cell)
    cell_unit = u_arr[cell_start]
    cell_field = f_arr[cell_start]
    new_unit = np.r_[True, cell_unit[1:] != cell_unit[:-1]]
    unit_start = np.flatnonzero(new_unit)
    survey_units = cell_unit[unit_start]
    # the unit's own index shift per draw of each source (nominal weights): for binning
    s0 = units.available @ w0
    lam = np.zeros(len(source_keys))
    np.add.at(lam, s_arr, w0[f_arr] * scale / s0[u_arr])
    source_unit = np.asarray([k[0] for k in source_keys])
    source_unit_start = np.flatnonzero(np.r_[True, source_unit[1:] != source_unit[:-1]])
    unit_sd = np.sqrt(np.add.reduceat(lam**2, source_unit_start))
    return _Survey(
        source_of=s_arr,
        scale=scale,
        cell_start=cell_start,
        cell_unit=cell_unit,
        cell_field=cell_field,
        unit_start=unit_start,
        units=survey_units,
        n_sources=len(source_keys),
        source_unit_start=source_unit_start,
        source_lambda=lam,
        unit_sd=unit_sd,
    )


# --- ranking many runs at once --------------------------------------------------------------------


def competition_ranks_by_row(values: np.ndarray) -> np.ndarray:
    """Competition ranks (highest = 1, ties share the lowest rank) of every row of a
    (runs, units) array of *snapped* values (equal means tied), all rows at once."""
    runs, n = values.shape
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    new = np.ones((runs, n), dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.where(new, np.arange(n, dtype=np.int32), 0)
    np.maximum.accumulate(first, axis=1, out=first)
    ranks = np.empty((runs, n), dtype=np.int32)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


@dataclass
class _Group:
    """One peer group: its unit positions and the nominal blocks for the flip rule."""

    name: str
    members: np.ndarray  # unit positions, in nominal order (rank, code)
    block_start: np.ndarray  # in `members`: first unit of each nominal rank
    hist: np.ndarray  # (members, members) counts of run ranks
    flips: np.ndarray  # per boundary between consecutive blocks


def _groups(units: _Units, nominal: np.ndarray) -> list[_Group]:
    out = []
    for name in pd.unique(units.groups):
        pos = np.flatnonzero(units.groups == name)
        order = np.lexsort((units.codes[pos], nominal[pos]))
        members = pos[order]
        ranks = nominal[members]
        block_start = np.flatnonzero(np.r_[True, ranks[1:] != ranks[:-1]])
        n = len(members)
        out.append(
            _Group(
                name=str(name),
                members=members,
                block_start=block_start,
                hist=np.zeros((n, n), dtype=np.int64),
                flips=np.zeros(max(len(block_start) - 1, 0), dtype=np.int64),
            )
        )
    return out


def _bins(runs: int) -> int:
    return int(min(MAX_BINS, max(2, math.isqrt(max(runs, 1)))))


# --- the simulation ------------------------------------------------------------------------------


@dataclass
class _Accumulators:
    sum_rank: np.ndarray
    sum_rank2: np.ndarray
    weight_sums: np.ndarray  # (fields * bins, units)
    weight_counts: np.ndarray  # (fields * bins,)
    agg_sums: np.ndarray  # (2, units)
    agg_counts: np.ndarray  # (2,)
    survey_sums: np.ndarray  # (bins, units)
    survey_counts: np.ndarray  # (bins, units)


def rank_uncertainty(
    results: pd.DataFrame,
    field_max: Mapping[str, float],
    *,
    survey_sd: pd.DataFrame | None = None,
    runs: int = 1000,
    weight_range: float = 0.2,
    alternative_aggregation: bool = False,
    seed: int = 0,
    flip_threshold: float = FLIP_THRESHOLD,
    progress: Callable[[int, int], None] | None = None,
    chunk_runs: int | None = None,
    source: str = "results",
    survey_source: str = "survey",
) -> UncertaintyResult:
    """Monte Carlo rank intervals, indistinguishable neighbours and sensitivity indices.

    `results`: the R.csv table (`unit_code, unit_name, peer_group, index_pct,
    field_<code>_pct…`); `field_max`: the nominal maximum of every top-level field, in
    framework order. `survey_sd`: optional `unit_code, field_code, sd_points[, source]`
    (see `survey_sd_from_intervals`). `progress(done, total)` is called after each chunk.
    The same inputs and seed give the same result, whatever `chunk_runs`.
    """
    if runs < 1:
        raise InputError([Problem("options", "", "runs", "must be at least 1")])
    if not 0 <= weight_range < 1:
        raise InputError([Problem("options", "", "weight_range", "must be in [0, 1)")])
    if not 0 < flip_threshold <= 1:
        raise InputError([Problem("options", "", "flip_threshold", "must be in (0, 1]")])
    units, codes, w0 = _prepare_units(results, field_max, source)
    survey = (
        _prepare_survey(survey_sd, units, codes, w0, survey_source)
        if survey_sd is not None
        else None
    )
    n_units, n_fields = units.pct.shape
    nominal = competition_rank(units.index, units.groups).astype(np.int64)
    groups = _groups(units, nominal)
    bins = _bins(runs)

    weight_rng, agg_rng, survey_rng = _generators(seed)
    multipliers, weights = _weights(w0, runs, weight_range, weight_rng)
    deltas = weights - w0  # exactly 0 without perturbation
    geometric = (
        agg_rng.random(runs) < AGGREGATION_PROBABILITY
        if alternative_aggregation
        else np.zeros(runs, dtype=bool)
    )

    acc = _Accumulators(
        sum_rank=np.zeros(n_units),
        sum_rank2=np.zeros(n_units),
        weight_sums=np.zeros((n_fields * bins, n_units)),
        weight_counts=np.zeros(n_fields * bins),
        agg_sums=np.zeros((2, n_units)),
        agg_counts=np.zeros(2),
        survey_sums=np.zeros((bins, n_units)),
        survey_counts=np.zeros((bins, n_units)),
    )
    weight_bin = _uniform_bins(multipliers, weight_range, bins)
    survey_edges = np.array([NormalDist().inv_cdf(i / bins) for i in range(1, bins)])
    model = _Model(units, w0)
    step = chunk_runs or max(1, CHUNK_CELLS // max(n_units, 1))
    for start in range(0, runs, step):
        stop = min(runs, start + step)
        z = (
            survey_rng.standard_normal(size=(stop - start, survey.n_sources))
            if survey is not None
            else None
        )
        values = model.values(deltas[start:stop], z, survey, geometric[start:stop])
        snapped = np.round(values / TOLERANCE)
        ranks = np.empty(snapped.shape, dtype=np.int32)
        for g in groups:
            sub = competition_ranks_by_row(snapped[:, g.members])
            ranks[:, g.members] = sub
            _count_group(g, sub)
        _accumulate(acc, ranks, weight_bin[start:stop], geometric[start:stop], bins)
        if survey is not None:
            _accumulate_survey(acc, ranks, z, survey, survey_edges, bins)
        if progress is not None:
            progress(stop, runs)

    table = _table(units, nominal, groups, acc, runs, flip_threshold)
    sensitivity = _sensitivity(
        acc, codes, runs, bins, weight_range > 0, survey is not None, alternative_aggregation
    )
    method = {
        "method_version": METHOD_VERSION,
        "runs": int(runs),
        "seed": int(seed),
        "weight_range": float(weight_range),
        "weight_distribution": "uniform multiplier per field, rescaled to the same total",
        "field_max": {c: float(w) for c, w in zip(codes, w0, strict=True)},
        "survey": survey is not None,
        "survey_sources": 0 if survey is None else int(survey.n_sources),
        "survey_distribution": "normal, SE = (upper - lower) / (2 * 1.96)",
        "alternative_aggregation": bool(alternative_aggregation),
        "aggregation_probability": AGGREGATION_PROBABILITY if alternative_aggregation else 0.0,
        "geometric_floor_pct": GEOMETRIC_FLOOR_PCT,
        "flip_threshold": float(flip_threshold),
        "percentiles": list(PERCENTILES),
        "percentile_definition": "inverted CDF (a rank that occurred)",
        "ranking": "competition ranking within the peer group, ties below 1e-9",
        "sensitivity": f"first-order index by binning (correlation ratio), {bins} bins, "
        "bias-corrected, rank variance summed over units",
        "bins": bins,
        "first_order_sum": float(np.nansum(sensitivity["index"].to_numpy(dtype=float)))
        if len(sensitivity)
        else math.nan,
        "units": int(n_units),
    }
    return UncertaintyResult(table, sensitivity, method)


def _generators(seed: int) -> tuple[np.random.Generator, ...]:
    """Independent streams for the weights, the aggregation switch and the survey, so
    that turning one choice on or off leaves the draws of the others unchanged."""
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))


def _weights(
    w0: np.ndarray, runs: int, weight_range: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(multipliers U, weights): w = w0·(1 + U) rescaled to the total of w0."""
    multipliers = rng.uniform(-weight_range, weight_range, size=(runs, len(w0)))
    if weight_range == 0:
        return multipliers, np.tile(w0, (runs, 1))
    raw = w0 * (1.0 + multipliers)
    return multipliers, raw * (w0.sum() / raw.sum(axis=1, keepdims=True))


def simulated_weights(
    field_max: Mapping[str, float], runs: int, weight_range: float = 0.2, seed: int = 0
) -> pd.DataFrame:
    """The field weights `rank_uncertainty` uses in each run (one row per run, one column
    per field): to publish them, or to check the ranks by another route."""
    w0 = np.asarray([float(v) for v in field_max.values()])
    weights = _weights(w0, runs, weight_range, _generators(seed)[0])[1]
    return pd.DataFrame(weights, columns=[str(c) for c in field_max])


def _uniform_bins(multipliers: np.ndarray, weight_range: float, bins: int) -> np.ndarray:
    """Equal-width (= equal-probability for a uniform) bins of each field's multiplier."""
    if weight_range == 0:
        return np.zeros(multipliers.shape, dtype=np.int64)
    scaled = (multipliers + weight_range) / (2 * weight_range) * bins
    return np.clip(scaled.astype(np.int64), 0, bins - 1)


class _Model:
    """The index of every unit in each run (see the module docstring for the formula)."""

    def __init__(self, units: _Units, w0: np.ndarray):
        self.index = units.index
        self.w0 = w0
        self.a = units.available
        self.ap = units.available * units.pct
        self.pct = units.pct
        self.s0 = self.a @ w0  # Σ w0 over the unit's fields
        self.n0 = self.ap @ w0  # Σ w0 p
        safe = np.where(self.s0 > 0, self.s0, 1.0)
        self.s0_safe = safe
        self.mean0 = np.where(self.s0 > 0, self.n0 / safe, 0.0)
        self.log_pct = np.log(np.maximum(units.pct, GEOMETRIC_FLOOR_PCT)) * units.available

    def values(
        self,
        deltas: np.ndarray,
        z: np.ndarray | None,
        survey: _Survey | None,
        geometric: np.ndarray,
    ) -> np.ndarray:
        runs = deltas.shape[0]
        weights = self.w0 + deltas
        d_a = deltas @ self.a.T  # Σ d a: change of the unit's weight total
        d_ap = deltas @ self.ap.T
        w_ae = np.zeros((runs, len(self.index)))
        w_dlog = None
        if survey is not None and z is not None:
            cell_pct = self.pct[survey.cell_unit, survey.cell_field]
            shift = np.add.reduceat(
                z[:, survey.source_of] * survey.scale, survey.cell_start, axis=1
            )
            moved = np.clip(cell_pct + shift, 0.0, 100.0)
            w_cell = weights[:, survey.cell_field]
            w_ae[:, survey.units] = np.add.reduceat(
                w_cell * (moved - cell_pct), survey.unit_start, axis=1
            )
            if geometric.any():
                floor = GEOMETRIC_FLOOR_PCT
                dlog = np.log(np.maximum(moved, floor)) - np.log(np.maximum(cell_pct, floor))
                w_dlog = np.zeros((runs, len(self.index)))
                w_dlog[:, survey.units] = np.add.reduceat(w_cell * dlog, survey.unit_start, axis=1)
        s0 = self.s0_safe
        # M(w, p̃) − M(w0, p) without cancellation: exactly 0 when d = 0 and e = 0
        change = (s0 * (d_ap + w_ae) - self.n0 * d_a) / (s0 * (s0 + d_a))
        if geometric.any():
            log_sum = weights @ self.log_pct.T
            if w_dlog is not None:
                log_sum += w_dlog
            geo = np.exp(log_sum / (s0 + d_a)) - self.mean0
            change = np.where(geometric[:, None], geo, change)
        change[:, self.s0 <= 0] = 0.0
        return self.index + change


def _count_group(g: _Group, ranks: np.ndarray) -> None:
    """Histogram of each member's ranks and flips between consecutive nominal blocks."""
    runs, n = ranks.shape
    flat = (np.arange(n, dtype=np.int64) * n)[None, :] + (ranks.astype(np.int64) - 1)
    g.hist += np.bincount(flat.ravel(), minlength=n * n).reshape(n, n)
    if len(g.block_start) > 1:
        top = np.maximum.reduceat(ranks, g.block_start, axis=1)  # worst rank of each block
        best = np.minimum.reduceat(ranks, g.block_start, axis=1)  # best rank of each block
        g.flips += (best[:, 1:] <= top[:, :-1]).sum(axis=0)


def _accumulate(
    acc: _Accumulators, ranks: np.ndarray, weight_bin: np.ndarray, geometric: np.ndarray, bins: int
) -> None:
    r = ranks.astype(float)
    acc.sum_rank += r.sum(axis=0)
    acc.sum_rank2 += (r * r).sum(axis=0)
    runs, n_fields = weight_bin.shape
    if n_fields:
        columns = weight_bin + np.arange(n_fields) * bins  # (runs, fields) → factor-bin column
        onehot = np.zeros((runs, n_fields * bins))
        np.put_along_axis(onehot, columns, 1.0, axis=1)
        acc.weight_sums += onehot.T @ r
        acc.weight_counts += onehot.sum(axis=0)
    flag = geometric.astype(np.int64)
    onehot = np.zeros((runs, 2))
    onehot[np.arange(runs), flag] = 1.0
    acc.agg_sums += onehot.T @ r
    acc.agg_counts += onehot.sum(axis=0)


def _accumulate_survey(
    acc: _Accumulators,
    ranks: np.ndarray,
    z: np.ndarray,
    survey: _Survey,
    edges: np.ndarray,
    bins: int,
) -> None:
    """Bin each survey unit's own standardised index shift; sum its ranks per bin."""
    own = np.add.reduceat(z * survey.source_lambda, survey.source_unit_start, axis=1)
    standard = own / survey.unit_sd
    which = np.searchsorted(edges, standard)  # (runs, survey units) → bin
    n_units = ranks.shape[1]
    flat = (which * n_units + survey.units[None, :]).ravel()
    acc.survey_sums += np.bincount(
        flat, weights=ranks[:, survey.units].astype(float).ravel(), minlength=bins * n_units
    ).reshape(bins, n_units)
    acc.survey_counts += np.bincount(flat, minlength=bins * n_units).reshape(bins, n_units)


# --- summaries -----------------------------------------------------------------------------------


def _percentile_ranks(hist: np.ndarray, runs: int, q: float) -> np.ndarray:
    """Smallest rank k with at least q·runs runs at rank ≤ k (inverted CDF)."""
    need = max(1, math.ceil(q * runs - 1e-9))
    cum = np.cumsum(hist, axis=1)
    return (cum >= need).argmax(axis=1) + 1


def _table(
    units: _Units,
    nominal: np.ndarray,
    groups: list[_Group],
    acc: _Accumulators,
    runs: int,
    threshold: float,
) -> pd.DataFrame:
    n = len(units.codes)
    p05 = np.zeros(n, dtype=np.int64)
    p50 = np.zeros(n, dtype=np.int64)
    p95 = np.zeros(n, dtype=np.int64)
    flip_above = np.full(n, np.nan)
    neighbours: list[list[str]] = [[] for _ in range(n)]
    for g in groups:
        p05[g.members] = _percentile_ranks(g.hist, runs, PERCENTILES[0])
        p50[g.members] = _percentile_ranks(g.hist, runs, PERCENTILES[1])
        p95[g.members] = _percentile_ranks(g.hist, runs, PERCENTILES[2])
        blocks = np.split(g.members, g.block_start[1:])
        shares = g.flips / runs
        for b, block in enumerate(blocks):
            codes = list(units.codes[block])
            for pos in block:  # ties: indistinguishable by definition
                neighbours[pos] += [c for c in codes if c != units.codes[pos]]
            if b > 0:
                flip_above[block] = shares[b - 1]
                if shares[b - 1] >= threshold - 1e-12:
                    above = blocks[b - 1]
                    for pos in block:
                        neighbours[pos] += list(units.codes[above])
                    for pos in above:
                        neighbours[pos] += codes
    order_key = {c: i for i, c in enumerate(units.codes)}
    table = pd.DataFrame(
        {
            "unit_code": units.codes,
            "unit_name": units.names,
            "peer_group": units.groups,
            "index_pct": units.index,
            "rank": nominal,
            "median_rank": p50,
            "rank_p05": p05,
            "rank_p95": p95,
            "rank_mean": acc.sum_rank / runs,
            "flip_share_above": flip_above,
            "indistinguishable": [bool(x) for x in neighbours],
            "indistinguishable_from": [
                ", ".join(sorted(set(x), key=lambda c: order_key[c])) for x in neighbours
            ],
        }
    )
    for col in ("rank", "median_rank", "rank_p05", "rank_p95"):
        table[col] = table[col].astype("Int64")
    if len(units.unranked):
        extra = units.unranked.assign(indistinguishable=False, indistinguishable_from="")
        table = pd.concat([table, extra], ignore_index=True)
        for col in ("rank", "median_rank", "rank_p05", "rank_p95"):
            table[col] = table[col].astype("Int64")
    group_order = {g: i for i, g in enumerate(pd.unique(table["peer_group"]))}
    table = table.assign(_g=table["peer_group"].map(group_order)).sort_values(
        ["_g", "rank", "unit_code"], na_position="last", kind="stable"
    )
    return table.drop(columns="_g").reset_index(drop=True)[TABLE_COLUMNS]


def _first_order(sums: np.ndarray, counts: np.ndarray, acc: _Accumulators, runs: int) -> float:
    """Σ_u [SS_between − (bins − 1)·MS_within] / Σ_u SS_total, clipped to [0, 1].

    `sums` (bins, units): Σ rank per bin; `counts`: runs per bin, (bins,) or (bins, units).
    """
    total = acc.sum_rank2 - acc.sum_rank**2 / runs
    total_sum = float(total.sum())
    if total_sum <= 1e-12:
        return math.nan
    if counts.ndim == 1:
        counts = np.repeat(counts[:, None], sums.shape[1], axis=1)
    present = counts > 0
    per_bin = np.divide(sums**2, counts, out=np.zeros_like(sums), where=present)
    n_runs = counts.sum(axis=0)
    between = per_bin.sum(axis=0) - acc.sum_rank**2 / runs
    used = present.sum(axis=0)
    within = np.maximum(total - between, 0.0)
    # a unit binned on fewer runs (survey: only survey units) has n_runs == runs anyway
    dof = np.maximum(n_runs - used, 1)
    corrected = between - (used - 1) * within / dof
    corrected = np.where(used > 1, corrected, 0.0)
    return float(min(1.0, max(0.0, corrected.sum() / total_sum)))


def _sensitivity(
    acc: _Accumulators,
    codes: list[str],
    runs: int,
    bins: int,
    weights_vary: bool,
    has_survey: bool,
    has_aggregation: bool,
) -> pd.DataFrame:
    rows = []
    for i, code in enumerate(codes):
        sums = acc.weight_sums[i * bins : (i + 1) * bins]
        counts = acc.weight_counts[i * bins : (i + 1) * bins]
        value = _first_order(sums, counts, acc, runs) if weights_vary else math.nan
        rows.append(
            {
                "choice": f"weight:{code}",
                "kind": "weight",
                "field_code": code,
                "label": f"weight of field {code}",
                "index": value,
            }
        )
    if has_survey:
        survey_total = acc.survey_counts.sum(axis=0)
        mask = survey_total > 0
        sums = np.where(mask[None, :], acc.survey_sums, 0.0)
        # units without a survey contribute their variance to the total, nothing between
        counts = np.where(mask[None, :], acc.survey_counts, 0.0)
        counts[0, ~mask] = runs
        sums[0, ~mask] = acc.sum_rank[~mask]
        rows.append(
            {
                "choice": "survey",
                "kind": "survey",
                "field_code": "",
                "label": "survey estimates",
                "index": _first_order(sums, counts, acc, runs),
            }
        )
    if has_aggregation:
        rows.append(
            {
                "choice": "aggregation",
                "kind": "aggregation",
                "field_code": "",
                "label": "aggregation (arithmetic or geometric mean)",
                "index": _first_order(acc.agg_sums, acc.agg_counts, acc, runs),
            }
        )
    return pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)


def rank_interval_text(rank: Any, low: Any, high: Any, lang: str = "vi") -> str:
    """The rank with its interval, "hạng 12 (khả năng từ 9 đến 15)"; "hạng 12" alone when
    the interval is the rank itself."""
    if rank is None or pd.isna(rank):
        return "–"
    r, lo, hi = int(rank), int(low), int(high)
    if lang == "vi":
        return f"hạng {r}" if lo == hi == r else f"hạng {r} (khả năng từ {lo} đến {hi})"
    return f"rank {r}" if lo == hi == r else f"rank {r} (likely between {lo} and {hi})"
