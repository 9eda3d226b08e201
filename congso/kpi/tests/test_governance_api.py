"""``/api/v1/kpi/dx``: coverage, targets with progress, digital-economy figures read and entered, problem+json
errors in Vietnamese, through HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from congso.accounts.models import User
from congso.dossiers.access import who_for
from congso.dossiers.tests.helpers import Api, agency, user
from congso.geo.models import AdministrativeUnit
from congso.kpi import governance as G
from congso.kpi import governance_selectors as S
from congso.kpi.models import EconomyValue
from congso.kpi.tests.test_governance import plan_args

pytestmark = pytest.mark.django_db


def hac():
    return AdministrativeUnit.objects.get(code="14797", valid_to__isnull=True, level="commune")


def test_coverage_for_a_year():
    G.record_plan(who_for(user("quantri")), ref=S.UnitRef("commune", hac().pk), **plan_args())
    response = Api("kiemtra").get("/kpi/dx/coverage", year="2026")
    assert response.status_code == 200, response.content
    body = response.json()
    communes = body["groups"][1]
    assert (communes["key"], communes["covered"], communes["total"]) == ("communes", 1, 166)
    assert len(communes["missing"]) == 165 and body["summary"].endswith("1/166 xã, phường")


@pytest.mark.parametrize("year", ["20x6", "1990", ""])
def test_a_bad_year_is_a_vietnamese_422(year):
    response = Api("quantri").get("/kpi/dx/coverage", year=year)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "Năm" in response.content.decode()


def test_targets_with_progress_and_a_unit_filter():
    admin = who_for(user("quantri"))
    G.assign_targets_bulk(admin, group="communes", year=2026, indicator="on_time", comparison="gte", value="90")
    ref = S.UnitRef("commune", hac().pk)
    response = Api("lanhdao.hacthanh").get("/kpi/dx/targets", year="2026", unit=str(ref))
    assert response.status_code == 200, response.content
    (row,) = response.json()["targets"]
    assert (row["unit"], row["indicator"], row["target"], row["status"]) == (str(ref), "on_time", 90.0, "no_data")
    assert len(Api("kiemtra").get("/kpi/dx/targets", year="2026").json()["targets"]) == 166
    unknown = Api("quantri").get("/kpi/dx/targets", year="2026", unit="commune:999999999")
    assert unknown.status_code == 404
    bad = Api("quantri").get("/kpi/dx/targets", year="2026", unit="xã Hạc Thành")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "unit"


def test_a_citizen_reads_nothing():
    assert Api("quantri").get("/kpi/dx/coverage", year="2026").status_code == 200
    citizen = User.objects.create(username="citizen_an", full_name="Nguyễn Văn An", account_type="citizen")
    api = Api()
    api.client.force_login(citizen)
    for path, params in (
        ("/kpi/dx/coverage", {"year": "2026"}),
        ("/kpi/dx/targets", {"year": "2026"}),
        ("/kpi/dx/economy", {"metric": "e-invoice", "period": "2026"}),
    ):
        assert api.get(path, **params).status_code == 403
    assert Api().get("/kpi/dx/coverage", year="2026").status_code == 401


def test_entering_a_figure_then_a_correction_then_reading_the_history():
    api = Api("lanhdao.hacthanh")
    body = {"metric": "cashless-schools", "unit": hac().pk, "period": "2026-Q3", "value": "82.5"}
    first = api.post("/kpi/dx/economy", body)
    assert first.status_code == 201, first.content
    assert first.json()["value"]["revision"] == 1
    assert api.post("/kpi/dx/economy", body).status_code == 200  # the same figure: nothing new
    second = api.post("/kpi/dx/economy", body | {"value": "85"})
    assert second.status_code == 201 and second.json()["value"]["revision"] == 2
    read = Api("kiemtra").get("/kpi/dx/economy", metric="cashless-schools", period="Quý 3/2026", unit=hac().pk)
    (row,) = read.json()["rows"]
    assert row["value"]["value"] == 85.0
    assert [h["value"] for h in row["history"]] == [82.5]
    assert row["history"][0]["entered_by"]
    whole = Api("kiemtra").get("/kpi/dx/economy", metric="cashless-schools", period="2026-Q3").json()
    assert (whole["reported"], whole["total"]) == (1, 166)


@pytest.mark.parametrize(
    ("username", "change", "status", "field"),
    [
        ("lanhdao.hacthanh", {"value": "120"}, 422, "value"),
        ("lanhdao.hacthanh", {"value": "abc"}, 422, "value"),
        ("lanhdao.hacthanh", {"period": "2099-01"}, 422, "period"),
        ("lanhdao.hacthanh", {"metric": "gdp"}, 404, "metric"),
        ("lanhdao.hacthanh", {"unit": 10**12}, 404, "unit"),
        ("lanhdao.samson", {}, 404, "unit"),  # another commune's figure
        ("kiemtra", {}, 404, "unit"),  # the auditor reads only
    ],
)
def test_a_bad_figure_is_a_problem_and_nothing_is_saved(username, change, status, field):
    body = {"metric": "cashless-schools", "unit": hac().pk, "period": "2026-Q3", "value": "82.5"} | change
    response = Api(username).post("/kpi/dx/economy", body)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}
    assert not EconomyValue.objects.exists()


def test_an_idempotency_key_replays_the_first_answer():
    api = Api("quantri")
    body = {"metric": "e-invoice", "unit": S.province_unit().pk, "period": "2026", "value": "99.1"}
    first = api.post("/kpi/dx/economy", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/kpi/dx/economy", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    other = api.post("/kpi/dx/economy", body | {"value": "98"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409
    assert EconomyValue.objects.count() == 1


def test_the_responsible_department_enters_a_province_figure():
    from congso.accounts.actions import assign_role
    from congso.accounts.choices import Role

    someone = user("chuyenvien.sxd")
    body = {"metric": "sme-dx-programme", "unit": S.province_unit().pk, "period": "2026-10", "value": "21000"}
    assert Api("chuyenvien.sxd").post("/kpi/dx/economy", body).status_code == 404
    assign_role(someone, agency("so-tai-chinh"), Role.SPECIALIST)
    assert Api("chuyenvien.sxd").post("/kpi/dx/economy", body).status_code == 201
    assert Api("chuyenvien.sxd").post("/kpi/dx/economy", body | {"value": "21000.5"}).status_code == 422
    assert dt.date(2026, 10, 31) == EconomyValue.objects.get().period_end
