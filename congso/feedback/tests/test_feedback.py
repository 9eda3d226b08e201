"""Ratings after the result is returned, and complaints with their lifecycle, through HTTP."""

import pytest
from django.test import Client

from congso.dossiers import actions as A
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, agency, create_at_desk, user
from congso.feedback.models import Complaint, Rating

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"
DESK = "ttpvhcc-xa-14797"


def returned_dossier():
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, MARRIAGE_STATUS, DESK, id_number="038190004321")
    d = Dossier.objects.get(pk=d["id"])
    # Skip the workflow: the state is what matters to the rating rule.
    Dossier.objects.filter(pk=d.pk).update(state="returned", code="000.00.00.H56-261201-0099")
    return Dossier.objects.get(pk=d.pk)


def test_a_citizen_rates_a_returned_dossier_once_from_the_lookup():
    d = returned_dossier()
    c = Client()
    page = c.get("/tra-cuu/", {"code": d.code, "id_last4": "4321"}).content.decode()
    assert "Ông/Bà hài lòng thế nào" in page
    r = c.post(
        "/tra-cuu/danh-gia/",
        {"code": d.code, "id_last4": "4321", "score": "4", "comment": "Nhanh, chu đáo"},
        follow=True,
    )
    assert "Cảm ơn Ông/Bà đã đánh giá" in r.content.decode() and "Ông/Bà hài lòng thế nào" not in r.content.decode()
    rating = Rating.objects.get(dossier=d)
    assert rating.score == 4 and rating.comment == "Nhanh, chu đáo"
    again = c.post("/tra-cuu/danh-gia/", {"code": d.code, "id_last4": "4321", "score": "1"}, follow=True)
    assert "đã được đánh giá" in again.content.decode() and Rating.objects.get().score == 4


def test_bad_ratings_are_refused():
    d = returned_dossier()
    c = Client()
    r = c.post("/tra-cuu/danh-gia/", {"code": d.code, "id_last4": "4321", "score": "9"}, follow=True)
    assert "từ 1 đến 5" in r.content.decode()
    r = c.post("/tra-cuu/danh-gia/", {"code": d.code, "id_last4": "0000", "score": "5"}, follow=True)
    assert "Không tìm thấy hồ sơ" in r.content.decode()
    assert not Rating.objects.exists()
    Dossier.objects.filter(pk=d.pk).update(state="processing")
    with pytest.raises(A.ActionError):
        from congso.feedback.actions import rate

        rate(Dossier.objects.get(pk=d.pk), score=5)


def test_a_complaint_is_sent_answered_by_the_agency_and_followed_by_the_citizen():
    c = Client()
    pc = agency("ubnd-xa-14797")
    form = {
        "kind": "feedback",
        "agency": pc.pk,
        "subject": "Chờ lâu tại quầy",
        "content": "Tôi phải chờ hơn một giờ.",
        "name": "Phạm Văn Bình",
        "phone": "0912000222",
    }
    r = c.post("/phan-anh/", form)
    assert r.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.reference in r.content.decode() and complaint.status == "received"
    # Another commune's officer does not see it; the commune's leader answers it.
    other = Client()
    other.force_login(user("lanhdao.samson"))
    assert other.get(f"/mot-cua/phan-anh/{complaint.pk}/").status_code == 404
    leader = Client()
    leader.force_login(user("lanhdao.hacthanh"))
    assert complaint.reference in leader.get("/mot-cua/phan-anh/").content.decode()
    leader.post(f"/mot-cua/phan-anh/{complaint.pk}/take/")
    empty = leader.post(f"/mot-cua/phan-anh/{complaint.pk}/answer/", {"answer": ""})
    assert empty.status_code == 422 and "nội dung trả lời" in empty.content.decode()
    leader.post(f"/mot-cua/phan-anh/{complaint.pk}/answer/", {"answer": "Đã bố trí thêm một quầy."})
    complaint.refresh_from_db()
    assert complaint.status == "answered" and complaint.answered_by.username == "lanhdao.hacthanh"
    page = c.get("/phan-anh/tra-cuu/", {"ma": complaint.reference, "lien-he": "0912000222"}).content.decode()
    assert "Đã trả lời" in page and "Đã bố trí thêm một quầy." in page
    wrong = c.get("/phan-anh/tra-cuu/", {"ma": complaint.reference, "lien-he": "0999999999"})
    assert wrong.status_code == 404
    twice = leader.post(f"/mot-cua/phan-anh/{complaint.pk}/answer/", {"answer": "Lần hai"})
    assert twice.status_code == 409


def test_a_complaint_without_contact_or_with_an_unknown_dossier_is_explained_and_kept():
    r = Client().post(
        "/phan-anh/",
        {
            "kind": "proposal",
            "agency": agency("ubnd-xa-14797").pk,
            "subject": "Đề nghị",
            "content": "Nội dung",
            "name": "An",
            "dossier_code": "KHONG-CO",
        },
    )
    text = r.content.decode()
    assert r.status_code == 422 and "thư điện tử hoặc số điện thoại" in text and "Không có hồ sơ với mã này" in text
    assert 'value="Đề nghị"' in text and not Complaint.objects.exists()
