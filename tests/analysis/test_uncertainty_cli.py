"""`parindex analyze uncertainty` and `parindex analyze whatif` through the CLI, on the
results and detail files of the what-if example (tests/analysis/test_whatif.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_whatif import FIELD_MAX, framework_text, scored
from typer.testing import CliRunner

from parindex.analysis.uncertainty import rank_uncertainty
from parindex.analysis.whatif import field_weight_effect, what_if
from parindex.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    base = scored()
    paths = {
        "R": folder / "R.csv",
        "D": folder / "D.csv",
        "fw": folder / "fw.yaml",
        "S": folder / "S.csv",
        "SD": folder / "SD.csv",
    }
    base.results.to_csv(paths["R"], index=False)
    base.detail.to_csv(paths["D"], index=False)
    paths["fw"].write_text(framework_text(), encoding="utf-8")
    pd.DataFrame(
        {"unit_code": ["S2", "S3", "S4"], "criterion_code": ["3.2"] * 3,
         "ci_low_pct": ["80", "75", "76"], "ci_high_pct": ["90", "85", "84"],
         "element": ["hl"] * 3}
    ).to_csv(paths["S"], index=False)  # fmt: skip
    pd.DataFrame(
        {"unit_code": ["S2", "S3", "S4"], "field_code": ["3"] * 3,
         "sd_points": [10 * 0.1 / 3.92, 10 * 0.1 / 3.92, 10 * 0.08 / 3.92],
         "source": ["hl"] * 3}
    ).to_csv(paths["SD"], index=False)  # fmt: skip
    return paths, base


def invoke(*args):
    return runner.invoke(app, ["analyze", *[str(a) for a in args]], env={"COLUMNS": "200"})


def test_uncertainty_file_equals_the_core(files, tmp_path):
    paths, base = files
    out = tmp_path / "U.csv"
    result = invoke("uncertainty", "--results", paths["R"], "--framework", paths["fw"],
                    "--runs", 300, "--seed", 4, "--weight-range", 0.3, "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype={"unit_code": str}, keep_default_na=False)
    expected = rank_uncertainty(base.results, FIELD_MAX, runs=300, seed=4, weight_range=0.3)
    assert list(written["unit_code"]) == list(expected.table["unit_code"])
    for col in ("rank", "median_rank", "rank_p05", "rank_p95"):
        assert list(written[col]) == list(expected.table[col].astype(int)), col
    assert np.allclose(written["rank_mean"], expected.table["rank_mean"])


def test_uncertainty_prints_rank_intervals_in_vietnamese(files):
    paths, _base = files
    result = invoke("uncertainty", "--results", paths["R"], "--framework", paths["fw"],
                    "--runs", 500, "--alternative-aggregation")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "hạng 1" in text
    assert "hạng 3 (khả năng từ 3 đến 4)" in text  # the tie S3–S4 splits either way
    assert "Độ nhạy" in text and "Trọng số lĩnh vực 3" in text
    assert "Cách tổng hợp" in text
    assert "500 lần mô phỏng" in text


def test_field_maxima_from_the_detail_file_are_the_framework_ones(files, tmp_path):
    paths, _base = files
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert invoke("uncertainty", "-r", paths["R"], "-f", paths["fw"], "--runs", 50,
                  "-o", a).exit_code == 0  # fmt: skip
    assert invoke("uncertainty", "-r", paths["R"], "-d", paths["D"], "--runs", 50,
                  "-o", b).exit_code == 0  # fmt: skip
    first, second = json.loads(a.read_text()), json.loads(b.read_text())
    assert first["method"]["field_max"] == second["method"]["field_max"] == FIELD_MAX
    assert first["table"] == second["table"]
    assert {row["choice"] for row in first["sensitivity"]} == {"weight:1", "weight:2", "weight:3"}


def test_survey_intervals_become_sd_points(files, tmp_path):
    paths, _base = files
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    common = ["-r", paths["R"], "-f", paths["fw"], "--runs", 200, "--seed", 3]
    assert invoke("uncertainty", *common, "--survey", paths["S"], "-o", a).exit_code == 0
    assert invoke("uncertainty", *common, "--survey", paths["SD"], "-o", b).exit_code == 0
    first, second = json.loads(a.read_text()), json.loads(b.read_text())
    assert first["method"]["survey"] and first["method"]["survey_sources"] == 3
    assert first["table"] == second["table"]


def test_uncertainty_errors_name_the_file(files, tmp_path):
    paths, base = files
    broken = tmp_path / "R.csv"
    base.results.drop(columns="field_2_pct").to_csv(broken, index=False)
    result = invoke("uncertainty", "-r", broken, "-f", paths["fw"], "--runs", 10)
    assert result.exit_code == 1
    assert "R.csv: header: field_2_pct" in result.output
    result = invoke("uncertainty", "-r", paths["R"], "--runs", 10)
    assert result.exit_code == 1 and "--framework" in result.output
    result = invoke("uncertainty", "-r", paths["R"], "--survey", paths["S"], "-d", paths["D"])
    assert result.exit_code == 1 and "survey leaves need --framework" in result.output


def test_uncertainty_excel_has_three_sheets(files, tmp_path):
    paths, _base = files
    out = tmp_path / "U.xlsx"
    assert invoke("uncertainty", "-r", paths["R"], "-f", paths["fw"], "--runs", 20,
                  "-o", out).exit_code == 0  # fmt: skip
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["ranks", "sensitivity", "method"]
    assert len(sheets["ranks"]) == 11


def test_whatif_prints_the_next_place_and_the_criteria(files):
    paths, _base = files
    result = invoke("whatif", "-r", paths["R"], "-d", paths["D"], "-u", "S5")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "hạng 6/8" in text
    # 1.111… points rounded up, never down
    assert "Cần thêm ít nhất 1,12 điểm để lên hạng 5 (ngang Đơn vị S6)" in text
    assert "Lộ trình khôi phục" in text


def test_whatif_file_equals_the_core(files, tmp_path):
    paths, base = files
    out = tmp_path / "W.json"
    result = invoke("whatif", "-r", paths["R"], "-d", paths["D"], "-u", "S5",
                    "--field-weight", "2=20", "-f", paths["fw"], "-o", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    answer = what_if(base.results, base.detail, "S5")
    assert [r["node_code"] for r in doc["criteria"]] == list(answer.criteria["node_code"])
    assert [r["new_rank"] for r in doc["criteria"]] == list(answer.criteria["new_rank"])
    effect = field_weight_effect(base.results, FIELD_MAX, {"2": 20.0}, detail=base.detail)
    assert {r["unit_code"]: r["new_rank"] for r in doc["ranking"]} == dict(
        zip(effect["unit_code"], effect["new_rank"].astype(int), strict=True)
    )
    assert doc["next_place"]["units"] == ["S6"]


def test_whatif_errors(files):
    paths, _base = files
    result = invoke("whatif", "-r", paths["R"], "-d", paths["D"], "-u", "NOPE")
    assert result.exit_code == 1 and "NOPE" in result.output
    result = invoke("whatif", "-r", paths["R"], "-d", paths["D"], "-u", "S5", "-w", "2:20")
    assert result.exit_code == 1 and "FIELD=POINTS" in result.output
