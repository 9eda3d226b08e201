"""The portal speaks Vietnamese by default; the switch in the header turns every page to English and back."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.test import Client

from congso.core.testing import launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PORTAL_PAGES = [
    "/",
    "/thu-tuc/",
    "/thu-tuc/?q=khai+sinh",
    "/tra-cuu/",
    "/xac-thuc/",
    "/phan-anh/",
    "/phan-anh/tra-cuu/",
    "/tai-khoan/dang-nhap/",
    "/tai-khoan/dang-ky/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_every_portal_page_is_vietnamese_by_default_with_a_switch_to_english(path):
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert 'name="language" value="en" lang="en">English</button>' in html
    assert f'name="next" type="hidden" value="{path.replace("&", "&amp;")}"' in html


@pytest.mark.django_db
def test_the_switch_turns_the_page_to_english_and_returns_to_it():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/tra-cuu/"})
    assert response.status_code == 302 and response["Location"] == "/tra-cuu/"
    html = client.get("/tra-cuu/").content.decode()
    assert '<html lang="en">' in html and "<h1>Dossier lookup</h1>" in html
    assert 'name="language" value="vi" lang="vi">Tiếng Việt</button>' in html
    client.post("/i18n/setlang/", {"language": "vi", "next": "/tra-cuu/"})
    assert "<h1>Tra cứu hồ sơ</h1>" in client.get("/tra-cuu/").content.decode()


@pytest.mark.django_db
def test_a_foreign_next_address_is_not_followed():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://example.com/"})
    assert response.status_code == 302 and response["Location"] == "/"


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


def _lang(page) -> str:
    return page.locator("html").get_attribute("lang")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_reads_the_home_and_a_procedure_in_english_then_back_in_vietnamese(live_server, reference_data, page):
    page.goto(live_server.url + "/")
    assert _lang(page) == "vi"
    assert page.locator("h1").inner_text() == "Bạn cần làm thủ tục gì?"

    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.url == live_server.url + "/"  # the same page, now in English
    assert page.locator("h1").inner_text() == "What procedure do you need?"
    assert page.get_by_role("link", name="Dossier lookup").is_visible()

    # Navigate: the choice sticks from page to page.
    page.fill("input[name=q]", "dang ky khai sinh")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    assert _lang(page) == "en"
    assert page.locator("h1").inner_text() == "Administrative procedures"
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).first.click()
    page.wait_for_selector("h1:text-is('Thủ tục đăng ký khai sinh')")  # the catalog's data stays in Vietnamese
    procedure_url = page.url
    assert _lang(page) == "en"
    assert page.get_by_role("heading", name="Required documents").is_visible()
    assert page.get_by_role("heading", name="Fees and charges").is_visible()

    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_selector("html[lang=vi]")
    assert page.url == procedure_url
    assert page.get_by_role("heading", name="Thành phần hồ sơ").is_visible()
    assert page.get_by_role("button", name="English").is_visible()
