from django.contrib import admin

from congso.catalog.models import Component, FeeLine, Field, Procedure, ResultDocument


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
