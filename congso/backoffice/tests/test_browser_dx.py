"""In Debian's chromium at a 1280×900 desk, the province administrator records a commune's DX plan with its signed
PDF, assigns a target, imports digital-economy figures from XLSX, and sees the coverage and the progress; every page
passes axe (WCAG 2.1 AA)."""

import datetime as dt
import io
import os
import re

import pytest
from django.core.management import call_command
from django.db import connections
from openpyxl import Workbook

from congso.core.testing import assert_accessible, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "congso-demo"  # load_demo.DEMO_PASSWORD
BASE = "/mot-cua/chi-so/chuyen-doi-so/"


@pytest.fixture
def demo(live_server, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    call_command("load_demo", "--quiet-logins", verbosity=0, stdout=open(os.devnull, "w"))
    return live_server.url


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        context.set_default_timeout(10_000)
        yield context.new_page()
        connections.close_all()
        browser.close()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/mot-cua/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/mot-cua/(hang-doi/[a-z]+/)?$"))


def fits(page) -> None:
    wide, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"the page is {wide} px wide in a {window} px window"


def figures_xlsx(period: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(["Mã chỉ tiêu", "Mã đơn vị hành chính", "Tên đơn vị", "Kỳ", "Giá trị", "Ghi chú"])
    ws.append(["cashless-schools", "14797", "Phường Hạc Thành", period, 80, "Phòng Văn hóa - Xã hội"])
    ws.append(["cashless-schools", "16531", "Phường Sầm Sơn", period, 95, ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_administrator_records_a_plan_sets_a_target_imports_figures_and_sees_coverage_and_progress(demo, page):
    from congso.core.pdf import simple_pdf
    from congso.dossiers.tests.helpers import agency, procedure
    from congso.geo.models import AdministrativeUnit
    from congso.kpi.actions import refill_rollup
    from congso.kpi.models import Cell

    today = dt.date.today()
    year = today.year
    hac = AdministrativeUnit.objects.get(code="14797", valid_to__isnull=True, level="commune")
    # This year's summaries for Hạc Thành: 20 dossiers ended, 17 on time (85 %).
    Cell.objects.create(
        month=dt.date(year, 1, 1),
        agency=agency("ubnd-xa-14797"),
        unit=hac,
        procedure=procedure("1.001193"),
        channel=1,
        ended=20,
        on_time=17,
        late=3,
    )
    refill_rollup()  # cells written directly: their month-level rollup follows

    log_in(page, demo, "quantri")
    page.goto(f"{demo}{BASE}?year={year}")
    assert "0/166 xã, phường" in page.locator("[data-testid=coverage-summary]").inner_text()
    assert_accessible(page, "dx-coverage-empty", area="dx")

    # A commune's plan, with its signed PDF.
    page.get_by_role("link", name="Ghi nhận kế hoạch").click()
    page.wait_for_url(re.compile(r"/ke-hoach/"))
    page.locator("#p-unit").select_option(value=f"commune:{hac.pk}")
    page.fill("#p-title", f"Kế hoạch chuyển đổi số năm {year} của phường Hạc Thành")
    page.fill("#p-number", "KH UBND")  # wrong on purpose: no number
    page.fill("#p-issued", f"{year}-01-15")
    page.set_input_files(
        "#p-doc", files=[{"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": simple_pdf()}]
    )
    page.get_by_role("button", name="Lưu kế hoạch").click()
    page.wait_for_selector("#p-number-e")
    assert "thể thức" in page.locator("#p-number-e").inner_text()
    assert page.locator("#p-title").input_value().endswith("phường Hạc Thành")  # what was typed is kept
    assert_accessible(page, "dx-plan-errors", area="dx")
    page.fill("#p-number", "12/KH-UBND")
    page.set_input_files(
        "#p-doc", files=[{"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": simple_pdf()}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu kế hoạch").click()
    assert "Đã lưu kế hoạch 12/KH-UBND" in page.locator("ul.messages").inner_text()
    assert "1/166 xã, phường" in page.locator("[data-testid=coverage-summary]").inner_text()
    assert page.locator("table.dx-plans tbody tr").filter(has_text="12/KH-UBND").count() == 1
    fits(page)
    assert_accessible(page, "dx-coverage", area="dx")  # with the flash message shown

    # A target for the commune, and its live progress.
    page.get_by_role("link", name="Chỉ tiêu giao và tiến độ").click()
    page.wait_for_url(re.compile(r"/chi-tieu/"))
    page.locator("#one-unit").select_option(value=f"commune:{hac.pk}")
    page.locator("#one-indicator").select_option(value="on_time")
    page.fill("#one-value", "90")
    with page.expect_navigation():
        page.get_by_role("button", name="Giao chỉ tiêu", exact=True).click()
    row = page.locator("table.dx-targets tbody tr").filter(has_text="Phường Hạc Thành")
    assert row.count() == 1
    text = row.inner_text()
    assert "≥ 90" in text and "85" in text and "17/20" in text
    assert "Chậm tiến độ" in text or "Đúng tiến độ" in text  # no 2025 baseline here: behind
    assert row.locator("progress").get_attribute("value") == "94"  # 85 ÷ 90
    fits(page)
    page.reload()
    assert_accessible(page, "dx-targets", area="dx")

    # Digital-economy figures from XLSX.
    page.get_by_role("link", name="Chỉ tiêu kinh tế số").click()
    page.wait_for_url(re.compile(r"/kinh-te-so/"))
    period = f"{year}-Q{(today.month - 1) // 3 + 1}"
    page.locator("#e-metric").select_option(value="cashless-schools")
    page.fill("#e-period", period)
    with page.expect_navigation():
        page.get_by_role("button", name="Xem").click()
    page.set_input_files(
        "#imp-file",
        files=[
            {
                "name": "so-lieu.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": figures_xlsx(period),
            }
        ],
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Nhập tệp").click()
    assert "2 số liệu mới" in page.locator("ul.messages").inner_text()
    table = page.locator("table.dx-economy")
    assert "80 %" in table.locator("tr").filter(has_text="Phường Hạc Thành").inner_text()
    assert "2/166 đơn vị đã có số liệu" in page.locator("main").inner_text()
    fits(page)
    page.reload()
    assert_accessible(page, "dx-economy", area="dx")
