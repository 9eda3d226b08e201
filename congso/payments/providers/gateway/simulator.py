"""A small redirect-and-IPN bank gateway for tests and ``make run`` (mounted at /sim/gateway/).

The citizen's browser arrives with the signed ``vnp_*`` request; the page lets them pay or cancel; the
gateway calls the merchant's IPN URL (server to server, GET, per the control's IPN mode) and sends the
browser to ``vnp_ReturnUrl`` with the signed result. ``querydr`` and our ``statement`` answer as JSON.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from congso.payments.providers.gateway import protocol as G
from congso.payments.providers.simstore import services
from congso.payments.providers.simstore.models import SimPayment

PROVIDER = "gateway"


def ipn_url() -> str:
    return settings.CONGSO_PUBLIC_URL.rstrip("/") + "/api/v1/payments/ipn/gateway"


def result_params(sim: SimPayment) -> dict:
    status = {"success": "00", "failed": "02"}.get(sim.status, "01")
    return {
        "vnp_TmnCode": settings.CONGSO_GATEWAY_TMN_CODE,
        "vnp_Amount": str(sim.amount * 100),
        "vnp_BankCode": sim.bank,
        "vnp_TransactionNo": sim.transaction_no,
        "vnp_ResponseCode": sim.result_code or "99",
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": sim.reference,
        "vnp_OrderInfo": sim.description,
        "vnp_PayDate": G.timestamp(sim.paid_at or sim.created_at),
    }


def signed_result(sim: SimPayment) -> dict:
    params = {k: v for k, v in result_params(sim).items() if str(v) != ""}
    return {**params, "vnp_SecureHash": G.secure_hash(params, settings.CONGSO_GATEWAY_SECRET)}


def send_ipn(sim: SimPayment) -> str:
    return services.deliver_ipn(sim, signed_result(sim), method="GET")


@require_GET
def start(request):
    if services.control(PROVIDER).down:
        return render(request, "paysim/error.html", {"message": _("Cổng thanh toán đang bảo trì (503).")}, status=503)
    params = request.GET.dict()
    if (
        not G.verify(params, settings.CONGSO_GATEWAY_SECRET)
        or params.get("vnp_TmnCode") != settings.CONGSO_GATEWAY_TMN_CODE
    ):
        return render(request, "paysim/error.html", {"message": _("Sai chữ ký (mã lỗi 97).")}, status=400)
    amount = G.read_amount(params.get("vnp_Amount"))
    reference = params.get("vnp_TxnRef", "")[:100]
    if not amount or not reference:
        return render(request, "paysim/error.html", {"message": _("Số tiền không hợp lệ (mã lỗi 03).")}, status=400)
    sim, _created = SimPayment.objects.get_or_create(
        provider=PROVIDER,
        reference=reference,
        defaults={
            "transaction_no": services.new_transaction_no(),
            "amount": amount,
            "description": params.get("vnp_OrderInfo", "")[:500],
            "return_url": params.get("vnp_ReturnUrl", "")[:2000],
            "notify_url": ipn_url(),
            "request": params,
        },
    )
    return HttpResponseRedirect(settings.CONGSO_GATEWAY_URL.rstrip("/") + f"/pay/{sim.reference}/")


@require_http_methods(["GET", "POST"])
def pay_page(request, reference: str):
    return services.pay_page(
        request,
        get_object_or_404(SimPayment, provider=PROVIDER, reference=reference),
        title=_("Cổng thanh toán ngân hàng / ví điện tử (mô phỏng)"),
        banks=["NCB", "VCB", "TCB", "MOMO"],
        merchant=settings.CONGSO_GATEWAY_TMN_CODE,
        cancel_code="24",
        send_ipn=send_ipn,
        back_query=lambda sim: G.signed_query(result_params(sim), settings.CONGSO_GATEWAY_SECRET),
    )


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@csrf_exempt
@require_POST
def transaction_api(request):
    if services.control(PROVIDER).down:
        return JsonResponse({"vnp_ResponseCode": "99", "vnp_Message": "Maintenance"}, status=503)
    body = _json_body(request)
    secret = settings.CONGSO_GATEWAY_SECRET
    if str(body.get("vnp_SecureHash", "")).lower() != G.pipe_hash(body, G.QUERY_REQUEST_FIELDS, secret):
        return JsonResponse({"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"})
    sim = SimPayment.objects.filter(provider=PROVIDER, reference=str(body.get("vnp_TxnRef", ""))).first()
    if sim is None:
        return JsonResponse({"vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"})
    answer = {
        "vnp_ResponseId": body.get("vnp_RequestId", ""),
        "vnp_Command": "querydr",
        "vnp_ResponseCode": "00",
        "vnp_Message": "QueryDR Success",
        **result_params(sim),
        "vnp_TransactionType": "01",
        "vnp_PromotionCode": "",
        "vnp_PromotionAmount": "",
    }
    answer["vnp_SecureHash"] = G.pipe_hash(answer, G.QUERY_ANSWER_FIELDS, secret)
    return JsonResponse(answer)


@csrf_exempt
@require_POST
def statement_api(request):
    if services.control(PROVIDER).down:
        return JsonResponse({"vnp_ResponseCode": "99", "vnp_Message": "Maintenance"}, status=503)
    body = _json_body(request)
    if str(body.get("vnp_SecureHash", "")).lower() != G.pipe_hash(
        body, G.STATEMENT_FIELDS, settings.CONGSO_GATEWAY_SECRET
    ):
        return JsonResponse({"vnp_ResponseCode": "97", "vnp_Message": "Invalid Checksum"})
    try:
        day = dt.datetime.strptime(str(body.get("vnp_Date")), "%Y%m%d").date()
    except ValueError:
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid date"})
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), G.VN)
    rows = SimPayment.objects.filter(
        provider=PROVIDER, status="success", paid_at__gte=start, paid_at__lt=start + dt.timedelta(days=1)
    )
    return JsonResponse(
        {"vnp_ResponseCode": "00", "transactions": [result_params(s) for s in rows.order_by("paid_at")]}
    )


app_name = "gateway_sim"
urlpatterns = [
    path("paymentv2/vpcpay.html", start, name="start"),
    path("pay/<str:reference>/", pay_page, name="pay"),
    path("merchant_webapi/api/transaction", transaction_api, name="transaction"),
    path("merchant_webapi/api/statement", statement_api, name="statement"),
]
