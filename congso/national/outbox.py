"""The DVCQG outbox: written with the change it reports, delivered in order per dossier, never dropped.

* :func:`on_dossier_changed` (a receiver of ``dossiers.signals.dossier_changed``) runs inside the action's
  transaction: the outbox rows commit or roll back with the dossier change.
* :func:`deliver_due` is the worker: it claims the head message of each dossier (a lease, so a worker
  killed mid-delivery loses its claim when the lease runs out), calls DVCQG outside any transaction,
  then records the answer only if it still holds the claim. Failures back off exponentially; after
  ``CONGSO_OUTBOX_MAX_ATTEMPTS`` a message is *held* until an administrator retries it. Later messages
  of the same dossier wait behind it, so DVCQG never sees a dossier's history out of order.
* DVCQG de-duplicates by ``MaGoiTin``; acknowledgements only ever move a dossier's acknowledged state
  forward, so a duplicate or late answer changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from congso.catalog.selectors import latest_workflows
from congso.dossiers.actions import spec_of
from congso.dossiers.choices import NATIONAL_STATUS, Source, State
from congso.dossiers.models import Dossier, DossierEvent
from congso.national import messages, protocol
from congso.national.models import DeliveryAttempt, InboundDossier, OutboxMessage, OutboxStatus, SyncState
from congso.national.signals import sync_acknowledged
from congso.national.transport import Refused, TransportError, get_transport

log = logging.getLogger(__name__)

# Events after which DVCQG's copy of the dossier record changes even when the status does not.
RECORD_EVENTS = frozenset({"accept", "extend", "submit_supplement", "attach_result", "confirm_payment", "sign"})
# Stop a delivery run after this many connection failures in a row (DVCQG is down: don't hammer it).
BREAKER_FAILURES = 3


def _status_of(state: str) -> int:
    return int(NATIONAL_STATUS[State(state)])


def _root(d: Dossier) -> tuple[Dossier, Dossier | None]:
    """The dossier DVCQG knows (a liên thông child reports through its origin) and the child, if any."""
    child = None
    while d.parent_id:
        child = child or d
        d = d.parent
    return d, child


def _message(root: Dossier, state: SyncState, service: str, body: dict, event_seq: int | None, now) -> OutboxMessage:
    seq = state.next_seq
    state.next_seq += 1
    message_id = uuid.uuid4().hex
    return OutboxMessage(
        dossier=root,
        seq=seq,
        message_id=message_id,
        service=service,
        body={"MaGoiTin": message_id, "SoThuTu": seq, **body},
        event_seq=event_seq,
        next_attempt_at=now,
        created_at=now,
    )


def on_dossier_changed(sender, dossier: Dossier, events: list[DossierEvent], **kwargs) -> None:
    if not settings.CONGSO_DVCQG_SYNC:
        return
    root, child = _root(dossier)
    now = timezone.now()
    if child is None and root.source != Source.DVCQG and (not root.code or events[0].action == "accept"):
        # Before its code, a dossier that did not come from DVCQG has no sync state: skip the lookup
        # (the create and accept of the desk, the hot path).
        state = None
    else:
        state = SyncState.objects.select_for_update().filter(dossier_id=root.pk).first()
    first = state is None
    backlog: list[DossierEvent] = []
    if first:
        if child is not None or root.state == State.DRAFT:
            return  # nothing DVCQG can know yet
        national_code = ""
        if root.source == Source.DVCQG:
            national_code = (
                InboundDossier.objects.filter(dossier_id=root.pk).values_list("national_code", flat=True).first() or ""
            )
        if not root.code and not national_code:
            return  # no identity yet: reported from acceptance (the code) on
        state = SyncState(dossier=root, national_code=national_code)
        # What happened before the dossier could be reported (received, submitted): sent as progress.
        backlog = list(root.events.filter(seq__lt=events[0].seq).order_by("seq"))
    code = root.code or state.national_code
    moved = child is None and _track_appointment(state, root)
    rows: list[OutboxMessage] = []
    if child is None and (
        first or moved or state.last_status != root.national_status or any(e.action in RECORD_EVENTS for e in events)
    ):
        record = messages.dossier_record(
            root,
            national_code=state.national_code,
            appointment_moves=state.appointment_moves,
            paid_online=_paid_online(root, state),
        )
        body = {"isUpdating": "false" if first else "true", "data": [record]}
        rows.append(_message(root, state, protocol.SYNC_DOSSIER, body, events[-1].seq, now))
        state.last_status = root.national_status
    for event in [*backlog, *events]:
        if event.action in messages.SILENT_EVENTS:
            continue
        status = _status_of(event.to_state) if child is None else root.national_status
        line = messages.progress_record(
            root, event, code=code, status=status, step_name=_step_name(dossier, event.step_key), via=child
        )
        rows.append(_message(root, state, protocol.SYNC_PROGRESS, {"data": [line]}, event.seq, now))
    if rows or first:
        state.save()
        OutboxMessage.objects.bulk_create(rows)


def _track_appointment(state: SyncState, d: Dossier) -> bool:
    """Record a move of the appointment after acceptance (supplement answered, Form 04); True if it moved."""
    if d.appointment_at is None or d.appointment_at == state.appointment_at:
        return False
    previous = state.appointment_at
    state.appointment_at = d.appointment_at
    if previous is None:
        return False
    state.appointment_moves = [
        *state.appointment_moves,
        {"before": previous.isoformat(), "after": d.appointment_at.isoformat()},
    ]
    return True


def _paid_online(root: Dossier, state: SyncState) -> int:
    """DuocThanhToanTrucTuyen: 1 paid on DVCQG (told so with the inbound dossier, or through the national
    Payment Platform), 2 paid through the province's bank gateway, 0 otherwise (domain §6)."""
    from congso.payments.selectors import paid_online_code

    if root.payment_status == "paid":
        code = paid_online_code(root.pk)
        if code:
            return code
    if not state.national_code:
        return 0
    inbound = InboundDossier.objects.filter(dossier_id=root.pk).values_list("record", flat=True).first() or {}
    return 1 if str(inbound.get("DuocThanhToanTrucTuyen", "0")) == "1" else 0


def _step_name(d: Dossier, key: str) -> str:
    """The name of a workflow step, from the cached published workflows (no query on the hot path)."""
    if not key:
        return ""
    field = Dossier._meta.get_field("workflow")
    workflow = field.get_cached_value(d) if field.is_cached(d) else None
    if workflow is None:
        workflow = next((w for w in latest_workflows().values() if w.pk == d.workflow_id), None) or d.workflow
    try:
        return spec_of(workflow).step(key).name
    except (KeyError, ValueError, AttributeError):
        return ""


# ---- delivery ------------------------------------------------------------------------------------
def backoff(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s, … capped at ``CONGSO_OUTBOX_MAX_BACKOFF_SECONDS``."""
    return dt.timedelta(seconds=min(settings.CONGSO_OUTBOX_MAX_BACKOFF_SECONDS, 10 * 2 ** max(attempts - 1, 0)))


def due_heads(now: dt.datetime, limit: int):
    """The first undelivered message of each dossier, when it is due and nobody holds it."""
    earlier = OutboxMessage.objects.filter(dossier_id=OuterRef("dossier_id"), seq__lt=OuterRef("seq")).exclude(
        status=OutboxStatus.DELIVERED
    )
    return (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(~Exists(earlier))
        .order_by("next_attempt_at", "id")[:limit]
    )


def _claim(message: OutboxMessage, now: dt.datetime) -> str | None:
    token = uuid.uuid4().hex
    claimed = (
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(
            lease_until=now + dt.timedelta(seconds=settings.CONGSO_OUTBOX_LEASE_SECONDS),
            lease_token=token,
            attempts=F("attempts") + 1,
        )
    )
    return token if claimed else None


def send(message: OutboxMessage, transport) -> None:
    transport.call(message.service, message.body)


def record_success(message: OutboxMessage, token: str, now: dt.datetime, started: float) -> bool:
    """Mark delivered if this worker still holds the claim; move the dossier's acknowledged state forward."""
    with transaction.atomic():
        mine = (
            OutboxMessage.objects.filter(pk=message.pk, lease_token=token)
            .exclude(status=OutboxStatus.DELIVERED)
            .update(status=OutboxStatus.DELIVERED, delivered_at=now, lease_until=None, last_error="")
        )
        DeliveryAttempt.objects.create(message=message, at=now, duration_ms=_ms(started), ok=True, stale=not mine)
        if message.service == protocol.SYNC_DOSSIER:
            status = message.body["data"][0]["TrangThaiHoSo"]
            first = SyncState.objects.filter(dossier_id=message.dossier_id, acknowledged_at__isnull=True).update(
                acknowledged_at=now
            )
            if first:
                sync_acknowledged.send(sender=SyncState, dossier_id=message.dossier_id, at=now)
            SyncState.objects.filter(dossier_id=message.dossier_id, acknowledged_seq__lt=message.seq).update(
                acknowledged_seq=message.seq, acknowledged_status=status
            )
        else:
            SyncState.objects.filter(dossier_id=message.dossier_id, acknowledged_seq__lt=message.seq).update(
                acknowledged_seq=message.seq
            )
    return bool(mine)


def record_failure(message: OutboxMessage, token: str, now: dt.datetime, started: float, error: str) -> None:
    fresh = OutboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    held = fresh >= settings.CONGSO_OUTBOX_MAX_ATTEMPTS
    with transaction.atomic():
        mine = (
            OutboxMessage.objects.filter(pk=message.pk, lease_token=token)
            .exclude(status=OutboxStatus.DELIVERED)
            .update(
                lease_until=None,
                last_error=error[:2000],
                next_attempt_at=now + backoff(fresh),
                status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
            )
        )
        DeliveryAttempt.objects.create(
            message=message, at=now, duration_ms=_ms(started), ok=False, error=error[:2000], stale=not mine
        )
    if held and mine:
        log.error("DVCQG outbox message %s held after %s attempts: %s", message.message_id, fresh, error)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def deliver_due(*, transport=None, limit: int = 200, time_budget: float = 8.0) -> dict:
    """Deliver what is due, head of each dossier first, until nothing is due or the time budget is spent."""
    own = transport is None
    transport = transport or get_transport()
    try:
        return _deliver(transport, limit, time_budget)
    finally:
        if own:
            transport.close()


def _deliver(transport, limit: int, time_budget: float) -> dict:
    deadline = time.monotonic() + time_budget
    stats = {"delivered": 0, "failed": 0, "stale": 0}
    failures_in_a_row = 0
    while time.monotonic() < deadline:
        now = timezone.now()
        batch = list(due_heads(now, limit))
        if not batch:
            break
        progressed = False
        for message in batch:
            if time.monotonic() >= deadline:
                break
            now = timezone.now()
            token = _claim(message, now)
            if token is None:
                continue  # another worker has it
            started = time.monotonic()
            try:
                send(message, transport)
            except Refused as exc:
                record_failure(message, token, timezone.now(), started, f"DVCQG từ chối: {exc.message}")
                stats["failed"] += 1
                continue
            except TransportError as exc:
                record_failure(message, token, timezone.now(), started, exc.message)
                stats["failed"] += 1
                failures_in_a_row += 1
                if failures_in_a_row >= BREAKER_FAILURES:
                    return stats
                continue
            failures_in_a_row = 0
            if record_success(message, token, timezone.now(), started):
                stats["delivered"] += 1
                progressed = True
            else:
                stats["stale"] += 1
        if not progressed:
            break
    return stats


def retry_now(messages_qs) -> int:
    """An administrator's manual retry: due at once, held messages released (attempt count kept)."""
    return messages_qs.exclude(status=OutboxStatus.DELIVERED).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), lease_until=None
    )
