"""Excel: the layout officials edit, lossless round trips, forgiving import, located errors."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from parindex.errors import InputError
from parindex.framework import (
    Band,
    Block,
    Framework,
    Node,
    dump_yaml,
    framework_from_excel,
    framework_to_dict,
    framework_to_excel_bytes,
    load_yaml_text,
    validate,
)


@pytest.fixture
def full(full_yaml: str) -> Framework:
    return load_yaml_text(full_yaml, "full.yaml")


def workbook(fw: Framework):
    return load_workbook(io.BytesIO(framework_to_excel_bytes(fw)))


def to_bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def problems_of(wb) -> list[str]:
    with pytest.raises(InputError) as info:
        framework_from_excel(to_bytes(wb), "khung.xlsx")
    return [str(p) for p in info.value.problems]


def row_of(ws, code: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == code)


def test_round_trip_is_lossless(full: Framework) -> None:
    back = framework_from_excel(framework_to_excel_bytes(full), "full.xlsx")
    assert framework_to_dict(back) == framework_to_dict(full)
    assert dump_yaml(back) == dump_yaml(full)


def test_layout(full: Framework) -> None:
    wb = workbook(full)
    assert wb.sheetnames == ["Thông tin", "Tiêu chí", "Lựa chọn", "Xếp loại", "Hướng dẫn"]
    nodes = wb["Tiêu chí"]
    headers = [c.value for c in nodes[1]]
    assert headers[:7] == [
        "Mã",
        "Mã cha",
        "Khối",
        "Tên",
        "Điểm tối đa",
        "Phương pháp",
        "Loại quy tắc",
    ]
    assert headers[-2:] == ["Cách chấm điểm", "Ghi chú"]
    assert nodes.freeze_panes == "A2"
    assert all(c.font.bold for c in nodes[1])
    assert nodes["A1"].comment.text.startswith("code:")
    assert nodes.column_dimensions["D"].width >= 40
    # tree order, parent codes, blocks, readable parameters
    rows = {r[0]: r for r in nodes.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == [
        "1",
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "1.6",
        "2",
        "2.1",
        "2.2",
        "T1",
        "T2",
        "P1",
    ]
    assert rows["1.3"][1:8] == ("1", "main", "Tự chấm", 1.5, "appraisal", "manual", 0.25)
    assert rows["1.6"][11] == "done, total"
    assert rows["P1"][2] == "penalty"
    info = {r[1]: r[2] for r in wb["Thông tin"].iter_rows(min_row=2, values_only=True)}
    assert info["id"] == "test-full" and info["bonus.cap"] == 3 and info["source.year"] == 2024
    choices = list(wb["Lựa chọn"].iter_rows(min_row=2, values_only=True))
    assert choices[2] == ("1.1", "option", "Không ban hành", None, None, 0)
    assert choices[4] == ("1.2", "band", None, 0.95, None, 0.5)
    classes = list(wb["Xếp loại"].iter_rows(min_row=2, values_only=True))
    assert classes[0] == ("Tốt", 80, False, "Xếp loại Tốt")


def test_forgiving_about_typed_values(full: Framework) -> None:
    wb = workbook(full)
    nodes = wb["Tiêu chí"]
    r = row_of(nodes, "1.3")
    nodes.cell(r, 1).value = " 1.3  "  # code with spaces
    nodes.cell(r, 5).value = "1,5"  # decimal comma, as text
    nodes.cell(r, 8).value = " 0,25 "
    nodes.cell(r, 7).value = "Manual "
    nodes.cell(r, 6).value = "Thẩm định"
    nodes.cell(row_of(nodes, "1"), 5).value = "10"  # number stored as text
    choices = wb["Lựa chọn"]
    choices.cell(6, 4).value = "95%"  # band min as a percentage (1.2, second band)
    choices.cell(6, 6).value = "50 %"
    back = framework_from_excel(to_bytes(wb), "khung.xlsx")
    assert framework_to_dict(back) == framework_to_dict(full)


def test_rows_in_any_order_build_by_parent(full: Framework) -> None:
    wb = workbook(full)
    nodes = wb["Tiêu chí"]
    rows = [[c.value for c in row] for row in nodes.iter_rows(min_row=2)]
    rows.reverse()  # every child now comes before its parent
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            nodes.cell(r, c).value = value
    back = framework_from_excel(to_bytes(wb), "khung.xlsx")
    # siblings keep their (now reversed) row order; the tree itself is the same
    assert [n.code for n in back.nodes] == ["2", "1"]
    assert [c.code for c in back.nodes[1].children] == ["1.6", "1.5", "1.4", "1.3", "1.2", "1.1"]
    assert validate(back, "khung.xlsx") == []


def test_cell_problems_name_sheet_row_and_column(full: Framework) -> None:
    wb = workbook(full)
    nodes = wb["Tiêu chí"]
    nodes.cell(4, 5).value = "hai điểm"  # row 4 is 1.2
    nodes.cell(7, 10).value = "1/4"  # row 7 is 1.5: per
    wb["Lựa chọn"].cell(3, 5).value = "nửa"
    assert problems_of(wb) == [
        "khung.xlsx: sheet Tiêu chí, row 4: Điểm tối đa (column E): 'hai điểm' is not a number",
        "khung.xlsx: sheet Tiêu chí, row 7: Trừ mỗi trường hợp (column J): '1/4' is not a number",
        "khung.xlsx: sheet Lựa chọn, row 3: Điểm (column E): 'nửa' is not a number",
    ]


def test_validation_problems_name_excel_rows(full: Framework) -> None:
    wb = workbook(full)
    nodes = wb["Tiêu chí"]
    nodes.cell(row_of(nodes, "2.2"), 5).value = 3  # field 2 no longer adds up
    nodes.cell(row_of(nodes, "1.4"), 9).value = 0  # linear target 0
    wb["Lựa chọn"].cell(3, 5).value = 7  # option above max
    wb["Xếp loại"].cell(3, 2).value = 95  # classification out of order
    assert problems_of(wb) == [
        "khung.xlsx: node 1.1, option 2 (sheet Lựa chọn, row 3): points: points 7 are above the node's max_points 1",
        "khung.xlsx: node 1.4 (sheet Tiêu chí, row 6): rule.target: target must be greater than 0, got 0",
        "khung.xlsx: node 2 (sheet Tiêu chí, row 9): max_points: the children's max_points add up to 9, not the node's max_points 10",
        "khung.xlsx: classification band 2 (sheet Xếp loại, row 3): min: classification bands must be ordered by min, highest first: 95 comes after 80",
    ]


def test_structure_problems(full: Framework) -> None:
    wb = workbook(full)
    nodes = wb["Tiêu chí"]
    nodes.cell(row_of(nodes, "2.1"), 2).value = "9"  # unknown parent
    nodes.cell(row_of(nodes, "2.2"), 1).value = "1.1"  # duplicate code
    nodes.cell(row_of(nodes, "T2"), 3).value = "penalty"  # a root may move to another block
    nodes.cell(row_of(nodes, "1.5"), 3).value = "bonus"  # child of a main field
    r = nodes.max_row + 1
    for c, value in enumerate(["X1", "X2", "main", "loop a", 1, None, "manual"], start=1):
        nodes.cell(r, c).value = value
    for c, value in enumerate(["X2", "X1", "main", "loop b", 1, None, "manual"], start=1):
        nodes.cell(r + 1, c).value = value
    wb["Lựa chọn"].cell(2, 1).value = "9.9"
    problems = problems_of(wb)
    expected = [
        "khung.xlsx: sheet Tiêu chí, row 11: Mã (column A): duplicate code '1.1' (also row 3)",
        "khung.xlsx: sheet Tiêu chí, row 10: Mã cha (column B): unknown parent code '9'",
        "khung.xlsx: sheet Tiêu chí, row 7: Khối (column C): block bonus differs from its parent's block main",
        "khung.xlsx: sheet Tiêu chí, row 15: Mã cha (column B): node X1 is not connected to a field: its parent codes form a loop",
        "khung.xlsx: sheet Tiêu chí, row 16: Mã cha (column B): node X2 is not connected to a field: its parent codes form a loop",
        "khung.xlsx: sheet Lựa chọn, row 2: Mã tiêu chí (column A): no node with code '9.9' in sheet Tiêu chí",
    ]
    for message in expected:
        assert message in problems, "\n".join(problems)


def test_header_and_sheet_problems(full: Framework) -> None:
    wb = workbook(full)
    wb["Tiêu chí"].cell(1, 16).value = "Trọng số"
    del wb["Thông tin"]
    problems = problems_of(wb)
    assert "khung.xlsx: sheet Thông tin: the workbook has no sheet 'Thông tin'" in problems
    unknown = [p for p in problems if "Trọng số (column P)" in p]
    assert len(unknown) == 1 and unknown[0].startswith("khung.xlsx: sheet Tiêu chí, row 1: ")


def test_option_rows_need_a_matching_rule(full: Framework) -> None:
    wb = workbook(full)
    wb["Lựa chọn"].cell(2, 1).value = "1.3"  # 1.3 has a manual rule
    problems = problems_of(wb)
    assert (
        "khung.xlsx: sheet Lựa chọn, row 2: Loại (column B): a option row needs node 1.3 to have "
        "rule type options, not manual"
    ) in problems


def test_date_in_code_column(full: Framework) -> None:
    wb = workbook(full)
    nodes = wb["Tiêu chí"]
    nodes.cell(row_of(nodes, "1.3"), 1).value = dt.datetime(2024, 1, 3)
    problems = problems_of(wb)
    assert any(
        p.startswith(
            "khung.xlsx: sheet Tiêu chí, row 5: Mã (column A): Excel turned this into a date"
        )
        for p in problems
    ), problems


def test_not_a_workbook() -> None:
    with pytest.raises(InputError, match="khung.xlsx: not a readable .xlsx workbook"):
        framework_from_excel(b"id: not excel", "khung.xlsx")


def test_hand_made_workbook_with_plain_headers() -> None:
    """What an official might type from scratch: unaccented headers, Vietnamese block
    names, numbers as text, no optional sheets."""
    wb = Workbook()
    info = wb.active
    info.title = "Thong tin"
    info.append(["Thông tin", "Khóa", "Giá trị"])
    info.append(["Mã khung", None, "xa-2025"])  # key found from the readable label
    info.append([None, "name", "Bộ chỉ số xã"])
    info.append([None, "version", 2025])
    info.append([None, "unit_kind", "Commune"])
    info.append([None, "max_points", "10"])
    info.append([None, "bonus.cap", "1,5"])
    nodes = wb.create_sheet("Tieu chi")
    nodes.append(["Ma", "Ma cha", "Khoi", "Ten", "Diem toi da", "Loai quy tac", "step"])
    nodes.append(["1", None, None, "Lĩnh vực", 10, None, None])
    nodes.append([1.1, 1, None, "Tiêu chí", "10", "manual", "0,5"])
    nodes.append(["T", None, "Điểm thưởng", "Thưởng", 1, "manual", None])
    fw = framework_from_excel(to_bytes(wb), "xa.xlsx")
    assert framework_to_dict(fw) == {
        "id": "xa-2025",
        "name": "Bộ chỉ số xã",
        "version": "2025",
        "unit_kind": "commune",
        "max_points": 10,
        "nodes": [
            {
                "code": "1",
                "name": "Lĩnh vực",
                "max_points": 10,
                "children": [
                    {
                        "code": "1.1",
                        "name": "Tiêu chí",
                        "max_points": 10,
                        "rule": {"type": "manual", "step": 0.5},
                    }
                ],
            }
        ],
        "bonus": {
            "cap": 1.5,
            "nodes": [{"code": "T", "name": "Thưởng", "max_points": 1, "rule": {"type": "manual"}}],
        },
    }


# --- property: any framework of the supported shape survives the trip ---------------

TEXT = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyỳỷỹýỵàảãáạ ĐÂÊÔƠƯ0123456789,.:-()%\n",
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip() == s and s.strip())
POINTS = st.integers(1, 400).map(lambda x: x / 4)


@st.composite
def frameworks(draw) -> Framework:
    fields = []
    for i in range(draw(st.integers(1, 3))):
        kids = []
        for j in range(draw(st.integers(0, 3))):
            rule = draw(
                st.sampled_from(
                    [
                        {"type": "manual"},
                        {"type": "linear", "target": 0.5},
                        {"type": "survey"},
                        {
                            "type": "options",
                            "options": [
                                {"label": "Có", "share": 1},
                                {"label": "Không", "points": 0},
                            ],
                        },
                        {
                            "type": "bands",
                            "bands": [{"min": 1, "share": 1}, {"min": 0.5, "share": 0.25}],
                        },
                    ]
                )
            )
            kids.append(
                Node(
                    f"{i + 1}.{j + 1}",
                    draw(TEXT),
                    draw(POINTS),
                    method="survey"
                    if rule["type"] == "survey"
                    else draw(st.sampled_from([None, "data"])),
                    rule=rule,
                    scoring_text=draw(st.none() | TEXT),
                    note=draw(st.none() | TEXT),
                )
            )
        total = sum(k.max_points for k in kids) if kids else draw(POINTS)
        fields.append(
            Node(
                str(i + 1),
                draw(TEXT),
                total,
                rule=None if kids else {"type": "manual"},
                children=kids,
            )
        )
    return Framework(
        id="gen",
        name=draw(TEXT),
        version=draw(st.sampled_from(["1", "1.10", "2025"])),
        unit_kind="district",
        max_points=sum(f.max_points for f in fields),
        nodes=fields,
        classification=[Band("A", 90, draw(st.booleans()), draw(st.none() | TEXT)), Band("B", 0)],
        bonus=draw(st.none() | st.builds(Block, cap=POINTS, name=st.none() | TEXT)),
        description=draw(st.none() | TEXT),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_generated_frameworks_round_trip(fw: Framework) -> None:
    text = dump_yaml(fw)
    assert dump_yaml(load_yaml_text(text, "gen.yaml")) == text
    back = framework_from_excel(framework_to_excel_bytes(fw), "gen.xlsx")
    assert dump_yaml(back) == text
