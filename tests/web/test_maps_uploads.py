"""Uploading boundaries: a valid GeoJSON is stored with its codes matched to units; every
invalid file is refused with a clear message and nothing is stored; the newest set in force
is the one maps use, earlier and withdrawn ones stay as the history."""

# ruff: noqa: F811 (pytest fixtures imported from test_maps_support)

from __future__ import annotations

import json

import pytest
from test_maps_support import (  # noqa: F401 (fixtures)
    client_for,
    commune_geojson,
    map_campaigns,
    map_people,
    map_units,
    square,
    upload_file,
)

pytestmark = pytest.mark.django_db

URL = "/maps/boundaries/upload/"


def post(client, units, data, name="ranh-gioi.geojson", **fields):
    form = {"level": "commune", "scope": str(units.p.pk), "name": "Xã, phường của P",
            "source": "Sở Nông nghiệp và Môi trường, 2025", **fields}  # fmt: skip
    form["file"] = upload_file(data, name)
    return client.post(URL, form)


def test_a_valid_file_is_stored_with_matched_and_unmatched_codes(map_units, map_people):
    from parindex.web.maps.models import BoundarySet

    client = client_for(map_people.admin)
    response = post(client, map_units, commune_geojson())
    boundary_set = BoundarySet.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/maps/boundaries/{boundary_set.pk}/"
    assert boundary_set.feature_count == 5
    assert boundary_set.matched_codes == ["X1", "X2", "X3", "X4"]
    assert boundary_set.unmatched_codes == ["Z9"]
    assert boundary_set.code_property == "ma_xa"
    assert boundary_set.names["X2"] == "Tên X2"
    assert boundary_set.uploaded_by == map_people.admin
    assert boundary_set.unit == map_units.p and boundary_set.level == "commune"
    assert boundary_set.original_name == "ranh-gioi.geojson"
    assert len(boundary_set.sha256) == 64 and boundary_set.size_bytes > 0
    assert set(boundary_set.paths) == {"X1", "X2", "X3", "X4", "Z9"}
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "<code>Z9</code>" in html and "Sở Nông nghiệp và Môi trường, 2025" in html
    assert detail.context["without"] == []


def test_a_named_code_property_and_units_without_boundaries(map_units, map_people):
    from parindex.web.maps.models import BoundarySet

    client = client_for(map_people.admin)
    data = commune_geojson(codes=("X1", "X2"), prop="MaXa")
    response = post(client, map_units, data, code_property="MaXa")
    assert response.status_code == 302
    boundary_set = BoundarySet.objects.get()
    assert boundary_set.code_property == "MaXa" and boundary_set.matched_codes == ["X1", "X2"]
    without = client.get(response["Location"]).context["without"]
    assert [u.code for u in without] == ["X3", "X4"]


def broken(**changes):
    data = commune_geojson(codes=("X1", "X2"))
    second = data["features"][1]
    if "ring" in changes:
        second["geometry"]["coordinates"] = [changes["ring"]]
    if "properties" in changes:
        second["properties"] = changes["properties"]
    return data


CASES = {
    "not JSON": (b'{"type": "FeatureCollection", "features": [', "tệp không phải JSON hợp lệ (dòng 1"),
    "wrong type": ({"type": "Feature", "geometry": None}, 'kiểu (type) phải là "FeatureCollection"'),
    "open ring": (broken(ring=square(105.1, 20.0, close=False)),
                  "ranh-gioi.geojson: đối tượng thứ 2: geometry.coordinates: vòng 1 không khép kín"),
    "out of range": (broken(ring=square(585000, 2330000, 1000)),
                     "ranh-gioi.geojson: đối tượng thứ 2: geometry.coordinates: điểm thứ 1 của vòng 1 (585000, 2330000) nằm ngoài Việt Nam"),
    "missing code": (broken(properties={"ten_xa": "Không mã"}),
                     "đối tượng thứ 2: properties: không có mã đơn vị: cần một trong các thuộc tính code, ma, MaTinh, ma_xa"),
    "duplicate code": (broken(properties={"ma_xa": "X1"}),
                       "đối tượng thứ 2: properties.ma_xa: mã X1 đã dùng cho đối tượng thứ 1"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_files_are_refused_with_their_message_and_nothing_is_stored(
    map_units, map_people, case
):
    from parindex.web.maps.models import BoundarySet

    data, expected = CASES[case]
    response = post(client_for(map_people.admin), map_units, data)
    assert response.status_code == 200
    assert BoundarySet.objects.count() == 0
    html = response.content.decode()
    assert "Tệp bị từ chối" in html and "Không có gì được lưu." in html
    shown = " ".join(response.context["problems"])
    assert expected in shown, shown


def test_files_refused_by_type_or_size_before_reading(map_units, map_people, settings):
    from parindex.web.maps.models import BoundarySet

    client = client_for(map_people.admin)
    response = post(client, map_units, commune_geojson(), name="ranh-gioi.txt")
    assert "phải là GeoJSON (.geojson hoặc .json)" in response.context["form"].errors["file"][0]
    response = post(client, map_units, b"PK\x03\x04 not json", name="ranh-gioi.json")
    assert "không chứa một đối tượng JSON" in response.context["form"].errors["file"][0]
    settings.PARINDEX_MAP_UPLOAD_MAX_MB = 1
    big = commune_geojson()
    big["padding"] = "x" * (1024 * 1024)
    response = post(client, map_units, big)
    assert "Tệp quá lớn (1,0 MB; tối đa 1 MB)" in response.context["form"].errors["file"][0]
    assert BoundarySet.objects.count() == 0


def test_the_newest_set_in_force_is_used_and_the_history_kept(map_campaigns, map_units, map_people):
    from parindex.web.maps.models import BoundarySet

    client = client_for(map_people.admin)
    assert post(client, map_units, commune_geojson(), name="cu.geojson").status_code == 302
    newer = commune_geojson(codes=("X1", "X2", "X3"))
    assert post(client, map_units, newer, name="moi.geojson").status_code == 302
    old, new = BoundarySet.objects.order_by("pk")
    map_url = f"/maps/campaigns/{map_campaigns.communes.pk}/"
    assert client.get(map_url).context["geometry"].boundary_set == new
    listing = client.get("/maps/boundaries/")
    assert listing.context["current"] == {new.pk}
    assert "Đang dùng" in listing.content.decode() and "Đã thay thế" in listing.content.decode()
    client.post(f"/maps/boundaries/{new.pk}/withdraw/", {"reason": "thiếu X4"})
    assert client.get(map_url).context["geometry"].boundary_set == old
    assert client.get("/maps/boundaries/").context["current"] == {old.pk}
    assert BoundarySet.objects.count() == 2  # nothing deleted


def test_a_set_sharing_no_code_with_the_campaign_is_not_used(map_campaigns, map_units):
    from parindex.web.maps.services import map_geometry, store_boundary_set

    store_boundary_set(
        commune_geojson(codes=("A1", "A2")), level="commune", scope=map_units.p, name="khác"
    )
    geometry = map_geometry(map_campaigns.communes, ["X1", "X2"])
    assert geometry.kind == "none" and geometry.reason == "no_match"


def test_uploaded_province_boundaries_replace_the_tile_grid(map_campaigns, map_people):
    from parindex.web.maps.services import store_boundary_set

    data = commune_geojson(codes=("01", "79", "92"), prop="MaTinh")
    store_boundary_set(json.dumps(data), level="province", scope=None, name="34 tỉnh")
    response = client_for(map_people.ministry_admin).get(
        f"/maps/campaigns/{map_campaigns.p2025.pk}/"
    )
    assert response.context["geometry"].kind == "boundaries"
    assert sorted(r["row"]["unit_code"] for r in response.context["not_drawn"]) == [
        "02", "48", "96"
    ]  # fmt: skip
