"""`parindex analyze` through the CLI, on small hand-made detail and results files."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from parindex.cli import app

runner = CliRunner()


def detail(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "unit_code",
            "node_code",
            "node_name",
            "is_leaf",
            "depth",
            "points",
            "max_points",
            "lost_points",
        ],
    )


def write(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_lost_over_all_units_and_for_one_unit(tmp_path):
    d = write(
        tmp_path,
        "D.csv",
        detail(
            [
                ("A", "1.1", "Kế hoạch", True, 1, 0.5, 2, 1.5),
                ("A", "1.2", "Báo cáo", True, 1, 1.0, 1, 0.0),
                ("B", "1.1", "Kế hoạch", True, 1, 2.0, 2, 0.0),
                ("B", "1.2", "Báo cáo", True, 1, 0.0, 1, 1.0),
            ]
        ),
    )
    out = tmp_path / "top.csv"
    assert runner.invoke(app, ["analyze", "lost", "-d", str(d), "-o", str(out)]).exit_code == 0
    top = pd.read_csv(out, dtype={"node_code": str})
    assert top["node_code"].tolist() == ["1.1", "1.2"]
    assert top["total_lost"].tolist() == [1.5, 1.0]
    result = runner.invoke(app, ["analyze", "lost", "-d", str(d), "-u", "B", "--lang", "en"])
    assert result.exit_code == 0 and "Báo cáo" in result.output and "Kế hoạch" not in result.output
    missing = runner.invoke(app, ["analyze", "lost", "-d", str(d), "-u", "Z"])
    assert missing.exit_code == 1 and "no unit 'Z'" in missing.output


def test_recurring_needs_consecutive_years(tmp_path):
    lost = ("A", "1.1", "Kế hoạch", True, 1, 0.5, 2, 1.5)
    kept = ("A", "1.1", "Kế hoạch", True, 1, 2.0, 2, 0.0)
    paths = {
        y: write(tmp_path, f"D{y}.csv", detail([r]))
        for y, r in [(2023, lost), (2024, kept), (2025, lost)]
    }
    out = tmp_path / "rec.csv"
    args = ["analyze", "recurring", "-o", str(out)]
    for year, path in paths.items():
        args += ["-d", f"{year}={path}"]
    assert runner.invoke(app, args).exit_code == 0
    assert pd.read_csv(out).empty  # 2023 and 2025 are not consecutive
    paths[2024] = write(tmp_path, "D2024.csv", detail([lost]))
    assert runner.invoke(app, args).exit_code == 0
    assert pd.read_csv(out)["streak"].tolist() == [3]
    bad = runner.invoke(app, ["analyze", "recurring", "-d", "D.csv"])
    assert bad.exit_code == 1 and "YEAR=FILE" in bad.output


def test_profile_against_peers(tmp_path):
    r = write(
        tmp_path,
        "R.csv",
        pd.DataFrame(
            {
                "unit_code": ["A", "B", "C"],
                "peer_group": ["g", "g", "g"],
                "index_pct": [80, 90, 70],
                "rank": [2, 1, 3],
                "field_1_pct": [90.0, 60.0, 60.0],
                "field_2_pct": [50.0, 100.0, 90.0],
            }
        ),
    )
    out = tmp_path / "p.csv"
    assert (
        runner.invoke(
            app, ["analyze", "profile", "-r", str(r), "-u", "A", "-o", str(out)]
        ).exit_code
        == 0
    )
    p = pd.read_csv(out).set_index("field_code")
    assert p.loc[1, "label"] == "strength" and p.loc[2, "label"] == "weakness"
    assert p.loc[1, "peer_average"] == 70 and p.loc[2, "best_value"] == 100
    shown = runner.invoke(app, ["analyze", "profile", "-r", str(r), "-u", "A"])
    assert "điểm mạnh" in shown.output and "90,00" in shown.output
