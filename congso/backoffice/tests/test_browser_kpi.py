"""The governance dashboard in Debian's chromium at a 1280×900 desk: the province's province administrator opens
"Chỉ số", sees the charts drawn over the hand-built dataset (``kpi_dataset``), and drills down by clicking table
rows: province → Hạc Thành's People's Committee → a procedure → the dossiers counted → one dossier's page."""

import os
import re

import pytest
from django.core.management import call_command
from django.db import connections

from congso.backoffice.tests import kpi_dataset
from congso.core.testing import assert_accessible, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "congso-demo"  # load_demo.DEMO_PASSWORD


@pytest.fixture
def demo(live_server, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    # live_server tests run in a flushed transactional database: load the reference data for them.
    call_command("load_demo", "--quiet-logins", verbosity=0, stdout=open(os.devnull, "w"))
    return live_server.url


@pytest.fixture
def ds(demo):
    """Built before the browser starts: signing a result runs asyncio, which Playwright's event loop forbids."""
    built = kpi_dataset.build()
    for dossier in built.d.values():
        dossier.refresh_from_db()  # their codes were given at acceptance
    return built


@pytest.fixture
def browser_page(ds):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        context.set_default_timeout(15_000)
        yield context.new_page()
        connections.close_all()  # see test_browser_desk: the async-context connections must not outlive the test
        browser.close()


def fits(page) -> None:
    wide, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"the page is {wide} px wide in a {window} px window"


def test_the_dashboard_draws_its_charts_and_drills_down_to_a_dossier(demo, ds, browser_page):
    page = browser_page
    page.goto(f"{demo}/mot-cua/dang-nhap/")
    page.fill("#id_username", "quantri")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/mot-cua/(hang-doi/[a-z]+/)?$"))

    page.locator("header nav").get_by_role("link", name="Chỉ số", exact=True).click()
    page.wait_for_url(re.compile(r"/mot-cua/chi-so/$"))
    page.fill("#kpi-period", "2026-11")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"period=2026-11"))
    assert page.locator("h1").inner_text() == "Chỉ số chỉ đạo, điều hành · 11/2026"
    assert page.locator("#card-on_time .value").inner_text().replace("\xa0", " ") == "75,00 %"

    # Chart.js (vendored, served by whitenoise) drew both charts from the figures in the page.
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-trend') && Chart.getChart('chart-units')")
    drawn = page.evaluate(
        """() => ['chart-trend', 'chart-units'].map(id => {
            const c = document.getElementById(id); const chart = Chart.getChart(id);
            return [c.width > 0 && c.height > 0, chart.data.labels.length, chart.data.datasets[0].data];
        })"""
    )
    assert drawn[0][0] and drawn[0][1] == 12
    assert drawn[1][0] and drawn[1][1] == 2 and drawn[1][2] == [66.67, 100]
    fits(page)
    assert_accessible(page, "kpi-index-2026-11", area="kpi")

    # Province → agency: a click on the row (not on its link) drills down.
    page.locator(f"table.kpi-groups tr[data-key='{ds.h.pc.pk}'] td.received").click()
    page.wait_for_url(re.compile(rf"agency={ds.h.pc.pk}"))
    assert page.locator("nav.crumbs [aria-current]").inner_text() == ds.h.pc.name
    assert page.locator("table.kpi-groups thead th").first.inner_text() == "Thủ tục hành chính"
    fits(page)
    assert_accessible(page, "kpi-agency", area="kpi")

    # Agency → procedure: the dossier list of the cells shown.
    page.locator("table.kpi-groups tbody tr", has_text=kpi_dataset.H.SIGNATURE).locator("td.ended").click()
    page.wait_for_url(re.compile(r"/mot-cua/chi-so/ho-so/\?"))
    assert page.locator("nav.crumbs li").last.inner_text() == "Danh sách hồ sơ"
    codes = page.locator("table.kpi-dossiers tbody th a").all_inner_texts()
    n1, n2 = (ds.d[name] for name in ("N1", "N2"))
    assert sorted(codes) == sorted([n1.code, n2.code])
    page.locator("nav.tabs").get_by_role("link", name=re.compile("Giải quyết quá hạn")).click()
    page.wait_for_url(re.compile(r"counter=late"))
    assert page.locator("table.kpi-dossiers tbody th a").all_inner_texts() == [n2.code]
    assert "theo tháng kết thúc xử lý" in page.locator("#kpi-list-basis").inner_text()
    fits(page)
    assert_accessible(page, "kpi-dossier-list", area="kpi")

    # The dossier list → the dossier's own page.
    page.locator("table.kpi-dossiers tbody tr").first.locator("td.verdict").click()
    page.wait_for_url(re.compile(r"/mot-cua/ho-so/\d+/$"))
    assert page.locator("h1").inner_text().startswith(n2.code)
    assert_accessible(page, "kpi-dossier", area="kpi")
