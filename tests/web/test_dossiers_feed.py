"""A campaign leaf valued from a service-index metric computed from the dossier store:
preview equals compute_metrics, apply writes the appraised track with the history reason
"from dossier data", only campaign administrators of the root may do it."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import PASSWORD
from test_dossiers_support import *  # noqa: F403
from test_dossiers_support import YEAR

from parindex.dossiers import compute_metrics
from parindex.web.dossiers import services

pytestmark = pytest.mark.django_db

FRAMEWORK = """
id: test-dossier-feed
name: Test framework
version: "1"
unit_kind: department
max_points: 3
nodes:
  - code: "1"
    name: Dossiers
    max_points: 3
    children:
      - code: "1.1"
        name: On time (formula)
        max_points: 1
        rule: {type: formula, inputs: [on_time, received], expr: "on_time / received * max_points"}
      - code: "1.2"
        name: On time (linear)
        max_points: 1
        rule: {type: linear, target: 1}
      - code: "1.3"
        name: Manual
        max_points: 1
        rule: {type: manual}
"""


@pytest.fixture
def campaign(tree, make_user, dossier_store):
    from parindex.framework import load_yaml_text
    from parindex.web.campaigns import services as campaigns

    admin = make_user("cadmin", "campaign_admin", tree.p)
    c = campaigns.create_campaign(
        name="CCHC", year=YEAR, root_unit=tree.p,
        framework=load_yaml_text(FRAMEWORK, "test"), user=admin,
    )  # fmt: skip
    campaigns.open_campaign(c, admin)
    c.admin = admin
    return c


def _expected(tree, store):
    units = services.units_frame(tree.p, date(YEAR, 12, 31))
    counts = compute_metrics(store, None, YEAR, units=units)
    sel = counts[counts["metric"] == "dossier_on_time"].set_index("unit_code")
    return {
        u: (float(sel.loc[u, "numerator"]), float(sel.loc[u, "denominator"])) for u in sel.index
    }


def test_preview_equals_compute_metrics(client, tree, campaign, dossier_store):
    assert client.login(username="cadmin", password=PASSWORD)
    url = f"/dossiers/campaigns/{campaign.pk}/feed/"
    response = client.get(url, {"leaf": "1.2", "metric": "dossier_on_time"})
    assert response.status_code == 200, response.content[:500]
    plan = response.context["plan"]
    expected = _expected(tree, dossier_store)
    rows = {r.unit.code: r for r in plan.rows}
    assert set(rows) == {"D1", "D2"}
    for code, row in rows.items():
        num, den = expected[code]
        assert (row.numerator, row.denominator) == (num, den) and den > 0
        assert row.ratio == pytest.approx(num / den)
        assert float(row.value) == pytest.approx(num / den, abs=1e-6)
    assert rows["D1"].ratio < rows["D2"].ratio  # D1 is late more often


def test_apply_writes_values_with_the_reason(client, tree, campaign, dossier_store):
    from parindex.web.campaigns.models import LeafValue
    from parindex.web.campaigns.services import SYSTEM_REASONS
    from parindex.web.dossiers.feed import REASON_FROM_DOSSIERS

    assert REASON_FROM_DOSSIERS in SYSTEM_REASONS
    assert client.login(username="cadmin", password=PASSWORD)
    url = f"/dossiers/campaigns/{campaign.pk}/feed/"
    expected = _expected(tree, dossier_store)
    for leaf in ("1.1", "1.2"):
        response = client.post(url, {"leaf": leaf, "metric": "dossier_on_time"})
        assert response.status_code == 302
    values = {
        (lv.assessment.unit.code, lv.leaf_code): lv
        for lv in LeafValue.objects.filter(assessment__campaign=campaign)
    }
    for code in ("D1", "D2"):
        num, den = expected[code]
        ratio = values[(code, "1.2")]
        assert float(ratio.appraised_value) == pytest.approx(num / den, abs=1e-6)
        inputs = values[(code, "1.1")].appraised_inputs
        assert float(inputs["on_time"]) == num and float(inputs["received"]) == den
        assert ratio.history.first().history_change_reason == "from dossier data"
        assert ratio.appraised_by == campaign.admin
    # applying again writes nothing new
    from parindex.web.dossiers import feed

    assert feed.plan_feed(campaign, "1.2", "dossier_on_time").to_write == []


def test_refusals(client, tree, make_user, campaign, dossier_store):
    make_user("rep", "reporter", tree.p)
    assert client.login(username="rep", password=PASSWORD)
    url = f"/dossiers/campaigns/{campaign.pk}/feed/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"leaf": "1.2", "metric": "dossier_on_time"}).status_code == 403
    client.logout()
    assert client.login(username="cadmin", password=PASSWORD)
    manual = client.get(url, {"leaf": "1.3", "metric": "dossier_on_time"})
    assert manual.status_code == 200 and manual.context["plan"] is None
