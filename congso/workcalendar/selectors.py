"""Reads: the effective working calendar (library holidays + database overrides)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Max

from congso.workcalendar.choices import OverrideKind, OverrideStatus
from congso.workcalendar.clock import OfficeHours, WorkCalendar
from congso.workcalendar.holiday_source import vn_holidays
from congso.workcalendar.models import CalendarOverride

_cached: dict[object, WorkCalendar] = {}


def office_hours() -> OfficeHours:
    return OfficeHours.from_spec(settings.CONGSO_OFFICE_HOURS, settings.CONGSO_WORKING_WEEKDAYS)


def build_calendar(overrides: list[CalendarOverride] | None = None) -> WorkCalendar:
    """Compose the calendar: weekdays, then the ``holidays`` package, then overrides (which win)."""
    first, last = settings.CONGSO_CALENDAR_YEARS
    non_working, extra_working = (dict(d) for d in vn_holidays(first, last))
    if overrides is None:
        overrides = list(CalendarOverride.objects.all())
    for item in overrides:
        label = item.name
        if item.source_document:
            label = f"{label} ({item.source_document})"
        if item.status == OverrideStatus.ESTIMATED:
            label = f"{label} — dự kiến"
        if item.kind == OverrideKind.WORKING_DAY:
            non_working.pop(item.date, None)
            extra_working[item.date] = label
        else:
            extra_working.pop(item.date, None)
            non_working[item.date] = label
    return WorkCalendar(office_hours=office_hours(), non_working=non_working, extra_working=extra_working)


def current_calendar() -> WorkCalendar:
    """The effective calendar; rebuilt when the overrides change, in any process.

    The overrides' (count, last update) is the version: one cheap aggregate query instead of a
    cross-process cache, so an administrator's edit takes effect at once in every worker.
    """
    version = tuple(CalendarOverride.objects.aggregate(n=Count("id"), last=Max("updated_at")).values())
    calendar = _cached.get(version)
    if calendar is None:
        calendar = build_calendar()
        _cached.clear()
        _cached[version] = calendar
    return calendar
