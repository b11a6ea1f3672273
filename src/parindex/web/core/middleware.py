"""A Content-Security-Policy header for every response (Django 5.2 has none built in).

Scripts and styles come only from our own static files: no inline script, no CDN. htmx is
configured (meta htmx-config in base.html) not to inject styles nor evaluate code, so it
works under this policy.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = getattr(settings, "PARINDEX_CONTENT_SECURITY_POLICY", "")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = self.policy
        return response


class VietnameseByDefaultMiddleware:
    """Pages are in Vietnamese unless the user picked English with the language switch.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and
    many office computers run English-language browsers: an official would get English
    pages without asking. The switch's cookie still wins; the JSON API keeps honouring
    Accept-Language, which is what API clients expect. Place before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
