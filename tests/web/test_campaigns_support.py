"""Shared fixtures of the campaign tests (imported by the other test_campaigns_* modules).

A small framework with one leaf of every rule type, a campaign of the province P of
conftest.py on its departments D1 and D2 (open, self-assessment and appraisal round 1
open today), and one user per role.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

FRAMEWORK_YAML = """
id: test-department
name: Test framework for departments
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
    name: Chỉ đạo, điều hành
    max_points: 10
    children:
      - code: "1.1"
        name: Kế hoạch
        max_points: 6
        children:
          - code: "1.1.1"
            name: Ban hành kế hoạch
            max_points: 2
            method: appraisal
            rule:
              type: options
              options:
                - {label: "Kịp thời", points: 2}
                - {label: "Chậm", points: 1}
                - {label: "Không ban hành", points: 0}
            scoring_text: "Kịp thời: 2 điểm; chậm: 1 điểm."
          - code: "1.1.2"
            name: Tỷ lệ hoàn thành
            max_points: 2
            method: appraisal
            rule:
              type: bands
              bands:
                - {min: 1.0, points: 2}
                - {min: 0.8, points: 1}
                - {min: 0, points: 0}
          - code: "1.1.3"
            name: Điểm tự chấm
            max_points: 2
            method: appraisal
            rule: {type: manual, step: 0.5}
      - code: "1.2"
        name: Khảo sát
        max_points: 4
        children:
          - code: "1.2.1"
            name: Đánh giá của người dân
            max_points: 4
            method: survey
            rule: {type: survey}
  - code: "2"
    name: Thủ tục hành chính
    max_points: 10
    children:
      - code: "2.1"
        name: Hồ sơ
        max_points: 10
        children:
          - code: "2.1.1"
            name: Tỷ lệ kiểm tra
            max_points: 3
            method: appraisal
            rule: {type: linear, target: 0.5}
          - code: "2.1.2"
            name: Bị nhắc nhở
            max_points: 3
            method: appraisal
            rule: {type: deduction, per: 0.5}
          - code: "2.1.3"
            name: Báo cáo đúng hạn
            max_points: 4
            method: appraisal
            rule:
              type: formula
              inputs: [on_time, required]
              expr: "min(1, on_time / required) * max_points"
bonus:
  name: Điểm thưởng
  cap: 1
  nodes:
    - code: "T1"
      name: Sáng kiến
      max_points: 1
      method: appraisal
      rule: {type: manual, step: 0.5}
penalty:
  name: Điểm trừ
  cap: 1
  nodes:
    - code: "P1"
      name: Vi phạm
      max_points: 1
      method: appraisal
      rule: {type: manual, step: 0.5}
"""

# A complete, valid self-assessment (posted form fields per leaf) and what it stores.
FULL_POST = {
    "1.1.1": {"value": "Kịp thời"},
    "1.1.2": {"value_pct": "90"},
    "1.1.3": {"value": "1,5"},
    "2.1.1": {"value_pct": "40"},
    "2.1.2": {"value": "1"},
    "2.1.3": {"input__on_time": "3", "input__required": "4"},
}
FULL_VALUES = {
    "1.1.1": ("Kịp thời", {}),
    "1.1.2": ("0.9", {}),
    "1.1.3": ("1.5", {}),
    "2.1.1": ("0.4", {}),
    "2.1.2": ("1", {}),
    "2.1.3": ("", {"on_time": "3", "required": "4"}),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def framework():
    from parindex.framework import load_yaml_text

    return load_yaml_text(FRAMEWORK_YAML, "test.yaml")


@pytest.fixture
def today():
    from parindex.web.units.models import today

    return today()


def open_windows(campaign, user, on, **override):
    """Self-assessment, appraisal round 1 and explanations open `on`; round 2 later."""
    from parindex.web.campaigns import services

    day = dt.timedelta(days=1)
    dates = {
        "self_assessment": (on - 5 * day, on + 5 * day),
        "appraisal_1": (on - 5 * day, on + 5 * day),
        "explanation": (on - 5 * day, on + 5 * day),
        "appraisal_2": (on + 10 * day, on + 20 * day),
        "publication": (None, None),
    }
    dates.update(override)
    services.set_windows(campaign, dates, user)


@pytest.fixture
def people(tree, make_user):
    from parindex.web.accounts.models import Role

    return SimpleNamespace(
        sysadmin=make_user("quantri", Role.SYSADMIN, None),
        admin=make_user("canbo", Role.CAMPAIGN_ADMIN, tree.p),
        reporter=make_user("baocao.d1", Role.REPORTER, tree.d1),
        head=make_user("thutruong.d1", Role.UNIT_HEAD, tree.d1),
        reporter2=make_user("baocao.d2", Role.REPORTER, tree.d2),
        head2=make_user("thutruong.d2", Role.UNIT_HEAD, tree.d2),
        appraiser=make_user("thamdinh", Role.APPRAISER, tree.p),
        appraiser1=make_user("thamdinh.lv1", Role.APPRAISER, tree.p, fields=["1"]),
        viewer=make_user("lanhdao", Role.VIEWER, tree.p),
        admin_q=make_user("canbo.q", Role.CAMPAIGN_ADMIN, tree.q),
        appraiser_q=make_user("thamdinh.q", Role.APPRAISER, tree.q),
        nobody=make_user("khongvaitro"),
    )


@pytest.fixture
def campaign(tree, people, framework, today):
    """An open campaign of P on D1 and D2 (windows open today)."""
    from parindex.web.campaigns import services

    campaign = services.create_campaign(
        name="CCHC 2026",
        year=today.year,
        root_unit=tree.p,
        framework=framework,
        user=people.admin,
    )
    open_windows(campaign, people.admin, today)
    services.open_campaign(campaign, people.admin)
    return campaign


@pytest.fixture
def a1(campaign, tree):
    return campaign.assessments.select_related("campaign", "unit").get(unit=tree.d1)


@pytest.fixture
def a2(campaign, tree):
    return campaign.assessments.select_related("campaign", "unit").get(unit=tree.d2)


def fill(assessment, user, *, explanation="Theo báo cáo năm.", skip=()):
    """Enter the complete self-assessment of FULL_VALUES (through the service)."""
    from parindex.web.campaigns import services

    for code, (value, inputs) in FULL_VALUES.items():
        if code in skip:
            continue
        services.save_self_value(
            assessment, code, value=value, inputs=inputs, explanation=explanation, user=user
        )


def submitted(assessment, people):
    from parindex.web.campaigns import services

    fill(assessment, people.reporter if assessment.unit.code == "D1" else people.reporter2)
    head = people.head if assessment.unit.code == "D1" else people.head2
    services.submit(assessment, head)
    assessment.refresh_from_db()
    return assessment


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf_upload(name="baocao.pdf", content=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def office_bytes(kind: str) -> bytes:
    """A minimal OOXML package: [Content_Types].xml and word/ or xl/."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind}/document.xml", "<x/>")
    return buffer.getvalue()
