"""Collected responses: import of ODK Central / KoboToolbox exports and paper entry templates.

`import_responses(frame, instrument, ...)` takes an export already read as a table of text
(CSV or XLSX, by the caller) and returns `(valid, rejected)`: the rows that pass every check,
in the instrument's names, and one Problem per reason a row was refused (row number, column,
reason). A bad row never stops the good ones; only a file the instrument cannot be matched to
at all (no question column recognised, two columns for one question) raises InputError.

Column names understood:
* questions: the bare name (`q9_01`), Kobo's group path (`b/q9/q9_01`), ODK Central's
  (`b-q9-q9_01`), the question's label (the entry template's headers), or `label [name]`;
* instance id: `meta/instanceID`, `meta-instanceID`, `instanceID`, `KEY`, `_uuid`
  (a `uuid:` prefix is dropped); submission time: `_submission_time`, `SubmissionDate`,
  `end`; form version: `FormVersion` (Central), `__version__` / `_version_` (Kobo),
  `version`, `Phiên bản phiếu` (the entry template).

Row checks: the form version equals the instrument's `settings.version` (or one of
`accept_versions`; Kobo's `__version__` holds Kobo's own deployment id unless the XLSForm
sets a version — pass the accepted values then); the household / respondent code is given
and, when a sample is given, is one of its households; every answer is a choice of its
question (by name, or by label as the entry template writes it) and numbers are numbers;
no instance id or household appears twice in the file or in `existing_keys` (so importing
the same file twice adds nothing: the second run refuses every row as already imported).
Blank answers are kept as blank (missing), never refused: required-ness is enforced by
the collection tool, not after the fact.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from parindex.errors import InputError, Problem
from parindex.survey.estimate import answer_key
from parindex.survey.instrument import Instrument, Question

INSTANCE_COLUMNS = (
    "meta/instanceid",
    "meta-instanceid",
    "instanceid",
    "instance_id",
    "key",
    "_uuid",
)
TIME_COLUMNS = ("_submission_time", "submissiondate", "submitted_at", "end")
VERSION_COLUMNS = ("formversion", "__version__", "_version_", "version", "meta/version")
TEMPLATE_VERSION_HEADER = "Phiên bản phiếu"
KEY_QUESTIONS = ("household_code", "respondent_code")
META_OUT = ["instance_id", "submitted_at", "instrument_id", "instrument_version", "source_row"]
_SUFFIX_RE = re.compile(r"\[([A-Za-z_][A-Za-z0-9_.\-]*)\]\s*$")


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def key_question(instrument: Instrument) -> str | None:
    """The question identifying the household / respondent (household_code, respondent_code)."""
    for name in KEY_QUESTIONS:
        if name in instrument.names:
            return name
    return None


def match_columns(
    columns: Iterable[str], instrument: Instrument, source: str = "responses"
) -> tuple[dict[str, str], dict[str, str]]:
    """Map export columns to question names, and find the meta columns.

    Returns ({column: question}, {"instance": col, "time": col, "version": col}).
    """
    columns = [str(c) for c in columns]
    by_path: dict[str, str] = {}
    for q in instrument.questions:
        for path in q.paths:
            by_path.setdefault(path, q.name)
            by_path.setdefault(path.casefold(), q.name)
    labels: dict[str, list[str]] = {}
    for q in instrument.questions:
        labels.setdefault(_norm(q.label), []).append(q.name)
    groups = {g for q in instrument.questions for g in q.group}
    names = set(instrument.names)

    found: dict[str, str] = {}
    meta: dict[str, str] = {}
    lowered = {c: c.strip().casefold() for c in columns}
    for kind, candidates in (
        ("instance", INSTANCE_COLUMNS),
        ("time", TIME_COLUMNS),
        ("version", VERSION_COLUMNS),
    ):
        for cand in candidates:
            hit = next((c for c in columns if lowered[c] == cand), None)
            if hit is not None and hit not in meta.values():
                meta[kind] = hit
                break
    if "version" not in meta:
        hit = next(
            (c for c in columns if _norm(c).startswith(_norm(TEMPLATE_VERSION_HEADER))), None
        )
        if hit is not None:
            meta["version"] = hit
    meta_cols = set(meta.values())
    for col in columns:
        if col in meta_cols:
            continue
        text = col.strip()
        name = by_path.get(text) or by_path.get(text.casefold())
        if name is None and "/" in text:
            *prefix, last = text.split("/")
            if last in names and set(prefix) <= groups:
                name = last
        if name is None:
            m = _SUFFIX_RE.search(text)
            if m and m.group(1) in names:
                name = m.group(1)
        if name is None:
            hits = labels.get(_norm(text), [])
            if len(hits) == 1:
                name = hits[0]
        if name is not None:
            found[col] = name
    problems = []
    seen: dict[str, str] = {}
    for col, name in found.items():
        if name in seen:
            problems.append(
                Problem(
                    source, "header", col, f"is question {name!r} again (already {seen[name]!r})"
                )
            )
        seen[name] = col
    if not found:
        problems.append(
            Problem(
                source,
                "header",
                "",
                f"no column matches a question of {instrument.id} v{instrument.version}: "
                "is this the right instrument?",
            )
        )
    if problems:
        raise InputError(problems)
    return found, meta


def _answer_tables(instrument: Instrument) -> dict[str, dict[str, str]]:
    """Per list: accepted spelling (name or label, normalised) → choice name."""
    out: dict[str, dict[str, str]] = {}
    for list_name, choices in instrument.choices.items():
        table: dict[str, str] = {}
        for c in choices:
            table.setdefault(_norm(c.label), c.name)
        for c in choices:
            table[answer_key(c.name).casefold()] = c.name  # names win over labels
        out[list_name] = table
    return out


def _check_answers(
    values: pd.Series, question: Question, instrument: Instrument, tables: dict
) -> tuple[pd.Series, dict[int, str]]:
    """Normalised answers of one column and the reason each bad row is refused."""
    text = values.fillna("").astype(str).str.strip()
    bad: dict[int, str] = {}
    if question.type == "select_one":
        table = tables[question.list_name]
        allowed = ", ".join(instrument.choice_names(question))
        codes, uniques = pd.factorize(text)
        mapped = []
        wrong = []
        for k, u in enumerate(uniques):
            if u == "":
                mapped.append("")
                continue
            hit = table.get(answer_key(u).casefold()) or table.get(_norm(u))
            mapped.append(hit if hit is not None else u)
            if hit is None:
                wrong.append(k)
        out = (
            pd.Series(np.asarray(mapped, dtype=object)[codes], index=values.index)
            if len(uniques)
            else text
        )
        for pos in np.flatnonzero(np.isin(codes, wrong)):
            bad[int(pos)] = f"{text.iloc[pos]!r} is not a choice ({allowed})"
        return out, bad
    if question.type == "select_multiple":
        table = tables[question.list_name]
        allowed = ", ".join(instrument.choice_names(question))
        out_values = []
        for pos, value in enumerate(text):
            if value == "":
                out_values.append("")
                continue
            whole = table.get(_norm(value))
            if whole is not None:
                out_values.append(whole)
                continue
            tokens = value.split()
            names = [table.get(answer_key(t).casefold()) for t in tokens]
            if any(n is None for n in names):
                wrong = [t for t, n in zip(tokens, names, strict=True) if n is None]
                bad[pos] = f"{', '.join(map(repr, wrong))} not among the choices ({allowed})"
                out_values.append(value)
            else:
                out_values.append(" ".join(names))
        return pd.Series(out_values, index=values.index, dtype=object), bad
    if question.type in ("integer", "decimal"):
        numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        wrong = numbers.isna() & (text != "")
        if question.type == "integer":
            wrong |= numbers.notna() & (numbers != numbers.round())
        for pos in np.flatnonzero(wrong.to_numpy()):
            bad[int(pos)] = (
                f"{text.iloc[pos]!r} is not {'a whole number' if question.type == 'integer' else 'a number'}"
            )
        return text.map(answer_key), bad
    return text, bad


def import_responses(
    frame: pd.DataFrame,
    instrument: Instrument,
    sample: pd.DataFrame | None = None,
    existing_keys: Iterable[str] | None = None,
    source: str = "responses",
    *,
    sample_key: str = "household",
    accept_versions: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate every row of an export; return (valid rows, rejected reasons)."""
    columns, meta = match_columns(frame.columns, instrument, source)
    key_q = key_question(instrument)
    if sample is not None and sample_key not in sample.columns:
        raise InputError([Problem("sample", "header", sample_key, "required column is missing")])
    if sample is not None and (key_q is None or key_q not in columns.values()):
        raise InputError(
            [
                Problem(
                    source,
                    "header",
                    key_q or "household_code",
                    "a sample was given but the responses have no household code column",
                )
            ]
        )
    n = len(frame)
    reasons: dict[int, list[Problem]] = {}

    def refuse(pos: int, field: str, message: str) -> None:
        reasons.setdefault(pos, []).append(Problem(source, f"row {pos + 2}", field, message))

    frame = frame.reset_index(drop=True)
    tables = _answer_tables(instrument)
    by_name = {name: col for col, name in columns.items()}
    answers: dict[str, np.ndarray] = {}
    for q in instrument.questions:
        col = by_name.get(q.name)
        if col is None:
            answers[q.name] = np.full(n, "", dtype=object)
            continue
        values, bad = _check_answers(frame[col], q, instrument, tables)
        answers[q.name] = values.to_numpy(dtype=object)
        for pos, message in bad.items():
            refuse(pos, col, message)
    out = pd.DataFrame(answers, index=range(n))

    # identifiers
    def text_of(col: str | None) -> pd.Series:
        if col is None:
            return pd.Series([""] * n)
        return frame[col].fillna("").astype(str).str.strip()

    instance = text_of(meta.get("instance")).str.replace(r"^uuid:", "", regex=True)
    household = out[key_q].astype(str) if key_q else pd.Series([""] * n)
    version = text_of(meta.get("version"))
    accepted = {instrument.version, *(str(v) for v in (accept_versions or []))}
    for pos in np.flatnonzero(((version != "") & ~version.isin(accepted)).to_numpy()):
        refuse(
            pos,
            meta["version"],
            f"form version {version.iloc[pos]!r}, expected {instrument.version!r} "
            f"({instrument.id}): collected with another version of the form",
        )
    if key_q is not None and key_q in by_name:
        for pos in np.flatnonzero((household == "").to_numpy()):
            refuse(pos, by_name[key_q], "household / respondent code is empty")
    if sample is not None:
        known = set(sample[sample_key].astype(str).str.strip())
        unknown = (household != "") & ~household.isin(known)
        for pos in np.flatnonzero(unknown.to_numpy()):
            refuse(pos, by_name[key_q], f"household {household.iloc[pos]!r} is not in the sample")
    if meta.get("instance") is None and (key_q is None or key_q not in by_name):
        raise InputError(
            [Problem(source, "header", "", "no instance id column and no household code column")]
        )

    # blank lines (e.g. the unused rows of an entry template) are not responses
    answered = out[[q.name for q in instrument.questions]].astype(str).ne("").any(axis=1)
    blank = ~answered.to_numpy() & (instance == "").to_numpy()
    for pos in np.flatnonzero(blank):
        reasons.pop(int(pos), None)

    existing = {str(k) for k in (existing_keys or [])}
    first_instance: dict[str, int] = {}
    first_household: dict[str, int] = {}
    hh_field = by_name.get(key_q, key_q or "") if key_q else ""
    for pos in np.flatnonzero(~blank):
        inst, hh = instance.iloc[pos], household.iloc[pos]
        if inst and inst in existing:
            refuse(pos, meta["instance"], f"instance {inst!r} was already imported")
        elif hh and hh in existing:
            refuse(pos, hh_field, f"household {hh!r} was already imported")
        elif inst and inst in first_instance:
            refuse(
                pos,
                meta["instance"],
                f"duplicate of row {first_instance[inst] + 2} (same instance id)",
            )
        elif hh and hh in first_household:
            refuse(
                pos, hh_field, f"household {hh!r} already answered in row {first_household[hh] + 2}"
            )
        elif pos not in reasons:
            if inst:
                first_instance[inst] = pos
            if hh:
                first_household[hh] = pos

    time = text_of(meta.get("time"))
    out.insert(0, "instance_id", np.where(instance != "", instance, household))
    out.insert(1, "submitted_at", time.to_numpy())
    out.insert(2, "instrument_id", instrument.id)
    out.insert(3, "instrument_version", np.where(version != "", version, instrument.version))
    out.insert(4, "source_row", np.arange(n) + 2)
    keep = np.array([pos not in reasons for pos in range(n)], dtype=bool) & ~blank
    rejected = [p for pos in sorted(reasons) for p in reasons[pos]]
    return out[keep].reset_index(drop=True), rejected


def response_keys(valid: pd.DataFrame, instrument: Instrument) -> set[str]:
    """Instance ids and household codes of already imported responses (for `existing_keys`)."""
    keys: set[str] = set()
    if "instance_id" in valid.columns:
        keys |= {str(v) for v in valid["instance_id"] if str(v).strip()}
    key_q = key_question(instrument)
    if key_q and key_q in valid.columns:
        keys |= {str(v) for v in valid[key_q] if str(v).strip()}
    return keys


# ----------------------------------------------------------------------------- entry template


def entry_template(instrument: Instrument, rows: int = 1000) -> bytes:
    """An Excel workbook for entering paper forms: one column per question with a Vietnamese
    header (the question's label), the answer lists as drop-down data validation, a version
    column, and a guide sheet. `import_responses` reads it back by its headers."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "Nhập liệu"
    lists = wb.create_sheet("Danh mục")
    guide = wb.create_sheet("Hướng dẫn")

    label_count: dict[str, int] = {}
    for q in instrument.questions:
        label_count[_norm(q.label)] = label_count.get(_norm(q.label), 0) + 1

    list_column: dict[str, str] = {}
    for k, (list_name, choices) in enumerate(instrument.choices.items(), start=1):
        letter = get_column_letter(k)
        lists.cell(row=1, column=k, value=list_name).font = Font(bold=True)
        for r, choice in enumerate(choices, start=2):
            lists.cell(row=r, column=k, value=choice.label)
        ref = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(choices) + 1}"
        list_column[list_name] = ref
    lists.sheet_state = "hidden"

    last = rows + 1
    header_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    guide.append(["Phiếu", instrument.title])
    guide.append(["Mã phiếu (form_id)", instrument.id])
    guide.append(["Phiên bản (version)", instrument.version])
    guide.append([])
    guide.append(["Cột", "Mã câu hỏi", "Câu hỏi", "Loại", "Câu trả lời hợp lệ"])
    for cell in guide[5]:
        cell.font = header_font
    col = 0
    for q in instrument.questions:
        col += 1
        letter = get_column_letter(col)
        header = q.label if label_count[_norm(q.label)] == 1 else f"{q.label} [{q.name}]"
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = header_font
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(f"{q.name} ({q.type})", "parindex")
        ws.column_dimensions[letter].width = 24 if q.is_select else 18
        rng = f"{letter}2:{letter}{last}"
        if q.type == "select_one":
            dv = DataValidation(type="list", formula1=list_column[q.list_name], allow_blank=True)
            dv.error = "Chọn một câu trả lời trong danh sách"
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(rng)
        elif q.type == "integer":
            dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="-999999999")
            ws.add_data_validation(dv)
            dv.add(rng)
        elif q.type == "decimal":
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="-1e12")
            ws.add_data_validation(dv)
            dv.add(rng)
        answers = "; ".join(
            f"{c.name} = {c.label}" for c in instrument.choices.get(q.list_name, [])
        )
        if q.type == "select_multiple":
            answers = "nhiều mã, cách nhau bởi dấu cách: " + answers
        guide.append([letter, q.name, q.label, q.type, answers])
    col += 1
    letter = get_column_letter(col)
    cell = ws.cell(row=1, column=col, value=f"{TEMPLATE_VERSION_HEADER} (version)")
    cell.font = header_font
    cell.fill = fill
    dv = DataValidation(type="list", formula1=f'"{instrument.version}"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"{letter}2:{letter}{last}")
    ws.freeze_panes = "B2"
    ws.row_dimensions[1].height = 90
    guide.column_dimensions["C"].width = 80
    guide.column_dimensions["E"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
