"""Survey reports in the web application: the estimates kept when a survey feeds a
campaign (shown on the results unit profile) and the answer distribution page."""

# ruff: noqa: F811 (pytest fixtures imported from the support modules)
from __future__ import annotations

import io

import pandas as pd
import pytest
from django.urls import reverse
from test_results_support import build_campaign, units  # noqa: F401 (fixture)
from test_surveys_support import (  # noqa: F401 (fixtures)
    export_for,
    people,
    sampled,
    signed_in,
    survey,
)

from parindex.survey import answer_distribution
from parindex.web.surveys import services
from parindex.web.surveys.models import CampaignSurveyEstimate


def _import_all(sampled):
    households = list(sampled.households.all())
    services.import_export(sampled, export_for(households), "odk", "odk.csv")


def _commune_campaign(tree, user):
    from parindex.framework.builtin import load_builtin
    from parindex.web.campaigns import services as campaigns

    return campaigns.create_campaign(
        name="CCHC xã 2026",
        year=2026,
        root_unit=tree.p,
        framework=load_builtin("example-commune-2025"),
        user=user,
    )


def test_feed_keeps_the_estimates_and_replaces_them(client, tree, sampled, people):
    _import_all(sampled)
    campaign = _commune_campaign(tree, people.admin)
    signed_in(client, people.admin)
    url = reverse("surveys:feed", args=[sampled.pk])
    assert client.post(url, {"campaign": campaign.pk}).status_code == 302
    est = services.survey_estimates(sampled)
    rows = {r.element: r for r in CampaignSurveyEstimate.objects.filter(campaign=campaign)}
    assert rows and {r.unit.code for r in rows.values()} == {"X1"}
    access = est[(est.unit_code == "X1") & (est.element == "access")].iloc[0]
    kept = rows["access"]
    assert kept.estimate_pct == pytest.approx(access["estimate_pct"])
    assert kept.ci_low_pct == pytest.approx(access["ci_low_pct"])
    assert kept.ci_high_pct == pytest.approx(access["ci_high_pct"])
    assert kept.se_pct == pytest.approx(access["se_pct"])
    assert kept.n == int(access["n"]) and kept.survey == sampled
    assert "8.1.1" in kept.leaf_codes
    fed = sorted(c for r in rows.values() for c in r.leaf_codes)
    assert fed == ["8.1.1", "8.1.2", "8.1.3", "8.1.4", "8.2.1", "8.2.2"]
    # feeding again replaces the rows instead of adding to them
    client.post(url, {"campaign": campaign.pk})
    assert CampaignSurveyEstimate.objects.filter(campaign=campaign).count() == len(rows)


def test_profile_shows_the_survey_part_with_its_interval(client, tree, units, sampled, people):
    campaign = build_campaign(2025, tree.p, people.admin, status="published")
    url = reverse("results:profile", args=[campaign.pk, tree.d1.pk])
    public_url = reverse("public_results:profile", args=[campaign.pk, tree.d1.pk])
    signed_in(client, people.admin)
    assert "Khảo sát (ĐTXHH/SIPAS)" not in client.get(url).content.decode()
    CampaignSurveyEstimate.objects.create(
        campaign=campaign,
        unit=tree.d1,
        survey=sampled,
        element="access",
        element_name="Tiếp cận dịch vụ",
        leaf_codes=["1.1"],
        estimate_pct=82.4,
        ci_low_pct=79.1,
        ci_high_pct=85.7,
        se_pct=1.68,
        n=120,
    )
    for page_url in (url, public_url):
        html = client.get(page_url).content.decode()
        assert "Khảo sát (ĐTXHH/SIPAS)" in html
        assert "82,40% (79,10–85,70)" in html
        assert "Tiếp cận dịch vụ" in html and "<code>1.1</code>: " in html
    # another unit of the campaign has no survey rows: no section
    other = reverse("results:profile", args=[campaign.pk, tree.d2.pk])
    assert "Khảo sát (ĐTXHH/SIPAS)" not in client.get(other).content.decode()


def test_distribution_page_equals_the_core_distribution(client, sampled, people):
    _import_all(sampled)
    frame = services.responses_frame(sampled)
    instrument = services.survey_instrument(sampled)
    signed_in(client, people.admin)
    for unit_code, rows in (("", frame), ("X1", frame[frame.unit_code == "X1"])):
        expected = answer_distribution(rows, instrument, "weight")
        r = client.get(reverse("surveys:distribution", args=[sampled.pk]), {"unit": unit_code})
        assert r.status_code == 200
        shown = [
            (q["question"], a["answer"], a["count"], a["share"])
            for q in r.context["questions"]
            for a in q["answers"]
        ]
        assert len(shown) == len(expected) > 0
        for got, exp in zip(shown, expected.to_dict("records"), strict=True):
            assert got[:3] == (exp["question"], exp["answer"], exp["count"])
            assert got[3] == pytest.approx(exp["share_pct"], nan_ok=True)
        x = client.get(reverse("surveys:distribution_xlsx", args=[sampled.pk]), {"unit": unit_code})
        assert x.status_code == 200 and x.content[:2] == b"PK"
        table = pd.read_excel(io.BytesIO(x.content))
        assert len(table) == len(expected)
        assert table["Tỷ lệ (%)"].tolist() == pytest.approx(
            expected["share_pct"].tolist(), nan_ok=True
        )


@pytest.mark.parametrize("name", ["distribution", "distribution_xlsx"])
def test_distribution_is_refused_to_a_reporter(client, sampled, people, name):
    signed_in(client, people.reporter)
    assert client.get(reverse(f"surveys:{name}", args=[sampled.pk])).status_code == 403
    signed_in(client, people.admin_q)
    assert client.get(reverse(f"surveys:{name}", args=[sampled.pk])).status_code == 403
