"""Money is never lost or counted twice: bad, replayed, late and out-of-order messages, timeouts and a crash
between "paid" and "the dossier moved on" (issue: bad input and failure)."""

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from congso.dossiers.models import Dossier, DossierEvent
from congso.payments import actions
from congso.payments.models import Obligation, Payment, ProviderMessage, Receipt
from congso.payments.providers.simstore import services as sim
from congso.payments.providers.simstore.models import SimPayment
from congso.payments.tests.conftest import gateway_ipn, platform_confirm, start

pytestmark = pytest.mark.django_db


def ipn_gateway(params: dict):
    return Client().get("/api/v1/payments/ipn/gateway", params)


def ipn_platform(body: dict):
    return Client().post("/api/v1/payments/ipn/payplatform", json.dumps(body), content_type="application/json")


def paid_events(dossier_id: int) -> int:
    return DossierEvent.objects.filter(dossier_id=dossier_id, action="confirm_payment").count()


def started(obligation, method="gateway") -> Payment:
    response = start(obligation, method)
    assert response.status_code == 201, response.content.decode()
    return Payment.objects.get(reference=response.json()["reference"])


def test_a_tampered_signature_is_refused_and_changes_nothing(network, obligation):
    p = started(obligation)
    params = gateway_ipn(p.reference, p.amount)
    params["vnp_Amount"] = "100"  # one đồng: the hash no longer matches
    r = ipn_gateway(params)
    assert r.json() == {"RspCode": "97", "Message": "Invalid signature"}
    body = platform_confirm(p.reference, p.amount)
    body["MaXacThuc"] = "0" * 64
    assert ipn_platform(body).json() == {"MaLoi": "97"}
    p.refresh_from_db()
    assert p.state == "redirected" and not Receipt.objects.exists()
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "unpaid"
    assert ProviderMessage.objects.filter(verdict="bad_signature").count() == 2


def test_a_wrong_amount_is_refused_even_when_signed(network, obligation):
    p = started(obligation)
    r = ipn_gateway(gateway_ipn(p.reference, p.amount - 1000))
    assert r.json()["RspCode"] == "04"
    p.refresh_from_db()
    assert p.state == "redirected" and "9000" in p.last_error
    assert Obligation.objects.get(pk=obligation.pk).status == "open"


def test_an_unknown_reference_is_answered_and_logged(network, obligation):
    r = ipn_gateway(gateway_ipn("CS2612019999999999", 10000))
    assert r.json()["RspCode"] == "01"
    assert ipn_platform(platform_confirm("CS2612019999999998", 10000)).json() == {"MaLoi": "01"}
    assert ProviderMessage.objects.filter(verdict="unknown_reference").count() == 2
    assert not Payment.objects.filter(state="paid").exists()


def test_malformed_notifications_are_refused(network, obligation):
    assert ipn_gateway({"vnp_TxnRef": "x"}).json()["RspCode"] == "99"
    r = Client().post("/api/v1/payments/ipn/payplatform", b"not json", content_type="application/json")
    assert r.status_code == 200 and r.json() == {"MaLoi": "99"}
    assert Client().get("/api/v1/payments/ipn/unknown").status_code == 404


def test_an_ipn_replayed_five_times_pays_once(network, obligation):
    p = started(obligation)
    params = gateway_ipn(p.reference, p.amount)
    answers = [ipn_gateway(params).json()["RspCode"] for _ in range(5)]
    assert answers == ["00", "02", "02", "02", "02"]
    assert Receipt.objects.count() == 1
    assert paid_events(obligation.dossier_id) == 1
    assert ProviderMessage.objects.filter(payment=p, verdict="duplicate").count() == 4


def test_a_failure_arriving_after_the_success_changes_nothing(network, obligation):
    p = started(obligation, "payplatform")
    assert ipn_platform(platform_confirm(p.reference, p.amount)).json() == {"MaLoi": "00"}
    assert ipn_platform(platform_confirm(p.reference, p.amount, outcome="failed")).json() == {"MaLoi": "02"}
    p.refresh_from_db()
    assert p.state == "paid" and p.public_state == "success" and p.finished


def test_the_ipn_before_the_citizen_returns_and_the_return_after(network, obligation):
    citizen = Client()
    p = started(obligation)
    sim_page = citizen.get(p.pay_url, follow=True)
    back = citizen.post(sim_page.wsgi_request.path, {"choice": "pay"})  # the simulator sends the IPN first
    p.refresh_from_db()
    assert p.state == "paid" and paid_events(obligation.dossier_id) == 1
    result = citizen.get(back["Location"])
    assert result.context["outcome"] == "success" and result.context["verdict"] == "duplicate"
    assert paid_events(obligation.dossier_id) == 1 and Receipt.objects.count() == 1


def test_the_return_before_the_ipn_and_the_ipn_after(network, obligation):
    sim.set_ipn_mode("gateway", "after_return")
    citizen = Client()
    p = started(obligation)
    sim_page = citizen.get(p.pay_url, follow=True)
    back = citizen.post(sim_page.wsgi_request.path, {"choice": "pay"})
    result = citizen.get(back["Location"])  # signed like the IPN: the return alone records the payment
    assert result.context["outcome"] == "success"
    from congso.payments.providers.gateway.simulator import send_ipn

    answer = send_ipn(SimPayment.objects.get(reference=p.reference))
    assert '"RspCode": "02"' in answer  # already confirmed: acknowledged, nothing doubles
    assert paid_events(obligation.dossier_id) == 1 and Receipt.objects.count() == 1


def test_the_dossier_moves_on_from_the_ipn_alone_when_the_citizen_never_comes_back(network, obligation):
    citizen = Client()
    p = started(obligation, "payplatform")
    sim_page = citizen.get(p.pay_url)
    citizen.post(sim_page.wsgi_request.path, {"choice": "pay"})  # and closes the phone: no return
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "paid"


def test_pending_attempts_are_polled_when_no_ipn_ever_comes(network, obligation):
    sim.set_ipn_mode("payplatform", "never")
    citizen = Client()
    p = started(obligation, "payplatform")
    citizen.post(citizen.get(p.pay_url).wsgi_request.path, {"choice": "pay"})
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "unpaid"
    counts = actions.poll_pending(now=timezone.now() + dt.timedelta(minutes=3))
    assert counts["paid"] == 1
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "paid"
    assert ProviderMessage.objects.filter(payment=p, source="poll", verdict="applied").exists()


def test_a_gateway_timeout_tells_the_citizen_and_the_attempt_is_checked_later(network, obligation):
    network.timeout, network.timeout_paths = True, ("/api/init",)
    r = start(obligation, "payplatform")
    assert r.status_code == 503
    assert "không phản hồi" in r.json()["detail"] and "chưa bị trừ tiền" in r.json()["detail"]
    p = Payment.objects.get(obligation=obligation)
    assert p.state == "init_unknown" and p.public_state == "error" and not p.finished
    network.timeout = False
    # The platform never registered it: once expired, the attempt is closed; the obligation stays payable.
    counts = actions.poll_pending(now=p.expires_at + dt.timedelta(minutes=1))
    assert counts["expired"] == 1
    p.refresh_from_db()
    assert p.state == "expired" and Obligation.objects.get(pk=obligation.pk).status == "open"
    assert start(obligation, "payplatform").status_code == 201  # the citizen pays again


def test_an_init_whose_answer_was_lost_is_found_by_polling(network, obligation):
    network.lose_answers = ("/api/init",)
    assert start(obligation, "payplatform").status_code == 503
    network.lose_answers = ()
    p = Payment.objects.get(obligation=obligation)
    sim_row = SimPayment.objects.get(reference=p.reference)  # the platform has it
    sim.finish(sim_row, success=True)  # e.g. paid from the platform's own app
    counts = actions.poll_pending(now=timezone.now() + dt.timedelta(minutes=1))
    assert counts["paid"] == 1
    assert Obligation.objects.get(pk=obligation.pk).status == "paid"


def test_a_provider_down_is_a_clear_message_and_nothing_is_half_done(network, obligation):
    sim.set_down("payplatform", True)
    r = start(obligation, "payplatform")
    assert r.status_code == 503 and "sự cố" in r.json()["detail"]
    p = Payment.objects.get(obligation=obligation)
    assert p.state == "error" and p.finished
    assert ProviderMessage.objects.filter(payment=p, source="init", verdict="provider_error").exists()


class Killed(BaseException):
    """The process dies here (not an Exception: nothing catches it)."""


def test_a_crash_between_paid_and_the_dossier_moving_on_is_finished_by_the_sweep(network, obligation, monkeypatch):
    p = started(obligation)

    def die(*_args, **_kwargs):
        raise Killed

    monkeypatch.setattr(actions, "settle", die)
    with pytest.raises(Killed):
        ipn_gateway(gateway_ipn(p.reference, p.amount))
    monkeypatch.undo()
    ob = Obligation.objects.get(pk=obligation.pk)
    assert ob.status == "paid" and ob.settled_at is None  # the money is recorded …
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "unpaid"  # … the dossier not yet
    assert actions.sweep() == {"settled": 1, "failed": 0}
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "paid"
    assert actions.sweep() == {"settled": 0, "failed": 0}
    assert paid_events(obligation.dossier_id) == 1


def test_a_second_success_is_kept_as_a_duplicate_to_refund_never_a_second_payment(network, obligation):
    first = started(obligation, "gateway")
    second = started(obligation, "payplatform")
    assert ipn_platform(platform_confirm(second.reference, second.amount)).json() == {"MaLoi": "00"}
    first.refresh_from_db()
    assert first.state == "superseded"
    # The citizen had also paid the first attempt: the money is real, so it is recorded, to refund.
    assert ipn_gateway(gateway_ipn(first.reference, first.amount)).json()["RspCode"] == "00"
    first.refresh_from_db()
    assert first.state == "duplicate" and first.refund_due and first.public_state == "error"
    assert Payment.objects.filter(obligation=obligation, state="paid").count() == 1
    assert paid_events(obligation.dossier_id) == 1


def test_the_database_refuses_two_successes_for_one_obligation(obligation):
    now = timezone.now()
    kwargs = {"obligation": obligation, "method": "cash", "state": "paid", "amount": 10000, "created_at": now}
    Payment.objects.create(reference="CSX1", **kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(reference="CSX2", **kwargs)


def test_money_for_a_withdrawn_dossier_is_kept_and_marked_for_refund(network, obligation, clerk_binh):
    p = started(obligation)
    clerk_binh.act(obligation.dossier_id, "withdraw", {"reason": "Công dân rút hồ sơ"})
    assert Obligation.objects.get(pk=obligation.pk).status == "cancelled"
    assert ipn_gateway(gateway_ipn(p.reference, p.amount)).json()["RspCode"] == "00"
    p.refresh_from_db()
    assert p.state == "duplicate" and p.refund_due
    assert Dossier.objects.get(pk=obligation.dossier_id).state == "withdrawn"


def test_dvcqg_is_told_the_dossier_was_paid_online(network, obligation):
    from congso.national.models import OutboxMessage

    p = started(obligation)
    ipn_gateway(gateway_ipn(p.reference, p.amount))
    last = OutboxMessage.objects.filter(dossier_id=obligation.dossier_id, service="DongBoHoSoMC").order_by("seq").last()
    assert '"DuocThanhToanTrucTuyen": 2' in json.dumps(last.body, ensure_ascii=False)
