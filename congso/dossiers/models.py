from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from congso.dossiers.choices import (
    ApplicantKind,
    Channel,
    FileKind,
    Outcome,
    PaymentStatus,
    Source,
    State,
)


class StoredFile(models.Model):
    """Tệp lưu trữ / stored file: content-addressed by SHA-256 and never modified.

    The bytes live at ``<CONGSO_FILES_DIR>/<sha[:2]>/<sha[2:4]>/<sha>``; a signed original stays
    byte-exact, renditions are separate files.
    """

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.PositiveBigIntegerField(_("kích thước (byte)"))
    content_type = models.CharField(_("kiểu nội dung"), max_length=100)
    extension = models.CharField(_("phần mở rộng"), max_length=10)
    created_at = models.DateTimeField(_("lưu lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tệp lưu trữ")
        verbose_name_plural = _("tệp lưu trữ")

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.content_type}, {self.size} B)"


class Dossier(models.Model):
    """Hồ sơ / dossier: one application for one procedure, from submission to the returned result.

    Three agencies are kept apart (domain §1): the intake point (where it was received), the
    receiving agency (whose identifier starts the code) and the competent agency (which decides).
    The clock ledger (domain §3) is ``budget_seconds`` / ``consumed_seconds`` / ``running_since``;
    ``due_at`` is derived from it and cached for queries.
    """

    code = models.CharField(_("mã hồ sơ"), max_length=60, null=True, blank=True, unique=True)
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="dossiers"
    )
    workflow = models.ForeignKey(
        "catalog.WorkflowDefinition", verbose_name=_("quy trình"), on_delete=models.PROTECT, related_name="dossiers"
    )
    state = models.CharField(_("trạng thái"), max_length=30, choices=State.choices, default=State.DRAFT)
    national_status = models.PositiveSmallIntegerField(_("trạng thái quốc gia"), db_index=True)
    resume_state = models.CharField(_("trạng thái khi tiếp tục"), max_length=30, blank=True)
    channel = models.PositiveSmallIntegerField(_("kênh thực hiện"), choices=Channel.choices)
    source = models.CharField(_("nguồn"), max_length=20, choices=Source.choices)

    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản người nộp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    applicant_kind = models.PositiveSmallIntegerField(
        _("loại đối tượng"), choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("tên người nộp / tổ chức"), max_length=300)
    applicant_id_type = models.CharField(_("loại giấy tờ định danh"), max_length=30, default="cccd")
    applicant_id_number = models.CharField(_("số định danh"), max_length=30)
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    applicant_phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    proxy = models.JSONField(_("người được ủy quyền"), default=dict, blank=True)
    request_text = models.TextField(_("nội dung yêu cầu"), blank=True)
    form_data = models.JSONField(_("dữ liệu tờ khai"), default=dict, blank=True)
    copies = models.PositiveSmallIntegerField(_("số bộ hồ sơ"), default=1)
    return_method = models.CharField(_("hình thức nhận kết quả"), max_length=200, blank=True)

    intake_agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("nơi tiếp nhận"), on_delete=models.PROTECT, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan tiếp nhận"), on_delete=models.PROTECT, related_name="+"
    )
    competent_agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan giải quyết"), on_delete=models.PROTECT, related_name="+"
    )

    parent = models.ForeignKey(
        "self",
        verbose_name=_("hồ sơ gốc (liên thông)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    liaison_step = models.CharField(_("bước liên thông"), max_length=80, blank=True)
    liaison_branch = models.CharField(_("nhánh liên thông"), max_length=80, blank=True)

    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("hẹn trả"), null=True, blank=True)
    original_appointment_at = models.DateTimeField(_("hẹn trả ban đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xử lý xong lúc"), null=True, blank=True)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True)
    ended_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    # The clock ledger (domain §3).
    clock_mode = models.CharField(_("cách tính thời hạn"), max_length=10, default="working")
    budget_seconds = models.BigIntegerField(_("thời hạn (giây làm việc)"), default=0)
    consumed_seconds = models.BigIntegerField(_("đã dùng (giây làm việc)"), default=0)
    running_since = models.DateTimeField(_("đang tính từ"), null=True, blank=True)
    due_at = models.DateTimeField(_("hạn xử lý"), null=True, blank=True, db_index=True)
    # While paused: the working time that was left until the appointment, so it moves by the paused time.
    appointment_left_seconds = models.BigIntegerField(
        _("thời gian còn lại đến hẹn trả khi tạm dừng"), null=True, blank=True
    )
    outcome = models.CharField(_("kết quả đúng hạn"), max_length=10, choices=Outcome.choices, blank=True)
    supplement_count = models.PositiveSmallIntegerField(_("số lần yêu cầu bổ sung"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("số lần gia hạn"), default=0)
    warned_at = models.DateTimeField(_("đã cảnh báo sắp hết hạn lúc"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("đã đánh dấu quá hạn lúc"), null=True, blank=True)
    payment_status = models.CharField(
        _("nghĩa vụ tài chính"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.NONE
    )
    amount_due = models.BigIntegerField(_("số tiền phải nộp (đồng)"), default=0)

    current_step = models.CharField(_("bước hiện tại"), max_length=80, blank=True)
    current_agency = models.ForeignKey(
        "geo.Agency",
        verbose_name=_("cơ quan đang xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    current_role = models.CharField(_("vai trò xử lý"), max_length=30, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
    )
    coordinating_agency = models.ForeignKey(
        "geo.Agency",
        verbose_name=_("cơ quan phối hợp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Tamper-evident history: the head of this dossier's hash chain and its length.
    history_head = models.CharField(_("mã băm sự kiện cuối"), max_length=64, blank=True)
    event_count = models.PositiveIntegerField(_("số sự kiện"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="dossier_state_due"),
            models.Index(fields=["current_agency", "state"], name="dossier_queue"),
            models.Index(fields=["receiving_agency", "accepted_at"], name="dossier_receiving_accepted"),
            models.Index(fields=["applicant_user", "-created_at"], name="dossier_applicant"),
            # An enterprise's dossiers, for its representatives (and the desk's search by ID number).
            models.Index(fields=["applicant_id_number", "applicant_kind"], name="dossier_applicant_id"),
        ]

    def __str__(self) -> str:
        return self.code or f"#{self.pk}"

    @property
    def is_liaison_child(self) -> bool:
        return self.parent_id is not None


class StepRun(models.Model):
    """Lượt xử lý một bước / a dossier's stay at one workflow step, with its own clock ledger."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="step_runs")
    seq = models.PositiveIntegerField(_("thứ tự"))
    step_key = models.CharField(_("bước"), max_length=80)
    name = models.CharField(_("tên bước"), max_length=300)
    role = models.CharField(_("vai trò"), max_length=30)
    agency = models.ForeignKey("geo.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    budget_seconds = models.BigIntegerField(_("thời hạn (giây làm việc)"))
    consumed_seconds = models.BigIntegerField(_("đã dùng (giây làm việc)"), default=0)
    running_since = models.DateTimeField(_("đang tính từ"), null=True, blank=True)
    entered_at = models.DateTimeField(_("bắt đầu"))
    left_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    left_action = models.CharField(_("hành động kết thúc"), max_length=40, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        ordering = ["dossier", "seq"]
        verbose_name = _("lượt xử lý")
        verbose_name_plural = _("lượt xử lý")
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossiers_steprun_seq")]
        indexes = [models.Index(fields=["dossier", "left_at"], name="steprun_open")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.step_key}"


class DossierFile(models.Model):
    """Thành phần hồ sơ đã nộp, kết quả / a file attached to a dossier: a component, a supplement or a result."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("loại"), max_length=20, choices=FileKind.choices, default=FileKind.COMPONENT)
    component = models.ForeignKey(
        "catalog.Component",
        verbose_name=_("thành phần"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    filename = models.CharField(_("tên tệp"), max_length=255, blank=True)
    digitised = models.BooleanField(_("đã số hóa"), default=False)
    reused = models.BooleanField(_("tái sử dụng"), default=False)
    reused_from = models.ForeignKey(
        "PersonalDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("ký lúc"), null=True, blank=True)
    # A result is signed by the person (signed_by/signed_at), then numbered and signed by the agency; the
    # draft that was signed stays in the store, byte-exact, as ``unsigned_file``.
    unsigned_file = models.ForeignKey(
        StoredFile, verbose_name=_("bản chưa ký"), on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    agency_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("văn thư đóng dấu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_signed_at = models.DateTimeField(_("cơ quan ký số lúc"), null=True, blank=True)
    document_number = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    verification_token = models.CharField(_("mã xác thực"), max_length=32, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)

    class Meta:
        ordering = ["dossier", "kind", "id"]
        verbose_name = _("tệp của hồ sơ")
        verbose_name_plural = _("tệp của hồ sơ")

    def __str__(self) -> str:
        return self.name


class PersonalDocument(models.Model):
    """Kho dữ liệu điện tử cá nhân / an entry in a citizen's personal data store (reusable papers and results)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_documents")
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("tên tệp"), max_length=255, blank=True)
    source_dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_result = models.BooleanField(_("là kết quả giải quyết TTHC"), default=False)
    created_at = models.DateTimeField(_("lưu lúc"), auto_now_add=True)

    class Meta:
        ordering = ["owner", "-created_at"]
        verbose_name = _("giấy tờ trong kho dữ liệu cá nhân")
        verbose_name_plural = _("kho dữ liệu điện tử cá nhân")
        constraints = [models.UniqueConstraint(fields=["owner", "file", "name"], name="personal_document_unique")]

    def __str__(self) -> str:
        return self.name


class DossierEvent(models.Model):
    """Sự kiện hồ sơ / one entry of a dossier's append-only, hash-chained history.

    ``hash = SHA-256(prev_hash || canonical JSON of the event)``; the dossier row keeps the head and
    the count, so an edited, removed or reordered event is detected by ``manage.py verify_history``.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("thứ tự"))
    action = models.CharField(_("hành động"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("người thực hiện"), max_length=300, blank=True)
    at = models.DateTimeField(_("thời điểm"))
    from_state = models.CharField(_("từ trạng thái"), max_length=30, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=30)
    step_key = models.CharField(_("bước"), max_length=80, blank=True)
    data = models.JSONField(_("dữ liệu"), default=dict, blank=True)
    prev_hash = models.CharField(_("mã băm trước"), max_length=64)
    hash = models.CharField(_("mã băm"), max_length=64)

    class Meta:
        ordering = ["dossier", "seq"]
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("lịch sử hồ sơ")
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossiers_event_seq")]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"


class CodeCounter(models.Model):
    """Bộ đếm mã hồ sơ / the daily counter of dossier codes per receiving agency (domain §5)."""

    agency = models.ForeignKey("geo.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm mã hồ sơ")
        verbose_name_plural = _("bộ đếm mã hồ sơ")
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossiers_codecounter_agency_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.last}"


class IdempotencyRecord(models.Model):
    """The first answer to a create request with an ``Idempotency-Key``, replayed on a retry."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="dossiers_idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class LookupFailure(models.Model):
    """Failed public lookups per client address and minute: guessing is rate-limited."""

    client = models.CharField(max_length=64)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "window"], name="dossiers_lookupfailure_window")]

    def __str__(self) -> str:
        return f"{self.client} {self.window} {self.count}"


class ExternalSigningSession(models.Model):
    """A result prepared for a person's external signature (phiên ký số bằng thiết bị của người ký).

    The PDF was prepared here; the digest went to the signer's USB token or remote-signing service; the
    signature value comes back within ``expires_at``. ``state`` is the serialised
    ``documents.signing.external.ExternalSession``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dossier_file = models.ForeignKey(DossierFile, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source_sha256 = models.CharField(_("SHA-256 tài liệu trước khi ký"), max_length=64)
    state = models.JSONField(_("trạng thái phiên ký"))
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    finished_at = models.DateTimeField(_("hoàn tất lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phiên ký số bằng thiết bị")
        verbose_name_plural = _("các phiên ký số bằng thiết bị")

    def __str__(self):
        return str(self.id)


class InternalNote(models.Model):
    """Ghi chú nội bộ / an officer's note on a dossier, seen by officers only (never by the applicant, never
    sent to DVCQG). Not part of the legal history: the hash-chained events are."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("nội dung"))
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("ghi chú nội bộ")
        verbose_name_plural = _("ghi chú nội bộ")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
