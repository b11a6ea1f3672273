"""`parindex service-index`: Decision 766 service-index scores from counts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from parindex.commands.tableio import fail, read_table
from parindex.dossiers.catalogue import (
    ServiceCatalogue,
    catalogue_from_yaml,
    load_default_catalogue,
)
from parindex.dossiers.service_index import TOTAL, score_counts, summary_table
from parindex.errors import InputError, Problem

CSV_COLUMNS = [
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


def _load_catalogue(path: Path | None) -> ServiceCatalogue:
    if path is None:
        return load_default_catalogue()
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "file not found")])
    return catalogue_from_yaml(path.read_text(encoding="utf-8"), path.name)


def format_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """The S.csv table: scores and maxima with exactly 2 decimals, ranks as integers."""
    out = scores[CSV_COLUMNS].copy()
    for col in ("score", "max_score", "ratio_pct"):
        out[col] = [("" if pd.isna(v) else f"{v:.2f}") for v in scores[col]]
    out["rank"] = ["" if pd.isna(v) else str(int(v)) for v in scores["rank"]]
    out["missing"] = ["true" if v else "false" for v in scores["missing"]]
    return out


def register(app: typer.Typer) -> None:
    si = typer.Typer(
        help="Service index of Decision 766 (real-time, national portal groups).",
        no_args_is_help=True,
    )
    app.add_typer(si, name="service-index")

    @si.command("score")
    def score(
        counts: Path = typer.Option(
            ...,
            "--counts",
            help="CSV/XLSX: unit_code, metric, numerator, denominator [, unit_name, level, period]",
        ),
        out: Path | None = typer.Option(None, "--out", help="Write the long score table (CSV)"),
        catalogue: Path | None = typer.Option(
            None, "--catalogue", help="Catalogue YAML (default: the packaged 766 v1)"
        ),
    ) -> None:
        """Score units from counts: every metric, group and the total, with ranks."""
        try:
            cat = _load_catalogue(catalogue)
            frame = read_table(counts)
            scores = score_counts(frame, cat, source=counts.name)
        except InputError as error:
            raise fail(error) from None
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            format_scores(scores).to_csv(out, index=False, encoding="utf-8")
            units = scores[scores["item"] == TOTAL]
            typer.echo(
                f"{len(units)} unit(s) scored with {cat.id} v{cat.version}; "
                f"{len(scores)} rows written to {out}"
            )
            return
        _print_summary(scores, cat)

    @si.command("compute")
    def compute(
        dossiers: Path = typer.Option(
            ...,
            "--dossiers",
            help="Dossier records: a store directory, Parquet file(s) in a directory, a .parquet "
            "file, or a CSV/XLSX/JSON export (national field names)",
        ),
        procedures: Path | None = typer.Option(
            None,
            "--procedures",
            help="Procedure catalogue (CSV/XLSX or .parquet; default: the one kept in the store)",
        ),
        year: int = typer.Option(..., "--period", min=2000, max=2100, help="Year, e.g. 2026"),
        quarter: int | None = typer.Option(None, "--quarter", min=1, max=4),
        month: int | None = typer.Option(None, "--month", min=1, max=12),
        as_of: str | None = typer.Option(
            None, "--as-of", help="Data as of this moment (a date: its end; default: period end)"
        ),
        counts: Path | None = typer.Option(
            None, "--counts", help="Counts of the metrics from other sources (merged)"
        ),
        units: Path | None = typer.Option(
            None, "--units", help="Units (unit_code, unit_name, level): every one listed appears"
        ),
        out: Path | None = typer.Option(None, "--out", help="Write the long score table (CSV)"),
        counts_out: Path | None = typer.Option(
            None, "--counts-out", help="Write the computed counts (CSV)"
        ),
        catalogue: Path | None = typer.Option(None, "--catalogue", help="Catalogue YAML"),
        threads: int | None = typer.Option(None, "--threads", min=1, help="DuckDB threads"),
        memory_limit: str | None = typer.Option(
            None, "--memory-limit", help="DuckDB memory limit, e.g. 3GB"
        ),
    ) -> None:
        """Compute the dossier metrics (2.1, 2.2, 3.3, 3.6, 4.x, 5.4) from dossier records,
        merge other counts, and score every unit."""
        from parindex.commands.dossiers import load_procedures, read_dossier_chunks
        from parindex.dossiers.compute import Period, compute_metrics
        from parindex.dossiers.ingest import validate_records

        if quarter is not None and month is not None:
            raise typer.BadParameter("give --quarter or --month, not both")
        period = Period(year, quarter=quarter, month=month)
        moment = None
        if as_of is not None:
            from parindex.commands.dossiers import _end_of_day

            moment = _end_of_day(as_of)
        try:
            cat = _load_catalogue(catalogue)
            procs = load_procedures(procedures)
            if procs is None and dossiers.is_dir():  # a store keeps its procedure catalogue
                from parindex.dossiers.store import ParquetStore

                procs = ParquetStore(dossiers).load_procedures()
            source = dossiers
            if dossiers.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson"):
                frames, problems = [], []
                for frame, first, label in read_dossier_chunks(dossiers):
                    valid, bad = validate_records(
                        frame, dossiers.name, first_row=first, row_label=label
                    )
                    frames.append(valid)
                    problems.extend(bad)
                if problems:
                    raise InputError(problems)
                source = pd.concat(frames, ignore_index=True).drop_duplicates(
                    "dossier_code", keep="last"
                )
            elif not dossiers.exists():
                raise InputError([Problem(str(dossiers), "", "", "not found")])
            counts_frame = read_table(counts) if counts is not None else None
            units_frame = read_table(units) if units is not None else None
            computed = compute_metrics(
                source,
                procs,
                period,
                moment,
                units=units_frame,
                counts=counts_frame,
                catalogue=cat,
                counts_source=counts.name if counts is not None else "counts",
                threads=threads,
                memory_limit=memory_limit,
            )
            scores = score_counts(computed, cat, source="computed counts")
        except InputError as error:
            raise fail(error) from None
        for warning in computed.attrs.get("warnings", []):
            typer.echo(f"warning: {warning}", err=True)
        if counts_out is not None:
            counts_out.parent.mkdir(parents=True, exist_ok=True)
            computed.to_csv(counts_out, index=False, encoding="utf-8")
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            format_scores(scores).to_csv(out, index=False, encoding="utf-8")
            n_units = int((scores["item"] == TOTAL).sum())
            typer.echo(
                f"{n_units} unit(s), period {period.label}: {len(computed)} counts "
                f"({int((computed['source'] == 'dossiers').sum())} from dossiers); "
                f"{len(scores)} rows written to {out}"
            )
            return
        _print_summary(scores, cat)

    @si.command("catalogue")
    def show_catalogue(
        catalogue: Path | None = typer.Option(None, "--catalogue", help="Catalogue YAML"),
    ) -> None:
        """List the catalogue's groups and metrics."""
        try:
            cat = _load_catalogue(catalogue)
        except InputError as error:
            raise fail(error) from None
        typer.echo(f"{cat.id} v{cat.version} — {cat.source}")
        for g in cat.groups:
            typer.echo(f"{g.code} ({g.name_vi}): {g.max}")
            for m in cat.metrics_of(g.code):
                rule = f"full at {m.threshold:%}" if m.rule == "full_at" else m.rule
                zero = "; full when denominator is 0" if m.zero_denominator == "full" else ""
                typer.echo(f"  {m.number or '-':<5} {m.code:<30} {m.max:>3}  {rule}{zero}")


def _print_summary(scores: pd.DataFrame, cat: ServiceCatalogue) -> None:
    wide = summary_table(scores, cat)
    table = Table(title=f"{cat.id} v{cat.version}")
    has_period = (wide["period"] != "").any()
    for name in ("unit_code", "unit_name", "level", *(["period"] if has_period else [])):
        table.add_column(name)
    for g in cat.groups:
        table.add_column(f"{g.code}\n/{g.max}", justify="right")
    table.add_column(f"{TOTAL}\n/{cat.max_points}", justify="right")
    table.add_column("rank", justify="right")
    for row in wide.itertuples(index=False):
        rec = row._asdict()
        cells = [rec["unit_code"], rec["unit_name"], rec["level"]]
        if has_period:
            cells.append(rec["period"])
        cells += [f"{rec[g.code]:.2f}" for g in cat.groups]
        cells += [f"{rec[TOTAL]:.2f}", "" if pd.isna(rec["rank"]) else str(int(rec["rank"]))]
        table.add_row(*cells)
    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze into 80 columns
        console = Console(width=200)
    console.print(table)
    missing = scores[
        scores["missing"] & (scores["item_kind"] == "metric") & (scores["max_score"] > 0)
    ]
    if len(missing):
        typer.echo(
            f"note: {len(missing)} metric value(s) missing were scored 0 "
            "(column 'missing' in --out)"
        )
