"""The campaign workflow rules (services.py): windows, exceptions, submission, appraisal,
explanations, rounds, reopening, publication, and the audit trail they leave."""

# ruff: noqa: F811 (pytest fixtures imported from test_campaigns_support)

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from test_campaigns_support import (  # noqa: F401 (fixtures)
    a1,
    a2,
    campaign,
    fill,
    framework,
    open_windows,
    people,
    submitted,
    today,
)

from parindex.errors import InputError
from parindex.web.campaigns import services
from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    ExplanationRequest,
    LeafValue,
    WindowException,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (outside a request the default language is vi)."""
    from django.utils import translation

    with translation.override("en"):
        yield


DAY = dt.timedelta(days=1)


def close_self_window(campaign, people, today):
    open_windows(campaign, people.admin, today, self_assessment=(today - 10 * DAY, today - DAY))


# --- windows and exceptions -------------------------------------------------------------------


def test_window_dates_are_inclusive(campaign, today, tree):
    open_windows(campaign, None, today, self_assessment=(today, today))
    assert services.window_open(campaign, "self_assessment", tree.d1, today)
    assert not services.window_open(campaign, "self_assessment", tree.d1, today + DAY)
    assert not services.window_open(campaign, "self_assessment", tree.d1, today - DAY)


def test_no_edit_and_no_submission_after_the_window(campaign, a1, people, today):
    fill(a1, people.reporter)
    close_self_window(campaign, people, today)
    with pytest.raises(services.WorkflowError, match="closed"):
        services.save_self_value(a1, "1.1.3", value="2", user=people.reporter)
    with pytest.raises(services.WorkflowError, match="closed"):
        services.submit(a1, people.head)
    a1.refresh_from_db()
    assert a1.status == Assessment.Status.IN_PROGRESS
    assert LeafValue.objects.get(assessment=a1, leaf_code="1.1.3").self_value == "1.5"


def test_an_exception_lets_one_unit_submit(campaign, a1, a2, people, today, tree):
    fill(a1, people.reporter)
    fill(a2, people.reporter2)
    close_self_window(campaign, people, today)
    with pytest.raises(services.WorkflowError):
        services.grant_exception(campaign, tree.d1, "self_assessment", today, "  ", people.admin)
    services.grant_exception(
        campaign, tree.d1, "self_assessment", today + DAY, "Sáp nhập đơn vị", people.admin
    )
    assert services.window_open(campaign, "self_assessment", tree.d1, today)
    assert not services.window_open(campaign, "self_assessment", tree.d2, today)
    services.submit(a1, people.head)
    with pytest.raises(services.WorkflowError):
        services.submit(a2, people.head2)
    assert Assessment.objects.get(pk=a1.pk).status == Assessment.Status.SUBMITTED
    assert Assessment.objects.get(pk=a2.pk).status == Assessment.Status.IN_PROGRESS
    # the exception ends on its last day
    assert not services.window_open(campaign, "self_assessment", tree.d1, today + 2 * DAY)
    record = WindowException.history.get()
    assert record.history_change_reason == "Sáp nhập đơn vị"


def test_an_exception_does_not_open_a_window_early(campaign, people, today, tree):
    open_windows(campaign, None, today, self_assessment=(today + 3 * DAY, today + 9 * DAY))
    services.grant_exception(campaign, tree.d1, "self_assessment", today + 20 * DAY, "x", None)
    assert not services.window_open(campaign, "self_assessment", tree.d1, today)
    assert services.window_open(campaign, "self_assessment", tree.d1, today + 15 * DAY)


def test_a_draft_campaign_cannot_be_edited(tree, people, framework, today):
    draft = services.create_campaign(
        name="Nháp", year=today.year, root_unit=tree.p, framework=framework, user=people.admin
    )
    open_windows(draft, people.admin, today)
    assessment = draft.assessments.get(unit=tree.d1)
    with pytest.raises(services.WorkflowError, match="not open"):
        services.save_self_value(assessment, "1.1.3", value="1", user=people.reporter)


# --- self-assessment and submission --------------------------------------------------------------


def test_values_are_checked_by_the_core_before_they_are_stored(a1, people):
    with pytest.raises(services.WorkflowError) as info:
        services.save_self_value(a1, "1.1.3", value="2.25", user=people.reporter)
    assert any("multiple of 0.5" in p for p in info.value.problems)
    with pytest.raises(services.WorkflowError):
        services.save_self_value(a1, "1.1.1", value="Không có nhãn này", user=people.reporter)
    with pytest.raises(services.WorkflowError, match="survey"):
        services.save_self_value(a1, "1.2.1", value="0.5", user=people.reporter)
    assert not LeafValue.objects.filter(assessment=a1).exists()
    services.save_self_value(a1, "1.1.3", value="1.5", user=people.reporter)
    a1.refresh_from_db()
    assert a1.status == Assessment.Status.IN_PROGRESS


def test_validate_submission_lists_every_leaf_to_fix(a1, people):
    problems = services.validate_submission(a1)
    assert {p.leaf_code for p in problems} == {"1.1.1", "1.1.2", "1.1.3", "2.1.1", "2.1.2", "2.1.3"}
    fill(a1, people.reporter, explanation="", skip={"2.1.2"})
    services.save_self_value(
        a1, "2.1.3", inputs={"on_time": "3"}, explanation="x", user=people.reporter
    )
    problems = {p.leaf_code: p.message for p in services.validate_submission(a1)}
    assert (
        "1.2.1" not in problems and "T1" not in problems and "P1" not in problems
    )  # survey, blocks
    assert "2.1.2" in problems  # missing
    assert "formula" in problems["2.1.3"]  # an input is missing
    assert "evidence" in problems["1.1.1"]  # points claimed, no evidence, no explanation
    # a value that slipped past the checks (e.g. written by another tool) is reported too
    LeafValue.objects.filter(assessment=a1, leaf_code="1.1.2").update(self_value="1.7")
    problems = {p.leaf_code: p.message for p in services.validate_submission(a1)}
    assert "outside 0–1" in problems["1.1.2"]


def test_not_applicable_leaves_need_no_value(a1, people):
    fill(a1, people.reporter, skip={"2.1.2"})
    services.save_self_value(a1, "2.1.2", not_applicable=True, explanation="", user=people.reporter)
    assert services.validate_submission(a1) == []


def test_only_a_complete_self_assessment_is_submitted_and_then_locked(a1, people):
    fill(a1, people.reporter, skip={"2.1.1"})
    with pytest.raises(services.WorkflowError) as info:
        services.submit(a1, people.head)
    assert info.value.problems
    fill(a1, people.reporter)
    services.submit(a1, people.head)
    a1.refresh_from_db()
    assert a1.status == Assessment.Status.SUBMITTED and a1.submitted_by == people.head
    with pytest.raises(services.WorkflowError, match="locked"):
        services.save_self_value(a1, "1.1.3", value="2", user=people.reporter)


# --- appraisal ----------------------------------------------------------------------------------


def test_no_appraisal_before_submission(a1, people):
    fill(a1, people.reporter)
    with pytest.raises(services.WorkflowError, match="not submitted"):
        services.set_appraised_value(a1, "1.1.3", value="1.5", user=people.appraiser)


def test_appraisal_only_in_an_appraisal_window(campaign, a1, people, today):
    submitted(a1, people)
    open_windows(campaign, None, today, appraisal_1=(today + DAY, today + 3 * DAY))
    with pytest.raises(services.WorkflowError, match="round 1"):
        services.set_appraised_value(a1, "1.1.3", value="1.5", user=people.appraiser)


def test_a_different_appraised_value_needs_a_reason(a1, people):
    submitted(a1, people)
    services.set_appraised_value(a1, "1.1.3", value="1,5", user=people.appraiser)  # same value
    with pytest.raises(services.WorkflowError, match="reason"):
        services.set_appraised_value(a1, "1.1.3", value="1", user=people.appraiser)
    with pytest.raises(services.WorkflowError, match="reason"):
        services.set_appraised_value(
            a1, "2.1.3", inputs={"on_time": "2", "required": "4"}, user=people.appraiser
        )
    with pytest.raises(services.WorkflowError, match="reason"):
        services.set_appraised_value(a1, "2.1.2", not_applicable=True, user=people.appraiser)
    lv = services.set_appraised_value(
        a1, "1.1.3", value="1", reason="Thiếu tài liệu kiểm chứng", user=people.appraiser
    )
    assert (lv.appraised_value, lv.appraisal_reason, lv.appraised_round) == (
        "1",
        "Thiếu tài liệu kiểm chứng",
        1,
    )
    assert lv.appraised_by == people.appraiser
    with pytest.raises(services.WorkflowError, match="survey"):
        services.set_appraised_value(a1, "1.2.1", value="0.5", reason="x", user=people.appraiser)


def test_accepting_keeps_the_self_value_without_a_reason(a1, people):
    submitted(a1, people)
    count = services.accept_self_values(a1, ["1.1.1", "2.1.3", "1.2.1"], user=people.appraiser)
    assert count == 2
    lv = LeafValue.objects.get(assessment=a1, leaf_code="2.1.3")
    assert lv.appraised_inputs == {"on_time": "3", "required": "4"} and lv.is_appraised


def test_explanations_in_round_1_answered_in_their_window(campaign, a1, people, today):
    submitted(a1, people)
    with pytest.raises(services.WorkflowError, match="deadline"):
        services.request_explanation(
            a1, "1.1.3", message="Bổ sung", deadline=None, user=people.appraiser
        )
    with pytest.raises(services.WorkflowError, match="past"):
        services.request_explanation(
            a1, "1.1.3", message="Bổ sung", deadline=today - DAY, user=people.appraiser
        )
    req = services.request_explanation(
        a1, "1.1.3", message="Bổ sung quyết định", deadline=today + DAY, user=people.appraiser
    )
    assert req.status == ExplanationRequest.Status.OPEN and req.round == 1
    # the explanation window closed: no answer
    open_windows(campaign, None, today, explanation=(today - 9 * DAY, today - 2 * DAY))
    req = ExplanationRequest.objects.select_related("leaf_value__assessment__campaign").get()
    with pytest.raises(services.WorkflowError, match="explanation window"):
        services.answer_explanation(req, text="Đã bổ sung", user=people.reporter)
    # open again: answered, but not after the request's own deadline
    open_windows(campaign, None, today)
    req = ExplanationRequest.objects.select_related("leaf_value__assessment__campaign").get()
    assert services.explanation_refusal(req, today + 2 * DAY) is not None
    services.answer_explanation(req, text="Đã bổ sung", user=people.reporter)
    req.refresh_from_db()
    assert req.status == ExplanationRequest.Status.ANSWERED and req.responded_by == people.reporter


def test_round_2_reappraises_and_takes_no_new_explanation_requests(campaign, a1, people, today):
    submitted(a1, people)
    services.request_explanation(
        a1, "1.1.3", message="?", deadline=today + DAY, user=people.appraiser
    )
    with pytest.raises(services.WorkflowError, match="round 2"):
        services.start_round_2(a1, people.appraiser)  # its window is not open yet
    open_windows(
        campaign,
        None,
        today,
        appraisal_1=(today - 9 * DAY, today - DAY),
        appraisal_2=(today, today + DAY),
    )
    a1 = Assessment.objects.select_related("campaign", "unit").get(pk=a1.pk)
    services.start_round_2(a1, people.appraiser)
    assert a1.round == 2
    assert ExplanationRequest.objects.get().status == ExplanationRequest.Status.CLOSED
    lv = services.set_appraised_value(
        a1, "1.1.3", value="1", reason="Sau giải trình", user=people.appraiser
    )
    assert lv.appraised_round == 2
    with pytest.raises(services.WorkflowError, match="round 1"):
        services.request_explanation(
            a1, "1.1.1", message="?", deadline=today + DAY, user=people.appraiser
        )


# --- finalise, reopen, publish --------------------------------------------------------------------


def test_reopen_requires_a_reason_and_is_recorded(campaign, a1, people, today):
    submitted(a1, people)
    with pytest.raises(services.WorkflowError, match="reason"):
        services.reopen(a1, reason=" ", user=people.admin)
    services.reopen(a1, reason="Đơn vị nộp nhầm", user=people.admin, until=today + 3 * DAY)
    a1.refresh_from_db()
    assert a1.status == Assessment.Status.IN_PROGRESS
    latest = a1.history.first()
    assert latest.history_change_reason == "Đơn vị nộp nhầm" and latest.history_user == people.admin
    assert WindowException.objects.get(unit=a1.unit).until == today + 3 * DAY
    services.save_self_value(a1, "1.1.3", value="2", explanation="x", user=people.reporter)


def test_finalise_reopen_and_publish(campaign, a1, a2, people):
    submitted(a1, people)
    with pytest.raises(services.WorkflowError):
        services.publish(campaign, people.admin)  # not finalised
    services.finalise(campaign, people.admin)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.FINALISED and campaign.finalised_by == people.admin
    assert set(campaign.assessments.values_list("status", flat=True)) == {"finalised"}
    # reopening a unit of a finalised campaign reopens the campaign
    services.reopen(Assessment.objects.get(pk=a1.pk), reason="Sai số liệu", user=people.admin)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN
    services.finalise(campaign, people.admin)
    services.publish(Campaign.objects.get(pk=campaign.pk), people.admin)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PUBLISHED and campaign.published_at
    with pytest.raises(services.WorkflowError, match="published"):
        services.reopen(Assessment.objects.get(pk=a1.pk), reason="x", user=people.admin)
    reasons = list(campaign.history.values_list("history_change_reason", flat=True))
    assert "results published" in reasons and "campaign finalised" in reasons


# --- audit ---------------------------------------------------------------------------------------


def test_every_change_is_in_the_audit_trail_with_from_to_and_why(a1, people):
    from parindex.web.campaigns.views.appraisal import audit_trail

    services.save_self_value(a1, "1.1.3", value="1", explanation="a", user=people.reporter)
    services.save_self_value(a1, "1.1.3", value="1.5", explanation="a", user=people.head)
    fill(a1, people.reporter)
    services.submit(a1, people.head)
    services.set_appraised_value(
        a1, "1.1.3", value="0.5", reason="Không có văn bản", user=people.appraiser
    )
    records = LeafValue.history.filter(assessment_id=a1.pk, leaf_code="1.1.3").order_by(
        "history_date"
    )
    assert [r.self_value for r in records][:2] == ["1", "1.5"]
    assert records.last().history_change_reason == "Không có văn bản"
    assert records.last().history_user == people.appraiser
    changes = [c for c in audit_trail(a1) if c.what == "1.1.3"]
    appraised = next(c for c in changes if c.field == "appraised value")
    assert (appraised.before, appraised.why) == ("—", "Không có văn bản")
    assert "0,5" in appraised.after or "0.5" in appraised.after
    self_change = next(c for c in changes if c.field == "self-assessed value" and c.before != "—")
    assert self_change.who == people.head
    status = [c for c in audit_trail(a1) if c.field == "status"]
    assert any(c.why == "submitted by the head of unit" for c in status)


def test_changed_since_submission_counts_leaves(a1, a2, people):
    submitted(a1, people)
    assert services.changed_since_submission([a1, a2]) == {}
    services.set_appraised_value(a1, "1.1.3", value="1", reason="r", user=people.appraiser)
    services.set_appraised_value(a1, "1.1.3", value="0.5", reason="r", user=people.appraiser)
    services.accept_self_values(a1, ["1.1.1"], user=people.appraiser)
    assert services.changed_since_submission([a1, a2]) == {a1.pk: 2}


# --- scope and survey ----------------------------------------------------------------------------


def test_scope_is_the_units_of_the_framework_kind_under_the_root(campaign, tree, people):
    assert set(campaign.assessments.values_list("unit__code", flat=True)) == {"D1", "D2"}
    with pytest.raises(services.WorkflowError):
        services.set_scope(campaign, [tree.d1, tree.x1], people.admin)  # a commune
    services.save_self_value(
        campaign.assessments.get(unit=tree.d2), "1.1.3", value="1", user=people.reporter2
    )
    with pytest.raises(services.WorkflowError, match="values"):
        services.set_scope(campaign, [tree.d1], people.admin)


def test_survey_values_are_checked_then_imported(campaign, a1, people):
    bad = pd.DataFrame(
        {
            "unit_code": ["D1", "ZZ", "D1", "D2"],
            "criterion_code": ["1.2.1", "1.2.1", "1.1.1", "1.2.1"],
            "value": ["0,85", "0.5", "0.5", "1.5"],
        }
    )
    with pytest.raises(InputError) as info:
        services.import_survey_values(campaign, bad, source="ks.csv", user=people.admin)
    where = {(p.location, p.field) for p in info.value.problems}
    assert where == {("row 3", "unit_code"), ("row 4", "criterion_code"), ("row 5", "value")}
    assert not LeafValue.objects.exists()
    good = bad.iloc[[0]]
    assert services.import_survey_values(campaign, good, source="ks.csv", user=people.admin) == 1
    lv = LeafValue.objects.get(assessment=a1, leaf_code="1.2.1")
    assert lv.appraised_value == "0.85" and lv.is_appraised
    assert lv.history.first().history_change_reason == "survey values imported: ks.csv"
    scores = services.unit_scores(a1)
    assert scores.leaf_points["self"]["1.2.1"] == pytest.approx(3.4)  # 4 × 0.85, both tracks
