"""The governance dashboards through HTTP: figures equal the hand-worked values of ``kpi_dataset``, grouping and
period switching, rollup, the drill-down's dossier list, XLSX and PDF read back, who may read what, bad input."""

from __future__ import annotations

import io
import re

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from congso.backoffice.tests import kpi_dataset
from congso.catalog.models import Procedure
from congso.dossiers.models import Dossier
from congso.dossiers.tests.helpers import user
from congso.kpi import facts
from congso.kpi.models import DossierFact

pytestmark = pytest.mark.django_db

INDEX = "/mot-cua/chi-so/"
LIST = "/mot-cua/chi-so/ho-so/"


@pytest.fixture
def ds():
    return kpi_dataset.build()


def client(username: str) -> Client:
    c = Client()
    c.force_login(user(username))
    return c


_TOKEN = re.compile(r"(?P<tag>[a-z0-9]+)?(?P<rest>(?:#[\w-]+|\.[\w-]+|\[[^\]]+\])*)")


def xpath(selector: str) -> str:
    """The few CSS selectors these tests use (tag, #id, .class, [attr], [attr='v'], descendant) as XPath."""
    steps = []
    for token in selector.split():
        m = _TOKEN.fullmatch(token)
        assert m, token
        conditions = []
        for part in re.findall(r"#[\w-]+|\.[\w-]+|\[[^\]]+\]", m["rest"]):
            if part[0] == "#":
                conditions.append(f"@id='{part[1:]}'")
            elif part[0] == ".":
                conditions.append(f"contains(concat(' ', normalize-space(@class), ' '), ' {part[1:]} ')")
            elif "=" in part:
                name, value = part[1:-1].split("=", 1)
                value = value if value[0] in "'\"" else f"'{value}'"
                conditions.append(f"@{name}={value}")
            else:
                conditions.append(f"@{part[1:-1]}")
        steps.append((m["tag"] or "*") + "".join(f"[{c}]" for c in conditions))
    return "//" + "//".join(steps)


def select(node, selector: str) -> list:
    return node.xpath("." + xpath(selector))


def page(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200, response.content.decode()[:2000]
    return lxml.html.fromstring(response.content.decode())


def text(doc, selector: str) -> str:
    (node,) = select(doc, selector)
    return " ".join(node.text_content().split())


def rows(doc, table: str = "table.kpi-groups") -> dict[str, dict[str, str]]:
    """Each body row of a table: its header cell's text → {class of a cell: its text}."""
    out = {}
    for tr in select(doc, f"{table} tbody tr[data-key]"):
        label = " ".join(select(tr, "th")[0].text_content().split())
        out[label] = {
            td.get("class").split()[-1]: " ".join(td.text_content().split()) for td in select(tr, "td[class]")
        }
    return out


def listed(response) -> set[str]:
    doc = page(response)
    return {" ".join(a.text_content().split()) for a in select(doc, "table.kpi-dossiers tbody th a")}


def codes(ds, *names) -> set[str]:
    return set(Dossier.objects.filter(pk__in=ds.ids(*names)).values_list("code", flat=True))


# ---- the figures --------------------------------------------------------------------------------------------------
def test_it_shows_the_hand_worked_november_of_the_province(ds):
    doc = page(client("quantri").get(INDEX, {"period": "2026-11"}))
    assert text(doc, "h1") == "Chỉ số chỉ đạo, điều hành · 11/2026"
    assert text(doc, "#card-received .value") == "6"
    assert text(doc, "#card-ended .value") == "4"
    expected = {
        "on_time": ("75,00 %", "3/4"),
        "online": ("33,33 %", "1/3"),
        "online_share": ("33,33 %", "2/6"),
        "online_payment": ("33,33 %", "1/3"),
        "digitisation": ("83,33 %", "5/6"),
        "reuse": ("16,67 %", "1/6"),
        "person_signature": ("100,00 %", "3/3"),
        "agency_signature": ("100,00 %", "3/3"),
        "synced": ("0,00 %", "0/6"),
    }
    for key, (rate, fraction) in expected.items():
        assert text(doc, f"#card-{key} .value") == rate, key
        assert text(doc, f"#card-{key} .frac") == fraction, key
    assert text(doc, "#card-satisfaction .value") == "25,00 %"
    assert "quá hạn 1/4" in text(doc, "#card-satisfaction .frac")
    assert "đánh giá không hài lòng 1/2" in text(doc, "#card-satisfaction .frac")
    assert text(doc, "#card-average_rating .value") == "3,50/5"
    assert text(doc, "#card-score .value") == "53,33"
    points = {
        tr.get("id"): " ".join(select(tr, "td.points")[0].text_content().split())
        for tr in select(doc, "table.kpi-score tbody tr")
    }
    assert points == {
        "score-transparency": "0,00",
        "score-progress": "15,00",
        "score-online_service": "8,00",
        "score-online_payment": "3,33",
        "score-satisfaction": "5,00",
        "score-digitisation": "22,00",
    }

    by_agency = rows(doc)
    assert by_agency[ds.h.pc.name]["received"] == "4"
    assert by_agency[ds.h.pc.name]["rate-on_time"] == "66,67 % 2/3"
    assert by_agency[ds.s.pc.name]["rate-on_time"] == "100,00 % 1/1"
    assert text(doc, "table.kpi-groups tfoot td.received") == "6"

    # The charts are drawn from the same figures, embedded in the page.
    import json

    charts = json.loads(doc.get_element_by_id("kpi-charts-data").text)
    assert charts["trend"]["labels"][-1] == "11/2026" and len(charts["trend"]["labels"]) == 12
    assert charts["trend"]["received"][-2:] == [1, 6]  # October, November
    assert charts["units"]["labels"] == [ds.h.pc.name, ds.s.pc.name]
    assert charts["units"]["series"][0]["data"] == [66.67, 100.0]
    assert select(doc, "canvas#chart-trend") and select(doc, "canvas#chart-units")


def test_it_groups_and_switches_periods(ds):
    admin = client("quantri")
    doc = page(admin.get(INDEX, {"period": "2026-11", "by": "commune"}))
    by_commune = rows(doc)
    assert {k: v["received"] for k, v in by_commune.items()} == {ds.h.desk.unit.name: "4", ds.s.desk.unit.name: "2"}

    doc = page(admin.get(INDEX, {"period": "2026-11", "by": "procedure"}))
    assert {v["received"] for v in rows(doc).values()} == {"3"}  # SIGNATURE N1 N2 N6, BIRTH N3 N4 N5

    doc = page(admin.get(INDEX, {"period": "2026-12"}))
    assert text(doc, "#card-received .value") == "0"
    assert text(doc, "#card-on_time .value") == "0,00 %"
    assert text(doc, "#card-digitisation .value") == "—"  # nothing received: not 0 %

    doc = page(admin.get(INDEX, {"period": "2026-q4", "by": "field"}))
    assert text(doc, "h1").endswith("Quý 4/2026")
    assert text(doc, "#card-received .value") == "7"
    assert text(doc, "#card-on_time .value") == "66,67 %" and text(doc, "#card-on_time .frac") == "4/6"
    trend = rows(doc, "table.kpi-trend")
    assert (trend["10/2026"]["received"], trend["11/2026"]["received"], trend["12/2026"]["ended"]) == ("1", "6", "1")

    doc = page(admin.get(INDEX, {"period": "2026-10..2026-11"}))
    assert text(doc, "#card-received .value") == "7" and text(doc, "#card-ended .value") == "5"
    # Previous / next keep the kind of period.
    assert select(doc, "a[rel=prev]")[0].get("href").startswith("?period=2026-08..2026-09")
    doc = page(admin.get(INDEX, {"period": "2026-11"}))
    assert "period=2026-10" in select(doc, "a[rel=prev]")[0].get("href")
    assert "period=2026-12" in select(doc, "a[rel=next]")[0].get("href")


def test_the_default_period_is_the_last_full_month():
    from congso.backoffice import kpi_views

    doc = page(client("quantri").get(INDEX))
    month = kpi_views.last_full_month()
    assert doc.get_element_by_id("kpi-period").get("value") == month
    assert text(doc, "h1").endswith(f"{month[5:]}/{month[:4]}")


def test_rollup_reads_the_former_commune_under_its_successor(ds):
    admin = client("quantri")
    plain = rows(page(admin.get(INDEX, {"period": "2025", "by": "commune"})))
    assert plain == {ds.old_unit.name: plain[ds.old_unit.name]} and plain[ds.old_unit.name]["received"] == "1"
    rolled = rows(page(admin.get(INDEX, {"period": "2025", "by": "commune", "rollup": "1"})))
    assert list(rolled) == [ds.h.desk.unit.name] and rolled[ds.h.desk.unit.name]["received"] == "1"
    by_agency = rows(page(admin.get(INDEX, {"period": "2025", "rollup": "1"})))
    assert list(by_agency) == [ds.h.pc.name]
    assert list(rows(page(admin.get(INDEX, {"period": "2025"})))) == [ds.old_pc.name]
    # The drill-down list follows the same switch.
    params = {"period": "2025", "commune": ds.h.unit_id}
    assert listed(admin.get(LIST, params)) == set()
    assert listed(admin.get(LIST, {**params, "rollup": "1"})) == codes(ds, "P1")


# ---- the drill-down -----------------------------------------------------------------------------------------------
def test_the_drill_down_goes_from_the_province_to_the_dossiers_counted(ds):
    admin = client("quantri")
    doc = page(admin.get(INDEX, {"period": "2026-11"}))
    link = select(doc, f"table.kpi-groups tr[data-key='{ds.h.pc.pk}'] th a")[0].get("href")
    doc = page(admin.get(INDEX + link))  # the agency, by procedure
    assert [a.text_content() for a in select(doc, "nav.crumbs a")] == ["Toàn tỉnh"]
    assert text(doc, "nav.crumbs [aria-current]") == ds.h.pc.name
    procedures = rows(doc)
    signature = next(k for k in procedures if k.startswith(kpi_dataset.H.SIGNATURE))
    assert procedures[signature]["received"] == "2"
    link = doc.xpath(f"//table[contains(@class, 'kpi-groups')]//th/a[starts-with(., '{kpi_dataset.H.SIGNATURE}')]")
    response = admin.get(link[0].get("href"))
    doc = page(response)
    assert response.request["PATH_INFO"] == LIST
    assert listed(response) == codes(ds, "N1", "N2")
    assert "theo tháng tiếp nhận" in text(doc, "#kpi-list-basis")
    assert [" ".join(a.text_content().split()) for a in select(doc, "nav.crumbs li")][-1] == "Danh sách hồ sơ"
    first = select(doc, "table.kpi-dossiers tbody th a")[0].get("href")
    assert re.fullmatch(r"/mot-cua/ho-so/\d+/", first)
    assert admin.get(first).status_code == 200

    tabs = {a.get("href").split("counter=")[1]: a for a in select(doc, "nav.tabs a")}
    late = admin.get(LIST + tabs["late"].get("href"))
    assert listed(late) == codes(ds, "N2")
    assert "theo tháng kết thúc xử lý" in text(page(late), "#kpi-list-basis")


def test_each_row_has_its_score_and_its_link_to_the_next_level(ds):
    """The table's rows are built in Python (kpi_tags.kpi_group_rows): each row's Decision 766 score is the
    scoring module's, and its link (and data-href) the query of the next level with the key put in."""
    from congso.kpi import scoring, selectors

    admin = client("quantri")
    rules = selectors.score_rules()
    q4 = selectors.parse_period("2026-Q4")
    cases = [
        ({"by": "agency"}, "?period=2026-Q4&by=procedure&agency={key}&rollup=1"),
        ({"by": "commune"}, "?period=2026-Q4&by=procedure&commune={key}&rollup=1"),
        ({"by": "field"}, "?period=2026-Q4&by=procedure&field={key}&rollup=1"),
        ({"by": "procedure"}, "?period=2026-Q4&by=agency&procedure={key}&rollup=1"),
        (
            {"by": "procedure", "agency": ds.h.pc.pk},
            LIST + f"?period=2026-Q4&agency={ds.h.pc.pk}&procedure={{key}}&rollup=1",
        ),
    ]
    for params, link in cases:
        doc = page(admin.get(INDEX, {"period": "2026-Q4", "rollup": "1", **params}))
        result = selectors.indicators(q4, scope=selectors.Scope(everything=True), rollup=True, **params)
        groups = {g["key"]: g for g in result["groups"]}
        trs = select(doc, "table.kpi-groups tbody tr[data-key]")
        assert trs, params
        for tr in trs:
            key = tr.get("data-key")
            total = scoring.score(groups[key]["counters"], rules).total
            shown = " ".join(select(tr, "td.score")[0].text_content().split())
            assert shown == ("—" if total is None else f"{total:.2f}".replace(".", ",")), (params, key)
            assert tr.get("data-href") == select(tr, "th a")[0].get("href") == link.format(key=key), params
    doc = page(admin.get(INDEX, {"period": "2019-01"}))
    assert not select(doc, "table.kpi-groups tbody tr[data-key]")
    assert text(doc, "table.kpi-groups tbody") == "Không có số liệu trong kỳ này."
    assert not select(doc, "table.kpi-groups tfoot")


LISTS = [
    ({"period": "2026-11", "counter": "received"}, ("N1", "N2", "N3", "N4")),
    ({"period": "2026-11", "counter": "online"}, ("N3", "N4")),
    ({"period": "2026-11", "counter": "ended"}, ("N1", "N2", "N3")),
    ({"period": "2026-11", "counter": "on_time"}, ("N1", "N3")),
    ({"period": "2026-11", "counter": "late"}, ("N2",)),
    ({"period": "2026-12", "counter": "late"}, ("N4",)),
    ({"period": "2026-12", "counter": "received"}, ()),
    ({"period": "2026-Q4", "counter": "ended"}, ("O1", "N1", "N2", "N3", "N4")),
]


def test_the_dossier_list_is_exactly_what_the_cells_count(ds):
    admin = client("quantri")
    for params, names in LISTS:
        response = admin.get(LIST, {**params, "agency": ds.h.pc.pk})
        assert listed(response) == codes(ds, *names), params
        doc = page(response)
        current = select(doc, "nav.tabs a[aria-current]")[0]
        assert f"({len(names)})" in current.text_content(), params  # the count from the summaries
        assert not select(doc, "#kpi-list-count .warn")


def test_the_list_agrees_with_every_dossier_fact(ds):
    """Cross-check against what each dossier contributed (``DossierFact``): for every month, agency and counter
    the list shows exactly the dossiers whose stored contribution has that counter in that month's cell."""
    admin = client("quantri")
    contributed: dict[tuple, set[int]] = {}
    for fact in DossierFact.objects.all():
        for key, cell in facts.decode(fact.cells).items():
            for counter in ("received", "received_online", "ended", "on_time", "late"):
                if cell.get(counter):
                    contributed.setdefault((key.month, key.agency_id, counter), set()).add(fact.dossier_id)
    assert contributed
    for (month, agency, counter), ids in contributed.items():
        name = {"received_online": "online"}.get(counter, counter)
        response = admin.get(LIST, {"period": f"{month:%Y-%m}", "agency": agency, "counter": name})
        shown = {int(a.get("href").split("/")[-2]) for a in select(page(response), "table.kpi-dossiers tbody th a")}
        assert shown == ids, (month, agency, counter)


def test_the_dossier_list_is_paginated_and_indexed(ds, django_assert_max_num_queries, monkeypatch):
    from congso.backoffice import kpi_views

    monkeypatch.setattr(kpi_views, "PAGE_SIZE", 2)
    admin = client("quantri")
    params = {"period": "2026-11", "agency": ds.h.pc.pk}
    first = page(admin.get(LIST, params))
    assert len(select(first, "table.kpi-dossiers tbody tr")) == 2
    assert "Trang 1/2" in text(first, "nav.pages")
    second = listed(admin.get(LIST, {**params, "page": 2}))
    assert len(second) == 2 and second.isdisjoint(listed(admin.get(LIST, params)))
    # A province-wide list without an agency, commune or procedure would scan the dossiers: refused.
    response = admin.get(LIST, {"period": "2026-11"})
    assert response.status_code == 422
    assert "Chọn một cơ quan" in response.content.decode()


def test_a_page_is_a_handful_of_queries_over_the_cells(ds, django_assert_max_num_queries):
    admin = client("quantri")
    admin.get(INDEX, {"period": "2026-11"})  # warm the session
    with django_assert_max_num_queries(10):
        assert admin.get(INDEX, {"period": "2026-Q4", "by": "commune", "rollup": "1"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert (
            admin.get(
                LIST, {"period": "2026-11", "agency": ds.h.pc.pk, "procedure": ds.d["N1"].procedure_id}
            ).status_code
            == 200
        )


def test_one_units_page_reads_its_cells_and_its_trend_and_little_else(ds, django_assert_max_num_queries):
    admin = client("quantri")
    params = {"period": "2026-11", "by": "procedure", "agency": ds.h.pc.pk}
    assert admin.get(INDEX, params).status_code == 200  # warms the session and the cached names and rules
    # The session, the user, the caller's roles (shared with the header), the unit's cells, its 12-month trend.
    with django_assert_max_num_queries(5):
        response = admin.get(INDEX, params)
    assert response.status_code == 200 and ds.h.pc.name in response.content.decode()


def test_a_renamed_agency_or_procedure_shows_its_new_name_at_once(ds):
    admin = client("quantri")
    procedure = Procedure.objects.get(pk=ds.d["N1"].procedure_id)
    params = {"period": "2026-11", "by": "procedure", "agency": ds.h.pc.pk}
    assert procedure.name in admin.get(INDEX, params).content.decode()
    ds.h.pc.name = "Ủy ban nhân dân phường Hạc Thành (tên mới)"
    ds.h.pc.save()
    procedure.name = "Đăng ký khai sinh (tên mới)"
    procedure.save()
    page = admin.get(INDEX, params).content.decode()
    assert "Ủy ban nhân dân phường Hạc Thành (tên mới)" in page and "Đăng ký khai sinh (tên mới)" in page


# ---- exports ------------------------------------------------------------------------------------------------------
def test_every_table_exports_to_xlsx(ds):
    from openpyxl import load_workbook

    admin = client("quantri")
    response = admin.get(reverse("backoffice:kpi-xlsx"), {"period": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Theo cơ quan giải quyết", "Điểm Quyết định 766", "Theo tháng"]
    ws = wb["Theo cơ quan giải quyết"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["Cơ quan giải quyết", "Tiếp nhận", "Nộp trực tuyến", "Đã giải quyết", "Đúng hạn", "Quá hạn"]
    assert header[6] == "Tỷ lệ đúng hạn (%)"
    body = {r[0].value: r for r in ws.iter_rows(min_row=2) if r[0].value}
    h = body[ds.h.pc.name]
    assert [c.value for c in h[1:6]] == [4, 2, 3, 2, 1]
    assert h[6].value == pytest.approx(0.6667) and h[6].number_format == "0.00%"
    total = body["Tổng cộng"]
    assert [c.value for c in total[1:6]] == [6, 2, 4, 3, 1] and total[6].value == pytest.approx(0.75)
    score = {r[0].value: r[5].value for r in wb["Điểm Quyết định 766"].iter_rows(min_row=2)}
    assert score["Tổng điểm (thang 100)"] == pytest.approx(53.33)
    assert score["Tiến độ giải quyết"] == pytest.approx(15.0)
    months = {r[0].value: r[1].value for r in wb["Theo tháng"].iter_rows(min_row=2)}
    assert months["11/2026"] == 6 and months["10/2026"] == 1 and len(months) == 12

    response = admin.get(
        reverse("backoffice:kpi-dossiers-xlsx"), {"period": "2026-11", "agency": ds.h.pc.pk, "counter": "late"}
    )
    ws = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in ws[1]][:3] == ["Mã hồ sơ", "Thủ tục", "Người nộp"]
    data = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in data] == sorted(codes(ds, "N2")) and data[0][6] == "Quá hạn"
    assert data[0][5].strftime("%d/%m/%Y %H:%M") == "05/11/2026 10:00"


def test_the_monthly_report_pdf(ds):
    from pypdf import PdfReader

    response = client("quantri").get("/mot-cua/chi-so/bao-cao/2026-11.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4
    content = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "BÁO CÁO CHỈ SỐ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in content
    assert "Tháng 11/2026 — toàn tỉnh" in content
    assert "75,00 %" in content and "53,33" in content
    assert ds.h.pc.name in content and ds.s.desk.unit.name in content
    assert "Theo xã, phường" in content and "Theo cơ quan giải quyết" in content


def test_a_bad_report_month_is_a_vietnamese_422():
    for month in ("2026-13", "2026-1", "tháng-11"):
        response = client("quantri").get(f"/mot-cua/chi-so/bao-cao/{month}.pdf")
        assert response.status_code == 422
        assert "Tháng báo cáo không hợp lệ" in response.content.decode()


# ---- bad input and permissions --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2026-13"}, "Kỳ báo cáo không hợp lệ"),
        ({"period": "tháng 11"}, "Kỳ báo cáo không hợp lệ"),
        ({"period": "2026-11", "by": "district"}, "Nhóm theo"),
        ({"period": "2026-11", "agency": "abc"}, "Giá trị phải là một số nguyên dương."),
    ],
)
def test_bad_input_is_a_422_in_vietnamese_that_keeps_what_was_typed(params, message):
    response = client("quantri").get(INDEX, params)
    assert response.status_code == 422
    doc = lxml.html.fromstring(response.content.decode())
    assert text(doc, "#kpi-error").startswith(message)
    assert doc.get_element_by_id("kpi-period").get("value") == params["period"]
    assert client("quantri").get(LIST, params).status_code == 422


def test_an_officer_reads_only_their_scope(ds):
    # A department's specialist: another agency is a 404, on every page.
    stp = client("chuyenvien.stp")
    for path in (INDEX, LIST, reverse("backoffice:kpi-xlsx"), reverse("backoffice:kpi-dossiers-xlsx")):
        response = stp.get(path, {"period": "2026-11", "agency": ds.h.pc.pk})
        assert response.status_code == 404, path
    assert "Không tìm thấy cơ quan." in stp.get(INDEX, {"period": "2026-11", "agency": ds.h.pc.pk}).content.decode()
    doc = page(stp.get(INDEX, {"period": "2026-11"}))
    assert text(doc, "#card-received .value") == "0"
    assert text(doc, "nav.crumbs [aria-current]") == "Phạm vi được giao"

    # Sầm Sơn's desk clerk reads what was received at Sầm Sơn, not Hạc Thành.
    desk = client("tiepnhan.samson")
    doc = page(desk.get(INDEX, {"period": "2026-11"}))
    assert text(doc, "#card-received .value") == "2"
    assert list(rows(doc)) == [ds.s.pc.name]
    assert desk.get(INDEX, {"period": "2026-11", "commune": ds.h.unit_id}).status_code == 404
    assert desk.get(LIST, {"period": "2026-11", "agency": ds.h.pc.pk}).status_code == 404
    assert listed(desk.get(LIST, {"period": "2026-11", "commune": ds.s.unit_id})) == codes(ds, "N5", "N6")
    report = desk.get("/mot-cua/chi-so/bao-cao/2026-11.pdf")
    assert report.status_code == 200


def test_a_citizen_cannot_open_the_pages():
    citizen = client("congdan.an")
    for path in (INDEX, LIST, reverse("backoffice:kpi-xlsx"), "/mot-cua/chi-so/bao-cao/2026-11.pdf"):
        assert citizen.get(path, {"period": "2026-11"}).status_code == 404, path
    anonymous = Client().get(INDEX)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/mot-cua/dang-nhap/")
