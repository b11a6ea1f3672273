"""Every campaign view × every role, inside and outside the user's units.

Allowed: anything but 403 (and never a server error). Denied: 403. Objects of another
unit (its form, evidence, explanation requests, appraisal notes) are denied to a
reporter of D1 even though they sit in the same campaign.
"""

# ruff: noqa: F811 (pytest fixtures imported from test_campaigns_support)

from __future__ import annotations

import pytest
from django.urls import reverse
from test_campaigns_support import (  # noqa: F401 (fixtures)
    a1,
    a2,
    campaign,
    client_for,
    fill,
    framework,
    media,
    pdf_upload,
    people,
    submitted,
    today,
)

from parindex.web.campaigns import services
from parindex.web.campaigns.models import Evidence, ExplanationRequest, LeafValue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (outside a request the default language is vi)."""
    from django.utils import translation

    with translation.override("en"):
        yield


ROLES = [
    "sysadmin",
    "admin",
    "reporter",
    "head",
    "reporter2",
    "head2",
    "appraiser",
    "appraiser1",
    "viewer",
    "admin_q",
    "appraiser_q",
    "nobody",
]
VIEWERS_OF_D1 = {"sysadmin", "admin", "reporter", "head", "appraiser", "appraiser1", "viewer"}
VIEWERS_OF_P = {"sysadmin", "admin", "appraiser", "appraiser1", "viewer"}
EDITORS_OF_D1 = {"reporter", "head"}
APPRAISAL_OF_D1 = {"admin", "appraiser", "appraiser1"}
ADMIN = {"admin"}


@pytest.fixture
def objects(campaign, a1, a2, people, media, today):
    fill(a1, people.reporter)
    ev1 = services.add_evidence_file(a1, "1.1.1", pdf_upload(), user=people.reporter)
    services.submit(a1, people.head)
    fill(a2, people.reporter2)
    ev2 = services.add_evidence_file(a2, "1.1.1", pdf_upload("d2.pdf"), user=people.reporter2)
    req = services.request_explanation(
        a1, "1.1.3", message="Giải trình", deadline=today, user=people.appraiser
    )
    return {"a1": a1, "a2": a2, "ev1": ev1, "ev2": ev2, "req": req, "campaign": campaign}


def _status(client, method, url, data=None):
    if method == "get":
        return client.get(url).status_code
    return client.post(url, data or {}).status_code


CAMPAIGN_VIEWS = [
    # (url name, method, allowed roles, post data)
    ("campaigns:detail", "get", VIEWERS_OF_P, None),
    ("campaigns:results", "get", VIEWERS_OF_P, None),
    ("campaigns:framework", "get", VIEWERS_OF_P, None),
    ("campaigns:settings", "get", ADMIN, None),
    ("campaigns:scope", "get", ADMIN, None),
    ("campaigns:windows", "get", ADMIN, None),
    ("campaigns:exceptions", "get", ADMIN, None),
    ("campaigns:survey", "get", ADMIN, None),
    ("campaigns:finalise", "get", ADMIN, None),
    ("campaigns:open", "post", ADMIN, None),
    ("campaigns:recompute", "post", ADMIN, None),
    ("campaigns:publish", "post", ADMIN, None),
]

ASSESSMENT_VIEWS = [
    ("campaigns:assessment", "get", VIEWERS_OF_D1, None),
    ("campaigns:self_form", "get", VIEWERS_OF_D1, None),
    ("campaigns:check", "get", EDITORS_OF_D1, None),
    ("campaigns:submit", "get", {"head"}, None),
    ("campaigns:explanations", "get", EDITORS_OF_D1, None),
    ("campaigns:appraise", "get", APPRAISAL_OF_D1, None),
    ("campaigns:history", "get", APPRAISAL_OF_D1, None),
    ("campaigns:reopen", "get", ADMIN, None),
    ("campaigns:accept_all", "post", {"appraiser", "appraiser1"}, None),
    ("campaigns:round_2", "post", {"appraiser", "appraiser1"}, None),
    ("campaigns:complete", "post", {"appraiser"}, None),  # every field
]

LEAF_VIEWS = [
    ("campaigns:self_save", "post", EDITORS_OF_D1, "1.1.3", {"value": "1.5"}),
    ("campaigns:evidence_add", "post", EDITORS_OF_D1, "1.1.3", {"doc_number": "1/QĐ"}),
    ("campaigns:appraise_save", "post", {"appraiser", "appraiser1"}, "1.1.3", {"accept": "1"}),
    ("campaigns:appraise_save", "post", {"appraiser"}, "2.1.1", {"accept": "1"}),  # field 2
    (
        "campaigns:explain_request",
        "post",
        {"appraiser", "appraiser1"},
        "1.1.1",
        {"message": "?", "deadline": "2099-01-01"},
    ),
    (
        "campaigns:explain_request",
        "post",
        {"appraiser"},
        "2.1.2",
        {"message": "?", "deadline": "2099-01-01"},
    ),
]


def _check(people, method, url, allowed, data=None):
    for role in ROLES:
        status = _status(client_for(getattr(people, role)), method, url, data)
        assert status < 500, (role, url, status)
        if role in allowed:
            assert status != 403, (role, url)
        else:
            assert status == 403, (role, url, status)


@pytest.mark.parametrize("name,method,allowed,data", CAMPAIGN_VIEWS)
def test_campaign_views(objects, people, name, method, allowed, data):
    _check(people, method, reverse(name, args=[objects["campaign"].pk]), allowed, data)


@pytest.mark.parametrize("name,method,allowed,data", ASSESSMENT_VIEWS)
def test_assessment_views(objects, people, name, method, allowed, data):
    _check(people, method, reverse(name, args=[objects["a1"].pk]), allowed, data)


@pytest.mark.parametrize("name,method,allowed,leaf,data", LEAF_VIEWS)
def test_leaf_views(objects, people, name, method, allowed, leaf, data):
    _check(people, method, reverse(name, args=[objects["a1"].pk, leaf]), allowed, data)


def test_object_views(objects, people):
    ev1, req = objects["ev1"], objects["req"]
    _check(people, "get", reverse("campaigns:evidence_download", args=[ev1.pk]), VIEWERS_OF_D1)
    _check(people, "post", reverse("campaigns:evidence_delete", args=[ev1.pk]), EDITORS_OF_D1)
    _check(
        people,
        "post",
        reverse("campaigns:explanation_answer", args=[req.pk]),
        EDITORS_OF_D1,
        {f"r{req.pk}-response_text": "Đã giải trình"},
    )
    _check(
        people,
        "post",
        reverse("campaigns:explanation_evidence", args=[req.pk]),
        EDITORS_OF_D1,
        {"doc_number": "2/BC"},
    )


def test_create_needs_campaign_admin_on_the_unit(objects, people, tree):
    _check(people, "get", reverse("campaigns:create", args=[tree.p.pk]), ADMIN)
    _check(people, "get", reverse("campaigns:create", args=[tree.q.pk]), {"admin_q"})


def test_unknown_objects_are_404(objects, people):
    client = client_for(people.admin)
    assert client.get(reverse("campaigns:detail", args=[999999])).status_code == 404
    assert client.get(reverse("campaigns:assessment", args=[999999])).status_code == 404
    assert client.get(reverse("campaigns:evidence_download", args=[999999])).status_code == 404
    client = client_for(people.reporter)
    url = reverse("campaigns:self_save", args=[objects["a1"].pk, "9.9.9"])
    assert client.post(url, {"value": "1"}).status_code in (302, 404)


def test_anonymous_users_are_sent_to_sign_in(objects):
    from django.test import Client

    response = Client().get(reverse("campaigns:self_form", args=[objects["a1"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_reporter_never_reaches_another_units_data(objects, people):
    """Reporter of D1 on D2: form, save, evidence, explanation, appraisal notes."""
    a2, ev2 = objects["a2"], objects["ev2"]
    client = client_for(people.reporter)
    assert client.get(reverse("campaigns:self_form", args=[a2.pk])).status_code == 403
    assert client.get(reverse("campaigns:assessment", args=[a2.pk])).status_code == 403
    before = LeafValue.objects.get(assessment=a2, leaf_code="1.1.3").self_value
    url = reverse("campaigns:self_save", args=[a2.pk, "1.1.3"])
    assert client.post(url, {"value": "0.5"}).status_code == 403
    assert LeafValue.objects.get(assessment=a2, leaf_code="1.1.3").self_value == before
    assert client.get(reverse("campaigns:evidence_download", args=[ev2.pk])).status_code == 403
    assert client.post(reverse("campaigns:evidence_delete", args=[ev2.pk])).status_code == 403
    assert Evidence.objects.filter(pk=ev2.pk).exists()
    assert client.get(reverse("campaigns:explanations", args=[a2.pk])).status_code == 403
    # appraisal notes, even of the reporter's own unit
    assert client.get(reverse("campaigns:appraise", args=[objects["a1"].pk])).status_code == 403
    assert client.get(reverse("campaigns:history", args=[objects["a1"].pk])).status_code == 403
    # the campaign list shows only their own unit
    page = client.get(reverse("campaigns:list")).content.decode()
    assert "Sở Nội vụ" in page and "Sở Tư pháp" not in page


def test_a_viewer_cannot_change_anything(objects, people):
    client = client_for(people.viewer)
    a1 = objects["a1"]
    page = client.get(reverse("campaigns:self_form", args=[a1.pk])).content.decode()
    assert "hx-post" not in page and "<fieldset disabled>" in page
    assert client.post(reverse("campaigns:self_save", args=[a1.pk, "1.1.3"]), {}).status_code == 403
    assert client.post(reverse("campaigns:finalise", args=[a1.campaign_id])).status_code == 403


def test_an_appraiser_of_one_field_changes_only_that_field(objects, people):
    a1 = objects["a1"]
    client = client_for(people.appraiser1)
    url = reverse("campaigns:appraise_save", args=[a1.pk, "2.1.1"])
    assert client.post(url, {"a_value_pct": "10", "a_reason": "x"}).status_code == 403
    assert not LeafValue.objects.get(assessment=a1, leaf_code="2.1.1").is_appraised
    url = reverse("campaigns:appraise_save", args=[a1.pk, "1.1.3"])
    client.post(url, {"a_value": "1", "a_reason": "Thiếu văn bản"})
    assert LeafValue.objects.get(assessment=a1, leaf_code="1.1.3").appraised_value == "1"
    # accepting everything accepts only their own field
    client.post(reverse("campaigns:accept_all", args=[a1.pk]))
    appraised = set(
        LeafValue.objects.filter(assessment=a1, appraised_at__isnull=False).values_list(
            "leaf_code", flat=True
        )
    )
    assert appraised == {"1.1.1", "1.1.2", "1.1.3"}
    page = client.get(reverse("campaigns:appraise", args=[a1.pk])).content.decode()
    assert "do thành viên khác của tổ thẩm định phụ trách" in page


def test_explanation_requests_of_another_unit_cannot_be_answered(objects, people):
    req = objects["req"]
    client = client_for(people.reporter2)
    url = reverse("campaigns:explanation_answer", args=[req.pk])
    assert client.post(url, {f"r{req.pk}-response_text": "x"}).status_code == 403
    assert ExplanationRequest.objects.get(pk=req.pk).response_text == ""
