"""Campaign pages: the list, creating a campaign, its dashboard and the administrator's
steps (units in scope, windows, exceptions, survey values, open, finalise, publish), and
the results list.

Every view on a campaign is `unit_scoped` on the campaign's root unit: the dashboard and
results need `parindex.view_unit` there, every change `parindex.admin_campaigns`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.errors import InputError
from parindex.web.accounts.permissions import unit_scoped
from parindex.web.accounts.rules import CAMPAIGN_ROLES, scope_roots, visible_units
from parindex.web.campaigns import services
from parindex.web.campaigns.forms import (
    CampaignCreateForm,
    CampaignSettingsForm,
    ExceptionForm,
    TableUploadForm,
    WindowsForm,
    problems_error,
)
from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    LeafValue,
    Track,
    UnitResult,
    WindowKind,
)
from parindex.web.campaigns.views.common import campaign_root, refuse
from parindex.web.units.models import Unit, today

ADMIN = "parindex.admin_campaigns"
VIEW = "parindex.view_unit"
UNITS_PER_PAGE = 100


def campaign_list(request: HttpRequest) -> HttpResponse:
    """Campaigns the user takes part in: the whole campaign where they may see its root,
    else the assessments of their own units. (A list: each link is scoped again.)"""
    user = request.user
    visible = visible_units(user)
    campaigns = list(
        Campaign.objects.select_related("root_unit")
        .filter(Q(root_unit__in=visible) | Q(assessments__unit__in=visible))
        .distinct()
        .order_by("-year", "name")
    )
    entries = []
    for campaign in campaigns:
        whole = user.has_perm(VIEW, campaign.root_unit)
        own: list[Assessment] = []
        if not whole:
            own = list(campaign.assessments.filter(unit__in=visible).select_related("unit")[:50])
        entries.append({"campaign": campaign, "whole": whole, "own": own})
    roots = scope_roots(user, CAMPAIGN_ROLES)
    if roots is None:  # superuser-like: every root unit
        roots = list(Unit.objects.in_force().roots())
    can_create = [u for u in roots if user.has_perm(ADMIN, u)]
    return render(
        request, "campaigns/campaign_list.html", {"entries": entries, "can_create": can_create}
    )


@unit_scoped(ADMIN)
def campaign_create(request: HttpRequest, unit: Unit) -> HttpResponse:
    """A new draft campaign run by `unit`, on a built-in or uploaded framework."""
    form = CampaignCreateForm(request.POST or None, request.FILES or None, root=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                name=data["name"],
                year=data["year"],
                root_unit=unit,
                framework=form.framework,
                user=request.user,
                previous=data.get("previous"),
            )
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
        except InputError as exc:
            form.add_error(None, problems_error(exc))
        else:
            count = campaign.assessments.count()
            messages.success(
                request,
                _("Campaign created with %(count)s units in scope. Set its windows, then open it.")
                % {"count": count},
            )
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/campaign_create.html", {"form": form, "unit": unit})


def _overdue(campaign: Campaign, assessments: list[Assessment], on: dt.date) -> list[Assessment]:
    """Units not submitted although the self-assessment window (and any exception) closed."""
    window = services.windows_of(campaign).get(WindowKind.SELF_ASSESSMENT)
    if window is None or window.closes_on >= on:
        return []
    extended = {
        ex.unit_id
        for ex in campaign.exceptions.filter(kind=WindowKind.SELF_ASSESSMENT, until__gte=on)
    }
    return [a for a in assessments if a.status in services.ACTIVE and a.unit_id not in extended]


@unit_scoped(VIEW, get_unit=campaign_root)
def campaign_detail(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """The progress dashboard (and the administrator's actions)."""
    campaign: Campaign = request.campaign
    on = today()
    spec = campaign.spec()
    assessments = list(campaign.assessments.select_related("unit", "submitted_by"))
    counts = {status: 0 for status in Assessment.Status.values}
    for a in assessments:
        counts[a.status] += 1
    filled = dict(
        LeafValue.objects.filter(
            assessment__campaign=campaign, self_filled=True, leaf_code__in=spec.required_codes
        )
        .values_list("assessment_id")
        .annotate(n=Count("id"))
        .values_list("assessment_id", "n")
    )
    changed = services.changed_since_submission(assessments)
    overdue = _overdue(campaign, assessments, on)
    overdue_ids = {a.pk for a in overdue}
    required = len(spec.required_codes)

    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    shown = assessments
    if status == "overdue":
        shown = overdue
    elif status in counts:
        shown = [a for a in shown if a.status == status]
    if query:
        q = query.casefold()
        shown = [a for a in shown if q in a.unit.code.casefold() or q in a.unit.name.casefold()]
    shown.sort(key=lambda a: (a.unit.peer_group, a.unit.code))
    page = Paginator(shown, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "assessment": a,
            "filled": filled.get(a.pk, 0),
            "filled_pct": round(filled.get(a.pk, 0) / required * 100) if required else 100,
            "changed": changed.get(a.pk, 0),
            "overdue": a.pk in overdue_ids,
        }
        for a in page
    ]
    context = {
        "campaign": campaign,
        "unit": unit,
        "is_admin": request.user.has_perm(ADMIN, unit),
        "may_appraise": request.user.has_perm("parindex.appraise"),
        "counts": [(s, label, counts[s]) for s, label in Assessment.Status.choices],
        "total": len(assessments),
        "overdue": overdue,
        "rows": rows,
        "page": page,
        "status": status,
        "query": query,
        "required": required,
        "windows": services.window_states(campaign, None, on),
        "has_results": campaign.unit_results.exists(),
    }
    return render(request, "campaigns/campaign_detail.html", context)


@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_settings(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    campaign: Campaign = request.campaign
    form = CampaignSettingsForm(request.POST or None, instance=campaign)
    if request.method == "POST":
        if campaign.status == Campaign.Status.PUBLISHED:
            return refuse(request, _("The campaign is published."), request.path)
        if form.is_valid():
            campaign = form.save(commit=False)
            services._stamp(campaign, request.user, services.REASON_SETTINGS).save()
            messages.success(request, _("Saved."))
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/campaign_settings.html", {"campaign": campaign, "form": form})


@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_scope(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """Choose the units in scope among the units of the framework's kind under the root."""
    campaign: Campaign = request.campaign
    candidates = list(services.candidate_units(campaign))
    current = set(campaign.assessments.values_list("unit_id", flat=True))
    if request.method == "POST":
        chosen_ids = {int(pk) for pk in request.POST.getlist("units") if pk.isdigit()}
        chosen = [u for u in candidates if u.pk in chosen_ids]
        try:
            added, removed = services.set_scope(campaign, chosen, request.user)
        except services.WorkflowError as exc:
            return refuse(request, exc.message, request.path)
        messages.success(
            request,
            _("Units in scope: %(added)s added, %(removed)s removed.")
            % {"added": added, "removed": removed},
        )
        return redirect("campaigns:detail", campaign.pk)
    default = set(services.default_scope(campaign).values_list("pk", flat=True))
    rows = [{"unit": u, "checked": u.pk in current, "default": u.pk in default} for u in candidates]
    editable = campaign.status in (Campaign.Status.DRAFT, Campaign.Status.OPEN)
    return render(
        request,
        "campaigns/campaign_scope.html",
        {"campaign": campaign, "rows": rows, "editable": editable, "count": len(current)},
    )


@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_windows(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    campaign: Campaign = request.campaign
    form = WindowsForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_windows(campaign, form.dates(), request.user)
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Dates saved."))
            return redirect("campaigns:detail", campaign.pk)
    return render(request, "campaigns/campaign_windows.html", {"campaign": campaign, "form": form})


@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_exceptions(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """Per-unit exceptions to a window, each with its reason."""
    campaign: Campaign = request.campaign
    form = ExceptionForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.grant_exception(
                campaign, data["unit"], data["kind"], data["until"], data["reason"], request.user
            )
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Exception granted."))
            return redirect("campaigns:exceptions", campaign.pk)
    exceptions = campaign.exceptions.select_related("unit", "granted_by").order_by("-granted_at")
    return render(
        request,
        "campaigns/campaign_exceptions.html",
        {"campaign": campaign, "form": form, "exceptions": exceptions},
    )


@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_survey(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """Import survey values (fractions 0–1) into the appraised track of survey leaves."""
    campaign: Campaign = request.campaign
    form = TableUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.import_survey_values(
                campaign, form.frame, source=form.source, user=request.user
            )
        except services.WorkflowError as exc:
            form.add_error(None, exc.message)
        except InputError as exc:
            form.add_error(None, problems_error(exc))
        else:
            messages.success(request, _("%(count)s survey values imported.") % {"count": count})
            return redirect("campaigns:detail", campaign.pk)
    spec = campaign.spec()
    survey_leaves = [leaf for leaf in spec.leaves if leaf.is_survey]
    imported = LeafValue.objects.filter(
        assessment__campaign=campaign,
        leaf_code__in=spec.survey_codes,
        appraised_at__isnull=False,
    ).count()
    return render(
        request,
        "campaigns/campaign_survey.html",
        {
            "campaign": campaign,
            "form": form,
            "survey_leaves": survey_leaves,
            "imported": imported,
            "expected": len(survey_leaves) * campaign.assessments.count(),
        },
    )


def _step(request: HttpRequest, campaign: Campaign, action: Any, done: str) -> HttpResponse:
    try:
        result = action(campaign, request.user)
    except services.WorkflowError as exc:
        return refuse(
            request, exc.message, reverse("campaigns:detail", args=[campaign.pk]), exc.problems
        )
    except InputError as exc:
        return refuse(
            request,
            _("The core found problems in the values; nothing was changed."),
            reverse("campaigns:detail", args=[campaign.pk]),
            [str(p) for p in exc.problems],
        )
    messages.success(request, done)
    for warning in (result or {}).get("warnings", []) if isinstance(result, dict) else []:
        messages.warning(request, warning)
    return redirect("campaigns:detail", campaign.pk)


@require_POST
@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_open(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    return _step(request, request.campaign, services.open_campaign, _("The campaign is open."))


@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_finalise(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """GET: what finalising means and which units are not appraised; POST: finalise."""
    campaign: Campaign = request.campaign
    if request.method == "POST":
        return _step(
            request, campaign, services.finalise, _("Finalised: the results are computed.")
        )
    counts = dict(
        campaign.assessments.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    not_submitted = counts.get("not_started", 0) + counts.get("in_progress", 0)
    return render(
        request,
        "campaigns/campaign_finalise.html",
        {
            "campaign": campaign,
            "not_submitted": not_submitted,
            "submitted": counts.get("submitted", 0),
            "appraised": counts.get("appraised", 0),
        },
    )


@require_POST
@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_recompute(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    return _step(request, request.campaign, services.recompute_results, _("Results recomputed."))


@require_POST
@unit_scoped(ADMIN, get_unit=campaign_root)
def campaign_publish(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    return _step(request, request.campaign, services.publish, _("The results are published."))


@unit_scoped(VIEW, get_unit=campaign_root)
def campaign_results(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """The results list (rank, unit, index, class) per peer group, after finalisation."""
    campaign: Campaign = request.campaign
    results = []
    if campaign.has_results:
        results = list(
            UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED)
            .select_related("unit")
            .order_by("peer_group", "rank", "unit_code")
        )
    groups: dict[str, list[UnitResult]] = {}
    for result in results:
        groups.setdefault(result.peer_group, []).append(result)
    return render(
        request,
        "campaigns/campaign_results.html",
        {"campaign": campaign, "groups": groups, "has_previous": campaign.previous_id is not None},
    )


@unit_scoped(VIEW, get_unit=campaign_root)
def campaign_framework(request: HttpRequest, campaign_id: int, unit: Unit) -> HttpResponse:
    """The campaign's framework snapshot as YAML (what every value was scored with)."""
    campaign: Campaign = request.campaign
    response = HttpResponse(campaign.framework_yaml, content_type="text/plain; charset=utf-8")
    name = f"{campaign.framework_id}-{campaign.framework_version}.yaml"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
