"""Ingestion of dossier records exported by one-stop-shop systems (CSV, Excel, JSON).

`validate_records(frame, source)` turns a table of text cells (national field names) into
a typed, snake_case table — all vectorised: no Python loop per record; a loop runs only
over the rejected records to name their problems — and returns the records it cannot
accept as `RecordProblem`s naming the record (``row N`` as in the file, the header being
row 1; ``record N`` for JSON) and the field. A record with any problem is rejected
whole; every other record is kept. A Django layer calls the same function on the records
it receives and hands the result to the same store.

Fields accepted
---------------
Column names are matched case-insensitively; the snake_case names of the output are
accepted too (a normalised table re-imports as is). Columns not listed are ignored (they
are listed in ``valid.attrs["ignored_columns"]``). "Std" marks the fields of the national
synchronisation standard; the others are extras systems commonly export.

=========================  =======================  ===  ==================================
field (output column)      column (aliases)         std  meaning and rule
=========================  =======================  ===  ==================================
dossier_code               MaHoSo                   yes  required; the dossier code
                                                         (``<unit>-YYMMDD-XXXX``, Circular
                                                         01/2018 Art. 19; other codes are
                                                         accepted); the key of the store
unit_code                  MaDonVi (MaCoQuan,       no   receiving unit; when empty, the
                           MaDonViTiepNhan)              unit part of a standard MaHoSo
procedure_code             MaTTHC                   yes  national procedure code
received_at                NgayTiepNhan             yes  receipt moment; required unless
                                                         the status is 1, 3 or 7
due_at                     NgayHenTra               yes  appointed return date (current)
original_due_at            NgayHenTraBanDau         no   first appointed date of a
                                                         rescheduled dossier (≤ NgayHenTra)
reschedule_count           SoLanHenLai              no   times the date was rescheduled
processed_at               NgayKetThucXuLy          yes  end of processing (also the date of
                                                         a stop, refusal or withdrawal)
returned_at                NgayTra                  yes  result returned (≥ NgayKetThucXuLy)
channel                    KenhThucHien             yes  1 in person (empty = 1), 2 online,
                                                         3 public postal service
status                     TrangThaiHoSo            yes  required, 1–10 (see lifecycle)
paid_online                DuocThanhToanTrucTuyen   yes  0/empty not online, 1 national
                                                         payment platform, 2 ministry/
                                                         province payment portal
has_fee                    CoPhiLePhi               no   a financial obligation (fees);
                           (CoNghiaVuTaiChinh)           empty = decided by PhiLePhi > 0,
                                                         else by the procedure catalogue
fee_amount                 PhiLePhi (TongPhiLePhi)  yes  fees and charges, VND, ≥ 0
supplement_requested_at    NgayYeuCauBoSung         no   (last) supplement request
supplement_completed_at    NgayBoSungXong           no   supplement received (needs a
                           (NgayHoanThanhBoSung)         request; not before it)
supplement_count           SoLanBoSung              no   supplement requests (empty: 1 with
                                                         NgayYeuCauBoSung, else 0)
result_electronic          CoKetQuaDienTu           no   electronic result issued (4.1, 3.3)
digitized                  DaSoHoa                  no   dossier components digitised (4.2)
reused_data                TaiSuDungDuLieu          no   re-used digitised data (4.3)
shared_data                KhaiThacDuLieu           no   component taken from the citizen's
                                                         data store / e-result synced (4.4)
citizen_data               SuDungCSDLDanCu          no   used the population database (4.5b)
synced                     DaDongBo                 no   synchronised to the portal (1.4)
complaint                  CoPhanAnh (KhongHaiLong) no   a complaint or "dislike" (5.4)
receipt_month              (derived)                     yyyymm of receipt (else of the
                                                         code's date; 0 when neither): the
                                                         store's partition
=========================  =======================  ===  ==================================

Yes/no cells: 1/0, true/false, có/không, x/empty; empty = unknown (NULL). Date-times: see
`parindex.dossiers._parse.datetimes` (``yyyyMMddHHmmss``, ``dd/mm/yyyy HH:MM:SS``,
``dd/mm/yyyy``, ISO 8601; offsets converted to Vietnam time; stored naive, Vietnam time).

Codes (MaHoSo, MaDonVi, MaTTHC) are at most 100 characters, so that every accepted record
fits the web database's columns as well as the Parquet store.

Consistency rules (a record breaking one is rejected with the reason): NgayHenTra,
NgayKetThucXuLy, NgayTra and NgayYeuCauBoSung not before NgayTiepNhan; NgayTra not before
NgayKetThucXuLy; status 9 needs NgayKetThucXuLy, 10 needs NgayTra, 7/8 after receipt need
one of them; the open statuses 2, 4, 5 must not carry either; NgayBoSungXong needs
NgayYeuCauBoSung and is not before it; SoLanBoSung ≥ 1 when NgayYeuCauBoSung is given.

Personal data (applicant name, ID) is not taken into the store.

Within one batch a dossier code given twice keeps its last record (the later export is
the newer state); ``valid.attrs["duplicates"]`` counts the earlier ones dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from parindex.dossiers import _parse
from parindex.dossiers.lifecycle import CODE_PATTERN
from parindex.errors import InputError, Problem


@dataclass(frozen=True)
class Field:
    name: str
    column: str
    kind: str  # text | datetime | int8 | int16 | bool | float
    standard: bool
    aliases: tuple[str, ...] = ()


FIELDS: tuple[Field, ...] = (
    Field("dossier_code", "MaHoSo", "text", True),
    Field("unit_code", "MaDonVi", "text", False, ("MaCoQuan", "MaDonViTiepNhan")),
    Field("procedure_code", "MaTTHC", "text", True),
    Field("received_at", "NgayTiepNhan", "datetime", True),
    Field("due_at", "NgayHenTra", "datetime", True),
    Field("original_due_at", "NgayHenTraBanDau", "datetime", False),
    Field("reschedule_count", "SoLanHenLai", "int8", False),
    Field("processed_at", "NgayKetThucXuLy", "datetime", True),
    Field("returned_at", "NgayTra", "datetime", True),
    Field("channel", "KenhThucHien", "int8", True),
    Field("status", "TrangThaiHoSo", "int8", True),
    Field("paid_online", "DuocThanhToanTrucTuyen", "int8", True),
    Field("has_fee", "CoPhiLePhi", "bool", False, ("CoNghiaVuTaiChinh",)),
    Field("fee_amount", "PhiLePhi", "float", True, ("TongPhiLePhi",)),
    Field("supplement_requested_at", "NgayYeuCauBoSung", "datetime", False),
    Field("supplement_completed_at", "NgayBoSungXong", "datetime", False, ("NgayHoanThanhBoSung",)),
    Field("supplement_count", "SoLanBoSung", "int16", False),
    Field("result_electronic", "CoKetQuaDienTu", "bool", False),
    Field("digitized", "DaSoHoa", "bool", False),
    Field("reused_data", "TaiSuDungDuLieu", "bool", False),
    Field("shared_data", "KhaiThacDuLieu", "bool", False),
    Field("citizen_data", "SuDungCSDLDanCu", "bool", False),
    Field("synced", "DaDongBo", "bool", False),
    Field("complaint", "CoPhanAnh", "bool", False, ("KhongHaiLong",)),
)
FIELD_BY_NAME = {f.name: f for f in FIELDS}
COLUMNS: tuple[str, ...] = (*(f.name for f in FIELDS), "receipt_month")
REQUIRED_COLUMNS = ("dossier_code", "status")
MAX_CODE_LENGTH = 100  # dossier, unit and procedure codes (the database columns' size)
OPEN_WITHOUT_END = (2, 4, 5)
_INT_RANGES = {
    "status": (1, 10),
    "channel": (1, 3),
    "paid_online": (0, 2),
    "supplement_count": (0, 1000),
    "reschedule_count": (0, 100),
}
_PANDAS_DTYPES = {
    "text": "object",
    "datetime": "datetime64[us]",
    "int8": "int8",
    "int16": "int16",
    "bool": "boolean",
    "float": "float64",
}


def empty_frame() -> pd.DataFrame:
    """A valid table with no records (every column, with its type)."""
    cols = {f.name: pd.Series([], dtype=_PANDAS_DTYPES[f.kind]) for f in FIELDS}
    cols["receipt_month"] = pd.Series([], dtype="int32")
    return pd.DataFrame(cols)


def arrow_schema():
    """The store's Parquet schema (pyarrow)."""
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "datetime": pa.timestamp("us"),
        "int8": pa.int8(),
        "int16": pa.int16(),
        "bool": pa.bool_(),
        "float": pa.float64(),
    }
    fields = [pa.field(f.name, types[f.kind], nullable=True) for f in FIELDS]
    fields.append(pa.field("receipt_month", pa.int32(), nullable=False))
    return pa.schema(fields)


@dataclass(frozen=True)
class RecordProblem(Problem):
    """A problem of one record; `position` is its 0-based position in the batch."""

    position: int = -1


def _match_columns(frame: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    lookup: dict[str, str] = {}
    for f in FIELDS:
        for name in (f.column, *f.aliases, f.name):
            lookup.setdefault(name.lower(), f.name)
    lookup["receipt_month"] = "receipt_month"
    matched: dict[str, str] = {}
    ignored: list[str] = []
    for col in frame.columns:
        key = lookup.get(str(col).strip().lower())
        if key is None or key in matched or key == "receipt_month":
            if key != "receipt_month":
                ignored.append(str(col))
            continue
        matched[key] = col
    return matched, ignored


def validate_records(
    frame: pd.DataFrame,
    source: str = "dossiers",
    *,
    first_row: int = 2,
    row_label: str = "row",
    dedupe: bool = True,
    max_problems: int | None = None,
) -> tuple[pd.DataFrame, list[RecordProblem]]:
    """Validate and normalise dossier records (see the module docstring).

    Returns ``(valid, rejected)``: the accepted records as typed snake_case columns
    (`COLUMNS`, in that order; index 0..n-1) and one `RecordProblem` per problem of every
    rejected record, located ``f"{row_label} {position + first_row}"``. A missing required
    column (MaHoSo, TrangThaiHoSo) is a problem of the file, raised as `InputError`.
    `max_problems` bounds the problems described (every bad record is still rejected).
    """
    matched, ignored = _match_columns(frame)
    missing = [FIELD_BY_NAME[c].column for c in REQUIRED_COLUMNS if c not in matched]
    if missing:
        raise InputError(
            [Problem(source, "header", c, "required column is missing") for c in missing]
        )
    frame = frame.reset_index(drop=True)
    n = len(frame)
    bad = np.zeros(n, dtype=bool)
    found: list[tuple[int, str, np.ndarray, object]] = []  # (order, field, positions, message)

    def check(mask: np.ndarray, field_name: str, message) -> None:
        """Reject the records of `mask`; `message` is a str or a function of a position."""
        nonlocal bad
        if mask.any():
            bad |= mask
            found.append((len(found), field_name, np.flatnonzero(mask), message))

    def raw(name: str) -> pd.Series:
        if name in matched:
            return frame[matched[name]]
        return pd.Series([""] * n, dtype=object)

    def column_label(name: str) -> str:
        return str(matched.get(name, FIELD_BY_NAME[name].column))

    out: dict[str, object] = {}
    texts: dict[str, pd.Series] = {}
    wrong_of: dict[str, np.ndarray] = {}
    no_problem = np.zeros(n, dtype=bool)
    for f in FIELDS:
        label = column_label(f.name)
        if f.name not in matched:  # absent column: all empty, nothing to parse
            wrong_of[f.name] = no_problem
            if f.kind == "text":
                texts[f.name] = pd.Series(np.full(n, "", dtype=object), dtype=object)
                out[f.name] = texts[f.name]
            elif f.kind == "datetime":
                out[f.name] = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
            elif f.kind == "bool":
                out[f.name] = pd.array(np.zeros(n, dtype=bool), dtype="boolean")
                out[f.name][:] = pd.NA
            else:
                out[f.name] = np.full(n, np.nan)
            continue
        series = raw(f.name)
        if f.kind == "text":
            values = _parse.text(series)
            texts[f.name] = values
            out[f.name] = values
        elif f.kind == "datetime":
            values, wrong = _parse.datetimes(series)
            wrong_of[f.name] = wrong
            check(
                wrong,
                label,
                lambda i, s=series: (
                    f"'{_cell(s, i)}' is not a date-time "
                    "(yyyyMMddHHmmss, dd/mm/yyyy HH:MM:SS, dd/mm/yyyy or ISO 8601)"
                ),
            )
            out[f.name] = values.to_numpy()
        elif f.kind in ("int8", "int16"):
            lo, hi = _INT_RANGES[f.name]
            values, wrong = _parse.whole_numbers(series, lo, hi)
            wrong_of[f.name] = wrong
            check(
                wrong,
                label,
                lambda i, s=series, lo=lo, hi=hi: (
                    f"'{_cell(s, i)}' is not a whole number {lo}–{hi}"
                ),
            )
            out[f.name] = values.to_numpy()
        elif f.kind == "bool":
            values, wrong = _parse.booleans(series)
            check(
                wrong, label, lambda i, s=series: f"'{_cell(s, i)}' is not yes/no (1/0, có/không)"
            )
            out[f.name] = values.array
        else:  # float
            values, wrong = _parse.numbers(series)
            v = values.to_numpy()
            with np.errstate(invalid="ignore"):
                wrong = wrong | (~np.isnan(v) & ((v < 0) | ~np.isfinite(v)))
            check(wrong, label, lambda i, s=series: f"'{_cell(s, i)}' is not an amount >= 0")
            out[f.name] = v

    code = texts["dossier_code"]
    check((code == "").to_numpy(), column_label("dossier_code"), "required")
    check(
        _has_space(code) | (code.str.len() > MAX_CODE_LENGTH).to_numpy(),
        column_label("dossier_code"),
        lambda i: f"'{code[i]}' is not a dossier code (spaces, or longer than 100 characters)",
    )

    # unit: MaDonVi, else the unit part of a standard code; the code's date for the month
    unit = texts["unit_code"]
    need_code = ((unit == "").to_numpy() | np.isnat(out["received_at"])) & (code != "").to_numpy()
    code_unit = np.full(n, "", dtype=object)
    code_month = np.zeros(n, dtype=np.int64)
    if need_code.any():  # parse the code only where it supplies the unit or the month
        pos = np.flatnonzero(need_code)
        parts = code.iloc[pos].str.extract(CODE_PATTERN)
        day = pd.to_datetime(parts["date"], format="%y%m%d", errors="coerce")
        code_unit[pos] = parts["unit"].fillna("").to_numpy(dtype=object)
        code_month[pos] = (day.dt.year * 100 + day.dt.month).fillna(0).to_numpy(dtype=np.int64)
    unit = unit.where(unit != "", pd.Series(code_unit, index=unit.index))
    out["unit_code"] = unit
    check(
        (unit == "").to_numpy() & (code != "").to_numpy(),
        column_label("unit_code"),
        "required (MaDonVi, or a dossier code <unit>-YYMMDD-XXXX)",
    )
    proc = texts["procedure_code"]
    for name, values in (("unit_code", unit), ("procedure_code", proc)):
        check(
            (values.str.len() > MAX_CODE_LENGTH).fillna(False).to_numpy(dtype=bool),
            column_label(name),
            lambda i, v=values: f"'{v.iloc[i][:40]}…' is longer than {MAX_CODE_LENGTH} characters",
        )
    out["procedure_code"] = proc.where(proc != "", None)

    status = out["status"]
    st = np.nan_to_num(status, nan=0).astype(np.int64)
    check(np.isnan(status) & ~wrong_of["status"], column_label("status"), "required")
    out["channel"] = np.where(np.isnan(out["channel"]), 1, out["channel"])
    out["paid_online"] = np.where(np.isnan(out["paid_online"]), 0, out["paid_online"])
    out["reschedule_count"] = np.where(
        np.isnan(out["reschedule_count"]), 0, out["reschedule_count"]
    )

    received, due = out["received_at"], out["due_at"]
    processed, returned = out["processed_at"], out["returned_at"]
    s_req, s_done = out["supplement_requested_at"], out["supplement_completed_at"]
    has = {
        k: ~np.isnat(v) for k, v in out.items() if isinstance(v, np.ndarray) and v.dtype.kind == "M"
    }

    check(
        ~has["received_at"] & ~wrong_of["received_at"] & ~np.isin(st, (0, 1, 3, 7)),
        column_label("received_at"),
        lambda i: f"required for status {st[i]}",
    )
    for name in ("due_at", "processed_at", "returned_at", "supplement_requested_at"):
        check(
            has[name] & has["received_at"] & (out[name] < received),
            column_label(name),
            lambda i, name=name: (
                f"{_fmt(out[name][i])} is before {column_label('received_at')} {_fmt(received[i])}"
            ),
        )
    check(
        has["returned_at"] & has["processed_at"] & (returned < processed),
        column_label("returned_at"),
        lambda i: (
            f"{_fmt(returned[i])} is before {column_label('processed_at')} {_fmt(processed[i])}"
        ),
    )
    check(
        has["original_due_at"] & has["due_at"] & (out["original_due_at"] > due),
        column_label("original_due_at"),
        lambda i: (
            f"{_fmt(out['original_due_at'][i])} is after {column_label('due_at')} {_fmt(due[i])}"
        ),
    )
    ended = has["processed_at"] | has["returned_at"]
    check(
        (st == 9) & ~has["processed_at"] & ~wrong_of["processed_at"],
        column_label("processed_at"),
        "required for status 9 (processed)",
    )
    check(
        (st == 10) & ~has["returned_at"] & ~wrong_of["returned_at"],
        column_label("returned_at"),
        "required for status 10 (returned)",
    )
    check(
        np.isin(st, (7, 8))
        & has["received_at"]
        & ~ended
        & ~wrong_of["processed_at"]
        & ~wrong_of["returned_at"],
        column_label("processed_at"),
        lambda i: f"status {st[i]} ends processing: give its date ({column_label('processed_at')})",
    )
    check(
        np.isin(st, OPEN_WITHOUT_END) & ended,
        column_label("status"),
        lambda i: (
            f"status {st[i]} is open but the dossier has an end date "
            f"({column_label('processed_at')}/{column_label('returned_at')})"
        ),
    )
    check(
        has["supplement_completed_at"] & ~has["supplement_requested_at"],
        column_label("supplement_completed_at"),
        f"given without {column_label('supplement_requested_at')}",
    )
    check(
        has["supplement_completed_at"] & has["supplement_requested_at"] & (s_done < s_req),
        column_label("supplement_completed_at"),
        lambda i: (
            f"{_fmt(s_done[i])} is before {column_label('supplement_requested_at')} {_fmt(s_req[i])}"
        ),
    )
    count = out["supplement_count"]
    check(
        has["supplement_requested_at"] & (count == 0),
        column_label("supplement_count"),
        f"0 but {column_label('supplement_requested_at')} is given",
    )
    out["supplement_count"] = np.where(
        np.isnan(count), has["supplement_requested_at"].astype(np.int64), count
    )

    # receipt month: of the receipt, else of the code's date, else 0
    rec = pd.DatetimeIndex(received)
    month = np.where(has["received_at"], rec.year * 100 + rec.month, code_month)

    problems = _describe(found, n, source, first_row, row_label, max_problems)
    keep = ~bad
    valid = pd.DataFrame(
        {
            name: _typed(out[name], FIELD_BY_NAME[name].kind, keep)
            for name in (f.name for f in FIELDS)
        }
    )
    valid["receipt_month"] = month[keep].astype(np.int32)
    duplicates = 0
    if dedupe and len(valid):
        dup = valid["dossier_code"].duplicated(keep="last").to_numpy()
        duplicates = int(dup.sum())
        if duplicates:
            valid = valid[~dup].reset_index(drop=True)
    valid.attrs["ignored_columns"] = ignored
    valid.attrs["duplicates"] = duplicates
    valid.attrs["source"] = source
    return valid, problems


def _has_space(text: pd.Series) -> np.ndarray:
    """Whitespace inside each cell (Arrow's vectorised regex)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text, type=pa.string(), from_pandas=True)
    found = pc.fill_null(pc.match_substring_regex(arr, r"\s"), False)
    return found.to_numpy(zero_copy_only=False)


def _cell(series: pd.Series, i: int) -> str:
    value = series.iloc[i]
    return (
        ""
        if value is None or (isinstance(value, float) and np.isnan(value))
        else str(value).strip()
    )


def _fmt(value) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y %H:%M:%S")


def _typed(values, kind: str, keep: np.ndarray):
    if isinstance(values, pd.Series):  # text: keep its (Arrow-backed) string type
        return values[keep].reset_index(drop=True)
    v = values[keep]
    if kind == "text":
        return pd.Series(v, dtype=object)
    if kind in ("int8", "int16"):
        return pd.Series(np.nan_to_num(v.astype(float), nan=0).astype(kind))
    if kind == "bool":
        return pd.Series(pd.array(v, dtype="boolean"))
    if kind == "datetime":
        return pd.Series(v.astype("datetime64[us]"))
    return pd.Series(v.astype(np.float64))


def _describe(found, n, source, first_row, row_label, max_problems) -> list[RecordProblem]:
    """One RecordProblem per (record, problem), ordered by record then by check."""
    if not found:
        return []
    positions = np.concatenate([pos for _, _, pos, _ in found])
    order_of = np.concatenate([np.full(len(pos), k) for k, _, pos, _ in found])
    index_in = np.concatenate([np.arange(len(pos)) for _, _, pos, _ in found])
    sort = np.lexsort((order_of, positions))
    if max_problems is not None:
        sort = sort[:max_problems]
    out: list[RecordProblem] = []
    for j in sort:
        k = order_of[j]
        _, field_name, pos, message = found[k]
        i = int(pos[index_in[j]])
        text = message if isinstance(message, str) else message(i)
        out.append(RecordProblem(source, f"{row_label} {i + first_row}", field_name, text, i))
    return out


def rejected_positions(problems: list[RecordProblem]) -> np.ndarray:
    """The distinct positions of the rejected records, sorted."""
    return np.unique(np.array([p.position for p in problems], dtype=np.int64))


# -- reading exports (pyarrow with a path the caller gives) ---------------------------------


def iter_csv_chunks(path: str | Path, chunk_rows: int = 200_000) -> Iterator[pd.DataFrame]:
    """A CSV export in chunks of about `chunk_rows` records, every cell as text ("" when
    empty), UTF-8 with or without BOM — constant memory whatever the file size."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = str(path)
    probe = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16))
    names = probe.schema.names
    probe.close()
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    pending: list = []
    rows = 0
    for batch in reader:
        pending.append(batch)
        rows += batch.num_rows
        if rows >= chunk_rows:
            table = pa.Table.from_batches(pending)
            while table.num_rows >= chunk_rows:
                yield _to_text_frame(table.slice(0, chunk_rows))
                table = table.slice(chunk_rows)
            pending, rows = table.to_batches(), table.num_rows
    if rows:
        yield _to_text_frame(pa.Table.from_batches(pending))


def _to_text_frame(table) -> pd.DataFrame:
    import pyarrow as pa

    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
    return frame
