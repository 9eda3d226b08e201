"""Reads of the DVCQG integration, for dashboards and the KPI indicators (domain §8)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from congso.dossiers.choices import Source, State
from congso.dossiers.models import Dossier


def reportable(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Dossiers DVCQG must know of: received with a code (or handed over by DVCQG), never liên thông children."""
    return (
        qs.filter(parent__isnull=True).exclude(state=State.DRAFT).filter(Q(code__isnull=False) | Q(source=Source.DVCQG))
    )


def synced_counts(qs: QuerySet[Dossier]) -> tuple[int, int]:
    """(synced, received) for the synced-rate KPI: synced = DVCQG acknowledged the dossier ("00"), not merely sent."""
    base = reportable(qs)
    return base.filter(national_sync__acknowledged_at__isnull=False).count(), base.count()
