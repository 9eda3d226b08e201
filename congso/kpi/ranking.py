"""Decision 766/QĐ-TTg ranking of the province's agencies and communes for a period (domain §8, issue 9 §2).

Two levels:

- ``agency``: the departments and the other province-level agencies (every agency that is not a commune's or a
  former district's), scored on the cells of the dossiers they decide (the *competent agency*);
- ``commune``: the communes and wards (*xã, phường*), scored on the cells of the dossiers received at their
  one-stop office (the *intake commune*), whoever decides.

Each level is one ``SUM … GROUP BY`` over the indexed month range of the month-level rollup of the cells
(:class:`~congso.kpi.models.Rollup`) — never a query per unit, never the dossier table. The points are those of :mod:`congso.kpi.scoring` with the rules the
province configured (``selectors.score_rules``), the places a competition ranking (1, 2, 2, 4).

Units before the 1 Jul 2025 reform (domain §1): with ``rollup`` (the default) a pre-reform commune or agency is
read under its current successor, so a ranking of 2026 — or of 2024 — lists the current 166 communes; without it
every unit is read as it was, and the list is the units in force at some time during the period. Every unit of
the list appears: one with no applicable group (no dossier) is listed *unranked* (place 0), after the others.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from congso.geo.choices import UnitLevel
from congso.geo.models import AdministrativeUnit, Agency
from congso.kpi import facts, scoring, selectors
from congso.kpi.models import Cell

LEVELS = ("agency", "commune")
LEVEL_LABELS = {"agency": gettext_lazy("Cơ quan cấp tỉnh"), "commune": gettext_lazy("Xã, phường")}

# The indicators shown beside the score (public page, exports): Decision 766's five measured rates.
SHOWN_RATES = (
    ("on_time", gettext_lazy("Đúng hạn")),
    ("online", gettext_lazy("Trực tuyến")),
    ("online_payment", gettext_lazy("Thanh toán trực tuyến")),
    ("digitisation", gettext_lazy("Số hóa")),
    ("satisfaction", gettext_lazy("Hài lòng")),
)


@dataclass
class Entry:
    """One ranked unit: its summed counters, rates, Decision 766 score and place (0: unranked)."""

    key: int | None
    name: str
    name_en: str = ""
    kind: str = ""
    current: bool = True
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(facts.COUNTERS, 0))
    score: scoring.Score | None = None
    place: int = 0

    def add(self, row: dict) -> None:
        for name in facts.COUNTERS:
            self.counters[name] += int(row.get(name) or 0)

    @property
    def label(self) -> str:
        """The name in the reader's language (agencies have an official English name; communes keep theirs)."""
        if self.name_en and (get_language() or "vi").startswith("en"):
            return self.name_en
        return self.name

    @property
    def ranked(self) -> bool:
        return self.place > 0

    @property
    def total(self) -> Decimal | None:
        return self.score.total if self.score else None

    def rate(self, indicator: str) -> Decimal | None:
        return scoring.indicator_rate(self.counters, indicator)

    @property
    def rates(self) -> list[tuple[str, Decimal | None]]:
        return [(key, self.rate(key)) for key, _label in SHOWN_RATES]

    @property
    def shown(self) -> list[tuple[str, str, Decimal | None]]:
        """(indicator, its label, rate) for the five rates shown beside the score."""
        return [(key, label, self.rate(key)) for key, label in SHOWN_RATES]

    @property
    def points(self) -> list[Decimal | None]:
        """The points of each group, in the order of the rules."""
        return [g.points for g in self.score.groups] if self.score else []

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "current": self.current,
            "place": self.place,
            "received": self.counters["received"],
            "ended": self.counters["ended"],
            "rates": {key: self.rate(key) for key, _label in SHOWN_RATES},
            "score": self.score.as_dict() if self.score else None,
        }


@dataclass
class Ranking:
    period: selectors.Period
    level: str
    rollup: bool
    rules: tuple[scoring.GroupRule, ...]
    entries: list[Entry]
    province: Entry  # every cell of the period (all agencies, all intake points), scored alike

    @property
    def ranked(self) -> list[Entry]:
        return [e for e in self.entries if e.ranked]

    @property
    def unranked(self) -> list[Entry]:
        return [e for e in self.entries if not e.ranked]


def _sums(period: selectors.Period, column: str) -> list[dict]:
    """The counters of the period per agency or intake commune (``column``), from the month-level rollup."""
    level = "agency" if column == "agency_id" else "commune"
    return [{column: key, **counters} for key, counters in selectors.sums_by(period, level).items()]


def _in_force(period: selectors.Period) -> Q:
    """Valid at some time during the period (the period's last day is the day before ``end``)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lt=period.end)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.start)
    )


def _province_communes() -> Q:
    """Communes of the province: under it since the reform, under one of its districts before."""
    code = settings.CONGSO_PROVINCE_CODE
    return Q(level=UnitLevel.COMMUNE) & (
        Q(parent__level=UnitLevel.PROVINCE, parent__code=code)
        | Q(parent__parent__level=UnitLevel.PROVINCE, parent__parent__code=code)
    )


def ranking(
    period: selectors.Period,
    level: str,
    *,
    rollup: bool = True,
    rules: Sequence[scoring.GroupRule] | None = None,
) -> Ranking:
    """Score and rank every agency (``level="agency"``) or commune (``"commune"``) of the province for ``period``.

    Queries: the rules (unless given), one GROUP BY over the cells, the list of units, and with ``rollup`` the
    successor links (two small queries).
    """
    if level not in LEVELS:
        raise selectors.KpiError(_("Cấp xếp hạng: agency (cơ quan) hoặc commune (xã, phường)."), field="level")
    rules = tuple(selectors.score_rules() if rules is None else rules)
    column = "agency_id" if level == "agency" else "unit_id"
    rows = list(_sums(period, column))
    mapping: dict[int, int] = {}
    if rollup and rows:
        mapping = selectors.agency_rollup() if level == "agency" else selectors.unit_rollup()
    province = Entry(key=None, name=_("Toàn tỉnh"))
    summed: dict[int, list[dict]] = {}
    for row in rows:
        province.add(row)
        summed.setdefault(mapping.get(row[column], row[column]), []).append(row)

    listed = Q(valid_to__isnull=True) if rollup else _in_force(period)
    if level == "agency":
        units = (
            Agency.objects.filter(listed | Q(pk__in=list(summed)))
            .exclude(kind__in=selectors.LOCAL_KINDS)
            .values_list("pk", "name", "name_en", "kind", "valid_to")
        )
        kinds = dict(Agency._meta.get_field("kind").choices)
        entries = [
            Entry(key=pk, name=name, name_en=name_en, kind=str(kinds.get(kind, kind)), current=valid_to is None)
            for pk, name, name_en, kind, valid_to in units
        ]
    else:
        units = AdministrativeUnit.objects.filter(_province_communes() & (listed | Q(pk__in=list(summed)))).values_list(
            "pk", "name", "kind", "valid_to"
        )
        entries = [Entry(key=pk, name=name, kind=kind, current=valid_to is None) for pk, name, kind, valid_to in units]
    for entry in entries:
        for row in summed.get(entry.key, ()):
            entry.add(row)
        entry.score = scoring.score(entry.counters, rules)
    province.score = scoring.score(province.counters, rules)
    places = {key: place for place, key, _score in scoring.rank({e.key: e.score for e in entries})}
    for entry in entries:
        entry.place = places[entry.key]
    entries.sort(key=lambda e: (not e.ranked, e.place, e.name, e.key))
    return Ranking(period=period, level=level, rollup=rollup, rules=rules, entries=entries, province=province)


# ---- the public page's cache ----------------------------------------------------------------------------------------
VERSION_KEY = "kpi:ranking:version"


def public_ranking(period: selectors.Period, level: str, *, rollup: bool = True) -> Ranking:
    """:func:`ranking`, cached for ``CONGSO_KPI_PUBLIC_CACHE_SECONDS`` per period, level and rollup.

    The cached object holds figures and unit names only (no dossier, no person). A change of the score rules
    (``score_config.update_score_groups``) starts a new version, so the public page never shows stale points
    for the new rules.
    """
    seconds = getattr(settings, "CONGSO_KPI_PUBLIC_CACHE_SECONDS", 300)
    if seconds <= 0:
        return ranking(period, level, rollup=rollup)
    version = cache.get(VERSION_KEY, 0)
    key = f"kpi:ranking:{version}:{level}:{int(rollup)}:{period.start:%Y%m}:{period.end:%Y%m}"
    cached = cache.get(key)
    if cached is None:
        cached = ranking(period, level, rollup=rollup)
        cache.set(key, cached, seconds)
    return cached


def forget_public_rankings() -> None:
    """Start a new cache version (after the score rules changed)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


# ---- XLSX (officials live in Excel) -----------------------------------------------------------------------------------
def _percent(value: Decimal | None):
    return float(value) if value is not None else None


def xlsx(rankings: Sequence[Ranking]) -> bytes:
    """One sheet per ranking: place, unit, received and ended dossiers, the five rates, each group's points and
    the total out of 100; the province's line at the bottom."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for r in rankings:
        ws = wb.create_sheet(str(LEVEL_LABELS[r.level])[:31])
        ws.append(
            [
                _("Xếp hạng Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg) — %(period)s")
                % {"period": r.period.label}
            ]
        )
        ws["A1"].font = Font(bold=True)
        header = [
            _("Hạng"),
            _("Đơn vị"),
            _("Hồ sơ tiếp nhận"),
            _("Hồ sơ đã giải quyết"),
            *(f"{label} (%)" for _key, label in SHOWN_RATES),
            *(f"{rule.name} ({_('tối đa')} {rule.maximum.normalize():f})" for rule in r.rules),
            _("Tổng điểm (/100)"),
        ]
        ws.append(header)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        lines = [*r.entries, r.province]
        for e in lines:
            ws.append(
                [
                    e.place or (None if e is r.province else _("Chưa xếp hạng")),
                    _("Toàn tỉnh") if e is r.province else e.label,
                    e.counters["received"],
                    e.counters["ended"],
                    *(_percent(v) for _k, v in e.rates),
                    *(_percent(p) for p in e.points),
                    _percent(e.total),
                ]
            )
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        ws.column_dimensions["B"].width = 50
        for row in ws.iter_rows(min_row=3, min_col=5):
            for cell in row:
                cell.number_format = "0.00"
        ws.freeze_panes = "C3"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- choosing a period on a page -------------------------------------------------------------------------------------
PERIOD_KINDS = (("thang", gettext_lazy("Tháng")), ("quy", gettext_lazy("Quý")), ("nam", gettext_lazy("Năm")))


def period_text(params, today) -> tuple[str, dict]:
    """The period asked by a page's form, as ``selectors.parse_period`` reads it, and the values to show again.

    The form sends ``loai`` (thang, quy, nam) with ``nam`` and ``thang`` or ``quy``; a link may send ``ky``
    (2026-11, 2026-Q4, 2026) directly. Without either: the last complete month.
    """
    raw = (params.get("ky") or "").strip()[:40]
    kind = params.get("loai") or ""
    if not raw and not kind:
        last = today.replace(day=1) - dt.timedelta(days=1)
        raw = f"{last:%Y-%m}"
    if raw:
        m = re.fullmatch(r"(\d{4})(?:-(Q?)(\d{1,2}))?", raw.upper())
        typed = {"loai": "nam", "nam": raw[:4], "thang": "", "quy": ""}
        if m and m[3]:
            typed |= {"loai": "quy", "quy": m[3]} if m[2] else {"loai": "thang", "thang": str(int(m[3]))}
        return raw, typed
    year = (params.get("nam") or "").strip()[:4]
    typed = {"loai": kind, "nam": year, "thang": (params.get("thang") or "")[:2], "quy": (params.get("quy") or "")[:1]}
    if kind == "thang":
        month = typed["thang"]
        return (f"{year}-{int(month):02d}" if month.isdigit() else f"{year}-{month}"), typed
    if kind == "quy":
        return f"{year}-Q{typed['quy']}", typed
    return year if kind == "nam" else f"?{kind}", typed


def years(today) -> list[int]:
    """The years that have figures (from the first summary cell) up to this year, newest first (one indexed query)."""
    first = Cell.objects.order_by("month").values_list("month", flat=True).first()
    start = min(first.year if first else today.year, today.year)
    return list(range(today.year, max(start, today.year - 20) - 1, -1))
