"""Reads: the effective working calendar (library holidays + database overrides)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save

from congso.workcalendar.choices import OverrideKind, OverrideStatus
from congso.workcalendar.clock import OfficeHours, WorkCalendar
from congso.workcalendar.holiday_source import vn_holidays
from congso.workcalendar.models import CalendarOverride

_cached: dict[object, WorkCalendar] = {}
# The version is checked at most this often per process; a change made in this process clears the
# cache at once (signals below), a change made by another process is seen within this many seconds.
VERSION_CHECK_SECONDS = 2.0
_checked_at = [0.0]


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
    now = time.monotonic()
    if _cached and now - _checked_at[0] < VERSION_CHECK_SECONDS:
        return next(iter(_cached.values()))
    version = tuple(CalendarOverride.objects.aggregate(n=Count("id"), last=Max("updated_at")).values())
    calendar = _cached.get(version)
    if calendar is None:
        calendar = build_calendar()
        _cached.clear()
        _cached[version] = calendar
    _checked_at[0] = now
    return calendar


def forget_calendar(**_kwargs) -> None:
    _cached.clear()
    _checked_at[0] = 0.0


post_save.connect(forget_calendar, sender=CalendarOverride, dispatch_uid="workcalendar-forget-save")
post_delete.connect(forget_calendar, sender=CalendarOverride, dispatch_uid="workcalendar-forget-delete")
