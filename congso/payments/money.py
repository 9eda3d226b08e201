"""Amounts in đồng as a Vietnamese reader expects them: "1.250.000 đồng" and the amount in words
("Một triệu hai trăm năm mươi nghìn đồng"), as receipts print them. Pure functions."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
SCALES = ("", "nghìn", "triệu", "tỷ")


def format_vnd(amount: int) -> str:
    return f"{int(amount):,}".replace(",", ".")


def _triple(n: int, full: bool) -> list[str]:
    """Words for 0 ≤ n < 1000; ``full`` when a higher group precedes (so 5 reads "không trăm linh năm")."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or full):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        elif units == 4 and tens >= 2:
            words.append("tư")
        else:
            words.append(DIGITS[units])
    return words


def _words(n: int) -> list[str]:
    if n == 0:
        return ["không"]
    groups = []
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        scale = index % 3
        billions = index // 3
        if group:
            words += _triple(group, full=bool(words))
            if SCALES[scale]:
                words.append(SCALES[scale])
        if billions and scale == 0 and (group or any(groups[index : index + 3])):
            words += ["tỷ"] * billions
    return words


def vnd_in_words(amount: int) -> str:
    """ "Hai triệu không trăm linh năm nghìn đồng" for 2 005 000."""
    amount = int(amount)
    if amount < 0:
        raise ValueError("amount must not be negative")
    text = " ".join(_words(amount)) + " đồng"
    return text[0].upper() + text[1:]
