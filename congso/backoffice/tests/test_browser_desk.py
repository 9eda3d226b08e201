"""At a 1280×900 desk, the officers of Hạc Thành work the one-stop back office in Debian's chromium.

A walk-in dossier goes from the desk to the returned result through every role of the commune workflow
(commune-standard: transfer → assign → appraise → approve → sign → issue → release); a supplement goes
back and forth with the citizen's lookup; the queues colour the deadlines; a stale page is refused.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connections

from congso.core.testing import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(django_settings.BASE_DIR) / "var" / "test-artifacts" / "backoffice"
PASSWORD = "congso-demo"  # load_demo.DEMO_PASSWORD
MARRIAGE_STATUS = "1.004873"  # Giấy xác nhận tình trạng hôn nhân: 3 working days, commune-standard workflow
DESK = "ttpvhcc-xa-14797"  # Trung tâm phục vụ hành chính công xã Hạc Thành
ID_NUMBER = "038190001234"  # Thanh Hóa (038), a woman born in 1990
SPECIALIST_NAME = "Lê Văn Nam"  # chuyenvien.hacthanh


@pytest.fixture
def demo(live_server, settings):
    # load_demo's logins hashed fast; the first test of a run still finds the session's PBKDF2 hashes.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    # live_server tests run in a flushed transactional database: load the reference data for them.
    call_command("load_demo", "--quiet-logins", verbosity=0, stdout=open(os.devnull, "w"))
    return live_server.url


@pytest.fixture
def desk():
    """A factory of desks: each call opens a fresh browser context (its own cookies) at 1280×900, in Vietnamese."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)

        def open_page():
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            context.set_default_timeout(10_000)
            return context.new_page()

        yield open_page
        # While Playwright's event loop is set, Django keeps the test's DB connections in a separate
        # (async-context) storage: close them here or they outlive the test (PostgreSQL then refuses to
        # drop the test database).
        connections.close_all()
        browser.close()


# ---- helpers ------------------------------------------------------------------------------------------------------
def shot(page, name: str) -> None:
    """A full-page screenshot for review; the page must fit the 1280 px desk without scrolling sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    wide, window = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= window, f"{name}: the page is {wide} px wide in a {window} px window"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/mot-cua/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/mot-cua/(hang-doi/[a-z]+/)?$"))
    assert page.locator("header .who").inner_text().strip()


def log_out(page) -> None:
    page.locator("header").get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/mot-cua/dang-nhap/")


def open_queue(page, title: str) -> None:
    page.locator("header nav").get_by_role("link", name=title, exact=True).click()
    page.wait_for_selector("table.queue")
    assert page.locator("h1").inner_text() == title


def open_dossier_from(page, title: str, code: str) -> None:
    """Open the dossier from a queue (searching by its code), as an officer would."""
    open_queue(page, title)
    page.locator("form.filters input[name=q]").fill(code)
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url(re.compile(r"\?.*q="))
    page.locator("table.queue").get_by_role("link", name=code, exact=True).click()
    page.wait_for_url(re.compile(r"/mot-cua/ho-so/\d+/$"))
    assert page.locator("h1").inner_text().startswith(code)


def offer(page, label: str):
    """The workspace's <details> for one action; its summary is the label alone unless the action is blocked."""
    return page.locator("details.offer").filter(has=page.locator("summary").get_by_text(label, exact=True))


def act(page, label: str, **fields) -> None:
    """Open the action's <details>, fill its fields (text by name, ``assignee_id`` by the option's label), submit."""
    box = offer(page, label)
    box.locator("summary").click()
    for name, value in fields.items():
        if name == "assignee_id":
            box.locator("select[name=assignee_id]").select_option(label=value)
        else:
            box.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        box.get_by_role("button", name=label, exact=True).click()


def act_and_expect_done(page, label: str, **fields) -> None:
    act(page, label, **fields)
    status = page.locator("ul.messages [role=status]")
    assert status.inner_text() == f"Đã thực hiện: {label}.", page.locator("main").inner_text()[:1500]


def state_badge(page) -> str:
    return page.locator("h1 .state").inner_text()


def look_up(page, base: str, code: str) -> str:
    """The citizen's status lookup (QR code link, then the last 4 ID digits); answers the state shown."""
    page.goto(f"{base}/tra-cuu/?code={code}")
    page.fill("#id_last4", ID_NUMBER[-4:])
    page.locator("form.lookup button[type=submit]").click()
    page.wait_for_selector("section.result")
    return page.locator("section.result .state").inner_text()


def dossier(pk: int):
    from congso.dossiers.models import Dossier

    return Dossier.objects.get(pk=pk)


def pk_of(page) -> int:
    return int(re.search(r"/ho-so/(\d+)/", page.url).group(1))


def fill_walk_in(page, *, id_number: str = ID_NUMBER, tick: str = "all") -> None:
    """On 'Tiếp nhận trực tiếp': find the procedure by its unaccented name, pick it, capture the applicant."""
    page.locator("header nav").get_by_role("link", name="Tiếp nhận trực tiếp").click()
    page.fill("#tim", "xac nhan tinh trang hon nhan")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.locator("ul.found li").filter(has_text=MARRIAGE_STATUS).first.get_by_role("link").click()
    page.wait_for_selector("form.intake")
    assert page.locator("h2").first.inner_text() == "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân"
    page.get_by_label("Họ và tên người nộp").fill("Nguyễn Thị Ánh")
    page.get_by_label("Số CCCD (12 chữ số)").fill(id_number)
    page.get_by_label("Ngày sinh").fill("1990-05-12")
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_label("Nội dung yêu cầu").fill("Xác nhận để đăng ký kết hôn")
    boxes = page.locator("input[name=components]")
    assert boxes.count() == 5
    for i in range(boxes.count()):
        if tick == "all" or (tick == "optional" and i not in (0, 3)):  # 0 (tờ khai) and 3 (giấy tờ tùy thân)
            boxes.nth(i).check()


def submit_walk_in(page, decision: str, reason: str = "") -> None:
    page.get_by_label(decision).check()
    if reason:
        page.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Hoàn tất").click()


def assert_prints(page, base: str, link_name: str) -> None:
    href = page.get_by_role("link", name=link_name).get_attribute("href")
    pdf = page.request.get(base + href)
    assert pdf.ok, (href, pdf.status)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")


def computed(locator, prop: str) -> str:
    return locator.evaluate(f"el => getComputedStyle(el).{prop}")


# ---- 1. the whole walk-in journey ----------------------------------------------------------------------------------
def test_a_walk_in_dossier_goes_from_the_desk_to_the_returned_result(demo, desk, tmp_path):
    from congso.core.pdf import simple_pdf

    base, page = demo, desk()

    page.goto(f"{base}/mot-cua/")  # an officer not logged in is sent to the login page
    page.wait_for_url("**/mot-cua/dang-nhap/?next=/mot-cua/")
    shot(page, "01-login")
    log_in(page, base, "tiepnhan.hacthanh")

    # The receiving officer: a walk-in applicant; a mistyped CCCD is explained, nothing typed is lost.
    fill_walk_in(page, id_number="03819000123")
    submit_walk_in(page, "Tiếp nhận (in Mẫu 01)")
    assert page.locator("p.field.invalid .error").first.inner_text() == "Số CCCD phải gồm đúng 12 chữ số."
    assert page.get_by_label("Họ và tên người nộp").input_value() == "Nguyễn Thị Ánh"
    assert page.locator("input[name=components]:checked").count() == 5
    assert computed(page.get_by_label("Số CCCD (12 chữ số)"), "borderTopColor") == "rgb(176, 0, 32)"
    shot(page, "04-intake-invalid-cccd")
    page.get_by_label("Số CCCD (12 chữ số)").fill(ID_NUMBER)
    submit_walk_in(page, "Tiếp nhận (in Mẫu 01)")
    pk = pk_of(page)
    d = dossier(pk)
    assert d.state == "accepted" and d.code and d.applicant_id_number == ID_NUMBER
    assert (
        page.get_by_role("status").first.inner_text()
        == f"Đã tiếp nhận hồ sơ {d.code}; in Giấy tiếp nhận và hẹn trả (Mẫu 01)."
    )
    assert state_badge(page) == "Đã tiếp nhận"
    assert_prints(page, base, "In Mẫu 01 ngay")
    assert "còn" in page.locator(".clock-now").inner_text()
    act_and_expect_done(page, "Chuyển hồ sơ", note="Đủ giấy tờ")
    assert state_badge(page) == "Đang xử lý"
    assert offer(page, "Chuyển hồ sơ").count() == 0
    log_out(page)

    # The leader assigns it to the specialist, from her tasks.
    log_in(page, base, "lanhdao.hacthanh")
    open_queue(page, "Việc của tôi")
    row = page.locator("table.queue tbody tr").filter(has_text=d.code)
    assert row.get_by_role("cell", name="Lãnh đạo phân công xử lý", exact=True).count() == 1  # the current step
    shot(page, "03-my-tasks")
    row.get_by_role("link", name=d.code).click()
    act_and_expect_done(page, "Phân công xử lý", assignee_id=SPECIALIST_NAME)
    assert dossier(pk).assignee.username == "chuyenvien.hacthanh"
    log_out(page)

    # The specialist cannot appraise before the result is attached; uploads it, then appraises.
    log_in(page, base, "chuyenvien.hacthanh")
    open_dossier_from(page, "Việc của tôi", d.code)
    blocked = page.locator("details.offer summary").filter(has_text="Thẩm định xong")
    assert blocked.locator("em").inner_text() == "Chưa đính kèm kết quả giải quyết."
    result = tmp_path / "giay-xac-nhan.pdf"
    result.write_bytes(simple_pdf(["Giay xac nhan tinh trang hon nhan", d.code]))
    upload = page.locator("form.upload")
    upload.locator("input[name=file]").set_input_files(str(result))
    upload.get_by_label("Tên giấy tờ").fill("Giấy xác nhận tình trạng hôn nhân")
    upload.get_by_label("Loại").select_option(label="Kết quả giải quyết")
    with page.expect_navigation():
        upload.locator("button[type=submit]", has_text="Tải lên").click()  # the file input is also named so
    assert page.get_by_role("status").first.inner_text() == "Đã tải lên tệp."
    assert "Giấy xác nhận tình trạng hôn nhân (Kết quả giải quyết)" in page.locator("ul.files").inner_text()
    shot(page, "05-workspace")
    act_and_expect_done(page, "Thẩm định xong", note="Đủ điều kiện cấp")
    log_out(page)

    # The leader approves and signs.
    log_in(page, base, "lanhdao.hacthanh")
    open_dossier_from(page, "Việc của tôi", d.code)
    act_and_expect_done(page, "Phê duyệt")
    act_and_expect_done(page, "Ký duyệt kết quả")
    log_out(page)

    # The clerk numbers the result and applies the commune's seal.
    log_in(page, base, "vanthu.hacthanh")
    open_dossier_from(page, "Việc của tôi", d.code)
    act_and_expect_done(page, "Vào số, ký số cơ quan (đóng dấu)")
    assert re.search(r"đã ký số, số \S+", page.locator("ul.files").inner_text())
    log_out(page)

    # Back at the desk: the result waits in the receiving queue and is returned.
    log_in(page, base, "tiepnhan.hacthanh")
    open_dossier_from(page, "Tiếp nhận", d.code)
    assert state_badge(page) == "Đã có kết quả, chờ trả"
    act_and_expect_done(page, "Trả kết quả")
    assert state_badge(page) == "Đã trả kết quả"
    assert page.locator("ol.timeline li").count() >= 9
    d = dossier(pk)
    assert d.state == "returned" and d.returned_at and not d.current_step
    actions = list(d.events.order_by("seq").values_list("action", flat=True))
    for done in ("accept", "transfer", "assign", "appraise", "approve", "sign", "issue", "return_result"):
        assert done in actions
    assert actions.index("transfer") < actions.index("assign") < actions.index("appraise") < actions.index("approve")
    assert actions.index("approve") < actions.index("sign") < actions.index("issue") < actions.index("return_result")


# ---- 2. a supplement, at the desk and during processing, seen from the citizen's side ------------------------------
def test_a_supplement_round_trip_with_the_citizen_side(demo, desk):
    from congso.accounts.models import User
    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for

    base, page = demo, desk()
    log_in(page, base, "tiepnhan.hacthanh")

    # At the desk: the applicant lacks two mandatory papers; they cannot be accepted, Form 02 lists them.
    fill_walk_in(page, tick="optional")
    submit_walk_in(page, "Tiếp nhận (in Mẫu 01)")
    assert page.locator("fieldset .error").first.inner_text().startswith("Còn thiếu giấy tờ bắt buộc: Tờ khai")
    submit_walk_in(page, "Yêu cầu bổ sung (in Mẫu 02)")
    pk = pk_of(page)
    assert page.get_by_role("status").first.inner_text() == "Đã lập Phiếu yêu cầu bổ sung (Mẫu 02) cho hồ sơ."
    assert page.locator("h1").inner_text().startswith("Hồ sơ chưa có mã")  # not accepted: no code yet
    assert state_badge(page) == "Chờ bổ sung hồ sơ"
    assert_prints(page, base, "In Mẫu 02 ngay")
    assert dossier(pk).state == "supplement_requested" and not dossier(pk).code

    # She comes back with the papers: the dossier waits in the desk queue; supplemented, then accepted.
    open_queue(page, "Tiếp nhận")
    row = page.locator("table.queue tbody tr").filter(has_text="Nguyễn Thị Ánh")
    assert row.locator("td.clock").inner_text() == "Chờ bổ sung hồ sơ"  # not accepted: no clock yet
    row.get_by_role("link", name="(chưa có mã)").click()
    act_and_expect_done(page, "Nộp hồ sơ bổ sung", note="Đã nộp tờ khai và xuất trình CCCD")
    assert state_badge(page) == "Chờ tiếp nhận"
    act_and_expect_done(page, "Tiếp nhận hồ sơ (Mẫu 01)")
    d = dossier(pk)
    assert d.state == "accepted" and d.code
    log_out(page)

    # Transferred and assigned (walked through the UI in the test above).
    A.perform(d, who_for(User.objects.get(username="tiepnhan.hacthanh")), "transfer", {})
    specialist = User.objects.get(username="chuyenvien.hacthanh")
    A.perform(
        dossier(pk), who_for(User.objects.get(username="lanhdao.hacthanh")), "assign", {"assignee_id": specialist.pk}
    )

    # The specialist asks for one more paper while processing.
    log_in(page, base, "chuyenvien.hacthanh")
    open_dossier_from(page, "Việc của tôi", d.code)
    act_and_expect_done(
        page,
        "Yêu cầu bổ sung (Mẫu 02)",
        items="Trích lục ghi chú ly hôn\nBản sao giấy chứng tử của người chồng trước",
        reason="Hồ sơ ghi đã từng kết hôn",
    )
    assert state_badge(page) == "Chờ bổ sung hồ sơ"
    assert "tạm dừng" in page.locator(".clock-now").inner_text()
    assert (
        page.locator("section").filter(has_text="In phiếu").get_by_role("link", name=re.compile("^Mẫu 02")).count() == 1
    )
    log_out(page)

    # The citizen, on her own browser, follows her receipt's code.
    citizen = desk()
    assert look_up(citizen, base, d.code) == "Chờ bổ sung hồ sơ"
    assert "Nguyễn Thị Ánh" not in citizen.content()

    # She brings the papers to the desk; the receiving officer records the supplement.
    log_in(page, base, "tiepnhan.hacthanh")
    open_dossier_from(page, "Hồ sơ của cơ quan", d.code)
    act_and_expect_done(page, "Nộp hồ sơ bổ sung", note="Đã nhận trích lục ghi chú ly hôn")
    assert state_badge(page) == "Đang xử lý"
    d = dossier(pk)
    assert d.state == "processing" and d.supplement_count >= 1 and d.current_step == "appraise"

    assert look_up(citizen, base, d.code) == "Đang xử lý"


# ---- 3. deadline colours -------------------------------------------------------------------------------------------
def accepted_dossiers_by_remaining_time():
    """Three dossiers accepted at the desk: overdue by about 4 working hours, due in about 4, 3 days left.

    The live server reads the real clock, so the acceptance times are chosen back from ``timezone.now()``
    on the working calendar (office hours, weekends, holidays).
    """
    from django.utils import timezone

    from congso.accounts.models import User
    from congso.catalog.models import Procedure
    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for
    from congso.dossiers.selectors import clock_view
    from congso.geo.models import Agency
    from congso.workcalendar.clock import working_time_between
    from congso.workcalendar.selectors import current_calendar

    clerk = who_for(User.objects.get(username="tiepnhan.hacthanh"))
    procedure = Procedure.objects.current().get(national_code=MARRIAGE_STATUS)
    cal, now = current_calendar(), timezone.now()

    def accepted(name: str, id_number: str, at: dt.datetime):
        d = A.create_dossier(
            procedure=procedure,
            intake_agency=Agency.objects.get(slug=DESK),
            applicant=A.Applicant(name=name, id_number=id_number),
            channel=1,
            source="desk",
            who=clerk,
            now=at,
        )
        return A.accept_dossier(d, clerk, now=at)

    def worked_back(span: dt.timedelta) -> dt.datetime:
        """The latest half hour from which ``span`` of working time has gone by now."""
        at = now
        while working_time_between(cal, at, now) < span:
            at -= dt.timedelta(minutes=30)
        return at

    ok = accepted("Hoàng Văn Sớm", "038090001111", now)
    budget = clock_view(ok, now).budget
    assert budget == dt.timedelta(hours=24)  # 3 working days of 8 hours
    over = accepted("Trần Văn Trễ", "038085002222", worked_back(budget + dt.timedelta(hours=4)))
    near = accepted("Phạm Thị Gần", "038195003333", worked_back(budget - dt.timedelta(hours=4)))
    assert clock_view(over, now).remaining < dt.timedelta(0)
    assert dt.timedelta(0) < clock_view(near, now).remaining <= dt.timedelta(hours=8)
    return over, near, ok


def test_overdue_dossiers_are_coloured_with_a_frozen_clock(demo, desk):

    base, page = demo, desk()
    over, near, ok = accepted_dossiers_by_remaining_time()
    log_in(page, base, "tiepnhan.hacthanh")

    def rows_of(title: str) -> dict:
        open_queue(page, title)
        rows = {}
        for d in (over, near, ok):
            row = page.locator("table.queue tbody tr").filter(has=page.get_by_role("link", name=d.code, exact=True))
            if row.count():
                rows[d.pk] = row
        return rows

    rows = rows_of("Hồ sơ của cơ quan")
    assert set(rows) == {over.pk, near.pk, ok.pk}
    assert rows[over.pk].get_attribute("class") == "tone-over"
    assert rows[near.pk].get_attribute("class") == "tone-near"
    assert rows[ok.pk].get_attribute("class") == "tone-ok"
    clocks = {pk: row.locator("td.clock") for pk, row in rows.items()}
    assert clocks[over.pk].inner_text().startswith("quá ")
    assert clocks[near.pk].inner_text().startswith("còn ") and "ngày" not in clocks[near.pk].inner_text()
    assert clocks[ok.pk].inner_text() == "còn 3 ngày" or clocks[ok.pk].inner_text().startswith("còn 2 ngày")
    colours = {pk: computed(clock, "color") for pk, clock in clocks.items()}
    assert colours[over.pk] == "rgb(176, 0, 32)"  # red
    assert colours[near.pk] == "rgb(138, 83, 0)"  # amber
    assert colours[ok.pk] == "rgb(27, 94, 32)"  # green
    assert computed(clocks[over.pk], "fontWeight") == "700" and computed(clocks[ok.pk], "fontWeight") == "400"
    assert computed(rows[over.pk], "backgroundColor") != computed(rows[ok.pk], "backgroundColor")
    applicant = {d.pk: rows[d.pk].get_by_role("cell", name=d.applicant_name, exact=True) for d in (over, near, ok)}
    assert computed(applicant[over.pk], "color") == computed(applicant[ok.pk], "color")  # only the clock is coloured
    assert computed(applicant[over.pk], "fontWeight") == "400"

    # The workspaces say so too.
    texts = {pk: clock.inner_text() for pk, clock in clocks.items()}
    for d, colour in ((over, "rgb(176, 0, 32)"), (near, "rgb(138, 83, 0)")):
        page.goto(f"{base}/mot-cua/ho-so/{d.pk}/")
        clock = page.locator(".clock-now")
        assert clock.inner_text().split()[0] == texts[d.pk].split()[0]  # quá / còn (the minutes may tick on)
        assert computed(clock, "color") == colour

    rows = rows_of("Sắp đến hạn, quá hạn")
    shot(page, "06-near-due-queue")
    assert over.pk in rows and rows[over.pk].get_attribute("class") == "tone-over"
    assert ok.pk not in rows  # three working days left: not near
    assert computed(rows[over.pk].locator("td.clock"), "color") == "rgb(176, 0, 32)"
    assert near.pk in rows and rows[near.pk].get_attribute("class") == "tone-near"
    assert computed(rows[near.pk].locator("td.clock"), "color") == "rgb(138, 83, 0)"


# ---- 4. two officers, one dossier ---------------------------------------------------------------------------------
def test_an_officer_sees_a_clear_message_when_a_colleague_moved_the_dossier_first(demo, desk):
    from congso.accounts.models import User
    from congso.catalog.models import Procedure
    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for
    from congso.geo.models import Agency

    base = demo
    clerk = who_for(User.objects.get(username="tiepnhan.hacthanh"))
    submitted = [
        A.create_dossier(
            procedure=Procedure.objects.current().get(national_code=MARRIAGE_STATUS),
            intake_agency=Agency.objects.get(slug=DESK),
            applicant=A.Applicant(name=name, id_number=number),
            channel=1,
            source="desk",
            who=clerk,
        )
        for name, number in (("Đinh Thị Gấm", "038190002580"), ("Lê Văn Hòa", "038088004444"))
    ]
    d = submitted[0]
    first, second = desk(), desk()
    for page in (first, second):
        log_in(page, base, "tiepnhan.hacthanh")
    open_queue(first, "Tiếp nhận")
    assert first.locator("table.queue tbody tr").count() == 2
    shot(first, "02-desk-queue")
    for page in (first, second):
        page.goto(f"{base}/mot-cua/ho-so/{d.pk}/")
        assert state_badge(page) == "Chờ tiếp nhận"

    act_and_expect_done(first, "Tiếp nhận hồ sơ (Mẫu 01)")
    assert state_badge(first) == "Đã tiếp nhận"

    with second.expect_response(lambda r: r.request.method == "POST") as answer:
        act(second, "Từ chối (Mẫu 03)", reasons="Không thuộc thẩm quyền")
    assert answer.value.status == 409
    alert = second.get_by_role("alert").inner_text()
    assert "vừa được cán bộ khác cập nhật" in alert and "Tiếp nhận hồ sơ (Mẫu 01) — Nguyễn Thị Mai" in alert
    assert state_badge(second) == "Đã tiếp nhận"  # the page now shows where the dossier is
    assert offer(second, "Từ chối (Mẫu 03)").count() == 0
    d = dossier(d.pk)
    assert d.state == "accepted" and not d.events.filter(action="refuse").exists()
