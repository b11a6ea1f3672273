"""Survey instruments as XLSForm (the ODK / KoboToolbox standard).

An instrument is an .xlsx workbook with the sheets `survey` (type, name, label…), `choices`
(list_name, name, label) and `settings` (form_title, form_id, version, default_language).
`load_instrument(data)` checks the workbook (all structural problems at once, then pyxform's
own conversion, run in Python only: no Java validator) and returns an `Instrument`: the
questions that collect a value, their answer lists, the form id and the version every
response records.

Labels may be plain (`label`) or per language (`label::Tiếng Việt (vi)`); the default
language of the settings sheet wins, then any Vietnamese column, then the first.

Core module: takes bytes, returns objects; the only file it opens is package data (the two
built-in instruments, via importlib.resources).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from importlib import resources

from parindex.errors import InputError, Problem

BUILTIN_INSTRUMENTS = ("sipas-bnv-2022", "dtxhh-example")

# Types that collect no answer of the respondent (structure, display, computed, meta).
_NO_VALUE = {
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "begin group",
    "end group",
    "begin repeat",
    "end repeat",
    "note",
    "calculate",
    "hidden",
}
META_TYPES = {
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
}
_SELECT = ("select_one", "select_multiple")
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class Choice:
    name: str
    label: str


@dataclass(frozen=True)
class Question:
    name: str
    type: str  # base type: select_one, select_multiple, text, integer, decimal, date, ...
    label: str
    list_name: str = ""
    group: tuple[str, ...] = ()  # enclosing group names, outermost first
    required: bool = False
    row: int = 0  # row in the survey sheet

    @property
    def is_select(self) -> bool:
        return self.type in _SELECT

    @property
    def paths(self) -> tuple[str, ...]:
        """Column names export tools give this question: bare, Kobo `g/q`, Central `g-q`."""
        if not self.group:
            return (self.name,)
        return (
            self.name,
            "/".join((*self.group, self.name)),
            "-".join((*self.group, self.name)),
        )


@dataclass
class Instrument:
    id: str
    version: str
    title: str
    questions: list[Question]
    choices: dict[str, list[Choice]]
    default_language: str = ""
    warnings: list[str] = field(default_factory=list)

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [q.name for q in self.questions]

    def choice_names(self, question: str | Question) -> list[str]:
        q = self.question(question) if isinstance(question, str) else question
        return [c.name for c in self.choices.get(q.list_name, [])]

    def choice_label(self, question: str | Question, name: str) -> str:
        q = self.question(question) if isinstance(question, str) else question
        for c in self.choices.get(q.list_name, []):
            if c.name == name:
                return c.label
        return ""


# ----------------------------------------------------------------------------- reading


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sheet_rows(wb, name: str) -> list[dict[str, str]] | None:
    """Rows of a sheet as dicts keyed by the lower-cased header (None if no such sheet)."""
    sheet = None
    for ws in wb.worksheets:
        if ws.title.strip().lower() == name:
            sheet = ws
            break
    if sheet is None:
        return None
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return []
    header = [_cell(h).lower() for h in rows[0]]
    header = ["list_name" if h == "list name" else h for h in header]
    out = []
    for values in rows[1:]:
        record = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        record["__row__"] = ""  # filled by the caller with the sheet row number
        out.append(record)
    for i, record in enumerate(out):
        record["__row__"] = str(i + 2)
    return out


def _label_column(columns: set[str], default_language: str) -> str:
    labels = sorted(c for c in columns if c == "label" or c.startswith("label::"))
    if not labels:
        return "label"
    if default_language and f"label::{default_language.lower()}" in labels:
        return f"label::{default_language.lower()}"
    for c in labels:
        if "(vi)" in c or "vietnam" in c or "tiếng việt" in c:
            return c
    return "label" if "label" in labels else labels[0]


def parse_instrument(data: bytes, source: str = "instrument") -> Instrument:
    """Read an XLSForm workbook and check its structure; every problem is reported at once.

    Does not run pyxform: `load_instrument` does both.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise InputError(
            [Problem(source, "", "", f"is not a readable .xlsx file: {exc}")]
        ) from None
    problems: list[Problem] = []
    survey = _sheet_rows(wb, "survey")
    choices_rows = _sheet_rows(wb, "choices")
    settings_rows = _sheet_rows(wb, "settings") or []
    wb.close()
    if survey is None:
        raise InputError([Problem(source, "sheet survey", "", "the XLSForm has no survey sheet")])
    settings = settings_rows[0] if settings_rows else {}
    default_language = settings.get("default_language", "")

    # settings
    version = settings.get("version", "")
    form_id = settings.get("form_id", "") or settings.get("id_string", "")
    if not version:
        problems.append(
            Problem(
                source,
                "sheet settings",
                "version",
                "is missing: every response records the instrument version, so the form needs one",
            )
        )
    if not form_id:
        problems.append(Problem(source, "sheet settings", "form_id", "is missing"))

    # choices
    choices: dict[str, list[Choice]] = {}
    if choices_rows:
        ccols = set().union(*(r.keys() for r in choices_rows))
        clabel = _label_column(ccols, default_language)
        for col in ("list_name", "name"):
            if col not in ccols:
                problems.append(Problem(source, "sheet choices", col, "column is missing"))
        for r in choices_rows:
            lst, name = r.get("list_name", ""), r.get("name", "")
            where = f"sheet choices, row {r['__row__']}"
            if not lst and not name:
                continue
            if not lst:
                problems.append(Problem(source, where, "list_name", "is empty"))
                continue
            if not name:
                problems.append(
                    Problem(source, where, "name", f"choice of list {lst!r} has no name")
                )
                continue
            if any(c.name == name for c in choices.get(lst, [])):
                problems.append(
                    Problem(source, where, "name", f"{name!r} appears twice in list {lst!r}")
                )
                continue
            choices.setdefault(lst, []).append(Choice(name, r.get(clabel, "") or name))

    # survey
    scols = set().union(*(r.keys() for r in survey)) if survey else set()
    for col in ("type", "name"):
        if col not in scols:
            problems.append(Problem(source, "sheet survey", col, "column is missing"))
    slabel = _label_column(scols, default_language)
    questions: list[Question] = []
    groups: list[str] = []
    seen: dict[str, str] = {}
    for r in survey:
        typ = " ".join(r.get("type", "").split())
        name = r.get("name", "")
        row = r["__row__"]
        where = f"sheet survey, row {row}"
        if not typ:
            if name or r.get(slabel, ""):
                problems.append(Problem(source, where, "type", "is empty"))
            continue
        base = typ.split(" ")[0].lower()
        if base in ("end_group", "end_repeat") or typ.lower() in ("end group", "end repeat"):
            if not groups:
                problems.append(Problem(source, where, "type", f"{typ} without a matching begin"))
            else:
                groups.pop()
            continue
        if not name:
            problems.append(Problem(source, where, "name", f"a {base} row needs a name"))
            continue
        if not _NAME_RE.match(name):
            problems.append(Problem(source, where, "name", f"{name!r} is not a valid XLSForm name"))
        if base in ("begin_group", "begin_repeat") or typ.lower() in (
            "begin group",
            "begin repeat",
        ):
            groups.append(name)
            continue
        if name in seen:
            problems.append(
                Problem(
                    source, where, "name", f"{name!r} is used twice (first in row {seen[name]})"
                )
            )
            continue
        seen[name] = row
        if base in _NO_VALUE or base in META_TYPES:
            continue
        list_name = ""
        if base in _SELECT:
            parts = typ.split(" ")
            if len(parts) < 2:
                problems.append(Problem(source, where, "type", f"{base} needs a list name"))
                continue
            list_name = parts[1]
            if len(parts) > 2 and parts[2:] != ["or_other"]:
                problems.append(Problem(source, where, "type", f"cannot read type {typ!r}"))
            if list_name not in choices:
                problems.append(
                    Problem(
                        source, where, "type", f"list {list_name!r} is not in the choices sheet"
                    )
                )
        required = r.get("required", "").lower() in ("yes", "true", "true()", "1")
        questions.append(
            Question(
                name=name,
                type=base,
                label=r.get(slabel, "") or name,
                list_name=list_name,
                group=tuple(groups),
                required=required,
                row=int(row),
            )
        )
    if groups:
        problems.append(
            Problem(source, "sheet survey", "type", f"group {groups[-1]!r} is never closed")
        )
    if not questions:
        problems.append(Problem(source, "sheet survey", "", "the form has no question"))
    if problems:
        raise InputError(problems)
    title = settings.get("form_title", "") or form_id
    return Instrument(form_id, version, title, questions, choices, default_language)


_ROW_RE = re.compile(r"\[row\s*:\s*(\d+)\]")


def pyxform_check(data: bytes, source: str = "instrument") -> list[str]:
    """Convert with pyxform (Python only, validate=False); return its warnings, raise on error."""
    try:
        from pyxform.errors import PyXFormError
        from pyxform.xls2xform import convert
    except ImportError:  # pragma: no cover - pyxform is a dependency
        raise InputError(
            [Problem(source, "", "", "pyxform is not installed: pip install pyxform")]
        ) from None
    warnings: list[str] = []
    try:
        convert(data, warnings=warnings, validate=False, file_type=".xlsx")
    except PyXFormError as exc:
        text = str(exc)
        m = _ROW_RE.search(text)
        where = f"sheet survey, row {m.group(1)}" if m else ""
        raise InputError([Problem(source, where, "", f"pyxform: {text}")]) from None
    except Exception as exc:  # pyxform can fail on odd input with other errors
        raise InputError([Problem(source, "", "", f"pyxform could not read it: {exc}")]) from None
    return warnings


def load_instrument(data: bytes, source: str = "instrument") -> Instrument:
    """Check an XLSForm (structure, then pyxform) and return the instrument."""
    instrument = parse_instrument(data, source)
    instrument.warnings = pyxform_check(data, source)
    return instrument


def validate_instrument(data: bytes, source: str = "instrument") -> list[Problem]:
    """Every problem of an XLSForm (empty when it is valid)."""
    try:
        load_instrument(data, source)
    except InputError as error:
        return error.problems
    return []


# ----------------------------------------------------------------------------- built-ins


def builtin_instrument_bytes(instrument_id: str) -> bytes:
    """The packaged .xlsx of a built-in instrument."""
    if instrument_id not in BUILTIN_INSTRUMENTS:
        raise InputError(
            [
                Problem(
                    "instrument",
                    "",
                    "id",
                    f"unknown built-in instrument {instrument_id!r} "
                    f"(built-in: {', '.join(BUILTIN_INSTRUMENTS)})",
                )
            ]
        )
    path = resources.files("parindex").joinpath("data", "instruments", f"{instrument_id}.xlsx")
    return path.read_bytes()


def builtin_instrument(instrument_id: str) -> Instrument:
    return load_instrument(builtin_instrument_bytes(instrument_id), f"{instrument_id}.xlsx")
