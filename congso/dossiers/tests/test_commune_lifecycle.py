"""A commune procedure from the desk to the returned result, through HTTP as officers meet it."""

import io

import pytest
from django.core.management import call_command

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, local, user

pytestmark = pytest.mark.django_db

MARRIAGE_STATUS = "1.004873"  # Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days, commune level


@pytest.fixture
def officers():
    return {
        "clerk_binh": Api("tiepnhan.hacthanh"),  # one-stop officer, Hạc Thành commune centre
        "officer_chi": Api("chuyenvien.hacthanh"),  # specialist, commune People's Committee
        "leader_dung": Api("lanhdao.hacthanh"),  # vice-chair
    }


def test_it_receives_accepts_processes_and_returns_on_time_with_a_supplement_round_trip(officers, clock):
    clerk, officer, leader = officers["clerk_binh"], officers["officer_chi"], officers["leader_dung"]
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797")
    assert d["state"] == "submitted" and d["national_status"] == 1 and d["code"] is None
    assert clerk.actions(d["id"]) == ["accept", "request_supplement", "refuse", "withdraw"]
    assert officer.actions(d["id"]) == []  # the specialist sees it (commune PC) but has nothing to do yet

    d = clerk.act(d["id"], "accept")
    receiving = Dossier.objects.get(pk=d["id"]).receiving_agency
    assert receiving.slug == "ubnd-xa-14797"  # the commune People's Committee receives; its identifier starts the code
    assert d["code"] == f"{receiving.identifier}-261201-0001"
    assert d["state"] == "accepted" and d["national_status"] == 2
    # 3 working days from Tue 1 Dec 08:00 → Fri 4 Dec 08:00 (domain §3: 1 day = 8 working hours).
    assert d["appointment_at"].startswith("2026-12-04T08:00:00+07:00")
    assert d["clock"]["text"] == "còn 3 ngày"

    clock.advance(minutes=20)
    d = clerk.act(d["id"], "transfer")
    assert d["state"] == "processing" and d["current_step"] == "assign"
    assert clerk.actions(d["id"]) == ["withdraw"]
    clock.advance(minutes=30)
    d = leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    assert d["current_step"] == "appraise" and d["assignee"] == "Lê Văn Nam"

    # Appraisal finds a paper missing: Form 02, the clock pauses (supplement policy "extend").
    clock.set(local(2026, 12, 1, 10, 0))
    d = officer.act(
        d["id"], "request_supplement", {"items": ["Bản sao trích lục khai tử của vợ"], "reason": "Thiếu giấy tờ"}
    )
    assert d["state"] == "supplement_requested" and d["national_status"] == 5 and d["clock"]["paused"]
    # At most one supplement per dossier (configurable): it is no longer offered.
    assert "request_supplement" not in officer.actions(d["id"])
    # The applicant answers two working days later, at the desk.
    clock.set(local(2026, 12, 3, 10, 0))
    d = clerk.act(d["id"], "submit_supplement", {"note": "Đã nộp bản sao trích lục"})
    assert d["state"] == "processing" and d["supplement_count"] == 1
    # The due time moved by exactly the paused working time (16 h): Fri 4 Dec 08:00 → Tue 8 Dec 08:00.
    assert d["appointment_at"].startswith("2026-12-08T08:00:00+07:00")
    assert d["due_at"].startswith("2026-12-08T08:00:00+07:00")

    # The result must be attached before appraisal can be finished.
    offers = {a["action"]: a for a in officer.get(f"/dossiers/{d['id']}/actions").json()}
    assert offers["appraise"]["blocked"] == "Chưa đính kèm kết quả giải quyết."
    assert officer.act(d["id"], "appraise", expect=409)
    upload = officer.upload(d["id"], kind="result", name="Giấy xác nhận tình trạng hôn nhân")
    assert upload.status_code == 201, upload.content
    clock.set(local(2026, 12, 4, 9, 0))
    officer.act(d["id"], "appraise")
    leader.act(d["id"], "approve")
    d = leader.act(d["id"], "sign")
    assert d["state"] == "processing" and d["current_step"] == "issue"  # signed by the vice-chair
    # Decree 30/2020: the clerk numbers the result, then the agency signs (its seal).
    d = Api("vanthu.hacthanh").act(d["id"], "issue")
    assert d["state"] == "finished" and d["national_status"] == 9
    assert d["outcome"] == "early"  # finished on 4 Dec, appointment 8 Dec
    d = clerk.act(d["id"], "return_result")
    assert d["state"] == "returned" and d["national_status"] == 10 and d["why_late"] == []

    events = clerk.get(f"/dossiers/{d['id']}/events").json()
    assert [e["action"] for e in events] == [
        "receive",
        "accept",
        "transfer",
        "assign",
        "request_supplement",
        "submit_supplement",
        "attach_result",
        "appraise",
        "approve",
        "sign",
        "issue",
        "return_result",
    ]
    out = io.StringIO()
    call_command("verify_history", "--code", d["code"], stdout=out)
    assert out.getvalue().strip() == "Toàn vẹn: 1 hồ sơ, 12 sự kiện."


def test_it_refuses_at_intake_with_form_03_and_the_reasons(officers, clock):
    clerk = officers["clerk_binh"]
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190009999")
    response = clerk.post(f"/dossiers/{d['id']}/actions/refuse", {"reasons": []})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "reasons", "message": "Vui lòng liệt kê lý do từ chối."}]
    assert Dossier.objects.get(pk=d["id"]).state == "submitted"  # nothing changed
    d = clerk.act(d["id"], "refuse", {"reasons": ["Người yêu cầu không cư trú tại địa bàn xã"]})
    assert d["state"] == "refused" and d["national_status"] == 3 and d["code"] is None
    pdf = clerk.client.get(f"/api/v1/dossiers/{d['id']}/forms/03.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_citizen_withdraws_an_accepted_dossier_and_the_clock_stops(officers, clock):
    clerk = officers["clerk_binh"]
    d = create_at_desk(clerk, MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190004444")
    clerk.act(d["id"], "accept")
    clock.advance(hours=3)
    d = clerk.act(d["id"], "withdraw", {"reason": "Công dân có đơn xin rút hồ sơ"})
    assert d["state"] == "withdrawn" and d["national_status"] == 7
    assert d["clock"]["consumed_hours"] == 3.0 and not d["clock"]["running"]
    assert clerk.actions(d["id"]) == []


def test_another_communes_officer_cannot_see_the_dossier(officers, clock):
    d = create_at_desk(officers["clerk_binh"], MARRIAGE_STATUS, "ttpvhcc-xa-14797", id_number="038190005555")
    stranger = Api("tiepnhan.samson")
    assert stranger.get(f"/dossiers/{d['id']}").status_code == 404
    assert stranger.post(f"/dossiers/{d['id']}/actions/accept").status_code == 404
    assert d["id"] not in [x["id"] for x in stranger.get("/dossiers/").json()["items"]]
