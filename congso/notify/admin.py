from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from congso.core.admin import ReadOnlyAdmin, ReadOnlyInline
from congso.notify import actions, placeholders
from congso.notify.models import DeliveryAttempt, MessageTemplate, Notification


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("event", "channel", "subject", "active")
    list_filter = ("channel", "active")
    list_editable = ("active",)

    def get_form(self, request, obj=None, **kwargs):
        allowed = placeholders.placeholders_for(obj.event if obj else "")
        help_text = _("Trường thay thế: ") + ", ".join(f"{{{k}}} ({v})" for k, v in allowed.items())
        kwargs["help_texts"] = {"body": help_text, "subject": help_text}
        return super().get_form(request, obj, **kwargs)


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("at", "ok", "detail", "duration_ms")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "dossier",
        "complaint",
        "event",
        "channel",
        "recipient",
        "status",
        "attempts",
        "last_error",
    )
    list_filter = ("status", "channel", "event")
    search_fields = ("dossier__code", "complaint__reference", "recipient")
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.action(description=_("Gửi lại các thông báo đã chọn"))
    def retry(self, request, queryset):
        for n in queryset:
            actions.retry(n)
        messages.success(request, _("Đã xếp lịch gửi lại."))
