"""Campaign data in the Django admin (system administrators), with their history.

The admin is for inspection and emergencies: the workflow (windows, submissions,
appraisal, finalisation) is run from the campaign pages, whose rules live in services.py.
Results are read-only here; they are written only by finalisation.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from parindex.web.campaigns.models import (
    Assessment,
    Campaign,
    CampaignWindow,
    Evidence,
    ExplanationRequest,
    LeafValue,
    NodeResult,
    UnitResult,
    WindowException,
)
from parindex.web.core.admin_site import SysadminAdminMixin


class WindowInline(SysadminAdminMixin, admin.TabularInline):
    model = CampaignWindow
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "year", "root_unit", "framework_id", "framework_version", "status"]
    list_filter = ["status", "year", "unit_kind"]
    search_fields = ["name", "framework_id", "root_unit__name", "root_unit__code"]
    autocomplete_fields = ["root_unit", "previous"]
    readonly_fields = [
        "framework_id",
        "framework_version",
        "framework_name",
        "unit_kind",
        "framework_yaml",
        "created_by",
        "created_at",
        "finalised_by",
        "finalised_at",
        "published_by",
        "published_at",
    ]
    inlines = [WindowInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A campaign with values or results is evidence of an official process.
        if obj is not None and obj.status != Campaign.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(WindowException)
class WindowExceptionAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["campaign", "unit", "kind", "until", "granted_by", "granted_at"]
    list_filter = ["kind"]
    search_fields = ["unit__code", "unit__name", "reason"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["granted_at"]


@admin.register(Assessment)
class AssessmentAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["unit", "campaign", "status", "round", "submitted_by", "submitted_at"]
    list_filter = ["status", "round", "campaign"]
    search_fields = ["unit__code", "unit__name"]
    list_select_related = ["unit", "campaign", "submitted_by"]
    readonly_fields = ["campaign", "unit", "created_at"]


@admin.register(LeafValue)
class LeafValueAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "assessment",
        "leaf_code",
        "self_value",
        "not_applicable",
        "appraised_value",
        "appraised_at",
    ]
    list_filter = ["assessment__campaign", "not_applicable"]
    search_fields = ["leaf_code", "assessment__unit__code", "assessment__unit__name"]
    list_select_related = ["assessment__unit", "assessment__campaign"]
    readonly_fields = ["assessment", "leaf_code"]


@admin.register(Evidence)
class EvidenceAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "leaf_value",
        "kind",
        "original_name",
        "doc_number",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "doc_number", "title", "sha256"]
    readonly_fields = [
        "leaf_value",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]


@admin.register(ExplanationRequest)
class ExplanationRequestAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["leaf_value", "round", "deadline", "status", "requested_by", "responded_at"]
    list_filter = ["status", "round"]
    readonly_fields = ["leaf_value", "requested_by", "requested_at"]


class ReadOnlyAdmin(SysadminAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UnitResult)
class UnitResultAdmin(ReadOnlyAdmin):
    list_display = [
        "campaign",
        "track",
        "peer_group",
        "rank",
        "unit_code",
        "unit_name",
        "index_pct",
        "class_label",
    ]
    list_filter = ["campaign", "track", "peer_group"]
    search_fields = ["unit_code", "unit_name"]


@admin.register(NodeResult)
class NodeResultAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "unit", "node_code", "points", "max_points", "self_points"]
    list_filter = ["campaign", "depth", "is_leaf"]
    search_fields = ["node_code", "unit__code"]
    list_select_related = ["campaign", "unit"]
