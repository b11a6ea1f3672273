"""A Parquet store of validated dossier records, keyed by dossier code.

This is the dossiers package's storage adapter: like the DuckDB/pyarrow readers it works
only inside the directory its caller gives, and nothing else in the core writes files.

Layout
------
::

    DIR/_manifest.json                       the committed state (the only truth)
    DIR/receipt_month=202601/part-000007-0.parquet
    DIR/receipt_month=202602/part-000003-0.parquet
    DIR/.lock                                held (flock) by the writer

Records are partitioned by month of receipt (``receipt_month``, also a column in every
file). `_manifest.json` lists the files of every partition; readers use only the files
it lists (`files`, `relation`), never a directory listing.

Upsert (idempotent by dossier code)
-----------------------------------
1. The batch — one DataFrame, or many chunks staged as Parquet files first so memory stays
   bounded — is deduplicated by code (the later record wins).
2. DuckDB finds which codes already exist and in which partitions (an update may move a
   dossier to another month when its receipt date changed).
3. One DuckDB ``COPY … PARTITION_BY (receipt_month)`` writes, for every *touched*
   partition only, the old rows minus the updated codes plus the new rows, into new
   files under a staging directory. Then ``before_publish()`` is called when the caller
   gave it: an exception from it abandons the upsert (the staging directory is removed,
   nothing else changed). The files are fsync'ed and moved next to the old ones under
   new names.
4. Commit: a new manifest is written to a temporary file, fsync'ed and atomically renamed
   over `_manifest.json`. The superseded files stay one more generation (listed as
   ``superseded``) so that a reader who read the previous manifest can finish; the next
   upsert deletes them.

A crash before step 4 leaves the old manifest and old files intact (the new files are
orphans, removed by the next upsert); after it, the new state is complete. So a record
once accepted is never lost and a code is never stored twice; re-sending a record
updates it. One writer at a time (an exclusive lock on ``.lock``; readers need none).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parindex.dossiers.ingest import COLUMNS, arrow_schema, empty_frame

MANIFEST = "_manifest.json"
PROCEDURES = "_procedures.parquet"
FORMAT_VERSION = 1


class StoreError(RuntimeError):
    """The store cannot be used (busy, corrupt manifest)."""


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int

    @property
    def total(self) -> int:
        return self.inserted + self.updated


def _sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _sql_list(paths: Iterable[str]) -> str:
    return "[" + ", ".join(_sql_str(p) for p in paths) + "]"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ParquetStore:
    """Dossier records in Parquet files under `directory` (created when missing).

    `memory_limit` bounds DuckDB's memory (it spills to a temporary directory inside the
    store beyond it), so an import of any size runs in bounded memory; `threads` bounds
    its threads (default: all cores)."""

    def __init__(
        self,
        directory: str | Path,
        *,
        threads: int | None = None,
        memory_limit: str | None = "1GB",
    ):
        self.directory = Path(directory)
        self.threads = threads
        self.memory_limit = memory_limit

    # -- reading ---------------------------------------------------------------------------

    def manifest(self) -> dict:
        path = self.directory / MANIFEST
        if not path.exists():
            return {"format": FORMAT_VERSION, "generation": 0, "partitions": {}}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{path}: unreadable manifest ({exc})") from None
        if data.get("format") != FORMAT_VERSION:
            raise StoreError(f"{path}: unknown store format {data.get('format')!r}")
        return data

    def files(self, months: Iterable[int] | None = None) -> list[str]:
        """Absolute paths of the committed data files (of `months` only, when given)."""
        parts = self.manifest()["partitions"]
        wanted = None if months is None else {str(int(m)) for m in months}
        return [
            str(self.directory / f)
            for month, info in sorted(parts.items())
            if wanted is None or month in wanted
            for f in info["files"]
        ]

    def count(self) -> int:
        return sum(int(p["rows"]) for p in self.manifest()["partitions"].values())

    def connect(self):
        """A DuckDB connection with the store's thread and memory settings."""
        import duckdb

        con = duckdb.connect()
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        if self.memory_limit:
            con.execute(f"SET memory_limit = {_sql_str(self.memory_limit)}")
        return con

    def relation(self, con=None, months: Iterable[int] | None = None):
        """A DuckDB relation over the committed records (every column of the schema)."""
        con = con or self.connect()
        files = self.files(months)
        if not files:
            return con.from_df(empty_frame())
        return con.read_parquet(files)

    def read(self, where: str | None = None, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Records as a DataFrame (optionally filtered by an SQL condition on the columns):
        for small reads such as the open dossiers of a unit."""
        con = self.connect()
        cols = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        rel = self.relation(con)
        sql = f"SELECT {cols} FROM d" + (f" WHERE {where}" if where else "")
        return rel.query("d", sql).df()

    # -- procedures (optional companion table) ---------------------------------------------

    def save_procedures(self, frame: pd.DataFrame) -> Path:
        """Keep the procedure catalogue (the typed join table) next to the dossiers."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / PROCEDURES
        tmp = self.directory / f".{PROCEDURES}.{uuid.uuid4().hex}.tmp"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
        _fsync(tmp)
        os.replace(tmp, target)
        return target

    def load_procedures(self) -> pd.DataFrame | None:
        path = self.directory / PROCEDURES
        if not path.exists():
            return None
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas()

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, valid: pd.DataFrame) -> UpsertCounts:
        """Insert or update `valid` records (the output of `validate_records`)."""
        return self.upsert_many([valid])

    def upsert_many(
        self,
        batches: Iterable[pd.DataFrame],
        on_batch=None,
        *,
        before_publish: Callable[[], None] | None = None,
    ) -> UpsertCounts:
        """Upsert many chunks as one commit; chunks are staged on disk, so memory stays
        bounded by one chunk plus DuckDB's limit. `on_batch(rows)` is called per chunk.

        `before_publish()` is called once the new files are written, just before they are
        published (the commit point); if it raises, the upsert is abandoned and the store
        stays as it was. A caller writing the same records elsewhere too (the web
        database) publishes this way only after that write has succeeded."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock():
            self._clean_orphans()
            stage = self.directory / f"_staging-{uuid.uuid4().hex}"
            (stage / "in").mkdir(parents=True)
            try:
                schema = arrow_schema()
                seq_schema = schema.append(pa.field("_seq", pa.int64(), nullable=False))
                offset = 0
                staged = 0
                for k, frame in enumerate(batches):
                    missing = [c for c in COLUMNS if c not in frame.columns]
                    if missing:
                        raise ValueError(f"not a validated batch: missing {', '.join(missing)}")
                    table = pa.Table.from_pandas(
                        frame[list(COLUMNS)], schema=schema, preserve_index=False
                    )
                    seq = pa.array(range(offset, offset + len(frame)), type=pa.int64())
                    table = pa.Table.from_arrays([*table.columns, seq], schema=seq_schema)
                    if len(frame):
                        pq.write_table(  # temporary: fast rather than small
                            table, stage / "in" / f"batch-{k:06d}.parquet", compression="none"
                        )
                        staged += 1
                    offset += len(frame)
                    if on_batch is not None:
                        on_batch(len(frame))
                if not staged:
                    return UpsertCounts(0, 0)
                return self._commit(stage, before_publish)
            finally:
                shutil.rmtree(stage, ignore_errors=True)

    def _commit(self, stage: Path, before_publish=None) -> UpsertCounts:
        manifest = self.manifest()
        generation = int(manifest["generation"]) + 1
        con = self.connect()
        tmpdir = stage / "duckdb-tmp"
        con.execute(f"SET temp_directory = {_sql_str(str(tmpdir))}")
        con.execute("SET preserve_insertion_order = false")
        cols = ", ".join(f'"{c}"' for c in COLUMNS)
        con.execute(
            f"CREATE TEMP TABLE new AS SELECT {cols} FROM read_parquet("
            f"{_sql_str(str(stage / 'in' / '*.parquet'))}) "
            "QUALIFY row_number() OVER (PARTITION BY dossier_code ORDER BY _seq DESC) = 1"
        )
        n_new = con.execute("SELECT count(*) FROM new").fetchone()[0]
        current = self.files()
        if current:
            con.execute(
                "CREATE TEMP TABLE hit AS SELECT DISTINCT e.dossier_code, e.receipt_month "
                f"FROM read_parquet({_sql_list(current)}) e "
                "SEMI JOIN new n ON e.dossier_code = n.dossier_code"
            )
        else:
            con.execute("CREATE TEMP TABLE hit (dossier_code VARCHAR, receipt_month INTEGER)")
        updated = con.execute("SELECT count(DISTINCT dossier_code) FROM hit").fetchone()[0]
        touched = {
            int(r[0])
            for r in con.execute(
                "SELECT DISTINCT receipt_month FROM new UNION SELECT DISTINCT receipt_month FROM hit"
            ).fetchall()
        }
        old_files = self.files(touched)
        out = stage / "out"
        keep_old = (
            f"SELECT {cols} FROM read_parquet({_sql_list(old_files)}) o "
            "ANTI JOIN new n ON o.dossier_code = n.dossier_code UNION ALL "
            if old_files
            else ""
        )
        con.execute(
            f"COPY ({keep_old}SELECT {cols} FROM new) TO {_sql_str(str(out))} "
            "(FORMAT parquet, PARTITION_BY (receipt_month), WRITE_PARTITION_COLUMNS true, "
            "FILENAME_PATTERN 'part-{i}', COMPRESSION zstd, ROW_GROUP_SIZE 262144)"
        )
        # rows per touched month = before − codes updated away from it + the new records
        rows = {m: int(manifest["partitions"].get(str(m), {}).get("rows", 0)) for m in touched}
        for m, k in con.execute("SELECT receipt_month, count(*) FROM hit GROUP BY 1").fetchall():
            rows[int(m)] -= int(k)
        for m, k in con.execute("SELECT receipt_month, count(*) FROM new GROUP BY 1").fetchall():
            rows[int(m)] += int(k)
        con.close()
        if before_publish is not None:
            before_publish()  # may raise: nothing is published (the stage is removed)

        partitions = dict(manifest["partitions"])
        for month in touched:
            partitions.pop(str(month), None)
        written: list[Path] = []
        for month in sorted(touched):
            src_dir = out / f"receipt_month={month}"
            if not src_dir.is_dir():
                continue  # every record of this month moved elsewhere
            dest_dir = self.directory / f"receipt_month={month}"
            dest_dir.mkdir(exist_ok=True)
            files = []
            for i, src in enumerate(sorted(src_dir.glob("*.parquet"))):
                dest = dest_dir / f"part-{generation:06d}-{i}.parquet"
                _fsync(src)
                os.replace(src, dest)
                written.append(dest)
                files.append(str(dest.relative_to(self.directory)))
            partitions[str(month)] = {"files": files, "rows": int(rows.get(month, 0))}
        new_manifest = {
            "format": FORMAT_VERSION,
            "generation": generation,
            "partitions": dict(sorted(partitions.items())),
            "superseded": [str(Path(f).relative_to(self.directory)) for f in old_files],
        }
        tmp = self.directory / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(new_manifest, indent=1), encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, self.directory / MANIFEST)  # the commit
        with contextlib.suppress(OSError):
            _fsync(self.directory)
        for rel in manifest.get("superseded", []):  # kept one generation for readers
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.directory / rel)
        return UpsertCounts(inserted=int(n_new - updated), updated=int(updated))

    def _clean_orphans(self) -> None:
        """Remove files no manifest references (left by an interrupted upsert)."""
        keep = {str(self.directory / f) for f in self._all_manifest_files()}
        for path in self.directory.glob("receipt_month=*/*.parquet"):
            if str(path) not in keep:
                path.unlink(missing_ok=True)
        for path in self.directory.glob("_staging-*"):
            shutil.rmtree(path, ignore_errors=True)
        for path in self.directory.glob(f".{MANIFEST}.*.tmp"):
            path.unlink(missing_ok=True)

    def _all_manifest_files(self) -> list[str]:
        manifest = self.manifest()
        files = [f for p in manifest["partitions"].values() for f in p["files"]]
        return files + list(manifest.get("superseded", []))

    @contextlib.contextmanager
    def _lock(self):
        path = self.directory / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # not POSIX: no inter-process lock
                pass
            except OSError:
                raise StoreError(
                    f"{self.directory}: another import is writing to this store"
                ) from None
            yield
        finally:
            os.close(fd)
