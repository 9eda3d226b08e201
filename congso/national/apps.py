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

        from django.db.models.signals import post_delete, post_save

        from congso.catalog.models import FeeLine, Field
        from congso.national.messages import forget_field_codes

        def forget(**kwargs):
            forget_field_codes()

        for model in (Field, FeeLine):  # an edit in this process is seen at once; others within their lifetime
            post_save.connect(forget, sender=model, dispatch_uid=f"national-forget-{model.__name__}", weak=False)
            post_delete.connect(forget, sender=model, dispatch_uid=f"national-forget-d-{model.__name__}", weak=False)
