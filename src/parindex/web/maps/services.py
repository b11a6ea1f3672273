"""Storing boundary sets and choosing the geometry of a campaign's map.

`store_boundary_set` validates the GeoJSON with the core (`parse_geojson`), projects it to
SVG paths (`project`), matches its codes to units, and writes one `BoundarySet` — or raises
`InputError` and writes nothing. `map_geometry` decides what a campaign's map is drawn on:

1. the newest active boundary set of the campaign's unit kind whose scope is the
   campaign's root unit, one of its ancestors or the whole country (the nearest scope
   first), if it has at least one of the campaign's units;
2. otherwise the tile grid of the 34 provinces for province-kind units;
3. otherwise nothing: communes need uploaded boundaries, departments have no geometry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from parindex.analysis.maps import (
    DEFAULT_MAX_BYTES,
    Tile,
    code_key,
    parse_geojson,
    project,
)
from parindex.web.campaigns.models import Campaign
from parindex.web.maps.models import BoundarySet, Level
from parindex.web.maps.tilegrid import provinces_34
from parindex.web.units.models import Unit, UnitKind

MAP_WIDTH = 600.0
MAP_MAX_HEIGHT = 760.0
TOLERANCE = 0.6  # view-box units: below what a reader can see at the page's size

TILE_GRID = "tilegrid"
BOUNDARIES = "boundaries"
NONE = "none"


def max_upload_bytes() -> int:
    mb = getattr(settings, "PARINDEX_MAP_UPLOAD_MAX_MB", None)
    return int(mb) * 1024 * 1024 if mb else DEFAULT_MAX_BYTES


def _units_of_level(level: str, scope: Unit | None):
    units = Unit.objects.filter(kind=level)
    if scope is not None:
        units = units.filter(path__startswith=scope.path)
    return units


def match_codes(codes: list[str], level: str, scope: Unit | None) -> tuple[list[str], list[str]]:
    """The file's codes that are codes of units of `level` under `scope` (any version), and
    those that are not — in the file's order."""
    known = {code_key(c) for c in _units_of_level(level, scope).values_list("code", flat=True)}
    matched = [c for c in codes if code_key(c) in known]
    unmatched = [c for c in codes if code_key(c) not in known]
    return matched, unmatched


def store_boundary_set(
    data: bytes | str | dict[str, Any],
    *,
    level: str,
    scope: Unit | None,
    name: str,
    user: Any = None,
    source: str = "",
    original_name: str = "",
    code_property: str = "",
    simulated: bool = False,
    lang: str = "vi",
) -> BoundarySet:
    """Validate, project and store; raises InputError (nothing stored) when invalid."""
    if level not in Level.values:
        raise ValueError(f"unknown level {level!r}")
    boundaries = parse_geojson(
        data,
        source=original_name or "GeoJSON",
        code_property=code_property.strip() or None,
        max_bytes=max_upload_bytes(),
        lang=lang,
    )
    projected = project(boundaries, width=MAP_WIDTH, max_height=MAP_MAX_HEIGHT, tolerance=TOLERANCE)
    raw = data if isinstance(data, bytes) else _as_bytes(data)
    matched, unmatched = match_codes(boundaries.codes(), level, scope)
    with transaction.atomic():
        return BoundarySet.objects.create(
            level=level,
            unit=scope,
            name=name.strip(),
            source=source.strip(),
            code_property=boundaries.code_property or code_property.strip(),
            original_name=original_name[:255],
            size_bytes=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
            feature_count=len(boundaries.features),
            matched_codes=matched,
            unmatched_codes=unmatched,
            names={f.code: f.name for f in boundaries.features if f.name},
            paths=projected.paths,
            centres={k: list(v) for k, v in projected.centres.items()},
            width=projected.width,
            height=projected.height,
            simulated=simulated,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )


def _as_bytes(data: str | dict[str, Any]) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def withdraw(boundary_set: BoundarySet, user: Any, reason: str = "") -> None:
    boundary_set.withdrawn_at = timezone.now()
    boundary_set.withdrawn_by = user
    boundary_set.withdrawn_reason = reason.strip()[:500]
    boundary_set.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])


def candidate_sets(level: str, root: Unit | None):
    """Active sets of `level` usable under `root`: its own, its ancestors', the country's —
    the nearest scope first, then the newest."""
    scopes = [root.pk, *reversed(root.ancestor_ids())] if root is not None else []
    sets = list(
        BoundarySet.objects.active()
        .filter(level=level)
        .filter(unit_id__in=scopes)
        .defer("paths", "centres", "names")
        .order_by("-uploaded_at", "-pk")
    ) + list(
        BoundarySet.objects.active()
        .filter(level=level, unit__isnull=True)
        .defer("paths", "centres", "names")
        .order_by("-uploaded_at", "-pk")
    )
    order = {pk: i for i, pk in enumerate(scopes)}
    return sorted(sets, key=lambda s: order.get(s.unit_id, len(order)))  # stable: newest first


@dataclass
class MapGeometry:
    """What a campaign's map is drawn on."""

    kind: str  # TILE_GRID | BOUNDARIES | NONE
    boundary_set: BoundarySet | None = None
    tiles: tuple[Tile, ...] = ()
    reason: str = ""  # for NONE: "no_geometry" (departments…) | "no_boundaries" | "no_match"
    ignored: list[BoundarySet] = field(default_factory=list)  # sets matching none of the units


def map_geometry(campaign: Campaign, unit_codes: list[str]) -> MapGeometry:
    """The geometry for `campaign` whose result rows have `unit_codes`."""
    keys = {code_key(c) for c in unit_codes}
    ignored: list[BoundarySet] = []
    if campaign.unit_kind in Level.values:
        for candidate in candidate_sets(campaign.unit_kind, campaign.root_unit):
            codes = [*candidate.matched_codes, *candidate.unmatched_codes]  # units may come later
            if keys & {code_key(c) for c in codes}:
                full = BoundarySet.objects.get(pk=candidate.pk)
                return MapGeometry(BOUNDARIES, boundary_set=full, ignored=ignored)
            ignored.append(candidate)
    if campaign.unit_kind == UnitKind.PROVINCE:
        return MapGeometry(TILE_GRID, tiles=provinces_34(), ignored=ignored)
    if campaign.unit_kind in Level.values:
        return MapGeometry(NONE, reason="no_match" if ignored else "no_boundaries", ignored=ignored)
    return MapGeometry(NONE, reason="no_geometry")


def upload_level_for(unit_kind: str) -> str | None:
    """The boundary level a campaign of `unit_kind` would use (None: no map applies)."""
    return unit_kind if unit_kind in Level.values else None
