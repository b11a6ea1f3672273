"""From a campaign's result rows to what the map page draws: options, classes, colours,
legend and table rows.

The classes and colours come from the core (`parindex.analysis.maps`); this module reads
the query string, picks the value shown (index, class or change) and formats the labels in
the active language. A map is a display: units are classed on the values it shows
(rounded to 2 decimals, half up, as `fmt_number` prints them) against class limits rounded the
same way, so a unit shown as 80,68 is never in the class "under 80,68".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parindex.analysis.fmt import fmt_number
from parindex.analysis.maps import (
    MAX_CLASSES,
    METHODS,
    NO_DATA,
    ClassBreaks,
    code_key,
    diverging_colours,
    make_breaks,
    ordered_colours,
    parse_manual_edges,
    sequential_colours,
    text_colour,
)
from parindex.errors import InputError

BY = ("index", "class", "change")
DEFAULT_CLASSES = 5


def lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def n2(value: Any, signed: bool = False) -> str:
    return fmt_number(value, 2, lang(), signed=signed)


@dataclass
class MapOptions:
    by: str = "index"
    breaks: str = "quantile"
    classes: int = DEFAULT_CLASSES
    manual_text: str = ""
    manual: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # shown above the map
    notices: list[str] = field(default_factory=list)

    def query(self, **changes: Any) -> dict[str, str]:
        values = {
            "by": self.by,
            "breaks": self.breaks,
            "classes": str(self.classes),
            "manual": self.manual_text,
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def parse_options(query: Mapping[str, str], has_previous: bool) -> MapOptions:
    """The map options of `?by=&breaks=&classes=&manual=`; unknown values fall back to the
    defaults with a notice, invalid manual limits fall back to quantiles with the problems."""
    options = MapOptions()
    by = (query.get("by") or "index").strip()
    if by in BY:
        options.by = by
    if options.by == "change" and not has_previous:
        options.by = "index"
        options.notices.append(
            _("This campaign has no previous campaign: the change cannot be shown.")
        )
    breaks = (query.get("breaks") or "quantile").strip()
    options.breaks = breaks if breaks in METHODS else "quantile"
    raw_classes = (query.get("classes") or "").strip()
    if raw_classes:
        if raw_classes.isdigit() and 2 <= int(raw_classes) <= MAX_CLASSES:
            options.classes = int(raw_classes)
        else:
            options.notices.append(
                _("The number of classes must be between 2 and %(max)d: %(n)d classes are shown.")
                % {"max": MAX_CLASSES, "n": DEFAULT_CLASSES}
            )
    options.manual_text = (query.get("manual") or "").strip()[:200]
    if options.breaks == "manual" and options.by != "class":
        try:
            options.manual = parse_manual_edges(options.manual_text, lang())
        except InputError as error:
            options.problems = [p.message for p in error.problems]
            options.breaks = "quantile"
    return options


@dataclass
class LegendEntry:
    colour: str
    label: str
    count: int


@dataclass
class MapItem:
    """One unit with a result: its row, the value shown and its colour."""

    row: dict[str, Any]
    value: Any  # a number (index, change) or a class label
    colour: str
    text: str  # text colour on the fill
    class_index: int | None
    value_label: str

    @property
    def code(self) -> str:
        return self.row["unit_code"]

    @property
    def key(self) -> str:
        return code_key(self.row["unit_code"])


@dataclass
class Choropleth:
    items: list[MapItem]
    legend: list[LegendEntry]
    breaks: ClassBreaks | None
    title: str

    def by_key(self) -> dict[str, MapItem]:
        return {item.key: item for item in self.items}


def shown(value: float | None) -> float | None:
    """`value` as the page prints it (2 decimals, half up, like `fmt_number`)."""
    if value is None or value != value:  # None or NaN
        return None
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _shown_breaks(breaks: ClassBreaks) -> ClassBreaks:
    """The same classes with their limits rounded as the legend prints them."""
    edges = sorted({shown(edge) for edge in breaks.edges})
    return replace(breaks, edges=tuple(edges))


def _value(row: dict[str, Any], by: str) -> Any:
    if by == "change":
        return shown(row["index_change"])
    if by == "class":
        return row["class_label"] or None
    return shown(row["index_pct"])


def _range_label(breaks: ClassBreaks, index: int, signed: bool) -> str:
    lower, upper = breaks.bounds(index)
    if breaks.count == 1:
        if breaks.low is None:
            return "—"
        if breaks.high is None or abs(breaks.high - breaks.low) < 1e-9:
            return n2(breaks.low, signed)
        return f"{n2(breaks.low, signed)} – {n2(breaks.high, signed)}"
    if lower is None:
        if breaks.low is not None and breaks.low < upper:
            return _("%(low)s to under %(high)s") % {
                "low": n2(breaks.low, signed),
                "high": n2(upper, signed),
            }
        return _("under %(high)s") % {"high": n2(upper, signed)}
    if upper is None:
        if breaks.high is not None and breaks.high > lower:
            return f"{n2(lower, signed)} – {n2(breaks.high, signed)}"
        return _("%(low)s or more") % {"low": n2(lower, signed)}
    return _("%(low)s to under %(high)s") % {"low": n2(lower, signed), "high": n2(upper, signed)}


def build(
    rows: list[dict[str, Any]], options: MapOptions, class_rank: dict[str, int]
) -> Choropleth:
    """Colour every row by `options` (class order = the framework's classification)."""
    values = [_value(row, options.by) for row in rows]
    if options.by == "class":
        return _by_class(rows, values, class_rank)
    numbers = [v for v in values if v is not None]
    signed = options.by == "change"
    breaks = make_breaks(
        options.breaks,
        numbers,
        options.classes,
        options.manual,
        symmetric_about=0.0 if signed else None,
        lang=lang(),
    )
    breaks = _shown_breaks(breaks)
    colours = diverging_colours(breaks) if signed else sequential_colours(breaks.count)
    items = []
    for row, value in zip(rows, values, strict=True):
        index = breaks.class_of(value)
        colour = NO_DATA if index is None else colours[index]
        items.append(MapItem(row, value, colour, text_colour(colour), index, n2(value, signed)))
    counts = breaks.counts(numbers)
    legend = [
        LegendEntry(colours[i], _range_label(breaks, i, signed), counts[i])
        for i in range(breaks.count)
        if numbers or i == 0
    ]
    if not numbers:
        legend = []
    missing = len(values) - len(numbers)
    if missing:
        legend.append(LegendEntry(NO_DATA, _("No value"), missing))
    title = (
        _("Change of the index since the previous campaign (points)") if signed else _("Index (%)")
    )
    return Choropleth(items, legend, breaks, title)


def _by_class(
    rows: list[dict[str, Any]], values: list[Any], class_rank: dict[str, int]
) -> Choropleth:
    labels = sorted(
        {v for v in values if v is not None}, key=lambda c: (class_rank.get(c, len(class_rank)), c)
    )
    colours = dict(zip(labels, ordered_colours(len(labels)), strict=True))
    items = []
    for row, value in zip(rows, values, strict=True):
        colour = colours.get(value, NO_DATA)
        index = labels.index(value) if value in colours else None
        items.append(MapItem(row, value, colour, text_colour(colour), index, value or "—"))
    legend = [
        LegendEntry(colours[label], label, sum(1 for v in values if v == label)) for label in labels
    ]
    missing = sum(1 for v in values if v is None)
    if missing:
        legend.append(LegendEntry(NO_DATA, _("No class"), missing))
    return Choropleth(items, legend, None, _("Class"))


def add_empty_shapes(legend: list[LegendEntry], count: int, scoped: bool = False) -> None:
    """Count in the legend the shapes drawn without a result (the grey of "no value");
    `scoped`: the reader sees only some rows, so a grey shape may have a hidden result."""
    if count <= 0:
        return
    grey = next((e for e in legend if e.colour == NO_DATA), None)
    if scoped:
        label = _("Outside your scope, no value or no result")
    elif grey is None:
        label = _("No result in this campaign")
    else:
        label = _("No value or no result in this campaign")
    if grey is None:
        legend.append(LegendEntry(NO_DATA, label, count))
    else:
        grey.label = label
        grey.count += count


def sort_items(items: list[MapItem], by: str, class_rank: dict[str, int]) -> list[MapItem]:
    """Table order: the value shown, best first (class order for classes), then the index,
    then the name; units without a value last."""

    def key(item: MapItem) -> tuple:
        index = item.row["index_pct"]
        if by == "class":
            primary = (
                class_rank.get(item.value, len(class_rank)) if item.value is not None else None
            )
            return (primary is None, primary or 0, -(index or 0), _name(item))
        value = item.value
        return (value is None, -(value or 0), -(index or 0), _name(item))

    return sorted(items, key=key)


def _name(item: MapItem) -> str:
    return item.row.get("_name") or item.row["unit_name"]
