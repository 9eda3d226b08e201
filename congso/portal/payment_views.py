"""Paying fees online (domain §7): the citizen's payment page, the providers' return, the e-receipt."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from congso.payments import actions, receipts, selectors
from congso.payments.choices import Method, ObligationStatus, PublicState, Source, Verdict
from congso.payments.models import Payment, Receipt
from congso.payments.money import format_vnd


def _method_choices() -> list[tuple[str, str]]:
    labels = dict(Method.choices)
    return [(m, str(labels[m])) for m in selectors.online_methods()]


@require_http_methods(["GET", "POST"])
def pay(request, token: str):
    """Thanh toán phí, lệ phí: the amount and its lines, the methods, and a button per method."""
    ob = selectors.obligation_by_token(token)
    if ob is None:
        raise Http404
    error = ""
    status = 200
    method = request.POST.get("method", "")
    if request.method == "POST" and ob.status == ObligationStatus.OPEN:
        key = request.POST.get("attempt", "")[:64]
        try:
            uuid.UUID(key)
        except ValueError:
            key = ""
        try:
            payment, _created = actions.start_online_payment(
                ob,
                method,
                idempotency_key=key,
                request_sha256="",
                client_ip=request.META.get("REMOTE_ADDR", ""),
                locale="en" if (get_language() or "vi").startswith("en") else "vi",
            )
        except actions.PaymentError as exc:
            error, status = exc.message, exc.status
        else:
            payment = _wait_for_link(payment)
            if payment.pay_url and not payment.finished:
                return HttpResponseRedirect(payment.pay_url)
            if not payment.finished:  # a first click is still talking to the provider: continue that attempt
                return _starting(request, ob, payment)
            error, status = _("Giao dịch này đã kết thúc; vui lòng tải lại trang để thanh toán lại."), 409
    elif request.method == "GET" and request.GET.get("giao-dich"):
        payment = ob.payments.filter(reference=request.GET["giao-dich"][:40]).first()
        if payment is not None and not payment.finished:
            payment = _wait_for_link(payment)
            if payment.pay_url:
                return HttpResponseRedirect(payment.pay_url)
            return _starting(request, ob, payment)
    paid = ob.payments.filter(state="paid").select_related("receipt").first()
    context = {
        "ob": ob,
        "dossier": ob.dossier,
        "lines": [{**line, "amount_text": format_vnd(line.get("amount") or 0)} for line in ob.lines],
        "amount_text": format_vnd(ob.amount),
        "methods": _method_choices(),
        "method": method or (selectors.online_methods() or [""])[0],
        "attempt": str(uuid.uuid4()),
        "error": error,
        "paid": paid,
        "receipt_url": receipts.public_url(paid.receipt) if paid and hasattr(paid, "receipt") else "",
    }
    return render(request, "portal/pay.html", context, status=status)


def _wait_for_link(payment: Payment, seconds: float = 3.0) -> Payment:
    """A double click: the first request may still be starting the attempt with the provider."""
    import time

    deadline = time.monotonic() + seconds
    while not payment.pay_url and payment.state == "new" and time.monotonic() < deadline:
        time.sleep(0.2)
        payment.refresh_from_db(fields=["pay_url", "state", "finished_at"])
    return payment


def _starting(request, ob, payment: Payment):
    """The provider has not answered the first click yet: this page reloads itself onto the same attempt."""
    return render(
        request,
        "portal/pay_starting.html",
        {"ob": ob, "continue_url": f"{request.path}?giao-dich={payment.reference}"},
        status=202,
    )


def pay_return(request, method: str):
    """Where the provider sends the citizen back: verify the signed result and say plainly what happened."""
    if method not in selectors.online_methods():
        raise Http404
    verdict, payment = actions.handle_message(method, request.GET, source=Source.RETURN)
    if payment is not None:
        payment = Payment.objects.select_related("obligation", "obligation__dossier").get(pk=payment.pk)
    context = {"verdict": verdict, "payment": payment, "method_label": dict(Method.choices).get(method, method)}
    status = 200
    if payment is None or verdict in (Verdict.BAD_SIGNATURE, Verdict.MALFORMED, Verdict.WRONG_AMOUNT):
        context["outcome"] = "invalid"
        status = 400
    else:
        public = payment.public_state
        context["outcome"] = {
            PublicState.SUCCESS: "success",
            PublicState.FAILED: "failed",
            PublicState.CANCELLED: "cancelled",
            PublicState.ERROR: "error" if not payment.refund_due else "duplicate",
        }.get(public, "pending")
        context["ob"] = payment.obligation
        context["amount_text"] = format_vnd(payment.amount)
        receipt = Receipt.objects.filter(payment=payment).first()
        context["receipt_url"] = receipts.public_url(receipt) if receipt else ""
    return render(request, "portal/pay_result.html", context, status=status)


def receipt_download(request, token: str):
    receipt = Receipt.objects.select_related("payment__obligation__dossier", "agency").filter(token=token).first()
    if receipt is None or len(token) < 16:
        raise Http404
    return receipts.pdf_response(receipt)
