"""The Decision 766 pages of the back office: the ranking (/mot-cua/chi-so/xep-hang/), its XLSX export, and the
score rules (/mot-cua/chi-so/xep-hang/thang-diem/) that only the province administrator edits."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from congso.dossiers.tests.helpers import agency, user
from congso.kpi.models import ScoreGroup
from congso.kpi.tests.test_ranking import november  # noqa: F401 — the hand-worked November of cells

pytestmark = pytest.mark.django_db

RANKING = "/mot-cua/chi-so/xep-hang/"
RULES = "/mot-cua/chi-so/xep-hang/thang-diem/"
NOVEMBER = {"loai": "thang", "nam": "2026", "thang": "11"}


def client(username: str | None = None) -> Client:
    c = Client()
    if username:
        c.force_login(user(username))
    return c


def saved() -> dict:
    return {g.key: (g.maximum, g.threshold, g.active) for g in ScoreGroup.objects.all()}


def form(**changes) -> dict:
    """Every group's current values as the page shows them, with ``changes`` ({"progress-maximum": "25"})."""
    data = {}
    for g in ScoreGroup.objects.all():
        data[f"{g.key}-maximum"] = f"{g.maximum.normalize():f}"
        data[f"{g.key}-threshold"] = f"{g.threshold.normalize():f}"
        if g.active:
            data[f"{g.key}-active"] = "on"
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# ---- the ranking ----------------------------------------------------------------------------------------------------
def test_an_officer_reads_both_rankings_with_each_groups_points(november, django_assert_max_num_queries):  # noqa: F811
    hac, sam, _tho = november
    c = client("tiepnhan.hacthanh")
    with django_assert_max_num_queries(16):
        response = c.get(RANKING, NOVEMBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cơ quan cấp tỉnh — 11/2026" in html and "Xã, phường — 11/2026" in html
    assert "Tiến độ giải quyết" in html and "tối đa 20" in html  # a column per configured group
    assert "74,97" in html and "91,11" in html and "70,56" in html  # totals worked by hand in test_ranking
    assert "chưa xếp hạng" in html
    # The clerk's own commune links to its dashboard; Sầm Sơn's and the departments' do not (they would be 404).
    assert f"/mot-cua/chi-so/?commune={hac.pk}&amp;period=2026-11&amp;rollup=1" in html
    assert f"?commune={sam.pk}" not in html and "?agency=" not in html


def test_the_province_administrator_gets_a_link_to_every_units_dashboard(november):  # noqa: F811
    _hac, sam, _tho = november
    html = client("quantri").get(RANKING, {"ky": "2026-11"}).content.decode()
    assert f"?commune={sam.pk}&amp;period=2026-11&amp;rollup=1" in html
    assert f"?agency={agency('so-tu-phap').pk}&amp;period=2026-11&amp;rollup=1" in html
    assert "Sửa thang điểm" in html


def test_the_default_period_is_the_last_complete_month(november, clock):  # noqa: F811
    html = client("quantri").get(RANKING).content.decode()  # clock: 1 Dec 2026
    assert "Cơ quan cấp tỉnh — 11/2026" in html


@pytest.mark.parametrize(
    "params",
    [
        {"loai": "thang", "nam": "2026", "thang": "13"},
        {"loai": "quy", "nam": "2026", "quy": "5"},
        {"loai": "nam", "nam": "20x6"},
        {"loai": "tuan", "nam": "2026"},
        {"ky": "tháng 11"},
    ],
)
def test_a_bad_period_is_explained_in_vietnamese(params):
    response = client("quantri").get(RANKING, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kỳ báo cáo không hợp lệ" in html and 'aria-invalid="true"' in html
    export = client("quantri").get(RANKING + "xlsx/", params)
    assert export.status_code == 302 and export["Location"].startswith(RANKING)


def test_units_before_the_reform_can_be_read_as_they_were():
    html = client("quantri").get(RANKING, {"ky": "2024-11", "gop": "0"}).content.decode()
    assert "(trước sắp xếp)" in html
    assert 'value="0" selected' in html


def test_the_ranking_exports_to_xlsx(november):  # noqa: F811
    from openpyxl import load_workbook

    response = client("kiemtra").get(RANKING + "xlsx/", NOVEMBER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="xep-hang-766-202611-202612.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    agencies = list(wb["Cơ quan cấp tỉnh"].iter_rows(min_row=3, values_only=True))
    assert [row[-1] for row in agencies[:3]] == [100.0, 91.11, 74.97]
    communes = list(wb["Xã, phường"].iter_rows(min_row=3, values_only=True))
    assert len(communes) == 166 + 1  # every current commune, and the province's line


def test_only_officers_see_the_ranking_and_the_rules():
    for url in (RANKING, RANKING + "xlsx/", RULES):
        assert client("congdan.an").get(url).status_code == 404
        assert client().get(url).status_code == 302  # to the login page


# ---- the score rules ------------------------------------------------------------------------------------------------
def test_an_officer_reads_the_rules_but_cannot_change_them():
    before = saved()
    c = client("lanhdao.stp")
    html = c.get(RULES).content.decode()
    assert "Tiến độ giải quyết" in html and "Chỉ Quản trị hệ thống cấp tỉnh được sửa thang điểm" in html
    assert 'name="progress-maximum"' not in html and "Lưu thang điểm" not in html
    assert c.post(RULES, form(**{"progress-maximum": "25", "transparency-maximum": "13"})).status_code == 403
    assert saved() == before


def test_the_province_administrator_changes_the_rules_and_it_is_logged():
    c = client("quantri")
    # Progress 20 → 25, transparency 18 → 14,5 (a Vietnamese decimal comma), online payment 10 → 8,5: 100 in all.
    data = form(**{"progress-maximum": "25", "transparency-maximum": "14,5", "online_payment-maximum": "8,5"})
    data["satisfaction-threshold"] = "85"
    response = c.post(RULES, data)
    assert response.status_code == 302 and response["Location"] == RULES
    rules = saved()
    assert rules["progress"][0] == Decimal(25) and rules["transparency"][0] == Decimal("14.5")
    assert rules["satisfaction"][1] == Decimal(85)
    log = LogEntry.objects.filter(object_repr="Tiến độ giải quyết").latest("action_time")
    assert log.user == user("quantri") and "điểm tối đa 20 → 25" in log.change_message
    page = c.get(RULES).content.decode()
    assert "Đã lưu thang điểm" in page and "Lê Quản Trị" in page and "ngưỡng 90% → 85%" in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"progress-threshold": "0"}, "progress-threshold", "Ngưỡng là tỷ lệ phần trăm: lớn hơn 0 và không quá 100."),
        ({"progress-threshold": "120"}, "progress-threshold", "Ngưỡng là tỷ lệ phần trăm"),
        ({"progress-maximum": "-2"}, "progress-maximum", "Điểm tối đa không được âm."),
        ({"progress-maximum": "hai mươi"}, "progress-maximum", "Điểm tối đa phải là một số, ví dụ 18 hoặc 12,5."),
        ({"progress-maximum": ""}, "progress-maximum", "Nhập điểm tối đa."),
        ({"progress-maximum": "19.999"}, "progress-maximum", "Chỉ dùng tối đa hai chữ số thập phân."),
    ],
)
def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(changes, field, message):
    before = saved()
    # A valid change on another row is not saved either: all rows or none.
    data = form(**{"online_service-threshold": "60", **changes})
    response = client("quantri").post(RULES, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="{field}-error">{message}' in html
    assert f'aria-describedby="{field}-error"' in html
    assert 'name="online_service-threshold" value="60"' in html  # what was typed is kept
    assert saved() == before


def test_the_active_maxima_must_sum_to_100():
    before = saved()
    response = client("quantri").post(RULES, form(**{"digitisation-active": None}))  # 22 points fewer
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tổng điểm tối đa của các nhóm đang áp dụng phải bằng 100" in html and "hiện là 78" in html
    assert "Quyết định 766/QĐ-TTg" in html
    assert saved() == before
    # Dropping a group works once its points go to another.
    ok = client("quantri").post(RULES, form(**{"digitisation-active": None, "progress-maximum": "42"}))
    assert ok.status_code == 302
    assert saved()["digitisation"][2] is False and saved()["progress"][0] == Decimal(42)
