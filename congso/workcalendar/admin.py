from django.contrib import admin

from congso.workcalendar.models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "status", "source_document"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "source_document"]
    date_hierarchy = "date"
