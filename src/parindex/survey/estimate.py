"""Design-based estimates of satisfaction indices, with Taylor-linearised standard errors.

The method (the product's own: the ministry publishes neither its formula nor its weights)
--------------------------------------------------------------------------------------------
* Item score. With `satisfied: [4, 5]` an answer scores 1 when it is one of the satisfied
  answers and 0 when it is another answer of the `scale` (default 1–5). With
  `scores: {A: 1, B: 0.6, C: 0.2, D: 0}` an answer scores its value (fractions 0–1).
  Blank answers and the `missing_answers` (e.g. E = "không biết") are missing, never 0.
  Any other answer is an error naming the row and the column.
* Respondent's element score = mean of their item scores over the element's answered
  questions (with `satisfied`, the share of them answered "satisfied"). A respondent who
  answered none of an element's questions has no score for it.
* Respondent's part score and overall score = mean of their element scores over the
  elements of the part (all elements for `overall`) that they have a score for.
* Estimate of an element / part / overall for a unit = weighted mean of the respondents'
  scores, a ratio estimator R = Σ w·y / Σ w over the unit's respondents with a score.

Variance (Taylor linearisation, as R `survey` / Stata `svy` do by default)
---------------------------------------------------------------------------
Stratified cluster design, first-stage units (PSUs) treated as drawn with replacement (no
finite population correction); PSU ids are nested in strata. For a domain d (a unit, or
ALL) the linearised variable is z_i = w_i (y_i − R_d) / Σ_d w for respondents of d with a
score, and z_i = 0 for everyone else — every PSU of the design is kept, including those
with no respondent in the domain (the correct domain variance; R: `svyby` / `subset`,
Stata: `subpop`). With t_hp the PSU totals of z and n_h the number of PSUs of stratum h
in the design:

    V(R_d) = Σ_h n_h / (n_h − 1) · Σ_p (t_hp − t̄_h)²

A stratum with one PSU is an error naming it, unless `lonely_psu: adjust`: that PSU is then
centred on the grand mean of all PSU totals (t_p − Σt/n_PSU)², as R's
`options(survey.lonely.psu = "adjust")`.

deff = V(R_d) / V_srs with V_srs = s²_w / n, s²_w = n/(n−1) · Σ w (y − R)² / Σ w: the
variance of a simple random sample of the same n drawn with replacement, the population
variance estimated with the weights (R `survey`'s `deff = "replace"`).

95 % interval = estimate ± 1.96 × SE (normal approximation; not clipped to 0–100).

Everything is computed for all units at once with np.bincount on integer codes: one pass per
element, part and the overall index, none per unit or respondent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem

ALL = "ALL"
OVERALL = "overall"
Z95 = 1.96
OUTPUT_COLUMNS = [
    "unit_code",
    "element",
    "estimate_pct",
    "se_pct",
    "ci_low_pct",
    "ci_high_pct",
    "n",
    "deff",
    "small_sample",
    "high_cv",
]
_DESIGN_KEYS = {
    "columns",
    "satisfied",
    "scale",
    "scores",
    "missing_answers",
    "elements",
    "parts",
    "lonely_psu",
    "min_n",
    "max_cv",
    "confidence",
}
_COLUMN_KEYS = {"stratum", "psu", "weight", "unit"}
_MAX_ANSWER_PROBLEMS = 50


def answer_key(value) -> str:
    """One spelling per answer: 4, 4.0, "4", " 4.0 " → "4"; other text stripped; NaN → ""."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, np.floating):
        return answer_key(float(value))
    text = str(value).strip()
    if text and (text[0].isdigit() or text[0] in "+-."):
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        if math.isfinite(number):
            return answer_key(number)
    return text


def id_key(value) -> str:
    """An identifier as text, kept as written ("001" stays "001"); 12.0 read as a number → "12"."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value).strip()


@dataclass
class Design:
    """A checked estimation design (see module docstring and `parse_design`)."""

    elements: dict[str, list[str]]
    parts: dict[str, list[str]] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)  # answer key → item score
    missing_answers: set[str] = field(default_factory=set)
    stratum: str | None = None
    psu: str | None = None
    weight: str | None = None
    unit: str | None = None
    lonely_psu: str = "error"
    min_n: int = 30
    max_cv: float = 0.2
    z: float = Z95

    @property
    def questions(self) -> list[str]:
        seen: dict[str, None] = {}
        for qs in self.elements.values():
            for q in qs:
                seen.setdefault(q, None)
        return list(seen)

    @property
    def names(self) -> list[str]:
        return [*self.elements, *self.parts, OVERALL]


def parse_design(design: Mapping, source: str = "design") -> Design:
    """Check a design mapping (e.g. read from YAML); every problem is reported at once."""
    problems: list[Problem] = []

    def bad(key: str, message: str) -> None:
        problems.append(Problem(source, "", key, message))

    if not isinstance(design, Mapping):
        raise InputError([Problem(source, "", "", "a design must be a mapping of keys")])
    for key in design:
        if key not in _DESIGN_KEYS:
            bad(str(key), f"unknown key (known: {', '.join(sorted(_DESIGN_KEYS))})")

    columns = design.get("columns") or {}
    if not isinstance(columns, Mapping):
        bad("columns", "must be a mapping like {stratum: stratum, psu: psu, weight: weight}")
        columns = {}
    for key in columns:
        if key not in _COLUMN_KEYS:
            bad(f"columns.{key}", f"unknown key (known: {', '.join(sorted(_COLUMN_KEYS))})")

    # answers → item scores
    scores: dict[str, float] = {}
    missing = {answer_key(v) for v in (design.get("missing_answers") or [])}
    if "satisfied" in design and "scores" in design:
        bad("scores", "give either `satisfied` or `scores`, not both")
    if "scores" in design:
        raw = design.get("scores")
        if not isinstance(raw, Mapping) or not raw:
            bad("scores", "must map each answer to its score, e.g. {A: 1, B: 0.6, C: 0.2, D: 0}")
        else:
            for answer, value in raw.items():
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    bad(f"scores.{answer}", f"{value!r} is not a number")
                    continue
                if not 0 <= number <= 1:
                    bad(
                        f"scores.{answer}",
                        f"{value} is outside 0–1 (give a fraction: 0.6 for 60 % of the points)",
                    )
                scores[answer_key(answer)] = number
        if "scale" in design:
            bad("scale", "with `scores` the answers are the keys of `scores`")
    else:
        satisfied = design.get("satisfied", [4, 5])
        scale = design.get("scale", [1, 2, 3, 4, 5])
        if not isinstance(satisfied, Sequence) or isinstance(satisfied, str) or not satisfied:
            bad("satisfied", "must be a list of answers, e.g. [4, 5]")
            satisfied = []
        if not isinstance(scale, Sequence) or isinstance(scale, str) or not scale:
            bad("scale", "must be a list of answers, e.g. [1, 2, 3, 4, 5]")
            scale = []
        scale_keys = [answer_key(v) for v in scale]
        sat_keys = {answer_key(v) for v in satisfied}
        for key in sorted(sat_keys - set(scale_keys)):
            bad("satisfied", f"{key!r} is not an answer of the scale {scale_keys}")
        scores = {k: (1.0 if k in sat_keys else 0.0) for k in scale_keys}
    for key in sorted(missing & set(scores)):
        bad("missing_answers", f"{key!r} is also a scored answer")

    elements_raw = design.get("elements")
    elements: dict[str, list[str]] = {}
    if not isinstance(elements_raw, Mapping) or not elements_raw:
        bad("elements", "must map each element to its questions, e.g. {access: [q1, q2]}")
    else:
        for name, qs in elements_raw.items():
            if isinstance(qs, str):
                qs = [qs]
            if not isinstance(qs, Sequence) or not qs:
                bad(f"elements.{name}", "must be a non-empty list of question columns")
                continue
            elements[str(name)] = [str(q) for q in qs]

    parts: dict[str, list[str]] = {}
    parts_raw = design.get("parts") or {}
    if not isinstance(parts_raw, Mapping):
        bad("parts", "must map each part to its elements, e.g. {service: [access, procedures]}")
        parts_raw = {}
    for name, members in parts_raw.items():
        if isinstance(members, str):
            members = [members]
        if not isinstance(members, Sequence) or not members:
            bad(f"parts.{name}", "must be a non-empty list of elements")
            continue
        unknown = [m for m in members if str(m) not in elements]
        if unknown:
            bad(f"parts.{name}", f"not elements of the design: {', '.join(map(str, unknown))}")
        if str(name) in elements:
            bad(f"parts.{name}", "a part cannot have the name of an element")
        parts[str(name)] = [str(m) for m in members]
    if OVERALL in elements or OVERALL in parts:
        bad(OVERALL, f"{OVERALL!r} is reserved for the overall index")

    lonely = str(design.get("lonely_psu", "error"))
    if lonely not in ("error", "adjust"):
        bad("lonely_psu", f"{lonely!r}: use error or adjust")
    min_n = design.get("min_n", 30)
    max_cv = design.get("max_cv", 0.2)
    try:
        min_n = int(min_n)
        if min_n < 0:
            raise ValueError
    except (TypeError, ValueError):
        bad("min_n", f"{min_n!r} is not a whole number ≥ 0")
        min_n = 30
    try:
        max_cv = float(max_cv)
        if not max_cv > 0:
            raise ValueError
    except (TypeError, ValueError):
        bad("max_cv", f"{max_cv!r} is not a positive number")
        max_cv = 0.2
    z = Z95
    if "confidence" in design:
        try:
            conf = float(design["confidence"])
            if not 0 < conf < 1:
                raise ValueError
            z = NormalDist().inv_cdf(0.5 + conf / 2)
        except (TypeError, ValueError):
            bad("confidence", f"{design['confidence']!r} is not a level between 0 and 1")
    if problems:
        raise InputError(problems)

    def col(key: str) -> str | None:
        value = columns.get(key)
        return str(value) if value not in (None, "") else None

    return Design(
        elements=elements,
        parts=parts,
        scores=scores,
        missing_answers=missing,
        stratum=col("stratum"),
        psu=col("psu"),
        weight=col("weight"),
        unit=col("unit"),
        lonely_psu=lonely,
        min_n=min_n,
        max_cv=max_cv,
        z=z,
    )


# ----------------------------------------------------------------------------- scoring


def _score_column(
    values: pd.Series, design: Design
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """Item scores (NaN = missing) of one question column, and its unknown answers."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lut = np.full(len(uniques) + 1, np.nan)  # last slot: the NA sentinel (code −1)
    bad_codes = []
    for k, value in enumerate(uniques):
        key = answer_key(value)
        if key == "" or key in design.missing_answers:
            continue
        if key in design.scores:
            lut[k] = design.scores[key]
        else:
            bad_codes.append(k)
    out = lut[codes]
    bad: list[tuple[int, str]] = []
    if bad_codes:
        rows = np.flatnonzero(np.isin(codes, bad_codes))
        bad = [(int(i), str(values.iloc[i])) for i in rows]
    return out, np.isnan(out), bad


def respondent_scores(
    responses: pd.DataFrame, design: Design | Mapping, source: str = "responses"
) -> pd.DataFrame:
    """One row per respondent, one column per element, part and `overall` (0–1, NaN = none)."""
    if not isinstance(design, Design):
        design = parse_design(design)
    problems: list[Problem] = []
    missing_cols = [q for q in design.questions if q not in responses.columns]
    for q in missing_cols:
        problems.append(Problem(source, "header", q, "question column of the design is missing"))
    if problems:
        raise InputError(problems)

    item: dict[str, np.ndarray] = {}
    allowed = ", ".join(sorted(design.scores)) + (
        f"; missing: {', '.join(sorted(design.missing_answers))}" if design.missing_answers else ""
    )
    for q in design.questions:
        scores, _, bad = _score_column(responses[q], design)
        item[q] = scores
        for i, value in bad[:_MAX_ANSWER_PROBLEMS]:
            problems.append(
                Problem(source, f"row {i + 2}", q, f"answer {value!r} is not one of: {allowed}")
            )
        if len(bad) > _MAX_ANSWER_PROBLEMS:
            problems.append(
                Problem(
                    source, "", q, f"... and {len(bad) - _MAX_ANSWER_PROBLEMS} more bad answers"
                )
            )
    if problems:
        raise InputError(problems)

    n = len(responses)
    out: dict[str, np.ndarray] = {}
    for name, qs in design.elements.items():
        total = np.zeros(n)
        count = np.zeros(n)
        for q in qs:
            s = item[q]
            have = ~np.isnan(s)
            total += np.where(have, s, 0.0)
            count += have
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(count > 0, total / count, np.nan)

    def mean_of(members: list[str]) -> np.ndarray:
        total = np.zeros(n)
        count = np.zeros(n)
        for m in members:
            s = out[m]
            have = ~np.isnan(s)
            total += np.where(have, s, 0.0)
            count += have
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    result = dict(out)
    for name, members in design.parts.items():
        result[name] = mean_of(members)
    result[OVERALL] = mean_of(list(design.elements))
    return pd.DataFrame(result, index=responses.index)


# ----------------------------------------------------------------------------- design codes


@dataclass
class _Layout:
    """Integer codes of the design: strata, PSUs, domains; weights."""

    weight: np.ndarray
    stratum_of_psu: np.ndarray  # (P,)
    n_psu_h: np.ndarray  # (H,) PSUs per stratum in the design
    psu: np.ndarray  # (n,) PSU code
    unit: np.ndarray  # (n,) unit code, 0..U-1
    unit_codes: list[str]
    lonely: np.ndarray  # (H,) bool
    strata_names: list[str]


def _layout(responses: pd.DataFrame, design: Design, source: str) -> _Layout:
    problems: list[Problem] = []
    n = len(responses)
    for key in ("stratum", "psu", "weight", "unit"):
        col = getattr(design, key)
        if col is not None and col not in responses.columns:
            problems.append(
                Problem(source, "header", col, f"{key} column of the design is missing")
            )
    if problems:
        raise InputError(problems)

    if design.weight is not None:
        raw = responses[design.weight]
        if raw.dtype == object or pd.api.types.is_string_dtype(raw):
            text = raw.astype(str).str.strip()
            weight = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        else:
            text = raw.astype(str)
            weight = pd.to_numeric(raw, errors="coerce")
        weight = weight.to_numpy(dtype=float)
        bad = ~np.isfinite(weight) | (weight <= 0)
        for i in np.flatnonzero(bad)[:_MAX_ANSWER_PROBLEMS]:
            problems.append(
                Problem(
                    source,
                    f"row {i + 2}",
                    design.weight,
                    f"weight {text.iloc[i]!r} is not a positive number",
                )
            )
    else:
        weight = np.ones(n)

    def codes_of(col: str | None, what: str) -> tuple[np.ndarray, list[str]]:
        if col is None:
            return np.zeros(n, dtype=np.int64), [""]
        keys = responses[col].map(id_key)
        empty = (keys == "").to_numpy()
        for i in np.flatnonzero(empty)[:_MAX_ANSWER_PROBLEMS]:
            problems.append(Problem(source, f"row {i + 2}", col, f"{what} is empty"))
        codes, uniques = pd.factorize(keys, sort=True)
        return codes.astype(np.int64), [str(u) for u in uniques]

    strata, strata_names = codes_of(design.stratum, "stratum")
    if design.psu is not None:
        psu_raw, _ = codes_of(design.psu, "PSU")
    else:  # every respondent is its own PSU
        psu_raw = np.arange(n, dtype=np.int64)
    unit, unit_codes = codes_of(design.unit, "unit")
    if problems:
        raise InputError(problems)
    if design.unit is None:
        unit_codes = []

    # PSU ids nested in strata: (stratum, psu) pairs
    pair = strata * (int(psu_raw.max()) + 1 if n else 1) + psu_raw
    psu = np.unique(pair, return_inverse=True)[1].astype(np.int64)
    n_p = int(psu.max()) + 1 if n else 0
    stratum_of_psu = np.zeros(n_p, dtype=np.int64)
    stratum_of_psu[psu] = strata
    n_psu_h = np.bincount(stratum_of_psu, minlength=len(strata_names))
    lonely = n_psu_h == 1
    if lonely.any() and design.lonely_psu == "error":
        names = [strata_names[h] for h in np.flatnonzero(lonely)]
        where = design.stratum or "stratum"
        raise InputError(
            [
                Problem(
                    source,
                    f"stratum {name!r}" if design.stratum else "design",
                    where,
                    "has a single PSU, so its variance cannot be estimated: merge it with a "
                    "similar stratum, or set `lonely_psu: adjust`",
                )
                for name in names
            ]
        )
    return _Layout(
        weight=weight,
        stratum_of_psu=stratum_of_psu,
        n_psu_h=n_psu_h,
        psu=psu,
        unit=unit,
        unit_codes=unit_codes,
        lonely=lonely,
        strata_names=strata_names,
    )


# ----------------------------------------------------------------------------- estimation


def _domain_estimates(
    y: np.ndarray, domain: np.ndarray, n_domains: int, lay: _Layout
) -> dict[str, np.ndarray]:
    """Ratio estimates and linearised variances of y for every domain at once."""
    w = lay.weight
    valid = ~np.isnan(y)
    y0 = np.where(valid, y, 0.0)
    wv = np.where(valid, w, 0.0)
    W = np.bincount(domain, wv, n_domains)
    WY = np.bincount(domain, wv * y0, n_domains)
    WY2 = np.bincount(domain, wv * y0 * y0, n_domains)
    n = np.bincount(domain, valid, n_domains).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.where(W > 0, WY / W, np.nan)
        Wd = W[domain]
        z = np.where(valid & (Wd > 0), wv * (y0 - np.nan_to_num(R)[domain]) / Wd, 0.0)

    n_psu = len(lay.stratum_of_psu)
    n_strata = len(lay.n_psu_h)
    # PSU totals per (domain, PSU) pair present in the data
    pair = domain.astype(np.int64) * n_psu + lay.psu
    pairs, inverse = np.unique(pair, return_inverse=True)
    t = np.bincount(inverse, z, len(pairs))
    pair_domain = pairs // n_psu
    pair_stratum = lay.stratum_of_psu[pairs % n_psu]
    cell = pair_domain * n_strata + pair_stratum
    s1 = np.bincount(cell, t * t, n_domains * n_strata).reshape(n_domains, n_strata)
    s2 = np.bincount(cell, t, n_domains * n_strata).reshape(n_domains, n_strata)
    nh = lay.n_psu_h.astype(float)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        regular = np.where(nh > 1, nh / (nh - 1) * (s1 - s2 * s2 / nh), 0.0)
    var_h = np.where(lay.lonely[None, :], 0.0, regular)
    if lay.lonely.any():
        # centre the lonely PSU on the grand mean of all PSU totals of the domain
        grand = s2.sum(axis=1, keepdims=True) / max(n_psu, 1)
        adjust = s1 - 2 * grand * s2 + grand * grand  # one PSU: (t − grand)², or grand² if absent
        var_h = np.where(lay.lonely[None, :], adjust, var_h)
    var = np.maximum(var_h.sum(axis=1), 0.0)
    var = np.where(W > 0, var, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ss = np.maximum(WY2 - R * WY, 0.0)  # Σ w (y − R)²
        var_srs = np.where(n > 1, ss / (W * (n - 1)), np.nan)
        deff = np.where(var_srs > 0, var / var_srs, np.nan)
    return {"estimate": R, "var": var, "n": n, "deff": deff}


def estimate(
    responses: pd.DataFrame, design: Mapping | Design, *, source: str = "responses"
) -> pd.DataFrame:
    """Estimates with standard errors and 95 % intervals for every unit and ALL.

    Columns: `unit_code, element, estimate_pct, se_pct, ci_low_pct, ci_high_pct, n, deff,
    small_sample, high_cv`; one row per unit (sorted) and per element, part and `overall`,
    then the ALL rows. Raises InputError naming every bad cell.
    """
    if not isinstance(design, Design):
        design = parse_design(design)
    problems: list[Problem] = []
    try:
        lay = _layout(responses, design, source)
    except InputError as error:
        problems += error.problems
    try:
        scores = respondent_scores(responses, design, source)
    except InputError as error:
        problems += error.problems
    if problems:
        raise InputError(problems)
    n_units = len(lay.unit_codes)
    # domains: units 0..U-1 and ALL = U (each respondent appears once in each family)
    blocks = []
    names = design.names
    for name in names:
        y = scores[name].to_numpy(dtype=float)
        parts = []
        if n_units:
            parts.append(_domain_estimates(y, lay.unit, n_units, lay))
        parts.append(_domain_estimates(y, np.zeros(len(y), dtype=np.int64), 1, lay))
        merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        blocks.append(merged)
    codes = [*lay.unit_codes, ALL]
    n_dom = len(codes)
    est = np.stack([b["estimate"] for b in blocks], axis=1)  # (domains, names)
    var = np.stack([b["var"] for b in blocks], axis=1)
    cnt = np.stack([b["n"] for b in blocks], axis=1)
    deff = np.stack([b["deff"] for b in blocks], axis=1)
    se = np.sqrt(var)
    out = pd.DataFrame(
        {
            "unit_code": np.repeat(np.asarray(codes, dtype=object), len(names)),
            "element": np.tile(np.asarray(names, dtype=object), n_dom),
            "estimate_pct": (est * 100).ravel(),
            "se_pct": (se * 100).ravel(),
            "ci_low_pct": ((est - design.z * se) * 100).ravel(),
            "ci_high_pct": ((est + design.z * se) * 100).ravel(),
            "n": cnt.ravel(),
            "deff": deff.ravel(),
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = out["se_pct"] / out["estimate_pct"]
    out["small_sample"] = out["n"] < design.min_n
    out["high_cv"] = (cv > design.max_cv).fillna(False).astype(bool)  # 0/0 is not flagged
    return out[OUTPUT_COLUMNS]


# ----------------------------------------------------------------------------- change


def compare(current: pd.DataFrame, previous: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Year-over-year change per unit and element with a two-sided z test.

    The two years are treated as independent samples (fresh samples each year, as SIPAS
    draws): z = (p₁ − p₀) / √(se₁² + se₀²). Adds `previous_pct, change, z, p_value,
    significant` (p < alpha); rows without a previous estimate keep empty values.
    """
    prev = previous[["unit_code", "element", "estimate_pct", "se_pct"]].rename(
        columns={"estimate_pct": "previous_pct", "se_pct": "_prev_se"}
    )
    prev = prev.assign(
        unit_code=prev["unit_code"].astype(str), element=prev["element"].astype(str)
    ).drop_duplicates(["unit_code", "element"])
    cur = current.copy()
    cur["_order"] = np.arange(len(cur))
    key_cur = cur.assign(unit_code=cur["unit_code"].astype(str), element=cur["element"].astype(str))
    merged = key_cur.merge(prev, on=["unit_code", "element"], how="left").sort_values("_order")
    p1 = pd.to_numeric(merged["estimate_pct"], errors="coerce").to_numpy(dtype=float)
    p0 = pd.to_numeric(merged["previous_pct"], errors="coerce").to_numpy(dtype=float)
    s1 = pd.to_numeric(merged["se_pct"], errors="coerce").to_numpy(dtype=float)
    s0 = pd.to_numeric(merged["_prev_se"], errors="coerce").to_numpy(dtype=float)
    change = p1 - p0
    denom = np.sqrt(s1 * s1 + s0 * s0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(denom > 0, change / denom, np.nan)
    norm = NormalDist()
    p_value = np.array(
        [2.0 * (1.0 - norm.cdf(abs(v))) if np.isfinite(v) else np.nan for v in z], dtype=float
    )
    out = merged.drop(columns=["_order", "_prev_se"]).reset_index(drop=True)
    out["previous_pct"] = p0
    out["change"] = change
    out["z"] = z
    out["p_value"] = p_value
    out["significant"] = np.nan_to_num(p_value, nan=1.0) < alpha
    return out


# ----------------------------------------------------------------------------- expectations


def expectations(
    responses: pd.DataFrame,
    items: Mapping[str, str] | Sequence[str],
    *,
    top: Sequence,
    scale: Sequence,
    columns: Mapping | None = None,
    lonely_psu: str = "adjust",
) -> pd.DataFrame:
    """What respondents most want improved (SIPAS question 10): weighted share giving one of
    the `top` answers to each item, with its standard error, ranked within each unit
    (1 = most wanted; competition ranking). `items` maps question → label (or a list)."""
    labels = dict(items) if isinstance(items, Mapping) else {q: q for q in items}
    design = {
        "columns": dict(columns or {}),
        "satisfied": list(top),
        "scale": list(scale),
        "elements": {q: [q] for q in labels},
        "lonely_psu": lonely_psu,
    }
    table = estimate(responses, design)
    table = table[table["element"] != OVERALL].rename(
        columns={"element": "item", "estimate_pct": "share_pct"}
    )
    table = table.drop(columns=["deff", "high_cv"]).reset_index(drop=True)
    table.insert(2, "label", table["item"].map(labels))
    table["rank"] = (
        table.groupby("unit_code")["share_pct"].rank(method="min", ascending=False).astype("Int64")
    )
    return table.sort_values(["unit_code", "rank", "item"], kind="stable").reset_index(drop=True)
