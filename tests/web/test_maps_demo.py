"""Demo maps: simulated boundaries of the demo province's communes, stored through the
upload path and clearly named as not a real map; the demo never breaks because of them."""

from __future__ import annotations

import datetime as dt

import pytest

from parindex.analysis.maps import parse_geojson

pytestmark = pytest.mark.django_db

START = dt.date(2023, 1, 1)


@pytest.fixture
def demo_province(db):
    from parindex.web.units.models import Unit

    mh = Unit.objects.create(code="MH", name="Tỉnh Minh Họa", kind="province", valid_from=START)
    Unit.objects.create(code="STP", name="Sở Tư pháp", kind="department", parent=mh,
                        valid_from=START)  # fmt: skip
    codes = [f"P{i:02d}" for i in range(1, 6)] + [f"X{i:02d}" for i in range(1, 21)]
    for code in codes:
        Unit.objects.create(code=code, name=f"Xã {code}", kind="commune", parent=mh,
                            valid_from=START)  # fmt: skip
    Unit.objects.create(code="X99", name="Xã cũ", kind="commune", parent=mh, valid_from=START,
                        valid_to=dt.date(2024, 12, 31))  # fmt: skip
    return mh, codes


def test_simulated_cells_tile_a_made_up_province():
    from parindex.web.maps.demo import simulated_geojson

    codes = [f"C{i}" for i in range(40)]
    data = simulated_geojson(codes, [f"Xã {c}" for c in codes])
    boundaries = parse_geojson(data)  # valid for the core's own validation
    assert boundaries.codes() == codes and boundaries.code_property == "ma_xa"
    assert "không phải bản đồ thật" in data["name"]
    # neighbours share their borders exactly: each inner edge is walked once each way
    edges: dict[tuple, int] = {}
    for feature in boundaries.features:
        ring = feature.polygons[0][0]
        for a, b in zip(ring, ring[1:], strict=False):
            edges[(a, b)] = edges.get((a, b), 0) + 1
    shared = sum(1 for (a, b) in edges if (b, a) in edges)
    assert shared > len(edges) / 2
    # the same input gives the same map
    assert simulated_geojson(codes, codes) == simulated_geojson(codes, codes)


def test_load_demo_maps_stores_a_simulated_set_for_the_communes(demo_province):
    from parindex.web.maps.demo import load_demo_maps
    from parindex.web.maps.models import BoundarySet

    mh, codes = demo_province
    assert load_demo_maps() == ""
    boundary_set = BoundarySet.objects.get()
    assert boundary_set.simulated and "mô phỏng" in boundary_set.name
    assert "không phải bản đồ thật" in boundary_set.name
    assert boundary_set.unit == mh and boundary_set.level == "commune"
    assert sorted(boundary_set.matched_codes) == sorted(codes)  # in force today, not X99
    assert boundary_set.unmatched_codes == []


def test_load_demo_maps_never_raises(demo_province, monkeypatch):
    from parindex.web.maps import demo
    from parindex.web.maps.models import BoundarySet

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(demo, "store_boundary_set", fail)
    assert demo.load_demo_maps() == "demo maps could not be created (RuntimeError: boom)"
    assert BoundarySet.objects.count() == 0


def test_without_the_demo_province_nothing_is_stored(db):
    from parindex.web.maps.demo import load_demo_maps
    from parindex.web.maps.models import BoundarySet

    assert load_demo_maps() == ""
    assert BoundarySet.objects.count() == 0
