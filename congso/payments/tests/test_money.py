"""Specification of amounts as receipts print them: ``congso.payments.money`` (pure).

"1.250.000" with dots between thousands, and the amount in words as Vietnamese receipts spell it:
"linh" for a zero ten after a hundred, "mười" for ten, "mốt"/"tư"/"lăm" for 1/4/5 after a tens word
("hai mươi mốt", "hai mươi tư", "mười lăm") but "mười một", "mười bốn"; a group after a higher one
is read in full ("hai triệu không trăm linh năm nghìn"). The round-trip property runs a strict decoder
written here, which accepts only that spelling, over the whole range 0 ≤ n < 10**15 ("nghìn tỷ" included).
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from congso.payments.money import format_vnd, vnd_in_words

SETTINGS = settings(max_examples=250, deadline=None)
LIMIT = 10**15


# ---- hand examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (25, "Hai mươi lăm đồng"),
        (100, "Một trăm đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (1_000, "Một nghìn đồng"),
        (8_000, "Tám nghìn đồng"),
        (10_000, "Mười nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (24_000, "Hai mươi tư nghìn đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (1_250_000, "Một triệu hai trăm năm mươi nghìn đồng"),
        (2_005_000, "Hai triệu không trăm linh năm nghìn đồng"),
        (4_500_000, "Bốn triệu năm trăm nghìn đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
        (2_500_000_000, "Hai tỷ năm trăm triệu đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (15_000_000_000_000, "Mười lăm nghìn tỷ đồng"),
    ],
)
def test_amount_in_words_as_receipts_print_it(amount, words):
    assert vnd_in_words(amount) == words


def test_four_reads_bon_after_muoi_and_tu_after_a_tens_word():
    assert vnd_in_words(14).split()[-2] == "bốn"
    assert vnd_in_words(24).split()[-2] == "tư"
    assert vnd_in_words(104) == "Một trăm linh bốn đồng"
    assert vnd_in_words(4) == "Bốn đồng"


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0"), (999, "999"), (1_000, "1.000"), (10_000, "10.000"), (1_250_000, "1.250.000"), (10**9, "1.000.000.000")],
)
def test_format_vnd_groups_thousands_with_dots(amount, text):
    assert format_vnd(amount) == text


@pytest.mark.parametrize("amount", [-1, -10_000])
def test_a_negative_amount_has_no_words(amount):
    with pytest.raises(ValueError):
        vnd_in_words(amount)


# ---- a strict decoder: words → number --------------------------------------------------------------

DIGIT = {w: i for i, w in enumerate(("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"))}
# the unit after "mười" (11–19) and after "<d> mươi" (21–99): 1, 4 and 5 change their reading
AFTER_MUOI_1 = {**{w: i for w, i in DIGIT.items() if i not in (0, 5)}, "lăm": 5}
AFTER_MUOI = {**{w: i for w, i in DIGIT.items() if i not in (0, 1, 4, 5)}, "mốt": 1, "tư": 4, "lăm": 5}
PLAIN_UNIT = {w: i for w, i in DIGIT.items() if i}
SCALE = {"nghìn": 10**3, "triệu": 10**6}


class Malformed(ValueError):
    pass


def _triple(tokens: list[str], full: bool) -> int:
    """0 < n < 1000; ``full``: a higher group precedes, so the hundreds are always read."""
    if not tokens:
        raise Malformed("empty group")
    i, value = 0, 0
    if len(tokens) >= 2 and tokens[1] == "trăm":
        hundreds = DIGIT[tokens[0]]
        if hundreds == 0 and not full:
            raise Malformed("'không trăm' in a leading group")
        value, i = 100 * hundreds, 2
    elif full:
        raise Malformed("a group after a higher one must read its hundreds")
    rest = tokens[i:]
    if not rest:
        pass
    elif rest[0] == "linh":
        if i == 0 or len(rest) != 2:
            raise Malformed("'linh' only between hundreds and a unit")
        value += PLAIN_UNIT[rest[1]]
    elif rest[0] == "mười":
        if len(rest) > 2:
            raise Malformed(rest)
        value += 10 + (AFTER_MUOI_1[rest[1]] if len(rest) == 2 else 0)
    elif len(rest) >= 2 and rest[1] == "mươi":
        tens = DIGIT[rest[0]]
        if tens < 2 or len(rest) > 3:
            raise Malformed(rest)
        value += 10 * tens + (AFTER_MUOI[rest[2]] if len(rest) == 3 else 0)
    elif len(rest) == 1 and i == 0:
        value += PLAIN_UNIT[rest[0]]
    else:
        raise Malformed(rest)
    if value == 0:
        raise Malformed("a zero group is not read")
    return value


def _below_a_billion(tokens: list[str], full: bool) -> int:
    """0 < n < 10**9 as groups "… triệu … nghìn …", scales in decreasing order."""
    total, start, allowed = 0, 0, ["triệu", "nghìn"]
    for index, token in enumerate(tokens):
        if token in SCALE:
            if token not in allowed:
                raise Malformed(f"scale {token!r} out of order")
            total += _triple(tokens[start:index], full) * SCALE[token]
            full = True
            allowed = allowed[allowed.index(token) + 1 :]
            start = index + 1
    if start < len(tokens):
        total += _triple(tokens[start:], full)
    if total == 0:
        raise Malformed("empty")
    return total


def decode(text: str) -> int:
    """ "Hai triệu không trăm linh năm nghìn đồng" → 2005000, for 0 ≤ n < 10**15 ("… nghìn tỷ …")."""
    if not text.endswith(" đồng"):
        raise Malformed("no 'đồng'")
    tokens = text[: -len(" đồng")].split(" ")
    tokens[0] = tokens[0][:1].lower() + tokens[0][1:]
    if tokens == ["không"]:
        return 0
    if tokens.count("tỷ") > 1:
        raise Malformed("more than one 'tỷ' below 10**15")
    if "tỷ" in tokens:
        at = tokens.index("tỷ")
        billions = _below_a_billion(tokens[:at], full=False)
        if billions >= 10**6 or "triệu" in tokens[:at]:
            raise Malformed("only 'nghìn tỷ' above 'tỷ' below 10**15")
        rest = tokens[at + 1 :]
        return billions * 10**9 + (_below_a_billion(rest, full=True) if rest else 0)
    return _below_a_billion(tokens, full=False)


@pytest.mark.parametrize(
    "text",
    [
        "Hai mươi một đồng",  # 21 reads "mốt"
        "Mười mốt đồng",  # 11 reads "một"
        "Mười tư đồng",  # 14 reads "bốn" after "mười"
        "Hai mươi năm đồng",  # 25 reads "lăm"
        "Một trăm năm đồng",  # 105 needs "linh"
        "Lăm đồng",
        "Hai triệu năm nghìn đồng",  # a following group is read in full
        "Không trăm linh năm đồng",
        "Một nghìn triệu đồng",
        "Một tỷ tỷ đồng",
        "Một đồng đồng",
        "Mười",
    ],
)
def test_the_decoder_refuses_other_spellings(text):
    with pytest.raises((Malformed, KeyError)):
        decode(text)


# ---- properties ------------------------------------------------------------------------------------

# groups that exercise the special readings and the zero groups (linh, mười, mốt, tư, lăm, không trăm)
SPECIAL_GROUPS = [0, 0, 0, 1, 4, 5, 10, 11, 14, 15, 20, 21, 24, 25, 100, 101, 104, 105, 110, 111, 114, 115, 999]
structured = st.lists(
    st.one_of(st.sampled_from(SPECIAL_GROUPS), st.integers(min_value=0, max_value=999)), min_size=1, max_size=5
).map(lambda groups: sum(g * 1000**i for i, g in enumerate(groups)))
amounts = st.one_of(
    st.integers(min_value=0, max_value=LIMIT - 1),
    st.integers(min_value=0, max_value=10**6),
    structured,
)


@SETTINGS
@given(amounts)
@example(LIMIT - 1)
@example(10**12 + 5)
@example(10**9 + 10**6)
def test_amount_in_words_is_well_formed(amount):
    text = vnd_in_words(amount)
    assert text[0].isupper() and text[1:] == text[1:].lower()
    assert text.endswith(" đồng")
    assert unicodedata.is_normalized("NFC", text)
    assert text == text.strip() and "  " not in text
    words = text.lower().split(" ")
    assert all(words)
    assert words[0] != "lăm" and words[0] not in ("linh", "mốt", "tư", "mươi", "trăm", "nghìn", "triệu", "tỷ")
    for before, word in zip(words, words[1:], strict=False):
        if word in ("mốt", "tư"):
            assert before == "mươi", text
        if word == "lăm":
            assert before in ("mươi", "mười"), text


@SETTINGS
@given(amounts)
@example(LIMIT - 1)
@example(10**12 + 5)
@example(10**9 + 10**6)
@example(10**14 + 10**9 + 1)
def test_amount_in_words_decodes_back(amount):
    assert decode(vnd_in_words(amount)) == amount


@SETTINGS
@given(st.integers(min_value=0, max_value=LIMIT - 1))
def test_format_vnd_is_the_digits_in_dotted_groups_of_three(amount):
    text = format_vnd(amount)
    assert text.replace(".", "") == str(amount)
    head, *groups = text.split(".")
    assert 1 <= len(head) <= 3 and all(len(g) == 3 for g in groups)


@settings(max_examples=50, deadline=None)
@given(st.integers(max_value=-1))
def test_every_negative_amount_raises(amount):
    with pytest.raises(ValueError):
        vnd_in_words(amount)
