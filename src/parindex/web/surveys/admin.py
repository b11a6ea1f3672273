from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from parindex.web.surveys.models import Response, SampledHousehold, Survey


@admin.register(Survey)
class SurveyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "year", "root_unit", "instrument_id", "instrument_version", "status")
    list_filter = ("status", "year")
    search_fields = ("name",)
    exclude = ("instrument_file",)


@admin.register(SampledHousehold)
class SampledHouseholdAdmin(admin.ModelAdmin):
    list_display = ("household_code", "survey", "unit", "village", "weight", "used_at")
    list_filter = ("survey",)
    search_fields = ("household_code", "village")
    readonly_fields = ("access_code",)


@admin.register(Response)
class ResponseAdmin(SimpleHistoryAdmin):
    list_display = ("instance_id", "survey", "household", "source", "submitted", "created_at")
    list_filter = ("survey", "source", "submitted")
    search_fields = ("instance_id",)
