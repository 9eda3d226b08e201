"""``/api/v1/kpi``: the governance indicators (domain §8, Decision 766/QĐ-TTg), read from the summaries."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import create_model

from congso.api.v1.auth import API_AUTH, who
from congso.api.v1.errors import problem
from congso.dossiers.api import ERRORS, MAX_ID
from congso.kpi import facts, selectors

router = Router(tags=["Chỉ số chỉ đạo, điều hành (kpi)"], auth=API_AUTH)


class KpiRateOut(Schema):
    numerator: int
    denominator: int
    rate: float | None = None


class KpiSatisfactionOut(Schema):
    rate: float | None = None
    late: KpiRateOut
    complaints: KpiRateOut
    dissatisfied: KpiRateOut


class KpiRatesOut(Schema):
    on_time: KpiRateOut
    online: KpiRateOut
    online_share: KpiRateOut
    online_payment: KpiRateOut
    digitisation: KpiRateOut
    reuse: KpiRateOut
    person_signature: KpiRateOut
    agency_signature: KpiRateOut
    synced: KpiRateOut
    satisfaction: KpiSatisfactionOut
    average_rating: float | None = None


KpiCountersOut = create_model("KpiCountersOut", __base__=Schema, **{name: (int, 0) for name in facts.COUNTERS})


class KpiGroupOut(Schema):
    key: str
    label: str
    counters: KpiCountersOut
    rates: KpiRatesOut


class KpiPeriodOut(Schema):
    start: dt.date
    end: dt.date
    label: str


class KpiIndicatorsOut(Schema):
    period: KpiPeriodOut
    by: str
    rollup: bool
    groups: list[KpiGroupOut]
    total: KpiGroupOut


@router.get(
    "/indicators",
    response={200: KpiIndicatorsOut, **ERRORS},
    summary="Chỉ số theo kỳ (tháng, quý, năm), nhóm theo cơ quan, xã, lĩnh vực, thủ tục hoặc tháng",
)
def indicators(
    request,
    period: str = Query(..., max_length=40, description=f"Kỳ báo cáo: {selectors.PERIOD_HELP}"),
    by: str = Query("agency", max_length=20, description="agency, commune, field, procedure hoặc month"),
    agency: int | None = Query(None, ge=1, le=MAX_ID, description="Chỉ một cơ quan giải quyết"),
    commune: int | None = Query(None, ge=1, le=MAX_ID, description="Chỉ một xã, phường (nơi tiếp nhận)"),
    field: int | None = Query(None, ge=1, le=MAX_ID, description="Chỉ một lĩnh vực"),
    procedure: int | None = Query(None, ge=1, le=MAX_ID, description="Chỉ một thủ tục"),
    rollup: bool = Query(False, description="Gộp số liệu của xã, cơ quan trước sắp xếp vào đơn vị kế thừa"),
):
    """Province-wide roles read every cell; an agency's staff read their agency's cells and, at a commune,
    what was received at the commune. Rates: numerator, denominator and % (``null`` when nothing to count)."""
    scope = selectors.scope_for(who(request))
    if scope is None:
        return problem(403, _("Không có quyền"), _("Chỉ cán bộ, công chức được xem chỉ số chỉ đạo, điều hành."))
    try:
        parsed = selectors.parse_period(period)
        if by not in selectors.GROUPS:
            raise selectors.KpiError(_("Nhóm theo: agency, commune, field, procedure hoặc month."), field="by")
        selectors.check_filters(scope, agency=agency, commune=commune, field=field, procedure=procedure)
        return selectors.indicators(
            parsed,
            by=by,
            scope=scope,
            agency=agency,
            commune=commune,
            field=field,
            procedure=procedure,
            rollup=rollup,
        )
    except selectors.KpiError as exc:
        titles = {404: _("Không tìm thấy"), 422: _("Dữ liệu không hợp lệ")}
        return problem(
            exc.status,
            titles.get(exc.status, _("Không thực hiện được")),
            exc.message,
            [{"field": exc.field, "message": exc.message}] if exc.field else None,
        )
