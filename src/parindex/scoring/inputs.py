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
    """Collects problems so that all of them are reported at once."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []

    def add_rows(self, lines, field_name: str, messages) -> None:
        if isinstance(messages, str):
            messages = [messages] * len(lines)
        for line, message in zip(lines, messages, strict=True):
            self.items.append(Problem(self.source, f"row {line}", field_name, message))

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


@dataclass
class Column:
    """A text column as row codes into its cleaned unique values.

    Cleaning (strip, lower-case...) is done on the unique values only: a national table
    has millions of rows but only thousands of distinct unit codes and a hundred criteria.
    """

    codes: np.ndarray  # per row, index into `texts`
    texts: np.ndarray  # cleaned unique texts (object array)

    @classmethod
    def of(cls, frame: pd.DataFrame, name: str, clean=str.strip) -> Column:
        if name not in frame.columns:
            return cls(np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object))
        codes, uniques = pd.factorize(frame[name].to_numpy(dtype=object), use_na_sentinel=True)
        texts = [clean(_as_text(u)) for u in uniques]
        codes = np.where(codes < 0, len(texts), codes)  # missing cells read as ""
        return cls(codes, np.array([*texts, ""], dtype=object))

    def rows(self) -> np.ndarray:
        """The cleaned text of every row (only use on small selections)."""
        return self.texts[self.codes]

    def lookup(self, mapping: dict, default) -> np.ndarray:
        """Map each row's text through `mapping`, evaluated once per unique text."""
        per_text = np.array([mapping.get(t, default) for t in self.texts])
        return per_text[self.codes]

    def test(self, predicate) -> np.ndarray:
        """Boolean per row of `predicate(text)`, evaluated once per unique text."""
        return np.array([bool(predicate(t)) for t in self.texts], dtype=bool)[self.codes]


def _as_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lower_strip(text: str) -> str:
    return text.strip().lower()


def parse_numbers(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as officials type them ("0,25" with a decimal comma, or "0.25").

    Returns (numbers, has_value): NaN where the text is empty or not a number. Called on
    the distinct texts of a column, so the Python fallback for commas stays cheap.
    """
    parsed = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce")
    numbers = np.array(parsed, dtype=float)  # a writable copy
    has_value = np.array([t != "" for t in texts], dtype=bool)
    for i in np.flatnonzero(np.isnan(numbers) & has_value):
        text = texts[i].replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            numbers[i] = float(text)
        except ValueError:
            numbers[i] = np.nan
    return numbers, has_value


def _normalise_label(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _interior_codes(fw: Framework) -> set[str]:
    codes = {n.code for n, _ in fw.walk() if not n.is_leaf}
    for block in (fw.bonus, fw.penalty):
        if block is not None:
            for top in block.nodes:
                codes |= {n.code for n, _ in top.walk() if not n.is_leaf}
    return codes


def _option_points(leaves: LeafTable) -> dict[tuple[str, str], float]:
    table = {}
    for n in leaves.nodes:
        if n.rule_type == "options":
            for opt in n.rule.get("options", []):
                pts = opt.get("points")
                if pts is None:
                    pts = float(opt.get("share", 0)) * float(n.max_points)
                table[(n.code, _normalise_label(opt["label"]))] = float(pts)
    return table


def _unknown_unit_message(code: str, other_kinds: dict[str, str], fw: Framework) -> str:
    if code in other_kinds:
        return (
            f"unit {code!r} is a {other_kinds[code]} unit; framework {fw.id} scores "
            f"{fw.unit_kind} units"
        )
    return f"unknown unit {code!r} (not in the units table)"


def unit_column(inputs: pd.DataFrame) -> Column:
    """The unit codes of an inputs table; its non-empty `texts` are the units named."""
    return Column.of(inputs.reset_index(drop=True), "unit_code")


def prepare_inputs(
    inputs: pd.DataFrame,
    fw: Framework,
    unit_codes: list[str],
    *,
    known_units: bool,
    source: str = "inputs",
    units_named: Column | None = None,
    other_kinds: dict[str, str] | None = None,
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
    n_rows = len(frame)
    lines = np.arange(n_rows) + 2  # the header is row 1
    unit = units_named if units_named is not None else Column.of(frame, "unit_code")
    crit = Column.of(frame, "criterion_code")
    var = Column.of(frame, "input")
    track = Column.of(frame, "track", _lower_strip)
    appl = Column.of(frame, "applicable", _lower_strip)
    value = Column.of(frame, "value")

    def report(kind: str, mask: np.ndarray, field_name: str, message) -> None:
        """Report the rows of `mask` (a bounded number of them, so a million bad rows stay
        readable); `message` is a str, or a function of the row position."""
        where = np.flatnonzero(mask)
        shown = where[:MAX_PROBLEMS_PER_KIND]
        texts = message if isinstance(message, str) else [message(i) for i in shown]
        problems.add_rows(lines[shown], field_name, texts)
        if len(where) > MAX_PROBLEMS_PER_KIND:
            problems.add(
                Problem(
                    source,
                    "",
                    field_name,
                    f"... and {len(where) - MAX_PROBLEMS_PER_KIND} more rows with this problem",
                )
            )

    leaves = LeafTable.of(fw)
    interior = _interior_codes(fw)

    # --- identity columns --------------------------------------------------------
    track_id = track.lookup({"": 0, "appraised": 0, "self": 1}, -1)
    report(
        "track",
        track_id < 0,
        "track",
        lambda i: f"{track.texts[track.codes[i]]!r} is not a track (use 'self' or 'appraised')",
    )
    appl_id = appl.lookup({**dict.fromkeys(TRUE_WORDS, 1), **dict.fromkeys(FALSE_WORDS, 0)}, -1)
    report(
        "applicable",
        appl_id < 0,
        "applicable",
        lambda i: f"{appl.texts[appl.codes[i]]!r} is not true/false",
    )

    empty_unit = unit.test(lambda t: t == "")
    report("unit_empty", empty_unit, "unit_code", "is empty")
    unit_pos = unit.lookup({code: i for i, code in enumerate(unit_codes)}, -1)
    if known_units:
        report(
            "unit_unknown",
            (unit_pos < 0) & ~empty_unit,
            "unit_code",
            lambda i: _unknown_unit_message(unit.texts[unit.codes[i]], other_kinds or {}, fw),
        )

    leaf_pos = crit.lookup(leaves.index, -1)
    is_interior = crit.test(lambda t: t in interior)
    report(
        "crit_interior",
        is_interior,
        "criterion_code",
        lambda i: (
            f"{crit.texts[crit.codes[i]]!r} has sub-criteria; enter values on its sub-criteria"
        ),
    )
    report(
        "crit_unknown",
        (leaf_pos < 0) & ~is_interior,
        "criterion_code",
        lambda i: f"unknown criterion {crit.texts[crit.codes[i]]!r} (not in framework {fw.id})",
    )

    # Values are checked against their criterion even when the unit is wrong, so one pass
    # reports everything; only rows that are right in every respect reach the matrices.
    leaf_ok = (track_id >= 0) & (appl_id >= 0) & (leaf_pos >= 0)
    ok = leaf_ok & ~empty_unit & (unit_pos >= 0)
    safe_leaf = np.maximum(leaf_pos, 0)
    rule = np.where(leaf_ok, leaves.rule_types[safe_leaf], "")
    max_pts = leaves.max_points[safe_leaf]
    numbers_of_text, has_text = parse_numbers(value.texts)
    numbers, has_value = numbers_of_text[value.codes], has_text[value.codes]

    def value_text(i: int) -> str:
        return value.texts[value.codes[i]]

    def crit_text(i: int) -> str:
        return crit.texts[crit.codes[i]]

    # --- track and input rules ---------------------------------------------------
    report(
        "self_survey",
        (rule == "survey") & (track_id == 1),
        "track",
        lambda i: f"{crit_text(i)}: units do not self-score survey criteria",
    )
    is_formula = rule == "formula"
    declared = {
        leaves.index[n.code]: list(n.rule.get("inputs", []))
        for n in leaves.nodes
        if n.rule_type == "formula"
    }
    var_text = var.texts[var.codes]  # object array view; cheap for the masks below
    needs_var = is_formula & has_value  # a "not applicable" row needs no input name
    bad_var = np.zeros(n_rows, dtype=bool)
    for leaf, names in declared.items():
        sel = needs_var & (leaf_pos == leaf)
        bad_var |= sel & ~np.isin(var_text, names)
    report(
        "formula_input",
        bad_var,
        "input",
        lambda i: (
            f"{crit_text(i)} needs an input name, one of {sorted(declared[leaf_pos[i]])}; "
            f"got {var_text[i]!r}"
        ),
    )
    report(
        "stray_input",
        leaf_ok & ~is_formula & (var_text != ""),
        "input",
        lambda i: f"{crit_text(i)} is not a formula criterion; leave 'input' empty",
    )

    _report_duplicates(
        problems, source, ok, unit, crit, track_id, var, unit_pos, leaf_pos, len(unit_codes)
    )

    # --- values ------------------------------------------------------------------
    row_value = numbers.copy()
    is_options = (rule == "options") & has_value
    if is_options.any():
        table = _option_points(leaves)
        where = np.flatnonzero(is_options)
        # Look labels up once per distinct (criterion, text) pair, not once per row.
        width = len(value.texts)
        pairs, inverse = np.unique(
            crit.codes[where].astype(np.int64) * width + value.codes[where], return_inverse=True
        )
        pair_points = np.array(
            [
                table.get(
                    (crit.texts[p // width], _normalise_label(value.texts[p % width])), np.nan
                )
                for p in pairs
            ]
        )
        pts = pair_points[inverse]
        row_value[where] = pts
        labels_of: dict[str, list[str]] = {}
        for code, label in table:
            labels_of.setdefault(code, []).append(label)
        bad_label = np.zeros(n_rows, dtype=bool)
        bad_label[where[np.isnan(pts)]] = True
        report(
            "option_label",
            bad_label,
            "value",
            lambda i: (
                f"{value_text(i)!r} is not an option of {crit_text(i)} "
                f"({'; '.join(labels_of.get(crit_text(i), []))})"
            ),
        )

    is_num = leaf_ok & (rule != "options") & has_value
    report(
        "not_number",
        is_num & np.isnan(numbers),
        "value",
        lambda i: f"{value_text(i)!r} is not a number",
    )
    report("not_finite", is_num & np.isinf(numbers), "value", "must be a finite number")
    num = is_num & np.isfinite(numbers)

    with np.errstate(invalid="ignore"):
        manual = num & (rule == "manual")
        report(
            "range_manual",
            manual & ((numbers < 0) | (numbers > max_pts + 1e-9)),
            "value",
            lambda i: (
                f"{value_text(i)} is outside 0–{max_pts[i]:g} (the maximum of {crit_text(i)})"
            ),
        )
        steps = np.array(
            [
                float((n.rule or {}).get("step") or 0) if n.rule_type == "manual" else 0
                for n in leaves.nodes
            ]
        )[safe_leaf]
        has_step = manual & (steps > 0)
        ratio = np.divide(numbers, steps, out=np.zeros(n_rows), where=has_step)
        report(
            "step",
            has_step & (np.abs(ratio - np.round(ratio)) > 1e-6),
            "value",
            lambda i: f"{value_text(i)} is not a multiple of {steps[i]:g}",
        )
        fraction = num & np.isin(rule, ["bands", "survey"])
        report(
            "range_fraction",
            fraction & ((numbers < 0) | (numbers > 1 + 1e-12)),
            "value",
            lambda i: f"{value_text(i)} is outside 0–1 (give a ratio, e.g. 0.95 for 95%)",
        )
        report(
            "range_linear",
            num & (rule == "linear") & (numbers < 0),
            "value",
            lambda i: f"{value_text(i)} is negative",
        )
        deduction = num & (rule == "deduction")
        report(
            "range_count",
            deduction & ((numbers < 0) | (numbers != np.round(numbers))),
            "value",
            lambda i: f"{value_text(i)} is not a count of cases (a whole number ≥ 0)",
        )
    problems.raise_if_any()

    # --- matrices ------------------------------------------------------------------
    n_units, n_leaves = len(unit_codes), len(leaves.nodes)
    not_applicable = np.zeros((n_units, n_leaves), dtype=bool)
    na_rows = ok & (appl_id == 0)
    not_applicable[unit_pos[na_rows], leaf_pos[na_rows]] = True

    values: dict[str, np.ndarray] = {}
    formula: dict[str, dict[int, dict[str, np.ndarray]]] = {}
    for t_id, t in enumerate(TRACKS):
        in_track = ok & (track_id == t_id) & has_value
        plain = in_track & ~is_formula
        matrix = np.full((n_units, n_leaves), np.nan)
        matrix[unit_pos[plain], leaf_pos[plain]] = row_value[plain]
        values[t] = matrix
        per_leaf: dict[int, dict[str, np.ndarray]] = {}
        for leaf, names in declared.items():
            per_leaf[leaf] = {}
            for name in names:
                sel = in_track & (leaf_pos == leaf) & (var_text == name)
                vec = np.full(n_units, np.nan)
                vec[unit_pos[sel]] = row_value[sel]
                per_leaf[leaf][name] = vec
        formula[t] = per_leaf
    return Prepared(unit_codes, leaves, values, formula, not_applicable, n_rows)


def _report_duplicates(
    problems, source, ok, unit, crit, track_id, var, unit_pos, leaf_pos, n_units
):
    """Two rows giving the same unit, criterion, track and input: which one is meant?"""
    n_leaves = int(leaf_pos.max()) + 1 if len(leaf_pos) else 1
    key = ((unit_pos.astype(np.int64) * n_leaves + leaf_pos) * 2 + track_id) * (
        len(var.texts) + 1
    ) + var.codes
    key = np.where(ok, key, -1)
    span = int(key.max()) + 1 if len(key) else 0
    if span <= 50_000_000:  # dense keys: counting is much faster than hashing
        counts = np.bincount(key[ok], minlength=span)
        dup = ok & (counts[np.maximum(key, 0)] > 1)
    else:
        dup = ok & pd.Series(key).duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    groups = pd.Series(np.flatnonzero(dup)).groupby(key[dup], sort=False).agg(list)
    for index in groups.iloc[:MAX_PROBLEMS_PER_KIND]:
        i = index[0]
        rows = ", ".join(str(x + 2) for x in index)
        t_name = TRACKS[track_id[i]]
        problems.add(
            Problem(
                source,
                f"rows {rows}",
                "",
                f"duplicate value for unit {unit.texts[unit.codes[i]]}, criterion "
                f"{crit.texts[crit.codes[i]]}, track {t_name}",
            )
        )
    if len(groups) > MAX_PROBLEMS_PER_KIND:
        problems.add(
            Problem(
                source, "", "", f"... and {len(groups) - MAX_PROBLEMS_PER_KIND} more duplicates"
            )
        )
