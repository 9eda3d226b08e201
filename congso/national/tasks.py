"""Background work of the DVCQG integration (django-tasks), queued by ``manage.py run_periodic``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from congso.national import intake, outbox
from congso.national.models import WebhookRejection
from congso.national.transport import get_transport

REJECTIONS_KEEP = dt.timedelta(days=90)


@task()
def deliver_outbox_task() -> dict:
    """Deliver the due outbox messages, in order per dossier."""
    return outbox.deliver_due()


@task()
def poll_inbound_task() -> dict:
    """Poll DVCQG for new online dossiers (the webhook's safety net), then map what is waiting."""
    transport = get_transport()
    try:
        received = intake.poll(transport=transport)
        mapped = intake.process_pending(transport=transport)
    finally:
        transport.close()
    WebhookRejection.objects.filter(at__lt=timezone.now() - REJECTIONS_KEEP).delete()
    return {"received": received, "mapped": mapped}


@task()
def process_inbound_task(inbound_id: int) -> str:
    """Map one inbound dossier right after the webhook stored it."""
    from congso.national.models import InboundDossier

    inbound = InboundDossier.objects.filter(pk=inbound_id).first()
    if inbound is None:
        return "missing"
    transport = get_transport()
    try:
        return intake.process(inbound, transport=transport).status
    finally:
        transport.close()
