"""GeoJSON boundaries: `parse_geojson` validates an uploaded FeatureCollection of Polygon /
MultiPolygon features in longitude/latitude and raises `InputError` listing every problem
(feature number, property, what is wrong) in Vietnamese or English.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parindex.analysis.maps.codes import code_key
from parindex.analysis.maps.messages import _plain, message
from parindex.errors import InputError, Problem

DEFAULT_CODE_PROPERTIES = ("code", "ma", "MaTinh", "ma_xa")
DEFAULT_NAME_PROPERTIES = ("name", "ten", "TenTinh", "ten_xa", "Ten")
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
MAX_PROBLEMS = 200  # stop collecting after this many: the file is clearly not usable


@dataclass(frozen=True)
class Bounds:
    """The longitude/latitude box every position must lie in."""

    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float


VIETNAM = Bounds(100.0, 120.0, 5.0, 25.0)

Ring = tuple[tuple[float, float], ...]
Polygon = tuple[Ring, ...]  # the outer ring, then holes


@dataclass(frozen=True)
class BoundaryFeature:
    code: str
    name: str
    polygons: tuple[Polygon, ...]

    @property
    def positions(self) -> int:
        return sum(len(ring) for polygon in self.polygons for ring in polygon)


@dataclass(frozen=True)
class Boundaries:
    features: tuple[BoundaryFeature, ...]
    code_property: str  # the property the codes were read from ("" if they differ by feature)

    def codes(self) -> list[str]:
        return [f.code for f in self.features]


class _Collector:
    """Problems of one file, with a cap so a broken 3,000-feature file stays readable."""

    def __init__(self, source: str, lang: str):
        self.source, self.lang, self.problems = source, lang, []

    def add(self, location: str, field: str, key: str, **values: Any) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(
                Problem(self.source, location, field, message(key, self.lang, **values))
            )

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _type_name(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return {dict: "object", list: "list", bool: "true/false", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _load_json(data: str | bytes | Mapping[str, Any], limit: int, out: _Collector) -> Any:
    if isinstance(data, Mapping):
        size = len(json.dumps(data, separators=(",", ":")).encode("utf-8"))
    elif isinstance(data, bytes):
        size = len(data)
    else:
        size = len(data.encode("utf-8"))
    if size > limit:
        out.add("", "", "too_large", size=_size(size, out.lang), limit=_size(limit, out.lang))
        out.raise_if_any()
    if isinstance(data, Mapping):
        return data
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            out.add("", "", "not_utf8")
            out.raise_if_any()
    try:
        return json.loads(data.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        out.add("", "", "not_json", line=exc.lineno, column=exc.colno, error=exc.msg)
        out.raise_if_any()


def _size(size: int, lang: str) -> str:
    """1.5 MB / 12 KB (1,5 MB in Vietnamese)."""
    if size >= 1024 * 1024:
        text = f"{size / 1024 / 1024:.1f}".rstrip("0").rstrip(".") + " MB"
    else:
        text = f"{max(1, round(size / 1024))} KB"
    return text.replace(".", ",") if lang == "vi" else text


def parse_geojson(
    data: str | bytes | Mapping[str, Any],
    *,
    source: str = "boundaries.geojson",
    code_property: str | None = None,
    bounds: Bounds = VIETNAM,
    max_bytes: int = DEFAULT_MAX_BYTES,
    lang: str = "en",
) -> Boundaries:
    """Validated boundaries from GeoJSON text (or bytes, or an already parsed dict).

    Requires a FeatureCollection whose features are Polygon or MultiPolygon in
    longitude/latitude within `bounds`, with closed rings of at least 4 positions, each
    carrying a unit code in `code_property` (default: the first present of
    `DEFAULT_CODE_PROPERTIES`), no code twice. Every problem is listed (up to
    `MAX_PROBLEMS`) with the feature's number (1 = the first) and the property concerned,
    in `lang`; nothing is returned unless there is none.
    """
    out = _Collector(source, lang)
    document = _load_json(data, max_bytes, out)
    if not isinstance(document, dict):
        out.add("", "", "not_object", found=_type_name(document))
        out.raise_if_any()
    if document.get("type") != "FeatureCollection":
        out.add("", "type", "not_collection", found=_type_name(document.get("type")))
        out.raise_if_any()
    items = document.get("features")
    if not isinstance(items, list) or not items:
        out.add("", "features", "no_features")
        out.raise_if_any()
    features: list[BoundaryFeature] = []
    seen: dict[str, int] = {}
    used_properties: set[str] = set()
    for number, item in enumerate(items, start=1):
        if out.full:
            break
        where = message("feature", lang, number=number)
        if not isinstance(item, dict) or item.get("type") != "Feature":
            out.add(where, "type", "not_feature")
            continue
        code, prop = _feature_code(item, code_property, where, out)
        polygons = _feature_polygons(item.get("geometry"), bounds, where, out)
        if code is None or polygons is None:
            continue
        key = code_key(code)
        if key in seen:
            out.add(where, f"properties.{prop}", "duplicate_code", code=code, first=seen[key])
            continue
        seen[key] = number
        used_properties.add(prop)
        features.append(BoundaryFeature(code, _feature_name(item), polygons))
    out.raise_if_any()
    used = used_properties.pop() if len(used_properties) == 1 else ""
    return Boundaries(tuple(features), used)


def _feature_code(
    item: dict[str, Any], code_property: str | None, where: str, out: _Collector
) -> tuple[str | None, str]:
    properties = item.get("properties")
    names = (code_property,) if code_property else DEFAULT_CODE_PROPERTIES
    if not isinstance(properties, dict):
        out.add(where, "properties", "no_properties")
        return None, ""
    for name in names:
        value = properties.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            out.add(where, f"properties.{name}", "bad_code", found=_type_name(value))
            return None, name
        if isinstance(value, float):
            if not value.is_integer():
                out.add(where, f"properties.{name}", "bad_code", found=repr(value))
                return None, name
            value = int(value)
        return str(value).strip(), name
    if code_property:
        out.add(where, f"properties.{code_property}", "missing_named_code", name=code_property)
    else:
        out.add(where, "properties", "missing_code", names=", ".join(DEFAULT_CODE_PROPERTIES))
    return None, ""


def _feature_name(item: dict[str, Any]) -> str:
    properties = item.get("properties") or {}
    for name in DEFAULT_NAME_PROPERTIES:
        value = properties.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _feature_polygons(
    geometry: Any, bounds: Bounds, where: str, out: _Collector
) -> tuple[Polygon, ...] | None:
    if not isinstance(geometry, dict):
        out.add(where, "geometry", "no_geometry")
        return None
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        raw_polygons = [coordinates]
    elif kind == "MultiPolygon":
        raw_polygons = coordinates if isinstance(coordinates, list) and coordinates else None
    else:
        out.add(where, "geometry.type", "geometry_type", found=_type_name(kind))
        return None
    if raw_polygons is None or not all(
        isinstance(p, list) and p and all(isinstance(r, list) for r in p) for p in raw_polygons
    ):
        out.add(where, "geometry.coordinates", "bad_structure", kind=kind)
        return None
    polygons: list[Polygon] = []
    ring_number = 0
    ok = True
    for raw_polygon in raw_polygons:
        rings: list[Ring] = []
        for raw_ring in raw_polygon:
            ring_number += 1
            ring = _ring(raw_ring, ring_number, kind, bounds, where, out)
            if ring is None:
                ok = False
            else:
                rings.append(ring)
        polygons.append(tuple(rings))
    return tuple(polygons) if ok else None


def _ring(
    raw: list[Any], number: int, kind: str, bounds: Bounds, where: str, out: _Collector
) -> Ring | None:
    field = "geometry.coordinates"
    if raw and all(isinstance(c, int | float) for c in raw):
        out.add(where, field, "bad_structure", kind=kind)  # a position where a ring belongs
        return None
    points: list[tuple[float, float]] = []
    for position, value in enumerate(raw, start=1):
        if (
            not isinstance(value, list)
            or len(value) not in (2, 3)
            or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in value
            )
        ):
            out.add(where, field, "bad_position", position=position, ring=number)
            return None
        points.append((float(value[0]), float(value[1])))
    if len(points) < 4:
        out.add(where, field, "short_ring", ring=number, count=len(points))
        return None
    if points[0] != points[-1]:
        out.add(where, field, "open_ring", ring=number)
        return None
    for position, (lon, lat) in enumerate(points, start=1):
        if not (
            bounds.lon_min <= lon <= bounds.lon_max and bounds.lat_min <= lat <= bounds.lat_max
        ):
            out.add(
                where,
                field,
                "out_of_range",
                position=position,
                ring=number,
                lon=_plain(lon),
                lat=_plain(lat),
                lon_min=_plain(bounds.lon_min),
                lon_max=_plain(bounds.lon_max),
                lat_min=_plain(bounds.lat_min),
                lat_max=_plain(bounds.lat_max),
                hint=_range_hint(lon, lat, bounds, out.lang),
            )
            return None  # one message per ring: the others are usually the same mistake
    return tuple(points)


def _range_hint(lon: float, lat: float, bounds: Bounds, lang: str) -> str:
    if bounds.lon_min <= lat <= bounds.lon_max and bounds.lat_min <= lon <= bounds.lat_max:
        return message("hint_swapped", lang)
    if abs(lon) > 180 or abs(lat) > 90:
        return message("hint_projected", lang)
    return ""
