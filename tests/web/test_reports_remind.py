"""Reminders before the deadline: counted in working days (Vietnam's calendar), sent once,
to the right people; the banner on the unit's page; the command line.

Days used (2025, from the `holidays` package): Wed 30/4 and Thu 1/5 are holidays, Fri 2/5 is
a swapped day off (worked on Sat 26/4). So from Mon 28/4 a deadline on Mon 5/5 is only
2 working days away (29/4, 5/5), on Tue 6/5 3, on Wed 7/5 4 — although 7 to 9 calendar days.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from typer.testing import CliRunner

from parindex.web.accounts.models import Role, RoleAssignment

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
PASSWORD = "a-long-test-password"
MON = D(2025, 4, 28)


def pdf():
    return SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n")


@pytest.fixture
def world(db, tree, make_user, settings, tmp_path):
    from parindex.web.reports import services
    from parindex.web.reports.models import ReportType
    from parindex.web.units.models import Unit

    settings.MEDIA_ROOT = str(tmp_path / "media")
    start = D(2020, 1, 1)
    x2 = Unit.objects.create(
        code="X2", name="Xã Hai", kind="commune", parent=tree.p, valid_from=start
    )
    x3 = Unit.objects.create(
        code="X3", name="Xã Ba", kind="commune", parent=tree.p, valid_from=start
    )
    admin = make_user("admin", Role.CAMPAIGN_ADMIN, tree.p)

    def person(name, role, unit, email=True, **extra):
        user = make_user(name, role, unit, **extra)
        if email:
            user.email = f"{name}@example.org"
            user.save()
        return user

    people = SimpleNamespace(
        rep_a=person("rep.a", Role.REPORTER, tree.x1),
        head_a=person("head.a", Role.UNIT_HEAD, tree.x1),
        rep_b=person("rep.b", Role.REPORTER, x2, email=False),  # no address: the head instead
        head_b=person("head.b", Role.UNIT_HEAD, x2),
        rep_c=person("rep.c", Role.REPORTER, x3),
        rep_p=person("rep.p", Role.REPORTER, tree.p),  # covers the communes but is not theirs
        old=person("old", Role.REPORTER, tree.x1, valid_to=D(2025, 3, 31)),  # expired
        gone=person("gone", Role.REPORTER, tree.x1),
        other=person("rep.q", Role.REPORTER, tree.qx1),  # another province
    )
    people.gone.is_active = False
    people.gone.save()

    quarterly = ReportType(root_unit=tree.p, name="Báo cáo quý", unit_kind="commune",
                           period_kind="quarter", due_day=10, due_months_after=1)  # fmt: skip
    half = ReportType(root_unit=tree.p, name="Báo cáo 6 tháng", unit_kind="commune",
                      period_kind="half_year", due_day=10, due_months_after=1)  # fmt: skip
    for t in (quarterly, half):
        services.save_type(t, admin)
        services.generate_periods(t, 2025, admin)
    q1 = quarterly.periods.get(number=1)
    h1 = half.periods.get(number=1)
    services.set_due_dates(quarterly, {q1.pk: D(2025, 5, 5)}, admin)  # 2 working days from MON
    services.set_due_dates(half, {h1.pk: D(2025, 5, 7)}, admin)  # 4 working days from MON
    # X3 has sent its Q1 report
    services.add_files(
        q1, x3, {"": pdf()}, user=people.rep_c, now=dt.datetime(2025, 4, 20, tzinfo=VN)
    )
    q1.refresh_from_db()
    h1.refresh_from_db()
    return SimpleNamespace(tree=tree, x2=x2, x3=x3, admin=admin, p=people, q1=q1, h1=h1,
                           quarterly=quarterly, half=half)  # fmt: skip


def sent_to():
    return sorted(address for m in mail.outbox for address in m.to)


def test_working_days_across_the_holiday(world):
    from parindex.web.reports import services

    due = services.due_soon(MON, 3)
    assert sorted((i.period.pk, i.unit.code, i.working_days_left) for i in due) == [
        (world.q1.pk, "X1", 2),
        (world.q1.pk, "X2", 2),
    ]  # not X3 (submitted), not QX1 (another province); H1 (4 working days) is not yet due
    assert {i.unit.code for i in services.due_soon(MON, 4) if i.period == world.h1} == {
        "X1", "X2", "X3"
    }  # fmt: skip
    # 9 calendar days but 4 working days: not within 3
    assert all(i.period != world.h1 for i in services.due_soon(MON, 3))


def test_working_days_across_a_weekend(world):
    from parindex.web.reports import services

    services.set_due_dates(world.quarterly, {world.q1.pk: D(2025, 3, 12)}, world.admin)  # Wed
    services.set_due_dates(world.half, {world.h1.pk: D(2025, 3, 13)}, world.admin)  # Thu
    friday = D(2025, 3, 7)
    due = services.due_soon(friday, 3)
    assert {(i.period.pk, i.working_days_left) for i in due} == {(world.q1.pk, 3)}
    # due on a Sunday, seen on the Friday before: no working day left, still reminded
    services.set_due_dates(world.quarterly, {world.q1.pk: D(2025, 3, 9)}, world.admin)
    assert {i.working_days_left for i in services.due_soon(friday, 0)} == {0}


def test_reminders_go_once_to_the_right_people(world):
    from parindex.web.reports import services
    from parindex.web.reports.models import ReminderSent

    summary = services.send_reminders(days=3, on=MON)
    assert sent_to() == ["head.b@example.org", "rep.a@example.org"]
    assert (summary.emails, summary.reminders, summary.already_sent) == (2, 2, 0)
    message = next(m for m in mail.outbox if m.to == ["rep.a@example.org"])
    assert "Báo cáo quý" in message.body and "05/05/2025" in message.body
    assert "còn 2 ngày làm việc" in message.body  # Vietnamese by default
    assert reverse("reports:unit", args=[world.tree.x1.pk]) in message.body
    assert ReminderSent.objects.count() == 2
    # again: nothing new
    summary = services.send_reminders(days=3, on=MON)
    assert len(mail.outbox) == 2
    assert (summary.emails, summary.already_sent) == (0, 2)
    # the next day H1 is 3 working days away (5/5, 6/5, 7/5): reminded, once per person;
    # Q1 is not reminded again
    summary = services.send_reminders(days=3, on=D(2025, 4, 29))
    assert (summary.reminders, summary.already_sent) == (3, 2)
    assert sorted(address for m in mail.outbox[2:] for address in m.to) == [
        "head.b@example.org", "rep.a@example.org", "rep.c@example.org"
    ]  # fmt: skip
    assert (
        "Báo cáo quý" not in next(m for m in mail.outbox[2:] if m.to == ["rep.a@example.org"]).body
    )
    summary = services.send_reminders(days=4, on=MON)
    assert summary.reminders == 0 and len(mail.outbox) == 5
    # a moved deadline is a new deadline: reminded again
    services.set_due_dates(world.quarterly, {world.q1.pk: D(2025, 5, 6)}, world.admin)
    before = len(mail.outbox)
    summary = services.send_reminders(days=3, on=MON)
    assert summary.reminders == 2 and len(mail.outbox) == before + 2


def test_no_reminder_after_submission_and_dry_run_sends_nothing(world):
    from parindex.web.reports import services
    from parindex.web.reports.models import ReminderSent

    services.add_files(world.q1, world.tree.x1, {"": pdf()}, user=world.p.rep_a,
                       now=dt.datetime(2025, 4, 27, 9, 0, tzinfo=VN))  # fmt: skip
    summary = services.send_reminders(days=3, on=MON, dry_run=True)
    assert summary.emails == 1 and summary.messages[0][0] == "head.b@example.org"
    assert not mail.outbox and not ReminderSent.objects.exists()
    services.send_reminders(days=3, on=MON)
    assert sent_to() == ["head.b@example.org"]


def test_unit_without_anyone_to_remind_is_listed(world):
    from parindex.web.reports import services

    RoleAssignment.objects.filter(unit=world.x2).delete()
    summary = services.send_reminders(days=3, on=MON)
    assert summary.without_recipient == ["X2"]
    assert sent_to() == ["rep.a@example.org"]


def test_command_line(world):
    from parindex.cli import app

    result = CliRunner().invoke(
        app, ["reports", "remind", "--days", "3", "--on", "2025-04-28"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "sent 2 e-mail(s)" in result.output
    assert len(mail.outbox) == 2
    result = CliRunner().invoke(
        app, ["reports", "remind", "--on", "2025-04-28"], catch_exceptions=False
    )
    assert "sent 0 e-mail(s)" in result.output and "2 already reminded" in result.output
    assert len(mail.outbox) == 2
    result = CliRunner().invoke(app, ["reports", "remind", "--on", "28/4"])
    assert result.exit_code != 0


def test_management_command(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("reports_remind", "--days", "3", "--on", "2025-04-28", "--dry-run", stdout=out)
    assert "would send 2 e-mail(s)" in out.getvalue()
    assert not mail.outbox


def test_banner_on_the_unit_page(client, world, monkeypatch):
    from parindex.web.reports import services

    monkeypatch.setattr("parindex.web.reports.services.today", lambda: MON)
    monkeypatch.setattr(
        "parindex.web.reports.services._now", lambda: dt.datetime(2025, 4, 28, 9, 0, tzinfo=VN)
    )
    assert services.BANNER_DAYS == 3
    assert client.login(username="rep.a", password=PASSWORD)
    page = client.get(reverse("reports:unit", args=[world.tree.x1.pk]), {"year": 2025})
    html = page.content.decode()
    assert "Báo cáo sắp đến hạn" in html and "còn 2 ngày làm việc" in html
    # X3 has sent it: no banner
    assert client.login(username="rep.c", password=PASSWORD)
    html = client.get(reverse("reports:unit", args=[world.x3.pk]), {"year": 2025}).content.decode()
    assert "Báo cáo sắp đến hạn" not in html
    # after the deadline: the missing report is shown instead
    monkeypatch.setattr("parindex.web.reports.services.today", lambda: D(2025, 5, 6))
    monkeypatch.setattr(
        "parindex.web.reports.services._now", lambda: dt.datetime(2025, 5, 6, 9, 0, tzinfo=VN)
    )
    assert client.login(username="rep.a", password=PASSWORD)
    html = client.get(
        reverse("reports:unit", args=[world.tree.x1.pk]), {"year": 2025}
    ).content.decode()
    assert "Báo cáo đã quá hạn nhưng chưa gửi" in html
