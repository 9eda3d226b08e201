"""On a phone, a citizen follows the QR code of a receipt and reads the dossier's status (Debian's chromium)."""

import datetime as dt
import os

import pytest
from django.core.management import call_command

from congso.core.testing import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def accepted_dossier():
    # live_server tests run in a flushed transactional database: load the reference data for them.
    call_command("load_demo", "--quiet-logins", verbosity=0, stdout=open(os.devnull, "w"))
    from django.utils import timezone

    from congso.accounts.models import User
    from congso.catalog.models import Procedure
    from congso.dossiers import actions as A
    from congso.dossiers.access import who_for
    from congso.geo.models import Agency

    clerk = who_for(User.objects.get(username="tiepnhan.hacthanh"))
    now = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 0))
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


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        yield context.new_page()
        browser.close()


def test_a_citizen_mistypes_the_digits_then_sees_the_status(live_server, accepted_dossier, page):
    page.goto(f"{live_server.url}/tra-cuu/?code={accepted_dossier.code}")  # what the QR code carries
    assert page.locator("#code").input_value() == accepted_dossier.code
    page.fill("#id_last4", "2581")
    page.click("button[type=submit]")
    assert "Không tìm thấy hồ sơ" in page.locator("[role=alert]").inner_text()
    assert page.locator("#code").input_value() == accepted_dossier.code  # nothing typed is lost
    page.fill("#id_last4", "2580")
    page.click("button[type=submit]")
    assert page.locator(".state").inner_text() == "Đã tiếp nhận"
    assert "Đinh Thị Gấm" not in page.content()
