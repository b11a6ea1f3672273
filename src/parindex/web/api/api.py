"""The JSON API, mounted at /api/ (`path("api/", api.urls)` in parindex/web/urls.py).

    GET  /api/openapi.json                                   the OpenAPI document (public)
    GET  /api/docs                                           Swagger UI, served locally (public)
    GET  /api/me                                             who am I (token or session)
    GET  /api/units                                          units my roles cover
    GET  /api/campaigns                                      campaigns I may see
    GET  /api/campaigns/{id}                                 one campaign, its windows
    GET  /api/campaigns/{id}/units                           its units in scope
    GET  /api/campaigns/{id}/results                         the ranking (UnitResult)
    GET  /api/campaigns/{id}/units/{unit_code}/scores        a unit's score tree (NodeResult)
    GET  /api/campaigns/{id}/units/{unit_code}/values        a unit's self-assessment
    PUT  /api/campaigns/{id}/units/{unit_code}/values/{leaf} save one leaf
    POST /api/campaigns/{id}/units/{unit_code}/values        save several leaves (all or none)

Authentication and CSRF: `auth.py`. Who may see and change what: `access.py` (404 → 401
→ 403, as on the pages). Writes go through the campaigns services with the page's own
validation: `writes.py`. Every error body is `{"detail": "..."}`; a rejected value also
has `errors: [{leaf_code, field, message}]` (400). Messages follow the request's
language (`Accept-Language`, or the language cookie of the site).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError

from parindex import __version__
from parindex.web.accounts.rules import assignments, visible_units
from parindex.web.api import access, docs, schemas
from parindex.web.api.access import EDIT, VIEW, ApiError
from parindex.web.api.auth import AUTHENTICATED, PUBLIC, InvalidToken
from parindex.web.api.writes import LeafInput, save_self_values
from parindex.web.campaigns import services
from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    LeafValue,
    NodeResult,
    Track,
    UnitResult,
)
from parindex.web.campaigns.values import parse_decimal
from parindex.web.units.models import Unit, today

DESCRIPTION = """\
The parindex data for analysts and integrations.

**Authentication.** `Authorization: Bearer <key>` with a key from
`parindex api-token create --user U --name N` (or the admin), or the browser session of a
signed-in user; session requests that change data need the `X-CSRFToken` header.
Published campaigns, their units, results and score details are public.

**Answers.** 404: the campaign, the unit (by code, in the campaign) or the criterion does
not exist; 401: not public and no valid credentials (also for a revoked, expired or
unknown token); 403: it exists but your roles do not cover it, or the step is closed
(e.g. the self-assessment window, unless the unit has an exception). A unit that exists is
answered 403, never 404, so answers do not depend on what you may see.

**Numbers** are plain, unrounded floats; round them for display only. Results carry the
`framework_id` and `framework_version` they were computed with.

**Values** are given and returned as stored: points (manual), the option label (options),
the ratio 0–1 (bands, linear; the pages show a percentage), a count (deduction), one number
per input (formula). They are checked exactly as on the self-assessment page.
"""


class ParindexAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        patterns.insert(0, path("docs/assets/<str:name>", docs.asset, name="docs-asset"))
        for pattern in patterns:
            # The API decides itself who may call what (auth.py); the site-wide
            # LoginRequiredMiddleware would answer anonymous callers with a redirect.
            login_not_required(pattern.callback)
        return patterns, app_name, namespace

    def get_openapi_operation_id(self, operation: Any) -> str:
        return operation.view_func.__name__  # list_campaigns, put_value, ...


# Public reads: credentials are optional (an empty security requirement in OpenAPI).
PUBLIC_OPENAPI = {"security": [{}]}


api = ParindexAPI(
    title="parindex API",
    version=__version__,
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTHENTICATED,
    docs=docs.LocalSwagger(),  # Swagger UI served by us, no CDN (docs.py)
    docs_decorator=login_not_required,
)


# --- errors --------------------------------------------------------------------------------------


def _json(request: HttpRequest, body: dict, status: int) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    body: dict[str, Any] = {"detail": exc.detail}
    if exc.errors is not None:
        body["errors"] = exc.errors
    response = _json(request, body, exc.status)
    if exc.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = exc.message if isinstance(exc, InvalidToken) else _("Sign in or send an API token.")
    response = _json(request, {"detail": detail}, 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    body: dict[str, Any] = {"detail": str(exc)}
    if exc.status_code == 400:  # ninja's "Cannot parse request body": the Errors shape
        message = _("The request body is not valid JSON.")
        body = {
            "detail": message,
            "errors": [{"leaf_code": "", "field": "body", "message": message}],
        }
    return _json(request, body, exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, {"detail": _("Not found.")}, 404)


@api.exception_handler(ValidationError)
def _invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in ("body", "query", "path"):
            location = location[1:]
        if location and location[0] == "payload":
            location = location[1:]
        errors.append(
            {"leaf_code": "", "field": ".".join(location), "message": str(error.get("msg", ""))}
        )
    return _json(request, {"detail": _("The request is not valid."), "errors": errors}, 400)


# --- helpers -------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # the user (or AnonymousUser on public reads), set by auth.py


def _unit_out(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent_code": unit.parent.code if unit.parent_id else None,
        "peer_group": unit.peer_group,
        "region": unit.region,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
    }


def _fields(campaign: Campaign) -> list[dict[str, Any]]:
    return [
        {"code": n.code, "name": n.name, "max_points": float(n.max_points)}
        for n in campaign.framework().nodes
    ]


def _campaign_out(campaign: Campaign, units_in_scope: int) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "year": campaign.year,
        "status": campaign.status,
        "unit_kind": campaign.unit_kind,
        "root_unit": {"code": campaign.root_unit.code, "name": campaign.root_unit.name},
        "framework_id": campaign.framework_id,
        "framework_version": campaign.framework_version,
        "framework_name": campaign.framework_name,
        "previous_id": campaign.previous_id,
        "units_in_scope": units_in_scope,
        "has_results": campaign.has_results,
        "finalised_at": campaign.finalised_at,
        "published_at": campaign.published_at,
    }


def _result_row(result: UnitResult, own: UnitResult | None) -> dict[str, Any]:
    def minus(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    return {
        "unit_code": result.unit_code,
        "unit_name": result.unit_name,
        "peer_group": result.peer_group,
        "points": result.points,
        "max_points": result.max_points,
        "index_pct": result.index_pct,
        "rank": result.rank,
        "class": result.class_label,
        "fields": result.fields or {},
        "bonus_points": result.bonus_points,
        "penalty_points": result.penalty_points,
        "missing_values": result.missing_values,
        "self_points": own.points if own else None,
        "self_index_pct": own.index_pct if own else None,
        "self_rank": own.rank if own else None,
        "self_class": own.class_label if own else "",
        "diff_points": minus(result.points, own.points if own else None),
        "diff_index_pct": minus(result.index_pct, own.index_pct if own else None),
        "prev_index_pct": result.prev_index_pct,
        "index_change": result.index_change,
        "prev_rank": result.prev_rank,
        "rank_change": result.rank_change,
        "yoy_note": result.yoy_note,
        "framework_id": result.framework_id,
        "framework_version": result.framework_version,
    }


NUMERIC_RULES = ("manual", "bands", "linear", "deduction", "survey")


def _number_or_text(text: str, numeric: bool) -> str | float | None:
    if text in ("", None):
        return None
    if not numeric:
        return text
    try:
        number = parse_decimal(text)
    except ValueError:
        return text
    return None if number is None else float(number)


def _inputs_out(inputs: dict[str, Any] | None) -> dict[str, str | float]:
    out: dict[str, str | float] = {}
    for name, text in (inputs or {}).items():
        value = _number_or_text(str(text), True)
        if value is not None:
            out[name] = value
    return out


def _leaf_out(spec: Any, lv: LeafValue | None, with_appraisal: bool) -> dict[str, Any]:
    numeric = spec.rule_type in NUMERIC_RULES
    appraised = None
    if with_appraisal and lv is not None:
        appraised = {
            "value": _number_or_text(lv.appraised_value, numeric),
            "inputs": _inputs_out(lv.appraised_inputs),
            "not_applicable": lv.appraised_not_applicable,
            "reason": lv.appraisal_reason,
            "appraised_at": lv.appraised_at,
            "round": lv.appraised_round,
        }
    return {
        "leaf_code": spec.code,
        "name": spec.name,
        "field_code": spec.field_code,
        "block": spec.block,
        "rule_type": spec.rule_type,
        "max_points": spec.max_points,
        "options": [o.label for o in spec.options],
        "input_names": list(spec.input_names),
        "required": spec.required,
        "value": _number_or_text(lv.self_value, numeric) if lv else None,
        "inputs": _inputs_out(lv.self_inputs) if lv else {},
        "not_applicable": lv.not_applicable if lv else False,
        "explanation": lv.explanation if lv else "",
        "filled": lv.self_filled if lv else False,
        "updated_at": lv.self_updated_at if lv else None,
        "updated_by": (lv.self_updated_by.get_username() if lv and lv.self_updated_by else None),
        "appraised": appraised,
    }


def _leaf_values(assessment: Assessment, codes: list[str] | None = None) -> dict[str, LeafValue]:
    values = LeafValue.objects.filter(assessment=assessment).select_related("self_updated_by")
    if codes is not None:
        values = values.filter(leaf_code__in=codes)
    return {lv.leaf_code: lv for lv in values}


# --- who am I, units -----------------------------------------------------------------------------


@api.get("/me", response={200: schemas.Me, **schemas.READ_ERRORS}, tags=["account"])
def me(request: HttpRequest):
    """The caller, how they authenticated, and their active roles."""
    user = _user(request)
    token = getattr(request, "api_token", None)
    roles = [
        {
            "role": a.role,
            "unit_code": a.unit.code if a.unit_id else None,
            "unit_name": a.unit.name if a.unit_id else None,
            "fields": list(a.fields or []),
            "valid_from": a.valid_from.isoformat(),
            "valid_to": a.valid_to.isoformat() if a.valid_to else None,
        }
        for a in assignments(user)
    ]
    return {
        "username": user.get_username(),
        "full_name": getattr(user, "full_name", "") or "",
        "authenticated_by": "token" if token is not None else "session",
        "token_name": token.name if token is not None else None,
        "roles": roles,
    }


@api.get("/units", response={200: schemas.UnitList, **schemas.ERRORS}, tags=["units"])
def list_units(
    request: HttpRequest,
    on: dt.date | None = None,
    kind: schemas.Text | None = None,
    q: schemas.Text | None = None,
    limit: int = Query(1000, ge=1, le=5000),
    offset: int = Query(0, ge=0, le=2**31),
):
    """Units the caller's roles cover (`parindex.view_unit`), in force on `on` (YYYY-MM-DD,
    default today); `kind` filters (province, ministry, department, district, commune), `q`
    searches code and name."""
    day = on or today()
    units = visible_units(_user(request)).in_force(day).select_related("parent")
    if kind:
        units = units.filter(kind=kind)
    if q:
        units = units.filter(Q(code__icontains=q) | Q(name__icontains=q))
    units = units.order_by("code", "valid_from")
    return {
        "count": units.count(),
        "on": day,
        "items": [_unit_out(u) for u in units[offset : offset + limit]],
    }


# --- campaigns -----------------------------------------------------------------------------------


@api.get(
    "/campaigns",
    response={200: list[schemas.CampaignOut], **schemas.READ_ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    tags=["campaigns"],
)
def list_campaigns(
    request: HttpRequest,
    year: int | None = Query(None, ge=1, le=9999),
    status: schemas.Text | None = None,
):
    """Campaigns the caller may see: published ones (anonymous callers see only these),
    and those whose root unit or one of whose units the caller's roles cover."""
    campaigns = access.visible_campaigns(_user(request)).annotate(n_units=Count("assessments"))
    if year is not None:
        campaigns = campaigns.filter(year=year)
    if status:
        campaigns = campaigns.filter(status=status)
    return [_campaign_out(c, c.n_units) for c in campaigns.order_by("-year", "name", "pk")]


@api.get(
    "/campaigns/{campaign_id}",
    response={200: schemas.CampaignDetail, **schemas.READ_ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    tags=["campaigns"],
)
def get_campaign(request: HttpRequest, campaign_id: schemas.Id):
    """One campaign: framework, status, windows (dates) and top-level fields."""
    campaign = access.campaign_for_reading(_user(request), campaign_id)
    out = _campaign_out(campaign, campaign.assessments.count())
    out["windows"] = [
        {"kind": w.kind, "opens_on": w.opens_on, "closes_on": w.closes_on}
        for w in campaign.windows.order_by("opens_on", "kind")
    ]
    out["fields"] = _fields(campaign)
    return out


@api.get(
    "/campaigns/{campaign_id}/units",
    response={200: schemas.CampaignUnits, **schemas.READ_ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    tags=["campaigns"],
)
def campaign_units(request: HttpRequest, campaign_id: schemas.Id):
    """The units in scope. Everyone sees all of a published campaign's units and so does
    whoever sees its root unit; others see their own units. The assessment status is
    given only for units the caller's roles cover."""
    user = _user(request)
    campaign = access.campaign_for_reading(user, campaign_id)
    assessments = campaign.assessments.select_related("unit")
    if campaign.status != Campaign.Status.PUBLISHED and not access.sees_whole_campaign(
        user, campaign
    ):
        assessments = assessments.filter(unit__in=visible_units(user))
    items = []
    for a in assessments.order_by("unit__peer_group", "unit__code"):
        u = a.unit
        covered = access.signed_in(user) and user.has_perm(VIEW, u)
        items.append(
            {
                "code": u.code,
                "name": u.name,
                "short_name": u.short_name,
                "kind": u.kind,
                "peer_group": u.peer_group,
                "region": u.region,
                "valid_from": u.valid_from,
                "valid_to": u.valid_to,
                "assessment_status": a.status if covered else None,
            }
        )
    return {"campaign_id": campaign.pk, "count": len(items), "items": items}


@api.get(
    "/campaigns/{campaign_id}/results",
    response={200: schemas.Results, **schemas.READ_ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    by_alias=True,
    tags=["results"],
)
def campaign_results(
    request: HttpRequest, campaign_id: schemas.Id, peer_group: schemas.Text | None = None
):
    """The ranking: one row per unit (appraised track, with the self-assessed figures
    beside it), by peer group and rank. Public once published; before that (finalised),
    for those whose roles cover the campaign's root unit."""
    campaign = access.get_campaign(campaign_id)
    access.results_readable(_user(request), campaign)
    results = UnitResult.objects.filter(campaign=campaign)
    if peer_group is not None:
        results = results.filter(peer_group=peer_group)
    own = {r.unit_id: r for r in results.filter(track=Track.SELF)}
    appraised = list(
        results.filter(track=Track.APPRAISED).order_by(
            "peer_group", F("rank").asc(nulls_last=True), "unit_code"
        )
    )
    rows = [_result_row(r, own.get(r.unit_id)) for r in appraised]
    computed = max((r.computed_at for r in appraised), default=None)
    return {
        "campaign_id": campaign.pk,
        "campaign_name": campaign.name,
        "year": campaign.year,
        "status": campaign.status,
        "framework_id": campaign.framework_id,
        "framework_version": campaign.framework_version,
        "computed_at": computed,
        "fields": _fields(campaign),
        "count": len(rows),
        "rows": rows,
    }


@api.get(
    "/campaigns/{campaign_id}/units/{unit_code}/scores",
    response={200: schemas.UnitScores, **schemas.READ_ERRORS},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    by_alias=True,
    tags=["results"],
)
def unit_scores(request: HttpRequest, campaign_id: schemas.Id, unit_code: schemas.Text):
    """A unit's score detail: the framework tree with points, maximum, lost points and
    self-assessed points per node (appraised track). Public once published; before that
    (finalised), for those whose roles cover the unit (`parindex.view_unit`)."""
    campaign = access.get_campaign(campaign_id)
    assessment = access.get_assessment(campaign, unit_code)
    access.unit_results_readable(_user(request), assessment)
    results = {
        r.track: r for r in UnitResult.objects.filter(campaign=campaign, unit=assessment.unit)
    }
    appraised = results.get(Track.APPRAISED)
    nodes: dict[str, dict[str, Any]] = {}
    order: list[tuple[str, str]] = []
    for n in NodeResult.objects.filter(campaign=campaign, unit=assessment.unit).order_by("id"):
        nodes[n.node_code] = {
            "code": n.node_code,
            "name": n.node_name,
            "depth": n.depth,
            "is_leaf": n.is_leaf,
            "points": n.points,
            "max_points": n.max_points,
            "lost_points": n.lost_points,
            "self_points": n.self_points,
            "applicable": n.applicable,
            "children": [],
        }
        order.append((n.node_code, n.parent_code))
    roots = []
    for code, parent in order:
        if parent and parent in nodes and parent != code:
            nodes[parent]["children"].append(nodes[code])
        else:
            roots.append(nodes[code])
    return {
        "campaign_id": campaign.pk,
        "framework_id": appraised.framework_id if appraised else campaign.framework_id,
        "framework_version": (
            appraised.framework_version if appraised else campaign.framework_version
        ),
        "unit": {"code": assessment.unit.code, "name": assessment.unit.name},
        "peer_group": assessment.unit.peer_group,
        "result": _result_row(appraised, results.get(Track.SELF)) if appraised else None,
        "nodes": roots,
    }


# --- self-assessment values ----------------------------------------------------------------------


def _assessment_for(request: HttpRequest, campaign_id: int, unit_code: str, perm: str):
    campaign = access.get_campaign(campaign_id)
    assessment = access.get_assessment(campaign, unit_code)
    access.require_unit_perm(_user(request), perm, assessment)
    return assessment


@api.get(
    "/campaigns/{campaign_id}/units/{unit_code}/values",
    response={200: schemas.UnitValues, **schemas.READ_ERRORS},
    tags=["self-assessment"],
)
def unit_values(request: HttpRequest, campaign_id: schemas.Id, unit_code: schemas.Text):
    """Every leaf of the framework with the unit's self-assessed value (drafts included).
    Needs `parindex.view_unit` on the unit; the appraisal of each leaf is included for
    appraisers and campaign administrators, and for the unit once there are results."""
    user = _user(request)
    assessment = _assessment_for(request, campaign_id, unit_code, VIEW)
    values = _leaf_values(assessment)
    with_appraisal = access.sees_appraisal(user, assessment)
    refusal = services.self_edit_refusal(assessment)
    can_edit = user.has_perm(EDIT, assessment.unit)
    if refusal is None and not can_edit:
        refusal = _("Your roles do not allow changing this self-assessment.")
    return {
        "campaign_id": campaign_id,
        "unit_code": assessment.unit.code,
        "assessment_status": assessment.status,
        "editable": can_edit and refusal is None,
        "refusal": refusal,
        "values": [
            _leaf_out(spec, values.get(spec.code), with_appraisal)
            for spec in assessment.campaign.spec().leaves
        ],
    }


def _saved(request: HttpRequest, assessment: Assessment, codes: list[str]) -> list[dict]:
    values = _leaf_values(assessment, codes)
    with_appraisal = access.sees_appraisal(_user(request), assessment)
    by_code = assessment.campaign.spec().by_code
    return [_leaf_out(by_code[c], values.get(c), with_appraisal) for c in codes]


@api.put(
    "/campaigns/{campaign_id}/units/{unit_code}/values/{leaf_code}",
    response={200: schemas.LeafValueOut, **schemas.ERRORS},
    tags=["self-assessment"],
)
def put_value(
    request: HttpRequest,
    campaign_id: schemas.Id,
    unit_code: schemas.Text,
    leaf_code: schemas.Text,
    payload: schemas.ValueIn,
):
    """Save one leaf of the unit's self-assessment, replacing what it had (a field left
    out is emptied, as on the page). Needs `parindex.edit_self_assessment` on the unit
    and an open self-assessment window (or an exception for the unit)."""
    assessment = _assessment_for(request, campaign_id, unit_code, EDIT)
    if leaf_code not in assessment.campaign.spec().by_code:
        raise access.not_found(_("Unknown criterion %(code)s.") % {"code": leaf_code})
    item = LeafInput(leaf_code=leaf_code, **payload.model_dump())
    save_self_values(assessment, [item], _user(request))
    return _saved(request, assessment, [leaf_code])[0]


@api.post(
    "/campaigns/{campaign_id}/units/{unit_code}/values",
    response={200: schemas.Saved, **schemas.ERRORS},
    tags=["self-assessment"],
)
def post_values(
    request: HttpRequest, campaign_id: schemas.Id, unit_code: schemas.Text, payload: schemas.BatchIn
):
    """Save several leaves at once, all or nothing: every leaf is checked and the errors
    of all of them are returned (400), or every leaf is saved. An unknown criterion in
    the body is one of these errors. Same permissions as PUT."""
    assessment = _assessment_for(request, campaign_id, unit_code, EDIT)
    items = [LeafInput(**item.model_dump()) for item in payload.values]
    save_self_values(assessment, items, _user(request))
    codes = list(dict.fromkeys(item.leaf_code for item in items))
    return {"saved": _saved(request, assessment, codes)}


api.add_router("/dossiers", "parindex.web.dossiers.api.router")  # POST /api/dossiers/batch
