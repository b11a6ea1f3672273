"""`parindex heads`: classify heads of agencies from a results table, without the web app.

    parindex heads classify --results R.csv [--rules rules.yaml] [--overdue O.csv]
                            [--completion C.csv] [--out H.csv] [--lang vi|en]
    parindex heads rules [--out rules.yaml]        # the packaged example, to adapt

R.csv is the results table of `parindex score` (unit_code, unit_name, index_pct, class,
field_<code>_pct…). O.csv: unit_code, overdue_dossiers (a count). C.csv: unit_code,
remedial_completion (share of remedial tasks done, 0–1). A unit missing from O.csv or
C.csv has no data there, and the rules ignore the conditions on it (unless the rule set
says otherwise). Without --rules the packaged example rule set is used — an example, not
an official rule. The output (CSV/XLSX/JSON by suffix, or CSV on standard output) has
unit_code, unit_name, index_pct, class, overdue_dossiers, remedial_completion,
classification, classification_name, rule_id, reasons, missed, met.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from parindex.errors import InputError, Problem

RESULT_NUMBERS = ("index_pct",)


def _read(path: Path, required: tuple[str, ...], numeric: tuple[str, ...]) -> pd.DataFrame:
    from parindex.commands.tableio import numeric_columns, read_table

    frame = read_table(path)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            [Problem(path.name, "header", c, "required column is missing") for c in missing]
        )
    columns = [
        *numeric,
        *[c for c in frame.columns if c.startswith("field_") and c.endswith("_pct")],
    ]
    return numeric_columns(frame, columns, path.name)


def _attach(results: pd.DataFrame, path: Path, column: str) -> pd.DataFrame:
    """Add `column` from a unit_code/`column` file; units absent from it get no value."""
    table = _read(path, ("unit_code", column), (column,))
    problems = []
    duplicated = table["unit_code"][table["unit_code"].duplicated()]
    for i in duplicated.index:
        problems.append(Problem(path.name, f"row {i + 2}", "unit_code", "listed twice"))
    if problems:
        raise InputError(problems)
    values = dict(zip(table["unit_code"].astype(str), table[column], strict=True))
    return results.assign(**{column: results["unit_code"].astype(str).map(values)})


def classify_files(
    results: Path,
    rules_path: Path | None,
    overdue: Path | None,
    completion: Path | None,
    lang: str,
) -> pd.DataFrame:
    """The CLI's work, without printing: read, classify, return the table."""
    from parindex.analysis.heads import (
        classify_heads,
        head_rules_from_text,
        load_default_head_rules,
    )

    if rules_path is None:
        rules = load_default_head_rules()
    else:
        if not rules_path.is_file():
            raise InputError([Problem(str(rules_path), "", "", "file not found")])
        rules = head_rules_from_text(rules_path.read_text(encoding="utf-8-sig"), rules_path.name)
    frame = _read(results, ("unit_code", "index_pct"), RESULT_NUMBERS)
    if "class" not in frame.columns:
        frame["class"] = ""
    if overdue is not None:
        frame = _attach(frame, overdue, "overdue_dossiers")
    if completion is not None:
        frame = _attach(frame, completion, "remedial_completion")
    table = classify_heads(frame, rules, lang=lang)
    return table.drop(columns=["details"])


def register(app: typer.Typer) -> None:
    heads_app = typer.Typer(
        help="Responsibility of heads: classify each head's task completion from the results.",
        no_args_is_help=True,
    )
    app.add_typer(heads_app, name="heads")

    @heads_app.command("classify")
    def classify_command(
        results: Path = typer.Option(..., "--results", help="Results table (R.csv)."),
        rules: Path | None = typer.Option(
            None, "--rules", help="Rule set (YAML); default: the packaged example."
        ),
        overdue: Path | None = typer.Option(
            None, "--overdue", help="unit_code, overdue_dossiers (CSV or XLSX)."
        ),
        completion: Path | None = typer.Option(
            None, "--completion", help="unit_code, remedial_completion 0–1 (CSV or XLSX)."
        ),
        out: Path | None = typer.Option(None, "--out", help="Output (csv, xlsx, json)."),
        lang: str = typer.Option("vi", "--lang", help="Language of the reasons: vi or en."),
    ) -> None:
        """Classify the head of every unit of a results table."""
        from parindex.commands.tableio import emit, fail

        if lang not in ("vi", "en"):
            raise typer.BadParameter("use vi or en", param_hint="--lang")
        try:
            table = classify_files(results, rules, overdue, completion, lang)
        except InputError as exc:
            raise fail(exc) from None
        if rules is None:
            typer.echo(
                "Rule set: the packaged example — an example, not an official rule "
                "(ví dụ, không phải quy định chính thức).",
                err=True,
            )
        if out is None:
            typer.echo(table.to_csv(index=False), nl=False)
        else:
            emit(table, out)

    @heads_app.command("rules")
    def rules_command(
        out: Path | None = typer.Option(None, "--out", help="Write it here (else print it)."),
    ) -> None:
        """The packaged example rule set (YAML), to adapt to a province's decision."""
        from parindex.analysis.heads import default_head_rules_text

        text = default_head_rules_text()
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
            typer.echo(f"example rule set → {out}")
