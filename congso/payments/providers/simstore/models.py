from django.db import models
from django.utils.translation import gettext_lazy as _


class IpnMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Gửi IPN ngay khi thanh toán (trước khi người dùng quay lại)")
    AFTER_RETURN = "after_return", _("Chỉ gửi IPN khi bấm «Gửi IPN» (người dùng quay lại trước)")
    NEVER = "never", _("Không gửi IPN (chỉ truy vấn / đối soát)")


class SimControl(models.Model):
    """How a simulator behaves now (one row per provider)."""

    provider = models.CharField(_("cổng"), max_length=20, unique=True)
    down = models.BooleanField(_("mất kết nối (HTTP 503)"), default=False)
    ipn_mode = models.CharField(_("gửi IPN"), max_length=20, choices=IpnMode.choices, default=IpnMode.IMMEDIATE)

    class Meta:
        verbose_name = _("điều khiển mô phỏng")
        verbose_name_plural = _("điều khiển mô phỏng")

    def __str__(self):
        return self.provider


class SimPayment(models.Model):
    """A payment as the simulated provider sees it."""

    provider = models.CharField(_("cổng"), max_length=20)
    reference = models.CharField(_("mã tham chiếu của đơn vị"), max_length=100)
    transaction_no = models.CharField(_("mã giao dịch của cổng"), max_length=40, unique=True)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    description = models.CharField(_("nội dung"), max_length=500, blank=True)
    return_url = models.CharField(_("địa chỉ quay lại"), max_length=2000)
    notify_url = models.CharField(_("địa chỉ IPN"), max_length=2000)
    request = models.JSONField(_("yêu cầu nhận được"), default=dict)
    status = models.CharField(_("trạng thái"), max_length=12, default="pending")  # pending, success, failed
    result_code = models.CharField(_("mã kết quả"), max_length=4, blank=True)
    bank = models.CharField(_("ngân hàng"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    ipn_attempts = models.PositiveIntegerField(_("số lần gửi IPN"), default=0)
    ipn_delivered_at = models.DateTimeField(_("IPN được xác nhận lúc"), null=True, blank=True)
    ipn_last_answer = models.CharField(_("trả lời IPN gần nhất"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("giao dịch mô phỏng")
        verbose_name_plural = _("giao dịch mô phỏng")
        constraints = [models.UniqueConstraint(fields=["provider", "reference"], name="paysim_reference_unique")]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.provider}:{self.reference}"
