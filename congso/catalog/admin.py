from django.contrib import admin

from congso.catalog.models import (
    Component,
    FeeLine,
    Field,
    Procedure,
    ResultDocument,
    WorkflowDefinition,
    WorkflowStatus,
)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "ministry"]
    search_fields = ["name", "code"]


class FeeLineInline(admin.TabularInline):
    model = FeeLine
    extra = 0


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


class ResultInline(admin.TabularInline):
    model = ResultDocument
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "level",
        "field",
        "duration_value",
        "duration_unit",
        "confirmed",
        "version",
        "valid_to",
    ]
    list_filter = ["level", "confirmed", "online_class", "field"]
    search_fields = ["name", "code", "national_code", "search_text"]
    list_select_related = ["field"]
    filter_horizontal = ["agencies"]
    readonly_fields = ["key", "version", "search_text"]
    inlines = [FeeLineInline, ComponentInline, ResultInline]

    def save_model(self, request, obj, form, change):
        # Keep the folded search column in step with what the administrator typed.
        obj.search_text = obj.build_search_text()
        super().save_model(request, obj, form, change)


class ProcedurePartAdmin(admin.ModelAdmin):
    """Shared list settings for the rows that belong to one procedure (fees, components, results)."""

    search_fields = ["name", "procedure__name"]
    list_select_related = ["procedure"]
    raw_id_fields = ["procedure"]


@admin.register(FeeLine)
class FeeLineAdmin(ProcedurePartAdmin):
    list_display = ["name", "kind", "amount", "per_copy", "procedure"]
    list_filter = ["kind", "per_copy"]


@admin.register(Component)
class ComponentAdmin(ProcedurePartAdmin):
    list_display = ["name", "copies", "original", "mandatory", "procedure"]
    list_filter = ["original", "mandatory"]


@admin.register(ResultDocument)
class ResultDocumentAdmin(ProcedurePartAdmin):
    list_display = ["name", "procedure"]


@admin.register(WorkflowDefinition)
class WorkflowDefinitionAdmin(admin.ModelAdmin):
    """Published versions are read-only: publish a new version from data/workflows/ (load_demo) instead."""

    list_display = ["key", "version", "name", "status", "default_for_level", "child", "published_at"]
    list_filter = ["status", "default_for_level", "child"]
    search_fields = ["key", "name"]
    readonly_fields = ["spec_sha256", "published_at", "created_at"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == WorkflowStatus.PUBLISHED:
            return False
        return super().has_change_permission(request, obj)
