"""Who is calling: an API token (`Authorization: Bearer <key>`) or the browser session.

- A bearer token is checked first. A request that sends one which is unknown, revoked or
  expired (or whose user is inactive) is refused with 401, even if it also carries a
  session cookie: a broken integration should fail loudly, not fall back silently.
- Otherwise the signed-in session user, with Django's CSRF check on unsafe methods
  (POST, PUT, PATCH, DELETE): send the token in the `X-CSRFToken` header, as htmx does.
  Token requests need no CSRF token (nothing is sent by the browser on its own).
- Read endpoints that are public for published campaigns also accept anonymous callers.

The authenticated user becomes `request.user` (also for tokens), so history records and
permission checks see the same user as on the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from parindex.web.api.models import ApiToken, hash_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# last_used_at is written at most this often per token (not on every request).
TOUCH_EVERY = dt.timedelta(minutes=1)


class InvalidToken(AuthenticationError):
    """A bearer token was sent but is not usable (answered 401 by the API)."""


def token_for_key(key: str) -> ApiToken | None:
    """The usable token with this key, its last use recorded; None if there is none."""
    if not key:
        return None
    token = ApiToken.objects.usable().select_related("user").filter(key_hash=hash_key(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a key from `parindex api-token create`."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header) or ""
        scheme, _sep, key = header.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None  # no token (other schemes are left to a proxy in front of us)
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_for_key(token)
        if found is None:
            raise InvalidToken(401, _("The API token is not valid (unknown, revoked or expired)."))
        request.user = found.user
        request.api_token = found
        return found.user


class SessionAuth(APIKeyCookie):
    """The browser session of a signed-in user; CSRF-checked on unsafe methods."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(
                403,
                _("CSRF check failed: send the CSRF token in the X-CSRFToken header."),
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None  # __call__ does the work


class Anonymous:
    """Lets anonymous callers through (public reads); not a security scheme."""

    def __call__(self, request: HttpRequest) -> Any:
        return AnonymousUser()


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTHENTICATED = [token_auth, session_auth]
PUBLIC = [token_auth, session_auth, Anonymous()]
