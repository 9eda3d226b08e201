"""Citizen-facing pages: find a procedure, look up a dossier, verify a signed document."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from congso.catalog.choices import OnlineClass, ProcedureLevel
from congso.catalog.models import Field, Procedure
from congso.catalog.selectors import (
    COMMUNE_AGENCIES,
    current_procedures,
    find_procedures,
    procedure_agencies,
    procedure_detail,
)
from congso.core.text import ascii_vi
from congso.geo.choices import AgencyKind
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
    agencies = list(procedure_agencies())
    agency = request.GET.get("agency", "")
    if agency != COMMUNE_AGENCIES:  # one of the offered agencies, else no agency filter
        agency = next((a.pk for a in agencies if str(a.pk) == agency), None)
    found = find_procedures(
        q,
        field_id=field_id,
        level=level,
        online=online,
        agency_id=agency if isinstance(agency, int) else None,
        agency_kind=AgencyKind.COMMUNE_PC if agency == COMMUNE_AGENCIES else None,
    )
    page = Paginator(found.results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "q": q,
        "corrected": found.corrected,
        "page": page,
        "fields": Field.objects.order_by("name"),
        "agencies": agencies,
        "commune_agencies": COMMUNE_AGENCIES,
        "levels": ProcedureLevel.choices,
        "online_classes": OnlineClass.choices,
        "selected": {"field": field_id, "level": level, "online": online, "agency": agency},
        "querystring": request.GET.copy(),
    }
    # htmx (typing in the search box): only the results; a history restore needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "portal/_procedure_results.html" if partial else "portal/procedure_list.html", context)
    if partial:  # the address bar shows the same clean URL a plain GET would: no empty filters, spaces as "+"
        query = urlencode([(k, v) for k, v in request.GET.items() if v])
        response["HX-Push-Url"] = request.path + (f"?{query}" if query else "")
    patch_vary_headers(response, ("HX-Request",))
    return response


def procedure_detail_view(request, pk: int):
    try:
        procedure = procedure_detail(pk)
    except Procedure.DoesNotExist:
        raise Http404 from None
    return render(request, "portal/procedure_detail.html", {"procedure": procedure, "steps": _public_steps(procedure)})


def _public_steps(procedure) -> list[str]:
    """Trình tự thực hiện as a citizen reads it: submit, the workflow's steps, receive the result."""
    from congso.catalog.selectors import workflow_for_procedure
    from congso.dossiers.actions import spec_of

    workflow = workflow_for_procedure(procedure)
    if workflow is None:
        return []
    spec = spec_of(workflow)
    return [
        _("Nộp hồ sơ (trực tuyến, trực tiếp hoặc qua bưu chính)"),
        *(step.name for step in spec.steps),
        _("Nhận kết quả"),
    ]


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
            context.update(_payment_context(result.dossier))
            context["rated"] = hasattr(result.dossier, "rating") and result.dossier.rating is not None
            context["rating_choices"] = [
                (5, _("5 — Rất hài lòng")),
                (4, _("4 — Hài lòng")),
                (3, _("3 — Bình thường")),
                (2, _("2 — Không hài lòng")),
                (1, _("1 — Rất không hài lòng")),
            ]
    elif code:
        context["error"] = _("Vui lòng nhập 4 ký tự cuối của số CCCD hoặc mã số doanh nghiệp.")
    return render(request, "portal/dossier_lookup.html", context, status=status)


def _payment_context(dossier) -> dict:
    """The dossier's latest fee obligation, for the lookup page: pay online, or download the receipt."""
    from congso.payments import receipts
    from congso.payments.models import Obligation, Receipt
    from congso.payments.money import format_vnd

    ob = Obligation.objects.filter(dossier=dossier).exclude(status="cancelled").order_by("-created_at", "-pk").first()
    if ob is None:
        return {}
    receipt = Receipt.objects.filter(payment_id=ob.paid_payment_id).first() if ob.paid_payment_id else None
    return {
        "obligation": ob,
        "obligation_amount": format_vnd(ob.amount),
        "receipt_url": receipts.public_url(receipt) if receipt else "",
    }


# ---- Xác thực văn bản điện tử (signature verification, exchange.md §2) -----------------------------------------
CHANGES_AFTER = {
    "NONE": gettext_lazy("Không thay đổi"),
    "LTA_UPDATES": gettext_lazy("Chỉ bổ sung dữ liệu kiểm tra (DSS, dấu thời gian)"),
    "FORM_FILLING": gettext_lazy("Chỉ thêm chữ ký/điền biểu mẫu sau đó"),
    "ANNOTATIONS": gettext_lazy("Có thêm ghi chú"),
    "OTHER": gettext_lazy("Có thay đổi khác"),
}
VERDICTS = {
    "valid": gettext_lazy("Văn bản có chữ ký số hợp lệ"),
    "invalid": gettext_lazy("Văn bản có chữ ký số KHÔNG hợp lệ"),
    "unsigned": gettext_lazy("Văn bản không có chữ ký số"),
}
VERDICT_HINTS = {
    "valid": gettext_lazy("Mọi chữ ký số trên văn bản đều hợp lệ và văn bản không bị sửa sau khi ký."),
    "invalid": gettext_lazy("Có chữ ký số không hợp lệ: xem chi tiết bên dưới. Không nên dùng văn bản này."),
    "unsigned": gettext_lazy("Tệp PDF này không có chữ ký số nào để xác thực."),
}


def _vn_time(moment) -> str:
    from congso.documents.signing.core import VN

    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S") if moment else ""


def _signature_rows(reports) -> list[dict]:
    """What a citizen reads about each signature, in plain Vietnamese."""
    from congso.documents import api as verification
    from congso.documents.models import SignatureKind

    rows = []
    for r in reports:
        readable = bool(r.signer or r.kind)
        if not readable:
            integrity = _("Không đọc được chữ ký nên không kiểm tra được tính toàn vẹn")
        elif r.intact and r.valid:
            integrity = _("Tài liệu còn nguyên vẹn")
        elif r.intact:
            integrity = _("Chữ ký không khớp với tài liệu (sai về mật mã)")
        else:
            integrity = _("Tài liệu đã bị thay đổi sau khi ký")
        if not readable:
            certificate = _("Không đọc được chứng thư số")
        elif r.revoked:
            certificate = _("Chứng thư số đã bị thu hồi")
        elif r.expired_at_signing:
            certificate = _("Chứng thư số đã hết hạn (hoặc chưa có hiệu lực) tại thời điểm ký")
        elif not verification.chain_checked(r):
            certificate = _("Chưa kiểm tra được (chữ ký không còn khớp với tài liệu)")
        elif r.trusted:
            certificate = _("Chứng thư số được tin cậy")
        else:
            certificate = _("Chứng thư số không được tin cậy")
        if r.signing_time is None:
            when = _("Không rõ")
        elif r.timestamped:
            when = _("%(time)s (theo dấu thời gian)") % {"time": _vn_time(r.signing_time)}
        else:
            when = _("%(time)s (theo máy tính của người ký, không có dấu thời gian)") % {
                "time": _vn_time(r.signing_time)
            }
        rows.append(
            {
                "field": r.field,
                "signer": r.signer or _("Không rõ"),
                "organisation": r.organisation,
                "kind": {
                    "person": SignatureKind.PERSON.label,
                    "organisation": SignatureKind.AGENCY.label,
                }.get(r.kind, _("Chữ ký số")),
                "ok": r.ok,
                "intact": r.intact and r.valid,
                "integrity": integrity,
                "certificate_ok": r.trusted and not r.revoked and not r.expired_at_signing,
                "certificate": certificate,
                "when": when,
                "changes": CHANGES_AFTER.get(r.changes_after, _("Không xác định")),
                "problems": verification.problems_of(r),
            }
        )
    return rows


def _report_context(sha256: str, verdict: str, reports) -> dict:
    return {
        "report": {
            "sha256": sha256,
            "verdict": verdict,
            "verdict_text": VERDICTS[verdict],
            "verdict_hint": VERDICT_HINTS[verdict],
            "signatures": _signature_rows(reports),
        }
    }


@csrf_exempt  # the upload limit is installed before the body is read; CSRF is checked right after (Django docs)
def verify(request):
    """Xác thực văn bản điện tử: upload a PDF (works without JavaScript), read the report per signature."""
    from congso.documents import api as verification

    if request.method != "POST":
        return render(request, "portal/verify.html", {"limit": verification.limit_text()})
    try:
        guard = verification.prepare_upload(request)
    except verification.VerifyRejected as exc:
        context = {"limit": verification.limit_text(), "error": exc.message}
        return render(request, "portal/verify.html", context, status=exc.status)
    return _verify_upload(request, guard)


@csrf_protect
def _verify_upload(request, guard):
    from congso.documents import api as verification

    context: dict = {"limit": verification.limit_text()}
    try:
        data = verification.take_upload(request, guard)
        context |= _report_context(*verification.verify_bytes(data))
        name = getattr(request.FILES.get("file"), "name", "") or ""
        context["filename"] = name[:200]
    except verification.VerifyRejected as exc:
        context["error"] = exc.message
        return render(request, "portal/verify.html", context, status=exc.status)
    return render(request, "portal/verify.html", context)


def verify_issued(request, token: str):
    """Where the QR code on an issued result lands: the issued document's label, number, issuer and report."""
    from congso.documents import api as verification

    try:
        issued = verification.issued_document(token)
        context = _report_context(*verification.verify_bytes(issued.data))
    except (verification.IssuedUnavailable, verification.VerifyRejected) as exc:
        return render(request, "portal/verify_issued.html", {"error": exc.message}, status=exc.status)
    context["link"] = issued.link
    context["size_kb"] = f"{len(issued.data) / 1024:.0f}"
    return render(request, "portal/verify_issued.html", context)


def verify_download(request, token: str):
    """The issued document's file as verified (application/pdf), named after its number."""
    from congso.documents import api as verification

    try:
        issued = verification.issued_document(token)
    except verification.IssuedUnavailable:
        raise Http404 from None
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_vi(issued.link.number or "")).strip("-.")
    filename = f"{stem or 'van-ban'}-{issued.link.token}.pdf"
    response = HttpResponse(issued.data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = f'"{issued.link.document_sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
