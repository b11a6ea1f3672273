"""The packaged XLSForm instruments, their mapping, and XLSForm validation."""

from __future__ import annotations

import io

import pytest
import yaml
from openpyxl import Workbook, load_workbook

from parindex.errors import InputError
from parindex.framework.builtin import load_builtin
from parindex.survey.build_instruments import build, load_definition
from parindex.survey.instrument import (
    BUILTIN_INSTRUMENTS,
    builtin_instrument,
    builtin_instrument_bytes,
    load_instrument,
    validate_instrument,
)
from parindex.survey.mapping import builtin_mapping, check_mapping


@pytest.mark.parametrize("instrument_id", BUILTIN_INSTRUMENTS)
def test_builtin_instruments_validate_with_pyxform(instrument_id):
    data = builtin_instrument_bytes(instrument_id)
    assert validate_instrument(data) == []
    from pyxform.xls2xform import convert

    result = convert(data, validate=False, file_type=".xlsx")
    assert f'id="{instrument_id}"' in result.xform
    ins = builtin_instrument(instrument_id)
    assert f'version="{ins.version}"' in result.xform


@pytest.mark.parametrize("instrument_id", BUILTIN_INSTRUMENTS)
def test_shipped_xlsx_is_the_build_of_its_yaml_source(instrument_id):
    assert build(instrument_id) == builtin_instrument_bytes(instrument_id), (
        "the .xlsx is stale: run python -m parindex.survey.build_instruments"
    )


def test_sipas_question_9_has_33_items_in_policy_and_service_elements():
    ins = builtin_instrument("sipas-bnv-2022")
    assert ins.version == "2022.1"
    q9 = [q for q in ins.questions if q.group[-1:] == ("q9",)]
    assert [q.name for q in q9] == [f"q9_{k:02d}" for k in range(1, 34)]
    for k, q in enumerate(q9, start=1):
        assert q.label.startswith(f"{k}. ")
        assert ins.choice_names(q) == ["1", "2", "3", "4", "5"]
    assert ins.choice_label("q9_01", "1") == "Rất không hài lòng"
    assert ins.choice_label("q9_01", "5") == "Rất hài lòng"

    mapping = builtin_mapping("sipas-bnv-2022")
    policy = [q for e in mapping.elements if e.index == "policy" for q in e.questions]
    service = [q for e in mapping.elements if e.index == "service" for q in e.questions]
    assert policy == [f"q9_{k:02d}" for k in range(1, 15)]
    assert service == [f"q9_{k:02d}" for k in range(15, 34)]
    ranges = {e.key: [int(q[3:]) for q in e.questions] for e in mapping.elements}
    assert ranges["access"] == [15, 16, 17, 18]
    assert ranges["procedures"] == [19, 20, 21, 22]
    assert ranges["civil_servants"] == [23, 24, 25, 26, 27]
    assert ranges["results"] == [28, 29, 30]
    assert ranges["feedback"] == [31, 32, 33]
    # groups A–D of the policy part: 2 + 2 + 8 + 2 items
    assert [len(ranges[k]) for k in ("accountability", "participation", "policy_quality")] == [
        2,
        2,
        8,
    ]
    assert ranges["policy_results"] == [13, 14]
    assert check_mapping(mapping, ins, load_builtin("example-commune-2025")) == []
    # question 10: the expectations grid (source numbering 1–7, 9, 10)
    assert mapping.expectations["items"] == [f"q10_{k:02d}" for k in (1, 2, 3, 4, 5, 6, 7, 9, 10)]
    assert all(q in ins.names for q in mapping.expectations["items"])


def test_sipas_source_typos_are_corrected():
    source = load_definition("sipas-bnv-2022")
    text = yaml.safe_dump(source, allow_unicode=True)
    assert "[sic]" not in text
    ins = builtin_instrument("sipas-bnv-2022")
    # Câu 5: the copy-pasted first option is gone; "công chứ." corrected
    q5 = [c.label for c in ins.choices[ins.question("q5").list_name]]
    assert len(q5) == 3 and not any("loa phát thanh" in label for label in q5)
    assert "Một số người dân phải đưa tiền ngoài quy định cho công chức." in q5
    q6 = [c.label for c in ins.choices[ins.question("q6").list_name]]
    assert "Theo hình thức trực tuyến (qua mạng internet)." in q6
    assert "người người" not in ins.question("q10_02").label
    assert "đời sống" in ins.question("q10_09").label
    assert ins.question("q9_06").label.endswith("trạm y tế)")
    ages = [c.label for c in ins.choices["age_group"]]
    assert ages[:2] == ["18 - 24 tuổi", "25 - 34 tuổi"]  # no overlap at 25


def test_dtxhh_example_is_labelled_as_the_products_own_with_a_to_e_answers():
    ins = builtin_instrument("dtxhh-example")
    assert "không phải mẫu chính thức" in ins.title
    ratings = [q for q in ins.questions if q.list_name == "rating"]
    assert len(ratings) == 10
    assert ins.choice_names(ratings[0]) == ["A", "B", "C", "D", "E"]
    mapping = builtin_mapping("dtxhh-example")
    assert mapping.answers["scores"] == {"A": 1.0, "B": 0.6, "C": 0.2, "D": 0.0}
    assert mapping.answers["missing_answers"] == ["E"]
    assert check_mapping(mapping, ins, load_builtin("example-department-2025")) == []


def xlsform(survey: list[list], choices: list[list] | None, settings: list[list] | None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey:
        ws.append(r)
    if choices is not None:
        cs = wb.create_sheet("choices")
        for r in choices:
            cs.append(r)
    if settings is not None:
        ss = wb.create_sheet("settings")
        for r in settings:
            ss.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_users_own_instrument_loads_with_its_version():
    data = xlsform(
        [
            ["type", "name", "label::English (en)", "label::Tiếng Việt (vi)"],
            ["begin_group", "g", "Group", "Nhóm"],
            ["select_one yn", "q1", "Question 1", "Câu 1"],
            ["integer", "age", "Age", "Tuổi"],
            ["end_group", "", "", ""],
        ],
        [
            ["list_name", "name", "label::English (en)", "label::Tiếng Việt (vi)"],
            ["yn", "1", "Yes", "Có"],
            ["yn", "2", "No", "Không"],
        ],
        [["form_id", "version"], ["my_form", "7"]],
    )
    ins = load_instrument(data)
    assert (ins.id, ins.version) == ("my_form", "7")
    assert ins.question("q1").label == "Câu 1"  # Vietnamese chosen without a default_language
    assert ins.question("q1").paths == ("q1", "g/q1", "g-q1")
    assert ins.choice_label("q1", "2") == "Không"


def test_structural_problems_are_reported_together():
    data = xlsform(
        [
            ["type", "name", "label"],
            ["select_one nolist", "q1", "A"],
            ["text", "q1", "B"],
            ["integer", "", "C"],
            ["begin_group", "g", "G"],
        ],
        [["list_name", "name", "label"], ["yn", "1", "Có"], ["yn", "1", "Không"]],
        [["form_id"], ["f"]],
    )
    problems = validate_instrument(data, "mine.xlsx")
    text = "\n".join(map(str, problems))
    assert "mine.xlsx: sheet settings: version: is missing" in text
    assert "sheet survey, row 2: type: list 'nolist' is not in the choices sheet" in text
    assert "sheet survey, row 3: name: 'q1' is used twice" in text
    assert "sheet survey, row 4: name" in text
    assert "sheet choices, row 3: name: '1' appears twice" in text
    assert "group 'g' is never closed" in text


def test_pyxform_errors_are_reported_with_their_row():
    data = xlsform(
        [
            ["type", "name", "label", "relevant"],
            ["text", "q1", "A", ""],
            ["text", "q2", "B", "${nowhere} = 'x'"],
        ],
        None,
        [["form_id", "version"], ["f", "1"]],
    )
    with pytest.raises(InputError) as info:
        load_instrument(data, "f.xlsx")
    problem = info.value.problems[0]
    assert problem.source == "f.xlsx" and "pyxform" in problem.message
    assert "nowhere" in problem.message


def test_not_an_xlsx_file():
    with pytest.raises(InputError, match="not a readable .xlsx"):
        load_instrument(b"type,name\ntext,q1\n", "form.csv")


def test_built_xlsx_has_vietnamese_label_columns():
    wb = load_workbook(io.BytesIO(builtin_instrument_bytes("sipas-bnv-2022")))
    header = [c.value for c in wb["survey"][1]]
    assert "label::Tiếng Việt (vi)" in header
    settings = {c.value: v.value for c, v in zip(wb["settings"][1], wb["settings"][2], strict=True)}
    assert settings["version"] == "2022.1"
    assert settings["default_language"] == "Tiếng Việt (vi)"
