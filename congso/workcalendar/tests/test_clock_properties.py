"""Properties of the legal clock (hypothesis), over the real Vietnamese calendar 2020–2030."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from congso.workcalendar import clock
from congso.workcalendar.holiday_source import vn_holidays

NON_WORKING, EXTRA_WORKING = vn_holidays(2020, 2030)
CAL = clock.WorkCalendar(non_working=NON_WORKING, extra_working=EXTRA_WORKING)

starts = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2029, 6, 30)).map(
    lambda d: d.replace(microsecond=0)
)
budgets = st.integers(min_value=0, max_value=60 * 8 * 120).map(lambda m: dt.timedelta(minutes=m))


def in_working_time(moment: dt.datetime) -> bool:
    local = CAL.to_local(moment)
    return any(s <= local <= e for s, e in CAL.slots_on(local.date()))


@settings(max_examples=300, deadline=None)
@given(starts, budgets)
def test_adding_a_budget_then_measuring_the_span_gives_back_the_budget(start, budget):
    due = clock.add_working_time(CAL, start, budget)
    assert clock.working_time_between(CAL, start, due) == budget


@settings(max_examples=300, deadline=None)
@given(starts, budgets)
def test_a_due_instant_never_falls_outside_working_time(start, budget):
    assert in_working_time(clock.add_working_time(CAL, start, budget))


@settings(max_examples=200, deadline=None)
@given(starts, starts, budgets)
def test_it_is_monotonic_in_the_start(a, b, budget):
    a, b = min(a, b), max(a, b)
    assert clock.add_working_time(CAL, a, budget) <= clock.add_working_time(CAL, b, budget)


@settings(max_examples=200, deadline=None)
@given(starts, budgets, budgets)
def test_it_is_monotonic_in_the_budget(start, x, y):
    small, large = min(x, y), max(x, y)
    assert clock.add_working_time(CAL, start, small) <= clock.add_working_time(CAL, start, large)


@settings(max_examples=200, deadline=None)
@given(starts)
def test_the_next_working_instant_is_working_and_not_before_the_start(start):
    nxt = clock.next_working_instant(CAL, start)
    assert CAL.to_local(nxt) >= start
    assert in_working_time(nxt)
    assert clock.working_time_between(CAL, start, nxt) == dt.timedelta(0)


@settings(max_examples=200, deadline=None)
@given(starts, budgets, budgets)
def test_budgets_add_up(start, x, y):
    """Adding x then y lands where adding x + y does."""
    assert clock.add_working_time(CAL, clock.add_working_time(CAL, start, x), y) == clock.add_working_time(
        CAL, start, x + y
    ) or (x == dt.timedelta(0) or y == dt.timedelta(0))
