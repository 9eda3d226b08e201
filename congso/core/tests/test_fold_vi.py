import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from congso.core.text import fold_vi, search_tokens


def test_it_folds_diacritics_case_and_d_stroke():
    assert fold_vi("Đăng ký khai sinh") == "dang ky khai sinh"
    assert fold_vi("DANG KY KHAI SINH") == "dang ky khai sinh"
    assert fold_vi("  Cấp   giấy phép xây dựng ") == "cap giay phep xay dung"
    assert fold_vi("Thanh Hóa") == fold_vi("Thanh Hoá") == "thanh hoa"  # both tone placements


def test_it_treats_nfd_input_like_nfc():
    text = "Hộ tịch – Đăng ký kết hôn"
    assert fold_vi(unicodedata.normalize("NFD", text)) == fold_vi(text)


def test_it_tokenises_without_punctuation():
    assert search_tokens("Thủ tục: đăng-ký (khai sinh)!") == ["thu", "tuc", "dang", "ky", "khai", "sinh"]


VI_LETTERS = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐĂÂÊÔƠƯ ",
    max_size=40,
)


@given(VI_LETTERS)
def test_it_is_idempotent_and_ascii_for_vietnamese(text):
    folded = fold_vi(text)
    assert fold_vi(folded) == folded
    assert folded.isascii()


@given(VI_LETTERS)
def test_it_ignores_case(text):
    assert fold_vi(text.upper()) == fold_vi(text.lower()) == fold_vi(text)
