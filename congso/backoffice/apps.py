from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "congso.backoffice"
    label = "backoffice"
    verbose_name = _("Bộ phận Một cửa điện tử")
