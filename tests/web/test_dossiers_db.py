"""Dossier records in the web database: the model, the bulk upsert, the import command and
the API writing the database and the Parquet store, and the pages reading the database
for small volumes with the same numbers as DuckDB over Parquet.

Runs on SQLite and on PostgreSQL (``DATABASE_URL=postgres://…``): the upsert takes a
different path on each (executemany / COPY), the results must not differ."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from test_api_support import call, token_for
from test_dossiers_support import YEAR, open_records, record, synthetic_records
from typer.testing import CliRunner

from parindex.cli import app
from parindex.dossiers import ParquetStore, Period, validate_records
from parindex.web.dossiers import dbstore, services, writing
from parindex.web.dossiers.models import Dossier, DossierBatch

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
R = datetime(2025, 3, 3, 9, 0)
DUE = datetime(2025, 3, 10, 17, 0)
DONE = datetime(2025, 3, 7, 10, 0)


def valid_of(records: list[dict]) -> pd.DataFrame:
    valid, problems = validate_records(pd.DataFrame(records).fillna(""), "test")
    assert not problems, problems
    return valid


def comparable(frame: pd.DataFrame) -> list[dict]:
    """Records as plain values (NA → None), ordered by code: equal means same content."""
    frame = frame.sort_values("dossier_code").reset_index(drop=True)
    out = []
    for row in frame.astype(object).to_dict("records"):
        out.append({k: (None if pd.isna(v) else v) for k, v in row.items()})
    return out


@pytest.fixture
def web_store(tmp_path, settings):
    """An empty Parquet store of the web application (and empty caches)."""
    # where the web settings put it for the data directory tmp_path (<data dir>/dossiers)
    settings.PARINDEX_DOSSIER_STORE = str(tmp_path / "dossiers")
    services.clear_cache()
    yield ParquetStore(tmp_path / "dossiers")
    services.clear_cache()


# -- the model and the bulk upsert ------------------------------------------------------------


def rich_record() -> dict:
    """Every kind of field, with a fractional second, NULLs and a fee with decimals."""
    return record(
        "D1-R0001",
        "D1",
        "1.000001",
        R,
        DUE,
        DONE,
        status=10,
        channel=2,
        NgayTra="07/03/2025 15:30:00",
        NgayTiepNhan="2025-03-03T09:00:00.250+07:00",
        NgayHenTraBanDau="08/03/2025 17:00:00",
        SoLanHenLai="1",
        DuocThanhToanTrucTuyen="2",
        CoPhiLePhi="1",
        PhiLePhi="12000.5",
        NgayYeuCauBoSung="04/03/2025 08:00:00",
        NgayBoSungXong="05/03/2025 08:00:00",
        SoLanBoSung="1",
        CoKetQuaDienTu="1",
        DaSoHoa="0",
        TaiSuDungDuLieu="",
        KhaiThacDuLieu="có",
        SuDungCSDLDanCu="không",
        DaDongBo="1",
        CoPhanAnh="0",
    )


def test_round_trip_keeps_every_column_of_an_accepted_record(web_store):
    records = [rich_record(), record("D2-R0002", "D2", "", R, None, None, status=2)]
    valid = valid_of(records)
    counts = dbstore.upsert(valid)
    assert (counts.inserted, counts.updated) == (2, 0)
    back = dbstore.read()
    assert list(back.columns) == list(valid.columns)
    assert comparable(back) == comparable(valid)
    for name in ("received_at", "due_at", "processed_at", "supplement_requested_at"):
        assert str(back[name].dtype) == "datetime64[us]"
    assert str(back["digitized"].dtype) == "boolean" and str(back["status"].dtype) == "int8"


def test_moments_are_stored_as_the_right_instants(web_store):
    dbstore.upsert(valid_of([rich_record()]))
    row = Dossier.objects.get(dossier_code="D1-R0001")
    # 09:00:00.25 Vietnam time = 02:00:00.25 UTC; the ORM sees the same instant
    assert row.received_at == datetime(2025, 3, 3, 9, 0, 0, 250000, tzinfo=VN)
    assert row.due_at == datetime(2025, 3, 10, 17, 0, tzinfo=VN)
    assert row.processed_at.astimezone(VN).replace(tzinfo=None) == DONE
    assert row.fee_amount == 12000.5 and row.paid_online == 2 and row.has_fee is True
    assert row.digitized is False and row.reused_data is None and row.shared_data is True
    assert row.receipt_month == 202503 and row.supplement_count == 1
    # ORM lookups compare like for like (SQLite keeps Django's own text form)
    after = datetime(2025, 3, 10, 16, 59, tzinfo=VN)
    assert list(
        Dossier.objects.filter(due_at__gt=after).values_list("dossier_code", flat=True)
    ) == ["D1-R0001"]
    assert not Dossier.objects.filter(due_at__gt=after + timedelta(minutes=2)).exists()
    exact = datetime(2025, 3, 10, 17, 0, tzinfo=VN)
    assert Dossier.objects.filter(due_at=exact).count() == 1


def test_upsert_twice_updates_and_never_duplicates(web_store):
    first = [record(f"D1-U{i:04d}", "D1", "1.000001", R, DUE, DONE) for i in range(25)]
    dbstore.upsert(valid_of(first))
    assert Dossier.objects.count() == 25
    again = [record(f"D1-U{i:04d}", "D1", "9.999999", R, DUE, None, status=4) for i in range(20)]
    again.append(record("D1-U9999", "D1", "1.000001", R, DUE, DONE))
    counts = dbstore.upsert(valid_of(again))
    assert (counts.inserted, counts.updated) == (1, 20)
    assert Dossier.objects.count() == 26
    changed = Dossier.objects.get(dossier_code="D1-U0003")
    assert (changed.procedure_code, changed.status, changed.processed_at) == ("9.999999", 4, None)
    kept = Dossier.objects.get(dossier_code="D1-U0022")
    assert (kept.procedure_code, kept.status) == ("1.000001", 9)
    # a code twice in one batch: the later record wins (as in the Parquet store)
    twice = valid_of([record("D1-U0001", "D1", "A", R, DUE, DONE)])
    twice = pd.concat([twice, valid_of([record("D1-U0001", "D1", "B", R, DUE, DONE)])])
    counts = dbstore.upsert(twice.reset_index(drop=True))
    assert (counts.inserted, counts.updated) == (0, 1)
    assert Dossier.objects.get(dossier_code="D1-U0001").procedure_code == "B"


def test_a_resent_unchanged_record_is_not_rewritten(web_store):
    rows = [record(f"D2-S{i:04d}", "D2", "1.000001", R, DUE, DONE) for i in range(5)]
    dbstore.upsert(valid_of(rows))
    written = dict(Dossier.objects.values_list("dossier_code", "updated_at"))
    counts = dbstore.upsert(valid_of(rows))
    assert (counts.inserted, counts.updated) == (0, 5)  # received again: counted
    assert dict(Dossier.objects.values_list("dossier_code", "updated_at")) == written
    rows[2] = record("D2-S0002", "D2", "1.000001", R, DUE, DONE, channel=2)
    dbstore.upsert(valid_of(rows))
    now = dict(Dossier.objects.values_list("dossier_code", "updated_at"))
    assert now["D2-S0002"] > written["D2-S0002"]
    assert {k: v for k, v in now.items() if k != "D2-S0002"} == {
        k: v for k, v in written.items() if k != "D2-S0002"
    }
    assert Dossier.objects.get(dossier_code="D2-S0002").channel == 2


def test_upsert_in_several_batches(web_store, monkeypatch):
    monkeypatch.setattr(dbstore, "BATCH_ROWS", 7)
    rows = [record(f"X1-B{i:04d}", "X1", "2.000002", R, DUE, DONE) for i in range(30)]
    assert dbstore.upsert(valid_of(rows[:12])).inserted == 12
    counts = dbstore.upsert(valid_of(rows))
    assert (counts.inserted, counts.updated) == (18, 12)
    assert dbstore.count(["X1"]) == 30 and dbstore.count(["X1"], limit=10) == 11
    assert len(dbstore.read(["X1"])) == 30 and dbstore.read(["D1"]).empty


def test_codes_longer_than_the_columns_are_rejected_before_any_store():
    long_unit = record("D1-L0001", "U" * 101, "1.000001", R, DUE, DONE)
    long_proc = record("D1-L0002", "D1", "9" * 101, R, DUE, DONE)
    valid, problems = validate_records(pd.DataFrame([long_unit, long_proc]), "x")
    assert valid.empty
    assert [(p.location, p.field) for p in problems] == [("row 2", "MaDonVi"), ("row 3", "MaTTHC")]
    assert "longer than 100 characters" in problems[0].message


# -- save_records: database and store together --------------------------------------------------


def test_save_records_writes_both_stores_and_logs_the_batch(web_store, make_user):
    user = make_user("admin")
    valid = valid_of(synthetic_records())
    counts = writing.save_records(valid, via="api", source="t", user=user, rejected=3)
    assert (counts.inserted, counts.updated) == (42, 0)
    assert comparable(dbstore.read()) == comparable(web_store.read())
    batch = DossierBatch.objects.get()
    assert (batch.records, batch.inserted, batch.rejected, batch.user) == (45, 42, 3, user)
    assert dbstore.version() == batch.pk


def test_store_failure_rolls_the_database_back(web_store):
    from parindex.dossiers.store import StoreError

    valid = valid_of(synthetic_records())
    web_store.directory.mkdir(parents=True)
    with web_store._lock(), pytest.raises(StoreError):  # another writer holds the store
        writing.save_records(valid, via="api")
    assert Dossier.objects.count() == 0 and DossierBatch.objects.count() == 0
    assert web_store.count() == 0


# -- the API ---------------------------------------------------------------------------------


def api_batch():
    bad_status = record("D1-A0002", "D1", "1.000001", R, DUE, DONE)
    bad_status["TrangThaiHoSo"] = "42"
    bad_order = record("D1-A0004", "D1", "1.000001", R, DUE, DONE)
    bad_order["NgayTra"] = "01/03/2025 08:00:00"  # before the end of processing
    return [
        record("D1-A0001", "D1", "1.000001", R, DUE, DONE),
        bad_status,
        record("X1-A0003", "X1", "2.000002", R, DUE, DONE, channel=2),
        bad_order,
        record("ZZ-A0005", "ZZ", "2.000002", R, DUE, DONE),
    ]


def test_api_batch_writes_the_database_and_the_store(tree, make_user, client, web_store):
    user = make_user("admin", "campaign_admin", tree.p)
    key = token_for(user, "sync")
    status, body = call(client, "POST", "/api/dossiers/batch", api_batch(), token=key)
    assert status == 200, body
    assert (body["inserted"], body["updated"], body["rejected"]) == (2, 0, 3)
    reasons = {e["position"]: (e["field"], e["message"]) for e in body["errors"]}
    assert set(reasons) == {1, 3, 4}
    assert reasons[1][0] == "TrangThaiHoSo" and "42" in reasons[1][1]
    assert reasons[3][0] == "NgayTra" and "before" in reasons[3][1]
    assert reasons[4][0] == "MaDonVi" and "ZZ" in reasons[4][1]
    assert sorted(Dossier.objects.values_list("dossier_code", flat=True)) == [
        "D1-A0001",
        "X1-A0003",
    ]
    assert Dossier.objects.get(dossier_code="X1-A0003").channel == 2
    assert sorted(web_store.read()["dossier_code"]) == ["D1-A0001", "X1-A0003"]
    batch = DossierBatch.objects.get()
    assert (batch.via, batch.records, batch.inserted, batch.rejected) == ("api", 5, 2, 3)
    assert batch.user == user

    again = [record("D1-A0001", "D1", "1.000009", R, DUE, DONE)]
    status, body = call(client, "POST", "/api/dossiers/batch", again, token=key)
    assert (body["inserted"], body["updated"]) == (0, 1)
    assert Dossier.objects.count() == 2
    assert Dossier.objects.get(dossier_code="D1-A0001").procedure_code == "1.000009"
    assert web_store.read(where="dossier_code = 'D1-A0001'")["procedure_code"][0] == "1.000009"


def test_api_store_busy_is_503_and_stores_nothing(tree, make_user, client, web_store):
    key = token_for(make_user("admin", "campaign_admin", tree.p), "sync")
    web_store.directory.mkdir(parents=True)
    with web_store._lock():
        status, body = call(client, "POST", "/api/dossiers/batch", api_batch(), token=key)
    assert status == 503
    assert Dossier.objects.count() == 0 and web_store.count() == 0


# -- the import command ------------------------------------------------------------------------

CSV_HEADER = (
    "MaHoSo,MaDonVi,MaTTHC,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,NgayTra,"
    "KenhThucHien,TrangThaiHoSo,DuocThanhToanTrucTuyen"
)
CSV_ROWS = [
    "D1-C0001,D1,1.000001,03/03/2025 09:00:00,10/03/2025 17:00:00,07/03/2025 10:00:00,,1,9,0",
    "D1-C0002,D1,1.000001,03/03/2025 09:00:00,10/03/2025 17:00:00,,,2,4,1",
    "D1-C0003,D1,1.000001,31/02/2025 09:00:00,,,,1,4,",
    "X1-C0004,X1,2.000002,20250304080000,20250311170000,20250312080000,,3,9,",
    "X1-C0005,X1,2.000002,04/03/2025 08:00:00,,,,1,11,",
]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\n".join([CSV_HEADER, *CSV_ROWS]) + "\n", encoding="utf-8")
    return path


def test_import_command_writes_database_and_store_by_default(export, tmp_path, web_store):
    rejected = tmp_path / "rejected.csv"
    result = run("dossiers", "import", export, "--data-dir", tmp_path, "--rejected", rejected)
    assert result.exit_code == 0, result.output
    assert "5 record(s) read from 1 file(s): 3 inserted, 0 updated, 2 rejected" in result.output
    assert "database " in result.output and ": 3 dossier(s)" in result.output
    assert "row 4: NgayTiepNhan" in result.output and "row 6: TrangThaiHoSo" in result.output
    lines = rejected.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("export.csv,row 4,D1-C0003,NgayTiepNhan,")
    assert lines[2].startswith("export.csv,row 6,X1-C0005,TrangThaiHoSo,")
    codes = ["D1-C0001", "D1-C0002", "X1-C0004"]
    assert sorted(Dossier.objects.values_list("dossier_code", flat=True)) == codes
    assert sorted(web_store.read()["dossier_code"]) == codes
    assert comparable(dbstore.read()) == comparable(web_store.read())  # nothing lost
    x = Dossier.objects.get(dossier_code="X1-C0004")
    assert (x.channel, x.status) == (3, 9)
    assert x.processed_at == datetime(2025, 3, 12, 8, 0, tzinfo=VN)
    batch = DossierBatch.objects.get()
    assert (batch.via, batch.source, batch.records, batch.inserted, batch.rejected) == (
        "command",
        "export.csv",
        5,
        3,
        2,
    )

    # re-sending a file updates, never duplicates
    export.write_text(
        "\n".join([CSV_HEADER, CSV_ROWS[0].replace("1.000001", "1.000777")]) + "\n",
        encoding="utf-8",
    )
    again = run("dossiers", "import", export, "--data-dir", tmp_path)
    assert "1 record(s) read from 1 file(s): 0 inserted, 1 updated, 0 rejected" in again.output
    assert Dossier.objects.count() == 3 and web_store.count() == 3
    assert Dossier.objects.get(dossier_code="D1-C0001").procedure_code == "1.000777"
    assert DossierBatch.objects.count() == 2


def test_import_command_file_only_modes(export, tmp_path, web_store):
    own = tmp_path / "own-store"
    result = run("dossiers", "import", export, "--store", own)
    assert result.exit_code == 0, result.output
    assert "3 inserted, 0 updated, 2 rejected" in result.output
    assert "database" not in result.output
    assert ParquetStore(own).count() == 3 and Dossier.objects.count() == 0

    result = run("dossiers", "import", export, "--no-database", "--data-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert web_store.count() == 3 and Dossier.objects.count() == 0
    assert DossierBatch.objects.count() == 0

    result = run("dossiers", "import", export, "--store", own, "--database")
    assert result.exit_code == 0, result.output
    assert "note: the web pages read the store" in result.output
    assert Dossier.objects.count() == 3 and ParquetStore(own).count() == 3


def test_import_command_store_busy_leaves_the_database_unchanged(export, tmp_path, web_store):
    web_store.directory.mkdir(parents=True)
    with web_store._lock():
        result = run("dossiers", "import", export, "--data-dir", tmp_path)
    assert result.exit_code == 1 and "another import" in result.output
    assert Dossier.objects.count() == 0 and DossierBatch.objects.count() == 0


def test_import_command_in_several_chunks(tmp_path, web_store):
    rows = [
        f"X1-M{i:05d},X1,2.000002,04/03/2025 08:00:00,11/03/2025 17:00:00,"
        f"{'10/03/2025 08:00:00' if i % 3 else ''},,{1 + i % 3},{9 if i % 3 else 4},"
        for i in range(2500)
    ]
    rows[1700] = rows[1700].replace("04/03/2025", "04/13/2025")  # one bad row, chunk 2
    path = tmp_path / "big.csv"
    path.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    result = run("dossiers", "import", path, "--data-dir", tmp_path, "--chunk-size", 1000)
    assert result.exit_code == 0, result.output
    assert "2500 record(s) read from 1 file(s): 2499 inserted, 0 updated, 1 rejected" in (
        result.output
    )
    assert "row 1702: NgayTiepNhan" in result.output
    assert Dossier.objects.count() == 2499 and web_store.count() == 2499
    assert comparable(dbstore.read()) == comparable(web_store.read())
    assert Dossier.objects.filter(channel=3).count() == 833 - 1  # i % 3 == 2, but not 1700


def test_a_failed_database_write_publishes_nothing(export, tmp_path, web_store, monkeypatch):
    from django.db import DatabaseError

    def broken(valid):
        raise DatabaseError("disk full")

    monkeypatch.setattr(dbstore, "upsert", broken)
    result = run("dossiers", "import", export, "--data-dir", tmp_path)
    assert result.exit_code != 0 and isinstance(result.exception, DatabaseError)
    assert web_store.count() == 0 and web_store.files() == []
    assert Dossier.objects.count() == 0 and DossierBatch.objects.count() == 0


# -- analytics: the database for small volumes, DuckDB over Parquet beyond ---------------------


@pytest.fixture
def both_stores(web_store):
    records = synthetic_records() + open_records(services.now().date())
    writing.save_records(valid_of(records), via="command")
    return web_store


def test_the_limit_chooses_the_source(tree, both_stores, settings, monkeypatch):
    codes = ["D1", "D2", "X1"]  # 14 + 14 + 14 + 5 open dossiers
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 47
    assert services.reads_database(codes)
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 46
    assert not services.reads_database(codes)
    assert services.reads_database(["D2"])  # the units read, not the whole table
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 0
    assert not services.reads_database(["D2"])
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 1000
    assert not services.reads_database(["Q"])  # none in the database: the store
    settings.PARINDEX_DOSSIERS_DB_LIMIT = None  # no setting: the environment variable
    monkeypatch.setenv("PARINDEX_DOSSIERS_DB_LIMIT", "10")
    assert services.db_limit() == 10 and not services.reads_database(codes)
    monkeypatch.delenv("PARINDEX_DOSSIERS_DB_LIMIT")
    assert services.db_limit() == services.DEFAULT_DB_LIMIT


def _pages(tree):
    """Everything the dossier pages compute, for the province and for D1."""
    services.clear_cache()
    period = Period(YEAR)
    return {
        "scores": services.dashboard_scores(tree.p, period),
        "counts": services.compute_counts(tree.p, period),
        "procedures": services.procedure_rows(tree.d1, period),
        "trend": services.trend(tree.d1, YEAR),
        "overdue": services.overdue_list(tree.p, services.now(), 2),
    }


def test_database_path_equals_the_parquet_path(tree, both_stores, settings, tmp_path):
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 0
    from_parquet = _pages(tree)
    # the database path, with the Parquet store out of reach: it must not need it
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 1000
    settings.PARINDEX_DOSSIER_STORE = str(tmp_path / "elsewhere")
    from_db = _pages(tree)
    for name in ("scores", "counts"):
        pd.testing.assert_frame_equal(
            from_db[name], from_parquet[name], check_dtype=False, check_exact=True
        )
    assert from_db["procedures"] == from_parquet["procedures"]
    assert from_db["trend"] == from_parquet["trend"]
    assert comparable(from_db["overdue"]) == comparable(from_parquet["overdue"])

    # and right: D2 handled 14 dossiers of 2025, 3 of them late (i = 0, 5, 10)
    counts = from_db["counts"].set_index(["unit_code", "metric"])
    on_time = counts.loc[("D2", "dossier_on_time")]
    assert (on_time["numerator"], on_time["denominator"]) == (11, 14)
    overdue = {r["dossier_code"] for r in comparable(from_db["overdue"])}
    assert {"D1-OPEN1", "D1-OPEN2", "X1-OPEN9"} <= overdue


def test_pages_read_the_database_without_a_store(tree, make_user, client, web_store, settings):
    from conftest import PASSWORD

    dbstore.upsert(valid_of(synthetic_records()))  # the database alone (no Parquet written)
    settings.PARINDEX_DOSSIERS_DB_LIMIT = 1000
    user = make_user("viewer", "viewer", tree.p)
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(f"/dossiers/units/{tree.p.pk}/", {"period": str(YEAR)})
    assert response.status_code == 200
    rows = {r["unit_code"]: r for r in response.context["rows"]}
    assert rows["D2"]["rank"] == 1 and rows["D1"]["rank"] == 2  # D2 is less often late
    detail = client.get(f"/dossiers/units/{tree.d1.pk}/detail/", {"period": str(YEAR)})
    procs = {p["procedure_code"]: p for p in detail.context["procedures"]}
    assert sum(p["handled"] for p in procs.values()) == 14
    assert sum(p["on_time"] for p in procs.values()) == 9
