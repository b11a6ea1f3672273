"""The remedial dashboard's chart: one stacked bar per owner unit (done, in progress, not
started, overdue as shares of its tasks), as inline SVG drawn on the server.

Like the results charts (`parindex.web.results.charts`): colours as presentation
attributes (allowed by the Content-Security-Policy, unlike style attributes), `role="img"`
with a title and a description, and the same figures in the table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parindex.web.results.charts import AXIS, TEXT, _f, _n, _short

SEGMENTS = (
    ("done", "#1e6b34"),
    ("in_progress", "#2f5f8a"),
    ("not_started", "#8a949e"),
    ("overdue", "#a4161a"),
)


def _labels() -> dict[str, str]:
    return {
        "done": pgettext("remedial task", "Done"),
        "in_progress": pgettext("remedial task", "In progress"),
        "not_started": pgettext("remedial task", "Not started"),
        "overdue": pgettext("remedial task", "Overdue"),
    }


def status_bars(rows: Sequence[dict[str, Any]], chart_id: str) -> SafeString:
    """Rows: unit_code, unit_name, tasks, done, in_progress, not_started, overdue,
    completion (0–1 or None)."""
    if not rows:
        return mark_safe("")
    labels = _labels()
    label_w, plot_w, value_w = 240.0, 380.0, 70.0
    bar_h, gap, top = 14.0, 8.0, 34.0
    height = top + len(rows) * (bar_h + gap) + 10
    width = label_w + plot_w + value_w
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg class="chart chart--status" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(_("Remedial tasks by owner unit"))}</title>',
        f'<desc id="{desc_id}">{escape(_("For each owner unit, the share of its tasks done, in progress, not started and overdue; the share done is written at the end of the bar. The table gives the same figures."))}</desc>',
    ]
    x = label_w
    for key, colour in SEGMENTS:
        out.append(f'<rect fill="{colour}" x="{_f(x)}" y="6" width="12" height="10"/>')
        out.append(f'<text {TEXT} x="{_f(x + 16)}" y="15">{escape(labels[key])}</text>')
        x += 34 + 7.0 * len(labels[key])
    y = top
    for row in rows:
        total = max(int(row["tasks"]), 1)
        name = _short(row["unit_name"] or row["unit_code"], 34)
        out.append(
            f'<text {TEXT} x="{_f(label_w - 8)}" y="{_f(y + bar_h - 3)}" '
            f'text-anchor="end">{escape(name)}</text>'
        )
        x = label_w
        for key, colour in SEGMENTS:
            share = int(row[key]) / total
            if share <= 0:
                continue
            w = plot_w * share
            out.append(
                f'<rect fill="{colour}" x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" '
                f'height="{_f(bar_h)}"><title>{escape(labels[key])}: {int(row[key])}</title></rect>'
            )
            x += w
        completion = row.get("completion")
        text = "–" if completion is None else f"{_n(completion * 100, 0)}%"
        out.append(
            f'<text {AXIS} x="{_f(label_w + plot_w + 6)}" y="{_f(y + bar_h - 3)}">{text}</text>'
        )
        y += bar_h + gap
    out.append("</svg>")
    return mark_safe("".join(out))
