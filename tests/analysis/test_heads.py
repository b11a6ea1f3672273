"""Responsibility of heads: the rule set as data, every branch of the packaged example with
known answers computed by hand, invalid rule files refused with the file and the rule
named, and `parindex heads classify` working without the web app."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from typer.testing import CliRunner

from parindex.analysis.heads import (
    classify_heads,
    head_rules_from_text,
    load_default_head_rules,
    reason_text,
)
from parindex.cli import app
from parindex.errors import InputError

FIELDS = ("1", "2", "3", "4", "5", "6", "7")


def unit(code, index, fields, cls="Khá", overdue=None, completion=None, **extra):
    """A results row: `fields` gives the 7 field indices (or one value for all)."""
    values = fields if isinstance(fields, tuple) else (fields,) * 7
    row = {"unit_code": code, "unit_name": f"Đơn vị {code}", "index_pct": index, "class": cls}
    row.update({f"field_{c}_pct": v for c, v in zip(FIELDS, values, strict=True)})
    row["field_8_pct"] = 10.0  # impact: not one of the 7 fields, never the lowest counted
    row["overdue_dossiers"] = overdue
    row["remedial_completion"] = completion
    row.update(extra)
    return row


@pytest.fixture(scope="module")
def example():
    return load_default_head_rules()


def classify(rows, rules, lang="vi"):
    return classify_heads(pd.DataFrame(rows), rules, lang=lang).set_index("unit_code")


def test_the_default_rule_set_is_labelled_an_example(example):
    assert example.example is True and example.official is False
    assert "ví dụ, không phải quy định chính thức" in example.name
    assert "1171/QĐ-UBND" in example.modelled_on and "30/2018/QĐ-UBND" in example.modelled_on
    assert [c.name for c in example.classes] == [
        "Hoàn thành xuất sắc nhiệm vụ",
        "Hoàn thành tốt nhiệm vụ",
        "Hoàn thành nhiệm vụ",
        "Không hoàn thành nhiệm vụ",
    ]
    assert example.fields == {
        "direction": "1", "legal_documents": "2", "procedures": "3", "apparatus": "4",
        "civil_service": "5", "public_finance": "6", "e_government": "7",
    }  # fmt: skip
    assert [r.id for r in example.rules] == ["xuat-sac", "tot", "hoan-thanh", "khong-hoan-thanh"]


def test_every_branch_of_the_example(example):
    five_low = (90, 90, 90, 90, 78, 90, 90)  # civil service 78 < 80
    rows = [
        unit("A", 92.0, 81.0, "Tốt", overdue=0, completion=1.0),  # every condition of xuất sắc
        unit("B", 92.0, five_low, "Tốt", overdue=0, completion=1.0),  # lowest field 78 < 80
        unit("C", 85.0, 70.0, "Tốt", overdue=3, completion=0.9),  # tốt: 3 ≤ 5, 90% ≥ 80%
        unit("D", 78.2, 66.0, "Khá"),  # index < 80; no dossier data, no plan: ignored
        unit("E", 70.0, 66.0, "Yếu"),  # class Yếu → not even hoàn thành
        unit("F", 85.0, 70.0, "Tốt", overdue=6),  # 6 overdue > 5 → not tốt
        unit("G", 95.0, 90.0, "Tốt", completion=0.4),  # 40% < 50% → không hoàn thành
        unit("H", 60.0, 66.0, "Trung bình"),  # index < 65 → không hoàn thành
    ]
    table = classify(rows, example)
    assert table["classification"].to_dict() == {
        "A": "xuat_sac", "B": "tot", "C": "tot", "D": "hoan_thanh",
        "E": "khong_hoan_thanh", "F": "hoan_thanh", "G": "khong_hoan_thanh",
        "H": "khong_hoan_thanh",
    }  # fmt: skip
    assert table.loc["A", "classification_name"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert table.loc["A", "missed"] == ""
    assert table.loc["A", "met"] == (
        "Chỉ số CCHC 92,00% ≥ 90%; "
        "Lĩnh vực thấp nhất (Công tác chỉ đạo, điều hành CCHC) 81,00% ≥ 80%; "
        "0 hồ sơ quá hạn (≤ 0); Tỷ lệ hoàn thành nhiệm vụ khắc phục 100,00% ≥ 100%"
    )
    assert table.loc["B", "missed"] == "Lĩnh vực thấp nhất (Cải cách chế độ công vụ) 78,00% < 80%"
    assert table.loc["C", "missed"] == (
        "Chỉ số CCHC 85,00% < 90%; "
        "Lĩnh vực thấp nhất (Công tác chỉ đạo, điều hành CCHC) 70,00% < 80%; "
        "3 hồ sơ quá hạn (> 0); Tỷ lệ hoàn thành nhiệm vụ khắc phục 90,00% < 100%"
    )
    assert table.loc["D", "missed"] == "Chỉ số CCHC 78,20% < 80%"
    assert table.loc["D", "met"] == (
        "Chỉ số CCHC 78,20% ≥ 65%; Xếp loại CCHC “Khá” không thuộc Yếu; "
        "Không có kế hoạch khắc phục (điều kiện được bỏ qua)"
    )
    assert table.loc["D", "reasons"] == table.loc["D", "missed"] + "; " + table.loc["D", "met"]
    assert table.loc["E", "missed"] == "Xếp loại CCHC “Yếu” thuộc Yếu"
    assert table.loc["E", "rule_id"] == "khong-hoan-thanh" and table.loc["E", "met"] == ""
    assert table.loc["F", "missed"] == "6 hồ sơ quá hạn (> 5)"
    assert table.loc["G", "missed"] == "Tỷ lệ hoàn thành nhiệm vụ khắc phục 40,00% < 50%"
    assert table.loc["H", "missed"] == "Chỉ số CCHC 60,00% < 65%"


def test_english_reasons_and_ties_on_unrounded_values(example):
    # 89.99999999999999 is 90 up to floating-point noise: a tie, so ≥ 90 holds
    rows = [unit("T", 89.99999999999999, 80.0, "Tốt", overdue=0, completion=1.0)]
    table = classify(rows, example, lang="en")
    assert table.loc["T", "classification"] == "xuat_sac"
    assert table.loc["T", "met"].startswith("PAR index 90.00% ≥ 90%; Lowest field")
    just_below = classify([unit("U", 89.99, 80.0, "Tốt", 0, 1.0)], example, lang="en")
    assert just_below.loc["U", "missed"] == "PAR index 89.99% < 90%"


CUSTOM = """
id: test-rules
name: Quy tắc thử
version: "2"
classes:
  - {key: a, name: Loại A}
  - {key: b, name: Loại B}
  - {key: c, name: Loại C}
fields:
  procedures: "3"
  e_government: "7"
rules:
  - id: rule-a
    class: a
    all:
      - {metric: field.procedures, op: ">", value: 80}
      - {metric: overdue_dossiers, op: "==", value: 0, when_missing: not_met}
  - id: rule-c
    class: c
    any:
      - {metric: field.e_government, op: "<", value: 50}
      - {metric: remedial_completion, op: "<", value: 30, when_missing: met}
  - id: rule-b
    class: b
    otherwise: true
"""


def test_field_metrics_any_rules_and_when_missing():
    rules = head_rules_from_text(CUSTOM, "custom.yaml")
    rows = [
        {"unit_code": "P", "field_3_pct": 85, "field_7_pct": 90, "overdue_dossiers": 0,
         "remedial_completion": 0.5},  # rule-a
        {"unit_code": "Q", "field_3_pct": 85, "field_7_pct": 90, "remedial_completion": 0.5},
        {"unit_code": "R", "field_3_pct": 80, "field_7_pct": 40, "overdue_dossiers": 0,
         "remedial_completion": 0.9},  # 80 is not > 80; e-government 40 < 50 → c
        {"unit_code": "S", "field_3_pct": 70, "field_7_pct": 90},  # no plan counted as met → c
        {"unit_code": "T", "field_3_pct": 70, "field_7_pct": 90, "remedial_completion": 0.5},
    ]  # fmt: skip
    table = classify(rows, rules)
    assert table["classification"].to_dict() == {"P": "a", "Q": "b", "R": "c", "S": "c", "T": "b"}
    assert table.loc["P", "met"] == (
        "Lĩnh vực Cải cách thủ tục hành chính 85,00% > 80%; 0 hồ sơ quá hạn (= 0)"
    )
    # Q: no dossier data, and the rule says a missing value does not count as met
    assert table.loc["Q", "missed"] == "Không có dữ liệu hồ sơ quá hạn (coi như không đạt)"
    # R: only the condition that held is given for an any-rule; rule-a is better than c
    assert table.loc["R", "met"] == "Lĩnh vực Chính quyền điện tử, chính quyền số 40,00% < 50%"
    assert table.loc["R", "missed"] == "Lĩnh vực Cải cách thủ tục hành chính 80,00% ≤ 80%"
    assert table.loc["S", "met"] == "Không có kế hoạch khắc phục (coi như đạt)"
    assert table.loc["T", "rule_id"] == "rule-b"
    # b comes after c in the list but is the better class: the reasons say why not a
    assert table.loc["T", "missed"].startswith("Lĩnh vực Cải cách thủ tục hành chính 70,00% ≤ 80%")


def test_structured_reasons_are_returned_too(example):
    table = classify_heads(pd.DataFrame([unit("D", 78.2, 66.0, "Khá")]), example)
    outcome = table.loc[0, "details"]
    assert outcome.classification == "hoan_thanh" and outcome.rule_id == "hoan-thanh"
    missed = outcome.missed[0]
    assert (missed.metric, missed.op, missed.threshold, missed.actual, missed.met) == (
        "index", ">=", 80.0, 78.2, False,
    )  # fmt: skip
    assert reason_text(missed, "en") == "PAR index 78.20% < 80%"


def test_missing_unit_code_column_is_refused(example):
    with pytest.raises(InputError, match="units: header: unit_code: missing column"):
        classify_heads(pd.DataFrame([{"index_pct": 80}]), example)


# --- invalid rule files ------------------------------------------------------------------------


def problems_of(text, name="quy-tac.yaml"):
    with pytest.raises(InputError) as caught:
        head_rules_from_text(textwrap.dedent(text), name)
    return [str(p) for p in caught.value.problems]


def test_invalid_rules_are_refused_naming_the_file_and_the_rule():
    problems = problems_of(
        """
        id: x
        name: X
        version: "1"
        classes: [{key: a, name: A}, {key: b, name: B}]
        fields: {procedures: "3", budget: "6"}
        rules:
          - id: first
            class: a
            all:
              - {metric: indx, op: ">=", value: 90}
              - {metric: index, op: "=>", value: 90}
              - {metric: index, op: ">=", value: "chín mươi"}
              - {metric: class, op: ">=", value: Tốt}
              - {metric: field.apparatus, op: "<", value: 50}
          - id: second
            class: z
            any:
              - {metric: overdue_dossiers, op: ">", value: 3, when_missing: maybe}
          - id: first
            class: b
            otherwise: true
        """
    )
    assert problems == [
        "quy-tac.yaml: fields: budget: unknown field; use one of direction, legal_documents, "
        "procedures, apparatus, civil_service, public_finance, e_government",
        "quy-tac.yaml: rule 1 (first): all[1].metric: unknown metric 'indx'; use one of index, "
        "min_field, overdue_dossiers, remedial_completion, class, field.<key>",
        "quy-tac.yaml: rule 1 (first): all[2].op: '=>' is not one of < <= > >= == !=",
        "quy-tac.yaml: rule 1 (first): all[3].value: not a number: 'chín mươi'",
        "quy-tac.yaml: rule 1 (first): all[4].op: '>=' does not apply to class; use one of in, not_in",
        "quy-tac.yaml: rule 1 (first): all[4].value: give a non-empty list of class labels, e.g. [Tốt, Khá]",
        "quy-tac.yaml: rule 1 (first): all[5].metric: field 'apparatus' is not mapped to a "
        "framework code in fields:",
        "quy-tac.yaml: rule 2 (second): class: 'z' is not a declared class (a, b)",
        "quy-tac.yaml: rule 2 (second): any[1].when_missing: 'maybe' is not one of ignore, met, not_met",
        "quy-tac.yaml: rule 3 (first): id: duplicate rule id 'first'",
    ]


def test_every_unit_must_be_classified():
    problems = problems_of(
        """
        id: x
        name: X
        version: "1"
        classes: [{key: a, name: A}]
        rules:
          - {id: fallback, class: a, otherwise: true}
          - {id: never, class: a, all: [{metric: index, op: ">", value: 1}]}
        """,
        "r.yaml",
    )
    assert problems == [
        "r.yaml: rule 1 (fallback): otherwise: only the last rule may be otherwise: the rules "
        "after it never apply",
        "r.yaml: rule 2 (never): otherwise: the last rule must be otherwise: true, so that every "
        "unit is classified",
    ]


def test_missing_keys_unknown_keys_and_yaml_errors():
    assert problems_of("rules: []\nexample: maybe\ncolour: red\n", "r.yaml") == [
        "r.yaml: colour: unknown key; use classes, description, example, fields, id, "
        "modelled_on, name, official, rules, version",
        "r.yaml: id: missing",
        "r.yaml: name: missing",
        "r.yaml: version: missing",
        "r.yaml: example: must be true or false",
        "r.yaml: classes: give a list of classes, best first",
        "r.yaml: rules: give a list of rules",
    ]
    assert problems_of("id: x\nname: [unclosed\n", "broken.yaml")[0].startswith(
        "broken.yaml: line 3: not valid YAML"
    )
    assert problems_of("- just a list\n", "l.yaml") == ["l.yaml: a rule set must be a YAML mapping"]
    both = "id: x\nname: X\nversion: '1'\nexample: true\nofficial: true\n"
    both += "classes: [{key: a, name: A}]\nrules: [{id: r, class: a, all: [], any: []}]\n"
    assert problems_of(both, "b.yaml") == [
        "b.yaml: official: an example rule set cannot be official",
        "b.yaml: rule 1 (r): give exactly one of all:, any: or otherwise: true",
    ]


# --- the command line ----------------------------------------------------------------------------

runner = CliRunner()


def test_cli_classify_with_overdue_and_completion(tmp_path):
    results = tmp_path / "R.csv"
    pd.DataFrame(
        [
            unit("A", 92.0, 81.0, "Tốt"),
            unit("C", 85.0, 70.0, "Tốt"),
            unit("D", 78.2, 66.0, "Khá"),
        ]
    ).drop(columns=["overdue_dossiers", "remedial_completion"]).to_csv(results, index=False)
    (tmp_path / "O.csv").write_text("unit_code,overdue_dossiers\nA,0\nC,3\n", encoding="utf-8")
    (tmp_path / "C.csv").write_text("unit_code,remedial_completion\nA,1\nC,0.9\n")
    out = tmp_path / "H.csv"
    result = runner.invoke(
        app,
        ["heads", "classify", "--results", str(results), "--overdue", str(tmp_path / "O.csv"),
         "--completion", str(tmp_path / "C.csv"), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ví dụ, không phải quy định chính thức" in result.output
    table = pd.read_csv(out, dtype={"unit_code": str}).set_index("unit_code")
    assert table["classification"].to_dict() == {"A": "xuat_sac", "C": "tot", "D": "hoan_thanh"}
    assert table.loc["C", "missed"].split("; ")[2] == "3 hồ sơ quá hạn (> 0)"
    assert table.loc["D", "met"].endswith("Không có kế hoạch khắc phục (điều kiện được bỏ qua)")
    assert "details" not in table.columns


def test_cli_refuses_an_invalid_rule_file_naming_it(tmp_path):
    results = tmp_path / "R.csv"
    results.write_text("unit_code,index_pct\nA,91\n", encoding="utf-8")
    bad = tmp_path / "quy-tac-tinh.yaml"
    bad.write_text(
        "id: t\nname: T\nversion: '1'\nclasses: [{key: a, name: A}]\n"
        "rules:\n  - {id: r1, class: a, all: [{metric: index, op: '>', value: x}]}\n"
        "  - {id: r2, class: a, otherwise: true}\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["heads", "classify", "--results", str(results), "--rules", str(bad)]
    )
    assert result.exit_code == 1
    assert "quy-tac-tinh.yaml: rule 1 (r1): all[1].value: not a number: 'x'" in result.output
    assert "1 problem(s); nothing was written." in result.output


def test_cli_prints_csv_and_the_example_rules(tmp_path):
    results = tmp_path / "R.csv"
    results.write_text("unit_code,index_pct,class\nA,60,Khá\n", encoding="utf-8")
    result = runner.invoke(app, ["heads", "classify", "--results", str(results), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "A,,60.0,Khá,,,khong_hoan_thanh,Không hoàn thành nhiệm vụ,khong-hoan-thanh" in (
        result.output
    )
    assert "PAR index 60.00% < 65%" in result.output
    shown = runner.invoke(app, ["heads", "rules"])
    assert shown.exit_code == 0 and "example: true" in shown.output
    missing = runner.invoke(app, ["heads", "classify", "--results", str(tmp_path / "no.csv")])
    assert missing.exit_code == 1 and "no.csv: file not found" in missing.output
