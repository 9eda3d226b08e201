from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from congso.geo.models import AdministrativeUnit, Agency


class CurrentFilter(admin.SimpleListFilter):
    title = _("hiệu lực")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", _("Đang hiệu lực")), ("no", _("Đã hết hiệu lực"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "no":
            return queryset.filter(valid_to__isnull=False)
        return queryset


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "valid_from", "valid_to"]
    list_filter = [CurrentFilter, "level", "kind"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["successors"]
    list_per_page = 200


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "identifier", "identifier_confirmed", "kind", "unit", "valid_from", "valid_to"]
    list_filter = [CurrentFilter, "kind", "identifier_confirmed"]
    search_fields = ["name", "identifier", "short_name", "slug"]
    list_select_related = ["unit"]
    autocomplete_fields = ["parent", "unit"]
    filter_horizontal = ["successors"]
