"""Check that a framework makes sense before anything is scored with it.

`validate` collects every problem instead of stopping at the first, so an official fixing
a framework sees the whole list at once. Each problem names the file, the node (and, when
the framework came from a file, the YAML line or Excel row via `locations`) and what is
wrong, with both numbers when a sum does not add up.

A NaN number means "already reported by the loader" (a cell that was not a number): it is
skipped silently here rather than reported twice.

`locations` maps keys to a place in the source file: a node code ("1.2"; "1.2@2" for the
second node using that code, so duplicates point at both places), an option or
band of a node's rule ("1.2#options[0]", "1.2#bands[1]", 0-based) or a classification
band ("classification[0]").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from parindex.errors import Problem
from parindex.framework.expr import ExprError, compile_expr, is_valid_name
from parindex.framework.model import METHODS, RULE_TYPES, UNIT_KINDS, Band, Block, Framework, Node

TOLERANCE = 1e-6

# Parameters each rule type accepts, in the order they are written out.
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "manual": ("step",),
    "options": ("options",),
    "bands": ("bands",),
    "linear": ("target",),
    "deduction": ("per", "start"),
    "formula": ("inputs", "expr"),
    "survey": (),
}
OPTION_KEYS = ("label", "points", "share")
BAND_RULE_KEYS = ("min", "points", "share")


def fmt(x: Any) -> str:
    """A number as people write it: 99.55, not 99.55000000000001."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return repr(x)
    return f"{x:.10g}"


def is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def located(base: str, locations: Mapping[str, str] | None, *keys: str) -> str:
    """`base`, followed by the first place found in `locations` for `keys`."""
    for key in keys:
        where = (locations or {}).get(key)
        if where:
            return f"{base} ({where})"
    return base


def node_location(
    code: Any,
    locations: Mapping[str, str] | None,
    block: str | None = None,
    occurrence: int = 1,
) -> str:
    """How problems name a node: "node 1.2", "bonus node T1", plus its place in the file.
    The place of a repeated code's n-th use (n >= 2) is under "code@n"."""
    base = f"{block} node {code}" if block else f"node {code}"
    keys = (f"{code}@{occurrence}", str(code)) if occurrence > 1 else (str(code),)
    return located(base, locations, *keys)


def entry_location(
    code: Any, key: str, index: int, locations: Mapping[str, str] | None, block: str | None = None
) -> str:
    """How problems name an entry of a node's options or bands: "node 1.2, option 3"."""
    kind = "option" if key == "options" else "band"
    base = f"{block} node {code}" if block else f"node {code}"
    return located(f"{base}, {kind} {index + 1}", locations, f"{code}#{key}[{index}]", str(code))


def validate(fw: Framework, source: str, locations: dict[str, str] | None = None) -> list[Problem]:
    """Every problem found in `fw`; an empty list means the framework can be used."""
    checker = _Checker(source, locations or {})
    checker.check(fw)
    return checker.problems


class _Checker:
    def __init__(self, source: str, locations: dict[str, str]):
        self.source = source
        self.locations = locations
        self.problems: list[Problem] = []
        self.seen_codes: dict[str, str] = {}
        self.block_name: str | None = None  # the block of the node being checked
        self.occurrences: dict[str, int] = {}  # how many nodes used each code so far

    def add(self, location: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.source, location, field, message))

    # --- framework ------------------------------------------------------------------

    def check(self, fw: Framework) -> None:
        where = "framework"
        for key in ("id", "name", "version"):
            value = getattr(fw, key)
            if not isinstance(value, str) or not value.strip():
                self.add(where, key, f"{key} must be non-empty text")
        if fw.unit_kind not in UNIT_KINDS:
            self.add(
                where,
                "unit_kind",
                f"unknown unit_kind {fw.unit_kind!r} (known: {', '.join(UNIT_KINDS)})",
            )
        if not is_number(fw.max_points):
            self.add(where, "max_points", f"max_points must be a number, got {fw.max_points!r}")
        elif fw.max_points <= 0:
            self.add(where, "max_points", f"max_points must be positive, got {fmt(fw.max_points)}")
        if not fw.nodes:
            self.add(where, "nodes", "the framework has no nodes")
        for node in fw.nodes:
            self.node(node, None)
        self.sum_matches(
            fw.nodes,
            fw.max_points,
            where,
            "the top-level fields' max_points add up to {total}, "
            "not the framework's max_points {expected}",
        )
        self.classification(fw.classification)
        for which, block in (("bonus", fw.bonus), ("penalty", fw.penalty)):
            if block is not None:
                self.block(which, block)

    def sum_matches(self, nodes: list[Node], expected: Any, where: str, message: str) -> None:
        values = [n.max_points for n in nodes]
        if not nodes or not is_number(expected) or not all(is_number(v) for v in values):
            return
        total = math.fsum(values)
        if abs(total - expected) > TOLERANCE:
            self.add(where, "max_points", message.format(total=fmt(total), expected=fmt(expected)))

    def block(self, which: str, block: Block) -> None:
        if not is_number(block.cap):
            self.add(which, "cap", f"{which} cap must be a number, got {block.cap!r}")
        elif block.cap < 0:
            self.add(which, "cap", f"{which} cap must not be negative, got {fmt(block.cap)}")
        for node in block.nodes:
            self.node(node, which)

    def classification(self, bands: list[Band]) -> None:
        labels: dict[str, int] = {}
        previous: Band | None = None
        for i, band in enumerate(bands):
            where = located(f"classification band {i + 1}", self.locations, f"classification[{i}]")
            label_ok = self.label(band.label, where, "label")
            if label_ok:
                if band.label in labels:
                    self.add(
                        where,
                        "label",
                        f"duplicate label {band.label!r} (also band {labels[band.label] + 1})",
                    )
                else:
                    labels[band.label] = i
            if not isinstance(band.inclusive, bool):
                self.add(
                    where, "inclusive", f"inclusive must be true or false, got {band.inclusive!r}"
                )
            if band.name is not None and not isinstance(band.name, str):
                self.add(where, "name", f"name must be text, got {band.name!r}")
            if not is_number(band.min):
                self.add(where, "min", f"min must be a number, got {band.min!r}")
                previous = None
                continue
            if not 0 <= band.min <= 100:
                self.add(
                    where,
                    "min",
                    f"min is an index % and must be within 0..100, got {fmt(band.min)}",
                )
            if previous is not None:
                self.band_order(previous, band, where)
            previous = band

    def band_order(self, previous: Band, band: Band, where: str) -> None:
        if band.min > previous.min:
            self.add(
                where,
                "min",
                f"classification bands must be ordered by min, highest first: "
                f"{fmt(band.min)} comes after {fmt(previous.min)}",
            )
        elif band.min == previous.min and not (previous.inclusive is False and band.inclusive):
            self.add(
                where,
                "min",
                f"same min {fmt(band.min)} as the band before; only 'above min' "
                f"(inclusive: false) followed by 'from min' can share a min",
            )

    def label(self, label: Any, where: str, field: str) -> bool:
        if not isinstance(label, str) or not label.strip():
            self.add(where, field, f"{field} must be non-empty text, got {label!r}")
            return False
        if label != label.strip():
            self.add(where, field, f"{field} {label!r} has leading or trailing spaces")
        return True

    # --- nodes ----------------------------------------------------------------------

    def node(self, node: Node, block: str | None) -> None:
        self.block_name = block
        key = str(node.code)
        self.occurrences[key] = self.occurrences.get(key, 0) + 1
        where = node_location(node.code, self.locations, block, self.occurrences[key])
        self.code(node.code, where)
        if not isinstance(node.name, str) or not node.name.strip():
            self.add(where, "name", "name must be non-empty text")
        if not is_number(node.max_points):
            self.add(where, "max_points", f"max_points must be a number, got {node.max_points!r}")
        elif node.max_points < 0:
            self.add(
                where, "max_points", f"max_points must not be negative, got {fmt(node.max_points)}"
            )
        if node.method is not None and node.method not in METHODS:
            self.add(
                where, "method", f"unknown method {node.method!r} (known: {', '.join(METHODS)})"
            )
        for key in ("scoring_text", "note"):
            value = getattr(node, key)
            if value is not None and not isinstance(value, str):
                self.add(where, key, f"{key} must be text, got {value!r}")
        if node.is_leaf:
            self.leaf(node, where)
        else:
            if node.rule is not None:
                self.add(
                    where,
                    "rule",
                    "a node with children cannot have a rule: rules go on leaves, "
                    "the node's points are the sum of its children",
                )
            self.sum_matches(
                node.children,
                node.max_points,
                where,
                "the children's max_points add up to {total}, not the node's max_points {expected}",
            )
            for child in node.children:
                self.node(child, block)

    def code(self, code: Any, where: str) -> None:
        if not isinstance(code, str) or not code.strip():
            self.add(where, "code", f"code must be non-empty text, got {code!r}")
            return
        if code != code.strip():
            self.add(where, "code", f"code {code!r} has leading or trailing spaces")
        if code in self.seen_codes:
            self.add(
                where, "code", f"duplicate code {code!r} (first used by {self.seen_codes[code]})"
            )
        else:
            self.seen_codes[code] = where

    def leaf(self, node: Node, where: str) -> None:
        rule = node.rule
        if rule is None:
            self.add(where, "rule", "a leaf needs a rule (how its points are awarded)")
            return
        if not isinstance(rule, dict):
            self.add(where, "rule", f"rule must be a mapping with a type, got {rule!r}")
            return
        rule_type = rule.get("type")
        if rule_type is None:
            self.add(where, "rule.type", "the rule has no type")
            return
        if rule_type not in RULE_TYPES:
            self.add(
                where,
                "rule.type",
                f"unknown rule type {rule_type!r} (known: {', '.join(RULE_TYPES)})",
            )
            return
        if rule_type == "survey" and node.method != "survey":
            self.add(
                where,
                "method",
                f"a survey rule needs method survey (method is {node.method or 'not set'})",
            )
        elif node.method == "survey" and rule_type != "survey":
            self.add(where, "method", f"method survey needs a survey rule, not {rule_type}")
        known = RULE_PARAMS[rule_type]
        for key in rule:
            if key != "type" and key not in known:
                allowed = ", ".join(known) if known else "none"
                self.add(
                    where,
                    f"rule.{key}",
                    f"unknown parameter {key!r} for rule type {rule_type} (allowed: {allowed})",
                )
        getattr(self, f"rule_{rule_type}")(node, rule, where)

    # --- rule parameters ------------------------------------------------------------

    def positive(self, rule: dict, key: str, where: str, required: bool = False) -> None:
        value = rule.get(key)
        if value is None:
            if required:
                self.add(where, f"rule.{key}", f"rule parameter {key} is required")
        elif not is_number(value):
            self.add(where, f"rule.{key}", f"{key} must be a number, got {value!r}")
        elif value <= 0:
            self.add(where, f"rule.{key}", f"{key} must be greater than 0, got {fmt(value)}")

    def rule_manual(self, node: Node, rule: dict, where: str) -> None:
        self.positive(rule, "step", where)

    def rule_linear(self, node: Node, rule: dict, where: str) -> None:
        self.positive(rule, "target", where)

    def rule_survey(self, node: Node, rule: dict, where: str) -> None:
        pass  # no parameters: points = max_points × survey index

    def rule_deduction(self, node: Node, rule: dict, where: str) -> None:
        self.positive(rule, "per", where, required=True)
        start = rule.get("start")
        if start is None:
            return
        if not is_number(start):
            self.add(where, "rule.start", f"start must be a number, got {start!r}")
        elif start < 0 or (is_number(node.max_points) and start > node.max_points):
            self.add(
                where,
                "rule.start",
                f"start must be within 0..max_points ({fmt(node.max_points)}), got {fmt(start)}",
            )

    def entries(self, node: Node, rule: dict, key: str, where: str) -> list[tuple[int, dict, str]]:
        """The well-formed entries of an options/bands list, with their locations."""
        items = rule.get(key)
        if items is None or items == []:
            self.add(
                where, f"rule.{key}", f"rule type {rule['type']} needs at least one entry in {key}"
            )
            return []
        if not isinstance(items, list):
            self.add(where, f"rule.{key}", f"{key} must be a list, got {items!r}")
            return []
        kind = "option" if key == "options" else "band"
        allowed = OPTION_KEYS if key == "options" else BAND_RULE_KEYS
        out = []
        for i, item in enumerate(items):
            item_where = entry_location(node.code, key, i, self.locations, self.block_name)
            if not isinstance(item, dict):
                self.add(item_where, "", f"each {kind} must be a mapping, got {item!r}")
                continue
            for k in item:
                if k not in allowed:
                    self.add(
                        item_where,
                        k,
                        f"unknown key {k!r} for a {kind} (allowed: {', '.join(allowed)})",
                    )
            self.points_or_share(node, item, item_where)
            out.append((i, item, item_where))
        return out

    def points_or_share(self, node: Node, item: dict, where: str) -> None:
        has_points, has_share = item.get("points") is not None, item.get("share") is not None
        if has_points == has_share:
            self.add(
                where, "points", "give exactly one of points or share (a fraction of max_points)"
            )
        if has_points:
            points = item["points"]
            if not is_number(points):
                self.add(where, "points", f"points must be a number, got {points!r}")
            elif points < 0:
                self.add(where, "points", f"points must not be negative, got {fmt(points)}")
            elif is_number(node.max_points) and points > node.max_points + TOLERANCE:
                self.add(
                    where,
                    "points",
                    f"points {fmt(points)} are above the node's max_points {fmt(node.max_points)}",
                )
        if has_share:
            share = item["share"]
            if not is_number(share):
                self.add(where, "share", f"share must be a number, got {share!r}")
            elif not 0 <= share <= 1:
                self.add(
                    where,
                    "share",
                    f"share is a fraction of max_points and must be within 0..1, got {fmt(share)}",
                )

    def rule_options(self, node: Node, rule: dict, where: str) -> None:
        labels: dict[str, int] = {}
        for i, item, item_where in self.entries(node, rule, "options", where):
            label = item.get("label")
            if not self.label(label, item_where, "label"):
                continue
            if label in labels:
                self.add(
                    item_where,
                    "label",
                    f"duplicate label {label!r} (also option {labels[label] + 1})",
                )
            else:
                labels[label] = i

    def rule_bands(self, node: Node, rule: dict, where: str) -> None:
        previous = None
        for _, item, item_where in self.entries(node, rule, "bands", where):
            low = item.get("min")
            if low is None:
                self.add(item_where, "min", "each band needs a min (a ratio within 0..1)")
                continue
            if not is_number(low):
                self.add(item_where, "min", f"min must be a number, got {low!r}")
                continue
            if not 0 <= low <= 1:
                self.add(
                    item_where, "min", f"min is a ratio and must be within 0..1, got {fmt(low)}"
                )
            if previous is not None and not low < previous:
                self.add(
                    item_where,
                    "min",
                    f"bands must be ordered by min, highest first, without repeats: "
                    f"{fmt(low)} comes after {fmt(previous)}",
                )
            previous = low

    def rule_formula(self, node: Node, rule: dict, where: str) -> None:
        inputs = rule.get("inputs") or []
        names: list[str] = []
        if not isinstance(inputs, list):
            self.add(where, "rule.inputs", f"inputs must be a list of names, got {inputs!r}")
            inputs = []
        for name in inputs:
            if name == "max_points":
                self.add(
                    where,
                    "rule.inputs",
                    "max_points is always available; do not declare it as an input",
                )
            elif not is_valid_name(name):
                self.add(
                    where,
                    "rule.inputs",
                    f"{name!r} is not a valid input name (letters, digits and _, not starting "
                    "with a digit, not a keyword or function name)",
                )
            elif name in names:
                self.add(where, "rule.inputs", f"input {name!r} is declared twice")
            else:
                names.append(name)
        expr = rule.get("expr")
        if expr is None or (isinstance(expr, str) and not expr.strip()):
            self.add(where, "rule.expr", "a formula rule needs an expr")
            return
        if not isinstance(expr, str):
            self.add(where, "rule.expr", f"expr must be text, got {expr!r}")
            return
        try:
            compile_expr(expr, [*names, "max_points"])
        except ExprError as exc:
            message = exc.message
            if message.startswith("undeclared names:"):
                message = (
                    "names not declared in inputs:"
                    + message.removeprefix("undeclared names:")
                    + " (max_points is always available)"
                )
            where_in = "" if exc.position is None else f" at character {exc.position + 1}"
            self.add(where, "rule.expr", f"formula {expr!r}: {message}{where_in}")
