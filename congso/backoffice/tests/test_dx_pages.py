"""Chuyển đổi số pages through HTTP: every officer reads; the province administrator edits everything; a unit's own
staff record their unit's plan and figures. A bad form comes back with Vietnamese messages beside the fields and
what was typed, and nothing is saved."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from congso.accounts.models import User
from congso.dossiers.access import who_for
from congso.dossiers.tests.helpers import PDF, user
from congso.geo.models import AdministrativeUnit
from congso.kpi import governance as G
from congso.kpi import governance_selectors as S
from congso.kpi.models import DxPlan, DxTarget, EconomyValue

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def client(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


def hac() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code="14797", valid_to__isnull=True, level="commune")


def field_error(html: str, element_id: str) -> str:
    m = re.search(rf'<span class="error" id="{element_id}">([^<]*)</span>', html)
    return m[1] if m else ""


def upload(name: str, data: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_pages_are_for_officers_only():
    citizen = User.objects.create(username="citizen_an", full_name="Nguyễn Văn An", account_type="citizen")
    c = Client()
    c.force_login(citizen)
    for name in ("backoffice:dx", "backoffice:dx-targets", "backoffice:dx-economy", "backoffice:dx-plan"):
        assert c.get(reverse(name)).status_code == 404
        assert Client().get(reverse(name)).status_code == 302  # to the login page
    auditor = client("kiemtra")
    assert auditor.get(reverse("backoffice:dx")).status_code == 200
    assert auditor.get(reverse("backoffice:dx-plan")).status_code == 404  # reads only: no unit to record


def test_coverage_page_counts_and_lists_the_units_missing_a_plan():
    page = client("kiemtra").get(reverse("backoffice:dx"), {"year": 2026}).content.decode()
    assert "0/166 xã, phường" in page and "Phường Hạc Thành" in page
    G.record_plan(
        who_for(user("lanhdao.hacthanh")),
        ref=S.UnitRef("commune", hac().pk),
        year=2026,
        title="Kế hoạch chuyển đổi số năm 2026",
        number="12/KH-UBND",
        issued_on="2026-01-15",
        period_from="2026-01-01",
        period_to="2026-12-31",
        document=PDF,
    )
    page = client("kiemtra").get(reverse("backoffice:dx"), {"year": 2026}).content.decode()
    assert "1/166 xã, phường" in page and "12/KH-UBND" in page
    export = client("kiemtra").get(reverse("backoffice:dx-coverage-export"), {"year": 2026})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client("kiemtra").get(reverse("backoffice:dx"), {"year": "abc"}).status_code == 404


def test_a_bad_plan_comes_back_with_messages_beside_the_fields_and_what_was_typed():
    c = client("lanhdao.hacthanh")
    form = c.get(reverse("backoffice:dx-plan"), {"year": 2026}).content.decode()
    # Only the leader's own commune is offered, already chosen.
    assert form.count('<option value="commune:') == 1 and f'value="commune:{hac().pk}" selected' in form
    response = c.post(
        reverse("backoffice:dx-plan") + "?year=2026",
        {
            "year": 2026,
            "unit": f"commune:{hac().pk}",
            "title": "Kế hoạch chuyển đổi số năm 2026 của phường",
            "number": "KH UBND",
            "issued_on": "2099-01-01",
            "period_from": "2026-01-01",
            "period_to": "2025-06-30",
            "status": "issued",
            "document": upload("ke-hoach.pdf", PNG, "application/pdf"),
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Số, ký hiệu không đúng thể thức" in field_error(html, "p-number-e")
    assert "không được sau hôm nay" in field_error(html, "p-issued-e")
    assert "ngày kết thúc phải sau ngày bắt đầu" in field_error(html, "p-to-e")
    assert "PDF" in field_error(html, "p-doc-e")
    assert 'value="Kế hoạch chuyển đổi số năm 2026 của phường"' in html and 'value="KH UBND"' in html
    assert 'value="2099-01-01"' in html
    assert not DxPlan.objects.exists()


def test_a_plan_is_recorded_with_its_signed_pdf_and_read_back_byte_exact():
    c = client("lanhdao.hacthanh")
    response = c.post(
        reverse("backoffice:dx-plan") + "?year=2026",
        {
            "year": 2026,
            "unit": f"commune:{hac().pk}",
            "title": "Kế hoạch chuyển đổi số năm 2026",
            "number": "12/KH-UBND",
            "issued_on": "15/01/2026",
            "period_from": "2026-01-01",
            "period_to": "2026-12-31",
            "status": "issued",
            "document": upload("ke-hoach.pdf", PDF, "application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = DxPlan.objects.get()
    pdf = client("kiemtra").get(reverse("backoffice:dx-plan-document", args=[plan.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content == PDF
    # Another commune's leader cannot record Hạc Thành's plan.
    other = client("lanhdao.samson").post(
        reverse("backoffice:dx-plan") + "?year=2026",
        {"year": 2026, "unit": f"commune:{hac().pk}", "title": "x", "number": "1/KH-UBND"},
    )
    assert other.status_code == 404
    assert DxPlan.objects.get().title == "Kế hoạch chuyển đổi số năm 2026"


def test_only_the_province_administrator_assigns_targets():
    page = client("lanhdao.hacthanh").get(reverse("backoffice:dx-targets")).content.decode()
    assert "Giao chỉ tiêu cho một đơn vị" not in page
    response = client("lanhdao.hacthanh").post(
        reverse("backoffice:dx-target-bulk") + "?year=2026",
        {"group": "communes", "indicator": "online", "comparison": "gte", "value": "50"},
    )
    assert response.status_code == 404 and not DxTarget.objects.exists()


@pytest.mark.parametrize(
    ("url", "data", "element", "message"),
    [
        ("backoffice:dx-target-assign", {"unit": "", "indicator": "on_time", "value": "90"}, "one-unit-e", "Chọn"),
        ("backoffice:dx-target-assign", {"unit": "UNIT", "indicator": "", "value": "90"}, "one-indicator-e", "Chọn"),
        ("backoffice:dx-target-assign", {"unit": "UNIT", "indicator": "on_time", "value": "9O"}, "one-value-e", "số"),
        ("backoffice:dx-target-bulk", {"group": "all", "indicator": "on_time", "value": "90"}, "bulk-group-e", "Chọn"),
        (
            "backoffice:dx-target-bulk",
            {"group": "communes", "indicator": "online", "value": "150"},
            "bulk-value-e",
            "100",
        ),
        (
            "backoffice:dx-target-bulk",
            {"group": "communes", "indicator": "metric:sme-dx-programme", "value": "100"},
            "bulk-indicator-e",
            "cấp tỉnh",
        ),
    ],
)
def test_a_bad_target_form_comes_back_with_its_message_and_what_was_typed(url, data, element, message):
    data = {k: (f"commune:{hac().pk}" if v == "UNIT" else v) for k, v in data.items()} | {"comparison": "gte"}
    response = client("quantri").post(reverse(url) + "?year=2026", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in field_error(html, element)
    assert f'value="{data["value"]}"' in html
    assert not DxTarget.objects.exists()


def test_bulk_targets_then_the_progress_table_in_a_bounded_number_of_queries():
    response = client("quantri").post(
        reverse("backoffice:dx-target-bulk") + "?year=2026",
        {"group": "communes", "indicator": "online", "comparison": "gte", "value": "50", "note": ""},
    )
    assert response.status_code == 302
    c = client("kiemtra")
    with CaptureQueriesContext(connection) as queries:
        page = c.get(reverse("backoffice:dx-targets"), {"year": 2026}).content.decode()
    assert page.count('<progress class="dx-bar"') == 166
    assert "Chưa có số liệu: <strong>166</strong>" in page
    assert len(queries) <= 25, len(queries)
    export = c.get(reverse("backoffice:dx-targets-export"), {"year": 2026})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_figure_comes_back_beside_its_field_and_a_good_one_is_a_revision():
    c = client("lanhdao.hacthanh")
    url = reverse("backoffice:dx-economy-enter")
    bad = c.post(url, {"metric": "cashless-schools", "period": "2026-Q3", "unit": hac().pk, "value": "101,5"})
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "từ 0 đến 100" in field_error(html, "v-value-e") and 'value="101,5"' in html
    assert not EconomyValue.objects.exists()
    ok = c.post(url, {"metric": "cashless-schools", "period": "2026-Q3", "unit": hac().pk, "value": "97,5"})
    assert ok.status_code == 302
    ok = c.post(url, {"metric": "cashless-schools", "period": "2026-Q3", "unit": hac().pk, "value": "98"})
    page = c.get(reverse("backoffice:dx-economy"), {"metric": "cashless-schools", "period": "2026-Q3"}).content.decode()
    assert "98 %" in page and "<del>97,50</del>" in page
    # The commune's staff may enter only their own commune: the form offers one unit.
    units = re.search(r'<select id="v-unit"[^>]*>(.*?)</select>', page, re.S)[1]
    assert re.findall(r'<option value="(\d+)"', units) == [str(hac().pk)]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = G.SHEET
    ws.append(list(G.HEADERS))
    for r in rows:
        ws.append(list(r))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_import_with_bad_rows_lists_them_and_imports_nothing():
    c = client("quantri")
    data = _xlsx(
        [("cashless-schools", "14797", "", "2026-Q3", 80, ""), ("cashless-schools", "99999", "", "2026-Q3", 7, "")]
    )
    response = c.post(
        reverse("backoffice:dx-economy-import"),
        {"metric": "cashless-schools", "period": "2026-Q3", "file": upload("so-lieu.xlsx", data, G.XLSX_TYPE)},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<td>3</td><td>Mã đơn vị “99999”" in html
    assert not EconomyValue.objects.exists()
    data_ok = _xlsx([("cashless-schools", "14797", "", "2026-Q3", 80, "")])
    wrong = c.post(
        reverse("backoffice:dx-economy-import"),
        {"metric": "cashless-schools", "file": upload("so-lieu.xlsx", PDF, G.XLSX_TYPE)},
    )
    assert wrong.status_code == 422 and "Excel" in field_error(wrong.content.decode(), "imp-file-e")
    good = c.post(
        reverse("backoffice:dx-economy-import"),
        {"metric": "cashless-schools", "file": upload("so-lieu.xlsx", data_ok, G.XLSX_TYPE)},
    )
    assert good.status_code == 302
    assert EconomyValue.objects.get().value == 80
    template = c.get(reverse("backoffice:dx-economy-template"), {"metric": "cashless-schools", "period": "2026-Q3"})
    assert template["Content-Type"] == G.XLSX_TYPE and template.content[:2] == b"PK"


def test_a_bad_period_is_explained_beside_the_field_and_the_auditor_enters_nothing():
    page = client("kiemtra").get(reverse("backoffice:dx-economy"), {"metric": "e-invoice", "period": "Q5/2026"})
    html = page.content.decode()
    assert "Kỳ không hợp lệ" in re.search(r'<span class="error" id="e-period-e"[^>]*>([^<]*)</span>', html)[1]
    assert 'value="Q5/2026"' in html
    assert 'id="v-unit"' not in html  # the auditor has no entry form
    response = client("kiemtra").post(
        reverse("backoffice:dx-economy-enter"),
        {"metric": "cashless-schools", "period": "2026-Q3", "unit": hac().pk, "value": "50"},
    )
    assert response.status_code == 404 and not EconomyValue.objects.exists()
