"""Overdue detection and early warning over a table of dossiers."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.catalogue import load_default_exceptions
from parindex.dossiers.ingest import validate_records
from parindex.dossiers.overdue import flag_overdue, overdue_summary
from parindex.dossiers.procedures import Procedure, ProcedureCatalogue

AS_OF = datetime(2026, 4, 24, 10, 0)  # Friday 24/4/2026; Mon 27/4 is Giỗ Tổ (day off)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.vietnam([2026, 2027], load_default_exceptions())


def table(*rows: dict) -> pd.DataFrame:
    cols = sorted({k for r in rows for k in r})
    raw = pd.DataFrame([{c: str(r.get(c, "") or "") for c in cols} for r in rows])
    valid, rejected = validate_records(raw)
    assert rejected == [], rejected
    return valid


def row(code, status="4", received="2026-04-13 09:00", due="2026-04-20 17:00", **kw) -> dict:
    out = {
        "dossier_code": code,
        "unit_code": kw.pop("unit", "U1"),
        "status": status,
        "received_at": received,
        "due_at": due,
    }
    out.update(kw)
    return out


def flags_of(cal, *rows, **kw) -> pd.DataFrame:
    return flag_overdue(table(*rows), AS_OF, cal, **kw).set_index("dossier_code")


def test_open_past_due_and_working_days_overdue(cal):
    f = flags_of(cal, row("a"))  # due Mon 20/4, as of Fri 24/4
    a = f.loc["a"]
    assert a.overdue and a.is_open and a.reason == "open_past_due"
    assert a.days_overdue == 4  # Tue, Wed, Thu, Fri
    assert a.working_days_left == -4 and not a.due_soon


def test_finished_late_and_on_time(cal):
    f = flags_of(
        cal,
        row("late", status="10", processed_at="2026-04-22 09:00", returned_at="2026-04-22 10:00"),
        row("ok", status="9", processed_at="2026-04-20 16:00"),
    )
    assert f.loc["late", "reason"] == "finished_late" and f.loc["late", "days_overdue"] == 2
    assert not f.loc["late", "is_open"]
    assert not f.loc["ok", "overdue"] and f.loc["ok", "reason"] == ""


def test_due_soon_counts_working_days_over_the_holiday(cal):
    f = flags_of(
        cal,
        row("today", due="2026-04-24 17:00"),
        row("tue", due="2026-04-28 17:00"),  # Mon 27/4 is a day off: 1 working day away
        row("wed", due="2026-04-29 17:00"),  # 2 working days
        row("thu", due="2026-04-30 17:00"),  # 30/4 is a holiday itself
        row("may6", due="2026-05-06 17:00"),
    )
    assert f.loc["today", "working_days_left"] == 0 and f.loc["today", "due_soon"]
    assert f.loc["tue", "working_days_left"] == 1 and f.loc["tue", "due_soon"]
    assert f.loc["wed", "working_days_left"] == 2 and f.loc["wed", "due_soon"]
    assert f.loc["thu", "working_days_left"] == 2  # (24/4, 30/4]: 28, 29 only
    assert not f.loc["may6", "due_soon"]
    narrow = flags_of(cal, row("wed", due="2026-04-29 17:00"), warn_days=1)
    assert not narrow.loc["wed", "due_soon"]


def test_supplement_rules(cal):
    f = flags_of(
        cal,
        # waiting for the applicant since before the due date: clock stopped, no warning
        row(
            "waiting",
            status="5",
            due="2026-04-24 17:00",
            supplement_requested_at="2026-04-14 09:00",
        ),
        # one request, 5 days waited: the deadline moves by 5 days
        row(
            "moved",
            due="2026-04-21 17:00",
            supplement_requested_at="2026-04-14 09:00",
            supplement_completed_at="2026-04-19 09:00",
        ),
        # two requests: overdue whatever the dates
        row(
            "twice",
            due="2026-05-29 17:00",
            supplement_requested_at="2026-04-14 09:00",
            supplement_completed_at="2026-04-15 09:00",
            supplement_count="2",
        ),
    )
    assert not f.loc["waiting", "overdue"] and not f.loc["waiting", "due_soon"]
    assert not f.loc["moved", "overdue"]
    assert f.loc["moved", "deadline"] == pd.Timestamp("2026-04-26 17:00")
    assert f.loc["twice", "overdue"] and f.loc["twice", "reason"] == "supplements"
    assert f.loc["twice", "days_overdue"] == 0


def test_rescheduled_dossier_stays_overdue_but_warns_on_the_new_date(cal):
    f = flags_of(
        cal,
        row("r", due="2026-04-28 17:00", original_due_at="2026-04-21 17:00", reschedule_count="1"),
    )
    assert f.loc["r", "overdue"] and f.loc["r", "reason"] == "open_past_due"
    assert f.loc["r", "working_days_left"] == 1


def test_missing_due_date_uses_the_procedure_or_is_left_unjudged(cal):
    procs = ProcedureCatalogue([Procedure("1.000001", "X", 3, "working_days")])
    r = row("n", due="", received="2026-04-15 09:00", procedure_code="1.000001")  # due Mon 20/4
    f = flags_of(cal, r, procedures=procs)
    assert f.loc["n", "overdue"] and f.loc["n", "first_due_at"] == pd.Timestamp("2026-04-20 17:00")
    unjudged = flags_of(cal, r)
    assert not unjudged.loc["n", "overdue"] and unjudged.loc["n", "reason"] == "no_due_date"


def test_not_received_future_and_old_finished_are_left_out(cal):
    f = flag_overdue(
        table(
            row("new", status="1", received="", due=""),
            row("refused", status="3", received="", due=""),
            row("future", received="2026-04-25 09:00", due="2026-05-04 17:00"),
            row(
                "old",
                status="10",
                received="2026-03-02 09:00",
                due="2026-03-09 17:00",
                processed_at="2026-03-20 09:00",
                returned_at="2026-03-20 09:00",
            ),
            row("open"),
        ),
        AS_OF,
        cal,
        since=date(2026, 4, 1),
    )
    assert list(f["dossier_code"]) == ["open"]


def test_summary_per_unit_sorted(cal):
    f = flag_overdue(
        table(
            row("a1"),
            row("a2", due="2026-04-28 17:00"),
            row("a3", status="10", processed_at="2026-04-23 09:00", returned_at="2026-04-23 09:00"),
            row("b1", unit="U2", received="2026-04-01 09:00", due="2026-04-08 17:00"),
            row("b2", unit="U2", due="2026-06-01 17:00"),
        ),
        AS_OF,
        cal,
    )
    assert list(f["dossier_code"]) == ["a1", "a3", "a2", "b1", "b2"]  # per unit, worst first
    s = overdue_summary(f).set_index("unit_code")
    assert s.loc["U1"].to_dict() == {
        "open": 2,
        "open_overdue": 1,
        "finished_late": 1,
        "supplements": 0,
        "due_soon": 1,
        "max_days_overdue": 4,
    }
    assert s.loc["U2", "max_days_overdue"] == 12  # (Wed 8/4, Fri 24/4]: 12 working days
