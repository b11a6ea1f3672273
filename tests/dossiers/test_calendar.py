"""Working-day calendar: known answers computed by hand from the 2024–2026 calendars.

Days off used below (from the `holidays` package, checked against the official schedules):
- Tết 2025: Mon 27/1 (nghỉ bù for Sat 1/2 = mùng 4), Tue 28/1 (giao thừa), Wed 29/1 –
  Fri 31/1 (mùng 1–3); Sat 25/1, Sun 26/1, Sat 1/2, Sun 2/2 are the weekend → 25/1–2/2 off.
- 2024 swap: Mon 29/4 off, worked on Sat 4/5; Tue 30/4 and Wed 1/5 are holidays.
- 2025 swap: Fri 2/5 off, worked on Sat 26/4; Wed 30/4, Thu 1/5 holidays.
- March 2025 has no holiday (Mon 3/3 … Fri 7/3, Mon 10/3 … are plain working days).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.dossiers.calendar import (
    CalendarException,
    CalendarRangeError,
    WorkCalendar,
    format_due_vi,
    merge_exceptions,
    parse_exceptions_csv,
)
from parindex.dossiers.catalogue import load_default_exceptions
from parindex.errors import InputError

D = date
T = datetime


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.vietnam([2024, 2025, 2026])


# -- what the holidays package gives -------------------------------------------------------


def test_tet_2025_days_off(cal):
    off = [D(2025, 1, 25) + timedelta(days=k) for k in range(9)]  # 25/1 .. 2/2
    assert [cal.is_working_day(d) for d in off] == [False] * 9
    assert cal.is_working_day(D(2025, 1, 24))  # Friday before Tết
    assert cal.is_working_day(D(2025, 2, 3))  # Monday after Tết
    assert set(cal.holidays) >= {D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 31)}


def test_2024_swap_known_to_package(cal):
    assert not cal.is_working_day(D(2024, 4, 29))  # Monday swapped off
    assert cal.is_working_day(D(2024, 5, 4))  # make-up Saturday
    assert not cal.is_working_day(D(2024, 5, 11))  # an ordinary Saturday
    kinds = {s.day: s.kind for s in cal.special_days(2024)}
    assert kinds[D(2024, 4, 29)] == "holiday"
    assert kinds[D(2024, 5, 4)] == "workday"


def test_2025_swap_known_to_package(cal):
    assert not cal.is_working_day(D(2025, 5, 2))
    assert cal.is_working_day(D(2025, 4, 26))


def test_working_days_in_2025(cal):
    # 261 weekdays − 12 weekday holidays (1/1, 27–31/1, 7/4, 30/4, 1/5, 2/5, 1/9, 2/9)
    # + 1 make-up Saturday (26/4) = 250; (31/12/2024, 31/12/2025] covers all of 2025.
    assert cal.working_days_between(D(2024, 12, 31), D(2025, 12, 31)) == 250


def test_packaged_exceptions_do_not_duplicate_the_package():
    import holidays

    known = holidays.country_holidays("VN", years=range(2020, 2031))
    workdays = set(getattr(known, "weekend_workdays", set()))
    for exc in load_default_exceptions():
        assert exc.day not in known, f"{exc.day} is already a holiday in the package"
        assert exc.day not in workdays, f"{exc.day} is already a make-up day in the package"


# -- counting --------------------------------------------------------------------------------


def test_working_days_between_convention(cal):
    # (Fri 26/4, Mon 6/5]: Thu 2/5, Fri 3/5, Sat 4/5 (make-up), Mon 6/5 = 4
    assert cal.working_days_between(D(2024, 4, 26), D(2024, 5, 6)) == 4
    assert cal.working_days_between(D(2024, 5, 6), D(2024, 4, 26)) == -4
    assert cal.working_days_between(D(2025, 3, 3), D(2025, 3, 3)) == 0
    # (Mon 3/3, Tue 4/3] = 1: the first day is excluded, the last included
    assert cal.working_days_between(D(2025, 3, 3), D(2025, 3, 4)) == 1


def test_next_working_day_and_add(cal):
    assert cal.next_working_day(D(2025, 1, 24)) == D(2025, 2, 3)
    assert cal.next_working_day(D(2025, 3, 3)) == D(2025, 3, 4)  # strictly after
    assert cal.roll_forward(D(2025, 3, 3)) == D(2025, 3, 3)
    assert cal.roll_forward(D(2025, 3, 8)) == D(2025, 3, 10)
    assert cal.add_working_days(D(2025, 1, 24), 5) == D(2025, 2, 7)
    assert cal.add_working_days(D(2025, 2, 7), -5) == D(2025, 1, 24)
    assert cal.add_working_days(D(2025, 3, 8), 0) == D(2025, 3, 8)


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 6, 30)),
    n=st.integers(min_value=0, max_value=60),
)
def test_add_and_count_agree(cal, start, n):
    end = cal.add_working_days(start, n)
    assert cal.working_days_between(start, end) == n
    if n > 0:
        assert cal.is_working_day(end)


@settings(max_examples=100, deadline=None)
@given(
    a=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31)),
    b=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 12, 31)),
)
def test_vectorised_count_matches_day_by_day(cal, a, b):
    lo, hi = min(a, b), max(a, b)
    naive = sum(cal.is_working_day(lo + timedelta(days=k)) for k in range(1, (hi - lo).days + 1))
    assert cal.working_days_between(lo, hi) == naive
    assert list(cal.count_working_days([a, b], [b, a])) == [
        naive if b >= a else -naive,
        naive if a >= b else -naive,
    ]


# -- due dates: working days -----------------------------------------------------------------


def test_due_across_tet_2025(cal):
    # Fri 24/1 10:00, 5 working days: 25/1–2/2 off → 3/2 (1), 4/2 (2), 5/2 (3), 6/2 (4), 7/2 (5)
    assert cal.due_date(T(2025, 1, 24, 10, 0), 5, "working_days") == T(2025, 2, 7, 17, 0)


def test_cutoff_1459_vs_1501(cal):
    assert cal.due_date(T(2025, 1, 24, 14, 59), 5) == T(2025, 2, 7, 17, 0)
    assert cal.due_date(T(2025, 1, 24, 15, 0), 5) == T(2025, 2, 7, 17, 0)  # at 15:00: same day
    # 15:01 → deemed received Mon 3/2 → 4/2, 5/2, 6/2, 7/2, 10/2
    assert cal.due_date(T(2025, 1, 24, 15, 1), 5) == T(2025, 2, 10, 17, 0)
    # an ordinary week: Mon 3/3 14:59 + 1 → Tue 4/3; 15:01 → deemed Tue → Wed 5/3
    assert cal.due_date(T(2025, 3, 3, 14, 59), 1) == T(2025, 3, 4, 17, 0)
    assert cal.due_date(T(2025, 3, 3, 15, 1), 1) == T(2025, 3, 5, 17, 0)


def test_custom_cutoff():
    late = WorkCalendar.vietnam(2025, cutoff=time(16, 30))
    assert late.due_date(T(2025, 3, 3, 16, 0), 1) == T(2025, 3, 4, 17, 0)
    assert late.due_date(T(2025, 3, 3, 16, 31), 1) == T(2025, 3, 5, 17, 0)
    with pytest.raises(ValueError, match="cutoff"):
        WorkCalendar.vietnam(2025, cutoff=time(18, 0))


def test_online_last_office_hour(cal):
    # online: counted from the next working day only within the last office hour (after 16:00)
    assert cal.due_date(T(2025, 3, 3, 15, 30), 1, online=True) == T(2025, 3, 4, 17, 0)
    assert cal.due_date(T(2025, 3, 3, 15, 30), 1) == T(2025, 3, 5, 17, 0)  # paper, after 15:00
    assert cal.due_date(T(2025, 3, 3, 16, 30), 1, online=True) == T(2025, 3, 5, 17, 0)


def test_received_on_day_off(cal):
    # Sat 8/3 → deemed Mon 10/3 07:30 → 1 working day → Tue 11/3
    assert cal.deemed_receipt(T(2025, 3, 8, 9, 0)) == T(2025, 3, 10, 7, 30)
    assert cal.due_date(T(2025, 3, 8, 9, 0), 1) == T(2025, 3, 11, 17, 0)
    # received during Tết (Wed 29/1) → deemed Mon 3/2 → 2 working days → Wed 5/2
    assert cal.due_date(T(2025, 1, 29, 9, 0), 2) == T(2025, 2, 5, 17, 0)


def test_2024_swap_counts_make_up_saturday(cal):
    # Fri 26/4 10:00 + 3: 27–28 weekend, 29/4 swapped off, 30/4 + 1/5 holidays,
    # Thu 2/5 (1), Fri 3/5 (2), Sat 4/5 make-up (3)
    assert cal.due_date(T(2024, 4, 26, 10, 0), 3) == T(2024, 5, 4, 17, 0)
    # the same calendar without the make-up Saturday would end on Mon 6/5
    no_makeup = WorkCalendar(cal.holidays, years=[2024])
    assert no_makeup.due_date(T(2024, 4, 26, 10, 0), 3) == T(2024, 5, 6, 17, 0)


def test_fractional_and_zero_working_days(cal):
    # 0 → within the receipt day; 0.5 → Mon 17:00 + 4 office hours = Tue 11:30
    assert cal.due_date(T(2025, 3, 3, 10, 0), 0) == T(2025, 3, 3, 17, 0)
    assert cal.due_date(T(2025, 3, 3, 10, 0), 0.5) == T(2025, 3, 4, 11, 30)
    assert cal.due_date(T(2025, 3, 3, 10, 0), 1.5) == T(2025, 3, 5, 11, 30)


def test_supplement_extends_by_working_days(cal):
    # Mon 3/3 + 5 → Mon 10/3; + 2 days of supplement → Wed 12/3; + 0.5 → Tue 11/3 11:30
    assert cal.due_date(T(2025, 3, 3, 10, 0), 5) == T(2025, 3, 10, 17, 0)
    assert cal.due_date(T(2025, 3, 3, 10, 0), 5, supplement_days=2) == T(2025, 3, 12, 17, 0)
    assert cal.due_date(T(2025, 3, 3, 10, 0), 5, supplement_days=0.5) == T(2025, 3, 11, 11, 30)
    # supplement across Tết: due Fri 24/1 17:00 + 1 day → Mon 3/2 17:00
    assert cal.due_date(T(2025, 1, 23, 10, 0), 1, supplement_days=1) == T(2025, 2, 3, 17, 0)


# -- due dates: calendar days and hours ------------------------------------------------------


def test_calendar_days(cal):
    # Mon 3/3 + 10 days = Thu 13/3 (a working day)
    assert cal.due_date(T(2025, 3, 3, 10, 0), 10, "days") == T(2025, 3, 13, 17, 0)
    # Mon 3/3 + 5 days = Sat 8/3 → next working day Mon 10/3
    assert cal.due_date(T(2025, 3, 3, 10, 0), 5, "days") == T(2025, 3, 10, 17, 0)
    # Wed 22/1 + 3 days = Sat 25/1 → Tết → Mon 3/2
    assert cal.due_date(T(2025, 1, 22, 10, 0), 3, "days") == T(2025, 2, 3, 17, 0)
    with pytest.raises(ValueError, match="whole"):
        cal.due_date(T(2025, 3, 3, 10, 0), 2.5, "days")


def test_hours(cal):
    # Mon 3/3 10:00 + 4 h: 10:00–11:30 (1.5) + 13:00–15:30 (2.5)
    assert cal.due_date(T(2025, 3, 3, 10, 0), 4, "hours") == T(2025, 3, 3, 15, 30)
    # + 8 h: Mon 5.5 h, Tue 07:30 + 2.5 h = 10:00
    assert cal.due_date(T(2025, 3, 3, 10, 0), 8, "hours") == T(2025, 3, 4, 10, 0)
    # + 16 h = 2 working days to the same clock time
    assert cal.due_date(T(2025, 3, 3, 10, 0), 16, "hours") == T(2025, 3, 5, 10, 0)
    # Fri 24/1 10:00 + 16 h across Tết: Fri 5.5, Mon 3/2 8 (13.5), Tue 4/2 07:30 + 2.5 = 10:00
    assert cal.due_date(T(2025, 1, 24, 10, 0), 16, "hours") == T(2025, 2, 4, 10, 0)
    # lunch break and before office: start at the next office period
    assert cal.due_date(T(2025, 3, 3, 12, 0), 2, "hours") == T(2025, 3, 3, 15, 0)
    assert cal.due_date(T(2025, 3, 3, 6, 45), 1, "hours") == T(2025, 3, 3, 8, 30)
    # ending exactly at the end of the morning stays at 11:30
    assert cal.due_date(T(2025, 3, 3, 7, 30), 4, "hours") == T(2025, 3, 3, 11, 30)
    # after the cut-off: from Tue 07:30
    assert cal.due_date(T(2025, 3, 3, 15, 30), 4, "hours") == T(2025, 3, 4, 11, 30)
    assert cal.hours_per_day == 8


def test_due_date_rejects_bad_arguments(cal):
    with pytest.raises(ValueError, match="unit"):
        cal.due_date(T(2025, 3, 3, 10), 5, "weeks")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit"):
        cal.due_date(T(2025, 3, 3, 10), -1)
    with pytest.raises(ValueError, match="supplement"):
        cal.due_date(T(2025, 3, 3, 10), 1, supplement_days=-1)


def test_outside_loaded_years_fails_loudly():
    only_2025 = WorkCalendar.vietnam(2025)
    with pytest.raises(CalendarRangeError, match="2026"):
        only_2025.due_date(T(2025, 12, 29, 10), 5)
    with pytest.raises(CalendarRangeError):
        only_2025.working_days_between(D(2025, 12, 1), D(2026, 1, 5))


def test_format_due_vi():
    assert format_due_vi(T(2025, 2, 7, 17, 0)) == "Thứ Sáu, 07/02/2025 17:00"
    assert format_due_vi(T(2025, 2, 9, 8, 5)) == "Chủ nhật, 09/02/2025 08:05"


# -- exceptions ------------------------------------------------------------------------------


def test_exceptions_add_day_off_and_workday():
    excs = [
        CalendarException(D(2025, 3, 7), "day_off", "Quyết định X/QĐ-UBND", "nghỉ bù"),
        CalendarException(D(2025, 3, 15), "workday", "Quyết định X/QĐ-UBND"),
    ]
    c = WorkCalendar.vietnam(2025, excs)
    assert not c.is_working_day(D(2025, 3, 7))
    assert c.is_working_day(D(2025, 3, 15))
    # Mon 3/3 + 5: 4, 5, 6, (7 off), 10, 11
    assert c.due_date(T(2025, 3, 3, 10), 5) == T(2025, 3, 11, 17, 0)
    # Mon 10/3 + 5: 11, 12, 13, 14, Sat 15 (make-up)
    assert c.due_date(T(2025, 3, 10, 10), 5) == T(2025, 3, 15, 17, 0)
    days = {s.day: s for s in c.special_days(2025)}
    assert days[D(2025, 3, 7)].source == "Quyết định X/QĐ-UBND"
    assert days[D(2025, 3, 7)].kind == "day_off"


def test_workday_exception_overrides_package_holiday():
    c = WorkCalendar.vietnam(2025, [CalendarException(D(2025, 5, 2), "workday", "correction")])
    assert c.is_working_day(D(2025, 5, 2))


def test_contradicting_exceptions():
    excs = [
        CalendarException(D(2025, 3, 7), "day_off", "A"),
        CalendarException(D(2025, 3, 7), "workday", "B"),
    ]
    with pytest.raises(InputError) as err:
        WorkCalendar.vietnam(2025, excs)
    assert "2025-03-07" in str(err.value)
    with pytest.raises(InputError):
        WorkCalendar({}, {D(2025, 3, 7): "x"}, {D(2025, 3, 7): "y"})


def test_parse_exceptions_csv_ok():
    text = (
        "\ufeffday,kind,source,note\n"
        "2027-04-30,day_off,Thông báo 1/TB-BNV,nghỉ bù\n"
        "08/05/2027,workday,Thông báo 1/TB-BNV,\n"
        "\n"
    )
    got = parse_exceptions_csv(text, "x.csv")
    assert got == [
        CalendarException(D(2027, 4, 30), "day_off", "Thông báo 1/TB-BNV", "nghỉ bù"),
        CalendarException(D(2027, 5, 8), "workday", "Thông báo 1/TB-BNV", ""),
    ]


def test_parse_exceptions_csv_problems_name_row_and_field():
    text = (
        "day,kind,source\n"
        "2027-02-30,day_off,A\n"  # row 2: no such date
        "2027-05-03,holiday,A\n"  # row 3: bad kind
        "2027-05-04,day_off,\n"  # row 4: no source
        "2027-05-05,day_off,A\n"  # row 5: ok
        "05/05/2027,workday,B\n"  # row 6: duplicate of row 5
    )
    with pytest.raises(InputError) as err:
        parse_exceptions_csv(text, "ex.csv")
    shown = [str(p) for p in err.value.problems]
    assert shown[0].startswith("ex.csv: row 2: day:")
    assert shown[1].startswith("ex.csv: row 3: kind:")
    assert shown[2].startswith("ex.csv: row 4: source:")
    assert shown[3] == "ex.csv: row 6: day: 2027-05-05 already listed in row 5"
    assert len(shown) == 4


def test_parse_exceptions_csv_missing_columns():
    with pytest.raises(InputError) as err:
        parse_exceptions_csv("day,note\n2027-01-01,x\n", "ex.csv")
    assert [(p.location, p.field) for p in err.value.problems] == [
        ("header", "kind"),
        ("header", "source"),
    ]


def test_merge_exceptions_override_wins():
    base = [CalendarException(D(2027, 1, 2), "day_off", "A")]
    over = [
        CalendarException(D(2027, 1, 2), "workday", "B"),
        CalendarException(D(2027, 1, 9), "workday", "B"),
    ]
    merged = merge_exceptions(base, over)
    assert [(e.day, e.kind, e.source) for e in merged] == [
        (D(2027, 1, 2), "workday", "B"),
        (D(2027, 1, 9), "workday", "B"),
    ]
