from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    name = "congso.national"
    verbose_name = _("Đồng bộ Cổng DVCQG")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from congso.dossiers.signals import dossier_changed
        from congso.national import outbox

        dossier_changed.connect(outbox.on_dossier_changed, dispatch_uid="national-outbox")
