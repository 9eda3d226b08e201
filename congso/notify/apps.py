from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "congso.notify"
    label = "notify"
    verbose_name = _("Thông báo cho người nộp hồ sơ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from congso.notify import receivers  # noqa: F401  (dossier_changed → notifications)
