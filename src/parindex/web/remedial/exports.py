"""A remedial plan as an Excel workbook and as a PDF, in the active language (Vietnamese by
default), with the tasks the reader may see.

Workbook: the plan (one row per task: criterion, lost points, task, owner, deadline,
expected points, status, and the points at the next campaign when it has results), then
completion by owner unit and by field. Cells keep unrounded numbers with a two-decimal
format and dates as dates. The PDF (A4 landscape, page numbers, bundled DejaVu font) is
rendered by `parindex.web.results.exports.render_pdf` (WeasyPrint, `parindex.web.pdf`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from parindex.analysis import remedial as core
from parindex.web.remedial import services
from parindex.web.remedial.models import DISPLAY_STATUS, RemedialPlan, RemedialTask
from parindex.web.results.exports import (  # noqa: F401 (PdfUnavailable re-exported)
    TITLE,
    XLSX,
    PdfUnavailable,
    _header,
    _put,
    _save,
    file_stem,
    print_layout,
    render_pdf,
    sheet_title,
)
from parindex.web.units.models import today

DATE = "DD/MM/YYYY"
OUTCOMES = {
    core.MET: gettext_lazy("Recovered as expected"),
    core.PARTLY: gettext_lazy("Partly recovered"),
    core.NONE: gettext_lazy("Not recovered"),
    core.NO_RESULT: gettext_lazy("No result in the next campaign"),
    core.NOT_COMPARABLE: gettext_lazy("Not comparable (criterion changed)"),
}


def decorate(
    tasks: list[RemedialTask], recovery: dict[int, dict[str, Any]], on: dt.date
) -> list[RemedialTask]:
    """Give each task its status on `on` (shown_status, shown_status_label) and its
    comparison at the next campaign (recovery, with outcome_label; None without one)."""
    for task in tasks:
        status = task.display_status(on)
        task.shown_status = status
        task.shown_status_label = str(DISPLAY_STATUS[status])
        rec = recovery.get(task.pk)
        task.recovery = (
            None if rec is None else {**rec, "outcome_label": str(OUTCOMES[rec["outcome"]])}
        )
    return tasks


def plan_data(plan: RemedialPlan, tasks: list[RemedialTask], on: dt.date | None = None) -> dict:
    """What the plan page and the exports show for `tasks` (those the reader may see)."""
    on = on or today()
    later, recovery = services.recovery_by_task(tasks, plan.campaign)
    decorate(tasks, recovery, on)
    return {
        "plan": plan,
        "campaign": plan.campaign,
        "tasks": tasks,
        "board": services.dashboard(tasks, on),
        "later": later,
        "has_recovery": bool(recovery),
    }


def file_name(plan: RemedialPlan, extension: str) -> str:
    return file_stem(_("remedial-plan"), plan.campaign.year, plan.pk) + f".{extension}"


def plan_heading(plan: RemedialPlan) -> str:
    """'Số 130/KH-UBND ngày 05/03/2025 của UBND tỉnh …' from what the plan records."""
    parts = []
    if plan.number:
        parts.append(_("No. %(number)s") % {"number": plan.number})
    if plan.issued_on:
        parts.append(_("dated %(date)s") % {"date": plan.issued_on.strftime("%d/%m/%Y")})
    if plan.issuer:
        parts.append(_("issued by %(issuer)s") % {"issuer": plan.issuer})
    return ", ".join(parts)


def task_columns(has_recovery: bool) -> list[str]:
    labels = [
        pgettext("score sheet", "No."),
        _("Unit evaluated"),
        _("Criterion"),
        _("Criterion name"),
        _("Field"),
        _("Maximum points"),
        _("Points"),
        _("Lost points"),
        _("Years with a loss"),
        _("Task"),
        _("Owner unit"),
        _("Deadline"),
        _("Points expected to recover"),
        _("Status"),
    ]
    if has_recovery:
        labels += [_("Points at the next campaign"), _("Points regained"), _("Outcome")]
    return labels


def summary_columns(first: str) -> list[str]:
    return [
        first,
        _("Tasks"),
        pgettext("remedial task", "Done"),
        pgettext("remedial task", "In progress"),
        pgettext("remedial task", "Not started"),
        pgettext("remedial task", "Overdue"),
        _("Completion (%)"),
    ]


def _date_cell(ws, row: int, col: int, value: dt.date | None):
    cell = _put(ws, row, col, value)
    if value is not None:
        cell.number_format = DATE
    return cell


def _summary_sheet(wb: Workbook, used: set[str], title: str, first: str, rows, key: str) -> None:
    ws = wb.create_sheet(sheet_title(title, used))
    _header(ws, 1, summary_columns(first))
    for r, row in enumerate(rows, start=2):
        _put(ws, r, 1, row[f"{key}_name"] or row[f"{key}_code"])
        for col, name in enumerate(("tasks", "done", "in_progress", "not_started", "overdue"), 2):
            _put(ws, r, col, row[name])
        _put(ws, r, 7, row["completion_pct"], number=True)
    for col, width in enumerate([44, 10, 12, 14, 14, 10, 16], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def plan_xlsx(data: dict[str, Any]) -> bytes:
    """`data` as `views._plan_data` builds it: plan, campaign, tasks (decorated with
    shown_status_label and recovery), board (the dashboard), later, has_recovery."""
    plan: RemedialPlan = data["plan"]
    has_recovery = data["has_recovery"]
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = sheet_title(_("Plan"), used)
    ws.cell(row=1, column=1, value=plan.title).font = TITLE
    ws.cell(row=2, column=1, value=plan_heading(plan))
    ws.cell(
        row=3,
        column=1,
        value=_("From the results of %(campaign)s (%(year)s).")
        % {"campaign": plan.campaign.name, "year": plan.campaign.year},
    )
    if has_recovery and data["later"] is not None:
        ws.cell(
            row=4,
            column=1,
            value=_("Points at the next campaign: %(campaign)s (%(year)s).")
            % {"campaign": data["later"].name, "year": data["later"].year},
        )
    head = 6
    _header(ws, head, task_columns(has_recovery))
    r = head
    for number, task in enumerate(data["tasks"], start=1):
        r += 1
        _put(ws, r, 1, number)
        _put(ws, r, 2, task.unit.name)
        _put(ws, r, 3, task.node_code)
        _put(ws, r, 4, task.node_name)
        _put(ws, r, 5, " ".join(p for p in (task.field_code, task.field_name) if p))
        _put(ws, r, 6, task.max_points, number=True)
        _put(ws, r, 7, task.points, number=True)
        _put(ws, r, 8, task.lost_points, number=True)
        _put(ws, r, 9, task.recurring_years)
        _put(ws, r, 10, task.action)
        _put(ws, r, 11, task.owner.name)
        _date_cell(ws, r, 12, task.deadline)
        _put(ws, r, 13, task.expected_points, number=True)
        _put(ws, r, 14, task.shown_status_label)
        if has_recovery:
            rec = task.recovery or {}
            _put(ws, r, 15, rec.get("points_now"), number=True)
            _put(ws, r, 16, rec.get("recovered"), number=True)
            _put(ws, r, 17, rec.get("outcome_label", ""))
    widths = [6, 26, 9, 40, 24, 10, 10, 10, 16, 44, 26, 12, 14, 14, 14, 14, 22]
    print_layout(ws, head, widths[: 17 if has_recovery else 14], freeze_col=3)
    board = data["board"]
    _summary_sheet(wb, used, _("By owner unit"), _("Owner unit"), board["by_unit"], "owner")
    _summary_sheet(wb, used, _("By field"), _("Field"), board["by_field"], "field")
    return _save(wb)


def plan_pdf(data: dict[str, Any]) -> bytes:
    context = {**data, "heading": plan_heading(data["plan"])}
    return render_pdf("remedial/pdf/plan.html", context, landscape=True)
