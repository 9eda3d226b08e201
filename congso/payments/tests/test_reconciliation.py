"""The daily reconciliation: matched, missing and mismatched lines; what congso missed is repaired."""

import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, user
from congso.payments import actions, tasks
from congso.payments.models import Payment, Reconciliation
from congso.payments.providers.simstore import services as sim
from congso.payments.providers.simstore.models import SimPayment
from congso.payments.tests.conftest import DESK, SIGNATURE, start

pytestmark = pytest.mark.django_db


def pay_on_simulator(obligation, method: str) -> Payment:
    citizen = Client()
    reference = start(obligation, method).json()["reference"]
    p = Payment.objects.get(reference=reference)
    page = citizen.get(p.pay_url, follow=True)
    citizen.post(page.wsgi_request.path, {"choice": "pay"})
    return Payment.objects.get(reference=reference)


def another_obligation(clerk):
    from congso.payments.models import Obligation

    d = clerk.act(create_at_desk(clerk, SIGNATURE, DESK, id_number="038190009999")["id"], "accept")
    return Obligation.objects.get(dossier_id=d["id"], status="open")


def test_it_matches_repairs_and_reports(network, obligation, clerk_binh):
    paid = pay_on_simulator(obligation, "gateway")
    assert paid.state == "paid"
    # A second citizen pays, but the IPN never arrives and nobody polled yet: congso does not know.
    sim.set_ipn_mode("gateway", "never")
    second = another_obligation(clerk_binh)
    citizen = Client()
    reference = start(second, "gateway").json()["reference"]
    page = citizen.get(Payment.objects.get(reference=reference).pay_url, follow=True)
    citizen.post(page.wsgi_request.path, {"choice": "pay"})  # and never comes back
    assert Payment.objects.get(reference=reference).state == "redirected"
    # The gateway's statement also lists a payment of an amount congso never asked for.
    rogue = SimPayment.objects.get(reference=paid.reference)
    SimPayment.objects.create(
        provider="gateway",
        reference="CS000000000000X",
        transaction_no="99999999",
        amount=5000,
        return_url="http://x/",
        notify_url="http://x/",
        status="success",
        result_code="00",
        paid_at=rogue.paid_at,
    )

    run = actions.reconcile("gateway", timezone.localdate())
    assert (run.matched, run.missing_local, run.missing_provider, run.mismatched, run.repaired) == (2, 1, 0, 0, 1)
    assert Payment.objects.get(reference=reference).state == "paid"
    assert Dossier.objects.get(pk=second.dossier_id).payment_status == "paid"
    notes = {line.reference: line.status for line in run.lines.all()}
    assert notes["CS000000000000X"] == "missing_local"

    # Re-running the day replaces it; nothing is counted twice.
    again = actions.reconcile("gateway", timezone.localdate())
    assert again.pk == run.pk and (again.matched, again.repaired) == (2, 0)
    assert Payment.objects.filter(state="paid").count() == 2


def test_a_payment_the_provider_does_not_know_is_flagged(network, obligation, clerk_binh):
    clerk = clerk_binh
    p = pay_on_simulator(obligation, "payplatform")
    SimPayment.objects.filter(reference=p.reference).delete()
    run = actions.reconcile("payplatform", timezone.localdate())
    assert (run.matched, run.missing_provider) == (0, 1)
    assert clerk.get("/payments/reconciliations").status_code == 403
    rows = Api("quantri").get("/payments/reconciliations").json()
    assert rows[0]["missing_provider"] == 1


def test_a_provider_outage_is_recorded_and_retried_by_the_daily_task(network, obligation):
    network.down = True
    run = actions.reconcile("gateway", timezone.localdate())
    assert run.error and "ConnectError" in run.error
    network.down = False
    yesterday = timezone.localdate() - __import__("datetime").timedelta(days=1)
    Reconciliation.objects.create(provider="gateway", day=yesterday, ran_at=timezone.now(), error="timeout")
    done = tasks.daily_reconciliation_task.call()
    assert done == {"payplatform": "ok", "gateway": "ok"}
    assert not Reconciliation.objects.get(provider="gateway", day=yesterday).error


def test_the_admin_exports_reconciliations_to_xlsx(network, obligation):
    pay_on_simulator(obligation, "gateway")
    run = actions.reconcile("gateway", timezone.localdate())
    admin = Client()
    admin.force_login(user("quantri"))
    user("quantri").__class__.objects.filter(username="quantri").update(is_staff=True, is_superuser=True)
    r = admin.post(
        "/admin/payments/reconciliation/",
        {"action": "export_xlsx", "_selected_action": [run.pk]},
    )
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Tổng hợp", "Chi tiết"]
    assert wb["Tổng hợp"]["C2"].value == 1 and wb["Chi tiết"]["D2"].value == "Khớp"


def test_the_admin_shows_an_obligation_with_its_attempts_and_messages(network, obligation):
    pay_on_simulator(obligation, "gateway")
    admin = Client()
    user("quantri").__class__.objects.filter(username="quantri").update(is_staff=True, is_superuser=True)
    admin.force_login(user("quantri"))
    page = admin.get(f"/admin/payments/obligation/{obligation.pk}/change/")
    assert page.status_code == 200 and Payment.objects.get(obligation=obligation).reference in page.content.decode()
    payment = Payment.objects.get(obligation=obligation)
    detail = admin.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert "Thông báo từ cổng (IPN)" in detail or "ipn" in detail
