from django.db import models
from django.utils.translation import gettext_lazy as _

from congso.workcalendar.choices import OverrideKind, OverrideStatus


class CalendarOverride(models.Model):
    """Ngày điều chỉnh lịch làm việc / a calendar override.

    An effective-dated decision that changes one day of the working calendar: a holiday or a
    compensatory day off, or a rest day that is worked (a swapped Saturday). Overrides win over
    the seeded public-holiday calendar (domain §3).
    """

    date = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=20, choices=OverrideKind.choices)
    name = models.CharField(_("tên gọi"), max_length=200)
    source_document = models.CharField(
        _("văn bản căn cứ"), max_length=300, blank=True, help_text=_("Ví dụ: Thông báo số 6150/TB-BNV")
    )
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=OverrideStatus.choices, default=OverrideStatus.CONFIRMED
    )
    note = models.TextField(_("ghi chú"), blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("ngày điều chỉnh lịch làm việc")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.name}"
