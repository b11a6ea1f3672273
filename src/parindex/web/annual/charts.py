"""The annual report's charts as SVG drawn on the server (for the PDF and any page).

Four shapes cover the report: horizontal bars with one or two series (field averages and
best, this year against last year, counts per class, points lost), vertical columns (the
distribution of the index), diverging bars around zero (the biggest movers) and
point-with-interval rows (survey estimates with their 95 % interval, rank intervals).
Colours are presentation attributes (allowed by the Content-Security-Policy, and read by
WeasyPrint); numbers are printed in the report's language (87,68 in Vietnamese). Each
chart has a title and a description, and the report prints the same figures in a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from parindex.analysis.fmt import fmt_number

INK, MUTED, GRID = "#1b1f24", "#56606b", "#d4d9de"
SERIES = ("#1f4e79", "#9aa5b1")  # this year / comparison
UP, DOWN = "#1e6b34", "#a4161a"
FONT = 'font-family="Parindex Sans, DejaVu Sans, sans-serif"'
TEXT = f'{FONT} font-size="10" fill="{INK}"'
SMALL = f'{FONT} font-size="8.5" fill="{INK}"'
AXIS = f'{FONT} font-size="8.5" fill="{MUTED}"'


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[float | None, ...]  # one per series


@dataclass(frozen=True)
class Interval:
    label: str
    value: float | None
    low: float | None
    high: float | None


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


CAPTION = 20.0  # height of the visible title above the drawing


def _open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    """The start of a chart: accessible title and description, the title also printed
    above the drawing (the PDF has no other caption), and a group shifted below it that
    `_close` ends."""
    t, d = f"{chart_id}-title", f"{chart_id}-desc"
    full = height + CAPTION
    return [
        f'<svg class="chart" viewBox="0 0 {_f(width)} {_f(full)}" width="{_f(width)}" '
        f'height="{_f(full)}" role="img" aria-labelledby="{t} {d}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{t}">{escape(title)}</title><desc id="{d}">{escape(desc)}</desc>',
        f'<text {FONT} font-size="10.5" font-weight="bold" fill="{INK}" x="0" y="13">'
        f"{escape(title)}</text>",
        f'<g transform="translate(0 {_f(CAPTION)})">',
    ]


def _close(out: list[str]) -> SafeString:
    out.append("</g></svg>")
    return mark_safe("".join(out))


def _nice_max(value: float) -> float:
    """A round upper end for an axis that starts at 0."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _nice_step(span: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about four to six ticks."""
    raw = max(span, 1e-9) / 5
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if raw <= step * power:
            return step * power
    return 10 * power


def hbars(
    bars: Sequence[Bar],
    series: Sequence[str],
    *,
    chart_id: str,
    title: str,
    desc: str,
    lang: str = "vi",
    scale_max: float | None = None,
    decimals: int = 2,
) -> SafeString:
    """Horizontal bars, one group per item and one bar per series, with the values printed."""
    if not bars:
        return mark_safe("")
    top_value = max((v for b in bars for v in b.values if v is not None), default=0.0)
    high = scale_max if scale_max is not None else _nice_max(top_value)
    if decimals == 0 and scale_max is None:  # counts: whole numbers on the axis
        high = 4 * max(1, math.ceil(top_value / 4))
    label_w, plot_w, value_w = 230.0, 380.0, 60.0
    bar_h, gap, group_gap, top = 10.0, 2.0, 8.0, 24.0 if len(series) > 1 else 8.0
    group_h = len(series) * (bar_h + gap) - gap
    height = top + len(bars) * (group_h + group_gap) + 22
    width = label_w + plot_w + value_w
    out = _open(chart_id, width, height, title, desc)
    if len(series) > 1:  # legend
        x = label_w
        for i, name in enumerate(series):
            out.append(f'<rect fill="{SERIES[i % 2]}" x="{_f(x)}" y="4" width="11" height="9"/>')
            out.append(f'<text {TEXT} x="{_f(x + 15)}" y="12">{escape(name)}</text>')
            x += 30 + 6.5 * len(name)
    for k in range(5):
        tick = high * k / 4
        gx = label_w + plot_w * k / 4
        out.append(
            f'<line stroke="{GRID}" x1="{_f(gx)}" y1="{_f(top - 4)}" x2="{_f(gx)}" '
            f'y2="{_f(height - 18)}"/>'
        )
        out.append(
            f'<text {AXIS} x="{_f(gx)}" y="{_f(height - 6)}" text-anchor="middle">'
            f"{escape(fmt_number(tick, 0 if tick == int(tick) else 1, lang))}</text>"
        )
    for i, bar in enumerate(bars):
        gy = top + i * (group_h + group_gap)
        out.append(
            f'<text {TEXT} x="{_f(label_w - 6)}" y="{_f(gy + group_h / 2 + 3.5)}" '
            f'text-anchor="end">{escape(_short(bar.label, 40))}</text>'
        )
        for j, value in enumerate(bar.values):
            y = gy + j * (bar_h + gap)
            w = 0.0 if value is None else plot_w * max(0.0, min(high, float(value))) / high
            out.append(
                f'<rect fill="{SERIES[j % 2]}" x="{_f(label_w)}" y="{_f(y)}" '
                f'width="{_f(w)}" height="{_f(bar_h)}"/>'
            )
            out.append(
                f'<text {SMALL} x="{_f(label_w + w + 3)}" y="{_f(y + bar_h - 1.5)}">'
                f"{escape(fmt_number(value, decimals, lang))}</text>"
            )
    return _close(out)


def columns(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    desc: str,
    lang: str = "vi",
    decimals: int = 0,
) -> SafeString:
    """Vertical columns (one series), e.g. how many units fall in each band of the index."""
    if not bars:
        return mark_safe("")
    top_value = max((b.values[0] or 0 for b in bars), default=0)
    high = _nice_max(float(top_value))
    if decimals == 0:  # counts: whole numbers on the axis
        high = 4 * max(1, math.ceil(top_value / 4))
    left, right, top, bottom = 36.0, 10.0, 14.0, 40.0
    width, plot_h = 670.0, 170.0
    height = top + plot_h + bottom
    slot = (width - left - right) / len(bars)
    out = _open(chart_id, width, height, title, desc)
    for k in range(5):
        tick = high * k / 4
        y = top + plot_h * (1 - k / 4)
        out.append(
            f'<line stroke="{GRID}" x1="{_f(left)}" y1="{_f(y)}" x2="{_f(width - right)}" y2="{_f(y)}"/>'
        )
        out.append(
            f'<text {AXIS} x="{_f(left - 4)}" y="{_f(y + 3)}" text-anchor="end">'
            f"{escape(fmt_number(tick, 0 if tick == int(tick) else 1, lang))}</text>"
        )
    for i, bar in enumerate(bars):
        value = float(bar.values[0] or 0)
        h = plot_h * value / high
        x = left + i * slot + slot * 0.12
        w = slot * 0.76
        y = top + plot_h - h
        out.append(
            f'<rect fill="{SERIES[0]}" x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}"/>'
        )
        if value:
            out.append(
                f'<text {SMALL} x="{_f(x + w / 2)}" y="{_f(y - 3)}" text-anchor="middle">'
                f"{escape(fmt_number(value, decimals, lang))}</text>"
            )
        out.append(
            f'<text {AXIS} x="{_f(x + w / 2)}" y="{_f(top + plot_h + 14)}" '
            f'text-anchor="middle">{escape(_short(bar.label, 14))}</text>'
        )
    return _close(out)


def diverging(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    desc: str,
    lang: str = "vi",
    decimals: int = 2,
) -> SafeString:
    """Bars left (falls, red) and right (rises, green) of a zero line, values printed."""
    if not bars:
        return mark_safe("")
    extent = _nice_max(max(abs(b.values[0] or 0) for b in bars))
    label_w, plot_w, bar_h, gap, top = 220.0, 340.0, 11.0, 5.0, 8.0
    margin = 52.0  # room for the value printed beyond the longest bar, on either side
    width = label_w + margin + plot_w + margin
    height = top + len(bars) * (bar_h + gap) + 22
    zero = label_w + margin + plot_w / 2
    out = _open(chart_id, width, height, title, desc)
    for k in (-1, -0.5, 0, 0.5, 1):
        gx = zero + plot_w / 2 * k
        out.append(
            f'<line stroke="{INK if k == 0 else GRID}" x1="{_f(gx)}" y1="{_f(top - 4)}" '
            f'x2="{_f(gx)}" y2="{_f(height - 18)}"/>'
        )
        out.append(
            f'<text {AXIS} x="{_f(gx)}" y="{_f(height - 6)}" text-anchor="middle">'
            f"{escape(fmt_number(extent * k, 1, lang, signed=True))}</text>"
        )
    for i, bar in enumerate(bars):
        value = float(bar.values[0] or 0)
        y = top + i * (bar_h + gap)
        w = plot_w / 2 * min(1.0, abs(value) / extent)
        x = zero if value >= 0 else zero - w
        colour = UP if value >= 0 else DOWN
        out.append(
            f'<text {TEXT} x="{_f(label_w - 6)}" y="{_f(y + bar_h - 2)}" text-anchor="end">'
            f"{escape(_short(bar.label, 40))}</text>"
        )
        out.append(
            f'<rect fill="{colour}" x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(bar_h)}"/>'
        )
        tx, anchor = (x + w + 3, "start") if value >= 0 else (x - 3, "end")
        out.append(
            f'<text {SMALL} x="{_f(tx)}" y="{_f(y + bar_h - 2)}" text-anchor="{anchor}">'
            f"{escape(fmt_number(value, decimals, lang, signed=True))}</text>"
        )
    return _close(out)


def intervals(
    rows: Sequence[Interval],
    *,
    chart_id: str,
    title: str,
    desc: str,
    lang: str = "vi",
    low_end: float | None = None,
    high_end: float | None = None,
    decimals: int = 2,
) -> SafeString:
    """A point and its interval per row on a shared axis from `low_end` to `high_end`
    (default: the rounded extremes), with the value and interval printed at the end."""
    usable = [r for r in rows if r.value is not None]
    if not usable:
        return mark_safe("")
    lows = [r.low if r.low is not None else r.value for r in usable]
    highs = [r.high if r.high is not None else r.value for r in usable]
    lo = low_end if low_end is not None else math.floor(min(lows))
    hi = high_end if high_end is not None else math.ceil(max(highs))
    if hi <= lo:
        hi = lo + 1
    step = max(1.0, float(math.ceil((hi - lo) / 4))) if decimals == 0 else _nice_step(hi - lo)
    if decimals != 0:  # round ends on the step, within the given limits
        lo = max(low_end if low_end is not None else -math.inf, math.floor(lo / step) * step)
        hi = min(high_end if high_end is not None else math.inf, math.ceil(hi / step) * step)
    label_w, plot_w, value_w, row_h, top = 220.0, 330.0, 130.0, 13.0, 8.0
    width = label_w + plot_w + value_w
    height = top + len(usable) * row_h + 24

    def px(v: float) -> float:
        share = (float(v) - lo) / (hi - lo)
        return label_w + plot_w * share

    out = _open(chart_id, width, height, title, desc)
    ticks = [lo + step * k for k in range(int(round((hi - lo) / step)) + 1)]
    for tick in ticks:
        gx = px(tick)
        out.append(
            f'<line stroke="{GRID}" x1="{_f(gx)}" y1="{_f(top - 4)}" x2="{_f(gx)}" '
            f'y2="{_f(height - 18)}"/>'
        )
        out.append(
            f'<text {AXIS} x="{_f(gx)}" y="{_f(height - 6)}" text-anchor="middle">'
            f"{escape(fmt_number(tick, 0 if float(tick).is_integer() else 1, lang))}</text>"
        )
    for i, row in enumerate(usable):
        y = top + i * row_h + row_h / 2
        low = row.low if row.low is not None else row.value
        high = row.high if row.high is not None else row.value
        out.append(
            f'<text {SMALL} x="{_f(label_w - 6)}" y="{_f(y + 3)}" text-anchor="end">'
            f"{escape(_short(row.label, 42))}</text>"
        )
        out.append(
            f'<line stroke="{SERIES[0]}" stroke-width="2" x1="{_f(px(low))}" y1="{_f(y)}" '
            f'x2="{_f(px(high))}" y2="{_f(y)}"/>'
        )
        out.append(f'<circle fill="{DOWN}" cx="{_f(px(row.value))}" cy="{_f(y)}" r="3.2"/>')
        text = fmt_number(row.value, decimals, lang)
        if row.low is not None and row.high is not None:
            text += (
                f" ({fmt_number(row.low, decimals, lang)}–{fmt_number(row.high, decimals, lang)})"
            )
        out.append(
            f'<text {SMALL} x="{_f(label_w + plot_w + 6)}" y="{_f(y + 3)}">{escape(text)}</text>'
        )
    return _close(out)
