"""Queue notifications with the dossier change (same transaction), deliver them with retries."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from congso.notify import channels, placeholders
from congso.notify.models import Channel, DeliveryAttempt, MessageTemplate, Notification, Status

MAX_ATTEMPTS = 10
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=2)


def values_for(d, event) -> dict:
    from congso.dossiers.choices import State
    from congso.dossiers.printing import lookup_url
    from congso.payments.money import format_vnd

    data = event.data or {}
    appointment = timezone.localtime(d.appointment_at).strftime("%H:%M ngày %d/%m/%Y") if d.appointment_at else ""
    return {
        "ho_ten": d.applicant_name,
        "ma_ho_so": d.code,
        "thu_tuc": d.procedure.name,
        "tinh_trang": str(State(d.state).label),
        "hen_tra": appointment,
        "co_quan": d.receiving_agency.name if d.receiving_agency_id else "",
        "tra_cuu": lookup_url(d) if d.code else "",
        "giay_to": "; ".join(data.get("items") or []),
        "ly_do": data.get("reason") or "; ".join(data.get("reasons") or []),
        "so_tien": format_vnd(d.amount_due) if d.amount_due else "",
        "thanh_toan": _pay_link(d),
        "noi_dung": data.get("text", "") if event.action == "message" else "",
        "xem_ho_so": f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/ho-so-cua-toi/{d.pk}/",
    }


def _pay_link(d) -> str:
    from congso.payments.models import Obligation

    ob = Obligation.objects.filter(dossier=d, status="open").first()
    return f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/thanh-toan/{ob.pay_token}/" if ob else ""


def queue_for(d, events, *, templates: dict | None = None) -> int:
    """Write the notifications of these dossier events (called inside the action's transaction)."""
    if d.parent_id is not None:  # liên thông children: the applicant hears about the origin dossier
        return 0
    recipients = {Channel.EMAIL: (d.applicant_email or "").strip(), Channel.SMS: (d.applicant_phone or "").strip()}
    if not any(recipients.values()):
        return 0
    templates = templates if templates is not None else active_templates()
    rows = []
    for event in events:
        # "finished" (national status 9: the result is ready) is a state, reached by whichever step ends the
        # workflow; the other templates are keyed by the action.
        key = "finished" if event.to_state == "finished" and event.from_state != "finished" else event.action
        for channel, recipient in recipients.items():
            if recipient and (key, channel) in templates:
                # Rendered when sent (outside the dossier's transaction): one INSERT here, whatever the text.
                rows.append(
                    Notification(
                        dossier=d,
                        event_seq=event.seq,
                        event=key,
                        channel=channel,
                        recipient=recipient,
                        body="",
                        next_attempt_at=event.at,
                        created_at=event.at,
                    )
                )
    if rows:
        Notification.objects.bulk_create(rows)
    return len(rows)


# ---- complaints (phản ánh, kiến nghị) ----------------------------------------------------------------------------


def complaint_values(c) -> dict:
    """What a complaint's templates fill in (placeholders.COMPLAINT_PLACEHOLDERS)."""
    from urllib.parse import urlencode

    from congso.feedback.models import ComplaintStatus

    return {
        "ho_ten": c.name,
        "ma_phan_anh": c.reference,
        "tieu_de": c.subject,
        "co_quan": c.agency.name,
        "tinh_trang": str(ComplaintStatus(c.status).label),
        "tra_loi": c.answer,
        "tra_cuu": f"{settings.CONGSO_PUBLIC_URL.rstrip('/')}/phan-anh/tra-cuu/?{urlencode({'ma': c.reference})}",
    }


def complaint_event(status: str) -> str:
    """The template event of a complaint reaching ``status``: "complaint_answered"…"""
    return placeholders.COMPLAINT_EVENT_PREFIX + status


def queue_for_complaint(c, status: str, *, templates: dict | None = None) -> int:
    """Write the notifications of a complaint's new status to the contact it was sent with (inside the action's
    transaction), rendered now: the message is what the agency said at that moment."""
    recipients = {Channel.EMAIL: (c.email or "").strip(), Channel.SMS: (c.phone or "").strip()}
    if not any(recipients.values()):
        return 0
    templates = templates if templates is not None else active_templates()
    event = complaint_event(status)
    at = timezone.now()
    values = None
    rows = []
    for channel, recipient in recipients.items():
        template = templates.get((event, channel))
        if not recipient or template is None:
            continue
        values = values or complaint_values(c)
        rows.append(
            Notification(
                complaint=c,
                event=event,
                channel=channel,
                recipient=recipient,
                subject=placeholders.render(template.subject, values, placeholders.COMPLAINT_PLACEHOLDERS)[:300],
                body=placeholders.render(template.body, values, placeholders.COMPLAINT_PLACEHOLDERS),
                next_attempt_at=at,
                created_at=at,
            )
        )
    if rows:
        Notification.objects.bulk_create(rows)
    return len(rows)


def _render_complaint(n: Notification, template) -> None:
    from congso.feedback.models import Complaint

    values = complaint_values(Complaint.objects.select_related("agency").get(pk=n.complaint_id))
    n.subject = placeholders.render(template.subject, values, placeholders.COMPLAINT_PLACEHOLDERS)[:300]
    n.body = placeholders.render(template.body, values, placeholders.COMPLAINT_PLACEHOLDERS)


def _render(n: Notification) -> None:
    """Fill subject and body from the template and the dossier as of the event (once; then kept as sent)."""
    from congso.dossiers.models import Dossier, DossierEvent

    template = active_templates().get((n.event, n.channel))
    if n.complaint_id is not None:  # normally rendered when queued; here only if that gave an empty text
        if template is None:
            raise channels.DeliveryError("mẫu thông báo đã tắt")
        _render_complaint(n, template)
        Notification.objects.filter(pk=n.pk).update(subject=n.subject, body=n.body)
        return
    d = Dossier.objects.select_related("procedure", "receiving_agency").get(pk=n.dossier_id)
    event = DossierEvent.objects.get(dossier_id=n.dossier_id, seq=n.event_seq)
    values = values_for(d, event)
    if template is None:  # disabled since: nothing to send
        raise channels.DeliveryError("mẫu thông báo đã tắt")
    n.subject = placeholders.render(template.subject, values)[:300]
    n.body = placeholders.render(template.body, values)
    Notification.objects.filter(pk=n.pk).update(subject=n.subject, body=n.body)


_templates: dict | None = None


def active_templates() -> dict:
    global _templates
    if _templates is None:
        _templates = {(t.event, t.channel): t for t in MessageTemplate.objects.filter(active=True)}
    return _templates


def forget_templates(**_kwargs) -> None:
    global _templates
    _templates = None


def deliver_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict:
    """Send what is due; a failure is logged and retried with backoff; held after MAX_ATTEMPTS."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0}
    due = list(
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")[:limit]
    )
    for n in due:
        # Claim it: another worker that picked the same row sees the attempt count move and skips it.
        if not Notification.objects.filter(pk=n.pk, status=Status.PENDING, attempts=n.attempts).update(
            attempts=F("attempts") + 1, next_attempt_at=now + dt.timedelta(minutes=5)
        ):
            continue
        started = time.monotonic()
        try:
            if not n.body:
                _render(n)
            if n.channel == Channel.EMAIL:
                detail = channels.send_email(n.recipient, n.subject, n.body)
            else:
                detail = channels.send_sms(n.recipient, n.body)
            ok = True
        except channels.DeliveryError as exc:
            detail, ok = str(exc), False
        took = int((time.monotonic() - started) * 1000)
        with transaction.atomic():
            DeliveryAttempt.objects.create(notification=n, at=now, ok=ok, detail=detail[:500], duration_ms=took)
            if ok:
                Notification.objects.filter(pk=n.pk).update(status=Status.SENT, sent_at=now, last_error="")
                counts["sent"] += 1
            else:
                attempts = n.attempts + 1
                wait = min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MAX)
                Notification.objects.filter(pk=n.pk).update(
                    status=Status.HELD if attempts >= MAX_ATTEMPTS else Status.PENDING,
                    next_attempt_at=now + wait,
                    last_error=detail[:500],
                )
                counts["failed"] += 1
    return counts


def retry(notification: Notification, *, now: dt.datetime | None = None) -> None:
    """An administrator sends a held notification again."""
    Notification.objects.filter(pk=notification.pk).exclude(status=Status.SENT).update(
        status=Status.PENDING, next_attempt_at=now or timezone.now()
    )
