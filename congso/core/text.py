"""Vietnamese text helpers (pure, ORM-free)."""

from __future__ import annotations

import re
import unicodedata

_MARKS = re.compile(r"[\u0300-\u036f]")
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """Normalise to NFC: the only form congso stores."""
    return unicodedata.normalize("NFC", text)


def fold_vi(text: str) -> str:
    """Fold Vietnamese text for search: NFD, strip combining marks, đ→d, casefold, collapse spaces.

    "Đăng ký khai sinh", "dang ky khai sinh" and "DANG KY KHAI SINH" all fold to "dang ky khai sinh".
    """
    decomposed = unicodedata.normalize("NFD", text)
    stripped = _MARKS.sub("", decomposed).replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped.casefold()).strip()


def ascii_vi(text: str) -> str:
    """Vietnamese letters without their marks, case kept (đ→d): for file names and ASCII-only fonts."""
    stripped = _MARKS.sub("", unicodedata.normalize("NFD", text)).replace("đ", "d").replace("Đ", "D")
    return stripped.encode("ascii", "replace").decode("ascii")


def search_tokens(text: str) -> list[str]:
    """Folded alphanumeric tokens of ``text``, in order (punctuation dropped)."""
    return [token for token in _NON_WORD.split(fold_vi(text)) if token]
