"""The Payment Platform's messages (pure: no HTTP, no ORM).

Domain §7 names the INIT message (``MaDoiTac, MaThamChieu, SoTien, ThoiGianGD``, ``ThongTinBienLai``) and
``MaXacThuc``, a SHA-256 over the pipe-joined fields. The published specification is not public, so the
rest is ours and marked so: the shared secret (``MaBaoMat``) is the last pipe-joined field, so that the
check authenticates as well as detects corruption; the confirmation (``CONFIRM``), the status query
(``QUERY``) and the daily statement (``DOISOAT``) follow the same pattern. Result codes (``MaKetQua``):
``00`` paid, ``01`` failed or cancelled, ``02`` still processing, ``03`` no such transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
VERSION = "1.0.0"

INIT_FIELDS = (
    "LoaiBanTin",
    "MaDoiTac",
    "MaThamChieu",
    "SoTien",
    "LoaiHinhThanhToan",
    "MaKenhThanhToan",
    "ThoiGianGD",
    "NgonNgu",
    "MaTienTe",
    "UrlTraVe",
)
INIT_ANSWER_FIELDS = ("MaLoi", "MaThamChieu", "UrlThanhToan")
CONFIRM_FIELDS = ("LoaiBanTin", "MaDoiTac", "MaThamChieu", "SoTien", "MaGiaoDich", "MaKetQua", "ThoiGianGD")
QUERY_FIELDS = ("LoaiBanTin", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
STATEMENT_FIELDS = ("LoaiBanTin", "MaDoiTac", "NgayDoiSoat", "ThoiGianGD")

OUTCOMES = {"00": "success", "01": "failed", "02": "pending", "03": "not_found"}
CODES = {v: k for k, v in OUTCOMES.items()}

# Our answers to a CONFIRM (MaLoi).
OK, UNKNOWN_REFERENCE, ALREADY_CONFIRMED, WRONG_AMOUNT, BAD_SIGNATURE, OTHER = "00", "01", "02", "04", "97", "99"


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(VN).strftime("%Y%m%d%H%M%S")


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(str(text), "%Y%m%d%H%M%S").replace(tzinfo=VN)


def checksum(message: dict, fields: tuple[str, ...], secret: str) -> str:
    """MaXacThuc: SHA-256 (hex) over the fields' values joined by "|", the shared secret last."""
    joined = "|".join(str(message.get(name, "")) for name in fields) + "|" + secret
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def sign(message: dict, fields: tuple[str, ...], secret: str) -> dict:
    return {**message, "MaXacThuc": checksum(message, fields, secret)}


def verify(message: dict, fields: tuple[str, ...], secret: str) -> bool:
    given = str(message.get("MaXacThuc", ""))
    return bool(given) and hmac.compare_digest(given.lower(), checksum(message, fields, secret))


def init_message(
    *,
    partner: str,
    reference: str,
    amount: int,
    at: dt.datetime,
    return_url: str,
    notify_url: str,
    description: str,
    receipt_info: dict,
    locale: str = "vi",
    secret: str,
) -> dict:
    message = {
        "LoaiBanTin": "INIT",
        "PhienBan": VERSION,
        "MaDoiTac": partner,
        "MaThamChieu": reference,
        "SoTien": int(amount),
        "LoaiHinhThanhToan": "PAY",
        "MaKenhThanhToan": "1",  # web
        "ThoiGianGD": timestamp(at),
        "NgonNgu": "en" if locale == "en" else "vi",
        "MaTienTe": "VND",
        "UrlTraVe": return_url,
        "UrlThongBao": notify_url,  # ours: where the platform POSTs the CONFIRM
        "ThongTinGiaoDich": description,
        "ThongTinBienLai": receipt_info,
    }
    return sign(message, INIT_FIELDS, secret)


def confirm_message(
    *,
    partner: str,
    reference: str,
    amount: int,
    transaction: str,
    outcome: str,
    at: dt.datetime,
    bank: str,
    secret: str,
) -> dict:
    message = {
        "LoaiBanTin": "CONFIRM",
        "MaDoiTac": partner,
        "MaThamChieu": reference,
        "SoTien": int(amount),
        "MaGiaoDich": transaction,
        "MaKetQua": CODES[outcome],
        "ThoiGianGD": timestamp(at),
        "MaNganHang": bank,
    }
    return sign(message, CONFIRM_FIELDS, secret)


def query_message(*, partner: str, reference: str, at: dt.datetime, secret: str) -> dict:
    message = {"LoaiBanTin": "QUERY", "MaDoiTac": partner, "MaThamChieu": reference, "ThoiGianGD": timestamp(at)}
    return sign(message, QUERY_FIELDS, secret)


def statement_message(*, partner: str, day: dt.date, at: dt.datetime, secret: str) -> dict:
    message = {
        "LoaiBanTin": "DOISOAT",
        "MaDoiTac": partner,
        "NgayDoiSoat": day.strftime("%Y%m%d"),
        "ThoiGianGD": timestamp(at),
    }
    return sign(message, STATEMENT_FIELDS, secret)


def read_amount(value) -> int | None:
    """An integer number of đồng, or None (a float, a negative or a non-number is not an amount)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = "" if value is None else str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None  # not "²" (int() refuses it) nor "١٢"
