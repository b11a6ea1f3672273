"""Sampling for household surveys: multi-stage selection, design weights, calibration, size.

Selection (`select_sample`) follows the ministry's SIPAS practice since 2022: within each
stratum (e.g. a district, the unit being evaluated) communes, then villages, then households
are drawn. Each stage is configured in the design:

    stratum: unit                       # optional: draw independently within each value
    household: household_id             # the id column of the last stage
    stages:
      - {column: commune, n: 3, method: pps}   # size: frame rows (households) by default
      - {column: village, n: 2, method: srs}
      - {column: household_id, n: 15, method: srs}

* `srs`: simple random sampling without replacement; inclusion probability n / N within the
  parent (all taken, probability 1, when n ≥ N).
* `pps`: probability proportional to size without replacement, by systematic selection on a
  random order of the units; size = the number of frame rows under the unit, or a `size`
  column. Inclusion probability n · M_i / ΣM; a unit with n · M_i ≥ ΣM is taken with
  certainty (probability 1) and n is reduced for the others, repeatedly.
* Cluster ids are nested: a village is identified within its commune and stratum.

The sample keeps the frame's columns and adds `prob_<column>` per stage, `prob` (their
product), `design_weight` = 1 / prob, `weight` (= design_weight until calibrated) and `psu`
(the first-stage unit). Reproducible: the same frame content and seed give the same sample,
whatever the frame's row order (numpy Generator, units sorted before drawing).

Calibration (`calibrate`): post-stratification (weights × N_c / Σw in each cell, exact) and
raking (iterative proportional fitting over several margins, until every margin is within
`tol`, relative). Margins are a long table `variable, category, total`; for
post-stratification on a crossed classification name the variable `sex+age_group` and the
categories `nam+18_24`.

Sample size (`sample_size`, `yamane_size`): n₀ = z² p (1 − p) / e², times the design effect,
with Cochran's finite-population correction n / (1 + (n − 1) / N) when N is given; and the
historical pilot formula n = N / (1 + N e²).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem

_SEP = "\x1f"
_METHODS = ("srs", "pps")


# ----------------------------------------------------------------------------- design


def _parse_sampling_design(design: Mapping, frame: pd.DataFrame, source: str) -> dict:
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(source, "", key, message))

    if not isinstance(design, Mapping):
        raise InputError([Problem(source, "", "", "a sampling design must be a mapping")])
    known = {"stratum", "household", "stages"}
    for key in design:
        if key not in known:
            bad(str(key), f"unknown key (known: {', '.join(sorted(known))})")
    stratum = design.get("stratum")
    household = design.get("household")
    stages_raw = design.get("stages")
    if stratum is not None and stratum not in frame.columns:
        bad("stratum", f"column {stratum!r} is not in the frame")
    if not household:
        bad("household", "name the household id column of the frame")
    elif household not in frame.columns:
        bad("household", f"column {household!r} is not in the frame")
    stages = []
    if not isinstance(stages_raw, list) or not stages_raw:
        bad("stages", "give the list of stages, e.g. [{column: village, n: 2, method: srs}, ...]")
        stages_raw = []
    for k, stage in enumerate(stages_raw, start=1):
        key = f"stages[{k}]"
        if not isinstance(stage, Mapping):
            bad(key, "must be a mapping {column, n, method}")
            continue
        for extra in set(stage) - {"column", "n", "method", "size"}:
            bad(f"{key}.{extra}", "unknown key (known: column, n, method, size)")
        column = stage.get("column")
        if not column or column not in frame.columns:
            bad(f"{key}.column", f"column {column!r} is not in the frame")
        try:
            n = int(stage.get("n"))
            if n < 1 or n != float(stage.get("n")):
                raise ValueError
        except (TypeError, ValueError):
            bad(f"{key}.n", f"{stage.get('n')!r} is not a whole number ≥ 1")
            n = 1
        method = str(stage.get("method", "srs")).lower()
        if method not in _METHODS:
            bad(f"{key}.method", f"{method!r}: use srs or pps")
        size = stage.get("size")
        if size is not None and size not in frame.columns:
            bad(f"{key}.size", f"column {size!r} is not in the frame")
        stages.append({"column": column, "n": n, "method": method, "size": size})
    if stages and household and stages[-1]["column"] != household:
        bad("stages", f"the last stage must draw households (column {household!r})")
    if stages and stages[-1]["method"] == "pps" and not stages[-1]["size"]:
        bad("stages", "pps at the household stage needs a `size` column")
    columns = [s["column"] for s in stages]
    if len(set(columns)) != len(columns):
        bad("stages", "each stage needs its own column")
    if problems:
        raise InputError(problems)
    return {"stratum": stratum, "household": household, "stages": stages}


def _check_frame(frame: pd.DataFrame, spec: dict, source: str) -> None:
    problems: list[Problem] = []
    cols = [c for c in [spec["stratum"], *(s["column"] for s in spec["stages"])] if c]
    for col in cols:
        text = frame[col].astype(str).str.strip()
        empty = (text == "") | frame[col].isna().to_numpy()
        for i in np.flatnonzero(empty.to_numpy())[:50]:
            problems.append(Problem(source, f"row {i + 2}", col, "is empty"))
    path = _path_key(frame, [c for c in cols])
    dup = path.duplicated(keep="first").to_numpy()
    first_at = pd.Series(np.arange(len(path))).groupby(path.to_numpy()).transform("first")
    for i in np.flatnonzero(dup)[:50]:
        problems.append(
            Problem(
                source,
                f"row {i + 2}",
                spec["household"],
                f"household {frame[spec['household']].iloc[i]!r} is listed twice "
                f"(first in row {first_at.iloc[i] + 2})",
            )
        )
    for stage in spec["stages"]:
        if stage["size"]:
            size = pd.to_numeric(frame[stage["size"]], errors="coerce")
            for i in np.flatnonzero(~(size > 0).to_numpy())[:50]:
                problems.append(
                    Problem(
                        source,
                        f"row {i + 2}",
                        stage["size"],
                        f"{frame[stage['size']].iloc[i]!r} is not a positive size",
                    )
                )
    if problems:
        raise InputError(problems)


def _path_key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    if not columns:
        return pd.Series([""] * len(frame), index=frame.index)
    key = frame[columns[0]].astype(str).str.strip()
    for col in columns[1:]:
        key = key + _SEP + frame[col].astype(str).str.strip()
    return key


# ----------------------------------------------------------------------------- selection


def _srs(units: pd.DataFrame, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Select n units without replacement within each parent: (selected mask, probability)."""
    count = units.groupby("parent", sort=False)["unit"].transform("size").to_numpy()
    draw = rng.random(len(units))
    order = (
        pd.Series(draw, index=units.index).groupby(units["parent"], sort=False).rank(method="first")
    )
    selected = order.to_numpy() <= n
    prob = np.minimum(n, count) / count
    return selected, prob


def _pps_group(
    sizes: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Systematic PPS without replacement on a random order, with certainty units."""
    m = len(sizes)
    prob = np.zeros(m)
    selected = np.zeros(m, dtype=bool)
    if n >= m:
        return np.ones(m, dtype=bool), np.ones(m)
    certain = np.zeros(m, dtype=bool)
    while True:
        rest = ~certain
        k = n - certain.sum()
        total = sizes[rest].sum()
        new = rest & (k * sizes >= total)
        if not new.any() or k <= 0:
            break
        certain |= new
    k = n - int(certain.sum())
    prob[certain] = 1.0
    selected[certain] = True
    rest = np.flatnonzero(~certain)
    if k > 0 and len(rest):
        total = sizes[rest].sum()
        prob[rest] = k * sizes[rest] / total
        order = rest[rng.permutation(len(rest))]
        cum = np.cumsum(k * sizes[order] / total)
        start = rng.random()
        points = start + np.arange(k)
        hit = np.minimum(np.searchsorted(cum, points, side="right"), len(order) - 1)
        selected[order[hit]] = True
    return selected, prob


def select_sample(
    frame: pd.DataFrame,
    design: Mapping,
    seed: int | None = None,
    *,
    source: str = "frame",
    design_source: str = "design",
) -> pd.DataFrame:
    """Draw a multi-stage sample from a frame of households (see the module docstring)."""
    spec = _parse_sampling_design(design, frame, design_source)
    _check_frame(frame, spec, source)
    rng = np.random.default_rng(seed)
    stages = spec["stages"]
    data = frame.reset_index(drop=True).copy()
    parent_cols = [spec["stratum"]] if spec["stratum"] else []
    keep = np.ones(len(data), dtype=bool)
    probs: dict[str, np.ndarray] = {}
    for stage in stages:
        col = stage["column"]
        rows = np.flatnonzero(keep)
        current = data.iloc[rows]
        parent = _path_key(current, parent_cols)
        unit = parent + _SEP + current[col].astype(str).str.strip()
        if stage["size"]:
            size = pd.to_numeric(current[stage["size"]], errors="coerce").to_numpy(dtype=float)
        else:
            size = np.ones(len(current))
        units = (
            pd.DataFrame({"parent": parent.to_numpy(), "unit": unit.to_numpy(), "size": size})
            .groupby(["parent", "unit"], sort=True, as_index=False)
            .agg(size=("size", "sum" if not stage["size"] else "first"))
        )
        if stage["method"] == "srs":
            chosen, prob = _srs(units, stage["n"], rng)
        else:
            chosen = np.zeros(len(units), dtype=bool)
            prob = np.zeros(len(units))
            for _, idx in units.groupby("parent", sort=True).indices.items():
                sel, p = _pps_group(units["size"].to_numpy()[idx], stage["n"], rng)
                chosen[idx] = sel
                prob[idx] = p
        chosen_units = units.loc[chosen, ["unit"]].assign(_p=prob[chosen])
        lookup = dict(zip(chosen_units["unit"], chosen_units["_p"], strict=True))
        row_prob = unit.map(lookup).to_numpy(dtype=float)
        stage_prob = np.full(len(data), np.nan)
        stage_prob[rows] = row_prob
        probs[col] = stage_prob
        keep = keep & ~np.isnan(stage_prob)
        parent_cols = [*parent_cols, col]

    sample = data.loc[keep].copy()
    total = np.ones(len(sample))
    for col, p in probs.items():
        sample[f"prob_{col}"] = p[keep]
        total = total * p[keep]
    sample["prob"] = total
    sample["design_weight"] = 1.0 / total
    sample["weight"] = sample["design_weight"]
    first = stages[0]["column"]
    sample["psu"] = sample[first].astype(str)
    sort_cols = [c for c in [spec["stratum"], *(s["column"] for s in stages)] if c]
    return sample.sort_values(sort_cols, kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- calibration


def _read_margins(margins: pd.DataFrame, by: str | None, source: str) -> pd.DataFrame:
    problems: list[Problem] = []
    needed = ["variable", "category", "total"] + ([by] if by else [])
    for col in needed:
        if col not in margins.columns:
            problems.append(Problem(source, "header", col, "required column is missing"))
    if problems:
        raise InputError(problems)
    out = pd.DataFrame(
        {
            "variable": margins["variable"].astype(str).str.strip(),
            "category": margins["category"].astype(str).str.strip(),
            "group": margins[by].astype(str).str.strip() if by else "",
        }
    )
    text = margins["total"].astype(str).str.strip().str.replace(",", ".", regex=False)
    total = pd.to_numeric(text, errors="coerce")
    for i in np.flatnonzero(~(total > 0).to_numpy()):
        problems.append(
            Problem(
                source,
                f"row {i + 2}",
                "total",
                f"{margins['total'].iloc[i]!r} is not a positive total",
            )
        )
    out["total"] = total.to_numpy(dtype=float)
    dup = out.duplicated(["group", "variable", "category"], keep="first").to_numpy()
    for i in np.flatnonzero(dup):
        problems.append(
            Problem(
                source,
                f"row {i + 2}",
                "category",
                f"{out['variable'].iloc[i]} = {out['category'].iloc[i]} is given twice",
            )
        )
    if problems:
        raise InputError(problems)
    return out


def _cell_values(sample: pd.DataFrame, variable: str) -> pd.Series:
    columns = variable.split("+")
    return _path_key(sample, columns).str.replace(_SEP, "+", regex=False)


def calibrate(
    sample: pd.DataFrame,
    margins: pd.DataFrame,
    method: str = "raking",
    *,
    weight: str = "weight",
    by: str | None = None,
    max_iter: int = 100,
    tol: float = 1e-8,
    source: str = "sample",
    margins_source: str = "margins",
) -> pd.DataFrame:
    """Calibrate `weight` to population margins; returns the sample with the new `weight`
    and `calibration_factor` (new / old). `by` calibrates each group (e.g. unit) to its own
    margins (the margins table then has a `by` column)."""
    if method not in ("raking", "poststrat"):
        raise InputError([Problem("method", "", "", f"{method!r}: use raking or poststrat")])
    table = _read_margins(margins, by, margins_source)
    problems: list[Problem] = []
    for col in [weight, *([by] if by else [])]:
        if col not in sample.columns:
            problems.append(Problem(source, "header", col, "required column is missing"))
    variables = list(dict.fromkeys(table["variable"]))
    for var in variables:
        for col in var.split("+"):
            if col not in sample.columns:
                problems.append(
                    Problem(source, "header", col, f"margin variable {var!r} is not a column")
                )
    if method == "poststrat" and len(variables) != 1:
        problems.append(
            Problem(
                margins_source,
                "",
                "variable",
                "post-stratification uses one classification; cross variables as "
                f"'a+b' (found: {', '.join(variables)})",
            )
        )
    if problems:
        raise InputError(problems)
    text = sample[weight].astype(str).str.strip().str.replace(",", ".", regex=False)
    w0 = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(~(w0 > 0)):
        problems.append(
            Problem(
                source,
                f"row {i + 2}",
                weight,
                f"{sample[weight].iloc[i]!r} is not a positive weight",
            )
        )
    group = (
        sample[by].astype(str).str.strip().to_numpy()
        if by
        else np.full(len(sample), "", dtype=object)
    )
    cells = {var: _cell_values(sample, var).to_numpy() for var in variables}
    # every sample value needs a margin, every margin a sample
    for var in variables:
        sub = table[table["variable"] == var]
        known = set(zip(sub["group"], sub["category"], strict=True))
        present = set(zip(group, cells[var], strict=True))
        for g, c in sorted(present - known):
            rows = np.flatnonzero((group == g) & (cells[var] == c))
            where = f"row {rows[0] + 2}" if len(rows) else ""
            problems.append(
                Problem(
                    source,
                    where,
                    var,
                    f"{c!r}{f' (in {by} {g!r})' if by else ''} has no population total "
                    f"in the margins",
                )
            )
        for g, c in sorted(known - present):
            problems.append(
                Problem(
                    margins_source,
                    "",
                    var,
                    f"{c!r}{f' (in {by} {g!r})' if by else ''} has no respondent in the "
                    "sample: collapse it with a neighbouring category",
                )
            )
    if problems:
        raise InputError(problems)

    w = w0.copy()
    targets = {}
    codes = {}
    for var in variables:
        sub = table[table["variable"] == var]
        keys = group.astype(str) + _SEP + cells[var].astype(str)
        code, uniques = pd.factorize(keys)
        lookup = dict(zip(sub["group"] + _SEP + sub["category"], sub["total"], strict=True))
        targets[var] = np.array([lookup[u] for u in uniques])
        codes[var] = code

    def gap() -> float:
        worst = 0.0
        for var in variables:
            current = np.bincount(codes[var], w, len(targets[var]))
            worst = max(worst, float(np.max(np.abs(current / targets[var] - 1.0))))
        return worst

    iterations = 0
    if method == "poststrat":
        var = variables[0]
        current = np.bincount(codes[var], w, len(targets[var]))
        w = w * (targets[var] / current)[codes[var]]
    else:
        while gap() > tol:
            if iterations >= max_iter:
                raise InputError(
                    [
                        Problem(
                            margins_source,
                            "",
                            "",
                            f"raking did not converge in {max_iter} iterations (largest "
                            f"relative margin gap {gap():.2e}); check that the margins agree "
                            "with each other (same population total) or collapse sparse "
                            "categories",
                        )
                    ]
                )
            for var in variables:
                current = np.bincount(codes[var], w, len(targets[var]))
                w = w * (targets[var] / current)[codes[var]]
            iterations += 1
    out = sample.copy()
    out[weight] = w
    out["calibration_factor"] = w / w0
    out.attrs["calibration"] = {"method": method, "iterations": iterations, "gap": gap()}
    return out


# ----------------------------------------------------------------------------- sample size


def sample_size(
    moe: float,
    confidence: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    population: float | None = None,
) -> int:
    """Respondents needed to estimate a proportion p within ± moe at the confidence level.

    n₀ = z² p (1 − p) / moe² (z the normal quantile, 1.959964 at 95 %); n = n₀ · deff;
    with a population N, Cochran's correction n / (1 + (n − 1) / N). Rounded up.
    """
    problems = []
    if not 0 < moe < 1:
        problems.append(Problem("size", "", "moe", f"{moe} must be between 0 and 1 (0.05 = ±5 %)"))
    if not 0 < confidence < 1:
        problems.append(Problem("size", "", "confidence", f"{confidence} must be between 0 and 1"))
    if not 0 < p < 1:
        problems.append(Problem("size", "", "p", f"{p} must be between 0 and 1"))
    if not deff > 0:
        problems.append(Problem("size", "", "deff", f"{deff} must be positive"))
    if population is not None and not population >= 1:
        problems.append(Problem("size", "", "population", f"{population} must be ≥ 1"))
    if problems:
        raise InputError(problems)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    n = z * z * p * (1 - p) / (moe * moe) * deff
    if population is not None:
        n = n / (1 + (n - 1) / population)
    return int(math.ceil(n - 1e-9))


def yamane_size(population: float, e: float = 0.05) -> int:
    """The historical SIPAS pilot formula n = N / (1 + N e²), rounded up."""
    if not population >= 1 or not 0 < e < 1:
        raise InputError(
            [Problem("size", "", "population", "need N ≥ 1 and 0 < e < 1 for N / (1 + N e²)")]
        )
    return int(math.ceil(population / (1 + population * e * e) - 1e-9))
