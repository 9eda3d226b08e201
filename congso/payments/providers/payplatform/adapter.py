"""congso's side of the Payment Platform: INIT, reading a CONFIRM, QUERY and the daily statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings

from congso.payments.providers import base
from congso.payments.providers.base import BadSignature, Malformed, Notice, Started, StartRequest, StatementLine
from congso.payments.providers.payplatform import protocol as P


class PayPlatform:
    method = "payplatform"

    def __init__(self):
        self.base_url = settings.CONGSO_PAYPLATFORM_URL.rstrip("/")
        self.partner = settings.CONGSO_PAYPLATFORM_PARTNER
        self.secret = settings.CONGSO_PAYPLATFORM_SECRET
        self.timeout = settings.CONGSO_PAYMENT_TIMEOUT

    def start(self, request: StartRequest) -> Started:
        beneficiary = settings.CONGSO_PAYMENT_BENEFICIARY
        receipt_info = {
            "MaTTHC": request.procedure_code,
            "MaDonVi": request.agency_code,
            "MaHoSo": request.dossier_code,
            "TKThuHuong": beneficiary["account"],
            "MaNHThuHuong": beneficiary["bank"],
            "TenTKThuHuong": beneficiary["name"],
            "PhiLePhi": [
                {
                    "LoaiPhiLePhi": 1 if line.get("kind") == "fee" else 2,
                    "MaPhiLePhi": str(line.get("line_id") or ""),
                    "TenPhiLePhi": line.get("name", ""),
                    "SoTien": int(line.get("amount") or 0),
                }
                for line in request.fee_lines
            ],
        }
        message = P.init_message(
            partner=self.partner,
            reference=request.reference,
            amount=request.amount,
            at=request.created_at,
            return_url=request.return_url,
            notify_url=request.notify_url,
            description=request.description,
            receipt_info=receipt_info,
            locale=request.locale,
            secret=self.secret,
        )
        answer = base.post_json(self.base_url, "/api/init", message, timeout=self.timeout)
        if str(answer.get("MaLoi")) != P.OK:
            raise base.ProviderRefused(str(answer.get("MaLoi")), str(answer.get("MoTaLoi", ""))[:300])
        if not P.verify(answer, P.INIT_ANSWER_FIELDS, self.secret) or answer.get("MaThamChieu") != request.reference:
            raise base.ProviderError("INIT answer with a bad MaXacThuc")
        url = str(answer.get("UrlThanhToan") or "")
        if not url.startswith(("http://", "https://")):
            raise base.ProviderError("INIT answer without a payment URL")
        return Started(redirect_url=url, provider_ref=str(answer.get("MaGiaoDich", "")))

    def parse(self, params: Mapping) -> Notice:
        """A CONFIRM, from the IPN (JSON body) or the citizen's return (query string)."""
        message = {k: (v if not isinstance(v, list) else v[0]) for k, v in dict(params).items()}
        missing = [name for name in (*P.CONFIRM_FIELDS, "MaXacThuc") if str(message.get(name, "")) == ""]
        if missing:
            raise Malformed("thiếu trường: " + ", ".join(missing))
        if not P.verify(message, P.CONFIRM_FIELDS, self.secret):
            raise BadSignature("MaXacThuc")
        if message.get("MaDoiTac") != self.partner:
            raise BadSignature("MaDoiTac")
        return self._notice(message)

    def _notice(self, message: dict) -> Notice:
        outcome = P.OUTCOMES.get(str(message.get("MaKetQua")), "failed")
        try:
            at = P.parse_timestamp(message["ThoiGianGD"]) if message.get("ThoiGianGD") else None
        except ValueError:
            raise Malformed("ThoiGianGD") from None
        return Notice(
            reference=str(message.get("MaThamChieu", "")),
            amount=P.read_amount(message.get("SoTien")),
            outcome=outcome,
            provider_ref=str(message.get("MaGiaoDich", "")),
            bank_code=str(message.get("MaNganHang", "")),
            code=str(message.get("MaKetQua", "")),
            paid_at=at if outcome == "success" else None,
            payload=message,
        )

    def ipn_answer(self, verdict: str) -> tuple[int, dict]:
        code = {
            "applied": P.OK,
            "duplicate": P.ALREADY_CONFIRMED,
            "stale": P.ALREADY_CONFIRMED,
            "unknown_reference": P.UNKNOWN_REFERENCE,
            "wrong_amount": P.WRONG_AMOUNT,
            "bad_signature": P.BAD_SIGNATURE,
        }.get(verdict, P.OTHER)
        return 200, {"MaLoi": code}

    def query(self, reference: str, *, now: dt.datetime) -> Notice:
        message = P.query_message(partner=self.partner, reference=reference, at=now, secret=self.secret)
        answer = base.post_json(self.base_url, "/api/query", message, timeout=self.timeout)
        if str(answer.get("MaKetQua")) == "03":
            return Notice(reference=reference, amount=None, outcome="not_found", code="03", payload=answer)
        if not P.verify(answer, P.CONFIRM_FIELDS, self.secret):
            raise base.ProviderError("QUERY answer with a bad MaXacThuc")
        return self._notice(answer)

    def statement(self, day: dt.date, *, now: dt.datetime) -> list[StatementLine]:
        message = P.statement_message(partner=self.partner, day=day, at=now, secret=self.secret)
        answer = base.post_json(self.base_url, "/api/statement", message, timeout=self.timeout)
        if str(answer.get("MaLoi")) != P.OK:
            raise base.ProviderRefused(str(answer.get("MaLoi")), str(answer.get("MoTaLoi", ""))[:300])
        lines = []
        for item in answer.get("DanhSachGiaoDich") or []:
            amount = P.read_amount(item.get("SoTien"))
            if not isinstance(item, dict) or amount is None:
                raise base.ProviderError("statement line without a valid SoTien")
            lines.append(
                StatementLine(
                    reference=str(item.get("MaThamChieu", "")),
                    amount=amount,
                    outcome="success" if str(item.get("MaKetQua")) == "00" else "failed",
                    provider_ref=str(item.get("MaGiaoDich", "")),
                )
            )
        return lines
