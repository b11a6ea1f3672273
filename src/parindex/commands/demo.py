"""`parindex demo`: score a simulated province end to end and show what parindex produces.

Builds `parindex.demo.build_demo` (a fictional province, EXAMPLE frameworks, three years),
scores every year and unit kind against the previous year, writes every table, and prints
the last year's rankings, the publication summary, the criteria that lost the most points
and the losses units keep making — then the commands to run on the written files.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from parindex.analysis import recurring_losses, summarize, to_markdown, top_lost_criteria
from parindex.analysis.fmt import fmt_number
from parindex.commands.tableio import fail, write_table
from parindex.demo import PROVINCE, PROVINCE_EN, build_demo
from parindex.errors import InputError
from parindex.framework.builtin import builtin_text
from parindex.scoring import score

INT_COLUMNS = ("rank", "self_rank", "prev_rank", "rank_change")

WORDS = {
    "vi": {
        "province": PROVINCE,
        "kinds": {"department": "Sở, ban, ngành", "commune": "UBND cấp xã"},
        "intro": "Dữ liệu mô phỏng, chấm theo bộ chỉ số VÍ DỤ (không phải quyết định chính thức).",
        "seed": "hạt giống",
        "years": "năm",
        "scoring": "Chấm điểm",
        "ranking": "Xếp hạng năm {year} — {kind} — nhóm: {group}",
        "rank": "Hạng",
        "unit": "Đơn vị",
        "index": "Chỉ số (%)",
        "class": "Xếp loại",
        "change": "Tăng/giảm",
        "rank_change": "Bậc",
        "summary": "Tổng hợp năm {year} — {kind}",
        "top_lost": "Tiêu chí mất nhiều điểm nhất năm {year} — {kind}",
        "code": "Mã",
        "criterion": "Tiêu chí",
        "lost": "Điểm mất",
        "losing": "Số đơn vị mất điểm",
        "recurring": "Mất điểm lặp lại ({n} cặp đơn vị – tiêu chí, ≥ 2 năm liên tiếp) — {kind}",
        "years_col": "Các năm",
        "total_lost": "Tổng điểm mất",
        "written": "Đã ghi {n} tệp vào {out}",
        "next": "Lệnh tiếp theo trên các tệp vừa ghi:",
        "next_score": "# chấm lại một năm, so với năm trước",
        "next_summary": "# bản tổng hợp để công bố",
        "new": "mới",
        "merged": "sáp nhập",
    },
    "en": {
        "province": PROVINCE_EN,
        "kinds": {"department": "Departments", "commune": "Communes and wards"},
        "intro": "Simulated data, scored on EXAMPLE frameworks (not an official decision).",
        "seed": "seed",
        "years": "years",
        "scoring": "Scoring",
        "ranking": "Ranking {year} — {kind} — group: {group}",
        "rank": "Rank",
        "unit": "Unit",
        "index": "Index (%)",
        "class": "Class",
        "change": "Change",
        "rank_change": "Places",
        "summary": "Summary {year} — {kind}",
        "top_lost": "Criteria that lost the most points in {year} — {kind}",
        "code": "Code",
        "criterion": "Criterion",
        "lost": "Points lost",
        "losing": "Units losing",
        "recurring": "Recurring losses ({n} unit–criterion pairs, ≥ 2 consecutive years) — {kind}",
        "years_col": "Years",
        "total_lost": "Total lost",
        "written": "Wrote {n} files to {out}",
        "next": "Next, on the written files:",
        "next_score": "# score one year again, against the previous year",
        "next_summary": "# the publication summary",
        "new": "new",
        "merged": "merged",
    },
}


def _int_columns(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in INT_COLUMNS:
        if col in out.columns:
            out[col] = pd.array(np.round(out[col].to_numpy(dtype=float)), dtype="Int64")
    return out


def _rank_change_cell(row: pd.Series, w: dict) -> str:
    rc = row.get("rank_change")
    if rc is not None and not pd.isna(rc):
        return f"{int(rc):+d}" if int(rc) else "0"
    note = str(row.get("yoy_note") or "")
    if note.startswith("merged"):
        return w["merged"]
    if note == "new":
        return w["new"]
    return ""


def _ranking_tables(results: pd.DataFrame, year: int, kind: str, lang: str) -> list[Table]:
    w = WORDS[lang]
    tables = []
    ordered = results.sort_values(["peer_group", "rank", "unit_code"], kind="mergesort")
    for group, rows in ordered.groupby("peer_group", sort=False):
        title = w["ranking"].format(year=year, kind=w["kinds"][kind], group=group)
        table = Table(title=title, title_justify="left")
        table.add_column(w["rank"], justify="right")
        table.add_column(w["unit"])
        table.add_column(w["index"], justify="right")
        table.add_column(w["class"])
        table.add_column(w["change"], justify="right")
        table.add_column(w["rank_change"], justify="right")
        for _, row in rows.iterrows():
            rank = row["rank"]
            table.add_row(
                "" if pd.isna(rank) else str(int(rank)),
                str(row["unit_name"]),
                fmt_number(row["index_pct"], 2, lang),
                str(row["class"]),
                fmt_number(row.get("index_change"), 2, lang, signed=True),
                _rank_change_cell(row, w),
            )
        tables.append(table)
    return tables


def _top_lost_table(detail: pd.DataFrame, year: int, kind: str, lang: str) -> Table:
    w = WORDS[lang]
    top = top_lost_criteria(detail, n=10)
    table = Table(
        title=w["top_lost"].format(year=year, kind=w["kinds"][kind]), title_justify="left"
    )
    for name, justify in (
        ("code", "left"),
        ("criterion", "left"),
        ("lost", "right"),
        ("losing", "right"),
    ):
        table.add_column(w[name], justify=justify)
    for _, row in top.iterrows():
        table.add_row(
            str(row["node_code"]),
            str(row["node_name"]),
            fmt_number(row["total_lost"], 2, lang),
            f"{int(row['units_losing'])}/{int(row['units'])}",
        )
    return table


def _recurring_table(recurring: pd.DataFrame, names: dict[str, str], kind: str, lang: str) -> Table:
    w = WORDS[lang]
    title = w["recurring"].format(n=len(recurring), kind=w["kinds"][kind])
    table = Table(title=title, title_justify="left")
    for name, justify in (
        ("unit", "left"),
        ("code", "left"),
        ("criterion", "left"),
        ("years_col", "left"),
        ("total_lost", "right"),
    ):
        table.add_column(w[name], justify=justify)
    for _, row in recurring.head(10).iterrows():
        table.add_row(
            names.get(str(row["unit_code"]), str(row["unit_code"])),
            str(row["node_code"]),
            str(row["node_name"]),
            str(row["years"]),
            fmt_number(row["total_lost"], 2, lang),
        )
    return table


def _regions(units: pd.DataFrame) -> pd.DataFrame | None:
    table = units[["unit_code", "region"]].dropna()
    table = table[table["region"].astype(str).str.strip() != ""]
    return table if len(table) else None


def run_demo(out: Path, seed: int, lang: str, console: Console) -> None:
    w = WORDS[lang]
    data = build_demo(seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save_text(name: str, text: str) -> Path:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
        return path

    def save_table(name: str, frame: pd.DataFrame) -> Path:
        path = out / name
        write_table(frame, path)
        written.append(path)
        return path

    console.print(f"[bold]{w['province']}[/bold]")
    console.print(
        f"{w['intro']} ({w['seed']} {data.seed}; {w['years']} "
        f"{', '.join(str(y) for y in data.years)})"
    )
    framework_files = {}
    for kind, fw in data.frameworks.items():
        framework_files[kind] = save_text(f"{fw.id}.yaml", builtin_text(fw.id))
    for year in data.years:
        save_table(f"units_{year}.csv", data.units[year])
        for kind in data.kinds:
            save_table(f"units_{kind}_{year}.csv", data.units_of(year, kind))
            save_table(f"inputs_{kind}_{year}.csv", data.inputs_of(year, kind))

    results: dict[str, dict[int, pd.DataFrame]] = {k: {} for k in data.kinds}
    details: dict[str, dict[int, pd.DataFrame]] = {k: {} for k in data.kinds}
    summaries: dict[str, dict[int, dict]] = {k: {} for k in data.kinds}
    steps = [(kind, year) for kind in data.kinds for year in data.years]
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(w["scoring"], total=len(steps))
        for kind, year in steps:
            progress.update(task, description=f"{w['scoring']} {w['kinds'][kind]} {year}")
            fw = data.frameworks[kind]
            units = data.units_of(year, kind)
            previous = results[kind].get(year - 1)
            result = score(
                fw,
                data.inputs_of(year, kind),
                units,
                previous,
                source=f"inputs_{kind}_{year}.csv",
                units_source=f"units_{kind}_{year}.csv",
            )
            res = _int_columns(result.results)
            results[kind][year] = res
            details[kind][year] = result.detail
            summary = summarize(res, previous=previous, regions=_regions(units))
            summaries[kind][year] = summary
            save_table(f"results_{kind}_{year}.csv", res)
            save_table(f"detail_{kind}_{year}.csv", result.detail)
            header = f"> {w['province']} — {w['kinds'][kind]} — {year}. {w['intro']}\n\n"
            save_text(f"summary_{kind}_{year}.md", header + to_markdown(summary, lang=lang))
            save_text(
                f"summary_{kind}_{year}.json",
                json.dumps(summary, ensure_ascii=False, indent=2, default=str) + "\n",
            )
            progress.advance(task)

    last = data.last_year
    for kind in data.kinds:
        res = results[kind][last]
        console.print()
        for table in _ranking_tables(res, last, kind, lang):
            console.print(table)
        console.print()
        console.print(f"[bold]{w['summary'].format(year=last, kind=w['kinds'][kind])}[/bold]")
        console.print(Markdown(to_markdown(summaries[kind][last], lang=lang)))
        console.print()
        console.print(_top_lost_table(details[kind][last], last, kind, lang))
        names = {}
        for year in data.years:
            names.update(
                dict(
                    zip(
                        data.units_of(year, kind)["unit_code"],
                        data.units_of(year, kind)["unit_name"],
                        strict=True,
                    )
                )
            )
        recurring = recurring_losses(details[kind], min_years=2)
        console.print(_recurring_table(recurring, names, kind, lang))

    console.print()
    console.print(w["written"].format(n=len(written), out=out))
    console.print(w["next"])
    kind = "commune" if "commune" in data.kinds else data.kinds[0]
    fw_file = framework_files[kind]
    score_cmd = [
        "parindex", "score",
        "--framework", str(fw_file),
        "--inputs", str(out / f"inputs_{kind}_{last}.csv"),
        "--units", str(out / f"units_{kind}_{last}.csv"),
    ]  # fmt: skip
    if last - 1 in results[kind]:
        score_cmd += ["--previous", str(out / f"results_{kind}_{last - 1}.csv")]
    score_cmd += [
        "--out", str(out / f"my_results_{kind}_{last}.csv"),
        "--detail", str(out / f"my_detail_{kind}_{last}.csv"),
    ]  # fmt: skip
    summary_cmd = [
        "parindex", "summary",
        "--results", str(out / f"results_{kind}_{last}.csv"),
        "--regions", str(out / f"units_{kind}_{last}.csv"),
        "--lang", lang,
    ]  # fmt: skip
    console.print(f"  {w['next_score']}", markup=False, highlight=False)
    console.print("  " + shlex.join(score_cmd), markup=False, highlight=False, soft_wrap=True)
    console.print(f"  {w['next_summary']}", markup=False, highlight=False)
    console.print("  " + shlex.join(summary_cmd), markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        out: Path = typer.Option(
            Path("parindex-demo"), "--out", "-o", help="Directory to write the demo files to."
        ),
        seed: int = typer.Option(2025, "--seed", help="Random seed: the same seed, the same data."),
        lang: str = typer.Option("vi", "--lang", help="vi | en, for what is printed and written."),
    ) -> None:
        """Score a simulated province (3 years, departments and communes) and show the results."""
        if lang not in WORDS:
            raise typer.BadParameter(
                f"unknown language {lang!r}: use vi or en", param_hint="--lang"
            )
        try:
            run_demo(out, seed, lang, Console())
        except InputError as error:  # the shipped data should never get here
            raise fail(error) from None
