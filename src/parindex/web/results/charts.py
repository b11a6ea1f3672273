"""Charts as inline SVG, drawn on the server: no JavaScript, nothing from elsewhere.

Colours come from classes styled in `results/results.css` (the Content-Security-Policy
forbids inline styles; presentation attributes would be allowed but classes keep the
palette in one place). Each chart is `role="img"` with a title and a description, and the
page shows the same figures in a table right after it, which is what screen readers and
people who prefer numbers read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parindex.analysis.fmt import fmt_number

# Colours as presentation attributes (allowed by the CSP, unlike style attributes), so the
# SVG also reads right outside the page; results.css may restyle through the classes.
INK, MUTED, GRID = "#1b1f24", "#56606b", "#d4d9de"
COLOURS = {"value": "#a4161a", "average": "#8a949e", "best": "#1e6b34"}
TEXT = f'font-family="DejaVu Sans, Verdana, sans-serif" font-size="11" fill="{INK}"'
SMALL = f'font-family="DejaVu Sans, Verdana, sans-serif" font-size="9" fill="{INK}"'
AXIS = f'font-family="DejaVu Sans, Verdana, sans-serif" font-size="10" fill="{MUTED}"'


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _n(value: float | None, decimals: int = 2) -> str:
    return fmt_number(value, decimals, _lang())


def _f(x: float) -> str:
    """A coordinate: short, locale-independent."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def field_bars(fields: Sequence[dict[str, Any]], unit_name: str, chart_id: str) -> SafeString:
    """Grouped horizontal bars per field: the unit, its peer group's average, the best."""
    if not fields:
        return mark_safe("")
    series = [
        ("value", _("This unit"), "chart-bar chart-bar--unit"),
        ("average", _("Peer average"), "chart-bar chart-bar--average"),
        ("best", _("Best in the peer group"), "chart-bar chart-bar--best"),
    ]
    label_w, plot_w, value_w = 250.0, 400.0, 62.0
    bar_h, gap, group_gap, top = 9.0, 2.0, 14.0, 34.0
    group_h = len(series) * (bar_h + gap) - gap
    height = top + len(fields) * (group_h + group_gap) + 24
    width = label_w + plot_w + value_w
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg class="chart chart--bars" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(_("Index by field (%)"))} — {escape(unit_name)}</title>',
        f'<desc id="{desc_id}">{escape(_("For each field: this unit, the average of its peer group and the best unit of the group, on a scale of 0 to 100. The table after the chart gives the same figures."))}</desc>',
    ]
    # legend
    x = label_w
    for key, label, css in series:
        out.append(
            f'<rect class="{css}" fill="{COLOURS[key]}" x="{_f(x)}" y="6" width="12" height="10"/>'
        )
        out.append(
            f'<text class="chart-text" {TEXT} x="{_f(x + 16)}" y="15">{escape(label)}</text>'
        )
        x += 30 + 7.0 * len(label)
    # grid
    for tick in (0, 25, 50, 75, 100):
        gx = label_w + plot_w * tick / 100
        out.append(
            f'<line class="chart-grid" stroke="{GRID}" x1="{_f(gx)}" y1="{_f(top - 6)}" '
            f'x2="{_f(gx)}" y2="{_f(height - 20)}"/>'
        )
        out.append(
            f'<text class="chart-text chart-text--axis" {AXIS} x="{_f(gx)}" '
            f'y="{_f(height - 6)}" text-anchor="middle">{tick}</text>'
        )
    for i, row in enumerate(fields):
        gy = top + i * (group_h + group_gap)
        name = f"{row['code']}. {row['name']}" if row.get("name") else str(row["code"])
        out.append(
            f'<text class="chart-text" {TEXT} x="{_f(label_w - 8)}" '
            f'y="{_f(gy + group_h / 2 + 4)}" text-anchor="end"><title>{escape(name)}</title>'
            f"{escape(_short(name, 36))}</text>"
        )
        for j, (key, label, css) in enumerate(series):
            value = row.get(key)
            y = gy + j * (bar_h + gap)
            w = 0.0 if value is None else plot_w * max(0.0, min(100.0, float(value))) / 100
            out.append(
                f'<rect class="{css}" fill="{COLOURS[key]}" x="{_f(label_w)}" y="{_f(y)}" width="{_f(w)}" '
                f'height="{_f(bar_h)}"><title>{escape(label)}: {escape(_n(value))}</title></rect>'
            )
            out.append(
                f'<text class="chart-text chart-text--value" {SMALL} x="{_f(label_w + w + 4)}" '
                f'y="{_f(y + bar_h - 1)}">{escape(_n(value))}</text>'
            )
    out.append("</svg>")
    return mark_safe("".join(out))


def _ticks(low: float, high: float) -> tuple[float, float, float]:
    """A round axis range (0–100) and step for values between `low` and `high`."""
    span = max(high - low, 1.0)
    step = 5.0 if span <= 25 else 10.0 if span <= 50 else 20.0
    lo = max(0.0, math.floor((low - step / 2) / step) * step)
    hi = min(100.0, math.ceil((high + step / 2) / step) * step)
    if hi <= lo:
        lo, hi = max(0.0, hi - step), max(hi, step)
    return lo, hi, step


def index_line(points: Sequence[Any], unit_name: str, chart_id: str) -> SafeString:
    """The index year by year; points compared through predecessors are hollow squares
    joined by a dashed line, and the description says so."""
    usable = [p for p in points if p.index_pct is not None]
    if not usable:
        return mark_safe("")
    width, height = 640.0, 240.0
    left, right, top, bottom = 48.0, 24.0, 28.0, 36.0
    inset = 36.0  # keep the first and last points (and their labels) off the axes
    low, high, step = _ticks(
        min(float(p.index_pct) for p in usable), max(float(p.index_pct) for p in usable)
    )
    plot_w, plot_h = width - left - right - 2 * inset, height - top - bottom
    n = len(usable)

    def px(i: int) -> float:
        return left + inset + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def py(v: float) -> float:
        return top + plot_h * (1 - (float(v) - low) / (high - low))

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    merged = any(p.merged for p in usable)
    desc = _("The index of each year's campaign, from the oldest to the newest.")
    if merged:
        desc += " " + _(
            "Hollow squares, dashed lines and years with an asterisk: before the merger, "
            "compared through the weighted average of the predecessor units."
        )
    out = [
        f'<svg class="chart chart--line" viewBox="0 0 {_f(width)} {_f(height)}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(_("Index year by year (%)"))} — {escape(unit_name)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    v = low
    while v <= high + 1e-9:
        y = py(v)
        out.append(
            f'<line class="chart-grid" stroke="{GRID}" x1="{_f(left)}" y1="{_f(y)}" '
            f'x2="{_f(width - right)}" y2="{_f(y)}"/>'
        )
        out.append(
            f'<text class="chart-text chart-text--axis" {AXIS} x="{_f(left - 6)}" '
            f'y="{_f(y + 4)}" text-anchor="end">{escape(_n(v, 0))}</text>'
        )
        v += step
    for i in range(n - 1):
        a, b = usable[i], usable[i + 1]
        dashed = ' stroke-dasharray="6 4"' if a.merged else ""
        colour = MUTED if a.merged else COLOURS["value"]
        css = "chart-line chart-line--merged" if a.merged else "chart-line"
        out.append(
            f'<line class="{css}" stroke="{colour}" stroke-width="2.5"{dashed} '
            f'x1="{_f(px(i))}" y1="{_f(py(a.index_pct))}" '
            f'x2="{_f(px(i + 1))}" y2="{_f(py(b.index_pct))}"/>'
        )
    for i, p in enumerate(usable):
        x, y = px(i), py(p.index_pct)
        label = f"{p.year}: {_n(p.index_pct)}"
        if p.merged:
            label += " — " + _("predecessors")
            out.append(
                f'<rect class="chart-point chart-point--merged" fill="#ffffff" stroke="{MUTED}" '
                f'stroke-width="2" x="{_f(x - 5)}" y="{_f(y - 5)}" width="10" height="10">'
                f"<title>{escape(label)}</title></rect>"
            )
        else:
            out.append(
                f'<circle class="chart-point" fill="{COLOURS["value"]}" stroke="#ffffff" '
                f'stroke-width="1.5" cx="{_f(x)}" cy="{_f(y)}" r="5">'
                f"<title>{escape(label)}</title></circle>"
            )
        out.append(
            f'<text class="chart-text chart-text--value" {SMALL} x="{_f(x)}" y="{_f(y - 10)}" '
            f'text-anchor="middle">{escape(_n(p.index_pct))}</text>'
        )
        out.append(
            f'<text class="chart-text chart-text--axis" {AXIS} x="{_f(x)}" '
            f'y="{_f(height - 12)}" text-anchor="middle">{p.year}{"*" if p.merged else ""}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))


def sensitivity_bars(rows: Sequence[dict[str, Any]], chart_id: str) -> SafeString:
    """Horizontal bars of the first-order sensitivity index of each uncertain choice
    (`text`, `index` 0–1, NaN = not varied), on a scale of 0 to 1."""
    usable = [r for r in rows if r.get("index") is not None and r["index"] == r["index"]]
    if not usable:
        return mark_safe("")
    label_w, plot_w, value_w = 300.0, 360.0, 56.0
    bar_h, gap, top = 16.0, 8.0, 12.0
    height = top + len(usable) * (bar_h + gap) + 26
    width = label_w + plot_w + value_w
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    title = _("Sensitivity of the ranks to each choice")
    desc = _(
        "For each uncertain choice, the share of the variation of the ranks it explains "
        "on its own (first-order index, 0 to 1). The table after the chart gives the same "
        "figures."
    )
    out = [
        f'<svg class="chart chart--bars" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        gx = label_w + plot_w * tick
        out.append(
            f'<line class="chart-grid" stroke="{GRID}" x1="{_f(gx)}" y1="{_f(top - 4)}" '
            f'x2="{_f(gx)}" y2="{_f(height - 20)}"/>'
        )
        out.append(
            f'<text class="chart-text chart-text--axis" {AXIS} x="{_f(gx)}" '
            f'y="{_f(height - 6)}" text-anchor="middle">{escape(_n(tick, 2))}</text>'
        )
    for i, row in enumerate(usable):
        y = top + i * (bar_h + gap)
        value = max(0.0, min(1.0, float(row["index"])))
        w = plot_w * value
        name = str(row["text"])
        out.append(
            f'<text class="chart-text" {TEXT} x="{_f(label_w - 8)}" y="{_f(y + bar_h / 2 + 4)}" '
            f'text-anchor="end"><title>{escape(name)}</title>{escape(_short(name, 44))}</text>'
        )
        out.append(
            f'<rect class="chart-bar chart-bar--unit" fill="{COLOURS["value"]}" '
            f'x="{_f(label_w)}" y="{_f(y)}" width="{_f(w)}" height="{_f(bar_h)}">'
            f"<title>{escape(name)}: {escape(_n(row['index'], 3))}</title></rect>"
        )
        out.append(
            f'<text class="chart-text chart-text--value" {SMALL} x="{_f(label_w + w + 4)}" '
            f'y="{_f(y + bar_h - 4)}">{escape(_n(row["index"], 3))}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))
