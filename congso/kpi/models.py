"""The indicator summaries, maintained incrementally in the same transaction as each dossier change."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from congso.kpi.facts import COUNTERS


class Cell(models.Model):
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
        verbose_name = _("ô tổng hợp chỉ số")
        verbose_name_plural = _("ô tổng hợp chỉ số")
        constraints = [
            models.UniqueConstraint(fields=["month", "agency", "unit", "procedure", "channel"], name="kpi_cell_key")
        ]
        indexes = [
            models.Index(fields=["agency", "month"], name="kpi_cell_agency_month"),
            models.Index(fields=["unit", "month"], name="kpi_cell_unit_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id}/{self.unit_id}/{self.procedure_id}/{self.channel}"

    def counters(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


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
