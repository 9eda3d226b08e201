"""State changes of the working calendar (the calendar rebuilds itself from the overrides' version)."""

from __future__ import annotations

from django.db import transaction

from congso.workcalendar.models import CalendarOverride


@transaction.atomic
def upsert_override(*, date, kind, name, source_document="", status="confirmed", note="") -> CalendarOverride:
    """Create or update the override of ``date``."""
    override, _created = CalendarOverride.objects.update_or_create(
        date=date,
        defaults={"kind": kind, "name": name, "source_document": source_document, "status": status, "note": note},
    )
    return override
