"""Each source of an indicator keeps the summaries current, in the transaction of its own change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, local, user
from congso.feedback.models import Complaint
from congso.kpi import rebuild
from congso.kpi.models import Cell, DossierFact
from congso.kpi.tests import helpers as H

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)


def test_a_change_that_rolls_back_leaves_the_summaries_as_they_were():
    h = H.hacthanh()
    d = H.receive(h, H.BIRTH, now=local(2026, 11, 2, 8, 0))
    before = H.maintained()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        H.accept(h, d, local(2026, 11, 2, 8, 0))
        assert H.cells_of(NOV)["received"] == 1  # counted inside the action's transaction…
        raise Boom
    assert H.maintained() == before  # …and gone with it
    assert not DossierFact.objects.filter(dossier_id=d.pk).exists()


def test_complaints_on_a_dossier_count_and_uncount_and_others_do_not():
    h = H.hacthanh()
    d = H.receive(h, H.BIRTH, now=local(2026, 11, 2, 8, 0))
    H.accept(h, d, local(2026, 11, 2, 8, 0))
    complaint = H.complain(d, h)
    H.complain(d, h)  # a second complaint about the same dossier: still one dossier complained about
    assert H.cells_of(NOV)["complaints"] == 1
    from congso.feedback import actions as F

    F.submit_complaint(
        kind="proposal",
        name="Lê Thị Cúc",
        email="",
        phone="",
        agency=h.pc,
        subject="Góp ý",
        content="Đề nghị bố trí thêm ghế chờ.",
    )  # not tied to a dossier: not in the indicators
    assert H.cells_of(NOV)["complaints"] == 1
    Complaint.objects.filter(dossier_id=d.pk).exclude(pk=complaint.pk).delete()
    complaint.delete()
    assert H.cells_of(NOV)["complaints"] == 0
    assert rebuild.check().clean


def test_dvcqg_acknowledging_a_dossier_counts_it_as_synced(monkeypatch):
    from congso.national import outbox
    from congso.national import testing as national_testing
    from congso.national.models import SyncState

    national_testing.install(monkeypatch)
    h = H.hacthanh()
    d = H.receive(h, H.BIRTH, now=local(2026, 11, 2, 8, 0))
    H.accept(h, d, local(2026, 11, 2, 8, 0))
    assert H.cells_of(NOV)["synced"] == 0
    stats = outbox.deliver_due()
    assert stats["failed"] == 0 and SyncState.objects.get(dossier_id=d.pk).acknowledged_at is not None
    assert H.cells_of(NOV)["synced"] == 1  # in the acknowledging transaction, no after-commit callback needed
    H.step(h, d, local(2026, 11, 2, 9, 0))  # transfer: more messages, acknowledged again
    outbox.deliver_due()
    assert H.cells_of(NOV)["synced"] == 1
    assert rebuild.check().clean


def test_the_synced_count_rolls_back_with_a_failed_acknowledgement(monkeypatch):
    """The acknowledgement and its KPI refresh are one transaction: if recording it fails, neither stays."""
    from django.db import transaction

    from congso.national import outbox, protocol
    from congso.national.models import OutboxMessage, SyncState

    h = H.hacthanh()
    d = H.receive(h, H.BIRTH, now=local(2026, 11, 2, 8, 0))
    H.accept(h, d, local(2026, 11, 2, 8, 0))
    message = OutboxMessage.objects.filter(dossier_id=d.pk, service=protocol.SYNC_DOSSIER).order_by("seq").first()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        outbox.record_success(message, "no-lease", local(2026, 11, 2, 8, 5), 0.0)
        assert H.cells_of(NOV)["synced"] == 1
        raise Boom
    assert SyncState.objects.get(dossier_id=d.pk).acknowledged_at is None
    assert H.cells_of(NOV)["synced"] == 0
    assert rebuild.check().clean


def test_a_payment_online_counts_even_when_the_dossier_no_longer_waits_for_it():
    h = H.hacthanh()
    d = H.receive(h, H.SIGNATURE, now=local(2026, 11, 2, 8, 0))
    H.accept(h, d, local(2026, 11, 2, 8, 0))
    assert H.cells_of(NOV)["fee_bearing"] == 1 and H.cells_of(NOV)["paid_online"] == 0
    H.pay_online(d, local(2026, 11, 2, 8, 30), method="payplatform")
    c = H.cells_of(NOV)
    assert (c["fee_bearing"], c["paid_online"]) == (1, 1)
    d2 = H.receive(h, H.SIGNATURE, now=local(2026, 11, 2, 9, 0))
    H.accept(h, d2, local(2026, 11, 2, 9, 0))
    H.pay_at_desk(h, d2, local(2026, 11, 2, 9, 30))  # cash at the desk is not "paid online"
    c = H.cells_of(NOV)
    assert (c["fee_bearing"], c["paid_online"]) == (2, 1)
    assert rebuild.check().clean


def test_a_liaison_child_is_never_counted_its_origin_once(clock, monkeypatch):
    """Cross-level land registration: the department's child dossier adds nothing; the commune dossier counts
    once, with the department's result that came back to it."""
    from congso.documents.signing import results as signing

    def fake(data: bytes, *args, **kwargs) -> signing.Signed:
        return signing.Signed(data + b"\n% signed\n", "Người ký thử", "01", "CA thử", "B-T", "test")

    monkeypatch.setattr(signing, "sign_as_person", fake)
    monkeypatch.setattr(signing, "sign_as_agency", fake)
    clerk, leader = Api("tiepnhan.hacthanh"), Api("lanhdao.hacthanh")
    dept_leader = Api("lanhdao.snnmt")
    d = create_at_desk(clerk, "1.012753", "ttpvhcc-xa-14797", id_number="038170002222", name="Lê Văn Bình")
    clerk.act(d["id"], "accept")
    clerk.act(d["id"], "transfer")
    leader.act(d["id"], "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
    d = Api("chuyenvien.hacthanh").act(d["id"], "appraise", {"note": "Đất ổn định"})
    child_id = d["children"][0]
    dept_leader.act(child_id, "assign", {"assignee_id": user("chuyenvien.snnmt").pk})
    assert Api("chuyenvien.snnmt").upload(child_id, kind="result", name="Giấy chứng nhận").status_code == 201
    Api("chuyenvien.snnmt").act(child_id, "appraise")
    dept_leader.act(child_id, "approve")
    dept_leader.act(child_id, "sign")
    Api("vanthu.snnmt").act(child_id, "issue")
    Api("vanthu.snnmt").act(child_id, "complete")
    clerk.act(d["id"], "return_result")

    assert not DossierFact.objects.filter(dossier_id=child_id).exists()
    child = Dossier.objects.get(pk=child_id)
    assert not Cell.objects.filter(agency_id=child.competent_agency_id).exists()
    dec = H.cells_of(dt.date(2026, 12, 1))
    assert (dec["received"], dec["ended"], dec["results"], dec["agency_signed"]) == (1, 1, 1, 1)
    assert rebuild.check().clean
