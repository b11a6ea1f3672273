"""A unit's monthly trend as an inline SVG line chart (no JavaScript; CSP-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

INK, MUTED, GRID = "#1b1f24", "#56606b", "#d4d9de"
TOTAL, RATIO = "#a4161a", "#1e6b34"
AXIS = f'font-family="DejaVu Sans, Verdana, sans-serif" font-size="10" fill="{MUTED}"'


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def trend_line(points: Sequence[dict[str, Any]], unit_name: str, chart_id: str) -> SafeString:
    """Two lines over the months: the total score (0–100) and the on-time ratio (%)."""
    if not points:
        return mark_safe("")
    left, top, width, height = 40.0, 20.0, 480.0, 180.0
    step = width / 11

    def xy(month: int, value: float) -> str:
        return f"{_f(left + (month - 1) * step)},{_f(top + height * (1 - value / 100))}"

    title = escape(_("Monthly trend of %(unit)s") % {"unit": unit_name})
    desc = escape(_("Total score and on-time ratio per month; the table below gives the figures."))
    total_label = escape(_("Total score"))
    ratio_label = escape(_("On-time ratio (%)"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {_f(left + width + 20)} {_f(top + height + 40)}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{title}</title>',
        f'<desc id="{chart_id}-desc">{desc}</desc>',
    ]
    for v in (0, 25, 50, 75, 100):
        y = _f(top + height * (1 - v / 100))
        parts.append(
            f'<line x1="{_f(left)}" x2="{_f(left + width)}" y1="{y}" y2="{y}" stroke="{GRID}"/>'
        )
        parts.append(f'<text x="{_f(left - 6)}" y="{y}" text-anchor="end" {AXIS}>{v}</text>')
    for p in points:
        parts.append(
            f'<text x="{_f(left + (p["month"] - 1) * step)}" y="{_f(top + height + 16)}" '
            f'text-anchor="middle" {AXIS}>{p["month"]}</text>'
        )
    series = [
        ("total", TOTAL, [(p["month"], p["total"]) for p in points]),
        (
            "ratio",
            RATIO,
            [(p["month"], p["ratio_pct"]) for p in points if p["ratio_pct"] is not None],
        ),
    ]
    for name, colour, values in series:
        if not values:
            continue
        line = " ".join(xy(m, v) for m, v in values)
        parts.append(
            f'<polyline class="chart-line chart-line--{name}" fill="none" stroke="{colour}" '
            f'stroke-width="2" points="{line}"/>'
        )
        for m, v in values:
            x, y = xy(m, v).split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"/>')
    ly = _f(top + height + 34)
    parts.append(
        f'<rect x="{_f(left)}" y="{_f(top + height + 26)}" width="10" height="10" fill="{TOTAL}"/>'
    )
    parts.append(f'<text x="{_f(left + 14)}" y="{ly}" {AXIS}>{total_label}</text>')
    parts.append(
        f'<rect x="{_f(left + 160)}" y="{_f(top + height + 26)}" width="10" height="10" fill="{RATIO}"/>'
    )
    parts.append(f'<text x="{_f(left + 174)}" y="{ly}" {AXIS}>{ratio_label}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
