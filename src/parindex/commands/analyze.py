"""`parindex analyze ...`: where units lose points, which losses recur, a unit's profile.

The questions a Sở Nội vụ answers after every ranking: which criteria cost the most, which
keep costing year after year, and in which fields a unit is strong or weak against its
peers and the best unit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from parindex.analysis import (
    lost_points_by_unit,
    recurring_losses,
    strengths_weaknesses,
    top_lost_criteria,
)
from parindex.analysis.fmt import fmt_number
from parindex.commands.tableio import emit, fail, numeric_columns, read_table
from parindex.errors import InputError, Problem

analyze_app = typer.Typer(
    name="analyze",
    help="Lost points, recurring losses and a unit's strengths and weaknesses.",
    no_args_is_help=True,
)

NUMERIC = ("points", "max_points", "lost_points", "self_points", "depth")


def register(app: typer.Typer) -> None:
    app.add_typer(analyze_app, name="analyze")


def _numeric(frame: pd.DataFrame, columns, source: str) -> pd.DataFrame:
    out = numeric_columns(frame, columns, source)
    if "is_leaf" in out.columns:
        out["is_leaf"] = out["is_leaf"].astype(str).str.strip().str.lower().isin(["true", "1"])
    return out


def _read_detail(path: Path) -> pd.DataFrame:
    return _numeric(read_table(path), NUMERIC, path.name)


def _show(frame: pd.DataFrame, title: str, lang: str, decimals: dict[str, int]) -> None:
    table = Table(title=title, title_justify="left")
    for col in frame.columns:
        table.add_column(col, justify="right" if col in decimals else "left")
    for rec in frame.to_dict("records"):
        table.add_row(
            *[
                fmt_number(rec[c], decimals[c], lang) if c in decimals else str(rec[c])
                for c in frame.columns
            ]
        )
    Console().print(table)


@analyze_app.command("lost")
def lost_command(
    detail: Path = typer.Option(..., "--detail", "-d", help="Detail file (D.csv) of one year."),
    unit: str | None = typer.Option(
        None, "--unit", "-u", help="One unit: its losses, largest first."
    ),
    top: int = typer.Option(10, "--top", "-n", help="How many rows to show."),
    depth: int | None = typer.Option(
        None, "--depth", help="Nodes at this depth (0 = fields) instead of leaves."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write the whole table (csv/xlsx/json)."
    ),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """The criteria that lost the most points, over all units or for one unit."""
    try:
        d = _read_detail(detail)
        if unit:
            table = lost_points_by_unit(d[d["unit_code"] == unit], leaves_only=depth is None)
            if table.empty and not (d["unit_code"] == unit).any():
                raise InputError([Problem(detail.name, "", "unit_code", f"no unit {unit!r}")])
        else:
            table = top_lost_criteria(d, n=None, depth=depth)
    except InputError as error:
        raise fail(error) from None
    if out:
        return emit(table, out)
    decimals = {
        "max_points": 2,
        "points": 2,
        "lost_points": 2,
        "total_lost": 2,
        "mean_lost": 2,
        "share_of_max_lost": 3,
    }
    title = f"Điểm bị mất — {unit}" if unit else "Tiêu chí mất nhiều điểm nhất"
    _show(table.head(top), title if lang == "vi" else "Lost points", lang, decimals)


@analyze_app.command("recurring")
def recurring_command(
    details: list[str] = typer.Option(..., "--detail", "-d", help="YEAR=D.csv, once per year."),
    min_years: int = typer.Option(2, "--min-years", help="Consecutive years with a loss."),
    unit: str | None = typer.Option(None, "--unit", "-u"),
    top: int = typer.Option(20, "--top", "-n"),
    out: Path | None = typer.Option(None, "--out", "-o"),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """Criteria on which a unit lost points in consecutive years (tồn tại kéo dài)."""
    try:
        by_year = {}
        for item in details:
            year, sep, path = item.partition("=")
            if not sep or not year.strip().isdigit():
                raise InputError(
                    [Problem(item, "", "--detail", "write it as YEAR=FILE, e.g. 2024=D2024.csv")]
                )
            by_year[int(year)] = _read_detail(Path(path))
        table = recurring_losses(by_year, min_years=min_years)
        if unit:
            table = table[table["unit_code"] == unit]
    except InputError as error:
        raise fail(error) from None
    if out:
        return emit(table, out)
    title = "Tiêu chí mất điểm nhiều năm liên tiếp" if lang == "vi" else "Recurring losses"
    _show(table.head(top), title, lang, {"streak": 0, "total_lost": 2})


@analyze_app.command("profile")
def profile_command(
    results: Path = typer.Option(..., "--results", "-r", help="Results file (R.csv)."),
    unit: str = typer.Option(..., "--unit", "-u"),
    tolerance: float = typer.Option(
        0.5, "--tolerance", help="Points of % counted as 'at average'."
    ),
    out: Path | None = typer.Option(None, "--out", "-o"),
    lang: str = typer.Option("vi", "--lang"),
) -> None:
    """A unit's field indices against its peer group's average and best unit."""
    try:
        frame = read_table(results)
        fields = [c for c in frame.columns if c.startswith("field_") and c.endswith("_pct")]
        frame = _numeric(frame, ["index_pct", "rank", *fields], results.name)
        table = strengths_weaknesses(frame, unit, tolerance=tolerance)
    except InputError as error:
        raise fail(error) from None
    except ValueError as error:
        typer.echo(f"{results.name}: {error}", err=True)
        raise typer.Exit(1) from None
    if out:
        return emit(table, out)
    shown = table[PROFILE_COLUMNS].rename(columns=PROFILE_HEADERS[lang])
    shown[PROFILE_HEADERS[lang]["label"]] = table["label"].map(LABELS[lang]).fillna("")
    numeric = {PROFILE_HEADERS[lang][c]: 2 for c in PROFILE_COLUMNS[1:5]}
    title = (
        f"Điểm mạnh, điểm yếu — {unit}" if lang == "vi" else f"Strengths and weaknesses — {unit}"
    )
    _show(shown, title, lang, numeric)


PROFILE_COLUMNS = [
    "field_code",
    "value",
    "peer_average",
    "best_value",
    "gap_to_average",
    "best_units",
    "label",
]
PROFILE_HEADERS = {
    "vi": {
        "field_code": "Lĩnh vực",
        "value": "Chỉ số",
        "peer_average": "TB nhóm",
        "best_value": "Cao nhất",
        "gap_to_average": "So với TB",
        "best_units": "Đơn vị cao nhất",
        "label": "Đánh giá",
    },
    "en": {
        "field_code": "Field",
        "value": "Index",
        "peer_average": "Peer avg",
        "best_value": "Best",
        "gap_to_average": "vs avg",
        "best_units": "Best unit",
        "label": "Assessment",
    },
}
LABELS = {
    "vi": {"strength": "điểm mạnh", "weakness": "điểm yếu", "at average": "ngang trung bình"},
    "en": {"strength": "strength", "weakness": "weakness", "at average": "at average"},
}
