"""Service-index counts (Decision 766) computed from dossier records.

`compute_metrics` returns the long counts table ``unit_code, unit_name, level, period,
metric, numerator, denominator, value, source`` that `score_counts` scores, for the
metrics dossier records determine. The per-dossier rules are written once, in DuckDB SQL
(`_RULES_SQL`), and run the same way over Parquet files (out-of-core, vectorised) and
over a pandas DataFrame (DuckDB reads it in place).

Period and cut
--------------
``period`` is a year, a quarter or a month: ``[start, end)``. The *cut* is
``min(end, as_of)``: what is known at the end of the period, or now for a period still
running. A dossier received at or after the cut is not counted; a dossier that ends after
the cut is open at the cut.

Dossiers counted
----------------
Received (NgayTiepNhan given, status not 1 "new" nor 3 "not received"). Three sets:

- *handled in the period* (2.1, 5.4): received before the cut and not finished before
  the period's start — received in the period, or carried over still open;
- *received in the period* (3.3, 3.6, 4.2, 4.3, 4.4, 4.5b, 1.4): start ≤ receipt < cut;
- *completed in the period* (2.2, 4.1): status 9/10 with the end of processing in
  [start, cut).

Rules
-----
- end of processing = the first of NgayKetThucXuLy / NgayTra (processed, returned,
  stopped, refused, withdrawn all end it); open at the cut → the cut, so a dossier past its
  date counts as overdue while still open;
- supplement time excluded: end −= (completed − requested), an unfinished wait counting
  up to the end; more than ``rules.max_supplements_on_time`` (1) requests = overdue;
- the date compared is the original appointment (NgayHenTraBanDau when the dossier was
  rescheduled, else NgayHenTra): an apology does not make a late dossier on time;
- without an appointed date: on time when end − supplement time ≤ the date the procedure's
  legal limit gives from the receipt (`WorkCalendar.due_date`: working days skip days off,
  the cut-off applies), i.e. (end − start − supplement time) ≤ the legal time; a dossier
  whose procedure is unknown or has no limit cannot be on time (a warning counts them).

Metrics (numerator / denominator)
---------------------------------
========  =======================  ===================================================
2.1       dossier_on_time          on time / handled in the period
2.2       avg_processing_days      Σ processing days, rounded to whole days / completed
                                   (days = (end − receipt − supplement time) / 24 h;
                                   ``value`` holds the exact mean); reported, not scored
3.3       online_dossier_share     online (channel 2) / received; an online dossier of a
                                   procedure requiring a paper result counts only with an
                                   electronic result
3.6       payment_dossier_online   paid online (DuocThanhToanTrucTuyen 1 or 2) / received
                                   with a financial obligation (CoPhiLePhi, else PhiLePhi
                                   > 0, else the procedure's fees)
4.1       result_electronic        with an electronic result / completed whose procedure
                                   issues a result document
4.2       dossier_digitized        digitised / received
4.3       digitized_data_reused    re-used data / received
4.4       digitized_data_shared    data taken from the citizen's store / received
4.5b      citizen_data_dossier     used the population database / received
1.4       dossier_sync             synchronised to the portal / received
5.4       dossier_satisfaction     max(0, handled − overdue − complained) / handled
========  =======================  ===================================================

A flag metric (4.1, 4.2, 4.3, 4.4, 4.5b, 1.4) is produced only when the records carry
that flag (some non-empty value); otherwise it may come from the counts file. An empty
flag of a record counts as "no". Metrics from other sources come from ``counts`` (same
long format), merged; the same unit and metric in both is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.catalogue import ServiceCatalogue, load_default_catalogue
from parindex.dossiers.ingest import COLUMNS, FIELD_BY_NAME, validate_records
from parindex.dossiers.lifecycle import DEFAULT_RULES, OneStopRules, appointed_dates
from parindex.dossiers.procedures import ProcedureCatalogue, procedures_frame
from parindex.dossiers.service_index import validate_counts
from parindex.errors import InputError, Problem

OUTPUT_COLUMNS = [
    "unit_code",
    "unit_name",
    "level",
    "period",
    "metric",
    "numerator",
    "denominator",
    "value",
    "source",
]
#: flag column → metric, produced only when the records carry the flag
FLAG_METRICS = {
    "result_electronic": "result_electronic",
    "digitized": "dossier_digitized",
    "reused_data": "digitized_data_reused",
    "shared_data": "digitized_data_shared",
    "citizen_data": "citizen_data_dossier",
    "synced": "dossier_sync",
}
ALWAYS_METRICS = (
    "dossier_on_time",
    "avg_processing_days",
    "online_dossier_share",
    "payment_dossier_online",
    "dossier_satisfaction",
)
_US_PER_DAY = 86_400_000_000
_DUCK_TYPES = {
    "text": "VARCHAR",
    "datetime": "TIMESTAMP",
    "int8": "TINYINT",
    "int16": "SMALLINT",
    "bool": "BOOLEAN",
    "float": "DOUBLE",
}


@dataclass(frozen=True)
class Period:
    """A year, quarter or month: ``[start, end)``."""

    year: int
    quarter: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and self.month is not None:
            raise ValueError("give a quarter or a month, not both")
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError(f"quarter must be 1–4, got {self.quarter}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1–12, got {self.month}")
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"year {self.year} is out of range")

    @property
    def start(self) -> datetime:
        if self.quarter:
            return datetime(self.year, 3 * self.quarter - 2, 1)
        return datetime(self.year, self.month or 1, 1)

    @property
    def end(self) -> datetime:
        if self.quarter:
            m = 3 * self.quarter + 1
        elif self.month:
            m = self.month + 1
        else:
            m = 13
        return datetime(self.year + 1, 1, 1) if m > 12 else datetime(self.year, m, 1)

    @property
    def label(self) -> str:
        if self.quarter:
            return f"{self.year}-Q{self.quarter}"
        if self.month:
            return f"{self.year}-{self.month:02d}"
        return str(self.year)


def _as_period(period) -> Period:
    if isinstance(period, Period):
        return period
    if isinstance(period, int):
        return Period(period)
    if isinstance(period, tuple):
        return Period(*period)
    text = str(period).strip()
    if text.isdigit():
        return Period(int(text))
    if "-Q" in text.upper():
        y, q = text.upper().split("-Q")
        return Period(int(y), quarter=int(q))
    y, m = text.split("-")
    return Period(int(y), month=int(m))


_EPOCH = datetime(1970, 1, 1)


def _us(moment: datetime) -> int:
    """Microseconds since the epoch of a naive (Vietnam local) moment, as DuckDB's
    ``epoch_us`` counts a TIMESTAMP."""
    return (moment.replace(tzinfo=None) - _EPOCH) // timedelta(microseconds=1)


# -- the rules, once --------------------------------------------------------------------------

_RULES_SQL = """
WITH procs AS ({procs}),
base AS (
    SELECT
        d.unit_code,
        d.procedure_code,
        d.status,
        d.channel,
        epoch_us(d.received_at) AS rec,
        epoch_us(coalesce(d.original_due_at, d.due_at)) AS due,
        epoch_us(least(d.processed_at, d.returned_at)) AS fin,
        epoch_us(d.supplement_requested_at) AS sreq,
        epoch_us(d.supplement_completed_at) AS sdone,
        coalesce(d.supplement_count,
                 CASE WHEN d.supplement_requested_at IS NULL THEN 0 ELSE 1 END) AS sn,
        coalesce(d.result_electronic, false) AS eres,
        coalesce(p.paper_result, false) AS paper,
        coalesce(p.result_document, true) AS result_doc,
        CASE WHEN d.has_fee IS NOT NULL THEN d.has_fee
             WHEN d.fee_amount IS NOT NULL THEN d.fee_amount > 0
             ELSE coalesce(p.has_fee, false) END AS fee,
        d.paid_online IN (1, 2) AS paid,
        d.procedure_code IS NOT NULL AND p.procedure_code IS NULL AS unknown_proc,
        d.result_electronic, d.digitized, d.reused_data, d.shared_data, d.citizen_data,
        d.synced,
        coalesce(d.complaint, false) AS complained
    FROM d LEFT JOIN procs p ON d.procedure_code = p.procedure_code
    WHERE d.received_at IS NOT NULL AND d.status NOT IN (1, 3)
      AND d.received_at < TIMESTAMP '{cut_ts}'
),
ends AS (
    SELECT *,
        fin IS NOT NULL AND fin < {cut} AS finished,
        CASE WHEN fin IS NOT NULL AND fin < {cut} THEN fin ELSE {cut} END AS eff
    FROM base
),
rules AS (
    SELECT *,
        CASE WHEN sreq IS NULL OR sreq >= eff THEN 0
             ELSE least(coalesce(sdone, eff), eff) - sreq END AS wait,
        NOT finished OR fin >= {start} AS handled,
        rec >= {start} AS recv_in,
        finished AND fin >= {start} AND status IN (9, 10) AS done_in,
        sn > {max_supp} AS supp_over
    FROM ends
),
judged AS (
    SELECT *,
        NOT supp_over AND due IS NOT NULL AND eff - wait <= due AS on_time,
        NOT supp_over AND due IS NULL AS no_due,
        channel = 2 AND (NOT paper OR eres) AS online_ok
    FROM rules
)
"""

_AGG_SQL = """
SELECT
    unit_code,
    coalesce(count_if(handled), 0)::BIGINT AS n_handled,
    coalesce(count_if(handled AND on_time), 0)::BIGINT AS n_on_time,
    coalesce(count_if(handled AND no_due), 0)::BIGINT AS n_no_due,
    coalesce(count_if(handled AND complained), 0)::BIGINT AS n_complained,
    coalesce(count_if(recv_in), 0)::BIGINT AS n_recv,
    coalesce(count_if(recv_in AND online_ok), 0)::BIGINT AS n_online,
    coalesce(count_if(recv_in AND fee), 0)::BIGINT AS n_fee,
    coalesce(count_if(recv_in AND fee AND paid), 0)::BIGINT AS n_fee_paid,
    coalesce(count_if(done_in), 0)::BIGINT AS n_done,
    coalesce(sum(fin - rec - wait) FILTER (WHERE done_in), 0)::DOUBLE AS done_us,
    coalesce(count_if(done_in AND result_doc), 0)::BIGINT AS n_result,
    coalesce(count_if(done_in AND result_doc AND eres), 0)::BIGINT AS n_result_eres,
    coalesce(count_if(recv_in AND digitized), 0)::BIGINT AS n_digitized,
    coalesce(count_if(recv_in AND reused_data), 0)::BIGINT AS n_reused_data,
    coalesce(count_if(recv_in AND shared_data), 0)::BIGINT AS n_shared_data,
    coalesce(count_if(recv_in AND citizen_data), 0)::BIGINT AS n_citizen_data,
    coalesce(count_if(recv_in AND synced), 0)::BIGINT AS n_synced,
    coalesce(count_if(unknown_proc), 0)::BIGINT AS n_unknown_proc
FROM judged
GROUP BY unit_code
"""

_NO_DUE_SQL = """
SELECT unit_code, procedure_code, channel, rec, eff - wait AS end_us
FROM judged
WHERE handled AND no_due
"""

_UNKNOWN_SQL = """
SELECT DISTINCT procedure_code FROM judged WHERE unknown_proc ORDER BY 1 LIMIT 11
"""


def _sql_text(value) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def procedures_sql(procs: pd.DataFrame) -> str:
    """The procedure facts the rules need, as an inline SQL table (catalogues are small:
    thousands of rows), so the rules run on any DuckDB relation, whatever its connection."""
    empty = (
        "SELECT NULL::VARCHAR AS procedure_code, NULL::BOOLEAN AS paper_result, "
        "NULL::BOOLEAN AS has_fee, NULL::BOOLEAN AS result_document WHERE false"
    )
    if procs is None or not len(procs):
        return empty
    rows = ", ".join(
        f"({_sql_text(c)}, {bool(a)}, {bool(b)}, {bool(r)})"
        for c, a, b, r in zip(
            procs["procedure_code"],
            procs["paper_result"],
            procs["has_fee"],
            procs["result_document"],
            strict=True,
        )
    )
    return (
        "SELECT * FROM (VALUES " + rows + ") "
        "AS t(procedure_code, paper_result, has_fee, result_document)"
    )


def rules_sql(
    period: Period,
    as_of: datetime,
    rules: OneStopRules = DEFAULT_RULES,
    procedures: pd.DataFrame | None = None,
) -> str:
    """The per-dossier rules (CTEs ending in ``judged``) for a period and cut, over a
    relation named ``d`` with the ingestion columns, and the procedure facts (the typed
    table of `ProcedureCatalogue.frame`)."""
    cut = min(period.end, as_of)
    return _RULES_SQL.format(
        procs=procedures_sql(procedures),
        cut=_us(cut),
        cut_ts=cut.isoformat(sep=" "),
        start=_us(period.start),
        max_supp=int(rules.max_supplements_on_time),
    )


# -- inputs ----------------------------------------------------------------------------------


def _normalised(rel, con=None):
    """`rel` with every ingestion column (missing optional ones as typed NULLs)."""
    have = set(rel.columns)
    missing_required = [
        c for c in ("dossier_code", "unit_code", "received_at", "status") if c not in have
    ]
    if missing_required:
        raise InputError(
            [
                Problem("dossiers", "header", c, "required column is missing")
                for c in missing_required
            ]
        )
    parts = []
    for name in COLUMNS:
        if name in have:
            parts.append(f'"{name}"')
        elif name == "receipt_month":
            parts.append("0::INTEGER AS receipt_month")
        else:
            parts.append(f'NULL::{_DUCK_TYPES[FIELD_BY_NAME[name].kind]} AS "{name}"')
    return rel.query("src", f"SELECT {', '.join(parts)} FROM src")


def open_dossiers(dossiers, *, threads: int | None = None, memory_limit: str | None = None):
    """A DuckDB relation over `dossiers`: a DataFrame (validated with `validate_records`
    when it carries the national field names), a DuckDB relation, a `ParquetStore`, a
    Parquet file, a directory (a store, or Parquet files under it) or a list of files."""
    import duckdb

    from parindex.dossiers.store import MANIFEST, ParquetStore

    if isinstance(dossiers, duckdb.DuckDBPyRelation):
        return _normalised(dossiers)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if isinstance(dossiers, pd.DataFrame):
        frame = dossiers
        typed = "dossier_code" in frame.columns and all(
            c in frame.columns
            and pd.api.types.is_datetime64_any_dtype(frame[c])
            and getattr(frame[c].dt, "tz", None) is None
            for c in ("received_at",)
        )
        if not typed:  # national names, or text cells: validate first (same rules as import)
            frame, rejected = validate_records(frame, "dossiers")
            if rejected:
                raise InputError(list(rejected))
        return _normalised(con.from_df(frame))
    if isinstance(dossiers, ParquetStore):
        return _normalised(dossiers.relation(con))
    if isinstance(dossiers, (str, Path)):
        path = Path(dossiers)
        if path.is_dir():
            if (path / MANIFEST).exists():
                return _normalised(ParquetStore(path).relation(con))
            files = sorted(str(p) for p in path.rglob("*.parquet"))
        elif path.is_file():
            files = [str(path)]
        else:
            raise InputError([Problem(str(path), "", "", "not found")])
    else:
        files = [str(p) for p in dossiers]
    if not files:
        raise InputError([Problem(str(dossiers), "", "", "no Parquet files found")])
    return _normalised(con.read_parquet(files))


def _procedure_table(procedures) -> pd.DataFrame:
    if procedures is None:
        frame = ProcedureCatalogue().frame()
    elif isinstance(procedures, ProcedureCatalogue):
        frame = procedures.frame()
    else:
        frame = procedures_frame(procedures)
    return frame


# -- compute ---------------------------------------------------------------------------------


def compute_metrics(
    dossiers,
    procedures: ProcedureCatalogue | pd.DataFrame | None,
    period: Period | int | str | tuple,
    as_of: datetime | date | None = None,
    *,
    units: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    calendar: WorkCalendar | None = None,
    rules: OneStopRules = DEFAULT_RULES,
    catalogue: ServiceCatalogue | None = None,
    counts_source: str = "counts",
    threads: int | None = None,
    memory_limit: str | None = None,
) -> pd.DataFrame:
    """The counts of every dossier metric, per unit, for `period` (see the module
    docstring). `as_of` defaults to the end of the period. `units` (unit_code[, unit_name,
    level]) names units and makes every unit listed appear, with zero counts when it has
    no dossier. Warnings (dossiers that cannot be judged) are in ``.attrs["warnings"]``."""
    per = _as_period(period)
    if as_of is None:
        as_of = per.end
    elif not isinstance(as_of, datetime):
        as_of = datetime.combine(as_of, time.max)
    catalogue = catalogue or load_default_catalogue()
    rel = open_dossiers(dossiers, threads=threads, memory_limit=memory_limit)
    procs = _procedure_table(procedures)
    rules_cte = rules_sql(per, as_of, rules, procs)
    agg = rel.query("d", rules_cte + _AGG_SQL).df().set_index("unit_code").sort_index()
    warnings: list[str] = []
    if procedures is not None and int(agg["n_unknown_proc"].sum()):
        unknown = [r[0] for r in rel.query("d", rules_cte + _UNKNOWN_SQL).fetchall()]
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        warnings.append(
            f"{int(agg['n_unknown_proc'].sum())} dossier(s) of procedures not in the catalogue "
            f"(no paper-result, fee or limit known): {shown}"
        )
    agg["n_on_time_legal"] = 0
    if int(agg["n_no_due"].sum()):
        legal = _legal_on_time(rel, rules_cte, procs, calendar, warnings)
        agg["n_on_time_legal"] = legal.reindex(agg.index).fillna(0).astype(np.int64)

    a = agg
    per_unit = pd.DataFrame(
        {
            "on_time": a["n_on_time"] + a["n_on_time_legal"],
            "handled": a["n_handled"],
            "complained": a["n_complained"],
            "recv": a["n_recv"],
            "online": a["n_online"],
            "fee_den": a["n_fee"],
            "fee_num": a["n_fee_paid"],
            "done": a["n_done"],
            "done_us": a["done_us"],
            "result_den": a["n_result"],
            "result_num": a["n_result_eres"],
            **{f"n_{flag}": a[f"n_{flag}"] for flag in FLAG_METRICS if flag != "result_electronic"},
        },
        index=a.index,
    )
    present = {  # a flag metric only when the records carry the flag (stops at the first)
        flag: bool(rel.query("d", f"SELECT 1 FROM d WHERE {flag} IS NOT NULL LIMIT 1").fetchall())
        for flag in FLAG_METRICS
    }

    unit_meta = _unit_meta(units, per_unit.index)
    per_unit = per_unit.reindex(unit_meta.index, fill_value=0)
    u = per_unit
    rows: list[pd.DataFrame] = []

    def emit(metric: str, num, den, value=None) -> None:
        num = np.asarray(num, dtype=np.int64)
        den = np.asarray(den, dtype=np.int64)
        if value is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.where(den > 0, num / np.maximum(den, 1), np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "unit_code": u.index.to_numpy(dtype=object),
                    "metric": metric,
                    "numerator": num,
                    "denominator": den,
                    "value": np.asarray(value, dtype=float),
                }
            )
        )

    overdue = u["handled"] - u["on_time"]
    emit("dossier_on_time", u["on_time"], u["handled"])
    days = u["done_us"].to_numpy(dtype=float) / _US_PER_DAY
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_days = np.where(u["done"] > 0, days / np.maximum(u["done"], 1), np.nan)
    emit("avg_processing_days", np.rint(days), u["done"], mean_days)
    emit("online_dossier_share", u["online"], u["recv"])
    emit("payment_dossier_online", u["fee_num"], u["fee_den"])
    if present["result_electronic"]:
        emit("result_electronic", u["result_num"], u["result_den"])
    for flag, metric in FLAG_METRICS.items():
        if flag != "result_electronic" and present[flag]:
            emit(metric, u[f"n_{flag}"], u["recv"])
    emit(
        "dossier_satisfaction",
        np.maximum(0, u["handled"] - overdue - u["complained"]),
        u["handled"],
    )
    out = pd.concat(rows, ignore_index=True)
    out = out.join(unit_meta, on="unit_code")
    out["period"] = per.label
    out["source"] = "dossiers"
    order = {m.code: k for k, m in enumerate(catalogue.metrics)}
    out["_order"] = out["metric"].map(order)
    out = out.sort_values(["unit_code", "_order"], kind="stable").drop(columns="_order")
    out = out[OUTPUT_COLUMNS].reset_index(drop=True)
    if counts is not None:
        out = merge_counts(out, counts, catalogue, per.label, counts_source)
    out.attrs["warnings"] = warnings
    out.attrs["period"] = per.label
    out.attrs["as_of"] = as_of
    return out


def _unit_meta(units: pd.DataFrame | None, seen: pd.Index) -> pd.DataFrame:
    codes = list(seen)
    names: dict[str, str] = {}
    levels: dict[str, str] = {}
    if units is not None and len(units):
        if "unit_code" not in units.columns:
            raise InputError(
                [Problem("units", "header", "unit_code", "required column is missing")]
            )
        listed = units["unit_code"].astype(str).str.strip()
        for i, c in enumerate(listed):
            if c and c not in names:
                names[c] = str(units["unit_name"].iloc[i]) if "unit_name" in units else ""
                levels[c] = str(units["level"].iloc[i]) if "level" in units else ""
        codes = list(dict.fromkeys([*listed[listed != ""], *codes]))
    meta = pd.DataFrame(
        {
            "unit_name": [names.get(c, "") for c in codes],
            "level": [levels.get(c, "") for c in codes],
        },
        index=pd.Index(codes, name="unit_code", dtype=object),
    )
    return meta.fillna("")


def _legal_on_time(rel, rules_cte, procs, calendar, warnings) -> pd.Series:
    """On-time counts of dossiers without an appointed date, judged against the date the
    procedure's legal limit gives (`WorkCalendar.due_date`, per distinct receipt moment)."""
    rows = rel.query("d", rules_cte + _NO_DUE_SQL).df()
    limits = procs.set_index("procedure_code")
    lim = rows["procedure_code"].map(limits["time_limit"])
    unit = rows["procedure_code"].map(limits["time_unit"])
    known = lim.notna().to_numpy()
    if (~known).any():
        warnings.append(
            f"{int((~known).sum())} dossier(s) without an appointed date whose procedure has "
            "no known time limit were counted as not on time"
        )
    rows = rows[known].assign(limit=lim[known], limit_unit=unit[known])
    if not len(rows):
        return pd.Series(dtype=np.int64)
    rec = pd.to_datetime(rows["rec"], unit="us")
    if calendar is None:
        from parindex.dossiers.catalogue import load_default_exceptions

        years = range(int(rec.dt.year.min()), int(rec.dt.year.max()) + 3)
        calendar = WorkCalendar.vietnam(years, load_default_exceptions())
    dues = appointed_dates(
        calendar, rec, rows["limit"], rows["limit_unit"], rows["channel"].to_numpy() == 2
    )
    due_us = (dues - np.datetime64(_EPOCH, "us")).astype(np.int64)
    on_time = rows["end_us"].to_numpy(dtype=np.int64) <= due_us
    return rows.assign(ok=on_time).groupby("unit_code")["ok"].sum().astype(np.int64)


def merge_counts(
    computed: pd.DataFrame,
    counts: pd.DataFrame,
    catalogue: ServiceCatalogue,
    period_label: str,
    source: str = "counts",
) -> pd.DataFrame:
    """Add the metrics of a counts table (other sources) to the computed ones. A row for
    a unit and metric the dossiers already determine, or for another period, is an error;
    names and levels given there fill the computed units'."""
    clean = validate_counts(counts, catalogue, source)
    problems: list[Problem] = []
    other = clean[(clean["period"] != "") & (clean["period"] != period_label)]
    for r in other.itertuples():
        problems.append(
            Problem(
                source,
                f"row {r.row}",
                "period",
                f"{r.period} is not the period computed ({period_label})",
            )
        )
    have = set(zip(computed["unit_code"], computed["metric"], strict=True))
    for r in clean.itertuples():
        if (r.unit_code, r.metric) in have:
            problems.append(
                Problem(
                    source,
                    f"row {r.row}",
                    "metric",
                    f"{r.metric} of unit {r.unit_code} is computed from the dossiers; "
                    "remove it from the counts file",
                )
            )
    if problems:
        raise InputError(problems)
    names = clean.drop_duplicates("unit_code").set_index("unit_code")
    out = computed.copy()
    for col in ("unit_name", "level"):
        fill = out["unit_code"].map(names[col]).fillna("")
        out[col] = out[col].where(out[col] != "", fill)
    extra = pd.DataFrame(
        {
            "unit_code": clean["unit_code"],
            "unit_name": clean["unit_name"],
            "level": clean["level"],
            "period": period_label,
            "metric": clean["metric"],
            "numerator": clean["numerator"],
            "denominator": clean["denominator"],
            "value": np.where(
                clean["denominator"] > 0,
                clean["numerator"] / clean["denominator"].clip(lower=1),
                np.nan,
            ),
            "source": source,
        }
    )
    known = out.drop_duplicates("unit_code").set_index("unit_code")
    for col in ("unit_name", "level"):
        fill = extra["unit_code"].map(known[col]).fillna("")
        extra[col] = extra[col].where(extra[col] != "", fill)
    return pd.concat([out, extra], ignore_index=True)[OUTPUT_COLUMNS]


# -- framework leaves from metrics -----------------------------------------------------------


def framework_inputs_from_metrics(
    counts_or_scores: pd.DataFrame,
    mapping: Mapping[str, str],
    *,
    catalogue: ServiceCatalogue | None = None,
    period: str | None = None,
    track: str = "appraised",
) -> pd.DataFrame:
    """Scoring inputs (``unit_code, criterion_code, value, track``) for framework leaves
    whose value is a service-index metric: ``mapping`` = {leaf code: metric code or portal
    number}. The value is the metric's ratio numerator / denominator (0–1); a zero
    denominator gives the catalogue's ``zero_denominator`` outcome (0, or 1 for ``full``).
    Accepts the counts table (``metric``) or the score table (``item``). With several
    periods in the table, `period` picks one."""
    catalogue = catalogue or load_default_catalogue()
    lookup = catalogue.lookup()
    frame = counts_or_scores
    metric_col = "metric" if "metric" in frame.columns else "item"
    missing = [
        c for c in ("unit_code", metric_col, "numerator", "denominator") if c not in frame.columns
    ]
    if missing:
        raise InputError(
            [Problem("metrics", "header", c, "required column is missing") for c in missing]
        )
    problems = [
        Problem("mapping", f"leaf {leaf}", "metric", f"unknown metric '{code}'")
        for leaf, code in mapping.items()
        if str(code) not in lookup
    ]
    if problems:
        raise InputError(problems)
    if "period" in frame.columns:
        periods = sorted({str(p) for p in frame["period"].fillna("")})
        if period is not None:
            frame = frame[frame["period"].astype(str) == str(period)]
        elif len(periods) > 1:
            raise InputError(
                [
                    Problem(
                        "metrics", "", "period", f"several periods ({', '.join(periods)}): pick one"
                    )
                ]
            )
    metric = frame[metric_col].astype(str).map(lambda c: lookup.get(c, ""))
    out = []
    for leaf, code in mapping.items():
        m = catalogue.metric(lookup[str(code)])
        sel = frame[(metric == m.code).to_numpy()]
        num = pd.to_numeric(sel["numerator"], errors="coerce").to_numpy(dtype=float)
        den = pd.to_numeric(sel["denominator"], errors="coerce").to_numpy(dtype=float)
        zero = 1.0 if m.zero_denominator == "full" else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(den > 0, num / np.where(den > 0, den, 1), zero)
        out.append(
            pd.DataFrame(
                {
                    "unit_code": sel["unit_code"].astype(str).to_numpy(),
                    "criterion_code": leaf,
                    "value": value,
                    "track": track,
                }
            )
        )
    if not out:
        return pd.DataFrame(columns=["unit_code", "criterion_code", "value", "track"])
    return pd.concat(out, ignore_index=True)
