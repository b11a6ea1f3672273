"""The citizen web form: consent, save and resume, one submission per code, CSRF."""

# ruff: noqa: F811 (pytest fixtures imported from test_surveys_support)
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from test_surveys_support import people, sampled, survey  # noqa: F401 (fixtures)

from parindex.web.surveys.models import Response


def _main(response) -> str:
    """The page's main content (the header differs by its CSRF token only)."""
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def _start(client, hh):
    return client.post(reverse("survey_form:start", args=[hh.access_code]), {"consent": "yes"})


def _answer_all(client, hh, value="4"):
    """Go through every section, answering every single-choice question with `value` when
    it is a choice (else the first choice)."""
    from parindex.web.surveys import services

    instrument = services.survey_instrument(hh.survey)
    secs = services.sections(instrument, {})
    for s in secs:
        data = {"action": "next"}
        for q in s.questions:
            if q.type == "select_one":
                names = instrument.choice_names(q)
                data[q.name] = value if value in names else names[0]
        r = client.post(reverse("survey_form:section", args=[hh.access_code, s.index]), data)
        assert r.status_code == 302
    return r


def test_consent_page_needs_no_sign_in_and_is_vietnamese(client, sampled):
    hh = sampled.households.first()
    r = client.get(reverse("survey_form:start", args=[hh.access_code]))
    assert r.status_code == 200
    assert "Tôi đồng ý" in r.content.decode()
    assert not Response.objects.exists()  # nothing stored before consent


def test_a_code_submits_once_and_unknown_codes_are_refused(client, sampled):
    hh = sampled.households.first()
    assert _start(client, hh).status_code == 302
    last = _answer_all(client, hh)
    assert last["Location"] == reverse("survey_form:submit", args=[hh.access_code])
    r = client.post(reverse("survey_form:submit", args=[hh.access_code]))
    assert r.status_code == 200
    hh.refresh_from_db()
    assert hh.used_at is not None
    response = Response.objects.get(household=hh)
    assert response.submitted and response.source == "web"
    assert response.answers["household_code"] == hh.household_code
    assert response.answers["q9_01"] == "4"
    assert not any(k.startswith("__") for k in response.answers)
    # second attempt: every page refuses, with the same message as an unknown code
    used = client.post(reverse("survey_form:submit", args=[hh.access_code]))
    unknown = client.post(reverse("survey_form:submit", args=["ZZZZZZZZZZZZ"]))
    assert used.status_code == unknown.status_code == 404
    assert _main(used) == _main(unknown)
    for name, args in (("start", []), ("section", [0])):
        assert (
            client.get(reverse(f"survey_form:{name}", args=[hh.access_code, *args])).status_code
            == 404
        )
    assert _start(client, hh).status_code == 404
    assert Response.objects.filter(household=hh).count() == 1


def test_save_and_resume(sampled):
    hh = sampled.households.first()
    first = Client()
    _start(first, hh)
    url0 = reverse("survey_form:section", args=[hh.access_code, 0])
    r = first.post(url0, {"action": "next", "sex": "nu", "age_group": "25_34"})
    assert r.status_code == 302
    r = first.post(
        reverse("survey_form:section", args=[hh.access_code, 1]),
        {"action": "later", "q1_1": "2"},
    )
    assert r.status_code == 200 and "đã được lưu" in r.content.decode()
    draft = Response.objects.get(household=hh)
    assert not draft.submitted
    assert draft.answers["sex"] == "nu" and draft.answers["q1_1"] == "2"
    # another device, same code: continues where it stopped, answers kept
    other = Client()
    r = other.post(reverse("survey_form:start", args=[hh.access_code]), {"consent": "yes"})
    assert r["Location"] == reverse("survey_form:section", args=[hh.access_code, 1])
    page = other.get(r["Location"]).content.decode()
    assert 'value="2" checked' in page
    assert Response.objects.filter(household=hh).count() == 1
    hh.refresh_from_db()
    assert hh.used_at is None


def test_invalid_answers_are_not_saved(client, sampled):
    hh = sampled.households.first()
    _start(client, hh)
    r = client.post(
        reverse("survey_form:section", args=[hh.access_code, 0]), {"action": "next", "sex": "x"}
    )
    assert r.status_code == 200 and "field-error" in r.content.decode()
    assert "sex" not in Response.objects.get(household=hh).answers


def test_scale_questions_are_a_row_of_radio_buttons(client, sampled):
    from parindex.web.surveys import services

    hh = sampled.households.first()
    _start(client, hh)
    secs = services.sections(services.survey_instrument(sampled), {})
    q9 = next(s for s in secs if any(q.name == "q9_01" for q in s.questions))
    page = client.get(reverse("survey_form:section", args=[hh.access_code, q9.index])).content
    assert b"choices--scale" in page and b'type="radio" name="q9_01"' in page


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_a_survey_not_collecting_refuses_codes(client, sampled, status):
    sampled.status = status
    sampled.save()
    hh = sampled.households.first()
    assert client.get(reverse("survey_form:start", args=[hh.access_code])).status_code == 404


def test_the_form_is_csrf_protected(sampled):
    hh = sampled.households.first()
    strict = Client(enforce_csrf_checks=True)
    r = strict.post(reverse("survey_form:start", args=[hh.access_code]), {"consent": "yes"})
    assert r.status_code == 403
    assert not Response.objects.exists()
