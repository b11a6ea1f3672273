"""Class breaks: split the values into classes for the legend.

A class is an interval closed below and open above, `[edge_i, edge_{i+1})` (the last one
also holds its upper end), so a unit whose value equals an edge belongs to the class
*above* it — the way classification thresholds read ("from 80 %"). Three methods:

- *quantile*: about as many units per class. With `n` values sorted ascending and `k`
  classes, the unit at position `i` (0-based) ideally belongs to class `⌊i·k/n⌋`. Equal
  values share a class: a run of ties goes where its first member would, so an edge is
  the first value of a run whose ideal class is higher than the previous run's. Many
  ties can therefore give fewer classes than asked (never an empty class).
- *equal*: classes of equal width between the lowest and highest value (for a change,
  symmetric around 0, so that 0 falls on an edge or in the middle class).
- *manual*: edges given by the user, strictly increasing; the first class is "below the
  first edge" and the last "from the last edge".

All values equal, or a single value: one class.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from parindex.analysis.maps.messages import _plain, message
from parindex.errors import InputError, Problem

METHODS = ("quantile", "equal", "manual")
MAX_CLASSES = 9  # the largest ColorBrewer sequential scheme
EPS = 1e-9  # values closer than this are equal (as in the rankings)


@dataclass(frozen=True)
class ClassBreaks:
    """Classes `[edges[i-1], edges[i])` between the values' extremes.

    `edges` are the interior edges, ascending; `count` = len(edges) + 1 classes. `low` and
    `high` are the lowest and highest classified value (None without values).
    """

    method: str
    edges: tuple[float, ...]
    low: float | None
    high: float | None

    @property
    def count(self) -> int:
        return len(self.edges) + 1

    def class_of(self, value: float | None) -> int | None:
        """0-based class of `value` (None for a missing value)."""
        if value is None or _missing(value):
            return None
        return bisect_right(self.edges, float(value) + EPS)

    def bounds(self, index: int) -> tuple[float | None, float | None]:
        """(lower, upper) of a class; None where it is open (first / last class)."""
        lower = self.edges[index - 1] if index > 0 else None
        upper = self.edges[index] if index < len(self.edges) else None
        return lower, upper

    def counts(self, values: Iterable[float | None]) -> list[int]:
        """How many of `values` fall in each class."""
        out = [0] * self.count
        for value in values:
            index = self.class_of(value)
            if index is not None:
                out[index] += 1
        return out


def _missing(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _clean(values: Iterable[float | None]) -> list[float]:
    return sorted(float(v) for v in values if not _missing(v))


def _dedupe(edges: Iterable[float], low: float | None) -> tuple[float, ...]:
    """Ascending distinct edges strictly above the lowest value (no empty first class)."""
    out: list[float] = []
    for edge in sorted(edges):
        if low is not None and edge <= low + EPS:
            continue
        if out and edge <= out[-1] + EPS:
            continue
        out.append(float(edge))
    return tuple(out)


def _check_classes(classes: int, lang: str) -> None:
    if not isinstance(classes, int) or isinstance(classes, bool) or not 1 <= classes <= MAX_CLASSES:
        raise InputError(
            [Problem("classes", "", "classes", message("classes_count", lang, limit=MAX_CLASSES))]
        )


def quantile_breaks(
    values: Iterable[float | None], classes: int = 5, lang: str = "en"
) -> ClassBreaks:
    """About the same number of units per class (see the module's docstring)."""
    _check_classes(classes, lang)
    data = _clean(values)
    if not data:
        return ClassBreaks("quantile", (), None, None)
    n = len(data)
    edges: list[float] = []
    current = 0
    start = 0
    while start < n:
        value = data[start]
        ideal = start * classes // n  # the class of the tie's first member
        if ideal > current:
            edges.append(value)
            current = ideal
        while start < n and data[start] <= value + EPS:
            start += 1
    return ClassBreaks("quantile", tuple(edges), data[0], data[-1])


def equal_breaks(
    values: Iterable[float | None],
    classes: int = 5,
    *,
    symmetric_about: float | None = None,
    lang: str = "en",
) -> ClassBreaks:
    """Classes of equal width from the lowest to the highest value; with
    `symmetric_about=c`, from `c − m` to `c + m` where m is the largest distance to c."""
    _check_classes(classes, lang)
    data = _clean(values)
    if not data:
        return ClassBreaks("equal", (), None, None)
    low, high = data[0], data[-1]
    start, stop = low, high
    if symmetric_about is not None:
        reach = max(abs(low - symmetric_about), abs(high - symmetric_about))
        start, stop = symmetric_about - reach, symmetric_about + reach
    if stop - start <= EPS:
        return ClassBreaks("equal", (), low, high)
    width = (stop - start) / classes
    edges = [start + j * width for j in range(1, classes)]
    if symmetric_about is not None:
        # keep the symmetric edges even where no value lies below/above them
        return ClassBreaks("equal", tuple(edges), low, high)
    return ClassBreaks("equal", _dedupe(edges, low), low, high)


def manual_breaks(edges: Sequence[float], values: Iterable[float | None] = ()) -> ClassBreaks:
    """The user's edges as they are (validate them with `parse_manual_edges`)."""
    data = _clean(values)
    low, high = (data[0], data[-1]) if data else (None, None)
    return ClassBreaks("manual", tuple(float(e) for e in edges), low, high)


def parse_manual_edges(
    text: str | Sequence[Any], lang: str = "en", source: str = "manual"
) -> list[float]:
    """Class limits typed by a user: "70;80;90", "70 80 90" or "70,80,90".

    With ";" (or spaces only) as separator a comma is a decimal comma ("72,5;80"); without
    ";" commas separate the limits and the decimal mark is ".". Raises InputError when a
    limit is not a number, the limits do not strictly increase, or there are too many.
    """
    if isinstance(text, str):
        raw = text.strip()
        if ";" in raw:
            parts = [p.strip().replace(",", ".") for p in raw.split(";")]
        else:
            parts = raw.replace(",", " ").split()
        parts = [p for p in parts if p]
    else:
        parts = [str(p).strip() for p in text]
    problems: list[Problem] = []
    if not parts:
        problems.append(Problem(source, "", "manual", message("manual_empty", lang)))
    numbers: list[float] = []
    for part in parts:
        try:
            number = float(part)
            if not math.isfinite(number):
                raise ValueError(part)
        except ValueError:
            problems.append(
                Problem(source, "", "manual", message("manual_number", lang, found=repr(part)))
            )
            continue
        if numbers and number <= numbers[-1]:
            problems.append(
                Problem(
                    source,
                    "",
                    "manual",
                    message("manual_order", lang, previous=_plain(numbers[-1]), found=part),
                )
            )
        numbers.append(number)
    if len(parts) > MAX_CLASSES - 1:
        problems.append(
            Problem(
                source,
                "",
                "manual",
                message("manual_count", lang, limit=MAX_CLASSES - 1, count=len(parts)),
            )
        )
    if problems:
        raise InputError(problems)
    return numbers


def make_breaks(
    method: str,
    values: Iterable[float | None],
    classes: int = 5,
    manual: Sequence[float] | None = None,
    *,
    symmetric_about: float | None = None,
    lang: str = "en",
) -> ClassBreaks:
    """Dispatch on `method` ("quantile", "equal", "manual")."""
    values = list(values)
    if method == "quantile":
        return quantile_breaks(values, classes, lang)
    if method == "equal":
        return equal_breaks(values, classes, symmetric_about=symmetric_about, lang=lang)
    if method == "manual":
        return manual_breaks(parse_manual_edges(list(manual or []), lang), values)
    raise InputError([Problem("breaks", "", "method", message("method", lang, found=repr(method)))])
