"""``/api/v1/kpi``: the governance indicators (domain §8, Decision 766/QĐ-TTg), read from the summaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from congso.accounts import staff
from congso.api.v1.auth import API_AUTH, who
from congso.api.v1.errors import problem
from congso.dossiers.api import ERRORS, MAX_ID
from congso.kpi import facts, ranking, score_config, selectors

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
        result = selectors.indicators(
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
        return _kpi_problem(exc)
    # Already shaped by the selectors: serialised as ``KpiIndicatorsOut`` would, without validating a province's
    # hundreds of groups through pydantic (most of the request's time). test_api checks the two agree.
    from congso.api.v1.api import api  # the API this router is mounted on (its renderer); imported late: a cycle

    return api.create_response(request, indicators_out(result), status=200)


# The fields of the schemas, in their order: the JSON built by ``indicators_out`` follows them.
_COUNTER_KEYS = tuple(KpiCountersOut.model_fields)
_RATE_KEYS = tuple(k for k, f in KpiRatesOut.model_fields.items() if f.annotation is KpiRateOut)
_SATISFACTION_KEYS = tuple(k for k, f in KpiSatisfactionOut.model_fields.items() if f.annotation is KpiRateOut)


def _rate_out(r: dict) -> dict:
    rate = r["rate"]
    return {
        "numerator": int(r["numerator"]),
        "denominator": int(r["denominator"]),
        "rate": None if rate is None else float(rate),
    }


def _group_out(g: dict) -> dict:
    counters, rates = g["counters"], g["rates"]
    out_rates = {k: _rate_out(rates[k]) for k in _RATE_KEYS}
    satisfaction, rating = rates["satisfaction"], rates["average_rating"]
    out_rates["satisfaction"] = out = {"rate": None if satisfaction["rate"] is None else float(satisfaction["rate"])}
    for k in _SATISFACTION_KEYS:
        out[k] = _rate_out(satisfaction[k])
    out_rates["average_rating"] = None if rating is None else float(rating)
    return {
        "key": str(g["key"]),
        "label": str(g["label"]),
        "counters": {k: int(counters.get(k) or 0) for k in _COUNTER_KEYS},
        "rates": out_rates,
    }


def indicators_out(result: dict) -> dict:
    """``selectors.indicators``' result as the plain data ``KpiIndicatorsOut`` dumps (fields in the schema's
    order, extra keys dropped, Decimals as floats); dates are left to the API's JSON renderer."""
    period = result["period"]
    return {
        "period": {"start": period["start"], "end": period["end"], "label": str(period["label"])},
        "by": str(result["by"]),
        "rollup": bool(result["rollup"]),
        "groups": [_group_out(g) for g in result["groups"]],
        "total": _group_out(result["total"]),
    }


def _kpi_problem(exc: selectors.KpiError):
    titles = {404: _("Không tìm thấy"), 422: _("Dữ liệu không hợp lệ")}
    return problem(
        exc.status,
        titles.get(exc.status, _("Không thực hiện được")),
        exc.message,
        [{"field": exc.field, "message": exc.message}] if exc.field else None,
    )


# ---- Decision 766 ranking -------------------------------------------------------------------------------------------
class RankingRateOut(Schema):
    on_time: float | None = Field(None, description="Tỷ lệ giải quyết đúng hạn (%), null khi không có hồ sơ")
    online: float | None = Field(None, description="Tỷ lệ hồ sơ trực tuyến có kết quả điện tử (%)")
    online_payment: float | None = Field(None, description="Tỷ lệ thanh toán trực tuyến (%)")
    digitisation: float | None = Field(None, description="Tỷ lệ số hóa hồ sơ, kết quả (%)")
    satisfaction: float | None = Field(None, description="Mức độ hài lòng (%)")


class GroupScoreOut(Schema):
    key: str = Field(..., description="Mã nhóm chỉ tiêu")
    name: str = Field(..., description="Tên nhóm chỉ tiêu")
    indicator: str = Field(..., description="Chỉ số tính điểm")
    rate: float | None = Field(None, description="Tỷ lệ đạt được (%); null: nhóm không áp dụng (không có hồ sơ)")
    maximum: float = Field(..., description="Điểm tối đa của nhóm")
    threshold: float = Field(..., description="Ngưỡng (%) đạt điểm tối đa; dưới ngưỡng: tỷ lệ × tối đa ÷ ngưỡng")
    points: float | None = Field(None, description="Điểm đạt được; null khi nhóm không áp dụng")


class ScoreOut(Schema):
    total: float | None = Field(None, description="Tổng điểm quy về thang 100 trên các nhóm áp dụng")
    earned: float = Field(..., description="Điểm đạt được cộng lại")
    applicable: float = Field(..., description="Tổng điểm tối đa của các nhóm áp dụng")
    groups: list[GroupScoreOut]


class RankingEntryOut(Schema):
    key: int | None = Field(None, description="Mã (id) cơ quan hoặc xã, phường; null cho dòng toàn tỉnh")
    name: str
    name_en: str = ""
    kind: str = Field("", description="Loại cơ quan, hoặc xã / phường")
    current: bool = Field(..., description="Đơn vị đang hoạt động (không phải đơn vị trước sắp xếp)")
    place: int = Field(..., description="Thứ hạng (xếp hạng đồng hạng 1, 2, 2, 4); 0: chưa xếp hạng (không có số liệu)")
    received: int = Field(..., description="Hồ sơ tiếp nhận trong kỳ")
    ended: int = Field(..., description="Hồ sơ đã giải quyết trong kỳ")
    rates: RankingRateOut
    score: ScoreOut | None = None


class RankingOut(Schema):
    period: KpiPeriodOut
    level: str = Field(..., description="agency: cơ quan cấp tỉnh; commune: xã, phường (nơi tiếp nhận)")
    rollup: bool = Field(..., description="Đơn vị trước sắp xếp được gộp vào đơn vị kế thừa")
    entries: list[RankingEntryOut]
    province: RankingEntryOut = Field(..., description="Toàn tỉnh: mọi hồ sơ của kỳ")


@router.get(
    "/ranking",
    response={200: RankingOut, **ERRORS},
    summary="Xếp hạng Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg) theo kỳ",
)
def ranking_view(
    request,
    period: str = Query(..., max_length=40, description=f"Kỳ báo cáo: {selectors.PERIOD_HELP}"),
    level: str = Query("agency", max_length=20, description="agency (cơ quan cấp tỉnh) hoặc commune (xã, phường)"),
    rollup: bool = Query(True, description="Gộp số liệu của xã, cơ quan trước sắp xếp vào đơn vị kế thừa"),
):
    """Every agency or commune of the province with its rates, each group's points, the total out of 100 and its
    place; units without any applicable group come last, unranked (place 0). Read from the summaries."""
    if selectors.scope_for(who(request)) is None:
        return problem(403, _("Không có quyền"), _("Chỉ cán bộ, công chức được xem chỉ số chỉ đạo, điều hành."))
    try:
        parsed = selectors.parse_period(period)
        result = ranking.ranking(parsed, level, rollup=rollup)
    except selectors.KpiError as exc:
        return _kpi_problem(exc)
    return {
        "period": {"start": parsed.start, "end": parsed.end, "label": parsed.label},
        "level": level,
        "rollup": rollup,
        "entries": [e.as_dict() for e in result.entries],
        "province": result.province.as_dict(),
    }


# ---- the score groups ------------------------------------------------------------------------------------------------
class ScoreGroupOut(Schema):
    key: str = Field(..., description="Mã nhóm chỉ tiêu")
    name: str = Field(..., description="Tên nhóm chỉ tiêu")
    indicator: str = Field(..., description="Chỉ số tính điểm (on_time, online, online_payment, …)")
    maximum: float = Field(..., description="Điểm tối đa; tổng các nhóm đang áp dụng bằng 100")
    threshold: float = Field(..., description="Ngưỡng (%) đạt điểm tối đa, trong (0, 100]")
    active: bool = Field(..., description="Đang áp dụng")
    position: int


class ScoreGroupIn(Schema):
    key: str = Field(..., max_length=40, description="Mã nhóm chỉ tiêu (không đổi được)")
    maximum: Decimal = Field(..., description="Điểm tối đa (≥ 0, tối đa hai chữ số thập phân)")
    threshold: Decimal = Field(..., description="Ngưỡng (%) đạt điểm tối đa, lớn hơn 0 và không quá 100")
    active: bool = Field(True, description="Đang áp dụng")


class ScoreGroupsIn(Schema):
    groups: list[ScoreGroupIn] = Field(
        ..., max_length=50, description="Mọi nhóm chỉ tiêu, mỗi nhóm một lần; tổng điểm tối đa của nhóm áp dụng = 100"
    )


def _score_groups_out():
    return [
        {
            "key": g.key,
            "name": g.name,
            "indicator": g.indicator,
            "maximum": g.maximum,
            "threshold": g.threshold,
            "active": g.active,
            "position": g.position,
        }
        for g in score_config.groups()
    ]


@router.get(
    "/score-groups",
    response={200: list[ScoreGroupOut], **ERRORS},
    summary="Thang điểm Bộ chỉ số (Quyết định 766/QĐ-TTg): nhóm chỉ tiêu, điểm tối đa, ngưỡng",
)
def score_groups(request):
    """Every officer reads the score configuration."""
    if selectors.scope_for(who(request)) is None:
        return problem(403, _("Không có quyền"), _("Chỉ cán bộ, công chức được xem chỉ số chỉ đạo, điều hành."))
    return _score_groups_out()


@router.put(
    "/score-groups",
    response={200: list[ScoreGroupOut], **ERRORS},
    summary="Sửa thang điểm (chỉ Quản trị hệ thống cấp tỉnh): tất cả các nhóm, cùng một lần",
)
def set_score_groups(request, payload: ScoreGroupsIn):
    """The province administrator sets every group's maximum, threshold and active flag in one transaction:
    nothing is saved when one value is wrong. The active maxima must sum to 100."""
    caller = who(request)
    if not staff.is_province_admin(caller):
        return problem(403, _("Không có quyền"), _("Chỉ Quản trị hệ thống cấp tỉnh được sửa thang điểm."))
    index: dict[str, int] = {}
    typed: dict[str, dict] = {}
    duplicates = []
    for i, g in enumerate(payload.groups):
        if g.key in typed:
            duplicates.append({"field": f"groups.{i}.key", "message": _("Nhóm chỉ tiêu bị lặp.")})
        index[g.key] = i
        typed[g.key] = {"maximum": g.maximum, "threshold": g.threshold, "active": g.active}
    if duplicates:
        return problem(422, _("Dữ liệu không hợp lệ"), _("Vui lòng kiểm tra các trường được nêu."), duplicates)
    try:
        score_config.update_score_groups(caller, typed)
    except score_config.ScoreConfigError as exc:
        errors = [{"field": f"groups.{index[key]}.{name}", "message": msg} for (key, name), msg in exc.errors.items()]
        errors += [{"field": "groups", "message": msg} for msg in exc.general]
        return problem(422, _("Dữ liệu không hợp lệ"), " ".join(exc.general) or errors[0]["message"], errors)
    return _score_groups_out()
