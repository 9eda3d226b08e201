from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from congso.core.admin import ReadOnlyAdmin
from congso.payments.providers.simstore.models import SimControl, SimPayment


@admin.register(SimControl)
class SimControlAdmin(admin.ModelAdmin):
    list_display = ("provider", "down", "ipn_mode")
    list_editable = ("down", "ipn_mode")


@admin.register(SimPayment)
class SimPaymentAdmin(ReadOnlyAdmin):
    list_display = ("provider", "reference", "amount", "status", "paid_at", "ipn_attempts", "ipn_delivered_at")
    list_filter = ("provider", "status")
    search_fields = ("reference", "transaction_no")
    actions = ["send_ipn"]

    @admin.action(description=_("Gửi (lại) IPN cho các giao dịch đã chọn"))
    def send_ipn(self, request, queryset):
        from congso.payments.providers.gateway.simulator import send_ipn as gateway_ipn
        from congso.payments.providers.payplatform.simulator import send_ipn as platform_ipn

        for sim in queryset.exclude(status="pending"):
            answer = (platform_ipn if sim.provider == "payplatform" else gateway_ipn)(sim)
            messages.info(request, f"{sim.reference}: {answer}")
