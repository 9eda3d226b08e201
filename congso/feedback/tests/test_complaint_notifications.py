"""The sender of a complaint hears of it by e-mail and SMS when the agency takes it up and when it answers: the
message carries the reference and the link to follow it; nothing is sent without a contact or when the answer
fails."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from congso.dossiers.tests.helpers import agency, user
from congso.feedback import actions as complaints
from congso.feedback.models import Complaint
from congso.feedback.signals import complaint_changed
from congso.notify import actions as notify
from congso.notify.channels import LoggingSmsProvider
from congso.notify.models import DeliveryAttempt, MessageTemplate, Notification

pytestmark = pytest.mark.django_db

COMMUNE = "ubnd-xa-14797"  # Ủy ban nhân dân phường Hạc Thành
ANSWER = "Đã bố trí thêm một quầy tiếp nhận từ ngày 01/12."


@pytest.fixture(autouse=True)
def _outboxes(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CONGSO_PUBLIC_URL = "https://dichvucong.thanhhoa.gov.vn"
    LoggingSmsProvider.sent.clear()
    yield
    LoggingSmsProvider.sent.clear()


def file_complaint(**contact) -> Complaint:
    """Citizen Bình sends a complaint from the portal."""
    form = {
        "kind": "feedback",
        "agency": agency(COMMUNE).pk,
        "subject": "Chờ lâu tại quầy",
        "content": "Tôi phải chờ hơn một giờ.",
        "name": "Phạm Văn Bình",
        **contact,
    }
    response = Client().post("/phan-anh/", form)
    assert response.status_code == 201, response.content.decode()
    return Complaint.objects.get()


def leader_dung() -> Client:
    client = Client()
    client.force_login(user("lanhdao.hacthanh"))
    return client


def sent_for(c: Complaint, event: str) -> list[Notification]:
    return list(Notification.objects.filter(complaint=c, event=event).order_by("channel"))


def test_the_answer_reaches_the_sender_by_email_and_sms_with_the_reference_and_the_link():
    c = file_complaint(email="binh@example.vn", phone="0912000222")
    # Filing it: an acknowledgement with the reference, by both channels.
    assert [(n.channel, n.recipient) for n in sent_for(c, "complaint_received")] == [
        ("email", "binh@example.vn"),
        ("sms", "0912000222"),
    ]
    dung = leader_dung()
    dung.post(f"/mot-cua/phan-anh/{c.pk}/take/")
    assert len(sent_for(c, "complaint_processing")) == 2
    response = dung.post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER})
    assert response.status_code == 302
    email, sms = sent_for(c, "complaint_answered")
    # Rendered when the answer was given: the text the agency wrote, as it was then.
    link = f"https://dichvucong.thanhhoa.gov.vn/phan-anh/tra-cuu/?ma={c.reference}"
    assert email.subject == f"Phản ánh, kiến nghị {c.reference} đã có trả lời"
    assert "Kính gửi Phạm Văn Bình" in email.body and ANSWER in email.body and link in email.body
    assert "«Chờ lâu tại quầy»" in email.body and "Ủy ban nhân dân phường Hạc Thành" in email.body
    assert sms.body == f"Phan anh {c.reference} da co tra loi. Xem tai: {link}"

    assert notify.deliver_due() == {"sent": 6, "failed": 0}
    answered = [m for m in mail.outbox if "đã có trả lời" in m.subject]
    assert len(mail.outbox) == 3 and len(answered) == 1
    assert answered[0].to == ["binh@example.vn"] and ANSWER in answered[0].body and link in answered[0].body
    assert (("0912000222", sms.body)) in LoggingSmsProvider.sent and len(LoggingSmsProvider.sent) == 3
    assert DeliveryAttempt.objects.filter(notification__complaint=c, ok=True).count() == 6
    assert notify.deliver_due() == {"sent": 0, "failed": 0}  # each sent once

    # The link in the message opens the follow-up page with the reference filled in.
    path = link.removeprefix("https://dichvucong.thanhhoa.gov.vn")
    page = Client().get(path).content.decode()
    assert f'value="{c.reference}"' in page
    followed = Client().get(path + "&lien-he=binh@example.vn").content.decode()
    assert "Đã trả lời" in followed and ANSWER in followed


def test_a_rejection_is_notified_with_the_reason():
    c = file_complaint(phone="0912000222")
    leader_dung().post(f"/mot-cua/phan-anh/{c.pk}/reject/", {"answer": "Nội dung thuộc thẩm quyền của Công an tỉnh."})
    (sms,) = sent_for(c, "complaint_rejected")
    assert c.reference in sms.body and "khong thuoc pham vi" in sms.body
    assert not Notification.objects.filter(channel="email").exists()  # no e-mail address was given
    notify.deliver_due()
    assert LoggingSmsProvider.sent[-1] == ("0912000222", sms.body)


def test_email_only_gets_email_only():
    c = file_complaint(email="binh@example.vn")
    leader_dung().post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER})
    assert set(Notification.objects.filter(complaint=c).values_list("event", "channel")) == {
        ("complaint_received", "email"),
        ("complaint_answered", "email"),
    }


def test_no_contact_nothing_queued():
    # The portal refuses a complaint without a contact (nothing kept, nothing queued)…
    response = Client().post(
        "/phan-anh/",
        {"kind": "feedback", "agency": agency(COMMUNE).pk, "subject": "Đề nghị", "content": "Nội dung", "name": "An"},
    )
    assert response.status_code == 422 and "thư điện tử hoặc số điện thoại" in response.content.decode()
    assert not Complaint.objects.exists() and not Notification.objects.exists()
    # …and one taken down another way (at the desk, by letter) is answered without any message queued.
    c = complaints.submit_complaint(
        kind="proposal",
        name="Lê Văn An",
        email="",
        phone="",
        agency=agency(COMMUNE),
        subject="Đề nghị mở thêm quầy",
        content="Gửi qua đường bưu chính.",
    )
    response = leader_dung().post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == "answered" and not Notification.objects.exists()


def test_a_failed_answer_queues_nothing():
    c = file_complaint(email="binh@example.vn", phone="0912000222")
    before = Notification.objects.count()
    dung = leader_dung()
    empty = dung.post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": "   "})
    assert empty.status_code == 422 and "Vui lòng nhập nội dung trả lời." in empty.content.decode()
    other = Client()
    other.force_login(user("lanhdao.samson"))  # another commune's leader
    assert other.post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER}).status_code == 404
    assert Notification.objects.count() == before
    c.refresh_from_db()
    assert c.status == "received" and c.answer == ""
    # Answered once: a second answer is refused and sends nothing more.
    dung.post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER})
    assert len(sent_for(c, "complaint_answered")) == 2
    twice = dung.post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": "Lần hai"})
    assert twice.status_code == 409 and "đã được trả lời" in twice.content.decode()
    assert len(sent_for(c, "complaint_answered")) == 2


def test_when_the_answer_is_rolled_back_its_messages_are_too():
    c = file_complaint(email="binh@example.vn", phone="0912000222")
    before = Notification.objects.count()

    def crash(**_kwargs):
        raise RuntimeError("database went away after the notifications were written")

    complaint_changed.connect(crash, dispatch_uid="test-crash")  # runs after notify's receiver
    try:
        with pytest.raises(RuntimeError):
            leader_dung().post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER})
    finally:
        complaint_changed.disconnect(dispatch_uid="test-crash")
    c.refresh_from_db()
    assert c.status == "received" and Notification.objects.count() == before


def test_a_disabled_template_sends_nothing_on_its_channel():
    MessageTemplate.objects.filter(event="complaint_answered", channel="sms").update(active=False)
    notify.forget_templates()
    c = file_complaint(email="binh@example.vn", phone="0912000222")
    leader_dung().post(f"/mot-cua/phan-anh/{c.pk}/answer/", {"answer": ANSWER})
    assert [n.channel for n in sent_for(c, "complaint_answered")] == ["email"]


def test_complaint_templates_take_the_complaint_placeholders_only():
    t = MessageTemplate.objects.get(event="complaint_answered", channel="email")
    t.body = "Kính gửi {ho_ten}, hồ sơ {ma_ho_so}"
    with pytest.raises(ValidationError) as err:
        t.save()
    assert "{ma_ho_so}" in str(err.value) and "{ma_phan_anh}" in str(err.value)  # lists what may be used
    t.refresh_from_db()
    assert "{tra_loi}" in t.body  # nothing was saved
    dossier_template = MessageTemplate.objects.get(event="accept", channel="sms")
    dossier_template.body = "Phan anh {ma_phan_anh}"
    with pytest.raises(ValidationError):
        dossier_template.save()


def test_every_default_complaint_template_is_valid_and_fits_an_sms():
    templates = MessageTemplate.objects.filter(event__startswith="complaint_")
    assert {(t.event, t.channel) for t in templates} == {
        (f"complaint_{status}", channel)
        for status in ("received", "processing", "answered", "rejected")
        for channel in ("email", "sms")
    }
    for t in templates:
        t.full_clean()  # placeholders known, SMS within 480 characters
        assert "{ma_phan_anh}" in t.body and "{tra_cuu}" in t.body
        if t.channel == "sms":
            assert re.fullmatch(r"[ -~]+", t.body)  # plain ASCII: one SMS segment holds 160 characters
