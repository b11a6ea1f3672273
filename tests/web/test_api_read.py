"""Read endpoints: who sees which campaigns, results, score details, units and drafts.

The rule throughout (documented in parindex/web/api/access.py): 404 when the campaign,
the unit (by code, in that campaign) or the criterion does not exist; 401 when it is not
public and there are no credentials; 403 when it exists but the caller's roles do not
cover it. Published campaigns, their units, results and score details are public.
"""

from __future__ import annotations

import pytest
from test_api_support import *  # noqa: F403
from test_api_support import call, token_for

pytestmark = pytest.mark.django_db


def _names(body):
    return sorted(c["name"] for c in body)


def test_anonymous_sees_only_published_campaigns(campaigns, client):
    status, body = call(client, "GET", "/api/campaigns")
    assert status == 200
    assert _names(body) == ["Published"]
    only = body[0]
    assert only["framework_id"] == "api-test" and only["framework_version"] == "1.0"
    assert only["units_in_scope"] == 2 and only["has_results"] is True
    for campaign in (campaigns.open, campaigns.finalised):
        status, _body = call(client, "GET", f"/api/campaigns/{campaign.pk}")
        assert status == 401


@pytest.mark.parametrize(
    "who, expected",
    [
        ("viewer_p", ["Final", "Open campaign", "Published"]),
        ("reporter_a", ["Final", "Open campaign", "Published"]),  # D1 is in all three
        ("outsider", ["Published"]),  # roles on province Q only
        ("nobody", ["Published"]),  # no role at all
    ],
)
def test_signed_in_users_see_the_campaigns_of_their_units(campaigns, people, client, who, expected):
    key = token_for(getattr(people, who))
    status, body = call(client, "GET", "/api/campaigns", token=key)
    assert status == 200 and _names(body) == expected


def test_campaign_detail_has_windows_and_fields(campaigns, people, client):
    key = token_for(people.reporter_a)
    status, body = call(client, "GET", f"/api/campaigns/{campaigns.open.pk}", token=key)
    assert status == 200
    assert [w["kind"] for w in body["windows"]] == ["self_assessment"]
    assert [f["code"] for f in body["fields"]] == ["1", "2"]
    assert call(client, "GET", "/api/campaigns/999999", token=key)[0] == 404
    outsider = token_for(people.outsider)
    assert call(client, "GET", f"/api/campaigns/{campaigns.open.pk}", token=outsider)[0] == 403


def test_published_results_are_public_unrounded_and_carry_the_framework(campaigns, client):
    status, body = call(client, "GET", f"/api/campaigns/{campaigns.published.pk}/results")
    assert status == 200
    assert body["framework_id"] == "api-test" and body["framework_version"] == "1.0"
    assert body["count"] == 2
    first, second = body["rows"]
    assert (first["unit_code"], first["rank"], second["unit_code"], second["rank"]) == (
        "D2", 1, "D1", 2,
    )  # fmt: skip
    assert first["framework_id"] == "api-test" and first["framework_version"] == "1.0"
    # D1: 1.5 + 1 + 1 (bands 75%) + 0 survey = 3.5 of 6 → 58.333…% (not rounded)
    assert second["fields"]["1"] == pytest.approx(350 / 6, abs=0)
    assert second["fields"]["1"] == 58.333333333333336
    assert second["points"] == 6.5 and second["index_pct"] == 65.0
    assert second["class"] == "Fair"
    assert second["self_points"] is not None
    assert second["diff_points"] == second["points"] - second["self_points"]
    for key in ("peer_group", "index_change", "rank_change", "prev_index_pct", "yoy_note"):
        assert key in second
    status, body = call(
        client,
        "GET",
        f"/api/campaigns/{campaigns.published.pk}/results?peer_group=nothing",
    )
    assert status == 200 and body["rows"] == []


def test_unpublished_results_need_the_root_unit(campaigns, people, client):
    url = f"/api/campaigns/{campaigns.finalised.pk}/results"
    assert call(client, "GET", url)[0] == 401
    assert call(client, "GET", url, token=token_for(people.reporter_a))[0] == 403
    assert call(client, "GET", url, token=token_for(people.outsider))[0] == 403
    status, body = call(client, "GET", url, token=token_for(people.viewer_p))
    assert status == 200 and body["status"] == "finalised" and body["count"] == 2
    # an open campaign has no results yet
    url = f"/api/campaigns/{campaigns.open.pk}/results"
    assert call(client, "GET", url, token=token_for(people.viewer_p))[0] == 404
    assert call(client, "GET", "/api/campaigns/999999/results")[0] == 404


def test_score_detail_is_a_tree_public_when_published(campaigns, client):
    url = f"/api/campaigns/{campaigns.published.pk}/units/D1/scores"
    status, body = call(client, "GET", url)
    assert status == 200
    assert body["framework_id"] == "api-test" and body["framework_version"] == "1.0"
    assert body["unit"] == {"code": "D1", "name": "Sở Nội vụ"}
    assert [n["code"] for n in body["nodes"]] == ["1", "2"]
    field = body["nodes"][0]
    assert [c["code"] for c in field["children"]] == ["1.1", "1.2", "1.3", "1.4"]
    assert field["points"] == 3.5 and field["max_points"] == 6.0 and field["lost_points"] == 2.5
    leaf = field["children"][0]
    assert leaf["is_leaf"] and leaf["points"] == 1.5 and leaf["self_points"] == 1.5
    assert body["result"]["rank"] == 2
    assert call(client, "GET", f"/api/campaigns/{campaigns.published.pk}/units/ZZ/scores")[0] == 404


def test_unpublished_score_detail_is_scoped_by_view_unit(campaigns, people, client):
    url = f"/api/campaigns/{campaigns.finalised.pk}/units/D1/scores"
    assert call(client, "GET", url)[0] == 401
    assert call(client, "GET", url, token=token_for(people.reporter_b))[0] == 403
    assert call(client, "GET", url, token=token_for(people.outsider))[0] == 403
    assert call(client, "GET", url, token=token_for(people.reporter_a))[0] == 200
    assert call(client, "GET", url, token=token_for(people.viewer_p))[0] == 200
    url = f"/api/campaigns/{campaigns.open.pk}/units/D1/scores"
    assert call(client, "GET", url, token=token_for(people.reporter_a))[0] == 404  # no results


def test_campaign_units(campaigns, people, client):
    url = f"/api/campaigns/{campaigns.published.pk}/units"
    status, body = call(client, "GET", url)
    assert status == 200 and [u["code"] for u in body["items"]] == ["D1", "D2"]
    assert {u["assessment_status"] for u in body["items"]} == {None}  # not for the public
    url = f"/api/campaigns/{campaigns.open.pk}/units"
    status, body = call(client, "GET", url, token=token_for(people.reporter_a))
    assert status == 200
    assert [(u["code"], u["assessment_status"]) for u in body["items"]] == [("D1", "not_started")]
    status, body = call(client, "GET", url, token=token_for(people.viewer_p))
    assert [u["code"] for u in body["items"]] == ["D1", "D2"]
    assert call(client, "GET", url)[0] == 401
    assert call(client, "GET", url, token=token_for(people.outsider))[0] == 403


def test_units_list_is_scoped(tree, people, client):
    assert call(client, "GET", "/api/units")[0] == 401
    status, body = call(client, "GET", "/api/units", token=token_for(people.reporter_a))
    assert status == 200 and [u["code"] for u in body["items"]] == ["D1"]
    key = token_for(people.viewer_p)
    status, body = call(client, "GET", "/api/units", token=key)
    assert [u["code"] for u in body["items"]] == ["D1", "D2", "P", "X1"]
    assert body["items"][0]["parent_code"] == "P"
    status, body = call(client, "GET", "/api/units?kind=commune", token=key)
    assert [u["code"] for u in body["items"]] == ["X1"]
    status, body = call(client, "GET", "/api/units?q=t%C6%B0%20ph%C3%A1p", token=key)
    assert [u["code"] for u in body["items"]] == ["D2"]
    status, body = call(client, "GET", "/api/units?on=2019-12-31", token=key)
    assert body["count"] == 0  # the units start in 2020
    status, body = call(client, "GET", "/api/units?on=yesterday", token=key)
    assert status == 400 and body["errors"][0]["field"] == "on"


def test_a_reporter_never_reads_another_units_drafts(campaigns, people, client):
    from parindex.web.campaigns import services

    d2 = campaigns.open.assessments.get(unit__code="D2")
    services.save_self_value(d2, "1.1", value="2", explanation="draft of B", user=people.reporter_b)
    a = token_for(people.reporter_a)
    b = token_for(people.reporter_b)
    for campaign in (campaigns.open, campaigns.finalised, campaigns.published):
        url = f"/api/campaigns/{campaign.pk}/units/D2/values"
        status, body = call(client, "GET", url, token=a)
        assert status == 403, (campaign.name, body)
        assert "draft of B" not in str(body)
        assert call(client, "GET", url)[0] == 401  # drafts are never public
    status, body = call(
        client, "GET", f"/api/campaigns/{campaigns.open.pk}/units/D2/values", token=b
    )
    assert status == 200
    leaf = next(v for v in body["values"] if v["leaf_code"] == "1.1")
    assert leaf["value"] == 2.0 and leaf["explanation"] == "draft of B"
    assert leaf["updated_by"] == "api-reporter-b"
    assert body["assessment_status"] == "in_progress" and body["editable"] is True
    # unknown unit and campaign: 404 for everyone
    assert (
        call(client, "GET", f"/api/campaigns/{campaigns.open.pk}/units/ZZ/values", token=a)[0]
        == 404
    )
    assert call(client, "GET", "/api/campaigns/999999/units/D1/values", token=a)[0] == 404


def test_values_show_the_appraisal_only_to_those_who_may_see_it(campaigns, people, client):
    url = f"/api/campaigns/{campaigns.finalised.pk}/units/D1/values"
    status, body = call(client, "GET", url, token=token_for(people.appraiser))
    assert status == 200
    leaf = next(v for v in body["values"] if v["leaf_code"] == "1.3")
    assert leaf["appraised"]["value"] == 0.75 and leaf["value"] == 0.75
    formula = next(v for v in body["values"] if v["leaf_code"] == "2.1")
    assert formula["appraised"]["inputs"] == {"done": 3.0, "required": 4.0}
    # the unit sees its own appraisal once there are results ...
    status, body = call(client, "GET", url, token=token_for(people.reporter_a))
    assert body["values"][0]["appraised"] is not None
    assert body["editable"] is False and body["refusal"]
    # ... but not while the campaign is open
    url = f"/api/campaigns/{campaigns.open.pk}/units/D1/values"
    status, body = call(client, "GET", url, token=token_for(people.reporter_a))
    assert {v["appraised"] is None for v in body["values"]} == {True}
    # a viewer of the unit reads it but may not edit it
    status, body = call(client, "GET", url, token=token_for(people.viewer_a))
    assert status == 200 and body["editable"] is False and body["refusal"]
