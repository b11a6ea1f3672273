"""The in-memory shape of a scoring framework.

A framework is data, not code: a versioned tree of nodes for one unit kind. These
classes hold exactly what the YAML holds (so a load → save round trip is lossless);
checking that the content makes sense is the job of `validate.py`, and turning values
into points is the job of `parindex.scoring`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

RULE_TYPES = ("manual", "options", "bands", "linear", "deduction", "formula", "survey")
METHODS = ("appraisal", "survey", "data")
UNIT_KINDS = ("province", "ministry", "department", "district", "commune")


@dataclass
class Band:
    """A classification band on the index %: the unit gets `label` when index >= min
    (or > min when `inclusive` is false, as in decisions that say "trên 80 điểm")."""

    label: str
    min: float
    inclusive: bool = True
    name: str | None = None  # long name, e.g. "Tốt"


@dataclass
class Node:
    """A field, criterion or sub-criterion. A node without children is a leaf and
    carries the rule that turns a unit's value into points."""

    code: str
    name: str
    max_points: float
    method: str | None = None  # appraisal | survey | data (leaves)
    rule: dict[str, Any] | None = None  # {"type": ..., parameters...} (leaves)
    scoring_text: str | None = None  # the official "cách chấm điểm" wording
    note: str | None = None
    children: list[Node] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def rule_type(self) -> str | None:
        return None if self.rule is None else self.rule.get("type")

    def walk(self, depth: int = 0) -> Iterator[tuple[Node, int]]:
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


@dataclass
class Block:
    """Bonus (điểm thưởng) or penalty (điểm trừ) points outside the 100, with a cap on
    the block's total."""

    cap: float
    nodes: list[Node] = field(default_factory=list)
    name: str | None = None


@dataclass
class Framework:
    id: str
    name: str
    version: str
    unit_kind: str
    max_points: float
    nodes: list[Node] = field(default_factory=list)
    classification: list[Band] = field(default_factory=list)
    bonus: Block | None = None
    penalty: Block | None = None
    description: str | None = None
    # Provenance: an official decision's table, or content the product made up
    # (examples must say so; see DEVELOPERS.md "never present invented content as official").
    source: dict[str, Any] | None = None
    example: bool = False

    def walk(self) -> Iterator[tuple[Node, int]]:
        """Every node of the main tree, depth first, with its depth (fields are depth 0)."""
        for node in self.nodes:
            yield from node.walk(0)

    def leaves(self) -> list[Node]:
        return [n for n, _ in self.walk() if n.is_leaf]

    def node_index(self) -> dict[str, Node]:
        return {n.code: n for n, _ in self.walk()}

    def block_leaves(self, which: str) -> list[Node]:
        block = self.bonus if which == "bonus" else self.penalty
        if block is None:
            return []
        return [n for top in block.nodes for n, _ in top.walk() if n.is_leaf]
