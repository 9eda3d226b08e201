"""On a phone, Trần Thị Hoa logs in with VNeID as her company's representative (Debian's chromium).

The simulated identity provider is mounted on the live server; the portal asks it for the discovery
document, the keys, the tokens and the userinfo over real HTTP (loopback), as it would ask VNeID.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from congso.accounts import oidc
from congso.core.testing import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "test-artifacts" / "portal"
VNEID_BUTTON = "Đăng nhập bằng tài khoản định danh điện tử (VNeID)"


@pytest.fixture
def provider(live_server, settings, tmp_path):
    """The portal and the simulated provider both at the live server's address."""
    assert django_settings.CONGSO_OIDC_SIMULATOR, "the simulator's URLs are mounted only when this is on"
    settings.CONGSO_PUBLIC_URL = live_server.url
    settings.CONGSO_OIDC_ISSUER = live_server.url + "/sim/vneid"
    settings.CONGSO_OIDC_SIMULATOR_KEY_FILE = tmp_path / "signing-key.pem"
    oidc.forget()
    yield live_server.url
    oidc.forget()


@pytest.fixture
def hoa_phone():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        yield context.new_page()
        connections.close_all()  # see congso/payments/tests/test_browser_payments.py
        browser.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"vneid-{name}.png"), full_page=True)


def test_a_representative_logs_in_with_vneid_and_sees_her_enterprises(provider, hoa_phone):
    from congso.accounts.models import Representation, User

    page = hoa_phone
    page.goto(provider + "/tai-khoan/dang-nhap/")
    shot(page, "1-login-page")
    # First she changes her mind at the provider: back on the login page, told so, no account made.
    page.get_by_role("link", name=VNEID_BUTTON).click()
    page.wait_for_url("**/sim/vneid/authorize?*")
    assert page.locator("h1").inner_text() == "Đăng nhập bằng tài khoản định danh điện tử"
    shot(page, "2-provider-page")
    page.get_by_role("button", name="Hủy").click()
    page.wait_for_url("**/tai-khoan/dang-nhap/")
    assert "Bạn đã hủy đăng nhập" in page.get_by_role("alert").inner_text()
    shot(page, "3-cancelled")
    assert not User.objects.filter(full_name="Trần Thị Hoa").exists()

    page.get_by_role("link", name=VNEID_BUTTON).click()
    page.wait_for_url("**/sim/vneid/authorize?*")
    page.get_by_role("button", name="Đăng nhập là Trần Thị Hoa").click()
    page.wait_for_url(provider + "/tai-khoan/")
    assert page.locator("h1").inner_text() == "Tài khoản của tôi"
    assert "Chào Trần Thị Hoa!" in page.get_by_role("status").first.inner_text()
    enterprises = page.locator("section.representations")
    assert enterprises.locator("h2").inner_text() == "Doanh nghiệp tôi đại diện"
    assert enterprises.locator("li").count() == 2
    assert "Công ty TNHH Thương mại và Dịch vụ Sông Mã" in enterprises.inner_text()
    assert "2801234564" in enterprises.inner_text() and "Người đại diện theo pháp luật" in enterprises.inner_text()
    assert "xác thực qua tài khoản định danh điện tử" in page.locator("p.verified").inner_text()
    shot(page, "4-account-with-enterprises")

    # Her verified details are locked on the profile page.
    page.get_by_role("link", name="Cập nhật thông tin cá nhân").click()
    page.wait_for_url("**/tai-khoan/ho-so/")
    assert page.locator("#id_id_number").is_disabled() and page.locator("#id_id_number").input_value() == "038190005678"
    shot(page, "5-profile-locked")

    hoa = User.objects.get(id_number="038190005678")
    assert hoa.identity_verified_at is not None and hoa.account_type == "business"
    assert Representation.objects.filter(user=hoa, active=True).count() == 2
