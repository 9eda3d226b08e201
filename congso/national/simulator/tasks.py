"""Background work of the DVCQG simulator (django-tasks): the ThongBaoHoSoMoi webhook to the province."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from congso.national.simulator import services
from congso.national.simulator.models import SimDossier

# Failed webhooks are tried again with exponential backoff from 10 s, at most this many times in all; the
# province also polls LayDanhSachHoSoMoi, so a dossier whose webhook never arrives is still picked up.
MAX_ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 10


@task()
def deliver_webhook_task(sim_dossier_id: int, force: bool = False) -> str:
    """Notify the province of a new online dossier; "" when delivered (or nothing to do), else the error."""
    dossier = SimDossier.objects.filter(pk=sim_dossier_id).first()
    if dossier is None or not dossier.record or (dossier.webhook_delivered_at and not force):
        return ""
    error = services.send_webhook(dossier)
    if error and dossier.webhook_attempts < MAX_ATTEMPTS:
        delay = FIRST_BACKOFF_SECONDS * 2 ** (dossier.webhook_attempts - 1)
        retry = deliver_webhook_task
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
        retry.enqueue(sim_dossier_id, force)
    return error
