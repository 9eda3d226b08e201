"""Properties of the clock ledger (domain §3), pure and ORM-free, over the real VN calendar 2020–2030.

The calendar has Tết, the other public holidays, compensatory days and the swapped working Saturdays
(e.g. Sat 26 Apr 2025, Sat 22 Aug 2026). Instants are aware and in UTC, as the database stores them; the
maths runs on Asia/Ho_Chi_Minh wall-clock time. Slot edges (07:00, 11:30, 13:30, 17:00) and midnight are
generated on purpose, with a microsecond or a second either side.
"""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from congso.dossiers.ledger import CALENDAR, WORKING, ZERO, Ledger, describe_remaining, describe_span, outcome
from congso.workcalendar.clock import (
    VN_TZ,
    WorkCalendar,
    add_calendar_days,
    add_working_time,
    working_time_between,
)
from congso.workcalendar.holiday_source import vn_holidays

NON_WORKING, EXTRA_WORKING = vn_holidays(2020, 2030)
CAL = WorkCalendar(non_working=NON_WORKING, extra_working=EXTRA_WORKING)
UTC = dt.UTC
SETTINGS = settings(max_examples=200, deadline=None)

# ---- strategies ------------------------------------------------------------------------------------
EDGES = [dt.time(0), dt.time(7), dt.time(11, 30), dt.time(13, 30), dt.time(17), dt.time(23, 59, 59)]
NUDGES = [dt.timedelta(0), dt.timedelta(microseconds=1), dt.timedelta(microseconds=-1), dt.timedelta(seconds=1)]
days = st.dates(min_value=dt.date(2020, 1, 2), max_value=dt.date(2029, 6, 30))
anywhere = st.datetimes(
    min_value=dt.datetime(2020, 1, 2), max_value=dt.datetime(2029, 6, 30), timezones=st.just(VN_TZ)
).map(lambda moment: moment.astimezone(UTC))
on_an_edge = st.builds(
    lambda day, edge, nudge: (dt.datetime.combine(day, edge, tzinfo=VN_TZ) + nudge).astimezone(UTC),
    days,
    st.sampled_from(EDGES),
    st.sampled_from(NUDGES),
)
instants = st.one_of(anywhere, on_an_edge)

gaps = st.one_of(
    st.integers(min_value=0, max_value=60 * 24 * 12).map(lambda m: dt.timedelta(minutes=m)),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=10)),
    st.sampled_from([dt.timedelta(hours=h) for h in (2, 4.5, 6.5, 8, 24, 48, 72)]),
)
budgets = st.integers(min_value=1, max_value=8 * 60 * 30).map(lambda m: dt.timedelta(minutes=m))
modes = st.sampled_from([WORKING, CALENDAR])
spans = st.timedeltas(min_value=dt.timedelta(days=-90), max_value=dt.timedelta(days=90))


@st.composite
def histories(draw, mode=modes):
    """A ledger started at a random instant, then paused/resumed alternately at increasing instants."""
    kind = draw(mode)
    if kind == CALENDAR:
        n = draw(st.integers(min_value=0, max_value=60))
        ledger = Ledger(budget=dt.timedelta(days=n), mode=CALENDAR, calendar_days=n)
    else:
        ledger = Ledger(budget=draw(budgets))
    start = draw(instants)
    moments = list(itertools.accumulate(draw(st.lists(gaps, max_size=10)), initial=start))
    return ledger, moments


def replay(ledger: Ledger, moments: list[dt.datetime]) -> tuple[Ledger, list[tuple[dt.datetime, dt.datetime]]]:
    """Start at moments[0], then pause, resume, pause… at the following moments; return the closed running intervals."""
    ledger = ledger.start(moments[0])
    intervals = []
    for moment in moments[1:]:
        if ledger.running_since is not None:
            intervals.append((ledger.running_since, moment))
            ledger = ledger.pause(CAL, moment)
        else:
            ledger = ledger.resume(moment)
    return ledger, intervals


def reading_at(ledger: Ledger, moments: list[dt.datetime], at: dt.datetime) -> dt.timedelta:
    """What the ledger says at ``at`` when only the transitions up to ``at`` have happened."""
    past = [m for m in moments if m <= at]
    if not past:
        return ZERO
    current, _ = replay(ledger, past)
    return current.consumed_at(CAL, at)


def local_date(moment: dt.datetime) -> dt.date:
    return CAL.to_local(moment).date()


# ---- pauses and resumes ------------------------------------------------------------------------------
@SETTINGS
@given(histories(mode=st.just(WORKING)), gaps)
def test_it_never_loses_or_invents_working_time_across_pauses_and_resumes(history, tail):
    ledger, moments = history
    ledger, intervals = replay(ledger, moments)
    assert ledger.consumed == sum((working_time_between(CAL, a, b) for a, b in intervals), ZERO)
    later = moments[-1] + tail
    if ledger.running_since is not None:
        intervals.append((ledger.running_since, later))
    assert ledger.consumed_at(CAL, later) == sum((working_time_between(CAL, a, b) for a, b in intervals), ZERO)


@SETTINGS
@given(histories(mode=st.just(CALENDAR)), gaps)
def test_in_calendar_mode_it_counts_the_wall_clock_time_of_the_running_intervals(history, tail):
    ledger, moments = history
    ledger, intervals = replay(ledger, moments)
    assert ledger.consumed == sum((b - a for a, b in intervals), ZERO)
    later = moments[-1] + tail
    if ledger.running_since is not None:
        intervals.append((ledger.running_since, later))
    assert ledger.consumed_at(CAL, later) == sum((b - a for a, b in intervals), ZERO)


@SETTINGS
@given(histories(mode=st.just(WORKING)), gaps, gaps)
def test_it_moves_the_due_instant_by_exactly_the_paused_working_time(history, until_pause, paused_for):
    """Supplement policy ``extend`` (default): the due instant moves by the working time spent paused."""
    ledger, moments = history
    ledger, _ = replay(ledger, moments)
    if ledger.running_since is None:  # the history ended paused: resume where it stopped
        ledger = ledger.resume(moments[-1])
    pause_at = moments[-1] + until_pause
    resume_at = pause_at + paused_for
    assume(ledger.consumed_at(CAL, pause_at) < ledger.budget)  # budget not yet used up at the pause

    d1 = ledger.due(CAL)
    assert pause_at < d1
    paused = ledger.pause(CAL, pause_at)
    assert paused.due(CAL) is None
    preview = paused.due(CAL, resume_at=resume_at)
    d2 = paused.resume(resume_at).due(CAL)

    assert preview == d2
    assert d1 <= d2
    assert working_time_between(CAL, d1, d2) == working_time_between(CAL, pause_at, resume_at)
    # The running budget is used up exactly at the new due instant.
    assert paused.resume(resume_at).remaining_at(CAL, d2) == ZERO


@SETTINGS
@given(histories(mode=st.just(WORKING)), gaps, gaps)
def test_restart_gives_the_whole_budget_again_from_the_resumption(history, until_pause, paused_for):
    """Supplement policy ``restart`` (Decree 61/2018): the full budget starts again when the dossier is complete."""
    ledger, moments = history
    ledger, _ = replay(ledger, moments)
    if ledger.running_since is None:
        ledger = ledger.resume(moments[-1])
    pause_at = moments[-1] + until_pause
    resume_at = pause_at + paused_for
    restarted = ledger.pause(CAL, pause_at).restart(resume_at)
    assert restarted.consumed_at(CAL, resume_at) == ZERO
    assert restarted.due(CAL) == add_working_time(CAL, resume_at, ledger.budget)


# ---- readings ----------------------------------------------------------------------------------------
@SETTINGS
@given(histories(), instants)
def test_remaining_and_consumed_always_add_up_to_the_budget(history, at):
    ledger, moments = history
    ledger, _ = replay(ledger, moments)
    assert ledger.remaining_at(CAL, at) + ledger.consumed_at(CAL, at) == ledger.budget


@SETTINGS
@given(histories(), instants, gaps)
def test_consumed_time_never_decreases(history, t1, step):
    ledger, moments = history
    t1 = max(t1, moments[0] - dt.timedelta(days=1))  # near the history, where it is interesting
    t2 = t1 + step
    assert reading_at(ledger, moments, t1) <= reading_at(ledger, moments, t2)
    current, _ = replay(ledger, moments)
    later = max(t1, moments[-1])
    assert current.consumed_at(CAL, later) <= current.consumed_at(CAL, later + step)


@SETTINGS
@given(histories(mode=st.just(WORKING)), instants)
def test_in_working_mode_an_overrun_only_shows_after_the_due_instant(history, at):
    ledger, moments = history
    ledger, _ = replay(ledger, moments)
    if ledger.running_since is None:
        ledger = ledger.resume(moments[-1])
    assume(ledger.consumed < ledger.budget)  # budget left when it last started running
    at = max(at, ledger.running_since)
    due = ledger.due(CAL)
    if ledger.remaining_at(CAL, at) < ZERO:
        assert at > due
    if at <= due:
        assert ledger.remaining_at(CAL, at) >= ZERO


# ---- calendar mode -----------------------------------------------------------------------------------
@SETTINGS
@given(
    st.integers(min_value=0, max_value=60),
    instants,
    gaps,
    st.integers(min_value=0, max_value=30),
)
def test_in_calendar_mode_a_pause_of_k_days_shifts_the_period_by_k_days(n, start, until_pause, k):
    """Civil Code 2015 Arts. 147–148: the period runs from the day after the start; a pause shifts it."""
    ledger = Ledger(budget=dt.timedelta(days=n), mode=CALENDAR, calendar_days=n).start(start)
    assert ledger.due(CAL) == add_calendar_days(CAL, start, n)

    pause_at = start + until_pause
    resume_at = pause_at + dt.timedelta(days=k)
    due = ledger.pause(CAL, pause_at).resume(resume_at).due(CAL)
    assert due == add_calendar_days(CAL, start + dt.timedelta(days=k), n)

    # Before the end-of-day adjustment the last day is exactly k days later; the adjustment then only
    # skips non-working days and lands on the end of office hours.
    last_day = local_date(start) + dt.timedelta(days=n + k)
    assert local_date(due) >= last_day
    skipped = [last_day + dt.timedelta(days=i) for i in range((local_date(due) - last_day).days)]
    assert not any(CAL.is_working_day(day) for day in skipped)
    assert CAL.is_working_day(local_date(due))
    assert CAL.to_local(due).time() == CAL.office_hours.slots[-1][1]


# ---- outcome and wording -----------------------------------------------------------------------------
near_appointments = st.builds(
    lambda appointment, delta: (appointment + delta, appointment),
    instants,
    st.timedeltas(min_value=dt.timedelta(days=-3), max_value=dt.timedelta(days=1)),
)


@SETTINGS
@given(st.one_of(st.tuples(instants, instants), near_appointments))
def test_the_outcome_is_late_early_or_on_time_by_the_appointment(pair):
    finished, appointment = pair
    result = outcome(finished, appointment, CAL)
    assert result in {"late", "early", "on_time"}
    assert (result == "late") == (finished > appointment)
    assert (result == "early") == (local_date(finished) < local_date(appointment))
    assert (result == "on_time") == (finished <= appointment and local_date(finished) == local_date(appointment))


@SETTINGS
@given(spans)
def test_remaining_time_reads_con_and_an_overrun_reads_qua(remaining):
    text = describe_remaining(CAL, remaining)
    if remaining >= ZERO:
        assert text == f"còn {describe_span(CAL, remaining)}"
    else:
        assert text == f"quá {describe_span(CAL, -remaining)}"
        assert text != "quá 0 phút"  # an overrun is never shown as nothing
    assert text.split(" ", 1)[1] == describe_remaining(CAL, abs(remaining)).split(" ", 1)[1]
