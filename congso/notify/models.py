"""Notifications to applicants on every status change (e-mail and SMS), with a delivery log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congso.notify import placeholders


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class Status(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENT = "sent", _("Đã gửi")
    HELD = "held", _("Tạm dừng sau nhiều lần lỗi")


class MessageTemplate(models.Model):
    """Mẫu thông báo / the text sent to an applicant when a dossier event happens, per channel."""

    event = models.CharField(_("sự kiện"), max_length=40)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    subject = models.CharField(_("tiêu đề (thư điện tử)"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    active = models.BooleanField(_("đang dùng"), default=True)

    class Meta:
        verbose_name = _("mẫu thông báo")
        verbose_name_plural = _("mẫu thông báo")
        constraints = [models.UniqueConstraint(fields=["event", "channel"], name="notify_one_template_per_event")]
        ordering = ["event", "channel"]

    def __str__(self) -> str:
        return f"{self.event} / {self.get_channel_display()}"

    def save(self, *args, **kwargs):
        self.full_clean(validate_unique=False, validate_constraints=False)
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        allowed = placeholders.placeholders_for(self.event or "")
        for field in ("subject", "body"):
            try:
                placeholders.check(getattr(self, field) or "", allowed)
            except placeholders.TemplateError as exc:
                errors[field] = exc.message
        if self.channel == Channel.SMS and len(self.body or "") > 480:
            errors["body"] = _("Tin nhắn SMS dài tối đa 480 ký tự (3 tin).")
        if errors:
            raise ValidationError(errors)


class Notification(models.Model):
    """Thông báo / one message to one applicant (or to the sender of a complaint), a snapshot of the event.

    About a dossier (``dossier`` and the ``event_seq`` of its event) or about a complaint (``complaint``, the
    event "complaint_<status>"), never both.
    """

    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event_seq = models.PositiveIntegerField(_("sự kiện số"), null=True, blank=True)
    complaint = models.ForeignKey(
        "feedback.Complaint",
        verbose_name=_("phản ánh, kiến nghị"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("sự kiện"), max_length=40)
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("người nhận"), max_length=300)
    subject = models.CharField(_("tiêu đề"), max_length=300, blank=True)
    body = models.TextField(_("nội dung"))
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới"), db_index=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    sent_at = models.DateTimeField(_("gửi xong lúc"), null=True, blank=True)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "event_seq", "channel"], name="notify_once_per_event_channel"),
            models.UniqueConstraint(
                fields=["complaint", "event", "channel"],
                condition=Q(complaint__isnull=False),
                name="notify_once_per_complaint_event_channel",
            ),
            models.CheckConstraint(
                condition=Q(dossier__isnull=False, event_seq__isnull=False, complaint__isnull=True)
                | Q(dossier__isnull=True, event_seq__isnull=True, complaint__isnull=False),
                name="notify_about_a_dossier_or_a_complaint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"


class DeliveryAttempt(models.Model):
    """Nhật ký gửi / one try to deliver a notification, and what the channel answered."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField(_("lúc"))
    ok = models.BooleanField(_("thành công"))
    detail = models.CharField(_("chi tiết"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("thời gian (ms)"), default=0)

    class Meta:
        verbose_name = _("lần gửi")
        verbose_name_plural = _("lần gửi")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'lỗi'}"
