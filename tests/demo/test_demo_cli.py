"""`parindex demo` end to end: files written, rankings printed, results that make sense."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from parindex.analysis import recurring_losses
from parindex.cli import app
from parindex.framework import io as framework_io

YEARS = (2023, 2024, 2025)
KINDS = ("department", "commune")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--seed", "11"])
    return out, result


def test_demo_exits_cleanly(run):
    _, result = run
    assert result.exit_code == 0, result.output + repr(result.exception)


def test_demo_writes_every_file(run):
    out, _ = run
    names = {p.name for p in out.iterdir()}
    expected = {"example-department-2025.yaml", "example-commune-2025.yaml"}
    for year in YEARS:
        expected.add(f"units_{year}.csv")
        for kind in KINDS:
            expected |= {
                f"units_{kind}_{year}.csv",
                f"inputs_{kind}_{year}.csv",
                f"results_{kind}_{year}.csv",
                f"detail_{kind}_{year}.csv",
                f"summary_{kind}_{year}.md",
                f"summary_{kind}_{year}.json",
            }
    assert expected <= names


def test_written_frameworks_load(run):
    out, _ = run
    fw = framework_io.load_framework(out / "example-commune-2025.yaml")
    assert fw.id == "example-commune-2025" and fw.example


def test_demo_prints_rankings_summary_losses_and_next_commands(run):
    _, result = run
    text = result.output
    assert "Tỉnh Minh Họa" in text
    assert "Xếp hạng năm 2025" in text and "Hạng" in text and "Chỉ số (%)" in text
    assert "Sở Nội vụ" in text and "Phường" in text
    assert "Tổng hợp kết quả Chỉ số CCHC" in text
    assert "Tiêu chí mất nhiều điểm nhất" in text
    assert "Mất điểm lặp lại" in text
    assert "parindex score --framework" in text
    assert "parindex summary --results" in text


def test_results_have_a_rank_one_in_every_peer_group(run):
    out, _ = run
    for year in YEARS:
        for kind in KINDS:
            res = pd.read_csv(out / f"results_{kind}_{year}.csv")
            assert res["framework_id"].eq(f"example-{kind}-2025").all()
            assert len(res) > 0
            groups = res.groupby("peer_group")["rank"].min()
            assert (groups == 1).all(), (kind, year, groups)
            assert res["index_pct"].between(0, 100).all()


def test_last_year_compares_with_the_previous_one_and_explains_mergers(run):
    out, _ = run
    res = pd.read_csv(out / "results_commune_2025.csv", keep_default_na=False)
    merged = res[res["yoy_note"].str.startswith("merged")]
    assert len(merged) == 3
    assert (merged["rank_change"] == "").all()
    assert pd.to_numeric(merged["prev_index_pct"]).notna().all()
    others = res[~res["yoy_note"].str.startswith("merged")]
    assert pd.to_numeric(others["rank_change"]).notna().all()


def test_summaries_are_written_as_markdown_and_json(run):
    out, _ = run
    summary = json.loads((out / "summary_commune_2025.json").read_text(encoding="utf-8"))
    res = pd.read_csv(out / "results_commune_2025.csv")
    assert summary["count"] == len(res)
    assert summary["average_index"] == pytest.approx(res["index_pct"].mean())
    assert summary["regions"]  # communes have regions
    md = (out / "summary_commune_2025.md").read_text(encoding="utf-8")
    assert "mô phỏng" in md and "Chỉ số trung bình" in md


def test_recurring_losses_show_up_in_the_written_details(run):
    out, _ = run
    for kind in KINDS:
        details = {y: pd.read_csv(out / f"detail_{kind}_{y}.csv") for y in YEARS}
        recurring = recurring_losses(details, min_years=2)
        assert len(recurring) > 0
        assert (recurring["streak"] == 3).any()


def test_the_suggested_score_command_reproduces_the_results(run, tmp_path):
    out, _ = run
    target = tmp_path / "again.csv"
    result = CliRunner().invoke(
        app,
        [
            "score",
            "--framework", str(out / "example-commune-2025.yaml"),
            "--inputs", str(out / "inputs_commune_2025.csv"),
            "--units", str(out / "units_commune_2025.csv"),
            "--previous", str(out / "results_commune_2024.csv"),
            "--out", str(target),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    again = pd.read_csv(target).set_index("unit_code")
    written = pd.read_csv(out / "results_commune_2025.csv").set_index("unit_code")
    pd.testing.assert_series_equal(again["index_pct"], written["index_pct"])
    pd.testing.assert_series_equal(again["rank"], written["rank"])


def test_same_seed_writes_the_same_inputs(run, tmp_path):
    out, _ = run
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--seed", "11"])
    assert result.exit_code == 0
    for kind in KINDS:
        name = f"inputs_{kind}_2025.csv"
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_english_output(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Ranking 2025" in result.output and "Rank" in result.output
    assert "PAR Index results summary" in result.output
    md = (tmp_path / "summary_department_2025.md").read_text(encoding="utf-8")
    assert "simulated" in md.lower() or "Simulated" in md


def test_unknown_language_is_refused(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--lang", "fr"])
    assert result.exit_code != 0
    assert not any(tmp_path.iterdir())
