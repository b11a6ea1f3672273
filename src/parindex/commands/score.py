"""`parindex score`: score units on a framework from a long inputs table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from parindex.analysis.fmt import fmt_number
from parindex.commands.framework import resolve_framework
from parindex.commands.tableio import fail, numeric_columns, read_table, write_table
from parindex.errors import InputError
from parindex.scoring import score

HEADERS = {
    "vi": {
        "rank": "Hạng",
        "unit": "Đơn vị",
        "points": "Điểm",
        "index": "Chỉ số (%)",
        "class": "Xếp loại",
        "change": "Tăng/giảm",
        "rank_change": "Bậc",
        "group": "Nhóm",
    },
    "en": {
        "rank": "Rank",
        "unit": "Unit",
        "points": "Points",
        "index": "Index (%)",
        "class": "Class",
        "change": "Change",
        "rank_change": "Places",
        "group": "Group",
    },
}


def render_ranking(results: pd.DataFrame, lang: str = "vi", console: Console | None = None) -> None:
    """Print one ranking table per peer group, values rounded for display only."""
    console = console or Console()
    h = HEADERS[lang]
    field_cols = [c for c in results.columns if c.startswith("field_") and c.endswith("_pct")]
    has_prev = "index_change" in results.columns
    for group, rows in results.sort_values(["peer_group", "rank", "unit_code"]).groupby(
        "peer_group", sort=False
    ):
        table = Table(title=f"{h['group']}: {group}", title_justify="left")
        table.add_column(h["rank"], justify="right")
        table.add_column(h["unit"])
        table.add_column(h["points"], justify="right")
        table.add_column(h["index"], justify="right")
        table.add_column(h["class"])
        if has_prev:
            table.add_column(h["change"], justify="right")
            table.add_column(h["rank_change"], justify="right")
        for col in field_cols:
            table.add_column(col.removeprefix("field_").removesuffix("_pct"), justify="right")
        for rec in rows.to_dict("records"):
            cells = [
                "" if pd.isna(rec["rank"]) else str(int(rec["rank"])),
                str(rec["unit_name"]),
                fmt_number(rec["points"], 2, lang),
                fmt_number(rec["index_pct"], 2, lang),
                str(rec["class"]),
            ]
            if has_prev:
                cells.append(fmt_number(rec["index_change"], 2, lang, signed=True))
                rc = rec.get("rank_change")
                cells.append("" if rc is None or pd.isna(rc) else f"{int(rc):+d}")
            cells += [fmt_number(rec[c], 2, lang) for c in field_cols]
            table.add_row(*cells)
        console.print(table)


def _int_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = pd.array(np.round(out[col].to_numpy(dtype=float)), dtype="Int64")
    return out


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score_command(
        framework: str = typer.Option(
            ..., "--framework", "-f", help="Framework YAML/XLSX, or a built-in id."
        ),
        inputs: Path = typer.Option(
            ...,
            "--inputs",
            "-i",
            help="Long table: unit_code, criterion_code, value [, input, track, applicable].",
        ),
        units: Path | None = typer.Option(
            None, "--units", "-u", help="unit_code, unit_name, unit_kind, peer_group, predecessors."
        ),
        previous: Path | None = typer.Option(
            None, "--previous", "-p", help="Results file of an earlier year."
        ),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Results file (R.csv). Without it, print a table."
        ),
        detail: Path | None = typer.Option(
            None, "--detail", "-d", help="Per-node detail file (D.csv)."
        ),
        fmt: str | None = typer.Option(
            None, "--format", help="csv | xlsx | json (default: by file suffix)."
        ),
        lang: str = typer.Option("vi", "--lang", help="vi | en, for the printed table."),
    ) -> None:
        """Score every unit: points, index, rank, class, field indices, self vs appraised."""
        try:
            fw = resolve_framework(framework)
            inputs_frame = read_table(inputs)
            units_frame = read_table(units) if units else None
            previous_frame = read_table(previous) if previous else None
            result = score(
                fw,
                inputs_frame,
                units_frame,
                numeric_columns(previous_frame, ("index_pct", "rank"), previous.name, required=True)
                if previous_frame is not None
                else None,
                source=inputs.name,
                units_source=units.name if units else "units",
            )
        except InputError as error:
            raise fail(error) from None
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
        results = _int_columns(result.results, ("rank", "self_rank", "prev_rank", "rank_change"))
        if out is None and detail is None:
            render_ranking(results, lang)
            return
        if out is not None:
            write_table(results, out, fmt)
            typer.echo(f"{len(results)} units scored on {fw.id} ({fw.version}) → {out}")
        if detail is not None:
            write_table(result.detail, detail, fmt)
            typer.echo(f"{len(result.detail)} node rows → {detail}")
