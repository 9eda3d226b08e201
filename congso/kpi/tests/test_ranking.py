"""Decision 766 ranking (``kpi.ranking``) on a hand-built November of summary cells, every point worked by hand.

Test data: the cells are written directly (they are what the actions maintain; ``test_formulas_by_hand`` proves
the actions write them right). Procedure and channel do not matter to a ranking: one procedure throughout.

    cell  agency                unit        counters
    1     Sở Tư pháp (A)        Hạc Thành   received 100, synced 90, ended 50, on_time 45, late 5,
                                            online_offered 80, online_e_result 20, fee_bearing 40, paid_online 10,
                                            complaints 2, rated 10, dissatisfied 0, digitised 60
    2     Sở Xây dựng (B)       Sầm Sơn     received 10, synced 10, ended 10, on_time 10, online_offered 10,
                                            online_e_result 5, digitised 8 (no fee-bearing dossier)
    3     Sở Xây dựng (B)       Hạc Thành   rated 10, dissatisfied 5
    4     Sở NN và MT (C)       Thọ Xuân    as cell 2
    5     UBND xã Hạc Thành     Hạc Thành   received 4 (a commune's own agency: not in the agency ranking)
    6     Sở Tư pháp (A)        the province (received at the provincial centre: in no commune) received 6

Default rules (domain §8): transparency 18 (synced, full at 100 %), progress 20 (on time, 100 %), online service 12
(online, 50 %), online payment 10 (100 %), satisfaction 18 (90 %), digitisation 22 (80 %).

Agency A = cells 1 + 6: received 106 → transparency 90/106 = 84.91 % → 84.91 × 18 ÷ 100 = 15.28; progress 45/50 =
  90 % → 18.00; online 20/80 = 25 % < 50 → 25 × 12 ÷ 50 = 6.00; payment 10/40 = 25 % → 2.50; satisfaction 100 − (5/50
  10 % + 2/106 1.8868 % + 0/10 0 %) = 88.11 % → 88.11 × 18 ÷ 90 = 17.62; digitisation 60/106 = 56.60 % → 56.60 × 22 ÷
  80 = 15.57 (15.565). Total 15.28 + 18 + 6 + 2.5 + 17.62 + 15.57 = 74.97 of 100.
Agency B = cells 2 + 3: 18 + 20 + online 5/10 = 50 % → 12 + payment n/a + satisfaction 100 − 50 (5 of 10 rated
  dissatisfied) = 50 % → 50 × 18 ÷ 90 = 10.00 + digitisation 8/10 = 80 % → 22: 82 of 90 → 82 × 100 ÷ 90 = 91.11.
Agency C = cell 4: 18 + 20 + 12 + 18 + 22 = 90 of 90 → 100.00.
Ranking of agencies: C 1st (100), B 2nd (91.11), A 3rd (74.97); every other province-level agency unranked.

Commune Hạc Thành = cells 1 + 3 + 5: received 104 → transparency 90/104 = 86.54 % → 15.58 (15.5772); progress 18.00;
  online 6.00; payment 2.50; satisfaction 100 − (10 % + 2/104 1.9231 % + 5/20 25 %) = 63.08 % → 63.08 × 18 ÷ 90 =
  12.62 (12.616); digitisation 60/104 = 57.69 % → 57.69 × 22 ÷ 80 = 15.86 (15.86475 → 15.86). Total 70.56.
Sầm Sơn = cell 2: 100.00 (as C without the dissatisfied); Thọ Xuân = cell 4: 100.00. Ties share 1st place, Hạc
  Thành is 3rd; the other 163 current communes are unranked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from congso.dossiers.tests.helpers import agency, procedure
from congso.geo.models import AdministrativeUnit, Agency
from congso.kpi import ranking, scoring, selectors
from congso.kpi.actions import refill_rollup
from congso.kpi.models import Cell

pytestmark = pytest.mark.django_db

D = Decimal
NOV = dt.date(2026, 11, 1)
FULL = {"received": 10, "synced": 10, "ended": 10, "on_time": 10, "online_offered": 10, "online_e_result": 5}
FULL |= {"digitised": 8}


def unit(code: str) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code, valid_to__isnull=True)


def cell(agency_slug: str, unit_id: int, month: dt.date = NOV, channel: int = 1, **counters) -> Cell:
    created = Cell.objects.create(
        month=month,
        agency=agency(agency_slug),
        unit_id=unit_id,
        procedure=procedure("1.001193"),
        channel=channel,
        **counters,
    )
    refill_rollup()  # cells written directly: their month-level rollup follows
    return created


def hand_worked_november():
    """The cells of the table in this module's docstring; returns the communes Hạc Thành, Sầm Sơn, Thọ Xuân."""
    hac, sam, tho = unit("14797"), unit("16531"), unit("15499")
    province = AdministrativeUnit.objects.get(level="province", code="38")
    cell(
        "so-tu-phap",
        hac.pk,
        received=100,
        synced=90,
        ended=50,
        on_time=45,
        late=5,
        online_offered=80,
        online_e_result=20,
        fee_bearing=40,
        paid_online=10,
        complaints=2,
        rated=10,
        dissatisfied=0,
        digitised=60,
    )
    cell("so-xay-dung", sam.pk, **FULL)
    cell("so-xay-dung", hac.pk, channel=2, rated=10, dissatisfied=5, rating_sum=30)
    cell("so-nong-nghiep-va-moi-truong", tho.pk, **FULL)
    cell("ubnd-xa-14797", hac.pk, received=4)
    cell("so-tu-phap", province.pk, channel=3, received=6)
    return hac, sam, tho


@pytest.fixture
def november():
    return hand_worked_november()


def month(text: str = "2026-11") -> selectors.Period:
    return selectors.parse_period(text)


def by_key(result: ranking.Ranking) -> dict:
    return {e.key: e for e in result.entries}


def test_agencies_are_scored_by_hand_and_ranked_best_first(november):
    result = ranking.ranking(month(), "agency")
    a, b, c = agency("so-tu-phap"), agency("so-xay-dung"), agency("so-nong-nghiep-va-moi-truong")
    entries = by_key(result)
    points = {g.rule.key: g.points for g in entries[a.pk].score.groups}
    assert points == {
        "transparency": D("15.28"),
        "progress": D("20.00") * D("0.9"),
        "online_service": D("6.00"),  # 25 % below the 50 % threshold: 25 × 12 ÷ 50
        "online_payment": D("2.50"),
        "satisfaction": D("17.62"),
        "digitisation": D("15.57"),
    }
    assert entries[a.pk].total == D("74.97")
    assert entries[b.pk].total == D("91.11")
    assert {g.rule.key for g in entries[b.pk].score.groups if g.points is None} == {"online_payment"}
    assert entries[c.pk].total == D("100.00")
    assert [(e.place, e.key) for e in result.entries[:3]] == [(1, c.pk), (2, b.pk), (3, a.pk)]
    # Every other province-level agency in force is listed, unranked, after the ranked ones; no commune agency.
    others = result.entries[3:]
    assert others and all(e.place == 0 and e.total is None for e in others)
    listed = {e.key for e in result.entries}
    expected = set(
        Agency.objects.filter(valid_to__isnull=True)
        .exclude(kind__in=selectors.LOCAL_KINDS)
        .values_list("pk", flat=True)
    )
    assert listed == expected
    assert agency("ubnd-xa-14797").pk not in listed
    # The province's line sums every cell, the commune agency's and the provincial centre's included.
    assert result.province.counters["received"] == 100 + 10 + 10 + 4 + 6


def test_communes_are_scored_by_intake_commune_with_ties_sharing_a_place(november):
    hac, sam, tho = november
    result = ranking.ranking(month(), "commune")
    entries = by_key(result)
    assert entries[hac.pk].counters["received"] == 104  # every agency's dossiers received there
    points = {g.rule.key: g.points for g in entries[hac.pk].score.groups}
    assert points == {
        "transparency": D("15.58"),
        "progress": D("18.00"),
        "online_service": D("6.00"),
        "online_payment": D("2.50"),
        "satisfaction": D("12.62"),
        "digitisation": D("15.86"),
    }
    assert entries[hac.pk].total == D("70.56")
    assert entries[sam.pk].total == entries[tho.pk].total == D("100.00")
    top = [(e.place, e.key) for e in result.entries[:3]]
    assert top == sorted([(1, sam.pk), (1, tho.pk)], key=lambda p: entries[p[1]].name) + [(3, hac.pk)]
    # The current 166 communes, no more (the province's own intake is in no commune).
    assert len(result.entries) == 166 == AdministrativeUnit.objects.filter(level="commune", valid_to=None).count()
    assert sum(1 for e in result.entries if e.place == 0) == 163


def test_the_configured_rules_change_the_points(november):
    """Progress weighs 40 and digitisation 2 (thresholds as before): agency A's progress 90 % → 36.00, its
    digitisation 56.60 % → 56.60 × 2 ÷ 80 = 1.415 → 1.42 (ROUND_HALF_UP)."""
    rules = tuple(
        scoring.GroupRule(
            r.key, r.name, r.indicator, {"progress": D(40), "digitisation": D(2)}.get(r.key, r.maximum), r.threshold
        )
        for r in scoring.DEFAULT_RULES
    )
    a = by_key(ranking.ranking(month(), "agency", rules=rules))[agency("so-tu-phap").pk]
    points = {g.rule.key: g.points for g in a.score.groups}
    assert points["progress"] == D("36.00") and points["digitisation"] == D("1.42")
    # The stored rules are read when none are given: an inactive group is left out.
    from congso.kpi.models import ScoreGroup

    ScoreGroup.objects.filter(key="online_payment").update(active=False)
    a = by_key(ranking.ranking(month(), "agency"))[agency("so-tu-phap").pk]
    assert "online_payment" not in {g.rule.key for g in a.score.groups}


def test_a_period_before_the_reform_is_read_under_the_successors_or_as_it_was(november):
    """Test data: November 2024 cells at a commune merged into Sầm Sơn and at a department merged into another."""
    _hac, sam, _tho = november
    old = next(
        u for u in AdministrativeUnit.objects.filter(level="commune", successors=sam) if u.successors.count() == 1
    )
    merged = Agency.objects.filter(valid_to__isnull=False, successors__isnull=False).first()
    successor = selectors.agency_rollup()[merged.pk]
    nov24 = dt.date(2024, 11, 1)
    Cell.objects.create(month=nov24, agency=merged, unit=old, procedure=procedure("1.001193"), channel=1, **FULL)
    refill_rollup()

    rolled = ranking.ranking(month("2024-11"), "commune")
    assert len(rolled.entries) == 166 and rolled.entries[0].key == sam.pk and rolled.entries[0].place == 1
    assert by_key(ranking.ranking(month("2024"), "agency"))[successor].total == D("100.00")

    as_it_was = ranking.ranking(month("2024-11"), "commune", rollup=False)
    entries = by_key(as_it_was)
    assert entries[old.pk].place == 1 and not entries[old.pk].current and entries[old.pk].name == old.name
    assert sam.pk not in entries  # Sầm Sơn as it is now did not exist in November 2024
    assert all(not e.current for e in as_it_was.entries)
    agencies = by_key(ranking.ranking(month("2024-11"), "agency", rollup=False))
    assert agencies[merged.pk].place == 1 and not agencies[merged.pk].current


def test_a_ranking_costs_a_fixed_number_of_queries_whatever_the_number_of_units(november, django_assert_num_queries):
    rules = scoring.DEFAULT_RULES
    # One GROUP BY over the cells, the list of units, the successor links (two small queries for communes, one for
    # agencies).
    with django_assert_num_queries(4):
        ranking.ranking(month("2026"), "commune", rules=rules)
    with django_assert_num_queries(3):
        ranking.ranking(month("2026"), "agency", rules=rules)
    with django_assert_num_queries(3):  # + the configured rules; no rollup
        ranking.ranking(month("2026"), "agency", rollup=False)


def test_a_period_without_any_dossier_lists_every_unit_unranked():
    result = ranking.ranking(month("2030-01"), "commune")
    assert len(result.entries) == 166 and all(e.place == 0 for e in result.entries)
    assert result.province.total is None


def test_an_unknown_level_is_refused_in_vietnamese():
    with pytest.raises(selectors.KpiError) as exc:
        ranking.ranking(month(), "district")
    assert exc.value.field == "level" and "Cấp xếp hạng" in exc.value.message


def test_the_public_figures_are_cached_per_period_until_the_rules_change(november, settings, django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    settings.CONGSO_KPI_PUBLIC_CACHE_SECONDS = 300
    first = ranking.public_ranking(month(), "agency")
    with django_assert_num_queries(0):
        again = ranking.public_ranking(month(), "agency")
    assert [e.total for e in again.entries] == [e.total for e in first.entries]
    Cell.objects.filter(agency=agency("so-nong-nghiep-va-moi-truong")).delete()
    refill_rollup()
    assert by_key(ranking.public_ranking(month(), "agency"))[agency("so-nong-nghiep-va-moi-truong").pk].place == 1
    ranking.forget_public_rankings()
    assert by_key(ranking.public_ranking(month(), "agency"))[agency("so-nong-nghiep-va-moi-truong").pk].place == 0
    assert ranking.public_ranking(month("2026-10"), "agency") is not None  # another period: its own entry


@pytest.mark.parametrize(
    "params, text",
    [
        ({}, "2026-10"),
        ({"ky": "2026-Q4"}, "2026-Q4"),
        ({"loai": "thang", "nam": "2026", "thang": "3"}, "2026-03"),
        ({"loai": "quy", "nam": "2025", "quy": "2"}, "2025-Q2"),
        ({"loai": "nam", "nam": "2024"}, "2024"),
    ],
)
def test_a_page_asks_for_a_month_a_quarter_or_a_year(params, text):
    assert ranking.period_text(params, dt.date(2026, 11, 26))[0] == text
    selectors.parse_period(text)


def test_the_xlsx_has_a_sheet_per_level_with_the_points(november):
    import io

    from openpyxl import load_workbook

    data = ranking.xlsx([ranking.ranking(month(), level) for level in ranking.LEVELS])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Cơ quan cấp tỉnh", "Xã, phường"]
    rows = list(wb["Cơ quan cấp tỉnh"].iter_rows(min_row=3, values_only=True))
    assert rows[0][0] == 1 and rows[0][1] == agency("so-nong-nghiep-va-moi-truong").name and rows[0][-1] == 100.0
    assert rows[2][-1] == 74.97 and rows[-1][1] == "Toàn tỉnh"
