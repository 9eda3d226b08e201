"""Công khai kết quả giải quyết TTHC (/minh-bach/): the province's Decision 766 figures for everyone, no login,
no personal data, cached per period."""

from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from congso.dossiers.tests.helpers import agency, local
from congso.kpi.actions import refill_rollup
from congso.kpi.tests import helpers as H
from congso.kpi.tests.test_ranking import november  # noqa: F401 — the hand-worked November of cells

pytestmark = pytest.mark.django_db

PAGE = "/minh-bach/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_anyone_reads_the_provinces_figures_and_both_rankings(november):  # noqa: F811
    hac, _sam, _tho = november
    response = Client().get(PAGE, {"loai": "thang", "nam": "2026", "thang": "11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Công khai kết quả giải quyết thủ tục hành chính" in html and "Toàn tỉnh — 11/2026" in html
    assert "Xếp hạng các cơ quan cấp tỉnh" in html and "Xếp hạng các xã, phường" in html
    # Agencies: C 100, B 91,11, A 74,97 (worked by hand in kpi/tests/test_ranking.py), in that order.
    c, b, a = (agency(s).name for s in ("so-nong-nghiep-va-moi-truong", "so-xay-dung", "so-tu-phap"))
    assert html.index(c) < html.index(b) < html.index(a)
    assert "91,11" in html and "74,97" in html and "70,56" in html
    assert html.count('<tr class="unranked">') > 163  # the other communes and agencies: listed, not ranked
    assert "Tiến độ giải quyết: tối đa 20 điểm, đạt tối đa từ 100%" in html  # the method is public too
    assert hac.name in html
    assert 'href="/minh-bach/xlsx/?ky=2026-11"' in html


def test_no_personal_data_reaches_the_page():
    """A real dossier, received, processed and returned through the engine: its applicant's name and identity
    number and the dossier's code appear nowhere on the page or in its export."""
    h = H.hacthanh()
    d = H.receive(h, H.BIRTH, now=local(2026, 10, 5, 8, 0))
    H.accept(h, d, local(2026, 10, 5, 8, 0))
    d = H.finish(h, d, local(2026, 10, 5, 9, 0))
    assert d.code
    response = Client().get(PAGE, {"ky": "2026-10"})
    html = response.content.decode()
    assert h.unit_id and "Phường Hạc Thành" in html
    for secret in (d.applicant_name, d.applicant_id_number, d.code, d.applicant_phone):
        assert secret and secret not in html
    data = Client().get(PAGE + "xlsx/", {"ky": "2026-10"}).content
    from openpyxl import load_workbook

    cells = [str(v) for ws in load_workbook(io.BytesIO(data)) for row in ws.iter_rows(values_only=True) for v in row]
    assert not any(d.applicant_id_number in v or d.code in v or d.applicant_name in v for v in cells)


def test_each_periods_figures_are_cached(november, settings, django_assert_max_num_queries):  # noqa: F811
    settings.CONGSO_KPI_PUBLIC_CACHE_SECONDS = 300
    client = Client()
    first = client.get(PAGE, {"ky": "2026-11"}).content.decode()
    H.Cell.objects.filter(agency=agency("so-nong-nghiep-va-moi-truong")).delete()
    refill_rollup()
    with django_assert_max_num_queries(1):  # the years of the period form only
        again = client.get(PAGE, {"ky": "2026-11"}).content.decode()
    tables = lambda page: page.split("<main")[1].split("</main>")[0]  # noqa: E731 (the header's CSRF token varies)
    assert tables(again) == tables(first)
    settings.CONGSO_KPI_PUBLIC_CACHE_SECONDS = 0  # no cache: the figures of now
    now = client.get(PAGE, {"ky": "2026-11"}).content.decode().split("Xếp hạng các xã")[0]
    b, c = agency("so-xay-dung").name, agency("so-nong-nghiep-va-moi-truong").name
    assert now.index(b) < now.index(c)  # C lost its cells: B first, C among the unranked


@pytest.mark.parametrize(
    "params",
    [
        {"loai": "thang", "nam": "2026", "thang": "13"},
        {"loai": "quy", "nam": "2026", "quy": "0"},
        {"ky": "2026-Q9"},
        {"loai": "nam", "nam": "1850"},
        {"loai": "ngay", "nam": "2026"},
    ],
)
def test_a_bad_period_is_a_clear_vietnamese_message(params):
    response = Client().get(PAGE, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kỳ báo cáo không hợp lệ" in html and 'role="alert"' in html
    assert Client().get(PAGE + "xlsx/", params).status_code == 302


def test_the_page_is_available_in_english(november):  # noqa: F811
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(PAGE, {"ky": "2026-11"}).content.decode()
    assert '<html lang="en">' in html
    stp = agency("so-tu-phap")
    assert stp.name_en and stp.name_en in html


def test_every_portal_page_links_to_it_in_the_footer():
    html = Client().get("/").content.decode()
    footer = html.split("<footer>")[1]
    assert 'href="/minh-bach/"' in footer
