"""A unit's pages: deadlines, the self-assessment form (autosaved leaf by leaf with htmx),
evidence, checking and submitting, and answering explanation requests.

Every view is `unit_scoped` on the unit the object belongs to (the assessment, the
evidence, the request): seeing needs `parindex.view_unit`, changing the self-assessment
and answering `parindex.edit_self_assessment`, submitting `parindex.submit_self_assessment`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.web.accounts.permissions import unit_scoped
from parindex.web.campaigns import services
from parindex.web.campaigns.forms import AnswerForm, CitationForm
from parindex.web.campaigns.models import (
    Assessment,
    Evidence,
    ExplanationRequest,
    Track,
    UnitResult,
)
from parindex.web.campaigns.uploads import ACCEPT, UploadRefused
from parindex.web.campaigns.views.common import (
    assessment_unit,
    build_sheet,
    evidence_unit,
    refuse,
    request_unit,
)
from parindex.web.units.models import Unit

VIEW = "parindex.view_unit"
EDIT = "parindex.edit_self_assessment"
SUBMIT = "parindex.submit_self_assessment"


def _form_url(assessment: Assessment, dom_id: str = "") -> str:
    url = reverse("campaigns:self_form", args=[assessment.pk])
    return f"{url}#{dom_id}" if dom_id else url


@unit_scoped(VIEW, get_unit=assessment_unit)
def assessment_detail(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """The unit page: deadlines and days remaining, progress, what to do next."""
    assessment: Assessment = request.assessment
    campaign = assessment.campaign
    user = request.user
    sheet = build_sheet(assessment, only=())
    open_requests = ExplanationRequest.objects.filter(
        leaf_value__assessment=assessment, status=ExplanationRequest.Status.OPEN
    ).count()
    results = {}
    if campaign.has_results:
        results = {
            r.track: r for r in UnitResult.objects.filter(campaign=campaign, unit=assessment.unit)
        }
    context = {
        "assessment": assessment,
        "campaign": campaign,
        "unit": unit,
        "sheet": sheet,
        "windows": services.window_states(campaign, unit),
        "can_edit": user.has_perm(EDIT, unit),
        "can_submit": user.has_perm(SUBMIT, unit),
        "can_view_appraisal": user.has_perm("parindex.view_appraisal", unit),
        "can_reopen": user.has_perm("parindex.admin_campaigns", unit),
        "edit_refusal": services.self_edit_refusal(assessment),
        "open_requests": open_requests,
        "result": results.get(Track.APPRAISED),
        "self_result": results.get(Track.SELF),
    }
    return render(request, "campaigns/assessment_detail.html", context)


def _self_context(request: HttpRequest, assessment: Assessment, **extra: Any) -> dict[str, Any]:
    can_edit = request.user.has_perm(EDIT, assessment.unit)
    refusal = services.self_edit_refusal(assessment)
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "unit": assessment.unit,
        "editable": can_edit and refusal is None,
        "can_edit": can_edit,
        "refusal": refusal,
        "accept": ACCEPT,
        **extra,
    }


@unit_scoped(VIEW, get_unit=assessment_unit)
def self_form(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """The self-assessment: the framework tree, one autosaving form per leaf."""
    assessment: Assessment = request.assessment
    sheet = build_sheet(assessment, with_requests=False)
    context = _self_context(request, assessment, sheet=sheet)
    return render(request, "campaigns/self_form.html", context)


def _leaf_or_404(assessment: Assessment, leaf_code: str):
    spec = assessment.campaign.spec().by_code.get(leaf_code)
    if spec is None:
        raise Http404
    return spec


@require_POST
@unit_scoped(EDIT, get_unit=assessment_unit)
def self_save(request: HttpRequest, assessment_id: int, leaf_code: str, unit: Unit) -> HttpResponse:
    """Save one leaf (htmx: on change). Answers with the leaf's status and, out of band,
    the running totals computed by the core."""
    assessment: Assessment = request.assessment
    spec = _leaf_or_404(assessment, leaf_code)
    parsed = spec.parse(request.POST)
    not_applicable = request.POST.get("not_applicable") in ("on", "1", "true")
    errors = [] if not_applicable else list(parsed.errors)
    saved = False
    if not errors:
        try:
            services.save_self_value(
                assessment,
                leaf_code,
                value=parsed.value,
                inputs=parsed.inputs,
                not_applicable=not_applicable,
                explanation=request.POST.get("explanation", ""),
                user=request.user,
            )
            saved = True
        except services.WorkflowError as exc:
            errors = [exc.message, *exc.problems]
    if not request.htmx:
        if saved:
            messages.success(request, _("Saved %(code)s.") % {"code": leaf_code})
        for error in errors:
            messages.error(request, f"{leaf_code}: {error}")
        return redirect(_form_url(assessment, spec.dom_id))
    sheet = build_sheet(assessment)
    context = _self_context(
        request,
        assessment,
        sheet=sheet,
        row=sheet.rows[leaf_code],
        errors=errors,
        saved=saved,
        oob=True,
    )
    response = render(request, "campaigns/_self_saved.html", context)
    return response


def _evidence_response(
    request: HttpRequest, assessment: Assessment, leaf_code: str, errors: list[str], note: str = ""
) -> HttpResponse:
    spec = assessment.campaign.spec().by_code[leaf_code]
    if not request.htmx:
        for error in errors:
            messages.error(request, f"{leaf_code}: {error}")
        if note:
            messages.success(request, note)
        return redirect(_form_url(assessment, spec.dom_id))
    sheet = build_sheet(assessment, only=[leaf_code])
    context = _self_context(
        request, assessment, row=sheet.rows[leaf_code], evidence_errors=errors, note=note
    )
    return render(request, "campaigns/_evidence.html", context)


@require_POST
@unit_scoped(EDIT, get_unit=assessment_unit)
def evidence_add(
    request: HttpRequest, assessment_id: int, leaf_code: str, unit: Unit
) -> HttpResponse:
    """Add evidence to a leaf: an uploaded file (checked by content) or a cited document."""
    assessment: Assessment = request.assessment
    _leaf_or_404(assessment, leaf_code)
    errors, note = _add_evidence(request, assessment, leaf_code, None)
    return _evidence_response(request, assessment, leaf_code, errors, note)


def _add_evidence(
    request: HttpRequest,
    assessment: Assessment,
    leaf_code: str,
    explanation_request: ExplanationRequest | None,
) -> tuple[list[str], str]:
    upload = request.FILES.get("file")
    try:
        if upload is not None:
            services.add_evidence_file(
                assessment,
                leaf_code,
                upload,
                user=request.user,
                title=request.POST.get("title", ""),
                explanation_request=explanation_request,
            )
            return [], _("File added.")
        form = CitationForm(request.POST)
        if not form.is_valid():
            return [e for errors in form.errors.values() for e in errors], ""
        services.add_citation(
            assessment,
            leaf_code,
            user=request.user,
            explanation_request=explanation_request,
            **form.cleaned_data,
        )
        return [], _("Document cited.")
    except UploadRefused as exc:
        return [str(exc)], ""
    except services.WorkflowError as exc:
        return [exc.message, *exc.problems], ""


@require_POST
@unit_scoped(EDIT, get_unit=evidence_unit)
def evidence_delete(request: HttpRequest, evidence_id: int, unit: Unit) -> HttpResponse:
    evidence: Evidence = request.evidence
    assessment = evidence.leaf_value.assessment
    leaf_code = evidence.leaf_value.leaf_code
    errors, note = [], ""
    try:
        services.remove_evidence(evidence, request.user)
        note = _("Evidence removed.")
    except services.WorkflowError as exc:
        errors = [exc.message]
    if evidence.explanation_request_id and not request.htmx:
        for error in errors:
            messages.error(request, error)
        return redirect("campaigns:explanations", assessment.pk)
    return _evidence_response(request, assessment, leaf_code, errors, note)


@unit_scoped(VIEW, get_unit=evidence_unit)
def evidence_download(request: HttpRequest, evidence_id: int, unit: Unit) -> HttpResponse:
    """The file, only to people who may see the unit; always as a download."""
    evidence: Evidence = request.evidence
    if evidence.kind != Evidence.Kind.FILE or not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@unit_scoped(EDIT, get_unit=assessment_unit)
def check(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """What must be fixed before the head of unit can submit (links to each leaf)."""
    assessment: Assessment = request.assessment
    problems = services.validate_submission(assessment)
    spec = assessment.campaign.spec()
    return render(
        request,
        "campaigns/check.html",
        {
            "assessment": assessment,
            "campaign": assessment.campaign,
            "unit": unit,
            "problems": [(p, spec.by_code.get(p.leaf_code)) for p in problems],
            "can_submit": request.user.has_perm(SUBMIT, unit),
            "refusal": services.self_edit_refusal(assessment),
        },
    )


@unit_scoped(SUBMIT, get_unit=assessment_unit)
def submit(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """GET: the check and a confirmation; POST (confirmed): submit and lock."""
    assessment: Assessment = request.assessment
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the confirmation to submit."))
            return redirect("campaigns:submit", assessment.pk)
        try:
            services.submit(assessment, request.user)
        except services.WorkflowError as exc:
            return refuse(
                request,
                exc.message,
                reverse("campaigns:check", args=[assessment.pk]),
                exc.problems,
            )
        messages.success(request, _("Submitted. The self-assessment is now locked."))
        return redirect("campaigns:assessment", assessment.pk)
    problems = services.validate_submission(assessment)
    spec = assessment.campaign.spec()
    sheet = build_sheet(assessment, only=())
    return render(
        request,
        "campaigns/submit.html",
        {
            "assessment": assessment,
            "campaign": assessment.campaign,
            "unit": unit,
            "problems": [(p, spec.by_code.get(p.leaf_code)) for p in problems],
            "refusal": services.self_edit_refusal(assessment),
            "sheet": sheet,
        },
    )


@unit_scoped(EDIT, get_unit=assessment_unit)
def explanations(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """The unit's explanation requests: deadlines, answers, files."""
    assessment: Assessment = request.assessment
    requests = list(
        ExplanationRequest.objects.filter(leaf_value__assessment=assessment)
        .select_related("leaf_value", "requested_by", "responded_by")
        .prefetch_related("evidence")
        .order_by("status", "deadline", "id")
    )
    spec = assessment.campaign.spec()
    items = [
        {
            "request": req,
            "leaf": spec.by_code.get(req.leaf_value.leaf_code),
            "refusal": services.explanation_refusal(req),
            "form": AnswerForm(initial={"response_text": req.response_text}, prefix=f"r{req.pk}"),
        }
        for req in requests
    ]
    return render(
        request,
        "campaigns/explanations.html",
        {
            "assessment": assessment,
            "campaign": assessment.campaign,
            "unit": unit,
            "items": items,
            "accept": ACCEPT,
        },
    )


@require_POST
@unit_scoped(EDIT, get_unit=request_unit)
def explanation_answer(request: HttpRequest, request_id: int, unit: Unit) -> HttpResponse:
    req: ExplanationRequest = request.explanation_request
    assessment = req.leaf_value.assessment
    back = reverse("campaigns:explanations", args=[assessment.pk])
    form = AnswerForm(request.POST, prefix=f"r{req.pk}")
    if not form.is_valid():
        return refuse(request, _("Write the explanation."), back)
    try:
        services.answer_explanation(req, text=form.cleaned_data["response_text"], user=request.user)
    except services.WorkflowError as exc:
        return refuse(request, exc.message, back)
    messages.success(request, _("Explanation sent."))
    return redirect(back)


@require_POST
@unit_scoped(EDIT, get_unit=request_unit)
def explanation_evidence(request: HttpRequest, request_id: int, unit: Unit) -> HttpResponse:
    """A file or cited document attached to an answer (during the explanation window)."""
    req: ExplanationRequest = request.explanation_request
    assessment = req.leaf_value.assessment
    errors, note = _add_evidence(request, assessment, req.leaf_value.leaf_code, req)
    for error in errors:
        messages.error(request, error)
    if note:
        messages.success(request, note)
    return redirect("campaigns:explanations", assessment.pk)
