"""The DVCQG integration in the admin: the outbox (with every attempt and a manual retry), the inbound
review queue, the catalog differences to accept or reject, and refused webhooks."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.admin import ReadOnlyAdmin
from congso.national import catalog_sync, intake, outbox
from congso.national.models import (
    CatalogChange,
    ChangeStatus,
    DeliveryAttempt,
    InboundDossier,
    InboundStatus,
    OutboxMessage,
    SyncState,
    WebhookRejection,
)


class ReadOnly(ReadOnlyAdmin):
    """Rows change only through the integration's actions; an admin action needs the model's change right."""

    def has_decide_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("at", "ok", "duration_ms", "stale", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnly):
    list_display = ("dossier", "seq", "service", "status", "attempts", "next_attempt_at", "short_error", "created_at")
    list_filter = ("status", "service")
    search_fields = ("dossier__code", "message_id")
    list_select_related = ("dossier",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.display(description=gettext_lazy("lỗi gần nhất"))
    def short_error(self, obj):
        return (obj.last_error or "")[:120]

    @admin.action(description=gettext_lazy("Gửi lại ngay các gói tin đã chọn"), permissions=["decide"])
    def retry(self, request, queryset):
        n = outbox.retry_now(queryset)
        self.message_user(request, _("%(n)s gói tin sẽ được gửi lại ngay.") % {"n": n}, messages.SUCCESS)


@admin.register(SyncState)
class SyncStateAdmin(ReadOnly):
    list_display = ("dossier", "national_code", "last_status", "acknowledged_status", "acknowledged_at")
    search_fields = ("dossier__code", "national_code")
    list_select_related = ("dossier",)


@admin.register(InboundDossier)
class InboundAdmin(ReadOnly):
    list_display = ("national_code", "status", "short_reason", "via", "times_received", "received_at", "dossier")
    list_filter = ("status", "via")
    search_fields = ("national_code", "dossier__code")
    readonly_fields = [f.name for f in InboundDossier._meta.fields]
    list_select_related = ("dossier",)
    actions = ["retry", "dismiss"]

    @admin.display(description=gettext_lazy("lý do"))
    def short_reason(self, obj):
        return (obj.reason or "")[:160]

    @admin.action(description=gettext_lazy("Xử lý lại (sau khi đã khắc phục nguyên nhân)"), permissions=["decide"])
    def retry(self, request, queryset):
        results = [intake.retry_review(row, user=request.user) for row in queryset]
        created = sum(1 for r in results if r.status == InboundStatus.CREATED)
        still = [r.national_code for r in results if r.status == InboundStatus.REVIEW]
        self.message_user(request, _("Đã tạo %(n)s hồ sơ.") % {"n": created}, messages.SUCCESS)
        if still:
            self.message_user(
                request, _("Vẫn cần xem xét: %(codes)s") % {"codes": ", ".join(still[:20])}, messages.WARNING
            )

    @admin.action(description=gettext_lazy("Loại khỏi hàng chờ (giữ lại bản ghi)"), permissions=["decide"])
    def dismiss(self, request, queryset):
        for row in queryset:
            intake.dismiss(row, user=request.user, reason=_("Quản trị loại khỏi hàng chờ: %(r)s") % {"r": row.reason})
        self.message_user(request, _("Đã loại %(n)s hồ sơ.") % {"n": queryset.count()}, messages.SUCCESS)


@admin.register(CatalogChange)
class CatalogChangeAdmin(ReadOnly):
    list_display = ("national_code", "name", "kind", "changed_fields", "status", "found_at", "decided_by")
    list_filter = ("status", "kind")
    search_fields = ("national_code", "name", "procedure_key")
    readonly_fields = [f.name for f in CatalogChange._meta.fields]
    actions = ["accept", "reject"]

    @admin.display(description=gettext_lazy("trường khác"))
    def changed_fields(self, obj):
        return ", ".join(catalog_sync.COMPARED.get(k, k) for k in obj.differences)

    def _decide(self, request, queryset, decide):
        done = 0
        for change in queryset.filter(status=ChangeStatus.PENDING):
            try:
                decide(change, user=request.user)
                done += 1
            except catalog_sync.CatalogSyncError as exc:
                self.message_user(request, f"{change.national_code}: {exc}", messages.ERROR)
        self.message_user(request, _("Đã xử lý %(n)s khác biệt.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Chấp nhận: cập nhật danh mục của tỉnh theo DVCQG"), permissions=["decide"])
    def accept(self, request, queryset):
        self._decide(request, queryset, catalog_sync.accept)

    @admin.action(description=gettext_lazy("Từ chối: giữ nguyên danh mục của tỉnh"), permissions=["decide"])
    def reject(self, request, queryset):
        self._decide(request, queryset, catalog_sync.reject)


@admin.register(WebhookRejection)
class WebhookRejectionAdmin(ReadOnly):
    list_display = ("at", "remote_addr", "reason")
    readonly_fields = [f.name for f in WebhookRejection._meta.fields]
