"""Import of ODK Central / KoboToolbox exports and of the paper entry template."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from parindex.errors import InputError
from parindex.survey.instrument import builtin_instrument
from parindex.survey.responses import entry_template, import_responses, response_keys

SIPAS = builtin_instrument("sipas-bnv-2022")
SAMPLE = pd.DataFrame({"household": ["H1", "H2", "H3", "H4", "H5", "H6"]})


def central_export() -> pd.DataFrame:
    """ODK Central CSV naming: groups joined with '-', meta-instanceID, FormVersion."""
    rows = [
        # row 2: good
        {
            "a-household_code": "H1",
            "a-sex": "nam",
            "b-q9-q9_01": "4",
            "b-q9-q9_15": "5",
            "meta-instanceID": "uuid:aaa",
            "FormVersion": "2022.1",
            "SubmissionDate": "2024-05-01",
        },
        # row 3: answer out of range, and a household not in the sample
        {
            "a-household_code": "H9",
            "a-sex": "nam",
            "b-q9-q9_01": "6",
            "b-q9-q9_15": "5",
            "meta-instanceID": "uuid:bbb",
            "FormVersion": "2022.1",
            "SubmissionDate": "2024-05-01",
        },
        # row 4: same instance as row 2
        {
            "a-household_code": "H2",
            "a-sex": "nu",
            "b-q9-q9_01": "3",
            "b-q9-q9_15": "",
            "meta-instanceID": "uuid:aaa",
            "FormVersion": "2022.1",
            "SubmissionDate": "2024-05-02",
        },
        # row 5: wrong form version
        {
            "a-household_code": "H3",
            "a-sex": "nu",
            "b-q9-q9_01": "3",
            "b-q9-q9_15": "2",
            "meta-instanceID": "uuid:ccc",
            "FormVersion": "2021.1",
            "SubmissionDate": "2024-05-02",
        },
        # row 6: good, sex given by its label, a blank answer kept as blank
        {
            "a-household_code": "H4",
            "a-sex": "Nữ",
            "b-q9-q9_01": "",
            "b-q9-q9_15": "1",
            "meta-instanceID": "uuid:ddd",
            "FormVersion": "2022.1",
            "SubmissionDate": "2024-05-03",
        },
        # row 7: same household as row 6 under another instance id
        {
            "a-household_code": "H4",
            "a-sex": "nu",
            "b-q9-q9_01": "5",
            "b-q9-q9_15": "5",
            "meta-instanceID": "uuid:eee",
            "FormVersion": "2022.1",
            "SubmissionDate": "2024-05-03",
        },
        # row 8: no household code
        {
            "a-household_code": "",
            "a-sex": "nu",
            "b-q9-q9_01": "5",
            "b-q9-q9_15": "5",
            "meta-instanceID": "uuid:fff",
            "FormVersion": "2022.1",
            "SubmissionDate": "2024-05-03",
        },
    ]
    return pd.DataFrame(rows)


def reasons(rejected) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in rejected:
        out.setdefault(p.location, []).append(f"{p.field}: {p.message}")
    return out


def test_good_rows_kept_and_every_bad_row_named_with_its_reasons():
    valid, rejected = import_responses(central_export(), SIPAS, SAMPLE, source="export.csv")
    assert valid["household_code"].tolist() == ["H1", "H4"]
    assert valid["instance_id"].tolist() == ["aaa", "ddd"]  # 'uuid:' dropped
    assert valid["sex"].tolist() == ["nam", "nu"]  # the label 'Nữ' stored as its name
    assert valid["q9_01"].tolist() == ["4", ""]
    assert valid["source_row"].tolist() == [2, 6]
    assert set(valid["instrument_version"]) == {"2022.1"}
    assert valid["submitted_at"].tolist() == ["2024-05-01", "2024-05-03"]
    assert all(p.source == "export.csv" for p in rejected)
    by_row = reasons(rejected)
    assert sorted(by_row) == ["row 3", "row 4", "row 5", "row 7", "row 8"]
    assert any("'6' is not a choice" in r for r in by_row["row 3"])
    assert any("'H9' is not in the sample" in r for r in by_row["row 3"])
    assert by_row["row 4"] == ["meta-instanceID: duplicate of row 2 (same instance id)"]
    assert "form version '2021.1', expected '2022.1'" in by_row["row 5"][0]
    assert by_row["row 7"] == ["a-household_code: household 'H4' already answered in row 6"]
    assert "household / respondent code is empty" in by_row["row 8"][0]


def test_reimporting_the_same_file_adds_nothing():
    first, _ = import_responses(central_export(), SIPAS, SAMPLE)
    again, rejected = import_responses(
        central_export(), SIPAS, SAMPLE, existing_keys=response_keys(first, SIPAS)
    )
    assert again.empty
    messages = reasons(rejected)
    assert "instance 'aaa' was already imported" in messages["row 2"][0]
    assert "instance 'ddd' was already imported" in messages["row 6"][0]


def test_accepting_another_version_on_request():
    valid, _ = import_responses(central_export(), SIPAS, SAMPLE, accept_versions=["2021.1"])
    assert "H3" in valid["household_code"].tolist()


def test_kobo_export_naming():
    kobo = pd.DataFrame(
        {
            "start": ["2024-05-01T08:00"],
            "a/household_code": ["H5"],
            "a/sex": ["nam"],
            "b/q9/q9_01": ["5"],
            "q9/q9_02": ["4"],  # a partial group path is accepted too
            "_uuid": ["1234-abcd"],
            "_submission_time": ["2024-05-01T09:00:00"],
            "__version__": ["2022.1"],
            "_index": ["1"],
        }
    )
    valid, rejected = import_responses(kobo, SIPAS, SAMPLE)
    assert rejected == []
    assert valid.loc[0, "instance_id"] == "1234-abcd"
    assert valid.loc[0, "q9_01"] == "5" and valid.loc[0, "q9_02"] == "4"
    assert valid.loc[0, "submitted_at"] == "2024-05-01T09:00:00"


def test_file_level_problems_raise():
    with pytest.raises(InputError, match="no column matches a question"):
        import_responses(pd.DataFrame({"x": ["1"]}), SIPAS)
    twice = pd.DataFrame({"q9_01": ["4"], "b-q9-q9_01": ["4"], "household_code": ["H1"]})
    with pytest.raises(InputError, match="is question 'q9_01' again"):
        import_responses(twice, SIPAS)


def test_entry_template_has_headers_lists_and_reads_back():
    data = entry_template(SIPAS, rows=50)
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Nhập liệu"]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "Mã hộ gia đình (theo danh sách hộ được chọn mẫu)"
    assert "Giới tính" in headers
    assert headers[-1].startswith("Phiên bản phiếu")
    assert len(headers) == len(SIPAS.questions) + 1
    # a drop-down list for every select_one question, pointing at the hidden lists sheet
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    selects = [q for q in SIPAS.questions if q.type == "select_one"]
    assert len(lists) == len(selects) + 1  # + the version column
    assert any("Danh mục" in (dv.formula1 or "") for dv in lists)
    assert wb["Danh mục"].sheet_state == "hidden"
    sex_col = headers.index("Giới tính") + 1
    q9_col = headers.index(SIPAS.question("q9_15").label) + 1
    ws.cell(row=2, column=1, value="H6")
    ws.cell(row=2, column=sex_col, value="Nữ")
    ws.cell(row=2, column=q9_col, value="Hài lòng")
    ws.cell(row=2, column=len(headers), value="2022.1")
    out = io.BytesIO()
    wb.save(out)
    frame = pd.read_excel(io.BytesIO(out.getvalue()), dtype=str, keep_default_na=False)
    valid, rejected = import_responses(frame, SIPAS, SAMPLE)
    assert rejected == []
    assert valid[["household_code", "sex", "q9_15"]].values.tolist() == [["H6", "nu", "4"]]
    assert valid.loc[0, "instance_id"] == "H6"  # paper forms: the household code is the key
