"""Demo data of the maps app, loaded by `parindex.web.demo.load_demo`.

The demo province is fictional, so it has no real boundaries: `load_demo_maps` generates a
**simulated** boundary set for its communes and wards — a jittered grid of cells with
wavy shared borders inside a made-up outline, the wards in the middle like a town — and
stores it through the same path as an upload (validation, projection, code matching), so
the demo's commune campaign has a map on first start. It is named and flagged as
simulated everywhere it shows. The coordinates lie in the sea east of the mainland, so
nobody can mistake the cells for a real place.
"""

from __future__ import annotations

import logging
import math
import random
from typing import Any

from django.db import transaction

from parindex.web.maps.models import Level
from parindex.web.maps.services import store_boundary_set
from parindex.web.units.models import Unit

log = logging.getLogger(__name__)

PROVINCE_CODE = "MH"
SET_NAME = "Ranh giới mô phỏng — không phải bản đồ thật (xã, phường Tỉnh Minh Họa)"
SET_SOURCE = "parindex demo: sinh ngẫu nhiên (lưới ô xáo trộn), không phải bản đồ thật"
ORIGIN = (112.6, 13.9)  # lon, lat of the grid's north-west corner (open sea)
CELL = 0.07  # degrees
SEED = 2025


def load_demo_maps() -> str:
    """Store the simulated boundaries; returns "" or a note. Never raises."""
    try:
        with transaction.atomic():
            count = _load()
    except Exception as exc:  # the maps are a bonus of the demo, never a blocker
        log.exception("demo maps could not be created")
        return f"demo maps could not be created ({type(exc).__name__}: {exc})"
    log.info("demo maps: simulated boundaries of %d communes and wards", count)
    return ""


def _load() -> int:
    province = Unit.objects.in_force().filter(code=PROVINCE_CODE).first()
    if province is None:
        return 0
    communes = list(Unit.objects.in_force().filter(kind="commune", path__startswith=province.path))
    if not communes:
        return 0
    wards = sorted((u for u in communes if u.code.startswith("P")), key=lambda u: u.code)
    others = sorted((u for u in communes if not u.code.startswith("P")), key=lambda u: u.code)
    geojson = simulated_geojson([u.code for u in wards + others], [u.name for u in wards + others])
    store_boundary_set(
        geojson,
        level=Level.COMMUNE,
        scope=province,
        name=SET_NAME,
        source=SET_SOURCE,
        original_name="ranh-gioi-mo-phong.geojson",
        simulated=True,
    )
    return len(communes)


def simulated_geojson(codes: list[str], names: list[str], seed: int = SEED) -> dict[str, Any]:
    """A FeatureCollection of `len(codes)` cells that tile a blob-shaped made-up province:
    the first codes get the innermost cells. Properties `ma_xa` (code) and `ten_xa` (name),
    as in many commune files."""
    rng = random.Random(seed)
    n = len(codes)
    side = max(3, math.ceil(math.sqrt(n * 1.6)) + 2)
    # lattice vertices, jittered (the border of the lattice stays straight: it is never used
    # as an outline because only inner cells are chosen when the blob is smaller)
    vertex: dict[tuple[int, int], tuple[float, float]] = {}
    for i in range(side + 1):
        for j in range(side + 1):
            jitter = 0.28 if 0 < i < side and 0 < j < side else 0.0
            vertex[(i, j)] = (j + rng.uniform(-jitter, jitter), i + rng.uniform(-jitter, jitter))
    centre = side / 2
    phase = rng.uniform(0, 2 * math.pi)

    def blob(i: int, j: int) -> float:
        """< 1 inside a wavy outline; lower = closer to the centre."""
        x, y = j + 0.5 - centre, i + 0.5 - centre
        angle = math.atan2(y, x)
        radius = 1 + 0.18 * math.sin(3 * angle + phase) + 0.1 * math.cos(5 * angle)
        return math.hypot(x / 1.15, y) / radius

    cells = sorted(((i, j) for i in range(side) for j in range(side)), key=lambda c: (blob(*c), c))[
        :n
    ]
    features = []
    for code, name, (i, j) in zip(codes, names, cells, strict=True):
        corners = [(i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j)]
        ring: list[list[float]] = []
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
            ring.extend(_edge(vertex, a, b, seed))
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "properties": {"ma_xa": code, "ten_xa": name, "mo_phong": True},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {"type": "FeatureCollection", "name": SET_NAME, "features": features}


def _edge(
    vertex: dict[tuple[int, int], tuple[float, float]],
    a: tuple[int, int],
    b: tuple[int, int],
    seed: int,
) -> list[list[float]]:
    """The points from `a` (included) to `b` (excluded) along a wavy border; a neighbour
    walking the same border the other way gets exactly the same points."""
    first, last = sorted((a, b))
    rng = random.Random(f"{seed}:{first}:{last}")
    (x0, y0), (x1, y1) = vertex[first], vertex[last]
    dx, dy = x1 - x0, y1 - y0
    points = [(x0, y0)]
    for t in (1 / 3, 2 / 3):
        offset = rng.uniform(-0.12, 0.12)
        points.append((x0 + dx * t - dy * offset, y0 + dy * t + dx * offset))
    if (a, b) != (first, last):
        points = [(x1, y1), *reversed(points[1:])]
    return [_lonlat(x, y) for x, y in points]


def _lonlat(x: float, y: float) -> list[float]:
    lon = ORIGIN[0] + x * CELL / math.cos(math.radians(ORIGIN[1]))
    lat = ORIGIN[1] - y * CELL
    return [round(lon, 6), round(lat, 6)]
