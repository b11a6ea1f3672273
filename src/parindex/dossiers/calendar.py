"""Working-day calendar and time limits of one-stop-shop dossiers (pure: data in, data out).

Days
----
A day is a *working day* when it is a make-up working day (a Saturday worked in exchange
for a swapped day off), or else when it is not a weekend day (Saturday, Sunday), not a
public holiday and not an extra day off. Precedence, highest first:
``makeup_workdays`` > (``holidays`` ∪ ``extra_days_off``) > weekend. So an administrator's
"workday" exception overrides a holiday the `holidays` package got wrong.

A calendar built with ``years`` only answers for those years and raises
`CalendarRangeError` outside them, so a dossier that runs past the years loaded fails
loudly instead of silently ignoring next year's Tết.

Counting conventions
--------------------
- ``working_days_between(d1, d2)`` counts working days in the half-open interval
  ``(d1, d2]`` (d1 excluded, d2 included; negative when d2 < d1). Consistent with
  ``add_working_days``: ``working_days_between(d, add_working_days(d, n)) == n``.
- ``add_working_days(start, n)``: the n-th working day after ``start`` (``start`` itself is
  not counted; ``n == 0`` returns ``start``).
- ``next_working_day(d)``: the first working day strictly after ``d``;
  ``roll_forward(d)``: ``d`` itself when it is a working day, else the next one.

Appointed return date (``due_date``), following calendar.md / Decree 61/2018:
1. *Deemed receipt day.* A dossier received on a working day at or before the cut-off
   (15:00 for paper dossiers, 16:00 = the last office hour for online ones) counts from its
   receipt day. Received after the cut-off, or on a day off, it is deemed received at the
   start of the next working day.
2. ``working_days``: the due day is the n-th working day after the deemed receipt day (the
   first day is not counted), so weekends, holidays and swapped days off are skipped and
   make-up Saturdays count. A fractional limit (e.g. 0.5 or 2.5 working days) adds the
   fraction as office hours after the end of the whole-day due date (0.5 day = 4 office
   hours: due at 11:30 of the next working day), which keeps due dates monotone in the
   limit. A limit of 0 means "within the deemed receipt day".
3. ``days`` (calendar days, Civil Code Art. 147–148): due day = deemed receipt day + n
   days; when that day is not a working day, the next working day. Must be a whole number.
4. ``hours``: counted on the office clock from the (deemed) receipt moment. Office hours
   are 7:30–11:30 and 13:00–17:00 on working days (8 hours a day, configurable): a receipt
   before 7:30 or during the lunch break starts at the next office period. So 16 hours =
   2 working days to the same clock time (Mon 10:00 → Wed 10:00) and 4 hours from Mon 10:00
   end at Mon 15:30.
5. Supplement waiting time (``supplement_days``, in working days, fractions allowed) is
   excluded from the limit: the deadline moves forward by that many working days on the
   office clock (supplement_days × 8 office hours; 1 day from 17:00 = 17:00 of the next
   working day).

The result is a ``datetime``: for day limits the *end of the office day* (17:00) of the due
day; for hour limits the exact office-clock moment. It carries ``received.tzinfo``.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

import numpy as np

from parindex.errors import InputError, Problem

ExceptionKind = Literal["day_off", "workday"]
TimeUnit = Literal["working_days", "days", "hours"]

EXCEPTION_KINDS: tuple[str, ...] = ("day_off", "workday")
TIME_UNITS: tuple[str, ...] = ("working_days", "days", "hours")
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 0), time(17, 0)),
)
WEEKDAY_NAMES_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


class CalendarRangeError(ValueError):
    """A date outside the years the calendar was built for."""


@dataclass(frozen=True)
class CalendarException:
    """One per-year exception decided by the government: an extra day off or a make-up
    working day (usually a Saturday), with the decision that set it."""

    day: date
    kind: ExceptionKind
    source: str  # e.g. "Thông báo 5344/TB-BLĐTBXH"
    note: str = ""


@dataclass(frozen=True)
class SpecialDay:
    """A day that differs from the plain Monday–Friday week, for listings."""

    day: date
    kind: Literal["holiday", "day_off", "workday"]
    name: str
    source: str


def _as_named(days: Mapping[date, str] | Iterable[date] | None) -> dict[date, str]:
    if days is None:
        return {}
    if isinstance(days, Mapping):
        return {_as_date(d): str(n) for d, n in days.items()}
    return {_as_date(d): "" for d in days}


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date, got {type(value).__name__}")


def _np_days(days: Iterable[date]) -> np.ndarray:
    return np.array(sorted(days), dtype="datetime64[D]")


class WorkCalendar:
    """Working days and office hours of public bodies (Monday–Friday, 7:30–17:00)."""

    def __init__(
        self,
        holidays: Mapping[date, str] | Iterable[date] = (),
        extra_days_off: Mapping[date, str] | None = None,
        makeup_workdays: Mapping[date, str] | None = None,
        *,
        cutoff: time = time(15, 0),
        online_cutoff: time = time(16, 0),
        office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS,
        years: Iterable[int] | None = None,
        sources: Mapping[date, str] | None = None,
    ):
        self.holidays = _as_named(holidays)
        self.extra_days_off = _as_named(extra_days_off)
        self.makeup_workdays = _as_named(makeup_workdays)
        self.sources = dict(sources or {})  # day -> source of the entry (for listings)
        clash = sorted(set(self.extra_days_off) & set(self.makeup_workdays))
        if clash:
            raise InputError(
                [
                    Problem(
                        "calendar", d.isoformat(), "kind", "both a day off and a make-up workday"
                    )
                    for d in clash
                ]
            )
        periods = tuple((a, b) for a, b in office_hours)
        if not periods:
            raise ValueError("office_hours must have at least one period")
        prev_end: time | None = None
        for start, end in periods:
            if not start < end or (prev_end is not None and start < prev_end):
                raise ValueError("office_hours must be ordered, non-overlapping (start, end) pairs")
            prev_end = end
        if not periods[0][0] <= cutoff <= periods[-1][1]:
            raise ValueError("cutoff must fall within office hours")
        if not periods[0][0] <= online_cutoff <= periods[-1][1]:
            raise ValueError("online_cutoff must fall within office hours")
        self.office_hours = periods
        self.cutoff = cutoff
        self.online_cutoff = online_cutoff
        self.years = None if years is None else frozenset(int(y) for y in years)

        off = (set(self.holidays) | set(self.extra_days_off)) - set(self.makeup_workdays)
        self._off = frozenset(off)
        self._makeup = frozenset(self.makeup_workdays)
        # For vectorised counting: weekday days off (busday holidays) and weekend make-ups.
        self._np_weekday_off = _np_days(d for d in off if d.weekday() < 5)
        self._np_weekend_makeup = _np_days(d for d in self._makeup if d.weekday() >= 5)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def vietnam(
        cls,
        years: int | Iterable[int],
        exceptions: Iterable[CalendarException] | None = None,
        **kwargs,
    ) -> WorkCalendar:
        """Vietnam's calendar for `years`: statutory holidays, Tết, compensatory days off
        and the swaps known to the `holidays` package (including its make-up Saturdays),
        plus `exceptions` (which win over the package on the same day)."""
        import holidays as holidays_pkg  # imported here: only this constructor needs it

        year_list = sorted({years} if isinstance(years, int) else {int(y) for y in years})
        if not year_list:
            raise ValueError("years must not be empty")
        known = holidays_pkg.country_holidays("VN", years=year_list, language="vi")
        named: dict[date, str] = {d: str(n) for d, n in known.items()}
        pkg_source = f"holidays {holidays_pkg.__version__} (VN)"
        sources: dict[date, str] = {d: pkg_source for d in named}
        makeup: dict[date, str] = {}
        for w in sorted(getattr(known, "weekend_workdays", ()) or ()):
            if w.year not in year_list:
                continue
            stamp = w.strftime("%d/%m/%Y")
            swapped = [d for d, n in named.items() if stamp in n]
            makeup[w] = (
                f"Ngày làm bù cho ngày nghỉ {swapped[0]:%d/%m/%Y}" if swapped else "Ngày làm bù"
            )
            sources[w] = pkg_source
        extra: dict[date, str] = {}
        problems: list[Problem] = []
        seen: dict[date, CalendarException] = {}
        for exc in exceptions or ():
            other = seen.get(exc.day)
            if other is not None and other.kind != exc.kind:
                problems.append(
                    Problem(
                        "exceptions",
                        exc.day.isoformat(),
                        "kind",
                        f"'{exc.kind}' ({exc.source}) contradicts '{other.kind}' ({other.source})",
                    )
                )
                continue
            seen[exc.day] = exc
        if problems:
            raise InputError(problems)
        for exc in seen.values():
            label = exc.note or ("Ngày nghỉ" if exc.kind == "day_off" else "Ngày làm bù")
            if exc.kind == "day_off":
                extra[exc.day] = label
                makeup.pop(exc.day, None)
            else:
                makeup[exc.day] = label
            sources[exc.day] = exc.source
        return cls(named, extra, makeup, years=year_list, sources=sources, **kwargs)

    # -- days ---------------------------------------------------------------------------

    def _check(self, d: date) -> None:
        if self.years is not None and d.year not in self.years:
            lo, hi = min(self.years), max(self.years)
            raise CalendarRangeError(
                f"{d.isoformat()} is outside the calendar's years ({lo}–{hi}); "
                "build the calendar with more years"
            )

    @property
    def hours_per_day(self) -> float:
        return sum(_minutes(b) - _minutes(a) for a, b in self.office_hours) / 60

    @property
    def office_start(self) -> time:
        return self.office_hours[0][0]

    @property
    def office_end(self) -> time:
        return self.office_hours[-1][1]

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        self._check(d)
        if d in self._makeup:
            return True
        return d.weekday() < 5 and d not in self._off

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d = _as_date(d) + timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        d = _as_date(d) - timedelta(days=1)
        while not self.is_working_day(d):
            d -= timedelta(days=1)
        return d

    def roll_forward(self, d: date) -> date:
        """`d` when it is a working day, else the next working day."""
        d = _as_date(d)
        return d if self.is_working_day(d) else self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start not counted); backwards when n < 0;
        `start` itself when n == 0."""
        if int(n) != n:
            raise ValueError(f"n must be a whole number of working days, got {n}")
        d = _as_date(start)
        self._check(d)
        n = int(n)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, d1: date, d2: date) -> int:
        """Working days in (d1, d2]: d1 excluded, d2 included; negative when d2 < d1."""
        d1, d2 = _as_date(d1), _as_date(d2)
        return int(self.count_working_days([d1], [d2])[0])

    def count_working_days(self, starts, ends) -> np.ndarray:
        """Vectorised `working_days_between` over arrays of dates (int64 array)."""
        a = np.asarray(starts, dtype="datetime64[D]")
        b = np.asarray(ends, dtype="datetime64[D]")
        if a.size:
            for bound in (a.min(), a.max(), b.min(), b.max()):
                self._check(bound.astype(object))
        sign = np.where(b >= a, 1, -1)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        one = np.timedelta64(1, "D")
        # busday_count counts [lo + 1, hi + 1) = (lo, hi] among Mon–Fri minus weekday days off
        weekdays = np.busday_count(lo + one, hi + one, holidays=self._np_weekday_off)
        mk = self._np_weekend_makeup
        makeups = np.searchsorted(mk, hi, side="right") - np.searchsorted(mk, lo, side="right")
        return (sign * (weekdays + makeups)).astype(np.int64)

    def special_days(self, year: int) -> list[SpecialDay]:
        """Holidays, extra days off and make-up workdays of `year`, in date order."""
        out: list[SpecialDay] = []
        for d, name in self.holidays.items():
            if d.year == year and d not in self.extra_days_off and d not in self._makeup:
                out.append(SpecialDay(d, "holiday", name, self.sources.get(d, "")))
        for d, name in self.extra_days_off.items():
            if d.year == year:
                out.append(SpecialDay(d, "day_off", name, self.sources.get(d, "")))
        for d, name in self.makeup_workdays.items():
            if d.year == year:
                out.append(SpecialDay(d, "workday", name, self.sources.get(d, "")))
        return sorted(out, key=lambda s: s.day)

    # -- office clock -------------------------------------------------------------------

    def add_office_hours(self, start: datetime, hours: float) -> datetime:
        """Move `hours` of office time forward from `start` (working days, office periods
        only). A start outside office time begins at the next office period."""
        if hours < 0:
            raise ValueError("hours must be >= 0")
        remaining = timedelta(hours=hours)
        tz = start.tzinfo
        day, t = start.date(), start.time().replace(tzinfo=None)
        if not self.is_working_day(day):
            day, t = self.next_working_day(day), time.min
        while True:
            for a, b in self.office_hours:
                if t >= b:
                    continue
                s = datetime.combine(day, max(t, a))
                avail = datetime.combine(day, b) - s
                if remaining <= avail:
                    return (s + remaining).replace(tzinfo=tz)
                remaining -= avail
                t = b
            day, t = self.next_working_day(day), time.min

    def deemed_receipt(self, received: datetime | date, *, online: bool = False) -> datetime:
        """When the time limit starts: the receipt moment, or the start of the next working
        day when received after the cut-off or on a day off."""
        if not isinstance(received, datetime):
            received = datetime.combine(received, time.min)
        cutoff = self.online_cutoff if online else self.cutoff
        day = received.date()
        if self.is_working_day(day) and received.time().replace(tzinfo=None) <= cutoff:
            return received
        nxt = self.next_working_day(day)
        return datetime.combine(nxt, self.office_start, tzinfo=received.tzinfo)

    def due_date(
        self,
        received: datetime | date,
        limit: float,
        unit: TimeUnit = "working_days",
        supplement_days: float = 0,
        *,
        online: bool = False,
    ) -> datetime:
        """The appointed return date (see the module docstring for every rule)."""
        if unit not in TIME_UNITS:
            raise ValueError(f"unit must be one of {', '.join(TIME_UNITS)}, got {unit!r}")
        if not isinstance(limit, numbers.Real) or not math.isfinite(limit) or limit < 0:
            raise ValueError(f"limit must be a finite number >= 0, got {limit!r}")
        if not math.isfinite(supplement_days) or supplement_days < 0:
            raise ValueError(f"supplement_days must be >= 0, got {supplement_days!r}")
        start = self.deemed_receipt(received, online=online)
        tz = start.tzinfo
        if unit == "hours":
            due = self.add_office_hours(start, limit)
        elif unit == "working_days":
            whole = math.floor(limit)
            day = self.add_working_days(start.date(), whole)
            due = datetime.combine(day, self.office_end, tzinfo=tz)
            if limit > whole:
                due = self.add_office_hours(due, (limit - whole) * self.hours_per_day)
        else:  # days
            if limit != int(limit):
                raise ValueError(f"a limit in calendar days must be whole, got {limit}")
            day = self.roll_forward(start.date() + timedelta(days=int(limit)))
            due = datetime.combine(day, self.office_end, tzinfo=tz)
        if supplement_days:
            due = self.add_office_hours(due, supplement_days * self.hours_per_day)
        return due


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


# -- exceptions as data ---------------------------------------------------------------------


def _parse_day(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (YYYY-MM-DD or dd/mm/yyyy)")


def parse_exceptions_csv(text: str, source_name: str = "exceptions") -> list[CalendarException]:
    """Parse a CSV of calendar exceptions: columns ``day, kind, source`` and optional
    ``note``; ``day`` is YYYY-MM-DD or dd/mm/yyyy, ``kind`` is ``day_off`` or ``workday``,
    ``source`` (the decision) is required. Row numbers count the header as row 1. Every
    problem is collected into one `InputError`."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    problems: list[Problem] = []
    missing = [c for c in ("day", "kind", "source") if c not in fields]
    if missing:
        for c in missing:
            problems.append(Problem(source_name, "header", c, "missing column"))
        raise InputError(problems)
    out: list[CalendarException] = []
    first_row: dict[date, int] = {}
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        loc = f"row {i}"
        day: date | None = None
        try:
            day = _parse_day(row.get("day", ""))
        except ValueError as exc:
            problems.append(Problem(source_name, loc, "day", str(exc)))
        kind = row.get("kind", "")
        if kind not in EXCEPTION_KINDS:
            problems.append(
                Problem(source_name, loc, "kind", f"'{kind}' is not one of day_off, workday")
            )
        src = row.get("source", "")
        if not src:
            problems.append(
                Problem(source_name, loc, "source", "the deciding document is required")
            )
        if day is not None:
            if day in first_row:
                problems.append(
                    Problem(
                        source_name, loc, "day", f"{day} already listed in row {first_row[day]}"
                    )
                )
                continue
            first_row[day] = i
        if day is not None and kind in EXCEPTION_KINDS and src:
            out.append(CalendarException(day, kind, src, row.get("note", "")))  # type: ignore[arg-type]
    if problems:
        raise InputError(problems)
    return out


def merge_exceptions(
    base: Iterable[CalendarException], override: Iterable[CalendarException]
) -> list[CalendarException]:
    """`base` with every day listed in `override` replaced by the override's entry."""
    merged = {e.day: e for e in base}
    merged.update({e.day: e for e in override})
    return sorted(merged.values(), key=lambda e: e.day)


def format_due_vi(moment: datetime) -> str:
    """'Thứ Sáu, 07/02/2025 17:00' — how a receipt slip shows an appointment."""
    return f"{WEEKDAY_NAMES_VI[moment.weekday()]}, {moment:%d/%m/%Y %H:%M}"
