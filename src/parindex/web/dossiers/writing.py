"""Writing dossier records into the web database and the Parquet store together.

Both stores get every accepted record, all or nothing:

- `save_records` (an API batch, at most tens of thousands of records): the database rows
  first, then the store's upsert, inside one transaction — a failure of either (e.g. the
  store busy, `StoreError`) rolls the database back;
- `upsert_chunks` (the import command, any size): chunk by chunk, the database in this
  thread and the store in a worker thread (`StoreWriter`), overlapped; the store publishes
  only once every database write has succeeded (`ParquetStore.upsert_many`'s
  `before_publish`), and the caller's transaction commits the database after it.

Every write is logged with `log_batch` (`DossierBatch`: `save_records` does it, the
command after `upsert_chunks`), whose id the page caches watch.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

import pandas as pd
from django.db import transaction

from parindex.dossiers.store import ParquetStore, UpsertCounts
from parindex.web.dossiers import dbstore, services
from parindex.web.dossiers.models import DossierBatch


def save_records(
    valid: pd.DataFrame,
    *,
    via: str,
    source: str = "",
    user=None,
    received: int | None = None,
    rejected: int = 0,
) -> UpsertCounts:
    """Store validated records in the database and the Parquet store, all or nothing:
    the database rows are written first, the store commits inside the same transaction,
    and a failure of either (e.g. the store busy: `StoreError`) rolls the database back.
    The batch is logged (`DossierBatch`). Returns the database's inserted/updated counts."""
    with transaction.atomic():
        counts = dbstore.upsert(valid)
        if len(valid):
            services.store().upsert(valid)
        records = len(valid) + rejected if received is None else received
        log_batch(via, source, records=records, counts=counts, rejected=rejected, user=user)
    return counts


def log_batch(
    via: str, source: str, *, records: int, counts: UpsertCounts, rejected: int, user=None
) -> DossierBatch:
    """Record a write (inside its transaction): what came, what became of it, by whom."""
    return DossierBatch.objects.create(
        via=via,
        source=source[:300],
        records=records,
        inserted=counts.inserted,
        updated=counts.updated,
        rejected=rejected,
        user=user,
    )


_END, _ABANDON = object(), object()


class _Abandoned(Exception):
    """The database write failed: the store must not publish."""


class StoreWriter(threading.Thread):
    """`ParquetStore.upsert_many` in a worker thread, fed chunk by chunk, so that the
    Parquet staging and the DuckDB commit (C++ code, outside Python's lock) run while the
    main thread writes the same chunks into the database. The store publishes only when
    told that every database write succeeded (`finish(True)`)."""

    def __init__(self, store: ParquetStore):
        super().__init__(name="parquet-store", daemon=True)
        self.store = store
        self.inbox: queue.Queue = queue.Queue(maxsize=2)
        self.decided = threading.Event()
        self.publish = False
        self.closed = False
        self.error: BaseException | None = None
        self.counts: UpsertCounts | None = None

    def run(self) -> None:
        try:
            self.counts = self.store.upsert_many(self._chunks(), before_publish=self._decision)
        except BaseException as exc:  # handed to the main thread
            self.error = exc

    def _chunks(self) -> Iterator[pd.DataFrame]:
        while True:
            item = self.inbox.get()
            if item is _END:
                return
            if item is _ABANDON:
                raise _Abandoned
            yield item

    def _decision(self) -> None:
        self.decided.wait()
        if not self.publish:
            raise _Abandoned

    def check(self) -> None:
        """Raise the worker's error now (e.g. the store is busy) rather than at the end."""
        if self.error is not None and not isinstance(self.error, _Abandoned):
            raise self.error

    def put(self, item, *, quiet: bool = False) -> None:
        """Hand an item to the worker (waiting while its inbox is full); raises the
        worker's error unless `quiet`."""
        while self.is_alive():
            if not quiet:
                self.check()
            try:
                self.inbox.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        if not quiet:
            self.check()

    def close(self) -> None:
        """No more chunks: the store prepares its commit."""
        if not self.closed:
            self.closed = True
            self.put(_END)

    def finish(self, ok: bool) -> UpsertCounts:
        """Publish (`ok`) or abandon the store's upsert and wait for the worker. When
        abandoning, the worker's own errors are not raised: the caller's error wins."""
        if not ok:
            if not self.closed:
                self.closed = True
                self.put(_ABANDON, quiet=True)
        else:
            self.close()
        self.publish = ok
        self.decided.set()
        self.join()
        if ok:
            self.check()
        return self.counts or UpsertCounts(0, 0)


def upsert_chunks(
    target: ParquetStore, chunks: Iterator[pd.DataFrame]
) -> tuple[UpsertCounts, UpsertCounts]:
    """Write validated chunks into the web database (this thread, inside the caller's
    transaction) and into the Parquet store (`StoreWriter`), overlapping the two. The
    database is written one chunk behind the store, so the store's DuckDB commit runs
    while the last chunk goes into the database; the store publishes only after every
    database write succeeded, and the caller commits the database after that. Returns the
    database's counts and the store's."""
    writer = StoreWriter(target)
    writer.start()
    inserted = updated = 0
    ok = False

    def write(frame: pd.DataFrame) -> None:
        nonlocal inserted, updated
        writer.check()
        done = dbstore.upsert(frame)
        inserted += done.inserted
        updated += done.updated

    try:
        pending = None
        for valid in chunks:
            writer.put(valid)
            if pending is not None:
                write(pending)
            pending = valid
        writer.close()
        if pending is not None:
            write(pending)
        ok = True
    finally:
        store_counts = writer.finish(ok)
    return UpsertCounts(inserted, updated), store_counts
