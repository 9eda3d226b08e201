"""The one-stop-shop forms 01–06 (Circular 03/2025/TT-VPCP) print as PDFs a citizen can read and scan."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
import segno
from pypdf import PdfReader

from congso.documents.forms_pdf import (
    FORM_NUMBERS,
    QR_BORDER,
    QR_SCALE,
    format_vn_datetime,
    qr_data_uri,
    render_form,
    render_form_html,
)

A5 = (419.53, 595.28)
A4_LANDSCAPE = (841.89, 595.28)

LOOKUP_URL = "https://dichvucong.thanhhoa.gov.vn/tra-cuu/000.00.00.H56-261125-0007"
DOSSIER_CODE = "000.00.00.H56-261125-0007"
# 01:15 UTC is 08:15 in Hà Nội (UTC+7).
ISSUED_AT = datetime(2026, 11, 25, 1, 15, tzinfo=UTC)
RECEIVED_AT = ISSUED_AT
APPOINTMENT_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # 16:00, 02/12/2026


def common_context() -> dict:
    return {
        "dossier_code": DOSSIER_CODE,
        "lookup_url": LOOKUP_URL,
        "parent_agency_name": "UBND TỈNH THANH HÓA",
        "agency_name": "Trung tâm Phục vụ hành chính công tỉnh",
        "office_name": "Bộ phận Một cửa phường Hạc Thành",
        "place": "Thanh Hóa",
        "issued_at": ISSUED_AT,
        "applicant": {
            "name": "Nguyễn Thị Ánh",
            "id_number": "038190001234",
            "address": "Số 5 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa",
            "phone": "0912 345 678",
            "email": "anh.nguyen@example.vn",
        },
        "proxy": None,
        "procedure_name": "Đăng ký khai sinh",
        "request": "Đăng ký khai sinh cho con là Trần Minh Đức",
        "officer_name": "Lê Văn Bình",
    }


def form_context(number: str) -> dict:
    ctx = common_context()
    if number == "01":
        ctx |= {
            "components": [
                {"name": "Tờ khai đăng ký khai sinh", "copies": 1, "original": True, "digitised": True},
                {"name": "Giấy chứng sinh", "copies": 1, "original": True, "digitised": False},
                {"name": "Văn bản ủy quyền", "copies": 1, "original": False, "digitised": False},
            ],
            "sets": 1,
            "duration_text": "01 ngày làm việc",
            "received_at": RECEIVED_AT,
            "appointment_at": APPOINTMENT_AT,
            "return_place": "Bộ phận Một cửa phường Hạc Thành",
            "logbook_entry": "Quyển số 01/2026, số thứ tự 0007",
            "proxy": {"name": "Trần Văn Hùng", "id_number": "038085004321", "authorisation": "Giấy ủy quyền số 12/UQ"},
        }
    elif number == "02":
        ctx |= {
            "missing_items": ["Bản sao giấy chứng nhận kết hôn của cha, mẹ", "Giấy chứng sinh bản chính"],
            "reason": "Hồ sơ thiếu giấy tờ chứng minh quan hệ cha, mẹ, con",
            "contact_officer": {"name": "Phạm Thu Hà", "phone": "0237 385 2020"},
        }
    elif number == "03":
        ctx |= {
            "reasons": [
                "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường",
                "Người yêu cầu đã được đăng ký khai sinh trước đó",
            ]
        }
    elif number == "04":
        ctx |= {
            "agency_name": "Ủy ban nhân dân phường Hạc Thành",
            "received_at": RECEIVED_AT,
            "original_appointment_at": APPOINTMENT_AT,
            "reason": "Cần xác minh thông tin hộ tịch tại địa phương khác",
            "new_appointment_at": datetime(2026, 12, 9, 2, 30, tzinfo=UTC),  # 09:30, 09/12/2026
            "head_of_agency": {"name": "Hoàng Minh Đức", "title": "Chủ tịch"},
        }
    elif number == "05":
        ctx |= {
            "lead_agency": "Ủy ban nhân dân phường Hạc Thành",
            "coordinating_agencies": ["Công an phường Hạc Thành", "Bảo hiểm xã hội tỉnh Thanh Hóa"],
            "received_at": RECEIVED_AT,
            "appointment_at": APPOINTMENT_AT,
            "handovers": [
                {
                    "unit": "Bộ phận Một cửa",
                    "at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),  # 09:00
                    "from_name": "Lê Văn Bình",
                    "to_name": "Phạm Thu Hà",
                    "outcome": "early",
                    "note": "",
                },
                {
                    "unit": "Công chức Tư pháp - Hộ tịch",
                    "at": datetime(2026, 11, 26, 7, 30, tzinfo=UTC),  # 14:30
                    "from_name": "Phạm Thu Hà",
                    "to_name": "Hoàng Minh Đức",
                    "outcome": "on_time",
                    "note": "Trình ký",
                },
                {
                    "unit": "Lãnh đạo Ủy ban nhân dân phường",
                    "at": datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
                    "from_name": "Hoàng Minh Đức",
                    "to_name": "Lê Văn Bình",
                    "outcome": "late",
                    "note": "",
                },
                {
                    "unit": "Bộ phận Một cửa",
                    "at": None,
                    "from_name": "Lê Văn Bình",
                    "to_name": "Nguyễn Thị Ánh",
                    "outcome": None,
                    "note": "",
                },
            ],
        }
    elif number == "06":
        ctx |= {"period": "Tháng 11 năm 2026", "rows": logbook_rows(3)}
    return ctx


def logbook_rows(count: int) -> list[dict]:
    names = ["Nguyễn Thị Ánh", "Trần Văn Hùng", "Lê Thị Hồng Nhung", "Đặng Quốc Việt"]
    rows = []
    for i in range(count):
        received = ISSUED_AT + timedelta(hours=i)
        rows.append(
            {
                "no": i + 1,
                "dossier_code": f"000.00.00.H56-261125-{i + 1:04d}",
                "procedure_name": "Đăng ký khai sinh",
                "applicant_name": names[i % len(names)],
                "address_phone": "Số 5 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa; 0912 345 678",
                "lead_agency": "UBND phường Hạc Thành",
                "received_at": received,
                "appointment_at": received + timedelta(days=1),
                "returned_at": received + timedelta(days=1) if i % 2 == 0 else None,
                "delivery": "Trực tiếp" if i % 3 else "Bưu chính công ích",
            }
        )
    return rows


def pdf_text(reader: PdfReader) -> str:
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def embedded_fonts(reader: PdfReader) -> dict[str, str]:
    """BaseFont name in the page resources → the family of the embedded font program."""
    fonts = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
                "/FontDescriptor"
            ].get_object()
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3") or descriptor.get("/FontFile")
            assert program is not None, f"{font['/BaseFont']} is not embedded"
            data = program.get_object().get_data()
            # The subset keeps the name table: the family is stored in UTF-16BE (Windows) and/or Mac Roman.
            is_liberation = "Liberation Serif".encode("utf-16-be") in data or b"Liberation Serif" in data
            fonts[str(font["/BaseFont"])] = "Liberation Serif" if is_liberation else "other"
    return fonts


def page_size(page) -> tuple[float, float]:
    box = page.mediabox
    return float(box.width), float(box.height)


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[bytes, PdfReader, str]]:
    """Each form rendered once for the whole module: (pdf bytes, reader, NFC text)."""
    out = {}
    for number in FORM_NUMBERS:
        pdf = render_form(number, form_context(number))
        reader = PdfReader(io.BytesIO(pdf))
        out[number] = (pdf, reader, pdf_text(reader))
    return out


NATIONAL_HEADING = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
TITLES = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "05": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "06": "SỔ THEO DÕI HỒ SƠ",
}


@pytest.mark.parametrize("number", FORM_NUMBERS)
def test_it_prints_the_national_heading_title_agency_and_date(rendered, number):
    _, reader, text = rendered[number]
    for line in NATIONAL_HEADING:
        assert line in text
    assert TITLES[number] in text
    assert "UBND TỈNH THANH HÓA" in text
    assert "Thanh Hóa, ngày 25 tháng 11 năm 2026" in text
    assert "Tra cứu hồ sơ" in text
    assert reader.metadata.title.startswith(f"Mẫu số {number}. ")


@pytest.mark.parametrize("number", ["01", "02", "03", "04", "05"])
def test_it_prints_forms_01_to_05_on_a5_portrait(rendered, number):
    _, reader, _ = rendered[number]
    for page in reader.pages:
        width, height = page_size(page)
        assert width == pytest.approx(A5[0], abs=1) and height == pytest.approx(A5[1], abs=1)


def test_it_prints_the_logbook_on_a4_landscape(rendered):
    _, reader, _ = rendered["06"]
    width, height = page_size(reader.pages[0])
    assert width == pytest.approx(A4_LANDSCAPE[0], abs=1) and height == pytest.approx(A4_LANDSCAPE[1], abs=1)


@pytest.mark.parametrize("number", FORM_NUMBERS)
def test_it_embeds_the_vendored_liberation_serif_and_no_other_font(rendered, number):
    _, reader, _ = rendered[number]
    fonts = embedded_fonts(reader)
    assert fonts, "no font in the page resources"
    # The resources name the @font-face family; the embedded program is the vendored Liberation Serif.
    assert all("Congso-Serif" in name for name in fonts), fonts
    assert set(fonts.values()) == {"Liberation Serif"}, fonts
    assert any(name.endswith("Congso-Serif-Bold") for name in fonts), fonts


@pytest.mark.parametrize("number", FORM_NUMBERS)
def test_it_draws_the_qr_code_for_the_lookup_url(rendered, number):
    html = render_form_html(number, form_context(number))
    assert f'<img src="{qr_data_uri(LOOKUP_URL)}" alt="Mã QR tra cứu hồ sơ"' in html
    _, reader, _ = rendered[number]
    images = reader.pages[0].images
    assert len(images) == 1, "the QR code is missing from the first page"
    side = segno.make(LOOKUP_URL, error="m").symbol_size(scale=QR_SCALE, border=QR_BORDER)
    assert images[0].image.size == side


def test_it_fills_form_01_with_the_receipt_details(rendered):
    _, reader, text = rendered["01"]
    assert len(reader.pages) == 1
    for expected in (
        DOSSIER_CODE,
        "Nguyễn Thị Ánh",
        "038190001234",
        "Số 5 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa",
        "Trần Văn Hùng",
        "Giấy ủy quyền số 12/UQ",
        "Đăng ký khai sinh",
        "Tờ khai đăng ký khai sinh",
        "Giấy chứng sinh",
        "Bản chính",
        "Bản sao",
        "(đã số hóa)",
        "01 ngày làm việc",
        "4. Thời gian nhận hồ sơ: 08:15, ngày 25/11/2026",
        "5. Thời gian trả kết quả giải quyết hồ sơ: 16:00, ngày 02/12/2026",
        "Quyển số 01/2026, số thứ tự 0007",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "Lê Văn Bình",
    ):
        assert expected in text, expected


def test_it_numbers_the_items_to_supply_on_form_02(rendered):
    _, _, text = rendered["02"]
    assert DOSSIER_CODE in text and "Nguyễn Thị Ánh" in text
    assert "1. Bản sao giấy chứng nhận kết hôn của cha, mẹ" in text
    assert "2. Giấy chứng sinh bản chính" in text
    assert "Hồ sơ thiếu giấy tờ chứng minh quan hệ cha, mẹ, con" in text
    assert "Phạm Thu Hà" in text and "0237 385 2020" in text


def test_it_lists_the_reasons_for_refusal_on_form_03(rendered):
    _, _, text = rendered["03"]
    assert DOSSIER_CODE in text and "Nguyễn Thị Ánh" in text
    assert "1. Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường" in text
    assert "2. Người yêu cầu đã được đăng ký khai sinh trước đó" in text


def test_it_apologises_and_sets_a_new_date_on_form_04(rendered):
    _, _, text = rendered["04"]
    flat = " ".join(text.split())
    assert DOSSIER_CODE in flat and "Nguyễn Thị Ánh" in flat
    assert "xin lỗi Ông/Bà vì đã trả kết quả chậm so với thời hạn" in flat
    assert "Ngày 08:15, ngày 25/11/2026" in flat
    assert "16:00, ngày 02/12/2026" in flat
    assert "09:30, ngày 09/12/2026" in flat
    assert "CHỦ TỊCH" in flat and "Hoàng Minh Đức" in flat


def test_it_tracks_each_handover_on_form_05(rendered):
    _, _, text = rendered["05"]
    flat = " ".join(text.split())
    assert DOSSIER_CODE in flat
    assert "Công an phường Hạc Thành; Bảo hiểm xã hội tỉnh Thanh Hóa" in flat
    for expected in ("09:00, ngày 25/11/2026", "14:30, ngày 26/11/2026", "Trước hạn", "Đúng hạn", "Quá hạn"):
        assert expected in flat, expected
    assert "Công chức Tư pháp - Hộ tịch" in flat and "Trình ký" in flat


def test_it_lists_the_logbook_rows_on_form_06(rendered):
    _, _, text = rendered["06"]
    flat = " ".join(text.split())
    assert "Tháng 11 năm 2026" in flat
    for code in ("000.00.00.H56-261125-0001", "000.00.00.H56-261125-0002", "000.00.00.H56-261125-0003"):
        assert code in flat
    assert "Lê Thị Hồng Nhung" in flat and "Bưu chính công ích" in flat


def test_it_repeats_the_logbook_header_on_every_page_of_a_long_period():
    ctx = form_context("06") | {"rows": logbook_rows(60)}
    reader = PdfReader(io.BytesIO(render_form("06", ctx)))
    assert len(reader.pages) >= 3
    for page in reader.pages:
        width, height = page_size(page)
        assert width == pytest.approx(A4_LANDSCAPE[0], abs=1) and height == pytest.approx(A4_LANDSCAPE[1], abs=1)
        text = " ".join(unicodedata.normalize("NFC", page.extract_text()).split())
        assert "Mã hồ sơ" in text and "Phương thức nhận kết quả" in text
    everything = pdf_text(reader)
    assert "000.00.00.H56-261125-0001" in everything and "000.00.00.H56-261125-0060" in everything


def test_it_normalises_decomposed_input_to_nfc():
    ctx = form_context("02")
    nfd = {
        "applicant": {**ctx["applicant"], "name": unicodedata.normalize("NFD", "Nguyễn Thị Ánh")},
        "missing_items": [unicodedata.normalize("NFD", "Giấy chứng sinh bản chính")],
        "agency_name": unicodedata.normalize("NFD", "Trung tâm Phục vụ hành chính công tỉnh"),
    }
    ctx |= nfd
    html = render_form_html("02", ctx)
    assert unicodedata.is_normalized("NFC", html)
    assert "Nguyễn Thị Ánh" in html and "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH" in html
    text = " ".join(PdfReader(io.BytesIO(render_form("02", ctx))).pages[0].extract_text().split())
    assert unicodedata.is_normalized("NFC", text)
    assert "Nguyễn Thị Ánh" in text and "1. Giấy chứng sinh bản chính" in text


def test_it_prints_missing_optional_values_as_a_dotted_line():
    ctx = {"lookup_url": LOOKUP_URL, "agency_name": "UBND phường Hạc Thành", "issued_at": ISSUED_AT}
    html = render_form_html("01", ctx)
    assert "Tiếp nhận hồ sơ của:</span> <strong>......</strong>" in html
    assert "Thời gian nhận hồ sơ: ......" in html


def test_it_formats_datetimes_in_ho_chi_minh_time():
    assert format_vn_datetime(datetime(2026, 11, 25, 1, 15, tzinfo=UTC)) == "08:15, ngày 25/11/2026"
    assert format_vn_datetime(datetime(2026, 12, 31, 17, 5, tzinfo=UTC)) == "00:05, ngày 01/01/2027"
    assert format_vn_datetime(None) == "......"
    with pytest.raises(ValueError, match="múi giờ"):
        format_vn_datetime(datetime(2026, 11, 25, 8, 15))


def test_it_refuses_an_unknown_form_number_in_vietnamese():
    with pytest.raises(ValueError, match="Không có biểu mẫu số '07'"):
        render_form("07", common_context())
    with pytest.raises(ValueError, match="Không có biểu mẫu"):
        render_form_html("1", common_context())


def test_it_refuses_a_context_without_its_required_keys():
    ctx = common_context()
    del ctx["lookup_url"]
    with pytest.raises(ValueError, match="Thiếu thông tin bắt buộc"):
        render_form_html("03", ctx)
