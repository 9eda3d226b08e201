"""The DVCQG simulator, through HTTP as the province sees it, and through its pages as a person does."""

from __future__ import annotations

import json

import httpx
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from congso.geo.models import Agency
from congso.national import protocol, transport
from congso.national.simulator import catalog, services
from congso.national.simulator.models import SimControl, SimDossier, SimFile, SimMessage
from congso.national.simulator.tasks import deliver_webhook_task

pytestmark = pytest.mark.django_db

API = "/sim/dvcqg/api"
PDF = services.sample_pdf(["Test"])


@pytest.fixture
def client():
    return Client()


def call(client, body, *, token=None, raw=None):
    headers = {"Authorization": f"Bearer {settings.CONGSO_DVCQG_TOKEN if token is None else token}"}
    content = raw if raw is not None else json.dumps(body, ensure_ascii=False)
    return client.post(API, data=content, content_type="application/json", headers=headers)


def record(code="000.00.00.H56-261201-0001", status=2, **extra):
    return {
        "MaHoSo": code,
        "MaTTHC": "1.001193",
        "KenhThucHien": 1,
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": 1,
        "DinhDanhCHS": [{"LoaiDinhDanh": "CCCD", "SoDinhDanh": "038090001234"}],
        "NgayNopHoSo": "20261201080000",
        "TrangThaiHoSo": status,
        **extra,
    }


def sync(seq, message_id, rec, updating="true"):
    return {
        "service": protocol.SYNC_DOSSIER,
        "madonvi": settings.CONGSO_PROVINCE_AGENCY_ID,
        "isUpdating": updating,
        "MaGoiTin": message_id,
        "SoThuTu": seq,
        "data": [rec],
    }


def agency_id() -> str:
    return Agency.objects.current().exclude(identifier=None).first().identifier


def online(**kwargs) -> SimDossier:
    return services.submit_online_dossier(
        procedure_code=kwargs.pop("procedure_code", "1.001193"),
        agency_identifier=agency_id(),
        applicant_name=kwargs.pop("applicant_name", "Lê Thị Bình"),
        id_number="038190004321",
        **kwargs,
    )


# ---- the API gate ---------------------------------------------------------------------------------------


def test_api_requires_the_bearer_token(client):
    body = {"service": protocol.LIST_PROCEDURES}
    no_header = client.post(API, data=json.dumps(body), content_type="application/json")
    assert no_header.status_code == 401 and no_header.json()["error_code"] == "401"
    assert call(client, body, token="wrong").status_code == 401
    assert call(client, body).json()["error_code"] == "00"


def test_api_answers_503_while_down(client):
    services.set_down(True)
    answer = call(client, {"service": protocol.LIST_PROCEDURES})
    assert answer.status_code == 503
    services.set_down(False)
    assert call(client, {"service": protocol.LIST_PROCEDURES}).status_code == 200


def test_malformed_json_and_unknown_service(client):
    bad = call(client, None, raw="{not json")
    assert bad.status_code == 400 and bad.json()["error_code"] == "98"
    assert call(client, None, raw="[1, 2]").json()["error_code"] == "98"
    assert call(client, {"service": "KhongCo"}).json()["error_code"] == "03"


# ---- DongBoHoSoMC / CapNhatTienDoHoSoMC -----------------------------------------------------------------


def test_invalid_sync_is_refused_with_01_and_nothing_is_stored(client):
    rec = record()
    del rec["ChuHoSo"]
    rec["NgayNopHoSo"] = "2026-12-01"
    answer = call(client, sync(1, "m-invalid", rec)).json()
    assert answer["error_code"] == "01"
    assert "ChuHoSo" in answer["message"] and "NgayNopHoSo" in answer["message"]
    envelope = call(client, {**sync(1, "", record()), "SoThuTu": "x"}).json()
    assert envelope["error_code"] == "01" and "MaGoiTin" in envelope["message"] and "SoThuTu" in envelope["message"]
    assert not SimMessage.objects.exists() and not SimDossier.objects.exists()


def test_desk_dossier_sync_creates_it_and_a_duplicate_is_acknowledged(client):
    body = sync(1, "m-1", record(status=2), updating="false")
    assert call(client, body).json() == {"error_code": "00", "message": "Thành công"}
    again = call(client, body).json()
    assert again["error_code"] == "00" and again["duplicate"] is True
    message = SimMessage.objects.get()
    assert message.duplicates == 1 and message.applied
    dossier = SimDossier.objects.get()
    assert dossier.record == {} and dossier.province_code == "000.00.00.H56-261201-0001"
    assert dossier.status == 2 and dossier.last_applied_seq == 1
    assert dossier.code.startswith("QG-") and message.national_code == dossier.code
    # isUpdating "false" again for a known dossier is an upsert, not an error.
    assert call(client, sync(2, "m-2", record(status=4), updating="false")).json()["error_code"] == "00"
    assert SimDossier.objects.get().status == 4


def test_an_older_message_never_rolls_back_newer_state(client):
    assert call(client, sync(2, "m-b", record(status=4))).json()["error_code"] == "00"
    assert call(client, sync(1, "m-a", record(status=2))).json()["error_code"] == "00"
    dossier = SimDossier.objects.get()
    assert dossier.status == 4 and dossier.last_applied_seq == 2 and dossier.synced_record["TrangThaiHoSo"] == 4
    assert SimMessage.objects.get(message_id="m-a").applied is False
    assert SimMessage.objects.get(message_id="m-b").applied is True
    page = client.get(f"/sim/dvcqg/ho-so/{dossier.code}/")
    assert page.status_code == 200
    assert "bỏ qua (cũ hơn)" in page.content.decode()


def test_sync_of_an_online_dossier_is_matched_by_its_national_code(client):
    dossier = online()
    rec = record(code="000.00.00.H56-261201-0009", status=2, MaHoSoQG=dossier.code, KenhThucHien=2)
    assert call(client, sync(1, "m-qg", rec, updating="false")).json()["error_code"] == "00"
    assert SimDossier.objects.count() == 1
    dossier.refresh_from_db()
    assert dossier.province_code == "000.00.00.H56-261201-0009" and dossier.status == 2
    assert dossier.status_text.startswith("new")
    progress = {
        "service": protocol.SYNC_PROGRESS,
        "madonvi": settings.CONGSO_PROVINCE_AGENCY_ID,
        "MaGoiTin": "p-1",
        "SoThuTu": 2,
        "data": [
            {
                "MaHoSo": "000.00.00.H56-261201-0009",
                "NguoiXuLy": "Trần Văn Cường",
                "ThoiDiemXuLy": "20261201090000",
                "NoiDungXuLy": "Tiếp nhận hồ sơ",
                "TrangThai": 2,
            }
        ],
    }
    assert call(client, progress).json()["error_code"] == "00"
    assert call(client, {**progress, "MaGoiTin": "p-2", "data": [{"MaHoSo": "x"}]}).json()["error_code"] == "01"
    assert [m.message_id for m in services.messages_for(dossier)] == ["m-qg", "p-1"]
    assert SimMessage.objects.get(message_id="p-1").national_code == dossier.code


def test_refuse_code_refuses_syncs_only(client):
    services.set_refuse("99")
    answer = call(client, sync(1, "m-r", record())).json()
    assert answer["error_code"] == "99" and answer["message"]
    assert not SimMessage.objects.exists()
    assert call(client, {"service": protocol.LIST_PROCEDURES}).json()["error_code"] == "00"
    services.set_refuse("")
    assert call(client, sync(1, "m-r", record())).json()["error_code"] == "00"


# ---- polling, catalog, payment --------------------------------------------------------------------------


def test_new_dossiers_are_paged_by_cursor_and_desk_dossiers_are_not_listed(client):
    first, second = online(), online()
    call(client, sync(1, "m-desk", record(code="DESK-1")))  # a desk dossier takes a seq in between
    third = online()
    body = {"service": protocol.LIST_NEW_DOSSIERS, "TuSoThuTu": 0, "SoLuong": 2}
    page1 = call(client, body).json()
    assert page1["error_code"] == "00"
    assert [row["SoThuTu"] for row in page1["result"]] == [first.seq, second.seq]
    assert page1["result"][0]["HoSo"]["MaHoSo"] == first.code
    page2 = call(client, {**body, "TuSoThuTu": page1["result"][-1]["SoThuTu"]}).json()
    assert [row["HoSo"]["MaHoSo"] for row in page2["result"]] == [third.code]
    assert call(client, {**body, "TuSoThuTu": third.seq}).json()["result"] == []
    assert call(client, {**body, "SoLuong": 101}).json()["error_code"] == "01"
    assert len(call(client, {"service": protocol.LIST_NEW_DOSSIERS}).json()["result"]) == 3


def test_catalog_differs_from_the_local_file_as_documented(client):
    local = json.loads(catalog.catalog_path().read_text(encoding="utf-8"))["procedures"]
    listed = call(client, {"service": protocol.LIST_PROCEDURES}).json()["result"]
    codes = [row["MaTTHC"] for row in listed]
    assert set(listed[0]) == {"MaTTHC", "TenTTHC", "TenLinhVuc", "CapThucHien"}
    assert local[2]["national_code"] not in codes and catalog.NATIONAL_ONLY_CODE in codes
    assert len(codes) == len(local)

    first = call(client, {"service": protocol.GET_PROCEDURE, "MaTTHC": local[0]["national_code"]}).json()
    assert first["error_code"] == "00"
    assert float(first["result"]["ThoiHanGiaiQuyet"]["GiaTri"]) == float(local[0]["duration"]["value"]) + 1
    second = catalog.procedure(local[1]["national_code"])
    assert second["TenTTHC"] == local[1]["name"] + " (sửa đổi, bổ sung)"
    assert second["CanCuPhapLy"] == [*local[1]["legal_basis"], catalog.AMENDING_DECISION]
    fourth = catalog.procedure(local[3]["national_code"])
    assert fourth == protocol.catalog_record_from_local(local[3])
    extra = call(client, {"service": protocol.GET_PROCEDURE, "MaTTHC": "9.999999"}).json()["result"]
    assert extra["CapThucHien"] == "Cấp Xã" and extra["PhiLePhi"] == [] and len(extra["ThanhPhanHoSo"]) == 1
    assert extra["ThoiHanGiaiQuyet"]["GiaTri"] == "3"
    unknown = call(client, {"service": protocol.GET_PROCEDURE, "MaTTHC": "0.000000"}).json()
    assert unknown["error_code"] == "02" and unknown["message"]


def test_payment_status(client):
    dossier = online()
    body = {"service": protocol.PAYMENT_STATUS, "MaHoSo": dossier.code}
    assert call(client, body).json()["result"] == {
        "MaHoSo": dossier.code,
        "TrangThaiThanhToan": 0,
        "SoTien": 0,
        "ThoiGianThanhToan": "",
    }
    call(client, sync(1, "m-pay", record(code="H56-PAY", MaHoSoQG=dossier.code)))
    services.mark_paid("H56-PAY", 50000)
    result = call(client, {**body, "MaHoSo": "H56-PAY"}).json()["result"]
    assert result["TrangThaiThanhToan"] == 1 and result["SoTien"] == 50000
    protocol.parse_date(result["ThoiGianThanhToan"])
    assert call(client, {**body, "MaHoSo": "khong-co"}).json()["error_code"] == "02"


# ---- online submission ----------------------------------------------------------------------------------


def test_online_dossier_record_follows_the_inbound_contract(client):
    dossier = online(paid=True, amount=8000)
    assert protocol.inbound_record_errors(dossier.record) == []
    rec = dossier.record
    assert rec["MaHoSo"] == dossier.code and rec["KenhThucHien"] == 2 and rec["DuocThanhToanTrucTuyen"] == 1
    url = rec["TaiLieuNop"][0]["DuongDanTaiTepTin"]
    assert url.startswith(settings.CONGSO_DVCQG_URL + "/files/")
    pdf = SimFile.objects.get(dossier=dossier)
    assert bytes(pdf.data).startswith(b"%PDF-") and pdf.content_type == "application/pdf"
    later = online()
    assert later.seq > dossier.seq and later.code.endswith(f"-{later.seq:06d}")


def test_submit_form_with_a_bad_id_shows_a_vietnamese_error(client):
    page = client.get("/sim/dvcqg/nop/")
    assert page.status_code == 200 and "9.999999" in page.content.decode()
    answer = client.post(
        "/sim/dvcqg/nop/",
        {"procedure": "1.001193", "agency": agency_id(), "applicant_name": "Phạm Văn Dũng", "id_number": "12345"},
    )
    assert answer.status_code == 200
    assert "Số CCCD phải gồm đúng 12 chữ số." in answer.content.decode()
    assert not SimDossier.objects.exists()


def test_submit_form_creates_a_dossier_with_a_fetchable_file(client):
    upload = SimpleUploadedFile("giay-chung-sinh.pdf", PDF, content_type="application/pdf")
    answer = client.post(
        "/sim/dvcqg/nop/",
        {
            "procedure": "1.001193",
            "agency": agency_id(),
            "applicant_name": "Phạm Văn Dũng",
            "id_number": "038095001111",
            "phone": "0912345678",
            "files": [upload],
        },
    )
    dossier = SimDossier.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/sim/dvcqg/ho-so/{dossier.code}/"
    assert dossier.record["ChuHoSo"] == "Phạm Văn Dũng" and dossier.record["MaDonVi"] == agency_id()
    url = dossier.record["TaiLieuNop"][0]["DuongDanTaiTepTin"]
    path = "/sim/dvcqg/files/" + url.rsplit("/", 1)[1]
    fetched = client.get(path, headers={"Authorization": f"Bearer {settings.CONGSO_DVCQG_TOKEN}"})
    assert fetched.status_code == 200 and fetched.content == PDF and fetched["Content-Type"] == "application/pdf"
    assert client.get(path).status_code == 401
    assert (
        client.get(
            "/sim/dvcqg/files/unknown", headers={"Authorization": f"Bearer {settings.CONGSO_DVCQG_TOKEN}"}
        ).status_code
        == 404
    )
    detail = client.get(answer["Location"])
    assert detail.status_code == 200 and "giay-chung-sinh.pdf" in detail.content.decode()


def test_submit_form_refuses_a_file_of_an_unaccepted_type(client):
    upload = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/octet-stream")
    answer = client.post(
        "/sim/dvcqg/nop/",
        {
            "procedure": "1.001193",
            "agency": agency_id(),
            "applicant_name": "Phạm Văn Dũng",
            "id_number": "038095001111",
            "files": [upload],
        },
    )
    assert answer.status_code == 200 and "Loại tệp không được chấp nhận" in answer.content.decode()
    assert not SimDossier.objects.exists()


# ---- the webhook ----------------------------------------------------------------------------------------


def route(monkeypatch, handler):
    def client(base_url, *, timeout):
        return httpx.Client(base_url=base_url, timeout=timeout, transport=httpx.MockTransport(handler))

    monkeypatch.setattr(transport, "http_client", client)


def test_send_webhook_signs_the_notification(monkeypatch):
    dossier = online()
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"ok": True})

    route(monkeypatch, handler)
    assert services.send_webhook(dossier) == ""
    (request,) = seen
    assert str(request.url) == settings.CONGSO_PUBLIC_URL.rstrip("/") + "/api/v1/national/webhook"
    verdict = protocol.verify_signature(
        settings.CONGSO_DVCQG_WEBHOOK_SECRET,
        request.headers[protocol.TIMESTAMP_HEADER],
        request.headers[protocol.SIGNATURE_HEADER],
        request.content,
    )
    assert verdict == ""
    payload = json.loads(request.content)
    assert payload == {"service": "ThongBaoHoSoMoi", "data": [{"SoThuTu": dossier.seq, "HoSo": dossier.record}]}
    dossier.refresh_from_db()
    assert dossier.webhook_attempts == 1 and dossier.webhook_delivered_at and dossier.webhook_last_error == ""
    # The background task does nothing more for a delivered dossier.
    assert deliver_webhook_task.call(dossier.pk) == "" and len(seen) == 1


def test_send_webhook_records_failures_without_raising(monkeypatch):
    dossier = online()

    def refused(request):
        raise httpx.ConnectError("connection refused", request=request)

    route(monkeypatch, refused)
    error = services.send_webhook(dossier)
    assert error and "ConnectError" in error
    dossier.refresh_from_db()
    assert (
        dossier.webhook_attempts == 1
        and dossier.webhook_delivered_at is None
        and "ConnectError" in dossier.webhook_last_error
    )

    route(monkeypatch, lambda request: httpx.Response(500, text="boom"))
    assert "500" in services.send_webhook(dossier)
    dossier.refresh_from_db()
    assert dossier.webhook_attempts == 2 and dossier.webhook_delivered_at is None


# ---- the pages ------------------------------------------------------------------------------------------


def test_index_and_control(client):
    online()
    page = client.get("/sim/dvcqg/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Cổng Dịch vụ công quốc gia — GIẢ LẬP (chỉ dùng để phát triển và kiểm thử)" in text
    assert SimDossier.objects.get().code in text
    assert client.post("/sim/dvcqg/dieu-khien/", {"action": "down"}).status_code == 302
    assert SimControl.get().down
    client.post("/sim/dvcqg/dieu-khien/", {"action": "up"})
    client.post("/sim/dvcqg/dieu-khien/", {"action": "refuse", "refuse_code": "99"})
    control = SimControl.get()
    assert not control.down and control.refuse_code == "99"
    client.post("/sim/dvcqg/dieu-khien/", {"action": "refuse", "refuse_code": "00"})
    assert SimControl.get().refuse_code == "99"
    client.post("/sim/dvcqg/dieu-khien/", {"action": "refuse", "refuse_code": ""})
    assert SimControl.get().refuse_code == ""


def test_mark_paid_button(client):
    dossier = online()
    answer = client.post(f"/sim/dvcqg/ho-so/{dossier.code}/thanh-toan/", {"amount": "8000"})
    assert answer.status_code == 302
    dossier.refresh_from_db()
    assert dossier.paid and dossier.amount == 8000 and dossier.paid_at


def test_pages_enforce_csrf():
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/sim/dvcqg/dieu-khien/", {"action": "down"}).status_code == 403
    assert not SimControl.get().down
