"""/results/: published campaigns only, no sign-in, nothing but published results."""

# ruff: noqa: F811 (pytest fixtures imported from test_results_support)

from __future__ import annotations

import pytest
from test_results_support import (  # noqa: F401 (fixtures)
    SECRET_EVIDENCE,
    SECRET_REASON,
    build_campaign,
    campaigns,
    client_for,
    people,
    publish,
    rows_of,
    units,
)

pytestmark = pytest.mark.django_db


def test_list_shows_only_published_campaigns(campaigns, people, tree):
    draft = build_campaign(2022, tree.p, people.admin, status="draft")
    response = client_for().get("/results/")
    assert response.status_code == 200
    shown = [c.pk for c in response.context["campaigns"]]
    assert shown == [campaigns.c2024.pk, campaigns.c2023.pk]  # 2025 is finalised only
    assert campaigns.c2025.pk not in shown and draft.pk not in shown


def test_unpublished_campaigns_are_404_everywhere(campaigns, people, tree, units):
    draft = build_campaign(2022, tree.p, people.admin, status="draft")
    running = build_campaign(2026, tree.p, people.admin, status="open", values={
        code: (1, 1, 1, 1) for code in ("D1", "D2", "D3", "D4", "D5", "B1")
    })  # fmt: skip
    client = client_for()
    for campaign in (draft, running, campaigns.c2025):
        for path in ("/", "/ranking.xlsx", "/ranking.pdf", f"/units/{units.d1.pk}/"):
            assert client.get(f"/results/{campaign.pk}{path}").status_code == 404, (campaign, path)
    assert client.get("/results/999999/").status_code == 404


def test_public_ranking_and_profile(campaigns, people, units):
    client = client_for()
    response = client.get(f"/results/{campaigns.c2024.pk}/")
    assert response.status_code == 200
    shown = sorted(code for _g, codes in rows_of(response) for code in codes)
    assert shown == ["B1", "D1", "D2", "D3", "D4", "D6", "D7"]
    links = {r["unit_code"]: r["url"] for g in response.context["groups"] for r in g["rows"]}
    assert links["D1"] == f"/results/{campaigns.c2024.pk}/units/{units.d1.pk}/"
    html = response.content.decode()
    assert "/rankings/" not in html.split("<main", 1)[1]  # no link into the signed-in pages
    profile = client.get(links["D1"])
    assert profile.status_code == 200
    assert profile.context["public"] and profile.context["profile"].self_total is None
    # a unit that is not in this campaign
    assert client.get(f"/results/{campaigns.c2024.pk}/units/{units.d5.pk}/").status_code == 404


def test_public_pages_hold_no_self_assessment_evidence_or_appraisal(campaigns, people, units):
    from parindex.web.campaigns.models import Evidence, LeafValue

    c2025 = publish(campaigns.c2025, people.admin)
    leaf = LeafValue.objects.get(
        assessment__campaign=c2025, assessment__unit=units.d1, leaf_code="1.1"
    )
    leaf.appraisal_reason = SECRET_REASON
    leaf.explanation = SECRET_REASON + "-EXPLANATION"
    leaf.save()
    Evidence.objects.create(
        leaf_value=leaf, kind="citation", doc_number=SECRET_EVIDENCE, title=SECRET_EVIDENCE
    )
    client = client_for()
    pages = [
        client.get(f"/results/{c2025.pk}/"),
        client.get(f"/results/{c2025.pk}/units/{units.d1.pk}/"),
        client.get(f"/results/{c2025.pk}/ranking.xlsx"),
    ]
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode("utf-8", errors="ignore")
        assert SECRET_REASON not in body and SECRET_EVIDENCE not in body
    profile_html = pages[1].content.decode()
    assert "Tự đánh giá và thẩm định" not in profile_html  # the self vs appraised section
    assert "Điểm tự đánh giá" not in profile_html
    assert "score-sheet" not in profile_html  # no score sheet (it has the self-assessment)
    assert "87,50" in profile_html  # the published index
    # the signed-in profile of the same unit does have the self-assessment
    private = client_for(people.viewer).get(f"/rankings/{c2025.pk}/units/{units.d1.pk}/")
    assert "Tự đánh giá và thẩm định" in private.content.decode()


def test_public_profile_follows_only_published_campaigns(campaigns, people, units):
    from parindex.web.campaigns.models import Campaign

    c2025 = publish(campaigns.c2025, people.admin)
    Campaign.objects.filter(pk=campaigns.c2023.pk).update(status=Campaign.Status.FINALISED)
    profile = client_for().get(f"/results/{c2025.pk}/units/{units.d5.pk}/").context["profile"]
    assert [(p.year, p.merged) for p in profile.yoy] == [(2024, True), (2025, False)]


def test_public_pages_need_no_sign_in_and_are_linked(campaigns):
    response = client_for().get("/results/")
    assert response.status_code == 200
    assert f'href="/results/{campaigns.c2024.pk}/"' in response.content.decode()
