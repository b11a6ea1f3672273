"""Maps of units coloured by a value: class breaks, colours, the tile grid, GeoJSON
boundaries and their projection to SVG paths.

Pure functions, no Django, no files: the tile grid arrives as CSV text, boundaries as
GeoJSON text or a dict, and the results are plain data the web pages draw.

- **Class breaks** (`classes`) split the values into classes for the legend: quantile,
  equal or manual; an edge value belongs to the class above it.
- **Colours** (`colours`): ColorBrewer schemes that stay distinct for colour-blind readers,
  YlGnBu (sequential) and RdBu (diverging).
- **Tile grid** (`tilegrid`): one square per unit at a (row, column); see `load_tile_grid`.
- **GeoJSON** (`geojson`): `parse_geojson` validates an uploaded FeatureCollection and
  raises `InputError` listing every problem in Vietnamese or English (`messages`).
- **Projection** (`projection`): `project` turns the boundaries into simplified, rounded
  SVG path data fitted to a view box.
- **Codes** (`codes`): `code_key` matches unit codes written differently ("01", "1", 1).

Every public name is re-exported here, so callers import from `parindex.analysis.maps`.
"""

from parindex.analysis.maps.classes import (
    EPS,
    MAX_CLASSES,
    METHODS,
    ClassBreaks,
    equal_breaks,
    make_breaks,
    manual_breaks,
    parse_manual_edges,
    quantile_breaks,
)
from parindex.analysis.maps.codes import code_key
from parindex.analysis.maps.colours import (
    INK,
    NO_DATA,
    OUTLINE,
    RDBU,
    YLGNBU,
    diverging_colours,
    ordered_colours,
    sequential_colours,
    text_colour,
)
from parindex.analysis.maps.geojson import (
    DEFAULT_CODE_PROPERTIES,
    DEFAULT_MAX_BYTES,
    DEFAULT_NAME_PROPERTIES,
    MAX_PROBLEMS,
    VIETNAM,
    Boundaries,
    BoundaryFeature,
    Bounds,
    Polygon,
    Ring,
    parse_geojson,
)
from parindex.analysis.maps.messages import LANGUAGES, MESSAGES, message
from parindex.analysis.maps.projection import ProjectedMap, project, simplify_ring
from parindex.analysis.maps.tilegrid import TILE_COLUMNS, Tile, load_tile_grid

__all__ = [
    "DEFAULT_CODE_PROPERTIES",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_NAME_PROPERTIES",
    "EPS",
    "INK",
    "LANGUAGES",
    "MAX_CLASSES",
    "MAX_PROBLEMS",
    "MESSAGES",
    "METHODS",
    "NO_DATA",
    "OUTLINE",
    "RDBU",
    "TILE_COLUMNS",
    "VIETNAM",
    "YLGNBU",
    "Boundaries",
    "BoundaryFeature",
    "Bounds",
    "ClassBreaks",
    "Polygon",
    "ProjectedMap",
    "Ring",
    "Tile",
    "code_key",
    "diverging_colours",
    "equal_breaks",
    "load_tile_grid",
    "make_breaks",
    "manual_breaks",
    "message",
    "ordered_colours",
    "parse_geojson",
    "parse_manual_edges",
    "project",
    "quantile_breaks",
    "sequential_colours",
    "simplify_ring",
    "text_colour",
]
