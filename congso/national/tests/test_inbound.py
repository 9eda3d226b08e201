"""Online dossiers from DVCQG: webhook and polling, de-duplication, the review queue, signatures."""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings
from django.test import Client

from congso.dossiers.models import Dossier
from congso.national import catalog_sync, intake, protocol
from congso.national.models import CatalogChange, InboundDossier, WebhookRejection
from congso.national.simulator import services as sim
from congso.national.tests.conftest import submit_on_dvcqg

pytestmark = pytest.mark.django_db


def post_webhook(body: bytes, headers: dict | None = None):
    headers = protocol.signature_headers(settings.CONGSO_DVCQG_WEBHOOK_SECRET, body) if headers is None else headers
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client().post("/api/v1/national/webhook", body, content_type="application/json", **meta)


def webhook_of(*records) -> bytes:
    return json.dumps(
        {"service": "ThongBaoHoSoMoi", "data": [{"SoThuTu": i + 1, "HoSo": r} for i, r in enumerate(records)]},
        ensure_ascii=False,
    ).encode()


def test_webhook_and_polling_bring_each_dossier_once(dvcqg, clock):
    a, b = submit_on_dvcqg(), submit_on_dvcqg(name="Phạm Văn Minh", id_number="038090001111")
    assert sim.send_webhook(a) == ""
    assert sim.send_webhook(a) == ""  # DVCQG retries its webhook
    assert intake.poll() == 1  # the poll finds b (new) and a (already here)
    assert intake.poll() == 0  # the cursor moved on
    rows = {r.national_code: r for r in InboundDossier.objects.all()}
    assert set(rows) == {a.code, b.code}
    assert rows[a.code].times_received == 3 and rows[a.code].via == "webhook" and rows[b.code].via == "poll"
    intake.process_pending()
    assert Dossier.objects.filter(source="dvcqg").count() == 2
    assert intake.poll() == 0 and intake.process_pending() == 0


def test_a_malformed_dossier_waits_in_the_review_queue_with_its_reason(dvcqg):
    good = submit_on_dvcqg().record
    broken = {**good, "MaHoSo": "QG-BROKEN-1", "MaTTHC": "", "NgayNopHoSo": "25/11/2026"}
    response = post_webhook(webhook_of(broken, "not an object"))
    assert response.status_code == 200 and response.json()["received"] == 2
    intake.process_pending()
    row = InboundDossier.objects.get(national_code="QG-BROKEN-1")
    assert row.status == "review"
    assert "Thiếu trường MaTTHC." in row.reason and "NgayNopHoSo phải có dạng yyyyMMddHHmmss." in row.reason
    junk = InboundDossier.objects.exclude(national_code="QG-BROKEN-1").get()
    assert junk.status == "review" and junk.record == {"raw": "not an object"}  # kept, never dropped
    assert not Dossier.objects.filter(source="dvcqg").exists()


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"MaDonVi": "999.99.99.H56"}, "Không tìm thấy cơ quan tiếp nhận có mã định danh 999.99.99.H56."),
        ({"DinhDanhCHS": [{"LoaiDinhDanh": "CCCD", "SoDinhDanh": "12 34"}]}, "Số định danh"),
        ({"SoDienThoai": "không có"}, "Số điện thoại chỉ gồm 9–12 chữ số."),
    ],
)
def test_data_that_cannot_be_mapped_goes_to_review(dvcqg, change, reason):
    on_dvcqg = submit_on_dvcqg()
    record = {**on_dvcqg.record, **change}
    post_webhook(webhook_of(record))
    intake.process_pending()
    row = InboundDossier.objects.get(national_code=on_dvcqg.code)
    assert row.status == "review" and reason in row.reason


def test_a_file_of_a_forbidden_type_goes_to_review(dvcqg):
    on_dvcqg = submit_on_dvcqg(files=[("virus.exe", b"MZ\x90\x00" + b"\x00" * 200, "application/octet-stream")])
    sim.send_webhook(on_dvcqg)
    intake.process_pending()
    row = InboundDossier.objects.get(national_code=on_dvcqg.code)
    assert row.status == "review" and row.reason.startswith("Tệp virus.exe:")


def test_files_unreachable_retry_later_then_the_dossier_is_created(dvcqg, clock):
    on_dvcqg = submit_on_dvcqg()
    sim.send_webhook(on_dvcqg)
    dvcqg.down = True
    intake.process_pending()
    row = InboundDossier.objects.get(national_code=on_dvcqg.code)
    assert row.status == "retry" and "Không tải được tệp" in row.reason
    dvcqg.down = False
    assert intake.process_pending() == 0  # not due yet
    clock.advance(minutes=5)
    intake.process_pending()
    row.refresh_from_db()
    assert row.status == "created" and row.dossier.files.count() == 1


def test_an_unknown_procedure_waits_until_the_catalog_is_synced(dvcqg, clock, django_user_model):
    on_dvcqg = submit_on_dvcqg("9.999999")  # offered nationally, not yet in the province's catalog
    sim.send_webhook(on_dvcqg)
    intake.process_pending()
    row = InboundDossier.objects.get(national_code=on_dvcqg.code)
    assert row.status == "review" and "Thủ tục 9.999999 chưa có trong danh mục" in row.reason

    admin = django_user_model.objects.filter(is_superuser=True).first()
    catalog_sync.pull()
    catalog_sync.accept(CatalogChange.objects.get(national_code="9.999999", status="pending"), user=admin)
    row = intake.retry_review(row, user=admin)
    assert row.status == "created" and row.dossier.procedure.national_code == "9.999999"


def test_a_webhook_with_a_bad_signature_is_refused_and_logged(dvcqg):
    on_dvcqg = submit_on_dvcqg()
    body = webhook_of(on_dvcqg.record)
    forged = protocol.signature_headers("not-the-secret", body)
    response = post_webhook(body, forged)
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Chữ ký không khớp."
    stale = protocol.signature_headers(settings.CONGSO_DVCQG_WEBHOOK_SECRET, body, now=time.time() - 3600)
    assert "phát lại" in post_webhook(body, stale).json()["detail"]
    assert post_webhook(body, {}).json()["detail"] == "Thiếu chữ ký hoặc thời điểm ký."
    tampered = body.replace(b"Hoa", b"Hoa2")
    assert (
        post_webhook(tampered, protocol.signature_headers(settings.CONGSO_DVCQG_WEBHOOK_SECRET, body)).status_code
        == 401
    )
    assert not InboundDossier.objects.exists()
    assert WebhookRejection.objects.count() == 4
    assert post_webhook(b"{not json").status_code == 400  # signed but not JSON
    assert post_webhook(json.dumps({"service": "Khac", "data": []}).encode()).status_code == 400
