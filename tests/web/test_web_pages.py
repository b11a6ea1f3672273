"""The home page (scope), the language switch, number formats, security headers."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from parindex.web.accounts.models import Role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def test_home_lists_only_units_in_scope(client, tree, make_user):
    make_user("thutruong.d1", Role.UNIT_HEAD, tree.d1)
    client.login(username="thutruong.d1", password=PASSWORD)
    page = client.get("/").content.decode()
    assert "Sở Nội vụ" in page
    for other in ("Sở Tư pháp", "Xã Một", "Tỉnh Quý", "Xã Quý Một"):
        assert other not in page


def test_home_of_a_provincial_viewer_and_search(client, tree, make_user):
    make_user("lanhdao", Role.VIEWER, tree.p)
    client.login(username="lanhdao", password=PASSWORD)
    page = client.get("/").content.decode()
    assert all(name in page for name in ("Tỉnh Phước", "Sở Nội vụ", "Sở Tư pháp", "Xã Một"))
    assert "Tỉnh Quý" not in page
    found = client.get("/", {"q": "X1"}).content.decode()
    assert "Xã Một" in found and "Sở Nội vụ" not in found


def test_htmx_search_returns_only_the_table(client, tree, make_user):
    make_user("lanhdao", Role.VIEWER, tree.p)
    client.login(username="lanhdao", password=PASSWORD)
    response = client.get(
        "/", {"q": "Sở"}, headers={"HX-Request": "true", "HX-Target": "unit-table"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="unit-table"') and "<html" not in body


def test_home_hides_units_no_longer_in_force(client, tree, make_user):
    import datetime as dt

    tree.x1.valid_to = dt.date(2021, 1, 1)
    tree.x1.save()
    make_user("lanhdao", Role.VIEWER, tree.p)
    client.login(username="lanhdao", password=PASSWORD)
    assert "Xã Một" not in client.get("/").content.decode()


def test_vietnamese_by_default_and_english_after_switching(client, tree, make_user):
    make_user("lanhdao", Role.VIEWER, tree.p)
    client.login(username="lanhdao", password=PASSWORD)
    page = client.get("/").content.decode()
    assert '<html lang="vi">' in page and "Chỉ số CCHC" in page and "Vai trò của bạn" in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "PAR Index" in page and "Your roles" in page and "Viewer" in page
    assert "Vai trò của bạn" not in page


def test_language_switch_works_before_sign_in(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in" in page and "Forgot your password?" in page


def test_number_filter_follows_the_language():
    template = Template(
        "{% load parindex_format %}{{ x|number:2 }} {{ big|number:1 }} {{ d|signed }} {{ none|number }}"
    )
    context = Context({"x": 87.675, "big": 1234.56, "d": 1.14, "none": None})
    with translation.override("vi"):
        assert template.render(context) == "87,68 1.234,6 +1,14 –"
    with translation.override("en"):
        assert template.render(context) == "87.68 1,234.6 +1.14 –"


def test_vietnamese_date_format():
    import datetime as dt

    from django.utils import formats

    with translation.override("vi"):
        assert formats.date_format(dt.date(2025, 7, 1), "SHORT_DATE_FORMAT") == "01/07/2025"


def test_security_headers_and_static_htmx(client, db):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert "/static/parindex/vendor/htmx/htmx.min.js" in body
    assert "https://" not in body.split("<body")[0]  # nothing from a CDN
    assert 'href="#main"' in body  # skip link


def test_csrf_is_enforced(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "a", "password": "b"}).status_code == 403


def test_an_english_browser_still_gets_vietnamese_pages(client, db):
    """Office computers often run English browsers; pages stay Vietnamese until the user
    switches, while the API follows Accept-Language."""
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in page and "Đăng nhập" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert '<html lang="en">' in page
