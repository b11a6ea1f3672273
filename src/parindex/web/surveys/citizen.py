"""The citizen web form (`/s/<code>/`, namespace `survey_form`): no sign-in, anonymous.

The one-time code of a sampled household opens the form while the survey is collecting:
consent first, then the instrument's sections (answers saved per section in a draft
Response bound to the code, so one can stop and resume), then the final submission, which
marks the code used. An unknown code, a used one and one of a survey not collecting get
the same answer (404, same page): nothing tells which codes exist.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from parindex.survey.responses import key_question
from parindex.web.surveys import services
from parindex.web.surveys.models import Response, SampledHousehold, Survey


def _household(code: str, lock: bool = False) -> SampledHousehold | None:
    qs = SampledHousehold.objects.select_related("survey")
    if lock:
        qs = qs.select_for_update()
    return qs.filter(
        access_code=str(code).strip().upper()[:32],
        used_at__isnull=True,
        survey__status=Survey.Status.COLLECTING,
    ).first()


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/form_invalid.html", status=404)


def _draft(household: SampledHousehold) -> Response | None:
    return household.responses.filter(submitted=False).order_by("pk").first()


def _form_sections(survey: Survey):
    instrument = services.survey_instrument(survey)
    return instrument, services.sections(instrument, services.group_labels(survey))


def _clean(instrument, question, post) -> tuple[str, str]:
    """(stored value, error message) of one question from the posted form."""
    from django.utils.translation import gettext as _

    if question.type == "select_multiple":
        values = [v for v in post.getlist(question.name) if v]
        allowed = set(instrument.choice_names(question))
        if any(v not in allowed for v in values):
            return "", _("Choose among the answers shown.")
        return " ".join(values), ""
    value = post.get(question.name, "").strip()[:2000]
    if not value:
        return "", ""
    if question.type == "select_one":
        if value not in instrument.choice_names(question):
            return "", _("Choose among the answers shown.")
    elif question.type in ("integer", "decimal"):
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            return value, _("Enter a number.")
        if question.type == "integer" and number != number.to_integral_value():
            return value, _("Enter a whole number.")
    return value, ""


def _render_questions(instrument, section, answers, errors) -> list[dict[str, Any]]:
    out = []
    for q in section.questions:
        value = answers.get(q.name, "")
        choices = [
            {"name": c.name, "label": c.label, "checked": c.name in str(value).split()
             if q.type == "select_multiple" else c.name == value}
            for c in instrument.choices.get(q.list_name, [])
        ]  # fmt: skip
        if q.type in ("select_one", "select_multiple"):
            kind = "multiple" if q.type == "select_multiple" else (
                "scale" if services.is_scale(instrument, q) else "radio"
            )  # fmt: skip
        elif q.type in ("integer", "decimal"):
            kind = "number"
        elif q.type == "date":
            kind = "date"
        else:
            kind = "text"
        out.append(
            {
                "q": q,
                "kind": kind,
                "value": value,
                "choices": choices,
                "error": errors.get(q.name, ""),
            }
        )
    return out


@login_not_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    household = _household(code)
    if household is None:
        return _invalid(request)
    draft = _draft(household)
    if request.method == "POST":
        if request.POST.get("consent") != "yes":
            return render(
                request,
                "surveys/form_consent.html",
                {"household": household, "code": code, "refused": True},
            )
        with transaction.atomic():
            household = _household(code, lock=True)
            if household is None:
                return _invalid(request)
            draft = _draft(household)
            if draft is None:
                draft = Response.objects.create(
                    survey=household.survey,
                    household=household,
                    instrument_version=household.survey.instrument_version,
                    answers={},
                    source=Response.Source.WEB,
                    instance_id=f"web-{uuid.uuid4()}",
                    consented_at=timezone.now(),
                )
        return redirect("survey_form:section", code, _resume_at(household, draft))
    return render(
        request,
        "surveys/form_consent.html",
        {"household": household, "code": code, "draft": draft},
    )


def _resume_at(household: SampledHousehold, draft: Response) -> int:
    _instrument, secs = _form_sections(household.survey)
    saved = (draft.answers or {}).get("__section__", 0) if draft else 0
    return max(0, min(int(saved or 0), len(secs) - 1))


@login_not_required
@require_http_methods(["GET", "POST"])
def section(request: HttpRequest, code: str, index: int) -> HttpResponse:
    household = _household(code)
    if household is None:
        return _invalid(request)
    draft = _draft(household)
    if draft is None:
        return redirect("survey_form:start", code)
    instrument, secs = _form_sections(household.survey)
    if index >= len(secs):
        return redirect("survey_form:submit", code)
    current = secs[index]
    answers = dict(draft.answers or {})
    errors: dict[str, str] = {}
    if request.method == "POST":
        for q in current.questions:
            value, error = _clean(instrument, q, request.POST)
            if error:
                errors[q.name] = error
            else:
                answers[q.name] = value
        if not errors:
            with transaction.atomic():
                household = _household(code, lock=True)
                if household is None:
                    return _invalid(request)
                action = request.POST.get("action", "next")
                step = {"next": index + 1, "back": max(0, index - 1)}.get(action, index)
                answers["__section__"] = min(step, len(secs) - 1)
                draft.answers = answers
                draft.save(update_fields=["answers"])
            if action == "later":
                return render(
                    request,
                    "surveys/form_saved.html",
                    {"household": household, "code": code},
                )
            if step >= len(secs):
                return redirect("survey_form:submit", code)
            return redirect("survey_form:section", code, step)
    return render(
        request,
        "surveys/form_section.html",
        {
            "household": household,
            "survey": household.survey,
            "code": code,
            "section": current,
            "index": index,
            "number": index + 1,
            "count": len(secs),
            "questions": _render_questions(instrument, current, answers, errors),
            "has_errors": bool(errors),
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, code: str) -> HttpResponse:
    household = _household(code)
    if household is None:
        return _invalid(request)
    draft = _draft(household)
    if draft is None:
        return redirect("survey_form:start", code)
    instrument, secs = _form_sections(household.survey)
    answers = draft.answers or {}
    key = key_question(instrument)
    missing = []
    for s in secs:
        for q in s.questions:
            if q.required and not str(answers.get(q.name, "")).strip():
                missing.append({"section": s, "label": q.label})
    if request.method == "POST" and not missing:
        with transaction.atomic():
            household = _household(code, lock=True)
            if household is None:
                return _invalid(request)
            draft = _draft(household)
            if draft is None:
                return _invalid(request)
            final = {k: v for k, v in (draft.answers or {}).items() if not k.startswith("__")}
            if key:
                final[key] = household.household_code
            draft.answers = final
            draft.submitted = True
            draft.save(update_fields=["answers", "submitted"])
            household.used_at = timezone.now()
            household.save(update_fields=["used_at"])
        return render(request, "surveys/form_thanks.html", {"survey": household.survey})
    return render(
        request,
        "surveys/form_submit.html",
        {"household": household, "code": code, "missing": missing, "last": len(secs) - 1},
    )
