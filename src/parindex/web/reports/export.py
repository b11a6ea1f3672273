"""The unit × period matrix as an Excel workbook (openpyxl, in memory)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from parindex.web.reports import periods as P
from parindex.web.reports.models import Status
from parindex.web.reports.services import Matrix

FILLS = {
    P.ON_TIME: PatternFill("solid", fgColor="D9EAD3"),
    P.LATE: PatternFill("solid", fgColor="FCE5CD"),
    P.MISSING: PatternFill("solid", fgColor="F4CCCC"),
}


def matrix_workbook(matrix: Matrix, title: str) -> bytes:
    labels = dict(Status.choices)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Reports")[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    head = [_("Code"), _("Unit"), _("Peer group")]
    head += [f"{p.report_type.name} — {p.label}" for p in matrix.periods]
    head += [_("On time"), _("Late"), _("Missing"), _("Not yet due"), _("On-time rate (%)")]
    ws.append(head)
    ws.append(
        ["", "", _("Deadline")] + [p.due_on.strftime("%d/%m/%Y") for p in matrix.periods] + [""] * 5
    )
    for cell in ws[2] + ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in matrix.rows:
        values: list = [row.unit.code, row.unit.name, row.unit.peer_group]
        for c in row.cells:
            if c.status == P.NOT_REQUIRED:
                values.append("—")
                continue
            text = str(labels[c.status])
            if c.submitted_at is not None:
                text += " " + P.local_moment(c.submitted_at).strftime("%d/%m/%Y %H:%M")
            values.append(text)
        ratio = row.counts.ratio_pct
        values += [
            row.counts.on_time,
            row.counts.late,
            row.counts.missing,
            row.counts.pending,
            round(ratio, 2) if ratio is not None else None,
        ]
        ws.append(values)
        excel_row = ws.max_row
        for i, c in enumerate(row.cells):
            fill = FILLS.get(c.status)
            if fill is not None:
                ws.cell(row=excel_row, column=4 + i).fill = fill
    ws.freeze_panes = "D4"
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 18
    for i in range(len(matrix.periods) + 5):
        ws.column_dimensions[get_column_letter(4 + i)].width = 22
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
