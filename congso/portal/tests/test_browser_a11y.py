"""The citizen portal meets WCAG 2.1 AA on a phone and on a desktop: axe-core finds nothing serious, every control
is big enough to tap, and the search and lookup forms work with the keyboard alone (Debian's chromium).

To check a new page, add a ``(name, target)`` entry to PAGES: ``target`` is a URL path, or a function
``(page, site)`` that brings the page to the state to check (log in, fill a form, submit it…). ``site.url`` is the
live server; ``site.dossier`` an accepted dossier (with ``site.last4``), ``site.returned`` a returned one.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from django.core.management import call_command

from congso.core.testing import assert_accessible, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
TAP_TARGET_PX = 44  # WCAG 2.5.5 (AAA) size, which we hold ourselves to on phones


@dataclass
class Site:
    url: str
    dossier: object
    last4: str
    returned: object


def _birth_registration(page, site):
    page.goto(f"{site.url}/thu-tuc/?q=dang+ky+khai+sinh")
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh", exact=True).first.click()
    page.wait_for_selector("h1:text-is('Thủ tục đăng ký khai sinh')")


def _lookup_wrong_digits(page, site):
    page.goto(f"{site.url}/tra-cuu/?code={site.dossier.code}")
    page.fill("#id_last4", "9999")
    page.locator("form.lookup button[type=submit]").click()
    page.wait_for_selector("[role=alert]")


def _lookup_missing_digits(page, site):
    page.goto(f"{site.url}/tra-cuu/?code={site.dossier.code}")
    page.wait_for_selector("[role=alert]")


def _lookup_found(page, site):
    page.goto(f"{site.url}/tra-cuu/?code={site.dossier.code}&id_last4={site.last4}")
    page.wait_for_selector(".state")


def _lookup_returned(page, site):
    page.goto(f"{site.url}/tra-cuu/?code={site.returned.code}&id_last4={site.last4}")
    page.wait_for_selector("form.rating")


def _complaint_with_errors(page, site):
    page.goto(f"{site.url}/phan-anh/")
    page.select_option("#id_agency", index=1)
    page.fill("#id_dossier_code", "KHONG-CO-HO-SO")
    page.fill("#id_subject", "Đường vào trụ sở xã bị ngập")
    page.fill("#id_content", "Nước ngập sau mưa, người dân khó đến nộp hồ sơ.")
    page.fill("#id_name", "Lê Thị Hoa")
    page.fill("#id_phone", "12345")
    page.locator("form.complaint button[type=submit]").click()
    page.wait_for_selector(".errorlist, .error")


def _complaint_done(page, site):
    page.goto(f"{site.url}/phan-anh/")
    page.select_option("#id_agency", index=1)
    page.fill("#id_subject", "Đường vào trụ sở xã bị ngập")
    page.fill("#id_content", "Nước ngập sau mưa, người dân khó đến nộp hồ sơ.")
    page.fill("#id_name", "Lê Thị Hoa")
    page.fill("#id_phone", "0912345678")
    page.locator("form.complaint button[type=submit]").click()
    page.wait_for_selector("h1:text-is('Đã gửi phản ánh, kiến nghị')")


def _complaint_status_not_found(page, site):
    page.goto(f"{site.url}/phan-anh/tra-cuu/?ma=PA-0000&lien-he=0912345678")
    page.wait_for_selector("[role=alert]")


PAGES = [
    ("home", "/"),
    ("search-results", "/thu-tuc/?q=khai+sinh"),
    ("search-no-results", "/thu-tuc/?q=zzzzqqq"),
    ("procedure-birth-registration", _birth_registration),
    ("lookup-empty", "/tra-cuu/"),
    ("lookup-missing-digits", _lookup_missing_digits),
    ("lookup-wrong-digits", _lookup_wrong_digits),
    ("lookup-found", _lookup_found),
    ("lookup-returned-rating", _lookup_returned),
    ("login", "/tai-khoan/dang-nhap/"),
    ("register", "/tai-khoan/dang-ky/"),
    ("complaint", "/phan-anh/"),
    ("complaint-with-errors", _complaint_with_errors),
    ("complaint-done", _complaint_done),
    ("complaint-status", "/phan-anh/tra-cuu/"),
    ("complaint-status-not-found", _complaint_status_not_found),
    ("verify", "/xac-thuc/"),
]


@pytest.fixture
def site(live_server):
    # live_server tests run in a flushed transactional database: load the reference data for them.
    call_command("load_demo", "--quiet-logins", verbosity=0, stdout=open(os.devnull, "w"))
    from django.utils import timezone

    from congso.accounts.models import User
    from congso.catalog.models import Procedure
    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for
    from congso.dossiers.models import Dossier
    from congso.geo.models import Agency

    clerk = who_for(User.objects.get(username="tiepnhan.hacthanh"))
    now = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 0))

    def accepted():
        d = A.create_dossier(
            procedure=Procedure.objects.current().get(national_code="1.004873"),
            intake_agency=Agency.objects.get(slug="ttpvhcc-xa-14797"),
            applicant=A.Applicant(name="Đinh Thị Gấm", id_number="038190002580"),
            channel=1,
            source="desk",
            who=clerk,
            now=now,
        )
        return A.accept_dossier(d, clerk, now=now)

    dossier, returned = accepted(), accepted()
    # Only the returned state matters to the rating form on the lookup page (as in feedback/tests/test_feedback.py):
    # the whole workflow with signatures is covered by the dossier and back-office tests.
    Dossier.objects.filter(pk=returned.pk).update(state="returned", returned_at=now)
    returned.refresh_from_db()
    return Site(url=live_server.url, dossier=dossier, last4="2580", returned=returned)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


def _open(page, site, target):
    if callable(target):
        target(page, site)
    else:
        page.goto(site.url + target)


SMALL_TARGETS_JS = """(min) => {
    const seen = new Set(), small = [];
    const controls = document.querySelectorAll(
        "button, input:not([type=hidden]), select, textarea, a.button, header a, nav a, .chips a, .results a, .pager a"
    );
    for (const el of controls) {
        // A radio button or a checkbox is tapped through its label.
        const target = (el.type === "radio" || el.type === "checkbox") && el.closest("label") || el;
        if (seen.has(target)) continue;
        seen.add(target);
        const box = target.getBoundingClientRect(), style = getComputedStyle(target);
        if (style.visibility === "hidden" || box.width === 0 || box.height === 0) continue;  // not shown
        if (target.classList.contains("skip") && box.top < 0) continue;  // the skip link, until focused
        if (box.width < min || box.height < min) {
            small.push(`${target.tagName.toLowerCase()} "${(target.innerText || target.name || "").trim().slice(0, 40)}"`
                       + ` ${Math.round(box.width)}×${Math.round(box.height)}`);
        }
    }
    return small;
}"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_every_portal_page_passes_axe_for_wcag_21_aa(site, browser, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="vi-VN")
    page = context.new_page()
    failures = []
    for name, target in PAGES:
        _open(page, site, target)
        assert page.locator("html").get_attribute("lang") == "vi", name
        try:
            assert_accessible(page, f"{name}-{viewport}")
        except AssertionError as exc:
            failures.append(str(exc))
        if viewport == "phone":
            small = page.evaluate(SMALL_TARGETS_JS, TAP_TARGET_PX)
            if small:
                failures.append(f"tap targets under {TAP_TARGET_PX}px on {name}: " + "; ".join(small))
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                failures.append(f"{name} scrolls sideways on a phone by {overflow}px")
    context.close()
    assert not failures, "\n\n".join(failures)


def test_the_page_has_a_skip_link_landmarks_and_a_visible_focus(site, browser):
    page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
    page.goto(site.url + "/thu-tuc/?q=khai+sinh")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Bỏ qua đến nội dung chính"
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0  # shown when it has the focus
    outline = skip.evaluate("el => [getComputedStyle(el).outlineStyle, parseFloat(getComputedStyle(el).outlineWidth)]")
    assert outline[0] != "none" and outline[1] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content, not back in the header
    assert page.evaluate("() => !!document.activeElement.closest('main')")
    assert page.locator("header[role=banner], body > header").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("nav[aria-label]").count() >= 1
    assert page.locator("footer").count() == 1
    assert page.locator("h1").count() == 1


def _tab_to(page, selector, limit=40):
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            focused = page.locator(":focus")
            style = focused.evaluate("el => getComputedStyle(el).outlineStyle")
            assert style != "none", f"{selector} has no visible focus outline"
            return
    raise AssertionError(f"{selector} never got the focus after {limit} Tab presses")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_search_and_lookup_forms_work_with_the_keyboard_alone(site, browser, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="vi-VN", java_script_enabled=True)
    page = context.new_page()
    page.goto(site.url + "/")
    _tab_to(page, "#q")
    page.keyboard.type("dang ky khai sinh")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    assert page.locator("ol.results li a").first.inner_text() == "Thủ tục đăng ký khai sinh"
    # Open the first result with the keyboard too.
    _tab_to(page, "ol.results li:first-child a")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:text-is('Thủ tục đăng ký khai sinh')")

    page.goto(site.url + "/tra-cuu/")
    _tab_to(page, "#code")
    page.keyboard.type(site.dossier.code)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "id_last4"
    page.keyboard.type("9999")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=alert]")
    # The error is tied to the field it is about, and what was typed is still there.
    assert page.locator("#code").input_value() == site.dossier.code
    described = page.locator("#id_last4").get_attribute("aria-describedby") or ""
    assert "lookup-error" in described.split()
    assert "Không tìm thấy hồ sơ" in page.locator("#lookup-error").inner_text()
    page.locator("#id_last4").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(site.last4)
    page.keyboard.press("Enter")
    page.wait_for_selector(".state")
    assert page.locator(".state").inner_text() == "Đã tiếp nhận"
    context.close()


def test_the_checker_fails_on_a_page_with_serious_problems_and_keeps_its_screenshot(browser):
    """assert_accessible itself: a missing label, a missing alt text and grey-on-white text are reported."""
    from congso.core.testing import ARTIFACTS_DIR

    page = browser.new_context(viewport=PHONE).new_page()
    page.set_content(
        '<html lang="vi"><head><title>Trang lỗi</title></head><body><main><h1>Trang lỗi</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color:#bbb;background:#fff">Chữ nhạt trên nền trắng</p>'
        '<form><input name="q"></form></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "checker-self-test")
    report = str(failure.value)
    for rule in ("image-alt", "color-contrast", "label"):
        assert f"{rule}:" in report
    assert "[critical]" in report and "[serious]" in report and "input" in report
    assert (ARTIFACTS_DIR / "portal" / "checker-self-test.png").stat().st_size > 0
