"""Dossier records in the web database (`models.Dossier`): bulk upsert and read-back.

The same contract as the Parquet store (`parindex.dossiers.store.ParquetStore`): the
input is the typed table `parindex.dossiers.ingest.validate_records` outputs, a record is
keyed by its dossier code, re-sending a record updates it (never a second row), and
`read` gives back exactly that typed table, so the core (`compute_metrics`,
`flag_overdue`) runs unchanged over either store.

Why raw SQL rather than the ORM
-------------------------------
An import must reach 20,000 records/s into the database *and* Parquet. Building a model
instance per record and adapting every field in Python costs far more than that budget
(`benchmarks/bench_ingest.py`, 200,000 records on the shared 2-core machine:
``bulk_create(update_conflicts=True)`` 5,000–8,000 records/s, ``update_or_create`` per
record 400–1,000/s, this module 40,000–80,000/s); so the columns are converted once,
vectorised, and written with one statement per batch:

- SQLite: ``INSERT … ON CONFLICT (dossier_code) DO UPDATE SET … = excluded.… WHERE
  <a column differs>`` (a re-sent unchanged record writes nothing) with
  ``executemany`` (batches of `BATCH_ROWS`, in code order, with a larger page cache);
- PostgreSQL: ``COPY`` of the batch (CSV written by Arrow) into a temporary table, then
  one ``INSERT … SELECT … ON CONFLICT (dossier_code) DO UPDATE``.

Both run inside a transaction (`upsert` opens one, or joins the caller's): a batch is
stored whole or not at all. Within a batch a code given twice keeps its last record, like
the Parquet store. Inserted and updated counts come from the ids: a new row's id is above
every id drawn before the batch (the largest id on SQLite, whose transaction holds the
write lock; a number drawn from the id sequence on PostgreSQL), an updated row keeps its
old id — no lookup of the batch's codes, whose cost would grow with the table.

Moments: the ingestion tables hold naive Vietnam time; the database holds instants
(time-zone aware fields, UTC on disk). They are converted here, both ways, vectorised.
SQLite keeps a moment as Django writes it (``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC), so
ORM lookups on these columns compare like for like.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone

from parindex.dossiers.ingest import COLUMNS, FIELD_BY_NAME, arrow_schema
from parindex.dossiers.store import UpsertCounts
from parindex.web.dossiers.models import Dossier

TZ = "Asia/Ho_Chi_Minh"
BATCH_ROWS = 50_000
SQLITE_CACHE_KIB = 64 * 1024  # page cache while writing (SQLite's default is 2 MiB)
TABLE = Dossier._meta.db_table
DATETIME_COLUMNS = tuple(
    c for c in COLUMNS if c in FIELD_BY_NAME and FIELD_BY_NAME[c].kind == "datetime"
)
_KIND = {c: FIELD_BY_NAME[c].kind if c in FIELD_BY_NAME else "int32" for c in COLUMNS}
_TEMP = "parindex_dossier_in"


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert_columns() -> str:
    return ", ".join(_quoted(c) for c in (*COLUMNS, "updated_at"))


def _on_conflict() -> str:
    """Update every column from the record sent — only when one of them differs, so that a
    re-sent unchanged record writes nothing (no new row version on PostgreSQL, no index
    rewrite; `updated_at` is then the last *change*). NULL-safe comparison: ``IS NOT`` in
    SQLite, ``IS DISTINCT FROM`` in PostgreSQL."""
    table = _quoted(TABLE)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    data = [c for c in COLUMNS if c != "dossier_code"]
    assign = ", ".join(f"{_quoted(c)} = excluded.{_quoted(c)}" for c in (*data, "updated_at"))
    changed = " OR ".join(f"{table}.{_quoted(c)} {differs} excluded.{_quoted(c)}" for c in data)
    return f"ON CONFLICT ({_quoted('dossier_code')}) DO UPDATE SET {assign} WHERE {changed}"


# -- writing ------------------------------------------------------------------------------


def _arrow(valid: pd.DataFrame) -> pa.Table:
    """The batch as an Arrow table of the store schema, a code given twice kept last."""
    missing = [c for c in COLUMNS if c not in valid.columns]
    if missing:
        raise ValueError(f"not a validated batch: missing {', '.join(missing)}")
    frame = valid[list(COLUMNS)]
    if frame["dossier_code"].duplicated().any():
        frame = frame.drop_duplicates("dossier_code", keep="last")
    return pa.Table.from_pandas(frame, schema=arrow_schema(), preserve_index=False)


def _utc_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Naive Vietnam time → the instant in UTC as Django writes it for SQLite
    (``str(datetime)``: ``YYYY-MM-DD HH:MM:SS``, with ``.ffffff`` only when there are
    microseconds). Arrow's casts print exactly that, far faster than strftime."""
    aware = pc.assume_timezone(column, timezone=TZ)
    utc = aware.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
    seconds = utc.cast(pa.timestamp("s"), safe=False)
    on_second = pc.equal(seconds.cast(pa.timestamp("us")), utc)
    return pc.if_else(on_second, seconds.cast(pa.string()), utc.cast(pa.string()))


def _upsert_executemany(table: pa.Table, now) -> int:
    """SQLite: one executemany per batch, in dossier-code order (the unique index's)."""
    table = table.sort_by("dossier_code")
    stamp = connection.ops.adapt_datetimefield_value(now)
    columns = []
    for name in COLUMNS:
        col = table[name]
        if name in DATETIME_COLUMNS:
            col = _utc_text(col)
        columns.append(col.to_pylist())
    columns.append([stamp] * table.num_rows)
    rows = list(zip(*columns, strict=True))
    marks = ", ".join(["%s"] * (len(COLUMNS) + 1))
    sql = f"INSERT INTO {_quoted(TABLE)} ({_insert_columns()}) VALUES ({marks}) {_on_conflict()}"
    pk = _quoted("id")
    with connection.cursor() as cursor:
        # New rows get ids above every existing one (SQLite's AUTOINCREMENT), and the
        # transaction holds the write lock: the rows above the old maximum are the inserts.
        cursor.execute(f"SELECT coalesce(max({pk}), 0) FROM {_quoted(TABLE)}")
        before = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA cache_size")
        cache = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")  # the indexes stay in memory
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.execute(f"PRAGMA cache_size = {cache}")
        cursor.execute(f"SELECT count(*) FROM {_quoted(TABLE)} WHERE {pk} > %s", [before])
        inserted = int(cursor.fetchone()[0])
    return table.num_rows - inserted


def _upsert_copy(table: pa.Table, now) -> int:
    """PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT."""
    import pyarrow.csv as pacsv

    arrays = []
    for name in COLUMNS:
        col = table[name]
        if name in DATETIME_COLUMNS:  # the instant, with its zone: no session setting used
            col = pc.binary_join_element_wise(_utc_text(col), "+00", "")
        arrays.append(col)
    csv = io.BytesIO()
    pacsv.write_csv(
        pa.Table.from_arrays(arrays, names=list(COLUMNS)),
        csv,
        pacsv.WriteOptions(include_header=False),
    )
    cols = ", ".join(_quoted(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_TEMP} ON COMMIT DROP AS "
            f"SELECT {cols} FROM {_quoted(TABLE)} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {_TEMP}")
        with cursor.cursor.copy(f"COPY {_TEMP} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(csv.getvalue())
        # The rows inserted are those whose new id is above a number drawn from the id
        # sequence just before (a join of the batch with the table would scan the whole
        # table for every batch). Only another writer inserting the same new codes at the
        # same moment could make the count inexact; the rows themselves are right.
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [TABLE])
        marker = int(cursor.fetchone()[0])
        cursor.execute(
            f"WITH written AS (INSERT INTO {_quoted(TABLE)} ({_insert_columns()}) "
            f"SELECT {cols}, %s FROM {_TEMP} {_on_conflict()} RETURNING {_quoted('id')}) "
            f"SELECT count(*) FROM written WHERE {_quoted('id')} > %s",
            [now, marker],
        )
        inserted = int(cursor.fetchone()[0])
    return table.num_rows - inserted


def upsert(valid: pd.DataFrame) -> UpsertCounts:
    """Insert or update the records of `valid` (the output of `validate_records`) by
    dossier code, in batches, inside one transaction (the caller's, when it has one).

    Callers also log a `DossierBatch` (`services.save_records`, the import command): its
    id is the database's `version`, which the page caches watch."""
    if not len(valid):
        return UpsertCounts(0, 0)
    table = _arrow(valid)
    now = timezone.now()
    write = _upsert_copy if connection.vendor == "postgresql" else _upsert_executemany
    inserted = updated = 0
    with transaction.atomic():
        for start in range(0, table.num_rows, BATCH_ROWS):
            part = table.slice(start, BATCH_ROWS)
            existing = write(part, now)
            updated += existing
            inserted += part.num_rows - existing
    return UpsertCounts(inserted=inserted, updated=updated)


# -- reading ------------------------------------------------------------------------------


def _where(unit_codes: Iterable[str] | None) -> tuple[str, list[str]]:
    if unit_codes is None:
        return "", []
    codes = sorted({str(c) for c in unit_codes})
    if not codes:
        return " WHERE 1 = 0", []
    marks = ", ".join(["%s"] * len(codes))
    return f" WHERE {_quoted('unit_code')} IN ({marks})", codes


def count(unit_codes: Iterable[str] | None = None, limit: int | None = None) -> int:
    """Stored dossiers (of these units), counting at most ``limit + 1`` when a limit is
    given: enough to tell "more than the limit" without counting a big table."""
    qs = Dossier.objects.all()
    if unit_codes is not None:
        qs = qs.filter(unit_code__in=sorted({str(c) for c in unit_codes}))
    if limit is not None:
        return qs.values("pk")[: limit + 1].count()
    return qs.count()


def _select(name: str) -> str:
    """The column as read back: moments as text (parsed vectorised below, instead of one
    Python converter call per value), yes/no as 0/1 (no converter either)."""
    kind = _KIND[name]
    if kind == "datetime":
        return f"CAST({_quoted(name)} AS TEXT)"
    if kind == "bool":
        return f"CAST({_quoted(name)} AS INTEGER)"
    return _quoted(name)


def _typed(name: str, values: np.ndarray) -> pd.Series:
    """A column read back (an object array) → its type in `validate_records`' output."""
    kind = _KIND[name]
    if kind == "text":
        return pd.Series(values, dtype=object)
    if kind == "datetime":
        moments = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
        return moments.dt.tz_convert(TZ).dt.tz_localize(None).astype("datetime64[us]")
    if kind == "bool":
        return pd.Series(pd.array(values, dtype="boolean"))
    if kind == "float":
        return pd.Series(values, dtype="float64")
    return pd.Series(values.astype(np.int64)).astype(kind)


def read(unit_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The stored records (of these units) as the typed table of `validate_records`
    (columns `COLUMNS`, moments as naive Vietnam time)."""
    select = ", ".join(_select(c) for c in COLUMNS)
    where, params = _where(unit_codes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {_quoted(TABLE)}{where}", params)
        rows = cursor.fetchall()
    matrix = np.empty((len(rows), len(COLUMNS)), dtype=object)
    if rows:
        matrix[:] = rows
    return pd.DataFrame({name: _typed(name, matrix[:, i]) for i, name in enumerate(COLUMNS)})


def version() -> int:
    """Changes with every write (the latest batch logged), for the page caches."""
    from parindex.web.dossiers.models import DossierBatch

    last = DossierBatch.objects.order_by("-id").values_list("id", flat=True).first()
    return int(last or 0)
