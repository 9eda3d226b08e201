"""Governance dashboards of the back office (``/mot-cua/chi-so/``): Decision 766 indicators, drill-down, exports.

Every figure is a sum of ``kpi.Cell`` s read through ``kpi.selectors`` (a handful of queries whatever the number
of dossiers); only the drill-down's dossier list reads dossiers, paginated and always narrowed by an indexed
column (competent agency, intake agency or procedure). The list follows the month the counters follow
(docs/kpi.md): the month received for ``received``/``online``, the month processing ended for
``ended``/``on_time``/``late``, so it lists exactly the dossiers counted in the cells shown.

Pages are server-rendered and complete without JavaScript; Chart.js (vendored) only draws the charts from the
figures already in the page. Who reads what: ``selectors.scope_for`` (a filter outside it is a 404).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import quote_plus, urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from congso.core.text import nfc
from congso.dossiers.access import request_who
from congso.dossiers.choices import State
from congso.dossiers.models import Dossier, DossierEvent
from congso.geo.models import Agency
from congso.kpi import facts, scoring, selectors

BY_CHOICES = {
    "agency": gettext_lazy("Cơ quan giải quyết"),
    "commune": gettext_lazy("Xã, phường (nơi tiếp nhận)"),
    "field": gettext_lazy("Lĩnh vực"),
    "procedure": gettext_lazy("Thủ tục hành chính"),
}
# The headline cards: (key of formulas.indicators, label); satisfaction and the average rating are special.
CARDS = (
    ("on_time", gettext_lazy("Giải quyết đúng hạn")),
    ("online", gettext_lazy("Dịch vụ công trực tuyến (trả kết quả điện tử)")),
    ("online_share", gettext_lazy("Hồ sơ nộp trực tuyến")),
    ("online_payment", gettext_lazy("Thanh toán trực tuyến")),
    ("digitisation", gettext_lazy("Số hóa hồ sơ, kết quả")),
    ("reuse", gettext_lazy("Tái sử dụng dữ liệu số hóa")),
    ("person_signature", gettext_lazy("Kết quả có chữ ký số cá nhân")),
    ("agency_signature", gettext_lazy("Kết quả có chữ ký số cơ quan")),
    ("synced", gettext_lazy("Đồng bộ Cổng DVCQG")),
    ("satisfaction", gettext_lazy("Mức độ hài lòng")),
)
# The columns of the per-group table (and of its XLSX export): rates shown with their numerator/denominator.
TABLE_RATES = (
    "on_time",
    "online",
    "online_share",
    "online_payment",
    "digitisation",
    "reuse",
    "person_signature",
    "agency_signature",
    "synced",
)
SHORT_RATE_LABELS = {
    "on_time": gettext_lazy("Đúng hạn"),
    "online": gettext_lazy("Trực tuyến"),
    "online_share": gettext_lazy("Nộp trực tuyến"),
    "online_payment": gettext_lazy("Thanh toán trực tuyến"),
    "digitisation": gettext_lazy("Số hóa"),
    "reuse": gettext_lazy("Tái sử dụng"),
    "person_signature": gettext_lazy("Ký số cá nhân"),
    "agency_signature": gettext_lazy("Ký số cơ quan"),
    "synced": gettext_lazy("Đồng bộ DVCQG"),
    "satisfaction": gettext_lazy("Hài lòng"),
}
# The drill-down's dossier list: which counters it can list, and which month each follows.
LIST_COUNTERS = {
    "received": gettext_lazy("Hồ sơ tiếp nhận"),
    "online": gettext_lazy("Hồ sơ nộp trực tuyến"),
    "ended": gettext_lazy("Hồ sơ đã giải quyết"),
    "on_time": gettext_lazy("Giải quyết đúng hạn"),
    "late": gettext_lazy("Giải quyết quá hạn"),
}
LIST_CELL_COUNTER = {"received": "received", "online": "received_online", "ended": "ended", "on_time": "on_time"}
LIST_CELL_COUNTER["late"] = "late"
ENDED_LISTS = frozenset({"ended", "on_time", "late"})
ENDED_STATES = (State.FINISHED, State.RETURNED, State.REFUSED, State.WITHDRAWN)
PAGE_SIZE = 50
MAX_EXPORT = 20_000
TREND_MONTHS = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- request parsing ------------------------------------------------------------------------------------------------
def _scope(request) -> selectors.Scope:
    """The caller's scope; anyone who is not an officer gets a 404 (the pages do not exist for them)."""
    scope = selectors.scope_for(request_who(request))
    if scope is None:
        raise Http404
    return scope


def last_full_month(today: dt.date | None = None) -> str:
    today = today or timezone.localdate()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def _id(request, name: str) -> int | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**62:
        raise selectors.KpiError(_("Giá trị phải là một số nguyên dương."), field=name)
    return int(raw)


@dataclass
class Selection:
    """What the officer asked for: the period, the grouping, the filters and the rollup switch."""

    period_text: str
    by: str = "agency"
    agency: int | None = None
    commune: int | None = None
    field: int | None = None
    procedure: int | None = None
    rollup: bool = False
    period: selectors.Period | None = None

    @property
    def filters(self) -> dict:
        return {"agency": self.agency, "commune": self.commune, "field": self.field, "procedure": self.procedure}

    def query(self, **changes) -> str:
        """The query string of this selection with ``changes`` (None drops a parameter)."""
        params = {"period": self.period_text, "by": self.by, **self.filters, "rollup": "1" if self.rollup else None}
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _selection(request) -> Selection:
    """The selection as typed (kept for re-display even when invalid); raises KpiError on bad input."""
    sel = Selection(period_text=nfc(request.GET.get("period", "")).strip()[:40] or last_full_month())
    sel.rollup = request.GET.get("rollup", "") in ("1", "on", "true")
    by = request.GET.get("by", "agency")
    sel.by = by if by in BY_CHOICES else "agency"
    for name in ("agency", "commune", "field", "procedure"):
        setattr(sel, name, _id(request, name))
    if by not in BY_CHOICES:
        raise selectors.KpiError(_("Nhóm theo: cơ quan, xã phường, lĩnh vực hoặc thủ tục."), field="by")
    sel.period = selectors.parse_period(sel.period_text)
    return sel


def _error_page(request, exc: selectors.KpiError, template: str = "backoffice/kpi_error.html", context=None):
    titles = {404: _("Không tìm thấy"), 422: _("Yêu cầu không hợp lệ")}
    ctx = {"status": exc.status, "title": titles.get(exc.status, _("Không thực hiện được")), "message": exc.message}
    ctx.update(context or {})
    return render(request, template, ctx, status=exc.status)


# ---- reading the figures -------------------------------------------------------------------------------------------
def _read(sel: Selection, scope: selectors.Scope, by: str, period: selectors.Period | None = None) -> dict:
    return selectors.indicators(period or sel.period, by=by, scope=scope, rollup=sel.rollup, **sel.filters)


def _trend_period(period: selectors.Period) -> selectors.Period:
    """The twelve months ending with the selected period (or the whole range when it is longer)."""
    start = period.start
    if period.months < TREND_MONTHS:
        total = period.end.year * 12 + period.end.month - 1 - TREND_MONTHS
        start = dt.date(total // 12, total % 12 + 1, 1)
    return selectors.Period(start, period.end, f"{start:%m/%Y}–{period.end - dt.timedelta(days=1):%m/%Y}")


def _months(period: selectors.Period) -> list[dt.date]:
    out, month = [], period.start
    while month < period.end:
        out.append(month)
        month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return out


def _rate_value(rates: dict, key: str) -> Decimal | None:
    value = rates[key]
    return value if key == "average_rating" else value["rate"]


def _cards(total: dict) -> list[dict]:
    rates = total["rates"]
    out = []
    for key, label in CARDS:
        r = rates[key]
        card = {"key": key, "label": label, "rate": r["rate"]}
        if key == "satisfaction":
            card["parts"] = [
                (_("quá hạn"), r["late"]),
                (_("phản ánh, kiến nghị"), r["complaints"]),
                (_("đánh giá không hài lòng"), r["dissatisfied"]),
            ]
        else:
            card["numerator"], card["denominator"] = r["numerator"], r["denominator"]
        out.append(card)
    return out


def _chart_number(value) -> float | None:
    return None if value is None else float(value)


_KEY = "__key__"  # left as is by urlencode


def _next_levels(sel: Selection):
    """Where a click on a group's row goes: province → agency or commune → procedure → the dossier list; as a
    function of the group's key (None: rows lead nowhere). The query is encoded once, the key put in per row."""
    if sel.by in ("agency", "commune", "field"):
        prefix, name, changes = "?", sel.by, {"by": "procedure"}
    elif sel.by == "procedure" and (sel.agency or sel.commune):
        prefix, name, changes = reverse("backoffice:kpi-dossiers") + "?", "procedure", {"by": None}
    elif sel.by == "procedure":
        prefix, name, changes = "?", "procedure", {"by": "agency"}
    else:
        return None
    query = sel.query(**{name: _KEY}, **changes)
    if query.count(_KEY) != 1:  # not with a valid selection; then the plain way
        return lambda key: prefix + sel.query(**{name: key}, **changes)
    head, tail = query.split(_KEY)
    return lambda key: f"{prefix}{head}{quote_plus(str(key))}{tail}"


def _crumbs(sel: Selection, scope: selectors.Scope, labels: dict, *, listing: bool = False) -> list[tuple[str, str]]:
    """(label, url) from the province down to the current level; the last one is the page itself (url '')."""
    index = reverse("backoffice:kpi")
    root = _("Toàn tỉnh") if scope.everything else _("Phạm vi được giao")
    crumbs = [(root, index + "?" + sel.query(by="agency", agency=None, commune=None, field=None, procedure=None))]
    kept: dict = {"agency": None, "commune": None, "field": None, "procedure": None}
    for name in ("agency", "commune", "field", "procedure"):
        value = getattr(sel, name)
        if value:
            kept[name] = value
            crumbs.append((labels.get(name, str(value)), index + "?" + sel.query(**kept, by="procedure")))
    if listing:
        crumbs.append((_("Danh sách hồ sơ"), ""))
    else:
        crumbs[-1] = (crumbs[-1][0], "")
    return crumbs


def _dashboard(sel: Selection, scope: selectors.Scope) -> dict:
    result = _read(sel, scope, sel.by)
    total = result["total"]
    rules = selectors.score_rules()
    score = scoring.score(total["counters"], rules)
    trend_period = _trend_period(sel.period)
    trend = _read(sel, scope, "month", trend_period)
    per_month = {g["key"]: g for g in trend["groups"]}
    trend_rows = []
    empty_rates = None
    for month in _months(trend_period):
        g = per_month.get(month.isoformat())
        if g:
            counters, rates = g["counters"], g["rates"]
        else:
            if empty_rates is None:
                empty_rates = selectors.Group(key="", label="").as_dict()["rates"]
            counters, rates = dict.fromkeys(facts.COUNTERS, 0), empty_rates
        trend_rows.append(
            {
                "month": month,
                "key": f"{month:%Y-%m}",
                "counters": counters,
                "rates": rates,
                "query": sel.query(period=f"{month:%Y-%m}"),
            }
        )
    groups = _nonzero(result["groups"])
    total["columns"] = _columns(total["rates"])
    levels = _next_levels(sel)
    for g in groups:
        g["url"] = levels(g["key"]) if levels else None
        g["score"] = _score_total(g, rules)
    charts = {
        "trend": {
            "labels": [f"{r['month']:%m/%Y}" for r in trend_rows],
            "series": [
                {"label": str(SHORT_RATE_LABELS[k]), "data": [_chart_number(r["rates"][k]["rate"]) for r in trend_rows]}
                for k in ("on_time", "online", "digitisation", "online_payment")
            ],
            "received": [r["counters"]["received"] for r in trend_rows],
            "received_label": _("Hồ sơ tiếp nhận"),
        },
        "units": {
            "labels": [g["label"] for g in groups],
            "series": [
                {"label": str(SHORT_RATE_LABELS[k]), "data": [_chart_number(g["rates"][k]["rate"]) for g in groups]}
                for k in ("on_time", "online", "digitisation")
            ],
        },
        "percent": _("Tỷ lệ (%)"),
    }
    return {
        "result": result,
        "total": total,
        "cards": _cards(total),
        "score": score,
        "groups": groups,
        "trend": trend_rows,
        "trend_label": trend_period.label,
        "charts": charts,
    }


def _score_total(group: dict, rules) -> Decimal | None:
    """``scoring.score(counters, rules).total`` from the rates the selectors already worked out (the same
    ``formulas``), rather than working every rate out again for each row; ``Score.total``'s arithmetic."""
    rates = group["rates"]
    earned = applicable = Decimal(0)
    for rule in rules:
        value = rates.get(rule.indicator)
        rate = value["rate"] if isinstance(value, dict) else scoring.indicator_rate(group["counters"], rule.indicator)
        points = scoring.points(rate, rule.maximum, rule.threshold)
        if points is not None:
            earned += points
            applicable += rule.maximum
    if not applicable:
        return None
    return (earned * scoring.HUNDRED / applicable).quantize(scoring.CENT, rounding=ROUND_HALF_UP)


def _nonzero(groups: list[dict]) -> list[dict]:
    """Groups with something counted: a cell a dossier moved out of (a stop resumed, a correction) stays with
    zero counters, and a unit with nothing in the period is not a row of the table."""
    return [g for g in groups if any(g["counters"].values())]


def _columns(rates: dict) -> list[dict]:
    return [{"key": k, **rates[k]} for k in TABLE_RATES]


# ---- the dashboard --------------------------------------------------------------------------------------------------
def _form_context(sel: Selection, scope: selectors.Scope) -> dict:
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    quick = [
        (_("Tháng trước"), last_full_month(today)),
        (_("Tháng này"), f"{today:%Y-%m}"),
        (_("Quý này"), f"{today.year}-Q{quarter}"),
        (_("Năm nay"), str(today.year)),
        (
            _("12 tháng gần nhất"),
            f"{_trend_period(selectors.parse_period(f'{today:%Y-%m}')).start:%Y-%m}..{today:%Y-%m}",
        ),
    ]
    return {
        "sel": sel,
        "scope": scope,
        "by_choices": list(BY_CHOICES.items()),
        "quick_periods": [(label, "?" + sel.query(period=value)) for label, value in quick],
        "period_help": selectors.PERIOD_HELP,
    }


def _shifted(period: selectors.Period, text: str, step: int) -> str | None:
    """The previous (-1) or next (+1) period of the same length and kind, as typed."""
    months = period.months
    total = period.start.year * 12 + period.start.month - 1 + step * months
    start = dt.date(total // 12, total % 12 + 1, 1)
    if not 2000 <= start.year <= 2100:
        return None
    text = text.upper()
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{start:%Y-%m}"
    if re.fullmatch(r"\d{4}-Q[1-4]", text):
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if re.fullmatch(r"\d{4}", text):
        return str(start.year)
    end_total = total + months - 1
    return f"{start:%Y-%m}..{end_total // 12:04d}-{end_total % 12 + 1:02d}"


def _shift_query(sel: Selection, step: int) -> str:
    text = _shifted(sel.period, sel.period_text, step)
    return sel.query(period=text) if text else ""


@login_required
def index(request):
    scope = _scope(request)
    try:
        sel = _selection(request)
        labels = selectors.check_filters(scope, **sel.filters)
    except selectors.KpiError as exc:
        if exc.status == 404:
            return _error_page(request, exc)
        sel = Selection(period_text=nfc(request.GET.get("period", "")).strip()[:40])
        context = {**_form_context(sel, scope), "error": exc.message, "error_field": exc.field}
        return render(request, "backoffice/kpi_index.html", context, status=exc.status)
    context = {
        **_form_context(sel, scope),
        **_dashboard(sel, scope),
        "labels": labels,
        "crumbs": _crumbs(sel, scope, labels),
        "by_label": BY_CHOICES[sel.by],
        "rate_columns": [(k, str(SHORT_RATE_LABELS[k])) for k in TABLE_RATES],
        "previous": _shift_query(sel, -1),
        "next": _shift_query(sel, 1),
        "querystring": sel.query(),
        "list_url": reverse("backoffice:kpi-dossiers") + "?" + sel.query(by=None)
        if (sel.agency or sel.commune or sel.procedure)
        else "",
        "report_month": f"{sel.period.start:%Y-%m}" if sel.period.months == 1 else "",
    }
    return render(request, "backoffice/kpi_index.html", context)


# ---- the dossier list of a drill-down --------------------------------------------------------------------------------
def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=facts.VN)


def counted_dossiers(sel: Selection, scope: selectors.Scope, counter: str):
    """The root dossiers counted in ``counter`` over the selection's cells — the same rules as ``kpi.facts``
    (received month: submitted online, else accepted; ended month: ended_at, or the last stop) in SQL.

    Always narrowed by the competent agency, the intake agencies of a commune or the procedure (each a
    foreign-key index), so the page never scans the dossier table."""
    start, end = _local_midnight(sel.period.start), _local_midnight(sel.period.end)
    qs = Dossier.objects.filter(parent__isnull=True)
    if not scope.everything:
        intake = list(Agency.objects.filter(unit_id__in=scope.unit_ids).values_list("pk", flat=True))
        qs = qs.filter(Q(competent_agency_id__in=scope.agency_ids) | Q(intake_agency_id__in=intake))
    if sel.agency:
        agencies = selectors._with_predecessors(sel.agency, selectors.agency_rollup()) if sel.rollup else [sel.agency]
        qs = qs.filter(competent_agency_id__in=agencies)
    if sel.commune:
        units = selectors._with_predecessors(sel.commune, selectors.unit_rollup()) if sel.rollup else [sel.commune]
        qs = qs.filter(intake_agency_id__in=list(Agency.objects.filter(unit_id__in=units).values_list("pk", flat=True)))
    if sel.field:
        qs = qs.filter(procedure__field_id=sel.field)
    if sel.procedure:
        qs = qs.filter(procedure_id=sel.procedure)
    received_in = Q(channel=facts.ONLINE, submitted_at__gte=start, submitted_at__lt=end) | (
        ~Q(channel=facts.ONLINE) & Q(accepted_at__gte=start, accepted_at__lt=end)
    )
    if counter not in ENDED_LISTS:
        qs = qs.filter(received_in)
        if counter == "online":
            qs = qs.filter(channel=facts.ONLINE)
        return qs
    was_received = Q(channel=facts.ONLINE, submitted_at__isnull=False) | (
        ~Q(channel=facts.ONLINE) & Q(accepted_at__isnull=False)
    )
    last_stop = DossierEvent.objects.filter(dossier_id=OuterRef("pk"), action="stop").order_by("-seq").values("at")[:1]
    qs = qs.annotate(kpi_stopped_at=Subquery(last_stop)).filter(
        was_received,
        Q(state__in=ENDED_STATES, ended_at__gte=start, ended_at__lt=end)
        | Q(state=State.STOPPED, kpi_stopped_at__gte=start, kpi_stopped_at__lt=end),
    )
    # kpi.facts.on_time: at most one supplement request, and the ledger's verdict (a stopped dossier: consumed ≤
    # budget; one that ended before acceptance had no appointment to miss).
    timely = Q(supplement_count__lte=1) & (
        Q(state=State.STOPPED, consumed_seconds__lte=F("budget_seconds"))
        | (~Q(state=State.STOPPED) & Q(outcome__in=sorted(facts.ON_TIME_OUTCOMES)))
        | (~Q(state=State.STOPPED) & Q(outcome="", accepted_at__isnull=True))
    )
    if counter == "on_time":
        qs = qs.filter(timely)
    elif counter == "late":
        qs = qs.exclude(timely)
    return qs


@dataclass
class ListRow:
    dossier: Dossier
    received_at: dt.datetime | None
    ended_at: dt.datetime | None
    on_time: bool | None


def _rows(dossiers) -> list[ListRow]:
    out = []
    for d in dossiers:
        snapshot = facts.Snapshot(
            dossier_id=d.pk,
            parent_id=d.parent_id,
            state=d.state,
            channel=d.channel,
            competent_agency_id=d.competent_agency_id,
            unit_id=0,
            procedure_id=d.procedure_id,
            submitted_at=d.submitted_at,
            accepted_at=d.accepted_at,
            ended_at=d.ended_at,
            stopped_at=getattr(d, "kpi_stopped_at", None) if d.state == State.STOPPED else None,
            outcome=d.outcome or "",
            supplement_count=d.supplement_count,
            budget_seconds=d.budget_seconds,
            consumed_seconds=d.consumed_seconds,
        )
        ended = facts.ended_at(snapshot)
        out.append(ListRow(d, facts.received_at(snapshot), ended, facts.on_time(snapshot) if ended else None))
    return out


def _list_selection(request, scope):
    sel = _selection(request)
    labels = selectors.check_filters(scope, **sel.filters)
    if not (sel.agency or sel.commune or sel.procedure):
        raise selectors.KpiError(
            _("Chọn một cơ quan, một xã, phường hoặc một thủ tục để xem danh sách hồ sơ."), field="agency"
        )
    counter = request.GET.get("counter", "received")
    if counter not in LIST_COUNTERS:
        raise selectors.KpiError(
            _("Loại hồ sơ không hợp lệ; chọn: %(names)s.") % {"names": ", ".join(LIST_COUNTERS)}, field="counter"
        )
    return sel, counter, labels


def _list_queryset(sel, scope, counter):
    columns = (
        "pk",
        "code",
        "applicant_name",
        "parent_id",
        "state",
        "channel",
        "competent_agency_id",
        "procedure_id",
        "procedure__national_code",
        "procedure__name",
        "submitted_at",
        "accepted_at",
        "appointment_at",
        "ended_at",
        "outcome",
        "supplement_count",
        "budget_seconds",
        "consumed_seconds",
    )
    qs = counted_dossiers(sel, scope, counter).select_related("procedure").only(*columns)
    return qs.order_by("-pk")


@login_required
def dossiers(request):
    scope = _scope(request)
    try:
        sel, counter, labels = _list_selection(request, scope)
    except selectors.KpiError as exc:
        return _error_page(request, exc)
    qs = _list_queryset(sel, scope, counter)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    cells = selectors.cells(sel.period, scope=scope, rollup=sel.rollup, **sel.filters).aggregate(
        **{name: Sum(cell) for name, cell in LIST_CELL_COUNTER.items()}
    )
    tabs = [
        {
            "key": key,
            "label": label,
            "count": cells[key] or 0,
            "url": "?" + sel.query(by=None, counter=key),
            "current": key == counter,
        }
        for key, label in LIST_COUNTERS.items()
    ]
    context = {
        "sel": sel,
        "scope": scope,
        "labels": labels,
        "crumbs": _crumbs(sel, scope, labels, listing=True),
        "counter": counter,
        "counter_label": LIST_COUNTERS[counter],
        "follows_ended": counter in ENDED_LISTS,
        "tabs": tabs,
        "expected": cells[counter] or 0,
        "page": page,
        "rows": _rows(page.object_list),
        "querystring": sel.query(by=None, counter=counter),
        "back_url": reverse("backoffice:kpi") + "?" + sel.query(by="procedure"),
    }
    return render(request, "backoffice/kpi_dossiers.html", context)


# ---- XLSX exports ---------------------------------------------------------------------------------------------------
def _workbook():
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _sheet(wb, title: str, header: list[str], widths: list[int]):
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(str(title)[:31])
    ws.append([str(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    ws.freeze_panes = "B2"
    return ws


def _percent(value: Decimal | None):
    """A rate as the spreadsheet's own percentage (75.00 % is stored as 0.75, formatted 0.00%)."""
    return None if value is None else float(value / 100)


PERCENT_FORMAT = "0.00%"


def _append(ws, values: list, percent_columns: set[int], *, bold: bool = False) -> None:
    from openpyxl.styles import Font

    ws.append(values)
    row = ws.max_row
    for column in percent_columns:
        ws.cell(row=row, column=column).number_format = PERCENT_FORMAT
    if bold:
        for cell in ws[row]:
            cell.font = Font(bold=True)


def _group_values(g: dict) -> list:
    c, r = g["counters"], g["rates"]
    values = [g["label"], c["received"], c["received_online"], c["ended"], c["on_time"], c["late"]]
    values += [_percent(r[k]["rate"]) for k in TABLE_RATES]
    values += [_percent(r["satisfaction"]["rate"]), float(r["average_rating"]) if r["average_rating"] else None]
    return values


def _group_header(first: str) -> list[str]:
    return [
        first,
        _("Tiếp nhận"),
        _("Nộp trực tuyến"),
        _("Đã giải quyết"),
        _("Đúng hạn"),
        _("Quá hạn"),
        *[_("Tỷ lệ %(name)s (%%)") % {"name": str(SHORT_RATE_LABELS[k]).lower()} for k in TABLE_RATES],
        _("Mức độ hài lòng (%)"),
        _("Điểm đánh giá bình quân (1–5)"),
    ]


GROUP_PERCENT_COLUMNS = set(range(7, 7 + len(TABLE_RATES) + 1))


def _xlsx_response(wb, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")


@login_required
def export(request):
    """Every table of the dashboard as it is filtered: the groups with their total, the score, the months."""
    scope = _scope(request)
    try:
        sel = _selection(request)
        selectors.check_filters(scope, **sel.filters)
    except selectors.KpiError as exc:
        return _error_page(request, exc)
    data = _dashboard(sel, scope)
    wb = _workbook()
    ws = _sheet(
        wb,
        _("Theo %(by)s") % {"by": str(BY_CHOICES[sel.by]).lower()},
        _group_header(str(BY_CHOICES[sel.by])),
        [48] + [14] * 16,
    )
    for g in data["groups"]:
        _append(ws, _group_values(g), GROUP_PERCENT_COLUMNS)
    _append(ws, _group_values(data["total"]), GROUP_PERCENT_COLUMNS, bold=True)
    ws.cell(row=ws.max_row + 2, column=1, value=_("Kỳ báo cáo: %(period)s") % {"period": sel.period.label})

    ws = _sheet(
        wb,
        _("Điểm Quyết định 766"),
        [_("Nhóm chỉ tiêu"), _("Chỉ số"), _("Tỷ lệ (%)"), _("Ngưỡng (%)"), _("Điểm tối đa"), _("Điểm đạt")],
        [40, 30, 14, 14, 14, 14],
    )
    for g in data["score"].groups:
        _append(
            ws,
            [
                g.rule.name,
                str(SHORT_RATE_LABELS.get(g.rule.indicator, g.rule.indicator)),
                _percent(g.rate),
                _percent(g.rule.threshold),
                float(g.rule.maximum),
                None if g.points is None else float(g.points),
            ],
            {3, 4},
        )
    total = data["score"].total
    _append(
        ws, [_("Tổng điểm (thang 100)"), "", None, None, 100, None if total is None else float(total)], set(), bold=True
    )

    ws = _sheet(wb, _("Theo tháng"), _group_header(_("Tháng")), [14] + [14] * 16)
    for row in data["trend"]:
        _append(ws, _group_values({"label": f"{row['month']:%m/%Y}", **row}), GROUP_PERCENT_COLUMNS)
    return _xlsx_response(wb, f"chi-so-{_safe(sel.period_text)}-{sel.by}.xlsx")


@login_required
def dossiers_export(request):
    """The drill-down's dossier list as XLSX (up to MAX_EXPORT rows)."""
    scope = _scope(request)
    try:
        sel, counter, _labels = _list_selection(request, scope)
    except selectors.KpiError as exc:
        return _error_page(request, exc)
    wb = _workbook()
    ws = _sheet(
        wb,
        LIST_COUNTERS[counter],
        [
            _("Mã hồ sơ"),
            _("Thủ tục"),
            _("Người nộp"),
            _("Tiếp nhận"),
            _("Hẹn trả"),
            _("Kết thúc"),
            _("Đúng hạn / quá hạn"),
        ],
        [30, 60, 30, 18, 18, 18, 16],
    )

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    for row in _rows(_list_queryset(sel, scope, counter)[:MAX_EXPORT]):
        d = row.dossier
        verdict = "" if row.on_time is None else (_("Đúng hạn") if row.on_time else _("Quá hạn"))
        ws.append(
            [
                d.code or f"#{d.pk}",
                f"{d.procedure.national_code} {d.procedure.name}".strip(),
                d.applicant_name,
                local(row.received_at),
                local(d.appointment_at),
                local(row.ended_at),
                verdict,
            ]
        )
        for column in (4, 5, 6):
            ws.cell(row=ws.max_row, column=column).number_format = "dd/mm/yyyy hh:mm"
    return _xlsx_response(wb, f"ho-so-{counter}-{_safe(sel.period_text)}.xlsx")


# ---- the monthly report (PDF) ---------------------------------------------------------------------------------------
REPORT_RATES = ("on_time", "online", "online_payment", "digitisation")


@login_required
def report(request, month: str):
    """The monthly report of a department head: the province (or the caller's scope), per agency, per commune,
    and the Decision 766 score; A4, typeset with the vendored fonts of ``documents.forms_pdf``."""
    from weasyprint import HTML

    from congso.documents import forms_pdf

    scope = _scope(request)
    if not re.fullmatch(r"\d{4}-\d{2}", month):
        return _error_page(
            request,
            selectors.KpiError(_("Tháng báo cáo không hợp lệ: %(month)s; dùng dạng 2026-11.") % {"month": month[:20]}),
        )
    try:
        period = selectors.parse_period(month)
    except selectors.KpiError:
        return _error_page(
            request,
            selectors.KpiError(_("Tháng báo cáo không hợp lệ: %(month)s; dùng dạng 2026-11.") % {"month": month}),
        )
    rollup = request.GET.get("rollup", "") in ("1", "on", "true")
    sel = Selection(period_text=month, rollup=rollup, period=period)
    by_agency = _read(sel, scope, "agency")
    by_commune = _read(sel, scope, "commune")
    total = by_agency["total"]
    score = scoring.score(total["counters"], selectors.score_rules())
    for g in by_agency["groups"] + by_commune["groups"]:
        g["report_columns"] = [{"key": k, **g["rates"][k]} for k in REPORT_RATES]
    now = timezone.now()
    context = {
        "period": period,
        "scope": scope,
        "rollup": rollup,
        "total": total,
        "cards": _cards(total),
        "score": score,
        "agencies": _nonzero(by_agency["groups"]),
        "communes": _nonzero(by_commune["groups"]),
        "rate_columns": [(k, SHORT_RATE_LABELS[k]) for k in REPORT_RATES],
        "fonts": {k: (forms_pdf.FONT_DIR / v).as_uri() for k, v in forms_pdf.FONT_FILES.items()},
        "date_line": forms_pdf.format_vn_date_line(now),
        "printed_at": forms_pdf.format_vn_datetime(now),
        "author": getattr(request.user, "full_name", "") or request.user.get_username(),
    }
    html = nfc(render_to_string("backoffice/kpi_report_pdf.html", context, request=request))
    pdf = HTML(
        string=html, base_url=forms_pdf.FONT_DIR.as_uri() + "/", url_fetcher=forms_pdf._local_only_fetcher()
    ).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bao-cao-chi-so-{month}.pdf"'
    return response
