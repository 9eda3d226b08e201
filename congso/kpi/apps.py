from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "congso.kpi"
    label = "kpi"
    verbose_name = _("Chỉ số chỉ đạo, điều hành")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from congso.kpi import receivers

        receivers.connect()
