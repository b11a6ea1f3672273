"""YAML and plain-data load/save: clean output, lossless round trips, located problems."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from parindex.errors import InputError
from parindex.framework import (
    dump_yaml,
    framework_from_dict,
    framework_to_dict,
    load_framework,
    load_yaml_text,
    save_framework,
)


def messages(exc: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_yaml_round_trip_is_stable(full_yaml: str) -> None:
    fw = load_yaml_text(full_yaml, "full.yaml")
    text = dump_yaml(fw)
    again = load_yaml_text(text, "again.yaml")
    assert framework_to_dict(again) == framework_to_dict(fw)
    assert dump_yaml(again) == text
    # the dict form is the input data, minus nothing
    assert framework_to_dict(fw) == yaml.safe_load(full_yaml)


def test_model_content(full_yaml: str) -> None:
    fw = load_yaml_text(full_yaml, "full.yaml")
    assert fw.version == "2024.1"
    assert fw.example is True
    assert fw.classification[0].inclusive is False
    assert fw.classification[1].inclusive is True
    assert fw.node_index()["1.1"].scoring_text.endswith("Không ban hành: 0\n")
    assert fw.node_index()["1.6"].rule == {
        "type": "formula",
        "inputs": ["done", "total"],
        "expr": "if(total > 0, min(done / total, 1), 0) * max_points",
    }
    assert [n.code for n in fw.block_leaves("bonus")] == ["T1", "T2"]
    assert fw.penalty.cap == 5


def test_dump_is_clean_and_readable(full_yaml: str) -> None:
    text = dump_yaml(load_yaml_text(full_yaml, "full.yaml"))
    assert "Khung thử nghiệm đầy đủ" in text  # Vietnamese kept, not \u-escaped
    assert "\\u" not in text
    assert "null" not in text and "children: []" not in text and "inclusive: true" not in text
    top_keys = [line.split(":")[0] for line in text.splitlines() if line and line[0].isalpha()]
    assert top_keys == [
        "id", "name", "version", "unit_kind", "max_points", "example", "description",
        "source", "classification", "nodes", "bonus", "penalty",
    ]  # fmt: skip
    assert "code: '1.1'" in text  # codes that look like numbers are quoted
    assert "scoring_text: |" in text  # multi-line text as a block
    assert "rule: {type: manual, step: 0.25}" in text
    assert "max_points: 10\n" in text and "max_points: 1.5\n" in text


def test_to_dict_omits_defaults_and_keeps_ints(mini: dict) -> None:
    mini["max_points"] = 10.0
    mini["example"] = False
    mini["description"] = ""
    mini["nodes"][0]["max_points"] = 10.0
    mini["nodes"][0]["children"][0]["max_points"] = 4.0
    mini["nodes"][0]["children"][1]["max_points"] = 6
    mini["classification"] = [{"label": "A", "min": 0, "inclusive": True}]
    out = framework_to_dict(framework_from_dict(mini, "t"))
    assert "example" not in out and "description" not in out
    assert out["max_points"] == 10 and isinstance(out["max_points"], int)
    assert out["classification"] == [{"label": "A", "min": 0}]
    child = out["nodes"][0]["children"][0]
    assert child == {"code": "1.1", "name": "A", "max_points": 4, "rule": {"type": "manual"}}
    assert isinstance(child["max_points"], int)


def test_floats_stay_floats(mini: dict) -> None:
    mini["nodes"][0]["children"][0]["max_points"] = 3.75
    mini["nodes"][0]["children"][1]["max_points"] = 6.25
    out = framework_to_dict(framework_from_dict(mini, "t"))
    assert out["nodes"][0]["children"][0]["max_points"] == 3.75


def test_to_dict_is_a_copy(full_yaml: str) -> None:
    fw = load_yaml_text(full_yaml, "full.yaml")
    out = framework_to_dict(fw)
    out["nodes"][0]["children"][0]["rule"]["options"].clear()
    assert len(fw.node_index()["1.1"].rule["options"]) == 3


def test_yaml_syntax_error_has_line() -> None:
    text = "id: x\nname: [unclosed\nversion: '1'\n"
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "bad.yaml")
    (message,) = messages(info)
    assert message.startswith("bad.yaml: line 3: YAML syntax error")


def test_yaml_duplicate_key_is_a_problem(full_yaml: str) -> None:
    text = full_yaml.replace("max_points: 20\n", "max_points: 20\nmax_points: 30\n", 1)
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "dup.yaml")
    assert (
        "dup.yaml: line 6: max_points: key 'max_points' appears twice in the same mapping"
        in messages(info)
    )


def test_validation_problems_name_yaml_lines(full_yaml: str) -> None:
    text = full_yaml.replace("rule: {type: linear, target: 0.9}", "rule: {type: linear, target: 0}")
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "full.yaml")
    assert messages(info) == [
        "full.yaml: node 1.4 (line 51): rule.target: target must be greater than 0, got 0"
    ]


def test_duplicate_codes_point_at_both_lines(full_yaml: str) -> None:
    text = full_yaml.replace('code: "T2"', 'code: "T1"')
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "full.yaml")
    assert messages(info) == [
        "full.yaml: bonus node T1 (line 90): code: duplicate code 'T1' "
        "(first used by bonus node T1 (line 86))"
    ]


def test_decimal_code_asks_for_quotes(full_yaml: str) -> None:
    text = full_yaml.replace('code: "1.2"', "code: 1.20")
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "full.yaml")
    (message,) = messages(info)
    assert "node 1.2 (line 35): code:" in message and "quote it" in message


def test_not_a_mapping() -> None:
    with pytest.raises(InputError) as info:
        load_yaml_text("- just\n- a list\n", "list.yaml")
    assert messages(info) == [
        "list.yaml: framework: a framework must be a mapping (key: value), got ['just', 'a list']"
    ]


def test_load_and_save_files(tmp_path: Path, full_yaml: str) -> None:
    source = tmp_path / "khung.yaml"
    source.write_text(full_yaml, encoding="utf-8")
    fw = load_framework(source)
    for name in ("copy.yml", "copy.xlsx"):
        save_framework(fw, tmp_path / name)
        assert framework_to_dict(load_framework(tmp_path / name)) == framework_to_dict(fw)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.xlsx", "copy.yml", "khung.yaml"]


def test_load_file_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown file type"):
        load_framework(tmp_path / "khung.json")
    with pytest.raises(InputError, match="khung.yaml: cannot read file"):
        load_framework(tmp_path / "khung.yaml")
    (tmp_path / "bad.yaml").write_bytes(b"id: \xff\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_framework(tmp_path / "bad.yaml")


def test_source_values_must_be_scalars(mini: dict) -> None:
    mini["source"] = {"decision": "2948/QĐ-BNV", "pages": [1, 2]}
    with pytest.raises(InputError) as info:
        framework_from_dict(mini, "t.yaml")
    (message,) = messages(info)
    assert message.startswith("t.yaml: framework: source.pages: source values must be text")
