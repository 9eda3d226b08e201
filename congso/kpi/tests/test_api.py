"""``GET /api/v1/kpi/indicators`` through HTTP: grouping, filters, rollup, who may read what, bad input."""

from __future__ import annotations

import pytest

from congso.dossiers import actions as A
from congso.dossiers.tests.helpers import Api, local
from congso.geo.models import AdministrativeUnit
from congso.kpi.tests import helpers as H

pytestmark = pytest.mark.django_db


@pytest.fixture
def november():
    """Hạc Thành: two SIGNATURE dossiers accepted in November (one refused on the merits the same day) and
    one BIRTH accepted in December; Sầm Sơn: one BIRTH accepted in November."""
    h, s = H.hacthanh(), H.samson()
    a = H.receive(h, H.SIGNATURE, now=local(2026, 11, 2, 8, 0))
    H.accept(h, a, local(2026, 11, 2, 8, 0))
    b = H.receive(h, H.SIGNATURE, now=local(2026, 11, 3, 8, 0))
    H.accept(h, b, local(2026, 11, 3, 8, 0))
    A.refuse_dossier(H.fresh(b), h.leader, {"reasons": ["Không đủ điều kiện"]}, now=local(2026, 11, 3, 9, 0))
    c = H.receive(h, H.BIRTH, now=local(2026, 12, 1, 8, 0))
    H.accept(h, c, local(2026, 12, 1, 8, 0))
    d = H.receive(s, H.BIRTH, now=local(2026, 11, 5, 8, 0))
    H.accept(s, d, local(2026, 11, 5, 8, 0))
    return h, s


def get(api: Api, **params):
    return api.get("/kpi/indicators", **params)


def test_a_province_administrator_reads_every_agency_by_month_and_by_procedure(november):
    h, s = november
    admin = Api("quantri")
    body = get(admin, period="2026-11").json()
    assert body["by"] == "agency" and body["period"] == {"start": "2026-11-01", "end": "2026-12-01", "label": "11/2026"}
    groups = {g["label"]: g for g in body["groups"]}
    assert groups[h.pc.name]["counters"]["received"] == 2
    assert groups[h.pc.name]["rates"]["on_time"] == {"numerator": 1, "denominator": 1, "rate": 100.0}
    assert groups[s.pc.name]["counters"]["received"] == 1
    assert body["total"]["counters"]["received"] == 3
    assert body["total"]["rates"]["online_payment"] == {"numerator": 0, "denominator": 2, "rate": 0.0}
    assert body["total"]["rates"]["person_signature"] == {"numerator": 0, "denominator": 0, "rate": None}

    quarter = get(admin, period="2026-Q4", by="month").json()
    assert [(g["key"], g["label"], g["counters"]["received"]) for g in quarter["groups"]] == [
        ("2026-11-01", "11/2026", 3),
        ("2026-12-01", "12/2026", 1),
    ]
    months = get(admin, period="2026-10..2026-12", by="procedure", agency=h.pc.pk).json()
    assert {g["label"].split(" ")[0]: g["counters"]["received"] for g in months["groups"]} == {
        H.SIGNATURE: 2,
        H.BIRTH: 1,
    }
    fields = get(admin, period="2026", by="field", procedure=H.procedure(H.BIRTH).pk).json()
    assert [g["counters"]["received"] for g in fields["groups"]] == [2]
    assert fields["groups"][0]["label"] == H.procedure(H.BIRTH).field.name
    communes = get(admin, period="2026-11", by="commune", commune=s.unit_id).json()
    assert [(g["key"], g["counters"]["received"]) for g in communes["groups"]] == [(str(s.unit_id), 1)]


def test_a_commune_officer_reads_its_commune_and_not_another_agency(november):
    h, s = november
    clerk = Api("tiepnhan.hacthanh")  # the Hạc Thành one-stop centre
    body = get(clerk, period="2026-11").json()
    assert [g["key"] for g in body["groups"]] == [str(h.pc.pk)]  # Sầm Sơn's dossier is not there
    assert body["total"]["counters"]["received"] == 2
    leader = Api("lanhdao.hacthanh")  # at the commune People's Committee
    assert get(leader, period="2026-11", agency=h.pc.pk).json()["total"]["counters"]["received"] == 2
    # Another agency, another commune, an unknown agency: not found (their existence is not disclosed).
    for params in ({"agency": s.pc.pk}, {"commune": s.unit_id}, {"agency": 987654321}):
        response = get(leader, period="2026-11", **params)
        assert response.status_code == 404, params
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["title"] == "Không tìm thấy"


def test_only_officers_read_indicators():
    assert get(Api(), period="2026-11").status_code == 401
    citizen = get(Api("congdan.an"), period="2026-11")
    assert citizen.status_code == 403
    assert citizen.json()["detail"] == "Chỉ cán bộ, công chức được xem chỉ số chỉ đạo, điều hành."


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"period": "2026-13"}, "period", "Kỳ báo cáo không hợp lệ"),
        ({"period": "2026-Q5"}, "period", "Kỳ báo cáo không hợp lệ"),
        ({"period": "tháng 11"}, "period", "Kỳ báo cáo không hợp lệ"),
        ({"period": "2026-12..2026-01"}, "period", "Kỳ báo cáo không hợp lệ"),
        ({"period": "1999"}, "period", "Kỳ báo cáo không hợp lệ"),
        ({"period": "2026-11", "by": "district"}, "by", "Nhóm theo: agency, commune, field, procedure hoặc month."),
        ({"period": "2026-11", "agency": "abc"}, "agency", "Giá trị phải là một số."),
        ({"by": "agency"}, "period", "Trường này là bắt buộc."),
        ({"period": "2026-11", "rollup": "có"}, "rollup", "Giá trị không hợp lệ."),
    ],
)
def test_bad_input_is_a_422_in_vietnamese(params, field, message):
    response = get(Api("quantri"), **params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors[field].startswith(message), errors


def test_rollup_reads_a_pre_reform_commune_under_its_successor(november):
    """Test data: Hạc Thành's desk moved under an old commune unit (as a dossier received before the reform
    keeps its old unit). Without rollup the old commune is its own row; with rollup it joins its successor."""
    h, _s = november
    merged = AdministrativeUnit.objects.filter(valid_to__isnull=False, level="commune", successors=h.unit_id)
    old = next(u for u in merged if u.successors.count() == 1)  # reference data: a commune merged into Hạc Thành
    from congso.kpi.actions import refill_rollup
    from congso.kpi.models import Cell

    Cell.objects.filter(unit_id=h.unit_id, month="2026-12-01").update(unit_id=old.pk)
    refill_rollup()  # cells written directly: their month-level rollup follows
    admin = Api("quantri")
    plain = get(admin, period="2026-Q4", by="commune").json()
    keys = {g["key"]: g["counters"]["received"] for g in plain["groups"]}
    assert keys[str(old.pk)] == 1 and keys[str(h.unit_id)] == 2
    rolled = get(admin, period="2026-Q4", by="commune", rollup="true").json()
    keys = {g["key"]: g["counters"]["received"] for g in rolled["groups"]}
    assert str(old.pk) not in keys and keys[str(h.unit_id)] == 3
    one = get(admin, period="2026-Q4", by="month", commune=h.unit_id, rollup="true").json()
    assert one["total"]["counters"]["received"] == 3
    assert get(admin, period="2026-Q4", by="month", commune=old.pk).json()["total"]["counters"]["received"] == 1


def test_indicators_are_the_json_their_schema_gives(november):
    """The endpoint serialises the selectors' result itself (no pydantic pass over hundreds of groups): the bytes
    must be those of validating it through ``KpiIndicatorsOut`` — field order, floats, nulls, dropped keys."""
    from congso.api.v1.renderers import UnicodeJSONRenderer
    from congso.dossiers.access import who_for
    from congso.kpi import selectors
    from congso.kpi.api import KpiIndicatorsOut

    h, s = november
    admin, leader = Api("quantri"), Api("lanhdao.hacthanh")
    cases = [
        (admin, {"period": "2026-11"}),
        (admin, {"period": "2026-Q4", "by": "month"}),
        (admin, {"period": "2026", "by": "procedure", "agency": h.pc.pk}),
        (admin, {"period": "2026-10..2026-12", "by": "commune", "rollup": "true"}),
        (admin, {"period": "2026-11", "by": "field"}),
        (admin, {"period": "2019-01"}),  # nothing: no group, every rate null
        (leader, {"period": "2026-11", "by": "procedure", "agency": h.pc.pk}),
    ]
    for caller, params in cases:
        response = get(caller, **params)
        assert response.status_code == 200, params
        assert response["Content-Type"] == "application/json; charset=utf-8"
        scope = selectors.scope_for(who_for(response.wsgi_request.user))
        result = selectors.indicators(
            selectors.parse_period(params["period"]),
            by=params.get("by", "agency"),
            scope=scope,
            agency=params.get("agency"),
            rollup=params.get("rollup") == "true",
        )
        expected = KpiIndicatorsOut.model_validate(result).model_dump()
        assert response.content.decode() == UnicodeJSONRenderer().render(None, expected, response_status=200), params
