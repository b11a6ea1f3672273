"""`parindex summary` (a publication summary of a results table) and `parindex published`
(the real published data shipped with the package, and its consistency check).

The shell around `parindex.analysis`: reads CSV/XLSX files, reports every problem with the
file and column named, and prints Markdown or JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from parindex.analysis.published import DATASETS, consistency_check, load_published
from parindex.analysis.summary import summarize, to_markdown
from parindex.errors import InputError, Problem

TEXT_COLUMNS = {
    c: str for c in ("unit_code", "unit_name", "peer_group", "class", "region", "yoy_note")
}
NUMERIC_COLUMNS = (
    "index_pct",
    "rank",
    "prev_index_pct",
    "index_change",
    "prev_rank",
    "rank_change",
)
REQUIRED = {
    "results": ("unit_code", "index_pct", "rank"),
    "previous": ("unit_code", "index_pct", "rank"),
    "regions": ("unit_code", "region"),
}


def read_table(path: Path, role: str) -> pd.DataFrame:
    """A CSV or XLSX table checked for the columns `role` needs; every problem is collected
    into one InputError naming the file, the row and the column."""
    name = path.name
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "file not found")])
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=TEXT_COLUMNS, encoding="utf-8-sig")
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=TEXT_COLUMNS)
        else:
            raise InputError(
                [
                    Problem(
                        name,
                        "",
                        "",
                        f"unsupported file type {suffix or '(none)'}: use .csv or .xlsx",
                    )
                ]
            )
    except InputError:
        raise
    except Exception as exc:  # unreadable file: say which and why
        raise InputError([Problem(name, "", "", f"cannot read: {exc}")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = [
        Problem(name, "header", col, "missing column")
        for col in REQUIRED[role]
        if col not in frame.columns
    ]
    for col in NUMERIC_COLUMNS:
        if col not in frame.columns:
            continue
        raw = frame[col]
        numbers = pd.to_numeric(raw, errors="coerce")
        bad = numbers.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        problems += [
            Problem(name, f"row {i + 2}", col, f"not a number: {raw.iloc[i]!r}")
            for i in bad.to_numpy().nonzero()[0]
        ]
        frame[col] = numbers
    if "unit_code" in frame.columns:
        codes = frame["unit_code"]
        problems += [
            Problem(name, f"row {i + 2}", "unit_code", "empty")
            for i in codes.isna().to_numpy().nonzero()[0]
        ]
        if role != "regions":
            dup = codes.notna() & codes.duplicated(keep="first")
            problems += [
                Problem(
                    name, f"row {i + 2}", "unit_code", f"{codes.iloc[i]} appears more than once"
                )
                for i in dup.to_numpy().nonzero()[0]
            ]
    if problems:
        raise InputError(problems)
    return frame


def _fail(error: InputError) -> None:
    for problem in error.problems or [Problem("inputs", "", "", str(error))]:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(1)


def summary(
    results: Path = typer.Option(..., "--results", help="Results table R.csv or .xlsx."),
    previous: Path | None = typer.Option(
        None, "--previous", help="Previous year's results table (CSV/XLSX)."
    ),
    regions: Path | None = typer.Option(
        None, "--regions", help="Table unit_code, region (CSV/XLSX)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    lang: str = typer.Option("vi", "--lang", help="Report language: vi or en."),
) -> None:
    """Summarise a results table the way a publication does.

    Average and change, units up/down, classes, top and bottom, rank movers, regions.
    Markdown (Vietnamese by default) or JSON with --json.
    """
    if lang not in ("vi", "en"):
        typer.echo(f"error: --lang must be vi or en, not {lang!r}", err=True)
        raise typer.Exit(1)
    try:
        tables = {"results": read_table(results, "results")}
        if previous is not None:
            tables["previous"] = read_table(previous, "previous")
        if regions is not None:
            tables["regions"] = read_table(regions, "regions")
        result = summarize(tables["results"], tables.get("previous"), tables.get("regions"))
    except InputError as error:
        _fail(error)
        return
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        typer.echo(to_markdown(result, lang=lang), nl=False)


published_app = typer.Typer(
    help="Real published results shipped with parindex, and their consistency check.",
    no_args_is_help=True,
)


@published_app.command("check")
def published_check(
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if any conflict is found."),
    problems_only: bool = typer.Option(
        False, "--problems-only", help="Print only warnings and conflicts."
    ),
) -> None:
    """Cross-check the published datasets; nothing is changed.

    Sums, deltas, counts, rank claims, and values printed differently by different outlets.
    """
    findings = consistency_check()
    for finding in findings:
        if problems_only and finding.severity == "ok":
            continue
        typer.echo(str(finding))
    counts = {s: sum(f.severity == s for f in findings) for s in ("ok", "warning", "conflict")}
    typer.echo(
        f"{len(findings)} findings: {counts['ok']} ok, {counts['warning']} warnings, "
        f"{counts['conflict']} conflicts"
    )
    if strict and counts["conflict"]:
        raise typer.Exit(1)


@published_app.command("show")
def published_show(
    name: str = typer.Argument(..., help=f"Dataset: {', '.join(DATASETS)}."),
    csv: bool = typer.Option(False, "--csv", help="Print as CSV instead of a table."),
) -> None:
    """Print one published dataset."""
    try:
        frame = load_published(name)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    else:
        with pd.option_context(
            "display.max_rows",
            None,
            "display.max_columns",
            None,
            "display.width",
            200,
            "display.max_colwidth",
            80,
        ):
            typer.echo(frame.astype(object).where(frame.notna(), "").to_string(index=False))


def register(app: typer.Typer) -> None:
    app.command("summary")(summary)
    app.add_typer(published_app, name="published")
