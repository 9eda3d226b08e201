"""Each indicator on a hand-built month of dossiers, through the engine's actions, figures worked out by hand.

November 2026 at two commune one-stop centres (Hạc Thành, Sầm Sơn); both procedures take 1 working day
(working hours 07:00–11:30, 13:30–17:00). SIGNATURE charges 10.000 đồng; BIRTH is free and, for this
test, a full online service. Every result is signed by the leader and issued with the agency seal.

    D1  desk  SIGNATURE  H  accepted 2/11 08:00, paid at the desk, finished 2/11 10:00 (early), returned; rated 5
    D2  desk  SIGNATURE  H  accepted 3/11 08:00, paid ONLINE, finished 5/11 10:00 > due 4/11 08:00: LATE;
                            returned; rated 2 (dissatisfied); a complaint
    D3  online BIRTH     H  submitted 4/11 08:00, accepted 09:00, finished 10:00, returned: electronic result
    D4  online BIRTH     H  submitted Fri 27/11 16:00 (received in November), accepted Mon 30/11 08:00,
                            finished Tue 1/12 09:00 > due 1/12 08:00: LATE, ended in DECEMBER
    D5  desk  BIRTH      H  accepted 10/11 08:00, refused on the merits 14:00 (Form 03): ended, on time
    D6  desk  SIGNATURE  S  accepted 12/11 08:00, withdrawn 09:00: ended, on time (the fee is cancelled)
    D7  desk  BIRTH      H  refused at intake 13/11 (never accepted): not a dossier received, not counted
    D9  desk  BIRTH      H  accepted 16/11, a paper NOT digitised and one reused from the data store; open
    D10 desk  BIRTH      H  accepted 17/11 08:00 (due 18/11 08:00), supplement requested 09:00, answered
                            19/11 08:00, finished 19/11 10:00 — paused time excluded, the due time moved to
                            19/11 17:00: ON TIME (counted late if the pause were not excluded)
    D11 desk  BIRTH      S  accepted 18/11 08:00, stopped 10:00: ended; 2 h used of 8: on time
    D12 desk  BIRTH      H  accepted 23/11 08:00, two supplement requests (the limit raised to 2), finished
                            11:00 before the appointment — but more than one supplement request: LATE

November, whole province:
    received 10 (D1–D6, D9–D12), online 2 (D3, D4), of procedures offered online 7 (the BIRTH ones)
    ended 8 (D1, D2, D3, D5, D6, D10, D11, D12), on time 6          → on-time rate 6/8 = 75.00 %
    online: channel 2 with an electronic result 1 (D3) ÷ 7         → 14.29 %
    fee-bearing 3 (D1, D2, D6), paid online 1 (D2)                 → 33.33 %
    digitised 9 (all but D9) ÷ 10                                  → 90.00 %; reuse 1 ÷ 10 → 10.00 %
    results 5 (D1, D2, D3, D10, D12), person- and agency-signed 5  → 100.00 % each
    satisfaction: 100 − (late 2/8 = 25 % + complaints 1/10 = 10 % + dissatisfied 1/3 = 33.33 %) = 31.67 %
    average rating (5 + 2 + 4) / 3 = 3.67
    Hạc Thành's commune People's Committee: ended 6, on time 4 → 66.67 %; Sầm Sơn's: 2 of 2 → 100.00 %
December: D4 ended late → 0/1 = 0.00 %. Quarter 4: on time 6 of 9 ended → 66.67 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from congso.dossiers import actions as A
from congso.dossiers.tests.helpers import local, user
from congso.kpi import selectors
from congso.kpi.tests import helpers as H

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)


def build_november(settings):
    h, s = H.hacthanh(), H.samson()
    H.offer_online(H.BIRTH)
    ds = {}

    d = H.receive(h, H.SIGNATURE, now=local(2026, 11, 2, 8, 0))
    H.accept(h, d, local(2026, 11, 2, 8, 0))
    H.pay_at_desk(h, d, local(2026, 11, 2, 8, 5))
    H.finish(h, d, local(2026, 11, 2, 10, 0))
    H.return_result(h, d, local(2026, 11, 2, 11, 0))
    H.rate(d, 5)
    ds["D1"] = d

    d = H.receive(h, H.SIGNATURE, now=local(2026, 11, 3, 8, 0))
    H.accept(h, d, local(2026, 11, 3, 8, 0))
    H.pay_online(d, local(2026, 11, 3, 9, 0))
    H.finish(h, d, local(2026, 11, 5, 10, 0))
    H.return_result(h, d, local(2026, 11, 5, 11, 0))
    H.rate(d, 2)
    H.complain(d, h)
    ds["D2"] = d

    d = H.receive(h, H.BIRTH, channel=2, now=local(2026, 11, 4, 8, 0))
    H.accept(h, d, local(2026, 11, 4, 9, 0))
    H.finish(h, d, local(2026, 11, 4, 10, 0))
    H.return_result(h, d, local(2026, 11, 4, 11, 0))
    H.rate(d, 4)
    ds["D3"] = d

    d = H.receive(h, H.BIRTH, channel=2, now=local(2026, 11, 27, 16, 0))
    H.accept(h, d, local(2026, 11, 30, 8, 0))
    H.finish(h, d, local(2026, 12, 1, 9, 0))
    ds["D4"] = d

    d = H.receive(h, H.BIRTH, now=local(2026, 11, 10, 8, 0))
    H.accept(h, d, local(2026, 11, 10, 8, 0))
    A.refuse_dossier(H.fresh(d), h.leader, {"reasons": ["Không đủ điều kiện"]}, now=local(2026, 11, 10, 14, 0))
    ds["D5"] = d

    d = H.receive(s, H.SIGNATURE, now=local(2026, 11, 12, 8, 0))
    H.accept(s, d, local(2026, 11, 12, 8, 0))
    A.withdraw_dossier(H.fresh(d), s.clerk, {"reason": "Người nộp rút"}, now=local(2026, 11, 12, 9, 0))
    ds["D6"] = d

    d = H.receive(h, H.BIRTH, now=local(2026, 11, 13, 8, 0))
    A.refuse_dossier(H.fresh(d), h.clerk, {"reasons": ["Không thuộc thẩm quyền"]}, now=local(2026, 11, 13, 8, 30))
    ds["D7"] = d

    d = H.receive(h, H.BIRTH, now=local(2026, 11, 16, 8, 0), digitised=False, reused=True)
    H.accept(h, d, local(2026, 11, 16, 8, 0))
    ds["D9"] = d

    d = H.receive(h, H.BIRTH, now=local(2026, 11, 17, 8, 0))
    H.accept(h, d, local(2026, 11, 17, 8, 0))
    A.request_supplement(
        H.fresh(d), h.clerk, {"items": ["Bản sao CCCD"], "reason": "Thiếu"}, now=local(2026, 11, 17, 9, 0)
    )
    A.submit_supplement(H.fresh(d), h.clerk, now=local(2026, 11, 19, 8, 0))
    d10 = H.finish(h, d, local(2026, 11, 19, 10, 0))
    assert d10.outcome == "on_time" and d10.appointment_at == local(2026, 11, 19, 17, 0)
    ds["D10"] = d

    d = H.receive(s, H.BIRTH, now=local(2026, 11, 18, 8, 0))
    H.accept(s, d, local(2026, 11, 18, 8, 0))
    A.stop_processing(H.fresh(d), s.leader, {"reason": "Chờ xác minh"}, now=local(2026, 11, 18, 10, 0))
    ds["D11"] = d

    settings.CONGSO_MAX_SUPPLEMENTS = 2
    d = H.receive(h, H.BIRTH, now=local(2026, 11, 23, 8, 0))
    H.accept(h, d, local(2026, 11, 23, 8, 0))
    for at in (8, 9):
        A.request_supplement(
            H.fresh(d), h.clerk, {"items": ["Giấy tờ"], "reason": "Thiếu"}, now=local(2026, 11, 23, at, 30)
        )
        A.submit_supplement(H.fresh(d), h.clerk, now=local(2026, 11, 23, at + 1, 0))
    d12 = H.finish(h, d, local(2026, 11, 23, 11, 0))
    assert d12.outcome in ("early", "on_time") and d12.supplement_count == 2
    ds["D12"] = d
    return h, s, ds


def rate(result, name):
    return result["total"]["rates"][name]


def test_each_formula_on_a_hand_built_november(settings):
    h, s, _ds = build_november(settings)
    everything = selectors.Scope(everything=True)
    nov = selectors.indicators(selectors.parse_period("2026-11"), by="agency", scope=everything)
    c = nov["total"]["counters"]
    assert (c["received"], c["received_online"], c["online_offered"]) == (10, 2, 7)
    assert (c["ended"], c["on_time"], c["late"]) == (8, 6, 2)
    assert rate(nov, "on_time") == {"numerator": 6, "denominator": 8, "rate": Decimal("75.00")}
    assert rate(nov, "online") == {"numerator": 1, "denominator": 7, "rate": Decimal("14.29")}
    assert rate(nov, "online_payment") == {"numerator": 1, "denominator": 3, "rate": Decimal("33.33")}
    assert rate(nov, "digitisation") == {"numerator": 9, "denominator": 10, "rate": Decimal("90.00")}
    assert rate(nov, "reuse") == {"numerator": 1, "denominator": 10, "rate": Decimal("10.00")}
    assert rate(nov, "person_signature") == {"numerator": 5, "denominator": 5, "rate": Decimal("100.00")}
    assert rate(nov, "agency_signature") == {"numerator": 5, "denominator": 5, "rate": Decimal("100.00")}
    assert rate(nov, "synced") == {"numerator": 0, "denominator": 10, "rate": Decimal("0.00")}
    satisfaction = rate(nov, "satisfaction")
    assert satisfaction["rate"] == Decimal("31.67")
    assert satisfaction["late"]["rate"] == Decimal("25.00")
    assert satisfaction["complaints"]["rate"] == Decimal("10.00")
    assert satisfaction["dissatisfied"] == {"numerator": 1, "denominator": 3, "rate": Decimal("33.33")}
    assert rate(nov, "average_rating") == Decimal("3.67")

    by_agency = {g["key"]: g for g in nov["groups"]}
    assert by_agency[str(h.pc.pk)]["rates"]["on_time"]["rate"] == Decimal("66.67")
    assert by_agency[str(s.pc.pk)]["rates"]["on_time"] == {"numerator": 2, "denominator": 2, "rate": Decimal("100.00")}
    assert by_agency[str(s.pc.pk)]["label"] == s.pc.name

    dec = selectors.indicators(selectors.parse_period("2026-12"), by="month", scope=everything)
    assert rate(dec, "on_time") == {"numerator": 0, "denominator": 1, "rate": Decimal("0.00")}
    assert rate(dec, "digitisation")["denominator"] == 0 and rate(dec, "digitisation")["rate"] is None

    q4 = selectors.indicators(selectors.parse_period("2026-Q4"), by="month", scope=everything)
    assert rate(q4, "on_time")["rate"] == Decimal("66.67")
    assert [g["key"] for g in q4["groups"]] == ["2026-11-01", "2026-12-01"]
    assert (
        q4["total"]["counters"]
        == selectors.indicators(selectors.parse_period("2026"), by="field", scope=everything)["total"]["counters"]
    )

    # Cut by commune (the intake point): Sầm Sơn received D6 and D11.
    by_commune = {
        g["key"]: g
        for g in selectors.indicators(selectors.parse_period("2026-11"), by="commune", scope=everything)["groups"]
    }
    assert by_commune[str(s.unit_id)]["counters"]["received"] == 2
    assert by_commune[str(h.unit_id)]["counters"]["received"] == 8

    # The summaries equal a recomputation from scratch.
    call_command("rebuild_kpi", stdout=open("/dev/null", "w"))


def test_a_scope_reads_only_its_own_cells(settings):
    h, s, _ds = build_november(settings)
    from congso.dossiers.access import who_for

    scope = selectors.scope_for(h.clerk)  # the Hạc Thành desk: what its commune received
    nov = selectors.indicators(selectors.parse_period("2026-11"), by="agency", scope=scope)
    assert nov["total"]["counters"]["received"] == 8
    assert [g["key"] for g in nov["groups"]] == [str(h.pc.pk)]
    assert selectors.scope_for(who_for(user("quantri"))).everything
