"""Demo periodic reports: report types for departments and communes, a year of submissions
with some late and missing, never breaking the demo."""

from __future__ import annotations

import datetime as dt

import pytest

from parindex.web.accounts.models import Role

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def province(db, make_user, settings, tmp_path):
    from parindex.web.units.models import Unit

    settings.MEDIA_ROOT = str(tmp_path / "media")
    start = D(2023, 1, 1)
    mh = Unit.objects.create(code="MH", name="Tỉnh Minh Họa", kind="province", valid_from=start)
    for code in ("SNV", "STP"):
        Unit.objects.create(code=code, name=code, kind="department", parent=mh, valid_from=start)
    for code in ("P01", "P02", "X01"):
        Unit.objects.create(code=code, name=code, kind="commune", parent=mh, valid_from=start)
    make_user("canbo.snv", Role.CAMPAIGN_ADMIN, mh)
    make_user("baocao.p01", Role.REPORTER, Unit.objects.get(code="P01"))
    return mh


def test_demo_reports(province):
    from parindex.web.reports import periods as P
    from parindex.web.reports import services
    from parindex.web.reports.demo import load_demo_reports
    from parindex.web.reports.models import ReportFile, ReportType
    from parindex.web.units.models import Unit

    on = D(2026, 11, 21)
    assert load_demo_reports(on=on) == ""
    assert ReportType.objects.count() == 6  # quarterly, six-monthly, annual × 2 kinds
    quarterly = ReportType.objects.get(unit_kind="commune", period_kind=P.QUARTER)
    assert sorted(quarterly.periods.values_list("year", "number")) == [
        (2025, 1), (2025, 3), (2026, 1), (2026, 3)
    ]  # fmt: skip
    assert quarterly.template_name.endswith(".docx")
    now = dt.datetime(2026, 11, 21, 12, 0, tzinfo=P.VN_TZ)
    last_year = services.build_matrix(province, 2025, now=now)
    assert len(last_year.rows) == 5 and last_year.totals.pending == 0
    assert last_year.totals.on_time > last_year.totals.late + last_year.totals.missing
    this_year = services.build_matrix(province, 2026, now=now)
    p01 = next(r for r in this_year.rows if r.unit.code == "P01")
    assert (p01.counts.late, p01.counts.missing) == (1, 1)  # the demo reporter's own unit
    assert this_year.totals.pending == 5  # the annual report, due 10/12
    annual = ReportFile.objects.filter(submission__period__report_type__period_kind=P.YEAR)
    assert {f.slot for f in annual} == {"", "Phụ lục số liệu thống kê"}
    reporter = Unit.objects.get(code="P01").role_assignments.get().user
    assert reporter.email.endswith("@minhhoa.example")


def test_demo_reports_never_break_the_demo(db, monkeypatch):
    from parindex.web.reports import demo

    def boom(on):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "_load", boom)
    assert "disk full" in demo.load_demo_reports()
