"""The procedure catalogue (thủ tục hành chính, TTHC) as data.

A procedure record holds what the dossier rules need: the national code (``1.001234``;
the long localised form ``1.001234.000.00.00.H44`` is accepted too), the name, the field
(lĩnh vực), the levels that perform it, the legal time limit and its unit (``working_days``,
``days`` or ``hours`` — see `parindex.dossiers.calendar` for how each is counted), whether
it has fees, the channels it accepts, whether a paper result is required, whether a result
document is issued at all, and its online service level.

Table columns (CSV/Excel header; case-insensitive; the national/Vietnamese alias in
brackets is accepted as well):

=================  =========================================================================
code               required (MaTTHC). National code ``d.dddddd`` (optionally ``.ddd.dd.dd.X``)
name               required (TenTTHC)
field              lĩnh vực (LinhVuc); optional
levels             performing levels (CapThucHien): ``province``, ``ministry``, ``district``,
                   ``commune`` (or Vietnamese: Cấp tỉnh, Cấp bộ, Cấp huyện, Cấp xã), separated
                   by ``;`` or ``,``; optional
time_limit         required (ThoiHanGiaiQuyet): number ≥ 0, decimal comma accepted; empty =
                   no statutory limit (then only the dossier's own appointed date counts)
time_unit          required when time_limit is given (DonViThoiHan): ``working_days`` | ``days``
                   | ``hours`` (or ngày làm việc | ngày | giờ); a limit in days must be whole
has_fee            fees or charges (CoPhiLePhi): yes/no (1/0, true/false, có/không); empty = no
channels           channels accepted (KenhThucHien): 1/2/3 or in_person/online/post (trực
                   tiếp/trực tuyến/bưu chính), separated by ``;`` or ``,``; empty = unknown
paper_result       a paper result is required (YeuCauKetQuaGiay): yes/no; empty = no
result_document    a result document is issued (CoKetQua): yes/no; empty = yes (metric 4.1)
online_level       MucDo: ``full`` | ``partial`` | ``none`` (toàn trình | một phần | không),
                   or the legacy levels 4 → full, 3 → partial, 2 and 1 → none; empty = none
=================  =========================================================================

`procedures_from_frame` checks every cell and raises one `InputError` naming each bad row
and column (rows counted as in the file: the header is row 1); nothing is half-loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from parindex.dossiers import _parse
from parindex.dossiers.calendar import TIME_UNITS
from parindex.errors import InputError, Problem

ONLINE_LEVELS = ("full", "partial", "none")
LEVELS = ("ministry", "province", "district", "commune")
CHANNEL_CODES = {1: "in_person", 2: "online", 3: "post"}
CODE_RE = r"^\d\.\d{6}(?:\.\d{3}\.\d{2}\.\d{2}\.[A-Za-z]\d{2})?$"

COLUMNS = (
    "code",
    "name",
    "field",
    "levels",
    "time_limit",
    "time_unit",
    "has_fee",
    "channels",
    "paper_result",
    "result_document",
    "online_level",
)
ALIASES = {
    "matthc": "code",
    "ma_tthc": "code",
    "procedure_code": "code",
    "tentthc": "name",
    "ten_tthc": "name",
    "linhvuc": "field",
    "linh_vuc": "field",
    "capthuchien": "levels",
    "cap_thuc_hien": "levels",
    "thoihangiaiquyet": "time_limit",
    "thoi_han": "time_limit",
    "donvithoihan": "time_unit",
    "don_vi_thoi_han": "time_unit",
    "cophilephi": "has_fee",
    "kenhthuchien": "channels",
    "yeucauketquagiay": "paper_result",
    "coketqua": "result_document",
    "mucdo": "online_level",
    "muc_do": "online_level",
}
REQUIRED = ("code", "name", "time_limit", "time_unit")

_UNIT_WORDS = {
    "working_days": "working_days",
    "working days": "working_days",
    "ngày làm việc": "working_days",
    "ngay lam viec": "working_days",
    "days": "days",
    "ngày": "days",
    "ngay": "days",
    "calendar_days": "days",
    "hours": "hours",
    "giờ": "hours",
    "gio": "hours",
    "giờ làm việc": "hours",
}
_LEVEL_WORDS = {
    "ministry": "ministry",
    "bộ": "ministry",
    "cấp bộ": "ministry",
    "trung ương": "ministry",
    "province": "province",
    "tỉnh": "province",
    "cấp tỉnh": "province",
    "district": "district",
    "huyện": "district",
    "cấp huyện": "district",
    "commune": "commune",
    "xã": "commune",
    "cấp xã": "commune",
}
_CHANNEL_WORDS = {
    "1": 1,
    "in_person": 1,
    "trực tiếp": 1,
    "truc tiep": 1,
    "2": 2,
    "online": 2,
    "trực tuyến": 2,
    "truc tuyen": 2,
    "3": 3,
    "post": 3,
    "bưu chính": 3,
    "bưu chính công ích": 3,
    "buu chinh": 3,
}
_ONLINE_WORDS = {
    "full": "full",
    "toàn trình": "full",
    "toan trinh": "full",
    "4": "full",
    "partial": "partial",
    "một phần": "partial",
    "mot phan": "partial",
    "3": "partial",
    "none": "none",
    "không": "none",
    "khong": "none",
    "2": "none",
    "1": "none",
    "": "none",
}


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    time_limit: float | None  # None: no statutory limit
    time_unit: str  # working_days | days | hours
    field: str = ""
    levels: tuple[str, ...] = ()
    has_fee: bool = False
    channels: tuple[int, ...] = ()  # 1 in person, 2 online, 3 post; () unknown
    paper_result: bool = False
    result_document: bool = True
    online_level: str = "none"  # full | partial | none


class ProcedureCatalogue:
    """Procedures by code (the national code, as given)."""

    def __init__(self, procedures: Iterable[Procedure] = ()):
        self._by_code = {p.code: p for p in procedures}

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Procedure | None:
        return self._by_code.get(code)

    def __getitem__(self, code: str) -> Procedure:
        return self._by_code[code]

    def frame(self) -> pd.DataFrame:
        """One row per procedure with typed columns, the shape `compute_metrics` joins:
        procedure_code, name, field, levels, time_limit, time_unit, has_fee, channels,
        paper_result, result_document, online_level."""
        ps = list(self)
        return pd.DataFrame(
            {
                "procedure_code": pd.Series([p.code for p in ps], dtype=object),
                "name": pd.Series([p.name for p in ps], dtype=object),
                "field": pd.Series([p.field for p in ps], dtype=object),
                "levels": pd.Series([";".join(p.levels) for p in ps], dtype=object),
                "time_limit": pd.Series(
                    [np.nan if p.time_limit is None else p.time_limit for p in ps], dtype=float
                ),
                "time_unit": pd.Series([p.time_unit for p in ps], dtype=object),
                "has_fee": pd.Series([p.has_fee for p in ps], dtype=bool),
                "channels": pd.Series(
                    [";".join(str(c) for c in p.channels) for p in ps], dtype=object
                ),
                "paper_result": pd.Series([p.paper_result for p in ps], dtype=bool),
                "result_document": pd.Series([p.result_document for p in ps], dtype=bool),
                "online_level": pd.Series([p.online_level for p in ps], dtype=object),
            }
        )


def _canonical_columns(frame: pd.DataFrame) -> dict[str, str]:
    """Canonical name → the frame's column holding it (first match wins)."""
    out: dict[str, str] = {}
    for col in frame.columns:
        key = str(col).strip().lower()
        name = key if key in COLUMNS else ALIASES.get(key.replace(" ", ""), ALIASES.get(key))
        if name and name not in out:
            out[name] = col
    return out


def _split(text: str) -> list[str]:
    return [p.strip().lower() for p in re.split(r"[;,]", text) if p.strip()]


def procedures_from_frame(frame: pd.DataFrame, source: str = "procedures") -> ProcedureCatalogue:
    """Parse and validate a procedure table (see the module docstring for the columns).

    Raises one `InputError` listing every problem (row = CSV/Excel row, header = row 1).
    """
    cols = _canonical_columns(frame)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InputError(
            [Problem(source, "header", c, "required column is missing") for c in missing]
        )
    frame = frame.reset_index(drop=True)
    n = len(frame)
    rows = np.arange(n) + 2
    problems: list[Problem] = []

    def col(name: str) -> pd.Series:
        if name in cols:
            return _parse.text(frame[cols[name]])
        return pd.Series([""] * n, dtype=object)

    def report(mask: np.ndarray, field: str, message) -> None:
        for i in np.flatnonzero(mask):
            msg = message if isinstance(message, str) else message(i)
            problems.append(Problem(source, f"row {rows[i]}", field, msg))

    code = col("code")
    name = col("name")
    report((code == "").to_numpy(), "code", "required")
    bad_code = ((code != "") & ~code.str.match(CODE_RE)).to_numpy()
    report(
        bad_code, "code", lambda i: f"'{code[i]}' is not a national procedure code (e.g. 1.001234)"
    )
    dup = (code.duplicated(keep="first") & (code != "")).to_numpy()
    if dup.any():
        first_row = pd.Series(rows).groupby(code.to_numpy()).transform("first").to_numpy()
        report(dup, "code", lambda i: f"'{code[i]}' already listed in row {first_row[i]}")
    report((name == "").to_numpy(), "name", "required")

    limit, bad_limit = _parse.numbers(col("time_limit"))
    lim = limit.to_numpy()
    report(bad_limit, "time_limit", lambda i: f"'{col('time_limit')[i]}' is not a number")
    with np.errstate(invalid="ignore"):
        negative = ~np.isnan(lim) & ((lim < 0) | ~np.isfinite(lim))
    report(negative, "time_limit", lambda i: f"{lim[i]:g} must be a finite number >= 0")

    unit_text = col("time_unit").str.lower()
    unit = unit_text.map(lambda s: _UNIT_WORDS.get(s, "")).astype(object)
    has_limit = ~np.isnan(lim)
    report(
        ((unit_text != "") & (unit == "")).to_numpy(),
        "time_unit",
        lambda i: f"'{unit_text[i]}' is not one of {', '.join(TIME_UNITS)}",
    )
    report(has_limit & (unit_text == "").to_numpy(), "time_unit", "required with a time limit")
    fractional_days = (
        has_limit & (unit == "days").to_numpy() & (lim != np.floor(np.nan_to_num(lim)))
    )
    report(fractional_days, "time_limit", lambda i: f"{lim[i]:g} calendar days must be whole")

    flags: dict[str, pd.Series] = {}
    for flag, default in (("has_fee", False), ("paper_result", False), ("result_document", True)):
        values, bad = _parse.booleans(col(flag))
        report(bad, flag, lambda i, f=flag: f"'{col(f)[i]}' is not yes/no (1/0, có/không)")
        flags[flag] = values.fillna(default).astype(bool)

    level_texts = col("levels")
    channel_texts = col("channels")
    online_texts = col("online_level").str.lower()
    levels: list[tuple[str, ...]] = []
    channels: list[tuple[int, ...]] = []
    online: list[str] = []
    for i in range(n):  # short lists per procedure; catalogues have thousands of rows, not millions
        parts = _split(level_texts[i])
        unknown = [p for p in parts if p not in _LEVEL_WORDS]
        if unknown:
            problems.append(
                Problem(
                    source, f"row {rows[i]}", "levels", f"unknown level(s) {', '.join(unknown)}"
                )
            )
        levels.append(tuple(dict.fromkeys(_LEVEL_WORDS[p] for p in parts if p in _LEVEL_WORDS)))
        parts = _split(channel_texts[i])
        unknown = [p for p in parts if p not in _CHANNEL_WORDS]
        if unknown:
            problems.append(
                Problem(
                    source, f"row {rows[i]}", "channels", f"unknown channel(s) {', '.join(unknown)}"
                )
            )
        channels.append(tuple(sorted({_CHANNEL_WORDS[p] for p in parts if p in _CHANNEL_WORDS})))
        level = _ONLINE_WORDS.get(online_texts[i])
        if level is None:
            problems.append(
                Problem(
                    source,
                    f"row {rows[i]}",
                    "online_level",
                    f"'{online_texts[i]}' is not one of full, partial, none (or 2/3/4)",
                )
            )
        online.append(level or "none")

    if problems:
        raise InputError(problems)
    field = col("field")
    return ProcedureCatalogue(
        Procedure(
            code=code[i],
            name=name[i],
            time_limit=None if np.isnan(lim[i]) else float(lim[i]),
            time_unit=unit[i] or "working_days",
            field=field[i],
            levels=levels[i],
            has_fee=bool(flags["has_fee"][i]),
            channels=channels[i],
            paper_result=bool(flags["paper_result"][i]),
            result_document=bool(flags["result_document"][i]),
            online_level=online[i],
        )
        for i in range(n)
    )


def procedures_frame(procedures: ProcedureCatalogue | pd.DataFrame | None) -> pd.DataFrame:
    """The typed join table of `procedures` (a catalogue, or a table to parse)."""
    if procedures is None:
        return ProcedureCatalogue().frame()
    if isinstance(procedures, pd.DataFrame):
        if "procedure_code" in procedures.columns and "paper_result" in procedures.columns:
            return procedures
        procedures = procedures_from_frame(procedures)
    return procedures.frame()
