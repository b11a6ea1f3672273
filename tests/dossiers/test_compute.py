"""Service-index counts from dossier records: every metric's rule, periods and the cut,
zero denominators, Parquet = DataFrame, agreement with the per-dossier lifecycle rules,
counts merging, framework leaves fed by a metric, and the real Phú Thọ 2.1 scores."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parindex.dossiers.calendar import WorkCalendar
from parindex.dossiers.catalogue import load_default_catalogue, load_default_exceptions
from parindex.dossiers.compute import (
    Period,
    compute_metrics,
    framework_inputs_from_metrics,
)
from parindex.dossiers.ingest import validate_records
from parindex.dossiers.lifecycle import (
    Event,
    apply_events,
    is_on_time,
    receive,
    reschedule,
    to_record,
)
from parindex.dossiers.procedures import Procedure, ProcedureCatalogue
from parindex.dossiers.service_index import score_counts
from parindex.dossiers.store import ParquetStore
from parindex.errors import InputError
from parindex.framework.model import Band, Framework, Node
from parindex.scoring import score

PROCS = ProcedureCatalogue(
    [
        Procedure("1.000001", "Năm ngày", 5, "working_days", has_fee=True),
        Procedure("1.000002", "Kết quả giấy", 3, "working_days", paper_result=True),
        Procedure("1.000003", "Không có kết quả", 2, "working_days", result_document=False),
    ]
)
AS_OF = datetime(2026, 12, 31, 23, 59)


def rec(code: str, **kw) -> dict:
    """A record in snake_case; ``end`` sets processed_at (and returned_at for status 10)."""
    status = kw.pop("status", 10)
    end = kw.pop("end", "2026-03-05 10:00" if status in (7, 8, 9, 10) else None)
    out = {
        "dossier_code": code,
        "unit_code": kw.pop("unit", "U1"),
        "procedure_code": kw.pop("proc", "1.000001"),
        "status": status,
        "received_at": kw.pop("received", "2026-03-02 09:00"),
        "due_at": kw.pop("due", "2026-03-09 17:00"),
        "processed_at": end,
        "returned_at": end if status == 10 else None,
    }
    out.update(kw)
    return out


def frame(*records: dict) -> pd.DataFrame:
    cols = sorted({k for r in records for k in r})
    raw = pd.DataFrame(
        [{c: ("" if r.get(c) is None else str(r.get(c))) for c in cols} for r in records]
    )
    valid, rejected = validate_records(raw)
    assert rejected == [], rejected
    return valid


def counts_of(result: pd.DataFrame, unit: str = "U1") -> dict[str, tuple[int, int]]:
    sel = result[result["unit_code"] == unit]
    return {
        m: (int(n), int(d))
        for m, n, d in zip(sel.metric, sel.numerator, sel.denominator, strict=True)
    }


def compute(*records: dict, period=2026, as_of=AS_OF, **kw) -> dict[str, tuple[int, int]]:
    return counts_of(compute_metrics(frame(*records), PROCS, period, as_of, **kw))


# -- 2.1 -----------------------------------------------------------------------------------


def test_on_time_late_and_open():
    c = compute(
        rec("a", end="2026-03-09 17:00"),  # exactly at the appointed moment: on time
        rec("b", end="2026-03-09 17:01"),  # late
        rec("c", status=4),  # open at the cut, past its date: overdue while open
        rec("d", status=4, received="2026-12-28 09:00", due="2027-01-05 17:00"),  # open, not due
        rec("e", status=7, end="2026-03-20 09:00"),  # withdrawn late: judged at the withdrawal
        rec("f", status=8, end="2026-03-04 09:00"),  # stopped in time
    )
    assert c["dossier_on_time"] == (3, 6)


def test_a_dossier_finished_after_the_cut_is_open_at_the_cut():
    r = rec("a", received="2026-03-02 09:00", due="2026-04-01 17:00", end="2026-04-02 09:00")
    q1 = compute(r, period=Period(2026, quarter=1))
    assert q1["dossier_on_time"] == (1, 1)  # open at 1/4 00:00, not yet due
    assert q1["avg_processing_days"] == (0, 0)  # not completed in Q1
    late_evening = compute(r, as_of=datetime(2026, 4, 1, 20, 0))
    assert late_evening["dossier_on_time"] == (0, 1)  # still open at the cut, past its date
    assert compute(r)["dossier_on_time"] == (0, 1)  # the year: finished late


def test_supplement_time_is_excluded_once_and_two_requests_are_overdue():
    one = rec(
        "a",
        end="2026-03-11 16:00",  # 2 days after the due date …
        supplement_requested_at="2026-03-03 09:00",
        supplement_completed_at="2026-03-06 09:00",  # … but 3 days of waiting
    )
    short = dict(one, dossier_code="b", supplement_completed_at="2026-03-04 09:00")  # 1 day
    two = rec(
        "c",
        end="2026-03-03 09:00",  # early, yet two requests
        supplement_requested_at="2026-03-02 14:00",
        supplement_completed_at="2026-03-02 15:00",
        supplement_count=2,
    )
    waiting = rec(
        "d", status=5, end=None, due="2026-03-09 17:00", supplement_requested_at="2026-03-05 09:00"
    )  # open and waiting since before its date: the clock stopped
    c = compute(one, short, two, waiting)
    assert c["dossier_on_time"] == (2, 4)  # a and d


def test_the_original_appointment_counts_after_a_reschedule():
    r = rec(
        "a",
        due="2026-03-13 17:00",
        original_due_at="2026-03-09 17:00",
        reschedule_count=1,
        end="2026-03-12 09:00",
    )
    assert compute(r)["dossier_on_time"] == (0, 1)


def test_without_appointed_date_the_legal_time_decides():
    # received Mon 2/3 09:00, 5 working days → Mon 9/3 17:00
    c = compute_metrics(
        frame(
            rec("a", due=None, end="2026-03-09 16:00"),
            rec("b", due=None, end="2026-03-10 09:00"),
            rec("c", due=None, proc="9.999999", end="2026-03-03 09:00"),  # unknown procedure
            rec(
                "d",
                due=None,
                end="2026-03-11 16:00",
                supplement_requested_at="2026-03-03 09:00",
                supplement_completed_at="2026-03-06 09:00",
            ),
        ),
        PROCS,
        2026,
        AS_OF,
    )
    assert counts_of(c)["dossier_on_time"] == (2, 4)
    warnings = " ".join(c.attrs["warnings"])
    assert "9.999999" in warnings and "1 dossier(s) without an appointed date" in warnings


def test_which_dossiers_are_counted_in_a_period():
    q2 = Period(2026, quarter=2)
    c = compute(
        rec(
            "old-open", status=4, received="2026-03-20 09:00", due="2026-04-10 17:00"
        ),  # carried over
        rec("old-done", received="2026-03-02 09:00", end="2026-03-30 09:00"),  # finished before Q2
        rec("in", received="2026-04-06 09:00", due="2026-04-13 17:00", end="2026-04-08 09:00"),
        rec("later", received="2026-07-01 09:00", due="2026-07-08 17:00", end="2026-07-02 09:00"),
        rec("not-received", status=3, received=None, due=None, end=None),
        rec("new", status=1, received=None, due=None, end=None),
        period=q2,
    )
    assert c["dossier_on_time"] == (1, 2)  # old-open (overdue while open) and in
    assert c["online_dossier_share"][1] == 1  # received in Q2: only "in"
    assert c["avg_processing_days"] == (2, 1)  # completed in Q2: "in", 2 days


def test_avg_processing_days_exact_and_rounded():
    result = compute_metrics(
        frame(
            rec("a", received="2026-03-02 09:00", end="2026-03-03 21:00"),  # 1.5 days
            rec("b", received="2026-03-02 09:00", end="2026-03-05 09:00", status=9),  # 3 days
            rec(
                "c",
                received="2026-03-02 09:00",
                end="2026-03-07 09:00",
                supplement_requested_at="2026-03-03 09:00",
                supplement_completed_at="2026-03-05 09:00",
            ),  # 5 days − 2 waiting = 3 days
            rec("d", status=8, end="2026-03-20 09:00"),  # stopped: not completed
            rec("e", status=4, end=None),  # open
        ),
        PROCS,
        2026,
        AS_OF,
    )
    sel = result[result.metric == "avg_processing_days"].iloc[0]
    assert (sel.numerator, sel.denominator) == (8, 3)  # 7.5 days rounded to whole days
    assert sel.value == pytest.approx(2.5)


# -- online, payment, digitisation, satisfaction -------------------------------------------


def test_online_share_and_the_paper_result_rule():
    c = compute(
        rec("a", channel=2),
        rec("b", channel=2, proc="1.000002"),  # paper result, no e-result: not counted
        rec("c", channel=2, proc="1.000002", result_electronic="1"),
        rec("d", channel=1),
        rec("e", channel=3),
    )
    assert c["online_dossier_share"] == (2, 5)


def test_online_payment_obligation_from_record_amount_or_procedure():
    c = compute(
        rec("a", paid_online=1),  # procedure has fees
        rec("b"),  # procedure has fees, not paid online
        rec("c", proc="1.000002", fee_amount="20000", paid_online=2),  # amount > 0
        rec("d", proc="1.000002", fee_amount="0", paid_online=1),  # amount 0: no obligation
        rec("e", has_fee="0", paid_online=1),  # record says no fee, overrides the procedure
        rec("f", proc="1.000002", has_fee="1"),
    )
    assert c["payment_dossier_online"] == (2, 4)  # a, c paid / a, b, c, f


def test_result_electronic_digitised_and_flag_metrics_only_when_present():
    c = compute(
        rec("a", result_electronic="1", digitized="1", reused_data="1"),
        rec("b", result_electronic="0", digitized="0"),
        rec("c", proc="1.000003", result_electronic="1"),  # no result document
        rec("d", status=4, end=None, digitized="1"),  # open: not in 4.1
    )
    assert c["result_electronic"] == (1, 2)
    assert c["dossier_digitized"] == (2, 4)
    assert c["digitized_data_reused"] == (1, 4)
    assert "digitized_data_shared" not in c and "citizen_data_dossier" not in c
    assert "dossier_sync" not in c
    plain = compute(rec("a"))
    assert "result_electronic" not in plain and "dossier_digitized" not in plain


def test_satisfaction_subtracts_overdue_and_complaints_and_floors_at_zero():
    c = compute(
        rec("a", complaint="1"),
        rec("b", end="2026-03-20 09:00"),  # overdue
        rec("c", end="2026-03-20 09:00", complaint="1"),  # both: subtracted twice
        rec("d"),
    )
    assert c["dossier_satisfaction"] == (0, 4)  # 4 − 2 − 2 = 0
    c = compute(rec("a", complaint="1"), rec("b"), rec("c"), rec("d"))
    assert c["dossier_satisfaction"] == (3, 4)
    c = compute(*(rec(str(i), end="2026-03-20 09:00", complaint="1") for i in range(3)))
    assert c["dossier_satisfaction"] == (0, 3)  # floored, never negative


def test_zero_denominators_and_listed_units_without_dossiers():
    units = pd.DataFrame(
        {"unit_code": ["U1", "U2"], "unit_name": ["Một", "Hai"], "level": ["X", "X"]}
    )
    result = compute_metrics(
        frame(rec("a", status=3, received=None, due=None, end=None)),
        PROCS,
        2026,
        AS_OF,
        units=units,
    )
    for unit in ("U1", "U2"):
        c = counts_of(result, unit)
        assert all(den == 0 for _, den in c.values()), c
    scores = score_counts(result, load_default_catalogue())
    totals = scores[scores["item"] == "total"].set_index("unit_code")
    assert totals.loc["U2", "unit_name"] == "Hai"
    assert list(totals["score"]) == [0.0, 0.0]


def test_scoring_the_computed_counts():
    result = compute_metrics(
        frame(rec("a", channel=2, paid_online=1), rec("b", end="2026-03-20 09:00")),
        PROCS,
        2026,
        AS_OF,
    )
    s = score_counts(result, load_default_catalogue()).set_index("item")
    assert s.loc["dossier_on_time", "score"] == 10.0  # 20 × 1/2
    assert s.loc["online_dossier_share", "score"] == 6.0  # 50% = full at 0.5
    assert s.loc["payment_dossier_online", "score"] == 3.0
    assert s.loc["dossier_satisfaction", "score"] == pytest.approx(3.33)  # 6 × 0.5 / 0.9
    assert bool(s.loc["publish_on_time", "missing"])  # not from dossiers


# -- one implementation, several inputs ------------------------------------------------------


def test_parquet_store_and_dataframe_agree(tmp_path):
    records = [
        rec("a", channel=2, result_electronic="1", digitized="1"),
        rec("b", end="2026-03-20 09:00", unit="U2"),
        rec(
            "c", status=4, end=None, unit="U2", received="2026-05-04 08:00", due="2026-05-11 17:00"
        ),
        rec("d", due=None, end="2026-03-04 09:00"),
    ]
    valid = frame(*records)
    store = ParquetStore(tmp_path / "s")
    store.upsert(valid)
    from_df = compute_metrics(valid, PROCS, 2026, datetime(2026, 5, 20))
    from_store = compute_metrics(store, PROCS, 2026, datetime(2026, 5, 20))
    from_dir = compute_metrics(tmp_path / "s", PROCS, 2026, datetime(2026, 5, 20))
    pd.testing.assert_frame_equal(from_df, from_store)
    pd.testing.assert_frame_equal(from_df, from_dir)
    import duckdb

    relation = duckdb.connect().read_parquet(store.files())
    from_rel = compute_metrics(relation, PROCS, 2026, datetime(2026, 5, 20))
    pd.testing.assert_frame_equal(from_df, from_rel)
    assert counts_of(from_df, "U2")["dossier_on_time"] == (0, 2)
    raw = pd.DataFrame(
        {
            "MaHoSo": ["U1-260302-0001"],
            "TrangThaiHoSo": ["4"],
            "NgayTiepNhan": ["02/03/2026 09:00:00"],
        }
    )
    assert counts_of(compute_metrics(raw, PROCS, 2026, AS_OF))["dossier_on_time"] == (0, 1)


def test_sql_rules_agree_with_the_lifecycle_rules():
    cal = WorkCalendar.vietnam([2026, 2027], load_default_exceptions())
    proc = PROCS["1.000001"]
    day = datetime(2026, 3, 2, 9, 0)
    h = timedelta(hours=1)
    scenarios = [
        [],
        [Event("processed", day + 20 * h)],
        [Event("processed", day + 200 * h)],
        [
            Event("supplement_requested", day + 2 * h),
            Event("supplement_completed", day + 80 * h),
            Event("processed", day + 240 * h),
        ],
        [
            Event("supplement_requested", day + 2 * h),
            Event("supplement_completed", day + 80 * h),
            Event("processed", day + 400 * h),
        ],
        [Event("supplement_requested", day + 2 * h)],
        [
            Event("supplement_requested", day + 2 * h),
            Event("supplement_completed", day + 3 * h),
            Event("supplement_requested", day + 4 * h),
            Event("supplement_completed", day + 5 * h),
            Event("processed", day + 6 * h),
        ],
        [Event("withdrawn", day + 300 * h)],
        [Event("processed", day + 20 * h), Event("returned", day + 30 * h)],
        [Event("refused", day + 250 * h)],
    ]
    dossiers = []
    for k, events in enumerate(scenarios):
        d = receive(proc, cal, unit_code="U1", received_at=day, sequence=k + 1)
        if k == 2:
            d = reschedule(d, d.due_at + timedelta(days=10), "chờ", day + 24 * h)
        dossiers.append(apply_events(d, events))
    for as_of in (day + 100 * h, day + 500 * h, datetime(2026, 12, 31)):
        expected = sum(is_on_time(d, as_of) for d in dossiers)
        table = pd.DataFrame([to_record(d) for d in dossiers])
        got = counts_of(compute_metrics(table, PROCS, 2026, as_of))["dossier_on_time"]
        assert got == (expected, len(dossiers)), as_of


# -- counts from other sources ----------------------------------------------------------------


def test_counts_file_is_merged_and_conflicts_are_errors():
    valid = frame(rec("a"), rec("b", unit="U2"))
    extra = pd.DataFrame(
        {
            "unit_code": ["U1", "U2"],
            "unit_name": ["Sở A", "Sở B"],
            "level": ["PROVINCE", "PROVINCE"],
            "metric": ["1.1", "publish_on_time"],
            "numerator": ["3", "1"],
            "denominator": ["4", "1"],
        }
    )
    merged = compute_metrics(valid, PROCS, 2026, AS_OF, counts=extra)
    s = score_counts(merged, load_default_catalogue())
    got = s[s["item"] == "publish_on_time"].set_index("unit_code")["score"]
    assert list(got) == [4.5, 6.0]
    assert set(merged[merged.source == "dossiers"]["unit_name"]) == {"Sở A", "Sở B"}  # names filled
    clash = extra.assign(metric=["2.1", "1.1"])
    with pytest.raises(InputError) as err:
        compute_metrics(valid, PROCS, 2026, AS_OF, counts=clash, counts_source="extra.csv")
    assert str(err.value.problems[0]) == (
        "extra.csv: row 2: metric: dossier_on_time of unit U1 is computed from the dossiers; "
        "remove it from the counts file"
    )
    other = extra.assign(period=["2025", ""])
    with pytest.raises(InputError, match="row 2: period: 2025 is not the period computed"):
        compute_metrics(valid, PROCS, 2026, AS_OF, counts=other)


def test_period_labels_and_bounds():
    assert Period(2026).label == "2026" and Period(2026).end == datetime(2027, 1, 1)
    assert Period(2026, quarter=4).start == datetime(2026, 10, 1)
    assert Period(2026, month=12).end == datetime(2027, 1, 1)
    assert Period(2026, month=2).label == "2026-02"
    with pytest.raises(ValueError):
        Period(2026, quarter=1, month=1)
    result = compute_metrics(frame(rec("a")), PROCS, "2026-Q1", AS_OF)
    assert set(result["period"]) == {"2026-Q1"}


# -- a framework leaf fed by a metric --------------------------------------------------------


def test_framework_leaf_takes_its_value_from_a_metric():
    fw = Framework(
        id="t",
        name="t",
        version="1",
        unit_kind="department",
        max_points=2,
        classification=[Band("A", 0)],
        nodes=[
            Node(
                "5",
                "Một cửa",
                2,
                children=[
                    Node(
                        "5.1",
                        "Tỷ lệ hồ sơ đúng hạn",
                        1,
                        method="data",
                        rule={
                            "type": "bands",
                            "bands": [{"min": 1.0, "share": 1}, {"min": 0.95, "points": 0.5}],
                        },
                        scoring_text="100% hồ sơ đúng hạn: tối đa; 95–<100%: 0,5; <95%: 0",
                    ),
                    Node("5.2", "Khác", 1, method="appraisal", rule={"type": "manual"}),
                ],
            )
        ],
    )
    records = (
        [rec(f"A{i}", unit="A") for i in range(20)]  # 100%
        + [rec(f"B{i}", unit="B") for i in range(19)]
        + [rec("B19", unit="B", end="2026-03-20 09:00")]  # 95%
        + [rec(f"C{i}", unit="C") for i in range(18)]
        + [rec(f"C{i}", unit="C", end="2026-03-20 09:00") for i in (18, 19)]  # 90%
    )
    counts = compute_metrics(frame(*records), PROCS, 2026, AS_OF)
    inputs = framework_inputs_from_metrics(counts, {"5.1": "2.1"})
    assert list(inputs.columns) == ["unit_code", "criterion_code", "value", "track"]
    assert dict(zip(inputs.unit_code, inputs.value, strict=True)) == {"A": 1.0, "B": 0.95, "C": 0.9}
    assert set(inputs.track) == {"appraised"}
    manual = pd.DataFrame({"unit_code": ["A", "B", "C"], "criterion_code": "5.2", "value": "1"})
    result = score(fw, pd.concat([inputs, manual], ignore_index=True))
    points = result.detail[result.detail.node_code == "5.1"].set_index("unit_code")["points"]
    assert points.to_dict() == {"A": 1.0, "B": 0.5, "C": 0.0}
    # from the score table too, and a zero denominator follows the catalogue (0 for 2.1)
    scores = score_counts(counts, load_default_catalogue())
    again = framework_inputs_from_metrics(scores, {"5.1": "dossier_on_time"})
    assert list(again.value) == [1.0, 0.95, 0.9]
    empty = pd.DataFrame(
        {"unit_code": ["Z"], "metric": ["2.1"], "numerator": [0], "denominator": [0]}
    )
    assert list(framework_inputs_from_metrics(empty, {"5.1": "2.1"}).value) == [0.0]
    full = empty.assign(metric="5.2")
    assert list(framework_inputs_from_metrics(full, {"5.1": "5.2"}).value) == [1.0]
    with pytest.raises(InputError, match="unknown metric '9.9'"):
        framework_inputs_from_metrics(counts, {"5.1": "9.9"})


# -- real data: Phú Thọ 2026 ----------------------------------------------------------------

PHUTHO = "dvcqg_progress_phutho_2026.csv"
CAPTURED = datetime(2026, 9, 26, 12, 0)


def phutho() -> pd.DataFrame:
    try:
        text = resources.files("parindex.data.published").joinpath(PHUTHO).read_text("utf-8")
        from io import StringIO

        return pd.read_csv(StringIO(text), dtype={"unit_code": str})
    except (ModuleNotFoundError, FileNotFoundError):
        return pd.read_csv(
            Path(__file__).resolve().parents[3] / "shared" / "data" / PHUTHO,
            dtype={"unit_code": str},
        )


def synthetic_dossiers(official: pd.DataFrame) -> pd.DataFrame:
    """Dossiers reproducing each unit's received / on-time / overdue counts, through every
    rule: on time (some after excluding a supplement, some still open and not yet due) and
    overdue (finished late, open past due, two supplement requests). Every completed
    dossier takes exactly the unit's published mean processing time."""
    units = official[official.level != "PROVINCE_TOTAL"]
    n = units.total_received.to_numpy()
    k = units.total_on_time.to_numpy()
    unit = np.repeat(units.unit_code.to_numpy(dtype=object), n)
    within = np.concatenate([np.arange(x) for x in n])
    on_time = within < np.repeat(k, n)
    days = np.repeat(units.avg_processing_days.to_numpy(dtype=float), n)
    m = len(unit)
    rng = np.random.default_rng(7)
    start = np.datetime64("2026-01-05T08:00", "us")
    rec = start + (rng.integers(0, 200 * 24, size=m) * 3_600_000_000).astype("timedelta64[us]")
    took = (days * 86_400_000_000).astype(np.int64).astype("timedelta64[us]")
    hour = np.timedelta64(3_600_000_000, "us")
    wait = 2 * 24 * hour
    kind = np.where(on_time, within % 7, 10 + within % 3)
    zero = days == 0  # no processing time: a late dossier cannot be late by finishing
    kind = np.where(~on_time & zero & (kind == 10), 11, kind)

    status = np.full(m, 10, dtype=np.int64)
    end = rec + took
    due = end + 24 * hour
    sreq = np.full(m, np.datetime64("NaT"), dtype="datetime64[us]")
    sdone = sreq.copy()
    supp = np.zeros(m, dtype=np.int64)
    # on time, one supplement: raw end after the due date, on time once the wait is excluded
    s = kind == 1
    sreq[s], sdone[s] = rec[s] + hour, rec[s] + hour + wait
    end[s] = rec[s] + took[s] + wait
    due[s] = rec[s] + took[s] + hour
    supp[s] = 1
    # on time, still open, not yet due
    s = kind == 2
    status[s] = 4
    rec[s] = np.datetime64(CAPTURED, "us") - 24 * hour
    due[s] = np.datetime64(CAPTURED, "us") + 5 * 24 * hour
    # overdue: finished late
    s = kind == 10
    due[s] = rec[s] + took[s] / 2
    # overdue: open past the appointed date
    s = kind == 11
    status[s] = 4
    due[s] = np.datetime64(CAPTURED, "us") - 72 * hour
    rec[s] = np.minimum(rec[s], due[s] - hour)
    # overdue: two supplement requests, finished before the date
    s = kind == 12
    sreq[s], sdone[s] = rec[s] + hour, rec[s] + 2 * hour
    end[s] = rec[s] + took[s] + hour
    due[s] = end[s] + 24 * hour
    supp[s] = 2
    open_ = status == 4
    end[open_] = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "dossier_code": pd.Series(unit).astype(str) + "-" + pd.Series(np.arange(m)).astype(str),
            "unit_code": unit,
            "procedure_code": "1.000001",
            "status": status,
            "received_at": rec,
            "due_at": due,
            "processed_at": end,
            "returned_at": end,
            "supplement_requested_at": sreq,
            "supplement_completed_at": sdone,
            "supplement_count": supp,
        }
    )


def test_phutho_official_progress_scores_recomputed_from_dossiers():
    official = phutho()
    assert len(official) == 164
    dossiers = synthetic_dossiers(official)
    assert len(dossiers) == 597_918
    cat = load_default_catalogue()
    units = official[official.level != "PROVINCE_TOTAL"][["unit_code", "unit_name", "level"]]
    counts = compute_metrics(dossiers, PROCS, 2026, CAPTURED, units=units, catalogue=cat)
    province = compute_metrics(
        dossiers.assign(unit_code="H44"),
        PROCS,
        2026,
        CAPTURED,
        units=official.iloc[:1],
        catalogue=cat,
    )
    scores = score_counts(pd.concat([counts, province], ignore_index=True), cat)
    got = scores[scores["item"] == "dossier_on_time"].set_index("unit_code")
    mismatches = []
    for row in official.itertuples():
        mine = got.loc[row.unit_code]
        if (int(mine.numerator), int(mine.denominator)) != (row.total_on_time, row.total_received):
            mismatches.append((row.unit_code, "counts", mine.numerator, mine.denominator))
        if Decimal(f"{mine.score:.2f}") != Decimal(str(row.score)).quantize(Decimal("0.01")):
            mismatches.append((row.unit_code, "score", mine.score, row.score))
        ratio = 0.0 if pd.isna(mine.ratio_pct) else mine.ratio_pct
        if f"{ratio:.2f}" != f"{row.ratio_pct:.2f}":
            mismatches.append((row.unit_code, "ratio", ratio, row.ratio_pct))
    assert mismatches == []
    assert got.loc["H44", "score"] == 17.68 and got.loc["H44.163", "score"] == 19.13
    # 2.2: every completed dossier took the unit's published mean time
    mean = counts[counts.metric == "avg_processing_days"].set_index("unit_code")
    done = mean[mean.denominator > 0]
    published = official.set_index("unit_code").loc[done.index, "avg_processing_days"]
    assert np.allclose(done["value"].to_numpy(), published.to_numpy(), atol=1e-6)
