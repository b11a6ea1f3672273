"""Users, role assignments and login locks in the Django admin (system administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from parindex.web.accounts.models import LoginLock, RoleAssignment, User
from parindex.web.core.admin_site import SysadminAdminMixin


class FieldCodesField(forms.CharField):
    """Framework field codes typed as "1, 3, 7" and stored as ["1", "3", "7"]."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return [str(v) for v in value]
        text = super().to_python(value) or ""
        return [code.strip() for code in text.replace(";", ",").split(",") if code.strip()]


class RoleAssignmentForm(forms.ModelForm):
    fields = FieldCodesField(
        label=_("framework fields"),
        required=False,
        help_text=_("Appraisers only: field codes separated by commas; empty = all fields."),
    )

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "unit", "fields", "valid_from", "valid_to", "note"]


class RoleAssignmentInline(SysadminAdminMixin, admin.TabularInline):
    model = RoleAssignment
    form = RoleAssignmentForm
    extra = 0
    autocomplete_fields = ["unit"]
    fields = ["role", "unit", "fields", "valid_from", "valid_to", "note"]


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "email")


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(SysadminAdminMixin, SimpleHistoryAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    inlines = [RoleAssignmentInline]
    list_display = ["username", "full_name", "email", "is_active", "last_login"]
    list_filter = ["is_active", "role_assignments__role"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["username"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "full_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        )
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)
        status = ["is_active"]
        if request.user.is_superuser:  # only a superuser may make another one
            status.append("is_superuser")
        return [
            (None, {"fields": ["username", "password"]}),
            (_("Personal info"), {"fields": ["full_name", "email"]}),
            (_("Status"), {"fields": status}),
            (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["last_login", "date_joined"] if obj is not None else []


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "unit", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(LoginLock)
class LoginLockAdmin(SysadminAdminMixin, admin.ModelAdmin):
    """Deleting a row unlocks that user name at once."""

    list_display = ["username", "failures", "last_failure_at", "locked_until"]
    search_fields = ["username"]
    readonly_fields = ["username", "failures", "last_failure_at", "locked_until"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


if admin.site.is_registered(Group):
    admin.site.unregister(Group)  # access is granted by role assignments, not groups
