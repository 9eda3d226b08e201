"""Decision 766/QĐ-TTg in the back office: the ranking of agencies and communes, its XLSX export, and the score
rules (thang điểm) that the province administrator sets.

Every officer reads the ranking (the same figures are public at /minh-bach/) and the rules; only the province
administrator changes the rules (``kpi.score_config.update_score_groups``, one transaction). Anyone who is not an
officer gets a 404. The pages read the summaries (``kpi.ranking``), never the dossiers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from congso.accounts import staff
from congso.dossiers.access import request_who
from congso.kpi import ranking, score_config, selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _officer(request):
    who = request_who(request)
    scope = selectors.scope_for(who)
    if scope is None:
        raise Http404
    return who, scope


def _rollup(request) -> bool:
    return request.GET.get("gop", "1") != "0"


def _period(request):
    text, typed = ranking.period_text(request.GET, timezone.localdate())
    try:
        return selectors.parse_period(text), typed, ""
    except selectors.KpiError as exc:
        return None, typed, exc.message


def _link(entry, level: str, scope: selectors.Scope, period_text: str, rollup: bool) -> str:
    """The unit's dashboard, when the officer may read it (otherwise the dashboard would answer 404)."""
    if entry.key is None:
        return ""
    if level == "agency":
        allowed = scope.everything or entry.key in scope.agency_ids
    else:
        allowed = scope.everything or scope.beyond_communes or entry.key in scope.unit_ids
    if not allowed:
        return ""
    query = {level: entry.key, "period": period_text, **({"rollup": "1"} if rollup else {})}
    return f"{reverse('backoffice:kpi')}?{urlencode(query)}"


@login_required
def ranking_page(request):
    who, scope = _officer(request)
    period, typed, error = _period(request)
    rollup = _rollup(request)
    tables = []
    if period is not None:
        rules = selectors.score_rules()
        text = ranking.period_text(request.GET, timezone.localdate())[0]
        for level in ranking.LEVELS:
            result = ranking.ranking(period, level, rollup=rollup, rules=rules)
            for entry in result.entries:
                entry.link = _link(entry, level, scope, text, rollup)
            tables.append((level, ranking.LEVEL_LABELS[level], result))
    context = {
        "period": period,
        "typed": typed,
        "error": error,
        "rollup": rollup,
        "tables": tables,
        "kinds": ranking.PERIOD_KINDS,
        "years": ranking.years(timezone.localdate()),
        "months": range(1, 13),
        "quarters": range(1, 5),
        "export_query": request.GET.urlencode(),
        "province_admin": staff.is_province_admin(who),
    }
    return render(request, "backoffice/score_ranking.html", context, status=400 if error else 200)


@login_required
def ranking_export(request):
    _officer(request)
    period, _typed, error = _period(request)
    if period is None:
        messages.error(request, error)
        return HttpResponseRedirect(f"{reverse('backoffice:score-ranking')}?{request.GET.urlencode()}")
    rollup = _rollup(request)
    rules = selectors.score_rules()
    data = ranking.xlsx([ranking.ranking(period, level, rollup=rollup, rules=rules) for level in ranking.LEVELS])
    response = HttpResponse(data, content_type=XLSX)
    name = f"xep-hang-766-{period.start:%Y%m}-{period.end:%Y%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def score_groups_page(request):
    """Everyone in the back office reads the rules; the province administrator saves them (all rows or none)."""
    who, _scope = _officer(request)
    editable = staff.is_province_admin(who)
    rows = score_config.groups()
    typed = {g.key: {"maximum": _plain(g.maximum), "threshold": _plain(g.threshold), "active": g.active} for g in rows}
    errors: dict = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        typed = {
            g.key: {
                "maximum": request.POST.get(f"{g.key}-maximum", "")[:20],
                "threshold": request.POST.get(f"{g.key}-threshold", "")[:20],
                "active": request.POST.get(f"{g.key}-active") == "on",
            }
            for g in rows
        }
        try:
            changed = score_config.update_score_groups(who, typed)
        except score_config.ScoreConfigError as exc:
            errors, general, status = exc.errors, exc.general, 400
        else:
            if changed:
                messages.success(request, _("Đã lưu thang điểm; bảng xếp hạng tính lại theo thang điểm mới."))
            else:
                messages.success(request, _("Không có thay đổi nào."))
            return HttpResponseRedirect(reverse("backoffice:score-groups"))
    lines = [
        {
            "group": g,
            "typed": typed[g.key],
            "maximum_error": errors.get((g.key, "maximum"), ""),
            "threshold_error": errors.get((g.key, "threshold"), ""),
        }
        for g in rows
    ]
    context = {
        "lines": lines,
        "general": general,
        "editable": editable,
        "history": score_config.history(),
    }
    return render(request, "backoffice/score_groups.html", context, status=status)


def _plain(value) -> str:
    return f"{value.normalize():f}".replace(".", ",")
