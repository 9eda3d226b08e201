"""Shared behaviour of the payment simulators: control, paying, and delivering the IPN."""

from __future__ import annotations

import json
import logging
import secrets

import httpx
from django.db.models import F
from django.utils import timezone

from congso.payments.providers import base
from congso.payments.providers.simstore.models import IpnMode, SimControl, SimPayment

log = logging.getLogger(__name__)


def control(provider: str) -> SimControl:
    row, _created = SimControl.objects.get_or_create(provider=provider)
    return row


def set_down(provider: str, down: bool) -> None:
    control(provider)
    SimControl.objects.filter(provider=provider).update(down=down)


def set_ipn_mode(provider: str, mode: str) -> None:
    control(provider)
    SimControl.objects.filter(provider=provider).update(ipn_mode=IpnMode(mode))


def new_transaction_no() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def finish(sim: SimPayment, *, success: bool, bank: str = "NCB", code: str = "") -> SimPayment:
    """The citizen paid (or cancelled) on the simulator's page."""
    sim.status = "success" if success else "failed"
    sim.result_code = code or ("00" if success else "24")
    sim.bank = bank[:20]
    sim.paid_at = timezone.now() if success else None
    sim.save(update_fields=["status", "result_code", "bank", "paid_at"])
    return sim


def deliver_ipn(sim: SimPayment, message: dict, *, method: str) -> str:
    """Send the IPN to the province now; the answer text, or the error. Never raises."""
    SimPayment.objects.filter(pk=sim.pk).update(ipn_attempts=F("ipn_attempts") + 1)
    try:
        with base.http_client(sim.notify_url, timeout=10) as client:
            if method == "GET":
                response = client.get(sim.notify_url, params=message)
            else:
                response = client.post(
                    sim.notify_url, content=json.dumps(message), headers={"Content-Type": "application/json"}
                )
        answer = f"HTTP {response.status_code}: {response.text[:400]}"
        ok = response.status_code == 200 and _acknowledged(response)
    except httpx.HTTPError as exc:
        answer, ok = f"{exc.__class__.__name__}: {exc}", False
    updates = {"ipn_last_answer": answer[:500]}
    if ok:
        updates["ipn_delivered_at"] = timezone.now()
    SimPayment.objects.filter(pk=sim.pk).update(**updates)
    if not ok:
        log.warning("payment simulator: IPN for %s not acknowledged: %s", sim.reference, answer)
    return answer


def _acknowledged(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return str(body.get("MaLoi", body.get("RspCode"))) in ("00", "02")


def pay_page(
    request, sim: SimPayment, *, title: str, banks: list[str], merchant: str, cancel_code: str, send_ipn, back_query
):
    """The simulated payment page: pay or cancel once, send the IPN per the control's mode, then send the
    browser back to the merchant's return URL with ``back_query(sim)`` (the provider's signed result)."""
    from django.http import Http404, HttpResponseRedirect
    from django.shortcuts import render

    if request.method == "POST" and sim.status == "pending":
        choice = request.POST.get("choice")
        if choice not in ("pay", "cancel"):
            raise Http404
        finish(
            sim,
            success=choice == "pay",
            bank=request.POST.get("bank", banks[0]),
            code="00" if choice == "pay" else cancel_code,
        )
        if control(sim.provider).ipn_mode == IpnMode.IMMEDIATE:
            send_ipn(sim)
    if sim.status != "pending":
        return HttpResponseRedirect(sim.return_url + ("&" if "?" in sim.return_url else "?") + back_query(sim))
    return render(request, "paysim/pay.html", {"sim": sim, "title": title, "banks": banks, "merchant": merchant})
