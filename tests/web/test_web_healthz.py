from __future__ import annotations

import pytest
from django.db import OperationalError

from parindex import __version__


@pytest.mark.django_db
def test_healthz_reports_ok_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch, settings):
    from parindex.web.core import views

    class Unreachable:
        def cursor(self):
            raise OperationalError('connection to server at "db" failed: secret detail')

    monkeypatch.setattr(views, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error" and body["database"] == "error"
    assert body["error"] == "OperationalError"  # details only in the log when debug is off
    assert body["version"] == __version__

    settings.DEBUG = True
    assert "secret detail" in client.get("/healthz").json()["error"]


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
