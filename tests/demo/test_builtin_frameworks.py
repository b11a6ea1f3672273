"""The frameworks shipped as package data load, validate and say what they are."""

from __future__ import annotations

import math

import pytest

from parindex.errors import InputError
from parindex.framework.builtin import builtin_ids, builtin_text, list_builtin, load_builtin
from parindex.framework.model import RULE_TYPES
from parindex.framework.validate import validate

EXPECTED_IDS = {
    "par-province-2017",
    "par-province-published-2022",
    "example-department-2025",
    "example-commune-2025",
}
EXAMPLES = ("example-department-2025", "example-commune-2025")


def test_the_expected_frameworks_ship_and_no_partial_one():
    assert set(builtin_ids()) == EXPECTED_IDS
    assert not any("partial" in i for i in builtin_ids())


@pytest.mark.parametrize("framework_id", sorted(EXPECTED_IDS))
def test_every_builtin_loads_and_validates_without_problems(framework_id):
    fw = load_builtin(framework_id)
    assert fw.id == framework_id  # file name = id + ".yaml"
    assert validate(fw, framework_id) == []
    assert math.isclose(sum(n.max_points for n in fw.nodes), fw.max_points)
    assert fw.max_points == 100


def test_list_builtin_describes_every_framework():
    listed = {f["id"]: f for f in list_builtin()}
    assert set(listed) == EXPECTED_IDS
    for entry in listed.values():
        assert set(entry) == {"id", "name", "version", "unit_kind", "example"}
    assert listed["par-province-2017"]["unit_kind"] == "province"
    assert listed["example-department-2025"]["unit_kind"] == "department"
    assert listed["example-commune-2025"]["unit_kind"] == "commune"
    assert {i for i, f in listed.items() if f["example"]} == set(EXAMPLES)


def test_unknown_id_is_an_input_error():
    with pytest.raises(InputError, match="no built-in framework"):
        load_builtin("par-province-1999")
    with pytest.raises(InputError):
        builtin_text("../frameworks/par-province-2017")


def test_2017_framework_has_the_published_field_maxima():
    fw = load_builtin("par-province-2017")
    assert [n.code for n in fw.nodes] == [str(i) for i in range(1, 9)]
    assert [n.max_points for n in fw.nodes] == [10, 10, 14.5, 11, 16, 7, 16, 15.5]
    assert math.fsum(n.max_points for n in fw.nodes) == 100
    assert all(n.is_leaf and n.rule_type == "manual" for n in fw.nodes)
    assert fw.nodes[0].name == "Công tác chỉ đạo, điều hành CCHC"
    assert fw.nodes[4].name == "Xây dựng và nâng cao chất lượng đội ngũ công chức, viên chức"
    assert fw.source["decision"] == "2948/QĐ-BNV"
    assert fw.source["date"] == "2017-12-28"
    assert fw.source["level"] == "field"
    # both published facts are kept: 38 criteria stated, 39 in the rows
    assert "38" in fw.description and "39" in fw.description
    assert "5 tiêu chí, 16 tiêu chí thành phần" in fw.nodes[2].note
    assert not fw.example


@pytest.mark.parametrize("framework_id", ["par-province-2017", "par-province-published-2022"])
def test_national_groups_a_b_c_and_below_70(framework_id):
    bands = load_builtin(framework_id).classification
    assert [(b.label, b.min) for b in bands[:3]] == [("A", 90), ("B", 80), ("C", 70)]
    assert bands[3].min == 0 and "dưới 70%" in bands[3].label


def test_published_2022_framework_is_two_parts_for_import():
    fw = load_builtin("par-province-published-2022")
    assert [(n.code, n.max_points, n.rule_type) for n in fw.nodes] == [
        ("TD", 68, "manual"),
        ("DTXHH", 32, "manual"),
    ]
    assert "876" in fw.source["decision"] and "892" in fw.source["decision"]
    assert "not to score" in fw.description


@pytest.mark.parametrize("framework_id", EXAMPLES)
def test_examples_are_clearly_labelled(framework_id):
    fw = load_builtin(framework_id)
    assert fw.example is True
    assert fw.name.startswith("Ví dụ —")
    assert "KHÔNG phải quyết định chính thức" in fw.description
    assert "NOT an official decision" in fw.description
    assert fw.source["official"] is False


@pytest.mark.parametrize("framework_id", EXAMPLES)
def test_examples_use_every_rule_type(framework_id):
    fw = load_builtin(framework_id)
    used = {leaf.rule_type for leaf in fw.leaves()}
    assert used == set(RULE_TYPES)


@pytest.mark.parametrize("framework_id", EXAMPLES)
def test_examples_have_the_shape_of_a_provincial_framework(framework_id):
    fw = load_builtin(framework_id)
    leaves = fw.leaves()
    criteria = [c for field in fw.nodes for c in field.children]
    assert 7 <= len(fw.nodes) <= 8
    assert 25 <= len(criteria) <= 30
    assert 60 <= len(leaves) <= 80
    survey = math.fsum(n.max_points for n in leaves if n.rule_type == "survey")
    assert 25 <= survey <= 35
    assert all(n.method == "survey" for n in leaves if n.rule_type == "survey")
    assert fw.bonus.cap == 2 and fw.penalty.cap == 3
    assert sum(n.max_points for n in fw.block_leaves("bonus")) > fw.bonus.cap
    assert [b.label for b in fw.classification] == ["Tốt", "Khá", "Trung bình", "Yếu"]
    assert [b.min for b in fw.classification] == [85, 70, 50, 0]
    formulas = [n for n in leaves if n.rule_type == "formula"]
    assert any(n.rule["inputs"] == ["on_time", "required"] for n in formulas)
    assert all(n.scoring_text for n in leaves)


@pytest.mark.parametrize("framework_id", EXAMPLES)
def test_every_options_and_bands_leaf_can_reach_its_maximum(framework_id):
    fw = load_builtin(framework_id)
    for leaf in fw.leaves():
        entries = (leaf.rule or {}).get("options") or (leaf.rule or {}).get("bands")
        if not entries:
            continue
        best = max(e.get("points", e.get("share", 0) * leaf.max_points) for e in entries)
        assert math.isclose(best, leaf.max_points), leaf.code
        if leaf.rule_type == "bands":
            assert entries[-1]["min"] == 0, leaf.code
