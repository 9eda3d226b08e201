"""A citizen submits online through the wizard, follows the dossier, answers a supplement and withdraws.

Through HTTP, on the reference data (birth registration has its own e-form in data/eforms/).
"""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client, override_settings

from congso.accounts.models import User
from congso.dossiers.choices import State
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, agency, procedure

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh (commune level, online)
DESK = "ttpvhcc-xa-14797"  # Trung tâm Phục vụ hành chính công phường Hạc Thành
CCCD = "038190000123"
FORM = {
    "nguoi_yeu_cau": "Lê Thị Hoa",
    "giay_to_nguoi_yeu_cau": CCCD,
    "quan_he": "me",
    "ho_ten": "Lê Minh An",
    "gioi_tinh": "nam",
    "ngay_sinh": "2026-11-20",
    "noi_sinh": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "ho_ten_me": "Lê Thị Hoa",
    "nam_sinh_me": "1990",
    "noi_cu_tru_me": "Phường Hạc Thành, tỉnh Thanh Hóa",
}


def citizen(username="hoa.le", phone="0912000111") -> User:
    user = User.objects.create_user(
        username=username, password="mat-khau-rat-dai-1", email=f"{username}@example.vn", phone=phone
    )
    user.full_name = "Lê Thị Hoa"
    user.account_type = "citizen"
    user.save()
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def applicant_post(**overrides) -> dict:
    return {
        "on_behalf": "self",
        "full_name": "Lê Thị Hoa",
        "id_number": CCCD,
        "phone": "0912000111",
        "email": "hoa.le@example.vn",
        "address": "Phường Hạc Thành, tỉnh Thanh Hóa",
        "intake": agency(DESK).pk,
        **overrides,
    }


def pdf(name="giay-chung-sinh.pdf", data=PDF):
    f = io.BytesIO(data)
    f.name = name
    return f


def errors(response) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', response.content.decode())


def start_draft(client) -> Dossier:
    p = procedure(BIRTH)
    response = client.post(f"/nop-truc-tuyen/{p.pk}/", applicant_post())
    assert response.status_code == 302, errors(response)
    return Dossier.objects.get(pk=int(re.search(r"/ho-so-cua-toi/(\d+)/", response["Location"]).group(1)))


def submitted(client) -> Dossier:
    d = start_draft(client)
    assert client.post(f"/ho-so-cua-toi/{d.pk}/to-khai/", FORM).status_code == 302
    component = d.procedure.components.get(name__startswith="Giấy chứng sinh")
    assert client.post(f"/ho-so-cua-toi/{d.pk}/giay-to/", {"component": component.pk, "file": pdf()}).status_code == 302
    response = client.post(f"/ho-so-cua-toi/{d.pk}/xem-lai/", {"return_method": "online", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == f"/ho-so-cua-toi/{d.pk}/"
    d.refresh_from_db()
    return d


# ---- the wizard -----------------------------------------------------------------------------------------
def test_the_procedure_page_offers_online_submission():
    html = Client().get(f"/thu-tuc/{procedure(BIRTH).pk}/").content.decode()
    assert f'href="/nop-truc-tuyen/{procedure(BIRTH).pk}/"' in html and "Nộp trực tuyến" in html
    assert "Trình tự thực hiện" in html and "Nhận kết quả" in html


def test_a_visitor_is_asked_to_log_in_first():
    response = Client().get(f"/nop-truc-tuyen/{procedure(BIRTH).pk}/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/tai-khoan/dang-nhap/?next=/nop-truc-tuyen/"
    )


def test_the_applicant_step_is_prefilled_from_the_profile():
    client = logged_in(citizen())
    html = client.get(f"/nop-truc-tuyen/{procedure(BIRTH).pk}/").content.decode()
    assert 'value="Lê Thị Hoa"' in html and 'value="0912000111"' in html and 'value="hoa.le@example.vn"' in html
    assert "Trung tâm Phục vụ hành chính công phường Hạc Thành" in html


def test_bad_applicant_data_is_explained_beside_each_field_and_nothing_is_created():
    client = logged_in(citizen())
    before = Dossier.objects.count()
    response = client.post(
        f"/nop-truc-tuyen/{procedure(BIRTH).pk}/",
        applicant_post(id_number="038190000", phone="12345", intake=""),
    )
    assert response.status_code == 422
    found = errors(response)
    assert any("12 chữ số" in e or "Số định danh" in e or "CCCD" in e for e in found), found
    assert "Số điện thoại gồm 10 chữ số, bắt đầu bằng 0." in found
    assert Dossier.objects.count() == before
    html = response.content.decode()
    assert 'value="Lê Thị Hoa"' in html and 'value="038190000"' in html  # what was typed stays


def test_the_whole_wizard_submits_one_dossier_that_reaches_the_desk():
    user = citizen()
    client = logged_in(user)
    d = submitted(client)
    assert d.state == State.SUBMITTED and d.channel == 2 and d.source == "portal"
    assert d.applicant_user_id == user.pk and d.intake_agency.slug == DESK
    assert d.competent_agency.kind == "commune_pc"
    assert d.form_data["ho_ten"] == "Lê Minh An" and d.form_data["nam_sinh_me"] == 1990
    assert d.return_method == "Nhận bản điện tử trên Cổng dịch vụ công"
    assert d.files.count() == 1
    # A second click on "Nộp hồ sơ" lands on the same dossier; nothing is submitted twice.
    again = client.post(f"/ho-so-cua-toi/{d.pk}/xem-lai/", {"return_method": "online", "confirm": "1"})
    assert again.status_code == 302 and again["Location"] == f"/ho-so-cua-toi/{d.pk}/"
    assert d.events.filter(action="submit").count() == 1
    assert Dossier.objects.filter(applicant_user=user).count() == 1
    # The clerk of the commune centre sees it in the intake queue.
    clerk = Client()
    clerk.force_login(User.objects.get(username="tiepnhan.hacthanh"))
    queue = clerk.get("/mot-cua/").content.decode()
    assert "Lê Thị Hoa" in queue


def test_e_form_errors_are_shown_per_field_and_the_draft_keeps_what_was_typed():
    client = logged_in(citizen())
    d = start_draft(client)
    typed = {**FORM, "ngay_sinh": "2099-01-01", "nam_sinh_me": "19x0", "giay_to_nguoi_yeu_cau": "123"}
    typed.pop("noi_sinh")
    response = client.post(f"/ho-so-cua-toi/{d.pk}/to-khai/", typed)
    assert response.status_code == 422
    found = errors(response)
    assert "Ngày không được sau hôm nay." in found
    assert "Vui lòng nhập một số nguyên." in found
    assert "Số định danh cá nhân gồm đúng 12 chữ số." in found
    assert "Vui lòng nhập nơi sinh." in found
    d.refresh_from_db()
    assert d.state == State.DRAFT and d.form_data["ho_ten"] == "Lê Minh An"  # saved on the server
    assert 'value="19x0"' in response.content.decode()  # the unreadable text is shown back, not lost


def test_a_draft_resumes_on_another_device():
    user = citizen()
    d = start_draft(logged_in(user))
    logged_in(user).post(f"/ho-so-cua-toi/{d.pk}/to-khai/", {**FORM, "noi_sinh": ""})
    other_device = logged_in(user)
    listing = other_device.get("/ho-so-cua-toi/?state=draft").content.decode()
    assert f"/ho-so-cua-toi/{d.pk}/to-khai/" in listing
    html = other_device.get(f"/ho-so-cua-toi/{d.pk}/to-khai/").content.decode()
    assert 'value="Lê Minh An"' in html and 'value="Bệnh viện' not in html


def test_an_expired_session_keeps_what_was_typed_until_the_applicant_logs_in_again():
    user = citizen()
    d = start_draft(logged_in(user))
    expired = Client()
    response = expired.post(f"/ho-so-cua-toi/{d.pk}/to-khai/", {**FORM, "ho_ten": "Lê Minh Khang"})
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]
    d.refresh_from_db()
    assert "ho_ten" not in d.form_data or d.form_data["ho_ten"] != "Lê Minh Khang"  # not written anonymously
    login = expired.post(response["Location"], {"username": "hoa.le", "password": "mat-khau-rat-dai-1"}, follow=False)
    assert login.status_code == 302 and login["Location"] == f"/ho-so-cua-toi/{d.pk}/to-khai/"
    html = expired.get(login["Location"]).content.decode()
    assert 'value="Lê Minh Khang"' in html and "những gì bạn vừa nhập vẫn được giữ" in html


def test_another_citizen_cannot_open_my_draft():
    d = start_draft(logged_in(citizen()))
    stranger = logged_in(citizen("khac", "0912000222"))
    for path in ("to-khai/", "giay-to/", "xem-lai/", "nguoi-nop/", ""):
        assert stranger.get(f"/ho-so-cua-toi/{d.pk}/{path}").status_code == 404


def test_a_staff_account_is_sent_to_the_back_office():
    client = logged_in(User.objects.get(username="tiepnhan.hacthanh"))
    response = client.get(f"/nop-truc-tuyen/{procedure(BIRTH).pk}/")
    assert response.status_code == 403 and "Tài khoản cán bộ không nộp hồ sơ" in response.content.decode()


def test_a_procedure_without_online_submission_says_so():
    from congso.catalog.models import Procedure

    offline = next((p for p in Procedure.objects.current() if not p.offered_online), None)
    if offline is None:
        pytest.skip("every procedure of the demo catalog is online")
    response = logged_in(citizen()).get(f"/nop-truc-tuyen/{offline.pk}/")
    assert response.status_code == 409 and "chưa nhận hồ sơ trực tuyến" in response.content.decode()


# ---- files --------------------------------------------------------------------------------------------
def test_a_wrong_file_type_is_refused_with_a_message_and_nothing_attached():
    client = logged_in(citizen())
    d = start_draft(client)
    component = d.procedure.components.get(name__startswith="Giấy chứng sinh")
    response = client.post(
        f"/ho-so-cua-toi/{d.pk}/giay-to/", {"component": component.pk, "file": pdf("virus.exe", b"MZ\x90\x00" * 40)}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Chỉ nhận" in html or "không được chấp nhận" in html or "không hỗ trợ" in html, html[:3000]
    assert d.files.count() == 0


@override_settings(CONGSO_MAX_UPLOAD_BYTES=1024)
def test_a_too_large_file_is_refused_with_the_limit():
    client = logged_in(citizen())
    d = start_draft(client)
    component = d.procedure.components.get(name__startswith="Giấy chứng sinh")
    response = client.post(
        f"/ho-so-cua-toi/{d.pk}/giay-to/", {"component": component.pk, "file": pdf(data=PDF + b" " * 4096)}
    )
    assert response.status_code == 422 and "quá lớn" in response.content.decode()
    assert d.files.count() == 0


def test_a_file_can_be_removed_from_the_draft_and_reused_from_the_personal_store():
    from congso.dossiers.actions import store_file
    from congso.dossiers.models import PersonalDocument

    user = citizen()
    client = logged_in(user)
    d = start_draft(client)
    component = d.procedure.components.get(name__startswith="Giấy chứng sinh")
    client.post(f"/ho-so-cua-toi/{d.pk}/giay-to/", {"component": component.pk, "file": pdf()})
    item = d.files.get()
    assert client.post(f"/ho-so-cua-toi/{d.pk}/giay-to/", {"remove": item.pk}).status_code == 302
    assert d.files.count() == 0 and d.events.filter(action="remove_file").count() == 1
    kept = PersonalDocument.objects.create(owner=user, name="Giấy chứng sinh (bản lưu)", file=store_file(PDF))
    client.post(f"/ho-so-cua-toi/{d.pk}/giay-to/", {"component": component.pk, "personal_document": kept.pk})
    reused = d.files.get()
    assert reused.reused and reused.reused_from_id == kept.pk and reused.component_id == component.pk


def test_the_review_blocks_submission_until_the_mandatory_papers_are_there():
    client = logged_in(citizen())
    d = start_draft(client)
    client.post(f"/ho-so-cua-toi/{d.pk}/to-khai/", FORM)
    response = client.post(f"/ho-so-cua-toi/{d.pk}/xem-lai/", {"return_method": "online", "confirm": "1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Chưa có giấy tờ bắt buộc" in html and "Giấy chứng sinh" in html
    d.refresh_from_db()
    assert d.state == State.DRAFT


def test_the_review_needs_the_pledge_and_a_way_to_receive_the_result():
    client = logged_in(citizen())
    d = start_draft(client)
    assert client.post(f"/ho-so-cua-toi/{d.pk}/xem-lai/", {"confirm": "1"}).status_code == 422
    response = client.post(f"/ho-so-cua-toi/{d.pk}/xem-lai/", {"return_method": "online"})
    assert response.status_code == 422 and "lời cam đoan" in response.content.decode()
    d.refresh_from_db()
    assert d.state == State.DRAFT


# ---- following the dossier ------------------------------------------------------------------------------
def test_after_acceptance_the_page_shows_the_appointment_the_code_and_form_01(clock):
    client = logged_in(citizen())
    d = submitted(client)
    clerk = Api("tiepnhan.hacthanh")
    accepted = clerk.act(d.pk, "accept")
    html = client.get(f"/ho-so-cua-toi/{d.pk}/").content.decode()
    assert accepted["code"] in html
    assert "Hẹn trả" in html and re.search(r"Hẹn trả \d\d:\d\d ngày \d\d/\d\d/20\d\d", html)
    assert "Hồ sơ được tiếp nhận" in html
    receipt = client.get(f"/ho-so-cua-toi/{d.pk}/giay-tiep-nhan.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF")


def test_form_01_is_not_available_before_acceptance():
    client = logged_in(citizen())
    d = submitted(client)
    assert client.get(f"/ho-so-cua-toi/{d.pk}/giay-tiep-nhan.pdf").status_code == 404


def test_answering_a_supplement_online_resumes_the_clock(clock):
    client = logged_in(citizen())
    d = submitted(client)
    clerk = Api("tiepnhan.hacthanh")
    clerk.act(d.pk, "accept")
    specialist_assigned = Dossier.objects.get(pk=d.pk)
    # The intake desk asks for one more paper while processing.
    officer = Api("tiepnhan.hacthanh")
    officer.act(d.pk, "request_supplement", {"items": ["Bản sao giấy chứng nhận kết hôn"], "reason": "Thiếu giấy tờ"})
    page = client.get(f"/ho-so-cua-toi/{d.pk}/").content.decode()
    assert "Cơ quan yêu cầu bổ sung hồ sơ" in page and "Bản sao giấy chứng nhận kết hôn" in page
    # Sending nothing is refused, and the dossier still waits.
    nothing = client.post(f"/ho-so-cua-toi/{d.pk}/bo-sung/", {"send": "1"}, follow=True)
    assert "Vui lòng tải lên giấy tờ bổ sung" in nothing.content.decode()
    assert Dossier.objects.get(pk=d.pk).state == State.SUPPLEMENT_REQUESTED
    client.post(f"/ho-so-cua-toi/{d.pk}/bo-sung/", {"name": "Giấy chứng nhận kết hôn", "file": pdf("ket-hon.pdf")})
    sent = client.post(f"/ho-so-cua-toi/{d.pk}/bo-sung/", {"send": "1", "note": "Đã bổ sung"}, follow=True)
    assert "Đã gửi hồ sơ bổ sung" in sent.content.decode()
    after = Dossier.objects.get(pk=d.pk)
    assert after.state == specialist_assigned.state and after.running_since is not None
    assert after.files.filter(kind="supplement").count() == 1


def test_officer_messages_reach_the_applicant_page_and_an_auditor_cannot_write(clock):
    client = logged_in(citizen())
    d = submitted(client)
    clerk = Client()
    clerk.force_login(User.objects.get(username="tiepnhan.hacthanh"))
    response = clerk.post(
        f"/mot-cua/ho-so/{d.pk}/nhan-tin/", {"message": "Chị mang bản chính giấy chứng sinh khi nhận."}
    )
    assert response.status_code == 302
    html = client.get(f"/ho-so-cua-toi/{d.pk}/").content.decode()
    assert "Tin nhắn từ cơ quan giải quyết" in html and "Chị mang bản chính giấy chứng sinh khi nhận." in html
    empty = clerk.post(f"/mot-cua/ho-so/{d.pk}/nhan-tin/", {"message": "  "})
    assert empty.status_code == 422 and "Vui lòng nhập nội dung tin nhắn" in empty.content.decode()
    assert d.events.filter(action="message").count() == 1


def test_withdrawing_needs_a_confirmation(clock):
    client = logged_in(citizen())
    d = submitted(client)
    unconfirmed = client.post(f"/ho-so-cua-toi/{d.pk}/rut-ho-so/", {"reason": "Nộp nhầm"})
    assert unconfirmed.status_code == 422 and "xác nhận" in unconfirmed.content.decode()
    assert Dossier.objects.get(pk=d.pk).state == State.SUBMITTED
    client.post(f"/ho-so-cua-toi/{d.pk}/rut-ho-so/", {"reason": "Nộp nhầm", "confirm": "1"})
    assert Dossier.objects.get(pk=d.pk).state == State.WITHDRAWN
    page = client.get(f"/ho-so-cua-toi/{d.pk}/").content.decode()
    assert "Đã rút hồ sơ" in page and "rut-ho-so" not in page


def test_results_are_downloadable_only_once_the_dossier_is_finished():
    client = logged_in(citizen())
    d = submitted(client)
    component_file = d.files.get()
    download = client.get(f"/ho-so-cua-toi/{d.pk}/tep/{component_file.pk}/")
    assert download.status_code == 200 and download.content == PDF
    stranger = logged_in(citizen("khac", "0912000222"))
    assert stranger.get(f"/ho-so-cua-toi/{d.pk}/tep/{component_file.pk}/").status_code == 404


def test_my_dossiers_filters_what_needs_my_action():
    client = logged_in(citizen())
    d = submitted(client)
    start_draft(client)
    html = client.get("/ho-so-cua-toi/").content.decode()
    assert "Bản nháp — chưa nộp" in html and "Chờ tiếp nhận (chưa có mã)" in html
    assert f"/ho-so-cua-toi/{d.pk}/" in html
    drafts = client.get("/ho-so-cua-toi/?state=draft").content.decode()
    assert f'href="/ho-so-cua-toi/{d.pk}/"' not in drafts


# ---- a business representative --------------------------------------------------------------------------
def test_a_representative_submits_for_the_enterprise_and_its_dossiers_follow_the_representation():
    from django.utils import timezone

    from congso.accounts.models import Representation

    rep = citizen("hoa.tran", "0912000333")
    rep.id_number, rep.full_name = CCCD, "Trần Thị Hoa"
    rep.save()
    link = Representation.objects.create(
        user=rep,
        tax_code="2801234564",
        enterprise_name="Công ty TNHH Sao Mai Thanh Hóa",
        role="legal_representative",
        source="oidc",
        verified_at=timezone.now(),
    )
    client = logged_in(rep)
    page = client.get(f"/nop-truc-tuyen/{procedure(BIRTH).pk}/").content.decode()
    assert "Công ty TNHH Sao Mai Thanh Hóa (mã số thuế 2801234564)" in page
    assert f'value="{CCCD}"' in page  # the verified identity prefills the form
    response = client.post(
        f"/nop-truc-tuyen/{procedure(BIRTH).pk}/", applicant_post(on_behalf="2801234564", full_name="Trần Thị Hoa")
    )
    assert response.status_code == 302, errors(response)
    d = Dossier.objects.latest("pk")
    assert d.applicant_kind == 2 and d.applicant_id_number == "2801234564"
    assert d.applicant_name == "Công ty TNHH Sao Mai Thanh Hóa"
    assert d.proxy["representative"]["name"] == "Trần Thị Hoa"
    # Someone who does not represent the enterprise cannot choose it.
    other = logged_in(citizen("khac", "0912000222"))
    refused = other.post(f"/nop-truc-tuyen/{procedure(BIRTH).pk}/", applicant_post(on_behalf="2801234564"))
    assert refused.status_code == 422
    # A co-representative of the enterprise follows it too, until that representation ends.
    colleague = citizen("minh.le", "0912000444")
    theirs = Representation.objects.create(
        user=colleague,
        tax_code="2801234564",
        enterprise_name="Công ty TNHH Sao Mai Thanh Hóa",
        role="authorized",
        source="oidc",
        verified_at=timezone.now(),
    )
    colleague_client = logged_in(colleague)
    assert f"/ho-so-cua-toi/{d.pk}/" in colleague_client.get("/ho-so-cua-toi/").content.decode()
    assert colleague_client.get(f"/ho-so-cua-toi/{d.pk}/to-khai/").status_code == 200
    theirs.active = False
    theirs.save()
    assert colleague_client.get(f"/ho-so-cua-toi/{d.pk}/to-khai/").status_code == 404
    assert link.active


def test_an_officers_message_is_sent_to_the_applicant_by_e_mail(clock, mailoutbox):
    from congso.notify.actions import deliver_due

    client = logged_in(citizen())
    d = submitted(client)
    clerk = Client()
    clerk.force_login(User.objects.get(username="tiepnhan.hacthanh"))
    clerk.post(f"/mot-cua/ho-so/{d.pk}/nhan-tin/", {"message": "Chị mang bản chính giấy chứng sinh khi nhận."})
    clock.advance(minutes=1)
    deliver_due()
    mail = [m for m in mailoutbox if "Tin nhắn về hồ sơ" in m.subject]
    assert len(mail) == 1 and mail[0].to == ["hoa.le@example.vn"]
    assert "Chị mang bản chính giấy chứng sinh khi nhận." in mail[0].body
    assert f"/ho-so-cua-toi/{d.pk}/" in mail[0].body
