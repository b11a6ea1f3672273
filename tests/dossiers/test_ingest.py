"""Ingestion: national field names, date formats, rejected records with positions and
reasons, the Parquet store (idempotent upsert, partitions, crash safety), procedures."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parindex.dossiers.ingest import (
    COLUMNS,
    empty_frame,
    iter_csv_chunks,
    rejected_positions,
    validate_records,
)
from parindex.dossiers.procedures import procedures_from_frame
from parindex.dossiers.store import MANIFEST, ParquetStore, StoreError
from parindex.errors import InputError


def records(**cols) -> pd.DataFrame:
    base = {
        "MaHoSo": ["H44.01-260105-0001"],
        "TrangThaiHoSo": ["10"],
        "NgayTiepNhan": ["20260105083000"],
        "NgayHenTra": ["20260112170000"],
        "NgayKetThucXuLy": ["20260107100000"],
        "NgayTra": ["20260107140000"],
    }
    base.update(cols)
    n = max(len(v) for v in base.values())
    return pd.DataFrame({k: (v * n if len(v) == 1 else v) for k, v in base.items()}, dtype=object)


# -- validation ----------------------------------------------------------------------------


def test_good_record_is_typed_and_snake_case():
    frame = records(
        MaTTHC=["1.001234"],
        MaDonVi=["H44.07"],
        KenhThucHien=["2"],
        DuocThanhToanTrucTuyen=["1"],
        PhiLePhi=["50000"],
        CoKetQuaDienTu=["Có"],
        DaSoHoa=["0"],
        CoPhanAnh=[""],
        GhiChu=["ignored"],
    )
    valid, rejected = validate_records(frame, "x.csv")
    assert rejected == []
    assert list(valid.columns) == list(COLUMNS)
    r = valid.iloc[0]
    assert r.dossier_code == "H44.01-260105-0001"
    assert r.unit_code == "H44.07"  # MaDonVi wins over the code's unit
    assert r.received_at == pd.Timestamp("2026-01-05 08:30:00")
    assert r.returned_at == pd.Timestamp("2026-01-07 14:00:00")
    assert (r.channel, r.status, r.paid_online) == (2, 10, 1)
    assert r.fee_amount == 50000.0 and pd.isna(r.has_fee)
    assert r.result_electronic is True or r.result_electronic == True  # noqa: E712
    assert r.digitized == False  # noqa: E712
    assert pd.isna(r.complaint)
    assert r.receipt_month == 202601
    assert str(valid["received_at"].dtype) == "datetime64[us]"
    assert valid["status"].dtype == np.int8
    assert valid.attrs["ignored_columns"] == ["GhiChu"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("20260105083015", "2026-01-05 08:30:15"),
        ("05/01/2026 08:30:15", "2026-01-05 08:30:15"),
        ("05/01/2026 08:30", "2026-01-05 08:30:00"),
        ("05/01/2026", "2026-01-05 00:00:00"),
        ("2026-01-05T08:30:15", "2026-01-05 08:30:15"),
        ("2026-01-05 08:30:15.250", "2026-01-05 08:30:15.250"),
        ("2026-01-05T01:30:15Z", "2026-01-05 08:30:15"),  # UTC → Vietnam time
        ("2026-01-05T08:30:15+07:00", "2026-01-05 08:30:15"),
    ],
)
def test_date_formats(text, expected):
    valid, rejected = validate_records(
        records(
            NgayTiepNhan=[text],
            NgayHenTra=[""],
            NgayKetThucXuLy=[""],
            NgayTra=[""],
            TrangThaiHoSo=["4"],
        )
    )
    assert rejected == []
    assert valid.received_at[0] == pd.Timestamp(expected)


def test_mixed_formats_in_one_column():
    valid, rejected = validate_records(
        records(
            MaHoSo=["A-260105-0001", "A-260105-0002", "A-260105-0003"],
            NgayTiepNhan=["20260105083000", "05/01/2026 09:00:00", "2026-01-05 10:00"],
        )
    )
    assert rejected == []
    assert list(valid.received_at.dt.hour) == [8, 9, 10]


def test_bad_records_are_rejected_with_position_and_reason_and_good_ones_kept():
    frame = records(
        MaHoSo=[
            "A-260105-0001",
            "",
            "A-260105-0003",
            "A-260105-0004",
            "A-260105-0005",
            "bad code",
            "A-260105-0007",
        ],
        TrangThaiHoSo=["10", "10", "11", "9", "4", "10", "10"],
        NgayTiepNhan=[
            "20260105083000",
            "20260105083000",
            "20260105083000",
            "31/02/2026",
            "20260105083000",
            "20260105083000",
            "20260105083000",
        ],
        NgayKetThucXuLy=[
            "20260107100000",
            "20260107100000",
            "20260107100000",
            "",
            "20260107100000",
            "20260107100000",
            "20260104100000",
        ],
        KenhThucHien=["1", "1", "5", "1", "1", "1", "1"],
    )
    valid, rejected = validate_records(frame, "export.csv")
    assert list(valid.dossier_code) == ["A-260105-0001"]
    got = [(p.location, p.field, p.message) for p in rejected]
    assert ("row 3", "MaHoSo", "required") in got
    assert ("row 4", "TrangThaiHoSo", "'11' is not a whole number 1–10") in got
    assert ("row 4", "KenhThucHien", "'5' is not a whole number 1–3") in got
    assert any(
        loc == "row 5" and f == "NgayTiepNhan" and "'31/02/2026' is not a date-time" in m
        for loc, f, m in got
    )
    assert not any(  # no second report of the same bad cell
        loc == "row 5" and f == "NgayTiepNhan" and m.startswith("required") for loc, f, m in got
    )
    assert ("row 5", "NgayKetThucXuLy", "required for status 9 (processed)") in got
    assert (
        "row 6",
        "TrangThaiHoSo",
        "status 4 is open but the dossier has an end date (NgayKetThucXuLy/NgayTra)",
    ) in got
    assert any(loc == "row 7" and "not a dossier code" in m for loc, _, m in got)
    assert any(
        loc == "row 8" and f == "NgayKetThucXuLy" and "is before NgayTiepNhan" in m
        for loc, f, m in got
    )
    assert list(rejected_positions(rejected)) == [1, 2, 3, 4, 5, 6]
    assert str(rejected[0]).startswith("export.csv: row 3: MaHoSo: ")
    # positions are in file order
    assert [p.position for p in rejected] == sorted(p.position for p in rejected)


@pytest.mark.parametrize(
    "cols, field, message",
    [
        (
            {"TrangThaiHoSo": ["9"], "NgayKetThucXuLy": [""], "NgayTra": [""]},
            "NgayKetThucXuLy",
            "required for status 9",
        ),
        ({"TrangThaiHoSo": ["10"], "NgayTra": [""]}, "NgayTra", "required for status 10"),
        (
            {"TrangThaiHoSo": ["8"], "NgayKetThucXuLy": [""], "NgayTra": [""]},
            "NgayKetThucXuLy",
            "status 8 ends processing",
        ),
        (
            {
                "TrangThaiHoSo": ["4"],
                "NgayTiepNhan": [""],
                "NgayHenTra": [""],
                "NgayKetThucXuLy": [""],
                "NgayTra": [""],
            },
            "NgayTiepNhan",
            "required for status 4",
        ),
        ({"NgayTra": ["20260107090000"]}, "NgayTra", "is before NgayKetThucXuLy"),
        ({"NgayHenTra": ["20260104170000"]}, "NgayHenTra", "is before NgayTiepNhan"),
        (
            {"NgayBoSungXong": ["20260106090000"]},
            "NgayBoSungXong",
            "given without NgayYeuCauBoSung",
        ),
        (
            {"NgayYeuCauBoSung": ["20260106090000"], "NgayBoSungXong": ["20260106080000"]},
            "NgayBoSungXong",
            "is before NgayYeuCauBoSung",
        ),
        (
            {"NgayYeuCauBoSung": ["20260106090000"], "SoLanBoSung": ["0"]},
            "SoLanBoSung",
            "0 but NgayYeuCauBoSung",
        ),
        ({"SoLanBoSung": ["1.5"]}, "SoLanBoSung", "not a whole number"),
        ({"DaSoHoa": ["maybe"]}, "DaSoHoa", "not yes/no"),
        ({"PhiLePhi": ["-5"]}, "PhiLePhi", "not an amount"),
        ({"DuocThanhToanTrucTuyen": ["3"]}, "DuocThanhToanTrucTuyen", "0–2"),
        ({"NgayHenTraBanDau": ["20260113170000"]}, "NgayHenTraBanDau", "is after NgayHenTra"),
        ({"MaHoSo": ["HS0001"]}, "MaDonVi", "required (MaDonVi, or a dossier code"),
    ],
)
def test_consistency_rules(cols, field, message):
    valid, rejected = validate_records(records(**cols))
    assert len(valid) == 0
    assert any(p.field == field and message in p.message for p in rejected), rejected


def test_defaults_and_derived_fields():
    valid, rejected = validate_records(
        records(
            MaHoSo=["H44.22-260301-0004", "OTHER-0001"],
            TrangThaiHoSo=["1", "2"],
            NgayTiepNhan=["", "20260302090000"],
            NgayHenTra=["", ""],
            NgayKetThucXuLy=["", ""],
            NgayTra=["", ""],
            MaDonVi=["", "H44.09"],
            NgayYeuCauBoSung=["", "20260302100000"],
        )
    )
    assert rejected == []
    assert list(valid.unit_code) == ["H44.22", "H44.09"]  # from the code when MaDonVi is empty
    assert list(valid.receipt_month) == [202603, 202603]  # the code's date when not received
    assert list(valid.channel) == [1, 1] and list(valid.paid_online) == [0, 0]
    assert list(valid.supplement_count) == [0, 1]


def test_repeated_code_keeps_the_last_record():
    valid, rejected = validate_records(
        records(
            MaHoSo=["A-260105-0001", "A-260105-0001"],
            TrangThaiHoSo=["4", "10"],
            NgayKetThucXuLy=["", "20260107100000"],
            NgayTra=["", "20260107140000"],
        )
    )
    assert rejected == []
    assert len(valid) == 1 and valid.status[0] == 10
    assert valid.attrs["duplicates"] == 1


def test_missing_required_column_is_a_file_problem():
    with pytest.raises(InputError) as err:
        validate_records(pd.DataFrame({"MaHoSo": ["A-260105-0001"]}), "x.csv")
    assert str(err.value.problems[0]) == "x.csv: header: TrangThaiHoSo: required column is missing"


def test_json_numbers_and_snake_case_names():
    frame = pd.DataFrame.from_records(
        [
            {
                "dossier_code": "A-260105-0001",
                "status": 10,
                "received_at": 20260105083000,
                "returned_at": 20260106090000,
                "processed_at": 20260106080000,
                "channel": 2.0,
            }
        ]
    )
    valid, rejected = validate_records(frame, "x.json", first_row=1, row_label="record")
    assert rejected == []
    assert valid.received_at[0] == pd.Timestamp("2026-01-05 08:30") and valid.channel[0] == 2
    bad, problems = validate_records(
        frame.assign(status=12), "x.json", first_row=1, row_label="record"
    )
    assert str(problems[0]) == "x.json: record 1: status: '12' is not a whole number 1–10"


def test_csv_chunks_with_bom(tmp_path):
    path = tmp_path / "x.csv"
    rows = ["MaHoSo,TrangThaiHoSo,NgayTiepNhan,MaTTHC"] + [
        f"A-260105-{i:04d},4,20260105083000,1.000010" for i in range(1, 2501)
    ]
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    chunks = list(iter_csv_chunks(path, chunk_rows=1000))
    assert sum(len(c) for c in chunks) == 2500 and len(chunks) >= 2
    assert list(chunks[0].columns) == ["MaHoSo", "TrangThaiHoSo", "NgayTiepNhan", "MaTTHC"]
    assert chunks[0]["MaTTHC"].iloc[0] == "1.000010"  # text kept, not a number


# -- store ---------------------------------------------------------------------------------


def batch(codes, status="4", received="20260105083000", **cols) -> pd.DataFrame:
    n = len(codes)
    frame = pd.DataFrame(
        {"MaHoSo": codes, "TrangThaiHoSo": [status] * n, "NgayTiepNhan": [received] * n, **cols}
    )
    valid, rejected = validate_records(frame)
    assert rejected == []
    return valid


def test_upsert_is_idempotent(tmp_path):
    store = ParquetStore(tmp_path / "s")
    first = batch([f"A-260105-{i:04d}" for i in range(1, 11)])
    counts = store.upsert(first)
    assert (counts.inserted, counts.updated) == (10, 0)
    again = store.upsert(first)
    assert (again.inserted, again.updated) == (0, 10)
    assert store.count() == 10
    assert store.read()["dossier_code"].is_unique
    newer = batch(["A-260105-0001", "A-260105-0011"], status="2")
    counts = store.upsert(newer)
    assert (counts.inserted, counts.updated) == (1, 1)
    data = store.read().set_index("dossier_code")
    assert len(data) == 11 and data.loc["A-260105-0001", "status"] == 2


def test_update_moving_to_another_month_keeps_one_copy(tmp_path):
    store = ParquetStore(tmp_path / "s")
    store.upsert(batch(["A-260105-0001", "A-260105-0002"]))
    store.upsert(batch(["A-260105-0002"], received="20260203090000"))
    data = store.read().set_index("dossier_code")
    assert len(data) == 2
    assert data.loc["A-260105-0002", "receipt_month"] == 202602
    assert set(store.manifest()["partitions"]) == {"202601", "202602"}
    assert {k: v["rows"] for k, v in store.manifest()["partitions"].items()} == {
        "202601": 1,
        "202602": 1,
    }


def test_upsert_many_chunks_one_commit_last_wins(tmp_path):
    store = ParquetStore(tmp_path / "s")
    a = batch(["A-260105-0001", "A-260105-0002"])
    b = batch(["A-260105-0002"], status="2")
    counts = store.upsert_many([a, b])
    assert (counts.inserted, counts.updated) == (2, 0)
    assert store.read().set_index("dossier_code").loc["A-260105-0002", "status"] == 2
    assert store.manifest()["generation"] == 1


def test_interrupted_upsert_loses_nothing(tmp_path, monkeypatch):
    store = ParquetStore(tmp_path / "s")
    store.upsert(batch(["A-260105-0001", "A-260105-0002"]))
    before = store.read().sort_values("dossier_code").reset_index(drop=True)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    import parindex.dossiers.store as store_module

    real_replace = store_module.os.replace
    monkeypatch.setattr(
        store_module.os,
        "replace",
        lambda src, dst: crash() if str(dst).endswith(MANIFEST) else real_replace(src, dst),
    )
    with pytest.raises(OSError, match="disk full"):
        store.upsert(batch(["A-260105-0002", "A-260105-0003"], status="2"))
    monkeypatch.undo()
    after = store.read().sort_values("dossier_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)  # the committed state is untouched
    assert len(list((tmp_path / "s").glob("receipt_month=*/*.parquet"))) > 1  # orphans left
    store.upsert(batch(["A-260105-0003"]))  # the next upsert cleans them

    def on_disk() -> list[str]:
        return sorted(str(f) for f in (tmp_path / "s").glob("receipt_month=*/*.parquet"))

    def expected() -> list[str]:
        kept = [str(tmp_path / "s" / f) for f in store.manifest()["superseded"]]
        return sorted(store.files() + kept)

    assert on_disk() == expected()
    assert store.count() == 3


def test_readers_of_the_previous_generation_can_finish(tmp_path):
    import duckdb

    store = ParquetStore(tmp_path / "s")
    store.upsert(batch(["A-260105-0001", "A-260105-0002"]))
    old = store.files()
    store.upsert(batch(["A-260105-0002"], status="2"))
    assert store.files() != old
    # a reader who listed the files before the commit still reads the old generation
    assert duckdb.connect().read_parquet(old).count("*").fetchall()[0][0] == 2
    store.upsert(batch(["A-260105-0003"]))
    assert not any(Path(f).exists() for f in old)  # gone one generation later
    files = sorted(str(f) for f in (tmp_path / "s").glob("receipt_month=*/*.parquet"))
    kept = [str(tmp_path / "s" / f) for f in store.manifest()["superseded"]]
    assert files == sorted(store.files() + kept)


def test_store_lock_and_empty_store(tmp_path):
    import fcntl
    import os

    store = ParquetStore(tmp_path / "s")
    assert store.count() == 0 and store.files() == []
    assert list(store.read().columns) == list(empty_frame().columns)
    (tmp_path / "s").mkdir()
    fd = os.open(tmp_path / "s" / ".lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(StoreError, match="another import"):
            store.upsert(batch(["A-260105-0001"]))
    finally:
        os.close(fd)
    assert store.upsert(batch(["A-260105-0001"])).inserted == 1


def test_corrupt_manifest_is_reported(tmp_path):
    (tmp_path / MANIFEST).write_text(json.dumps({"format": 99}))
    with pytest.raises(StoreError, match="unknown store format"):
        ParquetStore(tmp_path).files()


# -- procedures ----------------------------------------------------------------------------


def test_procedures_parse():
    frame = pd.DataFrame(
        {
            "MaTTHC": ["1.001234", "2.000815", "1.000001.000.00.00.H44"],
            "TenTTHC": ["Cấp phép A", "Đăng ký B", "Chứng thực C"],
            "LinhVuc": ["Công Thương", "Hộ tịch", "Chứng thực"],
            "CapThucHien": ["Cấp tỉnh", "Cấp xã; Cấp huyện", "province,commune"],
            "ThoiHanGiaiQuyet": ["5", "0,5", "8"],
            "DonViThoiHan": ["Ngày làm việc", "working_days", "giờ"],
            "CoPhiLePhi": ["Có", "0", ""],
            "KenhThucHien": ["1;2;3", "trực tuyến", ""],
            "YeuCauKetQuaGiay": ["1", "", "x"],
            "MucDo": ["4", "3", "2"],
        }
    )
    cat = procedures_from_frame(frame)
    a, b, c = (cat[code] for code in ("1.001234", "2.000815", "1.000001.000.00.00.H44"))
    assert (a.time_limit, a.time_unit, a.has_fee, a.online_level) == (
        5,
        "working_days",
        True,
        "full",
    )
    assert a.levels == ("province",) and a.channels == (1, 2, 3) and a.paper_result
    assert (b.time_limit, b.levels, b.channels, b.online_level) == (
        0.5,
        ("commune", "district"),
        (2,),
        "partial",
    )
    assert (c.time_unit, c.online_level, c.has_fee, c.result_document) == (
        "hours",
        "none",
        False,
        True,
    )
    table = cat.frame()
    assert list(table["procedure_code"]) == ["1.001234", "2.000815", "1.000001.000.00.00.H44"]


def test_procedure_problems_name_row_and_column():
    frame = pd.DataFrame(
        {
            "code": ["1.001234", "1.001234", "12345", ""],
            "name": ["A", "B", "", "D"],
            "time_limit": ["5", "x", "2.5", "-1"],
            "time_unit": ["weeks", "working_days", "days", "hours"],
            "has_fee": ["1", "maybe", "", ""],
            "online_level": ["", "", "5", ""],
            "levels": ["", "", "", "planet"],
        }
    )
    with pytest.raises(InputError) as err:
        procedures_from_frame(frame, "p.csv")
    got = {str(p) for p in err.value.problems}
    assert "p.csv: row 2: time_unit: 'weeks' is not one of working_days, days, hours" in got
    assert "p.csv: row 3: code: '1.001234' already listed in row 2" in got
    assert "p.csv: row 3: time_limit: 'x' is not a number" in got
    assert "p.csv: row 3: has_fee: 'maybe' is not yes/no (1/0, có/không)" in got
    assert "p.csv: row 4: code: '12345' is not a national procedure code (e.g. 1.001234)" in got
    assert "p.csv: row 4: name: required" in got
    assert "p.csv: row 4: time_limit: 2.5 calendar days must be whole" in got
    assert "p.csv: row 4: online_level: '5' is not one of full, partial, none (or 2/3/4)" in got
    assert "p.csv: row 5: code: required" in got
    assert "p.csv: row 5: time_limit: -1 must be a finite number >= 0" in got
    assert "p.csv: row 5: levels: unknown level(s) planet" in got
    with pytest.raises(InputError, match="time_unit: required column is missing"):
        procedures_from_frame(pd.DataFrame({"code": [], "name": [], "time_limit": []}), "p.csv")


def test_validation_is_vectorised():
    """Not a benchmark: guards against a per-record Python loop creeping in (≈2 s here)."""
    n = 200_000
    frame = pd.DataFrame(
        {
            "MaHoSo": pd.Series(
                [f"A-260105-{i % 9999 + 1:04d}-{i}" for i in range(n)], dtype="str"
            ),
            "TrangThaiHoSo": pd.Series(np.full(n, "10"), dtype="str"),
            "NgayTiepNhan": pd.Series(np.full(n, "05/01/2026 08:30:00"), dtype="str"),
            "NgayKetThucXuLy": pd.Series(np.full(n, "20260106083000"), dtype="str"),
            "NgayTra": pd.Series(np.full(n, "20260106093000"), dtype="str"),
            "MaDonVi": pd.Series(np.full(n, "H44.01"), dtype="str"),
        }
    )
    start = datetime.now()
    valid, rejected = validate_records(frame)
    assert len(valid) == n and rejected == []
    assert (datetime.now() - start).total_seconds() < 10
