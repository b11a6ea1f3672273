"""Permission predicates: every role × a unit in its subtree and a unit outside it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import include, path
from django.views.generic import TemplateView

from parindex.web.accounts import rules as r
from parindex.web.accounts.models import Role, RoleAssignment
from parindex.web.accounts.permissions import UnitScopedMixin, unit_scoped

pytestmark = pytest.mark.django_db

PERMS = {
    "parindex.view_unit": set(Role.values),
    "parindex.edit_self_assessment": {Role.REPORTER, Role.UNIT_HEAD},
    "parindex.submit_self_assessment": {Role.UNIT_HEAD},
    "parindex.appraise": {Role.APPRAISER},
    "parindex.admin_campaigns": {Role.CAMPAIGN_ADMIN},
    "parindex.manage_units": {Role.SYSADMIN},
    "parindex.manage_users": {Role.SYSADMIN},
}
UNIT_PERMS = [p for p in PERMS if not p.startswith("parindex.manage_")]


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("perm", UNIT_PERMS)
def test_role_on_province_grants_inside_and_denies_outside(tree, make_user, role, perm):
    unit = None if role == Role.SYSADMIN else tree.p  # a sysadmin's role covers every unit
    user = make_user(f"u-{role}", role, unit)
    allowed = role in PERMS[perm]
    assert user.has_perm(perm, tree.x1) is allowed, "unit inside the subtree"
    assert user.has_perm(perm, tree.p) is allowed, "the root of the subtree itself"
    outside = role == Role.SYSADMIN and allowed
    assert user.has_perm(perm, tree.qx1) is outside, "unit outside the subtree"
    assert user.has_perm(perm) is allowed, "without a unit: holds the role anywhere"


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("perm", ["parindex.manage_units", "parindex.manage_users"])
def test_only_sysadmins_manage(tree, make_user, role, perm):
    unit = None if role == Role.SYSADMIN else tree.p
    assert make_user(f"m-{role}", role, unit).has_perm(perm) is (role == Role.SYSADMIN)


def test_role_on_a_leaf_does_not_reach_siblings_or_parent(tree, make_user):
    user = make_user("baocao.d1", Role.REPORTER, tree.d1)
    assert user.has_perm("parindex.edit_self_assessment", tree.d1)
    assert not user.has_perm("parindex.edit_self_assessment", tree.d2)
    assert not user.has_perm("parindex.view_unit", tree.p)


def test_has_role_on_unit_with_several_assignments(tree, make_user):
    user = make_user("multi", Role.REPORTER, tree.d1)
    RoleAssignment.objects.create(
        user=user, role=Role.VIEWER, unit=tree.q, valid_from=dt.date(2020, 1, 1)
    )
    r.forget_assignments(user)
    assert r.has_role_on_unit(user, tree.qx1, [Role.VIEWER])
    assert not r.has_role_on_unit(user, tree.qx1, [Role.REPORTER])
    assert r.has_role_on_unit(user, tree.d1, [Role.REPORTER, Role.VIEWER])
    assert sorted(r.visible_units(user).values_list("code", flat=True)) == ["D1", "Q", "QX1"]


def test_no_role_no_access(tree, make_user):
    user = make_user("nobody")
    assert not any(user.has_perm(perm, tree.x1) for perm in PERMS)
    assert list(r.visible_units(user)) == []


def test_expired_and_future_assignments_do_not_count(tree, make_user):
    past = make_user("past", Role.VIEWER, tree.p, valid_to=dt.date(2021, 1, 1))
    future = make_user("future", Role.VIEWER, tree.p, valid_from=dt.date(2999, 1, 1))
    assert not past.has_perm("parindex.view_unit", tree.x1)
    assert not future.has_perm("parindex.view_unit", tree.x1)


def test_inactive_users_have_no_permission(tree, make_user):
    user = make_user("inactive", Role.VIEWER, tree.p)
    user.is_active = False
    assert not user.has_perm("parindex.view_unit", tree.x1)


def test_appraisers_limited_to_fields(tree, make_user):
    some = make_user("lv3", Role.APPRAISER, tree.p, fields=["3", "7"])
    every = make_user("all", Role.APPRAISER, tree.p)
    assert some.has_perm("parindex.appraise", tree.x1)
    assert some.has_perm("parindex.appraise_field", r.AppraisalTarget(tree.x1, "3"))
    assert not some.has_perm("parindex.appraise_field", r.AppraisalTarget(tree.x1, "1"))
    assert not some.has_perm("parindex.appraise_field", r.AppraisalTarget(tree.qx1, "3"))
    assert every.has_perm("parindex.appraise_field", r.AppraisalTarget(tree.x1, "1"))
    assert r.appraisal_fields(some, tree.x1) == {"3", "7"}
    assert r.appraisal_fields(every, tree.x1) is None


def test_one_query_for_many_checks(tree, make_user, django_assert_max_num_queries):
    user = make_user("viewer", Role.VIEWER, tree.p)
    units = [tree.p, tree.d1, tree.d2, tree.x1, tree.q, tree.qx1]
    with django_assert_max_num_queries(1):
        seen = [u.code for u in units if user.has_perm("parindex.view_unit", u)]
    assert seen == ["P", "D1", "D2", "X1"]


def test_assignment_rules_are_validated(tree, make_user):
    from django.core.exceptions import ValidationError

    user = make_user("x")
    with pytest.raises(ValidationError) as caught:
        RoleAssignment(user=user, role=Role.REPORTER, unit=None).full_clean()
    assert "unit" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        RoleAssignment(user=user, role=Role.REPORTER, unit=tree.p, fields=["1"]).full_clean()
    assert "fields" in caught.value.message_dict


# --- the view guards ---------------------------------------------------------------------


@unit_scoped("parindex.edit_self_assessment")
def edit_view(request, unit):
    return HttpResponse(f"editing {unit.code}")


class UnitPage(UnitScopedMixin, TemplateView):
    unit_permission = "parindex.view_unit"

    def get(self, request, *args, **kwargs):
        return HttpResponse(f"viewing {self.unit.code}")


def _request(user):
    request = RequestFactory().get("/x/")
    request.user = user
    return request


def test_unit_scoped_allows_403s_and_404s(tree, make_user):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    reporter = make_user("baocao", Role.REPORTER, tree.d1)
    assert edit_view(_request(reporter), unit_id=tree.d1.pk).content == b"editing D1"
    with pytest.raises(PermissionDenied):
        edit_view(_request(reporter), unit_id=tree.d2.pk)
    with pytest.raises(Http404):
        edit_view(_request(reporter), unit_id=999_999)
    response = edit_view(_request(AnonymousUser()), unit_id=tree.d1.pk)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unit_scoped_mixin(tree, make_user):
    from django.core.exceptions import PermissionDenied

    viewer = make_user("lanhdao", Role.VIEWER, tree.p)
    view = UnitPage.as_view()
    assert view(_request(viewer), unit_id=tree.x1.pk).content == b"viewing X1"
    with pytest.raises(PermissionDenied):
        view(_request(viewer), unit_id=tree.qx1.pk)


urlpatterns = [
    path("test-edit/<int:unit_id>/", edit_view),
    path("", include("parindex.web.urls")),
]


def test_403_page_is_rendered_in_the_site_layout(client, tree, make_user, settings):
    settings.ROOT_URLCONF = __name__
    make_user("baocao2", Role.REPORTER, tree.d1)
    client.login(username="baocao2", password="a-long-test-password")
    response = client.get(f"/test-edit/{tree.d2.pk}/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    assert client.get(f"/test-edit/{tree.d1.pk}/").content == b"editing D1"
    assert client.get("/test-edit/999999/").status_code == 404


# --- the admin ---------------------------------------------------------------------------


def test_admin_is_for_sysadmins(client, tree, make_user):
    make_user("quantri", Role.SYSADMIN, None)
    make_user("canbo", Role.CAMPAIGN_ADMIN, tree.p)
    assert client.get("/admin/").status_code == 302  # anonymous: to our sign-in page
    assert "/accounts/login/" in client.get("/admin/login/?next=/admin/")["Location"]
    client.login(username="canbo", password="a-long-test-password")
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/").status_code == 403
    client.logout()
    client.login(username="quantri", password="a-long-test-password")
    for url in (
        "/admin/",
        "/admin/units/unit/",
        f"/admin/units/unit/{tree.x1.pk}/change/",
        f"/admin/units/unit/{tree.x1.pk}/history/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/accounts/roleassignment/",
        "/admin/accounts/roleassignment/add/",
        "/admin/accounts/loginlock/",
    ):
        assert client.get(url).status_code == 200, url


def test_sysadmin_can_grant_a_role_in_the_admin(client, tree, make_user):
    make_user("quantri", Role.SYSADMIN, None)
    target = make_user("moi")
    client.login(username="quantri", password="a-long-test-password")
    response = client.post(
        "/admin/accounts/roleassignment/add/",
        {
            "user": target.pk,
            "role": Role.APPRAISER,
            "unit": tree.p.pk,
            "fields": "3, 7",
            "valid_from": "2020-01-01",
            "valid_to": "",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assignment = RoleAssignment.objects.get(user=target)
    assert assignment.fields == ["3", "7"]
    assert assignment.history.first().history_user.username == "quantri"
