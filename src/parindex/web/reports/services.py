"""Periodic reports: every rule about types, periods, submissions, reminders and the
campaign feed lives here. Pure functions on models, no request objects: views check *who*
(permissions on units) and call these, which check *what* and *when* and raise
`ReportError` with a message for the user.

Every change is saved with its author and a reason in the history
(django-simple-history `history_change_reason`); reasons written by the system are stored
in English (`gettext_noop`) and shown translated.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parindex.dossiers.calendar import WorkCalendar
from parindex.errors import InputError
from parindex.scoring.inputs import prepare_inputs
from parindex.web.accounts.models import Role, RoleAssignment
from parindex.web.campaigns.models import Assessment, Campaign, LeafValue, Track
from parindex.web.campaigns.services import INPUT_COLUMNS, WorkflowError
from parindex.web.campaigns.uploads import CheckedUpload, check_upload
from parindex.web.campaigns.values import LeafSpec, number_text
from parindex.web.reports import periods as P
from parindex.web.reports.models import (
    ReminderSent,
    ReportFile,
    ReportPeriod,
    ReportSubmission,
    ReportType,
    Status,
)
from parindex.web.units.models import Unit, today

log = logging.getLogger(__name__)

REASON_TYPE_CREATED = gettext_noop("report type created")
REASON_TYPE_CHANGED = gettext_noop("report type changed")
REASON_TEMPLATE = gettext_noop("template uploaded")
REASON_PERIODS = gettext_noop("periods generated")
REASON_DEADLINE = gettext_noop("deadline changed")
REASON_PERIOD_REMOVED = gettext_noop("period removed")
REASON_FILE_ADDED = gettext_noop("report file uploaded")
REASON_SUBMITTED = gettext_noop("report submitted")
REASON_FROM_REPORTS = gettext_noop("from periodic reports")
REASON_DEMO = gettext_noop("demo data")
SYSTEM_REASONS = {
    REASON_TYPE_CREATED, REASON_TYPE_CHANGED, REASON_TEMPLATE, REASON_PERIODS, REASON_DEADLINE,
    REASON_PERIOD_REMOVED, REASON_FILE_ADDED, REASON_SUBMITTED, REASON_FROM_REPORTS, REASON_DEMO,
}  # fmt: skip

BANNER_DAYS = 3  # the unit page warns this many working days ahead
FEED_RULES = ("formula", "bands", "linear", "deduction")


class ReportError(WorkflowError):
    """A step the reporting rules do not allow (now); `message` is for the user."""


def show_reason(reason: str | None) -> str:
    if not reason:
        return ""
    return _(reason) if reason in SYSTEM_REASONS else reason


def _actor(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _stamp(obj: Any, user: Any, reason: str) -> Any:
    obj._history_user = _actor(user)
    obj._change_reason = reason
    return obj


def _now() -> dt.datetime:
    return timezone.now()


# --- the working-day calendar -------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _calendar(years: tuple[int, ...]) -> WorkCalendar:
    from parindex.dossiers.catalogue import load_default_exceptions

    return WorkCalendar.vietnam(years, load_default_exceptions())


def work_calendar(first: dt.date, last: dt.date) -> WorkCalendar:
    """Vietnam's working days (holidays, swapped days, packaged exceptions) for the years
    from `first` to `last`."""
    return _calendar(tuple(range(first.year, max(first.year, last.year) + 1)))


# --- report types and periods -------------------------------------------------------------------


PERIOD_ORDER = Case(
    When(period_kind=P.QUARTER, then=Value(0)),
    When(period_kind=P.HALF_YEAR, then=Value(1)),
    default=Value(2),
)


def types_for_unit(unit: Unit, *, active_only: bool = True):
    """The report types that `unit` sends (defined on one of its ancestors, for its kind):
    quarterly, then six-monthly, then annual."""
    qs = ReportType.objects.filter(root_unit_id__in=unit.ancestor_ids(), unit_kind=unit.kind)
    if active_only:
        qs = qs.filter(active=True)
    return qs.select_related("root_unit").order_by(PERIOD_ORDER, "name", "pk")


def clean_attachments(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        name = " ".join(str(name).split())[:255]
        if name and name.casefold() not in {n.casefold() for n in out}:
            out.append(name)
    return out


def save_type(report_type: ReportType, user: Any) -> ReportType:
    """Create or change a report type (the deadline rule applies to periods generated
    from now on; existing deadlines stay as they are)."""
    if report_type.root_unit_id is None:
        raise ReportError(_("A report type needs the unit that defines it."))
    report_type.attachments = clean_attachments(report_type.attachments or [])
    P.due_date(dt.date(2000, 1, 31), report_type.due_day, report_type.due_months_after)
    created = report_type.pk is None
    if created:
        report_type.created_by = _actor(user)
    else:
        before = ReportType.objects.filter(pk=report_type.pk).values("period_kind", "unit_kind")
        before = before.first() or {}
        used = ReportPeriod.objects.filter(report_type=report_type).exists()
        if used and before.get("period_kind") != report_type.period_kind:
            raise ReportError(_("Periods exist already: the kind of period can no longer change."))
        if before.get("unit_kind") != report_type.unit_kind and (
            ReportSubmission.objects.filter(period__report_type=report_type).exists()
        ):
            raise ReportError(_("Units have reported already: the units can no longer change."))
    _stamp(report_type, user, REASON_TYPE_CREATED if created else REASON_TYPE_CHANGED).save()
    return report_type


def set_template(report_type: ReportType, upload: Any, user: Any) -> ReportType:
    """Store the template file units download (checked by content and size)."""
    checked = check_upload(upload)  # raises UploadRefused (a ValueError) with the reason
    old = report_type.template.name if report_type.template else ""
    with transaction.atomic():
        report_type.template.save(checked.original_name, upload, save=False)
        report_type.template_name = checked.original_name
        report_type.template_content_type = checked.content_type
        report_type.template_size = checked.size
        report_type.template_sha256 = checked.sha256
        try:
            _stamp(report_type, user, REASON_TEMPLATE).save()
        except Exception:
            report_type.template.delete(save=False)
            raise
    if old:
        log.info("report type %s: template replaced (old file %s kept)", report_type.pk, old)
    return report_type


def generate_periods(report_type: ReportType, year: int, user: Any) -> list[ReportPeriod]:
    """The periods of `year` that do not exist yet, with deadlines from the type's rule.
    Existing periods (and their deadlines, maybe edited) are left alone."""
    if not 2000 <= int(year) <= 2100:
        raise ReportError(_("Give a year between 2000 and 2100."))
    existing = set(
        ReportPeriod.objects.filter(report_type=report_type, year=year).values_list(
            "number", flat=True
        )
    )
    new = []
    for number in P.period_numbers(report_type.period_kind):
        if number in existing:
            continue
        starts, ends = P.period_bounds(report_type.period_kind, year, number)
        new.append(
            ReportPeriod(
                report_type=report_type,
                year=year,
                number=number,
                starts_on=starts,
                ends_on=ends,
                due_on=report_type.due_date_for(ends),
            )
        )
    if new:
        bulk_create_with_history(
            new, ReportPeriod, default_user=_actor(user), default_change_reason=REASON_PERIODS
        )
    return new


def set_due_dates(report_type: ReportType, dates: Mapping[int, dt.date], user: Any) -> int:
    """Change deadlines: period id → date. Returns how many changed."""
    changed = 0
    with transaction.atomic():
        for period in ReportPeriod.objects.select_for_update().filter(
            report_type=report_type, pk__in=list(dates)
        ):
            due = dates[period.pk]
            if due is None:
                raise ReportError(_("Every period needs a deadline."))
            if due < period.starts_on:
                raise ReportError(
                    _("The deadline of %(period)s cannot be before the period starts.")
                    % {"period": period.label}
                )
            if due != period.due_on:
                period.due_on = due
                _stamp(period, user, REASON_DEADLINE).save()
                changed += 1
    return changed


def remove_period(period: ReportPeriod, user: Any) -> None:
    """Remove a period nobody has reported for (e.g. Q2 and Q4 when the six-month and
    annual reports replace them)."""
    with transaction.atomic():
        if ReportSubmission.objects.filter(period=period).exists():
            raise ReportError(
                _("Units have already reported for this period; it cannot be removed.")
            )
        _stamp(period, user, REASON_PERIOD_REMOVED).delete()


def required_units(period: ReportPeriod):
    """The units that must send the report of `period`: of the type's kind under its
    root, in force on the deadline (a unit merged away before it does not report; the
    unit that replaced it does)."""
    return period.report_type.units().in_force(period.due_on)


def is_required(report_type: ReportType, period: ReportPeriod, unit: Unit) -> bool:
    return report_type.applies_to(unit) and unit.in_force_on(period.due_on)


# --- submissions ------------------------------------------------------------------------------


def upload_refusal(period: ReportPeriod, unit: Unit, on: dt.date | None = None) -> str | None:
    """Why `unit` cannot upload for `period` now (None: it can). Late uploads are
    accepted (and recorded as late)."""
    on = on or today()
    report_type = period.report_type
    if not report_type.active:
        return _("This report type is no longer in use.")
    if not is_required(report_type, period, unit):
        return _("This unit does not send this report for this period.")
    if on < period.starts_on:
        return _("The period has not started yet.")
    return None


def add_files(
    period: ReportPeriod,
    unit: Unit,
    uploads: Mapping[str, Any],
    *,
    user: Any,
    note: str = "",
    now: dt.datetime | None = None,
) -> ReportSubmission:
    """Store uploaded files (slot → file; "" is the report itself) for a unit's report.

    Every file is checked by its content and size first (the campaigns' upload checker);
    nothing is stored unless all pass. The submission is *submitted* at the moment its
    last required file arrives; files added later do not change that moment.
    """
    now = now or _now()
    report_type = period.report_type
    uploads = {slot: f for slot, f in uploads.items() if f}
    if not uploads:
        raise ReportError(_("Choose at least one file."))
    unknown = [slot for slot in uploads if slot not in report_type.slots]
    if unknown:
        raise ReportError(_("Unknown document: %(names)s") % {"names": ", ".join(unknown)})
    refusal = upload_refusal(period, unit, timezone.localdate(now))
    if refusal:
        raise ReportError(refusal)
    checked: dict[str, CheckedUpload] = {slot: check_upload(f) for slot, f in uploads.items()}
    stored: list[ReportFile] = []
    try:
        with transaction.atomic():
            submission, _created = ReportSubmission.objects.get_or_create(period=period, unit=unit)
            submission = ReportSubmission.objects.select_for_update().get(pk=submission.pk)
            submission.period, submission.unit = period, unit
            for slot in report_type.slots:
                if slot not in uploads:
                    continue
                info = checked[slot]
                item = ReportFile(
                    submission=submission,
                    slot=slot,
                    original_name=info.original_name,
                    content_type=info.content_type,
                    size=info.size,
                    sha256=info.sha256,
                    uploaded_by=_actor(user),
                    uploaded_at=now,
                )
                item.file.save(info.original_name, uploads[slot], save=False)
                stored.append(item)
                _stamp(item, user, REASON_FILE_ADDED).save()
            note = (note or "").strip()
            have = set(submission.files.values_list("slot", flat=True))
            changed = False
            if note and note != submission.note:
                submission.note, changed = note, True
            reason = REASON_FILE_ADDED
            if submission.submitted_at is None and all(s in have for s in report_type.slots):
                submission.submitted_at = now
                submission.submitted_by = _actor(user)
                changed, reason = True, REASON_SUBMITTED
            if changed:
                _stamp(submission, user, reason).save()
    except Exception:
        for item in stored:
            item.file.delete(save=False)
        raise
    return submission


def missing_slots(submission: ReportSubmission | None, report_type: ReportType) -> list[str]:
    have = set()
    if submission is not None:
        have = {f.slot for f in submission.files.all()}
    return [s for s in report_type.slots if s not in have]


# --- status of every unit and period ----------------------------------------------------------


@dataclass
class Cell:
    period: ReportPeriod
    status: str
    submission: ReportSubmission | None = None

    @property
    def submitted_at(self) -> dt.datetime | None:
        return self.submission.submitted_at if self.submission else None

    @property
    def label(self) -> str:
        return str(Status(self.status).label)


@dataclass
class Counts:
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    def add(self, status: str) -> None:
        if status == P.ON_TIME:
            self.on_time += 1
        elif status == P.LATE:
            self.late += 1
        elif status == P.MISSING:
            self.missing += 1
        elif status == P.PENDING:
            self.pending += 1

    @property
    def required(self) -> int:
        """Reports whose deadline is over (the ones that count)."""
        return self.on_time + self.late + self.missing

    @property
    def late_or_missing(self) -> int:
        return self.late + self.missing

    @property
    def submitted(self) -> int:
        return self.on_time + self.late

    @property
    def ratio(self) -> float | None:
        return self.on_time / self.required if self.required else None

    @property
    def ratio_pct(self) -> float | None:
        return None if self.ratio is None else self.ratio * 100


@dataclass
class Row:
    unit: Unit
    cells: list[Cell]
    counts: Counts = field(default_factory=Counts)

    def has(self, status: str) -> bool:
        return any(c.status == status for c in self.cells)


@dataclass
class Matrix:
    periods: list[ReportPeriod]
    rows: list[Row]
    totals: Counts


def period_queryset(types: Iterable[ReportType], year: int):
    return (
        ReportPeriod.objects.filter(report_type__in=list(types), year=year)
        .select_related("report_type", "report_type__root_unit")
        .order_by("due_on", "report_type__name", "report_type_id", "number")
    )


def _units_around(roots: Iterable[Unit], kinds: Iterable[str], first: dt.date, last: dt.date):
    return (
        Unit.objects.subtree(*roots, include_roots=False)
        .filter(kind__in=list(kinds), valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
    )


def build_matrix(
    root: Unit,
    year: int,
    *,
    types: Iterable[ReportType] | None = None,
    units: Iterable[Unit] | None = None,
    now: dt.datetime | None = None,
    only_overdue: bool = False,
) -> Matrix:
    """Unit × period statuses of the report types of `root` (default: those in use) for
    `year` (with `only_overdue`, only the periods whose deadline is over). Units that had
    to send none of the reports are left out."""
    now = now or _now()
    if types is None:
        types = ReportType.objects.filter(root_unit=root, active=True)
    types = list(types)
    period_list = list(period_queryset(types, year))
    if only_overdue:
        period_list = [p for p in period_list if now >= P.deadline_end(p.due_on)]
    if units is None:
        if period_list:
            first = min(p.starts_on for p in period_list)
            last = max(p.due_on for p in period_list)
            units = _units_around([root], {t.unit_kind for t in types}, first, last).order_by(
                "kind", "peer_group", "code", "valid_from"
            )
        else:
            units = []
    units = list(units)
    submissions = {
        (s.period_id, s.unit_id): s
        for s in ReportSubmission.objects.filter(period__in=period_list).only(
            "id", "period_id", "unit_id", "submitted_at"
        )  # by period only: a list of 3,000 unit ids would make a long IN (…)
    }
    rows: list[Row] = []
    totals = Counts()
    for unit in units:
        cells = []
        counts = Counts()
        for period in period_list:
            submission = submissions.get((period.pk, unit.pk))
            if not is_required(period.report_type, period, unit):
                status = P.NOT_REQUIRED
            else:
                status = P.classify(
                    period.due_on, submission.submitted_at if submission else None, now
                )
            counts.add(status)
            totals.add(status)
            cells.append(Cell(period, status, submission))
        if any(c.status != P.NOT_REQUIRED for c in cells):
            rows.append(Row(unit, cells, counts))
    return Matrix(period_list, rows, totals)


def report_years(root: Unit) -> list[int]:
    years = set(
        ReportPeriod.objects.filter(report_type__root_unit=root).values_list("year", flat=True)
    )
    return sorted(years, reverse=True)


# --- deadlines coming up: banners and reminders -----------------------------------------------


@dataclass
class DueItem:
    period: ReportPeriod
    unit: Unit
    working_days_left: int

    @property
    def report_type(self) -> ReportType:
        return self.period.report_type


def due_soon(
    on: dt.date | None = None,
    days: int = BANNER_DAYS,
    *,
    units: Iterable[Unit] | None = None,
    calendar: WorkCalendar | None = None,
) -> list[DueItem]:
    """Reports not yet submitted whose deadline is today or within `days` working days
    (working days after today up to the deadline, Vietnam's calendar), for every unit or
    only `units`."""
    on = on or today()
    days = max(0, int(days))
    horizon = on + dt.timedelta(days=days * 2 + 21)  # ≥ N working days even across Tết
    candidates = list(
        ReportPeriod.objects.filter(
            due_on__gte=on, due_on__lte=horizon, report_type__active=True
        ).select_related("report_type", "report_type__root_unit")
    )
    if not candidates:
        return []
    calendar = calendar or work_calendar(on, max(p.due_on for p in candidates))
    only = None if units is None else {u.pk: u for u in units}
    out: list[DueItem] = []
    for period in sorted(candidates, key=lambda p: (p.due_on, p.report_type.name, p.pk)):
        left = calendar.working_days_between(on, period.due_on)
        if left > days:
            continue
        submitted = set(
            ReportSubmission.objects.filter(period=period, submitted_at__isnull=False).values_list(
                "unit_id", flat=True
            )
        )
        if only is not None:
            wanted = [u for u in only.values() if is_required(period.report_type, period, u)]
        else:
            wanted = list(required_units(period).order_by("code"))
        out += [DueItem(period, u, left) for u in wanted if u.pk not in submitted]
    return out


@dataclass
class MissingItem:
    period: ReportPeriod
    unit: Unit

    @property
    def report_type(self) -> ReportType:
        return self.period.report_type


def overdue_for(
    units: Iterable[Unit], now: dt.datetime | None = None, *, days_back: int = 366
) -> list[MissingItem]:
    """Reports of `units` whose deadline is over with nothing submitted (missing), for
    deadlines in the last `days_back` days (what a banner still asks for)."""
    now = now or _now()
    out = []
    for unit in units:
        types = list(types_for_unit(unit))
        if not types:
            continue
        local_today = P.local_date(now)
        submitted = set(
            ReportSubmission.objects.filter(unit=unit, submitted_at__isnull=False).values_list(
                "period_id", flat=True
            )
        )
        for period in (
            ReportPeriod.objects.filter(
                report_type__in=types,
                due_on__lt=local_today,
                due_on__gte=local_today - dt.timedelta(days=days_back),
            )
            .select_related("report_type")
            .order_by("due_on")
        ):
            if period.pk in submitted or not is_required(period.report_type, period, unit):
                continue
            out.append(MissingItem(period, unit))
    return out


@dataclass
class ReminderSummary:
    due: int = 0  # unit reports due within the horizon and not submitted
    emails: int = 0  # e-mails sent (one per person)
    reminders: int = 0  # unit reports reminded about
    already_sent: int = 0
    without_recipient: list[str] = field(default_factory=list)  # unit codes
    failed: list[str] = field(default_factory=list)  # e-mail addresses
    messages: list[tuple[str, str, str]] = field(default_factory=list)  # (to, subject, body)


def _recipients(items: Sequence[DueItem], on: dt.date) -> dict[int, list[Any]]:
    """unit id → the people to remind: its reporters with an e-mail address, else its
    heads (role assignments on the unit itself, active, accounts active)."""
    unit_ids = {item.unit.pk for item in items}
    found: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for a in (
        RoleAssignment.objects.active(on)
        .filter(
            role__in=[Role.REPORTER, Role.UNIT_HEAD], unit_id__in=unit_ids, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user__username")
    ):
        people = found[a.unit_id][a.role]
        if all(p.pk != a.user.pk for p in people):
            people.append(a.user)
    return {
        unit_id: roles.get(Role.REPORTER) or roles.get(Role.UNIT_HEAD) or []
        for unit_id, roles in found.items()
    }


def _reminder_text(user: Any, items: Sequence[DueItem]) -> tuple[str, str]:
    subject = _("Reform reports due soon (%(count)s)") % {"count": len(items)}
    lines = [
        _("Dear %(name)s,") % {"name": user.get_full_name()},
        "",
        _("These periodic reform reports have not been received yet:"),
        "",
    ]
    for item in items:
        if item.working_days_left == 0:
            left = _("due today")
        else:
            left = _("%(days)s working day(s) left") % {"days": item.working_days_left}
        lines.append(
            f"- {item.report_type.name} — {item.period.label} — {item.unit.name}: "
            + _("deadline %(date)s (%(left)s)")
            % {"date": item.period.due_on.strftime("%d/%m/%Y"), "left": left}
        )
    site = str(getattr(settings, "PARINDEX_SITE_URL", "") or "").rstrip("/")
    lines += ["", _("Upload them on the unit's reports page:")]
    for unit in {item.unit.pk: item.unit for item in items}.values():
        lines.append(f"  {site}{reverse('reports:unit', args=[unit.pk])}")
    lines += [
        "",
        _("A report is on time until 23:59 of its deadline (Vietnam time)."),
        "",
        "parindex",
    ]
    return subject, "\n".join(lines)


def send_reminders(
    *,
    days: int = 3,
    on: dt.date | None = None,
    dry_run: bool = False,
    calendar: WorkCalendar | None = None,
    language: str | None = None,
) -> ReminderSummary:
    """E-mail the people of every unit that has not submitted a report due within `days`
    working days. Idempotent: a person is reminded once per unit, period and deadline
    (recorded in ReminderSent); running it again sends only what is new."""
    on = on or today()
    summary = ReminderSummary()
    items = due_soon(on, days, calendar=calendar)
    summary.due = len(items)
    if not items:
        return summary
    recipients = _recipients(items, on)
    sent = set(
        ReminderSent.objects.filter(
            period_id__in={i.period.pk for i in items}, unit_id__in={i.unit.pk for i in items}
        ).values_list("period_id", "unit_id", "user_id", "due_on")
    )
    per_user: dict[int, list[DueItem]] = defaultdict(list)
    users: dict[int, Any] = {}
    for item in items:
        people = recipients.get(item.unit.pk, [])
        if not people:
            summary.without_recipient.append(item.unit.code)
            continue
        for user in people:
            if (item.period.pk, item.unit.pk, user.pk, item.period.due_on) in sent:
                summary.already_sent += 1
                continue
            users[user.pk] = user
            per_user[user.pk].append(item)
    with translation.override(language or settings.LANGUAGE_CODE):
        for user_id, user_items in per_user.items():
            user = users[user_id]
            subject, body = _reminder_text(user, user_items)
            summary.messages.append((user.email, subject, body))
            if dry_run:
                summary.emails += 1
                summary.reminders += len(user_items)
                continue
            try:
                send_mail(subject, body, None, [user.email])
            except Exception:  # one bad address must not stop the others
                log.exception("reminder to %s failed", user.email)
                summary.failed.append(user.email)
                continue
            moment = _now()
            ReminderSent.objects.bulk_create(
                [
                    ReminderSent(
                        period=i.period,
                        unit=i.unit,
                        user=user,
                        due_on=i.period.due_on,
                        email=user.email,
                        sent_at=moment,
                    )  # fmt: skip
                    for i in user_items
                ],
                ignore_conflicts=True,
            )
            summary.emails += 1
            summary.reminders += len(user_items)
    summary.without_recipient = sorted(set(summary.without_recipient))
    return summary


# --- figures for a campaign's reporting leaf --------------------------------------------------

# Names a formula leaf may give its inputs, and the figure each one receives.
FIGURES = {
    "on_time": "on_time",
    "ontime": "on_time",
    "dung_han": "on_time",
    "required": "required",
    "due": "required",
    "total": "required",
    "phai_gui": "required",
    "late": "late",
    "tre_han": "late",
    "missing": "missing",
    "khong_gui": "missing",
    "late_or_missing": "late_or_missing",
    "not_on_time": "late_or_missing",
    "submitted": "submitted",
    "da_gui": "submitted",
}


def campaign_types(campaign: Campaign):
    """Report types that count for a campaign: for its kind of unit, defined by its root
    unit or one above it."""
    roots = [*campaign.root_unit.ancestor_ids(), campaign.root_unit.pk]
    return ReportType.objects.filter(root_unit_id__in=roots, unit_kind=campaign.unit_kind).order_by(
        "name", "pk"
    )


@dataclass
class FeedRow:
    assessment: Assessment
    counts: Counts
    value: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    current: str = ""
    skip: str = ""  # why nothing is written for this unit
    changed: bool = False

    @property
    def unit(self) -> Unit:
        return self.assessment.unit


@dataclass
class FeedPlan:
    campaign: Campaign
    leaf: LeafSpec
    types: list[ReportType]
    periods: list[ReportPeriod]
    rows: list[FeedRow]
    not_yet_due: int  # periods of the year whose deadline is not over (not counted)
    problems: list[str] = field(default_factory=list)

    @property
    def to_write(self) -> list[FeedRow]:
        return [r for r in self.rows if not r.skip and r.changed]


def feed_leaves(campaign: Campaign) -> list[LeafSpec]:
    """The leaves the figures can feed: formula, bands, linear and deduction leaves."""
    return [leaf for leaf in campaign.spec().leaves if leaf.rule_type in FEED_RULES]


def suggested_leaf(campaign: Campaign) -> str:
    """A formula leaf whose inputs are all figures (e.g. on_time, required), if any."""
    for leaf in feed_leaves(campaign):
        if (
            leaf.rule_type == "formula"
            and leaf.input_names
            and all(n.strip().lower() in FIGURES for n in leaf.input_names)
        ):
            return leaf.code
    return ""


def _figure(counts: Counts, name: str) -> int:
    return int(getattr(counts, FIGURES[name.strip().lower()]))


def feed_refusal(campaign: Campaign) -> str | None:
    if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.OPEN):
        return _("The campaign is finalised: its values can no longer change here.")
    return None


def plan_feed(
    campaign: Campaign,
    leaf_code: str,
    *,
    types: Iterable[ReportType] | None = None,
    now: dt.datetime | None = None,
) -> FeedPlan:
    """What `apply_feed` would write: each unit's counts over the campaign's year
    (reports whose deadline is over) and the value for the leaf — the inputs of a formula
    leaf (on_time, required, …), the ratio on time / required for bands and linear
    leaves, the number of late or missing reports for a deduction leaf."""
    now = now or _now()
    leaf = campaign.spec().by_code.get(leaf_code)
    if leaf is None:
        raise ReportError(_("Unknown criterion %(code)s.") % {"code": leaf_code})
    if leaf.rule_type not in FEED_RULES:
        raise ReportError(
            _("Criterion %(code)s is not scored by a formula, bands, a linear rule or a deduction.")
            % {"code": leaf.code}
        )
    if leaf.rule_type == "formula":
        unknown = [n for n in leaf.input_names if n.strip().lower() not in FIGURES]
        if unknown:
            raise ReportError(
                _(
                    "The formula of %(code)s has inputs the reports do not give: %(names)s. Known: %(known)s."
                )
                % {
                    "code": leaf.code,
                    "names": ", ".join(unknown),
                    "known": "on_time, required, late, missing, late_or_missing, submitted",
                }
            )
    types = list(types) if types is not None else list(campaign_types(campaign))
    period_list = list(period_queryset(types, campaign.year))
    assessments = list(campaign.assessments.select_related("unit").order_by("unit__code"))
    matrix = build_matrix(
        campaign.root_unit, campaign.year, types=types, units=[a.unit for a in assessments],
        now=now, only_overdue=True,
    )  # fmt: skip
    counts_by_unit = {row.unit.pk: row.counts for row in matrix.rows}
    current = {
        lv.assessment_id: lv
        for lv in LeafValue.objects.filter(assessment__campaign=campaign, leaf_code=leaf.code)
    }
    plan = FeedPlan(
        campaign, leaf, types, matrix.periods, [],
        not_yet_due=len(period_list) - len(matrix.periods),
    )  # fmt: skip
    for assessment in assessments:
        counts = counts_by_unit.get(assessment.unit.pk, Counts())
        row = FeedRow(assessment, counts)
        lv = current.get(assessment.pk)
        if lv is not None and lv.is_appraised:
            row.current = leaf.display(lv.appraised_value, lv.appraised_inputs or {})
        if counts.required == 0:
            row.skip = _("No report was due.")
        elif leaf.rule_type == "formula":
            row.inputs = {n: str(_figure(counts, n)) for n in leaf.input_names}
        elif leaf.rule_type in ("bands", "linear"):
            row.value = number_text(counts.ratio)
        else:  # deduction
            row.value = str(counts.late_or_missing)
        if not row.skip:
            row.changed = not (
                lv is not None
                and lv.is_appraised
                and (lv.appraised_value or "") == row.value
                and {k: str(v) for k, v in (lv.appraised_inputs or {}).items()} == row.inputs
            )
        plan.rows.append(row)
    plan.problems = _core_problems(plan)
    return plan


def _core_problems(plan: FeedPlan) -> list[str]:
    """The core's own checks of the values (ranges, inputs), for every unit at once."""
    rows: list[dict[str, Any]] = []
    for row in plan.rows:
        if row.skip:
            continue
        code = row.unit.code
        if plan.leaf.rule_type == "formula":
            rows += [
                {"unit_code": code, "criterion_code": plan.leaf.code, "value": v, "input": n,
                 "track": Track.APPRAISED, "applicable": True}
                for n, v in row.inputs.items()
            ]  # fmt: skip
        else:
            rows.append(
                {"unit_code": code, "criterion_code": plan.leaf.code, "value": row.value,
                 "input": "", "track": Track.APPRAISED, "applicable": True}
            )  # fmt: skip
    if not rows:
        return []
    try:
        prepare_inputs(
            pd.DataFrame(rows, columns=INPUT_COLUMNS),
            plan.campaign.framework(),
            sorted({r["unit_code"] for r in rows}),
            known_units=False,
            source=plan.leaf.code,
        )
    except InputError as exc:
        return [str(p) for p in exc.problems]
    return []


def appraisal_note(counts: Counts) -> str:
    return _(
        "From periodic reports: %(on_time)s of %(required)s on time, %(late)s late, "
        "%(missing)s missing."
    ) % {
        "on_time": counts.on_time,
        "required": counts.required,
        "late": counts.late,
        "missing": counts.missing,
    }


def apply_feed(
    campaign: Campaign,
    leaf_code: str,
    *,
    user: Any,
    types: Iterable[ReportType] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Write the figures into the campaign's appraised track of `leaf_code` for every
    unit that had reports due (history reason "from periodic reports"). Returns the
    number of values written; values already equal are left alone. `now`: the moment the
    statuses are computed at (default: now); the values are stamped with the real time."""
    now = now or _now()
    stamp = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        refusal = feed_refusal(campaign)
        if refusal:
            raise ReportError(refusal)
        plan = plan_feed(campaign, leaf_code, types=types, now=now)
        if plan.problems:
            raise ReportError(_("The values were not written."), plan.problems)
        actor = _actor(user)
        existing = {
            lv.assessment_id: lv
            for lv in LeafValue.objects.select_for_update().filter(
                assessment__campaign=campaign, leaf_code=plan.leaf.code
            )
        }
        to_create, to_update = [], []
        for row in plan.to_write:
            lv = existing.get(row.assessment.pk)
            if lv is None:
                lv = LeafValue(assessment=row.assessment, leaf_code=plan.leaf.code)
                to_create.append(lv)
            else:
                to_update.append(lv)
            lv.appraised_value = row.value
            lv.appraised_inputs = dict(row.inputs)
            lv.appraisal_reason = appraisal_note(row.counts)
            lv.appraised_at, lv.appraised_by = stamp, actor
            lv.appraised_round = row.assessment.round
        fields = ["appraised_value", "appraised_inputs", "appraisal_reason", "appraised_at",
                  "appraised_by", "appraised_round"]  # fmt: skip
        if to_create:
            bulk_create_with_history(
                to_create, LeafValue, batch_size=1000, default_user=actor,
                default_change_reason=REASON_FROM_REPORTS,
            )  # fmt: skip
        if to_update:
            bulk_update_with_history(
                to_update, LeafValue, fields, batch_size=1000, default_user=actor,
                default_change_reason=REASON_FROM_REPORTS,
            )  # fmt: skip
    return len(to_create) + len(to_update)
