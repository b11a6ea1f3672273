"""Heads' rule sets in the Django admin (system administrators), with their history.
Rule sets are uploaded (and validated) on the heads page; the admin is for inspection."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from parindex.web.core.admin_site import SysadminAdminMixin
from parindex.web.heads.models import HeadRuleSetFile


@admin.register(HeadRuleSetFile)
class HeadRuleSetFileAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "version", "root_unit", "active", "uploaded_by", "uploaded_at"]
    list_filter = ["active"]
    readonly_fields = [
        "root_unit", "file_name", "rule_set_id", "name", "version", "yaml_text",
        "uploaded_by", "uploaded_at",
    ]  # fmt: skip
