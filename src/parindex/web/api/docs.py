"""The API's docs page (/api/docs): Swagger UI, served by us, never from a CDN.

django-ninja ships Swagger UI in its package (`ninja/static/ninja/`) but uses it only when
"ninja" is an installed app, which would also make `collectstatic` copy and compress its
~23 MB of bundles and source maps on every `parindex serve`. Instead the three files the
page needs are served straight from the ninja package by `asset` (a fixed list, nothing
else), and the page is our template: no inline script (CSP `script-src 'self'`), no
validator badge (it would call validator.swagger.io), the CSRF token for "try it out"
with a session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-init.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
SETTINGS = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None}


class LocalSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        namespace = api.urls_namespace
        settings = {**SETTINGS, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "api": api,
            "swagger_settings": settings,
            "assets": {
                name.split(".")[0].replace("-", "_"): reverse(
                    f"{namespace}:docs-asset", args=[name]
                )
                for name in ASSETS
            },
        }
        return render(request, "api/swagger.html", context)


@require_GET
def asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404
    path = NINJA_STATIC / name
    if not path.is_file():  # pragma: no cover - a ninja release without the file
        raise Http404
    response = FileResponse(path.open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
