"""Django admin for digital-transformation governance: metric definitions are edited here; plans, targets and
figures are changed only through ``kpi.governance`` (the back office), so they are read-only here."""

from django.contrib import admin

from congso.kpi.models import DxPlan, DxTarget, EconomyMetric, EconomyValue


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EconomyMetric)
class EconomyMetricAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "unit_label", "kind", "level", "responsible_slug", "position", "active"]
    list_filter = ["level", "kind", "active"]
    search_fields = ["key", "name"]
    list_editable = ["position", "active"]


@admin.register(DxPlan)
class DxPlanAdmin(ReadOnlyAdmin):
    list_display = ["year", "agency", "commune", "number", "issued_on", "status", "recorded_at"]
    list_filter = ["year", "status"]
    search_fields = ["number", "title", "agency__name", "commune__name"]
    list_select_related = ["agency", "commune"]


@admin.register(DxTarget)
class DxTargetAdmin(ReadOnlyAdmin):
    list_display = ["year", "agency", "commune", "indicator", "comparison", "value", "assigned_at"]
    list_filter = ["year", "indicator"]
    search_fields = ["agency__name", "commune__name"]
    list_select_related = ["agency", "commune"]


@admin.register(EconomyValue)
class EconomyValueAdmin(ReadOnlyAdmin):
    list_display = ["metric", "unit", "period", "value", "revision", "current", "source", "entered_by", "entered_at"]
    list_filter = ["metric", "period_kind", "current", "source"]
    search_fields = ["unit__name", "unit__code", "period"]
    list_select_related = ["metric", "unit", "entered_by"]
