"""Writing self-assessment values through the API: the same validation and permissions as
the self-assessment page, the window rule, all-or-nothing batches.

Scope (see parindex/web/api/access.py): an unknown campaign, unit code or criterion is
404; a unit that exists but is not covered by the caller's `parindex.edit_self_assessment`
is 403 (also for reading drafts); no credentials is 401.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from test_api_support import *  # noqa: F403
from test_api_support import call, token_for

from parindex.web.campaigns import services
from parindex.web.campaigns.models import Assessment, LeafValue, WindowKind
from parindex.web.units.models import today

pytestmark = pytest.mark.django_db


@pytest.fixture
def d1(campaigns):
    return campaigns.open.assessments.select_related("unit").get(unit__code="D1")


@pytest.fixture
def key(people):
    return token_for(people.reporter_a)


def url(campaign, unit="D1", leaf=None):
    base = f"/api/campaigns/{campaign.pk}/units/{unit}/values"
    return f"{base}/{leaf}" if leaf else base


def stored(assessment, code):
    lv = LeafValue.objects.filter(assessment=assessment, leaf_code=code).first()
    return None if lv is None else (lv.self_value, lv.self_inputs, lv.not_applicable)


# --- the same validation as the page --------------------------------------------------------------


def page_post(client, assessment, leaf, data):
    """Post the self-assessment page's form for one leaf; its errors (as the page shows
    them) and what it stored."""
    response = client.post(f"/campaigns/a/{assessment.pk}/self/{leaf}/", data)
    assert response.status_code == 302, response.status_code
    prefix = f"{leaf}: "
    errors = [
        str(m)[len(prefix) :]
        for m in get_messages(response.wsgi_request)
        if m.level_tag == "error" and str(m).startswith(prefix)
    ]
    return errors


# (leaf, API body, the page's form fields for the same value)
INVALID = [
    ("1.1", {"value": 3}, {"value": "3"}),  # above the leaf maximum (2)
    ("1.1", {"value": 1.25}, {"value": "1,25"}),  # off the step (0.5)
    ("1.1", {"value": -1}, {"value": "-1"}),
    ("1.1", {"value": "abc"}, {"value": "abc"}),
    ("1.2", {"value": "Maybe"}, {"value": "Maybe"}),  # unknown option label
    ("1.3", {"value": 1.5}, {"value_pct": "150"}),  # a band ratio above 100 %
    ("1.3", {"value": -0.1}, {"value_pct": "-10"}),
    ("1.4", {"value": 0.5}, {"value_pct": "50"}),  # survey leaf: refused
    ("2.1", {"inputs": {"done": "x", "required": 4}}, {"input__done": "x", "input__required": "4"}),
    ("2.2", {"value": 1.5}, {"value": "1.5"}),  # not a whole count
]


@pytest.mark.parametrize("leaf, body, form", INVALID, ids=[f"{c[0]}-{c[1]}" for c in INVALID])
def test_errors_are_the_pages_errors(campaigns, people, d1, key, client, leaf, body, form):
    client.force_login(people.reporter_a)
    page_errors = page_post(client, d1, leaf, form)
    assert page_errors, "the page should refuse this value"
    before = stored(d1, leaf)
    status, answer = call(client, "PUT", url(campaigns.open, leaf=leaf), body, token=key)
    assert status == 400, answer
    assert answer["detail"]
    assert {e["leaf_code"] for e in answer["errors"]} == {leaf}
    api_errors = [e["message"] for e in answer["errors"]]
    # word for word; the page adds a headline ("The value was not saved.") before the
    # core's problems, which the API gives as `detail`
    assert page_errors[-len(api_errors) :] == api_errors
    assert len(page_errors) - len(api_errors) in (0, 1)
    assert stored(d1, leaf) == before  # nothing written by either


def test_error_fields(campaigns, d1, key, client):
    status, body = call(client, "PUT", url(campaigns.open, leaf="1.1"), {"value": 3}, token=key)
    assert (status, body["errors"][0]["field"]) == (400, "value")
    body = call(client, "PUT", url(campaigns.open, leaf="1.4"), {"value": 0.5}, token=key)[1]
    assert body["errors"][0]["field"] == "leaf_code"
    body = call(
        client, "PUT", url(campaigns.open, leaf="2.1"), {"inputs": {"done": "x"}}, token=key
    )[1]
    assert body["errors"][0]["field"] == "inputs"
    body = call(client, "PUT", url(campaigns.open, leaf="2.1"), {"inputs": {"dnoe": 1}}, token=key)[
        1
    ]
    assert body["errors"][0]["field"] == "inputs.dnoe"
    body = call(client, "PUT", url(campaigns.open, leaf="1.1"), {"inputs": {"a": 1}}, token=key)[1]
    assert body["errors"][0]["field"] == "inputs"
    # a body that is not the schema at all
    status, body = call(
        client, "PUT", url(campaigns.open, leaf="1.1"), {"value": {"x": 1}}, token=key
    )
    assert status == 400 and body["errors"][0]["field"].startswith("value")


# (leaf, API body, the page's form fields) that are valid
VALID = [
    ("1.1", {"value": 1.5}, {"value": "1,5"}),
    ("1.2", {"value": "  done "}, {"value": "done"}),  # label matched like the page does
    ("1.3", {"value": 0.955}, {"value_pct": "95,5"}),
    ("1.3", {"value": "0.5"}, {"value_pct": "50"}),
    ("2.1", {"inputs": {"done": 3, "required": "4"}}, {"input__done": "3", "input__required": "4"}),
    ("2.2", {"value": 2}, {"value": "2"}),
]


@pytest.mark.parametrize("leaf, body, form", VALID, ids=[f"{c[0]}-{c[1]}" for c in VALID])
def test_saved_values_are_what_the_page_stores(
    campaigns, people, d1, key, client, leaf, body, form
):
    client.force_login(people.reporter_a)
    assert page_post(client, d1, leaf, form) == []
    by_page = stored(d1, leaf)
    LeafValue.objects.filter(assessment=d1, leaf_code=leaf).delete()
    status, answer = call(client, "PUT", url(campaigns.open, leaf=leaf), body, token=key)
    assert status == 200, answer
    assert stored(d1, leaf) == by_page
    assert answer["leaf_code"] == leaf and answer["filled"] is True
    assert answer["updated_by"] == "api-reporter-a"


def test_put_replaces_the_leaf_and_records_history(campaigns, d1, key, client):
    leaf_url = url(campaigns.open, leaf="1.1")
    body = {"value": 2, "explanation": "Quyết định số 12/QĐ"}
    status, answer = call(client, "PUT", leaf_url, body, token=key)
    assert status == 200
    assert answer["value"] == 2.0 and answer["explanation"] == "Quyết định số 12/QĐ"
    d1.refresh_from_db()
    assert d1.status == Assessment.Status.IN_PROGRESS
    status, answer = call(client, "PUT", leaf_url, {"not_applicable": True}, token=key)
    assert status == 200
    assert answer["not_applicable"] is True and answer["value"] is None
    assert answer["explanation"] == ""  # replaced, as the page's form does
    lv = LeafValue.objects.get(assessment=d1, leaf_code="1.1")
    history = list(lv.history.order_by("history_date"))
    assert [h.history_user.username for h in history] == ["api-reporter-a"] * len(history)
    assert {h.history_change_reason for h in history} == {"self-assessment"}
    # not applicable: a value that would be refused does not matter (as on the page)
    status, _body = call(client, "PUT", leaf_url, {"value": 99, "not_applicable": True}, token=key)
    assert status == 200


# --- batch ----------------------------------------------------------------------------------------


def test_batch_saves_everything_or_nothing(campaigns, d1, key, client):
    good = [
        {"leaf_code": "1.1", "value": 1},
        {"leaf_code": "1.2", "value": "Late"},
        {"leaf_code": "2.1", "inputs": {"done": 1, "required": 2}},
    ]
    bad = good + [
        {"leaf_code": "1.3", "value": 2},  # 200 %
        {"leaf_code": "1.4", "value": 0.5},  # survey
        {"leaf_code": "9.9", "value": 1},  # unknown criterion
        {"leaf_code": "1.1", "value": 1},  # twice
    ]
    status, body = call(client, "POST", url(campaigns.open), {"values": bad}, token=key)
    assert status == 400
    assert [(e["leaf_code"], e["field"]) for e in body["errors"]] == [
        ("1.3", "value"),
        ("1.4", "leaf_code"),
        ("9.9", "leaf_code"),
        ("1.1", "leaf_code"),
    ]
    assert not LeafValue.objects.filter(assessment=d1).exists()  # nothing saved
    d1.refresh_from_db()
    assert d1.status == Assessment.Status.NOT_STARTED

    status, body = call(client, "POST", url(campaigns.open), {"values": good}, token=key)
    assert status == 200, body
    assert [v["leaf_code"] for v in body["saved"]] == ["1.1", "1.2", "2.1"]
    assert stored(d1, "2.1") == ("", {"done": "1", "required": "2"}, False)
    status, body = call(client, "POST", url(campaigns.open), {"values": []}, token=key)
    assert status == 400


# --- scope ----------------------------------------------------------------------------------------


def test_write_scope(campaigns, people, key, client):
    body = {"value": 1}
    open_ = campaigns.open
    assert call(client, "PUT", url(open_, "D2", "1.1"), body, token=key)[0] == 403  # unit B
    assert call(client, "POST", url(open_, "D2"), {"values": [{"leaf_code": "1.1", "value": 1}]},
                token=key)[0] == 403  # fmt: skip
    assert not LeafValue.objects.filter(assessment__campaign=open_).exists()
    for who in ("viewer_a", "appraiser", "viewer_p", "admin", "outsider", "nobody"):
        status, _body = call(
            client, "PUT", url(open_, "D1", "1.1"), body, token=token_for(getattr(people, who))
        )
        assert status == 403, who
    assert call(client, "PUT", url(open_, "D1", "1.1"), body)[0] == 401
    assert call(client, "PUT", url(open_, "ZZ", "1.1"), body, token=key)[0] == 404
    assert call(client, "PUT", url(open_, "D1", "9.9"), body, token=key)[0] == 404
    status, answer = call(
        client, "PUT", "/api/campaigns/999999/units/D1/values/1.1", body, token=key
    )
    assert status == 404 and answer["detail"]
    # a unit that exists but is outside the caller's roles is 403 even for an unknown leaf
    assert call(client, "PUT", url(open_, "D2", "9.9"), body, token=key)[0] == 403
    head = token_for(people.head_a)
    assert call(client, "PUT", url(open_, "D1", "1.1"), body, token=head)[0] == 200


# --- when -----------------------------------------------------------------------------------------


def _self_window(campaign, opens, closes, user):
    services.set_windows(campaign, {WindowKind.SELF_ASSESSMENT: (opens, closes)}, user)


def test_closed_window_is_403_unless_the_unit_has_an_exception(campaigns, people, d1, key, client):
    now = today()
    campaign = campaigns.open
    _self_window(campaign, now - dt.timedelta(days=10), now - dt.timedelta(days=1), people.admin)
    leaf_url = url(campaign, leaf="1.1")
    status, body = call(client, "PUT", leaf_url, {"value": 1}, token=key)
    assert status == 403
    refusal = services.self_edit_refusal(d1)
    assert refusal and body["detail"] == refusal
    batch = {"values": [{"leaf_code": "1.1", "value": 99}]}  # 403 comes before validation
    assert call(client, "POST", url(campaign), batch, token=key)[0] == 403
    # an exception that has already ended does not help
    services.grant_exception(
        campaign,
        d1.unit,
        WindowKind.SELF_ASSESSMENT,
        now - dt.timedelta(days=1),
        "late",
        people.admin,
    )
    assert call(client, "PUT", leaf_url, {"value": 1}, token=key)[0] == 403
    services.grant_exception(
        campaign,
        d1.unit,
        WindowKind.SELF_ASSESSMENT,
        now + dt.timedelta(days=2),
        "ốm",
        people.admin,
    )
    assert call(client, "PUT", leaf_url, {"value": 1}, token=key)[0] == 200
    # the exception is the unit's own: D2 is still closed
    b = token_for(people.reporter_b)
    assert call(client, "PUT", url(campaign, "D2", "1.1"), {"value": 1}, token=b)[0] == 403


def test_window_not_open_yet_is_403(campaigns, people, key, client):
    now = today()
    _self_window(
        campaigns.open, now + dt.timedelta(days=1), now + dt.timedelta(days=9), people.admin
    )
    assert call(client, "PUT", url(campaigns.open, leaf="1.1"), {"value": 1}, token=key)[0] == 403


def test_submitted_and_finalised_are_403(campaigns, people, d1, key, client):
    d1.status = Assessment.Status.SUBMITTED
    d1.save()
    status, body = call(client, "PUT", url(campaigns.open, leaf="1.1"), {"value": 1}, token=key)
    assert status == 403 and body["detail"] == services.self_edit_refusal(d1)
    status, _body = call(
        client, "PUT", url(campaigns.finalised, leaf="1.1"), {"value": 1}, token=key
    )
    assert status == 403


# --- language -------------------------------------------------------------------------------------


def test_messages_follow_the_request_language(campaigns, key, client):
    english = call(client, "GET", "/api/me", HTTP_ACCEPT_LANGUAGE="en")[1]["detail"]
    vietnamese = call(client, "GET", "/api/me", HTTP_ACCEPT_LANGUAGE="vi")[1]["detail"]
    assert english == "Sign in or send an API token."
    assert vietnamese != english
    status, body = call(
        client, "PUT", url(campaigns.open, leaf="2.1"), {"inputs": {"zz": 1}},
        token=key, HTTP_ACCEPT_LANGUAGE="vi",
    )  # fmt: skip
    assert status == 400 and "zz" in body["errors"][0]["message"]
    assert body["detail"] != "Nothing was saved."


# --- hostile input --------------------------------------------------------------------------------


def test_hostile_input_is_refused_with_400_not_a_server_error(campaigns, d1, key, client):
    """NUL characters and ids beyond bigint would make PostgreSQL fail: refused first."""
    leaf_url = url(campaigns.open, leaf="1.1")
    status, body = call(client, "PUT", leaf_url, {"value": 1, "explanation": "a\x00b"}, token=key)
    assert status == 400 and body["errors"][0]["field"] == "explanation"
    body = {"values": [{"leaf_code": "1.1\x00", "value": 1}]}
    assert call(client, "POST", url(campaigns.open), body, token=key)[0] == 400
    assert call(client, "GET", url(campaigns.open, unit="D1%00"), token=key)[0] == 400
    assert call(client, "GET", "/api/campaigns?status=%00", token=key)[0] == 400
    assert call(client, "GET", "/api/campaigns?year=123456", token=key)[0] == 400
    assert call(client, "GET", "/api/campaigns/99999999999999999999", token=key)[0] == 400
    assert call(client, "GET", "/api/campaigns/9223372036854775807", token=key)[0] == 404
    assert call(client, "GET", "/api/units?limit=0", token=key)[0] == 400
    status, body = call(client, "GET", "/api/units?on=yesterday", token=key)
    assert status == 400 and body["errors"][0]["field"] == "on"
    response = client.put(
        leaf_url, data=b"{not json", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["errors"]
    # the body must be an object of known keys: nothing is emptied by a malformed request
    for body in ([], "x", {"value": 1, "explaination": "typo"}):
        status, answer = call(client, "PUT", leaf_url, body, token=key)
        assert status == 400, body
    assert answer["errors"][0]["field"] == "explaination"
    body = {"values": [{"leaf_code": "", "value": 1}]}
    assert call(client, "POST", url(campaigns.open), body, token=key)[0] == 400
    assert not LeafValue.objects.filter(assessment=d1).exists()
