"""The map as inline SVG, drawn on the server (no script needed to see it).

Each unit is a link to its profile (when the reader may open it) holding its shape, a
`<title>` (the native tooltip and what a screen reader announces) and `data-*` attributes
that `maps/maps.js` shows in the details box on hover or focus. Colours are presentation
attributes (allowed by the Content-Security-Policy, unlike style attributes). The table
beside the map gives the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parindex.analysis.maps import NO_DATA, OUTLINE, Tile, code_key, text_colour
from parindex.web.maps.choropleth import MapItem, n2

FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
TILE, GAP, PAD = 46.0, 4.0, 4.0
PREVIEW = "#a1dab4"  # a boundary set shown without results


@dataclass(frozen=True)
class Shape:
    """What one unit looks like on the map, whatever the geometry."""

    key: str
    name: str
    item: MapItem | None
    url: str


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _details(
    item: MapItem | None, name: str, code: str, preview: bool, empty_note: str
) -> tuple[str, str]:
    """(title text, data attributes) of a unit."""
    if item is None and preview:  # a boundary set on its own: names only
        return f"{name} ({code})", f' data-name="{escape(name)}" data-code="{escape(code)}"'
    if item is None:
        title = f"{name} ({code}) — {empty_note or _('no result in this campaign')}"
        return title, f' data-name="{escape(name)}" data-code="{escape(code)}" data-empty="1"'
    row = item.row
    rank = "—" if row["rank"] is None else str(row["rank"])
    parts = [
        f"{_('Index (%)')}: {n2(row['index_pct'])}",
        f"{_('Class')}: {row['class_label'] or '—'}",
        f"{_('Rank')}: {rank}",
    ]
    if row.get("index_change") is not None:
        parts.append(f"{_('Change')}: {n2(row['index_change'], signed=True)}")
    title = f"{row['unit_name']} ({row['unit_code']}) — " + "; ".join(parts)
    data = (
        f' data-name="{escape(row["unit_name"])}" data-code="{escape(row["unit_code"])}"'
        f' data-index="{escape(n2(row["index_pct"]))}" data-class="{escape(row["class_label"] or "—")}"'
        f' data-rank="{escape(rank)}" data-group="{escape(row.get("peer_group") or "")}"'
        f' data-change="{escape(n2(row.get("index_change"), signed=True))}"'
    )
    return title, data


def _open(shape: Shape, code: str, preview: bool = False, empty_note: str = "") -> tuple[str, str]:
    title, data = _details(shape.item, shape.name, code, preview, empty_note)
    css = "map-unit" + (" map-unit--empty" if shape.item is None and not preview else "")
    if shape.url:
        start = f'<a class="{css}" href="{escape(shape.url)}" data-key="{escape(shape.key)}"{data}>'
        end = "</a>"
    else:
        start = f'<g class="{css}" tabindex="0" data-key="{escape(shape.key)}"{data}>'
        end = "</g>"
    return start + f"<title>{escape(title)}</title>", end


def _svg_open(width: float, height: float, title: str, desc: str, css: str) -> str:
    return (
        f'<svg class="map {css}" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(desc)}</desc>'
    )


def tile_map(
    tiles: Sequence[Tile],
    items: dict[str, MapItem],
    url_for: Callable[[MapItem], str],
    title: str,
    empty_note: str = "",
) -> SafeString:
    """The tile grid: one square per province with its short label and value."""
    rows = max(t.row for t in tiles) + 1
    cols = max(t.col for t in tiles) + 1
    width = 2 * PAD + cols * TILE + (cols - 1) * GAP
    height = 2 * PAD + rows * TILE + (rows - 1) * GAP
    desc = _(
        "Tile grid of the 34 provinces: each square is a province placed by its approximate "
        "position, not its shape or size. The table beside the map gives the same figures."
    )
    out = [_svg_open(width, height, title, desc, "map--tiles")]
    for tile in tiles:
        key = code_key(tile.code)
        item = items.get(key)
        shape = Shape(key, tile.name, item, url_for(item) if item else "")
        start, end = _open(shape, tile.code, empty_note=empty_note)
        fill = item.colour if item else NO_DATA
        ink = text_colour(fill)
        x = PAD + tile.col * (TILE + GAP)
        y = PAD + tile.row * (TILE + GAP)
        value = item.value_label if item else ""
        if item is not None and isinstance(item.value, str):
            value = ""  # a class label does not fit in a tile: the colour and legend say it
        out.append(
            f'{start}<rect class="map-shape" x="{_f(x)}" y="{_f(y)}" width="{_f(TILE)}" '
            f'height="{_f(TILE)}" rx="4" fill="{fill}" stroke="{OUTLINE}" stroke-width="1"/>'
            f'<text {FONT} font-size="11" font-weight="bold" fill="{ink}" x="{_f(x + TILE / 2)}" '
            f'y="{_f(y + (18 if value else 27))}" text-anchor="middle">{escape(tile.label)}</text>'
        )
        if value:
            out.append(
                f'<text {FONT} font-size="9.5" fill="{ink}" x="{_f(x + TILE / 2)}" '
                f'y="{_f(y + 34)}" text-anchor="middle">{escape(value)}</text>'
            )
        out.append(end)
    out.append("</svg>")
    return mark_safe("".join(out))


def boundary_map(
    boundary_set,
    items: dict[str, MapItem],
    url_for: Callable[[MapItem], str],
    title: str,
    preview: bool = False,
    empty_note: str = "",
) -> SafeString:
    """The uploaded boundaries: one path per feature (grey when the unit has no result;
    `preview`: the set on its own, every unit in the same neutral colour)."""
    desc = _(
        "Map of the units from the boundary set “%(name)s”. The table beside the map gives "
        "the same figures."
    ) % {"name": boundary_set.name}
    out = [_svg_open(boundary_set.width, boundary_set.height, title, desc, "map--boundaries")]
    names = boundary_set.names or {}
    for code, path in boundary_set.paths.items():
        if not path:
            continue
        key = code_key(code)
        item = items.get(key)
        shape = Shape(key, names.get(code) or code, item, url_for(item) if item else "")
        start, end = _open(shape, code, preview, empty_note)
        fill = item.colour if item else (PREVIEW if preview else NO_DATA)
        out.append(
            f'{start}<path class="map-shape" d="{escape(path)}" fill="{fill}" fill-rule="evenodd" '
            f'stroke="{OUTLINE}" stroke-width="0.6"/>{end}'
        )
    out.append("</svg>")
    return mark_safe("".join(out))
