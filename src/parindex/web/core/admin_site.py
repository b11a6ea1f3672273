"""The Django admin, opened to system administrators by role rather than `is_staff`.

Access follows the same role assignments as the rest of the application, so there is one
place (a `sysadmin` RoleAssignment) that decides who administers users and units. The
admin's own sign-in page is replaced by ours, which applies the login lockout.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _


def is_admin_user(user: Any) -> bool:
    from parindex.web.accounts.rules import is_sysadmin

    return bool(user.is_active and (user.is_superuser or is_sysadmin(user)))


class ParindexAdminSite(admin.AdminSite):
    site_header = _("parindex administration")
    site_title = _("parindex administration")
    index_title = _("Users, roles and units")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_admin_user(request.user)

    @method_decorator(login_not_required)
    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.user.is_authenticated:
            # Signed in but not an administrator: say so instead of looping to sign-in.
            if not self.has_permission(request):
                raise PermissionDenied
            return redirect("admin:index")
        return redirect_to_login(request.GET.get("next") or request.get_full_path())


class SysadminAdminMixin:
    """ModelAdmin permissions for system administrators (and superusers)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin_user(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_admin_user(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin_user(request.user)
