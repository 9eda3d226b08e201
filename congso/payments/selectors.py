"""Reads of the payments app: fee schedules, payable obligations, the payment indicators."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from congso.catalog.models import FeeLine
from congso.payments.fees import FeeLineSpec

_schedules: dict[int, tuple[FeeLineSpec, ...]] = {}


def fee_schedule(procedure_id: int) -> tuple[FeeLineSpec, ...]:
    """The fee lines of a procedure version, cached per process (cleared whenever a fee line changes)."""
    lines = _schedules.get(procedure_id)
    if lines is None:
        if len(_schedules) > 5000:
            _schedules.clear()
        lines = tuple(
            FeeLineSpec(
                line_id=f.pk,
                kind=f.kind,
                name=f.name,
                amount=None if f.amount is None else int(f.amount),
                per_copy=f.per_copy,
                exemptions=tuple(str(e) for e in (f.exemptions or [])),
            )
            for f in FeeLine.objects.filter(procedure_id=procedure_id).order_by("order", "pk")
        )
        _schedules[procedure_id] = lines
    return lines


def forget_fee_schedules(**_kwargs) -> None:
    _schedules.clear()


post_save.connect(forget_fee_schedules, sender=FeeLine, dispatch_uid="payments-fee-schedules-save")
post_delete.connect(forget_fee_schedules, sender=FeeLine, dispatch_uid="payments-fee-schedules-delete")


# ---- payable obligations --------------------------------------------------------------------------------------
def online_methods() -> list[str]:
    from django.conf import settings

    return list(settings.CONGSO_PAYMENT_METHODS)


def provider(method: str):
    from congso.payments.providers import get_provider

    if method not in online_methods():
        raise KeyError(method)
    return get_provider(method)


def obligation_by_token(token: str):
    from congso.payments.models import Obligation

    token = str(token or "")
    if not 16 <= len(token) <= 40:
        return None
    return Obligation.objects.select_related("dossier", "procedure", "agency").filter(pay_token=token).first()


def obligations_of(dossier) -> list:
    from congso.payments.models import Obligation

    return list(
        Obligation.objects.select_related("dossier", "procedure", "agency")
        .filter(dossier=dossier)
        .order_by("created_at", "pk")
    )


def open_obligation_of(dossier):
    from congso.payments.choices import ObligationStatus
    from congso.payments.models import Obligation

    return (
        Obligation.objects.select_related("dossier", "procedure", "agency")
        .filter(dossier=dossier, status=ObligationStatus.OPEN)
        .first()
    )


# ---- indicators (issue: payments by method, agency, commune and month; domain §8 online-payment rate) ----------
INDICATOR_GROUPS = ("method", "agency", "commune", "month")


def _scoped_payments(who):
    from congso.dossiers.access import visible_dossiers
    from congso.payments.choices import State
    from congso.payments.models import Payment

    qs = Payment.objects.filter(state=State.PAID)
    if not who.province_wide:
        qs = qs.filter(obligation__dossier__in=visible_dossiers(who).values("pk"))
    return qs


def payment_indicators(who, *, by: str, since=None, until=None) -> list[dict]:
    """Paid attempts (count and amount in đồng) grouped by method, collecting agency, commune or month."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncMonth

    from congso.payments.choices import Method

    qs = _scoped_payments(who)
    if since:
        qs = qs.filter(paid_at__date__gte=since)
    if until:
        qs = qs.filter(paid_at__date__lt=until)
    if by == "method":
        rows = qs.values("method").annotate(n=Count("pk"), total=Sum("amount")).order_by("method")
        labels = dict(Method.choices)
        return [
            {
                "key": r["method"],
                "label": str(labels.get(r["method"], r["method"])),
                "payments": r["n"],
                "amount": r["total"] or 0,
            }
            for r in rows
        ]
    if by == "agency":
        rows = qs.values("obligation__agency_id", "obligation__agency__name").annotate(
            n=Count("pk"), total=Sum("amount")
        )
        return sorted(
            (
                {
                    "key": str(r["obligation__agency_id"]),
                    "label": r["obligation__agency__name"],
                    "payments": r["n"],
                    "amount": r["total"] or 0,
                }
                for r in rows
            ),
            key=lambda r: r["label"],
        )
    if by == "commune":
        rows = qs.values("obligation__agency__unit_id", "obligation__agency__unit__name").annotate(
            n=Count("pk"), total=Sum("amount")
        )
        return sorted(
            (
                {
                    "key": str(r["obligation__agency__unit_id"] or ""),
                    "label": r["obligation__agency__unit__name"] or "—",
                    "payments": r["n"],
                    "amount": r["total"] or 0,
                }
                for r in rows
            ),
            key=lambda r: r["label"],
        )
    rows = (
        qs.annotate(month=TruncMonth("paid_at"))
        .values("month")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("month")
    )
    return [
        {"key": f"{r['month']:%Y-%m}", "label": f"{r['month']:%m/%Y}", "payments": r["n"], "amount": r["total"] or 0}
        for r in rows
    ]


def fee_bearing_procedure_ids():
    """Procedures that charge something: a fee line with a positive amount, or one set case by case."""
    from django.db.models import Q

    return FeeLine.objects.filter(Q(amount__gt=0) | Q(amount__isnull=True)).values("procedure_id")


def online_payment_rate(who, *, since=None, until=None) -> dict:
    """Domain §8: dossiers paid online (DuocThanhToanTrucTuyen 1 or 2) ÷ dossiers of fee-bearing procedures.

    Dossiers are counted once (liên thông children never), by the date they were accepted.
    """
    from congso.dossiers.access import visible_dossiers
    from congso.payments.choices import ONLINE_METHODS, ObligationStatus
    from congso.payments.models import Obligation

    dossiers = visible_dossiers(who).filter(parent__isnull=True, accepted_at__isnull=False)
    if since:
        dossiers = dossiers.filter(accepted_at__date__gte=since)
    if until:
        dossiers = dossiers.filter(accepted_at__date__lt=until)
    dossiers = dossiers.filter(procedure_id__in=fee_bearing_procedure_ids())
    total = dossiers.count()
    paid = (
        Obligation.objects.filter(
            dossier__in=dossiers.values("pk"),
            status=ObligationStatus.PAID,
            paid_payment__method__in=list(ONLINE_METHODS),
        )
        .values("dossier_id")
        .distinct()
        .count()
    )
    return {"fee_bearing": total, "paid_online": paid, "rate": round(100 * paid / total, 2) if total else None}


def paid_online_code(dossier_id: int) -> int:
    """DuocThanhToanTrucTuyen (domain §6) from what congso recorded: 1 paid through the national Payment
    Platform of DVCQG, 2 through the province's bank gateway, 0 otherwise."""
    from congso.payments.choices import Method, ObligationStatus
    from congso.payments.models import Obligation

    methods = set(
        Obligation.objects.filter(dossier_id=dossier_id, status=ObligationStatus.PAID).values_list(
            "paid_payment__method", flat=True
        )
    )
    if Method.PAYPLATFORM in methods:
        return 1
    if Method.GATEWAY in methods:
        return 2
    return 0
