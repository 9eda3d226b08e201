"""The clock ledger (domain §3), pure and ORM-free.

A ledger stores a *budget*, the time *consumed* so far and *running_since* (None while paused);
due times are derived from them, never stored as the source of truth. In ``working`` mode time is
working time (office hours on working days); in ``calendar`` mode the budget is a number of calendar
days (Civil Code Arts. 147–148) and a pause shifts the period by the wall-clock time paused.

Pausing and resuming never lose or invent time: ``consumed`` after any sequence of pauses and
resumes equals the working time of the running intervals (tested with hypothesis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from congso.workcalendar.clock import (
    WorkCalendar,
    add_calendar_days,
    add_working_time,
    split_working_time,
    working_time_between,
)

WORKING = "working"
CALENDAR = "calendar"
ZERO = dt.timedelta(0)


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class Ledger:
    budget: dt.timedelta
    consumed: dt.timedelta = ZERO
    running_since: dt.datetime | None = None
    mode: str = WORKING
    # Calendar mode only: the period in calendar days.
    calendar_days: int = 0

    # ---- transitions ----------------------------------------------------------------------------
    def start(self, at: dt.datetime) -> Ledger:
        if self.running_since is not None:
            raise LedgerError(_("Đồng hồ đang chạy."))
        return replace(self, running_since=at)

    def pause(self, cal: WorkCalendar, at: dt.datetime) -> Ledger:
        if self.running_since is None:
            raise LedgerError(_("Đồng hồ đang tạm dừng."))
        return replace(self, consumed=self.consumed_at(cal, at), running_since=None)

    def resume(self, at: dt.datetime) -> Ledger:
        if self.running_since is not None:
            raise LedgerError(_("Đồng hồ đang chạy."))
        return replace(self, running_since=at)

    def restart(self, at: dt.datetime) -> Ledger:
        """Supplement policy ``restart``: the full budget starts again (Decree 61/2018)."""
        return replace(self, consumed=ZERO, running_since=at)

    def extend(self, extra: dt.timedelta) -> Ledger:
        if extra < ZERO:
            raise LedgerError(_("Thời gian gia hạn không được âm."))
        return replace(self, budget=self.budget + extra)

    # ---- readings -------------------------------------------------------------------------------
    def _elapsed(self, cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        if self.mode == CALENDAR:
            return max(end - start, ZERO)
        return working_time_between(cal, start, end)

    def consumed_at(self, cal: WorkCalendar, at: dt.datetime) -> dt.timedelta:
        if self.running_since is None:
            return self.consumed
        return self.consumed + self._elapsed(cal, self.running_since, at)

    def remaining_at(self, cal: WorkCalendar, at: dt.datetime) -> dt.timedelta:
        """Budget left at ``at``; negative when overrun."""
        return self.budget - self.consumed_at(cal, at)

    def due(self, cal: WorkCalendar, *, resume_at: dt.datetime | None = None) -> dt.datetime | None:
        """The due instant while running; while paused, the due instant if resumed at ``resume_at`` (else None)."""
        start = self.running_since or resume_at
        if start is None:
            return None
        if self.mode == CALENDAR:
            # The period began ``consumed`` before ``start``; pauses shift it by their wall-clock length.
            return add_calendar_days(cal, start - self.consumed, self.calendar_days)
        left = self.budget - self.consumed
        if left <= ZERO:
            # Already used up when (re)started: due at once (callers use remaining_at for the overrun).
            return start
        return add_working_time(cal, start, left)


def outcome(finished_at: dt.datetime, appointment_at: dt.datetime, cal: WorkCalendar) -> str:
    """Domain §3: early = before the appointment day; on time = at or before the appointment; late after."""
    if finished_at > appointment_at:
        return "late"
    if cal.to_local(finished_at).date() < cal.to_local(appointment_at).date():
        return "early"
    return "on_time"


def describe_span(cal: WorkCalendar, span: dt.timedelta) -> str:
    """'2 ngày 3 giờ' / '45 phút': a working-time span as officers read it."""
    days, hours, minutes = split_working_time(cal, abs(span))
    parts = []
    if days:
        parts.append(ngettext("%(days)s ngày", "%(days)s ngày", days) % {"days": days})
    if hours:
        parts.append(ngettext("%(hours)s giờ", "%(hours)s giờ", hours) % {"hours": hours})
    if minutes and not days:
        parts.append(ngettext("%(minutes)s phút", "%(minutes)s phút", minutes) % {"minutes": minutes})
    return " ".join(parts) or ngettext("%(minutes)s phút", "%(minutes)s phút", 0) % {"minutes": 0}


def describe_remaining(cal: WorkCalendar, remaining: dt.timedelta) -> str:
    """'còn 2 ngày 3 giờ' / 'quá 1 ngày 2 giờ' (domain §3)."""
    if remaining < ZERO:
        return _("quá %(span)s") % {"span": describe_span(cal, remaining)}
    return _("còn %(span)s") % {"span": describe_span(cal, remaining)}
