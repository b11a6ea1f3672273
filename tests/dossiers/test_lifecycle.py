"""Dossier lifecycle: statuses, codes, events and their rules, supplements, the single
reschedule and the apology letter (form 04)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.catalogue import load_default_exceptions
from parindex.dossiers.lifecycle import (
    Channel,
    Dossier,
    DossierRuleError,
    DossierStatus,
    Event,
    OneStopRules,
    PaymentPlatform,
    RescheduleError,
    apology_letter_for,
    apology_letter_html,
    apply_event,
    apply_events,
    appointed_date,
    appointed_dates,
    dossier_code,
    is_dossier_code,
    is_on_time,
    new_dossier,
    parse_dossier_code,
    receive,
    reschedule,
    supplement_wait,
)
from parindex.dossiers.procedures import Procedure

FIVE_DAYS = Procedure("1.001234", "Cấp giấy phép X", 5, "working_days", has_fee=True)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.vietnam([2025, 2026], load_default_exceptions())


def received(cal, at=datetime(2026, 3, 2, 9, 0), channel=Channel.IN_PERSON, seq=1) -> Dossier:
    return receive(
        FIVE_DAYS, cal, unit_code="H44.01", received_at=at, sequence=seq, channel=channel
    )


# -- enums ---------------------------------------------------------------------------------


def test_statuses_and_channels_of_the_national_standard():
    assert [s.value for s in DossierStatus] == list(range(1, 11))
    assert DossierStatus(5).name_vi == "Yêu cầu bổ sung giấy tờ"
    assert DossierStatus.RETURNED.name_vi == "Đã trả kết quả"
    assert DossierStatus.WITHDRAWN.name_vi == "Công dân yêu cầu rút hồ sơ"
    assert {s.value for s in DossierStatus if s.is_final} == {3, 7, 8, 10}
    assert [c.value for c in Channel] == [1, 2, 3]
    assert Channel.ONLINE.name_vi == "Trực tuyến"
    assert PaymentPlatform(1).name_vi.startswith("Nền tảng thanh toán")


# -- dossier code --------------------------------------------------------------------------


def test_code_generation_and_parsing():
    code = dossier_code("H44.01", date(2026, 1, 5), 7)
    assert code == "H44.01-260105-0007"
    parsed = parse_dossier_code(code)
    assert (parsed.unit_code, parsed.received_on, parsed.sequence) == (
        "H44.01",
        date(2026, 1, 5),
        7,
    )
    assert str(parsed) == code
    assert dossier_code("000.00.20.H44", datetime(2025, 12, 31, 16, 0), 9999).endswith(
        "-251231-9999"
    )
    assert is_dossier_code("H44.01-260105-0001")


@pytest.mark.parametrize(
    "code, message",
    [
        ("H44.01-260230-0001", "not a date"),
        ("H44.01-260105-0000", "starts at 0001"),
        ("H44.01-2601050001", "not a dossier code"),
        ("H44.01-260105-001", "not a dossier code"),
        ("-260105-0001", "not a dossier code"),
        ("H44 01-260105-0001", "not a dossier code"),
    ],
)
def test_code_parsing_rejects(code, message):
    with pytest.raises(ValueError, match=message):
        parse_dossier_code(code)
    assert not is_dossier_code(code)


@pytest.mark.parametrize(
    "unit, seq, message",
    [
        ("H44-01", 1, "unit code"),
        ("", 1, "unit code"),
        ("H44", 0, "sequence"),
        ("H44", 10000, "sequence"),
    ],
)
def test_code_generation_rejects(unit, seq, message):
    with pytest.raises(ValueError, match=message):
        dossier_code(unit, date(2026, 1, 5), seq)


# -- receipt and appointed date ------------------------------------------------------------


def test_receive_sets_code_and_appointed_date_across_tet(cal):
    d = receive(
        FIVE_DAYS, cal, unit_code="H44.01", received_at=datetime(2025, 1, 24, 10, 0), sequence=3
    )
    assert d.code == "H44.01-250124-0003"
    assert d.status == DossierStatus.RECEIVED
    assert d.due_at == datetime(2025, 2, 7, 17, 0)  # Tết 25/1–2/2 skipped
    assert [e.kind for e in d.history] == ["received"]


def test_online_receipt_uses_the_online_cutoff(cal):
    at = datetime(2026, 3, 2, 15, 30)  # after 15:00, before 16:00
    paper = received(cal, at)
    online = received(cal, at, channel=Channel.ONLINE)
    assert paper.due_at == datetime(2026, 3, 10, 17, 0)  # counted from Tue 3/3
    assert online.due_at == datetime(2026, 3, 9, 17, 0)  # counted from Mon 2/3
    assert appointed_date(cal, FIVE_DAYS, at, channel=2) == online.due_at


def test_appointed_dates_vectorised_matches_scalar(cal):
    hours = Procedure("2.000001", "Giờ", 8, "hours")
    rec = np.array(
        ["2026-03-02T09:00", "2026-03-02T15:30", "2026-03-06T16:30"], dtype="datetime64[us]"
    )
    got = appointed_dates(
        cal, rec, [5, 5, 8], ["working_days", "working_days", "hours"], [False, True, False]
    )
    expected = [
        appointed_date(cal, FIVE_DAYS, datetime(2026, 3, 2, 9)),
        appointed_date(cal, FIVE_DAYS, datetime(2026, 3, 2, 15, 30), channel=2),
        appointed_date(cal, hours, datetime(2026, 3, 6, 16, 30)),
    ]
    assert list(got.astype("datetime64[us]").astype(datetime)) == expected
    assert np.isnat(appointed_dates(cal, rec[:1], [np.nan], ["working_days"], [False])[0])


def test_no_limit_needs_a_given_date(cal):
    free = Procedure("1.000002", "Không quy định thời hạn", None, "working_days")
    with pytest.raises(DossierRuleError, match="no statutory time limit"):
        appointed_date(cal, free, datetime(2026, 3, 2, 9))
    d = new_dossier("H44.01-260302-0001", "H44.01", free.code)
    d = apply_event(d, Event("received", datetime(2026, 3, 2, 9), due_at=datetime(2026, 3, 20, 17)))
    assert d.due_at == datetime(2026, 3, 20, 17)
    with pytest.raises(DossierRuleError, match="needs its appointed date"):
        apply_event(new_dossier("X-260302-0001", "X", "1"), Event("received", datetime(2026, 3, 2)))


# -- events --------------------------------------------------------------------------------


def test_full_lifecycle(cal):
    d = received(cal)
    d = apply_events(
        d,
        [
            Event("transferred", datetime(2026, 3, 2, 10), to_unit="H44.07"),
            Event("payment_requested", datetime(2026, 3, 3, 9)),
            Event("paid_online", datetime(2026, 3, 3, 11), platform=2),
            Event("processed", datetime(2026, 3, 5, 16), electronic_result=True),
            Event("returned", datetime(2026, 3, 6, 8)),
        ],
    )
    assert d.status == DossierStatus.RETURNED
    assert d.handling_unit == "H44.07"
    assert d.payment_platform == PaymentPlatform.LOCAL
    assert d.ended_at == datetime(2026, 3, 5, 16)
    assert d.electronic_result
    assert is_on_time(d, datetime(2026, 12, 31))
    assert len(d.history) == 6


def test_payment_after_processing_returns_to_processed(cal):
    d = apply_events(
        received(cal),
        [
            Event("processed", datetime(2026, 3, 3, 9)),
            Event("payment_requested", datetime(2026, 3, 3, 10)),
            Event("paid", datetime(2026, 3, 3, 11)),
        ],
    )
    assert d.status == DossierStatus.PROCESSED
    assert d.payment_platform == PaymentPlatform.NOT_ONLINE
    assert apply_event(d, Event("returned", datetime(2026, 3, 4))).status == DossierStatus.RETURNED


@pytest.mark.parametrize(
    "events, bad, message",
    [
        ([], Event("returned", datetime(2026, 3, 3)), "'returned' is not allowed in status 2"),
        ([], Event("supplement_completed", datetime(2026, 3, 3)), "not allowed in status 2"),
        ([], Event("paid_online", datetime(2026, 3, 3)), "allowed from: 6"),
        (
            [Event("processed", datetime(2026, 3, 3))],
            Event("processed", datetime(2026, 3, 4)),
            "status 9",
        ),
        (
            [Event("supplement_requested", datetime(2026, 3, 3))],
            Event("processed", datetime(2026, 3, 4)),
            "status 5",
        ),
        (
            [Event("withdrawn", datetime(2026, 3, 3))],
            Event("transferred", datetime(2026, 3, 4), to_unit="X"),
            "status 7",
        ),
        ([], Event("received", datetime(2026, 3, 3)), "allowed from: 1"),
        (
            [Event("processed", datetime(2026, 3, 5))],
            Event("returned", datetime(2026, 3, 4)),
            "before the previous",
        ),
    ],
)
def test_invalid_transitions_raise(cal, events, bad, message):
    d = apply_events(received(cal), events)
    with pytest.raises(DossierRuleError, match=message):
        apply_event(d, bad)


def test_unknown_event_and_missing_payload():
    with pytest.raises(DossierRuleError, match="unknown event"):
        Event("approved", datetime(2026, 3, 3))
    d = apply_event(
        new_dossier("H44-260302-0001", "H44", "1"),
        Event("received", datetime(2026, 3, 2), due_at=datetime(2026, 3, 9)),
    )
    with pytest.raises(DossierRuleError, match="to_unit"):
        apply_event(d, Event("transferred", datetime(2026, 3, 3)))


def test_refusal_before_and_after_receipt(cal):
    reg = new_dossier("H44.01-260302-0001", "H44.01", FIVE_DAYS.code, Channel.ONLINE)
    refused = apply_event(reg, Event("refused", datetime(2026, 3, 2, 9)))
    assert refused.status == DossierStatus.NOT_RECEIVED and refused.ended_at is None
    later = apply_event(
        received(cal), Event("refused", datetime(2026, 3, 3, 9), note="không đủ điều kiện")
    )
    assert later.status == DossierStatus.STOPPED and later.refused
    assert later.ended_at == datetime(2026, 3, 3, 9)
    with pytest.raises(DossierRuleError, match="status 8"):
        apply_event(later, Event("processed", datetime(2026, 3, 4)))


# -- supplements (metric 2.1) --------------------------------------------------------------


def test_one_supplement_request_is_excluded_from_the_time(cal):
    d = received(cal)  # due Mon 9/3 17:00
    d = apply_events(
        d,
        [
            Event("supplement_requested", datetime(2026, 3, 3, 9)),
            Event("supplement_completed", datetime(2026, 3, 6, 9)),  # 3 days waiting
            Event("processed", datetime(2026, 3, 11, 16)),  # raw end 2 days after the due date
        ],
    )
    assert d.supplement_count == 1
    assert d.supplement_wait == timedelta(days=3)
    assert d.status == DossierStatus.PROCESSED
    assert is_on_time(d, datetime(2026, 12, 31))  # 11/3 16:00 − 3 days = 8/3 ≤ 9/3 17:00
    late = apply_events(
        received(cal),
        [
            Event("supplement_requested", datetime(2026, 3, 3, 9)),
            Event("supplement_completed", datetime(2026, 3, 4, 9)),  # 1 day only
            Event("processed", datetime(2026, 3, 11, 16)),
        ],
    )
    assert not is_on_time(late, datetime(2026, 12, 31))


def test_two_supplement_requests_are_overdue(cal):
    d = apply_events(
        received(cal),
        [
            Event("supplement_requested", datetime(2026, 3, 2, 10)),
            Event("supplement_completed", datetime(2026, 3, 2, 11)),
            Event("supplement_requested", datetime(2026, 3, 2, 14)),
            Event("supplement_completed", datetime(2026, 3, 2, 15)),
            Event("processed", datetime(2026, 3, 3, 9)),  # long before the due date
        ],
    )
    assert d.supplement_count == 2
    assert not is_on_time(d, datetime(2026, 12, 31))
    lenient = OneStopRules(max_supplements_on_time=2)
    assert is_on_time(d, datetime(2026, 12, 31), rules=lenient)


def test_open_supplement_counts_up_to_as_of_and_open_dossier_goes_overdue(cal):
    d = apply_event(received(cal), Event("supplement_requested", datetime(2026, 3, 4, 9)))
    assert supplement_wait(d, datetime(2026, 3, 20, 9)) == timedelta(days=16)
    assert is_on_time(d, datetime(2026, 3, 20, 9))  # the clock is stopped while waiting
    open_ = received(cal)
    assert is_on_time(open_, datetime(2026, 3, 9, 17, 0))
    assert not is_on_time(open_, datetime(2026, 3, 9, 17, 1))  # still open, past its date


def test_withdrawal_ends_processing(cal):
    d = apply_event(received(cal), Event("withdrawn", datetime(2026, 3, 4, 9)))
    assert d.status == DossierStatus.WITHDRAWN and d.ended_at == datetime(2026, 3, 4, 9)
    assert is_on_time(d, datetime(2026, 12, 31))


# -- reschedule and letter -----------------------------------------------------------------


def test_reschedule_once_then_refused(cal):
    d = received(cal)
    moved = reschedule(
        d, datetime(2026, 3, 13, 17), "Chờ ý kiến của Sở Xây dựng", datetime(2026, 3, 6, 9)
    )
    assert moved.due_at == datetime(2026, 3, 13, 17)
    assert moved.original_due_at == datetime(2026, 3, 9, 17)
    assert moved.reschedule_count == 1 and not moved.late_reschedule_notice
    assert moved.history[-1].kind == "rescheduled"
    with pytest.raises(RescheduleError, match="only once"):
        reschedule(moved, datetime(2026, 3, 20, 17), "lần nữa", datetime(2026, 3, 12, 9))
    with pytest.raises(RescheduleError, match="only once"):
        apply_event(
            moved,
            Event("rescheduled", datetime(2026, 3, 12), note="x", due_at=datetime(2026, 3, 30)),
        )


@pytest.mark.parametrize(
    "new_due, reason, message",
    [
        (datetime(2026, 3, 13, 17), "", "reason"),
        (datetime(2026, 3, 13, 17), "   ", "reason"),
        (datetime(2026, 3, 9, 17), "x", "must be after"),
        (datetime(2026, 3, 5, 17), "x", "must be after"),
    ],
)
def test_reschedule_needs_a_reason_and_a_later_date(cal, new_due, reason, message):
    with pytest.raises(RescheduleError, match=message):
        reschedule(received(cal), new_due, reason, datetime(2026, 3, 5, 9))


def test_reschedule_of_a_closed_dossier_and_late_notice(cal):
    done = apply_event(received(cal), Event("processed", datetime(2026, 3, 4)))
    with pytest.raises(RescheduleError, match="only an open dossier"):
        reschedule(done, datetime(2026, 3, 13, 17), "x", datetime(2026, 3, 5))
    late = reschedule(received(cal), datetime(2026, 3, 13, 17), "x", datetime(2026, 3, 9, 9))
    assert late.late_reschedule_notice  # on the due day itself, not 1 day before


def test_rescheduled_dossier_is_judged_on_the_original_date(cal):
    moved = reschedule(received(cal), datetime(2026, 3, 13, 17), "x", datetime(2026, 3, 6, 9))
    done = apply_event(moved, Event("processed", datetime(2026, 3, 12, 9)))  # before the new date
    assert not is_on_time(done, datetime(2026, 12, 31))


def test_apology_letter_contains_the_form_04_content(cal):
    moved = reschedule(
        received(cal),
        datetime(2026, 3, 13, 17),
        "Chờ kết quả xác minh <thực địa>",
        datetime(2026, 3, 6, 9),
    )
    html = apology_letter_for(
        moved,
        applicant_name="Nguyễn Văn A",
        applicant_id="025123456789",
        procedure_name="Cấp giấy phép X",
        body_name="Sở Công Thương tỉnh Phú Thọ",
        head_name="Trần Thị B",
        head_title="Giám đốc",
        place="Phú Thọ",
    )
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in html
    assert "H44.01-260302-0001" in html
    assert "Nguyễn Văn A" in html and "025123456789" in html
    assert "17 giờ 00, ngày 09 tháng 03 năm 2026" in html  # the original appointment
    assert "17 giờ 00, ngày 13 tháng 03 năm 2026" in html  # the new date
    assert "xin lỗi" in html and "Lý do: Chờ kết quả xác minh &lt;thực địa&gt;" in html
    assert "GIÁM ĐỐC" in html and "Trần Thị B" in html
    assert "Phú Thọ, ngày 06 tháng 03 năm 2026" in html
    assert html.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in html
    with pytest.raises(RescheduleError, match="not been rescheduled"):
        apology_letter_for(
            received(cal),
            applicant_name="a",
            applicant_id="b",
            procedure_name="c",
            body_name="d",
            head_name="e",
        )


def test_letter_requires_a_reason():
    with pytest.raises(RescheduleError, match="reason"):
        apology_letter_html(
            applicant_name="A",
            applicant_id="1",
            dossier_code="X-260101-0001",
            procedure_name="P",
            received_at=datetime(2026, 1, 1),
            original_due=datetime(2026, 1, 5, 17),
            new_due=datetime(2026, 1, 9, 17),
            reason=" ",
            body_name="B",
            head_name="H",
        )
