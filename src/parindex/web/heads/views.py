"""Responsibility of heads pages (namespace `heads`, mounted at /heads/).

| URL                             | view        | who                                              |
|---------------------------------|-------------|--------------------------------------------------|
| /heads/                         | index       | signed in: campaigns with results they see       |
| /heads/<c>/?class=…&plans=…     | campaign    | any role on the campaign's root: every unit; a role on some units of the campaign: those units |
| /heads/<c>/heads.xlsx           | heads_xlsx  | as campaign (the rows shown)                     |
| /heads/<c>/rules.yaml           | rules_yaml  | as campaign: the rule set in use                 |
| /heads/<c>/rules/ (POST)        | rules_upload| `parindex.admin_campaigns` on the root: upload a rule set (YAML) or go back to the example |

A head's classification is not published with the rankings: units see only their own rows,
even once the campaign is published. Not signed in → sign-in page; no such campaign → 404;
no role on it → 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from parindex.analysis.heads import FIELD_LABELS
from parindex.errors import InputError
from parindex.web.accounts.rules import visible_units
from parindex.web.campaigns.models import Campaign, Track, UnitResult
from parindex.web.heads import exports, services
from parindex.web.results.access import result_campaigns

VIEW = "parindex.view_unit"
ADMIN = "parindex.admin_campaigns"
MAX_RULES_BYTES = 256 * 1024


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _campaign(campaign_id: int) -> Campaign:
    campaign = get_object_or_404(
        Campaign.objects.select_related("root_unit", "previous"), pk=campaign_id
    )
    return campaign


def heads_scope(user: Any, campaign: Campaign) -> set[int] | None:
    """Unit ids whose heads the user sees; None = every unit. PermissionDenied when none."""
    if user.has_perm(VIEW, campaign.root_unit):
        return None
    ids = set(
        UnitResult.objects.filter(
            campaign=campaign, track=Track.APPRAISED, unit__in=visible_units(user)
        ).values_list("unit_id", flat=True)
    )
    if not ids:
        raise PermissionDenied
    return ids


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "heads/index.html", {"campaigns": list(result_campaigns(request.user))})


def _context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    scope = heads_scope(request.user, campaign)
    if not campaign.has_results:
        raise Http404
    rules, _text, record = services.rule_set_for(campaign.root_unit)
    plans = request.GET.get("plans")
    plans = plans if plans in (services.PLANS_PREVIOUS, services.PLANS_THIS) else None
    data = services.classify(campaign, scope, rules, lang=_lang(), plans=plans)
    wanted = request.GET.get("class", "")
    keys = {c.key for c in rules.classes}
    wanted = wanted if wanted in keys else ""
    counts = {c.key: 0 for c in rules.classes}
    for row in data["rows"]:
        counts[row["classification"]] = counts.get(row["classification"], 0) + 1
    shown = [r for r in data["rows"] if not wanted or r["classification"] == wanted]
    labels = FIELD_LABELS[_lang()]
    return {
        "campaign": campaign,
        "rules": rules,
        "record": record,
        "rows": shown,
        "total": len(data["rows"]),
        "class_counts": [(c.key, c.name, counts.get(c.key, 0)) for c in rules.classes],
        "wanted": wanted,
        "has_dossiers": data["has_dossiers"],
        "has_plans": data["has_plans"],
        "plans_campaign": data["plans_campaign"],
        "plans_choice": plans or "",
        "fields": [(key, code, labels[key]) for key, code in data["fields"]],
        "scoped": scope is not None,
        "is_admin": request.user.has_perm(ADMIN, campaign.root_unit),
        "can_choose_plans": campaign.previous_id is not None,
    }


@require_safe
def campaign_heads(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    return render(request, "heads/campaign.html", _context(request, campaign))


@require_safe
def heads_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    context = _context(request, campaign)
    content = exports.heads_xlsx(context)
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(campaign)}"'
    return response


@require_safe
def rules_yaml(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    heads_scope(request.user, campaign)
    rules, text, record = services.rule_set_for(campaign.root_unit)
    name = record.file_name if record is not None else rules.source
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.safe_yaml_name(name)}"'
    return response


@require_POST
def rules_upload(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    if not request.user.has_perm(ADMIN, campaign.root_unit):
        raise PermissionDenied
    if request.POST.get("action") == "default":
        services.use_default(campaign.root_unit, request.user)
        messages.success(request, _("The example rule set is in use again."))
        return redirect("heads:campaign", campaign.pk)
    upload = request.FILES.get("rules")
    if upload is None:
        messages.error(request, _("Choose a YAML file."))
        return redirect("heads:campaign", campaign.pk)
    if upload.size > MAX_RULES_BYTES:
        messages.error(request, _("The file is too large for a rule set."))
        return redirect("heads:campaign", campaign.pk)
    name = exports.safe_yaml_name(upload.name)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("%(name)s is not UTF-8 text.") % {"name": name})
        return redirect("heads:campaign", campaign.pk)
    try:
        services.upload_rule_set(campaign.root_unit, text, name, request.user)
    except InputError as exc:
        context = _context(request, campaign)
        context["upload_problems"] = [str(p) for p in exc.problems[:50]]
        return render(request, "heads/campaign.html", context, status=400)
    messages.success(request, _("Rule set %(name)s is in use.") % {"name": name})
    return redirect("heads:campaign", campaign.pk)
