"""The public transparency page (/minh-bach/) in Debian's chromium (Playwright): a citizen on a phone picks a
period, reads the figures and the rankings, meets a bad period, switches to English; every state checked with
axe-core (WCAG 2.1 A/AA) and for sideways scrolling, screenshots in var/test-artifacts/portal/."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from congso.core.testing import launch_chromium
from congso.portal.tests.test_browser_submit import DESKTOP, PHONE, check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        connections.close_all()
        chromium.close()


@pytest.fixture
def figures(live_server):
    """The reference data (a transactional test starts from a flushed database) and the hand-worked November of
    kpi/tests/test_ranking.py, plus a cell in the fourth quarter's October."""
    from congso.geo.models import Agency

    if not Agency.objects.filter(slug="ttpvhcc-xa-14797").exists():
        with open(os.devnull, "w") as sink:
            call_command("load_demo", "--quiet-logins", verbosity=0, stdout=sink)
    from congso.kpi.tests import test_ranking as T

    T.hand_worked_november()
    T.cell("so-tu-phap", T.unit("16531").pk, month=dt.date(2026, 10, 1), **T.FULL)
    cache.clear()
    yield live_server.url
    cache.clear()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_a_citizen_reads_the_provinces_figures_on_a_phone(figures, page):
    page.goto(f"{figures}/")
    page.locator("footer").get_by_role("link", name="Công khai kết quả giải quyết thủ tục hành chính").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Công khai kết quả giải quyết thủ tục hành chính")

    # A month, then a quarter, chosen with the form.
    page.get_by_label("Kỳ", exact=True).select_option("thang")
    page.get_by_label("Năm", exact=True).select_option("2026")
    page.get_by_label("Tháng (khi chọn kỳ tháng)").select_option("11")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Toàn tỉnh — 11/2026")).to_be_visible()
    agencies = page.get_by_role("region", name="Xếp hạng các cơ quan cấp tỉnh")
    expect(agencies.locator("tbody tr").first.locator("td.place")).to_have_text("1")
    expect(agencies.get_by_role("rowheader").first).to_contain_text("Sở")
    communes = page.get_by_role("region", name="Xếp hạng các xã, phường")
    expect(communes.locator("tbody tr")).to_have_count(166)
    check(page, "transparency-month")

    # The wide table scrolls inside its own region, reachable by keyboard; the page does not scroll sideways.
    region = communes
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    assert region.get_attribute("tabindex") == "0"

    page.get_by_label("Kỳ", exact=True).select_option("quy")
    page.get_by_label("Quý (khi chọn kỳ quý)").select_option("4")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", name="Toàn tỉnh — Quý 4/2026")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    check(page, "transparency-quarter-desktop")
    page.set_viewport_size(PHONE)


def test_a_bad_period_is_explained_and_the_page_speaks_english(figures, page):
    page.goto(f"{figures}/minh-bach/?loai=thang&nam=2026&thang=13")
    expect(page.get_by_role("alert")).to_contain_text("Kỳ báo cáo không hợp lệ")
    expect(page.get_by_label("Kỳ", exact=True)).to_have_attribute("aria-invalid", "true")
    check(page, "transparency-bad-period")

    page.goto(f"{figures}/minh-bach/?ky=2026-11")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    from congso.geo.models import Agency

    name_en = Agency.objects.get(slug="so-xay-dung").name_en
    expect(page.get_by_role("rowheader", name=name_en)).to_be_visible()
    check(page, "transparency-english")
