"""The simulator's state, in the database so that several gunicorn workers see the same "DVCQG"."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from congso.dossiers.choices import DVCQG_STATUS, NationalStatus


def status_label(status: int | None) -> str:
    """A national status as DVCQG shows it: its string and its label ("" before the first sync)."""
    if status is None:
        return ""
    try:
        value = NationalStatus(status)
    except ValueError:
        return str(status)
    return f"{DVCQG_STATUS[value]} — {value.label}"


def new_file_token() -> str:
    return secrets.token_urlsafe(24)


class SimDossier(models.Model):
    """A dossier held by "DVCQG": a citizen's online submission, or a desk dossier the province reported."""

    code = models.CharField(_("mã hồ sơ trên Cổng DVCQG"), max_length=30, unique=True)
    seq = models.PositiveBigIntegerField(_("số thứ tự"), unique=True)
    record = models.JSONField(_("hồ sơ giao cho tỉnh"), default=dict, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    # The ThongBaoHoSoMoi webhook to the province.
    webhook_attempts = models.PositiveIntegerField(_("số lần gửi thông báo"), default=0)
    webhook_delivered_at = models.DateTimeField(_("thông báo đã gửi lúc"), null=True, blank=True)
    webhook_last_error = models.TextField(_("lỗi gửi thông báo gần nhất"), blank=True)
    # What the province reported (DongBoHoSoMC).
    province_code = models.CharField(_("mã hồ sơ của tỉnh"), max_length=60, blank=True, db_index=True)
    status = models.PositiveSmallIntegerField(_("trạng thái"), choices=NationalStatus.choices, null=True, blank=True)
    last_applied_seq = models.PositiveBigIntegerField(_("SoThuTu đã áp dụng gần nhất"), default=0)
    synced_record = models.JSONField(_("bản ghi đồng bộ gần nhất"), default=dict, blank=True)
    # Online payment.
    paid = models.BooleanField(_("đã thanh toán"), default=False)
    amount = models.PositiveBigIntegerField(_("số tiền (đồng)"), default=0)
    paid_at = models.DateTimeField(_("thời điểm thanh toán"), null=True, blank=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("hồ sơ trên Cổng DVCQG (giả lập)")
        verbose_name_plural = _("hồ sơ trên Cổng DVCQG (giả lập)")

    def __str__(self) -> str:
        return self.code

    @property
    def from_citizen(self) -> bool:
        """Submitted online on DVCQG (as opposed to a desk dossier only reported by the province)."""
        return bool(self.record)

    @property
    def status_text(self) -> str:
        return status_label(self.status)

    @property
    def procedure_code(self) -> str:
        return str((self.record or self.synced_record).get("MaTTHC", ""))

    @property
    def applicant_name(self) -> str:
        return str((self.record or self.synced_record).get("ChuHoSo", ""))


class SimFile(models.Model):
    """A file a citizen attached online, downloadable by the province at ``files/<token>``."""

    token = models.CharField(_("khóa tải tệp"), max_length=64, unique=True, default=new_file_token)
    dossier = models.ForeignKey(SimDossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("kiểu nội dung"), max_length=120, default="application/octet-stream")
    data = models.BinaryField(_("nội dung"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("tệp đính kèm (giả lập)")
        verbose_name_plural = _("tệp đính kèm (giả lập)")

    def __str__(self) -> str:
        return self.name


class SimMessage(models.Model):
    """A message received from the province (DongBoHoSoMC or CapNhatTienDoHoSoMC)."""

    message_id = models.CharField(_("mã gói tin"), max_length=100, unique=True)
    service = models.CharField(_("dịch vụ"), max_length=40)
    dossier_code = models.CharField(_("mã hồ sơ trong gói tin"), max_length=60, db_index=True)
    national_code = models.CharField(_("mã hồ sơ DVCQG"), max_length=30, blank=True, db_index=True)
    seq = models.BigIntegerField(_("số thứ tự"))
    body = models.JSONField(_("nội dung"))
    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now)
    applied = models.BooleanField(
        _("đã áp dụng"), default=True, help_text=_("Không áp dụng khi gói tin cũ hơn gói tin đã áp dụng.")
    )
    duplicates = models.PositiveIntegerField(_("số lần nhận trùng"), default=0)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("gói tin nhận từ tỉnh (giả lập)")
        verbose_name_plural = _("gói tin nhận từ tỉnh (giả lập)")

    def __str__(self) -> str:
        return f"{self.service} {self.message_id}"

    @property
    def records(self) -> list:
        data = (self.body or {}).get("data")
        return data if isinstance(data, list) else []


class SimControl(models.Model):
    """The simulator's switches (a single row, pk=1)."""

    down = models.BooleanField(_("đang ngừng hoạt động"), default=False, help_text=_("API trả HTTP 503."))
    refuse_code = models.CharField(
        _("mã lỗi từ chối đồng bộ"),
        max_length=10,
        blank=True,
        help_text=_("Để trống, hoặc ví dụ 99: mọi gói tin đồng bộ bị từ chối với mã lỗi này."),
    )

    class Meta:
        verbose_name = _("điều khiển giả lập")
        verbose_name_plural = _("điều khiển giả lập")

    def __str__(self) -> str:
        return str(_("Điều khiển Cổng DVCQG (giả lập)"))

    @classmethod
    def get(cls) -> SimControl:
        control, _created = cls.objects.get_or_create(pk=1)
        return control
