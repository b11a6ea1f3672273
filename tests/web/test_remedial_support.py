"""Shared fixtures of the remedial-plan and heads tests (imported by test_remedial_* and
test_heads_*). They build on the results fixtures (test_results_support.py): campaigns
2023 and 2024 published, 2025 finalised, chained by `previous`, with known points.

Lost points in 2024 (maxima 6, 4, 6, 4 on leaves 1.1, 1.2, 2.1, 2.2):
D1 (5, 4, 5, 4): 1.1 −1 (also lost in 2023: recurring), 2.1 −1.
D2 (6, 4, 6, 3): 2.2 −1 (also lost in 2023: recurring).
D3 (6, 4, 5, 3): 2.1 −1, 2.2 −1 (2.2 also lost in 2023).
D4 (3, 2, 4, 1): every leaf, all also lost in 2023.
2025: D1 (4.5, 4, 6, 3), D2 (6, 4, 5, 2), D3 (6, 3, 6, 2), D4 (3, 2, 4, 1); D6 and D7 merged
into D5 (no result under their codes).
"""

# ruff: noqa: F401, F811

from __future__ import annotations

import datetime as dt

import pytest
from test_results_support import campaigns, client_for, people, units  # fixtures

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def on():
    from parindex.web.units.models import today

    return today()


def pdf_upload(name="ket-qua.pdf", content=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_plan(campaign, unit, user, **header):
    from parindex.web.remedial import services

    header.setdefault("title", "Kế hoạch khắc phục thử")
    return services.create_plan(campaign=campaign, unit=unit, user=user, **header)


def add(plan, unit, user, *rows, owner=None):
    """rows: (node code, expected points, deadline) → the created tasks."""
    from parindex.web.remedial import services

    drafts = [
        services.TaskDraft(code, f"Khắc phục {code}", deadline, expected, owner)
        for code, expected, deadline in rows
    ]
    return services.add_tasks(plan, unit, drafts, user)


def set_status(task, user, status, note="Cập nhật"):
    from parindex.web.remedial import services

    services.add_progress(task, user, note=note, status=status)
    task.refresh_from_db()
    return task


@pytest.fixture
def province_plan(campaigns, people, units, on):
    """The province P's plan from the 2024 results:

    D1 1.1 (owner D1) done · D1 2.1 (owner D1) in progress, deadline passed → overdue ·
    D2 2.2 (owner D2) not started, deadline ahead · D4 1.1 (owner D1) in progress, ahead.
    """
    plan = make_plan(
        campaigns.c2024, units.p, people.admin, number="130/KH-UBND",
        issued_on=dt.date(2025, 3, 5), issuer="Ủy ban nhân dân tỉnh Phước",
        title="Kế hoạch khắc phục hạn chế, nâng cao Chỉ số CCHC năm 2025",
    )  # fmt: skip
    past, ahead = on - dt.timedelta(days=3), on + dt.timedelta(days=30)
    d1_11, d1_21 = add(plan, units.d1, people.admin, ("1.1", 1, ahead), ("2.1", 0.5, past))
    (d2_22,) = add(plan, units.d2, people.admin, ("2.2", 1, ahead))
    (d4_11,) = add(plan, units.d4, people.admin, ("1.1", 2, ahead), owner=units.d1)
    set_status(d1_11, people.reporter, "done")
    set_status(d1_21, people.reporter, "in_progress")
    set_status(d4_11, people.admin, "in_progress")
    return plan


def tasks_of(plan):
    return {(t.unit.code, t.node_code): t for t in plan.tasks.select_related("unit", "owner")}
