"""Calendar exceptions: administrators add, import and delete; the computations follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import PASSWORD
from django.core.files.uploadedfile import SimpleUploadedFile
from test_dossiers_support import *  # noqa: F403
from test_dossiers_support import fill, open_records

from parindex.web.dossiers import services
from parindex.web.dossiers.models import CalendarExceptionEntry

pytestmark = pytest.mark.django_db


def _days_overdue(unit):
    flags = services.overdue_list(unit, services.now(), 2)
    return int(flags.set_index("dossier_code").loc["D1-OPEN1", "days_overdue"])


def _free_weekday(start, end):
    cal = services.work_calendar(end.year)
    d = start + timedelta(days=1)
    while d < end:
        if cal.is_working_day(d) and d.weekday() < 5:
            return d
        d += timedelta(days=1)
    raise AssertionError("no working day found")


def test_exceptions_crud_changes_the_computed_dates(tree, make_user, client, dossier_store):
    today = services.now().date()
    fill(dossier_store, open_records(today))
    before = _days_overdue(tree.d1)
    day = _free_weekday(today - timedelta(days=18), today - timedelta(days=1))
    user = make_user("admin", "campaign_admin", tree.p)
    assert client.login(username=user.username, password=PASSWORD)
    assert client.get("/dossiers/calendar/").status_code == 200
    response = client.post(
        "/dossiers/calendar/",
        {"day": day.isoformat(), "kind": "day_off", "source": "QĐ 1/2026", "note": "test"},
    )
    assert response.status_code == 302
    entry = CalendarExceptionEntry.objects.get()
    assert entry.created_by == user and entry.history.count() == 1
    assert _days_overdue(tree.d1) == before - 1
    assert not services.work_calendar(today.year).is_working_day(day)

    client.post(f"/dossiers/calendar/{entry.pk}/delete/")
    assert not CalendarExceptionEntry.objects.exists()
    assert _days_overdue(tree.d1) == before

    csv = f"day,kind,source,note\n{day:%d/%m/%Y},day_off,QĐ 2/2026,\n"
    upload = SimpleUploadedFile("ex.csv", csv.encode("utf-8"), content_type="text/csv")
    assert client.post("/dossiers/calendar/import/", {"file": upload}).status_code == 302
    assert CalendarExceptionEntry.objects.get().source == "QĐ 2/2026"
    assert _days_overdue(tree.d1) == before - 1

    bad = SimpleUploadedFile("bad.csv", b"day,kind,source\n2026-13-40,off,\n")
    response = client.post("/dossiers/calendar/import/", {"file": bad}, follow=True)
    assert CalendarExceptionEntry.objects.count() == 1
    assert len(list(response.context["messages"])) >= 1


def test_only_administrators_edit_the_calendar(tree, make_user, client, dossier_store):
    user = make_user("viewer", "viewer", tree.p)
    assert client.login(username=user.username, password=PASSWORD)
    assert client.get("/dossiers/calendar/").status_code == 403
    response = client.post(
        "/dossiers/calendar/", {"day": "2026-01-02", "kind": "day_off", "source": "x"}
    )
    assert response.status_code == 403
    assert not CalendarExceptionEntry.objects.exists()
    client.logout()
    root = make_user("root", "sysadmin", None)
    assert client.login(username=root.username, password=PASSWORD)
    assert client.get("/dossiers/calendar/").status_code == 200
