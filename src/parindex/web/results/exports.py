"""Excel and PDF files of a ranking and of one unit's score sheet, in the layout officials use.

Excel cells hold the unrounded numbers with a two-decimal format (so spreadsheet sums agree
with ours; Excel shows 87,68 or 87.68 after the reader's own locale). Column headings and
labels are translated; in Vietnamese (the default) the score sheet's columns are the
official ones: STT, Tiêu chí, Điểm tối đa, Điểm tự đánh giá, Điểm thẩm định, Ghi chú.

PDFs are rendered by WeasyPrint from the templates under `results/pdf/`, A4 with page
numbers, in DejaVu Sans shipped with this app (`static/results/fonts/`, Bitstream Vera
licence), so a server without any font installed renders the same Vietnamese text.
WeasyPrint needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0); without it the PDF
views answer 503 and everything else works.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from parindex.web.campaigns.models import Campaign
from parindex.web.pdf import (  # noqa: F401 (re-exported)
    FONT_BOLD,
    FONT_DIR,
    FONT_REGULAR,
    PdfUnavailable,
    _fetcher_class,
    html_to_pdf,
)
from parindex.web.results.queries import FieldInfo

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER = "0.00"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="E8EBEE")
THIN = Side(style="thin", color="9AA3AC")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


def file_stem(*parts: Any) -> str:
    """An ASCII file name from its parts ("xep-hang-2025-12")."""
    return "-".join(slugify(str(p)) for p in parts if str(p).strip()) or "export"


def sheet_title(text: str, used: set[str]) -> str:
    """A valid, unique worksheet title (≤ 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", text).strip() or _("Units")
    base = base[:31]
    title, n = base, 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.casefold())
    return title


def _header(ws, row: int, labels: Sequence[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=col, value=label)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.border = BOX
        cell.alignment = CENTER


def _put(ws, row: int, col: int, value: Any, number: bool = False, bold: bool = False):
    cell = ws.cell(row=row, column=col, value=value)
    cell.border = BOX
    if number:
        cell.number_format = NUMBER
    else:
        cell.alignment = WRAP
    if bold:
        cell.font = BOLD
    return cell


def print_layout(
    ws, head: int, widths: Sequence[float], freeze_col: int, landscape: bool = True
) -> None:
    """Column widths, frozen header and first columns, and an A4 print one page wide with
    the header row repeated: how officials print these tables."""
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=head + 1, column=freeze_col)
    ws.print_title_rows = f"{head}:{head}"
    if landscape:
        ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- ranking -----------------------------------------------------------------------------------


def ranking_columns(
    fields: Sequence[FieldInfo], has_previous: bool, has_interval: bool = False
) -> list[str]:
    labels = [
        pgettext("score sheet", "No."),
        _("Unit code"),
        _("Unit"),
        _("Points"),
        _("Maximum points"),
        _("Index (%)"),
        _("Rank"),
        _("Class"),
    ]
    if has_interval:
        labels += [
            _("Rank likely from (5th percentile)"),
            _("Rank likely to (95th percentile)"),
            _("Indistinguishable from a neighbour"),
        ]
    if has_previous:
        labels += [
            _("Previous index (%)"),
            _("Change of the index"),
            _("Change of rank (places)"),
            _("Notes"),
        ]
    labels += [_("Field %(code)s (%%)") % {"code": f.code} for f in fields]
    return labels


def yoy_text(row: dict[str, Any], short: bool = False) -> str:
    note = row["yoy"]
    if note.kind == "new":
        return _("new unit")
    if note.kind == "merged":
        if short:
            return _("merged: %(units)s") % {"units": note.sources}
        return _("merged; compared with its predecessors %(units)s") % {"units": note.sources}
    return note.sources


def ranking_xlsx(
    campaign: Campaign,
    groups: Sequence[tuple[str, list[dict[str, Any]]]],
    fields: Sequence[FieldInfo],
    has_previous: bool,
    has_interval: bool = False,
) -> bytes:
    """One worksheet per peer group, rows in rank order; with `has_interval`, each rank's
    5–95 % interval from the rank uncertainty analysis (`parindex.web.results.uncertainty`)."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    labels = ranking_columns(fields, has_previous, has_interval)
    for group, rows in groups or [("", [])]:
        ws = wb.create_sheet(sheet_title(group or _("Units"), used))
        ws.cell(
            row=1, column=1, value=_("Ranking — %(name)s") % {"name": campaign.name}
        ).font = TITLE
        ws.cell(row=2, column=1, value=_("Peer group: %(group)s") % {"group": group or "—"})
        ws.cell(
            row=3,
            column=1,
            value=_(
                "Framework %(id)s, version %(version)s; year %(year)s. Ranked on unrounded values."
            )
            % {
                "id": campaign.framework_id,
                "version": campaign.framework_version,
                "year": campaign.year,
            },
        )
        head = 5
        _header(ws, head, labels)
        for i, row in enumerate(rows, start=1):
            r = head + i
            values: list[tuple[Any, bool]] = [
                (i, False),
                (row["unit_code"], False),
                (row["unit_name"], False),
                (row["points"], True),
                (row["max_points"], True),
                (row["index_pct"], True),
                (row["rank"], False),
                (row["class_label"], False),
            ]
            if has_interval:
                interval = row.get("interval") or {}
                flag = interval.get("indistinguishable")
                values += [
                    (interval.get("low"), False),
                    (interval.get("high"), False),
                    (_("yes") if flag else (_("no") if interval else None), False),
                ]
            if has_previous:
                values += [
                    (row["prev_index_pct"], True),
                    (row["index_change"], True),
                    (row["rank_change"], False),
                    (yoy_text(row), False),
                ]
            values += [(row["fields"].get(f.code), True) for f in fields]
            for col, (value, is_number) in enumerate(values, start=1):
                _put(ws, r, col, value, number=is_number)
        widths = [6, 12, 40, 10, 10, 10, 9, 14] + ([12, 12, 14] if has_interval else [])
        widths += [12, 12, 12, 34] if has_previous else []
        widths += [12] * len(fields)
        print_layout(ws, head, widths, freeze_col=4)
    return _save(wb)


# --- score sheet -------------------------------------------------------------------------------


def sheet_rows(
    nodes: Sequence[dict[str, Any]], notes: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The score sheet's rows in tree order: fields bold, not-applicable criteria noted."""
    notes = notes or {}
    rows = []
    for node in nodes:
        note = []
        if not node["applicable"]:
            note.append(_("Not applicable"))
        if notes.get(node["node_code"]):
            note.append(notes[node["node_code"]])
        rows.append(
            {
                "code": node["node_code"],
                "name": node["node_name"],
                "depth": node["depth"],
                "is_field": node["depth"] == 0,
                "is_leaf": node["is_leaf"],
                "max_points": node["max_points"],
                "self_points": node["self_points"],
                "points": node["points"],
                "note": "; ".join(note),
            }
        )
    return rows


def sheet_totals(
    result: dict[str, Any], self_result: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Rows after the tree: bonus and penalty (if any), total points, index %, class, rank."""
    own = self_result or {}
    rows = []
    if result.get("bonus_points") or own.get("bonus_points"):
        rows.append(
            {"label": _("Bonus points"), "max": None, "self": own.get("bonus_points"),
             "appraised": result["bonus_points"], "number": True}
        )  # fmt: skip
    if result.get("penalty_points") or own.get("penalty_points"):
        rows.append(
            {"label": _("Penalty points"), "max": None, "self": own.get("penalty_points"),
             "appraised": result["penalty_points"], "number": True}
        )  # fmt: skip
    rows += [
        {"label": _("Total points"), "max": result["max_points"], "self": own.get("points"),
         "appraised": result["points"], "number": True},
        {"label": _("Index (%)"), "max": 100.0, "self": own.get("index_pct"),
         "appraised": result["index_pct"], "number": True},
        {"label": _("Class"), "max": None, "self": own.get("class_label"),
         "appraised": result["class_label"], "number": False},
        {"label": _("Rank in the peer group"), "max": None, "self": own.get("rank"),
         "appraised": result["rank"], "number": False},
    ]  # fmt: skip
    return rows


def score_sheet_columns() -> list[str]:
    # The official columns (STT, Tiêu chí, Điểm tối đa, Điểm tự đánh giá, Điểm thẩm định,
    # Ghi chú); a context keeps other catalogues' translations of these words out.
    return [
        pgettext("score sheet", "No."),
        pgettext("score sheet", "Criterion"),
        pgettext("score sheet", "Maximum points"),
        pgettext("score sheet", "Self-assessed points"),
        pgettext("score sheet", "Appraised points"),
        pgettext("score sheet", "Notes"),
    ]


def score_sheet_xlsx(
    campaign: Campaign,
    result: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    totals: Sequence[dict[str, Any]],
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(result["unit_code"], set())
    ws.cell(
        row=1, column=1, value=_("Score sheet — %(unit)s") % {"unit": result["unit_name"]}
    ).font = TITLE
    ws.cell(row=2, column=1, value=f"{campaign.name} ({campaign.year})")
    ws.cell(
        row=3,
        column=1,
        value=_("Framework %(id)s, version %(version)s.")
        % {"id": campaign.framework_id, "version": campaign.framework_version},
    )
    head = 5
    _header(ws, head, score_sheet_columns())
    r = head
    for row in rows:
        r += 1
        bold = row["is_field"]
        _put(ws, r, 1, row["code"], bold=bold)
        name = _put(ws, r, 2, row["name"], bold=bold)
        name.alignment = Alignment(wrap_text=True, vertical="top", indent=row["depth"])
        _put(ws, r, 3, row["max_points"], number=True, bold=bold)
        _put(ws, r, 4, row["self_points"], number=True, bold=bold)
        _put(ws, r, 5, row["points"], number=True, bold=bold)
        _put(ws, r, 6, row["note"])
    for total in totals:
        r += 1
        _put(ws, r, 1, None)
        _put(ws, r, 2, total["label"], bold=True)
        _put(ws, r, 3, total["max"], number=total["number"], bold=True)
        _put(ws, r, 4, total["self"], number=total["number"], bold=True)
        _put(ws, r, 5, total["appraised"], number=total["number"], bold=True)
        _put(ws, r, 6, None)
    print_layout(ws, head, [9, 60, 11, 13, 13, 36], freeze_col=3, landscape=False)
    return _save(wb)


# --- PDF ---------------------------------------------------------------------------------------


def css_string(text: str) -> str:
    """A CSS string literal (for `content:` in @page rules)."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def pdf_context(landscape: bool) -> dict[str, Any]:
    page = css_string(_("Page") + " ") + " counter(page) " + css_string(" / ") + " counter(pages)"
    return {
        "font_regular": FONT_REGULAR.as_uri(),
        "font_bold": FONT_BOLD.as_uri(),
        "page_size": "A4 landscape" if landscape else "A4",
        "page_counter": mark_safe(page),
    }


def render_pdf(template: str, context: dict[str, Any], landscape: bool = False) -> bytes:
    """HTML template → PDF bytes (`parindex.web.pdf.html_to_pdf`: only the bundled fonts
    are ever fetched)."""
    return html_to_pdf(render_to_string(template, {**pdf_context(landscape), **context}))
