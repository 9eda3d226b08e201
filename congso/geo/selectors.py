"""Reads of agencies for hot paths, cached briefly per process.

Agencies change a few times a year (reorganisations, identifiers entered by an administrator). The
intake desk looks the same ones up on every dossier, so a worker keeps what it read for
``AGENCY_CACHE_SECONDS``; a change saved in this process clears the cache at once.
"""

from __future__ import annotations

import time

from django.db.models.signals import post_save

from congso.geo.models import Agency

AGENCY_CACHE_SECONDS = 30.0
_cache: dict[tuple, tuple[float, Agency | None]] = {}


def forget_agencies(**_kwargs) -> None:
    _cache.clear()


post_save.connect(forget_agencies, sender=Agency, dispatch_uid="geo-forget-agencies")


def _cached(key: tuple, load) -> Agency | None:
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    _cache[key] = (now + AGENCY_CACHE_SECONDS, value)
    return value


def current_agency(pk: int) -> Agency | None:
    return _cached(("pk", pk), lambda: Agency.objects.current().filter(pk=pk).order_by().first())


def commune_pc_of_unit(unit_id: int) -> Agency | None:
    """The current People's Committee of a commune."""
    return _cached(
        ("commune_pc", unit_id),
        lambda: Agency.objects.current().filter(kind="commune_pc", unit_id=unit_id).order_by("pk").first(),
    )


def cached_agency(pk: int) -> Agency | None:
    """Any agency by id, current or not (a dossier keeps the agencies it had)."""
    return _cached(("any", pk), lambda: Agency.objects.filter(pk=pk).order_by().first())
