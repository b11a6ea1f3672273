"""The packaged tile grid of the 34 provinces (`parindex/data/maps/vn34_tilegrid.csv`)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from parindex.analysis.maps import Tile, load_tile_grid

TILE_GRID_FILE = "vn34_tilegrid.csv"


def tile_grid_text() -> str:
    return (
        resources.files("parindex")
        .joinpath("data", "maps", TILE_GRID_FILE)
        .read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def provinces_34() -> tuple[Tile, ...]:
    """The 34 tiles (validated by the core; a broken package file raises InputError)."""
    return tuple(load_tile_grid(tile_grid_text(), TILE_GRID_FILE))
