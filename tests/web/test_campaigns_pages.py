"""The campaign pages end to end: creating a campaign, the autosaving self-assessment form,
submitting, appraising, the history, the dashboard and the results."""

# ruff: noqa: F811 (pytest fixtures imported from test_campaigns_support)

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from test_campaigns_support import (  # noqa: F401 (fixtures)
    FRAMEWORK_YAML,
    FULL_POST,
    a1,
    a2,
    campaign,
    client_for,
    fill,
    framework,
    media,
    open_windows,
    people,
    submitted,
    today,
)

from parindex.web.campaigns import services
from parindex.web.campaigns.models import Assessment, Campaign, CampaignWindow, LeafValue

pytestmark = pytest.mark.django_db


def htmx_post(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


# --- creating a campaign ---------------------------------------------------------------------------


def test_create_from_a_built_in_framework(tree, people):
    client = client_for(people.admin)
    url = reverse("campaigns:create", args=[tree.p.pk])
    response = client.post(
        url, {"name": "CCHC sở 2026", "year": "2026", "builtin": "example-department-2025"}
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{campaign.pk}/")
    assert (campaign.framework_id, campaign.status, campaign.unit_kind) == (
        "example-department-2025",
        "draft",
        "department",
    )
    assert campaign.framework().id == "example-department-2025"
    assert set(campaign.assessments.values_list("unit__code", flat=True)) == {"D1", "D2"}
    assert campaign.created_by == people.admin


def test_create_from_an_uploaded_yaml_shows_the_cores_problems(tree, people):
    client = client_for(people.admin)
    url = reverse("campaigns:create", args=[tree.p.pk])
    broken = FRAMEWORK_YAML.replace("max_points: 20", "max_points: 25")
    response = client.post(
        url,
        {
            "name": "x",
            "year": "2026",
            "framework_file": SimpleUploadedFile("khung.yaml", broken.encode()),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "khung.yaml" in page and "max_points" in page  # the core's message, with the file
    assert not Campaign.objects.exists()
    good = SimpleUploadedFile("khung.yaml", FRAMEWORK_YAML.encode())
    response = client.post(url, {"name": "x", "year": "2026", "framework_file": good})
    assert response.status_code == 302
    assert Campaign.objects.get().framework_id == "test-department"


def test_create_from_an_uploaded_workbook(tree, people, framework):
    from parindex.framework import framework_to_excel_bytes

    workbook = SimpleUploadedFile("khung.xlsx", framework_to_excel_bytes(framework))
    response = client_for(people.admin).post(
        reverse("campaigns:create", args=[tree.p.pk]),
        {"name": "x", "year": "2026", "framework_file": workbook},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.framework().node_index().keys() == framework.node_index().keys()


def test_create_needs_exactly_one_framework_source(tree, people):
    client = client_for(people.admin)
    response = client.post(
        reverse("campaigns:create", args=[tree.p.pk]), {"name": "x", "year": "2026"}
    )
    assert response.status_code == 200 and not Campaign.objects.exists()


def test_windows_scope_and_opening_through_the_pages(tree, people, framework, today):
    campaign = services.create_campaign(
        name="x", year=today.year, root_unit=tree.p, framework=framework, user=people.admin
    )
    client = client_for(people.admin)
    data = {"self_assessment_opens": today.isoformat(), "self_assessment_closes": "01/01/2000"}
    response = client.post(reverse("campaigns:windows", args=[campaign.pk]), data)
    assert response.status_code == 200 and not CampaignWindow.objects.exists()
    data["self_assessment_closes"] = (today + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    client.post(reverse("campaigns:windows", args=[campaign.pk]), data)
    window = CampaignWindow.objects.get()
    assert (window.opens_on, window.closes_on) == (today, today + dt.timedelta(days=3))
    client.post(reverse("campaigns:scope", args=[campaign.pk]), {"units": [tree.d1.pk]})
    assert list(campaign.assessments.values_list("unit__code", flat=True)) == ["D1"]
    client.post(reverse("campaigns:open", args=[campaign.pk]))
    assert Campaign.objects.get(pk=campaign.pk).status == "open"


def test_exceptions_page(campaign, tree, people, today):
    client = client_for(people.admin)
    url = reverse("campaigns:exceptions", args=[campaign.pk])
    until = (today + dt.timedelta(days=9)).isoformat()
    response = client.post(
        url, {"unit": tree.d1.pk, "kind": "self_assessment", "until": until, "reason": ""}
    )
    assert response.status_code == 200 and not campaign.exceptions.exists()
    client.post(
        url, {"unit": tree.d1.pk, "kind": "self_assessment", "until": until, "reason": "Ốm"}
    )
    assert campaign.exceptions.get().reason == "Ốm"
    assert "Ốm" in client.get(url).content.decode()


# --- the self-assessment form -----------------------------------------------------------------------


def test_the_form_shows_a_widget_per_rule_type(a1, people):
    page = client_for(people.reporter).get(reverse("campaigns:self_form", args=[a1.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<select name="value"' in html  # options
    assert 'name="value_pct"' in html and 'max="100"' in html  # bands (linear: no max)
    assert 'step="0.5"' in html and 'max="2"' in html  # manual
    assert 'name="input__on_time"' in html and 'name="input__required"' in html  # formula
    assert 'step="1"' in html  # deduction count
    assert "No survey value yet" in html or "Chưa có" in html  # survey: read-only
    assert 'name="not_applicable"' in html and 'name="explanation"' in html
    assert "Kịp thời: 2 điểm" in html  # the scoring_text


def test_autosave_returns_the_leaf_status_and_running_totals(a1, people):
    client = client_for(people.reporter)
    url = reverse("campaigns:self_save", args=[a1.pk, "1.1.1"])
    response = htmx_post(client, url, {"value": "Kịp thời", "explanation": "Quyết định số 5"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="self-totals"' in html and 'hx-swap-oob="true"' in html
    assert "2,00" in html  # the leaf's points and the total, in Vietnamese format
    assert 'id="field-0-progress"' in html
    lv = LeafValue.objects.get(assessment=a1, leaf_code="1.1.1")
    assert (lv.self_value, lv.explanation, lv.self_updated_by) == (
        "Kịp thời",
        "Quyết định số 5",
        people.reporter,
    )
    assert Assessment.objects.get(pk=a1.pk).status == "in_progress"


@pytest.mark.parametrize(
    "leaf,data,stored",
    [
        ("1.1.2", {"value_pct": "95,5"}, "0.955"),
        ("1.1.3", {"value": "1,5"}, "1.5"),
        ("2.1.1", {"value_pct": "120"}, "1.2"),  # linear may pass its target
        ("2.1.2", {"value": "2"}, "2"),
    ],
)
def test_numbers_as_officials_type_them(a1, people, leaf, data, stored):
    htmx_post(client_for(people.reporter), reverse("campaigns:self_save", args=[a1.pk, leaf]), data)
    assert LeafValue.objects.get(assessment=a1, leaf_code=leaf).self_value == stored


@pytest.mark.parametrize(
    "leaf,data,message",
    [
        ("1.1.3", {"value": "3"}, "Nhập số điểm từ 0 đến 2"),
        ("1.1.3", {"value": "1.2"}, "0,5"),
        ("1.1.2", {"value_pct": "150"}, "0 đến 100"),
        ("2.1.2", {"value": "1.5"}, "số nguyên"),
        ("1.1.3", {"value": "abc"}, "không phải là số"),
    ],
)
def test_invalid_values_are_refused_in_vietnamese(a1, people, leaf, data, message):
    response = htmx_post(
        client_for(people.reporter), reverse("campaigns:self_save", args=[a1.pk, leaf]), data
    )
    html = response.content.decode()
    assert response.status_code == 200 and message in html, html
    assert not LeafValue.objects.filter(assessment=a1, leaf_code=leaf).exists()


def test_without_htmx_the_form_redirects_to_the_leaf(a1, people):
    response = client_for(people.reporter).post(
        reverse("campaigns:self_save", args=[a1.pk, "1.1.3"]), {"value": "1"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#leaf-2")


def test_check_submit_and_lock_through_the_pages(a1, people):
    reporter, head = client_for(people.reporter), client_for(people.head)
    for leaf, data in FULL_POST.items():
        if leaf != "2.1.2":
            htmx_post(
                reporter,
                reverse("campaigns:self_save", args=[a1.pk, leaf]),
                {**data, "explanation": "Theo báo cáo"},
            )
    page = reporter.get(reverse("campaigns:check", args=[a1.pk])).content.decode()
    assert f'href="/campaigns/a/{a1.pk}/self/#leaf-5"' in page  # 2.1.2 is to fix, with a link
    htmx_post(
        reporter, reverse("campaigns:self_save", args=[a1.pk, "2.1.2"]), {"not_applicable": "on"}
    )
    assert "Lưu lại" not in head.get(reverse("campaigns:submit", args=[a1.pk])).content.decode()
    response = head.post(reverse("campaigns:submit", args=[a1.pk]), {})
    assert Assessment.objects.get(pk=a1.pk).status == "in_progress"  # not confirmed
    response = head.post(reverse("campaigns:submit", args=[a1.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=a1.pk).status == "submitted"
    response = htmx_post(
        reporter, reverse("campaigns:self_save", args=[a1.pk, "1.1.3"]), {"value": "2"}
    )
    assert "khóa" in response.content.decode()
    assert LeafValue.objects.get(assessment=a1, leaf_code="1.1.3").self_value == "1.5"
    page = reporter.get(reverse("campaigns:self_form", args=[a1.pk])).content.decode()
    assert "<fieldset disabled>" in page


# --- appraisal ------------------------------------------------------------------------------------


def test_appraisal_through_the_page_with_reasons_and_history(a1, people):
    submitted(a1, people)
    client = client_for(people.appraiser)
    url = reverse("campaigns:appraise_save", args=[a1.pk, "1.1.3"])
    response = htmx_post(client, url, {"a_value": "0.5", "a_not_applicable": ""})
    assert "lý do" in response.content.decode()
    assert not LeafValue.objects.get(assessment=a1, leaf_code="1.1.3").is_appraised
    response = htmx_post(client, url, {"a_value": "0.5", "a_reason": "Không có quyết định"})
    html = response.content.decode()
    assert 'id="appraise-totals"' in html and "Không có quyết định" in html
    lv = LeafValue.objects.get(assessment=a1, leaf_code="1.1.3")
    assert (lv.appraised_value, lv.appraisal_reason) == ("0.5", "Không có quyết định")
    htmx_post(client, reverse("campaigns:appraise_save", args=[a1.pk, "1.1.1"]), {"accept": "1"})
    assert LeafValue.objects.get(assessment=a1, leaf_code="1.1.1").appraised_value == "Kịp thời"
    page = client.get(reverse("campaigns:appraise", args=[a1.pk])).content.decode()
    assert "Không có quyết định" in page and "Theo báo cáo năm." in page
    history = client.get(reverse("campaigns:history", args=[a1.pk])).content.decode()
    assert "Không có quyết định" in history  # why
    assert "1,5" in history and "0,5" in history  # from → to
    assert "thủ trưởng đơn vị nộp kết quả tự đánh giá" in history  # a system reason, translated


def test_explanations_through_the_pages(a1, people, today):
    submitted(a1, people)
    appraiser, reporter = client_for(people.appraiser), client_for(people.reporter)
    deadline = (today + dt.timedelta(days=2)).isoformat()
    appraiser.post(
        reverse("campaigns:explain_request", args=[a1.pk, "1.1.3"]),
        {"message": "Gửi quyết định ban hành", "deadline": deadline},
    )
    page = reporter.get(reverse("campaigns:explanations", args=[a1.pk])).content.decode()
    assert "Gửi quyết định ban hành" in page
    req = a1.values.get(leaf_code="1.1.3").explanation_requests.get()
    reporter.post(
        reverse("campaigns:explanation_answer", args=[req.pk]),
        {f"r{req.pk}-response_text": "Quyết định 12/QĐ đính kèm"},
    )
    reporter.post(reverse("campaigns:explanation_evidence", args=[req.pk]), {"doc_number": "12/QĐ"})
    page = appraiser.get(reverse("campaigns:appraise", args=[a1.pk])).content.decode()
    assert "Quyết định 12/QĐ đính kèm" in page and "12/QĐ" in page


# --- dashboard and results ------------------------------------------------------------------------


def test_dashboard_counts_and_overdue_units(campaign, a1, a2, people, today):
    submitted(a1, people)
    services.save_self_value(a2, "1.1.3", value="1", user=people.reporter2)
    client = client_for(people.viewer)
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "Đã nộp" in page or "Submitted" in page
    assert "1/6" in page and "6/6" in page
    open_windows(
        campaign,
        None,
        today,
        self_assessment=(today - dt.timedelta(days=9), today - dt.timedelta(days=1)),
    )
    page = client.get(reverse("campaigns:detail", args=[campaign.pk]) + "?status=overdue")
    html = page.content.decode()
    assert "Sở Tư pháp" in html and "Sở Nội vụ</a>" not in html


def test_results_page_after_finalisation(campaign, a1, people):
    submitted(a1, people)
    client = client_for(people.admin)
    assert (
        "hoàn tất" in client.get(reverse("campaigns:results", args=[campaign.pk])).content.decode()
    )
    client.post(reverse("campaigns:finalise", args=[campaign.pk]))
    html = client.get(reverse("campaigns:results", args=[campaign.pk])).content.decode()
    assert "Sở Nội vụ" in html and "62,00" in html  # 12,4 of 20 points
    html = (
        client_for(people.reporter)
        .get(reverse("campaigns:assessment", args=[a1.pk]))
        .content.decode()
    )
    assert "62,00" in html


def test_survey_import_page(campaign, a1, people):
    client = client_for(people.admin)
    url = reverse("campaigns:survey", args=[campaign.pk])
    bad = SimpleUploadedFile("ks.csv", b"unit_code,criterion_code,value\nD1,1.2.1,85\n")
    response = client.post(url, {"file": bad})
    assert response.status_code == 200 and "ks.csv: row 2: value" in response.content.decode()
    good = SimpleUploadedFile("ks.csv", b"unit_code,criterion_code,value\nD1,1.2.1,0.85\n")
    assert client.post(url, {"file": good}).status_code == 302
    assert LeafValue.objects.get(assessment=a1, leaf_code="1.2.1").appraised_value == "0.85"


def test_pages_in_english(a1, people):
    client = client_for(people.reporter)
    client.cookies["parindex_language"] = "en"
    html = client.get(reverse("campaigns:self_form", args=[a1.pk])).content.decode()
    assert "Self-assessment" in html and "Not applicable to this unit" in html
    client.cookies["parindex_language"] = "vi"
    html = client.get(reverse("campaigns:self_form", args=[a1.pk])).content.decode()
    assert "Tự đánh giá" in html and "Not applicable to this unit" not in html


def test_the_navigation_links_to_the_campaigns(people):
    html = client_for(people.reporter).get("/").content.decode()
    assert 'href="/campaigns/"' in html
