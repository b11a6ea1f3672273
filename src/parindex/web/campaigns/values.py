"""The framework as the forms need it, and leaf values as people type and read them.

`framework_spec(yaml_text)` parses a campaign's framework snapshot once per process and
describes every leaf for the pages: which widget (points, option, percentage, count,
formula inputs, survey), its bounds and a sentence saying how it is scored.

Values are stored the way the core reads them (see docs/ARCHITECTURE.md, scoring inputs):
points for manual leaves, the option label, a ratio 0–1 for bands and linear leaves (the
pages show and take a percentage), a count for deductions, one number per declared input
for formulas. Numbers are stored as plain decimal text ("0.955", "1.5"): what the user
typed, normalised, so nothing is lost to binary floating point on the way.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parindex.analysis.fmt import fmt_number
from parindex.framework import load_yaml_text
from parindex.framework.model import Framework, Node

WIDGETS = {
    "manual": "points",
    "options": "option",
    "bands": "percent",
    "linear": "percent",
    "deduction": "count",
    "formula": "inputs",
    "survey": "survey",
}


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def fmt(value: Any, decimals: int = 2) -> str:
    """A number for reading in the active language (87,68 / 87.68); "" for none."""
    if value is None or value == "":
        return ""
    return fmt_number(float(value), decimals, _lang())


def fmt_short(value: Any) -> str:
    """A number with as many decimals as it needs (at most 4): 1; 0,5; 0,25."""
    if value is None or value == "":
        return ""
    text = decimal_text(Decimal(str(float(value))).quantize(Decimal("0.0001")))
    decimals = len(text.split(".")[1]) if "." in text else 0
    return fmt_number(float(value), decimals, _lang())


# --- numbers as typed ---------------------------------------------------------------------------


def parse_decimal(text: Any) -> Decimal | None:
    """ "1,5", "1.5", " 2 " → Decimal; "" → None; raise ValueError for anything else."""
    if text is None:
        return None
    raw = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if raw == "":
        return None
    if "," in raw and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(raw) from None
    if not number.is_finite():
        raise ValueError(raw)
    return number


def decimal_text(number: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 1.50 → "1.5", 1E+1 → "10"."""
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_text(value: Any) -> str:
    """Any number (int, float, numpy) or text as the stored text ("" for none/NaN)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return str(value).strip()
    if as_float != as_float:  # NaN
        return ""
    return decimal_text(Decimal(repr(as_float)))


# --- the framework for forms ----------------------------------------------------------------------


@dataclass(frozen=True)
class OptionSpec:
    label: str
    points: float


@dataclass
class LeafSpec:
    """One leaf as the forms need it."""

    index: int  # position among all leaves (main tree, then bonus, then penalty)
    node: Node
    block: str  # main | bonus | penalty
    field_code: str  # top-level field code; "bonus"/"penalty" for block leaves
    depth: int
    options: list[OptionSpec] = field(default_factory=list)
    input_names: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.node.code

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def max_points(self) -> float:
        return float(self.node.max_points)

    @property
    def rule(self) -> dict[str, Any]:
        return self.node.rule or {}

    @property
    def rule_type(self) -> str:
        return self.node.rule_type or ""

    @property
    def widget(self) -> str:
        return WIDGETS.get(self.rule_type, "points")

    @property
    def is_survey(self) -> bool:
        return self.rule_type == "survey"

    @property
    def required(self) -> bool:
        """Units must fill every applicable leaf of the main tree except survey leaves;
        bonus and penalty leaves are claimed only when they apply."""
        return self.block == "main" and not self.is_survey

    @property
    def dom_id(self) -> str:
        return f"leaf-{self.index}"

    @property
    def step(self) -> str:
        step = self.rule.get("step")
        return number_text(step) if step else "any"

    @property
    def max_text(self) -> str:
        """The maximum for an <input max=…> (plain decimal text)."""
        return number_text(self.max_points)

    def filled(self, value: str, inputs: Mapping[str, Any], not_applicable: bool) -> bool:
        if not_applicable:
            return True
        if self.rule_type == "formula":
            return all(str(inputs.get(n, "")).strip() for n in self.input_names)
        return bool(str(value or "").strip())

    def canonical_label(self, text: str) -> str | None:
        wanted = " ".join(str(text).split()).casefold()
        for option in self.options:
            if " ".join(option.label.split()).casefold() == wanted:
                return option.label
        return None

    def describe(self) -> str:
        """How the leaf is scored, in one translated sentence (the official wording is
        `scoring_text`, shown beside it)."""
        rule = self.rule
        kind = self.rule_type
        if kind == "manual":
            if rule.get("step"):
                return _("Enter the points, from 0 to %(max)s, in steps of %(step)s.") % {
                    "max": fmt_short(self.max_points),
                    "step": fmt_short(rule["step"]),
                }
            return _("Enter the points, from 0 to %(max)s.") % {"max": fmt_short(self.max_points)}
        if kind == "options":
            return _("Choose the option that applies.")
        if kind == "bands":
            parts = []
            for band in sorted(rule.get("bands", []), key=lambda b: -float(b["min"])):
                points = band.get("points")
                if points is None:
                    points = float(band.get("share", 0)) * self.max_points
                parts.append(
                    _("from %(min)s%%: %(points)s")
                    % {
                        "min": fmt_short(float(band["min"]) * 100),
                        "points": fmt_short(points),
                    }
                )
            return _("Enter the ratio as a percentage. Points: %(bands)s.") % {
                "bands": "; ".join(parts)
            }
        if kind == "linear":
            target = float(rule.get("target", 1) or 1)
            return _(
                "Enter the ratio as a percentage. Points = maximum × ratio ÷ %(target)s%%, "
                "at most the maximum."
            ) % {"target": fmt_short(target * 100)}
        if kind == "deduction":
            start = rule.get("start")
            start = self.max_points if start is None else float(start)
            return _(
                "Enter the number of cases. Each case deducts %(per)s points from %(start)s "
                "(never below 0)."
            ) % {"per": fmt_short(rule.get("per", 0)), "start": fmt_short(start)}
        if kind == "formula":
            return _("Enter each input. Points = %(expr)s (at most the maximum).") % {
                "expr": rule.get("expr", "")
            }
        if kind == "survey":
            return _(
                "Scored from the sociological survey: points = maximum × survey index. "
                "Units do not self-assess it."
            )
        return ""

    # --- reading a posted value ----------------------------------------------------------

    def parse(self, data: Mapping[str, Any], prefix: str = "") -> ParsedValue:
        """The value posted by the leaf's widget, normalised, with translated problems.

        Mirrors the core's checks (range, step, whole counts, known labels) so an official
        sees the problem in Vietnamese as soon as they leave the field; the core checks
        everything again before anything is scored.
        """
        errors: list[str] = []
        kind = self.rule_type
        value, inputs = "", {}
        if kind == "survey":
            return ParsedValue("", {}, [])
        if kind == "options":
            text = str(data.get(prefix + "value", "") or "").strip()
            if text:
                label = self.canonical_label(text)
                if label is None:
                    errors.append(_("“%(value)s” is not one of the options.") % {"value": text})
                else:
                    value = label
            return ParsedValue(value, {}, errors)
        if kind == "formula":
            for name in self.input_names:
                raw = data.get(f"{prefix}input__{name}", "")
                try:
                    number = parse_decimal(raw)
                except ValueError:
                    errors.append(
                        _("%(name)s: “%(value)s” is not a number.") % {"name": name, "value": raw}
                    )
                    continue
                if number is not None:
                    inputs[name] = decimal_text(number)
            return ParsedValue("", inputs, errors)
        percent = kind in ("bands", "linear")
        raw = data.get(prefix + ("value_pct" if percent else "value"), "")
        try:
            number = parse_decimal(raw)
        except ValueError:
            return ParsedValue("", {}, [_("“%(value)s” is not a number.") % {"value": raw}])
        if number is None:
            return ParsedValue("", {}, [])
        if kind == "manual":
            if number < 0 or number > Decimal(repr(self.max_points)):
                errors.append(
                    _("Enter points from 0 to %(max)s.") % {"max": fmt_short(self.max_points)}
                )
            step = self.rule.get("step")
            if step and (number / Decimal(repr(float(step)))) % 1 != 0:
                errors.append(
                    _("Points go in steps of %(step)s.") % {"step": fmt_short(float(step))}
                )
            value = decimal_text(number)
        elif percent:
            if number < 0:
                errors.append(_("A percentage cannot be negative."))
            elif kind == "bands" and number > 100:
                errors.append(_("Enter a percentage from 0 to 100."))
            value = decimal_text(number / 100)
        elif kind == "deduction":
            if number < 0 or number % 1 != 0:
                errors.append(_("Enter a whole number of cases (0 or more)."))
            value = decimal_text(number)
        else:
            value = decimal_text(number)
        return ParsedValue(value, {}, errors)

    # --- showing a stored value ------------------------------------------------------------

    def widget_value(self, value: str) -> str:
        """The stored value as the widget shows it (a percentage for ratios)."""
        if self.rule_type in ("bands", "linear", "survey") and value:
            try:
                number = parse_decimal(value)
            except ValueError:
                return value
            return decimal_text(number * 100) if number is not None else ""
        return value or ""

    def display(self, value: str, inputs: Mapping[str, Any] | None = None) -> str:
        """The stored value for reading ("95,5%", "3 trường hợp", the label)."""
        kind = self.rule_type
        if kind == "formula":
            inputs = inputs or {}
            if not any(str(v).strip() for v in inputs.values()):
                return ""
            return "; ".join(
                f"{name} = {_show_number(inputs.get(name, ''))}" for name in self.input_names
            )
        if not value:
            return ""
        if kind in ("bands", "linear", "survey"):
            try:
                number = parse_decimal(value)
            except ValueError:
                return value
            return f"{fmt_short(float(number) * 100)}%" if number is not None else ""
        if kind == "deduction":
            return _("%(count)s cases") % {"count": _show_number(value)}
        if kind == "manual":
            return _("%(points)s points") % {"points": _show_number(value)}
        return value


@dataclass
class ParsedValue:
    value: str
    inputs: dict[str, str]
    errors: list[str]


def _show_number(text: Any) -> str:
    try:
        number = parse_decimal(text)
    except ValueError:
        return str(text)
    return "" if number is None else fmt_short(float(number))


@dataclass
class FieldSpec:
    """A top-level field (or the bonus / penalty block) and what is under it, in order."""

    index: int
    code: str
    name: str
    max_points: float
    block: str
    rows: list[tuple[str, Any, int]]  # ("heading", Node, depth) | ("leaf", LeafSpec, depth)
    leaves: list[LeafSpec]

    @property
    def dom_id(self) -> str:
        return f"field-{self.index}"

    @property
    def required_leaves(self) -> list[LeafSpec]:
        return [leaf for leaf in self.leaves if leaf.required]


@dataclass
class FrameworkSpec:
    framework: Framework
    leaves: list[LeafSpec]
    fields: list[FieldSpec]
    by_code: dict[str, LeafSpec]

    @property
    def required_codes(self) -> list[str]:
        return [leaf.code for leaf in self.leaves if leaf.required]

    @property
    def survey_codes(self) -> list[str]:
        return [leaf.code for leaf in self.leaves if leaf.is_survey]

    def field(self, code: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.code == code), None)


def _options(node: Node) -> list[OptionSpec]:
    out = []
    for option in (node.rule or {}).get("options", []):
        points = option.get("points")
        if points is None:
            points = float(option.get("share", 0)) * float(node.max_points)
        out.append(OptionSpec(str(option["label"]), float(points)))
    return out


@functools.lru_cache(maxsize=32)
def framework_spec(yaml_text: str) -> FrameworkSpec:
    """Parse a campaign's framework snapshot (cached: shared, never mutate it)."""
    fw = load_yaml_text(yaml_text, "campaign framework")
    leaves: list[LeafSpec] = []
    fields: list[FieldSpec] = []

    def add_field(code: str, name: str, max_points: float, block: str, tops: list[Node]) -> None:
        spec = FieldSpec(len(fields), code, name, max_points, block, [], [])
        for top in tops:
            for node, depth in top.walk():
                if block == "main" and depth == 0:
                    continue  # the field itself is the section
                shown_depth = depth if block == "main" else depth + 1
                if node.is_leaf:
                    leaf = LeafSpec(
                        index=len(leaves),
                        node=node,
                        block=block,
                        field_code=code,
                        depth=shown_depth,
                        options=_options(node),
                        input_names=[str(n) for n in (node.rule or {}).get("inputs", [])],
                    )
                    leaves.append(leaf)
                    spec.leaves.append(leaf)
                    spec.rows.append(("leaf", leaf, shown_depth))
                else:
                    spec.rows.append(("heading", node, shown_depth))
        fields.append(spec)

    for top in fw.nodes:
        if top.is_leaf:  # a field without criteria is scored as one leaf
            add_field(top.code, top.name, float(top.max_points), "main", [])
            leaf = LeafSpec(
                len(leaves),
                top,
                "main",
                top.code,
                0,
                _options(top),
                [str(n) for n in (top.rule or {}).get("inputs", [])],
            )
            leaves.append(leaf)
            fields[-1].leaves.append(leaf)
            fields[-1].rows.append(("leaf", leaf, 0))
        else:
            add_field(top.code, top.name, float(top.max_points), "main", [top])
    for which in ("bonus", "penalty"):
        block = fw.bonus if which == "bonus" else fw.penalty
        if block is not None and block.nodes:
            name = block.name or which
            add_field(which, name, float(block.cap), which, list(block.nodes))
    return FrameworkSpec(fw, leaves, fields, {leaf.code: leaf for leaf in leaves})
