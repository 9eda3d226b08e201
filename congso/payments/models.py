"""Fees due, payment attempts, what the providers told us, e-receipts and reconciliation (domain §7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congso.payments.choices import (
    PUBLIC,
    MatchStatus,
    Method,
    ObligationKind,
    ObligationStatus,
    Source,
    State,
    Verdict,
)


class Obligation(models.Model):
    """Khoản phải nộp / an amount a dossier owes: the procedure's fees, or a financial obligation.

    One obligation, many attempts, never two successes: ``paid_payment`` is the one attempt that
    settled it. ``settled_at`` is when the dossier was told (it moved on); a paid obligation that is
    not settled is finished by the reconciliation sweep.
    """

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.PROTECT, related_name="obligations"
    )
    kind = models.CharField(_("loại"), max_length=12, choices=ObligationKind.choices)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    lines = models.JSONField(_("các khoản thu"), default=list, blank=True)
    reason = models.CharField(_("nội dung"), max_length=500, blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=10, choices=ObligationStatus.choices, default=ObligationStatus.OPEN
    )
    # Secret part of the citizen's payment link (sent with the receipt, shown after a public lookup).
    pay_token = models.CharField(_("mã liên kết thanh toán"), max_length=40, unique=True)
    # Denormalised for the indicators (payments by agency, commune and month).
    agency = models.ForeignKey("geo.Agency", verbose_name=_("cơ quan thu"), on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    paid_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    paid_payment = models.OneToOneField(
        "Payment", verbose_name=_("giao dịch đã nộp"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(_("hồ sơ đã ghi nhận lúc"), null=True, blank=True)
    settle_note = models.CharField(_("ghi chú ghi nhận"), max_length=500, blank=True)
    cancelled_at = models.DateTimeField(_("hủy lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khoản phải nộp")
        verbose_name_plural = _("khoản phải nộp")
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"], condition=Q(status=ObligationStatus.OPEN), name="payments_one_open_obligation"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_obligation_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "settled_at"], name="payments_ob_unsettled")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.amount:,} đ".replace(",", ".")


class Payment(models.Model):
    """Giao dịch thanh toán / one attempt to pay an obligation, by one method.

    ``reference`` is what the provider knows it by (MaThamChieu, vnp_TxnRef). Amounts are integer VND.
    At most one attempt per obligation is ever in state ``paid`` (a database constraint).
    """

    obligation = models.ForeignKey(
        Obligation, verbose_name=_("khoản phải nộp"), on_delete=models.PROTECT, related_name="payments"
    )
    reference = models.CharField(_("mã tham chiếu"), max_length=40, unique=True)
    method = models.CharField(_("hình thức"), max_length=12, choices=Method.choices)
    state = models.CharField(_("trạng thái"), max_length=14, choices=State.choices, default=State.NEW)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    idempotency_key = models.CharField(_("Idempotency-Key"), max_length=200, blank=True)
    request_sha256 = models.CharField(_("SHA-256 yêu cầu"), max_length=64, blank=True)
    provider_ref = models.CharField(_("mã giao dịch tại cổng"), max_length=100, blank=True)
    bank_code = models.CharField(_("ngân hàng / ví"), max_length=40, blank=True)
    pay_url = models.CharField(_("địa chỉ thanh toán"), max_length=4000, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("truy vấn lần tới"), null=True, blank=True, db_index=True)
    checks = models.PositiveIntegerField(_("số lần truy vấn"), default=0)
    refund_due = models.BooleanField(_("cần hoàn tiền"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cán bộ ghi nhận"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payer_name = models.CharField(_("người nộp tiền"), max_length=300, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("giao dịch thanh toán")
        verbose_name_plural = _("giao dịch thanh toán")
        constraints = [
            models.UniqueConstraint(
                fields=["obligation"], condition=Q(state=State.PAID), name="payments_one_success_per_obligation"
            ),
            models.UniqueConstraint(
                fields=["obligation", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payments_idempotency_key_per_obligation",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def public_state(self) -> str:
        return PUBLIC[State(self.state)][0]

    @property
    def finished(self) -> bool:
        return PUBLIC[State(self.state)][1]


class ProviderMessage(models.Model):
    """Nhật ký giao tiếp với cổng thanh toán / every message to or from a provider, and what congso made of it."""

    payment = models.ForeignKey(
        Payment,
        verbose_name=_("giao dịch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    provider = models.CharField(_("cổng"), max_length=12, choices=Method.choices)
    source = models.CharField(_("nguồn"), max_length=8, choices=Source.choices)
    reference = models.CharField(_("mã tham chiếu nhận được"), max_length=100, blank=True)
    verdict = models.CharField(_("kết quả xử lý"), max_length=20, choices=Verdict.choices)
    detail = models.CharField(_("chi tiết"), max_length=500, blank=True)
    payload = models.JSONField(_("nội dung"), default=dict, blank=True)
    duration_ms = models.PositiveIntegerField(_("thời gian (ms)"), null=True, blank=True)
    at = models.DateTimeField(_("lúc"), db_index=True)

    class Meta:
        verbose_name = _("thông điệp cổng thanh toán")
        verbose_name_plural = _("thông điệp cổng thanh toán")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider} {self.source} {self.reference}"


class Receipt(models.Model):
    """Biên lai điện tử / e-receipt for a paid obligation: MauSoBienLai, KyHieuBienLai, SoBienLai (domain §7)."""

    payment = models.OneToOneField(
        Payment, verbose_name=_("giao dịch"), on_delete=models.PROTECT, related_name="receipt"
    )
    form_number = models.CharField(_("mẫu số biên lai (MauSoBienLai)"), max_length=20)
    series = models.CharField(_("ký hiệu biên lai (KyHieuBienLai)"), max_length=20)
    number = models.PositiveIntegerField(_("số biên lai (SoBienLai)"))
    issued_at = models.DateTimeField(_("lập lúc"))
    agency = models.ForeignKey("geo.Agency", verbose_name=_("đơn vị thu"), on_delete=models.PROTECT, related_name="+")
    payer_name = models.CharField(_("người nộp"), max_length=300)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    lines = models.JSONField(_("các khoản thu"), default=list)
    token = models.CharField(_("mã tra cứu"), max_length=40, unique=True)
    pdf_sha256 = models.CharField(_("tệp PDF (SHA-256)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("biên lai điện tử")
        verbose_name_plural = _("biên lai điện tử")
        constraints = [
            models.UniqueConstraint(fields=["agency", "series", "number"], name="payments_receipt_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.number:07d}"

    @property
    def number_text(self) -> str:
        return f"{self.number:07d}"


class ReceiptCounter(models.Model):
    """The last receipt number issued in a series, per collecting agency ("<agency id>:<series>")."""

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm số biên lai")
        verbose_name_plural = _("bộ đếm số biên lai")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Reconciliation(models.Model):
    """Đối soát / one day's comparison of a provider's statement with what congso recorded."""

    provider = models.CharField(_("cổng"), max_length=12, choices=Method.choices)
    day = models.DateField(_("ngày giao dịch"))
    ran_at = models.DateTimeField(_("chạy lúc"))
    matched = models.PositiveIntegerField(_("khớp"), default=0)
    missing_local = models.PositiveIntegerField(_("cổng có, congso chưa ghi nhận"), default=0)
    missing_provider = models.PositiveIntegerField(_("congso có, cổng không có"), default=0)
    mismatched = models.PositiveIntegerField(_("lệch"), default=0)
    repaired = models.PositiveIntegerField(_("đã tự sửa"), default=0)
    error = models.CharField(_("lỗi"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("đối soát")
        verbose_name_plural = _("đối soát")
        ordering = ["-day", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "day"], name="payments_one_reconciliation_a_day")]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.day:%d/%m/%Y}"


class ReconciliationLine(models.Model):
    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="lines")
    reference = models.CharField(_("mã tham chiếu"), max_length=100)
    status = models.CharField(_("kết quả"), max_length=20, choices=MatchStatus.choices)
    provider_amount = models.BigIntegerField(_("số tiền theo cổng"), null=True, blank=True)
    local_amount = models.BigIntegerField(_("số tiền theo congso"), null=True, blank=True)
    provider_state = models.CharField(_("trạng thái theo cổng"), max_length=40, blank=True)
    local_state = models.CharField(_("trạng thái theo congso"), max_length=40, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("dòng đối soát")
        verbose_name_plural = _("dòng đối soát")
        ordering = ["status", "reference"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.status}"
