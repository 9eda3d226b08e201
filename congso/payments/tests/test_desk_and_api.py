"""Officers record desk payments; citizens start online ones; both through HTTP, with idempotency and scope."""

import pytest

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api
from congso.payments.models import Payment, Receipt
from congso.payments.tests.conftest import start

pytestmark = pytest.mark.django_db


def desk(api: Api, obligation, key: str = "", **body):
    payload = {"method": "cash", "amount": 10000, **body}
    return api.post(
        f"/payments/obligations/{obligation.pk}/desk-payments",
        payload,
        **({"HTTP_IDEMPOTENCY_KEY": key} if key else {}),
    )


def test_cash_at_the_desk_is_receipted_and_the_dossier_moves_on(obligation, clerk_binh):
    r = desk(clerk_binh, obligation, key="k1", payer_name="Nguyễn Thị Ánh")
    assert r.status_code == 201, r.content.decode()
    body = r.json()
    assert body["public_state"] == "success" and body["finished"] and body["receipt_url"].startswith("http")
    receipt = Receipt.objects.get(payment__reference=body["reference"])
    assert (receipt.form_number, receipt.series, receipt.number_text) == ("01BLP0-001", receipt.series, "0000001")
    assert receipt.series.startswith("TH/") and receipt.series.endswith("E")
    assert Dossier.objects.get(pk=obligation.dossier_id).payment_status == "paid"
    # A double click with the same key is the same payment; without it, a second payment is refused.
    assert desk(clerk_binh, obligation, key="k1").json()["reference"] == body["reference"]
    again = desk(clerk_binh, obligation)
    assert again.status_code == 409 and "đã được nộp" in again.json()["detail"]
    assert Payment.objects.filter(obligation=obligation).count() == 1
    pdf = clerk_binh.get(f"/payments/receipts/{receipt.pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_wrong_amount_or_method_at_the_desk_is_refused_in_vietnamese(obligation, clerk_binh):
    r = desk(clerk_binh, obligation, amount=5000)
    assert r.status_code == 422 and "10.000" in r.json()["detail"]
    r = desk(clerk_binh, obligation, method="bitcoin")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "method"
    assert not Payment.objects.exists()


def test_an_officer_of_another_commune_cannot_see_or_record(obligation):
    other = Api("tiepnhan.samson")
    assert desk(other, obligation).status_code == 404
    assert other.get(f"/payments/dossiers/{obligation.dossier_id}/obligations").status_code == 404
    assert not Payment.objects.exists()


def test_officers_see_the_obligations_with_every_attempt(network, obligation, clerk_binh):
    start(obligation, "gateway")
    rows = clerk_binh.get(f"/payments/dossiers/{obligation.dossier_id}/obligations").json()
    assert rows[0]["amount"] == 10000 and rows[0]["status"] == "open" and rows[0]["pay_token"]
    assert [p["public_state"] for p in rows[0]["payments"]] == ["started"]


def test_online_creation_is_idempotent(network, obligation):
    first = start(obligation, "gateway", key="abc")
    assert first.status_code == 201 and first.json()["pay_url"].startswith("http")
    replay = start(obligation, "gateway", key="abc")
    assert replay.status_code == 200 and replay.json()["reference"] == first.json()["reference"]
    conflict = start(obligation, "payplatform", key="abc")
    assert conflict.status_code == 409 and "Idempotency-Key" in conflict.json()["detail"]
    assert Payment.objects.count() == 1


def test_an_unknown_method_or_token_is_refused(network, obligation):
    r = start(obligation, "bitcoin")
    assert r.status_code == 422 and "không được hỗ trợ" in r.json()["detail"]
    from django.test import Client

    assert Client().get("/api/v1/payments/obligations/not-a-token").status_code == 404
    assert Client().get("/thanh-toan/not-a-real-token-at-all/").status_code == 404


def test_a_paid_obligation_cannot_be_paid_again_online(network, obligation, clerk_binh):
    assert desk(clerk_binh, obligation).status_code == 201
    r = start(obligation, "gateway")
    assert r.status_code == 409 and "đã được nộp" in r.json()["detail"]


def test_payment_indicators_by_method_agency_commune_and_month(obligation, clerk_binh):
    desk(clerk_binh, obligation)
    admin = Api("quantri")
    by_method = admin.get("/payments/indicators", by="method").json()
    assert by_method == [{"key": "cash", "label": "Tiền mặt tại Bộ phận Một cửa", "payments": 1, "amount": 10000}]
    assert admin.get("/payments/indicators", by="agency").json()[0]["amount"] == 10000
    assert admin.get("/payments/indicators", by="commune").json()[0]["payments"] == 1
    assert len(admin.get("/payments/indicators", by="month").json()) == 1
    assert admin.get("/payments/indicators", by="colour").status_code == 422
    # Scoped: another commune's officer sees nothing.
    assert Api("tiepnhan.samson").get("/payments/indicators", by="method").json() == []


def test_the_online_payment_rate_counts_dossiers_of_fee_bearing_procedures(network, obligation, clerk_binh):
    admin = Api("quantri")
    assert admin.get("/payments/online-rate").json() == {"fee_bearing": 1, "paid_online": 0, "rate": 0.0}
    from congso.payments.tests.conftest import gateway_ipn
    from congso.payments.tests.test_failures import ipn_gateway

    reference = start(obligation, "gateway").json()["reference"]
    ipn_gateway(gateway_ipn(reference, 10000))
    assert admin.get("/payments/online-rate").json() == {"fee_bearing": 1, "paid_online": 1, "rate": 100.0}


def test_the_payment_pages_keep_their_query_budget(network, obligation, clerk_binh, django_assert_max_num_queries):
    from django.test import Client

    for method in ("gateway", "payplatform", "gateway"):
        start(obligation, method)
    with django_assert_max_num_queries(12):
        assert clerk_binh.get(f"/payments/dossiers/{obligation.dossier_id}/obligations").status_code == 200
    with django_assert_max_num_queries(6):
        assert Client().get(f"/thanh-toan/{obligation.pay_token}/").status_code == 200
    with django_assert_max_num_queries(5):
        assert Client().get(f"/api/v1/payments/obligations/{obligation.pay_token}").status_code == 200
