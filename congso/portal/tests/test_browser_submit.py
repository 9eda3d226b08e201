"""A citizen submits a dossier online through the wizard, in Debian's chromium (Playwright).

Each test is a user story through the real pages: the citizen registers on /tai-khoan/dang-ky/ (never a
forced login), the clerk of Trung tâm Phục vụ hành chính công phường Hạc Thành works in the back office.
Every page met is checked with axe-core (WCAG 2.1 A/AA, serious and critical) and kept as a screenshot in
var/test-artifacts/portal/ — on a 390×844 phone, and at a 1280×900 desk for the e-form and the dossier page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from congso.core.testing import assert_accessible, launch_chromium
from congso.dossiers.tests.helpers import BIRTH_FORM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "congso-demo"  # load_demo.DEMO_PASSWORD (the clerk)
BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh (commune level, offered online)
BIRTH_NAME = "Thủ tục đăng ký khai sinh"
DESK_NAME = "Trung tâm Phục vụ hành chính công phường Hạc Thành"  # ttpvhcc-xa-14797
CLERK = "tiepnhan.hacthanh"
CERTIFICATE = "Giấy chứng sinh"  # the component to upload ("Giấy chứng sinh; trường hợp không có …")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HOA = {"full_name": "Lê Thị Hoa", "email": "hoa.le@example.vn", "phone": "0912000111", "password": "Hoa-khai-sinh-2026"}
CCCD = "038190000123"  # Thanh Hóa (038), a woman born in 1990
ADDRESS = "Số 12 phố Trần Phú, phường Hạc Thành, tỉnh Thanh Hóa"


def birth_day() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=5)  # the live server reads the real clock


# ---- fixtures -------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    """One chromium for the module; each test opens its own contexts (cookies) from it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        # While Playwright's event loop is set, Django keeps the DB connections in a separate (async-context)
        # storage: close them here or they outlive the module (PostgreSQL then refuses to drop the test database).
        connections.close_all()
        chromium.close()


@pytest.fixture
def demo(live_server, settings):
    # Fast hashes for the logins typed in this test (registration, the clerk); PBKDF2 still verifies old ones.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    # live_server tests run in a flushed transactional database: load the reference data for them (the first
    # browser test of a run still finds what conftest's django_db_setup loaded).
    from congso.accounts.models import User

    if not User.objects.filter(username=CLERK).exists():
        with open(os.devnull, "w") as sink:
            call_command("load_demo", "--quiet-logins", verbosity=0, stdout=sink)
    return live_server.url


@pytest.fixture
def open_page(browser):
    """A factory of pages, each in a fresh context (its own cookies: another device), in Vietnamese."""
    contexts = []

    def new(viewport=PHONE):
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield new
    for context in contexts:
        context.close()


# ---- helpers --------------------------------------------------------------------------------------------------------
def check(page, name: str) -> None:
    """No sideways scrolling, no serious accessibility fault; a screenshot in var/test-artifacts/portal/.

    Also what axe lets pass: every aria-describedby / aria-labelledby names elements that exist, and every field
    marked invalid is described by a message.
    """
    wide, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{name}: the page is {wide} px wide in a {window} px window"
    dangling = page.evaluate(
        """() => [...document.querySelectorAll("[aria-describedby], [aria-labelledby]")].flatMap(el =>
            ["aria-describedby", "aria-labelledby"].flatMap(attr => (el.getAttribute(attr) || "").split(/\\s+/)
                .filter(id => id && !document.getElementById(id)).map(id => `${el.id || el.tagName} ${attr} #${id}`)))"""
    )
    assert dangling == [], f"{name}: references to missing elements: {dangling}"
    unexplained = page.evaluate(
        """() => [...document.querySelectorAll("[aria-invalid=true]")].filter(el =>
            !(el.getAttribute("aria-describedby") || "").split(/\\s+/).some(id =>
                id && document.getElementById(id) && document.getElementById(id).textContent.trim())).map(el => el.id)"""
    )
    assert unexplained == [], f"{name}: fields marked invalid without a message tied to them: {unexplained}"
    assert_accessible(page, name, area="portal")


def check_on_desktop(page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    check(page, name)
    page.set_viewport_size(PHONE)


def computed(locator, prop: str) -> str:
    return locator.evaluate(f"el => getComputedStyle(el).{prop}")


def wait_until(page, condition, timeout_ms: int = 10_000) -> None:
    """Let Playwright dispatch its events (route handlers) until ``condition()`` holds."""
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("condition not met in time")


def birth_procedure():
    from congso.catalog.models import Procedure

    return Procedure.objects.current().get(national_code=BIRTH)


def dossiers_of(email: str):
    from congso.dossiers.models import Dossier

    return Dossier.objects.filter(applicant_user__email=email)


def flash(page) -> str:
    return " ".join(page.locator(".flash p").all_inner_texts())


def register(page, who: dict = HOA) -> None:
    """On the registration page: create the account (the page sends her on to its `next`, if any)."""
    assert page.locator("h1").inner_text() == "Đăng ký tài khoản"
    page.fill("#id_full_name", who["full_name"])
    page.fill("#id_email", who["email"])
    page.fill("#id_phone", who["phone"])
    page.fill("#id_password1", who["password"])
    page.fill("#id_password2", who["password"])
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng ký").click()


def newcomer_opens_the_wizard(page, base: str) -> None:
    """From the procedure page: "Nộp trực tuyến", sent to log in, registers, comes back to step 1."""
    page.goto(f"{base}/thu-tuc/{birth_procedure().pk}/")
    page.get_by_role("link", name="Nộp trực tuyến").click()
    page.wait_for_url(re.compile(r"/tai-khoan/dang-nhap/\?next=/nop-truc-tuyen/\d+/$"))
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    page.wait_for_url(re.compile(r"/tai-khoan/dang-ky/\?next=/nop-truc-tuyen/\d+/$"))
    register(page)
    assert re.search(r"/nop-truc-tuyen/\d+/$", page.url), f"registration did not return to the wizard: {page.url}"
    assert "Đã tạo tài khoản. Chào mừng Lê Thị Hoa!" in flash(page)


def log_in_citizen(page, who: dict = HOA) -> None:
    """On the portal's login page (reached by a redirect with ?next=): log in with the e-mail."""
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("#id_username", who["email"])
    page.fill("#id_password", who["password"])
    with page.expect_navigation():
        page.locator("form.narrow").get_by_role("button", name="Đăng nhập").click()


def fill_applicant(page) -> None:
    """Step 1: what the profile lacks (CCCD, address) and the commune centre; then on to the e-form."""
    page.fill("#id_id_number", CCCD)
    page.fill("#id_address", ADDRESS)
    page.select_option("#id_intake", label=DESK_NAME)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và tiếp tục").click()
    assert re.search(r"/ho-so-cua-toi/\d+/to-khai/$", page.url), page.locator("main").inner_text()[:1500]


def draft_pk(page) -> int:
    return int(re.search(r"/ho-so-cua-toi/(\d+)/", page.url).group(1))


def fill_eform(page, *, only: tuple[str, ...] = (), **overrides) -> None:
    """Step 2, the birth registration e-form (the requester's fields are prefilled from step 1)."""
    values = {
        "quan_he": "Mẹ",
        "ho_ten": "Lê Minh An",
        "gioi_tinh": "Nam",
        "ngay_sinh": birth_day().isoformat(),
        "noi_sinh": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
        "ho_ten_me": "Lê Thị Hoa",
        "nam_sinh_me": "1990",
        "noi_cu_tru_me": ADDRESS,
        **overrides,
    }
    for name, value in values.items():
        if only and name not in only:
            continue
        if name in ("quan_he", "gioi_tinh"):
            page.select_option(f"#f-{name}", label=value)
        else:
            page.fill(f"#f-{name}", value)


def save_eform(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và tiếp tục").click()


def component(page, prefix: str):
    return page.locator("li.component").filter(has=page.locator("h3", has_text=re.compile("^" + re.escape(prefix))))


def upload(page, prefix: str, name: str, data: bytes, mime: str = "application/pdf") -> None:
    """Step 3: choose a file for one paper and press its own "Tải lên"."""
    row = component(page, prefix)
    row.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    with page.expect_navigation():
        row.get_by_role("button", name="Tải lên").click()


def certificate_pdf() -> bytes:
    """A small valid PDF, made here (one page: the birth certificate of the story)."""
    from congso.core.pdf import simple_pdf

    data = simple_pdf(["GIAY CHUNG SINH", "Ho ten con: Le Minh An", "Me: Le Thi Hoa"])
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return data


def to_review(page) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="Tiếp tục: xem lại").click()
    assert page.locator("h2").first.inner_text() == "Bước 4. Xem lại và nộp hồ sơ"


def pledge(page):
    return page.get_by_label(re.compile("Tôi cam đoan nội dung khai"))


def submit_button(page):
    return page.get_by_role("button", name="Nộp hồ sơ", exact=True)


def wizard_to_review(page, base: str) -> int:
    """A newcomer's whole wizard up to the review page (steps 1–3 through the UI); answers the draft's pk."""
    newcomer_opens_the_wizard(page, base)
    fill_applicant(page)
    pk = draft_pk(page)
    fill_eform(page)
    save_eform(page)
    upload(page, CERTIFICATE, "giay-chung-sinh.pdf", certificate_pdf())
    to_review(page)
    return pk


def clerk_log_in(page, base: str) -> None:
    page.goto(f"{base}/mot-cua/dang-nhap/")
    page.fill("#id_username", CLERK)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/mot-cua/(hang-doi/[a-z]+/)?$"))


def clerk_accepts_from_the_queue(page, base: str, applicant: str) -> None:
    """The desk queue "Tiếp nhận": the online dossier waits without a code; open it, accept it (Form 01)."""
    clerk_log_in(page, base)
    page.locator("header nav").get_by_role("link", name="Tiếp nhận", exact=True).click()
    page.wait_for_selector("table.queue")
    row = page.locator("table.queue tbody tr").filter(has_text=applicant)
    assert row.count() == 1, page.locator("table.queue").inner_text()
    row.get_by_role("link", name="(chưa có mã)").click()
    page.wait_for_url(re.compile(r"/mot-cua/ho-so/\d+/$"))
    box = page.locator("details.offer").filter(
        has=page.locator("summary").get_by_text("Tiếp nhận hồ sơ (Mẫu 01)", exact=True)
    )
    box.locator("summary").click()
    with page.expect_navigation():
        box.get_by_role("button", name="Tiếp nhận hồ sơ (Mẫu 01)", exact=True).click()
    status = page.locator("ul.messages [role=status]")
    assert status.inner_text() == "Đã thực hiện: Tiếp nhận hồ sơ (Mẫu 01).", page.locator("main").inner_text()[:1500]


# ---- 1. search → procedure → register → submit with an upload → accepted, with its receipt --------------------------
def test_a_newcomer_finds_birth_registration_submits_online_and_gets_the_receipt(demo, open_page):
    base, page = demo, open_page(PHONE)

    # On the phone: no diacritics typed, the procedure found, "Nộp trực tuyến".
    page.goto(base + "/")
    page.fill("input[name=q]", "dang ky khai sinh")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    page.locator("ol.results li a").filter(has_text=BIRTH_NAME).first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == BIRTH_NAME
    page.get_by_role("link", name="Nộp trực tuyến").click()

    # Not logged in: sent to log in, follows the link to register, and is brought back to the wizard.
    page.wait_for_url(re.compile(r"/tai-khoan/dang-nhap/\?next=/nop-truc-tuyen/\d+/$"))
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    page.wait_for_url(re.compile(r"/tai-khoan/dang-ky/\?next=/nop-truc-tuyen/\d+/$"))
    register(page)
    assert re.search(r"/nop-truc-tuyen/\d+/$", page.url), f"registration did not return to the wizard: {page.url}"

    # Step 1: prefilled from the new account; the citizen adds her CCCD and address, picks the commune centre.
    assert page.locator("h1").inner_text() == BIRTH_NAME
    assert page.locator("[aria-current=step]").inner_text().strip().endswith("Người nộp")
    assert page.get_by_label("Họ và tên").input_value() == HOA["full_name"]
    assert page.get_by_label("Số điện thoại").input_value() == HOA["phone"]
    assert page.get_by_label("Thư điện tử").input_value() == HOA["email"]
    assert page.get_by_label("Bản thân tôi").is_checked()
    assert DESK_NAME in page.locator("#id_intake").inner_text()
    check(page, "submit-01-applicant-phone")
    assert dossiers_of(HOA["email"]).count() == 0  # nothing on the server before the first step is saved
    fill_applicant(page)
    pk = draft_pk(page)
    assert "Đã lưu bản nháp" in flash(page)

    # Step 2: the e-form, with the requester prefilled from step 1.
    assert page.locator("#f-nguoi_yeu_cau").input_value() == HOA["full_name"]
    assert page.locator("#f-giay_to_nguoi_yeu_cau").input_value() == CCCD
    assert page.locator("#f-dan_toc").input_value() == "Kinh"  # the form's own defaults
    fill_eform(page)
    check(page, "submit-02-form-phone")
    check_on_desktop(page, "submit-02-form-desktop")
    save_eform(page)
    assert page.url.endswith(f"/ho-so-cua-toi/{pk}/giay-to/")

    # Step 3: the birth certificate as a PDF; the e-form replaces the paper declaration.
    assert component(page, "Tờ khai đăng ký khai sinh").locator(".ok").inner_text().startswith("Đã thay bằng tờ khai")
    assert component(page, CERTIFICATE).locator(".warn").inner_text() == "Bắt buộc: chưa có tệp."
    upload(page, CERTIFICATE, "giay-chung-sinh.pdf", certificate_pdf())
    assert "Đã tải lên «giay-chung-sinh.pdf»." in flash(page)
    assert component(page, CERTIFICATE).locator("ul.files").inner_text().startswith("giay-chung-sinh.pdf")
    check(page, "submit-03-files-phone")

    # Step 4: review what was typed, pick how to receive the result, pledge, submit.
    to_review(page)
    review = page.locator("main").inner_text()
    for shown in ("Lê Minh An", birth_day().strftime("%d/%m/%Y"), "Mẹ", DESK_NAME, "giay-chung-sinh.pdf", CCCD):
        assert shown in review, shown
    assert page.get_by_label("Nhận bản điện tử trên Cổng dịch vụ công").is_checked()
    check(page, "submit-04-review-phone")
    pledge(page).check()
    with page.expect_navigation():
        submit_button(page).click()
    assert page.url == f"{base}/ho-so-cua-toi/{pk}/"
    assert "Đã nộp hồ sơ." in flash(page)
    assert page.locator(".state-line .badge").inner_text() == "Chờ tiếp nhận"
    d = dossiers_of(HOA["email"]).get()
    assert d.pk == pk and d.state == "submitted" and d.channel == 2 and d.intake_agency.name == DESK_NAME
    assert d.form_data["ho_ten"] == "Lê Minh An" and d.form_data["nam_sinh_me"] == 1990
    assert d.files.get().filename == "giay-chung-sinh.pdf"
    check(page, "submit-05-dossier-submitted-phone")

    # The clerk of the commune centre accepts it from the desk queue, in a browser of her own.
    clerk = open_page(DESKTOP)
    clerk_accepts_from_the_queue(clerk, base, HOA["full_name"])
    d.refresh_from_db()
    assert d.state == "accepted" and d.code

    # Back on the phone: the code, the appointment and Form 01.
    page.reload()
    assert page.locator(".state-line .badge").inner_text() == "Đã tiếp nhận"
    assert d.code in page.locator("dl.facts").inner_text()
    appointment = page.locator(".state-line strong").inner_text()
    local = timezone.localtime(d.appointment_at)
    assert appointment == f"Hẹn trả {local:%H:%M} ngày {local:%d/%m/%Y}"
    assert re.fullmatch(r"Hẹn trả \d\d:\d\d ngày \d\d/\d\d/20\d\d", appointment)
    assert "Hồ sơ được tiếp nhận" in page.locator("ol.timeline").inner_text()
    receipt = page.get_by_role("link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01, PDF)")
    pdf = page.request.get(base + receipt.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    check(page, "submit-06-dossier-accepted-phone")
    check_on_desktop(page, "submit-06-dossier-accepted-desktop")

    # "Hồ sơ của tôi": the dossier with its code, reached from the dossier page.
    page.get_by_role("link", name="« Hồ sơ của tôi").click()
    page.wait_for_url("**/ho-so-cua-toi/")
    item = page.locator("li.dossier").filter(has_text=BIRTH_NAME)
    assert item.count() == 1 and d.code in item.inner_text() and "Đã tiếp nhận" in item.inner_text()
    check(page, "submit-07-my-dossiers-phone")


# ---- 2. answering a supplement request --------------------------------------------------------------------------------
def test_the_citizen_answers_a_supplement_request_online(demo, open_page):
    from congso.accounts.models import User
    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for
    from congso.geo.models import Agency

    base, page = demo, open_page(PHONE)
    # Registering from a link that would send her elsewhere: the portal only goes back to its own pages.
    page.goto(f"{base}/tai-khoan/dang-ky/?next=https://lua-dao.example/nop-ho-so/")
    register(page)
    assert page.url == f"{base}/tai-khoan/" and page.locator("h1").inner_text() == "Tài khoản của tôi"
    citizen = who_for(User.objects.get(email=HOA["email"]))

    # Set up through the engine: submitted online, accepted, then the clerk asks for one more paper.
    d = A.create_dossier(
        procedure=birth_procedure(),
        intake_agency=Agency.objects.get(name=DESK_NAME),
        applicant=A.Applicant(name=HOA["full_name"], id_number=CCCD, phone=HOA["phone"], address=ADDRESS),
        channel=2,
        source="portal",
        who=citizen,
        form_data={**BIRTH_FORM, "ho_ten": "Lê Minh An"},
    )
    component_id = birth_procedure().components.get(name__startswith=CERTIFICATE).pk
    A.attach_file(d, citizen, data=certificate_pdf(), filename="giay-chung-sinh.pdf", component_id=component_id)
    d = A.submit_dossier(d, citizen)
    clerk = who_for(User.objects.get(username=CLERK))
    d = A.perform(d, clerk, "accept", {})
    missing = "Bản sao Giấy chứng nhận kết hôn của cha mẹ"
    A.perform(d, clerk, "request_supplement", {"items": [missing], "reason": "Thiếu giấy tờ chứng minh quan hệ"})

    # The citizen opens her dossier from "Hồ sơ của tôi" and sees what is asked.
    page.goto(f"{base}/ho-so-cua-toi/")
    assert "Có 1 hồ sơ đang chờ bạn bổ sung hoặc nộp phí." in page.locator("main").inner_text()
    page.locator("li.dossier").filter(has_text=BIRTH_NAME).get_by_role("link").click()
    page.wait_for_url(f"**/ho-so-cua-toi/{d.pk}/")
    request = page.locator("#bo-sung")
    assert request.locator("h2").inner_text() == "Cơ quan yêu cầu bổ sung hồ sơ"
    assert missing in request.inner_text() and "Thiếu giấy tờ chứng minh quan hệ" in request.inner_text()
    assert page.locator(".state-line .badge").inner_text() == "Chờ bổ sung hồ sơ"

    # Sending nothing is refused with a message; the dossier still waits.
    with page.expect_navigation():
        request.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    assert "Vui lòng tải lên giấy tờ bổ sung" in page.get_by_role("alert").inner_text()
    d.refresh_from_db()
    assert d.state == "supplement_requested" and d.files.filter(kind="supplement").count() == 0
    check(page, "supplement-01-nothing-sent-phone")

    # She uploads the paper (its name prefilled from the request), then sends.
    assert page.get_by_label("Tên giấy tờ bổ sung").input_value() == missing
    page.get_by_label(re.compile("^Tệp \\(PDF, ảnh")).set_input_files(
        {"name": "ket-hon.pdf", "mimeType": "application/pdf", "buffer": certificate_pdf()}
    )
    with page.expect_navigation():
        request.get_by_role("button", name="Tải lên").click()
    assert "Đã tải lên «ket-hon.pdf»." in flash(page)
    assert page.locator("#bo-sung ul.files").inner_text().startswith("ket-hon.pdf")
    check(page, "supplement-02-uploaded-phone")
    page.get_by_label("Ghi chú cho cán bộ (không bắt buộc)").fill("Đã bổ sung giấy chứng nhận kết hôn.")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    assert "Đã gửi hồ sơ bổ sung; cơ quan tiếp tục giải quyết." in flash(page)
    assert page.locator(".state-line .badge").inner_text() == "Đã tiếp nhận"
    assert page.locator("#bo-sung").count() == 0
    assert "Đã nộp hồ sơ bổ sung" in page.locator("ol.timeline").inner_text()
    d.refresh_from_db()
    assert d.state == "accepted" and d.files.filter(kind="supplement").count() == 1
    assert d.events.filter(action="submit_supplement").count() == 1


# ---- 3. a double click on "Nộp hồ sơ" --------------------------------------------------------------------------------
def test_a_double_click_on_submit_files_exactly_one_dossier(demo, open_page):
    base, page = demo, open_page(PHONE)
    pk = wizard_to_review(page, base)

    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    # Without the pledge the browser itself stops the form (the server says so too: see test_wizard.py).
    submit_button(page).click()
    assert pledge(page).evaluate("el => el.validity.valueMissing") is True
    assert posts == [] and page.url.endswith(f"/ho-so-cua-toi/{pk}/xem-lai/")
    assert dossiers_of(HOA["email"]).get().state == "draft"

    # A double click on a slow mobile network: the first "Nộp hồ sơ" still waits for its answer when the second
    # one leaves. (An instant dblclick() is folded into one request by chromium itself and would prove nothing
    # about the server: here each request reaches the server, and the browser gets the answers only after both.)
    answers = []

    def slow_network(route):
        if route.request.method != "POST":
            return route.continue_()
        answers.append(route.fetch(max_redirects=0))  # the server has answered; the browser is still waiting
        held.append(route)

    held = []
    page.route(re.compile(r"/xem-lai/$"), slow_network)
    pledge(page).check()
    submit_button(page).scroll_into_view_if_needed()
    box = submit_button(page).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)  # the mouse itself: a locator would wait for the held navigation
    wait_until(page, lambda: len(answers) == 1)
    page.mouse.click(x, y)
    wait_until(page, lambda: len(answers) == 2)
    for route, answer in zip(held, answers, strict=True):
        with contextlib.suppress(PlaywrightError):  # the first navigation was cancelled by the second click
            route.fulfill(response=answer)
    page.wait_for_url(f"**/ho-so-cua-toi/{pk}/")
    assert len(posts) == 2, posts  # two submissions left the browser
    assert [a.status for a in answers] == [302, 302]
    assert {a.headers["location"] for a in answers} == {f"/ho-so-cua-toi/{pk}/"}
    d = dossiers_of(HOA["email"]).get()
    assert d.state == "submitted"
    assert d.events.filter(action="submit").count() == 1
    assert page.locator(".state-line .badge").inner_text() == "Chờ tiếp nhận"


# ---- 4. the session runs out in the middle of the e-form -----------------------------------------------------------------
def test_an_expired_session_mid_form_keeps_what_was_typed(demo, open_page):
    base, page = demo, open_page(PHONE)
    newcomer_opens_the_wizard(page, base)
    fill_applicant(page)
    pk = draft_pk(page)
    fill_eform(page, ho_ten="Lê Minh Khang", noi_sinh="Trạm y tế phường Hạc Thành")

    page.context.clear_cookies(name="sessionid")  # the session ran out while she was typing
    save_eform(page)
    assert "/tai-khoan/dang-nhap/?next=" in page.url
    assert "những gì bạn vừa nhập vẫn được giữ" in page.locator("main").inner_text()
    d = dossiers_of(HOA["email"]).get()
    assert "ho_ten" not in d.form_data  # nothing written by an anonymous request

    log_in_citizen(page)
    assert page.url == f"{base}/ho-so-cua-toi/{pk}/to-khai/"
    assert page.locator("#f-ho_ten").input_value() == "Lê Minh Khang"
    assert page.locator("#f-noi_sinh").input_value() == "Trạm y tế phường Hạc Thành"
    assert page.locator("#f-ngay_sinh").input_value() == birth_day().isoformat()
    assert page.locator("#f-quan_he").input_value() == "me"
    save_eform(page)
    assert page.url == f"{base}/ho-so-cua-toi/{pk}/giay-to/"
    d.refresh_from_db()
    assert d.form_data["ho_ten"] == "Lê Minh Khang" and d.form_data["noi_sinh"] == "Trạm y tế phường Hạc Thành"


# ---- 5. a wrong file type ---------------------------------------------------------------------------------------------
def test_a_wrong_file_type_is_refused_with_a_message_and_nothing_is_attached(demo, open_page):
    base, page = demo, open_page(PHONE)
    newcomer_opens_the_wizard(page, base)
    fill_applicant(page)
    fill_eform(page)
    save_eform(page)
    d = dossiers_of(HOA["email"]).get()

    # A Windows program renamed to .pdf: refused by its content, whatever its name says.
    upload(page, CERTIFICATE, "giay-chung-sinh.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4)
    alert = page.get_by_role("alert").inner_text()
    assert alert.startswith("Loại tệp không được chấp nhận") and "Chỉ nhận các loại: PDF" in alert, alert
    assert component(page, CERTIFICATE).locator("ul.files").count() == 0
    assert component(page, CERTIFICATE).locator(".warn").inner_text() == "Bắt buộc: chưa có tệp."
    assert d.files.count() == 0
    check(page, "submit-03-files-error-phone")

    # Random bytes called .pdf: the same.
    upload(page, CERTIFICATE, "scan.pdf", bytes((i * 37 + 11) % 256 for i in range(3000)))
    assert page.get_by_role("alert").inner_text().startswith("Loại tệp không được chấp nhận")
    assert d.files.count() == 0 and not d.events.filter(action="attach_file").exists()

    # The review says what is missing and will not submit.
    to_review(page)
    assert "Chưa có giấy tờ bắt buộc: Giấy chứng sinh" in page.locator("#blockers").inner_text()
    pledge(page).check()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        submit_button(page).click()
    assert answer.value.status == 422
    assert "Chưa có giấy tờ bắt buộc" in page.get_by_role("alert").inner_text()
    check(page, "submit-04-review-error-phone")
    d.refresh_from_db()
    assert d.state == "draft"


# ---- 6. a draft started on the phone, finished on a computer -------------------------------------------------------------
def test_a_draft_started_on_a_phone_is_finished_on_another_device(demo, open_page):
    base, phone = demo, open_page(PHONE)
    newcomer_opens_the_wizard(phone, base)

    # Step 1 with mistakes first: explained beside each field, nothing created, what was typed kept.
    phone.fill("#id_id_number", "03819000")
    phone.fill("#id_phone", "12345")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Lưu và tiếp tục").click()
    assert phone.locator("#form-errors").inner_text() == "Vui lòng sửa các chỗ được đánh dấu bên dưới."
    # Each message is tied to its field (read out with it) and the field is outlined in red.
    expect(phone.locator("#id_phone")).to_have_accessible_description("⚠ Số điện thoại gồm 10 chữ số, bắt đầu bằng 0.")
    expect(phone.locator("#id_id_number")).to_have_accessible_description(
        re.compile(r"^12 chữ số in trên thẻ căn cước")
    )
    expect(phone.locator("#id_intake")).to_have_accessible_description("⚠ Trường này là bắt buộc.")
    for field in ("#id_phone", "#id_id_number", "#id_intake"):
        assert computed(phone.locator(field), "borderTopColor") == "rgb(179, 38, 30)", field
    assert computed(phone.locator("#id_full_name"), "borderTopColor") != "rgb(179, 38, 30)"
    assert phone.locator("#id_id_number").input_value() == "03819000"
    assert dossiers_of(HOA["email"]).count() == 0
    check(phone, "submit-01-applicant-error-phone")
    phone.fill("#id_phone", HOA["phone"])
    fill_applicant(phone)
    pk = draft_pk(phone)

    # Step 2, partly: the child's name only; saved with the rest still to fill.
    fill_eform(phone, only=("ho_ten", "quan_he"), ho_ten="Lê Minh Châu")
    phone.fill("#f-nam_sinh_me", "19x0")
    save_eform(phone)
    assert phone.locator("#form-errors").inner_text().startswith("Còn ")
    assert phone.locator("#f-nam_sinh_me-error").inner_text() == "Vui lòng nhập một số nguyên."
    assert phone.locator("#f-noi_sinh-error").inner_text() == "Vui lòng nhập nơi sinh."
    assert phone.locator("#f-nam_sinh_me").input_value() == "19x0"  # shown back, not lost
    check(phone, "submit-02-form-error-phone")
    check_on_desktop(phone, "submit-02-form-error-desktop")

    # At home, on the computer: "Hồ sơ của tôi" asks to log in, lists the draft, and the wizard goes on.
    computer = open_page(DESKTOP)
    computer.goto(f"{base}/ho-so-cua-toi/")
    log_in_citizen(computer)
    assert computer.url == f"{base}/ho-so-cua-toi/"
    computer.get_by_role("link", name="Bản nháp", exact=True).click()
    computer.wait_for_url("**/ho-so-cua-toi/?state=draft")
    draft = computer.locator("li.dossier").filter(has_text="Bản nháp — chưa nộp")
    assert draft.count() == 1
    check(computer, "submit-07-my-dossiers-drafts-desktop")
    with computer.expect_navigation():
        draft.get_by_role("link", name=BIRTH_NAME).click()
    assert computer.url == f"{base}/ho-so-cua-toi/{pk}/to-khai/"
    assert computer.locator("#f-ho_ten").input_value() == "Lê Minh Châu"
    assert computer.locator("#f-quan_he").input_value() == "me"
    assert computer.locator("#f-nguoi_yeu_cau").input_value() == HOA["full_name"]
    assert computer.locator("#f-noi_sinh").input_value() == ""
    fill_eform(computer, only=("gioi_tinh", "ngay_sinh", "noi_sinh", "ho_ten_me", "nam_sinh_me", "noi_cu_tru_me"))
    save_eform(computer)
    assert computer.url == f"{base}/ho-so-cua-toi/{pk}/giay-to/"
    d = dossiers_of(HOA["email"]).get()
    assert d.state == "draft" and d.form_data["ho_ten"] == "Lê Minh Châu" and d.form_data["nam_sinh_me"] == 1990
