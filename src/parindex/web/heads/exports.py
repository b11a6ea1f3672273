"""The heads' classification of a campaign as an Excel workbook (the rows the reader sees),
with the rule set that produced it; in the active language (Vietnamese by default)."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from parindex.web.campaigns.models import Campaign
from parindex.web.results.exports import (
    BOLD,
    TITLE,
    XLSX,
    _header,
    _put,
    _save,
    file_stem,
    print_layout,
    sheet_title,
)

__all__ = ["XLSX", "file_name", "heads_xlsx", "safe_yaml_name"]


def file_name(campaign: Campaign) -> str:
    return file_stem(_("heads"), campaign.year, campaign.pk) + ".xlsx"


def safe_yaml_name(name: str) -> str:
    """A plain file name for a rule set (no path, no quotes)."""
    base = PurePath(str(name).replace("\\", "/")).name
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.") or "head-rules"
    if not base.lower().endswith((".yaml", ".yml")):
        base += ".yaml"
    return base[:120]


def condition_text(condition: Any) -> str:
    """A condition as written in the rule file: "index >= 80", "class not_in Yếu"."""
    value = condition.value
    shown = ", ".join(value) if isinstance(value, tuple) else f"{value:g}"
    return f"{condition.metric} {condition.op} {shown}"


def example_label(rules: Any) -> str:
    return _("Example, not an official rule") if rules.example else ""


def heads_xlsx(context: dict[str, Any]) -> bytes:
    """`context` as `views._context` builds it."""
    campaign: Campaign = context["campaign"]
    rules = context["rules"]
    fields = context["fields"]
    wb = Workbook()
    used: set[str] = set()
    ws = wb.active
    ws.title = sheet_title(_("Heads"), used)
    ws.cell(
        row=1,
        column=1,
        value=_("Task completion of heads — %(campaign)s (%(year)s)")
        % {"campaign": campaign.name, "year": campaign.year},
    ).font = TITLE
    ws.cell(
        row=2,
        column=1,
        value=_("Rule set: %(name)s, version %(version)s.")
        % {"name": rules.name, "version": rules.version},
    )
    label = example_label(rules)
    if label:
        ws.cell(row=3, column=1, value=label).font = BOLD
    notes = []
    if not context["has_dossiers"]:
        notes.append(_("No dossier data for the year: conditions on overdue dossiers ignored."))
    plans = context["plans_campaign"]
    notes.append(
        _("Remedial completion: plans made from %(campaign)s (%(year)s).")
        % {"campaign": plans.name, "year": plans.year}
    )
    ws.cell(row=4, column=1, value=" ".join(notes))
    head = 6
    columns = [
        pgettext("score sheet", "No."),
        _("Unit code"),
        _("Unit"),
        _("Head"),
        _("Index (%)"),
        _("Class"),
        *[f"{label} (%)" for _key, _code, label in fields],
        _("Overdue dossiers"),
        _("Remedial tasks done (%)"),
        _("Classification of the head"),
        _("Reasons"),
    ]
    _header(ws, head, columns)
    r = head
    for number, row in enumerate(context["rows"], start=1):
        r += 1
        _put(ws, r, 1, number)
        _put(ws, r, 2, row["unit_code"])
        _put(ws, r, 3, row["unit_name"])
        _put(ws, r, 4, row["head"])
        _put(ws, r, 5, row["index_pct"], number=True)
        _put(ws, r, 6, row["class"])
        col = 7
        for _key, _code, value in row["field_values"]:
            _put(ws, r, col, value, number=True)
            col += 1
        _put(ws, r, col, row["overdue"])
        _put(ws, r, col + 1, row["completion_pct"], number=True)
        _put(ws, r, col + 2, row["classification_name"], bold=True)
        _put(ws, r, col + 3, row["reasons"])
    widths = [6, 10, 32, 24, 10, 12, *([12] * len(fields)), 12, 14, 28, 80]
    print_layout(ws, head, widths, freeze_col=4)

    rs = wb.create_sheet(sheet_title(_("Rule set"), used))
    rs.cell(row=1, column=1, value=rules.name).font = TITLE
    rs.cell(row=2, column=1, value=_("Version %(version)s") % {"version": rules.version})
    if label:
        rs.cell(row=3, column=1, value=label).font = BOLD
    rs.cell(row=4, column=1, value=rules.description)
    rs.cell(row=5, column=1, value=rules.modelled_on)
    _header(rs, 7, [_("Order"), _("Rule"), _("Classification"), _("Conditions")])
    for i, rule in enumerate(rules.rules, start=1):
        if rule.mode == "otherwise":
            conditions = _("otherwise")
        else:
            conditions = f"{rule.mode}: " + "; ".join(condition_text(c) for c in rule.conditions)
        _put(rs, 7 + i, 1, i)
        _put(rs, 7 + i, 2, rule.id)
        _put(rs, 7 + i, 3, rules.class_name(rule.classification))
        _put(rs, 7 + i, 4, conditions)
    for c, width in enumerate([8, 20, 32, 90], start=1):
        rs.column_dimensions[get_column_letter(c)].width = width
    return _save(wb)
