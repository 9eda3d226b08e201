"""A province procedure submitted online by a citizen: late, apologised for with Form 04, returned to the data store."""

import pytest

from congso.dossiers.models import PersonalDocument
from congso.dossiers.tests.helpers import Api, agency, local, procedure, user

pytestmark = pytest.mark.django_db

LAW_BRANCH = "1.002099"  # Đăng ký hoạt động của chi nhánh của tổ chức hành nghề luật sư: 5 working days, online (full)


def submit_online(citizen: Api, clock) -> dict:
    body = {
        "procedure_id": procedure(LAW_BRANCH).pk,
        "intake_agency_id": agency("trung-tam-phuc-vu-hanh-chinh-cong").pk,
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234", "phone": "0912345678"},
        "request_text": "Đăng ký hoạt động chi nhánh Công ty Luật An Bình tại Thanh Hóa",
    }
    draft = citizen.post("/dossiers/", body)
    assert draft.status_code == 201, draft.content
    draft = draft.json()
    assert draft["state"] == "draft" and draft["source"] == "portal"
    assert citizen.upload(draft["id"], name="Giấy đề nghị đăng ký hoạt động").status_code == 201
    return citizen.act(draft["id"], "submit")


def test_it_runs_late_issues_form_04_explains_why_and_returns_the_result_to_the_data_store(clock):
    citizen_an = Api("congdan.an")
    clerk_binh, officer_chi, leader_dung = Api("tiepnhan.tinh"), Api("chuyenvien.stp"), Api("lanhdao.stp")
    d = submit_online(citizen_an, clock)
    assert d["state"] == "submitted" and d["channel"] == 2
    assert citizen_an.actions(d["id"]) == ["withdraw"]

    d = clerk_binh.act(d["id"], "accept")
    assert d["receiving_agency"]["name"] == "Sở Tư pháp tỉnh Thanh Hóa" and d["current_agency"]["name"].startswith(
        "Trung tâm"
    )
    # 5 working days from Tue 1 Dec 08:00 → Tue 8 Dec 08:00.
    assert d["appointment_at"].startswith("2026-12-08T08:00:00+07:00")
    clerk_binh.act(d["id"], "transfer")
    leader_dung.act(d["id"], "assign", {"assignee_id": user("chuyenvien.stp").pk})
    # A specialist of another department cannot even see it.
    assert Api("chuyenvien.sxd").get(f"/dossiers/{d['id']}").status_code == 404

    # The specialist sits on it: a day before the due time the leader apologises (Form 04) with a new date.
    clock.set(local(2026, 12, 7, 8, 0))
    bad = leader_dung.post(
        f"/dossiers/{d['id']}/actions/extend",
        {"reason": "Cần xác minh", "new_appointment_at": "2026-12-01T08:00:00+07:00"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "new_appointment_at"
    d = leader_dung.act(
        d["id"],
        "extend",
        {"reason": "Cần xác minh thêm hồ sơ với Đoàn Luật sư", "new_appointment_at": "2026-12-11T16:00:00+07:00"},
    )
    assert d["extension_count"] == 1 and d["appointment_at"].startswith("2026-12-11T16:00:00+07:00")
    assert d["original_appointment_at"].startswith("2026-12-08T08:00:00+07:00")
    assert "extend" not in Api("lanhdao.stp").actions(d["id"])  # once only
    form_04 = leader_dung.client.get(f"/api/v1/dossiers/{d['id']}/forms/04.pdf")
    assert form_04.status_code == 200 and form_04.content.startswith(b"%PDF")

    clock.set(local(2026, 12, 10, 9, 0))
    assert officer_chi.upload(d["id"], kind="result", name="Giấy đăng ký hoạt động chi nhánh").status_code == 201
    officer_chi.act(d["id"], "appraise")
    leader_dung.act(d["id"], "approve")
    leader_dung.act(d["id"], "sign")
    d = Api("vanthu.stp").act(d["id"], "issue")
    # Late against the statutory due time (8 Dec) even though the new appointment (11 Dec) was kept.
    assert d["state"] == "finished" and d["outcome"] == "late"
    # Appraisal had what the other steps leave: 55% of 5 days (2 days 6 hours; the clerk's numbering and agency
    # signature take 5%) and took 1 Dec 08:00 → 10 Dec 09:00 = 7 days 1 hour of working time.
    assert d["why_late"] == [
        "Bước «Chuyên viên thẩm định, dự thảo kết quả» (Sở Tư pháp tỉnh Thanh Hóa) quá 4 ngày 3 giờ: "
        "dùng 7 ngày 1 giờ trên 2 ngày 6 giờ được giao."
    ]

    # The 25.000-đồng charge is still due: the result is not handed over before it is paid.
    assert clerk_binh.act(d["id"], "return_result", expect=409)["detail"] == "Hồ sơ chưa hoàn thành nghĩa vụ tài chính."
    d = clerk_binh.act(d["id"], "confirm_payment", {"receipt": "Thu tiền mặt tại quầy"})
    assert d["payment_status"] == "paid"

    # Returned at the centre; the result goes to the citizen's personal data store and can be reused.
    d = clerk_binh.act(d["id"], "return_result")
    assert d["state"] == "returned"
    stored = PersonalDocument.objects.get(owner=user("congdan.an"), is_result=True)
    mine = citizen_an.get("/dossiers/me/documents").json()
    assert [m["name"] for m in mine] == ["Giấy đăng ký hoạt động chi nhánh"]

    again = citizen_an.post(
        "/dossiers/",
        {
            "procedure_id": procedure(LAW_BRANCH).pk,
            "intake_agency_id": agency("trung-tam-phuc-vu-hanh-chinh-cong").pk,
            "channel": 2,
            "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234"},
        },
    ).json()
    reuse = citizen_an.client.post(
        f"/api/v1/dossiers/{again['id']}/files",
        {"personal_document_id": stored.pk, "name": "Giấy đăng ký cũ"},
    )
    assert reuse.status_code == 201, reuse.content
    assert reuse.json()["reused"] is True and reuse.json()["sha256"] == stored.file.sha256
    assert again["state"] == "draft"


def test_a_citizen_cannot_reuse_someone_elses_document(clock, settings, tmp_path):
    from congso.dossiers.actions import store_file
    from congso.dossiers.tests.helpers import PDF

    settings.CONGSO_FILES_DIR = tmp_path
    theirs = PersonalDocument.objects.create(owner=user("kiemtra"), name="Giấy của người khác", file=store_file(PDF))
    citizen = Api("congdan.an")
    draft = citizen.post(
        "/dossiers/",
        {
            "procedure_id": procedure(LAW_BRANCH).pk,
            "intake_agency_id": agency("trung-tam-phuc-vu-hanh-chinh-cong").pk,
            "channel": 2,
            "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234"},
        },
    ).json()
    response = citizen.client.post(f"/api/v1/dossiers/{draft['id']}/files", {"personal_document_id": theirs.pk})
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy giấy tờ trong kho dữ liệu của bạn."


def test_a_citizen_cannot_submit_at_the_desk_channel_nor_a_procedure_not_offered_online(clock):
    citizen = Api("congdan.an")
    body = {
        "procedure_id": procedure("2.000815").pk,
        "intake_agency_id": agency("ttpvhcc-xa-14797").pk,
        "channel": 2,
        "applicant": {"name": "Nguyễn Văn An", "id_number": "038090001234"},
    }
    response = citizen.post("/dossiers/", body)
    assert response.status_code == 422
    assert "chưa cung cấp dịch vụ công trực tuyến" in response.json()["detail"]
    response = citizen.post("/dossiers/", {**body, "channel": 1})
    assert response.status_code == 422 and response.json()["errors"] == [{"field": "channel", "message": "Chọn 2."}]
