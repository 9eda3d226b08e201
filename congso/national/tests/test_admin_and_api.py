"""What administrators and officers see of the sync: the outbox with its attempts, the review queue, the API."""

from __future__ import annotations

import pytest
from django.test import Client

from congso.dossiers.tests.helpers import Api, create_at_desk
from congso.national import intake, outbox
from congso.national.models import InboundDossier, OutboxMessage
from congso.national.tests.conftest import submit_on_dvcqg

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.filter(is_superuser=True).first())
    return client


def test_failures_are_visible_in_the_admin_with_the_last_error_and_a_manual_retry(dvcqg, clock, admin_client):
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797")
    clerk.act(d["id"], "accept")
    dvcqg.down = True
    outbox.deliver_due()
    head = OutboxMessage.objects.filter(dossier_id=d["id"]).order_by("seq").first()
    page = admin_client.get("/admin/national/outboxmessage/?status__exact=pending")
    assert page.status_code == 200 and "Không kết nối được Cổng DVCQG" in page.content.decode()
    detail = admin_client.get(f"/admin/national/outboxmessage/{head.pk}/change/")
    assert detail.status_code == 200 and "simulated outage" in detail.content.decode()  # every attempt listed
    dvcqg.down = False
    response = admin_client.post(
        "/admin/national/outboxmessage/",
        {"action": "retry", "_selected_action": [head.pk]},
        follow=True,
    )
    assert "1 gói tin sẽ được gửi lại ngay." in response.content.decode()
    outbox.deliver_due()
    assert not OutboxMessage.objects.filter(dossier_id=d["id"]).exclude(status="delivered").exists()


def test_the_review_queue_shows_the_reason_and_a_retry(dvcqg, admin_client, django_user_model):
    on_dvcqg = submit_on_dvcqg(desk="ttpvhcc-xa-14797")
    record = {**on_dvcqg.record, "MaDonVi": "000.00.99.H56"}
    intake.receive(record, via="webhook")
    intake.process_pending()
    row = InboundDossier.objects.get()
    page = admin_client.get("/admin/national/inbounddossier/?status__exact=review")
    assert "Không tìm thấy cơ quan tiếp nhận có mã định danh 000.00.99.H56." in page.content.decode()
    response = admin_client.post(
        "/admin/national/inbounddossier/", {"action": "dismiss", "_selected_action": [row.pk]}, follow=True
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == "dismissed" and row.decided_by.is_superuser and "000.00.99.H56" in row.reason


def test_an_officer_reads_the_sync_state_of_a_dossier_and_a_stranger_gets_404(dvcqg, clock):
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797")
    clerk.act(d["id"], "accept")
    body = clerk.get(f"/national/dossiers/{d['id']}").json()
    assert body["pending"] == 3 and body["acknowledged_at"] is None
    assert [m["service"] for m in body["messages"]][-1] == "DongBoHoSoMC"
    outbox.deliver_due()
    body = clerk.get(f"/national/dossiers/{d['id']}").json()
    assert body["pending"] == 0 and body["acknowledged_status"] == 2
    stranger = Api("chuyenvien.snnmt")  # a department officer: not this commune's dossier
    response = stranger.get(f"/national/dossiers/{d['id']}")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert Api().get(f"/national/dossiers/{d['id']}").status_code == 401
