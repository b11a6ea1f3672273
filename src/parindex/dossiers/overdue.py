"""Overdue dossiers and early warning, vectorised over a table of dossier records.

`flag_overdue(dossiers, as_of, calendar)` judges every received dossier at `as_of` with
the rules of metric 2.1 (`parindex.dossiers.lifecycle`): the end of processing is the
first of NgayKetThucXuLy / NgayTra (open: `as_of`), supplement waiting time is excluded,
more than one supplement request is overdue, and the date compared is the original
appointment (a reschedule does not make a late dossier on time).

Columns added:

- ``is_open``: not ended at `as_of`;
- ``overdue``: past the original appointed date (open, or finished after it), or more
  supplement requests than allowed;
- ``reason``: ``open_past_due`` | ``finished_late`` | ``supplements`` | ``""``;
- ``days_overdue``: working days after the appointed day up to the (supplement-adjusted)
  end day — 0 when late on the appointed day itself or overdue only by the supplement rule;
- ``deadline``: the current appointed date moved by the supplement waiting time;
- ``working_days_left``: working days from `as_of`'s day to the deadline's day (open
  dossiers; negative once past);
- ``due_soon``: open, not overdue, not waiting for the applicant (status 5: the clock is
  stopped) and due within ``warn_days`` working days (0 = due today).

Working days come from the calendar's vectorised `count_working_days`. Dossiers without
an appointed date get the procedure's legal date (`appointed_dates`) when `procedures`
is given, and are otherwise left unjudged (``overdue`` False, ``reason`` ``no_due_date``).
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.lifecycle import DEFAULT_RULES, OneStopRules, appointed_dates
from parindex.dossiers.procedures import ProcedureCatalogue, procedures_frame

LIST_COLUMNS = [
    "unit_code",
    "dossier_code",
    "procedure_code",
    "status",
    "channel",
    "received_at",
    "due_at",
    "first_due_at",
    "end_at",
    "is_open",
    "overdue",
    "reason",
    "days_overdue",
    "deadline",
    "working_days_left",
    "due_soon",
]
_NAT = np.datetime64("NaT", "us")


def _ts(frame: pd.DataFrame, col: str) -> np.ndarray:
    if col not in frame.columns:
        return np.full(len(frame), _NAT)
    return pd.to_datetime(frame[col]).to_numpy(dtype="datetime64[us]", copy=True)


def _days(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[D]")


def flag_overdue(
    dossiers: pd.DataFrame,
    as_of: datetime,
    calendar: WorkCalendar,
    *,
    warn_days: int = 2,
    since: datetime | date | None = None,
    procedures: ProcedureCatalogue | pd.DataFrame | None = None,
    rules: OneStopRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Every received dossier (received by `as_of`) with its overdue / due-soon flags; with
    `since`, dossiers that ended before it are left out. Sorted by unit, overdue first,
    most days overdue first, then by deadline."""
    if warn_days < 0:
        raise ValueError("warn_days must be >= 0")
    d = dossiers.reset_index(drop=True)
    as_of64 = np.datetime64(pd.Timestamp(as_of), "us")
    received = _ts(d, "received_at")
    status = d["status"].to_numpy(dtype=np.int64)
    keep = ~np.isnat(received) & ~np.isin(status, (1, 3)) & (received <= as_of64)
    d = d[keep].reset_index(drop=True)
    received, status = received[keep], status[keep]

    fin = np.fmin(_ts(d, "processed_at"), _ts(d, "returned_at"))
    is_open = np.isnat(fin) | (fin > as_of64)
    end = np.where(is_open, as_of64, fin)
    sreq, sdone = _ts(d, "supplement_requested_at"), _ts(d, "supplement_completed_at")
    waiting = ~np.isnat(sreq) & (sreq < end)
    stop = np.where(np.isnat(sdone), end, np.minimum(sdone, end))
    wait = np.where(waiting, stop - sreq, np.timedelta64(0, "us"))
    adjusted = end - wait

    due = _ts(d, "due_at")
    first_due = np.where(np.isnat(_ts(d, "original_due_at")), due, _ts(d, "original_due_at"))
    no_due = np.isnat(first_due)
    if no_due.any() and procedures is not None and "procedure_code" in d.columns:
        p = procedures_frame(procedures).set_index("procedure_code")
        code = d["procedure_code"][no_due]
        channel = d["channel"].to_numpy()[no_due] if "channel" in d.columns else 1
        legal = appointed_dates(
            calendar,
            received[no_due],
            code.map(p["time_limit"]).to_numpy(),
            code.map(p["time_unit"]).to_numpy(),
            np.asarray(channel) == 2,
        )
        first_due[no_due] = legal  # no original date either: the current one is missing too
        due[no_due] = legal
        no_due = np.isnat(first_due)

    count = (
        d["supplement_count"].to_numpy(dtype=float)
        if "supplement_count" in d.columns
        else (~np.isnat(sreq)).astype(float)
    )
    supp_over = np.nan_to_num(count) > rules.max_supplements_on_time
    late = ~no_due & (adjusted > first_due)
    overdue = late | supp_over
    reason = np.select(
        [late & is_open, late, supp_over, no_due],
        ["open_past_due", "finished_late", "supplements", "no_due_date"],
        "",
    )

    days_overdue = np.zeros(len(d), dtype=np.int64)
    if late.any():
        days_overdue[late] = calendar.count_working_days(
            _days(first_due[late]), _days(adjusted[late])
        )
    deadline = np.where(np.isnat(due), _NAT, due + wait)
    left = np.full(len(d), np.nan)
    live = is_open & ~np.isnat(deadline)
    if live.any():
        today = np.full(int(live.sum()), np.datetime64(pd.Timestamp(as_of).date(), "D"))
        left[live] = calendar.count_working_days(today, _days(deadline[live]))
    due_soon = live & ~overdue & (status != 5) & (deadline >= as_of64) & (left <= warn_days)

    out = pd.DataFrame(
        {
            "unit_code": d["unit_code"].to_numpy(dtype=object),
            "dossier_code": d["dossier_code"].to_numpy(dtype=object),
            "procedure_code": (
                d["procedure_code"].to_numpy(dtype=object)
                if "procedure_code" in d.columns
                else None
            ),
            "status": status,
            "channel": d["channel"].to_numpy() if "channel" in d.columns else 1,
            "received_at": received,
            "due_at": due,
            "first_due_at": first_due,
            "end_at": np.where(is_open, _NAT, fin),
            "is_open": is_open,
            "overdue": overdue,
            "reason": reason,
            "days_overdue": days_overdue,
            "deadline": deadline,
            "working_days_left": pd.array(
                np.where(np.isnan(left), 0, left).astype(np.int64), dtype="Int64"
            ),
            "due_soon": due_soon,
        }
    )
    out.loc[np.isnan(left), "working_days_left"] = pd.NA
    if since is not None:
        since64 = np.datetime64(pd.Timestamp(since), "us")
        out = out[out["is_open"] | (out["end_at"] >= since64)]
    out = out.sort_values(
        ["unit_code", "overdue", "days_overdue", "deadline"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    return out.reset_index(drop=True)[LIST_COLUMNS]


def overdue_summary(flags: pd.DataFrame) -> pd.DataFrame:
    """Per unit: open dossiers, open and overdue, finished late, overdue by the supplement
    rule, due soon, and the most working days overdue."""
    f = flags
    g = pd.DataFrame(
        {
            "unit_code": f["unit_code"],
            "open": f["is_open"],
            "open_overdue": f["is_open"] & f["overdue"],
            "finished_late": ~f["is_open"] & (f["reason"] == "finished_late"),
            "supplements": f["reason"] == "supplements",
            "due_soon": f["due_soon"],
            "max_days_overdue": np.where(f["overdue"], f["days_overdue"], 0),
        }
    )
    out = g.groupby("unit_code", sort=True).agg(
        open=("open", "sum"),
        open_overdue=("open_overdue", "sum"),
        finished_late=("finished_late", "sum"),
        supplements=("supplements", "sum"),
        due_soon=("due_soon", "sum"),
        max_days_overdue=("max_days_overdue", "max"),
    )
    return out.astype(np.int64).reset_index()
