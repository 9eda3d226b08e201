"""Explicit cases of the legal clock on the Vietnamese calendar (Labour Code 45/2019 Art. 112)."""

import datetime as dt

import pytest

from congso.workcalendar import clock
from congso.workcalendar.holiday_source import vn_holidays

NON_WORKING, EXTRA_WORKING = vn_holidays(2020, 2030)
CAL = clock.WorkCalendar(non_working=NON_WORKING, extra_working=EXTRA_WORKING)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def local(moment: dt.datetime) -> str:
    assert moment.utcoffset() == dt.timedelta(hours=7)
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    "day",
    ["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31"],  # Tết Ất Tỵ 2025
)
def test_tet_2025_is_not_worked(day):
    assert not CAL.is_working_day(dt.date.fromisoformat(day))


def test_tet_2026_three_working_days_from_friday_afternoon():
    # 16:30 Fri 13 Feb: 0.5 h that day, then Tết (16–20 Feb) and two weekends, then 8 h + 8 h + 7.5 h.
    assert local(clock.add_working_days(CAL, at("2026-02-13T16:30"), 3)) == "2026-02-25T16:30"


@pytest.mark.parametrize("day", ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"])
def test_tet_2026_days(day):
    assert not CAL.is_working_day(dt.date.fromisoformat(day))


def test_tet_2027_spans_its_week():
    for day in ["2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"]:
        assert not CAL.is_working_day(dt.date.fromisoformat(day))
    assert CAL.is_working_day(dt.date(2027, 2, 11))
    assert local(clock.add_working_days(CAL, at("2027-02-03T09:00"), 1)) == "2027-02-11T09:00"


def test_hung_kings_day():
    assert not CAL.is_working_day(dt.date(2025, 4, 7))  # 10/3 lunar, Monday
    assert not CAL.is_working_day(dt.date(2026, 4, 27))  # 2026: falls on Sunday 26/4, compensatory Monday


def test_30_april_and_1_may_2025_with_the_swapped_saturday():
    for day in ["2025-04-30", "2025-05-01", "2025-05-02"]:
        assert not CAL.is_working_day(dt.date.fromisoformat(day))
    assert CAL.is_working_day(dt.date(2025, 4, 26))  # Saturday worked in exchange for Friday 2 May
    assert local(clock.add_working_days(CAL, at("2025-04-25T16:00"), 1)) == "2025-04-26T16:00"
    assert local(clock.add_working_days(CAL, at("2025-04-29T08:00"), 1)) == "2025-05-05T08:00"


def test_national_day_2025_and_its_adjacent_day():
    assert not CAL.is_working_day(dt.date(2025, 9, 1))
    assert not CAL.is_working_day(dt.date(2025, 9, 2))
    assert local(clock.add_working_days(CAL, at("2025-08-29T10:00"), 1)) == "2025-09-03T10:00"


def test_national_day_2026_and_the_swapped_saturday_22_august():
    assert CAL.is_working_day(dt.date(2026, 8, 22))
    for day in ["2026-08-31", "2026-09-01", "2026-09-02"]:
        assert not CAL.is_working_day(dt.date.fromisoformat(day))
    assert local(clock.add_working_hours(CAL, at("2026-08-21T16:00"), 2)) == "2026-08-22T08:00"


def test_receipt_at_16_59_uses_the_last_minute():
    assert local(clock.add_working_days(CAL, at("2026-03-10T16:59"), 1)) == "2026-03-11T16:59"


def test_receipt_at_17_01_starts_next_working_morning():
    assert local(clock.next_working_instant(CAL, at("2026-03-10T17:01"))) == "2026-03-11T07:00"
    assert local(clock.add_working_days(CAL, at("2026-03-10T17:01"), 1)) == "2026-03-11T17:00"


def test_receipt_at_noon_starts_at_13_30():
    assert local(clock.next_working_instant(CAL, at("2026-03-10T12:00"))) == "2026-03-10T13:30"
    assert local(clock.add_working_days(CAL, at("2026-03-10T12:00"), 1)) == "2026-03-11T11:30"


def test_receipt_on_a_sunday_starts_monday_morning():
    assert local(clock.next_working_instant(CAL, at("2026-03-15T10:00"))) == "2026-03-16T07:00"
    assert local(clock.add_working_days(CAL, at("2026-03-15T10:00"), 2)) == "2026-03-17T17:00"


def test_aware_input_in_utc_is_read_as_vietnam_time():
    start = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # 09:00 in Hà Nội
    assert local(clock.add_working_hours(CAL, start, 1)) == "2026-03-10T10:00"


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day():
    # Civil Code Art. 148: 5 calendar days from 12 Feb 2026 end on 17 Feb (Tết) → end of 23 Feb.
    assert local(clock.add_calendar_days(CAL, at("2026-02-12T09:00"), 5)) == "2026-02-23T17:00"


def test_working_time_is_explained_in_days_hours_minutes():
    span = clock.working_time_between(CAL, at("2026-03-09T07:00"), at("2026-03-11T10:00"))
    assert clock.split_working_time(CAL, span) == (2, 3, 0)


def test_negative_budget_is_refused_in_vietnamese():
    with pytest.raises(clock.CalendarError, match="không được âm"):
        clock.add_working_hours(CAL, at("2026-03-10T09:00"), -1)


def test_a_calendar_without_working_days_fails_clearly():
    broken = clock.WorkCalendar(office_hours=clock.OfficeHours(weekdays=frozenset()))
    with pytest.raises(clock.CalendarError, match="cấu hình sai"):
        clock.add_working_hours(broken, at("2026-03-10T09:00"), 1)


@pytest.mark.parametrize("spec", ["7:00", "11:30-07:00", "07:00-11:30,10:00-12:00", "", "aa-bb"])
def test_bad_office_hours_are_refused(spec):
    with pytest.raises(clock.CalendarError):
        clock.parse_slots(spec)
