"""Digital-transformation governance pages (Chuyển đổi số): plan coverage, the units' plans, annual targets with
progress, digital-economy figures (entry, history, XLSX import).

Every officer reads; the province administrator changes everything; a unit's own staff record their unit's plan
and figures (``kpi.governance_selectors``). Views never save models: they call ``kpi.governance``. A bad form is
shown again with Vietnamese messages beside the fields and what was typed; nothing is saved.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from congso.dossiers.access import request_who
from congso.dossiers.files import path_for
from congso.geo.models import AdministrativeUnit
from congso.kpi import governance
from congso.kpi import governance_selectors as S
from congso.kpi.models import Comparison, DxPlan, EconomyMetric, PlanStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAN_FIELDS = ("unit", "title", "number", "issued_on", "period_from", "period_to", "status")
TARGET_FIELDS = ("unit", "indicator", "comparison", "value", "note")
BULK_FIELDS = ("group", "indicator", "comparison", "value", "note")
VALUE_FIELDS = ("unit", "value", "note")


def _who(request):
    who = request_who(request)
    if not who.is_staff_member:
        raise Http404
    return who


def _year(request) -> int:
    raw = request.GET.get("year") or request.POST.get("year")
    if not raw:
        return S.today().year
    try:
        return S.check_year(raw)
    except S.GovernanceError:
        raise Http404 from None


def _typed(post, names) -> dict:
    return {n: post.get(n, "").strip() for n in names}


def _years() -> list[int]:
    this = S.today().year
    return list(range(this + 1, 2022, -1))


def _base(request, who, year: int, section: str) -> dict:
    return {
        "year": year,
        "years": _years(),
        "section": section,
        "province_admin": S.is_province_admin(who),
        "own_units": S.own_units(who),
    }


# ---- coverage and plans -----------------------------------------------------------------------------------------
@login_required
def index(request):
    """Coverage of the year's plans, the units missing one, and the plans recorded."""
    who = _who(request)
    year = _year(request)
    context = _base(request, who, year, "plans")
    own = context["own_units"]
    admin = context["province_admin"]
    plans = list(S.plans(year))
    for p in plans:
        p.editable = admin or S.ref_of(p) in own
        p.ref = str(S.ref_of(p))
    context |= {"coverage": S.coverage(year), "plans": plans, "can_record": admin or bool(own)}
    return render(request, "backoffice/dx_index.html", context)


def _plan_units(who, year: int) -> dict[str, list[tuple[str, str]]]:
    options = S.unit_options(year)
    if S.is_province_admin(who):
        return options
    own = {str(r) for r in S.own_units(who)}
    return {k: [(v, label) for v, label in rows if v in own] for k, rows in options.items()}


@login_required
def plan(request):
    """Record or correct a unit's plan for the year (GET ``?unit=`` pre-fills an existing one)."""
    who = _who(request)
    year = _year(request)
    units = _plan_units(who, year)
    if not any(units.values()):
        raise Http404
    if request.method == "POST":
        typed = _typed(request.POST, PLAN_FIELDS)
        upload = request.FILES.get("document")
        try:
            ref = S.parse_unit(typed["unit"])
            saved = governance.record_plan(
                who,
                ref=ref,
                year=year,
                title=typed["title"],
                number=typed["number"],
                issued_on=typed["issued_on"],
                period_from=typed["period_from"],
                period_to=typed["period_to"],
                status=typed["status"],
                document=upload.read() if upload else None,
                filename=upload.name if upload else "",
            )
        except S.GovernanceError as exc:
            if exc.status == 404 and not exc.fields:
                raise Http404 from None
            return _render_plan(request, who, year, units, error=exc, typed=typed, status=exc.status)
        messages.success(
            request, _("Đã lưu kế hoạch %(number)s (năm %(year)s).") % {"number": saved.number, "year": year}
        )
        return HttpResponseRedirect(f"{reverse('backoffice:dx')}?year={year}")
    typed = {"status": PlanStatus.ISSUED, "period_from": f"{year}-01-01", "period_to": f"{year}-12-31"}
    existing = None
    if request.GET.get("unit"):
        try:
            ref = S.parse_unit(request.GET["unit"])
        except S.GovernanceError:
            raise Http404 from None
        typed["unit"] = str(ref)
        existing = DxPlan.objects.filter(year=year, **ref.owner).first()
        if existing is not None:
            typed |= {
                "title": existing.title,
                "number": existing.number,
                "issued_on": f"{existing.issued_on:%Y-%m-%d}",
                "period_from": f"{existing.period_from:%Y-%m-%d}",
                "period_to": f"{existing.period_to:%Y-%m-%d}",
                "status": existing.status,
            }
    elif len(units["departments"]) + len(units["communes"]) == 1:
        typed["unit"] = (units["departments"] or units["communes"])[0][0]
    return _render_plan(request, who, year, units, typed=typed, existing=existing)


def _render_plan(request, who, year, units, *, error=None, typed=None, existing=None, status=200):
    if existing is None and typed and typed.get("unit"):
        try:
            existing = DxPlan.objects.filter(year=year, **S.parse_unit(typed["unit"]).owner).first()
        except S.GovernanceError:
            existing = None
    context = _base(request, who, year, "plans") | {
        "units": units,
        "error": error,
        "typed": typed or {},
        "existing": existing,
        "statuses": PlanStatus.choices,
    }
    return render(request, "backoffice/dx_plan.html", context, status=status)


@login_required
def plan_document(request, pk: int):
    """The signed plan (PDF), byte-exact, for every officer."""
    _who(request)
    plan_ = DxPlan.objects.filter(pk=pk).exclude(document_sha256="").first()
    if plan_ is None:
        raise Http404
    try:
        data = path_for(plan_.document_sha256).read_bytes()
    except OSError:
        raise Http404 from None
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ke-hoach-cds-{plan_.year}-{plan_.pk}.pdf"'
    return response


@login_required
def coverage_export(request):
    """The coverage of the year and the units missing a plan, to XLSX."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _who(request)
    year = _year(request)
    data = S.coverage(year)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Bao phủ kế hoạch")
    ws.append([_("Nhóm đơn vị"), _("Có kế hoạch"), _("Tổng số"), _("Tỷ lệ (%)")])
    for g in data["groups"]:
        ws.append([g["label"], g["covered"], g["total"], float(g["rate"]) if g["rate"] is not None else None])
    ws.append([])
    ws.append([_("Đơn vị chưa có kế hoạch năm %(year)s") % {"year": year}])
    for g in data["groups"]:
        for m in g["missing"]:
            ws.append([g["label"], m["name"]])
    for row in (ws[1], ws[len(data["groups"]) + 3]):
        for cell in row:
            cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 60
    return _xlsx(wb, f"ke-hoach-cds-{year}.xlsx")


def _xlsx(wb, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- targets ----------------------------------------------------------------------------------------------------
@login_required
def targets(request):
    """The year's targets with their progress; the province administrator assigns them (one unit, or all
    departments or all communes at once)."""
    who = _who(request)
    return _render_targets(request, who, _year(request))


def _target_filters(request) -> dict:
    return {"indicator": request.GET.get("indicator", "").strip(), "unit": request.GET.get("unit", "").strip()}


def _render_targets(request, who, year, *, error=None, form="", typed=None, status=200):
    filters = _target_filters(request)
    try:
        ref = S.parse_unit(filters["unit"]) if filters["unit"] else None
    except S.GovernanceError:
        raise Http404 from None
    rows = S.targets(year, ref, indicator=filters["indicator"])
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    context = _base(request, who, year, "targets") | {
        "rows": rows,
        "counts": [(k, S.STATUS_LABELS[k], counts.get(k, 0)) for k in S.STATUS_LABELS],
        "filters": filters,
        "indicators": S.indicator_choices(),
        "comparisons": Comparison.choices,
        "units": S.unit_options(year),
        "error": error,
        "form": form,
        "typed": typed or {"comparison": Comparison.AT_LEAST},
        "today": S.today(),
    }
    return render(request, "backoffice/dx_targets.html", context, status=status)


@login_required
@require_POST
def target_assign(request):
    who = _who(request)
    year = _year(request)
    if not S.is_province_admin(who):
        raise Http404
    typed = _typed(request.POST, TARGET_FIELDS)
    try:
        ref = S.parse_unit(typed["unit"])
        governance.assign_target(
            who,
            ref=ref,
            year=year,
            indicator=typed["indicator"],
            comparison=typed["comparison"],
            value=typed["value"],
            note=typed["note"],
        )
    except S.GovernanceError as exc:
        return _render_targets(request, who, year, error=exc, form="one", typed=typed, status=exc.status)
    messages.success(request, _("Đã giao chỉ tiêu năm %(year)s.") % {"year": year})
    return HttpResponseRedirect(f"{reverse('backoffice:dx-targets')}?year={year}")


@login_required
@require_POST
def target_bulk(request):
    who = _who(request)
    year = _year(request)
    if not S.is_province_admin(who):
        raise Http404
    typed = _typed(request.POST, BULK_FIELDS)
    try:
        done = governance.assign_targets_bulk(
            who,
            group=typed["group"],
            year=year,
            indicator=typed["indicator"],
            comparison=typed["comparison"],
            value=typed["value"],
            note=typed["note"],
        )
    except S.GovernanceError as exc:
        return _render_targets(request, who, year, error=exc, form="bulk", typed=typed, status=exc.status)
    messages.success(
        request,
        _("Đã giao chỉ tiêu cho %(units)s đơn vị (%(created)s mới, %(updated)s điều chỉnh).") % done,
    )
    return HttpResponseRedirect(f"{reverse('backoffice:dx-targets')}?year={year}")


@login_required
@require_POST
def target_delete(request, pk: int):
    who = _who(request)
    year = _year(request)
    if not S.is_province_admin(who):
        raise Http404
    try:
        governance.delete_target(who, pk)
    except S.GovernanceError:
        raise Http404 from None
    messages.success(request, _("Đã xóa chỉ tiêu."))
    return HttpResponseRedirect(f"{reverse('backoffice:dx-targets')}?year={year}")


@login_required
def targets_export(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    _who(request)
    year = _year(request)
    filters = _target_filters(request)
    try:
        ref = S.parse_unit(filters["unit"]) if filters["unit"] else None
    except S.GovernanceError:
        raise Http404 from None
    wb = Workbook()
    ws = wb.active
    ws.title = _("Chỉ tiêu %(year)s") % {"year": year}
    ws.append(
        [
            _("Đơn vị"),
            _("Chỉ số"),
            _("Đơn vị tính"),
            _("So sánh"),
            _("Chỉ tiêu"),
            _("Thực hiện đến nay"),
            _("Năm trước"),
            _("Tiến độ (%)"),
            _("Đánh giá"),
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in S.targets(year, ref, indicator=filters["indicator"]):
        ws.append(
            [
                r.unit_label,
                r.indicator_label,
                r.unit_of_measure,
                "≥" if r.target.comparison == Comparison.AT_LEAST else "≤",
                float(r.target.value),
                float(r.actual) if r.actual is not None else None,
                float(r.baseline) if r.baseline is not None else None,
                r.progress,
                r.status_label,
            ]
        )
    for column, width in zip("ABCDEFGHI", (44, 50, 14, 10, 12, 18, 12, 12, 18), strict=True):
        ws.column_dimensions[column].width = width
    return _xlsx(wb, f"chi-tieu-cds-{year}.xlsx")


# ---- digital-economy figures --------------------------------------------------------------------------------------
def _economy_params(request):
    metrics = list(S.metrics())
    if not metrics:
        raise Http404
    key = (request.GET.get("metric") or request.POST.get("metric") or metrics[0].key).strip()
    metric = next((m for m in metrics if m.key == key), None)
    if metric is None:
        raise Http404
    raw = request.GET.get("period") or request.POST.get("period")
    if not raw:
        today = S.today()
        raw = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    try:
        period = S.parse_economy_period(raw)
    except S.GovernanceError as exc:
        return metrics, metric, None, exc
    return metrics, metric, period, None


@login_required
def economy(request):
    who = _who(request)
    metrics, metric, period, period_error = _economy_params(request)
    return _render_economy(request, who, metrics, metric, period, period_error=period_error)


def _render_economy(
    request, who, metrics, metric, period, *, period_error=None, error=None, typed=None, import_error=None, status=200
):
    data = S.economy(metric, period) if period else None
    own = S.own_units(who)
    editable = set()
    if data:
        editable = {r["unit"].pk for r in data["rows"] if S.can_enter_value(who, metric, r["unit"].pk, own=own)}
    context = _base(request, who, period.start.year if period else S.today().year, "economy") | {
        "metrics": metrics,
        "metric": metric,
        "period": period,
        "period_text": period.code if period else request.GET.get("period", ""),
        "period_error": period_error,
        "period_forms": S.PERIOD_FORMS,
        "data": data,
        "editable": editable,
        "error": error,
        "typed": typed or {},
        "import_error": import_error,
    }
    return render(request, "backoffice/dx_economy.html", context, status=status)


@login_required
@require_POST
def economy_enter(request):
    who = _who(request)
    metrics, metric, period, period_error = _economy_params(request)
    if period is None:
        return _render_economy(request, who, metrics, metric, None, period_error=period_error, status=422)
    typed = _typed(request.POST, VALUE_FIELDS)
    unit = AdministrativeUnit.objects.filter(pk=typed["unit"]).first() if typed["unit"].isdigit() else None
    try:
        if unit is None:
            raise S.GovernanceError(_("Chọn đơn vị."), {"unit": _("Chọn đơn vị trong danh sách.")})
        value = S.check_value(metric, typed["value"])
        _row, changed = governance.record_value(
            who, metric=metric, unit=unit, period=period, value=value, note=typed["note"]
        )
    except S.GovernanceError as exc:
        if exc.status == 404:
            raise Http404 from None
        return _render_economy(request, who, metrics, metric, period, error=exc, typed=typed, status=exc.status)
    if changed:
        messages.success(request, _("Đã lưu số liệu của %(unit)s.") % {"unit": unit.name})
    else:
        messages.info(request, _("Số liệu của %(unit)s không thay đổi.") % {"unit": unit.name})
    return HttpResponseRedirect(f"{reverse('backoffice:dx-economy')}?metric={metric.key}&period={period.code}")


@login_required
@require_POST
def economy_import(request):
    who = _who(request)
    metrics, metric, period, period_error = _economy_params(request)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise S.GovernanceError(_("Chọn tệp Excel."), {"file": _("Chọn tệp Excel (.xlsx) theo mẫu.")})
        result = governance.import_values(who, upload.read())
    except S.GovernanceError as exc:
        return _render_economy(
            request, who, metrics, metric, period, period_error=period_error, import_error=exc, status=422
        )
    messages.success(
        request,
        _(
            "Đã nhập tệp: %(created)s số liệu mới, %(corrected)s số liệu điều chỉnh, %(unchanged)s không thay đổi, "
            "%(skipped)s dòng bỏ trống giá trị."
        )
        % {
            "created": result.created,
            "corrected": result.corrected,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
        },
    )
    query = f"metric={metric.key}" + (f"&period={period.code}" if period else "")
    return HttpResponseRedirect(f"{reverse('backoffice:dx-economy')}?{query}")


@login_required
def economy_template(request):
    """The import template, pre-filled with the reporting units of the chosen metric and period."""
    _who(request)
    key = request.GET.get("metric", "").strip()
    metric = EconomyMetric.objects.filter(key=key, active=True).first() if key else None
    if key and metric is None:
        raise Http404
    period = None
    if request.GET.get("period"):
        try:
            period = S.parse_economy_period(request.GET["period"])
        except S.GovernanceError:
            raise Http404 from None
    data = governance.template_xlsx(metric, period)
    name = f"mau-so-lieu-kinh-te-so-{period.code if period else timezone.localdate():}.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
