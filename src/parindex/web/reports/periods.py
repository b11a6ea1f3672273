"""Periods, deadlines and the on-time / late / missing rule (pure: no database, no Django).

A report type has one *period kind*: quarters (4 a year), half-years (2) or the year (1).
Each period's deadline comes from a rule — day N of the M-th month after the period's last
month (M = 0: the last month itself) — and is stored per period, so an administrator can
move one deadline without changing the rule.

A deadline is a whole calendar day in Vietnam: a report submitted at 23:59:59 on the due
day (Asia/Ho_Chi_Minh) is on time, one submitted at 00:00 the next day is late, whatever
the server's time zone. Nothing submitted once the due day is over: missing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

QUARTER = "quarter"
HALF_YEAR = "half_year"
YEAR = "year"
PERIODS_PER_YEAR = {QUARTER: 4, HALF_YEAR: 2, YEAR: 1}
MONTHS_PER_PERIOD = {QUARTER: 3, HALF_YEAR: 6, YEAR: 12}

ON_TIME = "on_time"
LATE = "late"
MISSING = "missing"
PENDING = "pending"  # not submitted, not yet due
NOT_REQUIRED = "not_required"  # the unit did not exist on the due day

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_numbers(kind: str) -> range:
    if kind not in PERIODS_PER_YEAR:
        raise ValueError(f"unknown period kind {kind!r}")
    return range(1, PERIODS_PER_YEAR[kind] + 1)


def period_bounds(kind: str, year: int, number: int) -> tuple[dt.date, dt.date]:
    """First and last day (both inclusive) of period `number` of `year`."""
    if number not in period_numbers(kind):
        raise ValueError(f"{kind} has no period {number}")
    months = MONTHS_PER_PERIOD[kind]
    first_month = (number - 1) * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return dt.date(year, first_month, 1), dt.date(year, last_month, last_day)


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def due_date(period_end: dt.date, day: int, months_after: int) -> dt.date:
    """Day `day` of the `months_after`-th month after the month of `period_end`
    (0: that month); a day past the month's end is its last day (31 → 30/4, 28/2)."""
    if not 1 <= day <= 31:
        raise ValueError("day must be between 1 and 31")
    if months_after < 0:
        raise ValueError("months_after must not be negative")
    year, month = add_months(period_end.year, period_end.month, months_after)
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def local_date(moment: dt.datetime) -> dt.date:
    """The Vietnamese calendar day of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(VN_TZ).date()


def local_moment(moment: dt.datetime) -> dt.datetime:
    """An aware moment on Vietnam's clock (for display)."""
    return moment.astimezone(VN_TZ)


def deadline_end(due_on: dt.date) -> dt.datetime:
    """The first moment that is late: 00:00 of the day after the due day, Vietnam time."""
    return dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time(0, 0), tzinfo=VN_TZ)


def classify(due_on: dt.date, submitted_at: dt.datetime | None, now: dt.datetime) -> str:
    """ON_TIME, LATE, MISSING (due day over, nothing submitted) or PENDING (not yet)."""
    if submitted_at is not None:
        return ON_TIME if submitted_at < deadline_end(due_on) else LATE
    return MISSING if now >= deadline_end(due_on) else PENDING
