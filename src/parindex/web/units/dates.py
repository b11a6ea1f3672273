"""Dates as people type them in unit files; no Django here, so the CLI can check options early."""

from __future__ import annotations

import datetime as dt

DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d-%m-%Y")


def parse_date(text: str) -> dt.date:
    """ISO (2025-07-01), Excel's "2025-07-01 00:00:00", or Vietnamese 01/07/2025."""
    text = str(text).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY")
