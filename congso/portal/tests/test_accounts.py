"""Citizens' accounts through HTTP: register, log in by e-mail or phone, lockout, password reset by e-mail."""

import re

import pytest
from django.core import mail
from django.test import Client

from congso.accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = {
    "full_name": "Lê Thị Thu",
    "email": "thu@example.vn",
    "phone": "0987654321",
    "password1": "hoa-sen-mua-he-2026",
    "password2": "hoa-sen-mua-he-2026",
}


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_citizen_registers_and_lands_on_her_account():
    c = Client()
    r = c.post("/tai-khoan/dang-ky/", GOOD)
    assert r.status_code == 302 and r["Location"] == "/tai-khoan/"
    page = c.get("/tai-khoan/").content.decode()
    assert "Lê Thị Thu" in page and "Hồ sơ của tôi" in page
    user = User.objects.get(email="thu@example.vn")
    assert user.account_type == "citizen" and user.phone == "0987654321" and not user.is_staff


def test_bad_registrations_are_explained_and_keep_what_was_typed():
    c = Client()
    r = c.post("/tai-khoan/dang-ky/", {**GOOD, "password2": "khac"})
    assert r.status_code == 422 and "Hai mật khẩu không giống nhau" in r.content.decode()
    assert 'value="Lê Thị Thu"' in r.content.decode()
    r = c.post("/tai-khoan/dang-ky/", {**GOOD, "password1": "12345678", "password2": "12345678"})
    assert r.status_code == 422
    r = c.post("/tai-khoan/dang-ky/", {**GOOD, "email": "", "phone": ""})
    assert "Nhập thư điện tử hoặc số điện thoại" in r.content.decode()
    r = c.post("/tai-khoan/dang-ky/", {**GOOD, "phone": "12345"})
    assert "10 chữ số" in r.content.decode()
    assert not User.objects.filter(full_name="Lê Thị Thu").exists()
    Client().post("/tai-khoan/dang-ky/", GOOD)
    r = c.post("/tai-khoan/dang-ky/", {**GOOD, "phone": "0911111111"})
    assert "đã có tài khoản" in r.content.decode() and User.objects.filter(email="thu@example.vn").count() == 1


def test_login_by_email_or_phone():
    Client().post("/tai-khoan/dang-ky/", GOOD)
    for ident in ("thu@example.vn", "THU@example.vn", "0987654321"):
        c = Client()
        r = c.post("/tai-khoan/dang-nhap/", {"username": ident, "password": GOOD["password1"]})
        assert r.status_code == 302, ident
    r = Client().post("/tai-khoan/dang-nhap/", {"username": "0987654321", "password": "sai"})
    assert r.status_code == 401 and "không đúng" in r.content.decode()


def test_repeated_failures_lock_the_account_even_for_the_right_password():
    Client().post("/tai-khoan/dang-ky/", GOOD)
    c = Client()
    for _ in range(5):
        assert c.post("/tai-khoan/dang-nhap/", {"username": "thu@example.vn", "password": "sai"}).status_code == 401
    r = c.post("/tai-khoan/dang-nhap/", {"username": "thu@example.vn", "password": GOOD["password1"]})
    assert r.status_code == 429 and "Đăng nhập sai quá nhiều lần" in r.content.decode()
    # The officers' login is throttled the same way.
    for _ in range(5):
        Client().post("/mot-cua/dang-nhap/", {"username": "tiepnhan.hacthanh", "password": "sai"})
    r = Client().post("/mot-cua/dang-nhap/", {"username": "tiepnhan.hacthanh", "password": "congso-demo"})
    assert "Đăng nhập sai quá nhiều lần" in r.content.decode()


def test_password_reset_by_email():
    Client().post("/tai-khoan/dang-ky/", GOOD)
    c = Client()
    r = c.post("/tai-khoan/quen-mat-khau/", {"email": "thu@example.vn"})
    assert r.status_code == 302
    (email,) = mail.outbox
    assert "Đặt lại mật khẩu" in email.subject
    link = re.search(r"http://testserver(/tai-khoan/dat-lai/\S+/)", email.body).group(1)
    form = c.get(link, follow=True)
    new = "song-ma-chay-qua-lang-2027"
    r = c.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link, {"new_password1": new, "new_password2": new}
    )
    assert r.status_code == 302
    assert Client().post("/tai-khoan/dang-nhap/", {"username": "thu@example.vn", "password": new}).status_code == 302
    # The link works once.
    assert "không còn dùng được" in Client().get(link, follow=True).content.decode()
    # An unknown address says the same thing and sends nothing.
    assert Client().post("/tai-khoan/quen-mat-khau/", {"email": "ai@example.vn"}).status_code == 302
    assert len(mail.outbox) == 1
