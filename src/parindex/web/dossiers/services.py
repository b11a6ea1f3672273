"""The computations behind the pages: the stores, the calendar, cached service-index tables.

Where the dossiers are read from
--------------------------------
Every accepted record is written twice, in one transaction (`writing.save_records` for
an API batch, `writing.upsert_chunks` for the import command): into the web database (`models.Dossier`, `dbstore`) and into the
Parquet store (`PARINDEX_DOSSIER_STORE`). A page reads the dossiers of the units it shows:

- from the **database** when it holds at most ``PARINDEX_DOSSIERS_DB_LIMIT`` (default
  100,000) dossiers of those units: the rows are read into a DataFrame (the typed table of
  `validate_records`) — one indexed query, no file;
- otherwise from the **Parquet store**, with DuckDB (out of core, any size); also when the
  database holds none of them (a store filled with ``parindex dossiers import
  --no-database``), and always with a limit of 0.

Either way the same core functions (`compute_metrics`, `flag_overdue`) judge the same
records, so both give the same numbers (tested). The limit is a setting (Django setting or
environment variable of that name).

Caching
-------
Tables are cached in memory per (store directory, manifest generation, database version,
calendar version, what), so a page is computed once per state and period; a write (new
generation, new batch logged) or a calendar change (new version) makes new keys, old ones
fall out of the small LRU.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

import pandas as pd
from django.conf import settings
from django.db.models import Max

from parindex.dossiers import (
    ParquetStore,
    Period,
    WorkCalendar,
    compute_metrics,
    flag_overdue,
    load_default_catalogue,
    load_default_exceptions,
    merge_exceptions,
    score_counts,
)
from parindex.web.dossiers import dbstore
from parindex.web.dossiers.models import CalendarExceptionEntry
from parindex.web.units.models import Unit

DEFAULT_DB_LIMIT = 100_000
CACHE_SIZE = 64
FIRST_CALENDAR_YEAR = 2015
_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def store() -> ParquetStore:
    return ParquetStore(settings.PARINDEX_DOSSIER_STORE)


def db_limit() -> int:
    """``PARINDEX_DOSSIERS_DB_LIMIT``: the most dossiers a page reads from the database
    (more: DuckDB over the Parquet store; 0: always the store). A Django setting of that
    name wins over the environment variable."""
    value = getattr(settings, "PARINDEX_DOSSIERS_DB_LIMIT", None)
    if value is None:
        from parindex.web import config

        value = config.env_int(os.environ, "PARINDEX_DOSSIERS_DB_LIMIT", DEFAULT_DB_LIMIT)
    return max(0, int(value))


def reads_database(codes: Iterable[str]) -> bool:
    """Whether the dossiers of these units are read from the database (see the module
    docstring): some, and no more than the limit, are there."""
    limit = db_limit()
    if limit <= 0:
        return False
    return 0 < dbstore.count(codes, limit=limit) <= limit


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _cached(key: tuple, make: Callable[[], Any]) -> Any:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = make()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def calendar_version() -> tuple:
    """Changes whenever an administrator adds, changes or deletes an exception."""
    history = CalendarExceptionEntry.history.aggregate(last=Max("history_id"))["last"]
    return (CalendarExceptionEntry.objects.count(), history)


def state_key() -> tuple:
    s = store()
    return (
        str(s.directory),
        int(s.manifest()["generation"]),
        dbstore.version(),
        calendar_version(),
    )


def calendar_exceptions():
    """The packaged exceptions with the administrators' entries winning on the same day."""
    entries = [e.as_exception() for e in CalendarExceptionEntry.objects.all()]
    return merge_exceptions(load_default_exceptions(), entries)


def work_calendar(until_year: int | None = None) -> WorkCalendar:
    last = max(until_year or 0, date.today().year) + 1
    key = ("calendar", calendar_version(), last)
    years = range(FIRST_CALENDAR_YEAR, last + 1)
    return _cached(key, lambda: WorkCalendar.vietnam(years, calendar_exceptions()))


def parse_period(text: str | None, default_year: int) -> Period:
    """'2025', '2025-Q2' or '2025-03' → a Period (ValueError when not one)."""
    text = (text or "").strip().upper()
    if not text:
        return Period(default_year)
    if text.isdigit():
        return Period(int(text))
    if "-Q" in text:
        y, q = text.split("-Q", 1)
        return Period(int(y), quarter=int(q))
    y, m = text.split("-", 1)
    return Period(int(y), month=int(m))


def _sql_codes(codes: Iterable[str]) -> str:
    return ", ".join("'" + str(c).replace("'", "''") + "'" for c in codes) or "NULL"


def unit_records(codes: Iterable[str]) -> pd.DataFrame:
    """Every dossier of these units, from the database or the store (`reads_database`)."""
    codes = list(codes)
    if reads_database(codes):
        return dbstore.read(codes)
    return store().read(where=f"unit_code IN ({_sql_codes(codes)})")


def _dossiers_of(codes: list[str]):
    """The dossiers of these units for `compute_metrics`: a DataFrame read from the
    database, or a DuckDB relation over the store (never loaded whole)."""
    if reads_database(codes):
        return dbstore.read(codes)
    s = store()
    return s.relation(s.connect()).filter(f"unit_code IN ({_sql_codes(codes)})")


def _period_end_day(period: Period) -> date:
    return (period.end - pd.Timedelta(days=1)).date()


def units_frame(root: Unit, on: date) -> pd.DataFrame:
    """The root and its subtree in force on `on`: unit_code, unit_name, level (= kind)."""
    units = Unit.objects.subtree(root).in_force(on).order_by("path", "code")
    rows = [(u.code, u.name, u.kind) for u in units]
    if not any(code == root.code for code, _, _ in rows):
        rows.insert(0, (root.code, root.name, root.kind))
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "level"])


def compute_counts(root: Unit, period: Period) -> pd.DataFrame:
    """compute_metrics over the dossiers of the root's subtree (the units in force at the
    end of the period), from the database or the store."""
    units = units_frame(root, _period_end_day(period))
    codes = list(units["unit_code"])
    counts = compute_metrics(
        _dossiers_of(codes),
        store().load_procedures(),
        period,
        units=units,
        calendar=work_calendar(period.year),
    )
    return counts[counts["unit_code"].isin(set(units["unit_code"]))].reset_index(drop=True)


def dashboard_scores(root: Unit, period: Period) -> pd.DataFrame:
    """score_counts of the root's subtree for `period` (cached)."""
    key = ("scores", *state_key(), root.pk, period.label)

    def make() -> pd.DataFrame:
        return score_counts(compute_counts(root, period), load_default_catalogue())

    return _cached(key, make)


def dashboard_rows(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per unit: total, rank, six groups (score, rank)."""
    catalogue = load_default_catalogue()
    rolled = scores[scores["item_kind"] != "metric"]
    rows: dict[str, dict[str, Any]] = {}
    for r in rolled.itertuples(index=False):
        row = rows.setdefault(
            r.unit_code,
            {"unit_code": r.unit_code, "unit_name": r.unit_name, "level": r.level, "groups": {}},
        )
        rank = None if pd.isna(r.rank) else int(r.rank)
        if r.item_kind == "total":
            row["total"] = float(r.score)
            row["rank"] = rank
        else:
            row["groups"][r.item] = {"score": float(r.score), "rank": rank}
    out = []
    for row in rows.values():
        row["group_list"] = [row["groups"].get(g.code) for g in catalogue.groups]
        out.append(row)
    out.sort(key=lambda x: (x["level"], x.get("rank") or 10**9, x["unit_code"]))
    return out


def _on_time(counts: pd.DataFrame) -> pd.DataFrame:
    rows = counts[counts["metric"] == "dossier_on_time"]
    return rows[["unit_code", "numerator", "denominator"]].rename(
        columns={"numerator": "on_time", "denominator": "handled"}
    )


def procedure_rows(unit: Unit, period: Period) -> list[dict[str, Any]]:
    """Per procedure of the unit: handled dossiers, on time, overdue, ratio (cached).

    The same rules as the dashboard: `compute_metrics` with the procedure as the unit."""
    key = ("procedures", *state_key(), unit.code, period.label)

    def make() -> list[dict[str, Any]]:
        records = unit_records([unit.code])
        if records.empty:
            return []
        records = records.copy()
        records["unit_code"] = records["procedure_code"].fillna("").replace("", "—")
        s = store()
        counts = compute_metrics(
            records, s.load_procedures(), period, calendar=work_calendar(period.year)
        )
        received = counts[counts["metric"] == "online_dossier_share"].set_index("unit_code")
        out = []
        for r in _on_time(counts).itertuples(index=False):
            if not r.handled:
                continue
            out.append(
                {
                    "procedure_code": r.unit_code,
                    "handled": int(r.handled),
                    "on_time": int(r.on_time),
                    "overdue": int(r.handled - r.on_time),
                    "received": int(received["denominator"].get(r.unit_code, 0)),
                    "ratio_pct": 100.0 * r.on_time / r.handled,
                }
            )
        out.sort(key=lambda x: (-x["handled"], x["procedure_code"]))
        return out

    return _cached(key, make)


def trend(unit: Unit, year: int) -> list[dict[str, Any]]:
    """Month by month: the unit's total score and its on-time ratio (cached)."""
    key = ("trend", *state_key(), unit.code, year)

    def make() -> list[dict[str, Any]]:
        records = unit_records([unit.code])
        s = store()
        procs = s.load_procedures()
        catalogue = load_default_catalogue()
        units = pd.DataFrame(
            {"unit_code": [unit.code], "unit_name": [unit.name], "level": [unit.kind]}
        )
        cal = work_calendar(year)
        out = []
        for month in range(1, 13):
            period = Period(year, month=month)
            if period.start > datetime.now():
                break
            counts = compute_metrics(records, procs, period, units=units, calendar=cal)
            counts = counts[counts["unit_code"] == unit.code]
            scores = score_counts(counts, catalogue)
            total = scores[scores["item_kind"] == "total"]["score"]
            on_time = _on_time(counts)
            handled = int(on_time["handled"].sum())
            out.append(
                {
                    "month": month,
                    "label": period.label,
                    "total": float(total.iloc[0]) if len(total) else 0.0,
                    "handled": handled,
                    "on_time": int(on_time["on_time"].sum()),
                    "ratio_pct": (
                        100.0 * int(on_time["on_time"].sum()) / handled if handled else None
                    ),
                }
            )
        return out

    return _cached(key, make)


def overdue_list(unit: Unit, as_of: datetime, warn_days: int) -> pd.DataFrame:
    """Open dossiers of the unit's subtree that are overdue or due within `warn_days`."""
    codes = list(Unit.objects.subtree(unit).values_list("code", flat=True).distinct())
    records = unit_records(codes or [unit.code])
    if records.empty:
        return pd.DataFrame(
            columns=["unit_code", "dossier_code", "procedure_code", "due_at", "days_overdue"]
        )
    s = store()
    flags = flag_overdue(
        records,
        as_of,
        work_calendar(as_of.year),
        warn_days=warn_days,
        procedures=s.load_procedures(),
    )
    keep = flags["is_open"] & (flags["overdue"] | flags["due_soon"])
    return flags[keep].reset_index(drop=True)


def now() -> datetime:
    """Now, naive Vietnam time (as the store keeps moments)."""
    from django.utils import timezone

    return timezone.localtime().replace(tzinfo=None, microsecond=0)
