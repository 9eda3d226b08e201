from django.db import models
from django.utils.translation import gettext_lazy as _


class OverrideKind(models.TextChoices):
    HOLIDAY = "holiday", _("Ngày nghỉ lễ")
    COMPENSATORY = "compensatory", _("Ngày nghỉ bù")
    WORKING_DAY = "working_day", _("Ngày làm việc (làm bù)")


class OverrideStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Đã có văn bản chính thức")
    ESTIMATED = "estimated", _("Dự kiến")
