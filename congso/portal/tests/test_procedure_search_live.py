"""Typing in the search box of the results page updates the list as you type (htmx); without JavaScript the same
form submits as a plain GET. Through HTTP (the HX-Request header) and in Debian's chromium."""

from __future__ import annotations

import os
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from congso.core.testing import assert_accessible, launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/thu-tuc/?q=khai+sinh"}


def _results(html: str) -> list[str]:
    return re.findall(r'<li><a href="/thu-tuc/\d+/">([^<]+)</a>', html)


@pytest.mark.django_db
def test_the_results_page_loads_htmx_and_wires_the_search_box_to_the_results():
    response = Client().get("/thu-tuc/", {"q": "khai sinh"})
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>Thủ tục hành chính</h1>" in html
    assert re.search(r'<script src="/static/portal/htmx\.min\.js[^"]*" defer></script>', html)
    box = re.search(r'<input id="q"[^>]*>', html, re.S).group(0)
    assert 'hx-get="/thu-tuc/"' in box and 'hx-target="#results"' in box and 'hx-push-url="true"' in box
    assert "keyup changed delay:300ms" in box
    assert '<div id="results">' in html and _results(html)[0] == "Thủ tục đăng ký khai sinh"
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_the_home_search_box_is_a_plain_form():
    html = Client().get("/").content.decode()
    assert '<form class="search" action="/thu-tuc/" method="get" role="search">' in html
    assert "hx-get" not in html


@pytest.mark.django_db
def test_an_htmx_request_gets_only_the_results_with_the_status_line_and_the_filters_query():
    response = Client().get("/thu-tuc/", {"q": "ket hon"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    assert "<html" not in html and "<h1>" not in html and "<header" not in html
    assert _results(html)[0] == "Thủ tục đăng ký kết hôn"
    count = re.search(r'<p class="muted">(\d+) thủ tục</p>', html).group(1)
    assert f'<span id="results-status" hx-swap-oob="innerHTML">{count} thủ tục</span>' in html
    assert '<input type="hidden" name="q" id="filters-q" value="ket hon" hx-swap-oob="true">' in html


@pytest.mark.django_db
def test_an_htmx_request_keeps_the_filters_and_pushes_a_clean_address():
    from congso.catalog.models import Field

    civil_status = Field.objects.get(name="Hộ tịch")
    everything = Client().get("/thu-tuc/", {"q": "giay"}, **HTMX).content.decode()
    assert any(not m.startswith("Hộ tịch ·") for m in re.findall(r'<div class="meta">([^<]+)', everything))
    params = {"q": "giay", "field": civil_status.pk, "agency": "", "level": "", "online": ""}
    response = Client().get("/thu-tuc/", params, **HTMX)
    fields = re.findall(r'<div class="meta">([^<]+)', response.content.decode())
    assert fields and all(m.startswith("Hộ tịch ·") for m in fields)
    assert response["HX-Push-Url"] == f"/thu-tuc/?q=giay&field={civil_status.pk}"


@pytest.mark.django_db
def test_a_history_restore_gets_the_whole_page():
    response = Client().get("/thu-tuc/", {"q": "khai sinh"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    html = response.content.decode()
    assert "<html" in html and "<h1>Thủ tục hành chính</h1>" in html and '<div id="results">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{"q": "<script>alert(1)</script>"}, {"q": "x" * 500, "page": "abc"}, {"page": "-1"}]
)
def test_bad_htmx_input_answers_a_list_not_an_error(params):
    response = Client().get("/thu-tuc/", params, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in html and '<ol class="results">' in html


@pytest.mark.django_db
def test_nothing_found_says_so_in_vietnamese_through_htmx():
    html = Client().get("/thu-tuc/", {"q": "zzzzqqqq"}, **HTMX).content.decode()
    assert "Không tìm thấy thủ tục phù hợp" in html
    assert '<span id="results-status" hx-swap-oob="innerHTML">0 thủ tục</span>' in html


def test_the_vendored_htmx_is_the_pinned_2x_release_with_its_licence():
    path = finders.find("portal/htmx.min.js")
    assert path, "run tools/vendor_htmx.sh"
    assert 'version:"2.0.11"' in open(path, encoding="utf-8").read()
    assert finders.find("portal/htmx.LICENSE")


# ---- in the browser ---------------------------------------------------------------------------------------------


@pytest.fixture
def reference_data():
    # live_server tests run in a flushed transactional database: load the reference data for them.
    call_command("load_demo", "--quiet-logins", "--no-users", verbosity=0, stdout=open(os.devnull, "w"))


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_updates_the_results_in_place_and_back_returns_to_the_earlier_list(live_server, reference_data, browser):
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
    page.goto(live_server.url + "/thu-tuc/?q=khai+sinh")
    page.wait_for_function("() => window.htmx !== undefined")
    assert page.locator("ol.results li a").first.inner_text() == "Thủ tục đăng ký khai sinh"
    page.evaluate("() => { window.stillTheSamePage = true; }")

    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("dang ky ket hon", delay=40)
    page.wait_for_url("**/thu-tuc/?q=dang+ky+ket+hon*")  # hx-push-url: the address can be shared and bookmarked
    page.wait_for_function(
        "() => document.querySelector('ol.results li a').textContent === 'Thủ tục đăng ký kết hôn'", timeout=10_000
    )
    assert page.evaluate("() => window.stillTheSamePage") is True  # updated in place, not reloaded
    assert page.locator("#results-status").inner_text().endswith("thủ tục")  # read out by screen readers
    assert page.locator("#filters-q").input_value() == "dang ky ket hon"  # the filters keep the new words
    assert page.locator("h1").count() == 1 and page.locator("#q").evaluate("el => el === document.activeElement")
    assert_accessible(page, "search-results-live-phone")

    # Back walks through what was typed to the list the page was loaded with.
    for _ in range(len("dang ky ket hon")):
        if page.url.endswith("?q=khai+sinh"):
            break
        page.go_back()
    assert page.url.endswith("?q=khai+sinh")
    page.wait_for_function(
        "() => document.querySelector('ol.results li a').textContent === 'Thủ tục đăng ký khai sinh'", timeout=10_000
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_filter_applied_after_typing_searches_for_what_was_typed(live_server, reference_data, browser):
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN").new_page()
    page.goto(live_server.url + "/thu-tuc/?q=khai+sinh")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("#q").fill("dang ky ket hon")
    page.locator("#q").press("End")  # a key released in the box: one request
    page.wait_for_function(
        "() => document.querySelector('ol.results li a').textContent === 'Thủ tục đăng ký kết hôn'", timeout=10_000
    )
    page.select_option("select[name=level]", "commune")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/thu-tuc/?q=dang+ky+ket+hon&*level=commune*")
    assert page.locator("ol.results li a").first.inner_text() == "Thủ tục đăng ký kết hôn"
    assert page.locator("select[name=level]").input_value() == "commune"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_search_box_submits_the_form(live_server, reference_data, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/thu-tuc/?q=khai+sinh")
    page.locator("#q").fill("dang ky ket hon")
    page.locator("#q").press("Enter")
    page.wait_for_url("**/thu-tuc/?q=dang+ky+ket+hon")
    assert page.locator("h1").inner_text() == "Thủ tục hành chính"
    assert page.locator("ol.results li a").first.inner_text() == "Thủ tục đăng ký kết hôn"
