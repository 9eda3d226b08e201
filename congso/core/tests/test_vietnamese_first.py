"""Pages open in Vietnamese whatever the browser's language; English only when chosen with the switch."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_the_vietnamese_portal():
    html = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get("/").content.decode()
    assert '<html lang="vi">' in html and "Bạn cần làm thủ tục gì?" in html


def test_the_language_switch_is_remembered():
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "What procedure do you need?" in html


def test_the_api_follows_the_callers_accept_language():
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/v1/dossiers/")
    vietnamese = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/api/v1/dossiers/")
    assert english.status_code == vietnamese.status_code == 401
    assert english["Content-Language"] == "en" and vietnamese["Content-Language"] == "vi"
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/thu-tuc/")
    assert page["Content-Language"] == "vi"
