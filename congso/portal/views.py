"""Citizen-facing pages: find a procedure."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from congso.catalog.choices import OnlineClass, ProcedureLevel
from congso.catalog.models import Field, Procedure
from congso.catalog.selectors import current_procedures, procedure_detail, search_procedures
from congso.geo.models import AdministrativeUnit

PAGE_SIZE = 20


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def home(request):
    context = {
        "procedure_count": current_procedures().count(),
        "commune_count": AdministrativeUnit.objects.current().filter(level="commune").count(),
        "fields": Field.objects.order_by("name"),
    }
    return render(request, "portal/home.html", context)


def procedure_list(request):
    q = request.GET.get("q", "")[:200]
    field_id = _int_or_none(request.GET.get("field"))
    level = request.GET.get("level") if request.GET.get("level") in ProcedureLevel.values else None
    online = request.GET.get("online") if request.GET.get("online") in OnlineClass.values else None
    results = search_procedures(q, field_id=field_id, level=level, online=online)
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "q": q,
        "page": page,
        "fields": Field.objects.order_by("name"),
        "levels": ProcedureLevel.choices,
        "online_classes": OnlineClass.choices,
        "selected": {"field": field_id, "level": level, "online": online},
        "querystring": request.GET.copy(),
    }
    return render(request, "portal/procedure_list.html", context)


def procedure_detail_view(request, pk: int):
    try:
        procedure = procedure_detail(pk)
    except Procedure.DoesNotExist:
        raise Http404 from None
    return render(request, "portal/procedure_detail.html", {"procedure": procedure})


def dossier_lookup(request):
    """Tra cứu hồ sơ: the page the QR code on every form points to."""
    from congso.dossiers.choices import State
    from congso.dossiers.lookup import lookup

    code = request.GET.get("code", "").strip()[:60]
    last4 = request.GET.get("id_last4", "").strip()[:4]
    context = {"code": code, "id_last4": last4, "result": None, "error": ""}
    status = 200
    if code and last4:
        result = lookup(request.META.get("REMOTE_ADDR", ""), code, last4)
        if result.blocked:
            context["error"] = _("Bạn đã tra cứu sai quá nhiều lần; vui lòng thử lại sau 1 phút.")
            status = 429
        elif result.dossier is None:
            context["error"] = _(
                "Không tìm thấy hồ sơ với mã và 4 số cuối giấy tờ định danh đã nhập; vui lòng kiểm tra lại."
            )
            status = 404
        else:
            context["result"] = result.dossier
            context["state_label"] = State(result.dossier.state).label
    elif code:
        context["error"] = _("Vui lòng nhập 4 ký tự cuối của số CCCD hoặc mã số doanh nghiệp.")
    return render(request, "portal/dossier_lookup.html", context, status=status)
