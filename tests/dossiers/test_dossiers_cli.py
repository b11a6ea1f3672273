"""`parindex calendar …` and `parindex service-index …` through the real CLI app."""

from __future__ import annotations

import copy
import csv
from importlib import resources

import pytest
import yaml
from typer.testing import CliRunner

from parindex.cli import app
from parindex.dossiers.catalogue import DEFAULT_CATALOGUE

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


# -- calendar --------------------------------------------------------------------------------


def test_due_across_tet():
    result = run("calendar", "due", "--received", "2025-01-24 10:00", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert "Hẹn trả:    Thứ Sáu, 07/02/2025 17:00" in result.output
    assert "2025-02-07T17:00:00" in result.output


def test_due_after_cutoff_and_custom_cutoff():
    late = run("calendar", "due", "--received", "24/01/2025 15:30", "--limit", "5")
    assert late.exit_code == 0, late.output
    assert "Tính từ:    Thứ Hai, 03/02/2025 07:30" in late.output
    assert "2025-02-10T17:00:00" in late.output
    moved = run(
        "calendar", "due", "--received", "2025-01-24 15:30", "--limit", "5", "--cutoff", "16:00"
    )
    assert "2025-02-07T17:00:00" in moved.output


def test_due_hours_and_days():
    hours = run(
        "calendar", "due", "--received", "2025-03-03 10:00", "--limit", "4", "--unit", "hours"
    )
    assert "2025-03-03T15:30:00" in hours.output
    days = run(
        "calendar", "due", "--received", "2025-03-03 10:00", "--limit", "5", "--unit", "days"
    )
    assert "2025-03-10T17:00:00" in days.output
    supp = run(
        "calendar", "due", "--received", "2025-03-03 10:00", "--limit", "5", "--supplement", "2"
    )
    assert "2025-03-12T17:00:00" in supp.output


def test_due_with_exceptions_file(tmp_path):
    ex = tmp_path / "ex.csv"
    ex.write_text("day,kind,source,note\n2025-03-07,day_off,QĐ 1/QĐ-UBND,\n", encoding="utf-8")
    result = run(
        "calendar",
        "due",
        "--received",
        "2025-03-03 10:00",
        "--limit",
        "5",
        "--exceptions",
        str(ex),
    )
    assert result.exit_code == 0, result.output
    assert "2025-03-11T17:00:00" in result.output  # 4, 5, 6, (7 off), 10, 11


def test_bad_exceptions_file_lists_every_problem(tmp_path):
    ex = tmp_path / "ex.csv"
    ex.write_text("day,kind,source\n2025-13-01,day_off,A\n2025-03-07,off,\n", encoding="utf-8")
    result = run(
        "calendar",
        "due",
        "--received",
        "2025-03-03 10:00",
        "--limit",
        "5",
        "--exceptions",
        str(ex),
    )
    assert result.exit_code == 1
    assert "ex.csv: row 2: day:" in result.output
    assert "ex.csv: row 3: kind:" in result.output
    assert "ex.csv: row 3: source:" in result.output
    assert "Hẹn trả" not in result.output


def test_due_rejects_bad_arguments():
    assert run("calendar", "due", "--received", "x", "--limit", "5").exit_code == 2
    bad_unit = run(
        "calendar", "due", "--received", "2025-03-03 10:00", "--limit", "5", "--unit", "weeks"
    )
    assert bad_unit.exit_code == 2


def test_days_and_holidays():
    days = run("calendar", "days", "--from", "2024-04-26", "--to", "2024-05-06")
    assert days.exit_code == 0, days.output
    assert days.output.startswith("4 ngày làm việc")
    listing = run("calendar", "holidays", "--year", "2024")
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert any(line.startswith("2024-04-29  Thứ Hai   nghỉ lễ") for line in lines)
    assert any(line.startswith("2024-05-04  Thứ Bảy   làm bù") for line in lines)
    # 262 weekdays − 12 weekday holidays + 1 make-up Saturday
    assert "251 working days in 2024" in listing.output


# -- service index ---------------------------------------------------------------------------


@pytest.fixture
def counts_csv(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(
        "unit_code,unit_name,level,metric,numerator,denominator\n"
        "H44,UBND tỉnh Phú Thọ,PROVINCE_TOTAL,2.1,528684,597918\n"
        "X1,Xã Một,COMMUNE,2.1,1989,2080\n"
        "X1,Xã Một,COMMUNE,5.2,0,0\n"
        "X2,Xã Hai,COMMUNE,dossier_on_time,95,100\n",
        encoding="utf-8",
    )
    return path


def read_rows(path):
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_score_writes_two_decimals(tmp_path, counts_csv):
    out = tmp_path / "S.csv"
    result = run("service-index", "score", "--counts", str(counts_csv), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert list(rows[0]) == [
        "unit_code",
        "unit_name",
        "level",
        "period",
        "item",
        "score",
        "max_score",
        "ratio_pct",
        "rank",
        "missing",
    ]
    by = {(r["unit_code"], r["item"]): r for r in rows}
    assert by["H44", "dossier_on_time"]["score"] == "17.68"
    assert by["H44", "dossier_on_time"]["ratio_pct"] == "88.42"
    assert by["X1", "dossier_on_time"]["score"] == "19.13"
    assert by["X1", "petition_on_time"]["score"] == "6.00"
    assert by["X1", "petition_on_time"]["missing"] == "false"
    assert by["X1", "petition_satisfaction"]["missing"] == "true"
    assert by["X1", "total"]["score"] == "25.13"
    assert by["X1", "total"]["max_score"] == "100.00"
    assert by["X1", "total"]["rank"] == "1"
    assert by["X2", "total"]["score"] == "19.00"
    assert by["X2", "total"]["rank"] == "2"
    assert by["X2", "progress"]["rank"] == "2"
    assert by["X1", "dossier_on_time"]["rank"] == ""
    assert len(rows) == 3 * 29


def test_score_without_out_prints_table(counts_csv):
    result = run("service-index", "score", "--counts", str(counts_csv))
    assert result.exit_code == 0, result.output
    assert "17.68" in result.output and "25.13" in result.output
    assert "Xã Một" in result.output


def test_score_errors_write_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "unit_code,metric,numerator,denominator\nU,2.1,5,4\nU,7.7,1,1\nV,2.1,x,1\n",
        encoding="utf-8",
    )
    out = tmp_path / "S.csv"
    result = run("service-index", "score", "--counts", str(bad), "--out", str(out))
    assert result.exit_code == 1
    assert (
        "bad.csv: row 2: numerator: numerator 5 is greater than the denominator 4" in result.output
    )
    assert "bad.csv: row 3: metric: unknown metric code '7.7'" in result.output
    assert "bad.csv: row 4: numerator: 'x' is not a number" in result.output
    assert "3 problem(s); nothing was written." in result.output
    assert not out.exists()


def test_score_with_custom_catalogue(tmp_path):
    text = (
        resources.files("parindex")
        .joinpath("data", "catalogues", DEFAULT_CATALOGUE)
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    custom = copy.deepcopy(data)
    for m in custom["metrics"]:
        if m["code"] == "online_dossier_share":
            m["threshold"] = 0.4  # the portal changes its target: data, not code
    custom["version"] = "2"
    path = tmp_path / "cat.yaml"
    path.write_text(yaml.safe_dump(custom, allow_unicode=True), encoding="utf-8")
    counts = tmp_path / "c.csv"
    counts.write_text("unit_code,metric,numerator,denominator\nU,3.3,40,100\n", encoding="utf-8")
    out = tmp_path / "S.csv"

    default = run("service-index", "score", "--counts", str(counts), "--out", str(out))
    assert default.exit_code == 0, default.output
    assert {r["item"]: r["score"] for r in read_rows(out)}["online_dossier_share"] == "4.80"
    changed = run(
        "service-index",
        "score",
        "--counts",
        str(counts),
        "--out",
        str(out),
        "--catalogue",
        str(path),
    )
    assert changed.exit_code == 0, changed.output
    assert {r["item"]: r["score"] for r in read_rows(out)}["online_dossier_share"] == "6.00"

    custom["groups"][0]["max"] = 17
    path.write_text(yaml.safe_dump(custom, allow_unicode=True), encoding="utf-8")
    broken = run("service-index", "score", "--counts", str(counts), "--catalogue", str(path))
    assert broken.exit_code == 1
    assert "cat.yaml: group transparency: max: metrics add up to 18, not 17" in broken.output


def test_catalogue_listing():
    result = run("service-index", "catalogue")
    assert result.exit_code == 0, result.output
    assert "dossier_on_time" in result.output and "full at 80%" in result.output
