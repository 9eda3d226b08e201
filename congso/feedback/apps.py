from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "congso.feedback"
    label = "feedback"
    verbose_name = _("Đánh giá, phản ánh, kiến nghị")
    default_auto_field = "django.db.models.BigAutoField"
