"""Map pages: a campaign's results on a map, and the boundary sets behind the maps.

| URL                                  | view            | who                                  |
|--------------------------------------|-----------------|--------------------------------------|
| /maps/                               | index           | signed in: campaigns with results    |
| /maps/campaigns/<c>/                 | campaign_map    | as the ranking (results.access)      |
| /maps/public/campaigns/<c>/          | public_map      | anyone; published campaigns only     |
| /maps/boundaries/                    | boundary_list   | signed in (sets of visible units)    |
| /maps/boundaries/upload/             | boundary_upload | `parindex.manage_boundaries`         |
| /maps/boundaries/<b>/                | boundary_detail | see `access.may_view_set`            |
| /maps/boundaries/<b>/withdraw/ (POST)| boundary_withdraw | may manage the set's scope         |

Query string of the map pages: `by=index|class|change`, `breaks=quantile|equal|manual`,
`classes=2..9`, `manual=70;80;90`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from parindex.analysis.maps import code_key
from parindex.errors import InputError
from parindex.web.accounts.rules import visible_units
from parindex.web.campaigns.models import Campaign, Track, UnitResult
from parindex.web.maps import choropleth, services, svg
from parindex.web.maps.access import (
    may_manage_boundaries,
    may_view_set,
    scope_choices,
    visible_sets,
)
from parindex.web.maps.forms import BoundaryUploadForm
from parindex.web.maps.models import BoundarySet, Level
from parindex.web.results import queries
from parindex.web.results.access import ADMIN, VIEW, ranking_scope, result_campaigns
from parindex.web.units.models import Unit

# --- campaign maps --------------------------------------------------------------------------


def _campaign(campaign_id: int, public: bool) -> Campaign:
    qs = Campaign.objects.select_related("root_unit", "previous")
    if public:
        qs = qs.filter(status=Campaign.Status.PUBLISHED)
    return get_object_or_404(qs, pk=campaign_id)


def _prefix(name: str, campaign_id: int) -> str:
    url = reverse(name, args=[campaign_id, 0])
    return url[: url.rindex("/0/") + 1]


def _profile_links(request: HttpRequest, campaign: Campaign, scope, public: bool):
    """A function row → profile URL ("" when the reader may open none), as the ranking."""
    public_prefix = (
        _prefix("public_results:profile", campaign.pk)
        if campaign.status == Campaign.Status.PUBLISHED
        else ""
    )
    if public:
        return lambda row: f"{public_prefix}{row['unit_id']}/"
    private_prefix = _prefix("results:profile", campaign.pk)
    if scope is None and request.user.has_perm(VIEW, campaign.root_unit):
        return lambda row: f"{private_prefix}{row['unit_id']}/"
    linkable = set(
        visible_units(request.user)
        .filter(
            pk__in=UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).values(
                "unit_id"
            )
        )
        .values_list("pk", flat=True)
    )

    def link(row: dict[str, Any]) -> str:
        if row["unit_id"] in linkable:
            return f"{private_prefix}{row['unit_id']}/"
        return f"{public_prefix}{row['unit_id']}/" if public_prefix else ""

    return link


def _map_context(request: HttpRequest, campaign: Campaign, scope, public: bool) -> dict:
    options = choropleth.parse_options(request.GET, campaign.previous_id is not None)
    class_rank = queries.class_order(campaign)
    rows = queries.ranking_rows(campaign, scope)
    result = choropleth.build(rows, options, class_rank)
    link = _profile_links(request, campaign, scope, public)
    items = result.by_key()
    geometry = services.map_geometry(campaign, [r["unit_code"] for r in rows])

    def url_for(item: choropleth.MapItem) -> str:
        return link(item.row)

    # a reader who sees only some rows: the other shapes are not "without a result"
    empty_note = _("outside your scope or no result") if scope is not None else ""
    drawn: set[str] = set()
    figure = ""
    if geometry.kind == services.TILE_GRID:
        figure = svg.tile_map(geometry.tiles, items, url_for, result.title, empty_note)
        drawn = {code_key(t.code) for t in geometry.tiles}
    elif geometry.kind == services.BOUNDARIES:
        figure = svg.boundary_map(
            geometry.boundary_set, items, url_for, result.title, empty_note=empty_note
        )
        drawn = {code_key(c) for c, p in geometry.boundary_set.paths.items() if p}
    choropleth.add_empty_shapes(result.legend, len(drawn - set(items)), scoped=scope is not None)
    table = []
    for item in choropleth.sort_items(result.items, options.by, class_rank):
        table.append({"item": item, "row": item.row, "url": url_for(item)})
    groups = sorted({r["peer_group"] or "" for r in rows})
    manage_link = ""
    level = services.upload_level_for(campaign.unit_kind)
    if not public and level and may_manage_boundaries(request.user, campaign.root_unit):
        manage_link = (
            reverse("maps:boundary_upload")
            + "?"
            + urlencode({"level": level, "scope": campaign.root_unit.pk})
        )

    return {
        "campaign": campaign,
        "public": public,
        "options": options,
        "choropleth": result,
        "legend": result.legend,
        "figure": figure,
        "geometry": geometry,
        "table": table,
        "not_drawn": [row for row in table if code_key(row["row"]["unit_code"]) not in drawn]
        if figure
        else [],
        "show_groups": len(groups) > 1,
        "total": len(rows),
        "scoped": scope is not None,
        "manage_link": manage_link,
        "has_previous": campaign.previous_id is not None,
        "by_choices": [
            ("index", _("Index")),
            ("class", _("Class")),
            ("change", _("Change since the previous campaign")),
        ],
        "breaks_choices": [
            ("quantile", _("Quantiles (about as many units per class)")),
            ("equal", _("Equal intervals")),
            ("manual", _("Manual limits")),
        ],
        "classes_choices": list(range(2, 10)),
        "ranking_url": reverse(
            "public_results:ranking" if public else "results:ranking", args=[campaign.pk]
        ),
    }


@require_safe
def campaign_map(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=False)
    scope = ranking_scope(request.user, campaign)  # PermissionDenied → 403
    if not campaign.has_results:
        return render(
            request,
            "maps/not_ready.html",
            {"campaign": campaign, "is_admin": request.user.has_perm(ADMIN, campaign.root_unit)},
        )
    context = _map_context(request, campaign, scope, public=False)
    return render(request, "maps/campaign_map.html", context)


@login_not_required
@require_safe
def public_map(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=True)
    return render(request, "maps/campaign_map.html", _map_context(request, campaign, None, True))


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    campaigns = list(result_campaigns(request.user))
    return render(
        request,
        "maps/index.html",
        {
            "campaigns": campaigns,
            "may_upload": bool(scope_choices(request.user)),
        },
    )


# --- boundary sets --------------------------------------------------------------------------


def _lang() -> str:
    return choropleth.lang()


@require_safe
def boundary_list(request: HttpRequest) -> HttpResponse:
    sets = list(visible_sets(request.user).defer("paths", "centres", "names"))
    current: set[int] = set()
    seen: set[tuple[str, int | None]] = set()
    for boundary_set in sets:  # newest first: the first active one of a scope is in use
        key = (boundary_set.level, boundary_set.unit_id)
        if boundary_set.is_active and key not in seen:
            seen.add(key)
            current.add(boundary_set.pk)
    return render(
        request,
        "maps/boundary_list.html",
        {"sets": sets, "current": current, "may_upload": bool(scope_choices(request.user))},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def boundary_upload(request: HttpRequest) -> HttpResponse:
    scopes = scope_choices(request.user)
    if not scopes:
        raise PermissionDenied
    max_bytes = services.max_upload_bytes()
    problems: list[str] = []
    if request.method == "POST":
        form = BoundaryUploadForm(request.POST, request.FILES, scopes=scopes, max_bytes=max_bytes)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                boundary_set = services.store_boundary_set(
                    upload.read(),
                    level=data["level"],
                    scope=data["scope"],
                    name=data["name"],
                    source=data["source"],
                    user=request.user,
                    original_name=upload.name,
                    code_property=data["code_property"],
                    lang=_lang(),
                )
            except InputError as error:
                problems = [str(p) for p in error.problems]
            else:
                messages.success(
                    request,
                    _("The boundaries were stored: %(n)d features, %(m)d matched to units.")
                    % {"n": boundary_set.feature_count, "m": len(boundary_set.matched_codes)},
                )
                return redirect("maps:boundary_detail", boundary_set.pk)
    else:
        initial: dict[str, Any] = {}
        if request.GET.get("level") in Level.values:
            initial["level"] = request.GET["level"]
        if request.GET.get("scope"):
            initial["scope"] = request.GET["scope"]
        form = BoundaryUploadForm(initial=initial, scopes=scopes, max_bytes=max_bytes)
    return render(
        request,
        "maps/boundary_upload.html",
        {"form": form, "problems": problems, "shown_problems": problems[:50]},
    )


def _boundary_set(request: HttpRequest, set_id: int) -> BoundarySet:
    boundary_set = get_object_or_404(
        BoundarySet.objects.select_related("unit", "uploaded_by", "withdrawn_by"), pk=set_id
    )
    if not may_view_set(request.user, boundary_set):
        raise PermissionDenied
    return boundary_set


@require_safe
def boundary_detail(request: HttpRequest, set_id: int) -> HttpResponse:
    boundary_set = _boundary_set(request, set_id)
    units = Unit.objects.in_force().filter(kind=boundary_set.level)
    if boundary_set.unit is not None:
        units = units.filter(path__startswith=boundary_set.unit.path)
    codes = {code_key(c) for c in boundary_set.paths}
    without = [u for u in units.order_by("code") if code_key(u.code) not in codes]
    preview = svg.boundary_map(boundary_set, {}, lambda item: "", boundary_set.name, preview=True)
    return render(
        request,
        "maps/boundary_detail.html",
        {
            "set": boundary_set,
            "preview": preview,
            "without": without,
            "may_manage": may_manage_boundaries(request.user, boundary_set.unit),
        },
    )


@require_POST
def boundary_withdraw(request: HttpRequest, set_id: int) -> HttpResponse:
    boundary_set = _boundary_set(request, set_id)
    if not may_manage_boundaries(request.user, boundary_set.unit):
        raise PermissionDenied
    if boundary_set.is_active:
        services.withdraw(boundary_set, request.user, request.POST.get("reason", ""))
        messages.success(request, _("The boundary set was withdrawn; it is no longer used."))
    return redirect("maps:boundary_detail", boundary_set.pk)
