"""Citizens misspell: "dang ki khai sinh", "khai sinhh". The search corrects each word against the words of the
catalog's procedure names (Damerau–Levenshtein, i/y read alike) and says which query it searched for."""

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from congso.catalog.search import (
    build_vocabulary,
    correct_query,
    correct_token,
    distance,
    max_distance,
    needs_correction,
    spell,
)
from congso.core.text import fold_vi, search_tokens

NAMES = [
    "Thủ tục đăng ký khai sinh",
    "Thủ tục đăng ký lại khai sinh",
    "Thủ tục đăng ký khai sinh có yếu tố nước ngoài",
    "Thủ tục đăng ký kết hôn",
    "Thủ tục đăng ký kết hôn lưu động",
    "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV và nhà ở riêng lẻ",
    "Gia hạn giấy phép xây dựng",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    "Đăng ký thành lập hộ kinh doanh",
    "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
    "Xác nhận tình trạng hôn nhân",
    "Cấp giấy chứng nhận quyền sử dụng đất",
]
VOCABULARY = build_vocabulary(NAMES)
WORDS = sorted(VOCABULARY.counts)
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def one_edit(word: str, data) -> str:
    """``word`` with one random edit: a letter deleted, inserted, replaced, or two neighbours swapped."""
    kind = data.draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
    i = data.draw(st.integers(0, len(word) - 1))
    letter = data.draw(st.sampled_from(LETTERS))
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "insert":
        return word[:i] + letter + word[i:]
    if kind == "replace":
        return word[:i] + letter + word[i + 1 :]
    j = min(i + 1, len(word) - 1)
    return word[:i] + word[j] + word[i] + word[j + 1 :] if j > i else word


# ---- the pure correction (no database) ---------------------------------------------------------------------


@given(st.data())
def test_a_one_edit_typo_of_a_long_word_corrects_to_a_word_at_most_one_edit_away(data):
    word = data.draw(st.sampled_from([w for w in WORDS if len(w) >= 5]))
    typo = one_edit(word, data)
    corrected = correct_token(typo, VOCABULARY)
    assert corrected in VOCABULARY
    assert distance(typo, corrected) <= 1


@given(st.lists(st.text(LETTERS, min_size=2, max_size=10), min_size=1, max_size=40), st.data())
def test_the_same_holds_for_any_vocabulary(words, data):
    vocabulary = build_vocabulary([" ".join(words)])
    word = data.draw(st.sampled_from(words))
    assume(len(word) >= 5)
    typo = one_edit(word, data)
    corrected = correct_token(typo, vocabulary)
    assert corrected in vocabulary and distance(typo, corrected) <= 1


@given(st.sampled_from(WORDS))
def test_correcting_a_correct_word_is_the_identity(word):
    assert correct_token(word, VOCABULARY) == word


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
def test_a_query_of_correct_words_is_not_corrected(words):
    assert correct_query(" ".join(words), VOCABULARY) is None


@given(st.text(LETTERS + "0123456789", min_size=1, max_size=12))
def test_a_correction_is_a_vocabulary_word_within_the_allowed_edits_or_the_token_itself(token):
    corrected = correct_token(token, VOCABULARY)
    assert corrected == token or (corrected in VOCABULARY and distance(token, corrected) <= max_distance(token))


@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
def test_the_spelling_shown_folds_back_to_the_words_searched(words):
    assert search_tokens(spell(words, VOCABULARY)) == words


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("sinhh", "sinh"),  # a letter too many
        ("ki", "ky"),  # i for y
        ("li", "ly"),
        ("dnag", "dang"),  # two letters swapped
        ("giya", "giay"),
        ("xay", "xay"),  # already right
        ("1", "1"),  # numbers and codes are kept
        ("zzzqqq", "zzzqqq"),  # too far from every word
    ],
)
def test_typical_typos(typed, meant):
    assert correct_token(typed, VOCABULARY) == meant


def test_among_equally_near_words_the_one_that_fits_its_neighbours_wins():
    # "kai" is one edit from "khai" and from "lai"; "đăng ký … sinh" makes it "khai".
    assert correct_query("dnag ky kai sinh", VOCABULARY).query == "dang ky khai sinh"


def test_the_corrected_query_is_shown_the_way_the_catalog_writes_it():
    assert correct_query("dang ki khai sinh", VOCABULARY).display == "đăng ký khai sinh"
    # "dung" alone is most often "dụng" (sử dụng); after "xây" it is "dựng".
    assert correct_query("giay phep xay dungg", VOCABULARY).display == "giấy phép xây dựng"
    assert fold_vi(correct_query("chung thuc ban saoo", VOCABULARY).display) == "chung thuc ban sao"


def test_a_last_word_being_typed_is_left_alone_but_not_a_misspelt_one_before_it():
    assert VOCABULARY.starts_a_word("si") and not VOCABULARY.starts_a_word("sinhh")
    assert correct_query("dang ky khai si", VOCABULARY, keep_last_beginning=True) is None
    assert not needs_correction("dang ky khai si", VOCABULARY)
    # "ki" also begins "kinh": as the last word it may be "kinh doanh" on its way; before others it is "ký".
    assert not needs_correction("dang ki", VOCABULARY)
    assert needs_correction("dang ki khai sinh", VOCABULARY)
    assert correct_query("dang ki khai si", VOCABULARY, keep_last_beginning=True).query == "dang ky khai si"


# ---- through HTTP, on the demo catalog ------------------------------------------------------------------------

BIRTH = "Thủ tục đăng ký khai sinh"
MARRIAGE = "Thủ tục đăng ký kết hôn"
BUILDING = "Cấp giấy phép xây dựng mới"

CITIZEN_QUERIES = [
    # (typed, the procedure found first, the corrected query shown or "" when none was needed)
    ("dang ki khai sinh", BIRTH, "đăng ký khai sinh"),
    ("khai sinhh", BIRTH, "khai sinh"),
    ("giay phep xay dung", BUILDING, ""),
    ("cap giây phep xay dựng", BUILDING, ""),
    ("dăng ky kết hon", MARRIAGE, ""),
    ("dang ky ket hno", MARRIAGE, "đăng ký kết hôn"),
    ("giay phep xay dnug", BUILDING, "giấy phép xây dựng"),
]


def _results(html: str) -> list[str]:
    return re.findall(r'<li><a href="/thu-tuc/\d+/">([^<]+)</a>', html)


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "first", "shown"), CITIZEN_QUERIES)
def test_a_citizen_finds_the_right_procedure_first_despite_typos(client, typed, first, shown):
    response = client.get("/thu-tuc/", {"q": typed})
    assert response.status_code == 200
    html = response.content.decode()
    results = _results(html)
    assert results and results[0].startswith(first)
    if shown:
        assert f"Hiển thị kết quả cho «{shown}»" in html
    else:
        assert "Hiển thị kết quả cho" not in html
    assert f'value="{typed}"' in html  # what the citizen typed stays in the box


@pytest.mark.django_db
def test_a_correction_keeps_the_filters_and_nonsense_still_finds_nothing(client):
    commune = _results(client.get("/thu-tuc/", {"q": "dang ki khai sinh", "level": "commune"}).content.decode())
    assert commune[0] == BIRTH
    province = client.get("/thu-tuc/", {"q": "dang ki khai sinh", "level": "province"}).content.decode()
    assert BIRTH not in _results(province)
    nothing = client.get("/thu-tuc/", {"q": "zzzqqq xxyyww"}).content.decode()
    assert _results(nothing) == [] and "Không tìm thấy thủ tục phù hợp" in nothing
    assert "Hiển thị kết quả cho" not in nothing


@pytest.mark.django_db
def test_the_api_corrects_typos_too(client):
    body = client.get("/api/v1/procedures/", {"q": "dang ki khai sinhh"}).json()
    assert body["items"][0]["name"] == BIRTH


@pytest.mark.django_db
def test_a_new_procedure_name_joins_the_vocabulary(client):
    from congso.catalog.actions import import_catalog_file
    from congso.catalog.tests.test_import_export import RECORD, json_file

    before = client.get("/thu-tuc/", {"q": "thu nghiemm"}).content.decode()
    assert RECORD["name"] not in _results(before)
    import_catalog_file(json_file(RECORD), "catalog.json")
    html = client.get("/thu-tuc/", {"q": "thu nghiemm"}).content.decode()
    assert _results(html) == [RECORD["name"]] and "Hiển thị kết quả cho «thử nghiệm»" in html


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen(monkeypatch):
    """Rows written without signals (another worker's import) are noticed by the (count, last id) version."""
    from congso.catalog import selectors
    from congso.catalog.models import Procedure

    before = selectors.procedure_vocabulary()
    assert "nghiem" not in before
    template = Procedure.objects.current().get(name=BIRTH)
    clone = Procedure.objects.get(pk=template.pk)
    clone.pk, clone.key, clone.name = None, "local-thu-nghiem", "Thủ tục thử nghiệm"
    Procedure.objects.bulk_create([clone])  # no post_save: the in-process cache is not told
    assert selectors.procedure_vocabulary() is before  # checked at most every VOCABULARY_CHECK_SECONDS
    monkeypatch.setattr(selectors, "VOCABULARY_CHECK_SECONDS", 0.0)
    assert "nghiem" in selectors.procedure_vocabulary()


@pytest.mark.django_db
def test_a_misspelt_word_that_begins_other_words_is_corrected_even_when_the_strict_search_finds_enough(client):
    """ "ki" begins "kiểm": with procedures about "kiểm tra … đăng ký khai sinh", the strict search finds those;
    the corrected query adds the procedure meant, ranked first."""
    from congso.catalog.actions import import_catalog_file
    from congso.catalog.tests.test_import_export import RECORD, json_file

    records = [
        {**RECORD, "national_code": f"9.99910{i}", "name": f"Kiểm tra hồ sơ đăng ký khai sinh mẫu số {i}"}
        for i in range(1, 4)
    ]
    import_catalog_file(json_file(*records), "catalog.json")
    # The corrected query ("đăng ký khai sinh mẫu") finds the same three: nothing added, nothing said.
    same = client.get("/thu-tuc/", {"q": "dang ki khai sinh mau"}).content.decode()
    assert len(_results(same)) == 3 and "Hiển thị kết quả cho" not in same
    html = client.get("/thu-tuc/", {"q": "dang ki khai sinh"}).content.decode()
    results = _results(html)
    assert results[0] == BIRTH and "Hiển thị kết quả cho «đăng ký khai sinh»" in html
    assert {r["name"] for r in records} <= set(results)  # what the strict search found is still there
