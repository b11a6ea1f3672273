"""Sign-in, lockout after repeated failures, sign-out, password change and reset."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from parindex.web.accounts.models import LoginLock, Role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_sign_in_and_out(client, tree, make_user):
    make_user("baocao", Role.REPORTER, tree.d1)
    response = sign_in(client, "baocao")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302  # back to sign-in


def test_pages_need_sign_in(client, db):
    response = client.get("/accounts/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_lockout_after_n_failures_even_with_the_right_password(client, make_user, settings):
    settings.PARINDEX_LOCKOUT_ATTEMPTS = 3
    settings.PARINDEX_LOCKOUT_MINUTES = 15
    make_user("nguyenvana")
    for _ in range(2):
        assert sign_in(client, "nguyenvana", "wrong").status_code == 200
    assert not LoginLock.objects.get(username="nguyenvana").is_locked()
    third = sign_in(client, "nguyenvana", "wrong")
    assert "Đăng nhập sai quá nhiều lần" in third.content.decode()
    locked = sign_in(client, "NguyenVanA")  # right password, other case: still locked
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    # after the lock ends, the right password works and clears the count
    LoginLock.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert sign_in(client, "nguyenvana").status_code == 302
    assert not LoginLock.objects.exists()


def test_failures_older_than_the_window_are_forgotten(client, make_user, settings):
    settings.PARINDEX_LOCKOUT_ATTEMPTS = 2
    make_user("tranthib")
    sign_in(client, "tranthib", "wrong")
    LoginLock.objects.update(last_failure_at=timezone.now() - dt.timedelta(minutes=16))
    sign_in(client, "tranthib", "wrong")
    lock = LoginLock.objects.get()
    assert lock.failures == 1 and not lock.is_locked()


def test_unknown_user_names_are_counted_too(client, db, settings):
    settings.PARINDEX_LOCKOUT_ATTEMPTS = 2
    sign_in(client, "ghost", "x")
    sign_in(client, "ghost", "x")
    assert LoginLock.objects.get(username="ghost").is_locked()


def test_password_change(client, make_user):
    make_user("doimatkhau")
    sign_in(client, "doimatkhau")
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert sign_in(client, "doimatkhau", "another-long-passphrase").status_code == 302


def test_password_reset_by_e_mail(client, make_user):
    user = make_user("quenmk")
    user.email = "quenmk@example.gov.vn"
    user.save()
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [user.email] and "parindex" in message.subject
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"},
    )
    assert done.status_code == 302
    assert sign_in(client, "quenmk", "brand-new-passphrase").status_code == 302


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_profile_lists_roles(client, tree, make_user):
    make_user("thamdinh", Role.APPRAISER, tree.p, fields=["3"])
    sign_in(client, "thamdinh")
    page = client.get("/accounts/me/").content.decode()
    assert "Thành viên thẩm định" in page and "Tỉnh Phước" in page and ">3<" in page
