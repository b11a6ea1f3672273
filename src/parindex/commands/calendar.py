"""`parindex calendar`: working days, days off and appointed return dates."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import typer

from parindex.commands.tableio import fail
from parindex.dossiers.calendar import (
    TIME_UNITS,
    WEEKDAY_NAMES_VI,
    CalendarRangeError,
    WorkCalendar,
    format_due_vi,
    merge_exceptions,
    parse_exceptions_csv,
)
from parindex.dossiers.catalogue import load_default_exceptions
from parindex.errors import InputError

KIND_VI = {"holiday": "nghỉ lễ", "day_off": "nghỉ", "workday": "làm bù"}

EXCEPTIONS_HELP = (
    "CSV of extra days off / make-up workdays (columns day, kind, source, note); "
    "added to the packaged ones, a day listed here replaces a packaged entry"
)


def _parse_datetime(text: str) -> datetime:
    text = text.strip()
    for fmt in (
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y-%m-%d",
        "%d/%m/%Y",
    ):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise typer.BadParameter(f"'{text}' is not a date-time (YYYY-MM-DD HH:MM or dd/mm/yyyy HH:MM)")


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"'{text}' is not a date (YYYY-MM-DD or dd/mm/yyyy)")


def _parse_time(text: str) -> time:
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a time (HH:MM)") from None


def _calendar(years: range, exceptions: Path | None, **kwargs) -> WorkCalendar:
    excs = load_default_exceptions()
    if exceptions is not None:
        if not exceptions.is_file():
            raise typer.BadParameter(f"{exceptions}: file not found", param_hint="--exceptions")
        text = exceptions.read_text(encoding="utf-8-sig")
        excs = merge_exceptions(excs, parse_exceptions_csv(text, exceptions.name))
    try:
        return WorkCalendar.vietnam(years, excs, **kwargs)
    except ValueError as exc:  # cut-off outside office hours
        if isinstance(exc, InputError):
            raise
        raise typer.BadParameter(str(exc)) from None


def register(app: typer.Typer) -> None:
    cal = typer.Typer(
        help="Working-day calendar (Vietnam): days off, working days, appointed return dates.",
        no_args_is_help=True,
    )
    app.add_typer(cal, name="calendar")

    @cal.command("due")
    def due(
        received: str = typer.Option(
            ..., "--received", help="Receipt time, e.g. '2025-01-24 10:00'"
        ),
        limit: float = typer.Option(..., "--limit", min=0, help="The procedure's time limit"),
        unit: str = typer.Option("working_days", "--unit", help="working_days | days | hours"),
        supplement: float = typer.Option(
            0, "--supplement", min=0, help="Working days spent waiting for supplements"
        ),
        online: bool = typer.Option(False, "--online", help="Online receipt (16:00 cut-off)"),
        cutoff: str = typer.Option("15:00", "--cutoff", help="Cut-off hour for paper receipts"),
        exceptions: Path | None = typer.Option(None, "--exceptions", help=EXCEPTIONS_HELP),
    ) -> None:
        """The appointed return date of a dossier."""
        if unit not in TIME_UNITS:
            raise typer.BadParameter(f"use one of {', '.join(TIME_UNITS)}", param_hint="--unit")
        moment = _parse_datetime(received)
        span = min(int((limit if unit != "hours" else limit / 8) + supplement) // 200, 20)
        years = range(moment.year, moment.year + 2 + span)
        try:
            calendar = _calendar(years, exceptions, cutoff=_parse_time(cutoff))
            start = calendar.deemed_receipt(moment, online=online)
            result = calendar.due_date(moment, limit, unit, supplement, online=online)  # type: ignore[arg-type]
        except InputError as error:
            raise fail(error) from None
        except (CalendarRangeError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"Tiếp nhận:  {format_due_vi(moment)}")
        if start != moment:
            typer.echo(f"Tính từ:    {format_due_vi(start)}")
        typer.echo(f"Hẹn trả:    {format_due_vi(result)}")
        typer.echo(f"ISO:        {result.isoformat()}")

    @cal.command("days")
    def days(
        start: str = typer.Option(..., "--from", help="First date (not counted)"),
        end: str = typer.Option(..., "--to", help="Last date (counted)"),
        exceptions: Path | None = typer.Option(None, "--exceptions", help=EXCEPTIONS_HELP),
    ) -> None:
        """Count working days in (FROM, TO]: FROM excluded, TO included."""
        d1, d2 = _parse_date(start), _parse_date(end)
        lo, hi = min(d1, d2), max(d1, d2)
        try:
            n = _calendar(range(lo.year, hi.year + 1), exceptions).working_days_between(d1, d2)
        except InputError as error:
            raise fail(error) from None
        typer.echo(f"{n} ngày làm việc (sau {d1:%d/%m/%Y} đến hết {d2:%d/%m/%Y})")

    @cal.command("holidays")
    def holidays(
        year: int = typer.Option(..., "--year", min=1995, max=2100),
        exceptions: Path | None = typer.Option(None, "--exceptions", help=EXCEPTIONS_HELP),
    ) -> None:
        """Days off and make-up workdays of a year, with their names and sources."""
        try:
            calendar = _calendar(range(year, year + 1), exceptions)
        except InputError as error:
            raise fail(error) from None
        special = calendar.special_days(year)
        for s in special:
            weekday = WEEKDAY_NAMES_VI[s.day.weekday()]
            typer.echo(
                f"{s.day.isoformat()}  {weekday:<8}  {KIND_VI[s.kind]:<7}  {s.name}  [{s.source}]"
            )
        off = sum(1 for s in special if s.kind != "workday" and s.day.weekday() < 5)
        made_up = sum(1 for s in special if s.kind == "workday")
        first, last = date(year, 1, 1), date(year, 12, 31)
        n = calendar.working_days_between(first, last) + int(calendar.is_working_day(first))
        typer.echo(
            f"{off} weekday(s) off, {made_up} make-up workday(s); {n} working days in {year}"
        )
