"""Turn the long inputs table into validated value matrices.

The inputs are one row per (unit, leaf, track[, formula input]). Checking them is done
with column-wise masks rather than row by row, because a national campaign is millions
of rows; every problem is still reported with its row number (header = row 1) so an
official can find it in the spreadsheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem
from parindex.framework.model import Framework, Node

TRACKS = ("appraised", "self")
TRUE_WORDS = {"", "1", "true", "yes", "y", "x", "có", "co", "đúng", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong", "sai", "f", "na", "n/a", "kap"}
MAX_PROBLEMS_PER_KIND = 50


@dataclass
class LeafTable:
    """The leaves a framework scores, in a fixed column order, with their rule data."""

    nodes: list[Node]
    block: list[str]  # "main" | "bonus" | "penalty" per leaf
    index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.index = {n.code: i for i, n in enumerate(self.nodes)}

    @classmethod
    def of(cls, fw: Framework) -> LeafTable:
        nodes: list[Node] = []
        block: list[str] = []
        for name, leaves in (
            ("main", fw.leaves()),
            ("bonus", fw.block_leaves("bonus")),
            ("penalty", fw.block_leaves("penalty")),
        ):
            nodes += leaves
            block += [name] * len(leaves)
        return cls(nodes, block)

    @property
    def max_points(self) -> np.ndarray:
        return np.array([float(n.max_points) for n in self.nodes])

    @property
    def rule_types(self) -> np.ndarray:
        return np.array([n.rule_type or "" for n in self.nodes], dtype=object)


@dataclass
class Prepared:
    """Validated inputs as dense arrays over (unit, leaf).

    values[track]: float matrix, NaN where no value was given (options are already
    converted to points). formula[track][leaf][input]: vectors for formula leaves.
    not_applicable: the unit does not have that task (both tracks).
    """

    unit_codes: list[str]
    leaves: LeafTable
    values: dict[str, np.ndarray]
    formula: dict[str, dict[int, dict[str, np.ndarray]]]
    not_applicable: np.ndarray
    rows: int


class _Problems:
    """Collects problems, a bounded number per kind so a million bad rows stay readable."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []
        self._counts: dict[str, int] = {}

    def add_rows(self, kind: str, lines, field_name: str, messages) -> None:
        lines = list(lines)
        if isinstance(messages, str):
            messages = [messages] * len(lines)
        for line, message in zip(lines, messages, strict=True):
            n = self._counts.get(kind, 0)
            self._counts[kind] = n + 1
            if n < MAX_PROBLEMS_PER_KIND:
                self.items.append(Problem(self.source, f"row {line}", field_name, message))
        extra = self._counts.get(kind, 0) - MAX_PROBLEMS_PER_KIND
        if extra > 0 and lines:
            self._counts[kind] = MAX_PROBLEMS_PER_KIND  # report the overflow once per call
            self.items.append(
                Problem(self.source, "", field_name, f"... and {extra} more rows with this problem")
            )

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def _text(frame: pd.DataFrame, column: str, default: str = "") -> pd.Series:
    if column not in frame.columns:
        return pd.Series(default, index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), "").astype(str).str.strip()


def parse_numbers(text: pd.Series) -> pd.Series:
    """Numbers as officials type them: "0,25" (Vietnamese decimal comma) or "0.25"."""
    as_str = text.str.replace(" ", "", regex=False)
    comma_decimal = as_str.str.contains(",", regex=False) & ~as_str.str.contains(".", regex=False)
    as_str = as_str.where(~comma_decimal, as_str.str.replace(",", ".", regex=False))
    return pd.to_numeric(as_str, errors="coerce")


def _normalise_label(text: pd.Series) -> pd.Series:
    return text.str.replace(r"\s+", " ", regex=True).str.casefold()


def prepare_inputs(
    inputs: pd.DataFrame,
    fw: Framework,
    unit_codes: list[str],
    *,
    known_units: bool,
    source: str = "inputs",
) -> Prepared:
    """Validate the long inputs table against the framework and build value matrices.

    Raises InputError listing every problem; nothing is scored from a table with errors.
    """
    problems = _Problems(source)
    missing = [c for c in ("unit_code", "criterion_code", "value") if c not in inputs.columns]
    if missing:
        raise InputError(
            [Problem(source, "header", c, "required column is missing") for c in missing]
        )

    frame = inputs.reset_index(drop=True)
    lines = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    unit = _text(frame, "unit_code")
    crit = _text(frame, "criterion_code")
    value = _text(frame, "value")
    var = _text(frame, "input")
    track = _text(frame, "track", "appraised").str.lower().replace("", "appraised")
    appl_text = _text(frame, "applicable").str.lower()

    leaves = LeafTable.of(fw)
    interior = {n.code for n, _ in fw.walk() if not n.is_leaf}
    for block in (fw.bonus, fw.penalty):
        if block is not None:
            for top in block.nodes:
                interior |= {n.code for n, _ in top.walk() if not n.is_leaf}

    # --- identity columns --------------------------------------------------------
    bad_track = ~track.isin(TRACKS)
    problems.add_rows(
        "track",
        lines[bad_track],
        "track",
        [f"{t!r} is not a track (use 'self' or 'appraised')" for t in track[bad_track]],
    )
    bad_appl = ~appl_text.isin(TRUE_WORDS | FALSE_WORDS)
    problems.add_rows(
        "applicable",
        lines[bad_appl],
        "applicable",
        [f"{t!r} is not true/false" for t in appl_text[bad_appl]],
    )
    not_applicable_row = appl_text.isin(FALSE_WORDS)

    empty_unit = unit == ""
    problems.add_rows("unit_empty", lines[empty_unit], "unit_code", "is empty")
    unit_pos = unit.map({code: i for i, code in enumerate(unit_codes)}).fillna(-1).astype(int)
    if known_units:
        unknown_unit = (unit_pos < 0) & ~empty_unit
        problems.add_rows(
            "unit_unknown",
            lines[unknown_unit],
            "unit_code",
            [f"unknown unit {u!r} (not in the units table)" for u in unit[unknown_unit]],
        )

    leaf_pos = crit.map(leaves.index).fillna(-1).astype(int)
    is_interior = crit.isin(interior)
    problems.add_rows(
        "crit_interior",
        lines[is_interior],
        "criterion_code",
        [f"{c!r} has sub-criteria; enter values on its sub-criteria" for c in crit[is_interior]],
    )
    unknown_crit = (leaf_pos < 0) & ~is_interior
    problems.add_rows(
        "crit_unknown",
        lines[unknown_crit],
        "criterion_code",
        [f"unknown criterion {c!r} (not in framework {fw.id})" for c in crit[unknown_crit]],
    )

    ok = ~(bad_track | bad_appl | empty_unit | (leaf_pos < 0) | (unit_pos < 0))
    rule = pd.Series(leaves.rule_types[np.maximum(leaf_pos, 0)], index=frame.index).where(ok, "")
    max_pts = pd.Series(leaves.max_points[np.maximum(leaf_pos, 0)], index=frame.index)

    # --- track and input rules ---------------------------------------------------
    self_survey = ok & (rule == "survey") & (track == "self")
    problems.add_rows(
        "self_survey",
        lines[self_survey],
        "track",
        [f"{c}: units do not self-score survey criteria" for c in crit[self_survey]],
    )
    is_formula = rule == "formula"
    has_value = value != ""
    declared = {
        leaves.index[n.code]: set(n.rule.get("inputs", []))
        for n in leaves.nodes
        if n.rule_type == "formula"
    }
    needs_var = is_formula & has_value  # a "not applicable" row needs no input name
    if needs_var.any():
        good_var = pd.Series(
            [
                v in declared.get(p, ())
                for v, p in zip(var[needs_var], leaf_pos[needs_var], strict=True)
            ],
            index=var[needs_var].index,
        )
        bad_var = good_var[~good_var].index
        problems.add_rows(
            "formula_input",
            lines[bad_var],
            "input",
            [
                f"{c} needs an input name, one of {sorted(declared[p])}; got {v!r}"
                for c, p, v in zip(crit[bad_var], leaf_pos[bad_var], var[bad_var], strict=True)
            ],
        )
    stray_var = ok & ~is_formula & (var != "")
    problems.add_rows(
        "stray_input",
        lines[stray_var],
        "input",
        [f"{c} is not a formula criterion; leave 'input' empty" for c in crit[stray_var]],
    )

    key = pd.DataFrame({"u": unit, "c": crit, "t": track, "v": var})
    dup = key.duplicated(keep=False) & ok
    if dup.any():
        groups = list(key[dup].groupby(["u", "c", "t", "v"], sort=False).groups.items())
        for (u_code, c_code, t_name, _), index in groups[:MAX_PROBLEMS_PER_KIND]:
            rows = ", ".join(str(x + 2) for x in index)
            problems.add(
                Problem(
                    source,
                    f"rows {rows}",
                    "",
                    f"duplicate value for unit {u_code}, criterion {c_code}, track {t_name}",
                )
            )
        if len(groups) > MAX_PROBLEMS_PER_KIND:
            problems.add(
                Problem(
                    source, "", "", f"... and {len(groups) - MAX_PROBLEMS_PER_KIND} more duplicates"
                )
            )

    # --- values ------------------------------------------------------------------
    numeric = parse_numbers(value)
    points_of_row = pd.Series(np.nan, index=frame.index)

    is_options = ok & (rule == "options") & has_value
    if is_options.any():
        options = []
        for n in leaves.nodes:
            if n.rule_type == "options":
                for opt in n.rule.get("options", []):
                    pts = opt.get("points")
                    if pts is None:
                        pts = float(opt.get("share", 0)) * float(n.max_points)
                    options.append(
                        (n.code, " ".join(str(opt["label"]).split()).casefold(), float(pts))
                    )
        table = pd.DataFrame(options, columns=["c", "label", "points"])
        looked = pd.DataFrame(
            {"c": crit[is_options], "label": _normalise_label(value[is_options])}
        ).merge(table, on=["c", "label"], how="left")
        looked.index = crit[is_options].index
        points_of_row[is_options] = looked["points"]
        bad_label = looked.index[looked["points"].isna()]
        labels_of = table.groupby("c")["label"].apply(list).to_dict()
        problems.add_rows(
            "option_label",
            lines[bad_label],
            "value",
            [
                f"{value[i]!r} is not an option of {crit[i]} ({'; '.join(labels_of.get(crit[i], []))})"
                for i in bad_label
            ],
        )

    is_num = ok & (rule != "options") & has_value
    not_number = is_num & numeric.isna()
    problems.add_rows(
        "not_number",
        lines[not_number],
        "value",
        [f"{v!r} is not a number" for v in value[not_number]],
    )
    not_finite = (
        is_num & numeric.notna() & ~np.isfinite(numeric.to_numpy(dtype=float, na_value=np.nan))
    )
    problems.add_rows("not_finite", lines[not_finite], "value", "must be a finite number")
    num = is_num & numeric.notna() & ~not_finite

    def out_of_range(mask: pd.Series, kind: str, message) -> None:
        problems.add_rows(kind, lines[mask], "value", [message(i) for i in mask[mask].index])

    manual = num & (rule == "manual")
    out_of_range(
        manual & ((numeric < 0) | (numeric > max_pts + 1e-9)),
        "range_manual",
        lambda i: f"{value[i]} is outside 0–{max_pts[i]:g} (the maximum of {crit[i]})",
    )
    steps = {
        leaves.index[n.code]: float(n.rule["step"])
        for n in leaves.nodes
        if n.rule_type == "manual" and n.rule.get("step")
    }
    if steps:
        step = leaf_pos.map(steps)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = numeric / step
        off_step = manual & step.notna() & ((ratio - ratio.round()).abs() > 1e-6)
        out_of_range(
            off_step, "step", lambda i: f"{value[i]} is not a multiple of {steps[leaf_pos[i]]:g}"
        )
    fraction = num & rule.isin(["bands", "survey"])
    out_of_range(
        fraction & ((numeric < 0) | (numeric > 1 + 1e-12)),
        "range_fraction",
        lambda i: f"{value[i]} is outside 0–1 (give a ratio, e.g. 0.95 for 95%)",
    )
    out_of_range(
        num & (rule == "linear") & (numeric < 0),
        "range_linear",
        lambda i: f"{value[i]} is negative",
    )
    deduction = num & (rule == "deduction")
    out_of_range(
        deduction & ((numeric < 0) | (numeric != numeric.round())),
        "range_count",
        lambda i: f"{value[i]} is not a count of cases (a whole number ≥ 0)",
    )
    problems.raise_if_any()

    # --- matrices ------------------------------------------------------------------
    n_units, n_leaves = len(unit_codes), len(leaves.nodes)
    row_value = numeric.where(rule != "options", points_of_row).to_numpy(
        dtype=float, na_value=np.nan
    )
    u = unit_pos.to_numpy()
    c = leaf_pos.to_numpy()
    not_applicable = np.zeros((n_units, n_leaves), dtype=bool)
    na_rows = ok & not_applicable_row
    not_applicable[u[na_rows], c[na_rows]] = True

    values: dict[str, np.ndarray] = {}
    formula: dict[str, dict[int, dict[str, np.ndarray]]] = {}
    for t in TRACKS:
        in_track = (ok & (track == t) & has_value).to_numpy()
        plain = in_track & ~is_formula.to_numpy()
        matrix = np.full((n_units, n_leaves), np.nan)
        matrix[u[plain], c[plain]] = row_value[plain]
        values[t] = matrix
        per_leaf: dict[int, dict[str, np.ndarray]] = {}
        for leaf, names in declared.items():
            per_leaf[leaf] = {}
            for name in names:
                sel = in_track & (c == leaf) & (var.to_numpy() == name)
                vec = np.full(n_units, np.nan)
                vec[u[sel]] = row_value[sel]
                per_leaf[leaf][name] = vec
        formula[t] = per_leaf
    return Prepared(unit_codes, leaves, values, formula, not_applicable, len(frame))
