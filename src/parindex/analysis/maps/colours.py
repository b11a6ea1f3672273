"""Colours of the classes: ColorBrewer schemes (Cynthia Brewer, Pennsylvania State
University, Apache 2.0 licence), chosen because they stay distinct for colour-blind
readers: YlGnBu (sequential: light = low, dark = high) and RdBu (diverging: red = fell,
blue = rose, white around 0).
"""

from __future__ import annotations

from parindex.analysis.maps.classes import EPS, MAX_CLASSES, ClassBreaks

# ColorBrewer YlGnBu (sequential) for 3–9 classes, RdBu (diverging) for 3–11 classes.
YLGNBU: dict[int, tuple[str, ...]] = {
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
    7: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    8: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"),
    9: ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494",
        "#081d58"),
}  # fmt: skip
RDBU: dict[int, tuple[str, ...]] = {
    3: ("#ef8a62", "#f7f7f7", "#67a9cf"),
    5: ("#ca0020", "#f4a582", "#f7f7f7", "#92c5de", "#0571b0"),
    7: ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"),
    9: ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3",
        "#2166ac"),
    11: ("#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de",
         "#4393c3", "#2166ac", "#053061"),
}  # fmt: skip
NO_DATA = "#e3e6e9"  # units without a value
OUTLINE = "#ffffff"
INK = "#1b1f24"


def sequential_colours(count: int) -> list[str]:
    """`count` colours from light (low) to dark (high)."""
    if count <= 0:
        return []
    if count == 1:
        return [YLGNBU[3][1]]
    if count == 2:
        return [YLGNBU[3][0], YLGNBU[3][2]]
    return list(YLGNBU[min(count, MAX_CLASSES)])


def diverging_colours(breaks: ClassBreaks, center: float = 0.0) -> list[str]:
    """One colour per class: reds for classes below `center`, blues above, the neutral
    white for a class containing it; the further from the centre, the darker."""
    below, above, neutral = [], [], []
    for index in range(breaks.count):
        lower, upper = breaks.bounds(index)
        if upper is not None and upper <= center + EPS:
            below.append(index)
        elif lower is not None and lower >= center - EPS:
            above.append(index)
        else:
            neutral.append(index)
    side = max(len(below), len(above), 1)
    scheme = RDBU[min(2 * side + 1, 11)]
    middle = len(scheme) // 2
    colours: dict[int, str] = {}
    for distance, index in enumerate(reversed(below), start=1):
        colours[index] = scheme[max(0, middle - distance)]
    for distance, index in enumerate(above, start=1):
        colours[index] = scheme[min(len(scheme) - 1, middle + distance)]
    for index in neutral:
        colours[index] = scheme[middle]
    return [colours[i] for i in range(breaks.count)]


def ordered_colours(count: int) -> list[str]:
    """Colours for ordered categories listed best first (classification labels): the best
    is the darkest."""
    return list(reversed(sequential_colours(count)))


def text_colour(fill: str) -> str:
    """Dark or white text, whichever contrasts more with `fill` (WCAG relative luminance)."""
    value = fill.lstrip("#")
    if len(value) != 6:
        return INK
    channels = []
    for i in (0, 2, 4):
        c = int(value[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return INK if luminance > 0.179 else "#ffffff"
