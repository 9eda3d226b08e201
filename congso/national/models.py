"""What congso exchanges with the National Public Service Portal (DVCQG, domain §6)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    DELIVERED = "delivered", _("Đã được DVCQG xác nhận")
    HELD = "held", _("Tạm dừng sau nhiều lần lỗi — chờ quản trị gửi lại")


class SyncState(models.Model):
    """Sync state of one dossier with DVCQG (trạng thái đồng bộ hồ sơ với Cổng DVCQG).

    One row per dossier that DVCQG must know of (liên thông children never have one: their progress is
    reported on their origin dossier). ``acknowledged_at`` is set when DVCQG first answered "00" to a
    dossier sync: the synced-rate KPI (domain §8) counts these, not what was merely sent.
    """

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="national_sync"
    )
    national_code = models.CharField(_("mã hồ sơ trên Cổng DVCQG"), max_length=60, blank=True)
    next_seq = models.PositiveIntegerField(_("số thứ tự gói tin kế tiếp"), default=1)
    last_status = models.PositiveSmallIntegerField(_("trạng thái đã gửi gần nhất"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("DVCQG xác nhận lần đầu lúc"), null=True, blank=True, db_index=True)
    acknowledged_seq = models.PositiveIntegerField(_("gói tin đã được xác nhận đến"), default=0)
    acknowledged_status = models.PositiveSmallIntegerField(_("trạng thái DVCQG đã xác nhận"), null=True, blank=True)
    # DanhSachHoSoBoSung: each move of the appointment ({"before", "after"}: ISO datetimes), kept as they happen.
    appointment_moves = models.JSONField(_("các lần hẹn lại"), default=list, blank=True)
    appointment_at = models.DateTimeField(_("hẹn trả đã báo"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("trạng thái đồng bộ hồ sơ")
        verbose_name_plural = _("trạng thái đồng bộ hồ sơ")

    def __str__(self):
        return self.national_code or str(self.dossier_id)


class OutboxMessage(models.Model):
    """A message DVCQG must receive (gói tin chờ gửi Cổng DVCQG).

    Written in the same transaction as the dossier change it reports; delivered in ``seq`` order per
    dossier, with retries and exponential backoff; never dropped.
    """

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="outbox_messages"
    )
    seq = models.PositiveIntegerField(_("số thứ tự"))
    message_id = models.CharField(_("mã gói tin (MaGoiTin)"), max_length=40, unique=True)
    service = models.CharField(_("dịch vụ"), max_length=40)
    body = models.JSONField(_("nội dung"))
    event_seq = models.PositiveIntegerField(_("sự kiện hồ sơ"), null=True, blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lần tới lúc"), db_index=True)
    lease_until = models.DateTimeField(_("đang được gửi đến"), null=True, blank=True)
    lease_token = models.CharField(_("mã phiên gửi"), max_length=40, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    delivered_at = models.DateTimeField(_("được xác nhận lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("gói tin gửi Cổng DVCQG")
        verbose_name_plural = _("hàng đợi gửi Cổng DVCQG")
        ordering = ["dossier_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="national_outbox_dossier_seq")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="national_outbox_due")]

    def __str__(self):
        return f"{self.service} #{self.seq}"


class DeliveryAttempt(models.Model):
    """One attempt to deliver an outbox message (lần gửi gói tin), visible to an administrator."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField(_("lúc"))
    duration_ms = models.PositiveIntegerField(_("thời gian (ms)"), default=0)
    ok = models.BooleanField(_("thành công"), default=False)
    error = models.TextField(_("lỗi"), blank=True)
    stale = models.BooleanField(_("trả lời muộn (đã có lần gửi khác)"), default=False)

    class Meta:
        verbose_name = _("lần gửi")
        verbose_name_plural = _("các lần gửi")
        ordering = ["message_id", "at"]

    def __str__(self):
        return f"{self.message_id} {self.at:%Y-%m-%d %H:%M:%S}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Đã nhận, chờ xử lý")
    CREATED = "created", _("Đã tạo hồ sơ")
    RETRY = "retry", _("Lỗi tạm thời, sẽ thử lại")
    REVIEW = "review", _("Cần xem xét")
    DISMISSED = "dismissed", _("Đã loại (có lý do)")


class InboundDossier(models.Model):
    """An online dossier handed over by DVCQG (hồ sơ trực tuyến nhận từ Cổng DVCQG).

    Stored as received before anything else happens, de-duplicated by ``MaHoSo``. A dossier that
    cannot be mapped waits in the review queue with its reason: it is never dropped.
    """

    national_code = models.CharField(_("mã hồ sơ trên Cổng DVCQG (MaHoSo)"), max_length=60, unique=True)
    national_seq = models.PositiveBigIntegerField(_("số thứ tự trên Cổng DVCQG"), null=True, blank=True)
    record = models.JSONField(_("dữ liệu nhận được"))
    via = models.CharField(_("nhận qua"), max_length=10)  # "webhook" | "poll"
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED, db_index=True
    )
    reason = models.TextField(_("lý do"), blank=True)
    attempts = models.PositiveIntegerField(_("số lần xử lý"), default=0)
    next_attempt_at = models.DateTimeField(_("xử lý lại lúc"), null=True, blank=True)
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ đã tạo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="national_inbound",
    )
    received_at = models.DateTimeField(_("nhận lúc"))
    times_received = models.PositiveIntegerField(_("số lần nhận"), default=1)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("người xử lý"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hồ sơ nhận từ Cổng DVCQG")
        verbose_name_plural = _("hồ sơ nhận từ Cổng DVCQG")
        ordering = ["-received_at"]

    def __str__(self):
        return self.national_code


class PollCursor(models.Model):
    """Where polling DVCQG for new online dossiers got to (SoThuTu)."""

    name = models.CharField(max_length=40, unique=True)
    position = models.PositiveBigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return f"{self.name}={self.position}"


class WebhookRejection(models.Model):
    """A webhook call refused (bad signature, stale timestamp, bad body): kept for the administrator."""

    at = models.DateTimeField(_("lúc"), db_index=True)
    remote_addr = models.CharField(_("địa chỉ gửi"), max_length=64, blank=True)
    reason = models.CharField(_("lý do"), max_length=300)
    body_excerpt = models.TextField(_("trích nội dung"), blank=True)

    class Meta:
        verbose_name = _("webhook bị từ chối")
        verbose_name_plural = _("webhook bị từ chối")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.reason}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Chờ quyết định")
    ACCEPTED = "accepted", _("Đã chấp nhận")
    REJECTED = "rejected", _("Đã từ chối")
    SUPERSEDED = "superseded", _("Đã có bản đối chiếu mới hơn")


class ChangeKind(models.TextChoices):
    NEW = "new", _("Thủ tục mới trên DVCQG")
    CHANGED = "changed", _("Thủ tục có thay đổi")
    MISSING = "missing", _("Không còn trên DVCQG")


class CatalogChange(models.Model):
    """A difference between the national catalog and the local one (khác biệt danh mục thủ tục).

    An administrator accepts it (the local procedure gets a new version with the national values; its
    workflow binding is untouched) or rejects it (the local procedure stays as it is).
    """

    national_code = models.CharField(_("mã thủ tục quốc gia"), max_length=30, db_index=True)
    procedure_key = models.CharField(_("khóa thủ tục địa phương"), max_length=80, blank=True)
    kind = models.CharField(_("loại"), max_length=10, choices=ChangeKind.choices)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    differences = models.JSONField(_("khác biệt"), default=dict)
    national = models.JSONField(_("bản ghi DVCQG"), default=dict)
    fingerprint = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=ChangeStatus.choices, default=ChangeStatus.PENDING, db_index=True
    )
    found_at = models.DateTimeField(_("phát hiện lúc"))
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("người quyết định"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("khác biệt danh mục với DVCQG")
        verbose_name_plural = _("khác biệt danh mục với DVCQG")
        ordering = ["status", "national_code"]

    def __str__(self):
        return f"{self.national_code} — {self.get_kind_display()}"
