"""``/api/v1/kpi/dx``: digital-transformation governance (issue 9 §3) — plan coverage, annual targets with live
progress, digital-economy figures (read, and entered by the province administrator or the unit's staff).

Every officer reads; errors are problem+json in Vietnamese (422 bad parameter, 404 unknown or foreign unit,
403 not an officer or not allowed to enter the figure)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router, Schema
from pydantic import Field

from congso.api.v1.auth import API_AUTH, who
from congso.api.v1.errors import problem
from congso.api.v1.idempotency import Idempotency
from congso.dossiers.api import ERRORS, MAX_ID
from congso.geo.models import AdministrativeUnit
from congso.kpi import governance
from congso.kpi import governance_selectors as S
from congso.kpi.models import EconomyMetric, ValueSource
from congso.kpi.selectors import scope_for

router = Router(tags=["Chuyển đổi số (kpi/dx)"], auth=API_AUTH)

TITLES = {
    403: gettext_lazy("Không có quyền"),
    404: gettext_lazy("Không tìm thấy"),
    409: gettext_lazy("Xung đột"),
    422: gettext_lazy("Dữ liệu không hợp lệ"),
}


def _error(exc: S.GovernanceError) -> HttpResponse:
    errors = [{"field": k, "message": v} for k, v in exc.fields.items()]
    rows = getattr(exc, "rows", None)
    if rows:
        errors = [{"field": f"row {n}", "message": m} for n, m in rows]
    title = TITLES.get(exc.status) or _("Không thực hiện được")
    return problem(exc.status, str(title), exc.message, errors or None)


def _officer(request):
    caller = who(request)
    if scope_for(caller) is None:
        return None
    return caller


def _forbidden() -> HttpResponse:
    return problem(403, _("Không có quyền"), _("Chỉ cán bộ, công chức được xem số liệu chuyển đổi số."))


def _json(status: int, body: dict) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=_default), status=status, content_type="application/json"
    )


def _default(v):
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return str(v)


# ---- schemas (for the OpenAPI description) --------------------------------------------------------------------------
class MissingUnitOut(Schema):
    unit: str
    name: str


class CoverageGroupOut(Schema):
    key: str
    label: str
    covered: int
    total: int
    rate: float | None = None
    missing: list[MissingUnitOut]


class CoverageOut(Schema):
    year: int
    on: dt.date
    summary: str
    groups: list[CoverageGroupOut]


class TargetOut(Schema):
    id: int
    year: int
    unit: str
    unit_label: str
    indicator: str
    indicator_label: str
    unit_of_measure: str
    comparison: str
    target: float
    actual: float | None = None
    numerator: int | None = None
    denominator: int | None = None
    baseline: float | None = None
    status: str
    status_label: str
    progress: int


class TargetsOut(Schema):
    year: int
    targets: list[TargetOut]


class RevisionOut(Schema):
    value: float
    revision: int
    current: bool
    note: str
    source: str
    entered_by: str | None = None
    entered_at: dt.datetime


class EconomyRowOut(Schema):
    unit: int
    code: str
    name: str
    value: RevisionOut | None = None
    history: list[RevisionOut]


class EconomyOut(Schema):
    metric: str
    metric_name: str
    unit_of_measure: str
    period: str
    period_label: str
    reported: int
    total: int
    rows: list[EconomyRowOut]


class EconomyIn(Schema):
    metric: str = Field(..., max_length=40, description="Mã chỉ tiêu, ví dụ cashless-schools")
    unit: int = Field(..., ge=1, le=MAX_ID, description="Đơn vị hành chính (id): xã, phường hoặc tỉnh")
    period: str = Field(..., max_length=20, description=f"Kỳ: {S.PERIOD_FORMS}")
    value: Decimal = Field(..., description="Giá trị (tỷ lệ 0–100, số lượng nguyên)")
    note: str = Field("", max_length=300)


class EconomyValueOut(Schema):
    metric: str
    unit: int
    period: str
    changed: bool
    value: RevisionOut


# ---- endpoints ------------------------------------------------------------------------------------------------------
@router.get("/coverage", response={200: CoverageOut, **ERRORS}, summary="Tỷ lệ đơn vị có kế hoạch chuyển đổi số")
def coverage(request, year: str = Query(..., max_length=8, description="Năm, ví dụ 2026")):
    """Issued plans among the units that exist in the year: "x/y sở, ban, ngành; x/y xã, phường", with the units
    missing a plan (``unit`` = ``agency:<id>`` or ``commune:<id>``)."""
    if _officer(request) is None:
        return _forbidden()
    try:
        return _json(200, S.coverage(S.check_year(year)))
    except S.GovernanceError as exc:
        return _error(exc)


@router.get("/targets", response={200: TargetsOut, **ERRORS}, summary="Chỉ tiêu giao và tiến độ thực hiện")
def targets(
    request,
    year: str = Query(..., max_length=8, description="Năm, ví dụ 2026"),
    unit: str = Query("", max_length=40, description="agency:<id> hoặc commune:<id>; bỏ trống: mọi đơn vị"),
    indicator: str = Query("", max_length=60, description="Chỉ một chỉ số, ví dụ on_time hoặc metric:e-invoice"),
):
    """Each target with the figure of the year to date (rates from the indicator summaries, with the unit's
    predecessors rolled up; digital-economy figures: the latest period of the year), last year's figure, status
    (``met``, ``on_track``, ``behind``, ``missed``, ``no_data``) and progress 0–100."""
    if _officer(request) is None:
        return _forbidden()
    try:
        parsed_year = S.check_year(year)
        ref = S.parse_unit(unit) if unit else None
        rows = S.targets(parsed_year, ref, indicator=indicator.strip())
    except S.GovernanceError as exc:
        return _error(exc)
    return _json(200, {"year": parsed_year, "targets": [r.as_dict() for r in rows]})


def _metric(key: str) -> EconomyMetric:
    metric = EconomyMetric.objects.filter(key=(key or "").strip()).first()
    if metric is None:
        raise S.GovernanceError(
            _("Không tìm thấy chỉ tiêu."), {"metric": _("Mã chỉ tiêu không có trong danh mục.")}, status=404
        )
    return metric


@router.get("/economy", response={200: EconomyOut, **ERRORS}, summary="Số liệu kinh tế số theo kỳ")
def economy(
    request,
    metric: str = Query(..., max_length=40, description="Mã chỉ tiêu"),
    period: str = Query(..., max_length=20, description=f"Kỳ: {S.PERIOD_FORMS}"),
    unit: int | None = Query(None, ge=1, le=MAX_ID, description="Chỉ một đơn vị hành chính"),
):
    """The figures of every reporting unit for the period: the current value and the earlier revisions."""
    if _officer(request) is None:
        return _forbidden()
    try:
        m = _metric(metric)
        p = S.parse_economy_period(period)
        if unit is not None and not AdministrativeUnit.objects.filter(pk=unit).exists():
            raise S.GovernanceError(_("Không tìm thấy đơn vị."), {"unit": _("Không tìm thấy đơn vị.")}, status=404)
        data = S.economy(m, p, unit)
    except S.GovernanceError as exc:
        return _error(exc)
    return _json(
        200,
        {
            "metric": m.key,
            "metric_name": m.name,
            "unit_of_measure": m.unit_label,
            "period": p.code,
            "period_label": p.label,
            "reported": data["reported"],
            "total": data["total"],
            "rows": [
                {
                    "unit": r["unit"].pk,
                    "code": r["unit"].code,
                    "name": r["unit"].name,
                    "value": S.value_dict(r["current"]) if r["current"] else None,
                    "history": [S.value_dict(v) for v in r["history"]],
                }
                for r in data["rows"]
            ],
        },
    )


@router.post(
    "/economy",
    response={200: EconomyValueOut, 201: EconomyValueOut, **ERRORS},
    summary="Nhập số liệu kinh tế số của một đơn vị, một kỳ",
    description=(
        "Quản trị cấp tỉnh, cán bộ của cơ quan chủ trì chỉ tiêu, hoặc cán bộ của xã, phường (số liệu cấp xã của "
        "mình). Cùng giá trị: 200, không tạo lần cập nhật mới; giá trị khác: 201, lần cập nhật mới, giá trị cũ vẫn "
        "được lưu. Gửi kèm header `Idempotency-Key` để an toàn khi gửi lại."
    ),
)
def enter_value(request, payload: EconomyIn):
    caller = _officer(request)
    if caller is None:
        return _forbidden()
    idem = Idempotency.of(request)
    if idem.invalid:
        return idem.invalid
    try:
        metric = _metric(payload.metric)
        period = S.parse_economy_period(payload.period)
        value = S.check_value(metric, payload.value)
        unit = AdministrativeUnit.objects.filter(pk=payload.unit).first()
        if unit is None:
            raise S.GovernanceError(_("Không tìm thấy đơn vị."), {"unit": _("Không tìm thấy đơn vị.")}, status=404)
        with transaction.atomic():
            row, changed = governance.record_value(
                caller, metric=metric, unit=unit, period=period, value=value, note=payload.note, source=ValueSource.API
            )
            status = 201 if changed else 200
            body = json.loads(
                json.dumps(
                    {
                        "metric": metric.key,
                        "unit": unit.pk,
                        "period": period.code,
                        "changed": changed,
                        "value": S.value_dict(row),
                    },
                    default=_default,
                )
            )
            idem.record(status, body)
    except S.GovernanceError as exc:
        return _error(exc)
    except IntegrityError:
        return idem.replay()
    return _json(status, body)
