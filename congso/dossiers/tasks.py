"""Background work of the dossier engine (django-tasks), queued by ``manage.py run_periodic``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from congso.dossiers.actions import check_deadlines
from congso.dossiers.models import IdempotencyRecord, LookupFailure

# A client retries within minutes; a week covers any sane retry policy.
IDEMPOTENCY_KEEP = dt.timedelta(days=7)
# Failed lookups only matter within their minute.
LOOKUP_FAILURES_KEEP = dt.timedelta(hours=1)


@task()
def check_deadlines_task() -> dict:
    """Warn before due and mark overdue, once each (domain §3); drop expired housekeeping rows."""
    warned, overdue = check_deadlines()
    now = timezone.now()
    LookupFailure.objects.filter(window__lt=now - LOOKUP_FAILURES_KEEP).delete()
    IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_KEEP).delete()
    return {"warned": warned, "overdue": overdue}
