"""Projection of the boundaries to SVG path data: equirectangular with the longitudes
scaled by cos(mid-latitude) (good enough for a province or the country), fitted to a view
box, simplified (Douglas–Peucker) and rounded so that even a file of the 3,321 communes
gives a page of reasonable size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parindex.analysis.maps.geojson import Boundaries, BoundaryFeature, Ring


@dataclass(frozen=True)
class ProjectedMap:
    """SVG path data per code in a `width` × `height` view box (y downwards, north up)."""

    width: float
    height: float
    paths: dict[str, str]
    centres: dict[str, tuple[float, float]]  # a point inside each unit's largest polygon


def project(
    boundaries: Boundaries | Sequence[BoundaryFeature],
    *,
    width: float = 600.0,
    max_height: float = 800.0,
    padding: float = 6.0,
    tolerance: float = 0.5,
    decimals: int = 1,
) -> ProjectedMap:
    """Fit the features into a view box `width` wide (narrower if the shape would be taller
    than `max_height`), simplify every ring to `tolerance` view-box units and round the
    coordinates to `decimals` places.

    x = (lon − lon_min)·cos(φ₀), y = lat_max − lat, scaled; φ₀ the middle latitude. A ring
    keeps at least 3 distinct corners, so small units stay visible.
    """
    features = boundaries.features if isinstance(boundaries, Boundaries) else tuple(boundaries)
    if not features:
        return ProjectedMap(width, 0.0, {}, {})
    lons = [p[0] for f in features for poly in f.polygons for ring in poly for p in ring]
    lats = [p[1] for f in features for poly in f.polygons for ring in poly for p in ring]
    lon_min, lon_max, lat_min, lat_max = min(lons), max(lons), min(lats), max(lats)
    k = math.cos(math.radians((lat_min + lat_max) / 2))
    span_x = max((lon_max - lon_min) * k, 1e-9)
    span_y = max(lat_max - lat_min, 1e-9)
    inner_w = width - 2 * padding
    scale = inner_w / span_x
    if span_y * scale > max_height - 2 * padding:
        scale = (max_height - 2 * padding) / span_y
    out_w = round(span_x * scale + 2 * padding, decimals)
    out_h = round(span_y * scale + 2 * padding, decimals)

    def to_xy(ring: Ring) -> np.ndarray:
        array = np.asarray(ring, dtype=float)
        x = (array[:, 0] - lon_min) * k * scale + padding
        y = (lat_max - array[:, 1]) * scale + padding
        return np.column_stack((x, y))

    paths: dict[str, str] = {}
    centres: dict[str, tuple[float, float]] = {}
    for feature in features:
        parts: list[str] = []
        best_area, best_centre = -1.0, (0.0, 0.0)
        for polygon in feature.polygons:
            for index, ring in enumerate(polygon):
                projected = to_xy(ring)
                places = decimals
                xy = _round(simplify_ring(projected, tolerance), places)
                if len(xy) < 3 and index == 0:  # a unit smaller than the rounding: finer
                    places = decimals + 2
                    xy = _round(projected, places)
                if len(xy) < 3:
                    continue
                parts.append(_path(xy, places))
                if index == 0:
                    area, centre = _area_centre(xy)
                    if area > best_area:
                        best_area, best_centre = area, centre
        paths[feature.code] = "".join(parts)
        centres[feature.code] = (round(best_centre[0], decimals), round(best_centre[1], decimals))
    return ProjectedMap(out_w, out_h, paths, centres)


def simplify_ring(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas–Peucker on a closed ring (first = last may be given or not), returned
    without the closing point and with at least 3 corners when the ring had them.

    The ring is split at its first point and the point farthest from it, and each half is
    simplified on its own, so the shape cannot collapse to a line; a sliver thinner than
    the tolerance keeps its farthest point from that line.
    """
    points = np.asarray(points, dtype=float)
    if len(points) > 1 and np.allclose(points[0], points[-1]):
        points = points[:-1]
    n = len(points)
    if n <= 3 or tolerance <= 0:
        return points
    far = int(np.argmax(np.hypot(*(points - points[0]).T)))
    if far == 0:
        return points[:1]
    closed = np.vstack((points, points[:1]))
    keep = np.zeros(n + 1, dtype=bool)
    keep[[0, far, n]] = True
    _douglas_peucker(closed, 0, far, tolerance, keep)
    _douglas_peucker(closed, far, n, tolerance, keep)
    if keep.sum() < 4:  # only the two ends (and the closing point): keep a third corner
        distances = _distances(closed, closed[0], closed[far])
        keep[int(np.argmax(distances))] = True
    return closed[keep][:-1]


def _distances(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distances of `points` to the segment a–b."""
    ab = b - a
    length2 = float(ab @ ab)
    if length2 == 0.0:
        return np.hypot(*(points - a).T)
    t = np.clip(((points - a) @ ab) / length2, 0.0, 1.0)
    nearest = a + np.outer(t, ab)
    return np.hypot(*(points - nearest).T)


def _douglas_peucker(
    points: np.ndarray, first: int, last: int, tolerance: float, keep: np.ndarray
) -> None:
    stack = [(first, last)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        distances = _distances(points[start + 1 : end], points[start], points[end])
        index = int(np.argmax(distances))
        if distances[index] > tolerance:
            middle = start + 1 + index
            keep[middle] = True
            stack.append((start, middle))
            stack.append((middle, end))


def _round(points: np.ndarray, decimals: int) -> np.ndarray:
    """Round and drop consecutive repeats (and a last point equal to the first)."""
    if not len(points):
        return points
    rounded = np.round(points, decimals)
    keep = np.ones(len(rounded), dtype=bool)
    keep[1:] = np.any(rounded[1:] != rounded[:-1], axis=1)
    rounded = rounded[keep]
    if len(rounded) > 1 and np.all(rounded[0] == rounded[-1]):
        rounded = rounded[:-1]
    return rounded


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _path(points: np.ndarray, decimals: int) -> str:
    coords = " ".join(f"{_number(x, decimals)},{_number(y, decimals)}" for x, y in points)
    return f"M{coords}Z"


def _area_centre(points: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Area and centroid of a polygon ring (the vertices' mean if it has no area)."""
    x, y = points[:, 0], points[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y2 - x2 * y
    area = float(cross.sum()) / 2
    if abs(area) < 1e-12:
        return 0.0, (float(x.mean()), float(y.mean()))
    cx = float(((x + x2) * cross).sum()) / (6 * area)
    cy = float(((y + y2) * cross).sum()) / (6 * area)
    return abs(area), (cx, cy)
