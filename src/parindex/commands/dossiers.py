"""`parindex dossiers`: import dossier records, overdue warnings, procedures, reschedules.

`import` writes the web application's database and its Parquet store by default (Django
set up from ``--data-dir`` like `parindex reports`), or a Parquet store alone (``--store
DIR`` / ``--no-database``) for those who run no web application; see its help."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from parindex.commands.calendar import _parse_date, _parse_datetime
from parindex.commands.tableio import emit, fail, read_table
from parindex.commands.webdata import open_web_database
from parindex.dossiers.calendar import CalendarRangeError, WorkCalendar
from parindex.dossiers.catalogue import load_default_exceptions
from parindex.dossiers.ingest import iter_csv_chunks, validate_records
from parindex.dossiers.lifecycle import (
    Channel,
    Dossier,
    DossierStatus,
    RescheduleError,
    apology_letter_for,
    reschedule,
)
from parindex.dossiers.overdue import flag_overdue, overdue_summary
from parindex.dossiers.procedures import ProcedureCatalogue, procedures_from_frame
from parindex.dossiers.store import ParquetStore, StoreError
from parindex.errors import InputError, Problem

DOSSIER_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
REJECTED_COLUMNS = ["source", "location", "MaHoSo", "field", "reason"]


# -- reading exports --------------------------------------------------------------------------


def _json_frame(path: Path) -> pd.DataFrame:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        data = json.loads(text)
        if isinstance(data, dict):  # {"data": [...]} and similar envelopes
            lists = [v for v in data.values() if isinstance(v, list)]
            if len(lists) != 1:
                raise InputError(
                    [
                        Problem(
                            path.name,
                            "",
                            "",
                            "expected a list of records (or one list in an object)",
                        )
                    ]
                )
            data = lists[0]
        if not isinstance(data, list):
            raise InputError([Problem(path.name, "", "", "expected a list of records")])
        records = data
    if any(not isinstance(r, dict) for r in records):
        raise InputError([Problem(path.name, "", "", "every record must be an object")])
    return pd.DataFrame.from_records(records).astype(object)


def read_dossier_chunks(
    path: Path, chunk_rows: int = 200_000
) -> Iterator[tuple[pd.DataFrame, int, str]]:
    """(records as text, number of the first record, "row" | "record") for each chunk."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError([Problem(str(path), "", "", "file not found")])
    if suffix == ".csv":
        first = 2
        try:
            for chunk in iter_csv_chunks(path, chunk_rows):
                yield chunk, first, "row"
                first += len(chunk)
        except InputError:
            raise
        except Exception as exc:  # pyarrow raises several kinds for a broken CSV
            raise InputError([Problem(path.name, "", "", f"cannot be read: {exc}")]) from None
    elif suffix in (".xlsx", ".xlsm"):
        yield read_table(path), 2, "row"
    elif suffix in (".json", ".jsonl", ".ndjson"):
        try:
            frame = _json_frame(path)
        except (ValueError, UnicodeDecodeError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError([Problem(path.name, "", "", f"is not valid JSON: {exc}")]) from None
        yield frame, 1, "record"
    else:
        raise InputError(
            [
                Problem(
                    str(path),
                    "",
                    "",
                    f"unsupported file type {suffix!r}: use {', '.join(DOSSIER_SUFFIXES)}",
                )
            ]
        )


def load_procedures(path: Path | None) -> ProcedureCatalogue | pd.DataFrame | None:
    """A procedure catalogue from CSV/XLSX (validated) or the store's Parquet copy."""
    if path is None:
        return None
    if path.suffix.lower() == ".parquet":
        if not path.is_file():
            raise InputError([Problem(str(path), "", "", "file not found")])
        return pd.read_parquet(path)
    return procedures_from_frame(read_table(path), path.name)


def _calendar(first_year: int, last_year: int) -> WorkCalendar:
    return WorkCalendar.vietnam(range(first_year, last_year + 1), load_default_exceptions())


def _end_of_day(text: str) -> datetime:
    moment = _parse_datetime(text)
    if len(text.strip()) <= 10:  # a date alone: the end of that day
        moment = datetime.combine(moment.date(), time(23, 59, 59))
    return moment


def _web_store_dir(data_dir: Path | None) -> Path:
    """The web application's Parquet store, as its settings name it, without Django."""
    import os

    from parindex.web import config

    env = dict(os.environ)
    if data_dir is not None:
        env["PARINDEX_DATA_DIR"] = str(data_dir)
    explicit = env.get("PARINDEX_DOSSIER_STORE", "").strip()
    return Path(explicit) if explicit else config.data_dir(env) / "dossiers"


def _open_web_database(data_dir: Path | None, store: Path | None) -> tuple[Path, str]:
    """Set Django up for the data directory (as `parindex reports` does), apply pending
    migrations, and return the store to write with the database, and a label of it."""
    open_web_database(data_dir)
    from django.conf import settings
    from django.db import connection

    web_store = Path(settings.PARINDEX_DOSSIER_STORE)
    if store is not None and store.resolve() != web_store.resolve():
        typer.echo(f"note: the web pages read the store {web_store}, not {store}", err=True)
    name = connection.settings_dict.get("NAME", "")
    return store or web_store, f"{connection.vendor} {name}"


def _web_transaction(active: bool):
    """The database transaction the import runs in (nothing without the database)."""
    if not active:
        return contextlib.nullcontext()
    from django.db import transaction

    return transaction.atomic()


def register(app: typer.Typer) -> None:
    dos = typer.Typer(
        help="One-stop-shop dossiers: import, overdue warnings, procedures, reschedules.",
        no_args_is_help=True,
    )
    app.add_typer(dos, name="dossiers")

    @dos.command("import")
    def import_(
        files: list[Path] = typer.Argument(
            ..., help="CSV, Excel or JSON exports (national field names)"
        ),
        store: Path | None = typer.Option(
            None,
            "--store",
            help="Parquet store directory (created when missing). Given alone: a file-only "
            "import, no database. Default: the web application's store "
            "(PARINDEX_DOSSIER_STORE, else <data dir>/dossiers).",
        ),
        database: bool | None = typer.Option(
            None,
            "--database/--no-database",
            help="Also write the web application's database (of --data-dir / DATABASE_URL). "
            "Default: yes, unless --store is given.",
        ),
        data_dir: Path | None = typer.Option(
            None,
            "--data-dir",
            help="Web data directory (default: PARINDEX_DATA_DIR or ~/.local/share/parindex).",
        ),
        rejected: Path | None = typer.Option(
            None, "--rejected", help="Write the rejected records and their reasons (CSV)"
        ),
        chunk_rows: int = typer.Option(200_000, "--chunk-size", min=1000, help="Records per chunk"),
        memory_limit: str = typer.Option(
            "1GB", "--memory-limit", help="DuckDB memory limit for the commit (spills beyond)"
        ),
    ) -> None:
        """Validate dossier records and upsert them by dossier code (MaHoSo): re-sending a
        record updates it, never duplicates it.

        \b
        Where the records go:
          import X.csv                        web database + web store
          import X.csv --no-database          web store only
          import X.csv --store DIR            DIR only (no web application)
          import X.csv --store DIR --database web database + DIR

        All or nothing: the store publishes inside the database transaction, once every
        database write succeeded; an error leaves both as they were. On SQLite a long
        import holds the write lock: pages stay readable, other writes wait.

        Rejected records are printed with their row and reason (all of them in the CSV
        of --rejected); every other record is stored. Nothing is written when a file
        cannot be read."""
        missing = [Problem(str(f), "", "", "file not found") for f in files if not f.is_file()]
        if missing:
            raise fail(InputError(missing))
        use_database = store is None if database is None else database
        if use_database:
            target_dir, db_label = _open_web_database(data_dir, store)
        else:
            target_dir, db_label = store or _web_store_dir(data_dir), None
        problems: list = []
        stats = {"read": 0, "valid": 0, "duplicates": 0}
        rejected_rows: list[list[str]] = []

        def validated(progress: Progress, task) -> Iterator[pd.DataFrame]:
            for k, path in enumerate(files, start=1):
                where = "database and store" if use_database else "store"
                progress.update(task, description=f"{path.name} ({k}/{len(files)}) → {where}")
                for frame, first, label in read_dossier_chunks(path, chunk_rows):
                    valid, bad = validate_records(
                        frame, path.name, first_row=first, row_label=label
                    )
                    stats["read"] += len(frame)
                    stats["valid"] += len(valid)
                    stats["duplicates"] += int(valid.attrs.get("duplicates", 0))
                    if bad:
                        code_col = next(
                            (c for c in frame.columns if str(c).strip().lower() == "mahoso"),
                            None,
                        )
                        for p in bad:
                            code = "" if code_col is None else str(frame[code_col].iloc[p.position])
                            rejected_rows.append([p.source, p.location, code, p.field, p.message])
                        problems.extend(bad)
                    progress.update(task, advance=len(frame))
                    yield valid

        console = Console(stderr=True)
        try:
            with (
                Progress(
                    SpinnerColumn(),
                    TextColumn("{task.description}"),
                    BarColumn(),
                    TextColumn("{task.completed:,.0f} records"),
                    TimeElapsedColumn(),
                    console=console,
                    transient=True,
                    disable=not console.is_terminal,
                ) as progress,
                _web_transaction(use_database),
            ):
                task = progress.add_task("importing", total=None)
                target = ParquetStore(target_dir, memory_limit=memory_limit)
                if use_database:
                    from parindex.web.dossiers.writing import upsert_chunks

                    counts, _ = upsert_chunks(target, validated(progress, task))
                else:
                    counts = target.upsert_many(validated(progress, task))
                n_rejected = len({(p.source, p.position, p.location) for p in problems})
                if use_database:
                    from parindex.web.dossiers.models import DossierBatch
                    from parindex.web.dossiers.writing import log_batch

                    log_batch(
                        DossierBatch.Via.COMMAND,
                        ", ".join(f.name for f in files),
                        records=stats["read"],
                        counts=counts,
                        rejected=n_rejected,
                    )
        except InputError as error:
            raise fail(error) from None
        except StoreError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        if rejected is not None:
            rejected.parent.mkdir(parents=True, exist_ok=True)
            with rejected.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(REJECTED_COLUMNS)
                writer.writerows(rejected_rows)
        for p in problems[:20]:
            typer.echo(str(p), err=True)
        if len(problems) > 20:
            where = f" (all in {rejected})" if rejected else "; use --rejected to list them all"
            typer.echo(f"... and {len(problems) - 20} more problems{where}", err=True)
        dup = stats["duplicates"]
        typer.echo(
            f"{stats['read']} record(s) read from {len(files)} file(s): "
            f"{counts.inserted} inserted, {counts.updated} updated, {n_rejected} rejected"
            + (f", {dup} repeated code(s) within a file (the last record kept)" if dup else "")
        )
        if use_database:
            from parindex.web.dossiers import dbstore

            typer.echo(f"database {db_label}: {dbstore.count()} dossier(s)")
        typer.echo(f"store {target_dir}: {ParquetStore(target_dir).count()} dossier(s)")

    @dos.command("overdue")
    def overdue(
        store: Path = typer.Option(..., "--store", help="Store directory"),
        as_of: str = typer.Option(
            ..., "--as-of", help="Judge at this moment, e.g. 2026-03-31 17:00 (a date: its end)"
        ),
        unit: list[str] = typer.Option([], "--unit", help="Only this unit (repeatable)"),
        warn_days: int = typer.Option(2, "--warn-days", min=0, help="Due within N working days"),
        since: str | None = typer.Option(
            None, "--since", help="Also list dossiers finished late since (default: month start)"
        ),
        procedures: Path | None = typer.Option(
            None, "--procedures", help="Procedure catalogue, for dossiers without an appointed date"
        ),
        out: Path | None = typer.Option(
            None, "--out", help="Write the flagged dossiers (CSV/XLSX)"
        ),
    ) -> None:
        """Overdue and soon-due dossiers per unit (rules of metric 2.1)."""
        moment = _end_of_day(as_of)
        start = _parse_date(since) if since else moment.date().replace(day=1)
        if not store.is_dir():
            raise fail(InputError([Problem(str(store), "", "", "store not found")]))
        ts = moment.isoformat(sep=" ")
        since_ts = datetime.combine(start, time.min).isoformat(sep=" ")
        where = (
            f"received_at IS NOT NULL AND status NOT IN (1, 3) AND received_at <= TIMESTAMP '{ts}' "
            f"AND (least(processed_at, returned_at) IS NULL "
            f"OR least(processed_at, returned_at) >= TIMESTAMP '{since_ts}')"
        )
        if unit:
            quoted = ", ".join("'" + u.replace("'", "''") + "'" for u in unit)
            where += f" AND unit_code IN ({quoted})"
        try:
            procs = (
                load_procedures(procedures) if procedures else ParquetStore(store).load_procedures()
            )
            frame = ParquetStore(store).read(where=where)
            if frame.empty:
                typer.echo("no dossier open or finished in the period for these units")
                return
            first = int(pd.to_datetime(frame["received_at"]).dt.year.min())
            last_due = pd.to_datetime(frame["due_at"]).max()
            last = max(moment.year + 1, 0 if pd.isna(last_due) else last_due.year + 1)
            flags = flag_overdue(
                frame,
                moment,
                _calendar(first, last),
                warn_days=warn_days,
                since=start,
                procedures=procs,
            )
        except InputError as error:
            raise fail(error) from None
        except (StoreError, CalendarRangeError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        summary = overdue_summary(flags)
        _print_overdue(summary, flags, moment, warn_days, start)
        if out is not None:
            emit(flags[flags["overdue"] | flags["due_soon"]], out)

    @dos.command("procedures")
    def procedures_cmd(
        source: Path = typer.Option(..., "--import", help="Procedure catalogue (CSV/XLSX)"),
        store: Path | None = typer.Option(None, "--store", help="Keep it in this store"),
        out: Path | None = typer.Option(None, "--out", help="Write the normalised table"),
    ) -> None:
        """Validate a procedure catalogue (every problem with its row and column)."""
        try:
            cat = procedures_from_frame(read_table(source), source.name)
        except InputError as error:
            raise fail(error) from None
        frame = cat.frame()
        units = frame["time_unit"].value_counts().to_dict()
        levels = frame["online_level"].value_counts().to_dict()
        typer.echo(
            f"{len(cat)} procedure(s): "
            + ", ".join(f"{k} {v}" for k, v in sorted(units.items()))
            + "; online "
            + ", ".join(f"{k} {v}" for k, v in sorted(levels.items()))
            + f"; {int(frame['has_fee'].sum())} with fees, "
            f"{int(frame['paper_result'].sum())} requiring a paper result"
        )
        if store is not None:
            typer.echo(f"saved to {ParquetStore(store).save_procedures(frame)}")
        if out is not None:
            emit(frame, out)

    @dos.command("reschedule")
    def reschedule_cmd(
        code: str = typer.Option(..., "--code", help="Dossier code"),
        new_due: str = typer.Option(
            ..., "--new-due", help="New return date, e.g. 2026-02-10 17:00"
        ),
        reason: str = typer.Option("", "--reason", help="Reason for the delay (required)"),
        applicant_name: str = typer.Option(..., "--applicant-name"),
        applicant_id: str = typer.Option(..., "--applicant-id", help="ID number of the applicant"),
        procedure_name: str = typer.Option(..., "--procedure-name"),
        body: str = typer.Option(..., "--body", help="Name of the body handling the dossier"),
        head: str = typer.Option(..., "--head", help="Name of the head of the body (signs)"),
        head_title: str = typer.Option("THỦ TRƯỞNG CƠ QUAN", "--head-title"),
        parent_body: str = typer.Option("", "--parent-body", help="Governing body (first line)"),
        place: str = typer.Option("", "--place", help="Place of issue, e.g. Phú Thọ"),
        number: str = typer.Option("", "--number", help="Letter number"),
        issued: str | None = typer.Option(
            None, "--date", help="Date of the letter (default: today)"
        ),
        store: Path | None = typer.Option(
            None, "--store", help="Look the dossier up in this store"
        ),
        received: str | None = typer.Option(None, "--received", help="Receipt (without --store)"),
        due: str | None = typer.Option(
            None, "--due", help="Current appointed date (without --store)"
        ),
        times: int = typer.Option(
            0, "--times-rescheduled", min=0, help="Reschedules already made (without --store)"
        ),
        out: Path | None = typer.Option(None, "--out", help="Write the letter (HTML)"),
        pdf: Path | None = typer.Option(
            None, "--pdf", help="Write the letter as PDF (bundled DejaVu font; needs Pango)"
        ),
    ) -> None:
        """Reschedule the appointed date (once, with a reason) and produce the apology
        letter, form 04 of Circular 01/2018, as HTML (--out) and/or PDF (--pdf)."""
        issued_on = _parse_date(issued) if issued else date.today()
        at = datetime.combine(issued_on, time(8, 0))
        try:
            dossier = _dossier_for_reschedule(code, store, received, due, times)
            moved = reschedule(dossier, _end_of_day(new_due), reason, at)
            letter = apology_letter_for(
                moved,
                applicant_name=applicant_name,
                applicant_id=applicant_id,
                procedure_name=procedure_name,
                body_name=body,
                head_name=head,
                head_title=head_title,
                parent_body=parent_body,
                place=place,
                number=number,
                issued_on=issued_on,
            )
        except InputError as error:
            raise fail(error) from None
        except (RescheduleError, StoreError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        if moved.late_reschedule_notice:
            typer.echo(
                "warning: the letter is dated less than 1 day before the appointed date "
                f"({dossier.due_at:%d/%m/%Y %H:%M})",
                err=True,
            )
        if pdf is not None:
            from parindex.web.pdf import PdfUnavailable, html_to_pdf

            try:
                content = html_to_pdf(letter, stylesheet=_letter_pdf_css())
            except PdfUnavailable as exc:
                typer.echo(f"error: cannot render PDF (WeasyPrint/Pango missing): {exc}", err=True)
                raise typer.Exit(1) from None
            pdf.parent.mkdir(parents=True, exist_ok=True)
            pdf.write_bytes(content)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(letter, encoding="utf-8")
        if out is None and pdf is None:
            typer.echo(letter)
        else:
            written = " and ".join(str(p) for p in (out, pdf) if p is not None)
            typer.echo(
                f"{code}: {dossier.due_at:%d/%m/%Y %H:%M} → {moved.due_at:%d/%m/%Y %H:%M}; "
                f"letter → {written}"
            )


def _letter_pdf_css() -> str:
    """Print rules for the form 04 PDF: A4, the bundled font (Vietnamese everywhere), the
    page margins instead of the body's, and the two-column heading without flexbox."""
    from parindex.web.pdf import FONT_FAMILY, font_face_css

    return font_face_css() + (
        "@page { size: A4; margin: 2cm 2cm 2cm 3cm; }\n"
        f'html, body {{ font-family: "{FONT_FAMILY}"; }}\n'
        "body { margin: 0; font-size: 12pt; }\n"
        ".head { display: table; width: 100%; }\n"
        ".head > div { display: table-cell; width: 50%; vertical-align: top; }\n"
    )


def _dossier_for_reschedule(
    code: str, store: Path | None, received: str | None, due: str | None, times: int
) -> Dossier:
    if store is not None:
        safe = code.replace("'", "''")
        rows = ParquetStore(store).read(where=f"dossier_code = '{safe}'")
        if rows.empty:
            raise InputError([Problem(str(store), "", "MaHoSo", f"dossier {code} not found")])
        r = rows.iloc[0]

        def ts(name: str) -> datetime | None:
            value = r[name]
            return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()

        return Dossier(
            code=code,
            unit_code=str(r["unit_code"]),
            procedure_code="" if pd.isna(r["procedure_code"]) else str(r["procedure_code"]),
            channel=Channel(int(r["channel"])),
            status=DossierStatus(int(r["status"])),
            received_at=ts("received_at"),
            due_at=ts("due_at"),
            original_due_at=ts("original_due_at"),
            reschedule_count=int(r["reschedule_count"]),
        )
    if received is None or due is None:
        raise typer.BadParameter("give --store, or both --received and --due")
    return Dossier(
        code=code,
        unit_code=code.split("-")[0],
        procedure_code="",
        status=DossierStatus.IN_PROGRESS,
        received_at=_parse_datetime(received),
        due_at=_end_of_day(due),
        reschedule_count=times,
        original_due_at=_end_of_day(due) if times else None,
    )


def _print_overdue(
    summary: pd.DataFrame, flags: pd.DataFrame, moment: datetime, warn_days: int, since: date
) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    table = Table(title=f"Hồ sơ quá hạn / sắp đến hạn — {moment:%d/%m/%Y %H:%M}")
    for col, head in (
        ("unit_code", "unit"),
        ("open", "open"),
        ("open_overdue", "open overdue"),
        ("finished_late", f"finished late since {since:%d/%m}"),
        ("supplements", ">1 supplement"),
        ("due_soon", f"due ≤{warn_days} wd"),
        ("max_days_overdue", "max wd overdue"),
    ):
        table.add_column(head, justify="left" if col == "unit_code" else "right")
    for row in summary.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)
    listed = flags[(flags["is_open"] & flags["overdue"]) | flags["due_soon"]]
    for unit, group in listed.groupby("unit_code", sort=True):
        console.print(f"[bold]{unit}[/bold]")
        for r in group.itertuples(index=False):
            due = (
                "" if pd.isna(r.first_due_at) else f"{pd.Timestamp(r.first_due_at):%d/%m/%Y %H:%M}"
            )
            if r.overdue:
                what = f"quá hạn {r.days_overdue} ngày làm việc" if r.days_overdue else "quá hạn"
                if r.reason == "supplements":
                    what = "quá hạn (bổ sung hồ sơ quá 1 lần)"
            else:
                what = f"còn {r.working_days_left} ngày làm việc"
            console.print(f"  {r.dossier_code}  {r.procedure_code or '':<10} hẹn {due}  {what}")
