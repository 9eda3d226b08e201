"""The applicant edits an online draft through the API; officers write to the applicant."""

import pytest

from congso.dossiers.tests.helpers import BIRTH_FORM, Api, agency, procedure

pytestmark = pytest.mark.django_db

BIRTH = "1.001193"


def draft(citizen: Api, form: dict | None = None) -> dict:
    body = {
        "procedure_id": procedure(BIRTH).pk,
        "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234", "phone": "0912345678"},
        "form_data": form or {},
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
    form = BIRTH_FORM
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
    d = draft(citizen, BIRTH_FORM)
    assert citizen.upload(d["id"], name="Giấy chứng sinh").status_code == 201
    citizen.act(d["id"], "submit")
    response = patch(citizen, d["id"], {"return_method": "Bưu chính"})
    assert response.status_code == 409 and "không sửa bản nháp" in response.json()["detail"]


def test_files_come_off_a_draft_but_not_off_a_submitted_dossier(clock):
    citizen = Api("congdan.an")
    d = draft(citizen, BIRTH_FORM)
    first = citizen.upload(d["id"], name="Giấy chứng sinh").json()
    assert citizen.client.delete(f"/api/v1/dossiers/{d['id']}/files/{first['id']}").status_code == 204
    second = citizen.upload(d["id"], name="Giấy chứng sinh").json()
    citizen.act(d["id"], "submit")
    refused = citizen.client.delete(f"/api/v1/dossiers/{d['id']}/files/{second['id']}")
    assert refused.status_code == 409 and "không gỡ được" in refused.json()["detail"]
    assert Api("tiepnhan.hacthanh").client.delete(f"/api/v1/dossiers/{d['id']}/files/{second['id']}").status_code == 404


def test_officers_write_to_the_applicant_and_the_applicant_cannot_write_as_an_officer(clock):
    citizen = Api("congdan.an")
    d = draft(citizen, BIRTH_FORM)
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


def test_an_online_dossier_is_not_submitted_with_its_e_form_unfinished(clock):
    """The API checks the e-form at submission as the wizard does; the draft and its papers are kept."""
    citizen = Api("congdan.an")
    d = draft(citizen)
    assert citizen.upload(d["id"], name="Giấy chứng sinh").status_code == 201
    refused = citizen.client.post(
        f"/api/v1/dossiers/{d['id']}/actions/submit", "{}", content_type="application/json", **citizen.headers
    )
    assert refused.status_code == 422
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert fields["form_data.noi_sinh"] == "Vui lòng nhập nơi sinh."
    kept = citizen.get(f"/dossiers/{d['id']}").json()
    assert kept["state"] == "draft" and len(kept["files"]) == 1
    assert patch(citizen, d["id"], {"form_data": BIRTH_FORM}).status_code == 200
    submitted = citizen.act(d["id"], "submit")
    assert submitted["state"] == "submitted" and submitted["form_data"]["ho_ten"] == "Nguyễn Minh Khôi"


def test_submitting_at_creation_checks_the_e_form_too(clock):
    citizen = Api("congdan.an")
    body = {
        "procedure_id": procedure(BIRTH).pk,
        "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234", "phone": "0912345678"},
        "form_data": {**BIRTH_FORM, "ngay_sinh": "2099-01-01"},
        "submit": True,
    }
    before = citizen.get("/dossiers/").json()
    refused = citizen.post("/dossiers/", body)
    assert refused.status_code == 422
    assert {e["field"]: e["message"] for e in refused.json()["errors"]} == {
        "form_data.ngay_sinh": "Ngày không được sau hôm nay."
    }
    assert citizen.get("/dossiers/").json() == before  # nothing created
