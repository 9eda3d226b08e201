"""Every state change of the payments app (DESIGN §4.1): obligations, attempts, notices, desk payments,
settlement, polling, the sweep and reconciliation.

The rule that keeps money safe: a provider's word that a payment succeeded is recorded first, in its own
short transaction (attempt → paid, obligation → paid, receipt numbered), whatever state the dossier is in.
Telling the dossier (:func:`settle`) comes after; if the process dies in between, the sweep finishes it.
A success for an obligation that another attempt already paid is recorded too, as a duplicate to refund.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congso.accounts.choices import Role
from congso.dossiers.access import Who
from congso.dossiers.choices import TERMINAL_STATES, PaymentStatus
from congso.payments.choices import (
    DESK_METHODS,
    OPEN_STATES,
    MatchStatus,
    Method,
    ObligationStatus,
    Source,
    State,
    Verdict,
)
from congso.payments.models import (
    Obligation,
    Payment,
    ProviderMessage,
    Receipt,
    ReceiptCounter,
    Reconciliation,
    ReconciliationLine,
)
from congso.payments.providers import base, get_provider

log = logging.getLogger(__name__)

POLL_FIRST = dt.timedelta(minutes=2)
POLL_MAX = dt.timedelta(hours=1)
GIVE_UP_AFTER = dt.timedelta(days=2)  # an attempt still "processing" this long after expiry is given up


class PaymentError(Exception):
    """A request about a payment that cannot be honoured; ``message`` is for the user (Vietnamese)."""

    def __init__(self, message: str, *, status: int = 409, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.fields = fields or {}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_reference(now: dt.datetime) -> str:
    """MaThamChieu / vnp_TxnRef: "CS" + local date + 10 random digits (unique, not guessable)."""
    local = timezone.localtime(now)
    return f"CS{local:%y%m%d}{secrets.randbelow(10**10):010d}"


def _log(
    payment: Payment | None,
    provider: str,
    source: str,
    verdict: str,
    *,
    reference: str = "",
    detail: str = "",
    payload: dict | None = None,
    duration_ms: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    ProviderMessage.objects.create(
        payment=payment,
        provider=provider,
        source=source,
        reference=(reference or (payment.reference if payment else ""))[:100],
        verdict=verdict,
        detail=str(detail)[:500],
        payload=payload or {},
        duration_ms=duration_ms,
        at=_now(now),
    )


# ---- Obligations ----------------------------------------------------------------------------------------------


def open_obligation(
    dossier, *, kind: str, amount: int, lines: list[dict], reason: str, now: dt.datetime | None = None
) -> Obligation:
    """A new amount due for ``dossier`` (called inside the dossier action's transaction).

    An obligation still open for the dossier is cancelled first: the officer's new notice replaces it.
    """
    now = _now(now)
    for old in Obligation.objects.select_for_update().filter(dossier=dossier, status=ObligationStatus.OPEN):
        _cancel(old, now, _("Thay bằng thông báo mới"))
    return Obligation.objects.create(
        dossier=dossier,
        kind=kind,
        amount=amount,
        lines=lines,
        reason=reason[:500],
        pay_token=new_token(),
        agency_id=dossier.competent_agency_id,
        procedure_id=dossier.procedure_id,
        created_at=now,
    )


def _cancel(ob: Obligation, now: dt.datetime, note: str) -> None:
    ob.status = ObligationStatus.CANCELLED
    ob.cancelled_at = now
    ob.settle_note = note[:500]
    ob.save(update_fields=["status", "cancelled_at", "settle_note"])


def cancel_open_obligations(dossier, note: str, now: dt.datetime | None = None) -> int:
    """The dossier ended (withdrawn, refused, stopped): nothing more is due. Attempts in flight stay
    watched: money that still arrives is recorded and marked for refund."""
    now = _now(now)
    n = 0
    for ob in Obligation.objects.select_for_update().filter(dossier=dossier, status=ObligationStatus.OPEN):
        _cancel(ob, now, note)
        n += 1
    return n


# ---- Online attempts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Where the provider sends the citizen back and where it notifies congso."""

    return_url: str
    notify_url: str


def links_for(method: str, base_url: str | None = None) -> Links:
    root = (base_url or settings.CONGSO_PUBLIC_URL).rstrip("/")
    return Links(f"{root}/thanh-toan/ket-qua/{method}/", f"{root}/api/v1/payments/ipn/{method}")


def start_online_payment(
    ob: Obligation,
    method: str,
    *,
    idempotency_key: str = "",
    request_sha256: str = "",
    client_ip: str = "",
    locale: str = "vi",
    base_url: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[Payment, bool]:
    """Start paying ``ob`` online; (attempt, created). A repeated ``idempotency_key`` gives the first attempt.

    The provider is called outside any transaction. A timeout leaves the attempt *unknown* and polled (the
    provider may have registered it); a refusal ends it. Either way the citizen gets a clear message.
    """
    now = _now(now)
    if method not in settings.CONGSO_PAYMENT_METHODS:
        raise PaymentError(
            _("Hình thức thanh toán này không được hỗ trợ."), status=422, fields={"method": _("Chọn hình thức khác.")}
        )
    if idempotency_key:
        previous = Payment.objects.filter(obligation=ob, idempotency_key=idempotency_key).first()
        if previous is not None:
            _same_request(previous, request_sha256)
            return previous, False
    expires = now + dt.timedelta(minutes=settings.CONGSO_PAYMENT_EXPIRY_MINUTES)
    try:
        with transaction.atomic():
            ob = Obligation.objects.select_for_update().select_related("dossier", "agency", "procedure").get(pk=ob.pk)
            if ob.status == ObligationStatus.PAID:
                raise PaymentError(_("Khoản này đã được nộp; không cần thanh toán lại."))
            if ob.status != ObligationStatus.OPEN:
                raise PaymentError(_("Khoản này đã được hủy; không thể thanh toán."))
            payment = Payment.objects.create(
                obligation=ob,
                reference=new_reference(now),
                method=method,
                state=State.NEW,
                amount=ob.amount,
                idempotency_key=idempotency_key[:200],
                request_sha256=request_sha256,
                payer_name=ob.dossier.applicant_name[:300],
                created_at=now,
                expires_at=expires,
                next_check_at=now + POLL_FIRST,
            )
    except IntegrityError:
        previous = Payment.objects.filter(obligation=ob, idempotency_key=idempotency_key).first()
        if previous is None or not idempotency_key:
            raise
        _same_request(previous, request_sha256)
        return previous, False
    provider = get_provider(method)
    links = links_for(method, base_url)
    dossier = ob.dossier
    request = base.StartRequest(
        reference=payment.reference,
        amount=payment.amount,
        description=_("Nộp phí, lệ phí hồ sơ %(code)s") % {"code": dossier.code or dossier.pk},
        return_url=links.return_url,
        notify_url=links.notify_url,
        client_ip=client_ip,
        created_at=now,
        expires_at=expires,
        procedure_code=ob.procedure.national_code or ob.procedure.code,
        agency_code=ob.agency.identifier,
        dossier_code=dossier.code,
        fee_lines=tuple(ob.lines or ()),
        locale=locale,
    )
    started = time.monotonic()
    try:
        result = provider.start(request)
    except base.ProviderTimeout as exc:
        _after_start(payment, State.INIT_UNKNOWN, str(exc), Verdict.PROVIDER_ERROR, started, now)
        raise PaymentError(
            _(
                "Cổng thanh toán không phản hồi kịp. Bạn chưa bị trừ tiền; hệ thống sẽ tự kiểm tra lại. "
                "Vui lòng thử lại sau ít phút hoặc chọn hình thức khác."
            ),
            status=503,
        ) from None
    except base.ProviderError as exc:
        _after_start(payment, State.ERROR, str(exc), Verdict.PROVIDER_ERROR, started, now)
        raise PaymentError(
            _("Cổng thanh toán đang gặp sự cố. Vui lòng thử lại sau hoặc chọn hình thức khác."), status=503
        ) from None
    payment.pay_url = result.redirect_url
    payment.provider_ref = result.provider_ref[:100]
    _after_start(payment, State.REDIRECTED, "", Verdict.APPLIED, started, now, fields=["pay_url", "provider_ref"])
    return payment, True


def _same_request(previous: Payment, request_sha256: str) -> None:
    if request_sha256 and previous.request_sha256 and previous.request_sha256 != request_sha256:
        raise PaymentError(
            _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy dùng khóa mới cho yêu cầu mới."),
            status=409,
        )


def _after_start(payment, state, error, verdict, started, now, fields=()):
    with transaction.atomic():
        current = Payment.objects.select_for_update().get(pk=payment.pk)
        payment.state = state if current.state == State.NEW else current.state
        payment.last_error = error[:500]
        payment.finished_at = now if state == State.ERROR else None
        if state == State.INIT_UNKNOWN:
            payment.next_check_at = now + dt.timedelta(seconds=30)
        payment.save(update_fields=["state", "last_error", "finished_at", "next_check_at", *fields])
        _log(
            payment,
            payment.method,
            Source.INIT,
            verdict,
            detail=error,
            payload={"pay_url": payment.pay_url} if payment.pay_url else {},
            duration_ms=int((time.monotonic() - started) * 1000),
            now=now,
        )


# ---- What providers tell us -----------------------------------------------------------------------------------


def handle_message(method: str, params, *, source: str, now: dt.datetime | None = None) -> tuple[str, Payment | None]:
    """Verify and apply one message from a provider (IPN or the citizen's return); (verdict, attempt)."""
    now = _now(now)
    provider = get_provider(method)
    raw = {k: (v if not isinstance(v, list) else v[0]) for k, v in dict(params).items()}
    raw = {str(k)[:100]: str(v)[:2000] for k, v in list(raw.items())[:60]}
    try:
        notice = provider.parse(params)
    except base.BadSignature as exc:
        _log(None, method, source, Verdict.BAD_SIGNATURE, reference=_ref_of(raw), detail=str(exc), payload=raw, now=now)
        return Verdict.BAD_SIGNATURE, None
    except base.Malformed as exc:
        _log(None, method, source, Verdict.MALFORMED, reference=_ref_of(raw), detail=str(exc), payload=raw, now=now)
        return Verdict.MALFORMED, None
    return apply_notice(method, notice, source=source, now=now)


def _ref_of(raw: dict) -> str:
    return str(raw.get("MaThamChieu") or raw.get("vnp_TxnRef") or "")[:100]


def apply_notice(method: str, notice: base.Notice, *, source: str, now: dt.datetime | None = None):
    """Record what a provider said about one attempt; harmless when replayed, duplicated or out of order."""
    now = _now(now)
    payload = dict(notice.payload or {})
    settle_id = None
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("obligation")
            .filter(reference=notice.reference, method=method)
            .first()
        )
        if payment is None:
            _log(None, method, source, Verdict.UNKNOWN_REFERENCE, reference=notice.reference, payload=payload, now=now)
            return Verdict.UNKNOWN_REFERENCE, None
        if notice.outcome in ("success", "failed") and notice.amount != payment.amount:
            detail = _("Số tiền cổng báo %(given)s đồng, khác số tiền giao dịch %(due)s đồng.") % {
                "given": notice.amount,
                "due": payment.amount,
            }
            payment.last_error = detail[:500]
            payment.save(update_fields=["last_error"])
            _log(payment, method, source, Verdict.WRONG_AMOUNT, detail=detail, payload=payload, now=now)
            return Verdict.WRONG_AMOUNT, payment
        verdict = _apply(payment, notice, source, now)
        _log(payment, method, source, verdict, detail=notice.code, payload=payload, now=now)
        if verdict == Verdict.APPLIED and payment.state == State.PAID:
            settle_id = payment.obligation_id
    if settle_id:
        settle_quietly(settle_id, now=now)
    return verdict, payment


def _apply(payment: Payment, notice: base.Notice, source: str, now: dt.datetime) -> str:
    state = payment.state
    if notice.outcome == "success":
        if state in (State.PAID, State.DUPLICATE):
            return Verdict.DUPLICATE
        return _record_success(payment, notice, now)
    if state in (State.PAID, State.DUPLICATE):
        return Verdict.STALE  # a failure or "pending" after the success: the money is in, nothing changes
    if notice.outcome == "failed":
        if payment.finished:
            return Verdict.DUPLICATE if state == State.DECLINED else Verdict.STALE
        payment.state = State.CANCELLED if notice.code == "24" else State.DECLINED
        payment.finished_at = now
        payment.next_check_at = None
        payment.last_error = notice.code
        payment.save(update_fields=["state", "finished_at", "next_check_at", "last_error"])
        return Verdict.APPLIED
    if notice.outcome == "pending":
        if payment.finished:
            return Verdict.STALE
        payment.state = State.RETURNED if source == Source.RETURN else State.PENDING
        payment.save(update_fields=["state"])
        return Verdict.APPLIED
    return Verdict.INFO  # "not_found" from a query: handled by the poller


def _record_success(payment: Payment, notice: base.Notice, now: dt.datetime) -> str:
    ob = Obligation.objects.select_for_update().get(pk=payment.obligation_id)
    payment.provider_ref = (notice.provider_ref or payment.provider_ref)[:100]
    payment.bank_code = notice.bank_code[:40]
    payment.paid_at = notice.paid_at or now
    payment.finished_at = now
    payment.next_check_at = None
    if ob.status == ObligationStatus.OPEN:
        payment.state = State.PAID
        payment.save(update_fields=["state", "provider_ref", "bank_code", "paid_at", "finished_at", "next_check_at"])
        _mark_paid(ob, payment, now)
        # Other attempts of the same obligation still in flight are superseded; if one of them is paid
        # after all, it is recorded as a duplicate to refund.
        Payment.objects.filter(obligation=ob, state__in=OPEN_STATES).exclude(pk=payment.pk).update(
            state=State.SUPERSEDED, finished_at=now
        )
        return Verdict.APPLIED
    # Paid already (another attempt, or at the desk), or cancelled: the money is real, so keep it and refund.
    payment.state = State.DUPLICATE
    payment.refund_due = True
    payment.last_error = _("Khoản đã được nộp bằng giao dịch khác hoặc đã hủy: cần hoàn tiền.")
    payment.save(
        update_fields=[
            "state",
            "provider_ref",
            "bank_code",
            "paid_at",
            "finished_at",
            "next_check_at",
            "refund_due",
            "last_error",
        ]
    )
    return Verdict.APPLIED


def _mark_paid(ob: Obligation, payment: Payment, now: dt.datetime) -> None:
    ob.status = ObligationStatus.PAID
    ob.paid_at = payment.paid_at or now
    ob.paid_payment = payment
    ob.save(update_fields=["status", "paid_at", "paid_payment"])
    issue_receipt(payment, ob, now)


# ---- Receipts -------------------------------------------------------------------------------------------------


def receipt_series(now: dt.datetime) -> str:
    return f"{settings.CONGSO_RECEIPT_SERIES_PREFIX}/{timezone.localtime(now):%y}E"


def _next_receipt_number(key: str) -> int:
    table = ReceiptCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, last) VALUES (%s, 1) "
            f"ON CONFLICT (key) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [key],
        )
        return cursor.fetchone()[0]


def issue_receipt(payment: Payment, ob: Obligation, now: dt.datetime) -> Receipt:
    """Biên lai điện tử: numbered in the collecting agency's series, in the paying transaction."""
    series = receipt_series(now)
    number = _next_receipt_number(f"{ob.agency_id}:{series}")
    return Receipt.objects.create(
        payment=payment,
        form_number=settings.CONGSO_RECEIPT_FORM,
        series=series,
        number=number,
        issued_at=now,
        agency_id=ob.agency_id,
        payer_name=payment.payer_name or "—",
        amount=payment.amount,
        lines=ob.lines or [{"name": ob.reason, "amount": ob.amount}],
        token=new_token(),
    )


# ---- The dossier moves on -------------------------------------------------------------------------------------


def settle(obligation_id: int, *, now: dt.datetime | None = None) -> str:
    """Tell the dossier its obligation is paid (it resumes if it was waiting); idempotent.

    Returns what happened: "settled", "already", "dossier_not_waiting" (e.g. withdrawn meanwhile: the
    money is kept and the attempt marked for refund) or "not_paid".
    """
    from congso.dossiers import actions as dossier_actions

    now = _now(now)
    with transaction.atomic():
        ob = Obligation.objects.select_for_update().get(pk=obligation_id)
        if ob.settled_at:
            return "already"
        if ob.status != ObligationStatus.PAID:
            return "not_paid"
        d = ob.dossier
        payment = Payment.objects.get(pk=ob.paid_payment_id)
        if d.payment_status == PaymentStatus.UNPAID and d.state not in TERMINAL_STATES:
            dossier_actions.confirm_payment(
                d,
                None,
                {"payment": payment.reference, "method": payment.method, "receipt": _receipt_text(payment)},
                now=now,
                by_payment=True,
            )
            outcome = "settled"
        else:
            outcome = "dossier_not_waiting"
            ob.settle_note = _("Hồ sơ không còn chờ nộp khi nhận tiền (tình trạng: %(state)s).") % {
                "state": d.get_state_display()
            }
        ob.settled_at = now
        ob.save(update_fields=["settled_at", "settle_note"])
    return outcome


def _receipt_text(payment: Payment) -> str:
    receipt = Receipt.objects.filter(payment=payment).first()
    return f"{receipt.form_number} {receipt.series} {receipt.number_text}" if receipt else ""


def settle_quietly(obligation_id: int, *, now: dt.datetime | None = None) -> str:
    """:func:`settle`, but a failure is logged, not raised: the money is recorded and the sweep retries."""
    try:
        return settle(obligation_id, now=now)
    except Exception:  # noqa: BLE001 — the provider must still get its answer; the sweep finishes the job
        log.exception("payments: settling obligation %s failed; the sweep will retry", obligation_id)
        return "failed"


# ---- Desk payments --------------------------------------------------------------------------------------------


def record_desk_payment(
    ob: Obligation,
    who: Who,
    *,
    method: str,
    amount,
    payer_name: str = "",
    note: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Payment:
    """Cash, transfer or postal payment taken by an officer: recorded, receipted, and the dossier moves on."""
    now = _now(now)
    if method not in DESK_METHODS:
        raise PaymentError(
            _("Hình thức nộp tại quầy phải là tiền mặt, chuyển khoản hoặc bưu chính."),
            status=422,
            fields={"method": _("Chọn tiền mặt, chuyển khoản hoặc bưu chính.")},
        )
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        amount = -1
    if idempotency_key:
        previous = Payment.objects.filter(obligation=ob, idempotency_key=idempotency_key).first()
        if previous is not None:
            return previous
    with transaction.atomic():
        ob = Obligation.objects.select_for_update().select_related("dossier").get(pk=ob.pk)
        d = ob.dossier
        if not (
            who.has(d.intake_agency_id, Role.RECEIVING_OFFICER)
            or who.has(d.competent_agency_id, Role.LEADER, Role.SPECIALIST)
        ):
            raise PaymentError(_("Chỉ cán bộ tiếp nhận hoặc cán bộ xử lý được ghi nhận tiền nộp."), status=403)
        if ob.status == ObligationStatus.PAID:
            raise PaymentError(_("Khoản này đã được nộp; không ghi nhận lần thứ hai."))
        if ob.status != ObligationStatus.OPEN:
            raise PaymentError(_("Khoản này đã được hủy."))
        if amount != ob.amount:
            raise PaymentError(
                _("Số tiền nộp phải đúng bằng số tiền phải nộp: %(due)s đồng.")
                % {"due": f"{ob.amount:,}".replace(",", ".")},
                status=422,
                fields={"amount": _("Nhập đúng %(due)s.") % {"due": ob.amount}},
            )
        payment = Payment.objects.create(
            obligation=ob,
            reference=new_reference(now),
            method=method,
            state=State.PAID,
            amount=amount,
            idempotency_key=idempotency_key[:200],
            payer_name=(payer_name or d.applicant_name)[:300],
            note=note[:500],
            recorded_by=getattr(who, "user", None),
            created_at=now,
            paid_at=now,
            finished_at=now,
        )
        _mark_paid(ob, payment, now)
        Payment.objects.filter(obligation=ob, state__in=OPEN_STATES).update(state=State.SUPERSEDED, finished_at=now)
        _log(payment, method, Source.DESK, Verdict.APPLIED, detail=note, now=now)
    settle(ob.pk, now=now)
    return payment


# ---- Background: polling, the sweep, reconciliation -----------------------------------------------------------


def poll_pending(*, now: dt.datetime | None = None, limit: int = 200) -> dict:
    """Ask the providers about attempts whose outcome is unknown and due for a check."""
    now = _now(now)
    due = list(
        Payment.objects.filter(state__in=OPEN_STATES, next_check_at__lte=now)
        .exclude(method__in=DESK_METHODS)
        .order_by("next_check_at")[:limit]
    )
    counts = {"checked": 0, "paid": 0, "failed": 0, "expired": 0, "errors": 0}
    for payment in due:
        counts["checked"] += 1
        provider = get_provider(payment.method)
        started = time.monotonic()
        try:
            kwargs = {"created_at": payment.created_at} if payment.method == Method.GATEWAY else {}
            notice = provider.query(payment.reference, now=now, **kwargs)
        except base.ProviderError as exc:
            counts["errors"] += 1
            _reschedule(payment, now, str(exc), started)
            continue
        if notice.outcome == "not_found" or (notice.outcome == "pending" and now > payment.expires_at + GIVE_UP_AFTER):
            if now >= payment.expires_at:
                counts["expired"] += _expire(payment, now, notice)
            else:
                _reschedule(payment, now, "", started, payload=notice.payload)
            continue
        if notice.outcome == "pending":
            _reschedule(payment, now, "", started, payload=notice.payload)
            continue
        verdict, current = apply_notice(payment.method, notice, source=Source.POLL, now=now)
        if current is not None and current.state == State.PAID:
            counts["paid"] += 1
        elif verdict == Verdict.APPLIED:
            counts["failed"] += 1
    return counts


def _reschedule(payment: Payment, now, error: str, started, payload=None) -> None:
    wait = min(POLL_FIRST * (2 ** min(payment.checks, 10)), POLL_MAX)
    Payment.objects.filter(pk=payment.pk, state__in=OPEN_STATES).update(
        next_check_at=now + wait, checks=payment.checks + 1, last_error=error[:500]
    )
    _log(
        payment,
        payment.method,
        Source.POLL,
        Verdict.PROVIDER_ERROR if error else Verdict.INFO,
        detail=error or _("Chưa có kết quả"),
        payload=payload,
        duration_ms=int((time.monotonic() - started) * 1000),
        now=now,
    )


def _expire(payment: Payment, now, notice) -> int:
    with transaction.atomic():
        n = Payment.objects.filter(pk=payment.pk, state__in=OPEN_STATES).update(
            state=State.EXPIRED, finished_at=now, next_check_at=None
        )
        _log(payment, payment.method, Source.POLL, Verdict.APPLIED, detail="expired", payload=notice.payload, now=now)
    return n


def sweep(*, now: dt.datetime | None = None, limit: int = 500) -> dict:
    """Finish what a crash left half done: paid obligations the dossier was not told of."""
    now = _now(now)
    ids = list(
        Obligation.objects.filter(status=ObligationStatus.PAID, settled_at__isnull=True)
        .order_by("paid_at")
        .values_list("pk", flat=True)[:limit]
    )
    done = {"settled": 0, "failed": 0}
    for pk in ids:
        outcome = settle_quietly(pk, now=now)
        done["failed" if outcome == "failed" else "settled"] += 1
    return done


def reconcile(method: str, day: dt.date, *, now: dt.datetime | None = None) -> Reconciliation:
    """Compare the provider's statement for ``day`` (Vietnam date) with what congso recorded; repair what
    the provider says was paid and congso missed (the IPN never came). Re-running a day replaces it."""
    now = _now(now)
    provider = get_provider(method)
    try:
        statement = provider.statement(day, now=now)
    except base.ProviderError as exc:
        run, _created = Reconciliation.objects.update_or_create(
            provider=method, day=day, defaults={"ran_at": now, "error": str(exc)[:500]}
        )
        return run
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    local = {
        p.reference: p
        for p in Payment.objects.filter(method=method, state__in=(State.PAID, State.DUPLICATE))
        .filter(paid_at__gte=start, paid_at__lt=end)
        .order_by()
    }
    lines: list[ReconciliationLine] = []
    repaired = 0
    for item in statement:
        if item.outcome != "success":
            continue
        mine = local.pop(item.reference, None)
        if mine is None:
            mine = Payment.objects.filter(reference=item.reference, method=method).first()
        if mine is None:
            lines.append(
                _line(
                    item.reference,
                    MatchStatus.MISSING_LOCAL,
                    item.amount,
                    None,
                    "success",
                    "",
                    _("Không có giao dịch này trong congso"),
                )
            )
            continue
        if mine.amount != item.amount:
            lines.append(
                _line(
                    item.reference,
                    MatchStatus.MISMATCHED,
                    item.amount,
                    mine.amount,
                    "success",
                    mine.state,
                    _("Lệch số tiền"),
                )
            )
            continue
        if mine.state not in (State.PAID, State.DUPLICATE):
            notice = base.Notice(
                item.reference, item.amount, "success", provider_ref=item.provider_ref, paid_at=item.at
            )
            apply_notice(method, notice, source=Source.SWEEP, now=now)
            mine.refresh_from_db()
            repaired += 1
            lines.append(
                _line(
                    item.reference,
                    MatchStatus.MATCHED,
                    item.amount,
                    mine.amount,
                    "success",
                    mine.state,
                    _("Đã ghi nhận bổ sung từ đối soát"),
                )
            )
            continue
        note = _("Nộp trùng — cần hoàn tiền") if mine.state == State.DUPLICATE else ""
        lines.append(_line(item.reference, MatchStatus.MATCHED, item.amount, mine.amount, "success", mine.state, note))
    for reference, mine in local.items():
        lines.append(
            _line(
                reference,
                MatchStatus.MISSING_PROVIDER,
                None,
                mine.amount,
                "",
                mine.state,
                _("Cổng không báo giao dịch này"),
            )
        )
    with transaction.atomic():
        run, _created = Reconciliation.objects.update_or_create(
            provider=method,
            day=day,
            defaults={
                "ran_at": now,
                "error": "",
                "matched": sum(1 for x in lines if x.status == MatchStatus.MATCHED),
                "missing_local": sum(1 for x in lines if x.status == MatchStatus.MISSING_LOCAL),
                "missing_provider": sum(1 for x in lines if x.status == MatchStatus.MISSING_PROVIDER),
                "mismatched": sum(1 for x in lines if x.status == MatchStatus.MISMATCHED),
                "repaired": repaired,
            },
        )
        run.lines.all().delete()
        for line in lines:
            line.reconciliation = run
        ReconciliationLine.objects.bulk_create(lines)
    return run


def _line(reference, status, provider_amount, local_amount, provider_state, local_state, note) -> ReconciliationLine:
    return ReconciliationLine(
        reference=reference[:100],
        status=status,
        provider_amount=provider_amount,
        local_amount=local_amount,
        provider_state=provider_state,
        local_state=local_state,
        note=str(note)[:500],
    )
