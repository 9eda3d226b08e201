"""The redirect-and-IPN protocol most Vietnamese bank and wallet gateways share (pure: no HTTP, no ORM).

The payment URL and the messages back (the citizen's return and the server-to-server IPN) carry
``vnp_*`` parameters signed with ``vnp_SecureHash``: HMAC-SHA512 over the parameters sorted by name,
each ``name=value`` with the value URL-encoded (``quote_plus``), joined by ``&``. Amounts are in đồng
×100 (``vnp_Amount``). Status queries (``querydr``) are JSON, signed over pipe-joined fields.

Ours, marked so: ``statement``, the daily list of transactions used for reconciliation (real gateways
hand over a file; its lines carry the same fields).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
VERSION = "2.1.0"
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")

QUERY_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERY_ANSWER_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
STATEMENT_FIELDS = ("vnp_RequestId", "vnp_Command", "vnp_TmnCode", "vnp_Date")

# vnp_ResponseCode on the return/IPN: 00 success, 24 cancelled by the customer, 11 expired, 51 funds.
# vnp_TransactionStatus: 00 success, 01 not finished, 02 failed.
# Our answers to an IPN (RspCode).
OK, NOT_FOUND, ALREADY_CONFIRMED, WRONG_AMOUNT, BAD_SIGNATURE, OTHER = "00", "01", "02", "04", "97", "99"
IPN_MESSAGES = {
    OK: "Confirm Success",
    NOT_FOUND: "Order not found",
    ALREADY_CONFIRMED: "Order already confirmed",
    WRONG_AMOUNT: "Invalid amount",
    BAD_SIGNATURE: "Invalid signature",
    OTHER: "Unknown error",
}


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(VN).strftime("%Y%m%d%H%M%S")


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(str(text), "%Y%m%d%H%M%S").replace(tzinfo=VN)


def hash_data(params: dict) -> str:
    return "&".join(
        f"{name}={quote_plus(str(value))}"
        for name, value in sorted(params.items())
        if name not in HASH_FIELDS and name.startswith("vnp_") and str(value) != ""
    )


def secure_hash(params: dict, secret: str) -> str:
    return hmac.new(secret.encode(), hash_data(params).encode("utf-8"), hashlib.sha512).hexdigest()


def pipe_hash(message: dict, fields: tuple[str, ...], secret: str) -> str:
    data = "|".join(str(message.get(name, "")) for name in fields)
    return hmac.new(secret.encode(), data.encode("utf-8"), hashlib.sha512).hexdigest()


def signed_query(params: dict, secret: str) -> str:
    """The query string of a payment URL, return or IPN: the parameters and their vnp_SecureHash."""
    clean = {k: v for k, v in params.items() if str(v) != ""}
    return urlencode({**clean, "vnp_SecureHash": secure_hash(clean, secret)})


def verify(params: dict, secret: str) -> bool:
    given = str(params.get("vnp_SecureHash", ""))
    return bool(given) and hmac.compare_digest(given.lower(), secure_hash(params, secret))


def pay_params(
    *,
    tmn_code: str,
    reference: str,
    amount: int,
    description: str,
    return_url: str,
    client_ip: str,
    created_at: dt.datetime,
    expires_at: dt.datetime,
    locale: str = "vn",
) -> dict:
    return {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": str(int(amount) * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": reference,
        "vnp_OrderInfo": description,
        "vnp_OrderType": "billpayment",
        "vnp_Locale": locale,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": client_ip or "127.0.0.1",
        "vnp_CreateDate": timestamp(created_at),
        "vnp_ExpireDate": timestamp(expires_at),
    }


def read_amount(value) -> int | None:
    """vnp_Amount (đồng ×100) → đồng; None when it is not a whole number of đồng."""
    text = "" if value is None else str(value).strip()
    if not (text.isascii() and text.isdigit()):  # not "²" (int() refuses it) nor "١٠٠"
        return None
    raw = int(text)
    return raw // 100 if raw % 100 == 0 else None
