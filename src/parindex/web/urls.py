"""URLs of the parindex web application.

/             home (dashboard stub)          core
/healthz      health check (no sign-in)      core
/accounts/    sign in/out, passwords, me     accounts
/i18n/setlang/  language switch (POST)       django.views.i18n.set_language
/admin/       Django admin, system administrators only
/api/         reserved for the django-ninja API (not mounted yet)

Language is chosen by cookie (set_language), not by URL prefix, so links stay stable
when a user switches between Vietnamese and English.
"""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("", include("parindex.web.core.urls")),
    path("accounts/", include("parindex.web.accounts.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
