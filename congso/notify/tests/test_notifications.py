"""Every status change reaches the applicant by e-mail and SMS, with a delivery log; templates are checked."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from congso.dossiers.tests.helpers import Api, agency, create_at_desk, procedure, user
from congso.notify import actions
from congso.notify.channels import LoggingSmsProvider
from congso.notify.models import DeliveryAttempt, MessageTemplate, Notification

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"
DESK = "ttpvhcc-xa-14797"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LoggingSmsProvider.sent.clear()
    actions.forget_templates()
    yield
    actions.forget_templates()


def accepted_with_email():
    clerk = Api("tiepnhan.hacthanh")
    body = {
        "procedure_id": procedure(MARRIAGE_STATUS).pk,
        "intake_agency_id": agency(DESK).pk,
        "channel": 1,
        "applicant": {
            "name": "Trần Thị Hoa",
            "id_number": "038190004321",
            "phone": "0912000111",
            "email": "hoa@example.vn",
        },
    }
    d = clerk.post("/dossiers/", body).json()
    return clerk, clerk.act(d["id"], "accept")


def test_acceptance_is_notified_by_email_and_sms_with_the_code_and_the_appointment():
    _clerk, d = accepted_with_email()
    assert set(Notification.objects.values_list("event", "channel")) == {("accept", "email"), ("accept", "sms")}
    assert actions.deliver_due() == {"sent": 2, "failed": 0}
    (email,) = mail.outbox
    assert email.to == ["hoa@example.vn"] and d["code"] in email.subject
    assert "Hẹn trả kết quả:" in email.body and "/tra-cuu/?" in email.body and "Trần Thị Hoa" in email.body
    ((phone, text),) = LoggingSmsProvider.sent
    assert phone == "0912000111" and d["code"] in text
    assert DeliveryAttempt.objects.filter(ok=True).count() == 2
    assert actions.deliver_due() == {"sent": 0, "failed": 0}  # sent once


def test_a_supplement_request_lists_the_missing_papers():
    clerk, d = accepted_with_email()
    clerk.act(d["id"], "transfer")
    Api("lanhdao.hacthanh").act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    Api("chuyenvien.hacthanh").act(
        d["id"], "request_supplement", {"items": ["Bản sao trích lục khai tử"], "reason": "Thiếu giấy tờ"}
    )
    actions.deliver_due()
    supplement = [m for m in mail.outbox if "bổ sung" in m.subject]
    assert supplement and "Bản sao trích lục khai tử" in supplement[0].body and "Thiếu giấy tờ" in supplement[0].body


def test_a_failing_channel_is_retried_with_backoff_and_logged(settings):
    settings.CONGSO_SMS_PROVIDER = "congso.notify.tests.test_notifications.BrokenSms"
    accepted_with_email()
    assert actions.deliver_due() == {"sent": 1, "failed": 1}
    sms = Notification.objects.get(channel="sms")
    assert sms.status == "pending" and sms.attempts == 1 and "gateway down" in sms.last_error
    assert sms.next_attempt_at > sms.created_at
    attempt = DeliveryAttempt.objects.get(notification=sms)
    assert not attempt.ok and "gateway down" in attempt.detail
    settings.CONGSO_SMS_PROVIDER = "congso.notify.channels.LoggingSmsProvider"
    assert actions.deliver_due(now=sms.next_attempt_at) == {"sent": 1, "failed": 0}


def test_no_contact_no_notification():
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, DESK)  # a phone, no e-mail
    clerk.act(d["id"], "accept")
    assert list(Notification.objects.values_list("channel", flat=True)) == ["sms"]


def test_a_template_with_an_unknown_placeholder_is_refused_in_vietnamese():
    t = MessageTemplate.objects.get(event="accept", channel="email")
    t.body = "Xin chào {ho_ten}, mã {ma_hoso}"
    with pytest.raises(ValidationError) as err:
        t.save()
    assert "{ma_hoso}" in str(err.value) and "Trường thay thế không có" in str(err.value)
    t.body = "Mẫu lỗi {ho_ten"
    with pytest.raises(ValidationError):
        t.save()
    t.refresh_from_db()
    assert "{ma_ho_so}" in t.subject  # nothing was saved


def test_the_admin_shows_the_error_and_keeps_the_text():
    admin = Client()
    user("quantri").__class__.objects.filter(username="quantri").update(is_staff=True, is_superuser=True)
    admin.force_login(user("quantri"))
    t = MessageTemplate.objects.get(event="accept", channel="sms")
    r = admin.post(
        f"/admin/notify/messagetemplate/{t.pk}/change/",
        {"event": "accept", "channel": "sms", "subject": "", "body": "Ho so {khong_co}", "active": "on"},
    )
    assert (
        r.status_code == 200 and "Trường thay thế không có" in r.content.decode() and "{khong_co}" in r.content.decode()
    )


class BrokenSms:
    def send(self, phone, text):
        raise RuntimeError("gateway down")
