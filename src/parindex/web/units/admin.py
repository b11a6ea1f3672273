"""Units in the Django admin (system administrators), with their change history."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from parindex.web.core.admin_site import SysadminAdminMixin
from parindex.web.units.models import Unit, UnitPredecessor


class PredecessorInline(SysadminAdminMixin, admin.TabularInline):
    model = UnitPredecessor
    fk_name = "unit"
    extra = 0
    autocomplete_fields = ["predecessor"]
    fields = ["predecessor", "weight", "kind", "note"]


@admin.register(Unit)
class UnitAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent", "peer_group", "valid_from", "valid_to"]
    list_filter = ["kind", "peer_group", "region"]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    list_select_related = ["parent"]
    date_hierarchy = "valid_from"
    inlines = [PredecessorInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "short_name", "kind", "parent"]}),
        (None, {"fields": ["peer_group", "region"]}),
        (None, {"fields": ["valid_from", "valid_to"]}),
        (None, {"classes": ["collapse"], "fields": ["path", "depth"]}),
    ]


@admin.register(UnitPredecessor)
class UnitPredecessorAdmin(SysadminAdminMixin, SimpleHistoryAdmin):
    list_display = ["unit", "predecessor", "weight", "kind"]
    list_filter = ["kind"]
    search_fields = ["unit__code", "unit__name", "predecessor__code", "predecessor__name"]
    autocomplete_fields = ["unit", "predecessor"]
