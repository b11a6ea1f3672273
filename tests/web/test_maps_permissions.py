"""Who may see which map and who may upload or withdraw boundaries: every role × a unit in
and out of its scope (out of scope: 403; anonymous: the sign-in page)."""

# ruff: noqa: F811 (pytest fixtures imported from test_maps_support)

from __future__ import annotations

import pytest
from test_maps_support import (  # noqa: F401 (fixtures)
    client_for,
    commune_geojson,
    map_campaigns,
    map_people,
    map_units,
    upload_file,
)

pytestmark = pytest.mark.django_db

ALL_PROVINCES = ["01", "02", "48", "79", "92", "96"]
# the 2025 province campaign is finalised, not published: rows each reader sees (None = 403)
PROVINCE_MAP = {
    "sysadmin": ALL_PROVINCES,
    "ministry_admin": ALL_PROVINCES,
    "hanoi": ["01"],  # a role on Hà Nội only: its own row
    "admin": None,  # province P: not a unit of this campaign
    "admin_q": None,
    "nobody": None,
}
COMMUNE_MAP = {
    "sysadmin": ["X1", "X2", "X3", "X4"],
    "admin": ["X1", "X2", "X3", "X4"],
    "viewer": ["X1", "X2", "X3", "X4"],
    "reporter_x1": ["X1"],
    "admin_q": None,
    "ministry_admin": None,
    "nobody": None,
}


def codes(response):
    return sorted(t["row"]["unit_code"] for t in response.context["table"])


@pytest.mark.parametrize("which", ["p2025", "communes"])
def test_map_matrix(map_campaigns, map_people, which):
    campaign = getattr(map_campaigns, which)
    expected = PROVINCE_MAP if which == "p2025" else COMMUNE_MAP
    anonymous = client_for().get(f"/maps/campaigns/{campaign.pk}/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=")
    for who, rows in expected.items():
        response = client_for(getattr(map_people, who)).get(f"/maps/campaigns/{campaign.pk}/")
        if rows is None:
            assert response.status_code == 403, who
        else:
            assert response.status_code == 200, who
            assert codes(response) == rows, who
    assert client_for(map_people.sysadmin).get("/maps/campaigns/99999/").status_code == 404


def test_a_reporter_sees_only_their_unit_coloured(map_campaigns, map_people, map_units):
    from parindex.web.maps.services import store_boundary_set

    store_boundary_set(commune_geojson(), level="commune", scope=map_units.p, name="P")
    response = client_for(map_people.reporter_x1).get(
        f"/maps/campaigns/{map_campaigns.communes.pk}/"
    )
    html = response.content.decode()
    assert 'data-code="X1" data-index=' in html
    assert 'data-code="X2" data-empty="1"' in html  # drawn, but without its figures
    assert "Tên X2 (X2) — ngoài phạm vi của bạn hoặc không có kết quả" in html
    assert [(e.label, e.count) for e in response.context["legend"]][-1] == (
        "Ngoài phạm vi của bạn, không có giá trị hoặc không có kết quả",
        4,
    )  # X2 X3 X4 and Z9
    assert "/rankings/" in html and f"/units/{map_units.communes['X2'].pk}/" not in html


def test_upload_page_permissions(map_units, map_people):
    from parindex.web.maps.models import BoundarySet

    for who, status in (("sysadmin", 200), ("admin", 200), ("admin_q", 200),
                        ("viewer", 403), ("reporter_x1", 403), ("nobody", 403)):  # fmt: skip
        response = client_for(getattr(map_people, who)).get("/maps/boundaries/upload/")
        assert response.status_code == status, who
    scopes = client_for(map_people.admin).get("/maps/boundaries/upload/").context["form"]
    assert [c for c, _label in scopes.fields["scope"].choices] == [str(map_units.p.pk)]
    national = client_for(map_people.sysadmin).get("/maps/boundaries/upload/").context["form"]
    assert national.fields["scope"].choices[0][0] == "country"
    # a campaign administrator of Q cannot upload for P: refused, nothing stored
    response = client_for(map_people.admin_q).post(
        "/maps/boundaries/upload/",
        {"level": "commune", "scope": str(map_units.p.pk), "name": "P",
         "file": upload_file(commune_geojson())},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors["scope"]
    assert BoundarySet.objects.count() == 0
    # nor for the whole country
    response = client_for(map_people.admin).post(
        "/maps/boundaries/upload/",
        {"level": "province", "scope": "country", "name": "VN",
         "file": upload_file(commune_geojson())},
    )  # fmt: skip
    assert response.context["form"].errors["scope"] and BoundarySet.objects.count() == 0


def test_boundary_set_pages_and_withdrawal_permissions(map_units, map_people):
    from parindex.web.maps.models import BoundarySet
    from parindex.web.maps.services import store_boundary_set

    boundary_set = store_boundary_set(
        commune_geojson(), level="commune", scope=map_units.p, name="Xã của P"
    )
    url = f"/maps/boundaries/{boundary_set.pk}/"
    for who, status in (("admin", 200), ("viewer", 200), ("reporter_x1", 200),
                        ("admin_q", 403), ("nobody", 403)):  # fmt: skip
        assert client_for(getattr(map_people, who)).get(url).status_code == status, who
    listing = client_for(map_people.admin_q).get("/maps/boundaries/")
    assert "Xã của P" not in listing.content.decode()
    assert "Xã của P" in client_for(map_people.viewer).get("/maps/boundaries/").content.decode()
    for who in ("viewer", "admin_q", "reporter_x1"):
        response = client_for(getattr(map_people, who)).post(url + "withdraw/", {"reason": "x"})
        assert response.status_code == 403, who
    assert BoundarySet.objects.get().is_active
    response = client_for(map_people.admin).post(url + "withdraw/", {"reason": "sai mã"})
    assert response.status_code == 302
    withdrawn = BoundarySet.objects.get()
    assert not withdrawn.is_active and withdrawn.withdrawn_reason == "sai mã"
    assert withdrawn.withdrawn_by == map_people.admin
    assert client_for(map_people.admin).get(url + "withdraw/").status_code == 405
