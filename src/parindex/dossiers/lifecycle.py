"""One-stop-shop dossiers: statuses, channels, the dossier code, events, the appointed
date, the single reschedule and its apology letter (form 04). Pure functions on frozen
records: nothing here reads or writes files or keeps state.

Statuses and channels follow the national synchronisation standard (TrangThaiHoSo 1–10,
KenhThucHien 1–3). A dossier changes only through `apply_event`, which checks that the
event is allowed in the dossier's status and raises `DossierRuleError` (with the status
and the allowed events) otherwise.

Events and transitions
----------------------
=====================  ==========================  ========================================
event                  allowed from (status)       result
=====================  ==========================  ========================================
received               1 new                       2; receipt time, appointed date
refused                1 new                       3 not received (never counted)
refused                2, 4, 5, 6                  8 stopped, ``refused=True`` (a refusal to
                                                   settle after receipt ends processing)
transferred            2, 4                        4; handling unit = ``to_unit``
supplement_requested   2, 4                        5; supplement count + 1
supplement_completed   5                           back to 2/4; waiting time accumulated
payment_requested      2, 4, 9                     6
paid_online / paid     6                           back to 2/4/9; ``paid`` = at the desk
processed              2, 4                        9 (end of processing)
returned               9                           10
stopped                2, 4, 5, 6                  8 (end of processing)
withdrawn              1, 2, 4, 5, 6               7 (ends processing)
rescheduled            2, 4, 5, 6                  same status, new appointed date (once)
=====================  ==========================  ========================================

Events must come in time order (an event earlier than the previous one is refused).
3, 7, 8 and 10 are final: no event is accepted after them.

Rules of metric 2.1 (`is_on_time`)
----------------------------------
- end of processing = the first of processed / returned / stopped / refused / withdrawn;
  a dossier still open is judged at ``as_of`` (so a dossier past its date is overdue
  while still open);
- supplement waiting time is excluded: end −= Σ (completed − requested), an open request
  counting up to ``as_of``;
- more than ``rules.max_supplements_on_time`` (1) supplement requests = overdue;
- the appointed date compared is the *original* one: a reschedule with an apology does
  not make a late dossier on time;
- without an appointed date, the legal limit of the procedure counted with the calendar
  from the receipt (`appointed_date`) stands in for it.
The vectorised metrics (`parindex.dossiers.compute`) apply the same rules in SQL.

Reschedule (Decree 61/2018 Art. 19, Circular 01/2018 form 04)
-------------------------------------------------------------
The appointed date may be rescheduled only once (``rules.max_reschedules``), with a
reason, to a later date, while the dossier is open. The apology letter should reach the
applicant at least ``rules.reschedule_notice_days`` (1) day before the deadline; a later
letter is still issued and the dossier records ``late_reschedule_notice=True``.
Decree 118/2025 governs from 01/7/2025 and may set other values: they are parameters.

Form 04 wording (`apology_letter_html`)
---------------------------------------
The exact template text of form 04 of Circular 01/2018/TT-VPCP ("Phiếu xin lỗi và hẹn lại
ngày trả kết quả") was not available when the letter was written. It follows the content
the form requires, as listed in the one-stop-shop domain brief: addressed to the applicant
with name, ID number and dossier code; the original appointment; the reason for the
delay; an apology for the inconvenience and cost caused; the new return date; the
signature block of the head of the body — under the usual heading of an administrative
document (body, number, national motto, place and date). Each element is checked in the
rendered PDF by the tests; compare the wording with the Circular's template before
official use.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import IntEnum

import numpy as np
import pandas as pd

from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.procedures import Procedure


class DossierRuleError(ValueError):
    """An event or a reschedule that the one-stop rules do not allow."""


class RescheduleError(DossierRuleError):
    """A reschedule refused: a second one, no reason, not a later date, a closed dossier."""


class DossierStatus(IntEnum):
    NEW = 1
    RECEIVED = 2
    NOT_RECEIVED = 3
    IN_PROGRESS = 4
    SUPPLEMENT_REQUESTED = 5
    PAYMENT_REQUESTED = 6
    WITHDRAWN = 7
    STOPPED = 8
    PROCESSED = 9
    RETURNED = 10

    @property
    def name_vi(self) -> str:
        return STATUS_NAMES_VI[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


STATUS_NAMES_VI = {
    DossierStatus.NEW: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.NOT_RECEIVED: "Không được tiếp nhận",
    DossierStatus.IN_PROGRESS: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.PAYMENT_REQUESTED: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.PROCESSED: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}
FINAL_STATUSES = frozenset(
    {
        DossierStatus.NOT_RECEIVED,
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.RETURNED,
    }
)
#: statuses after which processing has ended (metric 2.1)
ENDED_STATUSES = frozenset(
    {
        DossierStatus.WITHDRAWN,
        DossierStatus.STOPPED,
        DossierStatus.PROCESSED,
        DossierStatus.RETURNED,
    }
)


class Channel(IntEnum):
    IN_PERSON = 1
    ONLINE = 2
    POST = 3

    @property
    def name_vi(self) -> str:
        return CHANNEL_NAMES_VI[self]


CHANNEL_NAMES_VI = {
    Channel.IN_PERSON: "Trực tiếp",
    Channel.ONLINE: "Trực tuyến",
    Channel.POST: "Qua dịch vụ bưu chính công ích",
}


class PaymentPlatform(IntEnum):
    """DuocThanhToanTrucTuyen: where an online payment went (0 = not paid online)."""

    NOT_ONLINE = 0
    NATIONAL = 1  # the national portal's payment platform
    LOCAL = 2  # the ministry's / province's payment portal

    @property
    def name_vi(self) -> str:
        return PAYMENT_NAMES_VI[self]


PAYMENT_NAMES_VI = {
    PaymentPlatform.NOT_ONLINE: "Không thanh toán trực tuyến",
    PaymentPlatform.NATIONAL: "Nền tảng thanh toán Cổng Dịch vụ công quốc gia",
    PaymentPlatform.LOCAL: "Cổng thanh toán của bộ, ngành, địa phương",
}

EVENT_KINDS = (
    "received",
    "transferred",
    "supplement_requested",
    "supplement_completed",
    "payment_requested",
    "paid_online",
    "paid",
    "processed",
    "returned",
    "stopped",
    "withdrawn",
    "refused",
    "rescheduled",
)
EVENT_NAMES_VI = {
    "received": "Tiếp nhận hồ sơ",
    "transferred": "Chuyển xử lý",
    "supplement_requested": "Yêu cầu bổ sung, hoàn thiện hồ sơ",
    "supplement_completed": "Đã bổ sung hồ sơ",
    "payment_requested": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "paid_online": "Đã thanh toán trực tuyến",
    "paid": "Đã nộp phí, lệ phí trực tiếp",
    "processed": "Đã xử lý xong",
    "returned": "Đã trả kết quả",
    "stopped": "Dừng xử lý",
    "withdrawn": "Công dân rút hồ sơ",
    "refused": "Từ chối tiếp nhận, giải quyết",
    "rescheduled": "Hẹn lại ngày trả kết quả",
}

S = DossierStatus
_OPEN = frozenset({S.RECEIVED, S.IN_PROGRESS, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED})
_ALLOWED: dict[str, frozenset[DossierStatus]] = {
    "received": frozenset({S.NEW}),
    "refused": frozenset({S.NEW}) | _OPEN,
    "transferred": frozenset({S.RECEIVED, S.IN_PROGRESS}),
    "supplement_requested": frozenset({S.RECEIVED, S.IN_PROGRESS}),
    "supplement_completed": frozenset({S.SUPPLEMENT_REQUESTED}),
    "payment_requested": frozenset({S.RECEIVED, S.IN_PROGRESS, S.PROCESSED}),
    "paid_online": frozenset({S.PAYMENT_REQUESTED}),
    "paid": frozenset({S.PAYMENT_REQUESTED}),
    "processed": frozenset({S.RECEIVED, S.IN_PROGRESS}),
    "returned": frozenset({S.PROCESSED}),
    "stopped": _OPEN,
    "withdrawn": frozenset({S.NEW}) | _OPEN,
    "rescheduled": _OPEN,
}


@dataclass(frozen=True)
class OneStopRules:
    """Rule parameters (defaults: Decree 61/2018, Circular 01/2018, metric 2.1)."""

    max_reschedules: int = 1
    reschedule_notice_days: int = 1  # the apology letter at least this many days before
    max_supplements_on_time: int = 1  # more supplement requests than this = overdue


DEFAULT_RULES = OneStopRules()


@dataclass(frozen=True)
class Event:
    """Something that happened to a dossier. Optional payload by kind: ``due_at``
    (received: an appointed date given by the source system; rescheduled: the new date),
    ``to_unit`` (transferred), ``platform`` (paid_online: 1 national, 2 local),
    ``electronic_result`` (processed/returned), ``note`` (the reason of a reschedule,
    stop or refusal)."""

    kind: str
    at: datetime
    note: str = ""
    due_at: datetime | None = None
    to_unit: str | None = None
    platform: int | None = None
    electronic_result: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise DossierRuleError(f"unknown event '{self.kind}'; known: {', '.join(EVENT_KINDS)}")


@dataclass(frozen=True)
class Dossier:
    """A dossier's state; `history` holds every event applied, in order."""

    code: str
    unit_code: str
    procedure_code: str
    channel: Channel = Channel.IN_PERSON
    status: DossierStatus = DossierStatus.NEW
    registered_at: datetime | None = None
    received_at: datetime | None = None
    due_at: datetime | None = None  # the current appointed date
    original_due_at: datetime | None = None  # set by a reschedule: the first appointed date
    reschedule_count: int = 0
    reschedule_reason: str | None = None
    rescheduled_at: datetime | None = None
    late_reschedule_notice: bool = False
    handling_unit: str | None = None
    supplement_count: int = 0
    supplement_requested_at: datetime | None = None  # the last request
    supplement_completed_at: datetime | None = None  # the last completion
    supplement_wait: timedelta = timedelta(0)  # completed requests only
    payment_requested_at: datetime | None = None
    paid_at: datetime | None = None
    payment_platform: PaymentPlatform = PaymentPlatform.NOT_ONLINE
    processed_at: datetime | None = None
    returned_at: datetime | None = None
    ended_at: datetime | None = None  # end of processing (metric 2.1)
    refused: bool = False
    electronic_result: bool = False
    resume_status: DossierStatus | None = None  # where supplement/payment returns to
    history: tuple[Event, ...] = field(default_factory=tuple)

    @property
    def first_due_at(self) -> datetime | None:
        """The appointed date metric 2.1 compares with (the original one)."""
        return self.original_due_at or self.due_at

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN


# -- dossier code ---------------------------------------------------------------------------

CODE_PATTERN = r"^(?P<unit>[A-Za-z0-9][A-Za-z0-9._]*)-(?P<date>\d{6})-(?P<seq>\d{4})$"
_CODE_RE = re.compile(CODE_PATTERN)
_UNIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._]*$")


@dataclass(frozen=True)
class DossierCode:
    unit_code: str
    received_on: date
    sequence: int

    def __str__(self) -> str:
        return dossier_code(self.unit_code, self.received_on, self.sequence)


def dossier_code(unit_code: str, received: date | datetime, sequence: int) -> str:
    """``<unit>-YYMMDD-XXXX`` (Circular 01/2018 Art. 19): the receiving unit's code, the
    receipt date and the 4-digit sequence number within the day (1–9999)."""
    if not _UNIT_RE.match(unit_code or ""):
        raise ValueError(
            f"unit code {unit_code!r} must be letters, digits, '.' or '_' (no '-', no spaces)"
        )
    if isinstance(sequence, bool) or int(sequence) != sequence or not 1 <= sequence <= 9999:
        raise ValueError(f"sequence must be a whole number 1–9999, got {sequence!r}")
    day = received.date() if isinstance(received, datetime) else received
    if not 2000 <= day.year <= 2099:
        raise ValueError(f"receipt year {day.year} cannot be written as YY")
    return f"{unit_code}-{day:%y%m%d}-{int(sequence):04d}"


def parse_dossier_code(code: str) -> DossierCode:
    """Split a dossier code; ValueError naming what is wrong when it is not one."""
    m = _CODE_RE.match(code.strip() if isinstance(code, str) else "")
    if not m:
        raise ValueError(f"{code!r} is not a dossier code <unit>-YYMMDD-XXXX")
    try:
        day = datetime.strptime(m["date"], "%y%m%d").date()
    except ValueError:
        raise ValueError(f"{code!r}: {m['date']} is not a date YYMMDD") from None
    seq = int(m["seq"])
    if seq == 0:
        raise ValueError(f"{code!r}: the sequence number starts at 0001")
    return DossierCode(m["unit"], day, seq)


def is_dossier_code(code: str) -> bool:
    try:
        parse_dossier_code(code)
    except ValueError:
        return False
    return True


# -- appointed date -------------------------------------------------------------------------


def appointed_date(
    calendar: WorkCalendar,
    procedure: Procedure,
    received_at: datetime,
    *,
    channel: Channel | int = Channel.IN_PERSON,
) -> datetime:
    """The appointed return date of a dossier of `procedure` received at `received_at`
    (`WorkCalendar.due_date` with the procedure's limit; online dossiers use the online
    cut-off)."""
    if procedure.time_limit is None:
        raise DossierRuleError(
            f"procedure {procedure.code} has no statutory time limit: give the appointed date"
        )
    return calendar.due_date(
        received_at,
        procedure.time_limit,
        procedure.time_unit,  # type: ignore[arg-type]
        online=int(channel) == Channel.ONLINE,
    )


# -- events ---------------------------------------------------------------------------------


def new_dossier(
    code: str,
    unit_code: str,
    procedure_code: str,
    channel: Channel | int = Channel.IN_PERSON,
    registered_at: datetime | None = None,
) -> Dossier:
    """A dossier registered (status 1) and not yet received."""
    if not code:
        raise DossierRuleError("a dossier needs a code")
    return Dossier(
        code=code,
        unit_code=unit_code,
        procedure_code=procedure_code,
        channel=Channel(int(channel)),
        registered_at=registered_at,
    )


def receive(
    procedure: Procedure,
    calendar: WorkCalendar,
    *,
    unit_code: str,
    received_at: datetime,
    sequence: int,
    channel: Channel | int = Channel.IN_PERSON,
) -> Dossier:
    """Receive a dossier at the desk (or online): its code from the unit, the receipt
    date and the day's sequence number, and its appointed date from the calendar."""
    code = dossier_code(unit_code, received_at, sequence)
    d = new_dossier(code, unit_code, procedure.code, channel, received_at)
    return apply_event(d, Event("received", received_at), calendar=calendar, procedure=procedure)


def apply_events(dossier: Dossier, events, **kwargs) -> Dossier:
    for event in events:
        dossier = apply_event(dossier, event, **kwargs)
    return dossier


def apply_event(
    dossier: Dossier,
    event: Event,
    *,
    calendar: WorkCalendar | None = None,
    procedure: Procedure | None = None,
    rules: OneStopRules = DEFAULT_RULES,
) -> Dossier:
    """The dossier after `event`; `DossierRuleError` when the rules do not allow it.
    ``received`` needs ``event.due_at`` or a calendar and the procedure to compute it."""
    status = dossier.status
    allowed = _ALLOWED[event.kind]
    if status not in allowed:
        ok = ", ".join(f"{s.value} {s.name_vi}" for s in sorted(allowed))
        raise DossierRuleError(
            f"dossier {dossier.code}: '{event.kind}' is not allowed in status "
            f"{status.value} ({status.name_vi}); allowed from: {ok}"
        )
    if dossier.history and event.at < dossier.history[-1].at:
        raise DossierRuleError(
            f"dossier {dossier.code}: '{event.kind}' at {event.at:%d/%m/%Y %H:%M} is before "
            f"the previous event ('{dossier.history[-1].kind}' at "
            f"{dossier.history[-1].at:%d/%m/%Y %H:%M})"
        )
    if event.kind == "rescheduled":
        if event.due_at is None:
            raise RescheduleError("a reschedule needs the new date (due_at)")
        return reschedule(dossier, event.due_at, event.note, event.at, rules=rules)

    at = event.at
    resume = dossier.resume_status or S.IN_PROGRESS
    changes: dict = {}
    kind = event.kind
    if kind == "received":
        due = event.due_at
        if due is None:
            if calendar is None or procedure is None:
                raise DossierRuleError(
                    "receiving a dossier needs its appointed date, or a calendar and the "
                    "procedure to compute it"
                )
            due = appointed_date(calendar, procedure, at, channel=dossier.channel)
        if due < at:
            raise DossierRuleError(f"appointed date {due:%d/%m/%Y %H:%M} is before the receipt")
        changes = {"status": S.RECEIVED, "received_at": at, "due_at": due}
    elif kind == "refused":
        if status == S.NEW:
            changes = {"status": S.NOT_RECEIVED, "refused": True}
        else:
            changes = {"status": S.STOPPED, "refused": True, "ended_at": at}
            changes |= _close_supplement(dossier, at)
    elif kind == "transferred":
        if not event.to_unit:
            raise DossierRuleError("a transfer needs the receiving unit (to_unit)")
        changes = {"status": S.IN_PROGRESS, "handling_unit": event.to_unit}
    elif kind == "supplement_requested":
        changes = {
            "status": S.SUPPLEMENT_REQUESTED,
            "supplement_count": dossier.supplement_count + 1,
            "supplement_requested_at": at,
            "resume_status": S.IN_PROGRESS,
        }
    elif kind == "supplement_completed":
        changes = {"status": resume, "resume_status": None} | _close_supplement(dossier, at)
    elif kind == "payment_requested":
        changes = {
            "status": S.PAYMENT_REQUESTED,
            "payment_requested_at": at,
            "resume_status": S.PROCESSED if status == S.PROCESSED else S.IN_PROGRESS,
        }
    elif kind in ("paid_online", "paid"):
        platform = PaymentPlatform.NOT_ONLINE
        if kind == "paid_online":
            platform = PaymentPlatform(event.platform or PaymentPlatform.NATIONAL)
            if platform == PaymentPlatform.NOT_ONLINE:
                raise DossierRuleError("paid_online needs platform 1 (national) or 2 (local)")
        changes = {
            "status": resume,
            "resume_status": None,
            "paid_at": at,
            "payment_platform": platform,
        }
    elif kind == "processed":
        changes = {"status": S.PROCESSED, "processed_at": at, "ended_at": at}
        if event.electronic_result is not None:
            changes["electronic_result"] = event.electronic_result
    elif kind == "returned":
        changes = {"status": S.RETURNED, "returned_at": at}
        if event.electronic_result is not None:
            changes["electronic_result"] = event.electronic_result
    elif kind in ("stopped", "withdrawn"):
        target = S.STOPPED if kind == "stopped" else S.WITHDRAWN
        changes = {"status": target}
        if dossier.received_at is not None:
            changes["ended_at"] = at
            changes |= _close_supplement(dossier, at)
    return replace(dossier, **changes, history=(*dossier.history, event))


def _close_supplement(dossier: Dossier, at: datetime) -> dict:
    """Accumulate the waiting time of an open supplement request."""
    if dossier.status != S.SUPPLEMENT_REQUESTED or dossier.supplement_requested_at is None:
        return {}
    return {
        "supplement_completed_at": at,
        "supplement_wait": dossier.supplement_wait + (at - dossier.supplement_requested_at),
    }


# -- metric 2.1 on one dossier -----------------------------------------------------------------


def supplement_wait(dossier: Dossier, as_of: datetime) -> timedelta:
    """Time spent waiting for supplements up to `as_of` (an open request counts)."""
    wait = dossier.supplement_wait
    if dossier.status == S.SUPPLEMENT_REQUESTED and dossier.supplement_requested_at is not None:
        wait += max(timedelta(0), as_of - dossier.supplement_requested_at)
    return wait


def is_on_time(
    dossier: Dossier,
    as_of: datetime,
    *,
    calendar: WorkCalendar | None = None,
    procedure: Procedure | None = None,
    rules: OneStopRules = DEFAULT_RULES,
) -> bool:
    """Metric 2.1 for one received dossier judged at `as_of` (see the module docstring)."""
    if dossier.received_at is None:
        raise DossierRuleError(f"dossier {dossier.code} was never received")
    if dossier.supplement_count > rules.max_supplements_on_time:
        return False
    end = dossier.ended_at if dossier.ended_at is not None and dossier.ended_at <= as_of else as_of
    due = dossier.first_due_at
    if due is None:
        if calendar is None or procedure is None:
            raise DossierRuleError(
                f"dossier {dossier.code} has no appointed date: give the calendar and procedure"
            )
        due = appointed_date(calendar, procedure, dossier.received_at, channel=dossier.channel)
    return end - supplement_wait(dossier, end) <= due


# -- reschedule and the apology letter ------------------------------------------------------


def reschedule(
    dossier: Dossier,
    new_due: datetime,
    reason: str,
    at: datetime,
    *,
    rules: OneStopRules = DEFAULT_RULES,
) -> Dossier:
    """Move the appointed date, once, with a reason (see the module docstring)."""
    if dossier.status not in _OPEN:
        raise RescheduleError(
            f"dossier {dossier.code} is {dossier.status.name_vi.lower()} "
            f"(status {dossier.status.value}): only an open dossier can be rescheduled"
        )
    if dossier.reschedule_count >= rules.max_reschedules:
        when = f" on {dossier.rescheduled_at:%d/%m/%Y}" if dossier.rescheduled_at else ""
        times = "once" if rules.max_reschedules == 1 else f"{rules.max_reschedules} times"
        raise RescheduleError(
            f"dossier {dossier.code} was already rescheduled{when}; the appointed date may "
            f"be rescheduled only {times}"
        )
    if not (reason or "").strip():
        raise RescheduleError("a reschedule needs the reason for the delay")
    if dossier.due_at is None:
        raise RescheduleError(f"dossier {dossier.code} has no appointed date to reschedule")
    if new_due <= dossier.due_at:
        raise RescheduleError(
            f"the new date {new_due:%d/%m/%Y %H:%M} must be after the appointed date "
            f"{dossier.due_at:%d/%m/%Y %H:%M}"
        )
    if dossier.history and at < dossier.history[-1].at:
        raise RescheduleError("the reschedule is dated before the dossier's last event")
    latest = dossier.due_at.date() - timedelta(days=rules.reschedule_notice_days)
    return replace(
        dossier,
        due_at=new_due,
        original_due_at=dossier.original_due_at or dossier.due_at,
        reschedule_count=dossier.reschedule_count + 1,
        reschedule_reason=reason.strip(),
        rescheduled_at=at,
        late_reschedule_notice=at.date() > latest,
        history=(*dossier.history, Event("rescheduled", at, note=reason.strip(), due_at=new_due)),
    )


def _vi_date(d: date | datetime) -> str:
    return f"ngày {d:%d} tháng {d:%m} năm {d:%Y}"


def _vi_moment(d: datetime) -> str:
    return f"{d:%H} giờ {d:%M}, {_vi_date(d)}"


def apology_letter_html(
    *,
    applicant_name: str,
    applicant_id: str,
    dossier_code: str,
    procedure_name: str,
    received_at: datetime,
    original_due: datetime,
    new_due: datetime,
    reason: str,
    body_name: str,
    head_name: str,
    head_title: str = "THỦ TRƯỞNG CƠ QUAN",
    parent_body: str = "",
    place: str = "",
    issued_on: date | None = None,
    number: str = "",
) -> str:
    """Form 04 of Circular 01/2018/TT-VPCP — "Phiếu xin lỗi và hẹn lại ngày trả kết quả" —
    as a self-contained Vietnamese HTML page (UTF-8, inline print styles).

    Content required by the form: addressed to the applicant with name, ID number and the
    dossier code; the receipt and the original appointment; the reason for the delay; an
    apology for the inconvenience and cost; the new return date; the signature block of the
    head of the body. The wording follows the form's required content; check it against
    the Circular's template before official use. Every value is HTML-escaped.

    Pure text in, text out: the PDF rendering (and a digital signature) is done later by
    the web layer from this HTML.
    """
    if not reason.strip():
        raise RescheduleError("the letter needs the reason for the delay")
    e = html.escape
    issued = issued_on or date.today()
    place_date = f"{e(place)}, {_vi_date(issued)}" if place else _vi_date(issued).capitalize()
    number_line = f"Số: {e(number)}" if number else "Số: ......../PXL"
    parent = f"<div>{e(parent_body.upper())}</div>" if parent_body else ""
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Phiếu xin lỗi và hẹn lại ngày trả kết quả – {e(dossier_code)}</title>
<style>
  body {{ font-family: "Times New Roman", serif; font-size: 14pt; margin: 2cm; line-height: 1.5; }}
  .head {{ display: flex; justify-content: space-between; text-align: center; }}
  .head div {{ width: 48%; }}
  .bold {{ font-weight: bold; }}
  h1 {{ text-align: center; font-size: 14pt; margin-top: 1.5em; }}
  .right {{ text-align: right; font-style: italic; }}
  .sign {{ margin-left: 50%; text-align: center; margin-top: 2em; }}
  .sign .name {{ margin-top: 4em; font-weight: bold; }}
</style>
</head>
<body>
<div class="head">
  <div>{parent}<div class="bold">{e(body_name.upper())}</div><div>{number_line}</div></div>
  <div><div class="bold">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</div>
  <div class="bold">Độc lập - Tự do - Hạnh phúc</div></div>
</div>
<p class="right">{place_date}</p>
<h1>PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ</h1>
<p>Kính gửi: Ông/Bà <span class="bold">{e(applicant_name)}</span><br>
Số định danh cá nhân/Giấy tờ tùy thân: {e(applicant_id)}</p>
<p>Ngày {received_at:%d/%m/%Y}, {e(body_name)} đã tiếp nhận hồ sơ đề nghị giải quyết thủ tục
hành chính <span class="bold">{e(procedure_name)}</span> của Ông/Bà.</p>
<p>Mã hồ sơ: <span class="bold">{e(dossier_code)}</span></p>
<p>Thời hạn trả kết quả đã hẹn: {_vi_moment(original_due)}.</p>
<p>Tuy nhiên, đến nay {e(body_name)} chưa trả được kết quả giải quyết hồ sơ cho Ông/Bà.</p>
<p>Lý do: {e(reason.strip())}</p>
<p>Sự chậm trễ này đã gây phiền hà, tốn kém thời gian và chi phí đi lại của Ông/Bà.
{e(body_name)} thành thật xin lỗi Ông/Bà và xin hẹn trả kết quả giải quyết hồ sơ vào
<span class="bold">{_vi_moment(new_due)}</span>.</p>
<p>Xin trân trọng cảm ơn./.</p>
<div class="sign">
  <div class="bold">{e(head_title.upper())}</div>
  <div><i>(Ký, ghi rõ họ tên)</i></div>
  <div class="name">{e(head_name)}</div>
</div>
</body>
</html>
"""


def apology_letter_for(
    dossier: Dossier,
    *,
    applicant_name: str,
    applicant_id: str,
    procedure_name: str,
    body_name: str,
    head_name: str,
    **kwargs,
) -> str:
    """The form 04 letter of a rescheduled dossier (after `reschedule`)."""
    if dossier.reschedule_count == 0 or dossier.original_due_at is None:
        raise RescheduleError(f"dossier {dossier.code} has not been rescheduled")
    kwargs.setdefault(
        "issued_on", dossier.rescheduled_at.date() if dossier.rescheduled_at else None
    )
    return apology_letter_html(
        applicant_name=applicant_name,
        applicant_id=applicant_id,
        dossier_code=dossier.code,
        procedure_name=procedure_name,
        received_at=dossier.received_at or dossier.original_due_at,
        original_due=dossier.original_due_at,
        new_due=dossier.due_at,  # type: ignore[arg-type]
        reason=dossier.reschedule_reason or "",
        body_name=body_name,
        head_name=head_name,
        **kwargs,
    )


def to_record(dossier: Dossier) -> dict:
    """The dossier as one record of the ingestion schema (snake_case columns), so the
    vectorised metrics can be checked against the per-dossier rules."""
    wait_open = dossier.status == S.SUPPLEMENT_REQUESTED
    return {
        "dossier_code": dossier.code,
        "unit_code": dossier.unit_code,
        "procedure_code": dossier.procedure_code,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "original_due_at": dossier.original_due_at,
        "reschedule_count": dossier.reschedule_count,
        "processed_at": dossier.ended_at,
        "returned_at": dossier.returned_at,
        "channel": int(dossier.channel),
        "status": int(dossier.status),
        "paid_online": int(dossier.payment_platform),
        "supplement_requested_at": dossier.supplement_requested_at,
        "supplement_completed_at": None if wait_open else dossier.supplement_completed_at,
        "supplement_count": dossier.supplement_count,
        "result_electronic": dossier.electronic_result,
    }


def appointed_dates(
    calendar: WorkCalendar,
    received,
    limits,
    units,
    online,
) -> np.ndarray:
    """Vectorised `appointed_date` over arrays (receipt moments, limits, limit units,
    online flags) → datetime64[us]; NaT where the receipt or the limit is missing. Each
    distinct (receipt moment, limit, unit, online) is computed once with
    `WorkCalendar.due_date`, so the calendar's rules are the only ones used."""
    key = pd.DataFrame(
        {
            "rec": pd.to_datetime(pd.Series(received)).astype("datetime64[us]").to_numpy(),
            "limit": pd.to_numeric(pd.Series(limits), errors="coerce").to_numpy(dtype=float),
            "unit": pd.Series(units, dtype=object).fillna("working_days").to_numpy(),
            "online": pd.Series(online).fillna(False).astype(bool).to_numpy(),
        }
    )
    ok = key["rec"].notna() & key["limit"].notna()
    out = np.full(len(key), np.datetime64("NaT"), dtype="datetime64[us]")
    if not ok.any():
        return out
    uniq = key[ok].drop_duplicates()
    dues = [
        calendar.due_date(pd.Timestamp(r).to_pydatetime(), float(lim), u, online=bool(o))
        for r, lim, u, o in uniq.itertuples(index=False)
    ]
    uniq = uniq.assign(due=np.array(dues, dtype="datetime64[us]"))
    merged = key[ok].merge(uniq, on=["rec", "limit", "unit", "online"], how="left")
    out[ok.to_numpy()] = merged["due"].to_numpy(dtype="datetime64[us]")
    return out
