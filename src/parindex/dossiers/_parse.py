"""Vectorised parsing of text columns shared by the procedure catalogue and ingestion.

Every function takes a pandas Series (text as read from CSV/Excel/JSON, or already typed)
and returns the parsed values plus a boolean mask of cells that are present but invalid,
so callers can name each bad cell without a Python loop over the good ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRUE_WORDS = ("1", "true", "t", "yes", "y", "x", "có", "co", "đúng", "dung", "c")
FALSE_WORDS = ("0", "false", "f", "no", "n", "không", "khong", "k", "sai")

DATETIME_FORMATS = (
    "%Y%m%d%H%M%S",  # the portal's yyyyMMddHHmmss
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y",
)
#: the shape of each format (the cells each parser is tried on)
_SHAPES = (
    r"\d{14}",
    r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}",
    r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}",
    r"\d{1,2}/\d{1,2}/\d{4}",
    r"\d{1,2}-\d{1,2}-\d{4} \d{1,2}:\d{2}:\d{2}",
    r"\d{1,2}-\d{1,2}-\d{4}",
)
LOCAL_TZ = "Asia/Ho_Chi_Minh"
_OFFSET_RE = r"(?:[+-]\d\d:?\d\d|Z)$"


def text(series: pd.Series) -> pd.Series:
    """Cells as stripped text, "" for missing (None, NaN, NA); whole floats (from JSON or
    Excel) print without ".0"."""
    if pd.api.types.is_float_dtype(series):
        v = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(v)
        whole = finite & (v == np.floor(np.where(finite, v, 0)))
        ints = np.where(whole, v, 0).astype(np.int64).astype(str)
        out = np.where(whole, ints, np.where(finite, v.astype(str), ""))
        return pd.Series(out, index=series.index, dtype=object)
    if series.dtype != object and pd.api.types.is_string_dtype(series):
        return series.fillna("").str.strip()  # Arrow-backed text stays Arrow-backed (fast)
    out = series.astype(object).where(series.notna(), "")
    return out.astype(str).str.strip()


def booleans(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Yes/no cells → nullable boolean; "" → NA. Accepts 1/0, true/false, có/không, x."""
    t = text(series).str.lower()
    is_true = t.isin(TRUE_WORDS).to_numpy()
    is_false = t.isin(FALSE_WORDS).to_numpy()
    empty = (t == "").to_numpy()
    out = pd.array(np.where(is_true, True, False), dtype="boolean")
    out[~(is_true | is_false)] = pd.NA
    bad = ~(is_true | is_false | empty)
    return pd.Series(out, index=series.index), bad


def numbers(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Numeric cells (decimal comma accepted) → float64 with NaN for empty; bad = not a
    number. Columns with few distinct texts (statuses, channels) parse each text once."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        return values, np.zeros(len(series), dtype=bool)
    t = text(series)
    codes, uniques = pd.factorize(t)
    if len(uniques) * 4 < len(t):
        u = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        parsed = pd.to_numeric(u.str.replace(",", ".", regex=False), errors="coerce")
        pv = parsed.to_numpy(dtype="float64")
        ubad = np.isnan(pv) & (u != "").to_numpy()
        values = pv[codes] if len(pv) else np.full(len(t), np.nan)
        bad = ubad[codes] if len(pv) else np.zeros(len(t), dtype=bool)
        return pd.Series(values, index=series.index), bad
    values = pd.to_numeric(t.str.replace(",", ".", regex=False), errors="coerce").astype("float64")
    bad = (values.isna() & (t != "")).to_numpy()
    return values, bad


def whole_numbers(
    series: pd.Series, lo: int | None = None, hi: int | None = None
) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers within [lo, hi] → float64 (NaN for empty); bad = anything else."""
    values, bad = numbers(series)
    v = values.to_numpy()
    with np.errstate(invalid="ignore"):
        present = ~np.isnan(v)
        wrong = present & ((v != np.floor(v)) | ~np.isfinite(v))
        if lo is not None:
            wrong |= present & (v < lo)
        if hi is not None:
            wrong |= present & (v > hi)
    return values, bad | wrong


def datetimes(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Date-times in the accepted formats → naive local datetime64[us] (NaT for empty).

    Formats, tried in order on the cells still unparsed: the portal's ``yyyyMMddHHmmss``,
    ``dd/mm/yyyy HH:MM:SS``, ``dd/mm/yyyy HH:MM``, ``dd/mm/yyyy`` (also with ``-``), then
    ISO 8601 (``yyyy-mm-dd[ HH:MM[:SS[.ffffff]]]``, ``T`` accepted). A cell with a UTC
    offset (``+07:00``, ``Z``) is converted to Vietnam time; naive cells are taken as
    Vietnam time already. Each format is one vectorised `pd.to_datetime` call on the cells
    left, so a file in one format costs one pass.
    """
    n = len(series)
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
        return values.astype("datetime64[us]"), np.zeros(n, dtype=bool)
    t = text(series).reset_index(drop=True)
    res = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    todo = (t != "").to_numpy(dtype=bool).copy()

    def attempt(pos: np.ndarray, **kwargs) -> None:
        sub = t if len(pos) == n else t.iloc[pos]
        parsed = pd.to_datetime(sub, errors="coerce", **kwargs)
        ok = parsed.notna().to_numpy(dtype=bool)
        if ok.any():
            good = parsed[ok]
            if getattr(good.dt, "tz", None) is not None:
                good = good.dt.tz_convert(LOCAL_TZ).dt.tz_localize(None)
            res[pos[ok]] = good.to_numpy().astype("datetime64[us]")
            todo[pos[ok]] = False

    for fmt, shape in zip(DATETIME_FORMATS, _SHAPES, strict=True):
        pos = np.flatnonzero(todo)
        if not len(pos):
            break
        sub = t if len(pos) == n else t.iloc[pos]
        fits = sub.str.fullmatch(shape).fillna(False).to_numpy(dtype=bool)
        if fits.any():  # parse only the cells shaped like the format: no slow failures
            attempt(pos[fits], format=fmt)
    pos = np.flatnonzero(todo)
    if len(pos):
        offset = t.iloc[pos].str.contains(_OFFSET_RE, regex=True).to_numpy(dtype=bool)
        if (~offset).any():
            attempt(pos[~offset], format="ISO8601")
        if offset.any():
            attempt(pos[offset], format="ISO8601", utc=True)
    return pd.Series(res, index=series.index), todo


def first_bad(mask: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the first `limit` True cells of `mask`."""
    return np.flatnonzero(mask)[:limit]
