"""Satisfaction ratings of returned dossiers, and feedback and complaints (phản ánh, kiến nghị)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rating(models.Model):
    """Đánh giá mức độ hài lòng / the applicant's 1–5 rating of a dossier once its result was returned."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="rating"
    )
    score = models.PositiveSmallIntegerField(_("mức độ hài lòng (1–5)"))
    comment = models.TextField(_("ý kiến"), blank=True)
    agency = models.ForeignKey("geo.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("đánh giá hài lòng")
        verbose_name_plural = _("đánh giá hài lòng")
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="feedback_score_1_5")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.score}"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    REJECTED = "rejected", _("Không thuộc phạm vi xử lý")


class Complaint(models.Model):
    """Phản ánh, kiến nghị / feedback or a complaint about an administrative procedure or a dossier."""

    reference = models.CharField(_("mã phản ánh"), max_length=20, unique=True)
    kind = models.CharField(
        _("loại"), max_length=20, choices=[("feedback", _("Phản ánh")), ("proposal", _("Kiến nghị"))]
    )
    name = models.CharField(_("họ tên người gửi"), max_length=200)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=12, blank=True)
    agency = models.ForeignKey("geo.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ liên quan"), null=True, blank=True, on_delete=models.SET_NULL
    )
    subject = models.CharField(_("tiêu đề"), max_length=300)
    content = models.TextField(_("nội dung"))
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    answer = models.TextField(_("trả lời"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("gửi lúc"))
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference
