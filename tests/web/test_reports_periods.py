"""Periods, deadlines and on-time / late / missing, at the deadline boundary (Vietnam time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parindex.web.reports import periods as P

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = dt.UTC
D = dt.date
PDF_BYTES = b"%PDF-1.4\n%demo\n%%EOF\n"


# --- pure rules ---------------------------------------------------------------------------


def test_period_bounds():
    assert P.period_bounds(P.QUARTER, 2025, 1) == (D(2025, 1, 1), D(2025, 3, 31))
    assert P.period_bounds(P.QUARTER, 2024, 4) == (D(2024, 10, 1), D(2024, 12, 31))
    assert P.period_bounds(P.HALF_YEAR, 2025, 1) == (D(2025, 1, 1), D(2025, 6, 30))
    assert P.period_bounds(P.HALF_YEAR, 2025, 2) == (D(2025, 7, 1), D(2025, 12, 31))
    assert P.period_bounds(P.YEAR, 2025, 1) == (D(2025, 1, 1), D(2025, 12, 31))
    with pytest.raises(ValueError):
        P.period_bounds(P.HALF_YEAR, 2025, 3)


def test_due_date_rule():
    # day 10 of the month after Q1
    assert P.due_date(D(2025, 3, 31), 10, 1) == D(2025, 4, 10)
    # within the last month of the period
    assert P.due_date(D(2025, 12, 31), 15, 0) == D(2025, 12, 15)
    # across the year end, and day 31 in a short month
    assert P.due_date(D(2025, 12, 31), 31, 2) == D(2026, 2, 28)
    assert P.due_date(D(2024, 12, 31), 31, 2) == D(2025, 2, 28)
    assert P.due_date(D(2023, 12, 31), 30, 2) == D(2024, 2, 29)
    with pytest.raises(ValueError):
        P.due_date(D(2025, 3, 31), 0, 1)


DUE = D(2025, 4, 10)


@pytest.mark.parametrize(
    ("submitted", "status"),
    [
        (dt.datetime(2025, 4, 10, 23, 59, 59, tzinfo=VN), P.ON_TIME),
        (dt.datetime(2025, 4, 10, 23, 59, 59, 999999, tzinfo=VN), P.ON_TIME),
        (dt.datetime(2025, 4, 11, 0, 0, tzinfo=VN), P.LATE),
        # the same moments in UTC: the UTC date says 10/4 but it is already 11/4 in Vietnam
        (dt.datetime(2025, 4, 10, 16, 59, 59, tzinfo=UTC), P.ON_TIME),
        (dt.datetime(2025, 4, 10, 17, 0, tzinfo=UTC), P.LATE),
        # early on the due day in Vietnam is the evening before in UTC: on time
        (dt.datetime(2025, 4, 9, 20, 0, tzinfo=UTC), P.ON_TIME),
        (dt.datetime(2025, 3, 1, 9, 0, tzinfo=VN), P.ON_TIME),
    ],
)
def test_classify_submitted_at_the_boundary(submitted, status):
    later = dt.datetime(2025, 12, 1, tzinfo=VN)
    assert P.classify(DUE, submitted, later) == status


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (dt.datetime(2025, 4, 10, 23, 59, tzinfo=VN), P.PENDING),
        (dt.datetime(2025, 4, 10, 16, 59, tzinfo=UTC), P.PENDING),
        (dt.datetime(2025, 4, 11, 0, 0, tzinfo=VN), P.MISSING),
        (dt.datetime(2025, 4, 10, 17, 0, tzinfo=UTC), P.MISSING),
    ],
)
def test_classify_nothing_submitted(now, status):
    assert P.classify(DUE, None, now) == status


# --- through the service: submitted when the last required file arrives -----------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def setup(db, tree, make_user, media):
    from parindex.web.accounts.models import Role
    from parindex.web.reports import services
    from parindex.web.reports.models import ReportType

    admin = make_user("admin", Role.CAMPAIGN_ADMIN, tree.p)
    reporter = make_user("reporter", Role.REPORTER, tree.x1)
    report_type = ReportType(
        root_unit=tree.p, name="Quarterly", unit_kind="commune", period_kind=P.QUARTER,
        due_day=10, due_months_after=1, attachments=["Appendix"],
    )  # fmt: skip
    services.save_type(report_type, admin)
    services.generate_periods(report_type, 2025, admin)
    q1 = report_type.periods.get(year=2025, number=1)
    return tree, reporter, report_type, q1


def pdf(name="report.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def test_generated_periods_and_deadlines(setup):
    _tree, _reporter, report_type, q1 = setup
    rows = list(report_type.periods.order_by("number").values_list("number", "due_on"))
    assert rows == [
        (1, D(2025, 4, 10)),
        (2, D(2025, 7, 10)),
        (3, D(2025, 10, 10)),
        (4, D(2026, 1, 10)),
    ]
    assert q1.label == "Quý I/2025"  # Vietnamese by default


def test_on_time_at_2359_vietnam_time(setup):
    from parindex.web.reports import services

    tree, reporter, _type, q1 = setup
    moment = dt.datetime(2025, 4, 10, 23, 59, tzinfo=VN)
    sub = services.add_files(
        q1, tree.x1, {"": pdf(), "Appendix": pdf("a.pdf")}, user=reporter, now=moment
    )
    sub.refresh_from_db()
    assert sub.submitted_at == moment
    assert sub.status(dt.datetime(2026, 1, 1, tzinfo=VN)) == P.ON_TIME


def test_late_the_next_day_even_if_utc_date_is_the_due_day(setup):
    from parindex.web.reports import services

    tree, reporter, _type, q1 = setup
    moment = dt.datetime(2025, 4, 10, 17, 0, 1, tzinfo=UTC)  # 00:00:01 on 11/4 in Vietnam
    sub = services.add_files(
        q1, tree.x1, {"": pdf(), "Appendix": pdf("a.pdf")}, user=reporter, now=moment
    )
    sub.refresh_from_db()
    assert sub.status(dt.datetime(2026, 1, 1, tzinfo=VN)) == P.LATE


def test_submitted_when_the_last_required_file_arrives(setup):
    from parindex.web.reports import services

    tree, reporter, _type, q1 = setup
    first = dt.datetime(2025, 4, 9, 10, 0, tzinfo=VN)
    sub = services.add_files(q1, tree.x1, {"": pdf()}, user=reporter, now=first)
    assert sub.submitted_at is None  # the appendix is still missing
    assert services.missing_slots(sub, q1.report_type) == ["Appendix"]
    later = dt.datetime(2025, 4, 12, 8, 0, tzinfo=VN)
    sub = services.add_files(q1, tree.x1, {"Appendix": pdf("a.pdf")}, user=reporter, now=later)
    assert sub.submitted_at == later
    assert sub.status(later) == P.LATE
    # a corrected file later does not move the submission moment
    services.add_files(
        q1, tree.x1, {"": pdf("v2.pdf")}, user=reporter, now=later + dt.timedelta(days=30)
    )
    sub.refresh_from_db()
    assert sub.submitted_at == later
    assert sub.files.count() == 3
    assert sub.history.first().history_change_reason == "report submitted"


def test_matrix_statuses(setup):
    from parindex.web.reports import services
    from parindex.web.units.models import Unit

    tree, reporter, report_type, q1 = setup
    x2 = Unit.objects.create(
        code="X2", name="Xã Hai", kind="commune", parent=tree.p, valid_from=D(2020, 1, 1)
    )
    # a commune that ended before Q2's deadline does not have to send Q2
    x3 = Unit.objects.create(
        code="X3", name="Xã Ba", kind="commune", parent=tree.p, valid_from=D(2020, 1, 1),
        valid_to=D(2025, 6, 30),
    )  # fmt: skip
    services.add_files(
        q1, tree.x1, {"": pdf(), "Appendix": pdf("a.pdf")}, user=reporter,
        now=dt.datetime(2025, 4, 10, 9, 0, tzinfo=VN),
    )  # fmt: skip
    q2 = report_type.periods.get(year=2025, number=2)
    services.add_files(
        q2, x2, {"": pdf(), "Appendix": pdf("a.pdf")}, user=reporter,
        now=dt.datetime(2025, 7, 11, 0, 0, tzinfo=VN),
    )  # fmt: skip
    now = dt.datetime(2025, 7, 20, tzinfo=VN)
    matrix = services.build_matrix(tree.p, 2025, now=now)
    by_code = {row.unit.code: [c.status for c in row.cells] for row in matrix.rows}
    assert set(by_code) == {"X1", "X2", "X3"}  # QX1 is under another province
    assert by_code["X1"] == [P.ON_TIME, P.MISSING, P.PENDING, P.PENDING]
    assert by_code["X2"] == [P.MISSING, P.LATE, P.PENDING, P.PENDING]
    assert by_code["X3"] == [P.MISSING, P.NOT_REQUIRED, P.NOT_REQUIRED, P.NOT_REQUIRED]
    row = next(r for r in matrix.rows if r.unit.code == "X1")
    assert (row.counts.on_time, row.counts.required, row.counts.ratio) == (1, 2, 0.5)
    assert (matrix.totals.on_time, matrix.totals.late, matrix.totals.missing) == (1, 1, 3)
    assert x3.pk  # used


def test_deadline_change_and_period_removal(setup):
    from parindex.web.reports import services
    from parindex.web.reports.services import ReportError

    tree, reporter, report_type, q1 = setup
    q2 = report_type.periods.get(year=2025, number=2)
    assert services.set_due_dates(report_type, {q1.pk: D(2025, 4, 15)}, reporter) == 1
    q1.refresh_from_db()
    assert q1.due_on == D(2025, 4, 15)
    assert q1.history.first().history_change_reason == "deadline changed"
    with pytest.raises(ReportError):
        services.set_due_dates(report_type, {q1.pk: D(2024, 12, 31)}, reporter)
    services.add_files(
        q1, tree.x1, {"": pdf()}, user=reporter, now=dt.datetime(2025, 4, 2, tzinfo=VN)
    )
    with pytest.raises(ReportError):
        services.remove_period(q1, reporter)
    services.remove_period(q2, reporter)
    assert not report_type.periods.filter(number=2).exists()
    # generating again restores only the missing period, with the rule's deadline
    new = services.generate_periods(report_type, 2025, reporter)
    assert [(p.number, p.due_on) for p in new] == [(2, D(2025, 7, 10))]
    q1.refresh_from_db()
    assert q1.due_on == D(2025, 4, 15)
