"""A citizen scans the QR code on a receipt and sees the status of the dossier, and nothing else."""

import pytest
from django.test import Client

from congso.dossiers.tests.helpers import Api, create_at_desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(clock):
    clerk = Api("tiepnhan.hacthanh")
    d = create_at_desk(clerk, "1.004873", "ttpvhcc-xa-14797", id_number="038190002580", name="Đinh Thị Gấm")
    return clerk.act(d["id"], "accept")


def test_it_shows_the_status_with_the_right_last_digits(accepted):
    html = Client().get("/tra-cuu/", {"code": accepted["code"], "id_last4": "2580"}).content.decode()
    assert "Đã tiếp nhận" in html and "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân" in html
    assert "08:00, 04/12/2026" in html
    assert "Đinh Thị Gấm" not in html and "038190002580" not in html


def test_wrong_digits_say_so_in_vietnamese_and_keep_what_was_typed(accepted):
    response = Client().get("/tra-cuu/", {"code": accepted["code"], "id_last4": "9999"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy hồ sơ với mã và 4 số cuối" in html and f'value="{accepted["code"]}"' in html


def test_the_form_opens_empty_from_the_menu(db):
    html = Client().get("/tra-cuu/").content.decode()
    assert "Tra cứu hồ sơ" in html and 'name="id_last4"' in html
