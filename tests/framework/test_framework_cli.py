"""`parindex framework validate | import | export | show` through the real CLI app."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from parindex.cli import app
from parindex.framework import dump_yaml, framework_to_dict, load_framework, load_yaml_text

runner = CliRunner()


@pytest.fixture
def good(tmp_path: Path, full_yaml: str) -> Path:
    path = tmp_path / "khung.yaml"
    path.write_text(full_yaml, encoding="utf-8")
    return path


@pytest.fixture
def bad(tmp_path: Path, full_yaml: str) -> Path:
    text = (
        full_yaml.replace("unit_kind: department", "unit_kind: agency")
        .replace("rule: {type: linear, target: 0.9}", "rule: {type: linear, target: -1}")
        .replace('expr: "if(total > 0', 'expr: "iff(total > 0')
    )
    path = tmp_path / "sai.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_ok(good: Path) -> None:
    result = runner.invoke(app, ["framework", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "OK test-full version 2024.1 (department): 2 fields, 10 nodes, 8 leaves, 20 points, "
        "bonus cap 3, penalty cap 5"
    )


def test_validate_lists_every_problem(bad: Path) -> None:
    result = runner.invoke(app, ["framework", "validate", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == (
        "sai.yaml: framework: unit_kind: unknown unit_kind 'agency' "
        "(known: province, ministry, department, district, commune)"
    )
    assert (
        lines[1]
        == "sai.yaml: node 1.4 (line 51): rule.target: target must be greater than 0, got -1"
    )
    assert lines[2].startswith("sai.yaml: node 1.6 (line 61): rule.expr: formula")
    assert "unknown function 'iff'" in lines[2]
    assert lines[3] == "3 problem(s) in sai.yaml"


def test_validate_excel(tmp_path: Path, good: Path) -> None:
    out = tmp_path / "khung.xlsx"
    assert runner.invoke(app, ["framework", "export", str(good), "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["framework", "validate", str(out)])
    assert result.exit_code == 0 and result.stdout.startswith("OK test-full")


def test_export_then_import_round_trip(tmp_path: Path, good: Path) -> None:
    xlsx, back = tmp_path / "khung.xlsx", tmp_path / "lai.yaml"
    result = runner.invoke(app, ["framework", "export", str(good), "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout
    result = runner.invoke(app, ["framework", "import", str(xlsx), "--out", str(back)])
    assert result.exit_code == 0, result.output
    original = load_framework(good)
    assert back.read_text(encoding="utf-8") == dump_yaml(original)
    assert framework_to_dict(load_framework(back)) == framework_to_dict(original)


def test_export_invalid_writes_nothing(tmp_path: Path, bad: Path) -> None:
    out = tmp_path / "sai.xlsx"
    result = runner.invoke(app, ["framework", "export", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "unknown unit_kind 'agency'" in result.stderr
    assert not out.exists()


def test_import_invalid_writes_nothing(tmp_path: Path, full_yaml: str) -> None:
    from openpyxl import load_workbook

    from parindex.framework import framework_to_excel_bytes

    xlsx = tmp_path / "sai.xlsx"
    xlsx.write_bytes(framework_to_excel_bytes(load_yaml_text(full_yaml, "k.yaml")))
    wb = load_workbook(xlsx)
    wb["Tiêu chí"].cell(3, 5).value = "một"
    wb.save(xlsx)
    out = tmp_path / "sai.yaml"
    result = runner.invoke(app, ["framework", "import", str(xlsx), "--out", str(out)])
    assert result.exit_code == 1
    assert (
        "sai.xlsx: sheet Tiêu chí, row 3: Điểm tối đa (column E): 'một' is not a number"
        in result.stderr
    )
    assert not out.exists()


def test_wrong_suffixes(tmp_path: Path, good: Path) -> None:
    result = runner.invoke(
        app, ["framework", "export", str(good), "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 1 and "--out must end with .xlsx" in result.stderr
    result = runner.invoke(
        app, ["framework", "import", str(good), "--out", str(tmp_path / "x.yaml")]
    )
    assert result.exit_code == 1 and "the input must end with .xlsx" in result.stderr
    assert list(tmp_path.iterdir()) == [good]


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["framework", "validate", str(tmp_path / "none.yaml")])
    assert result.exit_code == 1
    assert "none.yaml: cannot read file" in result.stderr


def test_show_prints_the_tree(good: Path) -> None:
    result = runner.invoke(app, ["framework", "show", str(good)])
    assert result.exit_code == 0, result.output
    assert "Khung thử nghiệm đầy đủ" in result.stdout
    assert "1.2 Tỷ lệ hồ sơ đúng hạn — 2 bands" in result.stdout
    assert "P1 Bị phê bình — 5 deduction" in result.stdout
    assert "Điểm thưởng (cap 3)" in result.stdout


def test_unwritable_output(tmp_path: Path, good: Path) -> None:
    out = tmp_path / "no-such-dir" / "khung.xlsx"
    result = runner.invoke(app, ["framework", "export", str(good), "--out", str(out)])
    assert result.exit_code == 1
    assert "cannot write" in result.stderr
