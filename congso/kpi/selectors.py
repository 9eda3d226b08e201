"""Reads of the indicators: always sums of :class:`~congso.kpi.models.Cell` s — or of their month-level
:class:`~congso.kpi.models.Rollup` when that answers the same question with fewer rows — over an indexed month
range, grouped by agency, commune, field, procedure or month; never a scan of the dossiers.

Units before the 1 Jul 2025 reform keep their own cells; ``rollup=True`` reads them under their current
successors (domain §1), so history can be read either way.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from congso.catalog.models import Field, Procedure
from congso.geo.choices import AgencyKind
from congso.geo.models import AdministrativeUnit, Agency
from congso.kpi import facts, formulas
from congso.kpi.models import Cell

GROUPS = ("agency", "commune", "field", "procedure", "month")
# Agencies whose staff also see what was received at their commune (the intake point), whoever decides.
LOCAL_KINDS = frozenset({AgencyKind.COMMUNE_PC, AgencyKind.COMMUNE_ONE_STOP, AgencyKind.DISTRICT_PC})


class KpiError(Exception):
    """A bad request for indicators; ``message`` is Vietnamese, ``field`` names the parameter."""

    def __init__(self, message: str, field: str = "", status: int = 422):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


# ---- periods ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: dt.date  # first day of the first month
    end: dt.date  # first day of the month after the last
    label: str

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month


def _month_after(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _month(year: int, month: int) -> dt.date:
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise ValueError
    return dt.date(year, month, 1)


PERIOD_HELP = "2026-11 (tháng), 2026-Q4 (quý), 2026 (năm) hoặc 2026-01..2026-06 (từ tháng đến tháng)"


def parse_period(text: str) -> Period:
    """``2026-11`` (a month), ``2026-Q4`` (a quarter), ``2026`` (a year), ``2026-01..2026-06`` (months)."""
    raw = (text or "").strip().upper()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", raw):
            start = _month(int(m[1]), int(m[2]))
            return Period(start, _month_after(start), f"{start:%m/%Y}")
        if m := re.fullmatch(r"(\d{4})-Q([1-4])", raw):
            start = _month(int(m[1]), 3 * int(m[2]) - 2)
            return Period(
                start, dt.date(start.year + (m[2] == "4"), (start.month + 2) % 12 + 1, 1), f"Quý {m[2]}/{m[1]}"
            )
        if m := re.fullmatch(r"(\d{4})", raw):
            start = _month(int(m[1]), 1)
            return Period(start, dt.date(start.year + 1, 1, 1), f"Năm {m[1]}")
        if m := re.fullmatch(r"(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})", raw):
            start, last = _month(int(m[1]), int(m[2])), _month(int(m[3]), int(m[4]))
            if last < start or (last.year - start.year) * 12 + last.month - start.month >= 120:
                raise ValueError
            return Period(start, _month_after(last), f"{start:%m/%Y}–{last:%m/%Y}")
    except ValueError:
        pass
    raise KpiError(
        _("Kỳ báo cáo không hợp lệ; dùng dạng %(help)s (tối đa 10 năm).") % {"help": PERIOD_HELP}, field="period"
    )


# ---- who may read what --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """What a caller may read: everything (province-wide roles) or the cells of its agencies, plus what was
    received at its commune for a commune-level agency."""

    everything: bool = False
    agency_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    beyond_communes: bool = False  # has a department-level agency: its data spans every commune

    def q(self) -> Q:
        if self.everything:
            return Q()
        return Q(agency_id__in=self.agency_ids) | Q(unit_id__in=self.unit_ids)


def scope_for(who) -> Scope | None:
    """None for a caller who is not an officer (they read the public figures elsewhere)."""
    if not who.is_staff_member:
        return None
    if who.province_wide:
        return Scope(everything=True)
    from congso.geo.selectors import cached_agency  # the agencies cached briefly per process (geo.selectors)

    found = (cached_agency(pk) for pk in sorted(who.agency_ids))
    agencies = [(a.pk, a.kind, a.unit_id) for a in found if a is not None]
    return Scope(
        agency_ids=frozenset(pk for pk, _kind, _unit in agencies),
        unit_ids=frozenset(unit for _pk, kind, unit in agencies if kind in LOCAL_KINDS),
        beyond_communes=any(kind not in LOCAL_KINDS for _pk, kind, _unit in agencies),
    )


# ---- rollup of pre-reform units -------------------------------------------------------------------------------------
def _current_of(successors: dict[int, list[int]], codes: dict[int, str]) -> dict[int, int]:
    """Follow successor links to a unit that has none. Several successors (a commune split between new ones):
    the one keeping the old code, else the first by key — a dossier cannot be divided between them."""
    out: dict[int, int] = {}
    for start in successors:
        seen, node = {start}, start
        while successors.get(node):
            options = successors[node]
            same = [s for s in options if codes.get(s) == codes.get(node)]
            node = (same or options)[0]
            if node in seen:
                break
            seen.add(node)
        if node != start:
            out[start] = node
    return out


def unit_rollup() -> dict[int, int]:
    """Pre-reform unit id → its current successor (two small queries)."""
    through = AdministrativeUnit.successors.through
    pairs = through.objects.order_by("to_administrativeunit__key").values_list(
        "from_administrativeunit_id", "to_administrativeunit_id"
    )
    successors: dict[int, list[int]] = {}
    for a, b in pairs:
        successors.setdefault(a, []).append(b)
    codes = dict(
        AdministrativeUnit.objects.filter(
            pk__in={*successors, *(x for v in successors.values() for x in v)}
        ).values_list("pk", "code")
    )
    return _current_of(successors, codes)


def agency_rollup() -> dict[int, int]:
    """Pre-reform agency id → its current successor."""
    through = Agency.successors.through
    pairs = through.objects.order_by("to_agency__slug").values_list("from_agency_id", "to_agency_id")
    successors: dict[int, list[int]] = {}
    for a, b in pairs:
        successors.setdefault(a, []).append(b)
    return _current_of(successors, {})


def _with_predecessors(target: int, mapping: dict[int, int]) -> list[int]:
    return [target, *(old for old, new in mapping.items() if new == target)]


# ---- the indicators -------------------------------------------------------------------------------------------------
@dataclass
class Group:
    key: str
    label: str
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(facts.COUNTERS, 0))

    def add(self, row: dict) -> None:
        for name in facts.COUNTERS:
            self.counters[name] += int(row.get(name) or 0)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "counters": self.counters,
            "rates": formulas.indicators(self.counters),
        }


GROUP_COLUMN = {
    "agency": "agency_id",
    "commune": "unit_id",
    "field": "procedure__field_id",
    "procedure": "procedure_id",
    "month": "month",
}


def cells(period: Period, *, scope: Scope, agency=None, commune=None, field=None, procedure=None, rollup=False):
    """The cells of a period within a scope, filtered (ids); with ``rollup`` a current agency or commune also
    selects its predecessors' cells."""
    qs = Cell.objects.filter(month__gte=period.start, month__lt=period.end).filter(scope.q())
    if agency is not None:
        qs = qs.filter(agency_id__in=_with_predecessors(agency, agency_rollup()) if rollup else [agency])
    if commune is not None:
        qs = qs.filter(unit_id__in=_with_predecessors(commune, unit_rollup()) if rollup else [commune])
    if field is not None:
        qs = qs.filter(procedure__field_id=field)
    if procedure is not None:
        qs = qs.filter(procedure_id=procedure)
    return qs


# ---- the month-level rollup ----------------------------------------------------------------------------------------
ROLLUP_DIMENSION = {"agency": "a", "commune": "u", "procedure": "p"}


def _rollup_plan(
    by: str, scope: Scope, *, agency=None, commune=None, procedure=None, field=None, rollup=False
) -> tuple[str, list[int] | None, str] | None:
    """``(dimension, keys or None for all, grouping)`` when a read can be answered from :class:`~congso.kpi.models.
    Rollup` rows, whose sums equal the cells': province-wide reads grouped by agency, commune, procedure, field or
    month, and the monthly trend of one agency, commune or procedure (or of a department's own agencies). Reads
    that combine filters, filter by field, or cover a commune officer's "my agencies or my commune" scope (one
    cell can be in both) read the cells."""
    filters = [(name, value) for name, value in (("agency", agency), ("commune", commune), ("procedure", procedure))]
    filters = [(name, value) for name, value in filters if value is not None]
    if field is not None or len(filters) > 1:
        return None
    if filters:
        name, value = filters[0]
        if not scope.everything:
            # Within a scope, a filter by one of its own agencies (or communes) selects exactly that one's cells.
            mine = scope.agency_ids if name == "agency" else scope.unit_ids if name == "commune" else frozenset()
            if value not in mine:
                return None
        if by != "month" and ROLLUP_DIMENSION.get(by) != ROLLUP_DIMENSION[name]:
            return None
        if rollup and name == "agency":
            keys = _with_predecessors(value, agency_rollup())
        elif rollup and name == "commune":
            keys = _with_predecessors(value, unit_rollup())
        else:
            keys = [value]
        return ROLLUP_DIMENSION[name], keys, ("month" if by == "month" else "key")
    if not scope.everything:
        if scope.unit_ids or by not in ("month", "agency"):
            return None
        return "a", sorted(scope.agency_ids), ("month" if by == "month" else "key")
    if by == "month":
        return "a", None, "month"
    if by == "field":
        return "p", None, "field"
    return ROLLUP_DIMENSION[by], None, "key"


def _rollup_rows(period: Period, dimension: str, keys: list[int] | None, grouping: str) -> list[dict]:
    """Rows ``{"grp": …, counter: sum, …}`` like the cells' GROUP BY, from the rollup. Plain SQL of a fixed shape:
    building nineteen ``Sum`` annotations through the ORM cost more than running the query."""
    from django.db import connection

    from congso.kpi.models import Rollup

    qn = connection.ops.quote_name
    column = qn("month" if grouping == "month" else "key")
    sums = ", ".join(f"SUM({qn(c)})" for c in facts.COUNTERS)
    where = f"{qn('dimension')} = %s AND {qn('month')} >= %s AND {qn('month')} < %s"
    params: list = [
        dimension,
        connection.ops.adapt_datefield_value(period.start),
        connection.ops.adapt_datefield_value(period.end),
    ]
    if keys is not None:
        if not keys:
            return []
        where += f" AND {qn('key')} IN ({', '.join(['%s'] * len(keys))})"
        params += list(keys)
    sql = f"SELECT {column}, {sums} FROM {qn(Rollup._meta.db_table)} WHERE {where} GROUP BY {column}"
    rows = _grouped(sql, params, months=grouping == "month")
    if grouping != "field":
        return rows
    fields = dict(Procedure.objects.filter(pk__in=[r["grp"] for r in rows]).values_list("pk", "field_id"))
    for row in rows:
        row["grp"] = fields.get(row["grp"])
    return rows


def sums_by(period: Period, level: str) -> dict[int, dict[str, int]]:
    """Province-wide counters per agency (``level="agency"``) or intake commune (``"commune"``) for a period,
    from the rollup; pre-reform units keep their own keys."""
    rows = _rollup_rows(period, ROLLUP_DIMENSION[level], None, "key")
    return {row["grp"]: {n: int(row[n] or 0) for n in facts.COUNTERS} for row in rows}


def _cell_rows(period: Period, by: str, scope: Scope, *, agency, commune, field, procedure, rollup) -> list[dict]:
    """The cells' ``SUM … GROUP BY`` as :func:`cells` filters them, in plain SQL of a fixed shape (the ORM's
    nineteen ``Sum`` annotations cost more to build than the query takes on a unit's page)."""
    from django.db import connection

    qn = connection.ops.quote_name
    table = qn(Cell._meta.db_table)
    where = [f"c.{qn('month')} >= %s", f"c.{qn('month')} < %s"]
    params: list = [
        connection.ops.adapt_datefield_value(period.start),
        connection.ops.adapt_datefield_value(period.end),
    ]

    def among(column: str, ids) -> str:
        ids = sorted(ids)
        if not ids:
            return "1 = 0"
        params.extend(ids)
        return f"c.{qn(column)} IN ({', '.join(['%s'] * len(ids))})"

    if not scope.everything:
        where.append(f"({among('agency_id', scope.agency_ids)} OR {among('unit_id', scope.unit_ids)})")
    if agency is not None:
        where.append(among("agency_id", _with_predecessors(agency, agency_rollup()) if rollup else [agency]))
    if commune is not None:
        where.append(among("unit_id", _with_predecessors(commune, unit_rollup()) if rollup else [commune]))
    if procedure is not None:
        where.append(among("procedure_id", [procedure]))
    join = ""
    if field is not None or by == "field":
        join = f" JOIN {qn(Procedure._meta.db_table)} p ON p.{qn('id')} = c.{qn('procedure_id')}"
    if field is not None:
        where.append(f"p.{qn('field_id')} = %s")
        params.append(field)
    column = f"p.{qn('field_id')}" if by == "field" else f"c.{qn(GROUP_COLUMN[by])}"
    sums = ", ".join(f"SUM(c.{qn(n)})" for n in facts.COUNTERS)
    sql = f"SELECT {column}, {sums} FROM {table} c{join} WHERE {' AND '.join(where)} GROUP BY {column}"
    return _grouped(sql, params, months=by == "month")


def _grouped(sql: str, params: list, *, months: bool) -> list[dict]:
    """Run a ``SELECT grp, SUM(counter)… GROUP BY grp``: rows ``{"grp": …, counter: sum, …}``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    for grp, *values in fetched:
        if months and isinstance(grp, str):  # SQLite returns the date as text
            grp = dt.date.fromisoformat(grp)
        rows.append({"grp": grp, **dict(zip(facts.COUNTERS, values, strict=True))})
    return rows


def check_filters(scope: Scope, *, agency=None, commune=None, field=None, procedure=None) -> dict[str, str]:
    """Unknown or foreign filters are a 404 (DESIGN §4.3: a foreign object's existence is not disclosed).

    Returns the names of the filters given (``{"agency": "Sở Tư pháp …", …}``), read through the same cache as
    the groups' names: proving that a filter exists costs a page nothing more."""
    names: dict[str, str] = {}
    if agency is not None:
        name = _labels("agency", [agency]).get(agency) if scope.everything or agency in scope.agency_ids else None
        if name is None:
            raise KpiError(_("Không tìm thấy cơ quan."), field="agency", status=404)
        names["agency"] = name
    if commune is not None:
        allowed = scope.everything or scope.beyond_communes or commune in scope.unit_ids
        name = _labels("commune", [commune]).get(commune) if allowed else None
        if name is None:
            raise KpiError(_("Không tìm thấy xã, phường."), field="commune", status=404)
        names["commune"] = name
    if field is not None:
        name = _labels("field", [field]).get(field)
        if name is None:
            raise KpiError(_("Không tìm thấy lĩnh vực."), field="field", status=404)
        names["field"] = name
    if procedure is not None:
        name = _labels("procedure", [procedure]).get(procedure)
        if name is None:
            raise KpiError(_("Không tìm thấy thủ tục."), field="procedure", status=404)
        names["procedure"] = name
    return names


def indicators(
    period: Period,
    *,
    by: str,
    scope: Scope,
    agency: int | None = None,
    commune: int | None = None,
    field: int | None = None,
    procedure: int | None = None,
    rollup: bool = False,
) -> dict:
    """Counters and rates per group, and their total: ``{"groups": [...], "total": {...}}``."""
    if by not in GROUPS:
        raise KpiError(_("Nhóm theo: agency, commune, field, procedure hoặc month."), field="by")
    plan = _rollup_plan(by, scope, agency=agency, commune=commune, procedure=procedure, field=field, rollup=rollup)
    if plan is not None:
        rows = _rollup_rows(period, *plan)
    else:
        rows = _cell_rows(
            period, by, scope, agency=agency, commune=commune, field=field, procedure=procedure, rollup=rollup
        )
    mapping: dict[int, int] = {}
    if rollup and by in ("agency", "commune"):
        mapping = agency_rollup() if by == "agency" else unit_rollup()
    groups: dict = {}
    total = Group(key="", label=_("Tổng cộng"))
    for row in rows:
        key = mapping.get(row["grp"], row["grp"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key=str(key), label="")
        group.add(row)
        total.add(row)
    labels = _labels(by, list(groups))
    for key, group in groups.items():
        group.label = labels.get(key, str(key))
    ordered = sorted(groups.values(), key=lambda g: (g.key if by == "month" else g.label, g.key))
    return {
        "period": {"start": period.start, "end": period.end, "label": period.label},
        "by": by,
        "rollup": rollup,
        "groups": [g.as_dict() for g in ordered],
        "total": total.as_dict(),
    }


# Names of agencies, communes, fields and procedures, cached briefly per process like ``geo.selectors``' agencies:
# they change a few times a year, and a unit's page would otherwise spend a round trip on them at every read. A
# change saved in this process clears the cache at once (``forget_labels``, connected in ``kpi.receivers``).
LABEL_CACHE_SECONDS = 30.0
_label_cache: dict[tuple[str, int], tuple[float, str]] = {}


def forget_labels(**_kwargs) -> None:
    _label_cache.clear()


def _fetch_labels(by: str, keys: list) -> dict:
    if by == "agency":
        return dict(Agency.objects.filter(pk__in=keys).order_by().values_list("pk", "name"))
    if by == "commune":
        return dict(AdministrativeUnit.objects.filter(pk__in=keys).order_by().values_list("pk", "name"))
    if by == "field":
        return dict(Field.objects.filter(pk__in=keys).order_by().values_list("pk", "name"))
    rows = Procedure.objects.filter(pk__in=keys).order_by().values_list("pk", "national_code", "name")
    return {pk: f"{code} {name}".strip() for pk, code, name in rows}


def _labels(by: str, keys: list) -> dict:
    """``{key: name}`` of the groups' keys (an unknown key is left out); one query for those not cached."""
    if not keys:
        return {}
    if by == "month":
        return {k: f"{k:%m/%Y}" for k in keys}
    now = time.monotonic()
    out, missing = {}, []
    for key in keys:
        hit = _label_cache.get((by, key))
        if hit is not None and hit[0] > now:
            out[key] = hit[1]
        else:
            missing.append(key)
    if missing:
        expires = now + LABEL_CACHE_SECONDS
        for key, label in _fetch_labels(by, missing).items():
            _label_cache[(by, key)] = (expires, label)
            out[key] = label
    return out


# ---- Decision 766 score rules ---------------------------------------------------------------------------------------
_score_rules_cache: list = []  # [(expires, rules)]


def forget_score_rules(**_kwargs) -> None:
    _score_rules_cache.clear()


def score_rules() -> tuple:
    """The active score groups as configured by the province (``ScoreGroup``), in order; the domain's estimates
    (``scoring.DEFAULT_RULES``) when the table is empty. Cached per process for ``LABEL_CACHE_SECONDS``; a
    change saved in this process clears it at once (``forget_score_rules``)."""
    from congso.kpi.models import ScoreGroup
    from congso.kpi.scoring import DEFAULT_RULES, GroupRule

    now = time.monotonic()
    if _score_rules_cache and _score_rules_cache[0][0] > now:
        return _score_rules_cache[0][1]
    rows = ScoreGroup.objects.filter(active=True).order_by("position", "key")
    rules = tuple(GroupRule(g.key, g.name, g.indicator, g.maximum, g.threshold) for g in rows) or DEFAULT_RULES
    _score_rules_cache[:] = [(now + LABEL_CACHE_SECONDS, rules)]
    return rules
