"""The ORM-free parts, property-tested: a dossier's contribution, the algebra of deltas, the rates, periods."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from congso.kpi import facts, formulas
from congso.kpi.facts import CellKey, Snapshot
from congso.kpi.selectors import KpiError, _current_of, parse_period

UTC = dt.UTC
STATES = ("draft", "submitted", "accepted", "processing", "supplement_requested", "financial_obligation")
STATES += ("stopped", "refused", "withdrawn", "finished", "returned")

moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(UTC))


@st.composite
def snapshots(draw) -> Snapshot:
    results = draw(st.integers(0, 3))
    components = draw(st.integers(0, 3))
    return Snapshot(
        dossier_id=draw(st.integers(1, 10**6)),
        parent_id=draw(st.none() | st.integers(1, 10)) if draw(st.integers(0, 9)) == 0 else None,
        state=draw(st.sampled_from(STATES)),
        channel=draw(st.sampled_from((1, 2, 3))),
        competent_agency_id=draw(st.integers(1, 3)),
        unit_id=draw(st.integers(1, 3)),
        procedure_id=draw(st.integers(1, 3)),
        submitted_at=draw(st.none() | moments),
        accepted_at=draw(st.none() | moments),
        ended_at=draw(st.none() | moments),
        stopped_at=draw(st.none() | moments),
        outcome=draw(st.sampled_from(("", "early", "on_time", "late"))),
        supplement_count=draw(st.integers(0, 3)),
        budget_seconds=draw(st.integers(0, 10**6)),
        consumed_seconds=draw(st.integers(0, 10**6)),
        offered_online=draw(st.booleans()),
        fee_bearing=draw(st.booleans()),
        paid_online=draw(st.booleans()),
        synced=draw(st.booleans()),
        complained=draw(st.booleans()),
        rating=draw(st.none() | st.integers(1, 5)),
        components=components,
        components_digitised=draw(st.integers(0, components)),
        reused=draw(st.integers(0, components)),
        results=results,
        results_digitised=draw(st.integers(0, results)),
        results_electronic=draw(st.integers(0, results)),
        person_signed=draw(st.integers(0, results)),
        agency_signed=draw(st.integers(0, results)),
    )


def total(contrib: facts.Contribution) -> dict[str, int]:
    return facts.summed(contrib.values())


@given(snapshots())
def test_a_dossier_counts_once_and_every_numerator_stays_within_its_denominator(s):
    contrib = facts.contribution(s)
    c = total(contrib)
    if s.parent_id is not None or facts.received_at(s) is None:
        assert contrib == {}
        return
    assert c["received"] == 1 and c["ended"] in (0, 1)
    assert c["on_time"] + c["late"] == c["ended"]
    assert c["ended"] == int(facts.ended_at(s) is not None)
    for numerator, denominator in (
        ("received_online", "received"),
        ("online_offered", "received"),
        ("fee_bearing", "received"),
        ("paid_online", "fee_bearing"),
        ("digitised", "received"),
        ("reused", "received"),
        ("synced", "received"),
        ("complaints", "received"),
        ("online_e_result", "online_offered"),
        ("person_signed", "results"),
        ("agency_signed", "results"),
        ("dissatisfied", "rated"),
    ):
        assert 0 <= c[numerator] <= c[denominator], (numerator, c)
    assert c["rated"] <= c["rating_sum"] <= 5 * c["rated"]
    # At most two cells: the month received and the month ended, same agency, commune, procedure, channel.
    assert 1 <= len(contrib) <= 2
    assert {k[1:] for k in contrib} == {(s.competent_agency_id, s.unit_id, s.procedure_id, s.channel)}
    assert all(v for cell in contrib.values() for v in cell.values())  # zero counters are not kept


@given(snapshots())
def test_more_than_one_supplement_request_is_late_whatever_the_clock_says(s):
    if s.supplement_count > 1:
        assert not facts.on_time(s)


def test_months_are_vietnam_months():
    # 31 Oct 2026 17:30 UTC is 1 Nov 00:30 in Vietnam.
    assert facts.month_of(dt.datetime(2026, 10, 31, 17, 30, tzinfo=UTC)) == dt.date(2026, 11, 1)
    assert facts.month_of(dt.datetime(2026, 10, 31, 16, 59, tzinfo=UTC)) == dt.date(2026, 10, 1)


@given(snapshots(), snapshots())
def test_adding_the_delta_turns_one_contribution_into_the_other(a, b):
    old, new = facts.contribution(a), facts.contribution(b)
    totals: dict[CellKey, list[int]] = {}
    facts.accumulate(totals, old)
    facts.accumulate(totals, facts.delta(old, new))
    expected: dict[CellKey, list[int]] = {}
    facts.accumulate(expected, new)
    assert {k: v for k, v in totals.items() if any(v)} == {k: v for k, v in expected.items() if any(v)}
    assert facts.delta(new, new) == {}


@given(snapshots())
def test_the_stored_form_round_trips(s):
    contrib = facts.contribution(s)
    assert facts.decode(facts.encode(contrib)) == contrib


counters = st.fixed_dictionaries({name: st.integers(0, 10**6) for name in facts.COUNTERS})


@given(counters)
def test_every_rate_is_a_percentage_or_none_when_there_is_nothing_to_count(c):
    for name, fn in formulas.RATES.items():
        r = fn(c)
        if r.denominator == 0:
            assert r.rate is None
        else:
            assert isinstance(r.rate, Decimal) and r.rate == r.rate.quantize(Decimal("0.01"))
            if r.numerator <= r.denominator:
                assert Decimal(0) <= r.rate <= Decimal(100), name
    s = formulas.satisfaction(c).rate
    assert s is None or Decimal(0) <= s <= Decimal(100)


@given(st.integers(0, 1000), st.integers(1, 1000))
def test_a_rate_is_half_up_rounded_to_two_places(n, d):
    rate = formulas.percent(n, d)
    assert abs(rate - Decimal(100) * n / d) <= Decimal("0.005")


def test_satisfaction_by_hand():
    # late 1/4 = 25 %, complaints 1/10 = 10 %, dissatisfied 0/2 = 0 % → 65 %; without ratings → the same
    c = {"ended": 4, "late": 1, "received": 10, "complaints": 1, "rated": 2, "dissatisfied": 0}
    assert formulas.satisfaction(c).rate == Decimal("65.00")
    assert formulas.satisfaction({**c, "rated": 0}).rate == Decimal("65.00")
    assert formulas.satisfaction({}).rate is None
    # Everything wrong at once cannot go below 0.
    assert formulas.satisfaction({"ended": 1, "late": 1, "received": 1, "complaints": 1}).rate == Decimal("0.00")
    assert formulas.average_rating({"rated": 3, "rating_sum": 11}) == Decimal("3.67")


@given(st.integers(2000, 2100), st.integers(1, 12))
def test_a_month_a_quarter_and_a_year_cover_the_right_months(year, month):
    p = parse_period(f"{year}-{month:02d}")
    assert p.months == 1 and p.start == dt.date(year, month, 1)
    q = parse_period(f"{year}-Q{(month - 1) // 3 + 1}")
    assert q.months == 3 and q.start <= p.start < q.end
    y = parse_period(str(year))
    assert y.months == 12 and y.start <= q.start and q.end <= y.end
    assert parse_period(f"{year}-01..{year}-{month:02d}").months == month


@pytest.mark.parametrize("text", ["", "2026-00", "2026-13", "2026-Q0", "2026-Q5", "26-11", "2101", "2026-06..2026-01"])
def test_a_bad_period_is_refused_in_vietnamese(text):
    with pytest.raises(KpiError) as refused:
        parse_period(text)
    assert refused.value.message.startswith("Kỳ báo cáo không hợp lệ") and refused.value.field == "period"


def test_rollup_follows_successors_to_a_current_unit():
    # 1 → 2 → 3 (a chain); 4 split into 5 and 6, 6 keeping 4's code; 7 ↔ 8 (a loop in bad data) stays put.
    successors = {1: [2], 2: [3], 4: [5, 6], 7: [8], 8: [7]}
    codes = {4: "A", 5: "B", 6: "A"}
    mapping = _current_of(successors, codes)
    assert mapping[1] == 3 and mapping[2] == 3
    assert mapping[4] == 6
    assert 7 not in mapping and 8 not in mapping and 3 not in mapping


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=10**12))
def test_percent_in_integers_is_the_decimal_half_up_rounding(numerator, denominator):
    from decimal import ROUND_HALF_UP

    want = (Decimal(100) * numerator / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    got = formulas.percent(numerator, denominator)
    assert got == want and str(got) == str(want)
