"""The payments app follows the dossier engine (DESIGN §3: it reacts to ``dossier_changed``, inside the
action's transaction, so an obligation exists exactly when the dossier says something is due)."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from congso.dossiers.choices import TERMINAL_STATES, PaymentStatus, State
from congso.dossiers.signals import dossier_changed
from congso.payments import actions
from congso.payments.choices import Method, ObligationKind, ObligationStatus, Source, Verdict
from congso.payments.choices import State as PayState
from congso.payments.models import Obligation, Payment


@receiver(dossier_changed, dispatch_uid="payments-obligations")
def follow_dossier(sender=None, dossier=None, events=(), **_kwargs) -> None:
    for event in events:
        data = event.data or {}
        if event.action == "accept" and data.get("fee") and dossier.payment_status == PaymentStatus.UNPAID:
            fee = data["fee"]
            actions.open_obligation(
                dossier,
                kind=ObligationKind.FEE,
                amount=int(fee["total"]),
                lines=[line for line in fee["lines"] if line.get("amount") or line.get("exempt_reason")],
                reason=_("Phí, lệ phí của thủ tục"),
                now=event.at,
            )
        elif event.action == "require_payment":
            amount = int(data.get("amount") or 0)
            reason = str(data.get("reason") or "")
            actions.open_obligation(
                dossier,
                kind=ObligationKind.FINANCIAL,
                amount=amount,
                lines=[{"name": reason, "kind": "financial", "amount": amount, "copies": 1}],
                reason=reason,
                now=event.at,
            )
        elif event.action == "confirm_payment" and not data.get("payment"):
            _officer_confirmed(dossier, event)
    if dossier.state in TERMINAL_STATES and dossier.state != State.RETURNED:
        actions.cancel_open_obligations(
            dossier, _("Hồ sơ đã kết thúc: %(state)s") % {"state": dossier.get_state_display()}
        )


def _officer_confirmed(dossier, event) -> None:
    """An officer confirmed the payment by hand (the lifecycle action): record it as cash taken at the desk,
    receipted, so the money ledger stays complete."""
    ob = Obligation.objects.select_for_update().filter(dossier=dossier, status=ObligationStatus.OPEN).first()
    if ob is None:
        return
    note = str((event.data or {}).get("receipt") or "")
    payment = Payment.objects.create(
        obligation=ob,
        reference=actions.new_reference(event.at),
        method=Method.CASH,
        state=PayState.PAID,
        amount=ob.amount,
        payer_name=dossier.applicant_name[:300],
        note=note[:500],
        recorded_by_id=event.actor_id,
        created_at=event.at,
        paid_at=event.at,
        finished_at=event.at,
    )
    actions._mark_paid(ob, payment, event.at)
    ob.settled_at = event.at
    ob.save(update_fields=["settled_at"])
    actions._log(payment, Method.CASH, Source.DESK, Verdict.APPLIED, detail=note, now=event.at)
