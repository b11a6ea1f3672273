"""Importing and exporting the units table (CSV/XLSX), all or nothing.

Columns: code, name, short_name, kind, parent_code, peer_group, region, valid_from,
valid_to, predecessors (`CODE:weight;CODE:weight`, the syntax of the scoring units table).
A row is identified by (code, valid_from): a row already in the database is updated, a new
one is created, and units missing from the file are left alone — an import never deletes.
Optional columns that are absent from the file leave the stored values untouched; present
and empty, they clear them.

Every problem of the whole file is collected first (file, row, column, message) and raised
as one `InputError`; the database is written only when there is none, in one transaction.
Plain functions, not management commands, so the CLI, the admin and later upload pages all
go through the same checks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import transaction

from parindex.errors import InputError, Problem
from parindex.scoring.yoy import parse_predecessors
from parindex.web.units.dates import parse_date
from parindex.web.units.models import Unit, UnitKind, UnitPredecessor, child_path, path_depth

COLUMNS = (
    "code",
    "name",
    "short_name",
    "kind",
    "parent_code",
    "peer_group",
    "region",
    "valid_from",
    "valid_to",
    "predecessors",
)
REQUIRED = ("code", "name", "kind", "valid_from")
OPTIONAL_TEXT = ("short_name", "peer_group", "region")
KINDS = tuple(UnitKind.values)
CODE_PATTERN = re.compile(r"^[^\s:;,]+$")
MAX_LENGTH = {"code": 32, "name": 255, "short_name": 100, "peer_group": 128, "region": 128}


@dataclass
class ImportReport:
    """What an import did (or, with `dry_run`, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    links: int = 0
    dry_run: bool = False

    def __str__(self) -> str:
        if self.dry_run:
            return (
                f"would create {self.created}, update {self.updated} and leave "
                f"{self.unchanged} unchanged unit version(s); {self.links} predecessor "
                "link(s); nothing was written (--dry-run)"
            )
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged} "
            f"unit version(s); {self.links} predecessor link(s)"
        )


@dataclass
class _Row:
    line: int
    code: str
    values: dict[str, Any]  # model field → value, only for the columns the file has
    valid_from: dt.date
    valid_to: dt.date | None
    parent_code: str
    predecessors: dict[str, float] | None  # None: column absent
    usable: bool = True  # False: a cell is wrong; the row takes part in no cross-row check
    existing: Unit | None = None
    parent: _Version | None = None
    links: list[tuple[_Version, float]] = field(default_factory=list)


@dataclass
class _Version:
    """A unit version as it will be after the import: from the database or the file."""

    code: str
    valid_from: dt.date
    valid_to: dt.date | None
    unit: Unit | None  # None until created
    row: _Row | None  # the file row that defines or updates it
    parent: _Version | None = None
    parent_id: int | None = None  # database parent when no file row says otherwise

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def describe(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        where = f"row {self.row.line}" if self.row else "the database"
        return f"{self.code} {self.valid_from.isoformat()}–{end} ({where})"


# --- reading ------------------------------------------------------------------------------


def read_units_file(path: Path) -> pd.DataFrame:
    """A units CSV or XLSX file as text cells (codes like "001" stay intact)."""
    from parindex.commands.tableio import read_table

    return read_table(path)


def import_units_file(
    path: Path,
    *,
    default_valid_from: dt.date | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> ImportReport:
    return import_units(
        read_units_file(path),
        source=Path(path).name,
        default_valid_from=default_valid_from,
        user=user,
        dry_run=dry_run,
        reason=f"import {Path(path).name}",
    )


def import_unit_rows(
    rows: Iterable[Mapping[str, Any]],
    source: str,
    *,
    user: Any = None,
    reason: str | None = None,
) -> ImportReport:
    """Import rows built in code (the demo, the Vietnamese code lists) through the same checks."""
    frame = pd.DataFrame(list(rows), dtype=object).fillna("")
    frame = frame.map(lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
    return import_units(frame, source=source, user=user, reason=reason or f"import {source}")


def import_units(
    frame: pd.DataFrame,
    source: str,
    *,
    default_valid_from: dt.date | None = None,
    user: Any = None,
    dry_run: bool = False,
    reason: str | None = None,
) -> ImportReport:
    """Check the whole table, then create/update the units in one transaction.

    `default_valid_from` fills empty valid_from cells (for lists without dates). `user`
    is recorded as the author of the history entries.
    """
    frame = frame.copy()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    _check_header(frame, source, needs_valid_from=default_valid_from is None)
    columns = set(frame.columns)
    rows, problems = _parse_rows(frame, source, columns, default_valid_from)
    plan = _Plan(rows, source, columns, problems)
    plan.resolve()
    report = ImportReport(dry_run=dry_run)
    report.created = sum(1 for r in rows if r.existing is None)
    report.links = sum(len(r.links) for r in rows)
    if dry_run:
        report.updated = sum(1 for r in rows if r.existing is not None and plan.changes(r))
        report.unchanged = len(rows) - report.created - report.updated
        return report
    with transaction.atomic():
        plan.write(report, user=user, reason=reason or f"import {source}")
    return report


def _check_header(frame: pd.DataFrame, source: str, needs_valid_from: bool = True) -> None:
    problems = []
    for name in REQUIRED:
        if name not in frame.columns and (needs_valid_from or name != "valid_from"):
            problems.append(Problem(source, "header", name, "required column is missing"))
    for name in frame.columns:
        if name not in COLUMNS:
            problems.append(
                Problem(
                    source, "header", name, f"unknown column; the columns are {', '.join(COLUMNS)}"
                )
            )
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    for name in duplicated:
        problems.append(Problem(source, "header", name, "column appears more than once"))
    if problems:
        raise InputError(problems)


def _parse_rows(
    frame: pd.DataFrame, source: str, columns: set[str], default_valid_from: dt.date | None
) -> tuple[list[_Row], list[Problem]]:
    """Rows with their cells checked; a row with a bad cell is kept, marked not `usable`.

    Cross-row checks (parents, predecessors, overlaps) still run on the usable rows, so
    one pass over a file lists everything wrong with it.
    """
    problems: list[Problem] = []
    rows: list[_Row] = []
    text = frame.fillna("").astype(str).map(str.strip)
    for index, record in enumerate(text.to_dict("records")):
        line = index + 2  # the header is line 1, as a spreadsheet shows it
        if not any(record.values()):
            continue  # blank lines at the end of spreadsheets
        where = f"row {line}"
        problems_before = len(problems)

        def problem(column: str, message: str, where: str = where) -> None:
            problems.append(Problem(source, where, column, message))

        values: dict[str, Any] = {}
        for name in ("code", "name", *OPTIONAL_TEXT):
            if name not in columns:
                continue
            value = record[name]
            if name in ("code", "name") and not value:
                problem(name, "is empty")
            elif len(value) > MAX_LENGTH[name]:
                problem(name, f"is longer than {MAX_LENGTH[name]} characters")
            values[name] = value
        code = values.pop("code", "")
        if code and not CODE_PATTERN.match(code):
            problem("code", f"{code!r} must not contain spaces, ':', ';' or ','")

        kind = record["kind"].lower()
        if not kind:
            problem("kind", "is empty")
        elif kind not in KINDS:
            problem("kind", f"{record['kind']!r} is not one of {', '.join(KINDS)}")
        values["kind"] = kind

        valid_from = valid_to = None
        if record.get("valid_from"):
            try:
                valid_from = parse_date(record["valid_from"])
            except ValueError as exc:
                problem("valid_from", str(exc))
        elif default_valid_from is not None:
            valid_from = default_valid_from
        else:
            problem("valid_from", "is empty")
        if record.get("valid_to"):
            try:
                valid_to = parse_date(record["valid_to"])
            except ValueError as exc:
                problem("valid_to", str(exc))
        if valid_from and valid_to and valid_to < valid_from:
            problem("valid_to", f"{valid_to.isoformat()} is before valid_from")
        if "valid_to" in columns:
            values["valid_to"] = valid_to

        predecessors = None
        if "predecessors" in columns:
            try:
                predecessors = parse_predecessors(record["predecessors"])
            except ValueError as exc:
                problem("predecessors", str(exc))
                predecessors = {}
        rows.append(
            _Row(
                line=line,
                code=code,
                values=values,
                valid_from=valid_from or dt.date.min,
                usable=len(problems) == problems_before,
                valid_to=valid_to,
                parent_code=record.get("parent_code", ""),
                predecessors=predecessors,
            )
        )
    return rows, problems


# --- checking and writing -------------------------------------------------------------------


class _Plan:
    """The file rows merged with the database: resolves parents and predecessors."""

    def __init__(self, rows: list[_Row], source: str, columns: set[str], problems: list[Problem]):
        # Rows with a wrong cell are left out of the cross-row checks, and so are references
        # to their codes: the problem is already reported on that row.
        self.rows = [r for r in rows if r.usable]
        self.unsure_codes = {r.code for r in rows if not r.usable}
        self.source = source
        self.columns = columns
        self.problems: list[Problem] = list(problems)
        self.versions: dict[str, list[_Version]] = defaultdict(list)
        self.by_pk: dict[int, _Version] = {}

    def problem(self, row: _Row, column: str, message: str) -> None:
        self.problems.append(Problem(self.source, f"row {row.line}", column, message))

    def resolve(self) -> None:
        self._load()
        self._check_overlaps()
        for row in self.rows:
            self._resolve_parent(row)
            self._resolve_predecessors(row)
        if not self.problems:
            self._check_cycles()
        if self.problems:
            self.problems.sort(key=lambda p: int(p.location.split()[-1]))
            raise InputError(self.problems)

    def _load(self) -> None:
        seen: dict[tuple[str, dt.date], _Row] = {}
        for row in self.rows:
            key = (row.code, row.valid_from)
            if key in seen:
                self.problem(
                    row,
                    "code",
                    f"{row.code} valid from {row.valid_from.isoformat()} is already "
                    f"on row {seen[key].line}",
                )
            seen[key] = row
        for unit in Unit.objects.all():
            version = _Version(
                unit.code, unit.valid_from, unit.valid_to, unit, None, parent_id=unit.parent_id
            )
            row = seen.get((unit.code, unit.valid_from))
            if row is not None:
                row.existing = unit
                version.row = row
                if "valid_to" in self.columns:
                    version.valid_to = row.valid_to
            self.versions[unit.code].append(version)
            self.by_pk[unit.pk] = version
        for row in seen.values():
            if row.existing is None:
                self.versions[row.code].append(
                    _Version(row.code, row.valid_from, row.valid_to, None, row)
                )
        for versions in self.versions.values():
            versions.sort(key=lambda v: v.valid_from)

    def _check_overlaps(self) -> None:
        for versions in self.versions.values():
            for before, after in zip(versions, versions[1:], strict=False):
                if before.valid_to is None or before.valid_to >= after.valid_from:
                    row = after.row or before.row
                    if row is None:
                        continue  # already so in the database; not this file's doing
                    self.problem(
                        row,
                        "valid_from" if row is after.row else "valid_to",
                        f"the periods of {row.code} overlap: {before.describe()} and "
                        f"{after.describe()}; end the earlier one (valid_to) first",
                    )

    def version_on(self, code: str, on: dt.date) -> _Version | None:
        for version in self.versions.get(code, ()):
            if version.in_force(on):
                return version
        return None

    def _resolve_parent(self, row: _Row) -> None:
        if "parent_code" not in self.columns:
            return
        if not row.parent_code:
            row.parent = None
            return
        parent = self.version_on(row.parent_code, row.valid_from)
        if parent is None and row.parent_code in self.unsure_codes:
            row.usable = False
        elif parent is None:
            self.problem(
                row,
                "parent_code",
                f"no unit {row.parent_code} is in force on {row.valid_from.isoformat()} "
                "(neither in this file nor in the database)",
            )
        elif parent.code == row.code and parent.valid_from == row.valid_from:
            self.problem(row, "parent_code", "a unit cannot be its own parent")
        row.parent = parent

    def _resolve_predecessors(self, row: _Row) -> None:
        if row.predecessors is None:
            return
        day_before = row.valid_from - dt.timedelta(days=1)
        for code, weight in row.predecessors.items():
            version = self.version_on(code, day_before)
            if version is None and code in self.unsure_codes:
                row.usable = False
            elif version is None:
                self.problem(
                    row,
                    "predecessors",
                    f"no unit {code} is in force on {day_before.isoformat()}, "
                    "the day before this unit starts",
                )
                continue
            row.links.append((version, weight))

    def _parent_of(self, version: _Version) -> _Version | None:
        if version.row is not None and "parent_code" in self.columns:
            return version.row.parent
        if version.parent_id is not None:
            return self.by_pk.get(version.parent_id)
        return None

    def _check_cycles(self) -> None:
        for row in self.rows:
            start = self.version_on(row.code, row.valid_from)
            current, steps = self._parent_of(start) if start else None, 0
            while current is not None and steps <= len(self.by_pk) + len(self.rows):
                if current is start:
                    self.problem(
                        row, "parent_code", f"{row.code} would end up under itself (a cycle)"
                    )
                    break
                current, steps = self._parent_of(current), steps + 1

    # --- writing ---------------------------------------------------------------------------

    def changes(self, row: _Row) -> dict[str, Any]:
        unit = row.existing
        assert unit is not None
        wanted = dict(row.values)
        if "parent_code" in self.columns:
            wanted["parent_id"] = row.parent.unit.pk if row.parent and row.parent.unit else None
            if row.parent is not None and row.parent.unit is None:
                wanted["parent_id"] = -1  # a parent created by this import: always a change
        return {k: v for k, v in wanted.items() if getattr(unit, k) != v}

    def write(self, report: ImportReport, user: Any, reason: str) -> None:
        new_rows = [r for r in self.rows if r.existing is None]
        self._create(new_rows, user, reason)
        for row in self.rows:
            if row.existing is None:
                continue
            changed = self.changes(row)
            if not changed:
                report.unchanged += 1
                continue
            unit = row.existing
            for name, value in row.values.items():
                setattr(unit, name, value)
            if "parent_code" in self.columns:
                unit.parent = row.parent.unit if row.parent else None
            unit._change_reason = reason
            if user is not None:
                unit._history_user = user
            unit.save()
            report.updated += 1
        self._write_links(user, reason)

    def _unit_of(self, row: _Row) -> Unit:
        version = self.version_on(row.code, row.valid_from)
        assert version is not None and version.unit is not None
        return version.unit

    def _create(self, rows: list[_Row], user: Any, reason: str) -> None:
        """Create new units a level at a time: a parent needs its key before its children."""
        pending = list(rows)
        while pending:
            ready = [r for r in pending if r.parent is None or r.parent.unit is not None]
            if not ready:  # cannot happen after _check_cycles
                raise RuntimeError("unit import: parents could not be ordered")
            objs = []
            for row in ready:
                unit = Unit(code=row.code, valid_from=row.valid_from, **row.values)
                unit.parent = row.parent.unit if row.parent else None
                objs.append(unit)
            Unit.objects.bulk_create(objs)
            if any(u.pk is None for u in objs):  # a backend that returns no keys
                keys = {(u.code, u.valid_from): u for u in objs}
                for pk, code, valid_from in Unit.objects.filter(
                    code__in=[u.code for u in objs]
                ).values_list("pk", "code", "valid_from"):
                    if (code, valid_from) in keys:
                        keys[(code, valid_from)].pk = pk
            parent_paths = dict(
                Unit.objects.filter(pk__in={u.parent_id for u in objs if u.parent_id}).values_list(
                    "pk", "path"
                )
            )
            for unit in objs:
                unit.path = child_path(parent_paths.get(unit.parent_id, ""), unit.pk)
                unit.depth = path_depth(unit.path)
            Unit.objects.bulk_update(objs, ["path", "depth"], batch_size=500)
            Unit.history.bulk_history_create(
                objs, default_user=user, default_change_reason=reason, batch_size=500
            )
            for row, unit in zip(ready, objs, strict=True):
                version = self.version_on(row.code, row.valid_from)
                assert version is not None
                version.unit = unit
            done = {id(r) for r in ready}
            pending = [r for r in pending if id(r) not in done]

    def _write_links(self, user: Any, reason: str) -> None:
        rows = [r for r in self.rows if r.predecessors is not None]
        if not rows:
            return
        successors: dict[int, set[int]] = defaultdict(set)  # predecessor pk → successor pks
        wanted: dict[int, dict[int, float]] = {}
        for row in rows:
            unit = self._unit_of(row)
            wanted[unit.pk] = {}
            for version, weight in row.links:
                assert version.unit is not None
                wanted[unit.pk][version.unit.pk] = weight
        touched_predecessors = {p for links in wanted.values() for p in links}
        existing = list(
            UnitPredecessor.objects.filter(unit_id__in=wanted)
            | UnitPredecessor.objects.filter(predecessor_id__in=touched_predecessors)
        )
        for link in existing:
            if link.unit_id not in wanted:  # a successor this file does not mention
                successors[link.predecessor_id].add(link.unit_id)
        for unit_pk, links in wanted.items():
            for predecessor_pk in links:
                successors[predecessor_pk].add(unit_pk)

        def kind_of(predecessor_pk: int) -> str:
            many = len(successors[predecessor_pk]) > 1
            return UnitPredecessor.Kind.SPLIT if many else UnitPredecessor.Kind.MERGE

        current = {(link.unit_id, link.predecessor_id): link for link in existing}
        for (unit_pk, predecessor_pk), link in current.items():
            if unit_pk in wanted and predecessor_pk not in wanted[unit_pk]:
                link._change_reason = reason
                if user is not None:
                    link._history_user = user
                link.delete()
        to_create = []
        for unit_pk, links in wanted.items():
            for predecessor_pk, weight in links.items():
                link = current.get((unit_pk, predecessor_pk))
                kind = kind_of(predecessor_pk)
                if link is None:
                    to_create.append(
                        UnitPredecessor(
                            unit_id=unit_pk, predecessor_id=predecessor_pk, weight=weight, kind=kind
                        )
                    )
                elif link.weight != weight or link.kind != kind:
                    link.weight, link.kind = weight, kind
                    link._change_reason = reason
                    if user is not None:
                        link._history_user = user
                    link.save()
        # a successor outside the file may now share its predecessor: its kind changes too
        for link in existing:
            if link.unit_id not in wanted and link.kind != kind_of(link.predecessor_id):
                link.kind = kind_of(link.predecessor_id)
                link.save()
        if to_create:
            UnitPredecessor.objects.bulk_create(to_create)
            UnitPredecessor.history.bulk_history_create(
                to_create, default_user=user, default_change_reason=reason
            )


# --- export ---------------------------------------------------------------------------------


def format_predecessors(links: Iterable[UnitPredecessor]) -> str:
    return ";".join(f"{link.predecessor.code}:{link.weight!r}" for link in links)


def units_frame(on: dt.date | None = None) -> pd.DataFrame:
    """Every unit version (or those in force on `on`) as the import reads them back."""
    queryset = Unit.objects.select_related("parent").prefetch_related(
        "predecessor_links__predecessor"
    )
    if on is not None:
        queryset = queryset.in_force(on)
    records = []
    for unit in queryset.order_by("code", "valid_from"):
        links = sorted(unit.predecessor_links.all(), key=lambda link: link.predecessor.code)
        records.append(
            {
                "code": unit.code,
                "name": unit.name,
                "short_name": unit.short_name,
                "kind": unit.kind,
                "parent_code": unit.parent.code if unit.parent else "",
                "peer_group": unit.peer_group,
                "region": unit.region,
                "valid_from": unit.valid_from.isoformat(),
                "valid_to": unit.valid_to.isoformat() if unit.valid_to else "",
                "predecessors": format_predecessors(links),
            }
        )
    return pd.DataFrame(records, columns=list(COLUMNS))


def export_units_file(path: Path, on: dt.date | None = None) -> int:
    """Write the units to a .csv or .xlsx file; returns the number of rows."""
    from parindex.commands.tableio import write_table

    frame = units_frame(on)
    write_table(frame, Path(path))
    return len(frame)
