"""A small Payment Platform for tests and ``make run`` (mounted at /sim/payplatform/).

INIT registers the payment and answers the payment page's URL; on that page the "citizen" pays or
cancels; the platform then POSTs the signed CONFIRM to the province (per the control's IPN mode) and
sends the browser back to ``UrlTraVe`` with the same CONFIRM in the query string. QUERY and DOISOAT
answer from what it holds.
"""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from congso.payments.providers.payplatform import protocol as P
from congso.payments.providers.simstore import services
from congso.payments.providers.simstore.models import SimPayment

PROVIDER = "payplatform"


def _body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


def _gate(request, fields) -> tuple[dict, JsonResponse | None]:
    if services.control(PROVIDER).down:
        return {}, JsonResponse({"MaLoi": "96", "MoTaLoi": "Hệ thống đang bảo trì"}, status=503)
    body = _body(request)
    if body.get("MaDoiTac") != settings.CONGSO_PAYPLATFORM_PARTNER or not P.verify(
        body, fields, settings.CONGSO_PAYPLATFORM_SECRET
    ):
        return body, JsonResponse({"MaLoi": "97", "MoTaLoi": "Sai MaXacThuc hoặc MaDoiTac"})
    return body, None


def confirm_of(sim: SimPayment) -> dict:
    outcome = {"success": "success", "failed": "failed"}.get(sim.status, "pending")
    return P.confirm_message(
        partner=settings.CONGSO_PAYPLATFORM_PARTNER,
        reference=sim.reference,
        amount=sim.amount,
        transaction=sim.transaction_no,
        outcome=outcome,
        at=sim.paid_at or sim.created_at,
        bank=sim.bank,
        secret=settings.CONGSO_PAYPLATFORM_SECRET,
    )


def send_ipn(sim: SimPayment) -> str:
    return services.deliver_ipn(sim, confirm_of(sim), method="POST")


@csrf_exempt
@require_POST
def init(request):
    body, refused = _gate(request, P.INIT_FIELDS)
    if refused:
        return refused
    amount = P.read_amount(body.get("SoTien"))
    reference = str(body.get("MaThamChieu", ""))[:100]
    if not reference or not amount:
        return JsonResponse({"MaLoi": "11", "MoTaLoi": "Thiếu MaThamChieu hoặc SoTien không hợp lệ"})
    sim, _created = SimPayment.objects.get_or_create(
        provider=PROVIDER,
        reference=reference,
        defaults={
            "transaction_no": "PP" + services.new_transaction_no(),
            "amount": amount,
            "description": str(body.get("ThongTinGiaoDich", ""))[:500],
            "return_url": str(body.get("UrlTraVe", ""))[:2000],
            "notify_url": str(body.get("UrlThongBao", ""))[:2000],
            "request": body,
        },
    )
    if sim.amount != amount:
        return JsonResponse({"MaLoi": "12", "MoTaLoi": "MaThamChieu đã dùng với số tiền khác"})
    url = settings.CONGSO_PAYPLATFORM_URL.rstrip("/") + f"/pay/{sim.reference}/"
    answer = {
        "MaLoi": P.OK,
        "MoTaLoi": "",
        "MaThamChieu": sim.reference,
        "UrlThanhToan": url,
        "MaGiaoDich": sim.transaction_no,
    }
    return JsonResponse(P.sign(answer, P.INIT_ANSWER_FIELDS, settings.CONGSO_PAYPLATFORM_SECRET))


@require_http_methods(["GET", "POST"])
def pay_page(request, reference: str):
    return services.pay_page(
        request,
        get_object_or_404(SimPayment, provider=PROVIDER, reference=reference),
        title=_("Nền tảng thanh toán — Cổng Dịch vụ công quốc gia (mô phỏng)"),
        banks=["VCB", "BIDV", "VTB", "AGRIBANK"],
        merchant=settings.CONGSO_PAYPLATFORM_PARTNER,
        cancel_code="01",
        send_ipn=send_ipn,
        back_query=lambda sim: urlencode(confirm_of(sim)),
    )


@csrf_exempt
@require_POST
def query(request):
    body, refused = _gate(request, P.QUERY_FIELDS)
    if refused:
        return refused
    sim = SimPayment.objects.filter(provider=PROVIDER, reference=str(body.get("MaThamChieu", ""))).first()
    if sim is None:
        return JsonResponse({"MaLoi": P.OK, "MaKetQua": "03", "MaThamChieu": body.get("MaThamChieu", "")})
    return JsonResponse({**confirm_of(sim), "MaLoi": P.OK})


@csrf_exempt
@require_POST
def statement(request):
    body, refused = _gate(request, P.STATEMENT_FIELDS)
    if refused:
        return refused
    try:
        day = dt.datetime.strptime(str(body.get("NgayDoiSoat")), "%Y%m%d").date()
    except ValueError:
        return JsonResponse({"MaLoi": "11", "MoTaLoi": "NgayDoiSoat không hợp lệ"})
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), P.VN)
    rows = SimPayment.objects.filter(
        provider=PROVIDER, status="success", paid_at__gte=start, paid_at__lt=start + dt.timedelta(days=1)
    )
    return JsonResponse(
        {
            "MaLoi": P.OK,
            "DanhSachGiaoDich": [
                {
                    "MaThamChieu": s.reference,
                    "MaGiaoDich": s.transaction_no,
                    "SoTien": s.amount,
                    "MaKetQua": "00",
                    "ThoiGianGD": P.timestamp(s.paid_at),
                }
                for s in rows.order_by("paid_at")
            ],
        }
    )


app_name = "payplatform_sim"
urlpatterns = [
    path("api/init", init, name="init"),
    path("api/query", query, name="query"),
    path("api/statement", statement, name="statement"),
    path("pay/<str:reference>/", pay_page, name="pay"),
]
