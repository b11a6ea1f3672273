"""`parindex score` through its front door: files in, files out, errors and exit codes."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scoring_fixtures import make_framework
from typer.testing import CliRunner

from parindex.cli import app
from parindex.framework import save_framework

runner = CliRunner()

INPUTS = """unit_code,criterion_code,value,input,track,applicable
A,1.1,1.75,,,
A,1.2,Ban hành chậm,,,
A,1.3,0.97,,,
A,1.4,3,on_time,,
A,1.4,4,required,,
A,2.1,0.4,,,
A,2.2,3,,,
A,2.3,0.85,,,
A,T.1,2,,,
A,P.1,0.5,,,
B,1.1,2,,,
B,1.2,Ban hành kịp thời,,,
B,1.3,1,,,
B,1.4,,,,false
B,2.1,0.5,,,
B,2.2,,,,false
B,2.3,1,,,
B,1.1,2,,self,
"""


@pytest.fixture
def files(tmp_path):
    fw_path = tmp_path / "fw.yaml"
    save_framework(make_framework(), fw_path)
    inputs = tmp_path / "inputs.csv"
    inputs.write_text(INPUTS, encoding="utf-8")
    units = tmp_path / "units.csv"
    units.write_text(
        "unit_code,unit_name,unit_kind,peer_group,predecessors\n"
        "A,Sở Nội vụ,department,sở,\nB,Sở Tư pháp,department,sở,\n",
        encoding="utf-8",
    )
    return tmp_path, fw_path, inputs, units


def test_score_writes_results_and_detail(files):
    tmp, fw_path, inputs, units = files
    out, detail = tmp / "R.csv", tmp / "D.csv"
    result = runner.invoke(
        app,
        [
            "score",
            "--framework",
            str(fw_path),
            "--inputs",
            str(inputs),
            "--units",
            str(units),
            "--out",
            str(out),
            "--detail",
            str(detail),
        ],
    )
    assert result.exit_code == 0, result.output
    r = pd.read_csv(out).set_index("unit_code")
    for column in (
        "unit_name",
        "points",
        "max_points",
        "index_pct",
        "rank",
        "class",
        "field_1_pct",
        "field_2_pct",
        "framework_version",
    ):
        assert column in r.columns
    assert r.loc["A", "index_pct"] == pytest.approx(76.5)
    assert r.loc["B", "index_pct"] == pytest.approx(100)
    assert (r.loc["B", "rank"], r.loc["A", "rank"]) == (1, 2)
    assert r.loc["A", "unit_name"] == "Sở Nội vụ"
    d = pd.read_csv(detail, dtype={"node_code": str})
    assert {"unit_code", "node_code", "points", "max_points", "lost_points"} <= set(d.columns)
    assert len(d) == 2 * 9


def test_previous_year_columns(files):
    tmp, fw_path, inputs, units = files
    previous = tmp / "P.csv"
    previous.write_text("unit_code,index_pct,rank\nA,70,1\nB,60,2\n", encoding="utf-8")
    out = tmp / "R.csv"
    result = runner.invoke(
        app,
        [
            "score",
            "-f",
            str(fw_path),
            "-i",
            str(inputs),
            "-u",
            str(units),
            "-p",
            str(previous),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    r = pd.read_csv(out).set_index("unit_code")
    assert r.loc["A", "index_change"] == pytest.approx(6.5)
    assert r.loc["A", "rank_change"] == -1  # 1st → 2nd: down one place
    assert r.loc["B", "rank_change"] == 1


def test_xlsx_inputs_and_json_output(files):
    tmp, fw_path, inputs, _ = files
    xlsx = tmp / "inputs.xlsx"
    pd.read_csv(inputs, dtype=str, keep_default_na=False).to_excel(xlsx, index=False)
    out = tmp / "R.json"
    result = runner.invoke(app, ["score", "-f", str(fw_path), "-i", str(xlsx), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = {r["unit_code"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert records["A"]["index_pct"] == pytest.approx(76.5)


def test_terminal_table_without_out(files):
    _, fw_path, inputs, units = files
    result = runner.invoke(app, ["score", "-f", str(fw_path), "-i", str(inputs), "-u", str(units)])
    assert result.exit_code == 0, result.output
    assert "Sở Tư pháp" in result.output
    assert "76,50" in result.output  # Vietnamese decimal comma on screen


def test_errors_exit_1_and_write_nothing(files):
    tmp, fw_path, inputs, units = files
    bad = tmp / "bad.csv"
    bad.write_text(INPUTS + "C,1.1,x,,,\nA,2.3,0.9,,self,\n", encoding="utf-8")
    out = tmp / "R.csv"
    result = runner.invoke(
        app, ["score", "-f", str(fw_path), "-i", str(bad), "-u", str(units), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "bad.csv: row 20: unit_code: unknown unit 'C'" in result.output
    assert "bad.csv: row 20: value: 'x' is not a number" in result.output
    assert "bad.csv: row 21: track: 2.3: units do not self-score survey criteria" in result.output
    assert not out.exists()


def test_unknown_framework_is_a_clear_error(files):
    _, _, inputs, _ = files
    result = runner.invoke(app, ["score", "-f", "no-such-framework", "-i", str(inputs)])
    assert result.exit_code == 1
    assert "no-such-framework" in result.output


def test_built_in_framework_by_id(tmp_path):
    listing = runner.invoke(app, ["framework", "list"])
    assert listing.exit_code == 0
    for fid in ("par-province-2017", "par-province-published-2022", "example-department-2025"):
        assert fid in listing.output
    inputs = tmp_path / "i.csv"
    # 2017 field maxima: 10, 10, 14.5, 11, 16, 7, 16, 15.5 → full marks except field 3.
    inputs.write_text(
        "unit_code,criterion_code,value\n"
        + "".join(
            f"P,{c},{m}\n"
            for c, m in [
                ("1", 10),
                ("2", 10),
                ("3", 12),
                ("4", 11),
                ("5", 16),
                ("6", 7),
                ("7", 16),
                ("8", 15.5),
            ]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "R.csv"
    result = runner.invoke(
        app, ["score", "-f", "par-province-2017", "-i", str(inputs), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    r = pd.read_csv(out).iloc[0]
    assert r["index_pct"] == pytest.approx(97.5)
    assert r["class"] == "A"
    assert r["field_3_pct"] == pytest.approx(12 / 14.5 * 100)
