"""The one-stop desk through HTTP: queues, walk-in intake, the workspace, stale actions, exports."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, procedure, user

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"
SIGNATURE = "2.000884"
DESK = "ttpvhcc-xa-14797"


def login(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


def walk_in(clerk: Client, **over):
    p = procedure(MARRIAGE_STATUS)
    components = [c.pk for c in p.components.all()]
    data = {
        "procedure": p.pk,
        "desk": user("tiepnhan.hacthanh").staff_assignments.first().agency_id,
        "applicant_name": "Nguyễn Thị Ánh",
        "id_number": "038190001234",
        "date_of_birth": "1990-05-12",
        "phone": "0912345678",
        "components": components,
        "decision": "accept",
        "reason": "",
        **over,
    }
    return clerk.post("/mot-cua/tiep-nhan/", data)


def test_an_anonymous_visitor_is_sent_to_the_officer_login():
    r = Client().get("/mot-cua/")
    assert r.status_code == 302 and r["Location"].startswith("/mot-cua/dang-nhap/")
    page = Client().get("/mot-cua/dang-nhap/")
    assert "Cán bộ đăng nhập" in page.content.decode()


def test_a_citizen_account_gets_no_back_office():
    assert login("congdan.an").get("/mot-cua/").status_code == 404


def test_walk_in_intake_accepts_and_offers_form_01():
    clerk = login("tiepnhan.hacthanh")
    r = walk_in(clerk)
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Dossier.objects.get()
    assert d.state == "accepted" and d.code and r["Location"].endswith("?in=01")
    page = clerk.get(r["Location"]).content.decode()
    assert f"/api/v1/dossiers/{d.pk}/forms/01.pdf" in page and "Đã tiếp nhận hồ sơ" in page


def test_an_invalid_citizen_id_is_explained_and_nothing_is_created():
    clerk = login("tiepnhan.hacthanh")
    r = walk_in(clerk, id_number="03819000123")
    assert r.status_code == 422 and "12 chữ số" in r.content.decode()
    assert "Nguyễn Thị Ánh" in r.content.decode()  # what was typed is kept
    assert not Dossier.objects.exists()


def test_missing_mandatory_papers_cannot_be_accepted_but_can_be_asked_for():
    clerk = login("tiepnhan.hacthanh")
    r = walk_in(clerk, components=[])
    assert r.status_code == 422 and "Còn thiếu giấy tờ bắt buộc" in r.content.decode()
    r = walk_in(clerk, components=[], decision="request_supplement")
    assert r.status_code == 302 and r["Location"].endswith("?in=02")
    assert Dossier.objects.get().state == "supplement_requested"


def test_the_queues_show_the_time_left_and_export_to_xlsx(django_assert_max_num_queries):
    clerk_api = Api("tiepnhan.hacthanh")
    for i in range(3):
        create_at_desk(clerk_api, MARRIAGE_STATUS, DESK, id_number=f"03819000{1234 + i}")
    d = create_at_desk(clerk_api, MARRIAGE_STATUS, DESK, id_number="038190009999")
    clerk_api.act(d["id"], "accept")
    clerk = login("tiepnhan.hacthanh")
    with django_assert_max_num_queries(14):
        page = clerk.get("/mot-cua/hang-doi/desk/")
    assert page.status_code == 200 and page.content.decode().count('name="ids"') == 3
    with django_assert_max_num_queries(14):
        mine = clerk.get("/mot-cua/hang-doi/mine/")
    text = mine.content.decode()
    assert "còn" in text and "tone-ok" in text  # the accepted dossier waits at the clerk's transfer step
    xlsx = clerk.get("/mot-cua/hang-doi/agency/xlsx/")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A1"].value == "Mã hồ sơ" and ws.max_row == 5


def test_bulk_accept():
    clerk_api = Api("tiepnhan.hacthanh")
    ids = [create_at_desk(clerk_api, MARRIAGE_STATUS, DESK, id_number=f"03819000{1234 + i}")["id"] for i in range(3)]
    clerk = login("tiepnhan.hacthanh")
    r = clerk.post("/mot-cua/hang-loat/", {"action": "accept", "ids": ids, "next": "/mot-cua/"}, follow=True)
    assert "Đã thực hiện với 3 hồ sơ" in r.content.decode()
    assert set(Dossier.objects.values_list("state", flat=True)) == {"accepted"}


def test_an_action_on_a_dossier_that_moved_on_meanwhile_changes_nothing():
    clerk_api = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk_api, MARRIAGE_STATUS, DESK)
    seen = Dossier.objects.get(pk=d["id"]).event_count
    clerk_api.act(d["id"], "accept")  # another officer, a moment earlier
    clerk = login("tiepnhan.hacthanh")
    r = clerk.post(f"/mot-cua/ho-so/{d['id']}/thao-tac/refuse/", {"seen": seen, "reasons": "Không đủ điều kiện"})
    assert r.status_code == 409 and "vừa được cán bộ khác cập nhật" in r.content.decode()
    assert Dossier.objects.get(pk=d["id"]).state == "accepted"


def test_returning_without_the_result_file_is_refused_with_a_clear_message():
    clerk_api = Api("tiepnhan.hacthanh")
    d = clerk_api.act(create_at_desk(clerk_api, MARRIAGE_STATUS, DESK)["id"], "accept")
    clerk_api.act(d["id"], "transfer")
    Api("lanhdao.hacthanh").act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    officer = login("chuyenvien.hacthanh")
    page = officer.get(f"/mot-cua/ho-so/{d['id']}/").content.decode()
    assert "Chưa có kết quả" in page or "kết quả" in page
    seen = Dossier.objects.get(pk=d["id"]).event_count
    r = officer.post(f"/mot-cua/ho-so/{d['id']}/thao-tac/appraise/", {"seen": seen, "note": "Đủ điều kiện"})
    assert r.status_code == 409, r.content.decode()[:3000]
    assert "kết quả" in r.content.decode()
    assert Dossier.objects.get(pk=d["id"]).current_step == "appraise"


def test_an_officer_of_another_commune_gets_404_and_an_auditor_only_reads():
    clerk_api = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk_api, MARRIAGE_STATUS, DESK)
    assert login("tiepnhan.samson").get(f"/mot-cua/ho-so/{d['id']}/").status_code == 404
    assert login("tiepnhan.samson").post(f"/mot-cua/ho-so/{d['id']}/thao-tac/accept/", {}).status_code == 404
    auditor = login("kiemtra")
    page = auditor.get(f"/mot-cua/ho-so/{d['id']}/").content.decode()
    assert "Bạn chỉ có quyền xem" in page
    r = auditor.post(f"/mot-cua/ho-so/{d['id']}/thao-tac/accept/", {})
    assert r.status_code == 403 and Dossier.objects.get(pk=d["id"]).state == "submitted"
    r = auditor.post(f"/mot-cua/ho-so/{d['id']}/ghi-chu/", {"text": "xem"})
    assert r.status_code == 403


def test_internal_notes_and_cash_at_the_desk():
    clerk_api = Api("tiepnhan.hacthanh")
    d = clerk_api.act(create_at_desk(clerk_api, SIGNATURE, DESK)["id"], "accept")
    clerk = login("tiepnhan.hacthanh")
    clerk.post(f"/mot-cua/ho-so/{d['id']}/ghi-chu/", {"text": "Công dân hẹn quay lại chiều nay"})
    page = clerk.get(f"/mot-cua/ho-so/{d['id']}/").content.decode()
    assert "Công dân hẹn quay lại chiều nay" in page and "10.000" in page
    r = clerk.post(
        f"/mot-cua/ho-so/{d['id']}/thu-tien/", {"method": "cash", "amount": 10000, "attempt": "x1"}, follow=True
    )
    assert "Đã ghi nhận tiền nộp" in r.content.decode()
    assert Dossier.objects.get(pk=d["id"]).payment_status == "paid"


def test_the_logbook_per_field_and_month():
    from congso.catalog.models import Field

    clerk_api = Api("tiepnhan.hacthanh")
    clerk_api.act(create_at_desk(clerk_api, MARRIAGE_STATUS, DESK)["id"], "accept")
    clerk = login("tiepnhan.hacthanh")
    field = procedure(MARRIAGE_STATUS).field
    from django.utils import timezone

    month = f"{timezone.localdate():%Y-%m}"
    page = clerk.get("/mot-cua/so-theo-doi/", {"month": month, "field": field.pk}).content.decode()
    url = page.split('href="')[-1].split('"')[0].replace("&amp;", "&")
    assert url.startswith("/api/v1/dossiers/logbook.pdf") and f"field_id={field.pk}" in url
    pdf = clerk.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = Field.objects.exclude(pk=field.pk).first()
    assert clerk.get(url.replace(f"field_id={field.pk}", f"field_id={other.pk}")).status_code == 200
    assert clerk.get("/mot-cua/so-theo-doi/", {"month": "2026-13"}).status_code == 422


def test_a_leader_assigns_several_dossiers_at_once():
    clerk_api = Api("tiepnhan.hacthanh")
    ids = []
    for i in range(2):
        d = clerk_api.act(
            create_at_desk(clerk_api, MARRIAGE_STATUS, DESK, id_number=f"03819000{1234 + i}")["id"], "accept"
        )
        clerk_api.act(d["id"], "transfer")
        ids.append(d["id"])
    leader = login("lanhdao.hacthanh")
    page = leader.get("/mot-cua/hang-doi/mine/").content.decode()
    assert page.count('name="ids"') == 2 and "Phân công các hồ sơ đã chọn" in page
    specialist = user("chuyenvien.hacthanh").pk
    r = leader.post("/mot-cua/hang-loat/", {"action": "assign", "ids": ids, "assignee_id": specialist}, follow=True)
    assert "Đã thực hiện với 2 hồ sơ" in r.content.decode()
    assert set(Dossier.objects.values_list("current_step", "assignee_id")) == {("appraise", specialist)}


def test_a_file_is_previewed_inline_only_for_its_dossiers_officers():
    clerk_api = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk_api, MARRIAGE_STATUS, DESK)
    f = clerk_api.upload(d["id"]).json()
    clerk = login("tiepnhan.hacthanh")
    page = clerk.get(f"/mot-cua/ho-so/{d['id']}/").content.decode()
    assert f"/mot-cua/ho-so/{d['id']}/tep/{f['id']}/xem/" in page
    r = clerk.get(f"/mot-cua/ho-so/{d['id']}/tep/{f['id']}/xem/")
    assert r.status_code == 200 and r["Content-Disposition"] == "inline" and r.content.startswith(b"%PDF")
    assert login("tiepnhan.samson").get(f"/mot-cua/ho-so/{d['id']}/tep/{f['id']}/xem/").status_code == 404


def test_a_second_click_on_the_intake_form_does_not_create_a_second_dossier():
    clerk = login("tiepnhan.hacthanh")
    first = walk_in(clerk, attempt="3f1c2b8e-0000-4000-8000-000000000001")
    again = walk_in(clerk, attempt="3f1c2b8e-0000-4000-8000-000000000001")
    assert first.status_code == again.status_code == 302
    assert Dossier.objects.count() == 1 and again["Location"] == first["Location"].split("?")[0]
