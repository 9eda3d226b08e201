"""The legal clock: working-day arithmetic over a working calendar (pure, ORM-free).

Domain rules (shared/domain/procedures.md §3):

- durations are in working days (1 day = 8 working hours), working hours or calendar days;
- working hours default to 07:00–11:30 and 13:30–17:00, Monday–Friday, configurable per province;
- a receipt outside working hours starts at the next working slot;
- non-working days are weekends, public holidays and compensatory days; swapped Saturdays work.

All maths runs on *local* wall-clock time (Asia/Ho_Chi_Minh has had a fixed +07:00 offset since
1975, so there is no DST to care about). Public functions accept aware or naive datetimes; naive
ones are taken as local time. Results are aware datetimes in the calendar's time zone.

Conventions
-----------
- A *working slot* is a closed interval ``[start, end]`` of wall-clock time on a working day.
- ``next_working_instant`` treats a slot as half-open (``11:30`` is not a moment work can start:
  the next one is ``13:30``), while a due instant may fall exactly on the end of a slot
  ("hẹn trả 17:00"): ``add_working_time`` returns the *earliest* instant at which the budget is used.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# How far the maths searches for a working slot before declaring the calendar broken.
_MAX_SEARCH_DAYS = 3660


class CalendarError(ValueError):
    """The calendar cannot answer (e.g. no working day within ten years)."""


def parse_slots(spec: str) -> tuple[tuple[dt.time, dt.time], ...]:
    """Parse ``"07:00-11:30,13:30-17:00"`` into ordered, non-overlapping slots."""
    slots: list[tuple[dt.time, dt.time]] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_s, end_s = part.split("-")
            start = dt.time.fromisoformat(start_s.strip())
            end = dt.time.fromisoformat(end_s.strip())
        except ValueError as exc:
            raise CalendarError(f"Khung giờ làm việc không hợp lệ: {part!r} (cần dạng HH:MM-HH:MM)") from exc
        if end <= start:
            raise CalendarError(f"Khung giờ làm việc không hợp lệ: {part!r} (giờ kết thúc phải sau giờ bắt đầu)")
        if slots and start < slots[-1][1]:
            raise CalendarError(f"Khung giờ làm việc chồng lấn hoặc sai thứ tự: {part!r}")
        slots.append((start, end))
    if not slots:
        raise CalendarError("Chưa khai báo khung giờ làm việc")
    return tuple(slots)


@dataclass(frozen=True)
class OfficeHours:
    """Working slots of a working day, the working weekdays, and the length of a legal working day."""

    slots: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(7, 0), dt.time(11, 30)),
        (dt.time(13, 30), dt.time(17, 0)),
    )
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    # Domain §3: one working day is 8 working hours.
    hours_per_day: int = 8

    @classmethod
    def from_spec(cls, slots: str, weekdays: str, hours_per_day: int = 8) -> OfficeHours:
        try:
            days = frozenset(int(x) for x in weekdays.split(",") if x.strip())
        except ValueError as exc:
            raise CalendarError(f"Ngày làm việc trong tuần không hợp lệ: {weekdays!r}") from exc
        if not days or not days <= set(range(7)):
            raise CalendarError(f"Ngày làm việc trong tuần không hợp lệ: {weekdays!r}")
        return cls(slots=parse_slots(slots), weekdays=days, hours_per_day=hours_per_day)


@dataclass(frozen=True)
class WorkCalendar:
    """A working calendar: office hours plus dated exceptions.

    ``non_working``: dates that would be working days by weekday but are not (holidays,
    compensatory days), each with the reason shown to users.
    ``extra_working``: dates that would be rest days by weekday but are worked (swapped Saturdays).
    """

    office_hours: OfficeHours = field(default_factory=OfficeHours)
    non_working: Mapping[dt.date, str] = field(default_factory=dict)
    extra_working: Mapping[dt.date, str] = field(default_factory=dict)
    tz: dt.tzinfo = VN_TZ

    # ---- days -------------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_working:
            return True
        if day in self.non_working:
            return False
        return day.weekday() in self.office_hours.weekdays

    def why_not_working(self, day: dt.date) -> str | None:
        """The reason ``day`` is not a working day, or None when it is one."""
        if self.is_working_day(day):
            return None
        if day in self.non_working:
            return self.non_working[day]
        return "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật" if day.weekday() == 6 else "Ngày nghỉ hằng tuần"

    def slots_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        return [(dt.datetime.combine(day, s), dt.datetime.combine(day, e)) for s, e in self.office_hours.slots]

    def _working_slots_from(self, day: dt.date) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        for offset in range(_MAX_SEARCH_DAYS):
            yield from self.slots_on(day + dt.timedelta(days=offset))
        raise CalendarError("Không tìm thấy ngày làm việc nào trong 10 năm: lịch làm việc bị cấu hình sai")

    # ---- time-zone edges --------------------------------------------------------------------
    def to_local(self, moment: dt.datetime) -> dt.datetime:
        """Naive local wall-clock time of ``moment`` (naive input is taken as local already)."""
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def aware(self, local: dt.datetime) -> dt.datetime:
        return local.replace(tzinfo=self.tz)


# ---- instants and spans ---------------------------------------------------------------------
def next_working_instant(cal: WorkCalendar, moment: dt.datetime) -> dt.datetime:
    """The first instant at or after ``moment`` at which work can happen."""
    local = cal.to_local(moment)
    for start, end in cal._working_slots_from(local.date()):
        if local < end:
            return cal.aware(max(start, local))
    raise AssertionError("unreachable")  # pragma: no cover


def add_working_time(cal: WorkCalendar, start: dt.datetime, budget: dt.timedelta) -> dt.datetime:
    """The earliest instant at which ``budget`` of working time has elapsed since ``start``."""
    if budget < dt.timedelta(0):
        raise CalendarError("Thời hạn không được âm")
    local = cal.to_local(start)
    remaining = budget
    for slot_start, slot_end in cal._working_slots_from(local.date()):
        if local >= slot_end:
            continue
        begin = max(slot_start, local)
        available = slot_end - begin
        if remaining <= available:
            return cal.aware(begin + remaining)
        remaining -= available
    raise AssertionError("unreachable")  # pragma: no cover


def add_working_hours(cal: WorkCalendar, start: dt.datetime, hours: float | int | Decimal) -> dt.datetime:
    return add_working_time(cal, start, _hours(hours))


def add_working_days(cal: WorkCalendar, start: dt.datetime, days: float | int | Decimal) -> dt.datetime:
    """Add ``days`` legal working days (1 day = ``hours_per_day`` working hours, 8 by default)."""
    return add_working_time(cal, start, _hours(Decimal(str(days)) * cal.office_hours.hours_per_day))


def add_calendar_days(cal: WorkCalendar, start: dt.datetime, days: int) -> dt.datetime:
    """A period in calendar days (Civil Code 2015 Arts. 147–148).

    The period starts on the day after ``start`` and ends at the end of office hours of its last
    day; when that last day is not a working day, the period ends at the end of the next working day.
    """
    if days < 0:
        raise CalendarError("Thời hạn không được âm")
    last = cal.to_local(start).date() + dt.timedelta(days=days)
    for offset in range(_MAX_SEARCH_DAYS):
        day = last + dt.timedelta(days=offset)
        slots = cal.slots_on(day)
        if slots:
            return cal.aware(slots[-1][1])
    raise CalendarError("Không tìm thấy ngày làm việc nào trong 10 năm: lịch làm việc bị cấu hình sai")


def working_time_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time in ``[start, end]``; zero when ``end`` is not after ``start``."""
    a, b = cal.to_local(start), cal.to_local(end)
    total = dt.timedelta(0)
    if b <= a:
        return total
    day = a.date()
    while day <= b.date():
        for slot_start, slot_end in cal.slots_on(day):
            lo, hi = max(slot_start, a), min(slot_end, b)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total


def non_working_days_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, str]]:
    """Non-working days from the day of ``start`` to the day of ``end``, each with its reason."""
    a, b = cal.to_local(start).date(), cal.to_local(end).date()
    out: list[tuple[dt.date, str]] = []
    day = a
    while day <= b:
        reason = cal.why_not_working(day)
        if reason is not None:
            out.append((day, reason))
        day += dt.timedelta(days=1)
    return out


def swapped_working_days_between(cal: WorkCalendar, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, str]]:
    """Rest days worked (swapped Saturdays) from the day of ``start`` to the day of ``end``."""
    a, b = cal.to_local(start).date(), cal.to_local(end).date()
    return [(day, reason) for day, reason in sorted(cal.extra_working.items()) if a <= day <= b]


def split_working_time(cal: WorkCalendar, span: dt.timedelta) -> tuple[int, int, int]:
    """Express a working-time span as (legal working days, hours, minutes), rounding minutes up."""
    total_minutes = math.ceil(span.total_seconds() / 60)
    per_day = cal.office_hours.hours_per_day * 60
    days, rest = divmod(total_minutes, per_day)
    hours, minutes = divmod(rest, 60)
    return days, hours, minutes


def _hours(hours: float | int | Decimal) -> dt.timedelta:
    value = Decimal(str(hours))
    if value < 0:
        raise CalendarError("Thời hạn không được âm")
    # Whole microseconds: exact for any budget a procedure can express.
    return dt.timedelta(microseconds=int(value * 3_600_000_000))
