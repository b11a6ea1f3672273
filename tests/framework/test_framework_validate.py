"""Validation: every error path names the node and says what is wrong."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from parindex.errors import InputError
from parindex.framework import Block, Framework, Node, framework_from_dict, validate

# The shared folder sits beside the repository (as in CI).
PARTIAL = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "frameworks"
    / "district_phong_par_2019_fields_PARTIAL.yaml"
)


def problems_of(data: dict) -> list[str]:
    try:
        framework_from_dict(data, "t.yaml")
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


def leaf(d: dict, code: str) -> dict:
    """The node with `code` in the minimal framework (1.1 or 1.2)."""
    return next(c for c in d["nodes"][0]["children"] if c["code"] == code)


def one_problem(problems: list[str], *parts: str) -> str:
    """The single problem containing every part; fails listing all problems otherwise."""
    hits = [p for p in problems if all(part in p for part in parts)]
    assert len(hits) == 1, f"looking for {parts} in:\n" + "\n".join(problems)
    return hits[0]


def test_minimal_framework_is_valid(mini: dict) -> None:
    fw = framework_from_dict(mini, "t.yaml")
    assert validate(fw, "t.yaml") == []
    assert [n.code for n in fw.leaves()] == ["1.1", "1.2"]


def test_full_sample_is_valid(full_yaml: str) -> None:
    fw = framework_from_dict(yaml.safe_load(full_yaml), "full.yaml")
    assert validate(fw, "full.yaml") == []


def set_rule(code: str, rule: dict, **node_keys):
    def change(d: dict) -> None:
        leaf(d, code)["rule"] = rule
        leaf(d, code).update(node_keys)

    return change


def set_max(code: str, value):
    def change(d: dict) -> None:
        leaf(d, code)["max_points"] = value

    return change


# (change to the minimal framework, parts the one resulting problem must contain)
CASES = {
    "children do not add up": (
        set_max("1.2", 5.5),
        ("node 1:", "add up to 9.5", "max_points 10"),
    ),
    "negative max": (set_max("1.1", -4), ("node 1.1", "must not be negative, got -4")),
    "leaf without rule": (set_rule("1.1", None), ("node 1.1", "a leaf needs a rule")),
    "unknown rule type": (
        set_rule("1.1", {"type": "magic"}),
        ("node 1.1", "unknown rule type 'magic'"),
    ),
    "rule without type": (set_rule("1.1", {"step": 1}), ("node 1.1", "no type")),
    "unknown method": (
        set_rule("1.1", {"type": "manual"}, method="telepathy"),
        ("node 1.1", "unknown method 'telepathy'"),
    ),
    "survey method, other rule": (
        set_rule("1.1", {"type": "manual"}, method="survey"),
        ("node 1.1", "method survey needs a survey rule"),
    ),
    "survey rule, other method": (
        set_rule("1.1", {"type": "survey"}, method="appraisal"),
        ("node 1.1", "survey rule needs method survey", "appraisal"),
    ),
    "unknown rule parameter": (
        set_rule("1.1", {"type": "linear", "step": 1}),
        ("node 1.1", "rule.step", "unknown parameter 'step' for rule type linear"),
    ),
    "bands out of order": (
        set_rule(
            "1.1",
            {"type": "bands", "bands": [{"min": 0.5, "points": 1}, {"min": 0.9, "points": 2}]},
        ),
        ("node 1.1, band 2", "highest first", "0.9 comes after 0.5"),
    ),
    "band min outside 0..1": (
        set_rule("1.1", {"type": "bands", "bands": [{"min": 95, "points": 1}]}),
        ("node 1.1, band 1", "within 0..1, got 95"),
    ),
    "band points above max": (
        set_rule("1.1", {"type": "bands", "bands": [{"min": 1, "points": 5}]}),
        ("node 1.1, band 1", "points 5 are above the node's max_points 4"),
    ),
    "band share outside 0..1": (
        set_rule("1.1", {"type": "bands", "bands": [{"min": 1, "share": 1.5}]}),
        ("node 1.1, band 1", "share", "got 1.5"),
    ),
    "band with points and share": (
        set_rule("1.1", {"type": "bands", "bands": [{"min": 1, "share": 1, "points": 1}]}),
        ("node 1.1, band 1", "exactly one of points or share"),
    ),
    "band unknown key": (
        set_rule("1.1", {"type": "bands", "bands": [{"min": 1, "points": 1, "max": 2}]}),
        ("node 1.1, band 1", "unknown key 'max' for a band"),
    ),
    "bands missing": (
        set_rule("1.1", {"type": "bands"}),
        ("node 1.1", "at least one entry in bands"),
    ),
    "options empty": (
        set_rule("1.1", {"type": "options", "options": []}),
        ("node 1.1", "at least one entry in options"),
    ),
    "options duplicate labels": (
        set_rule(
            "1.1",
            {
                "type": "options",
                "options": [{"label": "Có", "points": 4}, {"label": "Có", "points": 0}],
            },
        ),
        ("node 1.1, option 2", "duplicate label 'Có'"),
    ),
    "option points above max": (
        set_rule("1.1", {"type": "options", "options": [{"label": "Có", "points": 4.5}]}),
        ("node 1.1, option 1", "points 4.5 are above the node's max_points 4"),
    ),
    "option points negative": (
        set_rule("1.1", {"type": "options", "options": [{"label": "Có", "points": -1}]}),
        ("node 1.1, option 1", "must not be negative"),
    ),
    "option share outside 0..1": (
        set_rule("1.1", {"type": "options", "options": [{"label": "Có", "share": -0.5}]}),
        ("node 1.1, option 1", "share", "got -0.5"),
    ),
    "option unknown key": (
        set_rule("1.1", {"type": "options", "options": [{"label": "Có", "points": 1, "pts": 1}]}),
        ("node 1.1, option 1", "unknown key 'pts' for a option"),
    ),
    "option without label": (
        set_rule("1.1", {"type": "options", "options": [{"points": 1}]}),
        ("node 1.1, option 1", "label must be non-empty text"),
    ),
    "linear target zero": (
        set_rule("1.1", {"type": "linear", "target": 0}),
        ("node 1.1", "target must be greater than 0"),
    ),
    "linear target negative": (
        set_rule("1.1", {"type": "linear", "target": -1}),
        ("node 1.1", "target must be greater than 0, got -1"),
    ),
    "deduction without per": (
        set_rule("1.1", {"type": "deduction"}),
        ("node 1.1", "per is required"),
    ),
    "deduction per zero": (
        set_rule("1.1", {"type": "deduction", "per": 0}),
        ("node 1.1", "per must be greater than 0"),
    ),
    "deduction start above max": (
        set_rule("1.1", {"type": "deduction", "per": 1, "start": 5}),
        ("node 1.1", "start must be within 0..max_points (4), got 5"),
    ),
    "deduction start negative": (
        set_rule("1.1", {"type": "deduction", "per": 1, "start": -1}),
        ("node 1.1", "start must be within 0..max_points"),
    ),
    "manual step zero": (
        set_rule("1.1", {"type": "manual", "step": 0}),
        ("node 1.1", "step must be greater than 0"),
    ),
    "manual step text": (
        set_rule("1.1", {"type": "manual", "step": "0,25"}),
        ("node 1.1", "step must be a number, got '0,25'"),
    ),
    "formula syntax": (
        set_rule("1.1", {"type": "formula", "inputs": ["a"], "expr": "a +* 2"}),
        ("node 1.1", "rule.expr", "unexpected '*' at character 4"),
    ),
    "formula undeclared names": (
        set_rule("1.1", {"type": "formula", "inputs": ["a"], "expr": "a + b * c"}),
        ("node 1.1", "names not declared in inputs: b, c"),
    ),
    "formula input declared twice": (
        set_rule("1.1", {"type": "formula", "inputs": ["a", "a"], "expr": "a"}),
        ("node 1.1", "input 'a' is declared twice"),
    ),
    "formula bad input name": (
        set_rule("1.1", {"type": "formula", "inputs": ["tỷ_lệ"], "expr": "1"}),
        ("node 1.1", "'tỷ_lệ' is not a valid input name"),
    ),
    "formula without expr": (
        set_rule("1.1", {"type": "formula", "inputs": ["a"]}),
        ("node 1.1", "needs an expr"),
    ),
    "interior node with a rule": (
        lambda d: d["nodes"][0].update(rule={"type": "manual"}),
        ("node 1:", "cannot have a rule"),
    ),
    "top-level does not add up": (
        lambda d: d.update(max_points=12),
        ("framework", "add up to 10", "max_points 12"),
    ),
    "unknown unit kind": (
        lambda d: d.update(unit_kind="village"),
        ("framework", "unknown unit_kind 'village'"),
    ),
    "no nodes": (lambda d: d.update(nodes=[]), ("framework", "no nodes")),
    "classification out of order": (
        lambda d: d.update(classification=[{"label": "B", "min": 80}, {"label": "A", "min": 90}]),
        ("classification band 2", "highest first", "90 comes after 80"),
    ),
    "classification duplicate labels": (
        lambda d: d.update(classification=[{"label": "A", "min": 90}, {"label": "A", "min": 80}]),
        ("classification band 2", "duplicate label 'A'"),
    ),
    "classification same min, both inclusive": (
        lambda d: d.update(classification=[{"label": "A", "min": 80}, {"label": "B", "min": 80}]),
        ("classification band 2", "same min 80"),
    ),
    "classification unknown key": (
        lambda d: d.update(classification=[{"label": "A", "min": 80, "max": 100}]),
        ("classification band 1", "unknown key 'max'"),
    ),
    "bonus cap negative": (
        lambda d: d.update(bonus={"cap": -1, "nodes": []}),
        ("bonus", "cap must not be negative, got -1"),
    ),
    "penalty cap negative": (
        lambda d: d.update(penalty={"cap": -2}),
        ("penalty", "cap must not be negative, got -2"),
    ),
    "block unknown key": (
        lambda d: d.update(bonus={"cap": 1, "limit": 2}),
        ("bonus", "unknown key 'limit' for the bonus block"),
    ),
    "duplicate code across blocks": (
        lambda d: d.update(
            bonus={
                "cap": 1,
                "nodes": [
                    {"code": "1.2", "name": "T", "max_points": 1, "rule": {"type": "manual"}}
                ],
            }
        ),
        ("bonus node 1.2", "duplicate code '1.2'", "first used by node 1.2"),
    ),
    "unknown framework key": (
        lambda d: d.update(colour="red"),
        ("framework", "unknown key 'colour'"),
    ),
    "unknown node key": (
        lambda d: leaf(d, "1.1").update(weight=2),
        ("node 1.1", "unknown key 'weight' for a node"),
    ),
    "max_points not a number": (
        set_max("1.1", "bốn"),
        ("node 1.1", "max_points must be a number, got 'bốn'"),
    ),
    "max_points missing": (
        lambda d: leaf(d, "1.1").pop("max_points"),
        ("node 1.1", "missing required key 'max_points'"),
    ),
    "decimal code": (lambda d: leaf(d, "1.2").update(code=1.2), ("node 1.2", "quote it")),
    "framework id missing": (lambda d: d.pop("id"), ("framework", "missing required key 'id'")),
    "code with spaces": (
        lambda d: leaf(d, "1.2").update(code="1.2 "),
        ("node 1.2 ", "leading or trailing spaces"),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_problem_is_reported_once(mini: dict, case: str) -> None:
    change, parts = CASES[case]
    data = copy.deepcopy(mini)
    change(data)
    problems = problems_of(data)
    found = one_problem(problems, *parts)
    assert found.startswith("t.yaml: ")


def test_bands_without_a_zero_band_are_fine(mini: dict) -> None:
    set_rule(
        "1.1", {"type": "bands", "bands": [{"min": 1, "points": 4}, {"min": 0.8, "share": 0.5}]}
    )(mini)
    assert problems_of(mini) == []


def test_formula_may_use_max_points_without_declaring_it(mini: dict) -> None:
    set_rule("1.1", {"type": "formula", "inputs": ["a"], "expr": "min(a, 1) * max_points"})(mini)
    assert problems_of(mini) == []


def test_exclusive_band_may_share_min_with_the_next(mini: dict) -> None:
    mini["classification"] = [
        {"label": "Tốt", "min": 80, "inclusive": False},
        {"label": "Khá", "min": 80},
        {"label": "Yếu", "min": 0},
    ]
    assert problems_of(mini) == []


def test_integer_code_is_accepted_as_text(mini: dict) -> None:
    mini["nodes"][0]["code"] = 1
    fw = framework_from_dict(mini, "t.yaml")
    assert fw.nodes[0].code == "1"


def test_all_problems_are_collected(mini: dict) -> None:
    mini["unit_kind"] = "village"
    set_max("1.1", -1)(mini)
    set_rule("1.2", {"type": "linear", "target": 0})(mini)
    mini["penalty"] = {"cap": -3}
    problems = problems_of(mini)
    assert len(problems) >= 5
    one_problem(problems, "unknown unit_kind")
    one_problem(problems, "node 1.1", "negative")
    one_problem(problems, "node 1:", "add up to 5")
    one_problem(problems, "node 1.2", "target")
    one_problem(problems, "penalty", "cap")


def test_validate_on_objects_names_locations() -> None:
    fw = Framework(
        id="x",
        name="X",
        version="1",
        unit_kind="province",
        max_points=3,
        nodes=[Node("A", "a", 2, rule={"type": "manual"}), Node("B", "b", 1)],
        bonus=Block(cap=1, nodes=[Node("A", "dup", 1, rule={"type": "manual"})]),
    )
    problems = validate(fw, "x.xlsx", {"B": "sheet Tiêu chí, row 3"})
    texts = [str(p) for p in problems]
    assert texts == [
        "x.xlsx: node B (sheet Tiêu chí, row 3): rule: a leaf needs a rule (how its points are awarded)",
        "x.xlsx: bonus node A: code: duplicate code 'A' (first used by node A)",
    ]


def test_real_partial_district_fields_add_to_99_55_not_100() -> None:
    """A real framework (field level only) whose view states 100 points while its field
    maxima add up to 99.55: validation must say so rather than accept it."""
    raw = yaml.safe_load(PARTIAL.read_text(encoding="utf-8"))
    data = {
        "id": raw["id"],
        "name": "Chỉ số CCHC phòng chuyên môn 2019 (chỉ cấp lĩnh vực)",
        "version": str(raw["year"]),
        "unit_kind": "department",
        "max_points": raw["total_max_points"],
        "nodes": [
            {
                "code": field["code"],
                "name": field["name"],
                "max_points": field["max_points"],
                "rule": {"type": "manual"},
            }
            for field in raw["fields"]
        ],
    }
    assert len(data["nodes"]) == 9
    with pytest.raises(InputError) as info:
        framework_from_dict(data, PARTIAL.name)
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        f"{PARTIAL.name}: framework: max_points: the top-level fields' max_points add up to "
        "99.55, not the framework's max_points 100"
    ]
