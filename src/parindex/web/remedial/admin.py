"""Remedial plans in the Django admin (system administrators), with their history.

For inspection and emergencies: plans, tasks and progress are made on the plan pages,
whose rules live in services.py. Evidence files are not served from here.
"""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from parindex.web.core.admin_site import SysadminAdminMixin
from parindex.web.remedial.models import RemedialPlan, RemedialTask, TaskProgress


@admin.register(RemedialPlan)
class RemedialPlanAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "number", "issued_on", "level", "unit", "campaign"]
    list_filter = ["level", "campaign__year"]
    search_fields = ["title", "number", "unit__name", "unit__code"]
    readonly_fields = ["campaign", "unit", "level", "created_by", "created_at"]


@admin.register(RemedialTask)
class RemedialTaskAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["node_code", "unit", "owner", "deadline", "status", "plan"]
    list_filter = ["status", "plan__campaign__year"]
    search_fields = ["node_code", "node_name", "action", "unit__code", "owner__code"]
    readonly_fields = [
        "plan", "unit", "node_code", "node_name", "field_code", "field_name", "max_points",
        "points", "lost_points", "recurring_years", "created_by", "created_at", "updated_at",
    ]  # fmt: skip


@admin.register(TaskProgress)
class TaskProgressAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["task", "status", "created_by", "created_at", "original_name"]
    readonly_fields = [
        "task", "file", "original_name", "content_type", "size", "sha256", "created_by",
        "created_at",
    ]  # fmt: skip
