from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "congso.accounts"
    verbose_name = _("Tài khoản và vai trò")

    def ready(self):
        from congso.accounts import checks  # noqa: F401  (registers the deploy checks)
