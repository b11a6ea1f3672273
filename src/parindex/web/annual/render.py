"""The annual report as files: a PDF (WeasyPrint, `parindex.web.pdf`) and an Excel workbook.

The PDF has a cover, a table of contents whose page numbers WeasyPrint fills in
(`target-counter`), numbered pages, and every section with its charts and tables; the
ranking section is printed on landscape pages. The workbook has one sheet per section
with the same tables as plain, unrounded numbers (two decimals shown), and the section's
key figures above them.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from parindex.analysis.annual import AnnualReport, Section
from parindex.web.annual import labels, present
from parindex.web.campaigns.models import Campaign
from parindex.web.pdf import FONT_BOLD, FONT_REGULAR, html_to_pdf
from parindex.web.results.exports import css_string, sheet_title

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER = "0.00"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD_FILL = PatternFill("solid", fgColor="E8EBEE")


def report_title(campaign: Campaign) -> str:
    return _("Administrative reform index results, %(year)s") % {"year": campaign.year}


def file_name(campaign: Campaign, suffix: str) -> str:
    stem = "-".join(slugify(str(p)) for p in (_("annual-report"), campaign.year, campaign.pk))
    return f"{stem}.{suffix}"


def unit_count(report: AnnualReport) -> int:
    return int(report.section("summary").figures.get("count") or 0)


def pdf_context(
    report: AnnualReport, campaign: Campaign, internal: bool, today: dt.date | None = None
) -> dict[str, Any]:
    lang = present.lang_of(get_language())
    title = report_title(campaign)
    page = css_string(_("Page") + " ") + " counter(page) " + css_string(" / ") + " counter(pages)"
    return {
        "campaign": campaign,
        "title": title,
        "year": campaign.year,
        "unit_count": unit_count(report),
        "fields": report.fields,
        "internal": internal,
        "produced_on": today or timezone.localdate(),
        "sections": present.section_views(report, lang),
        "table_css": mark_safe(present.table_css(report)),
        "font_regular": FONT_REGULAR.as_uri(),
        "font_bold": FONT_BOLD.as_uri(),
        "page_counter": mark_safe(page),
        "running_title": mark_safe(css_string(f"{title} — {campaign.root_unit.name}")),
    }


def report_html(report: AnnualReport, campaign: Campaign, internal: bool) -> str:
    return render_to_string("annual/pdf/report.html", pdf_context(report, campaign, internal))


def report_pdf(report: AnnualReport, campaign: Campaign, internal: bool) -> bytes:
    """PDF bytes (raises `parindex.web.pdf.PdfUnavailable` without WeasyPrint/Pango)."""
    return html_to_pdf(report_html(report, campaign, internal))


# --- Excel ------------------------------------------------------------------------------------


def _figure_rows(figures: dict[str, Any]) -> list[tuple[str, Any]]:
    """Key figures as (label, value) rows; extremes become "value (units)" pairs."""
    rows: list[tuple[str, Any]] = []
    for key, value in figures.items():
        label = str(labels.FIGURES.get(key, key))
        if isinstance(value, dict) and "value" in value:
            rows.append((label, value["value"]))
            rows.append((label + " — " + _("units"), ", ".join(value.get("units") or [])))
        elif isinstance(value, dict):
            for k, v in value.items():
                rows.append((f"{label}: {k}", v if isinstance(v, (int, float)) else str(v)))
        elif isinstance(value, bool):
            rows.append((label, _("yes") if value else _("no")))
        else:
            rows.append((label, value))
    return rows


def _write_table(ws, row: int, table, title: str) -> int:
    ws.cell(row=row, column=1, value=title).font = BOLD
    row += 1
    for col, key in enumerate(table.columns, start=1):
        cell = ws.cell(row=row, column=col, value=labels.column_label(key, table.labels))
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for record in table.rows:
        row += 1
        for col, key in enumerate(table.columns, start=1):
            value = record.get(key)
            if key in present.LISTS:
                value = ", ".join(value or [])
            elif key == "yoy_note":
                value = present.yoy_text(value or "")
            elif key == "kind":
                value = present.choice_text(value or "", record.get("field_code") or "")
            cell = ws.cell(row=row, column=col, value=value)
            if present.is_number_column(key) and isinstance(value, float):
                cell.number_format = NUMBER
    return row + 2


def _write_section(ws, section: Section, title: str) -> None:
    ws.cell(row=1, column=1, value=title).font = TITLE
    row = 3
    if not section.available:
        ws.cell(row=row, column=1, value=str(labels.REASONS.get(section.reason, section.reason)))
        return
    for label, value in _figure_rows(section.figures):
        ws.cell(row=row, column=1, value=label)
        cell = ws.cell(row=row, column=2, value=value)
        if isinstance(value, float):
            cell.number_format = NUMBER
        row += 1
    row += 1
    for table in section.tables:
        name = str(labels.TABLES.get(table.key, table.key))
        if table.group is not None:
            name += " — " + (table.group or _("Without a peer group"))
        row = _write_table(ws, row, table, name)
    widths = [34, 28] + [16] * 30
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def report_xlsx(report: AnnualReport, campaign: Campaign) -> bytes:
    """One sheet per section, the same tables as the PDF with every column, plain numbers."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for number, section in enumerate(report.sections, start=1):
        title = str(labels.SECTIONS[section.key])
        ws = wb.create_sheet(sheet_title(f"{number}. {title}"[:31].rstrip(), used))
        _write_section(ws, section, f"{number}. {title} — {campaign.name}")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
