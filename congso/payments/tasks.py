"""Background work of the payments app (django-tasks), queued by ``manage.py run_periodic``.

Nothing depends on the citizen's browser coming back (DESIGN §5): pending attempts are polled, paid
obligations the dossier was not told of are settled by the sweep, and every provider's statement for the
previous day is reconciled.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from congso.payments import actions
from congso.payments.models import Reconciliation


@task()
def poll_pending_task() -> dict:
    return actions.poll_pending()


@task()
def sweep_task() -> dict:
    return actions.sweep()


@task()
def daily_reconciliation_task() -> dict:
    """Reconcile yesterday (Vietnam date) with each online provider, once a day (re-runs after an error)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    done = {}
    for method in settings.CONGSO_PAYMENT_METHODS:
        run = Reconciliation.objects.filter(provider=method, day=yesterday).first()
        if run is not None and not run.error:
            continue
        run = actions.reconcile(method, yesterday)
        done[method] = run.error or "ok"
    return done
