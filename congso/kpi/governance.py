"""State changes of digital-transformation governance (issue 9 §3): DX plans, annual targets, digital-economy
figures (entered one by one or imported from XLSX).

Each action checks who may act (``governance_selectors``), validates everything before writing, runs in one
transaction and saves with ``update_fields``. Bad input raises :class:`GovernanceError` with a Vietnamese message
per field; nothing is saved then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import filetype
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.core.text import nfc
from congso.dossiers.files import FileRejected, sniff, write_blob
from congso.geo.choices import UnitLevel
from congso.geo.models import AdministrativeUnit, Agency
from congso.kpi import governance_selectors as S
from congso.kpi.governance_selectors import GovernanceError, UnitRef
from congso.kpi.models import (
    Comparison,
    DxPlan,
    DxTarget,
    EconomyMetric,
    EconomyValue,
    MetricKind,
    MetricLevel,
    PlanStatus,
    ValueSource,
)

__all__ = ["GovernanceError"]

# Decree 30/2020/NĐ-CP Art. 15 and Appendix I: "Số: 45/KH-UBND" — a number, then the abbreviations of the kind of
# document and of the issuing body, joined by hyphens.
NUMBER_RE = re.compile(r"\d{1,6}[A-Za-z]?/[0-9A-Za-zĐđ.]+(?:-[0-9A-Za-zĐđ.&]+)*")


def _text(raw, limit: int) -> str:
    return nfc(str(raw or "")).strip()[:limit]


def _date(raw, field_name: str, errors: dict) -> dt.date | None:
    if isinstance(raw, dt.date):
        return raw
    text = str(raw or "").strip()
    if not text:
        errors[field_name] = _("Trường này là bắt buộc.")
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors[field_name] = _("Ngày không hợp lệ; dùng dạng ngày/tháng/năm, ví dụ 15/01/2026.")
    return None


def _exists_in_year(ref: UnitRef, year: int) -> bool:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    model = Agency if ref.kind == "agency" else AdministrativeUnit
    return (
        model.objects.filter(pk=ref.pk)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=end))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .exists()
    )


# ---- DX plans -------------------------------------------------------------------------------------------------------
def check_plan_document(data: bytes) -> None:
    """The signed plan must be a PDF, decided by its bytes (never by the file name)."""
    try:
        sniffed = sniff(data)
    except FileRejected as exc:
        raise GovernanceError(str(exc), {"document": str(exc)}) from None
    if sniffed.extension != "pdf":
        kind = filetype.guess(data)
        message = _("Văn bản kế hoạch phải là tệp PDF đã ký (nội dung tệp là %(mime)s).") % {
            "mime": kind.mime if kind else _("không xác định")
        }
        raise GovernanceError(message, {"document": message})


def record_plan(
    who,
    *,
    ref: UnitRef,
    year: int,
    title: str,
    number: str,
    issued_on,
    period_from,
    period_to,
    status: str = PlanStatus.ISSUED,
    document: bytes | None = None,
    filename: str = "",
    now: dt.datetime | None = None,
) -> DxPlan:
    """Record (or correct) a unit's plan for a year. The unit's own staff or the province administrator; a unit
    that did not exist in the year cannot have a plan for it. An issued plan needs its signed PDF."""
    if not S.can_edit_unit(who, ref):
        raise GovernanceError(_("Không tìm thấy đơn vị."), {"unit": _("Không tìm thấy đơn vị.")}, status=404)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    title, number = _text(title, 501), _text(number, 61).replace(" ", "")
    if not title:
        errors["title"] = _("Nhập trích yếu của kế hoạch.")
    elif len(title) > 500:
        errors["title"] = _("Trích yếu dài tối đa 500 ký tự.")
    if not number:
        errors["number"] = _("Nhập số, ký hiệu của văn bản.")
    elif len(number) > 60 or not NUMBER_RE.fullmatch(number):
        errors["number"] = _("Số, ký hiệu không đúng thể thức; ví dụ 45/KH-UBND (Nghị định 30/2020/NĐ-CP).")
    issued = _date(issued_on, "issued_on", errors)
    start = _date(period_from, "period_from", errors)
    end = _date(period_to, "period_to", errors)
    if issued and issued > timezone.localdate(now):
        errors["issued_on"] = _("Ngày ban hành không được sau hôm nay.")
    elif issued and issued.year > year:
        errors["issued_on"] = _("Kế hoạch năm %(year)s phải được ban hành trước khi hết năm.") % {"year": year}
    if start and end and end < start:
        errors["period_to"] = _("Thời gian thực hiện: ngày kết thúc phải sau ngày bắt đầu.")
    elif start and end and (start > dt.date(year, 12, 31) or end < dt.date(year, 1, 1)):
        errors["period_from"] = _("Thời gian thực hiện phải bao gồm năm %(year)s.") % {"year": year}
    if status not in PlanStatus.values:
        errors["status"] = _("Tình trạng không hợp lệ.")
    if not _exists_in_year(ref, year):
        errors["unit"] = _("Đơn vị không tồn tại trong năm %(year)s (đã sắp xếp hoặc chưa thành lập).") % {"year": year}
    existing = DxPlan.objects.filter(year=year, **ref.owner).first()
    if document:
        try:
            check_plan_document(document)
        except GovernanceError as exc:
            errors.update(exc.fields)
    elif status == PlanStatus.ISSUED and not (existing and existing.document_sha256):
        errors["document"] = _("Đính kèm văn bản kế hoạch đã ký (PDF).")
    if errors:
        raise GovernanceError(_("Chưa lưu được kế hoạch; vui lòng sửa các trường được nêu."), errors)
    values = {
        "title": title,
        "number": number,
        "issued_on": issued,
        "period_from": start,
        "period_to": end,
        "status": status,
        "recorded_by_id": who.user.pk,
        "recorded_at": now,
    }
    if document:
        values |= {
            "document_sha256": write_blob(document),
            "document_name": _text(filename, 255) or f"ke-hoach-{year}.pdf",
            "document_size": len(document),
        }
    with transaction.atomic():
        plan = DxPlan.objects.select_for_update().filter(year=year, **ref.owner).first()
        if plan is None:
            try:
                with transaction.atomic():
                    return DxPlan.objects.create(year=year, **ref.owner, **values)
            except IntegrityError:  # recorded meanwhile by someone else: correct theirs
                plan = DxPlan.objects.select_for_update().get(year=year, **ref.owner)
        for k, v in values.items():
            setattr(plan, k, v)
        plan.save(update_fields=list(values))
        return plan


# ---- annual targets -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetSpec:
    indicator: str
    comparison: str
    value: Decimal
    note: str
    metric: EconomyMetric | None


def _check_target(indicator, comparison, value, note) -> TargetSpec:
    errors: dict[str, str] = {}
    indicator = str(indicator or "").strip()
    metric = None
    if indicator.startswith(S.METRIC_PREFIX):
        metric = EconomyMetric.objects.filter(key=indicator.removeprefix(S.METRIC_PREFIX), active=True).first()
        if metric is None:
            errors["indicator"] = _("Chọn một chỉ số trong danh sách.")
    elif indicator not in S.RATE_LABELS:
        errors["indicator"] = _("Chọn một chỉ số trong danh sách.")
    if comparison not in Comparison.values:
        errors["comparison"] = _("Chọn cách so sánh: ≥ hoặc ≤.")
    parsed = None
    try:
        probe = metric or EconomyMetric(kind=MetricKind.PERCENT)
        parsed = S.check_value(probe, value, field="value")
    except GovernanceError as exc:
        errors.update(exc.fields)
    note = _text(note, 301)
    if len(note) > 300:
        errors["note"] = _("Ghi chú dài tối đa 300 ký tự.")
    if errors:
        raise GovernanceError(_("Chưa giao được chỉ tiêu; vui lòng sửa các trường được nêu."), errors)
    return TargetSpec(indicator, comparison, parsed, note, metric)


def _check_level(spec: TargetSpec, kind: str) -> None:
    """A commune-level metric is a commune's target; a province-level one an agency's (the one answering for it)."""
    if spec.metric is None:
        return
    if spec.metric.level == MetricLevel.COMMUNE and kind != "commune":
        message = _("Chỉ tiêu này là số liệu cấp xã: chỉ giao cho xã, phường.")
    elif spec.metric.level == MetricLevel.PROVINCE and kind != "agency":
        message = _("Chỉ tiêu này là số liệu cấp tỉnh: giao cho sở, ban, ngành chủ trì.")
    else:
        return
    raise GovernanceError(message, {"indicator": message})


def _require_admin(who) -> None:
    if not S.is_province_admin(who):
        raise GovernanceError(
            _("Chỉ Quản trị cấp tỉnh được giao chỉ tiêu."), {"unit": _("Không có quyền giao chỉ tiêu.")}, status=403
        )


def assign_target(
    who, *, ref: UnitRef, year: int, indicator: str, comparison: str, value, note: str = "", now=None
) -> DxTarget:
    """Assign (or change) one unit's target for a year. Province administrator only."""
    _require_admin(who)
    spec = _check_target(indicator, comparison, value, note)
    _check_level(spec, ref.kind)
    if not _exists_in_year(ref, year):
        raise GovernanceError(
            _("Đơn vị không tồn tại trong năm %(year)s.") % {"year": year},
            {"unit": _("Đơn vị không tồn tại trong năm %(year)s.") % {"year": year}},
        )
    return _upsert_targets(who, year, [ref], spec, now or timezone.now())[0]


def assign_targets_bulk(
    who, *, group: str, year: int, indicator: str, comparison: str, value, note: str = "", now=None
) -> dict[str, int]:
    """One target for every department (``departments``) or every commune (``communes``) in force in the year, in
    one transaction (3 queries). Existing targets of the same indicator are changed."""
    _require_admin(who)
    spec = _check_target(indicator, comparison, value, note)
    day = S.reference_day(year)
    if group == "departments":
        refs = [UnitRef("agency", pk) for pk in S.departments(day).values_list("pk", flat=True)]
        kind = "agency"
    elif group == "communes":
        refs = [UnitRef("commune", pk) for pk in S.communes(day).values_list("pk", flat=True)]
        kind = "commune"
    else:
        raise GovernanceError(
            _("Chọn nhóm đơn vị."), {"group": _("Chọn: tất cả sở, ban, ngành hoặc tất cả xã, phường.")}
        )
    _check_level(spec, kind)
    before = DxTarget.objects.filter(year=year, indicator=spec.indicator).count()
    rows = _upsert_targets(who, year, refs, spec, now or timezone.now())
    created = DxTarget.objects.filter(year=year, indicator=spec.indicator).count() - before
    return {"units": len(rows), "created": created, "updated": len(rows) - created}


def _upsert_targets(who, year: int, refs: list[UnitRef], spec: TargetSpec, now) -> list[DxTarget]:
    values = {
        "comparison": spec.comparison,
        "value": spec.value,
        "note": spec.note,
        "assigned_by_id": who.user.pk,
        "assigned_at": now,
    }
    with transaction.atomic():
        existing = {
            S.ref_of(t): t
            for t in DxTarget.objects.select_for_update().filter(
                Q(agency_id__in=[r.pk for r in refs if r.kind == "agency"])
                | Q(commune_id__in=[r.pk for r in refs if r.kind == "commune"]),
                year=year,
                indicator=spec.indicator,
            )
        }
        changed, new = [], []
        for ref in refs:
            t = existing.get(ref)
            if t is None:
                new.append(DxTarget(year=year, indicator=spec.indicator, **ref.owner, **values))
                continue
            for k, v in values.items():
                setattr(t, k, v)
            changed.append(t)
        if changed:
            DxTarget.objects.bulk_update(changed, list(values), batch_size=500)
        if new:
            DxTarget.objects.bulk_create(new, batch_size=500)
    return changed + new


def delete_target(who, pk: int) -> None:
    _require_admin(who)
    with transaction.atomic():
        deleted, _detail = DxTarget.objects.filter(pk=pk).delete()
    if not deleted:
        raise GovernanceError(_("Không tìm thấy chỉ tiêu."), status=404)


# ---- digital-economy figures ----------------------------------------------------------------------------------------
def _unit_reports(metric: EconomyMetric, unit: AdministrativeUnit, period: S.EconomyPeriod) -> bool:
    if metric.level == MetricLevel.PROVINCE:
        return unit.key == S.PROVINCE_KEY
    if unit.level != UnitLevel.COMMUNE:
        return False
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or unit.valid_to >= period.start
    )


def record_value(
    who,
    *,
    metric: EconomyMetric,
    unit: AdministrativeUnit,
    period: S.EconomyPeriod,
    value: Decimal,
    note: str = "",
    source: str = ValueSource.FORM,
    import_sha256: str = "",
    now: dt.datetime | None = None,
    checked: bool = False,
) -> tuple[EconomyValue, bool]:
    """Enter a figure. The same figure again changes nothing (``False``); a different one is a new revision and the
    previous one stays, no longer current. Returns the current revision and whether it is new."""
    if not checked:
        if not S.can_enter_value(who, metric, unit.pk):
            raise GovernanceError(_("Không tìm thấy đơn vị."), {"unit": _("Không tìm thấy đơn vị.")}, status=404)
        if not _unit_reports(metric, unit, period):
            message = _("%(unit)s không báo cáo chỉ tiêu này cho kỳ %(period)s.") % {
                "unit": unit.name,
                "period": period.code,
            }
            raise GovernanceError(message, {"unit": message})
    note = _text(note, 300)
    with transaction.atomic():
        current = (
            EconomyValue.objects.select_for_update()
            .filter(metric=metric, unit=unit, period=period.code, current=True)
            .first()
        )
        if current is not None and current.value == value and current.note == note:
            return current, False
        revision = 1
        if current is not None:
            current.current = False
            current.save(update_fields=["current"])
            revision = current.revision + 1
        created = EconomyValue.objects.create(
            metric=metric,
            unit=unit,
            period=period.code,
            period_kind=period.kind,
            period_end=period.end,
            value=value,
            note=note,
            revision=revision,
            current=True,
            source=source,
            import_sha256=import_sha256,
            entered_by_id=who.user.pk,
            entered_at=now or timezone.now(),
        )
        return created, True


# ---- XLSX import ----------------------------------------------------------------------------------------------------
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ("Mã chỉ tiêu", "Mã đơn vị hành chính", "Tên đơn vị", "Kỳ", "Giá trị", "Ghi chú")
SHEET = "Số liệu"
MAX_ROWS = 20_000


@dataclass
class ImportResult:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(GovernanceError):
    """Some rows are bad: ``rows`` lists (row number, Vietnamese reason); nothing was imported."""

    def __init__(self, rows: list[tuple[int, str]]):
        super().__init__(
            _("Tệp có %(n)s dòng lỗi; chưa nhập dòng nào. Sửa các dòng được nêu rồi nhập lại.") % {"n": len(rows)}
        )
        self.rows = rows


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return nfc(str(v)).strip()


def import_values(who, data: bytes, *, now: dt.datetime | None = None) -> ImportResult:
    """Import figures from the XLSX template (sheet "Số liệu"). Every row is checked first; when any row is bad,
    nothing is imported and every bad row is reported with its number and reason. Importing the same file again
    changes nothing (unchanged figures are not new revisions). Rows without a value are skipped."""
    from openpyxl import load_workbook

    try:
        sniffed = sniff(data)
    except FileRejected as exc:
        raise GovernanceError(str(exc), {"file": str(exc)}) from None
    if sniffed.extension != "xlsx":
        message = _("Tệp nhập phải là bảng tính Excel (.xlsx) theo mẫu.")
        raise GovernanceError(message, {"file": message})
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        message = _("Không đọc được tệp Excel; hãy lưu lại tệp theo mẫu (.xlsx) rồi thử lại.")
        raise GovernanceError(message, {"file": message}) from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, ())][: len(HEADERS)]
    if tuple(header) != HEADERS:
        message = _("Dòng 1 phải là dòng tiêu đề của mẫu: %(h)s.") % {"h": ", ".join(HEADERS)}
        raise ImportRejected([(1, message)])
    digest = hashlib.sha256(data).hexdigest()
    metrics = {m.key: m for m in EconomyMetric.objects.filter(active=True)}
    raw_rows = []
    for number, row in enumerate(rows, start=2):
        cells = [_cell(v) for v in (tuple(row) + (None,) * len(HEADERS))[: len(HEADERS)]]
        if not any(cells):
            continue
        if number > MAX_ROWS + 1:
            raise ImportRejected([(number, _("Tệp có quá %(n)s dòng; hãy chia thành nhiều tệp.") % {"n": MAX_ROWS})])
        raw_rows.append((number, cells, row[3] if len(row) > 3 else None))
    codes = {cells[1] for _n, cells, _p in raw_rows}
    units_by_code: dict[str, list[AdministrativeUnit]] = {}
    for u in AdministrativeUnit.objects.filter(code__in=codes, level__in=[UnitLevel.COMMUNE, UnitLevel.PROVINCE]):
        units_by_code.setdefault(u.code, []).append(u)
    own = S.own_units(who)
    result = ImportResult()
    plan: list[tuple] = []
    seen: dict[tuple, int] = {}
    for number, (key, code, _name, _period_text, value_text, note), raw_period in raw_rows:
        metric = metrics.get(key)
        if metric is None:
            result.errors.append((number, _("Mã chỉ tiêu “%(k)s” không có trong danh mục.") % {"k": key}))
            continue
        try:
            period = S.parse_economy_period(raw_period, field="period")
        except GovernanceError as exc:
            result.errors.append((number, exc.fields.get("period", exc.message)))
            continue
        unit = _unit_for(units_by_code.get(code, []), metric, period)
        if unit is None:
            result.errors.append(
                (
                    number,
                    _("Mã đơn vị “%(c)s” không phải đơn vị báo cáo chỉ tiêu này trong kỳ %(p)s.")
                    % {"c": code, "p": period.code},
                )
            )
            continue
        if not S.can_enter_value(who, metric, unit.pk, own=own):
            result.errors.append((number, _("Bạn không được nhập số liệu của %(u)s.") % {"u": unit.name}))
            continue
        slot = (metric.pk, unit.pk, period.code)
        if slot in seen:
            result.errors.append((number, _("Trùng chỉ tiêu, đơn vị và kỳ với dòng %(n)s.") % {"n": seen[slot]}))
            continue
        seen[slot] = number
        if not value_text:
            result.skipped += 1
            continue
        try:
            value = S.check_value(metric, value_text)
        except GovernanceError as exc:
            result.errors.append((number, exc.fields.get("value", exc.message)))
            continue
        if len(note) > 300:
            result.errors.append((number, _("Ghi chú dài tối đa 300 ký tự.")))
            continue
        plan.append((metric, unit, period, value, note))
    if result.errors:
        raise ImportRejected(result.errors)
    now = now or timezone.now()
    with transaction.atomic():
        for metric, unit, period, value, note in plan:
            row, new = record_value(
                who,
                metric=metric,
                unit=unit,
                period=period,
                value=value,
                note=note,
                source=ValueSource.IMPORT,
                import_sha256=digest,
                now=now,
                checked=True,
            )
            if not new:
                result.unchanged += 1
            elif row.revision == 1:
                result.created += 1
            else:
                result.corrected += 1
    return result


def _unit_for(candidates: list[AdministrativeUnit], metric: EconomyMetric, period: S.EconomyPeriod):
    """A GSO code names the unit in force in the period (codes are reused across reforms); when two were (a period
    spanning the reform), the one in force at its end."""
    fitting = [u for u in candidates if _unit_reports(metric, u, period)]
    if len(fitting) > 1:
        day = min(period.end, S.today())
        at_end = [u for u in fitting if (u.valid_from or dt.date.min) <= day <= (u.valid_to or dt.date.max)]
        fitting = at_end or fitting
    return fitting[0] if fitting else None


def template_xlsx(metric: EconomyMetric | None = None, period: S.EconomyPeriod | None = None) -> bytes:
    """The import template: sheet "Số liệu" pre-filled with every reporting unit of the chosen metric(s) for the
    period (values blank), and a sheet listing the metrics and the accepted period forms."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    chosen = [metric] if metric else list(S.metrics())
    if period is not None:
        for m in chosen:
            for u in S.metric_units(m, period):
                ws.append([m.key, u.code, u.name, period.code, None, None])
    for column, width in zip("ABCDEF", (22, 22, 36, 12, 12, 40), strict=True):
        ws.column_dimensions[column].width = width
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.number_format = "@"
    guide = wb.create_sheet(_("Hướng dẫn"))
    guide.append([_("Mã chỉ tiêu"), _("Tên chỉ tiêu"), _("Đơn vị tính"), _("Cấp báo cáo"), _("Cách xác định")])
    for c in guide[1]:
        c.font = Font(bold=True)
    for m in S.metrics():
        guide.append([m.key, m.name, m.unit_label, str(MetricLevel(m.level).label), m.description])
    guide.append([])
    guide.append([_("Kỳ"), S.PERIOD_FORMS])
    guide.append([_("Giá trị"), _("Số không âm, tối đa 2 chữ số thập phân; tỷ lệ từ 0 đến 100; để trống để bỏ qua.")])
    guide.append([_("Mã đơn vị"), _("Mã đơn vị hành chính (mã thống kê) của xã, phường; 38 cho số liệu cấp tỉnh.")])
    for column, width in zip("ABCDE", (22, 60, 14, 12, 80), strict=True):
        guide.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
