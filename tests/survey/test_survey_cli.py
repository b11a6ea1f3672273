"""`parindex survey …` through the real CLI app."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from parindex.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def write_yaml(path, data) -> str:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


RESPONSES = pd.DataFrame(
    {
        "stratum": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "psu": ["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"],
        "weight": [1, 1, 2, 2, 1, 3, 2, 2],
        "unit_code": ["X", "X", "X", "X", "X", "Y", "Y", "Y"],
        "q1": ["5", "2", "4", "", "1", "5", "3", "4"],
    }
)
DESIGN = {
    "columns": {"stratum": "stratum", "psu": "psu", "weight": "weight", "unit": "unit_code"},
    "satisfied": [4, 5],
    "elements": {"e": ["q1"]},
    "lonely_psu": "error",
    "min_n": 5,
}


def test_size_known_answers():
    assert run("survey", "size", "--moe", "0.05").stdout.strip() == "385"
    assert run("survey", "size", "--moe", "0.05", "--deff", "1.5").stdout.strip() == "577"
    result = run("survey", "size", "--moe", "0.05", "--population", "10000")
    assert result.stdout.strip() == "370"
    assert "385" in result.stderr  # the pilot formula N / (1 + N e²)
    bad = run("survey", "size", "--moe", "2")
    assert bad.exit_code == 1 and "moe" in bad.stderr


def test_estimate_writes_the_table_and_the_change(tmp_path):
    responses = tmp_path / "R.csv"
    RESPONSES.to_csv(responses, index=False)
    design = write_yaml(tmp_path / "D.yaml", DESIGN)
    out = tmp_path / "E.csv"
    result = run("survey", "estimate", "--responses", responses, "--design", design, "--out", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table.columns.tolist()[:8] == [
        "unit_code",
        "element",
        "estimate_pct",
        "se_pct",
        "ci_low_pct",
        "ci_high_pct",
        "n",
        "deff",
    ]
    all_e = table[(table["unit_code"] == "ALL") & (table["element"] == "e")].iloc[0]
    assert all_e["estimate_pct"] == pytest.approx(200 / 3)  # see test_survey_estimate
    assert all_e["se_pct"] == pytest.approx(100 * math.sqrt(1 / 72))

    previous = table.copy()
    previous["estimate_pct"] = previous["estimate_pct"] - 10
    prev_path = tmp_path / "E_prev.csv"
    previous.to_csv(prev_path, index=False)
    out2 = tmp_path / "E2.csv"
    result = run(
        "survey",
        "estimate",
        "--responses",
        responses,
        "--design",
        design,
        "--out",
        out2,
        "--previous",
        prev_path,
    )
    assert result.exit_code == 0, result.output
    changed = pd.read_csv(out2)
    for col in ("change", "z", "p_value", "significant"):
        assert col in changed.columns
    assert changed["change"].dropna().tolist() == pytest.approx(
        [10.0] * len(changed["change"].dropna())
    )


def test_estimate_bad_input_names_every_problem_and_writes_nothing(tmp_path):
    bad = RESPONSES.astype({"weight": object})
    bad.loc[1, "q1"] = "9"
    bad.loc[3, "weight"] = "-1"
    responses = tmp_path / "R.csv"
    bad.to_csv(responses, index=False)
    design = write_yaml(tmp_path / "D.yaml", DESIGN)
    out = tmp_path / "E.csv"
    result = run("survey", "estimate", "--responses", responses, "--design", design, "--out", out)
    assert result.exit_code == 1
    assert "R.csv: row 3: q1: answer '9'" in result.stderr
    assert "R.csv: row 5: weight" in result.stderr
    assert "nothing was written" in result.stderr
    assert not out.exists()

    lonely = RESPONSES[RESPONSES["unit_code"] == "X"]
    lonely.to_csv(responses, index=False)
    result = run("survey", "estimate", "--responses", responses, "--design", design, "--out", out)
    assert result.exit_code == 1 and "stratum 'B'" in result.stderr and not out.exists()
    write_yaml(tmp_path / "D.yaml", {**DESIGN, "elemnts": {}})
    result = run("survey", "estimate", "--responses", responses, "--design", design, "--out", out)
    assert result.exit_code == 1 and "D.yaml: elemnts: unknown key" in result.stderr


def test_estimate_with_a_builtin_mapping(tmp_path):
    answers = {f"q9_{k:02d}": ["5", "2", "4", "1"] for k in range(1, 34)}
    data = pd.DataFrame(
        {"commune": ["X", "X", "Y", "Y"], "village": ["v1", "v2", "v3", "v4"], **answers}
    )
    responses = tmp_path / "R.csv"
    data.to_csv(responses, index=False)
    design = write_yaml(
        tmp_path / "D.yaml",
        {"mapping": "sipas-bnv-2022", "columns": {"unit": "commune", "psu": "village"}},
    )
    out = tmp_path / "E.csv"
    result = run("survey", "estimate", "--responses", responses, "--design", design, "--out", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert {"access", "feedback", "policy", "service", "overall"} <= set(table["element"])
    # X: one satisfied and one not → 50 % everywhere
    x = table[table["unit_code"] == "X"].set_index("element")["estimate_pct"]
    assert x["overall"] == pytest.approx(50.0) and x["access"] == pytest.approx(50.0)

    inputs = tmp_path / "I.csv"
    result = run(
        "survey",
        "to-inputs",
        "--estimates",
        out,
        "--mapping",
        "sipas-bnv-2022",
        "--out",
        inputs,
        "--framework",
        "example-commune-2025",
    )
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(inputs, dtype={"criterion_code": str})
    assert set(rows["unit_code"]) == {"X", "Y"}
    assert rows.loc[
        (rows["unit_code"] == "X") & (rows["criterion_code"] == "8.1.1"), "value"
    ].item() == pytest.approx(0.5)

    report = tmp_path / "report.xlsx"
    svg = tmp_path / "chart.svg"
    result = run(
        "survey",
        "report",
        "--estimates",
        out,
        "--out",
        report,
        "--mapping",
        "sipas-bnv-2022",
        "--svg",
        svg,
        "--unit",
        "X",
    )
    assert result.exit_code == 0, result.output
    assert report.stat().st_size > 0 and "Tiếp cận dịch vụ" in svg.read_text(encoding="utf-8")


def frame_csv(tmp_path) -> str:
    rows = []
    for d in ("D1", "D2"):
        for c in range(4):
            for v in range(3):
                for h in range(10):
                    rows.append((d, f"C{c}", f"V{v}", f"{d}C{c}V{v}H{h}", "nam" if h % 2 else "nu"))
    path = tmp_path / "F.csv"
    pd.DataFrame(rows, columns=["unit", "commune", "village", "household", "sex"]).to_csv(
        path, index=False
    )
    return str(path)


SAMPLING = {
    "stratum": "unit",
    "household": "household",
    "stages": [
        {"column": "commune", "n": 2, "method": "pps"},
        {"column": "village", "n": 2, "method": "srs"},
        {"column": "household", "n": 4, "method": "srs"},
    ],
}


def test_sample_and_calibrate(tmp_path):
    frame = frame_csv(tmp_path)
    design = write_yaml(tmp_path / "S.yaml", SAMPLING)
    out1, out2 = tmp_path / "s1.csv", tmp_path / "s2.csv"
    assert (
        run(
            "survey", "sample", "--frame", frame, "--design", design, "--seed", 4, "--out", out1
        ).exit_code
        == 0
    )
    assert (
        run(
            "survey", "sample", "--frame", frame, "--design", design, "--seed", 4, "--out", out2
        ).exit_code
        == 0
    )
    a, b = pd.read_csv(out1), pd.read_csv(out2)
    assert a.equals(b)
    assert len(a) == 2 * 2 * 2 * 4
    # equal commune sizes: PPS 2 of 4 → 0.5; villages 2 of 3; households 4 of 10
    assert a["prob"].tolist() == pytest.approx([0.5 * 2 / 3 * 0.4] * len(a))

    margins = tmp_path / "M.csv"
    pd.DataFrame(
        {"variable": ["sex", "sex"], "category": ["nam", "nu"], "total": [130, 110]}
    ).to_csv(margins, index=False)
    weighted = tmp_path / "w.csv"
    result = run(
        "survey",
        "calibrate",
        "--sample",
        out1,
        "--margins",
        margins,
        "--method",
        "poststrat",
        "--out",
        weighted,
    )
    assert result.exit_code == 0, result.output
    w = pd.read_csv(weighted)
    assert w.groupby("sex")["weight"].sum().to_dict() == pytest.approx({"nam": 130, "nu": 110})

    bad = write_yaml(tmp_path / "bad.yaml", {**SAMPLING, "stratum": "district"})
    out3 = tmp_path / "s3.csv"
    result = run("survey", "sample", "--frame", frame, "--design", bad, "--seed", 1, "--out", out3)
    assert result.exit_code == 1 and "bad.yaml: stratum" in result.stderr and not out3.exists()


def test_validate_template_and_import(tmp_path):
    result = run("survey", "validate-instrument", "sipas-bnv-2022")
    assert result.exit_code == 0 and "sipas-bnv-2022 v2022.1: valid" in result.stdout
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = run("survey", "validate-instrument", broken)
    assert result.exit_code == 1 and "broken.xlsx" in result.stderr

    template = tmp_path / "entry.xlsx"
    result = run("survey", "template", "dtxhh-example", "--out", template)
    assert result.exit_code == 0 and template.exists()

    export = tmp_path / "export.csv"
    pd.DataFrame(
        {
            "respondent/respondent_code": ["R1", "R2", "R2"],
            "respondent/unit_code": ["SO01", "SO01", "SO02"],
            "respondent/respondent_group": ["lanh_dao_so", "cong_chuc", "cong_chuc"],
            "rating/c01": ["A", "F", "B"],
            "_uuid": ["u1", "u2", "u3"],
            "__version__": ["2025.1", "2025.1", "2025.1"],
        }
    ).to_csv(export, index=False)
    valid, rejected = tmp_path / "valid.csv", tmp_path / "rejected.csv"
    args = (
        "survey",
        "import",
        "--instrument",
        "dtxhh-example",
        "--responses",
        export,
        "--out",
        valid,
        "--rejected",
        rejected,
    )
    result = run(*args)
    assert result.exit_code == 0, result.output
    kept = pd.read_csv(valid, dtype=str, keep_default_na=False)
    refused = pd.read_csv(rejected, dtype=str)
    assert kept["respondent_code"].tolist() == ["R1", "R2"]
    assert refused["row"].tolist() == ["3"] and "'F' is not a choice" in refused["reason"].item()
    # the same file again: nothing added
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(valid)) == 2
    assert "0 new response(s)" in result.stdout


def test_expectations_command(tmp_path):
    data = pd.DataFrame(
        {
            "q10_01": ["3", "3", "1"],
            "q10_02": ["3", "2", "2"],
            **{f"q10_{k:02d}": ["1", "1", "1"] for k in (3, 4, 5, 6, 7, 9, 10)},
        }
    )
    responses = tmp_path / "R.csv"
    data.to_csv(responses, index=False)
    out = tmp_path / "X.csv"
    result = run(
        "survey",
        "expectations",
        "--responses",
        responses,
        "--mapping",
        "sipas-bnv-2022",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert table["item"].iloc[0] == "q10_01"
    assert table["share_pct"].iloc[0] == pytest.approx(200 / 3)
    assert table["label"].iloc[0].startswith("1. Nâng cao")
