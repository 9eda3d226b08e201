from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DvcqgSimulatorConfig(AppConfig):
    name = "congso.national.simulator"
    label = "dvcqg_sim"
    verbose_name = _("Cổng DVCQG (giả lập)")
    default_auto_field = "django.db.models.BigAutoField"
