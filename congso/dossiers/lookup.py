"""Public lookup by dossier code and the last 4 characters of the applicant's ID, with guessing rate-limited."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from congso.dossiers.models import Dossier, LookupFailure
from congso.dossiers.selectors import lookup_public


@dataclass(frozen=True)
class LookupResult:
    dossier: Dossier | None
    blocked: bool
    retry_after: int = 0


def lookup(client: str, code: str, id_last4: str) -> LookupResult:
    """Find the dossier; a miss counts against ``client`` for the current minute."""
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    client = (client or "unknown")[:64]
    failures = LookupFailure.objects.filter(client=client, window=window).values_list("count", flat=True).first() or 0
    if failures >= settings.CONGSO_LOOKUP_FAILURES_PER_MINUTE:
        return LookupResult(None, True, 60 - now.second)
    dossier = lookup_public(code, id_last4)
    if dossier is None:
        _count_failure(client, window)
    return LookupResult(dossier, False)


def _count_failure(client: str, window) -> None:
    with transaction.atomic():
        if LookupFailure.objects.filter(client=client, window=window).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                LookupFailure.objects.create(client=client, window=window, count=1)
        except IntegrityError:
            LookupFailure.objects.filter(client=client, window=window).update(count=F("count") + 1)
