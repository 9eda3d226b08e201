"""congso's side of a redirect-and-IPN gateway: the signed payment URL, reading returns/IPNs, querydr, statement."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping

from django.conf import settings

from congso.core.text import ascii_vi
from congso.payments.providers import base
from congso.payments.providers.base import BadSignature, Malformed, Notice, Started, StartRequest, StatementLine
from congso.payments.providers.gateway import protocol as G

REQUIRED = ("vnp_TmnCode", "vnp_TxnRef", "vnp_Amount", "vnp_ResponseCode", "vnp_SecureHash")


def _outcome(response_code: str, transaction_status: str) -> str:
    if response_code == "00" and transaction_status in ("00", ""):
        return "success"
    if transaction_status == "01":
        return "pending"
    return "failed"


class Gateway:
    method = "gateway"

    def __init__(self):
        self.base_url = settings.CONGSO_GATEWAY_URL.rstrip("/")
        self.tmn_code = settings.CONGSO_GATEWAY_TMN_CODE
        self.secret = settings.CONGSO_GATEWAY_SECRET
        self.timeout = settings.CONGSO_PAYMENT_TIMEOUT

    def start(self, request: StartRequest) -> Started:
        # Gateways take vnp_OrderInfo without diacritics (they display it on bank statements).
        params = G.pay_params(
            tmn_code=self.tmn_code,
            reference=request.reference,
            amount=request.amount,
            description=ascii_vi(request.description)[:255],
            return_url=request.return_url,
            client_ip=request.client_ip,
            created_at=request.created_at,
            expires_at=request.expires_at,
            locale="en" if request.locale == "en" else "vn",
        )
        # Nothing to call: the citizen's browser carries the signed request to the gateway.
        return Started(redirect_url=f"{self.base_url}/paymentv2/vpcpay.html?{G.signed_query(params, self.secret)}")

    def parse(self, params: Mapping) -> Notice:
        message = {k: (v if not isinstance(v, list) else v[0]) for k, v in dict(params).items()}
        missing = [name for name in REQUIRED if str(message.get(name, "")) == ""]
        if missing:
            raise Malformed("thiếu trường: " + ", ".join(missing))
        if not G.verify(message, self.secret):
            raise BadSignature("vnp_SecureHash")
        if message.get("vnp_TmnCode") != self.tmn_code:
            raise BadSignature("vnp_TmnCode")
        return self._notice(message)

    def _notice(self, message: dict) -> Notice:
        outcome = _outcome(str(message.get("vnp_ResponseCode", "")), str(message.get("vnp_TransactionStatus", "")))
        paid_at = None
        if outcome == "success" and message.get("vnp_PayDate"):
            try:
                paid_at = G.parse_timestamp(message["vnp_PayDate"])
            except ValueError:
                raise Malformed("vnp_PayDate") from None
        return Notice(
            reference=str(message.get("vnp_TxnRef", "")),
            amount=G.read_amount(message.get("vnp_Amount")),
            outcome=outcome,
            provider_ref=str(message.get("vnp_TransactionNo", "")),
            bank_code=str(message.get("vnp_BankCode", "")),
            code=str(message.get("vnp_ResponseCode", "")),
            paid_at=paid_at,
            payload=message,
        )

    def ipn_answer(self, verdict: str) -> tuple[int, dict]:
        code = {
            "applied": G.OK,
            "duplicate": G.ALREADY_CONFIRMED,
            "stale": G.ALREADY_CONFIRMED,
            "unknown_reference": G.NOT_FOUND,
            "wrong_amount": G.WRONG_AMOUNT,
            "bad_signature": G.BAD_SIGNATURE,
        }.get(verdict, G.OTHER)
        return 200, {"RspCode": code, "Message": G.IPN_MESSAGES[code]}

    def query(self, reference: str, *, now: dt.datetime, created_at: dt.datetime | None = None) -> Notice:
        message = {
            "vnp_RequestId": secrets.token_hex(8),
            "vnp_Version": G.VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": reference,
            "vnp_OrderInfo": f"Truy van {reference}",
            "vnp_TransactionDate": G.timestamp(created_at or now),
            "vnp_CreateDate": G.timestamp(now),
            "vnp_IpAddr": "127.0.0.1",
        }
        message["vnp_SecureHash"] = G.pipe_hash(message, G.QUERY_REQUEST_FIELDS, self.secret)
        answer = base.post_json(self.base_url, "/merchant_webapi/api/transaction", message, timeout=self.timeout)
        if str(answer.get("vnp_ResponseCode")) == "91":
            return Notice(reference=reference, amount=None, outcome="not_found", code="91", payload=answer)
        if str(answer.get("vnp_ResponseCode")) != "00":
            raise base.ProviderRefused(str(answer.get("vnp_ResponseCode")), str(answer.get("vnp_Message", ""))[:300])
        given = str(answer.get("vnp_SecureHash", ""))
        if not given or given.lower() != G.pipe_hash(answer, G.QUERY_ANSWER_FIELDS, self.secret):
            raise base.ProviderError("querydr answer with a bad vnp_SecureHash")
        notice = self._notice({**answer, "vnp_ResponseCode": str(answer.get("vnp_TransactionStatus", ""))})
        return notice

    def statement(self, day: dt.date, *, now: dt.datetime) -> list[StatementLine]:
        message = {
            "vnp_RequestId": secrets.token_hex(8),
            "vnp_Command": "statement",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Date": day.strftime("%Y%m%d"),
        }
        message["vnp_SecureHash"] = G.pipe_hash(message, G.STATEMENT_FIELDS, self.secret)
        answer = base.post_json(self.base_url, "/merchant_webapi/api/statement", message, timeout=self.timeout)
        if str(answer.get("vnp_ResponseCode")) != "00":
            raise base.ProviderRefused(str(answer.get("vnp_ResponseCode")), str(answer.get("vnp_Message", ""))[:300])
        lines = []
        for item in answer.get("transactions") or []:
            amount = G.read_amount(item.get("vnp_Amount")) if isinstance(item, dict) else None
            if amount is None:
                raise base.ProviderError("statement line without a valid vnp_Amount")
            lines.append(
                StatementLine(
                    reference=str(item.get("vnp_TxnRef", "")),
                    amount=amount,
                    outcome="success" if str(item.get("vnp_TransactionStatus")) == "00" else "failed",
                    provider_ref=str(item.get("vnp_TransactionNo", "")),
                )
            )
        return lines
