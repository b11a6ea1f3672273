"""Shared fixtures of the maps tests (imported by the other test_maps_* modules).

Units (besides conftest.py's tree P / Q):

    VN  Bộ Nội vụ (ministry, a root) ranking provinces with official codes:
        01 Hà Nội, 79 Hồ Chí Minh, 92 Cần Thơ, 48 Đà Nẵng, 96 Cà Mau, 02 Hà Giang (an old
        code, not on the tile grid of the 34 provinces)
    P   Tỉnh Phước: communes X1 (conftest), X2, X3, X4

Campaigns, finalised with the campaigns app's own services: provinces 2024 (published) and
2025 (finalised, previous = 2024); communes of P 2025 (finalised); departments of P 2025
(finalised). Framework: two fields of 10 points, leaves 6 + 4; classes Tốt ≥ 80,
Khá ≥ 50, Yếu.

Province indices (points of 20 → %):
    code  2024  2025  change
    01    85    95    +10
    79    90    90      0
    92    70    80    +10
    48    75    65    -10
    96    60    50    -10
    02    40    40      0
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

START = dt.date(2020, 1, 1)

FRAMEWORK = """
id: test-maps-{kind}
name: Bộ chỉ số thử nghiệm bản đồ
version: "1.0"
unit_kind: {kind}
max_points: 20
example: true
classification:
  - {{label: Tốt, min: 80}}
  - {{label: Khá, min: 50}}
  - {{label: Yếu, min: 0}}
nodes:
  - code: "1"
    name: Công tác chỉ đạo, điều hành
    max_points: 10
    children:
      - {{code: "1.1", name: Kế hoạch, max_points: 6, method: appraisal, rule: {{type: manual}}}}
      - {{code: "1.2", name: Báo cáo, max_points: 4, method: appraisal, rule: {{type: manual}}}}
  - code: "2"
    name: Cải cách thủ tục hành chính
    max_points: 10
    children:
      - {{code: "2.1", name: Công khai, max_points: 6, method: appraisal, rule: {{type: manual}}}}
      - {{code: "2.2", name: Đúng hạn, max_points: 4, method: appraisal, rule: {{type: manual}}}}
"""

LEAVES = ("1.1", "1.2", "2.1", "2.2")
PROVINCES = {
    "01": "Thành phố Hà Nội",
    "79": "Thành phố Hồ Chí Minh",
    "92": "Thành phố Cần Thơ",
    "48": "Thành phố Đà Nẵng",
    "96": "Tỉnh Cà Mau",
    "02": "Tỉnh Hà Giang",
}
PROVINCE_VALUES = {
    2024: {"01": (6, 4, 5, 2), "79": (6, 4, 5, 3), "92": (5, 3, 4, 2), "48": (5, 3, 5, 2),
           "96": (4, 2, 4, 2), "02": (2, 2, 2, 2)},
    2025: {"01": (6, 4, 6, 3), "79": (6, 4, 5, 3), "92": (5, 3, 5, 3), "48": (4, 3, 4, 2),
           "96": (3, 2, 3, 2), "02": (2, 2, 2, 2)},
}  # fmt: skip
INDEX_2025 = {"01": 95.0, "79": 90.0, "92": 80.0, "48": 65.0, "96": 50.0, "02": 40.0}
CHANGE_2025 = {"01": 10.0, "79": 0.0, "92": 10.0, "48": -10.0, "96": -10.0, "02": 0.0}
COMMUNE_VALUES = {"X1": (6, 4, 6, 4), "X2": (5, 3, 5, 3), "X3": (3, 2, 3, 2), "X4": (4, 3, 4, 3)}
DEPARTMENT_VALUES = {"D1": (6, 4, 6, 4), "D2": (5, 3, 5, 3)}


@pytest.fixture
def map_units(tree):
    from parindex.web.units.models import Unit

    vn = Unit.objects.create(code="VN", name="Bộ Nội vụ", kind="ministry", valid_from=START)
    provinces = {
        code: Unit.objects.create(
            code=code,
            name=name,
            kind="province",
            parent=vn,
            valid_from=START,
            peer_group="Tỉnh, thành phố",
        )  # fmt: skip
        for code, name in PROVINCES.items()
    }
    communes = {"X1": tree.x1}
    for code, name in (("X2", "Xã Hai"), ("X3", "Xã Ba"), ("X4", "Phường Bốn")):
        communes[code] = Unit.objects.create(
            code=code, name=name, kind="commune", parent=tree.p, valid_from=START,
            peer_group="Xã",
        )  # fmt: skip
    return SimpleNamespace(**vars(tree), vn=vn, provinces=provinces, communes=communes)


@pytest.fixture
def map_people(map_units, make_user):
    from parindex.web.accounts.models import Role

    u = map_units
    return SimpleNamespace(
        sysadmin=make_user("m-quantri", Role.SYSADMIN, None),
        ministry_admin=make_user("m-canbo.bnv", Role.CAMPAIGN_ADMIN, u.vn),
        admin=make_user("m-canbo.p", Role.CAMPAIGN_ADMIN, u.p),
        viewer=make_user("m-lanhdao.p", Role.VIEWER, u.p),
        reporter_x1=make_user("m-baocao.x1", Role.REPORTER, u.x1),
        admin_q=make_user("m-canbo.q", Role.CAMPAIGN_ADMIN, u.q),
        hanoi=make_user("m-lanhdao.01", Role.VIEWER, u.provinces["01"]),
        nobody=make_user("m-khongvaitro"),
    )


def build_campaign(kind, year, root, user, values, *, previous=None, publish=False):
    from django.utils import timezone

    from parindex.framework import load_yaml_text
    from parindex.web.campaigns import services
    from parindex.web.campaigns.models import Assessment, Campaign, LeafValue

    fw = load_yaml_text(FRAMEWORK.format(kind=kind), "maps.yaml")
    campaign = services.create_campaign(
        name=f"Chỉ số CCHC {kind} {year}", year=year, root_unit=root, framework=fw, user=user,
        previous=previous,
    )  # fmt: skip
    services.open_campaign(campaign, user)
    now = timezone.now()
    rows = []
    for assessment in campaign.assessments.select_related("unit"):
        for leaf, points in zip(LEAVES, values[assessment.unit.code], strict=True):
            rows.append(
                LeafValue(
                    assessment=assessment, leaf_code=leaf, self_value=str(points),
                    self_filled=True, appraised_value=str(points), appraised_at=now,
                    appraised_round=1,
                )
            )  # fmt: skip
    LeafValue.objects.bulk_create(rows)
    campaign.assessments.update(status=Assessment.Status.APPRAISED)
    services.finalise(campaign, user)
    if publish:
        services.publish(Campaign.objects.get(pk=campaign.pk), user)
    return Campaign.objects.select_related("root_unit").get(pk=campaign.pk)


@pytest.fixture
def map_campaigns(map_units, map_people):
    u, admin = map_units, map_people.ministry_admin
    p2024 = build_campaign("province", 2024, u.vn, admin, PROVINCE_VALUES[2024], publish=True)
    p2025 = build_campaign("province", 2025, u.vn, admin, PROVINCE_VALUES[2025], previous=p2024)
    communes = build_campaign("commune", 2025, u.p, map_people.admin, COMMUNE_VALUES)
    departments = build_campaign("department", 2025, u.p, map_people.admin, DEPARTMENT_VALUES)
    return SimpleNamespace(p2024=p2024, p2025=p2025, communes=communes, departments=departments)


def client_for(user=None):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- GeoJSON files ------------------------------------------------------------------------


def square(lon, lat, size=0.1, close=True):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
    return ring + [ring[0]] if close else ring


def commune_geojson(codes=("X1", "X2", "X3", "X4", "Z9"), prop="ma_xa"):
    """One square per code in a row (Z9 is no unit's code)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {prop: code, "ten_xa": f"Tên {code}"},
                "geometry": {"type": "Polygon", "coordinates": [square(105.0 + i * 0.1, 20.0)]},
            }
            for i, code in enumerate(codes)
        ],
    }


def upload_file(data, name="ranh-gioi.geojson"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="application/geo+json")
