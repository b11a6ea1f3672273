"""API authentication: tokens (valid, revoked, expired, unknown, inactive user), the
session with CSRF on writes, and the ways tokens are made (CLI, admin)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone
from test_api_support import *  # noqa: F403
from test_api_support import PASSWORD_FOR_TESTS, call, token_for
from typer.testing import CliRunner

from parindex.cli import app
from parindex.web.api.models import ApiToken

pytestmark = pytest.mark.django_db


def test_valid_token_authenticates_and_records_its_use(people, client):
    key = token_for(people.reporter_a, "sync")
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (token.prefix, token.key_hash, token.name)  # the key is not stored
    assert token.last_used_at is None
    status, body = call(client, "GET", "/api/me", token=key)
    assert status == 200
    assert body["username"] == "api-reporter-a"
    assert body["authenticated_by"] == "token" and body["token_name"] == "sync"
    assert body["roles"][0]["role"] == "reporter" and body["roles"][0]["unit_code"] == "D1"
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "case", ["revoked", "expired", "wrong", "empty", "inactive user", "deleted user"]
)
def test_unusable_tokens_get_401(people, client, case):
    key = token_for(people.reporter_a)
    token = ApiToken.objects.get()
    if case == "revoked":
        token.revoked = True
        token.save()
    elif case == "expired":
        token.expires_at = timezone.now() - dt.timedelta(seconds=1)
        token.save()
    elif case == "wrong":
        key = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
    elif case == "empty":
        key = ""
    elif case == "inactive user":
        people.reporter_a.is_active = False
        people.reporter_a.save()
    elif case == "deleted user":
        people.reporter_a.delete()
    status, body = call(client, "GET", "/api/me", token=key)
    assert status == 401
    assert body["detail"]
    # public reads refuse a bad token too, rather than answering as if anonymous
    status, _body = call(client, "GET", "/api/campaigns", token=key)
    assert status == 401


def test_token_that_expires_later_works(people, client):
    key = token_for(people.viewer_p, expires_at=timezone.now() + dt.timedelta(hours=1))
    assert call(client, "GET", "/api/me", token=key)[0] == 200


def test_a_bad_token_is_not_rescued_by_a_session(people, client):
    client.force_login(people.reporter_a)
    assert call(client, "GET", "/api/me")[0] == 200  # the session alone works
    assert call(client, "GET", "/api/me", token="pxk_not-a-key")[0] == 401


def test_no_credentials_get_401_with_a_bearer_challenge(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    response = client.put(
        "/api/campaigns/1/units/D1/values/1.1", data="{}", content_type="application/json"
    )
    assert response.status_code == 401


def _csrf(client: Client) -> str:
    """A CSRF token for the session (as a page would give it)."""
    from django.conf import settings
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    return secret


def test_session_writes_need_the_csrf_token(campaigns, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.reporter_a)
    url = f"/api/campaigns/{campaigns.open.pk}/units/D1/values/1.1"
    assert call(client, "GET", f"/api/campaigns/{campaigns.open.pk}/units/D1/values")[0] == 200
    status, body = call(client, "PUT", url, {"value": 1})
    assert status == 403 and "CSRF" in body["detail"]
    batch = f"/api/campaigns/{campaigns.open.pk}/units/D1/values"
    assert call(client, "POST", batch, {"values": [{"leaf_code": "1.1", "value": 1}]})[0] == 403
    token = _csrf(client)
    status, body = call(client, "PUT", url, {"value": 1}, HTTP_X_CSRFTOKEN=token)
    assert status == 200, body
    assert body["value"] == 1.0


def test_token_writes_need_no_csrf_token(campaigns, people):
    client = Client(enforce_csrf_checks=True)
    key = token_for(people.reporter_a)
    url = f"/api/campaigns/{campaigns.open.pk}/units/D1/values/1.1"
    status, body = call(client, "PUT", url, {"value": 0.5}, token=key)
    assert status == 200, body


def test_the_page_login_and_the_api_share_the_session(people):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "api-viewer-p", "password": PASSWORD_FOR_TESTS}
    )
    assert response.status_code == 302
    status, body = call(client, "GET", "/api/me")
    assert status == 200 and body["authenticated_by"] == "session"


# --- making tokens -------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_creates_lists_and_revokes_tokens(people, client):
    result = runner.invoke(
        app,
        ["api-token", "create", "--user", "api-reporter-a", "--name", "nightly export",
         "--expires", "2999-12-31"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("pxk_")
    token = ApiToken.objects.get()
    assert token.name == "nightly export" and token.user == people.reporter_a
    assert timezone.localtime(token.expires_at).date() == dt.date(3000, 1, 1)
    assert call(client, "GET", "/api/me", token=key)[0] == 200

    listed = runner.invoke(app, ["api-token", "list"], catch_exceptions=False)
    assert "nightly export" in listed.stdout and "active" in listed.stdout
    assert key not in listed.stdout

    revoked = runner.invoke(app, ["api-token", "revoke", str(token.pk)], catch_exceptions=False)
    assert revoked.exit_code == 0
    assert call(client, "GET", "/api/me", token=key)[0] == 401


def test_cli_refuses_unknown_users(people):
    result = runner.invoke(app, ["api-token", "create", "--user", "ghost", "--name", "x"])
    assert result.exit_code == 1
    assert ApiToken.objects.count() == 0


def test_admin_adds_a_token_and_shows_the_key_once(people, make_user, client):
    from django.contrib.messages import get_messages

    from parindex.web.accounts.models import Role

    sysadmin = make_user("api-sysadmin", Role.SYSADMIN, None)
    client.force_login(sysadmin)
    response = client.post(
        "/admin/api/apitoken/add/",
        {"user": people.viewer_p.pk, "name": "dashboard", "expires_at_0": "", "expires_at_1": ""},
    )
    assert response.status_code == 302, response.content[:2000]
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    key = next(word for word in shown.split() if word.startswith("pxk_"))
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    other = Client()
    assert call(other, "GET", "/api/me", token=key)[1]["username"] == "api-viewer-p"
    # revoke with the admin action
    client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked
    assert call(other, "GET", "/api/me", token=key)[0] == 401
