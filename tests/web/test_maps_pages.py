"""The map page of a campaign: tile grid for provinces, uploaded boundaries for communes,
no map for departments; legend (quantile / equal / manual / classes / change) and the data
table equal to the campaign's results; the public variant."""

# ruff: noqa: F811 (pytest fixtures imported from test_maps_support)

from __future__ import annotations

import re

import pytest
from test_maps_support import (  # noqa: F401 (fixtures)
    CHANGE_2025,
    INDEX_2025,
    client_for,
    commune_geojson,
    map_campaigns,
    map_people,
    map_units,
)

pytestmark = pytest.mark.django_db

GREY = "#e3e6e9"


def page(client, campaign, **query):
    response = client.get(f"/maps/campaigns/{campaign.pk}/", query)
    assert response.status_code == 200
    return response


def fills(response) -> dict[str, str]:
    """Unit code → fill colour of its shape in the SVG."""
    html = response.content.decode()
    svg = html[
        html.index('<svg class="map ') : html.index("</svg>", html.index('<svg class="map '))
    ]
    found = {}
    for match in re.finditer(
        r'class="map-unit[^"]*"[^>]*data-code="([^"]+)"[^>]*>.*?fill="(#[0-9a-f]{6})"', svg
    ):
        found[match.group(1)] = match.group(2)
    return found


def legend(response) -> list[tuple[str, int]]:
    return [(e.colour, e.count) for e in response.context["legend"]]


def table(response) -> list[tuple[str, ...]]:
    """The data table as rendered: (code, index, class, rank, change) per row."""
    html = response.content.decode()
    body = html[html.index('<table class="maps-data">') :]
    body = body[: body.index("</table>")]
    rows = []
    for match in re.finditer(r'<tr data-key="[^"]*" data-code="([^"]+)">(.*?)</tr>', body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(2), re.S)
        ]
        rows.append((match.group(1), *cells[-4:]))
    return rows


def vi(value: float, signed: bool = False) -> str:
    text = f"{value:.2f}".replace(".", ",")
    return ("+" + text) if signed and value > 0 else text


def test_province_map_on_the_tile_grid_with_quantiles(map_campaigns, map_people):
    response = page(client_for(map_people.ministry_admin), map_campaigns.p2025, classes=3)
    assert response.context["geometry"].kind == "tilegrid"
    # 6 values 40 50 65 80 90 95 in 3 quantile classes: {40, 50} {65, 80} {90, 95}
    # and 29 grey squares: the provinces without a result (Hà Giang's 02 is not a square)
    assert legend(response) == [("#edf8b1", 2), ("#7fcdbb", 2), ("#2c7fb8", 2), (GREY, 29)]
    labels = [e.label for e in response.context["legend"]]
    assert labels == [
        "40,00 đến dưới 65,00", "65,00 đến dưới 90,00", "90,00 – 95,00",
        "Không có kết quả trong đợt đánh giá này",
    ]  # fmt: skip
    colours = fills(response)
    assert len(colours) == 34  # every province has a square
    assert colours["01"] == "#2c7fb8" and colours["79"] == "#2c7fb8"
    assert colours["48"] == "#7fcdbb"  # 65 is the lower edge of the middle class
    assert colours["96"] == "#edf8b1"
    assert colours["31"] == GREY  # Hải Phòng: no result in this campaign
    # Hà Giang's old code is not one of the 34: listed under the map
    assert [r["row"]["unit_code"] for r in response.context["not_drawn"]] == ["02"]
    html = response.content.decode()
    assert "<title>Thành phố Hà Nội (01) — Chỉ số (%): 95,00" in html
    assert "maps/maps.js" in html and "<script>" not in html and " style=" not in html


def test_the_table_equals_the_campaigns_results(map_campaigns, map_people):
    from parindex.web.campaigns.models import Track, UnitResult

    response = page(client_for(map_people.ministry_admin), map_campaigns.p2025)
    stored = {
        r.unit_code: r
        for r in UnitResult.objects.filter(campaign=map_campaigns.p2025, track=Track.APPRAISED)
    }
    expected_order = sorted(INDEX_2025, key=lambda c: -INDEX_2025[c])
    rows = table(response)
    assert [r[0] for r in rows] == expected_order
    for code, index, label, rank, change in rows:
        result = stored[code]
        assert index == vi(INDEX_2025[code]) == vi(result.index_pct)
        assert label == result.class_label
        assert rank == str(result.rank)
        assert change == vi(CHANGE_2025[code], signed=True)
    assert [r[3] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert [r[2] for r in rows] == ["Tốt", "Tốt", "Tốt", "Khá", "Khá", "Yếu"]
    # each unit links to its profile in the results app
    profile = f'href="/rankings/{map_campaigns.p2025.pk}/units/{stored["01"].unit_id}/"'
    assert response.content.decode().count(profile) == 2  # the tile and the table row


def test_change_with_equal_intervals_uses_a_diverging_palette(map_campaigns, map_people):
    response = page(
        client_for(map_people.ministry_admin), map_campaigns.p2025,
        by="change", breaks="equal", classes=4,
    )  # fmt: skip
    # changes +10 0 +10 −10 −10 0, symmetric about 0: limits −5, 0, 5
    assert legend(response)[:4] == [("#ca0020", 2), ("#f4a582", 0), ("#92c5de", 2), ("#0571b0", 2)]
    colours = fills(response)
    assert (colours["01"], colours["79"], colours["48"]) == ("#0571b0", "#92c5de", "#ca0020")
    assert [r[0] for r in table(response)][:2] == ["01", "92"]  # largest rise first


def test_classes_and_manual_limits(map_campaigns, map_people):
    client = client_for(map_people.ministry_admin)
    by_class = page(client, map_campaigns.p2025, by="class")
    assert [(e.label, e.count) for e in by_class.context["legend"]][:3] == [
        ("Tốt", 3), ("Khá", 2), ("Yếu", 1)
    ]  # fmt: skip
    assert fills(by_class)["96"] == "#7fcdbb" and fills(by_class)["01"] == "#2c7fb8"
    manual = page(client, map_campaigns.p2025, breaks="manual", manual="70;80;90")
    assert [e.count for e in manual.context["legend"]] == [3, 0, 1, 2, 29]
    assert [e.label for e in manual.context["legend"]][:4] == [
        "40,00 đến dưới 70,00", "70,00 đến dưới 80,00", "80,00 đến dưới 90,00", "90,00 – 95,00"
    ]  # fmt: skip
    assert fills(manual)["92"] == "#41b6c4"  # 80 starts the third of four classes
    refused = page(client, map_campaigns.p2025, breaks="manual", manual="80;abc")
    assert refused.context["options"].breaks == "quantile"
    assert "&#x27;abc&#x27; không phải là số" in refused.content.decode()
    assert len(refused.context["legend"]) == 5 + 1


def test_change_without_a_previous_campaign_falls_back_to_the_index(map_campaigns, map_people):
    response = page(client_for(map_people.admin), map_campaigns.communes, by="change")
    assert response.context["options"].by == "index"
    assert "không có đợt đánh giá trước" in response.content.decode()


def test_communes_without_boundaries_then_with_them(map_campaigns, map_people, map_units):
    from parindex.web.maps.services import store_boundary_set

    admin_page = page(client_for(map_people.admin), map_campaigns.communes)
    assert admin_page.context["geometry"].reason == "no_boundaries"
    assert admin_page.context["figure"] == ""
    upload = f"/maps/boundaries/upload/?level=commune&amp;scope={map_units.p.pk}"
    assert upload in admin_page.content.decode()
    assert len(table(admin_page)) == 4  # the results are still there
    viewer_page = page(client_for(map_people.viewer), map_campaigns.communes)
    assert "/maps/boundaries/upload/" not in viewer_page.content.decode()

    store_boundary_set(commune_geojson(), level="commune", scope=map_units.p, name="Xã của P")
    response = page(client_for(map_people.viewer), map_campaigns.communes, classes=2)
    assert response.context["geometry"].kind == "boundaries"
    colours = fills(response)
    assert set(colours) == {"X1", "X2", "X3", "X4", "Z9"}
    # indices X1 100, X2 80, X4 70, X3 50: quantiles {50, 70} {80, 100}
    assert colours["X1"] == colours["X2"] == "#2c7fb8"
    assert colours["X3"] == colours["X4"] == "#edf8b1"
    assert colours["Z9"] == GREY
    assert legend(response) == [("#edf8b1", 2), ("#2c7fb8", 2), (GREY, 1)]
    assert response.context["not_drawn"] == []


def test_departments_have_no_map_but_their_table(map_campaigns, map_people):
    response = page(client_for(map_people.admin), map_campaigns.departments)
    assert response.context["geometry"].reason == "no_geometry"
    assert "bản đồ không áp dụng" in response.content.decode()
    assert [r[0] for r in table(response)] == ["D1", "D2"]
    assert "/maps/boundaries/upload/" not in response.content.decode()


def test_public_map_of_published_campaigns_only(map_campaigns):
    anonymous = client_for()
    response = anonymous.get(f"/maps/public/campaigns/{map_campaigns.p2024.pk}/")
    assert response.status_code == 200
    assert f"/results/{map_campaigns.p2024.pk}/units/" in response.content.decode()
    assert "/rankings/" not in response.content.decode()
    assert anonymous.get(f"/maps/public/campaigns/{map_campaigns.p2025.pk}/").status_code == 404
    assert anonymous.get(f"/maps/campaigns/{map_campaigns.p2024.pk}/").status_code == 302


def test_index_nav_and_campaign_page_link(map_campaigns, map_people):
    client = client_for(map_people.admin)
    response = client.get("/maps/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/maps/campaigns/{map_campaigns.communes.pk}/" in html
    assert f"/maps/campaigns/{map_campaigns.p2025.pk}/" not in html  # another root
    assert 'href="/maps/"' in html  # the menu entry
    detail = client.get(f"/campaigns/{map_campaigns.communes.pk}/")
    assert f'href="/maps/campaigns/{map_campaigns.communes.pk}/"' in detail.content.decode()
