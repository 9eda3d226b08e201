import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from congso.core.cccd import PROVINCES, CccdError, CccdInfo, century_digit, check, parse

TODAY = dt.date(2025, 7, 1)


def build(province_code: str, sex: str, birth_year: int, serial: str) -> str:
    """An independent oracle: the number as Circular 07/2016/TT-BCA lays it out."""
    century = {19: 0, 20: 2, 21: 4, 22: 6, 23: 8}[birth_year // 100] + (1 if sex == "female" else 0)
    return f"{province_code}{century}{birth_year % 100:02d}{serial}"


# ---- hand examples ---------------------------------------------------------------------------------
def test_a_woman_and_a_man_born_1990_in_thanh_hoa():
    # 4th digit 1 = female born 1900–1999; 0 = male born 1900–1999
    assert parse("038190001234", today=TODAY) == CccdInfo("038", "Thanh Hóa", "female", 1990)
    assert parse("038090001234", today=TODAY) == CccdInfo("038", "Thanh Hóa", "male", 1990)


def test_a_woman_born_2005_in_ha_noi():
    assert parse("001305012345", today=TODAY) == CccdInfo("001", "Hà Nội", "female", 2005)


def test_a_woman_born_1985_in_ho_chi_minh_and_a_man_born_2001_in_ca_mau():
    assert parse("079185000001", today=TODAY) == CccdInfo("079", "Hồ Chí Minh", "female", 1985)
    assert parse("096201999999", today=TODAY) == CccdInfo("096", "Cà Mau", "male", 2001)


def test_surrounding_whitespace_is_stripped():
    assert parse("  038190001234\n", today=TODAY).birth_year == 1990


def test_check_accepts_matching_date_of_birth_and_sex():
    info = check("038090001234", date_of_birth=dt.date(1990, 5, 12), sex="male", today=TODAY)
    assert info.province_name == "Thanh Hóa"
    assert check("001305012345", sex="nữ", today=TODAY).sex == "female"


def test_check_rejects_a_birth_year_that_does_not_match_the_date_of_birth():
    with pytest.raises(CccdError) as exc:
        check("038190001234", date_of_birth=dt.date(1991, 5, 12), today=TODAY)
    assert exc.value.code == "birth_year"
    assert exc.value.message == "Năm sinh trên CCCD (1990) không khớp ngày sinh đã nhập (12/05/1991)."


def test_check_rejects_a_sex_that_does_not_match():
    with pytest.raises(CccdError) as exc:
        check("038190001234", sex="male", today=TODAY)
    assert exc.value.code == "sex"
    assert exc.value.message == "Giới tính trên CCCD (nữ) không khớp giới tính đã nhập (nam)."


def test_check_refuses_a_meaningless_sex_argument():
    with pytest.raises(ValueError) as exc:
        check("038190001234", sex="x", today=TODAY)
    assert not isinstance(exc.value, CccdError)


@pytest.mark.parametrize("code", ["099", "000", "003", "047", "097", "100", "999"])
def test_unknown_province_codes(code):
    with pytest.raises(CccdError) as exc:
        parse(f"{code}190001234", today=TODAY)
    assert exc.value.code == "province"
    assert exc.value.message == f"Mã tỉnh {code} ở 3 số đầu của CCCD không tồn tại."


@pytest.mark.parametrize(
    ("number", "code", "fragment"),
    [
        ("", "empty", "12 chữ số"),
        ("   ", "empty", "12 chữ số"),
        ("03819000123", "length", "có 11 chữ số"),
        ("0381900012345", "length", "có 13 chữ số"),
        ("038 190 001 234", "spaces", "khoảng trắng"),
        ("038190\t001234", "spaces", "khoảng trắng"),
        ("03819000123A", "characters", "“A”"),
        ("038-190-001234", "characters", "“-”"),
        ("０３８１９０００１２３４", "characters", "ký tự"),  # full-width digits are not ASCII digits
    ],
)
def test_malformed_numbers(number, code, fragment):
    with pytest.raises(CccdError) as exc:
        parse(number, today=TODAY)
    assert exc.value.code == code
    assert "12 chữ số" in exc.value.message
    assert fragment in exc.value.message


def test_none_is_treated_as_empty():
    with pytest.raises(CccdError) as exc:
        parse(None, today=TODAY)  # type: ignore[arg-type]
    assert exc.value.code == "empty"


@pytest.mark.parametrize("number", ["038230001234", "038425001234", "038900001234", "001226000000"])
def test_a_birth_year_after_today_is_impossible(number):
    with pytest.raises(CccdError) as exc:
        parse(number, today=TODAY)
    assert exc.value.code == "future"
    assert f"({number[3]})" in exc.value.message
    assert "2025" in exc.value.message


def test_the_current_year_is_accepted():
    assert parse("038225001234", today=TODAY).birth_year == 2025


def test_the_error_is_a_value_error_with_the_message_as_text():
    with pytest.raises(ValueError, match="Mã tỉnh 099"):
        parse("099190001234", today=TODAY)


def test_century_digit():
    assert century_digit("male", 1990) == "0"
    assert century_digit("female", 1900) == "1"
    assert century_digit("male", 2005) == "2"
    assert century_digit("female", 2099) == "3"
    assert century_digit("female", 2399) == "9"
    with pytest.raises(ValueError):
        century_digit("male", 1899)


# ---- properties ------------------------------------------------------------------------------------
PROVINCE_CODES = st.sampled_from(sorted(PROVINCES))
SEXES = st.sampled_from(["male", "female"])
YEARS = st.integers(min_value=1900, max_value=2099)
SERIALS = st.text(alphabet="0123456789", min_size=6, max_size=6)
FAR_FUTURE = dt.date(2099, 12, 31)


@given(PROVINCE_CODES, SEXES, YEARS, SERIALS)
def test_building_then_parsing_round_trips(code, sex, year, serial):
    number = build(code, sex, year, serial)
    assert century_digit(sex, year) == number[3]
    assert parse(number, today=FAR_FUTURE) == CccdInfo(code, PROVINCES[code], sex, year)
    dob = dt.date(year, 1, 1)
    assert check(number, date_of_birth=dob, sex=sex, today=FAR_FUTURE).birth_year == year


@given(PROVINCE_CODES, SEXES, YEARS, SERIALS, st.integers(min_value=0, max_value=99), st.dates())
def test_changing_the_year_digits_breaks_the_date_of_birth_check(code, sex, year, serial, yy, day):
    assume(yy != year % 100)
    number = build(code, sex, year, serial)
    tampered = f"{number[:4]}{yy:02d}{number[6:]}"
    dob = day.replace(year=year) if not (day.month == 2 and day.day == 29) else dt.date(year, 2, 28)
    with pytest.raises(CccdError) as exc:
        check(tampered, date_of_birth=dob, today=FAR_FUTURE)
    assert exc.value.code == "birth_year"
    assert f"({dob.day:02d}/{dob.month:02d}/{year})" in exc.value.message


@given(st.text(max_size=30))
def test_strings_with_a_non_digit_inside_always_raise(text):
    assume(any(ch not in "0123456789" for ch in text.strip()))
    with pytest.raises(CccdError):
        parse(text, today=FAR_FUTURE)


@given(st.text(alphabet="0123456789", max_size=30).filter(lambda s: len(s) != 12))
def test_digit_strings_of_the_wrong_length_always_raise(text):
    with pytest.raises(CccdError) as exc:
        parse(text, today=FAR_FUTURE)
    assert exc.value.code in ("empty", "length")


@given(PROVINCE_CODES, SEXES, YEARS, SERIALS, st.integers(min_value=0, max_value=11), st.characters())
def test_any_one_non_digit_character_in_a_valid_number_raises(code, sex, year, serial, position, char):
    assume(char not in "0123456789")
    number = build(code, sex, year, serial)
    broken = number[:position] + char + number[position + 1 :]
    with pytest.raises(CccdError):
        parse(broken, today=FAR_FUTURE)


# ---- wiring: the dossier engine's applicant validation (no database needed) ---------------------------
def _validate(**kwargs):
    from congso.dossiers.actions import Applicant, _validate_applicant

    return _validate_applicant(Applicant(**{"name": "Nguyễn Thị Ánh", **kwargs}))


def _field_error(**kwargs) -> str | None:
    from congso.dossiers.actions import ActionError

    try:
        _validate(**kwargs)
    except ActionError as exc:
        assert exc.status == 422
        return exc.fields.get("applicant.id_number")
    return None


def test_a_citizen_cccd_is_checked_when_a_dossier_is_created():
    assert _field_error(id_number="099190001234") == "Mã tỉnh 099 ở 3 số đầu của CCCD không tồn tại."
    assert "có 11 chữ số" in _field_error(id_number="03819000123")
    assert _field_error(id_number="038190001234", date_of_birth=dt.date(1991, 5, 12)) == (
        "Năm sinh trên CCCD (1990) không khớp ngày sinh đã nhập (12/05/1991)."
    )
    ok = _validate(id_number=" 038190001234 ", date_of_birth=dt.date(1990, 5, 12))
    assert ok.id_number == "038190001234" and ok.date_of_birth == dt.date(1990, 5, 12)


def test_other_identifiers_and_other_applicants_keep_the_general_rule():
    assert _field_error(id_number="0101234567", kind=2, id_type="tax_code") is None  # a company's tax code
    assert _field_error(id_number="B1234567", id_type="passport") is None
    assert _field_error(id_number="099190001234", kind=3) is None
    assert "4–30" in _field_error(id_number="12 34")  # the general message comes first, unchanged
