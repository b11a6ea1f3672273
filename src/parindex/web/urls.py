"""URLs of the parindex web application.

/             home (dashboard stub)          core
/healthz      health check (no sign-in)      core
/accounts/    sign in/out, passwords, me     accounts
/campaigns/   assessment campaigns           campaigns
/surveys/     household surveys (SIPAS)      surveys
/s/<code>/    citizen survey form (no sign-in)  surveys
/i18n/setlang/  language switch (POST)       django.views.i18n.set_language
/admin/       Django admin, system administrators only
/plans/       remedial plans                 remedial
/heads/       heads' responsibility          heads
/annual/      annual report (PDF, Excel)     annual
/maps/        maps of results                maps
/api/         JSON API (django-ninja; OpenAPI at /api/openapi.json)  api

Language is chosen by cookie (set_language), not by URL prefix, so links stay stable
when a user switches between Vietnamese and English.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from parindex.web.api.api import api

urlpatterns = [
    path("", include("parindex.web.core.urls")),
    path("accounts/", include("parindex.web.accounts.urls")),
    path("campaigns/", include("parindex.web.campaigns.urls")),
    path("reports/", include("parindex.web.reports.urls")),
    path("results/", include("parindex.web.results.urls_public")),
    path("rankings/", include("parindex.web.results.urls")),
    path("surveys/", include("parindex.web.surveys.urls")),
    path("s/", include("parindex.web.surveys.urls_citizen")),
    path("dossiers/", include("parindex.web.dossiers.urls")),
    path("plans/", include("parindex.web.remedial.urls")),
    path("heads/", include("parindex.web.heads.urls")),
    path("annual/", include("parindex.web.annual.urls")),
    path("maps/", include("parindex.web.maps.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
