"""Login throttling: too many failures for one account lock it for a while; too many from one client slow it.

Counted in the database (every process shares it), per identifier (what was typed: username, e-mail or phone)
and per client address.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from congso.accounts.models import LoginThrottle


def _keys(identifier: str, client: str) -> list[tuple[str, int]]:
    return [
        (f"id:{identifier.strip().lower()[:150]}", settings.CONGSO_LOGIN_MAX_FAILURES),
        (f"ip:{(client or 'unknown')[:64]}", settings.CONGSO_LOGIN_MAX_FAILURES_PER_CLIENT),
    ]


def locked_for(identifier: str, client: str, now: dt.datetime | None = None) -> int:
    """Seconds until a login may be tried again (0: now)."""
    now = now or timezone.now()
    rows = LoginThrottle.objects.filter(key__in=[k for k, _limit in _keys(identifier, client)], locked_until__gt=now)
    until = max((r.locked_until for r in rows), default=None)
    return int((until - now).total_seconds()) + 1 if until else 0


def failed(identifier: str, client: str, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.CONGSO_LOGIN_LOCK_SECONDS)
    for key, limit in _keys(identifier, client):
        with transaction.atomic():
            row = LoginThrottle.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        LoginThrottle.objects.create(key=key, failures=1, window_start=now)
                    continue
                except IntegrityError:
                    row = LoginThrottle.objects.select_for_update().get(key=key)
            if now - row.window_start > window:
                row.failures, row.window_start, row.locked_until = 0, now, None
            row.failures += 1
            if row.failures >= limit:
                row.locked_until = now + window
            row.save(update_fields=["failures", "window_start", "locked_until"])


def succeeded(identifier: str) -> None:
    LoginThrottle.objects.filter(key=_keys(identifier, "")[0][0]).delete()
