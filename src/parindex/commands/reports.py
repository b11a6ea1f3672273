"""`parindex reports`: periodic reform reports of the web application.

    parindex reports remind [--days 3] [--on 2025-04-28] [--dry-run] [--data-dir D]

`remind` e-mails (Django's e-mail backend: the console unless SMTP is configured) the
reporters of every unit whose report is due within N working days (Vietnam's calendar:
weekends, holidays, swapped days) and not yet submitted; a unit without a reporter with an
e-mail address goes to its head. Idempotent: what was sent is recorded, so running it
every morning (cron) sends each reminder once. Exit code 1 if an e-mail failed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from parindex.commands.webdata import DATA_DIR_OPTION, open_web_database


def register(app: typer.Typer) -> None:
    reports_app = typer.Typer(
        help="Periodic reform reports: reminders before the deadline.", no_args_is_help=True
    )
    app.add_typer(reports_app, name="reports")

    @reports_app.command("remind")
    def remind_command(
        days: int = typer.Option(3, "--days", min=0, help="Working days ahead."),
        on: str | None = typer.Option(
            None, "--on", help="Pretend today is this date (YYYY-MM-DD), e.g. to test."
        ),
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the e-mails, send nothing."),
        data_dir: Path | None = DATA_DIR_OPTION,
    ) -> None:
        """E-mail reporters whose unit's report is due within N working days."""
        day = None
        if on:
            try:
                day = dt.date.fromisoformat(on)
            except ValueError:
                raise typer.BadParameter("give a date like 2025-04-28", param_hint="--on") from None
        open_web_database(data_dir)
        from parindex.web.reports.management.commands.reports_remind import reminder_lines
        from parindex.web.reports.services import send_reminders

        summary = send_reminders(days=days, on=day, dry_run=dry_run)
        for line in reminder_lines(summary, dry_run):
            typer.echo(line)
        if summary.failed:
            raise typer.Exit(1)
