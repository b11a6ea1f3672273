"""Survey administration pages: creation, sample, codes, imports, progress, estimates,
feeding a campaign, and who may open them."""

# ruff: noqa: F811 (pytest fixtures imported from test_surveys_support)
from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from test_surveys_support import (  # noqa: F401 (fixtures)
    SEED,
    csv_upload,
    export_for,
    frame,
    people,
    sampled,
    signed_in,
    survey,
)

from parindex.analysis.fmt import fmt_number
from parindex.survey import estimate
from parindex.web.surveys import services
from parindex.web.surveys.models import Response, SampledHousehold, Survey

ADMIN_PAGES = ["detail", "sample", "codes", "import", "template", "estimates", "estimates_xlsx"]


# ----------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_pages_need_sign_in_and_the_campaign_admin_role(client, survey, people, name):
    url = reverse(f"surveys:{name}", args=[survey.pk])
    r = client.get(url)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    signed_in(client, people.reporter)
    assert client.get(url).status_code == 403
    signed_in(client, people.admin_q)  # campaign admin of another province
    assert client.get(url).status_code == 403
    signed_in(client, people.admin)
    assert client.get(url).status_code in (200, 302)


def test_posts_and_creation_are_refused_to_a_reporter(client, survey, people):
    signed_in(client, people.reporter)
    assert client.get(reverse("surveys:create")).status_code == 403
    r = client.post(reverse("surveys:status", args=[survey.pk]), {"status": "closed"})
    assert r.status_code == 403
    assert client.post(reverse("surveys:feed", args=[survey.pk]), {}).status_code == 403
    survey.refresh_from_db()
    assert survey.status == "draft"
    # the list opens but shows nothing of P's survey
    page = client.get(reverse("surveys:list")).content.decode()
    assert survey.name not in page


def test_unknown_survey_is_404(client, people):
    signed_in(client, people.admin)
    assert client.get(reverse("surveys:detail", args=[9999])).status_code == 404


# ----------------------------------------------------------------------------- creation


def test_create_with_the_builtin_instrument(client, tree, people):
    signed_in(client, people.admin)
    r = client.post(
        reverse("surveys:create"),
        {"name": "SIPAS 2027", "year": "2027", "root_unit": tree.p.pk, "builtin": "sipas-bnv-2022"},
    )
    assert r.status_code == 302
    s = Survey.objects.get(name="SIPAS 2027")
    assert (s.instrument_id, s.instrument_version) == ("sipas-bnv-2022", "2022.1")
    assert services.design_for(s)["columns"]["unit"] == "unit_code"


def test_create_with_a_broken_xlsform_shows_the_core_messages(client, tree, people):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["select_one nolist", "q1", "Q1"])
    data = io.BytesIO()
    wb.save(data)
    signed_in(client, people.admin)
    r = client.post(
        reverse("surveys:create"),
        {
            "name": "Mine",
            "year": "2027",
            "root_unit": tree.p.pk,
            "xlsform": SimpleUploadedFile("mine.xlsx", data.getvalue()),
        },
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "list &#x27;nolist&#x27; is not in the choices sheet" in page
    assert "version" in page
    assert not Survey.objects.filter(name="Mine").exists()


def test_root_unit_outside_scope_is_refused(client, tree, people):
    signed_in(client, people.admin)
    r = client.post(
        reverse("surveys:create"),
        {"name": "X", "year": "2027", "root_unit": tree.q.pk, "builtin": "sipas-bnv-2022"},
    )
    assert r.status_code == 200  # not a choice of the form
    assert not Survey.objects.filter(name="X").exists()


# ----------------------------------------------------------------------------- sample, codes


def test_draw_the_sample_from_a_frame(client, survey, people):
    signed_in(client, people.admin)
    design = services.DEFAULT_SAMPLING_YAML.replace("n: 15", "n: 4")
    r = client.post(
        reverse("surveys:sample", args=[survey.pk]),
        {"frame": csv_upload(frame(), "frame.csv"), "design": design, "seed": SEED},
        follow=True,
    )
    assert r.status_code == 200
    assert SampledHousehold.objects.filter(survey=survey).count() == 16  # 2 units × 2 × 4
    assert f"{SEED}" in r.content.decode()
    survey.refresh_from_db()
    assert survey.seed == SEED and survey.status == "collecting"
    codes = set(survey.households.values_list("access_code", flat=True))
    assert len(codes) == 16 and all(len(c) == 12 for c in codes)
    weights = survey.households.values_list("weight", flat=True)
    assert sum(weights) == pytest.approx(60)  # design weights add up to the frame


def test_a_frame_with_unknown_units_is_refused(client, survey, people):
    signed_in(client, people.admin)
    bad = frame()
    bad.loc[0, "unit_code"] = "QX1"  # not under P
    r = client.post(
        reverse("surveys:sample", args=[survey.pk]),
        {"frame": csv_upload(bad), "design": services.DEFAULT_SAMPLING_YAML, "seed": 1},
    )
    assert r.status_code == 200 and "row 2" in r.content.decode()
    assert not survey.households.exists()


def test_printable_codes_with_qr(client, sampled, people):
    signed_in(client, people.admin)
    page = client.get(reverse("surveys:codes", args=[sampled.pk])).content.decode()
    hh = sampled.households.first()
    assert hh.access_code in page
    assert f"/s/{hh.access_code}/" in page
    assert page.count("<svg") == 16
    hh.used_at = hh.survey.created_at
    hh.save()
    page = client.get(reverse("surveys:codes", args=[sampled.pk]) + "?unit=X1").content.decode()
    assert hh.access_code not in page and page.count("<svg") == 7 + (hh.unit.code != "X1")


def test_entry_template_download(client, sampled, people):
    signed_in(client, people.admin)
    r = client.get(reverse("surveys:template", args=[sampled.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    assert r.content[:2] == b"PK"


# ----------------------------------------------------------------------------- import


def test_import_keeps_valid_rows_and_reports_rejected_ones(client, sampled, people):
    households = list(sampled.households.all())
    table = export_for(households[:5])
    table.loc[1, "b-q9-q9_01"] = "9"  # not a choice
    table.loc[3, "a-household_code"] = "NOPE"  # not in the sample
    signed_in(client, people.admin)
    r = client.post(
        reverse("surveys:import", args=[sampled.pk]),
        {"source": "odk", "file": csv_upload(table, "odk.csv")},
    )
    assert r.status_code == 200
    rejected = r.context["rejected"]
    assert {x["row"] for x in rejected} == {"row 3", "row 5"}
    assert any("NOPE" in x["reason"] for x in rejected)
    page = r.content.decode()
    assert "row 3" in page and "row 5" in page
    assert r.context["result"].added == 3
    kept = Response.objects.filter(survey=sampled, submitted=True)
    assert kept.count() == 3 and set(kept.values_list("source", flat=True)) == {"odk"}
    assert kept.get(instance_id=f"inst-{households[0].household_code}").household == households[0]

    # importing the same file again adds nothing
    r = client.post(
        reverse("surveys:import", args=[sampled.pk]),
        {"source": "odk", "file": csv_upload(table, "odk.csv")},
    )
    assert r.context["result"].added == 0
    assert Response.objects.filter(survey=sampled).count() == 3
    assert any("already imported" in x["reason"] for x in r.context["rejected"])


def test_import_replaces_a_web_draft_and_uses_the_code(client, sampled, people):
    hh = sampled.households.first()
    client.post(reverse("survey_form:start", args=[hh.access_code]), {"consent": "yes"})
    assert Response.objects.filter(household=hh, submitted=False).exists()
    signed_in(client, people.admin)
    client.post(
        reverse("surveys:import", args=[sampled.pk]),
        {"source": "paper", "file": csv_upload(export_for([hh]))},
    )
    assert list(Response.objects.filter(household=hh).values_list("submitted", flat=True)) == [True]
    hh.refresh_from_db()
    assert hh.used_at is not None


# ----------------------------------------------------------------------------- progress, estimates


def _import_all(sampled, skip=0):
    households = list(sampled.households.all())[skip:]
    services.import_export(sampled, export_for(households), "odk", "odk.csv")
    return households


def test_progress_counts_by_unit_and_village(client, sampled, people):
    households = _import_all(sampled, skip=3)  # the first 3 (sorted by unit, village) missing
    signed_in(client, people.admin)
    r = client.get(reverse("surveys:detail", args=[sampled.pk]))
    rows = r.context["rows"]
    assert sum(x["sampled"] for x in rows) == 16
    assert sum(x["answered"] for x in rows) == 13 == len(households)
    first = rows[0]
    assert (first["sampled"], first["answered"]) == (4, 1)
    units = {u["unit_code"]: (u["sampled"], u["answered"]) for u in r.context["units"]}
    assert units == {"D1": (8, 5), "X1": (8, 8)}
    assert r.context["totals"]["answered"] == 13


def test_estimates_page_equals_the_core_estimate(client, sampled, people):
    _import_all(sampled)
    frame_ = services.responses_frame(sampled)
    expected = estimate(frame_, services.design_for(sampled))
    signed_in(client, people.admin)
    r = client.get(reverse("surveys:estimates", args=[sampled.pk]))
    assert r.status_code == 200
    rows = r.context["rows"]
    assert len(rows) == len(expected)
    for row, exp in zip(rows, expected.to_dict("records"), strict=True):
        assert row["unit_code"] == exp["unit_code"] and row["element"] == exp["element"]
        assert row["estimate"] == pytest.approx(exp["estimate_pct"])
        assert row["low"] == pytest.approx(exp["ci_low_pct"])
        assert row["high"] == pytest.approx(exp["ci_high_pct"])
    page = r.content.decode()
    overall = expected[(expected.unit_code == "ALL") & (expected.element == "overall")].iloc[0]
    assert fmt_number(overall["estimate_pct"], 1, "vi") in page
    assert "<svg" in page
    x = client.get(reverse("surveys:estimates_xlsx", args=[sampled.pk]))
    assert x.status_code == 200 and x.content[:2] == b"PK"
    table = pd.read_excel(io.BytesIO(x.content))
    assert len(table) == len(expected)


def test_estimates_page_without_responses_says_so(client, sampled, people):
    signed_in(client, people.admin)
    r = client.get(reverse("surveys:estimates", args=[sampled.pk]))
    assert r.status_code == 200 and "chưa có phiếu trả lời" in r.content.decode()


def test_feed_the_survey_leaves_of_a_campaign(client, tree, sampled, people):
    from parindex.framework.builtin import load_builtin
    from parindex.web.campaigns import services as campaigns
    from parindex.web.campaigns.models import LeafValue

    _import_all(sampled)
    campaign = campaigns.create_campaign(
        name="CCHC xã 2026",
        year=2026,
        root_unit=tree.p,
        framework=load_builtin("example-commune-2025"),
        user=people.admin,
    )
    assert set(campaign.assessments.values_list("unit__code", flat=True)) == {"X1"}
    signed_in(client, people.admin)
    r = client.post(reverse("surveys:feed", args=[sampled.pk]), {"campaign": campaign.pk})
    assert r.status_code == 302
    est = services.survey_estimates(sampled)
    values = dict(
        LeafValue.objects.filter(assessment__campaign=campaign, assessment__unit=tree.x1)
        .exclude(appraised_value="")
        .values_list("leaf_code", "appraised_value")
    )
    assert set(values) == {"8.1.1", "8.1.2", "8.1.3", "8.1.4", "8.2.1", "8.2.2"}
    access = est[(est.unit_code == "X1") & (est.element == "access")].iloc[0]["estimate_pct"]
    assert float(values["8.1.1"]) == pytest.approx(access / 100, abs=1e-6)
    # another province's admin may not feed P's campaign from P's survey (403 on the survey)
    signed_in(client, people.admin_q)
    r = client.post(reverse("surveys:feed", args=[sampled.pk]), {"campaign": campaign.pk})
    assert r.status_code == 403
