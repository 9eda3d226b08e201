"""Digital-transformation governance (issue 9 §3), through the actions and selectors: plan coverage per year with
the units of that year, targets with live progress from the KPI cells (predecessors rolled up), digital-economy
figures with revisions, and who may change what.

Personas (load_demo): ``quantri`` province administrator; ``lanhdao.hacthanh`` leader of the People's Committee of
Hạc Thành (14797); ``chuyenvien.stp`` specialist of the Department of Justice; ``kiemtra`` auditor (reads only).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from congso.accounts.actions import assign_role
from congso.accounts.choices import Role
from congso.dossiers.access import who_for
from congso.dossiers.tests.helpers import PDF, agency, local, procedure, user
from congso.geo.models import AdministrativeUnit
from congso.kpi import governance as G
from congso.kpi import governance_selectors as S
from congso.kpi.actions import refill_rollup
from congso.kpi.models import Cell, DxPlan, DxTarget, EconomyMetric, EconomyValue, PlanStatus
from congso.kpi.tests.helpers import BIRTH

pytestmark = pytest.mark.django_db

HACTHANH = "14797"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def admin():
    return who_for(user("quantri"))


def leader_hacthanh():
    return who_for(user("lanhdao.hacthanh"))


def commune(code: str = HACTHANH) -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code=code, valid_to__isnull=True, level="commune")


def ref_commune(code: str = HACTHANH) -> S.UnitRef:
    return S.UnitRef("commune", commune(code).pk)


def plan_args(**over):
    args = {
        "year": 2026,
        "title": "Kế hoạch chuyển đổi số năm 2026",
        "number": "12/KH-UBND",
        "issued_on": "2026-01-15",
        "period_from": "2026-01-01",
        "period_to": "2026-12-31",
        "document": PDF,
        "filename": "ke-hoach.pdf",
    }
    return args | over


def _units_json():
    return json.loads((Path(settings.BASE_DIR) / "data" / "geo" / "units.json").read_text(encoding="utf-8"))["units"]


def _communes_on(day: dt.date) -> int:
    """Counted from the data file itself, independently of the selector."""

    def ok(u):
        start = dt.date.fromisoformat(u["valid_from"]) if u["valid_from"] else dt.date.min
        end = dt.date.fromisoformat(u["valid_to"]) if u["valid_to"] else dt.date.max
        return u["level"] == "commune" and start <= day <= end

    return sum(1 for u in _units_json() if ok(u))


def _agencies_on(day: dt.date) -> int:
    rows = json.loads((Path(settings.BASE_DIR) / "data" / "geo" / "agencies.json").read_text(encoding="utf-8"))
    kinds = {"department", "province_office", "police"}

    def ok(a):
        start = dt.date.fromisoformat(a["valid_from"]) if a["valid_from"] else dt.date.min
        end = dt.date.fromisoformat(a["valid_to"]) if a["valid_to"] else dt.date.max
        return a["kind"] in kinds and start <= day <= end

    return sum(1 for a in rows["agencies"] if ok(a))


# ---- coverage -------------------------------------------------------------------------------------------------------
def test_it_counts_the_units_of_each_year_before_and_after_the_reform():
    after = S.coverage(2026, on=dt.date(2026, 11, 26))
    groups = {g["key"]: g for g in after["groups"]}
    assert groups["communes"]["total"] == 166 == _communes_on(dt.date(2026, 11, 26))
    assert groups["departments"]["total"] == _agencies_on(dt.date(2026, 11, 26))
    before = {g["key"]: g for g in S.coverage(2024, on=dt.date(2026, 11, 26))["groups"]}
    # 2024 is read on 31 Dec 2024: the pre-reform communes (after the 2024 mergers), the departments of then.
    assert before["communes"]["total"] == _communes_on(dt.date(2024, 12, 31)) > 500
    assert before["departments"]["total"] == _agencies_on(dt.date(2024, 12, 31))
    assert before["departments"]["total"] != groups["departments"]["total"]  # Mar 2025 reorganisation


def test_it_reports_coverage_as_the_province_report_does_with_the_units_missing_a_plan():
    G.record_plan(admin(), ref=S.UnitRef("agency", agency("so-tu-phap").pk), **plan_args())
    G.record_plan(leader_hacthanh(), ref=ref_commune(), **plan_args(number="05/KH-UBND"))
    G.record_plan(admin(), ref=ref_commune("14758"), **plan_args(status=PlanStatus.DRAFT, document=None))
    cov = S.coverage(2026, on=dt.date(2026, 11, 26))
    departments, communes_ = cov["groups"]
    assert (departments["covered"], communes_["covered"]) == (1, 1)  # a draft does not count
    assert cov["summary"] == f"1/{departments['total']} sở, ban, ngành; 1/166 xã, phường"
    missing = {m["unit"] for m in communes_["missing"]}
    assert str(ref_commune()) not in missing and str(ref_commune("14758")) in missing
    assert len(missing) == 165
    assert str(S.UnitRef("agency", agency("so-tu-phap").pk)) not in {m["unit"] for m in departments["missing"]}
    # The 2026 plans say nothing of 2025 or 2024.
    assert all(g["covered"] == 0 for g in S.coverage(2024)["groups"])


def test_a_pre_reform_commune_has_a_plan_for_2024_but_cannot_have_one_for_2026():
    old = AdministrativeUnit.objects.filter(level="commune", valid_to=dt.date(2025, 6, 30)).order_by("pk").first()
    ref = S.UnitRef("commune", old.pk)
    G.record_plan(
        admin(),
        ref=ref,
        **plan_args(
            year=2024, issued_on="2024-01-10", period_from="2024-01-01", period_to="2024-12-31", number="3/KH-UBND"
        ),
    )
    cov = {g["key"]: g for g in S.coverage(2024)["groups"]}
    assert cov["communes"]["covered"] == 1
    with pytest.raises(S.GovernanceError) as caught:
        G.record_plan(admin(), ref=ref, **plan_args())
    assert "không tồn tại trong năm 2026" in caught.value.fields["unit"]
    assert not DxPlan.objects.filter(year=2026).exists()


# ---- plan validation and permissions ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"number": "KH-UBND"}, "number", "Số, ký hiệu không đúng thể thức"),
        ({"number": ""}, "number", "Nhập số, ký hiệu"),
        ({"title": "   "}, "title", "Nhập trích yếu"),
        ({"issued_on": "2099-01-01"}, "issued_on", "không được sau hôm nay"),
        ({"issued_on": "31/02/2026"}, "issued_on", "Ngày không hợp lệ"),
        ({"period_to": "2025-12-31"}, "period_to", "ngày kết thúc phải sau ngày bắt đầu"),
        ({"period_from": "2027-01-01", "period_to": "2027-12-31"}, "period_from", "phải bao gồm năm 2026"),
        ({"document": PNG}, "document", "PDF"),
        ({"document": None}, "document", "Đính kèm văn bản kế hoạch"),
        ({"document": b"plain text, not a PDF"}, "document", "Loại tệp không được chấp nhận"),
        ({"status": "lost"}, "status", "Tình trạng không hợp lệ"),
    ],
)
def test_a_bad_plan_is_refused_field_by_field_and_nothing_is_saved(over, field, message):
    with pytest.raises(S.GovernanceError) as caught:
        G.record_plan(leader_hacthanh(), ref=ref_commune(), **plan_args(**over))
    assert message in caught.value.fields[field]
    assert not DxPlan.objects.exists()


def test_a_plan_is_corrected_in_place_and_keeps_its_document(clock):
    first = G.record_plan(leader_hacthanh(), ref=ref_commune(), **plan_args())
    again = G.record_plan(leader_hacthanh(), ref=ref_commune(), **plan_args(number="12a/KH-UBND", document=None))
    assert again.pk == first.pk and again.number == "12a/KH-UBND"
    assert again.document_sha256 == first.document_sha256 and again.document_size == len(PDF)
    assert DxPlan.objects.count() == 1


def test_a_unit_records_only_its_own_plan_and_an_auditor_none():
    # Hạc Thành's leader may not touch Sầm Sơn's plan nor a department's: 404, as for any foreign object.
    for ref in (ref_commune("16531"), S.UnitRef("agency", agency("so-tu-phap").pk)):
        with pytest.raises(S.GovernanceError) as caught:
            G.record_plan(leader_hacthanh(), ref=ref, **plan_args())
        assert caught.value.status == 404
    with pytest.raises(S.GovernanceError):
        G.record_plan(who_for(user("kiemtra")), ref=ref_commune(), **plan_args())
    stp = who_for(user("chuyenvien.stp"))
    G.record_plan(stp, ref=S.UnitRef("agency", agency("so-tu-phap").pk), **plan_args())
    assert DxPlan.objects.count() == 1


# ---- targets and progress -----------------------------------------------------------------------------------------
def _cell(month: dt.date, unit_id: int, *, ended: int, on_time: int, agency_slug: str = "ubnd-xa-14797"):
    Cell.objects.create(
        month=month,
        agency=agency(agency_slug),
        unit_id=unit_id,
        procedure=procedure(BIRTH),
        channel=1,
        ended=ended,
        on_time=on_time,
        late=ended - on_time,
    )
    refill_rollup()  # cells written directly: their month-level rollup follows


def _predecessor_of(code: str) -> AdministrativeUnit:
    return commune(code).predecessors.order_by("pk").first()


def test_progress_reads_the_cells_of_the_year_to_date_with_the_predecessors_rolled_up():
    """Hạc Thành, target on-time ≥ 90 % for 2026, seen on 30 Jun 2026 (181 of 365 days gone: 49.59 %).

    2025 (baseline): a pre-reform commune that became part of Hạc Thành ended 10 dossiers in March 2025, 6 on time,
    and Hạc Thành itself 10 in September, 6 on time → 12/20 = 60 %. 2026 to date: 20 ended, 16 on time → 80 %.
    The way from 60 % to 90 % is 30 points; by 30 June 14.88 of them should be covered (74.88 %): 80 % is on track.
    Progress 80 ÷ 90 = 88 %. On 5 Jan 2027 the year is over and 80 % < 90 %: not met.
    """
    hac = commune()
    old = _predecessor_of(HACTHANH)
    assert old is not None and old.valid_to == dt.date(2025, 6, 30)
    _cell(dt.date(2025, 3, 1), old.pk, ended=10, on_time=6, agency_slug="ubnd-tinh")
    _cell(dt.date(2025, 9, 1), hac.pk, ended=10, on_time=6)
    _cell(dt.date(2026, 2, 1), hac.pk, ended=12, on_time=9)
    _cell(dt.date(2026, 5, 1), hac.pk, ended=8, on_time=7)
    _cell(dt.date(2026, 8, 1), hac.pk, ended=50, on_time=0)  # after the day we look from: not counted
    G.assign_target(admin(), ref=ref_commune(), year=2026, indicator="on_time", comparison="gte", value="90")
    (row,) = S.targets(2026, on=dt.date(2026, 6, 30))
    assert (row.actual, row.numerator, row.denominator) == (Decimal("80.00"), 16, 20)
    assert row.baseline == Decimal("60.00")
    assert (row.status, row.progress) == ("on_track", 88)
    (late_row,) = S.targets(2026, on=dt.date(2026, 11, 30))  # the August cell now counts: 16/70
    assert late_row.actual == Decimal("22.86") and late_row.status == "behind"
    (after,) = S.targets(2026, on=dt.date(2027, 1, 5))
    assert after.status == "missed"


def test_status_met_behind_and_at_most_targets():
    day = dt.date(2026, 6, 30)
    assert S.status(Decimal(95), Decimal(90), "gte", year=2026, day=day, baseline=None) == "met"
    assert S.status(Decimal(70), Decimal(90), "gte", year=2026, day=day, baseline=Decimal(60)) == "behind"
    assert S.status(Decimal(70), Decimal(90), "gte", year=2026, day=day, baseline=None) == "behind"
    assert S.status(None, Decimal(90), "gte", year=2026, day=day, baseline=None) == "no_data"
    # "≤ 5 % late": from 15 % last year; 9 % by mid-year is on the way (expected 10.04 %), 11 % is behind.
    assert S.status(Decimal(9), Decimal(5), "lte", year=2026, day=day, baseline=Decimal(15)) == "on_track"
    assert S.status(Decimal(11), Decimal(5), "lte", year=2026, day=day, baseline=Decimal(15)) == "behind"
    assert S.status(Decimal(4), Decimal(5), "lte", year=2026, day=day, baseline=Decimal(15)) == "met"
    assert S.progress_percent(Decimal(10), Decimal(5), "lte") == 50
    assert S.progress_percent(Decimal(120), Decimal(100), "gte") == 100


def test_a_department_target_reads_its_cells_and_those_of_the_departments_it_absorbed():
    """Sở Tài chính absorbed Sở Kế hoạch và Đầu tư on 1 Mar 2025: the 2025 baseline includes the latter's cells."""
    finance = agency("so-tai-chinh")
    hac = commune()
    _cell(dt.date(2025, 1, 1), hac.pk, ended=4, on_time=1, agency_slug="so-ke-hoach-va-dau-tu")
    _cell(dt.date(2025, 5, 1), hac.pk, ended=4, on_time=3, agency_slug="so-tai-chinh")
    G.assign_target(
        admin(), ref=S.UnitRef("agency", finance.pk), year=2026, indicator="on_time", comparison="gte", value="95"
    )
    (row,) = S.targets(2026, on=dt.date(2026, 3, 31))
    assert row.baseline == Decimal("50.00") and row.actual is None and row.status == "no_data"


def test_bulk_assignment_gives_every_commune_of_the_year_the_target_in_a_few_queries():
    with CaptureQueriesContext(connection) as first:
        done = G.assign_targets_bulk(
            admin(), group="communes", year=2026, indicator="online", comparison="gte", value="50"
        )
    assert done == {"units": 166, "created": 166, "updated": 0}
    done = G.assign_targets_bulk(admin(), group="communes", year=2026, indicator="online", comparison="gte", value="60")
    assert done == {"units": 166, "created": 0, "updated": 166}
    assert set(DxTarget.objects.filter(year=2026, indicator="online").values_list("value", flat=True)) == {
        Decimal("60.00")
    }
    assert len(first) <= 12, [q["sql"] for q in first]
    deps = G.assign_targets_bulk(
        admin(), group="departments", year=2026, indicator="on_time", comparison="gte", value="98"
    )
    assert deps["units"] == _agencies_on(S.reference_day(2026))
    # The whole table: 4 cell queries at most, whatever the number of targets.
    with CaptureQueriesContext(connection) as reading:
        rows = S.targets(2026, on=dt.date(2026, 6, 30))
    assert len(rows) == 166 + deps["units"]
    assert len(reading) <= 16, [q["sql"] for q in reading]


@pytest.mark.parametrize(
    ("who_name", "kwargs", "field", "message"),
    [
        ("quantri", {"indicator": "speed"}, "indicator", "Chọn một chỉ số"),
        ("quantri", {"value": "abc"}, "value", "phải là một số"),
        ("quantri", {"value": "101"}, "value", "từ 0 đến 100"),
        ("quantri", {"value": "-1"}, "value", "không được âm"),
        ("quantri", {"comparison": "eq"}, "comparison", "≥ hoặc ≤"),
        ("quantri", {"indicator": "metric:e-invoice"}, "indicator", "cấp tỉnh"),
        ("lanhdao.hacthanh", {}, "unit", "Không có quyền"),
    ],
)
def test_a_bad_target_is_refused(who_name, kwargs, field, message):
    args = {"indicator": "on_time", "comparison": "gte", "value": "90"} | kwargs
    with pytest.raises(S.GovernanceError) as caught:
        G.assign_target(who_for(user(who_name)), ref=ref_commune(), year=2026, **args)
    assert message in caught.value.fields[field]
    assert not DxTarget.objects.exists()


# ---- digital-economy figures ----------------------------------------------------------------------------------------
def metric(key: str) -> EconomyMetric:
    return EconomyMetric.objects.get(key=key)


def test_the_real_metrics_are_seeded():
    assert {m.key: (m.level, m.kind) for m in EconomyMetric.objects.all()} == {
        "cashless-schools": ("commune", "percent"),
        "cashless-hospitals": ("commune", "percent"),
        "sme-dx-programme": ("province", "count"),
        "e-invoice": ("province", "percent"),
    }


def test_a_correction_is_a_new_revision_and_the_old_value_stays_with_who_and_when(clock):
    schools, hac = metric("cashless-schools"), commune()
    period = S.parse_economy_period("2026-Q1")
    clock.set(local(2026, 4, 5, 9, 0))
    first, new = G.record_value(leader_hacthanh(), metric=schools, unit=hac, period=period, value=Decimal("75"))
    assert new and first.revision == 1
    same, new = G.record_value(leader_hacthanh(), metric=schools, unit=hac, period=period, value=Decimal("75"))
    assert not new and same.pk == first.pk
    clock.set(local(2026, 4, 9, 14, 30))
    second, new = G.record_value(admin(), metric=schools, unit=hac, period=period, value=Decimal("80.5"), note="Sửa")
    assert new and second.revision == 2
    data = S.economy(schools, period, hac.pk)
    (row,) = data["rows"]
    assert row["current"].value == Decimal("80.50") and row["current"].entered_by.username == "quantri"
    (old,) = row["history"]
    assert (old.value, old.entered_by.username, old.current) == (Decimal("75.00"), "lanhdao.hacthanh", False)
    assert old.entered_at == local(2026, 4, 5, 9, 0)


def test_who_may_enter_a_figure():
    schools, hospitals, invoices = metric("cashless-schools"), metric("cashless-hospitals"), metric("e-invoice")
    period = S.parse_economy_period("2026-10")
    sam_son = commune("16531")
    with pytest.raises(S.GovernanceError) as caught:  # another commune's figure: 404
        G.record_value(leader_hacthanh(), metric=schools, unit=sam_son, period=period, value=Decimal(1))
    assert caught.value.status == 404
    with pytest.raises(S.GovernanceError):  # a province figure is not a commune's to enter
        G.record_value(leader_hacthanh(), metric=invoices, unit=S.province_unit(), period=period, value=Decimal(1))
    # The Department of Health answers for the hospitals' figure of every commune, not for the schools'.
    health = user("chuyenvien.stp")
    assign_role(health, agency("so-y-te"), Role.SPECIALIST)
    G.record_value(who_for(health), metric=hospitals, unit=sam_son, period=period, value=Decimal(100))
    with pytest.raises(S.GovernanceError):
        G.record_value(who_for(health), metric=schools, unit=sam_son, period=period, value=Decimal(1))
    assert EconomyValue.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("2026-11", "2026-11"),
        ("11/2026", "2026-11"),
        ("2026-q4", "2026-Q4"),
        ("Quý IV/2026", "2026-Q4"),
        ("Quý 2/2025", "2025-Q2"),
        ("2025", "2025"),
        ("Năm 2025", "2025"),
        (2025, "2025"),
        (dt.datetime(2026, 3, 1), "2026-03"),
    ],
)
def test_periods_are_read_in_the_usual_forms(raw, code):
    assert S.parse_economy_period(raw).code == code


@pytest.mark.parametrize("raw", ["2026-13", "Q5/2026", "tháng trước", "", "2999", "1999-01"])
def test_bad_periods_are_refused_in_vietnamese(raw):
    with pytest.raises(S.GovernanceError) as caught:
        S.parse_economy_period(raw)
    assert "Kỳ" in caught.value.fields["period"]


def test_a_metric_target_reads_the_latest_figure_of_the_year():
    """A province-level metric's target is the responsible agency's; it reads the province's figures."""
    sme = metric("sme-dx-programme")
    province = S.province_unit()
    for period, value in (("2025", "18000"), ("2026-Q1", "19500"), ("2026-03", "19400"), ("2026-Q2", "20100")):
        G.record_value(admin(), metric=sme, unit=province, period=S.parse_economy_period(period), value=Decimal(value))
    finance = S.UnitRef("agency", agency("so-tai-chinh").pk)
    G.assign_target(
        admin(), ref=finance, year=2026, indicator="metric:sme-dx-programme", comparison="gte", value="23000"
    )
    (row,) = S.targets(2026, on=dt.date(2026, 7, 1))
    # Q2 ends last; 18 000 → 23 000 by the end of 2026, half-way on 1 Jul would be ≈ 20 500: 20 100 is behind.
    assert (row.actual, row.baseline, row.status, row.unit_of_measure) == (
        Decimal("20100.00"),
        Decimal("18000.00"),
        "behind",
        "doanh nghiệp",
    )
    assert row.progress == 87
