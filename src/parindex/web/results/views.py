"""Result pages: rankings, unit profiles and their exports; the public results pages.

Signed in (`/rankings/`, namespace `results`) — see `access.py`:

| URL                                         | view              | who                         |
|---------------------------------------------|-------------------|-----------------------------|
| /rankings/                                  | campaign_list     | signed in (lists what the user may see) |
| /rankings/<c>/                              | ranking           | role on the root: all rows; role on units of the campaign: their rows (all once published) |
| /rankings/<c>/ranking.xlsx, ranking.pdf     | ranking exports   | as the ranking              |
| /rankings/<c>/units/<u>/                    | profile           | `parindex.view_unit` on <u> |
| /rankings/<c>/units/<u>/score-sheet.xlsx/.pdf | score sheet     | `parindex.view_unit` on <u> (appraisal notes only with `parindex.view_appraisal`) |
| /rankings/<c>/uncertainty/                  | uncertainty       | as the ranking (rows of the user's scope) |
| /rankings/<c>/units/<u>/whatif/             | whatif            | `parindex.view_unit` on <u> (the ranking effect: rows of the user's ranking scope) |

Public (`/results/`, namespace `public_results`, no sign-in; only PUBLISHED campaigns, any
other status is a 404): the list, the ranking (and its Excel/PDF), the uncertainty page, the
unit profile — all from the appraised results only: nothing of the self-assessment,
evidence or appraisal.

Every ranking shows each rank with its 5–95 % interval from the Monte Carlo of
`uncertainty.py` (cached per results, never computed per request once cached) and marks
units statistically indistinguishable from a neighbour.

The progress dashboard of a running campaign is the campaigns app's (`campaigns:detail`);
these pages link to it for campaign administrators.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from parindex.errors import InputError
from parindex.web.accounts.permissions import unit_scoped
from parindex.web.accounts.rules import visible_units
from parindex.web.campaigns.models import Campaign, LeafValue, Track, UnitResult
from parindex.web.results import charts, exports, queries, tables
from parindex.web.results import uncertainty as unc
from parindex.web.results import whatif as whatif_data
from parindex.web.results.access import ADMIN, VIEW, VIEW_APPRAISAL, ranking_scope, result_campaigns
from parindex.web.units.models import Unit

NO_GROUP = "~"  # query-string value of the peer group "" (units without a peer group)
PARTIAL_TARGET = "ranking-results"


def _campaign(campaign_id: int, public: bool) -> Campaign:
    qs = Campaign.objects.select_related("root_unit")
    if public:
        qs = qs.filter(status=Campaign.Status.PUBLISHED)
    return get_object_or_404(qs, pk=campaign_id)


def _ns(public: bool) -> str:
    return "public_results" if public else "results"


def _prefix(name: str, campaign_id: int) -> str:
    """The profile URL up to the unit id (one reverse() for a thousand rows)."""
    url = reverse(name, args=[campaign_id, 0])
    return url[: url.rindex("/0/") + 1]


# --- lists -------------------------------------------------------------------------------------


@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Campaigns with results in which the user sees the ranking or their own units."""
    user = request.user
    entries = []
    for campaign in result_campaigns(user):
        entries.append(
            {
                "campaign": campaign,
                "whole": user.has_perm(VIEW, campaign.root_unit),
                "is_admin": user.has_perm(ADMIN, campaign.root_unit),
            }
        )
    return render(request, "results/campaign_list.html", {"entries": entries})


@login_not_required
@require_safe
def public_list(request: HttpRequest) -> HttpResponse:
    campaigns = (
        Campaign.objects.filter(status=Campaign.Status.PUBLISHED)
        .select_related("root_unit")
        .defer("framework_yaml")
        .order_by("-year", "name")
    )
    return render(request, "results/public_list.html", {"campaigns": campaigns, "public": True})


# --- ranking -----------------------------------------------------------------------------------


def _choice(value: str | None, allowed: set[str]) -> str | None:
    """A filter value from the query string: None when absent or unknown."""
    if value is None or value == "":
        return None
    value = "" if value == NO_GROUP else value
    return value if value in allowed else None


def _ranking(request: HttpRequest, campaign: Campaign, scope, public: bool) -> dict[str, Any]:
    fields = queries.campaign_fields(campaign)
    codes = [f.code for f in fields]
    classes = queries.class_order(campaign)
    rows = queries.ranking_rows(campaign, scope)
    sizes = queries.group_sizes(rows)
    class_labels = sorted({r["class_label"] for r in rows if r["class_label"]},
                          key=lambda c: (classes.get(c, len(classes)), c))  # fmt: skip
    group = _choice(request.GET.get("group"), set(sizes))
    class_label = _choice(request.GET.get("class"), set(class_labels))
    query = request.GET.get("q", "").strip()[:100]
    sort_key, descending = queries.parse_sort(request.GET.get("sort"), codes)
    shown = queries.filter_rows(rows, group, class_label, query)
    shown = queries.sort_rows(shown, sort_key, descending, classes)

    # links to the profiles: private where the user may see the unit, else the public one
    ns = _ns(public)
    private_prefix = _prefix("results:profile", campaign.pk) if not public else ""
    public_prefix = (
        _prefix("public_results:profile", campaign.pk)
        if campaign.status == Campaign.Status.PUBLISHED
        else ""
    )
    if public:
        linkable: set[int] | None = set()
    elif scope is None and request.user.has_perm(VIEW, campaign.root_unit):
        linkable = None  # every unit
    else:
        linkable = set(
            visible_units(request.user)
            .filter(
                pk__in=UnitResult.objects.filter(campaign=campaign, track=Track.APPRAISED).values(
                    "unit_id"
                )
            )
            .values_list("pk", flat=True)
        )
    intervals = unc.campaign_intervals(campaign, scope)
    names = {r["unit_code"]: r["unit_name"] for r in rows}
    for row in shown:
        row["interval"] = intervals.get(row["unit_code"])
        unit_id = row["unit_id"]
        if linkable is None or unit_id in linkable:
            row["url"] = f"{private_prefix}{unit_id}/"
        elif public_prefix:
            row["url"] = f"{public_prefix}{unit_id}/"
        else:
            row["url"] = ""
        field_values = row["fields"]
        row["field_values"] = [field_values.get(c) for c in codes]

    current = ("-" if descending else "") + sort_key
    params = {
        "group": (NO_GROUP if group == "" else group) if group is not None else None,
        "class": class_label,
        "q": query or None,
        "sort": current if current != "rank" else None,
    }

    def link(**changes: Any) -> str:
        merged = {**params, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v})

    def column(key: str, label: str, title: str = "", numeric: bool = True) -> dict[str, Any]:
        first_desc = key in queries.DEFAULT_DESCENDING or key.startswith("f.")
        if key == sort_key:
            target = key if descending else "-" + key
        else:
            target = "-" + key if first_desc else key
        return {
            "key": key,
            "label": label,
            "title": title,
            "numeric": numeric,
            "url": link(sort=None if target == "rank" else target),
            "aria_sort": ("descending" if descending else "ascending") if key == sort_key else "",
        }

    has_previous = campaign.previous_id is not None
    uncertainty_url = reverse(f"{ns}:uncertainty", args=[campaign.pk]) if intervals else ""
    columns = [
        column("rank", _("Rank")),
        column("unit", _("Unit"), numeric=False),
        column("points", _("Points")),
        column("index", _("Index (%)")),
        column("class", _("Class"), numeric=False),
    ]
    if has_previous:
        columns += [
            column("change", _("Change of the index"), _("Change since the previous campaign")),
            column("places", _("Places"), _("Change of rank since the previous campaign")),
        ]
    columns += [column(f"f.{f.code}", f.code, f.name) for f in fields]
    export_query = urlencode({k: v for k, v in {"group": params["group"]}.items() if v})
    return {
        "campaign": campaign,
        "public": public,
        "ns": ns,
        "fields": fields,
        "columns": columns,
        "groups": [
            {
                "name": name,
                "rows": group_rows,
                "size": sizes.get(name, 0),
                "body": tables.ranking_body(group_rows, has_previous, uncertainty_url, names),
            }
            for name, group_rows in queries.group_rows(shown)
        ],
        "group_sizes": sizes,
        "group_options": sorted(sizes, key=queries.fold),
        "class_options": class_labels,
        "group": group,
        "group_value": params["group"] or "",
        "class_label": class_label or "",
        "query": query,
        "sort": current,
        "sort_value": params["sort"] or "",
        "total": len(rows),
        "shown": len(shown),
        "has_previous": has_previous,
        "partial_target": PARTIAL_TARGET,
        "no_group": NO_GROUP,
        "export_query": f"?{export_query}" if export_query else "",
        "scoped": scope is not None,
        "uncertainty_url": uncertainty_url,
    }


def _render_ranking(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    if request.htmx and request.htmx.target == PARTIAL_TARGET:
        return render(request, "results/_ranking_table.html", context)
    return render(request, "results/ranking.html", context)


@require_safe
def ranking(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=False)
    scope = ranking_scope(request.user, campaign)
    is_admin = request.user.has_perm(ADMIN, campaign.root_unit)
    if not campaign.has_results:
        return render(
            request, "results/not_ready.html", {"campaign": campaign, "is_admin": is_admin}
        )
    context = _ranking(request, campaign, scope, public=False)
    context["is_admin"] = is_admin
    return _render_ranking(request, context)


@login_not_required
@require_safe
def public_ranking(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=True)
    return _render_ranking(request, _ranking(request, campaign, None, public=True))


def _export_groups(request: HttpRequest, campaign: Campaign, scope) -> tuple[list, list]:
    fields = queries.campaign_fields(campaign)
    rows = queries.ranking_rows(campaign, scope)
    group = _choice(request.GET.get("group"), set(queries.group_sizes(rows)))
    rows = queries.filter_rows(rows, group, None, "")
    rows = queries.sort_rows(rows, "rank", False, {})
    intervals = unc.campaign_intervals(campaign, scope)
    for row in rows:
        row["interval"] = intervals.get(row["unit_code"])
    return queries.group_rows(rows), fields


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _ranking_xlsx(request: HttpRequest, campaign: Campaign, scope) -> HttpResponse:
    groups, fields = _export_groups(request, campaign, scope)
    has_interval = any(row.get("interval") for _group, rows in groups for row in rows)
    content = exports.ranking_xlsx(
        campaign, groups, fields, campaign.previous_id is not None, has_interval
    )
    name = exports.file_stem(_("ranking"), campaign.year, campaign.pk) + ".xlsx"
    return _attachment(content, exports.XLSX, name)


def _pdf_unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "results/pdf_unavailable.html", status=503)


def _ranking_pdf(request: HttpRequest, campaign: Campaign, scope) -> HttpResponse:
    groups, fields = _export_groups(request, campaign, scope)
    for _group, rows in groups:
        for row in rows:
            row["field_values"] = [row["fields"].get(f.code) for f in fields]
            row["yoy_text"] = exports.yoy_text(row, short=True)
    context = {
        "campaign": campaign,
        "groups": groups,
        "fields": fields,
        "has_previous": campaign.previous_id is not None,
        "has_interval": any(row.get("interval") for _group, rows in groups for row in rows),
    }
    try:
        content = exports.render_pdf("results/pdf/ranking.html", context, landscape=True)
    except exports.PdfUnavailable:
        return _pdf_unavailable(request)
    name = exports.file_stem(_("ranking"), campaign.year, campaign.pk) + ".pdf"
    return _attachment(content, "application/pdf", name)


def _with_results(request: HttpRequest, campaign_id: int):
    campaign = _campaign(campaign_id, public=False)
    scope = ranking_scope(request.user, campaign)
    if not campaign.has_results:
        raise Http404
    return campaign, scope


@require_safe
def ranking_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _ranking_xlsx(request, *_with_results(request, campaign_id))


@require_safe
def ranking_pdf(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _ranking_pdf(request, *_with_results(request, campaign_id))


@login_not_required
@require_safe
def public_ranking_xlsx(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _ranking_xlsx(request, _campaign(campaign_id, public=True), None)


@login_not_required
@require_safe
def public_ranking_pdf(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _ranking_pdf(request, _campaign(campaign_id, public=True), None)


# --- one unit ----------------------------------------------------------------------------------


def _campaign_unit(request: HttpRequest, campaign_id: int, unit_id: int, **kwargs: Any) -> Unit:
    """For unit_scoped: 404 for an unknown campaign or unit, then the unit is checked."""
    request.campaign = _campaign(campaign_id, public=False)
    return get_object_or_404(Unit, pk=unit_id)


def _profile_context(request: HttpRequest, campaign: Campaign, unit: Unit, public: bool):
    if not campaign.has_results:
        raise Http404
    profile = queries.unit_profile(campaign, unit, public=public)
    if profile is None:
        raise Http404
    name = profile.result["unit_name"]
    ns = _ns(public)
    before = [p for p in profile.yoy if not p.current]
    merged_sources = before[-1].sources if before and before[-1].merged else []
    return {
        "campaign": campaign,
        "unit": unit,
        "profile": profile,
        "result": profile.result,
        "public": public,
        "ns": ns,
        "bars": charts.field_bars(profile.fields, name, "chart-fields"),
        "line": charts.index_line(profile.yoy, name, "chart-years") if len(profile.yoy) > 1 else "",
        "ranking_url": reverse(f"{ns}:ranking", args=[campaign.pk]),
        "yoy_note": profile.result["yoy"],
        "merged_sources": merged_sources,
        "interval": unc.campaign_intervals(campaign).get(profile.result["unit_code"]),
    }


@require_safe
@unit_scoped(VIEW, get_unit=_campaign_unit)
def profile(request: HttpRequest, campaign_id: int, unit_id: int, unit: Unit) -> HttpResponse:
    campaign: Campaign = request.campaign
    context = _profile_context(request, campaign, unit, public=False)
    sees_all = request.user.has_perm(VIEW, campaign.root_unit)
    context["is_admin"] = request.user.has_perm(ADMIN, campaign.root_unit)
    # Before publication, someone who sees only their own units' rows of the ranking is
    # not told which other unit is best in a field (the average and best value stay).
    context["hide_peer_names"] = not sees_all and campaign.status != Campaign.Status.PUBLISHED
    return render(request, "results/profile.html", context)


@login_not_required
@require_safe
def public_profile(request: HttpRequest, campaign_id: int, unit_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=True)
    unit = get_object_or_404(Unit, pk=unit_id)
    return render(request, "results/profile.html", _profile_context(request, campaign, unit, True))


def _sheet(request: HttpRequest, campaign: Campaign, unit: Unit) -> dict[str, Any]:
    if not campaign.has_results:
        raise Http404
    results = queries.unit_results(campaign, unit, with_self=True)
    result = results.get(Track.APPRAISED)
    if result is None:
        raise Http404
    notes: dict[str, str] = {}
    if request.user.has_perm(VIEW_APPRAISAL, unit):
        notes = dict(
            LeafValue.objects.filter(assessment__campaign=campaign, assessment__unit=unit)
            .exclude(appraisal_reason="")
            .values_list("leaf_code", "appraisal_reason")
        )
    nodes = queries.unit_nodes(campaign, unit)
    return {
        "campaign": campaign,
        "unit": unit,
        "result": result,
        "rows": exports.sheet_rows(nodes, notes),
        "totals": exports.sheet_totals(result, results.get(Track.SELF)),
        "columns": exports.score_sheet_columns(),
    }


@require_safe
@unit_scoped(VIEW, get_unit=_campaign_unit)
def sheet_xlsx(request: HttpRequest, campaign_id: int, unit_id: int, unit: Unit) -> HttpResponse:
    campaign: Campaign = request.campaign
    ctx = _sheet(request, campaign, unit)
    content = exports.score_sheet_xlsx(campaign, ctx["result"], ctx["rows"], ctx["totals"])
    name = exports.file_stem(_("score-sheet"), unit.code, campaign.year) + ".xlsx"
    return _attachment(content, exports.XLSX, name)


@require_safe
@unit_scoped(VIEW, get_unit=_campaign_unit)
def sheet_pdf(request: HttpRequest, campaign_id: int, unit_id: int, unit: Unit) -> HttpResponse:
    campaign: Campaign = request.campaign
    ctx = _sheet(request, campaign, unit)
    try:
        content = exports.render_pdf("results/pdf/score_sheet.html", ctx)
    except exports.PdfUnavailable:
        return _pdf_unavailable(request)
    name = exports.file_stem(_("score-sheet"), unit.code, campaign.year) + ".pdf"
    return _attachment(content, "application/pdf", name)


# --- robustness of the ranking -----------------------------------------------------------------


def sensitivity_label(row: dict[str, Any], field_names: dict[str, str]) -> str:
    """A sensitivity row's choice in the page's language."""
    if row["kind"] == "weight":
        code = row["field_code"]
        name = field_names.get(code, "")
        label = _("Weight of field %(code)s") % {"code": code}
        return f"{label} — {name}" if name else label
    if row["kind"] == "survey":
        return _("Survey estimates")
    if row["kind"] == "aggregation":
        return _("Aggregation (arithmetic or geometric mean)")
    return str(row.get("label", row["choice"]))


def _uncertainty_context(
    request: HttpRequest, campaign: Campaign, scope, public: bool
) -> dict[str, Any]:
    ns = _ns(public)
    fields = queries.campaign_fields(campaign)
    field_names = {f.code: f.name for f in fields}
    context: dict[str, Any] = {
        "campaign": campaign,
        "public": public,
        "ns": ns,
        "ranking_url": reverse(f"{ns}:ranking", args=[campaign.pk]),
        "scoped": scope is not None,
        "result": None,
    }
    try:
        result = unc.campaign_uncertainty(campaign, scope)
    except InputError as error:
        context["error"] = "; ".join(str(p) for p in error.problems[:5])
        return context
    rows = list(unc.rows_with_names(result))
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["peer_group"], []).append(row)
    sensitivity = [
        {**row, "text": sensitivity_label(row, field_names)}
        for row in result.sensitivity.to_dict("records")
    ]
    method = result.method
    context.update(
        {
            "result": result,
            "groups": sorted(groups.items(), key=lambda item: queries.fold(item[0])),
            "sensitivity": sensitivity,
            "chart": charts.sensitivity_bars(sensitivity, "chart-sensitivity"),
            "method": method,
            "weight_pct": method["weight_range"] * 100,
            "flip_pct": method["flip_threshold"] * 100,
            "interactions": None
            if method["first_order_sum"] != method["first_order_sum"]
            else max(0.0, 1.0 - method["first_order_sum"]),
            "marked": sum(1 for r in rows if r["indistinguishable"]),
            "total": sum(1 for r in rows if r["ranked"]),
        }
    )
    return context


@require_safe
def uncertainty_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=False)
    scope = ranking_scope(request.user, campaign)
    if not campaign.has_results:
        raise Http404
    context = _uncertainty_context(request, campaign, scope, public=False)
    return render(request, "results/uncertainty.html", context)


@login_not_required
@require_safe
def public_uncertainty(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id, public=True)
    context = _uncertainty_context(request, campaign, None, public=True)
    return render(request, "results/uncertainty.html", context)


# --- what-if -----------------------------------------------------------------------------------

EFFECT_TARGET = "whatif-effect"


def _weight_choice(request: HttpRequest, fields) -> tuple[str | None, float | None, str]:
    """(field code, new maximum, error) from `?field=&weight=`; nothing asked → (None,
    None, "")."""
    code = request.GET.get("field", "").strip()
    text = request.GET.get("weight", "").strip()
    if not code and not text:
        return None, None, ""
    codes = {f.code for f in fields}
    if code not in codes:
        return None, None, _("Choose a field.")
    weight = whatif_data.parse_weight(text)
    if weight is None:
        return code, None, _("Enter the field's new maximum points, a number of 0 or more.")
    return code, weight, ""


@require_safe
@unit_scoped(VIEW, get_unit=_campaign_unit)
def whatif(request: HttpRequest, campaign_id: int, unit_id: int, unit: Unit) -> HttpResponse:
    campaign: Campaign = request.campaign
    if not campaign.has_results:
        raise Http404
    results = unc.results_frame(campaign)
    answer = whatif_data.unit_whatif(campaign, unit, results)
    if answer is None:
        raise Http404
    sees_all = request.user.has_perm(VIEW, campaign.root_unit)
    hide_peer_names = not sees_all and campaign.status != Campaign.Status.PUBLISHED
    fields = queries.campaign_fields(campaign)
    code, weight, error = _weight_choice(request, fields)
    effect_rows = None
    if code is not None and weight is not None:
        effect = whatif_data.weight_effect(campaign, {code: weight}, results)
        scope = ranking_scope(request.user, campaign)
        if scope is not None:
            effect = effect[effect["unit_id"].isin(set(scope.values_list("pk", flat=True)))]
        effect_rows = effect.to_dict("records")
        for row in effect_rows:
            row["is_unit"] = row["unit_id"] == unit.pk
    criteria = answer.criteria.to_dict("records")
    for row in criteria:
        row["points_needed_up"] = whatif_data.points_up(row["points_needed"])
        row["points_per_place_up"] = whatif_data.points_up(row["points_per_place"])
    path = answer.path.to_dict("records")
    for row in path:
        row["min_up"] = whatif_data.points_up(row["min_cumulative_points"])
    next_place = dict(answer.next_place) if answer.next_place else None
    if next_place:
        next_place["points_up"] = whatif_data.points_up(next_place["points_needed"])
    current = {f.code: f.max_points for f in fields}
    context = {
        "campaign": campaign,
        "unit": unit,
        "answer": answer,
        "criteria": criteria,
        "path": path,
        "next_place": next_place,
        "hide_peer_names": hide_peer_names,
        "fields": fields,
        "field_code": code or "",
        "weight_text": request.GET.get("weight", "").strip()[:20],
        "weight": weight,
        "current_max": current.get(code) if code else None,
        "error": error,
        "effect": effect_rows,
        "effect_target": EFFECT_TARGET,
        "moved": sum(1 for r in effect_rows or [] if r["rank_change"]),
        "profile_url": reverse("results:profile", args=[campaign.pk, unit.pk]),
        "ranking_url": reverse("results:ranking", args=[campaign.pk]),
        "public": False,
        "ns": "results",
    }
    if request.htmx and request.htmx.target == EFFECT_TARGET:
        return render(request, "results/_whatif_effect.html", context)
    return render(request, "results/whatif.html", context)
