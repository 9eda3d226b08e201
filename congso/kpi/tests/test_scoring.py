"""Decision 766 scoring: points per group, the total out of 100 and the ranking (pure, no database)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from congso.kpi import scoring

D = Decimal


def test_points_below_the_threshold_are_proportional_and_full_above_it():
    # Online service: max 12, full at 50 %. 30 % → 30 × 12 ÷ 50 = 7.20; 50 % and 80 % → 12.
    assert scoring.points(D(30), D(12), D(50)) == D("7.20")
    assert scoring.points(D(50), D(12), D(50)) == D("12.00")
    assert scoring.points(D(80), D(12), D(50)) == D("12.00")
    assert scoring.points(None, D(12), D(50)) is None


def test_a_hand_worked_unit_scores_as_on_paper():
    counters = {
        # transparency: synced 90 of 100 received → 90 % × 18 ÷ 100 = 16.20
        "received": 100,
        "synced": 90,
        # progress: 45 of 50 ended on time → 90 % × 20 = 18.00
        "ended": 50,
        "on_time": 45,
        "late": 5,
        # online service: 20 online with an e-result of 80 offered online → 25 % × 12 ÷ 50 = 6.00
        "online_offered": 80,
        "online_e_result": 20,
        # online payment: 10 of 40 fee-bearing → 25 % × 10 = 2.50
        "fee_bearing": 40,
        "paid_online": 10,
        # satisfaction: 100 − (late 10 % + complaints 2 % + dissatisfied 0 %) = 88 % → 88 × 18 ÷ 90 = 17.60
        "complaints": 2,
        "rated": 10,
        "dissatisfied": 0,
        # digitisation: 60 of 100 → 60 × 22 ÷ 80 = 16.50
        "digitised": 60,
    }
    s = scoring.score(counters)
    points = {g.rule.key: g.points for g in s.groups}
    assert points == {
        "transparency": D("16.20"),
        "progress": D("18.00"),
        "online_service": D("6.00"),
        "online_payment": D("2.50"),
        "satisfaction": D("17.60"),
        "digitisation": D("16.50"),
    }
    assert s.earned == D("76.80") and s.applicable == D(100) and s.total == D("76.80")


def test_a_group_without_any_case_is_left_out_and_the_total_rescaled():
    # No fee-bearing dossier: online payment does not apply; 90 points possible.
    counters = {"received": 10, "synced": 10, "ended": 10, "on_time": 10, "online_offered": 10, "online_e_result": 5}
    counters |= {"digitised": 8, "rated": 0}
    s = scoring.score(counters)
    by_key = {g.rule.key: g for g in s.groups}
    assert by_key["online_payment"].points is None
    # 18 + 20 + 12 + satisfaction (late 0 % → 100 %: 18) + digitisation (80 % → 22) = 90 of 90 → 100.
    assert s.applicable == D(90) and s.total == D("100.00")


def test_ranking_shares_places_and_puts_units_without_data_last():
    a = scoring.score({"received": 10, "synced": 10})
    b = scoring.score({"received": 10, "synced": 5})
    c = scoring.score({"received": 10, "synced": 10})
    empty = scoring.score({})
    ranked = scoring.rank({"A": a, "B": b, "C": c, "X": empty})
    assert [(place, key) for place, key, _s in ranked] == [(1, "A"), (1, "C"), (3, "B"), (0, "X")]


rates = st.decimals(min_value=0, max_value=100, places=2)
maxima = st.decimals(min_value=1, max_value=50, places=0)
thresholds = st.decimals(min_value=1, max_value=100, places=0)


@given(rates, rates, maxima, thresholds)
def test_points_are_bounded_and_never_fall_when_the_rate_rises(r1, r2, maximum, threshold):
    low, high = sorted((r1, r2))
    p_low, p_high = scoring.points(low, maximum, threshold), scoring.points(high, maximum, threshold)
    assert D(0) <= p_low <= p_high <= maximum
    assert (p_high == maximum) if high >= threshold else True


counts = st.integers(min_value=0, max_value=10_000)


@given(st.fixed_dictionaries({k: counts for k in ("received", "synced", "ended", "on_time", "digitised", "rated")}))
def test_the_total_stays_between_0_and_100(c):
    c = {**c, "synced": min(c["synced"], c["received"]), "on_time": min(c["on_time"], c["ended"])}
    c["digitised"] = min(c["digitised"], c["received"])
    c["late"] = c["ended"] - c["on_time"]
    total = scoring.score(c).total
    assert total is None or D(0) <= total <= D(100)
