from django.contrib import admin

from congso.national.simulator.models import SimControl, SimDossier, SimFile, SimMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """What DVCQG holds is changed only through the simulator's API and pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SimFileInline(admin.TabularInline):
    model = SimFile
    fields = ("name", "content_type", "token")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SimDossier)
class SimDossierAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "seq",
        "province_code",
        "status",
        "paid",
        "webhook_attempts",
        "webhook_delivered_at",
        "created_at",
    )
    list_filter = ("status", "paid", ("webhook_delivered_at", admin.EmptyFieldListFilter))
    search_fields = ("code", "province_code")
    date_hierarchy = "created_at"
    inlines = [SimFileInline]


@admin.register(SimMessage)
class SimMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "message_id",
        "service",
        "dossier_code",
        "national_code",
        "seq",
        "applied",
        "duplicates",
        "received_at",
    )
    list_filter = ("service", "applied")
    search_fields = ("message_id", "dossier_code", "national_code")
    date_hierarchy = "received_at"


@admin.register(SimControl)
class SimControlAdmin(admin.ModelAdmin):
    list_display = ("__str__", "down", "refuse_code")

    def has_add_permission(self, request):
        return not SimControl.objects.exists()
