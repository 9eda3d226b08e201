"""XLSX import of digital-economy figures: the template, all-or-nothing with every bad row reported by number and
reason in Vietnamese, idempotent re-import, corrections as new revisions."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from congso.dossiers.access import who_for
from congso.dossiers.tests.helpers import PDF, user
from congso.geo.models import AdministrativeUnit
from congso.kpi import governance as G
from congso.kpi import governance_selectors as S
from congso.kpi.models import EconomyMetric, EconomyValue

pytestmark = pytest.mark.django_db


def admin():
    return who_for(user("quantri"))


def book(rows, headers=G.HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = G.SHEET
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_template_lists_every_reporting_unit_of_the_metric_for_the_period():
    schools = EconomyMetric.objects.get(key="cashless-schools")
    data = G.template_xlsx(schools, S.parse_economy_period("2026-Q3"))
    wb = load_workbook(io.BytesIO(data))
    ws = wb[G.SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == G.HEADERS
    assert len(rows) == 1 + 166
    assert {r[0] for r in rows[1:]} == {"cashless-schools"} and {r[3] for r in rows[1:]} == {"2026-Q3"}
    assert "Phường Hạc Thành" in {r[2] for r in rows[1:]}
    guide = [r[0] for r in wb.worksheets[1].iter_rows(values_only=True)]
    assert {"cashless-schools", "cashless-hospitals", "sme-dx-programme", "e-invoice"} <= set(guide)


def test_a_filled_template_imports_and_importing_it_again_changes_nothing():
    schools = EconomyMetric.objects.get(key="cashless-schools")
    template = load_workbook(io.BytesIO(G.template_xlsx(schools, S.parse_economy_period("2026-Q3"))))
    ws = template[G.SHEET]
    for i, row in enumerate(ws.iter_rows(min_row=2, max_row=11), start=1):
        row[4].value = 50 + i  # ten communes report; the others are left blank
    buffer = io.BytesIO()
    template.save(buffer)
    data = buffer.getvalue()
    first = G.import_values(admin(), data)
    assert (first.created, first.corrected, first.unchanged, first.skipped) == (10, 0, 0, 156)
    again = G.import_values(admin(), data)
    assert (again.created, again.corrected, again.unchanged) == (0, 0, 10)
    assert EconomyValue.objects.count() == 10
    # A corrected file: one figure changed is one new revision; the old one stays.
    ws.cell(row=2, column=5).value = 99
    buffer = io.BytesIO()
    template.save(buffer)
    fixed = G.import_values(admin(), buffer.getvalue())
    assert (fixed.created, fixed.corrected, fixed.unchanged) == (0, 1, 9)
    assert EconomyValue.objects.count() == 11 and EconomyValue.objects.filter(current=True).count() == 10


def test_every_bad_row_is_reported_and_nothing_is_imported():
    data = book(
        [
            ("cashless-schools", "14797", "Phường Hạc Thành", "2026-Q3", 80, ""),  # good
            ("gdp", "14797", "", "2026-Q3", 80, ""),  # 3: unknown metric
            ("cashless-schools", "99999", "", "2026-Q3", 80, ""),  # 4: unknown unit
            ("cashless-schools", "16531", "", "2026-Q3", 180, ""),  # 5: over 100 %
            ("cashless-schools", "14797", "", "2099-Q1", 80, ""),  # 6: future
            ("cashless-schools", "14797", "", "2026-Q3", 81, ""),  # 7: same as row 2
            ("sme-dx-programme", "38", "", "2026", "12,5", ""),  # 8: not a whole number
            ("cashless-schools", "38", "", "2026", 50, ""),  # 9: the province is not a commune
            ("cashless-schools", "14797", "", "tháng 13", 50, ""),  # 10: bad period
            (None, None, None, None, None, None),  # blank line: ignored
            ("e-invoice", "38", "", "2026", "abc", ""),  # 12: not a number
        ]
    )
    with pytest.raises(G.ImportRejected) as caught:
        G.import_values(admin(), data)
    rows = dict(caught.value.rows)
    assert sorted(rows) == [3, 4, 5, 6, 7, 8, 9, 10, 12]
    assert "Mã chỉ tiêu “gdp”" in rows[3]
    assert "99999" in rows[4]
    assert "từ 0 đến 100" in rows[5]
    assert "chưa bắt đầu" in rows[6]
    assert "dòng 2" in rows[7]
    assert "số nguyên" in rows[8]
    assert "38" in rows[9]
    assert "Kỳ không hợp lệ" in rows[10]
    assert "phải là một số" in rows[12]
    assert not EconomyValue.objects.exists()


def test_a_commune_imports_its_own_rows_only():
    leader = who_for(user("lanhdao.hacthanh"))
    data = book(
        [
            ("cashless-schools", "14797", "", "2026-Q3", 80, ""),
            ("cashless-schools", "16531", "", "2026-Q3", 70, ""),  # Sầm Sơn
        ]
    )
    with pytest.raises(G.ImportRejected) as caught:
        G.import_values(leader, data)
    assert [n for n, _m in caught.value.rows] == [3]
    assert "không được nhập" in caught.value.rows[0][1]
    assert not EconomyValue.objects.exists()
    result = G.import_values(leader, book([("cashless-schools", "14797", "", "Quý 3/2026", "80,5", "Phòng VH-XH")]))
    assert result.created == 1
    assert EconomyValue.objects.get().value == Decimal("80.50")


def test_a_code_reused_across_the_reform_names_the_unit_of_the_period():
    """14758 was Phường Đông Thọ until 30 Jun 2025 and is Phường Hàm Rồng since 1 Jul 2025."""
    G.import_values(
        admin(),
        book(
            [
                ("cashless-schools", "14758", "", "2025-Q1", 40, ""),
                ("cashless-schools", "14758", "", "2025-Q4", 60, ""),
            ]
        ),
    )
    by_period = {v.period: v.unit for v in EconomyValue.objects.select_related("unit")}
    assert by_period["2025-Q1"].valid_to is not None and by_period["2025-Q4"].valid_to is None
    assert by_period["2025-Q1"] != by_period["2025-Q4"]
    assert AdministrativeUnit.objects.filter(code="14758").count() >= 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (PDF, "Excel"),
        (b"", "Tệp rỗng"),
        (book([], headers=("Chỉ tiêu", "Xã", "Kỳ", "Giá trị")), "Dòng 1"),
    ],
)
def test_a_file_that_is_not_the_template_is_refused(data, message):
    with pytest.raises(S.GovernanceError) as caught:
        G.import_values(admin(), data)
    text = caught.value.fields.get("file") or " ".join(m for _n, m in getattr(caught.value, "rows", []))
    assert message in text
