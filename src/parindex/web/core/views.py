"""The health check and the home page (dashboard stub)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from parindex import __version__
from parindex.web.accounts.rules import assignments, visible_units

log = logging.getLogger(__name__)

UNITS_PER_PAGE = 50


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the application can reach its database, 503 otherwise.

    For load balancers and monitoring. The database error is logged in full; the response
    names only its type (and its text in debug mode), as this URL needs no sign-in.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure to reach the database is "not healthy"
        log.exception("health check: database unreachable")
        error = f"{type(exc).__name__}: {exc}" if settings.DEBUG else type(exc).__name__
        return JsonResponse(
            {"status": "error", "database": "error", "error": error, "version": __version__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "version": __version__})


def home(request: HttpRequest) -> HttpResponse:
    """The units the user may see (in force today), searchable, with the user's roles.

    A stub for the dashboard: the campaign pages will add "what needs doing" here. With
    htmx the search box swaps only the table (`core/_unit_table.html`).
    """
    query = request.GET.get("q", "").strip()
    units = visible_units(request.user).in_force().select_related("parent")
    if query:
        units = units.filter(Q(name__icontains=query) | Q(code__icontains=query))
    units = units.order_by("depth", "kind", "code")
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "assignments": assignments(request.user)}
    if request.htmx and request.htmx.target == "unit-table":
        return render(request, "core/_unit_table.html", context)
    return render(request, "core/home.html", context)
