"""Công khai kết quả giải quyết thủ tục hành chính: the province's Decision 766 figures for everyone, no login.

For a month, a quarter or a year: the on-time, online, online-payment, digitisation and satisfaction rates, the
score out of 100 and the place of every province-level agency and every commune. Only aggregates and unit names:
no applicant, no identity number, no dossier code ever reaches this page (it reads ``kpi.ranking``, which sums
the summary cells). Each period's figures are cached for ``CONGSO_KPI_PUBLIC_CACHE_SECONDS``.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from congso.kpi import ranking, selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request):
    text, typed = ranking.period_text(request.GET, timezone.localdate())
    try:
        return selectors.parse_period(text), text, typed, ""
    except selectors.KpiError as exc:
        return None, text, typed, exc.message


def transparency(request):
    period, text, typed, error = _period(request)
    tables = []
    province = None
    rules = ()
    if period is not None:
        for level in ranking.LEVELS:
            result = ranking.public_ranking(period, level)
            tables.append((level, ranking.LEVEL_LABELS[level], result))
        province = tables[0][2].province
        rules = tables[0][2].rules
    context = {
        "period": period,
        "period_text": text,
        "typed": typed,
        "error": error,
        "tables": tables,
        "province": province,
        "rules": rules,
        "shown_rates": ranking.SHOWN_RATES,
        "kinds": ranking.PERIOD_KINDS,
        "years": ranking.years(timezone.localdate()),
        "months": range(1, 13),
        "quarters": range(1, 5),
    }
    return render(request, "portal/transparency.html", context, status=400 if error else 200)


def transparency_export(request):
    period, text, _typed, _error = _period(request)
    if period is None:
        return HttpResponseRedirect(f"{reverse('portal:transparency')}?{request.GET.urlencode()}")
    data = ranking.xlsx([ranking.public_ranking(period, level) for level in ranking.LEVELS])
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cong-khai-766-{period.start:%Y%m}-{period.end:%Y%m}.xlsx"'
    return response
