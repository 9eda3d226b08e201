from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congso.catalog.choices import DurationUnit, FeeKind, OnlineClass, ProcedureLevel
from congso.core.text import search_tokens
from congso.geo.choices import AgencyKind


class Field(models.Model):
    """Lĩnh vực / field (sector) of procedures, coded ``<ministry>-<field>`` (e.g. ``G03-GD10``)."""

    code = models.CharField(_("mã lĩnh vực"), max_length=30, null=True, blank=True, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=200, unique=True)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    ministry = models.CharField(_("bộ, ngành quản lý"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


class ProcedureQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_to__isnull=True)


class Procedure(models.Model):
    """Thủ tục hành chính / administrative procedure (one version of it).

    Identified by ``key``: its code (national code plus province suffix, e.g.
    ``1.001193.000.00.00.H56``) or, where the national code is not confirmed, a local key.
    A change of content is a new version; the old one gets ``valid_to`` and stays for the dossiers
    that pinned it.
    """

    key = models.CharField(_("khóa"), max_length=80, db_index=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    code = models.CharField(_("mã thủ tục"), max_length=60, blank=True, db_index=True)
    national_code = models.CharField(_("mã thủ tục quốc gia"), max_length=30, blank=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("cấp thực hiện"), max_length=10, choices=ProcedureLevel.choices, db_index=True)
    agency_kind = models.CharField(_("loại cơ quan thực hiện"), max_length=30, choices=AgencyKind.choices)
    agencies = models.ManyToManyField(
        "geo.Agency", verbose_name=_("cơ quan thực hiện"), blank=True, related_name="procedures"
    )
    # Three classifications of "how online" (domain §1), all kept as data.
    online_level = models.PositiveSmallIntegerField(
        _("mức độ DVC (NĐ 43/2011)"), null=True, blank=True, choices=[(i, str(i)) for i in range(1, 5)]
    )
    online_class = models.CharField(
        _("DVC trực tuyến (NĐ 42/2022)"), max_length=10, choices=OnlineClass.choices, blank=True
    )
    service_class_2026 = models.CharField(
        _("phân loại DVC từ 01/7/2026"), max_length=100, blank=True, help_text=_("Theo Nghị định 224/2026")
    )
    channels = models.JSONField(_("cách thức thực hiện"), default=list, blank=True)
    duration_value = models.DecimalField(
        _("thời hạn giải quyết"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    duration_unit = models.CharField(
        _("đơn vị thời hạn"), max_length=20, choices=DurationUnit.choices, default=DurationUnit.WORKING_DAYS
    )
    duration_text = models.CharField(_("thời hạn (nguyên văn)"), max_length=500, blank=True)
    legal_basis = models.JSONField(_("căn cứ pháp lý"), default=list, blank=True)
    form_schema = models.JSONField(_("biểu mẫu điện tử (JSON Schema)"), default=dict, blank=True)
    confirmed = models.BooleanField(_("đã đối chiếu nguồn"), default=False)
    unconfirmed = models.JSONField(_("thông tin chưa xác nhận"), default=list, blank=True)
    source = models.CharField(_("nguồn"), max_length=500, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    # folded tokens of name, code, field: indexed by FTS5 on SQLite and pg_trgm on PostgreSQL.
    search_text = models.TextField(_("chuỗi tìm kiếm"), blank=True, editable=False)

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="catalog_procedure_key_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(valid_to__isnull=True), name="catalog_procedure_one_current_version"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def build_search_text(self) -> str:
        parts = [self.name, self.name_en, self.code, self.national_code, self.field.name if self.field_id else ""]
        # Folded word tokens: "1.001193.000.00.00.H56" is searchable by "001193" on every database.
        return " ".join(search_tokens(" ".join(p for p in parts if p)))

    @property
    def offered_online(self) -> bool:
        """Dịch vụ công trực tuyến: classified full/partial (Decree 42/2022), level 3–4 (older catalogs), or
        listing "online" among its ways of submission (cách thức thực hiện)."""
        return (
            self.online_class in (OnlineClass.FULL, OnlineClass.PARTIAL)
            or (self.online_level or 0) >= 3
            or "online" in (self.channels or [])
        )


class FeeLine(models.Model):
    """Phí, lệ phí / fee or charge line of a procedure, in integer VND."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fee_lines")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    kind = models.CharField(_("loại"), max_length=10, choices=FeeKind.choices)
    name = models.CharField(_("tên khoản thu"), max_length=500)
    amount = models.BigIntegerField(_("mức thu (đồng)"), null=True, blank=True)
    per_copy = models.BooleanField(_("tính theo bản"), default=False)
    exemptions = models.JSONField(_("miễn, giảm"), default=list, blank=True)

    class Meta:
        ordering = ["procedure", "order"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    """Thành phần hồ sơ / a required paper of a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name = models.CharField(_("tên giấy tờ"), max_length=1000)
    copies = models.PositiveSmallIntegerField(_("số lượng"), default=1)
    original = models.BooleanField(_("bản chính"), default=False)
    mandatory = models.BooleanField(_("bắt buộc"), default=True)
    template_name = models.CharField(_("mẫu đơn, tờ khai"), max_length=500, blank=True)
    template_file = models.FileField(_("tệp mẫu"), upload_to="templates/", blank=True)

    class Meta:
        ordering = ["procedure", "order"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class ResultDocument(models.Model):
    """Kết quả thực hiện / a result document of a procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="results")
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name = models.CharField(_("tên kết quả"), max_length=500)

    class Meta:
        ordering = ["procedure", "order"]
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")

    def __str__(self) -> str:
        return self.name


class WorkflowStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã ban hành")


class WorkflowImmutableError(Exception):
    """A published workflow version never changes; publish a new version instead."""


class WorkflowDefinition(models.Model):
    """Quy trình xử lý / workflow definition: one version of the route dossiers take after intake.

    Immutable once published: a dossier pins the version it started on, and a new version never
    changes running dossiers. The spec format is documented in ``congso/catalog/workflows.py``.
    """

    key = models.CharField(_("khóa"), max_length=80, db_index=True)
    version = models.PositiveIntegerField(_("phiên bản"))
    name = models.CharField(_("tên quy trình"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    spec = models.JSONField(_("định nghĩa"))
    spec_sha256 = models.CharField(_("SHA-256 của định nghĩa"), max_length=64, editable=False)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=WorkflowStatus.choices, default=WorkflowStatus.DRAFT
    )
    default_for_level = models.CharField(
        _("mặc định cho cấp"), max_length=10, choices=ProcedureLevel.choices, blank=True
    )
    procedure_keys = models.JSONField(_("thủ tục áp dụng"), default=list, blank=True)
    child = models.BooleanField(_("quy trình hồ sơ liên thông"), default=False)
    published_at = models.DateTimeField(_("ban hành lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("quy trình xử lý")
        verbose_name_plural = _("quy trình xử lý")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="catalog_workflow_key_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = WorkflowDefinition.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == WorkflowStatus.PUBLISHED:
                raise WorkflowImmutableError(
                    f"Quy trình {self.key} phiên bản {self.version} đã ban hành, không được sửa; hãy ban hành phiên bản mới."
                )
        super().save(*args, **kwargs)
