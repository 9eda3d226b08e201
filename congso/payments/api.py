"""``/api/v1/payments``: pay an obligation online, provider notifications (IPN), desk payments, receipts,
reconciliation and the payment indicators."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from congso.api.v1.auth import API_AUTH, who
from congso.api.v1.errors import problem
from congso.dossiers.access import access_dossier
from congso.dossiers.api import ERRORS
from congso.payments import actions, receipts, selectors
from congso.payments.choices import Source
from congso.payments.models import Obligation, Payment, Receipt, Reconciliation

router = Router(tags=["Thanh toán phí, lệ phí (payments)"])


class PaymentOut(Schema):
    reference: str = Field(..., description="Mã tham chiếu (MaThamChieu / vnp_TxnRef)")
    method: str
    amount: int = Field(..., description="Số tiền, đồng")
    state: str = Field(..., description="Trạng thái nội bộ")
    public_state: str = Field(..., description="created, started, submitted, success, failed, cancelled hoặc error")
    finished: bool
    pay_url: str = Field("", description="Chuyển người nộp đến địa chỉ này để thanh toán")
    paid_at: dt.datetime | None = None
    refund_due: bool = False
    receipt_url: str = ""


class ObligationOut(Schema):
    id: int
    dossier_code: str
    procedure: str
    kind: str
    amount: int = Field(..., description="Số tiền phải nộp, đồng")
    lines: list[dict]
    status: str = Field(..., description="open, paid hoặc cancelled")
    paid_at: dt.datetime | None = None
    settled_at: dt.datetime | None = None
    methods: list[str] = Field(..., description="Các hình thức thanh toán trực tuyến đang mở")
    pay_token: str = Field("", description="Mã liên kết thanh toán của người nộp (chỉ cán bộ thấy)")
    payments: list[PaymentOut]


class StartIn(Schema):
    method: str = Field(..., description="payplatform (Nền tảng thanh toán quốc gia) hoặc gateway (ngân hàng / ví)")
    locale: str = Field("vi", pattern="^(vi|en)$")


class DeskIn(Schema):
    method: str = Field(..., description="cash, transfer hoặc postal")
    amount: int = Field(..., description="Số tiền nhận, đồng (phải đúng số phải nộp)")
    payer_name: str = Field("", max_length=300)
    note: str = Field("", max_length=500, description="Ví dụ số chứng từ chuyển khoản")


class IndicatorOut(Schema):
    key: str
    label: str
    payments: int
    amount: int


class OnlineRateOut(Schema):
    fee_bearing: int = Field(..., description="Hồ sơ của thủ tục có thu phí, lệ phí")
    paid_online: int = Field(..., description="Trong đó: nộp trực tuyến (1 hoặc 2)")
    rate: float | None = Field(None, description="Tỷ lệ thanh toán trực tuyến, %")


class ReconciliationOut(Schema):
    id: int
    provider: str
    day: dt.date
    ran_at: dt.datetime
    matched: int
    missing_local: int
    missing_provider: int
    mismatched: int
    repaired: int
    error: str


def _payment_out(p: Payment) -> dict:
    receipt = getattr(p, "receipt", None) if p.state in ("paid", "duplicate") else None
    return {
        "reference": p.reference,
        "method": p.method,
        "amount": p.amount,
        "state": p.state,
        "public_state": p.public_state,
        "finished": p.finished,
        "pay_url": p.pay_url if not p.finished else "",
        "paid_at": p.paid_at,
        "refund_due": p.refund_due,
        "receipt_url": receipts.public_url(receipt) if receipt else "",
    }


def _obligation_out(ob: Obligation, *, officer: bool = False) -> dict:
    payments = list(ob.payments.select_related("receipt").order_by("created_at", "pk"))
    return {
        "id": ob.pk,
        "dossier_code": ob.dossier.code,
        "procedure": ob.procedure.name,
        "kind": ob.kind,
        "amount": ob.amount,
        "lines": ob.lines,
        "status": ob.status,
        "paid_at": ob.paid_at,
        "settled_at": ob.settled_at,
        "methods": selectors.online_methods(),
        "pay_token": ob.pay_token if officer else "",
        "payments": [_payment_out(p) for p in payments],
    }


def _error(exc: actions.PaymentError) -> HttpResponse:
    errors = [{"field": k, "message": str(v)} for k, v in exc.fields.items()]
    titles = {
        403: _("Không có quyền"),
        409: _("Xung đột trạng thái"),
        422: _("Dữ liệu không hợp lệ"),
        503: _("Cổng thanh toán chưa sẵn sàng"),
    }
    return problem(exc.status, titles.get(exc.status, _("Không thực hiện được")), exc.message, errors)


def _obligation_by_token(token: str) -> Obligation:
    ob = selectors.obligation_by_token(token)
    if ob is None:
        raise Http404
    return ob


class QuoteLineOut(Schema):
    line_id: int | None
    kind: str
    name: str
    unit_amount: int | None = Field(
        None, description="Mức thu một bản, đồng; null: do cơ quan xác định theo trường hợp"
    )
    copies: int
    amount: int
    exempt_reason: str
    exemptions: list[str] = Field(..., description="Các trường hợp miễn, giảm của khoản này")


class QuoteOut(Schema):
    procedure_id: int
    total: int = Field(..., description="Tổng số tiền phải nộp, đồng")
    undetermined: bool = Field(..., description="Có khoản do cơ quan xác định khi giải quyết")
    lines: list[QuoteLineOut]


@router.get(
    "/quote",
    response={200: QuoteOut, **ERRORS},
    auth=None,
    summary="Tính phí, lệ phí của một thủ tục trước khi nộp (theo số bản và trường hợp miễn)",
    description="`exempt`: vị trí khoản thu (bắt đầu từ 0) và trường hợp miễn, dạng `0:<lý do>`; lặp lại cho nhiều khoản.",
)
def quote(request, procedure_id: int, copies: int = 1, exempt: list[str] = Query(None)):  # noqa: B008
    from congso.catalog.models import Procedure
    from congso.payments.fees import FeeError
    from congso.payments.fees import quote as make_quote

    if not Procedure.objects.current().filter(pk=procedure_id).exists():
        raise Http404
    claimed: dict[int, str] = {}
    for item in exempt or []:
        position, _sep, reason = str(item).partition(":")
        if not position.strip().isdigit():
            return problem(422, _("Dữ liệu không hợp lệ"), _("Trường hợp miễn phải có dạng <vị trí>:<lý do>."))
        claimed[int(position)] = reason.strip()
    schedule = selectors.fee_schedule(procedure_id)
    try:
        result = make_quote(schedule, copies=copies, exempt=claimed)
    except FeeError:
        return problem(
            422,
            _("Dữ liệu không hợp lệ"),
            _("Số bản phải từ 1 đến 100 và trường hợp miễn phải có trong danh mục phí, lệ phí của thủ tục."),
        )
    return {
        "procedure_id": procedure_id,
        "total": result.total,
        "undetermined": result.undetermined,
        "lines": [
            {**line.as_dict(), "exemptions": list(spec.exemptions)}
            for line, spec in zip(result.lines, schedule, strict=True)
        ],
    }


# ---- citizen side (the payment link is the credential) --------------------------------------------------------
@router.get(
    "/obligations/{token}",
    response={200: ObligationOut, **ERRORS},
    auth=None,
    summary="Khoản phải nộp theo liên kết thanh toán của người nộp",
)
def obligation_detail(request, token: str):
    return _obligation_out(_obligation_by_token(token))


@router.post(
    "/obligations/{token}/payments",
    response={201: PaymentOut, 200: PaymentOut, **ERRORS, 503: dict},
    auth=None,
    summary="Bắt đầu thanh toán trực tuyến (trả về địa chỉ chuyển hướng đến cổng thanh toán)",
    description=(
        "Gửi kèm `Idempotency-Key`: gửi lại cùng khóa nhận đúng giao dịch đầu tiên (200), không tạo giao dịch thứ "
        "hai; cùng khóa mà khác nội dung trả về 409. Cổng thanh toán không trả lời: 503, người nộp chưa bị trừ tiền."
    ),
)
def start_payment(request, token: str, payload: StartIn):
    ob = _obligation_by_token(token)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        return problem(422, _("Dữ liệu không hợp lệ"), _("Idempotency-Key dài tối đa 200 ký tự."))
    digest = hashlib.sha256(request.body).hexdigest()
    try:
        payment, created = actions.start_online_payment(
            ob,
            payload.method,
            idempotency_key=key,
            request_sha256=digest,
            client_ip=request.META.get("REMOTE_ADDR", ""),
            locale=payload.locale,
        )
    except actions.PaymentError as exc:
        return _error(exc)
    payment.refresh_from_db()
    return Status(201 if created else 200, _payment_out(payment))


@router.get(
    "/obligations/{token}/payments/{reference}",
    response={200: PaymentOut, **ERRORS},
    auth=None,
    summary="Trạng thái một giao dịch thanh toán",
)
def payment_detail(request, token: str, reference: str):
    ob = _obligation_by_token(token)
    payment = ob.payments.filter(reference=reference).select_related("receipt").first()
    if payment is None:
        raise Http404
    return _payment_out(payment)


# ---- provider notifications -----------------------------------------------------------------------------------
def _ipn(request, method: str, params) -> JsonResponse:
    try:
        provider_answer = selectors.provider(method)
    except KeyError:
        raise Http404 from None
    verdict, _payment = actions.handle_message(method, params, source=Source.IPN)
    status, body = provider_answer.ipn_answer(verdict)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@router.post(
    "/ipn/{method}",
    response={200: dict, 404: dict},
    auth=None,
    summary="Thông báo kết quả thanh toán từ Nền tảng thanh toán (CONFIRM, JSON)",
    description="Ký bằng MaXacThuc. Gửi lại, trùng hoặc sai thứ tự đều vô hại; trả lời MaLoi 00 / 01 / 02 / 04 / 97.",
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
)
def ipn_post(request, method: str):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = {}
    return _ipn(request, method, body if isinstance(body, dict) else {})


@router.get(
    "/ipn/{method}",
    response={200: dict, 404: dict},
    auth=None,
    summary="IPN của cổng ngân hàng / ví (tham số vnp_*, ký HMAC-SHA512)",
    description="Trả lời RspCode 00 / 01 / 02 / 04 / 97 theo giao thức của cổng.",
)
def ipn_get(request, method: str):
    return _ipn(request, method, request.GET.dict())


# ---- officers -------------------------------------------------------------------------------------------------
@router.get(
    "/dossiers/{dossier_id}/obligations",
    response={200: list[ObligationOut], **ERRORS},
    auth=API_AUTH,
    summary="Các khoản phải nộp của một hồ sơ, với các giao dịch",
)
def dossier_obligations(request, dossier_id: int):
    d = access_dossier(who(request), dossier_id, relations=())
    return [_obligation_out(ob, officer=True) for ob in selectors.obligations_of(d)]


@router.post(
    "/obligations/{obligation_id}/desk-payments",
    response={201: PaymentOut, **ERRORS},
    auth=API_AUTH,
    summary="Ghi nhận tiền nộp tại quầy (tiền mặt, chuyển khoản, bưu chính) và lập biên lai",
    description="Gửi kèm `Idempotency-Key` để bấm hai lần không ghi nhận hai lần.",
)
def desk_payment(request, obligation_id: int, payload: DeskIn):
    caller = who(request)
    ob = Obligation.objects.filter(pk=obligation_id).first()
    if ob is None:
        raise Http404
    access_dossier(caller, ob.dossier_id, relations=())
    try:
        payment = actions.record_desk_payment(
            ob,
            caller,
            method=payload.method,
            amount=payload.amount,
            payer_name=payload.payer_name,
            note=payload.note,
            idempotency_key=request.headers.get("Idempotency-Key", "").strip()[:200],
        )
    except actions.PaymentError as exc:
        return _error(exc)
    return Status(201, _payment_out(Payment.objects.select_related("receipt").get(pk=payment.pk)))


@router.get(
    "/receipts/{receipt_id}/pdf",
    auth=API_AUTH,
    response={200: None, **ERRORS},
    summary="Tải biên lai điện tử (PDF, có chữ ký số của đơn vị thu)",
)
def receipt_pdf(request, receipt_id: int):
    receipt = Receipt.objects.select_related("payment__obligation").filter(pk=receipt_id).first()
    if receipt is None:
        raise Http404
    access_dossier(who(request), receipt.payment.obligation.dossier_id, relations=())
    return receipts.pdf_response(receipt)


@router.get(
    "/indicators",
    response={200: list[IndicatorOut], **ERRORS},
    auth=API_AUTH,
    summary="Số giao dịch và số tiền đã nộp theo hình thức, cơ quan, xã hoặc tháng",
)
def indicators(request, by: str = "method", since: dt.date | None = None, until: dt.date | None = None):
    if by not in selectors.INDICATOR_GROUPS:
        return problem(422, _("Dữ liệu không hợp lệ"), _("Nhóm theo: method, agency, commune hoặc month."))
    return selectors.payment_indicators(who(request), by=by, since=since, until=until)


@router.get(
    "/online-rate",
    response={200: OnlineRateOut, **ERRORS},
    auth=API_AUTH,
    summary="Tỷ lệ thanh toán trực tuyến (domain §8): hồ sơ nộp trực tuyến ÷ hồ sơ của thủ tục có thu phí",
)
def online_rate(request, since: dt.date | None = None, until: dt.date | None = None):
    return selectors.online_payment_rate(who(request), since=since, until=until)


@router.get(
    "/reconciliations",
    response={200: list[ReconciliationOut], **ERRORS},
    auth=API_AUTH,
    summary="Kết quả đối soát hằng ngày với các cổng thanh toán",
)
def reconciliation_list(request, day: dt.date | None = None):
    if not who(request).province_wide:
        return problem(403, _("Không có quyền"), _("Chỉ quản trị cấp tỉnh xem đối soát."))
    qs = Reconciliation.objects.all()
    if day:
        qs = qs.filter(day=day)
    return list(qs[:200])
