"""The plan as Excel (opened with openpyxl) and PDF (read back with pdftotext), in
Vietnamese, with the points recovered at the next campaign; `parindex plans export`; the
demo plan, and a demo that never breaks."""

# ruff: noqa: F401, F811 (pytest fixtures imported from the support modules)

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from test_remedial_support import (
    campaigns,
    client_for,
    media,
    on,
    people,
    province_plan,
    units,
)
from typer.testing import CliRunner

from parindex.cli import app

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed by this test"
    path = tmp_path / "plan.pdf"
    path.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, timeout=60
    )
    return done.stdout.decode()


def test_excel_export(province_plan, people, on):
    response = client_for(people.viewer).get(f"/plans/{province_plan.pk}/plan.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="ke-hoach-khac-phuc-2024'
    )
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Kế hoạch", "Theo đơn vị chủ trì", "Theo lĩnh vực"]
    ws = wb["Kế hoạch"]
    assert ws["A1"].value == "Kế hoạch khắc phục hạn chế, nâng cao Chỉ số CCHC năm 2025"
    assert ws["A2"].value == "Số 130/KH-UBND, ngày 05/03/2025, của Ủy ban nhân dân tỉnh Phước"
    header = [c.value for c in ws[6]]
    assert header[:4] == ["STT", "Đơn vị được đánh giá", "Tiêu chí", "Tên tiêu chí"]
    assert header[-3:] == ["Điểm ở đợt đánh giá sau", "Điểm đã khôi phục", "Kết quả"]
    rows = {(r[1], r[2]): r for r in ws.iter_rows(min_row=7, values_only=True)}
    d1 = rows[("Sở Nội vụ", "1.1")]
    # max, points, lost at creation; expected; status; points then/now
    assert d1[5:8] == (6, 5, 1) and d1[8] == "2023, 2024" and d1[12] == 1
    assert d1[13] == "Hoàn thành" and d1[14] == 4.5 and d1[15] == pytest.approx(-0.5)
    assert d1[16] == "Chưa khôi phục"
    late = rows[("Sở Nội vụ", "2.1")]
    assert late[13] == "Quá hạn" and late[16] == "Đã khôi phục như dự kiến"
    assert isinstance(late[11], dt.datetime) and late[11].date() == on - dt.timedelta(days=3)
    by_unit = [r for r in wb["Theo đơn vị chủ trì"].iter_rows(min_row=2, values_only=True)]
    assert by_unit == [
        ("Sở Nội vụ", 3, 1, 1, 0, 1, pytest.approx(100 / 3)),
        ("Sở Tư pháp", 1, 0, 0, 1, 0, 0.0),
    ]


def test_pdf_export_in_vietnamese(province_plan, people, tmp_path):
    response = client_for(people.admin).get(f"/plans/{province_plan.pk}/plan.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    flat = " ".join(text.split())
    assert "Kế hoạch khắc phục hạn chế, nâng cao Chỉ số CCHC năm 2025" in flat
    assert "Số 130/KH-UBND, ngày 05/03/2025, của Ủy ban nhân dân tỉnh Phước" in flat
    assert "Kế hoạch cải cách hành chính" in flat and "Quá hạn" in flat
    assert "Tỷ lệ hoàn thành theo đơn vị chủ trì" in flat
    row = next(line for line in text.splitlines() if "5,00 → 4,50" in line)
    assert "Sở Nội vụ" in row and "-0,50" in row and "Chưa khôi" in row  # "phục" wraps
    assert "Trang 1" in flat  # page numbers


def test_cli_export(province_plan, tmp_path):
    runner = CliRunner()
    out = tmp_path / "kh.xlsx"
    result = runner.invoke(
        app, ["plans", "export", "--plan", str(province_plan.pk), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"4 task(s) → {out}" in result.output
    ws = load_workbook(out)["Kế hoạch"]
    assert ws["A1"].value.startswith("Kế hoạch khắc phục")
    pdf = tmp_path / "kh.pdf"
    result = runner.invoke(
        app, ["plans", "export", "--plan", str(province_plan.pk), "--out", str(pdf)]
    )
    assert result.exit_code == 0 and "Quá hạn" in pdf_text(pdf.read_bytes(), tmp_path)
    bad = runner.invoke(app, ["plans", "export", "--plan", "999", "--out", str(out)])
    assert bad.exit_code == 2 and "no remedial plan 999" in bad.output
    wrong = runner.invoke(app, ["plans", "export", "--plan", "1", "--out", str(tmp_path / "a.doc")])
    assert wrong.exit_code == 2


def demo_database():
    """The demo's units, accounts and campaigns (as `load_demo` makes them), without the
    remedial part, which the tests call themselves."""
    from django.contrib.auth import get_user_model

    from parindex.web.accounts.models import Role, RoleAssignment
    from parindex.web.demo import PROVINCE_CODE, demo_unit_rows, load_demo_campaigns
    from parindex.web.units.models import Unit
    from parindex.web.units.services import import_unit_rows

    rows, _source, _note = demo_unit_rows()
    import_unit_rows(rows, source="demo", reason="demo data")
    User = get_user_model()
    start = dt.date(2020, 1, 1)
    for username, role, code in (
        ("canbo.snv", Role.CAMPAIGN_ADMIN, PROVINCE_CODE),
        ("baocao.stp", Role.REPORTER, "STP"),
    ):
        user = User.objects.create_user(username=username, password="x" * 12)
        unit = Unit.objects.in_force().get(code=code)
        RoleAssignment.objects.create(user=user, role=role, unit=unit, valid_from=start)
    load_demo_campaigns()


def test_the_demo_plan(db, media):
    from parindex.web.remedial.demo import load_demo_remedial
    from parindex.web.remedial.models import RemedialPlan, TaskProgress
    from parindex.web.units.models import today

    demo_database()
    assert load_demo_remedial() == ""
    plan = RemedialPlan.objects.get()
    assert plan.level == "province" and plan.campaign.status == "published"
    assert plan.campaign.unit_kind == "department" and "mô phỏng" in plan.title
    tasks = list(plan.tasks.select_related("owner").order_by("id"))
    assert len(tasks) == 10
    shown = [t.display_status(today()) for t in tasks]
    assert {s: shown.count(s) for s in set(shown)} == {
        "done": 3, "in_progress": 3, "not_started": 2, "overdue": 2,
    }  # fmt: skip
    evidence = TaskProgress.objects.exclude(file="").get()
    assert evidence.task.owner.code == "STP" and evidence.created_by.username == "baocao.stp"
    assert evidence.file.read().startswith(b"%PDF")


def test_the_demo_never_breaks(db, monkeypatch, caplog):
    from parindex.web.remedial import demo
    from parindex.web.remedial.models import RemedialPlan

    def boom(on):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "_load", boom)
    note = demo.load_demo_remedial()
    assert "disk full" in note
    assert "demo remedial plan could not be created" in caplog.text
    monkeypatch.undo()
    assert demo.load_demo_remedial() == ""  # no campaign yet: nothing to do, no failure
    assert not RemedialPlan.objects.exists()
