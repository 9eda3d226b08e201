"""The portal's markup carries what assistive technology needs: landmarks, a skip link, the page language, labels,
and every error message tied to the field it is about (WCAG 2.1 AA), through HTTP."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _tag(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<[a-z]+ [^>]*id="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def test_every_page_opens_with_a_skip_link_to_the_main_landmark():
    html = Client().get("/").content.decode()
    assert '<html lang="vi">' in html
    body = html[html.index("<body") :]
    first_link = re.search(r"<a [^>]*>", body).group(0)
    assert 'class="skip"' in first_link and 'href="#main"' in first_link
    assert "Bỏ qua đến nội dung chính" in body[: body.index("</a>")]
    assert '<main id="main" tabindex="-1">' in html
    assert re.search(r'<nav class="menu" aria-label="Menu chính">', html)
    assert html.count("<header") == 1 and html.count("<footer") == 1 and html.count("<h1") == 1


def test_a_lookup_without_the_digits_points_the_message_at_the_digits_field_and_keeps_the_code():
    response = Client().get("/tra-cuu/", {"code": "000.00.00.H56-261125-0007"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vui lòng nhập 4 ký tự cuối của số CCCD" in _tag(html, "lookup-error") + html
    digits = _tag(html, "id_last4")
    assert 'aria-describedby="lookup-error"' in digits and 'aria-invalid="true"' in digits
    code = _tag(html, "code")
    assert 'value="000.00.00.H56-261125-0007"' in code and "aria-invalid" not in code


def test_a_lookup_that_finds_nothing_marks_both_fields_and_says_why():
    response = Client().get("/tra-cuu/", {"code": "000.00.00.H56-261125-0007", "id_last4": "9999"})
    html = response.content.decode()
    assert response.status_code == 404
    assert re.search(r'<p id="lookup-error" class="warn" role="alert">Không tìm thấy hồ sơ', html)
    for field in ("code", "id_last4"):
        tag = _tag(html, field)
        assert 'aria-describedby="lookup-error"' in tag and 'aria-invalid="true"' in tag
    assert 'value="9999"' in _tag(html, "id_last4")


def test_the_empty_lookup_has_labels_and_no_error_wiring():
    html = Client().get("/tra-cuu/").content.decode()
    assert '<label for="code">' in html and '<label for="id_last4">' in html
    assert "aria-invalid" not in html and "lookup-error" not in html


def test_a_complaint_with_bad_fields_ties_each_message_to_its_field_and_keeps_everything():
    from congso.feedback.models import Complaint
    from congso.geo.models import Agency

    agency = Agency.objects.current().order_by("name").first()
    data = {
        "kind": "feedback",
        "agency": agency.pk,
        "dossier_code": "KHONG-CO",
        "subject": "Đường ngập",
        "content": "Nước ngập sau mưa.",
        "name": "Lê Thị Hoa",
        "email": "",
        "phone": "12345",
    }
    response = Client().post("/phan-anh/", data)
    html = response.content.decode()
    assert response.status_code == 422 and not Complaint.objects.exists()
    # A summary, announced at once, links to each field in error.
    summary = html[html.index('<div class="warn" role="alert" id="form-errors">') :]
    summary = summary[: summary.index("</div>")]
    assert "Vui lòng sửa các lỗi dưới đây:" in summary
    assert '<a href="#id_phone">Số điện thoại: Số điện thoại gồm 10 chữ số, bắt đầu bằng 0.</a>' in summary
    assert '<a href="#id_dossier_code">' in summary
    # Each message is tied to its field.
    for field, message in (("phone", "Số điện thoại gồm 10 chữ số"), ("dossier_code", "Không có hồ sơ với mã này")):
        tag = _tag(html, f"id_{field}")
        assert f'aria-describedby="id_{field}_error"' in tag and 'aria-invalid="true"' in tag
        assert re.search(rf'<span class="error" id="id_{field}_error">{message}', html)
    # Nothing typed is lost; fields without an error are not marked.
    assert 'value="Lê Thị Hoa"' in _tag(html, "id_name") and "aria-invalid" not in _tag(html, "id_name")
    assert 'value="12345"' in _tag(html, "id_phone")
    assert "Nước ngập sau mưa." in html


def test_the_complaint_form_groups_its_choice_and_names_the_purpose_of_personal_fields():
    html = Client().get("/phan-anh/").content.decode()
    assert re.search(r'<fieldset class="field-row">\s*<legend>Loại</legend>', html)
    assert 'autocomplete="name"' in _tag(html, "id_name")
    assert 'autocomplete="email"' in _tag(html, "id_email")
    phone = _tag(html, "id_phone")
    assert 'autocomplete="tel"' in phone and 'inputmode="tel"' in phone
    assert "aria-invalid" not in html and "form-errors" not in html


def test_a_complaint_status_that_finds_nothing_points_at_both_fields():
    response = Client().get("/phan-anh/tra-cuu/", {"ma": "PA-0000", "lien-he": "0912345678"})
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy phản ánh" in html
    for field in ("ma", "lien-he"):
        tag = _tag(html, field)
        assert 'aria-describedby="status-error"' in tag and 'aria-invalid="true"' in tag
    assert 'value="0912345678"' in _tag(html, "lien-he")
