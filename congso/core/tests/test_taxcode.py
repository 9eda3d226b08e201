"""The tax code (mã số thuế): hand examples of real enterprises' codes, and properties over all codes."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from congso.core.taxcode import TaxCodeError, check_digit, is_valid, parent_of, parse

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: s[2:] != "0000000")


@st.composite
def valid_codes(draw) -> str:
    head = draw(nine_digits)
    digit = check_digit(head)
    assume(digit is not None)
    code = f"{head}{digit}"
    if draw(st.booleans()):
        code += "-" + f"{draw(st.integers(1, 999)):03d}"
    return code


# ---- hand examples ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "number",
    [
        "0100109106",  # Tập đoàn Công nghiệp – Viễn thông Quân đội (Viettel)
        "0101248141",  # Công ty Cổ phần FPT
        "0100233488",
        "2801234564",  # the simulator's demo company in Thanh Hóa (block 28)
    ],
)
def test_real_codes_are_valid(number):
    assert parse(number) == number


def test_the_check_digit_by_hand():
    # 0·31 + 1·29 + 0·23 + 0·19 + 1·17 + 0·13 + 9·7 + 1·5 + 0·3 = 114; 114 mod 11 = 4; 10 − 4 = 6
    assert check_digit("010010910") == 6


def test_a_sum_divisible_by_11_has_no_check_digit():
    # 0·31 + 1·29 + 1·23 + 0·19 + 0·17 + 0·13 + 0·7 + 0·5 + 1·3 = 55 ≡ 0 (mod 11): 10 − 0 is no digit
    assert check_digit("011000001") is None
    assert not is_valid("0110000010")


def test_branches_and_the_ways_codes_are_typed():
    assert parse("0314409058-002") == "0314409058-002"
    assert parse("0314409058002") == "0314409058-002"
    assert parse(" 01.00.109.106 ") == "0100109106"
    assert parse("2801234564 - 001") == "2801234564-001"
    assert parent_of("2801234564-001") == "2801234564"


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("", "empty", "Vui lòng nhập mã số thuế"),
        ("2801234567", "check_digit", "sai chữ số kiểm tra"),  # one digit off the demo company's
        ("28012345x4", "characters", "có ký tự “x”"),
        ("280123456", "length", "10 chữ số"),
        ("2801234564-01", "length", "10 chữ số"),
        ("2801234564-", "length", "10 chữ số"),
        ("2801234564-001-1", "characters", "có ký tự “-”"),
        ("2800000000", "serial", "đều bằng 0"),
        ("2801234564-000", "branch", "từ 001 đến 999"),
    ],
)
def test_bad_codes_say_what_is_wrong(number, code, words):
    with pytest.raises(TaxCodeError) as err:
        parse(number)
    assert err.value.code == code and words in err.value.message


# ---- properties ------------------------------------------------------------------------------------
@given(valid_codes())
def test_every_generated_code_parses_to_itself(code):
    assert parse(code) == code and is_valid(code) and parent_of(code) == code[:10]


@given(valid_codes(), st.integers(0, 9), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(code, position, delta):
    digits = list(code[:10])
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid("".join(digits) + code[10:])


@given(valid_codes(), st.integers(0, 7))
def test_swapping_two_neighbouring_digits_is_caught(code, position):
    assume(code[position] != code[position + 1])
    digits = list(code)
    digits[position], digits[position + 1] = digits[position + 1], digits[position]
    assert not is_valid("".join(digits))


@given(valid_codes(), st.lists(st.sampled_from([" ", "."]), max_size=4), st.data())
def test_spaces_and_dots_between_digits_do_not_matter(code, separators, data):
    typed = list(code)
    for sep in separators:
        typed.insert(data.draw(st.integers(0, len(typed))), sep)
    assert parse("".join(typed)) == code


@given(st.text(max_size=20))
def test_any_text_is_either_a_code_or_a_clear_error(text):
    try:
        result = parse(text)
    except TaxCodeError as err:
        assert err.message and err.code
    else:
        assert is_valid(result) and len(result) in (10, 14)
