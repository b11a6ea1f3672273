"""Shared fixtures of the results tests (imported by the other test_results_* modules).

Three yearly campaigns of the province P (conftest.py) on its departments, finalised by
the campaigns app's own services (`finalise`, so the results are exactly what the core
computes and stores), with known appraised and self-assessed points:

2023, 2024: D1 D2 D3 D4 D6 D7 (+ B1 in another peer group)
2025:       D1 D2 D3 D4 D5 B1 — D5 "Sở Văn hóa và Thể thao" merged D6 (weight 0.6) and
            D7 (0.4) on 01/01/2025.

Framework: two fields of 10 points, each with two manual leaves (6 and 4 points).
2025 appraised totals (of 20): D1 17.5 (87.5 %, rank 1), D2 17 and D3 17 (85 %, tied rank
2), D5 16 (80 %, rank 4), D4 10 (50 %, rank 5); B1 alone in its peer group "Ban".
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

START = dt.date(2020, 1, 1)
MERGER = dt.date(2025, 1, 1)
SECRET_REASON = "LY-DO-THAM-DINH-NOI-BO"
SECRET_EVIDENCE = "MINH-CHUNG-NOI-BO-123"

FRAMEWORK_YAML = """
id: test-results
name: Bộ chỉ số thử nghiệm
version: "1.0"
unit_kind: department
max_points: 20
example: true
classification:
  - {label: Tốt, min: 80}
  - {label: Khá, min: 50}
  - {label: Yếu, min: 0}
nodes:
  - code: "1"
    name: Công tác chỉ đạo, điều hành
    max_points: 10
    children:
      - {code: "1.1", name: Kế hoạch cải cách hành chính, max_points: 6, method: appraisal, rule: {type: manual}}
      - {code: "1.2", name: Báo cáo định kỳ, max_points: 4, method: appraisal, rule: {type: manual}}
  - code: "2"
    name: Cải cách thủ tục hành chính
    max_points: 10
    children:
      - {code: "2.1", name: Công khai thủ tục, max_points: 6, method: appraisal, rule: {type: manual}}
      - {code: "2.2", name: Giải quyết hồ sơ đúng hạn, max_points: 4, method: appraisal, rule: {type: manual}}
"""

LEAVES = ("1.1", "1.2", "2.1", "2.2")
# unit → appraised points of the four leaves; self-assessed = maximum unless SELF says
VALUES = {
    2023: {
        "D1": (5, 4, 6, 4),
        "D2": (6, 4, 5, 3),
        "D3": (6, 3, 6, 3),
        "D4": (3, 2, 4, 2),
        "D6": (4, 3, 5, 3),  # 75 %
        "D7": (3, 2, 3, 2),  # 50 %
        "B1": (5, 3, 5, 3),
    },
    2024: {
        "D1": (5, 4, 5, 4),  # lost on 1.1 and 2.1
        "D2": (6, 4, 6, 3),
        "D3": (6, 4, 5, 3),
        "D4": (3, 2, 4, 1),
        "D6": (5, 3, 5, 3),  # 80 %
        "D7": (3, 2, 4, 3),  # 60 %
        "B1": (5, 3, 6, 3),
    },
    2025: {
        "D1": (4.5, 4, 6, 3),  # 17.5: lost 1.5 on 1.1 (again) and 1 on 2.2
        "D2": (6, 4, 5, 2),  # 17
        "D3": (6, 3, 6, 2),  # 17: tied with D2
        "D4": (3, 2, 4, 1),  # 10
        "D5": (5, 3, 5, 3),  # 16 — the merged unit
        "B1": (5, 3, 6, 3),
    },
}
MAXIMA = (6, 4, 6, 4)
SELF = {("D1", 2025): (6, 4, 6, 4), ("D2", 2025): (6, 4, 5, 3)}


def unit_index(year: int, code: str) -> float:
    return sum(VALUES[year][code]) / 20 * 100


@pytest.fixture
def units(tree):
    from parindex.web.units.models import Unit, UnitPredecessor

    def dept(code, name, group="Sở, ban, ngành", **extra):
        return Unit.objects.create(
            code=code, name=name, kind="department", parent=tree.p, peer_group=group,
            valid_from=extra.pop("valid_from", START), **extra,
        )  # fmt: skip

    d3 = dept("D3", "Sở Tài chính")
    d4 = dept("D4", "Sở Y tế")
    d6 = dept("D6", "Sở Văn hóa", valid_to=MERGER - dt.timedelta(days=1))
    d7 = dept("D7", "Sở Thể thao", valid_to=MERGER - dt.timedelta(days=1))
    d5 = dept("D5", "Sở Văn hóa và Thể thao", valid_from=MERGER)
    UnitPredecessor.objects.create(unit=d5, predecessor=d6, weight=0.6)
    UnitPredecessor.objects.create(unit=d5, predecessor=d7, weight=0.4)
    b1 = dept("B1", "Ban Quản lý khu kinh tế", group="Ban")
    return SimpleNamespace(**vars(tree), d3=d3, d4=d4, d5=d5, d6=d6, d7=d7, b1=b1)


@pytest.fixture
def people(tree, units, make_user):
    from parindex.web.accounts.models import Role

    return SimpleNamespace(
        sysadmin=make_user("r-quantri", Role.SYSADMIN, None),
        admin=make_user("r-canbo", Role.CAMPAIGN_ADMIN, tree.p),
        appraiser=make_user("r-thamdinh", Role.APPRAISER, tree.p),
        viewer=make_user("r-lanhdao", Role.VIEWER, tree.p),
        reporter=make_user("r-baocao.d1", Role.REPORTER, tree.d1),
        head=make_user("r-thutruong.d1", Role.UNIT_HEAD, tree.d1),
        viewer_d2=make_user("r-lanhdao.d2", Role.VIEWER, tree.d2),
        admin_q=make_user("r-canbo.q", Role.CAMPAIGN_ADMIN, tree.q),
        nobody=make_user("r-khongvaitro"),
    )


def build_campaign(year, root, user, *, previous=None, status="finalised", values=None):
    """Create, open, fill (both tracks) and finalise a campaign with the services; then
    publish it if `status` says so (or leave it open with values but no results)."""
    from django.utils import timezone

    from parindex.framework import load_yaml_text
    from parindex.web.campaigns import services
    from parindex.web.campaigns.models import Assessment, Campaign, LeafValue

    values = values if values is not None else VALUES.get(year, {})
    fw = load_yaml_text(FRAMEWORK_YAML, "test.yaml")
    campaign = services.create_campaign(
        name=f"Chỉ số CCHC {year}", year=year, root_unit=root, framework=fw, user=user,
        previous=previous,
    )  # fmt: skip
    if status == "draft":
        return campaign
    services.open_campaign(campaign, user)
    now = timezone.now()
    rows = []
    for assessment in campaign.assessments.select_related("unit"):
        code = assessment.unit.code
        points = values[code]
        own = SELF.get((code, year), MAXIMA)
        for leaf, appraised, claimed in zip(LEAVES, points, own, strict=True):
            rows.append(
                LeafValue(
                    assessment=assessment, leaf_code=leaf, self_value=str(claimed),
                    self_filled=True, appraised_value=str(appraised), appraised_at=now,
                    appraised_round=1,
                )
            )  # fmt: skip
    LeafValue.objects.bulk_create(rows)
    campaign.assessments.update(status=Assessment.Status.APPRAISED)
    if status == "open":
        return Campaign.objects.get(pk=campaign.pk)
    services.finalise(campaign, user)
    if status == "published":
        services.publish(Campaign.objects.get(pk=campaign.pk), user)
    return Campaign.objects.select_related("root_unit").get(pk=campaign.pk)


@pytest.fixture
def campaigns(tree, units, people):
    """2023 and 2024 published, 2025 finalised (not published), chained by `previous`."""
    c2023 = build_campaign(2023, tree.p, people.admin, status="published")
    c2024 = build_campaign(2024, tree.p, people.admin, previous=c2023, status="published")
    c2025 = build_campaign(2025, tree.p, people.admin, previous=c2024, status="finalised")
    return SimpleNamespace(c2023=c2023, c2024=c2024, c2025=c2025)


def publish(campaign, user):
    from parindex.web.campaigns import services
    from parindex.web.campaigns.models import Campaign

    services.publish(campaign, user)
    return Campaign.objects.select_related("root_unit").get(pk=campaign.pk)


def client_for(user=None):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def rows_of(response):
    """The ranking rows as rendered: [(peer group, [unit codes in order])]."""
    return [(g["name"], [r["unit_code"] for r in g["rows"]]) for g in response.context["groups"]]
