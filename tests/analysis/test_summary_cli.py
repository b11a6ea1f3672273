"""`parindex summary` and `parindex published` through the Typer app."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from parindex.cli import app

runner = CliRunner()


@pytest.fixture
def files(tmp_path):
    """Three units this year, three last year (C gone, D new), two regions."""
    results = pd.DataFrame(
        {
            "unit_code": ["A", "B", "D"],
            "unit_name": ["Sở Nội vụ", "Sở Tài chính", "Sở Xây dựng"],
            "peer_group": "department",
            "index_pct": [91.5, 86.25, 80.0],
            "rank": [1, 2, 3],
            "class": ["Tốt", "Khá", "Khá"],
        }
    )
    previous = pd.DataFrame(
        {"unit_code": ["A", "B", "C"], "index_pct": [88.0, 87.0, 70.0], "rank": [1, 2, 3]}
    )
    regions = pd.DataFrame({"unit_code": ["A", "B", "D"], "region": ["X", "X", "Y"]})
    paths = {}
    for name, frame in (("R", results), ("P", previous), ("REG", regions)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    paths["R_xlsx"] = tmp_path / "R.xlsx"
    results.to_excel(paths["R_xlsx"], index=False)
    return paths


def test_summary_markdown_vietnamese(files):
    result = runner.invoke(
        app,
        [
            "summary",
            "--results",
            str(files["R"]),
            "--previous",
            str(files["P"]),
            "--regions",
            str(files["REG"]),
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    # (91.5 + 86.25 + 80) / 3 = 85.916… ; last year (88 + 87 + 70) / 3 = 81.666…
    assert "Chỉ số trung bình: 85,92%" in out
    assert "năm trước: 81,67%" in out
    assert "tăng 4,25 điểm" in out
    # A +3.5 (up), B −0.75 (down), D new
    assert "Số đơn vị tăng điểm: 1; giảm điểm: 1; giữ nguyên: 0" in out
    assert "Sở Nội vụ (+3,50 điểm)" in out
    assert "| Tốt | 1 |" in out and "| Khá | 2 |" in out


def test_summary_english(files):
    result = runner.invoke(
        app,
        ["summary", "--results", str(files["R"]), "--previous", str(files["P"]), "--lang", "en"],
    )
    assert result.exit_code == 0, result.output
    assert "Average index: 85.92% (previous year: 81.67%; up 4.25 points)" in result.output


def test_summary_json_parses(files):
    result = runner.invoke(
        app,
        [
            "summary",
            "--results",
            str(files["R"]),
            "--previous",
            str(files["P"]),
            "--regions",
            str(files["REG"]),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["count"] == 3
    assert data["average_index"] == pytest.approx((91.5 + 86.25 + 80) / 3)
    assert data["changes"]["up"] == 1 and data["changes"]["down"] == 1
    assert data["changes"]["without_previous"] == 1
    regions = {r["region"]: r for r in data["regions"]}
    assert regions["X"]["average_index"] == pytest.approx((91.5 + 86.25) / 2)
    assert regions["X"]["previous_average"] == pytest.approx((88 + 87) / 2)
    assert [u["unit_code"] for u in data["top"]] == ["A", "B", "D"]


def test_summary_reads_xlsx(files):
    result = runner.invoke(app, ["summary", "--results", str(files["R_xlsx"]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["count"] == 3


def test_missing_column_names_file_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"unit_code": ["A"], "rank": [1]}).to_csv(bad, index=False)
    result = runner.invoke(app, ["summary", "--results", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "index_pct" in result.output
    assert "missing column" in result.output


def test_bad_previous_and_bad_values(files, tmp_path):
    prev = tmp_path / "prev.csv"
    pd.DataFrame({"unit_code": ["A"], "index_pct": [80]}).to_csv(prev, index=False)
    result = runner.invoke(app, ["summary", "--results", str(files["R"]), "--previous", str(prev)])
    assert result.exit_code == 1
    assert "prev.csv" in result.output and "rank" in result.output
    text = tmp_path / "text.csv"
    text.write_text("unit_code,index_pct,rank\nA,abc,1\n", encoding="utf-8")
    result = runner.invoke(app, ["summary", "--results", str(text)])
    assert result.exit_code == 1
    assert "row 2" in result.output and "index_pct" in result.output and "abc" in result.output
    result = runner.invoke(app, ["summary", "--results", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "none.csv" in result.output


def test_published_check_and_show():
    result = runner.invoke(app, ["published", "check"])
    assert result.exit_code == 0, result.output
    assert "[conflict]" in result.output and "87.68" in result.output
    assert "2 conflicts" in result.output
    strict = runner.invoke(app, ["published", "check", "--strict", "--problems-only"])
    assert strict.exit_code == 1
    assert "[ok]" not in strict.output
    show = runner.invoke(app, ["published", "show", "par_index_national"])
    assert show.exit_code == 0 and "84.79" in show.output
    missing = runner.invoke(app, ["published", "show", "nope"])
    assert missing.exit_code == 1 and "par_index_provinces" in missing.output
