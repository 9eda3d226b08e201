"""Reads of digital-transformation governance (issue 9 §3): plan coverage, annual targets with live progress,
digital-economy figures with their history, and who may change what.

A *unit* is a province-level agency (*sở, ban, ngành*) or a commune (*xã, phường*: the administrative unit, since
communes before the 1 Jul 2025 reform have no agency record). Coverage counts the units that exist in the year
(domain §1: the 166 communes from 1 Jul 2025, the pre-reform ones before). Progress against a rate target reads
the KPI cells (``kpi.selectors.cells``) of the year to date, with the cells of the unit's predecessors rolled up;
never the dossiers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.accounts.choices import READ_ONLY_ROLES, Role
from congso.geo.choices import AgencyKind, UnitLevel
from congso.geo.models import AdministrativeUnit, Agency
from congso.kpi import facts, formulas
from congso.kpi.models import (
    Comparison,
    DxPlan,
    DxTarget,
    EconomyMetric,
    EconomyValue,
    MetricKind,
    MetricLevel,
    PeriodKind,
    PlanStatus,
)
from congso.kpi.selectors import Period, sums_by

PROVINCE_KEY = "38"  # Thanh Hóa (data/geo/units.json)
# Province-level units that report a plan ("sở, ban, ngành"): departments and boards, the Office of the People's
# Committee, the provincial Police.
DEPARTMENT_KINDS = (AgencyKind.DEPARTMENT, AgencyKind.PROVINCE_OFFICE, AgencyKind.POLICE)
COMMUNE_AGENCY_KINDS = (AgencyKind.COMMUNE_PC, AgencyKind.COMMUNE_ONE_STOP)
METRIC_PREFIX = "metric:"

# Rates of kpi.formulas a target may name, with their labels.
RATE_LABELS = {
    "on_time": gettext_lazy("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn"),
    "online": gettext_lazy("Tỷ lệ hồ sơ trực tuyến (có kết quả điện tử)"),
    "online_share": gettext_lazy("Tỷ lệ hồ sơ nộp trực tuyến"),
    "online_payment": gettext_lazy("Tỷ lệ hồ sơ thanh toán trực tuyến"),
    "digitisation": gettext_lazy("Tỷ lệ số hóa hồ sơ, kết quả"),
    "reuse": gettext_lazy("Tỷ lệ tái sử dụng dữ liệu số hóa"),
    "person_signature": gettext_lazy("Tỷ lệ kết quả có chữ ký số cá nhân"),
    "agency_signature": gettext_lazy("Tỷ lệ kết quả có chữ ký số cơ quan"),
    "synced": gettext_lazy("Tỷ lệ hồ sơ đồng bộ Cổng DVC quốc gia"),
    "satisfaction": gettext_lazy("Mức độ hài lòng"),
}


class GovernanceError(Exception):
    """Bad input: a Vietnamese ``message`` and per-field messages; ``status`` for the API (422, 403, 404)."""

    def __init__(self, message: str, fields: dict[str, str] | None = None, status: int = 422):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.status = status


# ---- years and units ------------------------------------------------------------------------------------------------
def today() -> dt.date:
    return timezone.localdate()


def check_year(raw, field: str = "year") -> int:
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        raise GovernanceError(_("Năm không hợp lệ."), {field: _("Nhập năm gồm 4 chữ số, ví dụ 2026.")}) from None
    if not 2015 <= year <= today().year + 5:
        raise GovernanceError(
            _("Năm không hợp lệ."), {field: _("Năm phải từ 2015 đến %(max)s.") % {"max": today().year + 5}}
        )
    return year


def reference_day(year: int, on: dt.date | None = None) -> dt.date:
    """The day whose units count for a year: 31 Dec, or today while the year runs, or 1 Jan of a future year."""
    on = on or today()
    return min(dt.date(year, 12, 31), max(on, dt.date(year, 1, 1)))


def departments(on: dt.date):
    return Agency.objects.valid_on(on).filter(kind__in=DEPARTMENT_KINDS).order_by("name")


def communes(on: dt.date):
    """The communes of the province in force on a day (before the reform under a district, after it directly)."""
    return (
        AdministrativeUnit.objects.valid_on(on)
        .filter(level=UnitLevel.COMMUNE)
        .filter(Q(parent__key=PROVINCE_KEY) | Q(parent__parent__key=PROVINCE_KEY))
        .order_by("name", "pk")
    )


def province_unit() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(key=PROVINCE_KEY)


@dataclass(frozen=True)
class UnitRef:
    """A unit that plans and gets targets: ``agency:<id>`` or ``commune:<id>``."""

    kind: str  # "agency" | "commune"
    pk: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.pk}"

    @property
    def owner(self) -> dict:
        return {"agency_id": self.pk} if self.kind == "agency" else {"commune_id": self.pk}


def ref_of(obj) -> UnitRef:
    return UnitRef("agency", obj.agency_id) if obj.agency_id else UnitRef("commune", obj.commune_id)


def parse_unit(text, field: str = "unit") -> UnitRef:
    """``agency:12`` or ``commune:345`` naming an existing province-level agency or commune, else an error (404 when
    well-formed but unknown)."""
    m = re.fullmatch(r"(agency|commune):(\d{1,18})", str(text or "").strip())
    if not m:
        raise GovernanceError(
            _("Đơn vị không hợp lệ."), {field: _("Chọn một cơ quan hoặc một xã, phường trong danh sách.")}
        )
    ref = UnitRef(m[1], int(m[2]))
    if ref.kind == "agency":
        ok = Agency.objects.filter(pk=ref.pk, kind__in=DEPARTMENT_KINDS).exists()
    else:
        ok = AdministrativeUnit.objects.filter(pk=ref.pk, level=UnitLevel.COMMUNE).exists()
    if not ok:
        raise GovernanceError(_("Không tìm thấy đơn vị."), {field: _("Không tìm thấy đơn vị.")}, status=404)
    return ref


def unit_labels(refs) -> dict[UnitRef, str]:
    refs = set(refs)
    agencies = [r.pk for r in refs if r.kind == "agency"]
    units = [r.pk for r in refs if r.kind == "commune"]
    out: dict[UnitRef, str] = {}
    if agencies:
        out.update(
            {UnitRef("agency", pk): n for pk, n in Agency.objects.filter(pk__in=agencies).values_list("pk", "name")}
        )
    if units:
        for pk, name, valid_to in AdministrativeUnit.objects.filter(pk__in=units).values_list("pk", "name", "valid_to"):
            out[UnitRef("commune", pk)] = (
                name
                if valid_to is None
                else _("%(name)s (đến %(day)s)") % {"name": name, "day": f"{valid_to:%d/%m/%Y}"}
            )
    return out


def unit_options(year: int) -> dict[str, list[tuple[str, str]]]:
    """The units of a year for a form's select: departments, then communes."""
    on = reference_day(year)
    return {
        "departments": [(str(UnitRef("agency", a.pk)), a.name) for a in departments(on)],
        "communes": [(str(UnitRef("commune", u.pk)), u.name) for u in communes(on)],
    }


# ---- who may change what -----------------------------------------------------------------------------------------
def is_province_admin(who) -> bool:
    return who.scope_agency_id is None and any(Role.PROVINCE_ADMIN in r for r in who.roles.values())


def _editing_agencies(who) -> list[int]:
    """Agencies where the caller holds a role that may change things (an auditor only reads)."""
    return [pk for pk, roles in who.roles.items() if roles - READ_ONLY_ROLES]


def own_units(who) -> set[UnitRef]:
    """The units whose plan and figures the caller's own staff role lets them edit: their province-level agencies,
    and the commune of their commune People's Committee or one-stop centre."""
    ids = _editing_agencies(who)
    out: set[UnitRef] = set()
    for pk, kind, unit_id in Agency.objects.filter(pk__in=ids).values_list("pk", "kind", "unit_id"):
        if kind in DEPARTMENT_KINDS:
            out.add(UnitRef("agency", pk))
        elif kind in COMMUNE_AGENCY_KINDS:
            out.add(UnitRef("commune", unit_id))
    return out


def can_edit_unit(who, ref: UnitRef) -> bool:
    return is_province_admin(who) or ref in own_units(who)


def can_enter_value(who, metric: EconomyMetric, unit_id: int, *, own: set[UnitRef] | None = None) -> bool:
    """Province administrator; the staff of the metric's responsible agency (for every unit); a commune's own staff
    for a commune-level metric."""
    if is_province_admin(who):
        return True
    if metric.responsible_slug:
        responsible = Agency.objects.filter(slug=metric.responsible_slug).values_list("pk", flat=True).first()
        if responsible in _editing_agencies(who):
            return True
    if metric.level == MetricLevel.COMMUNE:
        return UnitRef("commune", unit_id) in (own if own is not None else own_units(who))
    return False


# ---- coverage -------------------------------------------------------------------------------------------------------
def coverage(year: int, on: dt.date | None = None) -> dict:
    """Issued plans of the year among the units in force on ``reference_day(year)``: "x/y sở, ban, ngành; x/y xã,
    phường", with the units missing a plan. Three queries."""
    day = reference_day(year, on)
    planned = DxPlan.objects.filter(year=year, status=PlanStatus.ISSUED).values_list("agency_id", "commune_id")
    with_plan_agencies, with_plan_communes = set(), set()
    for agency_id, commune_id in planned:
        (with_plan_agencies if agency_id else with_plan_communes).add(agency_id or commune_id)
    out = {"year": year, "on": day, "groups": []}
    for key, label, rows in (
        ("departments", _("sở, ban, ngành"), list(departments(day).values_list("pk", "name"))),
        ("communes", _("xã, phường"), [(u.pk, u.name) for u in communes(day)]),
    ):
        have = with_plan_agencies if key == "departments" else with_plan_communes
        kind = "agency" if key == "departments" else "commune"
        missing = [{"unit": str(UnitRef(kind, pk)), "name": name} for pk, name in rows if pk not in have]
        total = len(rows)
        covered = total - len(missing)
        out["groups"].append(
            {
                "key": key,
                "label": label,
                "covered": covered,
                "total": total,
                "rate": formulas.percent(covered, total),
                "missing": missing,
            }
        )
    out["summary"] = "; ".join(f"{g['covered']}/{g['total']} {g['label']}" for g in out["groups"])
    return out


def plans(year: int, ref: UnitRef | None = None):
    qs = DxPlan.objects.filter(year=year).select_related("agency", "commune", "recorded_by")
    if ref is not None:
        qs = qs.filter(**ref.owner)
    return qs.order_by("agency__name", "commune__name")


# ---- indicators a target may name ---------------------------------------------------------------------------------
def metrics(active_only: bool = True):
    qs = EconomyMetric.objects.all()
    return qs.filter(active=True) if active_only else qs


def indicator_choices() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in RATE_LABELS.items()] + [
        (METRIC_PREFIX + m.key, f"{m.name} ({m.unit_label})") for m in metrics()
    ]


def indicator_label(key: str, metric_names: dict[str, EconomyMetric] | None = None) -> str:
    if key in RATE_LABELS:
        return str(RATE_LABELS[key])
    metric = (metric_names or {}).get(key.removeprefix(METRIC_PREFIX))
    return metric.name if metric else key


def indicator_unit(key: str, metric_names: dict[str, EconomyMetric] | None = None) -> str:
    if key in RATE_LABELS:
        return "%"
    metric = (metric_names or {}).get(key.removeprefix(METRIC_PREFIX))
    return metric.unit_label if metric else ""


# ---- progress -------------------------------------------------------------------------------------------------------
STATUS_LABELS = {
    "met": gettext_lazy("Đạt"),
    "on_track": gettext_lazy("Đúng tiến độ"),
    "behind": gettext_lazy("Chậm tiến độ"),
    "missed": gettext_lazy("Không đạt"),
    "no_data": gettext_lazy("Chưa có số liệu"),
}


def meets(actual: Decimal, target: Decimal, comparison: str) -> bool:
    return actual >= target if comparison == Comparison.AT_LEAST else actual <= target


def elapsed_share(year: int, day: dt.date) -> Decimal:
    """The share of the year gone by the end of ``day`` (0 before it starts, 1 after it ends)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if day < start:
        return Decimal(0)
    if day >= end:
        return Decimal(1)
    return Decimal((day - start).days + 1) / Decimal((end - start).days)


def status(
    actual: Decimal | None, target: Decimal, comparison: str, *, year: int, day: dt.date, baseline: Decimal | None
) -> str:
    """*Đạt* when the figure to date satisfies the target; after the year, *không đạt* otherwise. During the year,
    *đúng tiến độ* when the figure has covered at least the elapsed share of the year's way from last year's figure
    (the baseline) to the target, else *chậm tiến độ* (also when there is no baseline to measure the way from)."""
    if actual is None:
        return "no_data"
    if meets(actual, target, comparison):
        return "met"
    if day > dt.date(year, 12, 31):
        return "missed"
    if baseline is None:
        return "behind"
    expected = baseline + (target - baseline) * elapsed_share(year, day)
    return "on_track" if meets(actual, expected, comparison) else "behind"


def progress_percent(actual: Decimal | None, target: Decimal, comparison: str) -> int:
    """How far along the bar is, 0–100: actual ÷ target for "≥", target ÷ actual for "≤"."""
    if actual is None:
        return 0
    if comparison == Comparison.AT_LEAST:
        share = Decimal(100) if target <= 0 else Decimal(100) * actual / target
    else:
        share = Decimal(100) if actual <= target or actual == 0 else Decimal(100) * target / actual
    return int(max(Decimal(0), min(Decimal(100), share)))


def _absorbed(through, from_col: str, to_col: str, order: str, codes: dict[int, str] | None = None) -> dict:
    """unit → the units whose history rolls up into it (kpi.selectors' walk: follow successors, preferring the one
    that kept the code, else the first by key), itself excluded."""
    successors: dict[int, list[int]] = {}
    for a, b in through.objects.order_by(order).values_list(from_col, to_col):
        successors.setdefault(a, []).append(b)
    out: dict[int, set[int]] = {}
    for start in successors:
        seen, node = {start}, start
        while successors.get(node):
            options = successors[node]
            same = [s for s in options if codes and codes.get(s) == codes.get(node)]
            node = (same or options)[0]
            if node in seen:
                break
            seen.add(node)
            out.setdefault(node, set()).add(start)
    return out


def _unit_absorbed() -> dict[int, set[int]]:
    through = AdministrativeUnit.successors.through
    ids = set(through.objects.values_list("from_administrativeunit_id", flat=True)) | set(
        through.objects.values_list("to_administrativeunit_id", flat=True)
    )
    codes = dict(AdministrativeUnit.objects.filter(pk__in=ids).values_list("pk", "code"))
    return _absorbed(
        through, "from_administrativeunit_id", "to_administrativeunit_id", "to_administrativeunit__key", codes
    )


def _agency_absorbed() -> dict[int, set[int]]:
    return _absorbed(Agency.successors.through, "from_agency_id", "to_agency_id", "to_agency__slug")


def _sums(period: Period, column: str) -> dict[int, dict[str, int]]:
    return sums_by(period, "agency" if column == "agency_id" else "commune")


def _rate(name: str, by_key: dict[int, dict[str, int]], keys) -> tuple[Decimal | None, int, int]:
    total = dict.fromkeys(facts.COUNTERS, 0)
    for key in keys:
        for n, v in by_key.get(key, {}).items():
            total[n] += v
    if name == "satisfaction":
        s = formulas.satisfaction(total)
        return s.rate, total["ended"], total["received"]
    r = formulas.RATES[name](total)
    return r.rate, r.numerator, r.denominator


def _ytd(year: int, day: dt.date) -> Period | None:
    if day < dt.date(year, 1, 1):
        return None
    last = min(day, dt.date(year, 12, 31))
    end = dt.date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    return Period(dt.date(year, 1, 1), end, _("Năm %(year)s (đến %(day)s)") % {"year": year, "day": f"{last:%d/%m/%Y}"})


@dataclass
class TargetRow:
    target: DxTarget
    unit: UnitRef
    unit_label: str
    indicator_label: str
    unit_of_measure: str
    actual: Decimal | None
    baseline: Decimal | None
    numerator: int | None
    denominator: int | None
    status: str
    progress: int

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def as_dict(self) -> dict:
        t = self.target
        return {
            "id": t.pk,
            "year": t.year,
            "unit": str(self.unit),
            "unit_label": self.unit_label,
            "indicator": t.indicator,
            "indicator_label": self.indicator_label,
            "unit_of_measure": self.unit_of_measure,
            "comparison": t.comparison,
            "target": t.value,
            "actual": self.actual,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "baseline": self.baseline,
            "status": self.status,
            "status_label": self.status_label,
            "progress": self.progress,
        }


def targets(year: int, ref: UnitRef | None = None, *, indicator: str = "", on: dt.date | None = None) -> list:
    """Every target of a year (of one unit, of one indicator) with its figure to date, last year's figure, status
    and progress. At most 4 cell queries (year to date and last year, by agency and by commune) and 1 of values."""
    day = on or today()
    qs = DxTarget.objects.filter(year=year)
    if ref is not None:
        qs = qs.filter(**ref.owner)
    if indicator:
        qs = qs.filter(indicator=indicator)
    rows = list(qs.order_by("indicator", "pk"))
    if not rows:
        return []
    metric_by_key = {m.key: m for m in EconomyMetric.objects.all()}
    refs = [ref_of(t) for t in rows]
    labels = unit_labels(refs)
    rate_kinds = {("agency" if t.agency_id else "commune") for t in rows if t.indicator in RATE_LABELS}
    current = _ytd(year, day)
    previous = Period(dt.date(year - 1, 1, 1), dt.date(year, 1, 1), str(year - 1))
    sums, absorbed = {}, {}
    for kind in rate_kinds:
        column = "agency_id" if kind == "agency" else "unit_id"
        sums[kind] = (_sums(current, column) if current else {}, _sums(previous, column))
        absorbed[kind] = _agency_absorbed() if kind == "agency" else _unit_absorbed()
    values = _metric_values(year, rows, metric_by_key)
    province_id = None
    if values:
        province_id = AdministrativeUnit.objects.filter(key=PROVINCE_KEY).values_list("pk", flat=True).first()
    out = []
    for t, r in zip(rows, refs, strict=True):
        numerator = denominator = None
        if t.indicator in RATE_LABELS:
            now_sums, before_sums = sums[r.kind]
            keys = {r.pk, *absorbed[r.kind].get(r.pk, ())}
            actual, numerator, denominator = _rate(t.indicator, now_sums, keys)
            baseline = _rate(t.indicator, before_sums, keys)[0]
        else:
            key = t.indicator.removeprefix(METRIC_PREFIX)
            metric = metric_by_key.get(key)
            unit_id = _metric_unit_id(metric, r, province_id)
            actual = values.get((key, unit_id, year))
            baseline = values.get((key, unit_id, year - 1))
        out.append(
            TargetRow(
                target=t,
                unit=r,
                unit_label=labels.get(r, str(r)),
                indicator_label=indicator_label(t.indicator, metric_by_key),
                unit_of_measure=indicator_unit(t.indicator, metric_by_key),
                actual=actual,
                baseline=baseline,
                numerator=numerator,
                denominator=denominator,
                status=status(actual, t.value, t.comparison, year=year, day=day, baseline=baseline),
                progress=progress_percent(actual, t.value, t.comparison),
            )
        )
    out.sort(key=lambda row: (row.indicator_label, row.unit.kind, row.unit_label))
    return out


def _metric_unit_id(metric: EconomyMetric | None, ref: UnitRef, province_id: int | None) -> int | None:
    """Whose figures a metric target reads: the commune's own for a commune-level metric; the province's for a
    province-level one (assigned to the agency that answers for it)."""
    if metric is None:
        return None
    if metric.level == MetricLevel.COMMUNE:
        return ref.pk if ref.kind == "commune" else None
    return province_id


PERIOD_RANK = {PeriodKind.YEAR: 3, PeriodKind.QUARTER: 2, PeriodKind.MONTH: 1}


def _metric_values(year: int, rows, metric_by_key) -> dict[tuple[str, int, int], Decimal]:
    """(metric key, unit id, year) → the figure of the latest period ending in that year (for the same end, a year
    figure before a quarter's before a month's), for this year and the last."""
    keys = {t.indicator.removeprefix(METRIC_PREFIX) for t in rows if t.indicator.startswith(METRIC_PREFIX)}
    if not keys:
        return {}
    qs = EconomyValue.objects.filter(
        current=True,
        metric__key__in=keys,
        period_end__gte=dt.date(year - 1, 1, 1),
        period_end__lte=dt.date(year, 12, 31),
    ).values_list("metric__key", "unit_id", "period_end", "period_kind", "value")
    best: dict[tuple[str, int, int], tuple] = {}
    for key, unit_id, end, kind, value in qs:
        slot = (key, unit_id, end.year)
        rank = (end, PERIOD_RANK.get(kind, 0))
        if slot not in best or rank > best[slot][0]:
            best[slot] = (rank, value)
    return {slot: value for slot, (_rank, value) in best.items()}


# ---- digital-economy periods and figures ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EconomyPeriod:
    code: str  # 2026-11, 2026-Q4, 2026
    kind: str
    start: dt.date
    end: dt.date  # last day, inclusive

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("Tháng %(m)s") % {"m": f"{self.start:%m/%Y}"}
        if self.kind == PeriodKind.QUARTER:
            return _("Quý %(q)s/%(y)s") % {"q": self.code[-1], "y": self.start.year}
        return _("Năm %(y)s") % {"y": self.start.year}


PERIOD_FORMS = "2026-11, 11/2026 (tháng); 2026-Q4, Quý 4/2026 (quý); 2026 (năm)"


def parse_economy_period(raw, field: str = "period") -> EconomyPeriod:
    """A month, a quarter or a year, in the canonical or the usual Vietnamese form; not a future period."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        raw = f"{raw:%Y-%m}"
    text = re.sub(r"\s+", " ", str(raw if raw is not None else "")).strip().upper()
    text = text.removesuffix(".0")
    year = month = quarter = None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        year, month = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(?:THÁNG )?(\d{1,2})/(\d{4})", text):
        month, year = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{4})-Q([1-4])", text) or re.fullmatch(r"Q([1-4])[/-](\d{4})", text):
        quarter, year = (int(m[2]), int(m[1])) if text[0].isdigit() else (int(m[1]), int(m[2]))
    elif m := re.fullmatch(r"QUÝ ([1-4]|I{1,3}|IV)[/ ](?:NĂM )?(\d{4})", text):
        quarter = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(m[1]) or int(m[1])
        year = int(m[2])
    elif m := re.fullmatch(r"(?:NĂM )?(\d{4})", text):
        year = int(m[1])
    error = GovernanceError(
        _("Kỳ không hợp lệ."), {field: _("Kỳ không hợp lệ; dùng dạng %(f)s.") % {"f": PERIOD_FORMS}}
    )
    if year is None or not 2015 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise error
    if month is not None:
        start = dt.date(year, month, 1)
        end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        period = EconomyPeriod(f"{year}-{month:02d}", PeriodKind.MONTH, start, end)
    elif quarter is not None:
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
        period = EconomyPeriod(f"{year}-Q{quarter}", PeriodKind.QUARTER, start, end)
    else:
        period = EconomyPeriod(str(year), PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if period.start > today():
        raise GovernanceError(
            _("Kỳ chưa bắt đầu."),
            {field: _("Chưa thể nhập số liệu cho kỳ %(p)s: kỳ chưa bắt đầu.") % {"p": period.code}},
        )
    return period


def metric_units(metric: EconomyMetric, period: EconomyPeriod):
    """The units that report a metric for a period: the communes in force at its end, or the province."""
    if metric.level == MetricLevel.PROVINCE:
        return AdministrativeUnit.objects.filter(key=PROVINCE_KEY)
    return communes(min(period.end, today()))


def check_value(metric: EconomyMetric, raw, field: str = "value") -> Decimal:
    """A non-negative number with at most 2 decimals (a comma is a decimal comma); a percentage ≤ 100; a count whole."""
    text = str(raw if raw is not None else "").strip().replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise ValueError
    except (ArithmeticError, ValueError):
        raise GovernanceError(_("Giá trị không hợp lệ."), {field: _("Giá trị phải là một số, ví dụ 97,5.")}) from None
    if value < 0:
        raise GovernanceError(_("Giá trị không hợp lệ."), {field: _("Giá trị không được âm.")})
    if value != value.quantize(Decimal("0.01")):
        raise GovernanceError(_("Giá trị không hợp lệ."), {field: _("Giá trị có tối đa 2 chữ số thập phân.")})
    if metric.kind == MetricKind.PERCENT and value > 100:
        raise GovernanceError(_("Giá trị không hợp lệ."), {field: _("Tỷ lệ phải từ 0 đến 100 (%).")})
    if metric.kind == MetricKind.COUNT and value != value.to_integral_value():
        raise GovernanceError(_("Giá trị không hợp lệ."), {field: _("Số lượng phải là số nguyên.")})
    if value >= Decimal("1e12"):
        raise GovernanceError(_("Giá trị không hợp lệ."), {field: _("Giá trị quá lớn.")})
    return value.quantize(Decimal("0.01"))


def economy(metric: EconomyMetric, period: EconomyPeriod, unit_id: int | None = None) -> dict:
    """The figures of a metric for a period: every reporting unit, its current value and its earlier revisions (who
    entered them and when), and how many units reported. Two queries."""
    units = (
        list(metric_units(metric, period)) if unit_id is None else list(AdministrativeUnit.objects.filter(pk=unit_id))
    )
    revisions = (
        EconomyValue.objects.filter(metric=metric, period=period.code, unit_id__in=[u.pk for u in units])
        .select_related("entered_by")
        .order_by("unit_id", "-revision")
    )
    by_unit: dict[int, list[EconomyValue]] = {}
    for v in revisions:
        by_unit.setdefault(v.unit_id, []).append(v)
    rows = []
    for u in units:
        history = by_unit.get(u.pk, [])
        current = next((v for v in history if v.current), None)
        rows.append({"unit": u, "current": current, "history": [v for v in history if v is not current]})
    reported = sum(1 for r in rows if r["current"] is not None)
    return {"metric": metric, "period": period, "rows": rows, "reported": reported, "total": len(rows)}


def value_dict(v: EconomyValue) -> dict:
    return {
        "value": v.value,
        "revision": v.revision,
        "current": v.current,
        "note": v.note,
        "source": v.source,
        "entered_by": (v.entered_by.full_name or v.entered_by.username) if v.entered_by_id else None,
        "entered_at": timezone.localtime(v.entered_at),
    }
