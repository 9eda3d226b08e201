"""The applicant edits an online draft through the API; officers write to the applicant."""

import pytest

from congso.dossiers.tests.helpers import Api, agency, procedure

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"


def draft(citizen: Api) -> dict:
    body = {
        "procedure_id": procedure(BIRTH).pk,
        "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234", "phone": "0912345678"},
    }
    response = citizen.post("/dossiers/", body)
    assert response.status_code == 201, response.content
    return response.json()


def patch(api: Api, dossier_id: int, body: dict):
    import json

    return api.client.patch(
        f"/api/v1/dossiers/{dossier_id}/draft", json.dumps(body), content_type="application/json", **api.headers
    )


def test_the_e_form_is_checked_field_by_field_and_a_valid_one_is_saved(clock):
    citizen = Api("congdan.an")
    d = draft(citizen)
    bad = patch(citizen, d["id"], {"form_data": {"ho_ten": "An", "ngay_sinh": "2099-01-01"}})
    assert bad.status_code == 422
    fields = {e["field"]: e["message"] for e in bad.json()["errors"]}
    assert fields["form_data.ngay_sinh"] == "Ngày không được sau hôm nay."
    assert fields["form_data.noi_sinh"] == "Vui lòng nhập nơi sinh."
    form = {
        "nguoi_yeu_cau": "Nguyễn Văn An",
        "giay_to_nguoi_yeu_cau": "038090001234",
        "quan_he": "cha",
        "ho_ten": "Nguyễn Minh Khôi",
        "gioi_tinh": "nam",
        "ngay_sinh": "2026-11-20",
        "noi_sinh": "Trạm y tế phường Hạc Thành",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "ho_ten_me": "Lê Thị Hoa",
        "nam_sinh_me": 1992,
        "noi_cu_tru_me": "Phường Hạc Thành",
    }
    ok = patch(citizen, d["id"], {"form_data": form, "return_method": "Nhận trực tiếp"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["form_data"]["ho_ten"] == "Nguyễn Minh Khôi"
    events = citizen.get(f"/dossiers/{d['id']}/events").json()
    assert events[-1]["action"] == "update_draft" and events[-1]["data"]["changed"] == ["form_data", "return_method"]
    # The same content again writes nothing.
    assert patch(citizen, d["id"], {"form_data": form}).status_code == 200
    assert len(citizen.get(f"/dossiers/{d['id']}/events").json()) == len(events)


def test_a_submitted_dossier_is_no_longer_a_draft(clock):
    citizen = Api("congdan.an")
    d = draft(citizen)
    assert citizen.upload(d["id"], name="Giấy chứng sinh").status_code == 201
    citizen.act(d["id"], "submit")
    response = patch(citizen, d["id"], {"return_method": "Bưu chính"})
    assert response.status_code == 409 and "không sửa bản nháp" in response.json()["detail"]


def test_files_come_off_a_draft_but_not_off_a_submitted_dossier(clock):
    citizen = Api("congdan.an")
    d = draft(citizen)
    first = citizen.upload(d["id"], name="Giấy chứng sinh").json()
    assert citizen.client.delete(f"/api/v1/dossiers/{d['id']}/files/{first['id']}").status_code == 204
    second = citizen.upload(d["id"], name="Giấy chứng sinh").json()
    citizen.act(d["id"], "submit")
    refused = citizen.client.delete(f"/api/v1/dossiers/{d['id']}/files/{second['id']}")
    assert refused.status_code == 409 and "không gỡ được" in refused.json()["detail"]
    assert Api("tiepnhan.hacthanh").client.delete(f"/api/v1/dossiers/{d['id']}/files/{second['id']}").status_code == 404


def test_officers_write_to_the_applicant_and_the_applicant_cannot_write_as_an_officer(clock):
    citizen = Api("congdan.an")
    d = draft(citizen)
    citizen.upload(d["id"], name="Giấy chứng sinh")
    citizen.act(d["id"], "submit")
    clerk = Api("tiepnhan.hacthanh")
    sent = clerk.post(f"/dossiers/{d['id']}/messages", {"text": "Anh bổ sung bản chụp rõ hơn giúp."})
    assert sent.status_code == 201 and sent.json()["data"] == {"text": "Anh bổ sung bản chụp rõ hơn giúp."}
    assert citizen.post(f"/dossiers/{d['id']}/messages", {"text": "xin chào"}).status_code == 403
    blank = clerk.post(f"/dossiers/{d['id']}/messages", {"text": "   "})
    assert blank.status_code == 422 and "Vui lòng nhập nội dung tin nhắn" in blank.json()["detail"]
    stranger = Api("tiepnhan.tinh")
    assert stranger.post(f"/dossiers/{d['id']}/messages", {"text": "x"}).status_code == 404
