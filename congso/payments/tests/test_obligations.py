"""What is due follows the dossier: fees at acceptance, a financial obligation at a step, nothing after it ends."""

import pytest

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, user
from congso.payments.models import Obligation, Payment, Receipt
from congso.payments.tests.conftest import DESK, SIGNATURE, platform_confirm, start

pytestmark = pytest.mark.django_db

EXTRACT_COPY = "2.000635"  # Cấp bản sao Trích lục hộ tịch: 8.000 đồng per copy
MARRIAGE_STATUS = "1.004873"  # Xác nhận tình trạng hôn nhân: fee set case by case (no fixed amount)


def test_fees_are_computed_at_acceptance_per_copy(clerk_binh):
    d = create_at_desk(clerk_binh, EXTRACT_COPY, DESK)
    d = clerk_binh.act(d["id"], "accept", {"result_copies": 3})
    assert d["payment_status"] == "unpaid" and d["amount_due"] == 24000
    ob = Obligation.objects.get(dossier_id=d["id"])
    assert ob.kind == "fee" and ob.amount == 24000 and ob.lines[0]["copies"] == 3
    # The clock is not paused for fees: the dossier is being processed.
    assert Dossier.objects.get(pk=d["id"]).state == "accepted"


def test_bad_copies_or_an_unknown_exemption_is_refused_and_nothing_changes(clerk_binh):
    d = create_at_desk(clerk_binh, EXTRACT_COPY, DESK)
    bad = clerk_binh.act(d["id"], "accept", {"result_copies": 0}, expect=422)
    assert bad["errors"][0]["field"] == "result_copies"
    bad = clerk_binh.act(d["id"], "accept", {"fee_exemptions": {"0": "Tôi không muốn nộp"}}, expect=422)
    assert "miễn" in bad["detail"]
    assert Dossier.objects.get(pk=d["id"]).state == "submitted" and not Obligation.objects.exists()


def test_no_obligation_when_the_catalog_fixes_no_amount(clerk_binh):
    d = clerk_binh.act(create_at_desk(clerk_binh, MARRIAGE_STATUS, DESK)["id"], "accept")
    assert d["payment_status"] == "none" and not Obligation.objects.exists()


def test_a_financial_obligation_pauses_the_clock_until_paid_online(network, clerk_binh):
    leader, officer = Api("lanhdao.hacthanh"), Api("chuyenvien.hacthanh")
    d = clerk_binh.act(create_at_desk(clerk_binh, MARRIAGE_STATUS, DESK)["id"], "accept")
    clerk_binh.act(d["id"], "transfer")
    leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    d = officer.act(d["id"], "require_payment", {"amount": 35000, "reason": "Lệ phí theo Nghị quyết HĐND tỉnh"})
    assert d["state"] == "financial_obligation" and d["clock"]["paused"]
    ob = Obligation.objects.get(dossier_id=d["id"], status="open")
    assert ob.kind == "financial" and ob.amount == 35000
    reference = start(ob, "payplatform").json()["reference"]
    import json

    from django.test import Client

    answer = Client().post(
        "/api/v1/payments/ipn/payplatform",
        json.dumps(platform_confirm(reference, 35000)),
        content_type="application/json",
    )
    assert answer.json() == {"MaLoi": "00"}
    d = officer.get(f"/dossiers/{d['id']}").json()
    assert d["state"] == "processing" and not d["clock"]["paused"] and d["payment_status"] == "paid"


def test_an_officer_confirming_by_hand_is_recorded_as_cash_with_a_receipt(accepted, clerk_binh):
    d = clerk_binh.act(accepted["id"], "confirm_payment", {"receipt": "Thu tiền mặt"})
    assert d["payment_status"] == "paid"
    payment = Payment.objects.get(obligation__dossier_id=accepted["id"])
    assert payment.method == "cash" and payment.state == "paid" and payment.recorded_by.username == "tiepnhan.hacthanh"
    assert Receipt.objects.get(payment=payment).amount == 10000


def test_nothing_is_due_once_the_dossier_is_withdrawn(accepted, clerk_binh):
    clerk_binh.act(accepted["id"], "withdraw", {"reason": "Công dân rút hồ sơ"})
    assert Obligation.objects.get(dossier_id=accepted["id"]).status == "cancelled"


def test_a_new_notice_replaces_the_open_one(network, clerk_binh):
    leader, officer = Api("lanhdao.hacthanh"), Api("chuyenvien.hacthanh")
    d = clerk_binh.act(create_at_desk(clerk_binh, SIGNATURE, DESK)["id"], "accept")
    clerk_binh.act(d["id"], "transfer")
    leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    officer.act(d["id"], "require_payment", {"amount": 20000, "reason": "Phí thẩm định"})
    assert list(Obligation.objects.filter(dossier_id=d["id"]).values_list("status", "amount").order_by("pk")) == [
        ("cancelled", 10000),
        ("open", 20000),
    ]


def test_fees_are_shown_before_submission():
    from django.test import Client

    from congso.dossiers.tests.helpers import procedure

    pk = procedure(EXTRACT_COPY).pk
    q = Client().get("/api/v1/payments/quote", {"procedure_id": pk, "copies": 2}).json()
    assert q["total"] == 16000 and q["lines"][0]["unit_amount"] == 8000 and not q["undetermined"]
    bad = Client().get("/api/v1/payments/quote", {"procedure_id": pk, "copies": 0})
    assert bad.status_code == 422 and "Số bản" in bad.json()["detail"]
    bad = Client().get("/api/v1/payments/quote", {"procedure_id": pk, "exempt": "0:không muốn nộp"})
    assert bad.status_code == 422
    page = Client().get(f"/thu-tuc/{pk}/").content.decode()
    assert "8.000 đồng/" in page
