"""The outbox under failure: DVCQG down, duplicates, late and out-of-order answers, a worker killed."""

from __future__ import annotations

import datetime as dt

import pytest

from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import Api, create_at_desk, user
from congso.national import outbox, protocol
from congso.national.models import DeliveryAttempt, OutboxMessage, OutboxStatus, SyncState
from congso.national.selectors import synced_counts
from congso.national.simulator import services as sim
from congso.national.simulator.models import SimDossier, SimMessage
from congso.national.transport import DvcqgTransport, TransportError

pytestmark = pytest.mark.django_db


def desk_dossier(clerk: Api, n: int) -> int:
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797", id_number=f"0381900{n:05d}", name=f"Người Nộp {n}")
    clerk.act(d["id"], "accept")
    return d["id"]


def drain(clock, rounds: int = 20) -> None:
    for _ in range(rounds):
        outbox.deliver_due()
        if not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists():
            return
        clock.advance(hours=1)
    raise AssertionError("the outbox did not drain")


def assert_in_order_and_complete(dossier_id: int) -> None:
    code = Dossier.objects.get(pk=dossier_id).code
    written = list(
        OutboxMessage.objects.filter(dossier_id=dossier_id).order_by("seq").values_list("message_id", flat=True)
    )
    received = list(SimMessage.objects.filter(dossier_code=code).order_by("id").values_list("message_id", flat=True))
    assert received == written  # every message, once each, in the order it was written


def test_dvcqg_down_for_an_hour_the_outbox_grows_then_drains_in_order(dvcqg, clock):
    clerk, leader = Api("tiepnhan.hacthanh"), Api("lanhdao.hacthanh")
    dvcqg.down = True
    ids = [desk_dossier(clerk, n) for n in range(3)]
    outbox.deliver_due()
    waiting_at_first = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    for minute in range(0, 60, 10):  # an hour of work while DVCQG is unreachable
        clock.advance(minutes=10)
        d = ids[minute // 10 % 3]
        if Dossier.objects.get(pk=d).state == "accepted":
            clerk.act(d, "transfer")
        else:
            leader.act(d, "assign", {"assignee_id": user("chuyenvien.hacthanh").pk})
        outbox.deliver_due()
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    assert waiting > waiting_at_first and not SimMessage.objects.exists()
    # Every attempt is visible, with its error, and retries back off: 10 s, 20 s, 40 s, ...
    head = OutboxMessage.objects.filter(dossier_id=ids[0]).order_by("seq").first()
    assert head.attempts >= 3 and "Không kết nối được Cổng DVCQG" in head.last_error
    assert DeliveryAttempt.objects.filter(message=head, ok=False).count() == head.attempts
    assert outbox.backoff(1) == dt.timedelta(seconds=10) and outbox.backoff(4) == dt.timedelta(seconds=80)
    assert outbox.backoff(30) == dt.timedelta(hours=1)
    # The messages behind a failing head never overtake it.
    assert (
        not OutboxMessage.objects.filter(attempts__gt=0)
        .exclude(pk__in=[OutboxMessage.objects.filter(dossier_id=i).order_by("seq").first().pk for i in ids])
        .exists()
    )
    assert synced_counts(Dossier.objects.filter(pk__in=ids)) == (0, 3)

    dvcqg.down = False
    drain(clock)
    for d in ids:
        assert_in_order_and_complete(d)
    assert synced_counts(Dossier.objects.filter(pk__in=ids)) == (3, 3)


def test_a_refusing_or_failing_dvcqg_is_retried_and_shown(dvcqg, clock):
    clerk = Api("tiepnhan.hacthanh")
    d = desk_dossier(clerk, 1)
    sim.set_refuse("99")
    outbox.deliver_due()
    head = OutboxMessage.objects.filter(dossier_id=d).order_by("seq").first()
    assert head.status == "pending" and head.last_error.startswith("DVCQG từ chối: [99]")
    sim.set_refuse("")
    sim.set_down(True)  # HTTP 503
    clock.advance(minutes=5)
    outbox.deliver_due()
    head.refresh_from_db()
    assert "HTTP 503" in head.last_error and head.attempts == 2
    sim.set_down(False)
    drain(clock)
    assert_in_order_and_complete(d)


def test_after_too_many_failures_a_message_is_held_for_the_administrator_then_retried(dvcqg, clock, settings):
    settings.CONGSO_OUTBOX_MAX_ATTEMPTS = 2
    clerk = Api("tiepnhan.hacthanh")
    d = desk_dossier(clerk, 2)
    dvcqg.down = True
    outbox.deliver_due()
    clock.advance(minutes=1)
    outbox.deliver_due()
    head = OutboxMessage.objects.filter(dossier_id=d).order_by("seq").first()
    assert head.status == OutboxStatus.HELD and head.attempts == 2
    dvcqg.down = False
    clock.advance(days=1)
    outbox.deliver_due()
    assert not SimMessage.objects.exists()  # held: waits for a person, and so do the messages behind it
    assert outbox.retry_now(OutboxMessage.objects.filter(pk=head.pk)) == 1
    drain(clock)
    assert_in_order_and_complete(d)


class LoseAnswers(DvcqgTransport):
    """DVCQG receives the message but its answer is lost (timeout after the fact)."""

    def __init__(self, lose: int):
        super().__init__()
        self.lose = lose

    def call(self, service, body):
        answer = super().call(service, body)
        if self.lose:
            self.lose -= 1
            raise TransportError("Hết thời gian chờ Cổng DVCQG trả lời (ReadTimeout).")
        return answer


def test_a_duplicate_delivery_is_harmless(dvcqg, clock):
    clerk = Api("tiepnhan.hacthanh")
    d = desk_dossier(clerk, 3)
    outbox.deliver_due(transport=LoseAnswers(lose=1))  # the first message arrives, its answer does not
    first = OutboxMessage.objects.filter(dossier_id=d).order_by("seq").first()
    assert first.status == "pending" and SimMessage.objects.filter(message_id=first.message_id).exists()
    clock.advance(minutes=1)
    drain(clock)
    received = SimMessage.objects.get(message_id=first.message_id)
    assert received.duplicates == 1 and received.applied  # counted once by DVCQG
    assert_in_order_and_complete(d)
    on_dvcqg = SimDossier.objects.get(province_code=Dossier.objects.get(pk=d).code)
    assert on_dvcqg.status == 2


def test_a_late_acknowledgement_never_moves_the_state_back(dvcqg, clock):
    clerk = Api("tiepnhan.hacthanh")
    d = desk_dossier(clerk, 4)
    clerk.act(d, "transfer")
    first = OutboxMessage.objects.filter(dossier_id=d).order_by("seq").first()
    # Worker A claims the first message and stalls; its claim runs out.
    token_a = outbox._claim(first, clock())
    assert token_a
    clock.advance(seconds=61)
    # Worker B delivers everything, in order.
    drain(clock)
    state = SyncState.objects.get(dossier_id=d)
    newest = (state.acknowledged_seq, state.acknowledged_status)
    assert newest[1] == 4
    # A's answer for the first message finally comes back: recorded as a stale attempt, nothing moves.
    assert outbox.record_success(first, token_a, clock(), 0.0) is False
    state.refresh_from_db()
    assert (state.acknowledged_seq, state.acknowledged_status) == newest
    assert DeliveryAttempt.objects.filter(message=first, stale=True).count() == 1


def test_dvcqg_ignores_a_message_older_than_what_it_applied(dvcqg, clock):
    clerk = Api("tiepnhan.hacthanh")
    d = desk_dossier(clerk, 5)
    clerk.act(d, "transfer")
    syncs = list(OutboxMessage.objects.filter(dossier_id=d, service=protocol.SYNC_DOSSIER).order_by("seq"))
    assert [m.body["data"][0]["TrangThaiHoSo"] for m in syncs] == [2, 4]
    transport = DvcqgTransport()
    transport.call(syncs[1].service, syncs[1].body)  # the newer one arrives first (e.g. another route)
    transport.call(syncs[0].service, syncs[0].body)
    on_dvcqg = SimDossier.objects.get(province_code=Dossier.objects.get(pk=d).code)
    assert on_dvcqg.status == 4
    assert not SimMessage.objects.get(message_id=syncs[0].message_id).applied


class Killed(BaseException):
    """The worker process dies (SIGKILL): nothing after this line of the worker runs."""


class DieAfterSending(DvcqgTransport):
    def call(self, service, body):
        super().call(service, body)
        raise Killed


class DieBeforeSending(DvcqgTransport):
    def call(self, service, body):
        raise Killed


@pytest.mark.parametrize("transport", [DieAfterSending, DieBeforeSending])
def test_a_worker_killed_in_the_middle_of_a_delivery_loses_nothing(dvcqg, clock, transport):
    clerk = Api("tiepnhan.hacthanh")
    d = desk_dossier(clerk, 6)
    with pytest.raises(Killed):
        outbox.deliver_due(transport=transport())
    first = OutboxMessage.objects.filter(dossier_id=d).order_by("seq").first()
    assert first.status == "pending" and first.lease_until is not None
    outbox.deliver_due()  # another worker, at once: the claim still holds, it waits
    assert OutboxMessage.objects.filter(dossier_id=d, status="delivered").count() == 0
    clock.advance(seconds=61)  # the dead worker's claim runs out
    drain(clock)
    assert_in_order_and_complete(d)
    expected_duplicates = 1 if transport is DieAfterSending else 0
    assert SimMessage.objects.get(message_id=first.message_id).duplicates == expected_duplicates
