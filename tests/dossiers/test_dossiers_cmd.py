"""`parindex dossiers …` and `parindex service-index compute` through the real CLI app."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from parindex.cli import app
from parindex.dossiers.store import ParquetStore

runner = CliRunner()

HEADER = "MaHoSo,MaDonVi,MaTTHC,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,NgayTra,KenhThucHien,TrangThaiHoSo,DuocThanhToanTrucTuyen,CoKetQuaDienTu"
ROWS = [
    "H44.07-260302-0001,H44.07,1.000001,02/03/2026 09:00:00,09/03/2026 17:00:00,05/03/2026 10:00:00,05/03/2026 14:00:00,2,10,1,1",
    "H44.07-260302-0002,H44.07,1.000001,02/03/2026 09:30:00,09/03/2026 17:00:00,,,1,4,,",
    "H44.07-260302-0003,H44.07,1.000002,02/03/2026 10:00:00,05/03/2026 17:00:00,06/03/2026 10:00:00,06/03/2026 10:00:00,2,10,,0",
    "H44.07-260302-0004,H44.07,1.000001,31/02/2026 10:00:00,,,,1,4,,",
    "H44.100-260303-0001,,1.000001,20260303080000,20260311170000,,,9,4,,",
    "H44.100-260303-0002,,1.000002,20260303080000,20260311170000,,,2,4,,",
]
PROCEDURES = "code,name,time_limit,time_unit,has_fee,paper_result\n1.000001,Cấp phép A,5,working_days,1,0\n1.000002,Đăng ký B,3,working_days,0,1\n"


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def files(tmp_path):
    (tmp_path / "d.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    (tmp_path / "p.csv").write_text(PROCEDURES, encoding="utf-8")
    return tmp_path


def test_import_counts_rejections_and_reimport(files):
    store = files / "store"
    result = run(
        "dossiers", "import", files / "d.csv", "--store", store, "--rejected", files / "rej.csv"
    )
    assert result.exit_code == 0, result.output
    assert "6 record(s) read from 1 file(s): 4 inserted, 0 updated, 2 rejected" in result.output
    assert "d.csv: row 5: NgayTiepNhan: '31/02/2026 10:00:00' is not a date-time" in result.output
    with (files / "rej.csv").open(encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [(r["location"], r["MaHoSo"], r["field"]) for r in rejected] == [
        ("row 5", "H44.07-260302-0004", "NgayTiepNhan"),
        ("row 6", "H44.100-260303-0001", "KenhThucHien"),
    ]
    again = run("dossiers", "import", files / "d.csv", "--store", store)
    assert "0 inserted, 4 updated, 2 rejected" in again.output
    data = ParquetStore(store).read()
    assert len(data) == 4 and data["dossier_code"].is_unique
    assert set(data["unit_code"]) == {"H44.07", "H44.100"}  # from the code when MaDonVi is empty


def test_import_json_and_several_files(files):
    records = [
        {"MaHoSo": "H44.07-260302-0001", "TrangThaiHoSo": 4, "NgayTiepNhan": "20260302090000"},
        {"MaHoSo": "H44.09-260302-0001", "TrangThaiHoSo": 2, "NgayTiepNhan": 20260302100000},
    ]
    (files / "a.json").write_text(json.dumps({"data": records}), encoding="utf-8")
    result = run("dossiers", "import", files / "d.csv", files / "a.json", "--store", files / "s")
    assert result.exit_code == 0, result.output
    # the JSON's first record updates the CSV's within the same import: the later one wins
    assert "8 record(s) read from 2 file(s): 5 inserted, 0 updated, 2 rejected" in result.output
    status = ParquetStore(files / "s").read().set_index("dossier_code")["status"]
    assert status["H44.07-260302-0001"] == 4


def test_import_writes_nothing_when_a_file_is_missing_or_broken(files):
    result = run("dossiers", "import", files / "d.csv", files / "nope.csv", "--store", files / "s")
    assert result.exit_code == 1
    assert "nope.csv: file not found" in result.output
    (files / "bad.csv").write_text(
        "MaHoSo,NgayTiepNhan\nA-260101-0001,20260101080000\n", encoding="utf-8"
    )
    result = run("dossiers", "import", files / "d.csv", files / "bad.csv", "--store", files / "s")
    assert result.exit_code == 1
    assert "bad.csv: header: TrangThaiHoSo: required column is missing" in result.output
    assert ParquetStore(files / "s").count() == 0


def test_overdue_command(files):
    store = files / "s"
    run("dossiers", "import", files / "d.csv", "--store", store)
    result = run(
        "dossiers", "overdue", "--store", store, "--as-of", "2026-03-10", "--out", files / "o.csv"
    )
    assert result.exit_code == 0, result.output
    assert "H44.07-260302-0002" in result.output and "quá hạn 1 ngày làm việc" in result.output
    assert "H44.100-260303-0002" in result.output and "còn 1 ngày làm việc" in result.output
    flagged = pd.read_csv(files / "o.csv")
    assert set(flagged["dossier_code"]) == {
        "H44.07-260302-0002",
        "H44.07-260302-0003",
        "H44.100-260303-0002",
    }
    only = run(
        "dossiers",
        "overdue",
        "--store",
        store,
        "--as-of",
        "2026-03-10",
        "--unit",
        "H44.100",
        "--warn-days",
        "0",
    )
    assert "H44.07" not in only.output and "H44.100-260303-0002" not in only.output


def test_procedures_command(files):
    result = run(
        "dossiers",
        "procedures",
        "--import",
        files / "p.csv",
        "--store",
        files / "s",
        "--out",
        files / "n.csv",
    )
    assert result.exit_code == 0, result.output
    assert "2 procedure(s): working_days 2" in result.output
    assert "1 with fees, 1 requiring a paper result" in result.output
    assert (files / "s" / "_procedures.parquet").is_file()
    assert list(pd.read_csv(files / "n.csv", dtype=str)["procedure_code"]) == [
        "1.000001",
        "1.000002",
    ]
    (files / "bad.csv").write_text(
        "code,name,time_limit,time_unit\n1.0001,A,5,weeks\n", encoding="utf-8"
    )
    result = run("dossiers", "procedures", "--import", files / "bad.csv")
    assert result.exit_code == 1
    assert "bad.csv: row 2: code: '1.0001' is not a national procedure code" in result.output
    assert "bad.csv: row 2: time_unit: 'weeks' is not one of" in result.output


LETTER = [
    "--new-due",
    "2026-03-16 17:00",
    "--applicant-name",
    "Nguyễn Văn A",
    "--applicant-id",
    "025123456789",
    "--procedure-name",
    "Cấp phép A",
    "--body",
    "Sở Công Thương",
    "--head",
    "Trần Thị B",
    "--date",
    "2026-03-06",
]


def test_reschedule_from_the_store_writes_the_letter(files):
    store = files / "s"
    run("dossiers", "import", files / "d.csv", "--store", store)
    out = files / "letter.html"
    result = run(
        "dossiers",
        "reschedule",
        "--code",
        "H44.07-260302-0002",
        "--store",
        store,
        "--reason",
        "Chờ xác minh",
        *LETTER,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert "09/03/2026 17:00 → 16/03/2026 17:00" in result.output
    html = out.read_text(encoding="utf-8")
    assert (
        "H44.07-260302-0002" in html
        and "ngày 16 tháng 03 năm 2026" in html
        and "Chờ xác minh" in html
    )
    done = run(
        "dossiers",
        "reschedule",
        "--code",
        "H44.07-260302-0001",
        "--store",
        store,
        "--reason",
        "x",
        *LETTER,
    )
    assert done.exit_code == 1 and "only an open dossier" in done.output
    missing = run(
        "dossiers",
        "reschedule",
        "--code",
        "H44.07-260302-0099",
        "--store",
        store,
        "--reason",
        "x",
        *LETTER,
    )
    assert missing.exit_code == 1 and "not found" in missing.output


def test_reschedule_rules_without_store():
    base = [
        "dossiers",
        "reschedule",
        "--code",
        "H44.07-260302-0002",
        "--received",
        "2026-03-02 09:30",
        "--due",
        "2026-03-09 17:00",
        *LETTER,
    ]
    ok = run(*base, "--reason", "Chờ ý kiến")
    assert ok.exit_code == 0 and "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in ok.output
    second = run(*base, "--reason", "Chờ ý kiến", "--times-rescheduled", "1")
    assert second.exit_code == 1 and "rescheduled only once" in second.output
    no_reason = run(*base)
    assert no_reason.exit_code == 1 and "reason" in no_reason.output


def test_reschedule_writes_the_letter_as_pdf(tmp_path):
    import subprocess

    pdf, html = tmp_path / "out" / "letter.pdf", tmp_path / "letter.html"
    result = run(
        "dossiers", "reschedule", "--code", "H44.07-260302-0002",
        "--received", "2026-03-02 09:30", "--due", "2026-03-09 17:00",
        "--reason", "Chờ xác minh", *LETTER, "--pdf", pdf, "--out", html,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert str(pdf) in result.output and str(html) in result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "H44.07-260302-0002" in html.read_text(encoding="utf-8")  # HTML still written
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    assert "H44.07-260302-0002" in flat
    assert "ngày 16 tháng 03 năm 2026" in flat
    assert "xin lỗi" in flat and "PHIẾU XIN LỖI" in flat


def test_service_index_compute(files):
    store = files / "s"
    run("dossiers", "import", files / "d.csv", "--store", store)
    (files / "extra.csv").write_text(
        "unit_code,unit_name,level,metric,numerator,denominator\nH44.07,Sở Công Thương,PROVINCE,1.1,3,4\n",
        encoding="utf-8",
    )
    result = run(
        "service-index", "compute", "--dossiers", store, "--procedures", files / "p.csv",
        "--period", "2026", "--quarter", "1", "--counts", files / "extra.csv",
        "--out", files / "S.csv", "--counts-out", files / "C.csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 unit(s), period 2026-Q1" in result.output
    s = pd.read_csv(files / "S.csv", dtype=str).set_index(["unit_code", "item"])
    assert s.loc[("H44.07", "dossier_on_time"), "score"] == "6.67"  # 1 of 3 on time at 31/3
    assert s.loc[("H44.07", "publish_on_time"), "score"] == "4.50"
    assert s.loc[("H44.07", "total"), "unit_name"] == "Sở Công Thương"
    c = pd.read_csv(files / "C.csv", dtype={"unit_code": str})
    assert set(c["source"]) == {"dossiers", "extra.csv"}
    printed = run(
        "service-index", "compute", "--dossiers", store, "--period", "2026", "--month", "3"
    )
    assert printed.exit_code == 0 and "H44.100" in printed.output
    # without --procedures, the store's own catalogue (paper result of 1.000002) is used
    bare = files / "bare.csv"
    run("service-index", "compute", "--dossiers", store, "--period", "2026", "--counts-out", bare)
    online = (
        pd.read_csv(bare).set_index(["unit_code", "metric"]).loc[("H44.07", "online_dossier_share")]
    )
    assert (online.numerator, online.denominator) == (2, 3)
    run("dossiers", "procedures", "--import", files / "p.csv", "--store", store)
    run("service-index", "compute", "--dossiers", store, "--period", "2026", "--counts-out", bare)
    online = (
        pd.read_csv(bare).set_index(["unit_code", "metric"]).loc[("H44.07", "online_dossier_share")]
    )
    assert (online.numerator, online.denominator) == (1, 3)


def test_service_index_compute_from_csv_refuses_rejected_records(files):
    result = run("service-index", "compute", "--dossiers", files / "d.csv", "--period", "2026")
    assert result.exit_code == 1
    assert "d.csv: row 5: NgayTiepNhan" in result.output and "nothing was written" in result.output
    (files / "good.csv").write_text("\n".join([HEADER, *ROWS[:3]]) + "\n", encoding="utf-8")
    result = run(
        "service-index",
        "compute",
        "--dossiers",
        files / "good.csv",
        "--procedures",
        files / "p.csv",
        "--period",
        "2026",
        "--out",
        files / "S.csv",
    )
    assert result.exit_code == 0, result.output
    conflict = files / "c.csv"
    conflict.write_text(
        "unit_code,metric,numerator,denominator\nH44.07,2.1,1,1\n", encoding="utf-8"
    )
    result = run(
        "service-index",
        "compute",
        "--dossiers",
        files / "good.csv",
        "--period",
        "2026",
        "--counts",
        conflict,
    )
    assert (
        result.exit_code == 1
        and "c.csv: row 2: metric: dossier_on_time of unit H44.07 is computed" in result.output
    )
    both = run(
        "service-index",
        "compute",
        "--dossiers",
        files / "good.csv",
        "--period",
        "2026",
        "--quarter",
        "1",
        "--month",
        "1",
    )
    assert both.exit_code != 0
