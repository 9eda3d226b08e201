from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from congso.core.admin import ReadOnlyAdmin, ReadOnlyInline
from congso.payments import exports
from congso.payments.models import Obligation, Payment, ProviderMessage, Receipt, Reconciliation, ReconciliationLine


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("reference", "method", "state", "amount", "paid_at", "refund_due", "last_error")
    show_change_link = True


@admin.register(Obligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "kind", "amount", "status", "created_at", "paid_at", "settled_at", "agency")
    list_filter = ("status", "kind", ("settled_at", admin.EmptyFieldListFilter))
    search_fields = ("dossier__code", "dossier__applicant_name")
    inlines = [PaymentInline]


class MessageInline(ReadOnlyInline):
    model = ProviderMessage
    fields = ("at", "source", "verdict", "detail", "duration_ms", "payload")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "method", "state", "amount", "created_at", "paid_at", "refund_due", "checks")
    list_filter = ("method", "state", "refund_due")
    search_fields = ("reference", "provider_ref", "obligation__dossier__code", "payer_name")
    inlines = [MessageInline]


@admin.register(ProviderMessage)
class ProviderMessageAdmin(ReadOnlyAdmin):
    list_display = ("at", "provider", "source", "reference", "verdict", "detail", "duration_ms")
    list_filter = ("provider", "source", "verdict")
    search_fields = ("reference",)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "form_number", "series", "number", "payer_name", "amount", "issued_at", "agency")
    search_fields = ("payer_name", "payment__reference", "payment__obligation__dossier__code")


class LineInline(ReadOnlyInline):
    model = ReconciliationLine
    fields = ("reference", "status", "provider_amount", "local_amount", "provider_state", "local_state", "note")


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "provider",
        "matched",
        "missing_local",
        "missing_provider",
        "mismatched",
        "repaired",
        "error",
    )
    list_filter = ("provider",)
    date_hierarchy = "day"
    inlines = [LineInline]
    actions = ["export_xlsx", "rerun"]

    @admin.action(description=_("Xuất Excel (XLSX) các đối soát đã chọn"))
    def export_xlsx(self, request, queryset):
        data = exports.reconciliation_xlsx(queryset.order_by("day", "provider"))
        response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = 'attachment; filename="doi-soat.xlsx"'
        return response

    @admin.action(description=_("Đối soát lại các ngày đã chọn"))
    def rerun(self, request, queryset):
        from congso.payments import actions

        for run in queryset:
            actions.reconcile(run.provider, run.day)
        messages.success(request, _("Đã đối soát lại."))
