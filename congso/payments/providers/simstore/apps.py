from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaySimConfig(AppConfig):
    name = "congso.payments.providers.simstore"
    label = "paysim"
    verbose_name = _("Mô phỏng cổng thanh toán (chỉ dùng thử nghiệm)")
    default_auto_field = "django.db.models.BigAutoField"
