"""The on-time figures as values of a campaign's reporting leaf: formula inputs, a ratio for
bands/linear leaves, a count for deductions — written into the appraised track with the
history reason "from periodic reports", shown before they are applied."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.web.accounts.models import Role

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date
PASSWORD = "a-long-test-password"
NOW = dt.datetime(2026, 2, 1, 9, 0, tzinfo=VN)  # every 2025 deadline is over

FRAMEWORK = """
id: test-reports
name: Test framework
version: "1"
unit_kind: commune
max_points: 5
nodes:
  - code: "1"
    name: Reporting
    max_points: 5
    children:
      - code: "1.1"
        name: Reports sent on time
        max_points: 1
        rule: {type: formula, inputs: [on_time, required], expr: "min(1, on_time / required) * max_points"}
      - code: "1.2"
        name: On-time rate in bands
        max_points: 1
        rule:
          type: bands
          bands: [{min: 1, points: 1}, {min: 0.75, points: 0.5}, {min: 0, points: 0}]
      - code: "1.3"
        name: Late or missing reports
        max_points: 1
        rule: {type: deduction, per: 0.25}
      - code: "1.4"
        name: Manual
        max_points: 1
        rule: {type: manual}
      - code: "1.5"
        name: Odd formula
        max_points: 1
        rule: {type: formula, inputs: [plans, done], expr: "done / plans * max_points"}
"""


def pdf():
    return SimpleUploadedFile("r.pdf", b"%PDF-1.4\n%%EOF\n")


@pytest.fixture
def world(db, tree, make_user, settings, tmp_path):
    from parindex.framework import load_yaml_text
    from parindex.web.campaigns import services as campaigns
    from parindex.web.reports import services
    from parindex.web.reports.models import ReportType
    from parindex.web.units.models import Unit

    settings.MEDIA_ROOT = str(tmp_path / "media")
    x2 = Unit.objects.create(code="X2", name="Xã Hai", kind="commune", parent=tree.p,
                             valid_from=D(2020, 1, 1))  # fmt: skip
    # X3 exists only from 1/7/2025: it had to send only the reports due after that
    x3 = Unit.objects.create(code="X3", name="Xã Ba", kind="commune", parent=tree.p,
                             valid_from=D(2025, 7, 1))  # fmt: skip
    admin = make_user("admin", Role.CAMPAIGN_ADMIN, tree.p)
    reporter = make_user("rep", Role.REPORTER, tree.p)
    campaign = campaigns.create_campaign(
        name="CCHC 2025", year=2025, root_unit=tree.p,
        framework=load_yaml_text(FRAMEWORK, "test"), user=admin,
    )  # fmt: skip
    quarterly = ReportType(root_unit=tree.p, name="Quý", unit_kind="commune",
                           period_kind="quarter", due_day=10, due_months_after=1)  # fmt: skip
    services.save_type(quarterly, admin)
    services.generate_periods(quarterly, 2025, admin)
    periods = {p.number: p for p in quarterly.periods.all()}
    # due 10/4, 10/7, 10/10, 10/1/2026
    # X1: 4 on time; X2: 2 on time, 1 late, 1 missing; X3: Q3 late, Q4 missing (Q1: not due for it)

    def send(period, unit, moment):
        services.add_files(period, unit, {"": pdf()}, user=reporter, now=moment)

    for number in (1, 2, 3, 4):
        send(
            periods[number],
            tree.x1,
            dt.datetime.combine(periods[number].due_on, dt.time(23, 59), tzinfo=VN),
        )
    send(periods[1], x2, dt.datetime(2025, 4, 1, 9, 0, tzinfo=VN))
    send(periods[2], x2, dt.datetime(2025, 7, 10, 8, 0, tzinfo=VN))
    send(periods[3], x2, dt.datetime(2025, 10, 11, 0, 0, tzinfo=VN))  # late by a minute
    send(periods[3], x3, dt.datetime(2025, 10, 20, 8, 0, tzinfo=VN))
    return SimpleNamespace(tree=tree, x2=x2, x3=x3, admin=admin, campaign=campaign,
                           quarterly=quarterly, periods=periods)  # fmt: skip


def test_counts_per_unit(world):
    from parindex.web.reports import services

    plan = services.plan_feed(world.campaign, "1.1", now=NOW)
    counts = {r.unit.code: r.counts for r in plan.rows}
    assert set(counts) == {"X1", "X2", "X3"}
    assert (counts["X1"].on_time, counts["X1"].required) == (4, 4)
    assert (counts["X2"].on_time, counts["X2"].late, counts["X2"].missing) == (2, 1, 1)
    # X3 began on 1/7/2025: Q2 (due 10/7) onwards
    assert (
        counts["X3"].required,
        counts["X3"].on_time,
        counts["X3"].late,
        counts["X3"].missing,
    ) == (3, 0, 1, 2)
    assert plan.not_yet_due == 0
    # in the middle of the year only what is due counts
    mid = services.plan_feed(world.campaign, "1.1", now=dt.datetime(2025, 8, 1, tzinfo=VN))
    assert mid.not_yet_due == 2
    assert {r.unit.code: r.counts.required for r in mid.rows} == {"X1": 2, "X2": 2, "X3": 1}


def test_formula_leaf_gets_its_inputs_with_history_reason(world):
    from parindex.web.campaigns.models import LeafValue
    from parindex.web.reports import services

    plan = services.plan_feed(world.campaign, "1.1", now=NOW)
    assert {r.unit.code: r.inputs for r in plan.rows} == {
        "X1": {"on_time": "4", "required": "4"},
        "X2": {"on_time": "2", "required": "4"},
        "X3": {"on_time": "0", "required": "3"},
    }
    assert plan.problems == []
    written = services.apply_feed(world.campaign, "1.1", user=world.admin, now=NOW)
    assert written == 3
    lv = LeafValue.objects.get(assessment__unit=world.x2, leaf_code="1.1")
    assert lv.appraised_inputs == {"on_time": "2", "required": "4"}
    assert lv.appraised_at is not None and lv.appraised_by == world.admin
    assert lv.self_value == "" and lv.self_inputs == {}  # the self track is untouched
    record = lv.history.first()
    assert record.history_change_reason == "from periodic reports"
    assert record.history_user == world.admin
    assert "2/4" in lv.appraisal_reason  # "Từ báo cáo định kỳ: 2/4 báo cáo đúng hạn, ..."
    # the same figures again: nothing written, no new history
    assert services.apply_feed(world.campaign, "1.1", user=world.admin, now=NOW) == 0
    assert lv.history.count() == 1
    # the core scores it: X2 gets 2/4 of a point
    from parindex.web.campaigns.services import unit_scores

    assessment = lv.assessment
    assessment.status = assessment.Status.SUBMITTED
    assessment.save()
    assert unit_scores(assessment).leaf_points["appraised"]["1.1"] == pytest.approx(0.5)


def test_bands_leaf_gets_the_ratio(world):
    from parindex.web.campaigns.models import LeafValue
    from parindex.web.reports import services

    services.apply_feed(world.campaign, "1.2", user=world.admin, now=NOW)
    values = dict(
        LeafValue.objects.filter(leaf_code="1.2").values_list(
            "assessment__unit__code", "appraised_value"
        )
    )
    assert values == {"X1": "1", "X2": "0.5", "X3": "0"}
    assert all(
        h.history_change_reason == "from periodic reports"
        for h in LeafValue.history.filter(leaf_code="1.2")
    )


def test_deduction_leaf_gets_late_plus_missing(world):
    from parindex.web.campaigns.models import LeafValue
    from parindex.web.reports import services

    # an appraiser's earlier value is replaced, and the change is in the history
    lv = LeafValue.objects.create(
        assessment=world.campaign.assessments.get(unit=world.x2), leaf_code="1.3",
        appraised_value="0", appraised_at=dt.datetime(2025, 12, 1, tzinfo=VN),
    )  # fmt: skip
    services.apply_feed(world.campaign, "1.3", user=world.admin, now=NOW)
    values = dict(
        LeafValue.objects.filter(leaf_code="1.3").values_list(
            "assessment__unit__code", "appraised_value"
        )
    )
    assert values == {"X1": "0", "X2": "2", "X3": "3"}
    lv.refresh_from_db()
    assert [h.appraised_value for h in lv.history.order_by("history_date")] == ["0", "2"]
    assert lv.history.first().history_change_reason == "from periodic reports"


def test_refused_for_other_leaves_and_finalised_campaigns(world):
    from parindex.web.campaigns.models import Campaign
    from parindex.web.reports import services

    with pytest.raises(services.ReportError):
        services.plan_feed(world.campaign, "1.4", now=NOW)  # manual
    with pytest.raises(services.ReportError, match="plans"):
        services.plan_feed(world.campaign, "1.5", now=NOW)  # inputs the reports do not give
    with pytest.raises(services.ReportError):
        services.plan_feed(world.campaign, "9.9", now=NOW)
    Campaign.objects.filter(pk=world.campaign.pk).update(status=Campaign.Status.FINALISED)
    world.campaign.refresh_from_db()
    with pytest.raises(services.ReportError):
        services.apply_feed(world.campaign, "1.1", user=world.admin, now=NOW)


def test_units_without_a_due_report_are_left_alone(world):
    from parindex.web.campaigns.models import LeafValue
    from parindex.web.reports import services

    early = dt.datetime(2025, 5, 1, tzinfo=VN)  # only Q1 due; X3 did not exist yet
    plan = services.plan_feed(world.campaign, "1.1", now=early)
    skipped = {r.unit.code for r in plan.rows if r.skip}
    assert skipped == {"X3"}
    services.apply_feed(world.campaign, "1.1", user=world.admin, now=early)
    assert not LeafValue.objects.filter(assessment__unit=world.x3, leaf_code="1.1").exists()


def test_feed_page_shows_figures_then_applies(client, world, make_user, monkeypatch):
    from parindex.web.campaigns.models import LeafValue

    monkeypatch.setattr("parindex.web.reports.services._now", lambda: NOW)
    url = reverse("reports:feed", args=[world.campaign.pk])
    make_user("viewer", Role.VIEWER, world.tree.p)
    assert client.login(username="viewer", password=PASSWORD)
    assert client.get(url).status_code == 403
    assert client.post(url, {"leaf": "1.1"}).status_code == 403
    assert client.login(username="admin", password=PASSWORD)
    page = client.get(url)  # the formula leaf with on_time/required is suggested
    html = page.content.decode()
    assert page.status_code == 200
    assert "Reports sent on time" in html and "on_time = 2; required = 4" in html
    assert not LeafValue.objects.exists()  # showing writes nothing
    response = client.post(url, {"leaf": "1.1"})
    assert response.status_code == 302
    assert LeafValue.objects.filter(leaf_code="1.1").count() == 3
    html = client.get(url, {"leaf": "1.3"}).content.decode()
    assert "Xã Hai" in html
