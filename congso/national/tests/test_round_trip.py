"""Done-when of the integration: a dossier submitted on DVCQG is processed here, and every status and
progress step arrives back at DVCQG in order."""

from __future__ import annotations

import hashlib

import pytest

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, local, user
from congso.national import intake, outbox, protocol
from congso.national.models import InboundDossier, OutboxMessage, SyncState
from congso.national.selectors import synced_counts
from congso.national.simulator import services as sim
from congso.national.simulator.models import SimDossier, SimMessage
from congso.national.tests.conftest import submit_on_dvcqg

pytestmark = pytest.mark.django_db


def process_to_the_end(dossier_id: int, clock) -> dict:
    clerk, officer, leader = Api("tiepnhan.hacthanh"), Api("chuyenvien.hacthanh"), Api("lanhdao.hacthanh")
    clerk.act(dossier_id, "accept")
    clock.advance(minutes=20)
    clerk.act(dossier_id, "transfer")
    leader.act(dossier_id, "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    clock.advance(hours=2)
    assert officer.upload(dossier_id, kind="result", name="Giấy xác nhận tình trạng hôn nhân").status_code == 201
    officer.act(dossier_id, "appraise", {"note": "Đủ điều kiện"})
    leader.act(dossier_id, "approve")
    leader.act(dossier_id, "sign")
    Api("vanthu.hacthanh").act(dossier_id, "issue")
    clock.advance(hours=1)
    return clerk.act(dossier_id, "return_result")


def test_a_dossier_submitted_on_dvcqg_is_processed_here_and_every_step_arrives_back_in_order(dvcqg, clock):
    on_dvcqg = submit_on_dvcqg()
    assert sim.send_webhook(on_dvcqg) == ""  # DVCQG notifies the province (signed webhook)

    inbound = InboundDossier.objects.get(national_code=on_dvcqg.code)
    assert inbound.status == "received" and inbound.via == "webhook"
    intake.process_pending()  # what the background task does right after the webhook
    inbound.refresh_from_db()
    assert inbound.status == "created", inbound.reason
    d = inbound.dossier
    assert (d.channel, d.source, d.state, d.national_status) == (2, "dvcqg", "submitted", 1)
    assert d.applicant_name == "Trần Thị Hoa" and d.applicant_id_number == "038190004321"
    # The file was fetched from DVCQG and stored content-addressed.
    sent = on_dvcqg.files.get()
    stored = d.files.get()
    assert stored.file.sha256 == hashlib.sha256(bytes(sent.data)).hexdigest() and stored.digitised

    # It is on the receiving desk of the commune, like any dossier.
    clerk = Api("tiepnhan.hacthanh")
    desk = clerk.get("/dossiers/", state="submitted").json()
    assert d.pk in [row["id"] for row in desk["items"]]
    assert clerk.actions(d.pk) == ["accept", "request_supplement", "refuse", "withdraw"]

    done = process_to_the_end(d.pk, clock)
    assert done["state"] == "returned"

    stats = outbox.deliver_due()
    assert stats["failed"] == 0 and not OutboxMessage.objects.exclude(status="delivered").exists()

    on_dvcqg.refresh_from_db()
    assert on_dvcqg.province_code == done["code"] and on_dvcqg.status == 10
    received = list(SimMessage.objects.filter(dossier_code=done["code"]).order_by("id"))
    assert [m.seq for m in received] == list(range(1, len(received) + 1))  # in order, none missing
    assert all(m.applied for m in received if m.service == protocol.SYNC_DOSSIER)
    syncs = [m.body for m in received if m.service == protocol.SYNC_DOSSIER]
    assert [s["isUpdating"] for s in syncs] == ["false"] + ["true"] * (len(syncs) - 1)
    statuses = [s["data"][0]["TrangThaiHoSo"] for s in syncs]
    assert [x for i, x in enumerate(statuses) if i == 0 or statuses[i - 1] != x] == [2, 4, 9, 10]
    first = syncs[0]["data"][0]
    assert first["MaHoSoQG"] == on_dvcqg.code and first["KenhThucHien"] == 2 and first["MaTTHC"] == "1.004873"
    assert first["NgayTiepNhan"] == "20261201080000" and first["NgayHenTra"] == "20261204080000"
    assert first["TaiLieuNop"][0]["DuocSoHoa"] == 1
    last = syncs[-1]["data"][0]
    assert last["NgayTra"] and last["DanhSachGiayToKetQua"][0]["TenGiayToKetQua"] == "Giấy xác nhận tình trạng hôn nhân"
    # The issued (agency-signed) result is published at its public verification address.
    assert last["DanhSachGiayToKetQua"][0]["DuongDanTepTinKetQua"].endswith("/tai-ve/")
    progress = [m.body["data"][0] for m in received if m.service == protocol.SYNC_PROGRESS]
    assert [p["NoiDungXuLy"].split(":")[0].split(" — ")[0] for p in progress][:3] == [
        "Hồ sơ được nộp trực tuyến",
        "Tiếp nhận hồ sơ, hẹn trả kết quả (Mẫu 01)",
        "Chuyển hồ sơ",
    ]
    assert progress[-1]["NoiDungXuLy"] == "Trả kết quả cho công dân" and progress[-1]["TrangThai"] == 10
    assert [p["ThoiDiemXuLy"] for p in progress] == sorted(p["ThoiDiemXuLy"] for p in progress)
    # Submitted by the citizen on DVCQG (no officer), accepted by the clerk.
    assert progress[0]["NguoiXuLy"] == "Hệ thống"
    assert progress[1]["NguoiXuLy"] == user("tiepnhan.hacthanh").full_name

    state = SyncState.objects.get(dossier_id=d.pk)
    assert state.acknowledged_status == 10 and state.acknowledged_at is not None
    assert synced_counts(Dossier.objects.filter(pk=d.pk)) == (1, 1)


def test_desk_dossiers_are_reported_from_their_code_on_and_drafts_never(dvcqg, clock):
    from congso.dossiers.tests.helpers import create_at_desk

    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797")
    assert not OutboxMessage.objects.filter(dossier_id=d["id"]).exists()  # no code yet: nothing to report
    clerk.act(d["id"], "accept")
    services = list(OutboxMessage.objects.filter(dossier_id=d["id"]).values_list("service", flat=True))
    assert services == [protocol.SYNC_DOSSIER, protocol.SYNC_PROGRESS, protocol.SYNC_PROGRESS]  # + "received"
    assert synced_counts(Dossier.objects.filter(pk=d["id"])) == (0, 1)  # written is not acknowledged
    outbox.deliver_due()
    assert synced_counts(Dossier.objects.filter(pk=d["id"])) == (1, 1)
    on_dvcqg = SimDossier.objects.get(province_code=Dossier.objects.get(pk=d["id"]).code)
    assert on_dvcqg.status == 2


def test_a_change_rolled_back_leaves_no_message(dvcqg, clock):
    from congso.dossiers.tests.helpers import create_at_desk

    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797")
    clerk.act(d["id"], "accept")
    before = OutboxMessage.objects.count()
    # An action that fails (nothing to return yet) writes nothing, the outbox included.
    clerk.act(d["id"], "return_result", expect=409)
    assert OutboxMessage.objects.count() == before


def test_the_appointment_moved_by_form_04_is_reported(dvcqg, clock):
    from congso.dossiers.tests.helpers import create_at_desk

    clerk, leader = Api("tiepnhan.hacthanh"), Api("lanhdao.hacthanh")
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797")
    clerk.act(d["id"], "accept")
    clerk.act(d["id"], "transfer")
    clock.set(local(2026, 12, 2, 9, 0))
    leader.act(
        d["id"],
        "extend",
        {"reason": "Chờ xác minh thông tin cư trú", "new_appointment_at": "2026-12-09T16:00:00+07:00"},
    )
    record = OutboxMessage.objects.filter(dossier_id=d["id"], service=protocol.SYNC_DOSSIER).last().body["data"][0]
    assert record["DanhSachHoSoBoSung"] == [{"NgayHenTraTruoc": "20261204080000", "NgayHenTraMoi": "20261209160000"}]
    assert record["NgayHenTra"] == "20261209160000"
