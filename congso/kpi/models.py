"""The indicator summaries, maintained incrementally in the same transaction as each dossier change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from congso.kpi.facts import COUNTERS


class Counters(models.Model):
    """The indicator counters (``kpi.facts.COUNTERS``) shared by the cells and their month-level rollup."""

    received = models.IntegerField(_("hồ sơ tiếp nhận"), default=0)
    received_online = models.IntegerField(_("hồ sơ nộp trực tuyến"), default=0)
    online_offered = models.IntegerField(_("hồ sơ của thủ tục có DVC trực tuyến"), default=0)
    fee_bearing = models.IntegerField(_("hồ sơ của thủ tục có thu phí, lệ phí"), default=0)
    paid_online = models.IntegerField(_("hồ sơ thanh toán trực tuyến"), default=0)
    digitised = models.IntegerField(_("hồ sơ được số hóa"), default=0)
    reused = models.IntegerField(_("hồ sơ tái sử dụng dữ liệu số hóa"), default=0)
    synced = models.IntegerField(_("hồ sơ đồng bộ Cổng DVCQG"), default=0)
    complaints = models.IntegerField(_("hồ sơ bị phản ánh, kiến nghị"), default=0)
    ended = models.IntegerField(_("hồ sơ đã giải quyết"), default=0)
    on_time = models.IntegerField(_("giải quyết trước hạn, đúng hạn"), default=0)
    late = models.IntegerField(_("giải quyết quá hạn"), default=0)
    online_e_result = models.IntegerField(_("trực tuyến, trả kết quả điện tử"), default=0)
    results = models.IntegerField(_("kết quả giải quyết"), default=0)
    person_signed = models.IntegerField(_("kết quả có chữ ký số cá nhân"), default=0)
    agency_signed = models.IntegerField(_("kết quả có chữ ký số cơ quan"), default=0)
    rated = models.IntegerField(_("hồ sơ được đánh giá"), default=0)
    rating_sum = models.IntegerField(_("tổng điểm đánh giá"), default=0)
    dissatisfied = models.IntegerField(_("đánh giá không hài lòng"), default=0)

    class Meta:
        abstract = True

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


class Cell(Counters):
    """Ô tổng hợp chỉ số / one summary cell: the counters of the dossiers of one month, competent agency, intake
    commune, procedure and channel (see docs/kpi.md). Quarters, years and fields are sums of cells.

    Indexed for the dashboards: by month (the unique key starts with it), by agency and month, by commune
    and month. Counters are signed integers so that a corrupted cell shows up in ``rebuild_kpi``.
    """

    month = models.DateField(_("tháng"))
    agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan giải quyết"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("xã, phường nơi tiếp nhận"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name=_("thủ tục"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.PositiveSmallIntegerField(_("kênh thực hiện"))

    class Meta:
        verbose_name = _("ô tổng hợp chỉ số")
        verbose_name_plural = _("ô tổng hợp chỉ số")
        constraints = [
            models.UniqueConstraint(fields=["month", "agency", "unit", "procedure", "channel"], name="kpi_cell_key")
        ]
        indexes = [
            models.Index(fields=["agency", "month"], name="kpi_cell_agency_month"),
            models.Index(fields=["unit", "month"], name="kpi_cell_unit_month"),
            models.Index(fields=["procedure", "month"], name="kpi_cell_procedure_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}/{self.unit_id}/{self.procedure_id}/{self.channel}"


class Rollup(Counters):
    """Tổng hợp theo tháng / the cells of one month summed per competent agency, per intake commune or per
    procedure (``dimension``), maintained in the same statement-pair as the cells (``kpi.actions``).

    Province-wide reads and one unit's trend read a few hundred of these rows a month instead of every cell
    (tens of thousands a month at 10 million dossiers). ``key`` is the agency, unit or procedure id (no foreign
    key: one column for three tables). ``rebuild_kpi`` checks it against the recomputed cells.
    """

    class Dimension(models.TextChoices):
        AGENCY = "a", _("cơ quan giải quyết")
        UNIT = "u", _("xã, phường nơi tiếp nhận")
        PROCEDURE = "p", _("thủ tục")

    dimension = models.CharField(_("chiều tổng hợp"), max_length=1, choices=Dimension.choices)
    month = models.DateField(_("tháng"))
    key = models.IntegerField(_("mã cơ quan, xã hoặc thủ tục"))

    class Meta:
        verbose_name = _("tổng hợp chỉ số theo tháng")
        verbose_name_plural = _("tổng hợp chỉ số theo tháng")
        constraints = [models.UniqueConstraint(fields=["dimension", "month", "key"], name="kpi_rollup_key")]
        indexes = [models.Index(fields=["dimension", "key", "month"], name="kpi_rollup_key_month")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.dimension}{self.key}"


class DossierFact(models.Model):
    """Đóng góp của hồ sơ vào chỉ số / what one root dossier last added to the cells (``kpi.facts.encode``).

    The next change of the dossier adds only the difference; ``rebuild_kpi`` compares it with a recomputation.
    """

    dossier = models.OneToOneField(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    cells = models.JSONField(_("các ô đã cộng"), default=list)

    class Meta:
        verbose_name = _("đóng góp của hồ sơ vào chỉ số")
        verbose_name_plural = _("đóng góp của hồ sơ vào chỉ số")

    def __str__(self) -> str:
        return str(self.dossier_id)


class ScoreGroup(models.Model):
    """Nhóm chỉ tiêu chấm điểm / one group of the Decision 766 score, as the province configures it.

    ``maximum`` points are earned at or above ``threshold`` percent, ``rate × maximum ÷ threshold`` below it
    (``kpi.scoring.points``). Seeded with the estimates of domain §8 (``kpi.scoring.DEFAULT_RULES``); the
    province's administrator edits weights and thresholds in the back office.
    """

    key = models.SlugField(_("mã nhóm"), max_length=40, unique=True)
    name = models.CharField(_("tên nhóm chỉ tiêu"), max_length=200)
    indicator = models.CharField(_("chỉ số tính điểm"), max_length=40)
    maximum = models.DecimalField(_("điểm tối đa"), max_digits=5, decimal_places=2)
    threshold = models.DecimalField(_("ngưỡng đạt điểm tối đa (%)"), max_digits=5, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    active = models.BooleanField(_("đang áp dụng"), default=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("nhóm chỉ tiêu chấm điểm")
        verbose_name_plural = _("nhóm chỉ tiêu chấm điểm")
        ordering = ["position", "key"]
        constraints = [
            models.CheckConstraint(condition=models.Q(maximum__gte=0), name="kpi_scoregroup_maximum_positive"),
            models.CheckConstraint(
                condition=models.Q(threshold__gt=0, threshold__lte=100), name="kpi_scoregroup_threshold_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# ---- digital-transformation governance (issue 9 §3) ----------------------------------------------------------------
class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    ISSUED = "issued", _("Đã ban hành")
    REPLACED = "replaced", _("Đã được thay thế")
    REVOKED = "revoked", _("Đã bãi bỏ")


class Comparison(models.TextChoices):
    AT_LEAST = "gte", _("≥ (không thấp hơn)")
    AT_MOST = "lte", _("≤ (không cao hơn)")


class MetricLevel(models.TextChoices):
    COMMUNE = "commune", _("Cấp xã")
    PROVINCE = "province", _("Cấp tỉnh")


class MetricKind(models.TextChoices):
    PERCENT = "percent", _("Tỷ lệ (%)")
    COUNT = "count", _("Số lượng")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class ValueSource(models.TextChoices):
    FORM = "form", _("Nhập trên trang")
    IMPORT = "import", _("Nhập từ tệp Excel")
    API = "api", _("Qua API")


def _one_owner(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(
            models.Q(agency__isnull=False, commune__isnull=True) | models.Q(agency__isnull=True, commune__isnull=False)
        ),
        name=f"{prefix}_one_owner",
    )


class DxPlan(models.Model):
    """Kế hoạch chuyển đổi số / a unit's digital-transformation plan for a year.

    Owned by a province-level agency (*sở, ban, ngành*) or by a commune (*xã, phường*, the administrative unit:
    communes before the 2025 reform have no agency record, and their plans stay countable). Coverage counts the
    issued plans of the units that exist in the year (``kpi.governance_selectors.coverage``). The signed document is
    stored content-addressed (``dossiers.files``), its type decided by its bytes.
    """

    year = models.PositiveSmallIntegerField(_("năm"))
    agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("trích yếu"), max_length=500)
    number = models.CharField(_("số, ký hiệu"), max_length=60)
    issued_on = models.DateField(_("ngày ban hành"))
    period_from = models.DateField(_("thời gian thực hiện từ"))
    period_to = models.DateField(_("thời gian thực hiện đến"))
    status = models.CharField(_("tình trạng"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ISSUED)
    document_sha256 = models.CharField(_("tệp văn bản (SHA-256)"), max_length=64, blank=True)
    document_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    document_size = models.PositiveIntegerField(_("dung lượng (byte)"), default=0)
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("người cập nhật"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("cập nhật lúc"))

    class Meta:
        verbose_name = _("kế hoạch chuyển đổi số")
        verbose_name_plural = _("kế hoạch chuyển đổi số")
        ordering = ["-year", "pk"]
        constraints = [
            _one_owner("kpi_dxplan"),
            models.UniqueConstraint(
                fields=["year", "agency"], condition=models.Q(agency__isnull=False), name="kpi_dxplan_agency_year"
            ),
            models.UniqueConstraint(
                fields=["year", "commune"], condition=models.Q(commune__isnull=False), name="kpi_dxplan_commune_year"
            ),
            models.CheckConstraint(
                condition=models.Q(period_to__gte=models.F("period_from")), name="kpi_dxplan_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.year})"


class EconomyMetric(models.Model):
    """Chỉ tiêu kinh tế số / a digital-economy indicator the province follows (cashless payment in schools and
    hospitals, SMEs in the digital-transformation support programme, e-invoice adoption…).

    ``level`` says whose figure it is: each commune's, or the province's (entered by the ``responsible`` agency
    or the province's administrator). The responsible agency is named by its slug: the
    reference agencies are loaded after the migrations.
    """

    key = models.SlugField(_("mã chỉ tiêu"), max_length=40, unique=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=300)
    description = models.TextField(_("cách xác định"), blank=True)
    unit_label = models.CharField(_("đơn vị tính"), max_length=40)
    kind = models.CharField(_("loại giá trị"), max_length=10, choices=MetricKind.choices)
    level = models.CharField(_("cấp báo cáo"), max_length=10, choices=MetricLevel.choices)
    responsible_slug = models.SlugField(
        _("cơ quan chủ trì số liệu (khóa)"),
        max_length=120,
        blank=True,
        help_text=_("Khóa của cơ quan được nhập số liệu của chỉ tiêu này cho mọi đơn vị, ví dụ so-y-te."),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    active = models.BooleanField(_("đang theo dõi"), default=True)

    class Meta:
        verbose_name = _("chỉ tiêu kinh tế số")
        verbose_name_plural = _("chỉ tiêu kinh tế số")
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.name


class DxTarget(models.Model):
    """Chỉ tiêu giao / an annual target assigned to a unit: an indicator (a rate of ``kpi.formulas`` or a
    digital-economy metric, ``metric:<key>``), a comparison and a value; progress is computed live
    (``kpi.governance_selectors.targets``)."""

    year = models.PositiveSmallIntegerField(_("năm"))
    agency = models.ForeignKey(
        "geo.Agency", verbose_name=_("cơ quan"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("xã, phường"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    indicator = models.CharField(_("chỉ số"), max_length=60)
    comparison = models.CharField(_("so sánh"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST)
    value = models.DecimalField(_("giá trị chỉ tiêu"), max_digits=14, decimal_places=2)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        "accounts.User", verbose_name=_("người giao"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("giao lúc"))

    class Meta:
        verbose_name = _("chỉ tiêu giao hằng năm")
        verbose_name_plural = _("chỉ tiêu giao hằng năm")
        ordering = ["-year", "indicator", "pk"]
        constraints = [
            _one_owner("kpi_dxtarget"),
            models.UniqueConstraint(
                fields=["year", "agency", "indicator"],
                condition=models.Q(agency__isnull=False),
                name="kpi_dxtarget_agency_key",
            ),
            models.UniqueConstraint(
                fields=["year", "commune", "indicator"],
                condition=models.Q(commune__isnull=False),
                name="kpi_dxtarget_commune_key",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="kpi_dxtarget_value_positive"),
        ]
        indexes = [models.Index(fields=["year", "indicator"], name="kpi_dxtarget_year_ind")]

    def __str__(self) -> str:
        return f"{self.year} {self.indicator} {self.comparison} {self.value}"


class EconomyValue(models.Model):
    """Số liệu kinh tế số / one revision of a digital-economy figure for a unit and a period.

    A correction is a new revision; the previous one stays (``current`` false) with who entered it and when.
    ``period`` is canonical: ``2026-11`` (month), ``2026-Q4`` (quarter) or ``2026`` (year).
    """

    metric = models.ForeignKey(EconomyMetric, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "geo.AdministrativeUnit", verbose_name=_("đơn vị hành chính"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("kỳ"), max_length=10)
    period_kind = models.CharField(_("loại kỳ"), max_length=10, choices=PeriodKind.choices)
    period_end = models.DateField(_("ngày cuối kỳ"))
    value = models.DecimalField(_("giá trị"), max_digits=14, decimal_places=2)
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    revision = models.PositiveIntegerField(_("lần cập nhật"), default=1)
    current = models.BooleanField(_("đang dùng"), default=True)
    source = models.CharField(_("nguồn nhập"), max_length=10, choices=ValueSource.choices, default=ValueSource.FORM)
    import_sha256 = models.CharField(_("tệp nhập (SHA-256)"), max_length=64, blank=True)
    entered_by = models.ForeignKey(
        "accounts.User", verbose_name=_("người nhập"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(_("nhập lúc"))

    class Meta:
        verbose_name = _("số liệu kinh tế số")
        verbose_name_plural = _("số liệu kinh tế số")
        ordering = ["metric", "unit", "-period_end", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "unit", "period", "revision"], name="kpi_econvalue_revision"),
            models.UniqueConstraint(
                fields=["metric", "unit", "period"], condition=models.Q(current=True), name="kpi_econvalue_current"
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="kpi_econvalue_positive"),
        ]
        indexes = [models.Index(fields=["metric", "period", "unit"], name="kpi_econvalue_period")]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.unit_id} {self.period} = {self.value} (#{self.revision})"
