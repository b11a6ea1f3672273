"""Frameworks in Excel, the format officials actually write and review.

YAML stays canonical; the workbook is a faithful, editable view of it (YAML → Excel →
YAML gives the same YAML). Layout — row 1 of every sheet is a bold, frozen header with
Vietnamese titles; each header cell carries a comment with its machine key and a short
help. On import a header may be the Vietnamese title, the machine key, or "Title (key)",
with or without diacritics.

Sheet "Thông tin" (metadata), one row per item: Thông tin (readable label, ignored when
Khóa is filled) | Khóa (machine key) | Giá trị. Keys: id, name, version, unit_kind,
max_points, example, description, source.<any> (one row per source field), bonus.name,
bonus.cap, penalty.name, penalty.cap. An empty value means "not given".

Sheet "Tiêu chí" (nodes), one row per node in tree order:
Mã (code) | Mã cha (parent; empty for a field) | Khối (main | bonus | penalty; empty =
the parent's block, or main) | Tên | Điểm tối đa | Phương pháp (appraisal | survey | data)
| Loại quy tắc (rule type) | Bước (step) | Mục tiêu (target) | Trừ mỗi trường hợp (per) |
Điểm khởi đầu (start) | Biến (inputs, "a, b") | Công thức (expr) | Cách chấm điểm
(scoring_text) | Ghi chú (note). Rows may come in any order: the tree is built from the
parent codes, and siblings keep their row order.

Sheet "Lựa chọn" (options and bands of `options` / `bands` rules), one row per entry in
order: Mã tiêu chí (code) | Loại (option | band; empty = from the rule type) | Nhãn
(label, options only) | Ngưỡng tối thiểu (min ratio 0–1, bands only) | Điểm (points) |
Tỷ lệ điểm tối đa (share of max 0–1). Give Điểm or Tỷ lệ, not both.

Sheet "Xếp loại" (classification), one row per band, highest first: Nhãn (label) |
Ngưỡng tối thiểu (%) (min) | Bao gồm ngưỡng (inclusive: TRUE/FALSE, có/không; empty =
TRUE) | Tên xếp loại (name).

A "Hướng dẫn" sheet with these instructions is written on export and ignored on import,
as are any other sheets. "Thông tin" and "Tiêu chí" are required.

Import is forgiving about what Excel does to typed values: numbers typed as text, decimal
commas ("0,25"), percentages in ratio columns ("95%"), surrounding spaces in codes,
numbers and keywords. Free text (names, scoring texts, notes) is kept exactly. Every
problem names the sheet, the Excel row and the column. Excel keeps 15 significant digits,
so a number with more digits than that does not survive the trip.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError, InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from parindex.errors import InputError, Problem
from parindex.framework.io import ALREADY_REPORTED, framework_from_dict, framework_to_dict
from parindex.framework.model import METHODS, RULE_TYPES, UNIT_KINDS, Framework

SHEET_INFO = "Thông tin"
SHEET_NODES = "Tiêu chí"
SHEET_CHOICES = "Lựa chọn"
SHEET_CLASSES = "Xếp loại"
SHEET_HELP = "Hướng dẫn"
BLOCKS = ("main", "bonus", "penalty")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    help: str
    kind: str = "text"  # text | code | keyword | number | ratio | list | bool | raw


INFO_COLUMNS = (
    Column("label", "Thông tin", 34, "Tên mục (chỉ để đọc)"),
    Column("key", "Khóa", 16, "Khóa máy: id, name, version, ...", "code"),
    Column("value", "Giá trị", 70, "Giá trị; để trống nếu không có", "raw"),
)
NODE_COLUMNS = (
    Column("code", "Mã", 10, "Mã tiêu chí, ví dụ 1.2.3 (ô dạng văn bản)", "code"),
    Column("parent", "Mã cha", 10, "Mã tiêu chí cha; để trống với lĩnh vực", "code"),
    Column(
        "block", "Khối", 10, "main (điểm chính), bonus (điểm thưởng), penalty (điểm trừ)", "keyword"
    ),
    Column("name", "Tên", 60, "Tên lĩnh vực / tiêu chí / tiêu chí thành phần"),
    Column(
        "max_points",
        "Điểm tối đa",
        12,
        "Điểm tối đa; tiêu chí cha = tổng các tiêu chí con",
        "number",
    ),
    Column(
        "method",
        "Phương pháp",
        14,
        "appraisal (thẩm định), survey (điều tra XHH), data (số liệu)",
        "keyword",
    ),
    Column(
        "rule_type",
        "Loại quy tắc",
        14,
        "Chỉ với tiêu chí cuối: " + ", ".join(RULE_TYPES),
        "keyword",
    ),
    Column("step", "Bước", 8, "manual: bước điểm, ví dụ 0,25", "number"),
    Column("target", "Mục tiêu", 10, "linear: tỷ lệ đạt điểm tối đa (mặc định 1)", "number"),
    Column("per", "Trừ mỗi trường hợp", 12, "deduction: điểm trừ cho mỗi trường hợp", "number"),
    Column(
        "start",
        "Điểm khởi đầu",
        12,
        "deduction: điểm trước khi trừ (mặc định = điểm tối đa)",
        "number",
    ),
    Column("inputs", "Biến", 22, "formula: tên biến, cách nhau bởi dấu phẩy", "list"),
    Column("expr", "Công thức", 34, "formula: ví dụ min(a / b, 1) * max_points"),
    Column("scoring_text", "Cách chấm điểm", 60, "Nguyên văn cách chấm điểm trong văn bản"),
    Column("note", "Ghi chú", 30, "Ghi chú"),
)
CHOICE_COLUMNS = (
    Column("code", "Mã tiêu chí", 12, "Mã của tiêu chí có quy tắc options hoặc bands", "code"),
    Column("kind", "Loại", 10, "option (lựa chọn) hoặc band (ngưỡng)", "keyword"),
    Column("label", "Nhãn", 50, "option: nhãn lựa chọn, ví dụ 'Ban hành kịp thời'", "code"),
    Column("min", "Ngưỡng tối thiểu", 16, "band: tỷ lệ tối thiểu 0–1 (hoặc 95%)", "ratio"),
    Column("points", "Điểm", 10, "Số điểm (hoặc để trống và nhập tỷ lệ)", "number"),
    Column("share", "Tỷ lệ điểm tối đa", 16, "Tỷ lệ của điểm tối đa 0–1 (hoặc 75%)", "ratio"),
)
CLASS_COLUMNS = (
    Column("label", "Nhãn", 12, "Nhãn xếp loại, ví dụ A hoặc Tốt", "code"),
    Column(
        "min", "Ngưỡng tối thiểu (%)", 20, "Chỉ số tối thiểu (%), xếp từ cao xuống thấp", "number"
    ),
    Column(
        "inclusive", "Bao gồm ngưỡng", 16, "TRUE: từ ngưỡng trở lên; FALSE: trên ngưỡng", "bool"
    ),
    Column("name", "Tên xếp loại", 30, "Tên đầy đủ, ví dụ Tốt"),
)
INFO_ROWS = (
    ("id", "Mã khung"),
    ("name", "Tên khung"),
    ("version", "Phiên bản"),
    ("unit_kind", "Loại đơn vị (" + ", ".join(UNIT_KINDS) + ")"),
    ("max_points", "Tổng điểm tối đa"),
    ("example", "Khung ví dụ, không phải văn bản chính thức"),
    ("description", "Mô tả"),
    ("bonus.name", "Tên khối điểm thưởng"),
    ("bonus.cap", "Điểm thưởng tối đa"),
    ("penalty.name", "Tên khối điểm trừ"),
    ("penalty.cap", "Điểm trừ tối đa"),
)
SOURCE_LABEL = "Nguồn: "
LONG_TEXT = ("name", "scoring_text", "note", "value", "expr")
HELP_TEXT = """\
Hướng dẫn nhập khung chỉ số trong Excel (tệp YAML là bản gốc; tệp này là bản để đọc và sửa).

Thông tin: mỗi dòng một mục (Khóa = khóa máy, Giá trị = giá trị; để trống nếu không có).
  Nguồn văn bản: thêm dòng với Khóa source.<tên>, ví dụ source.decision.
Tiêu chí: mỗi dòng một lĩnh vực / tiêu chí / tiêu chí thành phần.
  Mã cha để trống với lĩnh vực. Khối: main (điểm chính), bonus (điểm thưởng), penalty (điểm trừ).
  Điểm tối đa của tiêu chí cha phải bằng tổng điểm tối đa của các tiêu chí con.
  Chỉ tiêu chí cuối (không có tiêu chí con) có Loại quy tắc:
    manual (chấm trực tiếp; Bước nếu có), options (theo lựa chọn, xem sheet Lựa chọn),
    bands (theo ngưỡng tỷ lệ, xem sheet Lựa chọn), linear (tỷ lệ so với Mục tiêu),
    deduction (Trừ mỗi trường hợp, Điểm khởi đầu), formula (Biến và Công thức),
    survey (theo chỉ số điều tra xã hội học; Phương pháp phải là survey).
Lựa chọn: mỗi dòng một lựa chọn (option: Nhãn) hoặc một ngưỡng (band: Ngưỡng tối thiểu 0–1),
  với Điểm hoặc Tỷ lệ điểm tối đa (0–1), không nhập cả hai. Ngưỡng xếp từ cao xuống thấp.
Xếp loại: mỗi dòng một mức, từ cao xuống thấp; Bao gồm ngưỡng FALSE nghĩa là "trên ngưỡng".
Số thập phân có thể nhập 0,25 hoặc 0.25; tỷ lệ có thể nhập 95%.
Đặt ô Mã ở dạng Text để Excel không đổi 1.1 thành ngày tháng.
"""

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


# --- export -------------------------------------------------------------------------


def framework_to_excel_bytes(fw: Framework) -> bytes:
    """The framework as an .xlsx workbook (see the module docstring for the layout)."""
    data = framework_to_dict(fw)
    writer = _Writer(fw.id)
    wb = Workbook()
    writer.info(wb.active, data)
    writer.nodes(wb.create_sheet(SHEET_NODES), data)
    writer.choices(wb.create_sheet(SHEET_CHOICES), data)
    writer.classes(wb.create_sheet(SHEET_CLASSES), data)
    help_sheet = wb.create_sheet(SHEET_HELP)
    help_sheet.column_dimensions["A"].width = 110
    for row, line in enumerate(HELP_TEXT.split("\n"), start=1):
        help_sheet.cell(row, 1, line)
    if writer.problems:
        raise InputError(writer.problems)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class _Writer:
    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def put(self, ws: Worksheet, row: int, col: int, value: Any, column: Column) -> None:
        if value is None:
            return
        if isinstance(value, list):
            value = ", ".join(value)
        try:
            cell = ws.cell(row, col, value)
        except IllegalCharacterError:
            self.problems.append(
                Problem(
                    self.source,
                    f"sheet {ws.title}, row {row}",
                    column.header,
                    "text contains control characters Excel cannot store",
                )
            )
            return
        if isinstance(value, str):
            cell.data_type = "s"  # text starting with "=" is text, not an Excel formula
            if column.kind == "code":
                cell.number_format = "@"
        if column.key in LONG_TEXT:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    def header(self, ws: Worksheet, columns: tuple[Column, ...]) -> None:
        for col, column in enumerate(columns, start=1):
            cell = ws.cell(1, col, column.header)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.comment = Comment(f"{column.key}: {column.help}", "parindex")
            ws.column_dimensions[get_column_letter(col)].width = column.width
        ws.freeze_panes = "A2"

    def rows(self, ws: Worksheet, columns: tuple[Column, ...], rows: list[dict]) -> None:
        self.header(ws, columns)
        for r, values in enumerate(rows, start=2):
            for c, column in enumerate(columns, start=1):
                self.put(ws, r, c, values.get(column.key), column)

    def info(self, ws: Worksheet, data: dict) -> None:
        ws.title = SHEET_INFO
        rows = []
        for key, label in INFO_ROWS:
            block, _, part = key.partition(".")
            if part:
                value = data.get(block, {}).get(part)
            elif key == "example":
                value = bool(data.get("example", False))
            else:
                value = data.get(key)
            rows.append({"label": label, "key": key, "value": value})
            if key == "description":
                for name, item in data.get("source", {}).items():
                    rows.append(
                        {"label": SOURCE_LABEL + name, "key": f"source.{name}", "value": item}
                    )
        self.rows(ws, INFO_COLUMNS, rows)
        kinds = DataValidation(
            type="list", formula1='"' + ",".join(UNIT_KINDS) + '"', allow_blank=True
        )
        ws.add_data_validation(kinds)
        kinds.add("C5")

    def nodes(self, ws: Worksheet, data: dict) -> None:
        rows: list[dict] = []
        for block in BLOCKS:
            top = data["nodes"] if block == "main" else data.get(block, {}).get("nodes", [])
            stack = [(node, None) for node in reversed(top)]
            while stack:
                node, parent = stack.pop()
                rule = dict(node.get("rule") or {})
                rows.append(
                    {
                        **node,
                        **rule,
                        "parent": parent,
                        "block": block,
                        "rule_type": rule.get("type"),
                    }
                )
                stack += [(child, node["code"]) for child in reversed(node.get("children", []))]
        self.rows(ws, NODE_COLUMNS, rows)
        last = max(len(rows) + 1, 500)
        for letter, choices in (("C", BLOCKS), ("F", METHODS), ("G", RULE_TYPES)):
            check = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            ws.add_data_validation(check)
            check.add(f"{letter}2:{letter}{last}")

    def choices(self, ws: Worksheet, data: dict) -> None:
        rows = []
        for node, _ in _all_nodes(data):
            rule = node.get("rule") or {}
            for key, kind in (("options", "option"), ("bands", "band")):
                for item in rule.get(key, []):
                    rows.append({**item, "code": node["code"], "kind": kind})
        self.rows(ws, CHOICE_COLUMNS, rows)
        check = DataValidation(type="list", formula1='"option,band"', allow_blank=True)
        ws.add_data_validation(check)
        check.add(f"B2:B{max(len(rows) + 1, 500)}")

    def classes(self, ws: Worksheet, data: dict) -> None:
        rows = [
            {**band, "inclusive": band.get("inclusive", True)}
            for band in data.get("classification", [])
        ]
        self.rows(ws, CLASS_COLUMNS, rows)


def _all_nodes(data: dict) -> list[tuple[dict, str]]:
    """Every node dict of every block, in tree order, with its block."""
    out = []
    for block in BLOCKS:
        top = data["nodes"] if block == "main" else data.get(block, {}).get("nodes", [])
        stack = list(reversed(top))
        while stack:
            node = stack.pop()
            out.append((node, block))
            stack += list(reversed(node.get("children", [])))
    return out


# --- reading cells ------------------------------------------------------------------


def _norm(text: Any) -> str:
    """Lower case, no diacritics, single spaces: how headers and keywords are matched."""
    text = unicodedata.normalize("NFD", str(text).casefold()).replace("đ", "d")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shortest(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def parse_number(value: Any, percent: bool = False) -> tuple[Any, str | None]:
    """A number from a cell: numbers, text like "0,25" or " 10 ", and with `percent`
    "95%" (→ 0.95). Returns (number, None) or (None, why not)."""
    if isinstance(value, bool) or isinstance(value, dt.datetime | dt.date | dt.time):
        return None, f"{value!r} is not a number"
    if isinstance(value, int | float):
        return value, None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    scale = 1
    if percent and text.endswith("%"):
        text, scale = text[:-1], 100
    if not _NUMBER.match(text):
        return None, f"{str(value)!r} is not a number"
    text = text.replace(",", ".")
    if scale == 1 and re.fullmatch(r"[+-]?\d+", text):
        return int(text), None
    return float(text) / scale, None


def parse_code(value: Any) -> tuple[str | None, str | None]:
    """A code or label from a cell: text without surrounding spaces; numbers as shown."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return None, (
            f"Excel turned this into a date ({value}); format the column as Text and type it again"
        )
    if isinstance(value, bool):
        return None, f"{value!r} is not a code"
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        return _shortest(value), None
    return str(value).strip(), None


def parse_text(value: Any) -> tuple[str | None, str | None]:
    """Free text, kept exactly (numbers as shown)."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return None, f"Excel turned this into a date ({value}); format the cell as Text"
    if isinstance(value, float):
        return _shortest(value), None
    return str(value), None


_TRUE = {"true", "1", "x", "co", "yes", "dung"}
_FALSE = {"false", "0", "khong", "no", "sai"}


def parse_bool(value: Any) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    word = _norm(value)
    if word in _TRUE:
        return True, None
    if word in _FALSE:
        return False, None
    return None, f"{value!r} is not TRUE/FALSE (có/không)"


# --- import -------------------------------------------------------------------------


def framework_from_excel(data: bytes | str | Path, source: str) -> Framework:
    """Build and validate a framework from an .xlsx workbook (bytes, or a path given by
    the caller); raise `InputError` with every problem, each naming sheet, row and column."""
    try:
        handle = io.BytesIO(data) if isinstance(data, bytes) else data
        wb = load_workbook(handle, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(
            [Problem(source, "", "", f"not a readable .xlsx workbook: {exc}")]
        ) from None
    reader = _Reader(source, wb)
    framework, locations = reader.read()
    try:
        fw = framework_from_dict(framework, source, locations)
    except InputError as exc:
        raise InputError(reader.problems + exc.problems) from None
    if reader.problems:
        raise InputError(reader.problems)
    return fw


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # parsed values by column key; ALREADY_REPORTED for bad cells


class _Reader:
    def __init__(self, source: str, wb: Any):
        self.source = source
        self.problems: list[Problem] = []
        self.sheets = {_norm(ws.title): ws for ws in wb.worksheets}
        self.headers: dict[tuple[str, str], str] = {}  # (sheet, key) → "Header (column C)"

    def add(self, sheet: str, row: int | None, key: str, message: str) -> None:
        where = f"sheet {sheet}" if row is None else f"sheet {sheet}, row {row}"
        self.problems.append(
            Problem(self.source, where, self.headers.get((sheet, key), key), message)
        )

    def sheet(self, name: str, required: bool) -> Worksheet | None:
        ws = self.sheets.get(_norm(name))
        if ws is None and required:
            self.problems.append(
                Problem(self.source, f"sheet {name}", "", f"the workbook has no sheet {name!r}")
            )
        return ws

    # --- tables -------------------------------------------------------------------

    def table(self, name: str, columns: tuple[Column, ...], required: bool) -> list[_Row]:
        ws = self.sheet(name, required)
        if ws is None:
            return []
        rows = list(ws.iter_rows(values_only=True))
        if not rows or all(_blank(v) for v in rows[0]):
            self.add(name, 1, "", "the header row is empty")
            return []
        by_name = {}
        for column in columns:
            for form in (column.header, column.key, f"{column.header} ({column.key})"):
                by_name[_norm(form)] = column
        positions: dict[int, Column] = {}
        for i, title in enumerate(rows[0]):
            if _blank(title):
                continue
            letter = get_column_letter(i + 1)
            column = by_name.get(_norm(title))
            if column is None:
                known = ", ".join(c.header for c in columns)
                self.problems.append(
                    Problem(
                        self.source,
                        f"sheet {name}, row 1",
                        f"{title} (column {letter})",
                        f"unknown column (known: {known})",
                    )
                )
            elif column in positions.values():
                self.problems.append(
                    Problem(
                        self.source,
                        f"sheet {name}, row 1",
                        f"{title} (column {letter})",
                        "column appears twice",
                    )
                )
            else:
                positions[i] = column
                self.headers[(name, column.key)] = f"{str(title).strip()} (column {letter})"
        out = []
        for number, cells in enumerate(rows[1:], start=2):
            values = {}
            for i, column in positions.items():
                value = cells[i] if i < len(cells) else None
                if not _blank(value):
                    values[column.key] = self.cell(name, number, column, value)
            if values:
                out.append(_Row(number, values))
        return out

    def cell(self, sheet: str, row: int, column: Column, value: Any) -> Any:
        if column.kind == "raw":
            return value
        if column.kind in ("number", "ratio"):
            parsed, error = parse_number(value, percent=column.kind == "ratio")
        elif column.kind == "code":
            parsed, error = parse_code(value)
        elif column.kind == "keyword":
            parsed, error = parse_code(value)
            parsed = None if parsed is None else parsed.lower()
        elif column.kind == "bool":
            parsed, error = parse_bool(value)
        elif column.kind == "list":
            parsed, error = self.names(value)
        else:
            parsed, error = parse_text(value)
        if error is not None:
            self.add(sheet, row, column.key, error)
            return ALREADY_REPORTED
        return parsed

    @staticmethod
    def names(value: Any) -> tuple[list[str] | None, str | None]:
        parts = [p.strip() for p in re.split(r"[,;]", str(value))]
        if any(not p for p in parts):
            return (
                None,
                f"{str(value)!r}: names must be separated by single commas, with no empty name",
            )
        return parts, None

    # --- sheets -------------------------------------------------------------------

    def read(self) -> tuple[dict, dict[str, str]]:
        data: dict[str, Any] = {}
        locations: dict[str, str] = {}
        self.info(data)
        nodes = self.nodes(data, locations)
        self.choices(nodes, locations)
        self.classes(data, locations)
        return data, locations

    def info(self, data: dict) -> None:
        labels = {_norm(label): key for key, label in INFO_ROWS}
        seen: dict[str, int] = {}
        for row in self.table(SHEET_INFO, INFO_COLUMNS, required=True):
            key = row.values.get("key")
            label = row.values.get("label")
            if key is None and isinstance(label, str):
                key = labels.get(_norm(label))
                if key is None and _norm(label).startswith(_norm(SOURCE_LABEL)):
                    key = "source." + label.split(":", 1)[1].strip()
            if key is None or key is ALREADY_REPORTED:
                self.add(SHEET_INFO, row.number, "key", "no key (Khóa) for this row")
                continue
            if key in seen:
                self.add(SHEET_INFO, row.number, "key", f"key {key!r} also on row {seen[key]}")
                continue
            seen[key] = row.number
            if key.startswith("source.") and len(key) > len("source."):
                if "value" in row.values:
                    value = row.values["value"]
                    if isinstance(value, dt.datetime | dt.date | dt.time):
                        self.add(
                            SHEET_INFO,
                            row.number,
                            "value",
                            "dates are not supported; write them as text",
                        )
                        continue
                    data.setdefault("source", {})[key.removeprefix("source.")] = value
                continue
            if key not in dict(INFO_ROWS):
                known = ", ".join([k for k, _ in INFO_ROWS] + ["source.<name>"])
                self.add(SHEET_INFO, row.number, "key", f"unknown key {key!r} (known: {known})")
                continue
            if "value" in row.values:
                self.info_value(data, key, row)

    def info_value(self, data: dict, key: str, row: _Row) -> None:
        raw = row.values["value"]
        if key in ("max_points", "bonus.cap", "penalty.cap"):
            column = Column("value", "", 0, "", "number")
        elif key == "example":
            column = Column("value", "", 0, "", "bool")
        elif key in ("id", "version"):
            column = Column("value", "", 0, "", "code")
        elif key == "unit_kind":
            column = Column("value", "", 0, "", "keyword")
        else:
            column = Column("value", "", 0, "")
        value = self.cell(SHEET_INFO, row.number, column, raw)
        block, _, part = key.partition(".")
        if part:
            data.setdefault(block, {})[part] = value
        else:
            data[key] = value

    def nodes(self, data: dict, locations: dict[str, str]) -> dict[str, dict]:
        """Read node rows and assemble the trees; returns node dicts by code."""
        entries: dict[str, tuple[_Row, dict]] = {}
        for row in self.table(SHEET_NODES, NODE_COLUMNS, required=True):
            node = self.node(row)
            if node is None:
                continue
            code = node["code"]
            if code in entries:
                self.add(
                    SHEET_NODES,
                    row.number,
                    "code",
                    f"duplicate code {code!r} (also row {entries[code][0].number})",
                )
                continue
            entries[code] = (row, node)
            locations[code] = f"sheet {SHEET_NODES}, row {row.number}"
        self.tree(entries, data)
        return {code: node for code, (_, node) in entries.items()}

    def node(self, row: _Row) -> dict | None:
        values = row.values
        code = values.get("code")
        if code is None:
            self.add(SHEET_NODES, row.number, "code", "the row has no code (Mã)")
            return None
        if code is ALREADY_REPORTED:
            return None
        node: dict[str, Any] = {"code": code}
        for key in ("name", "max_points", "method"):
            if key in values:
                node[key] = values[key]
        if isinstance(node.get("method"), str):
            node["method"] = _METHOD_ALIASES.get(_norm(node["method"]), node["method"])
        params = {}
        for key in ("step", "target", "per", "start", "inputs", "expr"):
            if key not in values:
                continue
            if values[key] is ALREADY_REPORTED and key in ("inputs", "expr"):
                continue  # already reported; only numbers have a stand-in (NaN)
            params[key] = values[key]
        rule_type = values.get("rule_type")
        if rule_type is ALREADY_REPORTED:
            pass
        elif rule_type is not None:
            node["rule"] = {"type": rule_type, **params}
        elif params:
            self.add(
                SHEET_NODES,
                row.number,
                "rule_type",
                f"rule parameters ({', '.join(params)}) are given but the rule type (Loại quy tắc) is empty",
            )
        for key in ("scoring_text", "note"):
            if key in values:
                node[key] = values[key]
        return node

    def tree(self, entries: dict[str, tuple[_Row, dict]], data: dict) -> None:
        children: dict[str, list[str]] = {code: [] for code in entries}
        roots: list[str] = []
        for code, (row, _) in entries.items():
            parent = row.values.get("parent")
            if parent is None:
                roots.append(code)
            elif parent is ALREADY_REPORTED:
                continue
            elif parent == code:
                self.add(SHEET_NODES, row.number, "parent", f"node {code} is its own parent")
            elif parent not in entries:
                self.add(SHEET_NODES, row.number, "parent", f"unknown parent code {parent!r}")
            else:
                children[parent].append(code)
        tops: dict[str, list[dict]] = {block: [] for block in BLOCKS}
        reached: set[str] = set()
        for root in roots:
            row, node = entries[root]
            block = self.block_of(row, None)
            tops[block].append(node)
            stack = [(root, block)]
            while stack:
                code, block = stack.pop()
                reached.add(code)
                kids = []
                for kid in children[code]:
                    kid_row, kid_node = entries[kid]
                    self.block_of(kid_row, block)
                    kids.append(kid_node)
                    stack.append((kid, block))
                if kids:
                    entries[code][1]["children"] = kids
        for code, (row, _) in entries.items():
            parent = row.values.get("parent")
            if code not in reached and parent in entries and parent != code:
                self.add(
                    SHEET_NODES,
                    row.number,
                    "parent",
                    f"node {code} is not connected to a field: its parent codes form a loop",
                )
        data["nodes"] = tops["main"]
        for which in ("bonus", "penalty"):
            if tops[which]:
                data.setdefault(which, {})["nodes"] = tops[which]

    def block_of(self, row: _Row, parent_block: str | None) -> str:
        """The node's block: as written (aliases accepted), else inherited, else main.
        A wrong block is reported and the inherited one used, so the tree stays whole."""
        fallback = parent_block or "main"
        given = row.values.get("block")
        if given is None or given is ALREADY_REPORTED:
            return fallback
        block = _BLOCK_ALIASES.get(_norm(given))
        if block is None:
            self.add(
                SHEET_NODES,
                row.number,
                "block",
                f"unknown block {given!r} (main, bonus or penalty)",
            )
            return fallback
        if parent_block is not None and block != parent_block:
            self.add(
                SHEET_NODES,
                row.number,
                "block",
                f"block {block} differs from its parent's block {parent_block}",
            )
            return parent_block
        return block

    def choices(self, nodes: dict[str, dict], locations: dict[str, str]) -> None:
        for row in self.table(SHEET_CHOICES, CHOICE_COLUMNS, required=False):
            values = row.values
            code = values.get("code")
            if code is None:
                self.add(
                    SHEET_CHOICES, row.number, "code", "the row has no criterion code (Mã tiêu chí)"
                )
                continue
            if code is ALREADY_REPORTED:
                continue
            node = nodes.get(code)
            if node is None:
                self.add(
                    SHEET_CHOICES,
                    row.number,
                    "code",
                    f"no node with code {code!r} in sheet {SHEET_NODES}",
                )
                continue
            rule = node.get("rule")
            rule_type = None if rule is None else rule.get("type")
            kind = values.get("kind")
            if kind is ALREADY_REPORTED:
                continue
            if kind is None:
                kind = {"options": "option", "bands": "band"}.get(rule_type)
            else:
                kind = _KIND_ALIASES.get(_norm(kind), kind)
            expected = {"option": "options", "band": "bands"}.get(kind)
            if expected is None:
                self.add(
                    SHEET_CHOICES, row.number, "kind", f"unknown kind {kind!r} (option or band)"
                )
                continue
            if rule_type != expected:
                self.add(
                    SHEET_CHOICES,
                    row.number,
                    "kind",
                    f"a {kind} row needs node {code} to have rule type {expected}, not {rule_type or 'none'}",
                )
                continue
            entry = self.entry(row, kind)
            items = rule.setdefault(expected, [])
            locations[f"{code}#{expected}[{len(items)}]"] = (
                f"sheet {SHEET_CHOICES}, row {row.number}"
            )
            items.append(entry)

    def entry(self, row: _Row, kind: str) -> dict:
        values = row.values
        unused = ("min",) if kind == "option" else ("label",)
        for key in unused:
            if key in values:
                self.add(
                    SHEET_CHOICES, row.number, key, f"a {kind} has no {key}; leave the cell empty"
                )
        keys = ("label", "points", "share") if kind == "option" else ("min", "points", "share")
        return {
            key: values[key]
            for key in keys
            if key in values and (key != "label" or values[key] is not ALREADY_REPORTED)
        }

    def classes(self, data: dict, locations: dict[str, str]) -> None:
        bands = []
        for row in self.table(SHEET_CLASSES, CLASS_COLUMNS, required=False):
            band = dict(row.values)
            if band.get("inclusive") is ALREADY_REPORTED:
                band.pop("inclusive")
            locations[f"classification[{len(bands)}]"] = f"sheet {SHEET_CLASSES}, row {row.number}"
            bands.append(band)
        if bands:
            data["classification"] = bands


_BLOCK_ALIASES = {
    "main": "main",
    "chinh": "main",
    "diem chinh": "main",
    "bonus": "bonus",
    "thuong": "bonus",
    "diem thuong": "bonus",
    "penalty": "penalty",
    "tru": "penalty",
    "diem tru": "penalty",
}
_METHOD_ALIASES = {
    "tham dinh": "appraisal",
    "dieu tra": "survey",
    "dieu tra xhh": "survey",
    "khao sat": "survey",
    "du lieu": "data",
    "so lieu": "data",
}
_KIND_ALIASES = {
    "option": "option",
    "lua chon": "option",
    "band": "band",
    "nguong": "band",
}
