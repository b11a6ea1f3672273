"""Reading and writing the tables users hand us: CSV (UTF-8, with or without BOM) and XLSX.

Everything is read as text so that codes like "1.10" or "001" survive intact; the core
decides what is a number. Files are written plain (dot decimals, full precision) so the
numbers can be taken out and re-used; rounding is for what is shown on screen.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from parindex.errors import InputError, Problem

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or XLSX file as a DataFrame of strings ("" for empty cells)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError([Problem(str(path), "", "", "file not found")])
    try:
        if suffix == ".csv":
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
            )
        elif suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            raise InputError(
                [Problem(str(path), "", "", f"unsupported file type {suffix!r}: use .csv or .xlsx")]
            )
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError(
            [Problem(str(path), "", "", "is not UTF-8 text; save it as CSV UTF-8")]
        ) from None
    except Exception as exc:  # pandas/openpyxl raise many kinds for a broken file
        raise InputError([Problem(str(path), "", "", f"cannot be read: {exc}")]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def write_table(frame: pd.DataFrame, path: Path, fmt: str | None = None) -> None:
    """Write as csv, xlsx or json (by `fmt`, else by the file's suffix)."""
    fmt = (fmt or path.suffix.lstrip(".") or "csv").lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif fmt == "xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    elif fmt == "json":
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        raise typer.BadParameter(f"unknown format {fmt!r}: use csv, xlsx or json")


def fail(error: InputError) -> typer.Exit:
    """Print every problem to stderr and return the exit to raise (status 1)."""
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    typer.echo(f"{len(error.problems)} problem(s); nothing was written.", err=True)
    return typer.Exit(1)


def numeric_columns(
    frame: pd.DataFrame, columns, source: str, *, required: bool = False
) -> pd.DataFrame:
    """Tables are read as text: turn `columns` into numbers (decimal comma accepted),
    naming every cell that is not a number; with `required`, a missing column is a problem."""
    out = frame.copy()
    problems = []
    for col in columns:
        if col not in out.columns:
            if required:
                problems.append(Problem(source, "header", col, "required column is missing"))
            continue
        text = out[col].astype(str).str.strip()
        values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        for i in values.index[values.isna() & (text != "")][:50]:
            problems.append(Problem(source, f"row {i + 2}", col, f"{text[i]!r} is not a number"))
        out[col] = values
    if problems:
        raise InputError(problems)
    return out


def emit(table: pd.DataFrame, out: Path) -> None:
    """Write a table the user asked for and say where it went."""
    write_table(table, out)
    typer.echo(f"{len(table)} rows → {out}")
