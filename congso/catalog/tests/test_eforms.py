"""The e-form maths: a procedure's JSON Schema read as fields, HTML answers typed, errors in Vietnamese."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from congso.catalog import eforms
from congso.catalog.actions import default_form_schema

TODAY = dt.date(2026, 11, 25)
BIRTH = json.loads((settings.DATA_DIR / "eforms" / "1.001193.000.00.00.H56.json").read_text(encoding="utf-8"))
VALID = {
    "nguoi_yeu_cau": "Lê Thị Hoa",
    "giay_to_nguoi_yeu_cau": "038190000123",
    "quan_he": "me",
    "ho_ten": "Lê Minh An",
    "gioi_tinh": "nam",
    "ngay_sinh": "2026-11-20",
    "noi_sinh": "Bệnh viện Đa khoa tỉnh Thanh Hóa",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "ho_ten_me": "Lê Thị Hoa",
    "nam_sinh_me": "1990",
    "noi_cu_tru_me": "Phường Hạc Thành",
}


def test_the_shipped_forms_are_valid_e_forms():
    eforms.check_schema(BIRTH)
    eforms.check_schema(default_form_schema({"name": "Thủ tục thử"}))


def test_the_birth_form_reads_as_grouped_fields_with_choices():
    fields = {f.name: f for f in eforms.fields_of(BIRTH)}
    assert fields["gioi_tinh"].kind == "select" and fields["gioi_tinh"].choices == (("nam", "Nam"), ("nu", "Nữ"))
    assert fields["ngay_sinh"].kind == "date" and fields["ngay_sinh"].required
    assert fields["nam_sinh_me"].kind == "integer" and fields["ho_ten_cha"].required is False
    assert fields["nguoi_yeu_cau"].prefill == "applicant.name" and fields["ho_ten"].group == "Người được khai sinh"


def test_a_complete_declaration_has_no_error():
    data, problems = eforms.coerce(BIRTH, VALID)
    assert problems == {} and data["nam_sinh_me"] == 1990
    assert eforms.validate(BIRTH, data, today=TODAY) == {}


def test_each_problem_has_its_own_vietnamese_message():
    raw = {
        **VALID,
        "ngay_sinh": "2026-12-01",
        "giay_to_nguoi_yeu_cau": "12",
        "gioi_tinh": "khac",
        "nam_sinh_me": "1820",
    }
    raw.pop("noi_sinh")
    raw.pop("quan_he")
    data, _ = eforms.coerce(BIRTH, raw)
    errors = eforms.validate(BIRTH, data, today=TODAY)
    assert errors == {
        "ngay_sinh": "Ngày không được sau hôm nay.",
        "giay_to_nguoi_yeu_cau": "Số định danh cá nhân gồm đúng 12 chữ số.",
        "gioi_tinh": "Vui lòng chọn một giá trị trong danh sách.",
        "nam_sinh_me": "Giá trị nhỏ nhất là 1940.",
        "noi_sinh": "Vui lòng nhập nơi sinh.",
        "quan_he": "Vui lòng chọn quan hệ với người được khai sinh.",
    }


def test_unreadable_numbers_and_impossible_dates_are_reported():
    data, problems = eforms.coerce(BIRTH, {**VALID, "nam_sinh_me": "một chín chín"})
    assert problems == {"nam_sinh_me": "Vui lòng nhập một số nguyên."}
    data, _ = eforms.coerce(BIRTH, {**VALID, "ngay_sinh": "2026-02-30"})
    assert eforms.validate(BIRTH, data, today=TODAY)["ngay_sinh"] == "Ngày không hợp lệ."


def test_a_schema_congso_cannot_render_is_refused_in_vietnamese():
    with pytest.raises(eforms.SchemaProblem, match="chỉ hỗ trợ kiểu"):
        eforms.check_schema({"type": "object", "properties": {"x": {"type": "array"}}})
    with pytest.raises(eforms.SchemaProblem, match="không có trong biểu mẫu"):
        eforms.check_schema({"type": "object", "properties": {}, "required": ["ghost"]})
    with pytest.raises(eforms.SchemaProblem, match="JSON Schema"):
        eforms.check_schema({"type": "object", "properties": {"x": {"type": "string", "maxLength": -1}}})


def test_prefill_takes_the_declared_sources_only():
    values = {"name": "Lê Thị Hoa", "id_number": "038190000123", "address": "Hạc Thành"}
    assert eforms.prefill(BIRTH, values) == {
        "nguoi_yeu_cau": "Lê Thị Hoa",
        "giay_to_nguoi_yeu_cau": "038190000123",
        "noi_cu_tru_nguoi_yeu_cau": "Hạc Thành",
    }


@pytest.mark.parametrize(
    ("name", "template", "need"),
    [
        ("Tờ khai đăng ký khai sinh theo mẫu", "Tờ khai đăng ký khai sinh", "eform"),
        ("Giấy chứng sinh", "", "upload"),
        ("Giấy tờ tùy thân (Thẻ căn cước) - xuất trình khi làm thủ tục trực tiếp", "", "present"),
        ("Đơn đề nghị cấp giấy phép xây dựng", "", "eform"),
    ],
)
def test_how_each_paper_is_provided_online(name, template, need):
    assert eforms.component_need(name, template) == need


answers = st.dictionaries(
    st.sampled_from(sorted(BIRTH["properties"]) + ["la", "csrf"]),
    st.one_of(st.text(max_size=30), st.sampled_from(["", "1990", "2026-01-01", "nam", "me", "038190000123"])),
)


@given(answers)
def test_any_answers_give_messages_only_for_the_form_fields(raw):
    data, problems = eforms.coerce(BIRTH, raw)
    errors = {**eforms.validate(BIRTH, data, today=TODAY), **problems}
    assert set(data) <= set(BIRTH["properties"])
    assert set(errors) <= set(BIRTH["properties"]) | {""}
    assert all(isinstance(m, str) and m for m in errors.values())
    missing = {name for name in BIRTH["required"] if name not in data and name not in problems}
    assert missing <= set(errors)


@given(st.dictionaries(st.sampled_from(sorted(VALID)), st.just("")))
def test_blanking_any_required_answer_is_caught(blanks):
    data, _ = eforms.coerce(BIRTH, {**VALID, **blanks})
    errors = eforms.validate(BIRTH, data, today=TODAY)
    assert set(errors) == {k for k in blanks if k in BIRTH["required"]}
