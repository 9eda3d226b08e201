"""The citizen's first pages: home, search results, procedure page."""

import pytest

from congso.catalog.models import Procedure

pytestmark = pytest.mark.django_db


def test_home_page_is_vietnamese_with_a_search_box(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="vi"' in html
    assert "Bạn cần làm thủ tục gì?" in html
    assert 'name="q"' in html
    assert "166 xã, phường" in html


def test_home_page_switches_to_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "What procedure do you need?" in html


def test_procedure_page_shows_components_fees_and_duration(client):
    procedure = Procedure.objects.current().get(national_code="1.001193")
    html = client.get(f"/thu-tuc/{procedure.pk}/").content.decode()
    assert "Thủ tục đăng ký khai sinh" in html
    assert "Thành phần hồ sơ" in html
    assert "Phí, lệ phí" in html
    assert "1.001193.000.00.00.H56" in html


def test_unknown_procedure_is_404(client):
    assert client.get("/thu-tuc/999999/").status_code == 404


def test_bad_filters_are_ignored_not_500(client):
    response = client.get("/thu-tuc/", {"q": "khai sinh", "field": "abc", "level": "huyen", "page": "x"})
    assert response.status_code == 200


def test_search_results_page_has_bounded_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/thu-tuc/", {"q": "dang ky"}).status_code == 200
