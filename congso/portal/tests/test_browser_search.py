"""A citizen on a phone finds a procedure, in Debian's chromium (Playwright)."""

import os

import pytest
from django.core.management import call_command

from congso.core.testing import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def reference_data():
    # live_server tests run in a flushed transactional database: load the reference data for them.
    call_command("load_demo", "--quiet-logins", "--no-users", verbosity=0, stdout=open(os.devnull, "w"))


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        yield context.new_page()
        browser.close()


def test_a_citizen_types_without_diacritics_and_opens_birth_registration(live_server, reference_data, page):
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Bạn cần làm thủ tục gì?"
    page.fill("input[name=q]", "dang ky khai sinh")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    first = page.locator("ol.results li a").first
    assert first.inner_text() == "Thủ tục đăng ký khai sinh"
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Thủ tục đăng ký khai sinh"
    assert page.get_by_text("Thành phần hồ sơ").is_visible()
