"""Finding a procedure: diacritics, case and word order of the citizen's typing do not matter."""

import pytest

from congso.catalog.search import rank_key
from congso.catalog.selectors import search_procedures

pytestmark = pytest.mark.django_db

QUERIES = ["dang ky khai sinh", "Đăng ký khai sinh", "DANG KY KHAI SINH", "  đăng   KÝ khai sinh "]


@pytest.mark.parametrize("query", QUERIES)
def test_it_finds_birth_registration_first(query):
    results = search_procedures(query)
    assert results[0].name == "Thủ tục đăng ký khai sinh"


def test_all_spellings_give_the_same_ranking():
    rankings = {tuple(p.pk for p in search_procedures(q)) for q in QUERIES}
    assert len(rankings) == 1


def test_it_finds_by_partial_words_and_by_code():
    assert any(p.name == "Thủ tục đăng ký khai sinh" for p in search_procedures("khai sinh"))
    assert search_procedures("1.001193")[0].national_code == "1.001193"
    assert any("xây dựng" in p.name for p in search_procedures("giay phep xay dung"))


def test_nonsense_finds_nothing_and_empty_lists_everything():
    assert list(search_procedures("zzzqqq")) == []
    assert list(search_procedures("!!!")) == []
    assert len(search_procedures("")) >= 100


def test_filters_narrow_the_results():
    commune = search_procedures("khai sinh", level="commune")
    assert commune and all(p.level == "commune" for p in commune)
    assert list(search_procedures("khai sinh", level="province")) == [
        p for p in search_procedures("khai sinh") if p.level == "province"
    ]


def test_ranking_prefers_the_exact_name_then_the_phrase_then_shorter():
    names = [
        "Đăng ký lại khai sinh",
        "Thủ tục đăng ký khai sinh có yếu tố nước ngoài",
        "Thủ tục đăng ký khai sinh",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
    ]
    ordered = sorted(names, key=lambda n: rank_key("dang ky khai sinh", n))
    assert ordered[0] == "Thủ tục đăng ký khai sinh"
    assert ordered[-1] == "Đăng ký lại khai sinh"


def test_the_search_page_is_in_vietnamese_and_ranks_the_same(client):
    response = client.get("/thu-tuc/", {"q": "DANG KY KHAI SINH"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(">Thủ tục đăng ký khai sinh<") < html.index(">Thủ tục đăng ký lại khai sinh<")
    assert 'lang="vi"' in html


def test_the_api_searches_the_same_way(client):
    body = client.get("/api/v1/procedures/", {"q": "dang ky khai sinh"}).json()
    assert body["items"][0]["name"] == "Thủ tục đăng ký khai sinh"
    assert body["count"] >= 1
