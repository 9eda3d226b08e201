"""Count once: a liên thông child is never synced as a dossier of its own; its steps are reported on its origin."""

from __future__ import annotations

import pytest

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, user
from congso.national import outbox, protocol
from congso.national.models import OutboxMessage, SyncState
from congso.national.selectors import synced_counts
from congso.national.simulator.models import SimDossier, SimMessage

pytestmark = pytest.mark.django_db

LAND = "1.012753"  # first land registration: cross-level liên thông with the Department of Agriculture and Environment


def test_a_liaison_child_is_reported_through_its_origin_only(dvcqg, clock):
    clerk, commune_officer, commune_leader = (
        Api("tiepnhan.hacthanh"),
        Api("chuyenvien.hacthanh"),
        Api("lanhdao.hacthanh"),
    )
    dept_officer, dept_leader = Api("chuyenvien.snnmt"), Api("lanhdao.snnmt")
    d = create_at_desk(clerk, LAND, "ttpvhcc-xa-14797", id_number="038170002222", name="Lê Văn Bình")
    clerk.act(d["id"], "accept")
    clerk.act(d["id"], "transfer")
    commune_leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    clock.advance(days=1)
    d = commune_officer.act(d["id"], "appraise")
    child_id = d["children"][0]
    dept_leader.act(child_id, "assign", {"assignee_id": user("chuyenvien.snnmt").pk})
    assert dept_officer.upload(child_id, kind="result", name="Giấy chứng nhận quyền sử dụng đất").status_code == 201
    dept_officer.act(child_id, "appraise")
    dept_leader.act(child_id, "approve")
    dept_leader.act(child_id, "sign")
    Api("vanthu.snnmt").act(child_id, "issue")
    Api("vanthu.snnmt").act(child_id, "complete")
    clerk.act(d["id"], "return_result")
    outbox.deliver_due()

    child = Dossier.objects.get(pk=child_id)
    assert not SyncState.objects.filter(dossier=child).exists()
    assert not OutboxMessage.objects.filter(dossier=child).exists()
    assert not SimDossier.objects.filter(province_code=child.code).exists()
    assert SimDossier.objects.filter(province_code=d["code"]).count() == 1
    lines = [
        m.body["data"][0]
        for m in SimMessage.objects.filter(dossier_code=d["code"], service=protocol.SYNC_PROGRESS).order_by("id")
    ]
    liaison = [p for p in lines if p["NoiDungXuLy"].startswith("[Liên thông — Sở Nông nghiệp và Môi trường")]
    assert len(liaison) >= 4 and all(p["MaHoSo"] == d["code"] for p in liaison)
    # The synced rate counts the origin once; the child is not a received dossier of its own.
    assert synced_counts(Dossier.objects.filter(pk__in=[d["id"], child_id])) == (1, 1)
    assert SimDossier.objects.get(province_code=d["code"]).status == 10
