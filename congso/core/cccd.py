"""The 12-digit Vietnamese personal identification number (số định danh cá nhân, printed on the CCCD).

Pure code: no ORM, no Django settings, no gettext (messages are plain Vietnamese sentences).

Structure (Circular 07/2016/TT-BCA, Art. 7; kept by Circular 59/2021/TT-BCA, Art. 12):

* digits 1–3: code of the province / centrally-run city where the birth was registered
  (the 63 pre-2025 codes; they stay in use after the 2025 merger because they record history);
* digit 4: century of birth and sex — 0/1 = 1900–1999, 2/3 = 2000–2099, 4/5 = 2100–2199,
  6/7 = 2200–2299, 8/9 = 2300–2399; even = male, odd = female;
* digits 5–6: last two digits of the year of birth;
* digits 7–12: random.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LENGTH = 12
_DIGITS = frozenset("0123456789")

PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa – Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

MALE = "male"
FEMALE = "female"
_SEX_WORDS = {MALE: "nam", FEMALE: "nữ"}
_SEX_ALIASES = {"male": MALE, "nam": MALE, "m": MALE, "female": FEMALE, "nữ": FEMALE, "nu": FEMALE, "f": FEMALE}


class CccdError(ValueError):
    """An invalid CCCD number; ``message`` is a Vietnamese sentence for the user, ``code`` a short key.

    ``code`` is one of ``empty``, ``spaces``, ``characters``, ``length``, ``province``, ``future``,
    ``birth_year``, ``sex``.
    """

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CccdInfo:
    province_code: str
    province_name: str
    sex: str  # "male" / "female"
    birth_year: int


def century_digit(sex: str, birth_year: int) -> str:
    """The 4th digit for ``sex`` ("male"/"female") and ``birth_year`` (1900–2399)."""
    if not 1900 <= birth_year <= 2399:
        raise ValueError(f"birth_year must be in 1900–2399, got {birth_year}")
    return str((birth_year // 100 - 19) * 2 + (1 if _normalise_sex(sex) == FEMALE else 0))


def _normalise_sex(sex: str) -> str:
    key = sex.strip().lower() if isinstance(sex, str) else sex
    if key not in _SEX_ALIASES:
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    return _SEX_ALIASES[key]


def _format_shape(number: str) -> None:
    if not number:
        raise CccdError("Vui lòng nhập số CCCD (gồm đúng 12 chữ số).", "empty")
    if any(ch.isspace() for ch in number):
        raise CccdError(
            "Số CCCD phải gồm đúng 12 chữ số viết liền, không có khoảng trắng ở giữa.",
            "spaces",
        )
    bad = next((ch for ch in number if ch not in _DIGITS), None)
    if bad is not None:
        raise CccdError(
            f"Số CCCD phải gồm đúng 12 chữ số, không có chữ cái hay ký tự khác (có ký tự “{bad}”).",
            "characters",
        )
    if len(number) != LENGTH:
        raise CccdError(
            f"Số CCCD phải gồm đúng 12 chữ số (số đã nhập có {len(number)} chữ số).",
            "length",
        )


def parse(number: str, *, today: dt.date | None = None) -> CccdInfo:
    """Decode a 12-digit CCCD number, or raise ``CccdError`` saying exactly what is wrong.

    Only surrounding whitespace is stripped. ``today`` (default: the system date) bounds the birth year.
    """
    number = (number or "").strip()
    _format_shape(number)
    province_code = number[:3]
    province_name = PROVINCES.get(province_code)
    if province_name is None:
        raise CccdError(f"Mã tỉnh {province_code} ở 3 số đầu của CCCD không tồn tại.", "province")
    digit = int(number[3])
    birth_year = 1900 + (digit // 2) * 100 + int(number[4:6])
    today = today or dt.date.today()
    if birth_year > today.year:
        raise CccdError(
            f"Chữ số thứ 4 của CCCD ({digit}) và hai số tiếp theo ({number[4:6]}) cho năm sinh {birth_year}, "
            f"sau năm hiện tại ({today.year}): số CCCD không hợp lệ.",
            "future",
        )
    return CccdInfo(
        province_code=province_code,
        province_name=province_name,
        sex=FEMALE if digit % 2 else MALE,
        birth_year=birth_year,
    )


def check(
    number: str,
    *,
    date_of_birth: dt.date | None = None,
    sex: str | None = None,
    today: dt.date | None = None,
) -> CccdInfo:
    """``parse`` and also compare the encoded birth year and sex with what the applicant declared.

    ``sex`` is "male"/"female" (also accepted: "nam"/"nữ"); ``None`` skips the comparison.
    """
    info = parse(number, today=today)
    if date_of_birth is not None and date_of_birth.year != info.birth_year:
        raise CccdError(
            f"Năm sinh trên CCCD ({info.birth_year}) không khớp ngày sinh đã nhập "
            f"({date_of_birth.day:02d}/{date_of_birth.month:02d}/{date_of_birth.year:04d}).",
            "birth_year",
        )
    if sex is not None:
        declared = _normalise_sex(sex)
        if declared != info.sex:
            raise CccdError(
                f"Giới tính trên CCCD ({_SEX_WORDS[info.sex]}) không khớp giới tính đã nhập ({_SEX_WORDS[declared]}).",
                "sex",
            )
    return info
