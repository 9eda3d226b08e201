"""The Vietnamese tax code (mã số thuế, MST) of an enterprise or of one of its dependent units.

Pure code: no ORM, no Django settings, no gettext (messages are plain Vietnamese sentences), like
:mod:`congso.core.cccd`.

Structure (Circular 105/2020/TT-BTC, Art. 5 — the layout first set by the General Department of
Taxation's Decision 75/1998/QĐ-TCT, which also defines the check digit):

* ``N1N2 N3N4N5N6N7N8N9 N10``: 10 digits for an enterprise (its enterprise code too, Decree
  01/2021/NĐ-CP Art. 8): N1N2 the tax-code province block, N3–N9 a serial number (never all zeros),
  N10 the check digit over N1–N9;
* ``N1…N10-N11N12N13``: a branch, representative office or business location (đơn vị phụ thuộc) adds
  a dash and a 3-digit serial (001–999) to its parent's 10 digits.

Check digit: weights 31, 29, 23, 19, 17, 13, 7, 5, 3 over N1–N9; ``N10 = 10 - (sum mod 11)``. A sum
≡ 0 (mod 11) would need a check "digit" of 10: such serials are never issued, so no valid code has one.
"""

from __future__ import annotations

WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_DIGITS = frozenset("0123456789")


class TaxCodeError(ValueError):
    """An invalid tax code; ``message`` is a Vietnamese sentence for the user, ``code`` a short key.

    ``code`` is one of ``empty``, ``characters``, ``length``, ``serial``, ``branch``, ``check_digit``.
    """

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def check_digit(first_nine: str) -> int | None:
    """The 10th digit for the 9 digits ``first_nine``; ``None`` when no digit fits (never issued)."""
    if len(first_nine) != 9 or not set(first_nine) <= _DIGITS:
        raise ValueError(f"expected 9 digits, got {first_nine!r}")
    value = 10 - sum(w * int(d) for w, d in zip(WEIGHTS, first_nine, strict=True)) % 11
    return value if value <= 9 else None


def normalise(number: str) -> str:
    """``number`` with surrounding whitespace and inner spaces/dots removed (how codes are often typed)."""
    return "".join(ch for ch in (number or "").strip() if ch not in " .\u00a0")


def parse(number: str) -> str:
    """The canonical form (``0123456789`` or ``0123456789-001``) of a valid tax code, else ``TaxCodeError``.

    Accepted input: the 10 digits, or 10 digits, a dash and 3 digits; spaces and dots between groups are
    ignored; 13 digits without the dash are read as a branch code.
    """
    raw = normalise(number)
    if not raw:
        raise TaxCodeError("Vui lòng nhập mã số thuế (10 chữ số, hoặc 10 chữ số, dấu gạch và 3 chữ số).", "empty")
    head, dash, branch = raw.partition("-")
    if not dash and len(raw) == 13 and set(raw) <= _DIGITS:
        head, branch = raw[:10], raw[10:]
    bad = next((ch for ch in head + branch if ch not in _DIGITS), None)
    if bad is not None:
        raise TaxCodeError(
            f"Mã số thuế chỉ gồm chữ số (và một dấu gạch trước 3 số của chi nhánh); có ký tự “{bad}”.",
            "characters",
        )
    if len(head) != 10 or (branch and len(branch) != 3) or (dash and not branch):
        raise TaxCodeError(
            "Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch và 3 chữ số với đơn vị phụ thuộc "
            "(ví dụ 2801234564 hoặc 2801234564-001).",
            "length",
        )
    if head[2:9] == "0000000":
        raise TaxCodeError(
            "Mã số thuế có 7 chữ số thứ tự (từ số thứ 3 đến số thứ 9) đều bằng 0: không hợp lệ.", "serial"
        )
    if branch == "000":
        raise TaxCodeError("Ba số cuối của mã số thuế đơn vị phụ thuộc phải từ 001 đến 999.", "branch")
    expected = check_digit(head[:9])
    if expected is None or int(head[9]) != expected:
        raise TaxCodeError(
            f"Mã số thuế {head} sai chữ số kiểm tra (chữ số thứ 10): có thể đã gõ nhầm một chữ số.",
            "check_digit",
        )
    return f"{head}-{branch}" if branch else head


def is_valid(number: str) -> bool:
    try:
        parse(number)
    except TaxCodeError:
        return False
    return True


def parent_of(number: str) -> str:
    """The enterprise's own 10-digit code for a valid code (itself, or a branch's parent)."""
    return parse(number)[:10]
