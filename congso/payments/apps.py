from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "congso.payments"
    label = "payments"
    verbose_name = _("Thanh toán phí, lệ phí")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from congso.payments import receivers  # noqa: F401  (dossier_changed → obligations)
