"""Fixtures for the dossier pages: a small synthetic store under tmp_path."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from parindex.dossiers import ParquetStore, validate_records

YEAR = 2025


def _fmt(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%d/%m/%Y %H:%M:%S")


def record(code, unit, proc, received, due, processed=None, status=None, channel=1, **extra):
    rec = {
        "MaHoSo": code,
        "MaDonVi": unit,
        "MaTTHC": proc,
        "NgayTiepNhan": _fmt(received),
        "NgayHenTra": _fmt(due),
        "NgayKetThucXuLy": _fmt(processed),
        "NgayTra": "",
        "KenhThucHien": str(channel),
        "TrangThaiHoSo": str(status or (9 if processed else 2)),
    }
    rec.update(extra)
    return rec


def synthetic_records() -> list[dict]:
    """Some dozens of dossiers of D1, D2 and X1 in 2025: a mix of on time and late."""
    out = []
    n = 0
    for unit, late_every in (("D1", 3), ("D2", 5), ("X1", 2)):
        for i in range(14):
            n += 1
            received = datetime(YEAR, 1 + i % 10, 3 + i, 9, 0)
            due = received + timedelta(days=10)
            late = i % late_every == 0
            processed = due + timedelta(days=3) if late else received + timedelta(days=4)
            proc = "1.000001" if i % 2 else "2.000002"
            out.append(
                record(
                    f"{unit}-K{n:04d}", unit, proc, received, due, processed, channel=1 + (i % 2)
                )
            )
    return out


def open_records(today: date) -> list[dict]:
    """Open dossiers of D1 judged today: two overdue, one due tomorrow-ish, one far ahead."""
    now = datetime.combine(today, datetime.min.time()).replace(hour=8)
    return [
        record("D1-OPEN1", "D1", "1.000001", now - timedelta(days=40), now - timedelta(days=20)),
        record("D1-OPEN2", "D1", "2.000002", now - timedelta(days=30), now - timedelta(days=3)),
        record(
            "D1-SOON1", "D1", "1.000001", now - timedelta(days=5), now + timedelta(days=1, hours=9)
        ),
        record("D1-LATER", "D1", "1.000001", now - timedelta(days=1), now + timedelta(days=40)),
        record("X1-OPEN9", "X1", "1.000001", now - timedelta(days=40), now - timedelta(days=20)),
    ]


def fill(store: ParquetStore, records: list[dict]):
    import pandas as pd

    valid, problems = validate_records(pd.DataFrame(records).fillna(""), "test")
    assert not problems, problems
    return store.upsert(valid)


@pytest.fixture
def dossier_store(tmp_path, settings):
    from parindex.web.dossiers import services

    settings.PARINDEX_DOSSIER_STORE = str(tmp_path / "dossiers")
    services.clear_cache()
    store = ParquetStore(tmp_path / "dossiers")
    fill(store, synthetic_records())
    yield store
    services.clear_cache()
