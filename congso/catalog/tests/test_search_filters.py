"""The results page filters by field, agency, level and online class: labelled selects that combine with the query
and stay in the pagination links, without JavaScript."""

import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from congso.catalog.models import Procedure
from congso.dossiers.tests.helpers import agency

pytestmark = pytest.mark.django_db

JUSTICE = "so-tu-phap"  # Sở Tư pháp


def _results(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<li><a href="/thu-tuc/\d+/">([^<]+)</a>', html)]


def _count(html: str) -> int:
    return int(re.search(r'<p class="muted">(\d+) thủ tục</p>', html).group(1))


def _select(html: str, name: str) -> tuple[str, list[tuple[str, str]]]:
    """The label text of the select ``name`` and its (value, text) options."""
    match = re.search(rf'<label>([^<]+)<select name="{name}">(.*?)</select></label>', html)
    assert match, f"no labelled select {name}"
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(2))
    return match.group(1).strip(), [(v, unescape(t)) for v, t in options]


def _all_pages(client, params: dict) -> list[str]:
    names, page = [], 1
    while True:
        html = client.get("/thu-tuc/", {**params, "page": page}).content.decode()
        names += _results(html)
        if f"page={page + 1}" not in html:
            return names
        page += 1


def test_each_filter_is_a_labelled_select_and_the_agencies_are_the_departments_and_the_communes(client):
    html = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    labels = {name: _select(html, name)[0] for name in ("field", "agency", "level", "online")}
    assert labels == {
        "field": "Lĩnh vực",
        "agency": "Cơ quan thực hiện",
        "level": "Cấp thực hiện",
        "online": "Trực tuyến",
    }
    _label, options = _select(html, "agency")
    texts = [text for _value, text in options]
    assert texts[0] == "Tất cả" and texts[-1] == "UBND cấp xã" and options[-1][0] == "cap-xa"
    assert "Sở Tư pháp tỉnh Thanh Hóa" in texts and "Sở Xây dựng tỉnh Thanh Hóa" in texts
    # Only agencies that carry procedures, and no single commune among them.
    assert not any(t.startswith(("UBND xã", "UBND phường", "Bộ phận")) for t in texts)
    assert all(agency_has_procedures(value) for value, _t in options[1:-1])


def agency_has_procedures(pk: str) -> bool:
    return Procedure.objects.current().filter(agencies__pk=int(pk)).exists()


def test_the_agency_filter_combines_with_the_query(client):
    justice = agency(JUSTICE)
    html = client.get("/thu-tuc/", {"q": "nuoc ngoai", "agency": justice.pk}).content.decode()
    names = _results(html)
    expected = (
        Procedure.objects.current()
        .filter(agencies=justice, search_text__contains="nuoc ngoai")
        .values_list("name", flat=True)
    )
    assert len(names) >= 5 and sorted(names) == sorted(expected)
    assert "Thủ tục đăng ký kết hôn có yếu tố nước ngoài" not in names  # a commune's procedure
    assert f'<option value="{justice.pk}" selected>' in html  # the choice is kept on the page
    # Without the agency the same query finds the commune procedures too.
    everyone = _results(client.get("/thu-tuc/", {"q": "nuoc ngoai"}).content.decode())
    assert "Thủ tục đăng ký kết hôn có yếu tố nước ngoài" in everyone and len(everyone) > len(names)


def test_ubnd_cap_xa_gives_the_commune_procedures(client):
    names = _all_pages(client, {"agency": "cap-xa"})
    expected = Procedure.objects.current().filter(agency_kind="commune_pc").values_list("name", flat=True)
    assert len(names) > 20 and sorted(names) == sorted(expected)
    html = client.get("/thu-tuc/", {"q": "nuoc ngoai", "agency": "cap-xa"}).content.decode()
    assert "Thủ tục đăng ký kết hôn có yếu tố nước ngoài" in _results(html)
    assert "Công nhận đào tạo nghề luật sư ở nước ngoài" not in _results(html)  # Sở Tư pháp's
    assert '<option value="cap-xa" selected>' in html


def test_all_four_filters_combine(client):
    civil = Procedure.objects.current().get(name="Thủ tục đăng ký khai sinh")
    params = {
        "q": "dang ky",
        "field": civil.field_id,
        "agency": "cap-xa",
        "level": "commune",
        "online": civil.online_class,
    }
    names = _results(client.get("/thu-tuc/", params).content.decode())
    expected = Procedure.objects.current().filter(
        field_id=civil.field_id, agency_kind="commune_pc", level="commune", online_class=civil.online_class
    )
    assert "Thủ tục đăng ký khai sinh" in names
    assert set(names) <= set(expected.values_list("name", flat=True))
    online_other = "full" if civil.online_class != "full" else "partial"
    assert "Thủ tục đăng ký khai sinh" not in _results(
        client.get("/thu-tuc/", {**params, "online": online_other}).content.decode()
    )


def _pager_links(html: str) -> list[dict]:
    """The query parameters of each link of the pager."""
    pager = re.search(r'<nav class="pager"[^>]*>.*?</nav>', html, re.S)
    hrefs = re.findall(r'href="\?([^"]+)"', pager.group(0)) if pager else []
    return [{k: v[0] for k, v in parse_qs(unescape(href), keep_blank_values=True).items()} for href in hrefs]


def test_the_chosen_filters_are_kept_in_the_pagination_links(client):
    html = client.get("/thu-tuc/", {"q": "", "agency": "cap-xa", "level": "commune", "page": 2}).content.decode()
    links = _pager_links(html)
    assert len(links) == 2, "expected links to the previous and the next page"
    for params in links:
        assert params["agency"] == "cap-xa" and params["level"] == "commune" and params["q"] == ""
    assert {params["page"] for params in links} == {"1", "3"}
    (next_page,) = _pager_links(client.get("/thu-tuc/", {"q": "đăng ký", "agency": "cap-xa"}).content.decode())
    assert next_page == {"q": "đăng ký", "agency": "cap-xa", "page": "2"}


def test_the_filter_form_keeps_the_query_and_works_without_javascript(client):
    html = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    form = re.search(r'<form class="filters" method="get">(.*?)</form>', html, re.S).group(1)
    assert re.search(r'<input type="hidden" name="q"[^>]* value="khai sinh">', form)
    assert '<button type="submit">' in form


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "999999", "cap-huyen", "<script>", "so-y-te"])
def test_an_agency_that_is_not_offered_is_ignored_not_a_500(client, bad):
    if bad == "so-y-te":  # a department without procedures is not offered
        bad = str(agency(bad).pk)
    response = client.get("/thu-tuc/", {"q": "khai sinh", "agency": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert _count(html) == _count(client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()) > 0
    assert "<script>" not in html


def test_the_filtered_and_corrected_search_has_bounded_queries(client, django_assert_max_num_queries):
    params = {"q": "dang ki khai sinh", "agency": "cap-xa", "level": "commune", "field": "", "online": ""}
    with django_assert_max_num_queries(8):
        html = client.get("/thu-tuc/", params).content.decode()
    assert _results(html)[0] == "Thủ tục đăng ký khai sinh" and "«đăng ký khai sinh»" in html
