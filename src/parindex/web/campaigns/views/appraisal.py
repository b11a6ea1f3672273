"""Appraisal of a unit, its audit history, and reopening.

`unit_scoped` on the assessment's unit: the page and the history need
`parindex.view_appraisal` (appraisers and campaign administrators covering the unit);
every change needs `parindex.appraise` on the unit and `parindex.appraise_field` on the
leaf's field (appraisers limited to some fields change only those); reopening needs
`parindex.admin_campaigns`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.web.accounts.permissions import unit_scoped
from parindex.web.campaigns import services
from parindex.web.campaigns.forms import ExplanationRequestForm, ReopenForm
from parindex.web.campaigns.models import (
    Assessment,
    Evidence,
    ExplanationRequest,
    LeafValue,
)
from parindex.web.campaigns.values import FrameworkSpec
from parindex.web.campaigns.views.common import (
    assessment_unit,
    build_sheet,
    may_appraise_field,
    refuse,
)
from parindex.web.units.models import Unit, today

VIEW_APPRAISAL = "parindex.view_appraisal"
APPRAISE = "parindex.appraise"


def _appraisal_context(request: HttpRequest, assessment: Assessment, **extra: Any) -> dict:
    unit = assessment.unit
    refusal = services.appraisal_refusal(assessment)
    can_appraise = request.user.has_perm(APPRAISE, unit)
    changed = services.changed_since_submission([assessment]).get(assessment.pk, 0)
    window = services.windows_of(assessment.campaign).get("explanation")
    on = today()
    default_deadline = (
        window.closes_on if window and window.closes_on >= on else on + dt.timedelta(days=7)
    )
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "unit": unit,
        "can_appraise": can_appraise,
        "editable": can_appraise and refusal is None,
        "refusal": refusal,
        "changed": changed,
        "explain_form": ExplanationRequestForm(),
        "today": on,
        "default_deadline": default_deadline,
        **extra,
    }


@unit_scoped(VIEW_APPRAISAL, get_unit=assessment_unit)
def appraise(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """Per leaf: the self-assessed value, evidence, explanation; the appraised value."""
    assessment: Assessment = request.assessment
    sheet = build_sheet(assessment, user=request.user, with_requests=True)
    appraised = sum(1 for row in sheet.rows.values() if row.is_appraised and not row.spec.is_survey)
    scorable = sum(1 for row in sheet.rows.values() if not row.spec.is_survey)
    context = _appraisal_context(
        request,
        assessment,
        sheet=sheet,
        appraised=appraised,
        scorable=scorable,
        windows=services.window_states(assessment.campaign, unit),
        full_fields=all(f.spec.code and _may(request, unit, f.spec.code) for f in sheet.fields),
    )
    return render(request, "campaigns/appraise.html", context)


def _may(request: HttpRequest, unit: Unit, field_code: str) -> bool:
    return may_appraise_field(request.user, unit, field_code)


def _leaf_for_appraiser(request: HttpRequest, assessment: Assessment, leaf_code: str):
    spec = assessment.campaign.spec().by_code.get(leaf_code)
    if spec is None:
        raise Http404
    if not _may(request, assessment.unit, spec.field_code):
        raise PermissionDenied
    return spec


def _appraised_na(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@require_POST
@unit_scoped(APPRAISE, get_unit=assessment_unit)
def appraise_save(
    request: HttpRequest, assessment_id: int, leaf_code: str, unit: Unit
) -> HttpResponse:
    """Set (or accept) the appraised value of one leaf; a different value needs a reason."""
    assessment: Assessment = request.assessment
    spec = _leaf_for_appraiser(request, assessment, leaf_code)
    errors: list[str] = []
    saved = False
    if request.POST.get("accept"):
        lv = LeafValue.objects.filter(assessment=assessment, leaf_code=leaf_code).first()
        value = lv.self_value if lv else ""
        inputs = dict(lv.self_inputs or {}) if lv else {}
        na, reason = None, ""
        if lv is None:
            errors = [_("The unit gave no value to accept.")]
    else:
        parsed = spec.parse(request.POST, prefix="a_")
        na = _appraised_na(request.POST.get("a_not_applicable", ""))
        value, inputs, reason = parsed.value, parsed.inputs, request.POST.get("a_reason", "")
        errors = [] if na else list(parsed.errors)
    if not errors:
        try:
            services.set_appraised_value(
                assessment,
                leaf_code,
                value=value,
                inputs=inputs,
                not_applicable=na,
                reason=reason,
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
        url = reverse("campaigns:appraise", args=[assessment.pk])
        return redirect(f"{url}#{spec.dom_id}")
    sheet = build_sheet(assessment, user=request.user, with_requests=True)
    context = _appraisal_context(
        request,
        assessment,
        sheet=sheet,
        row=sheet.rows[leaf_code],
        errors=errors,
        saved=saved,
        oob=True,
    )
    return render(request, "campaigns/_appraise_saved.html", context)


@require_POST
@unit_scoped(APPRAISE, get_unit=assessment_unit)
def explain_request(
    request: HttpRequest, assessment_id: int, leaf_code: str, unit: Unit
) -> HttpResponse:
    """Ask the unit to explain one leaf (round 1, with a deadline)."""
    assessment: Assessment = request.assessment
    spec = _leaf_for_appraiser(request, assessment, leaf_code)
    back = f"{reverse('campaigns:appraise', args=[assessment.pk])}#{spec.dom_id}"
    form = ExplanationRequestForm(request.POST)
    if not form.is_valid():
        problems = [e for errors in form.errors.values() for e in errors]
        return refuse(request, _("The request was not sent."), back, problems)
    try:
        services.request_explanation(
            assessment,
            leaf_code,
            message=form.cleaned_data["message"],
            deadline=form.cleaned_data["deadline"],
            user=request.user,
        )
    except services.WorkflowError as exc:
        return refuse(request, exc.message, back)
    messages.success(request, _("Explanation requested for %(code)s.") % {"code": leaf_code})
    return redirect(back)


@require_POST
@unit_scoped(APPRAISE, get_unit=assessment_unit)
def accept_all(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """Accept the self-assessed value of every leaf not yet appraised, in the fields the
    appraiser may appraise."""
    assessment: Assessment = request.assessment
    spec: FrameworkSpec = assessment.campaign.spec()
    codes = [
        leaf.code
        for leaf in spec.leaves
        if not leaf.is_survey and _may(request, unit, leaf.field_code)
    ]
    back = reverse("campaigns:appraise", args=[assessment.pk])
    try:
        count = services.accept_self_values(assessment, codes, user=request.user)
    except services.WorkflowError as exc:
        return refuse(request, exc.message, back)
    messages.success(request, _("%(count)s self-assessed values accepted.") % {"count": count})
    return redirect(back)


@require_POST
@unit_scoped(APPRAISE, get_unit=assessment_unit)
def round_2(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    assessment: Assessment = request.assessment
    back = reverse("campaigns:appraise", args=[assessment.pk])
    try:
        services.start_round_2(assessment, request.user)
    except services.WorkflowError as exc:
        return refuse(request, exc.message, back)
    messages.success(request, _("Appraisal round 2 started."))
    return redirect(back)


@require_POST
@unit_scoped(APPRAISE, get_unit=assessment_unit)
def complete(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """Mark the unit appraised: only an appraiser of every field may."""
    assessment: Assessment = request.assessment
    spec = assessment.campaign.spec()
    if not all(_may(request, unit, f.code) for f in spec.fields):
        raise PermissionDenied
    back = reverse("campaigns:appraise", args=[assessment.pk])
    try:
        services.complete_appraisal(assessment, request.user)
    except services.WorkflowError as exc:
        return refuse(request, exc.message, back)
    messages.success(request, _("The appraisal of this unit is complete."))
    return redirect(back)


# --- history ----------------------------------------------------------------------------------

LEAF_FIELDS = (
    ("self_value", "self"),
    ("self_inputs", "self"),
    ("not_applicable", "self"),
    ("explanation", "self"),
    ("appraised_value", "appraised"),
    ("appraised_inputs", "appraised"),
    ("appraised_not_applicable", "appraised"),
    ("appraisal_reason", "appraised"),
)


@dataclass
class Change:
    when: Any
    who: Any
    what: str
    leaf: Any
    field: str
    before: str
    after: str
    why: str


def _show(spec, field_name: str, value: Any) -> str:
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if spec is not None and field_name in ("self_value", "appraised_value"):
        return spec.display(str(value)) or str(value)
    if spec is not None and field_name in ("self_inputs", "appraised_inputs"):
        return spec.display("", value) or json.dumps(value, ensure_ascii=False)
    return str(value)


def audit_trail(assessment: Assessment) -> list[Change]:
    """Who changed which value, when, from what to what, and why — newest first."""
    spec = assessment.campaign.spec()
    names = {
        f.name: f.verbose_name for f in LeafValue._meta.get_fields() if hasattr(f, "verbose_name")
    }
    changes: list[Change] = []
    records = (
        LeafValue.history.filter(assessment_id=assessment.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous: dict[int, Any] = {}
    for record in records:
        leaf = spec.by_code.get(record.leaf_code)
        before = previous.get(record.id)
        for name, _track in LEAF_FIELDS:
            old = getattr(before, name) if before is not None else None
            new = getattr(record, name)
            if before is None and new in ("", None, {}, False):
                continue
            if before is not None and old == new:
                continue
            changes.append(
                Change(
                    record.history_date,
                    record.history_user,
                    record.leaf_code,
                    leaf,
                    str(names.get(name, name)),
                    _show(leaf, name, old),
                    _show(leaf, name, new),
                    services.show_reason(record.history_change_reason),
                )
            )
        previous[record.id] = record
    status_label = dict(Assessment.Status.choices)
    last_status = None
    for record in (
        Assessment.history.filter(id=assessment.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        if record.status != last_status or record.history_type != "~":
            label = str(status_label.get(record.status, record.status))
            if record.round == 2:
                label += " · " + _("round 2")
            changes.append(
                Change(
                    record.history_date,
                    record.history_user,
                    _("Assessment"),
                    None,
                    _("status"),
                    str(status_label.get(last_status, "—")) if last_status else "—",
                    label,
                    services.show_reason(record.history_change_reason),
                )
            )
        last_status = record.status
    evidence_records = (
        Evidence.history.filter(leaf_value__assessment_id=assessment.pk)
        .select_related("history_user", "leaf_value")
        .order_by("history_date", "history_id")
    )
    for record in evidence_records:
        if record.history_type == "~":
            continue
        code = record.leaf_value.leaf_code if record.leaf_value else ""
        name = record.original_name or " ".join(p for p in (record.doc_number, record.title) if p)
        added = record.history_type == "+"
        changes.append(
            Change(
                record.history_date,
                record.history_user,
                code,
                spec.by_code.get(code),
                _("evidence"),
                "—" if added else name,
                name if added else "—",
                services.show_reason(record.history_change_reason),
            )
        )
    for record in (
        ExplanationRequest.history.filter(leaf_value__assessment_id=assessment.pk)
        .select_related("history_user", "leaf_value")
        .order_by("history_date", "history_id")
    ):
        code = record.leaf_value.leaf_code if record.leaf_value else ""
        text = record.response_text if record.status == "answered" else record.message
        changes.append(
            Change(
                record.history_date,
                record.history_user,
                code,
                spec.by_code.get(code),
                _("explanation request"),
                "",
                f"{record.get_status_display()}: {text}",
                services.show_reason(record.history_change_reason),
            )
        )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes


@unit_scoped(VIEW_APPRAISAL, get_unit=assessment_unit)
def history(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    assessment: Assessment = request.assessment
    leaf = request.GET.get("leaf", "").strip()
    changes = audit_trail(assessment)
    if leaf:
        changes = [c for c in changes if c.what == leaf]
    return render(
        request,
        "campaigns/history.html",
        {
            "assessment": assessment,
            "campaign": assessment.campaign,
            "unit": unit,
            "changes": changes,
            "leaf": leaf,
        },
    )


@unit_scoped("parindex.admin_campaigns", get_unit=assessment_unit)
def reopen(request: HttpRequest, assessment_id: int, unit: Unit) -> HttpResponse:
    """Give the unit back its self-assessment, with the reason (and optionally a deadline)."""
    assessment: Assessment = request.assessment
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen(
                assessment,
                reason=form.cleaned_data["reason"],
                user=request.user,
                until=form.cleaned_data.get("until"),
            )
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The unit's self-assessment is open again."))
            return redirect("campaigns:assessment", assessment.pk)
    return render(
        request,
        "campaigns/reopen.html",
        {"assessment": assessment, "campaign": assessment.campaign, "unit": unit, "form": form},
    )
