"""Whatever the providers send, in whatever order and however often, money is recorded exactly once per
real payment and an obligation is paid at most once (hypothesis over random message sequences)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congso.dossiers.models import Dossier, DossierEvent
from congso.payments import actions
from congso.payments.models import Obligation, Payment, Receipt
from congso.payments.providers.base import Notice

pytestmark = pytest.mark.django_db

OUTCOMES = ["success", "failed", "pending", "wrong_amount", "unknown"]
message = st.tuples(st.integers(0, 2), st.sampled_from(OUTCOMES), st.sampled_from(["ipn", "return", "poll", "sweep"]))


class Rollback(Exception):
    pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(messages=st.lists(message, min_size=1, max_size=14), desk_first=st.booleans())
def test_any_sequence_of_messages_pays_at_most_once(obligation, clerk_binh, messages, desk_first):
    try:
        with transaction.atomic():
            _run(obligation, messages, desk_first)
            raise Rollback
    except Rollback:
        pass


def _run(obligation, messages, desk_first):
    now = timezone.now()
    attempts = [
        Payment.objects.create(
            obligation=obligation,
            reference=f"CSPROP{i}",
            method="gateway" if i % 2 else "payplatform",
            state="redirected",
            amount=obligation.amount,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=15),
        )
        for i in range(3)
    ]
    if desk_first:  # the citizen had already paid cash at the desk
        from congso.dossiers.tests.helpers import Api

        assert (
            Api("tiepnhan.hacthanh")
            .post(
                f"/payments/obligations/{obligation.pk}/desk-payments", {"method": "cash", "amount": obligation.amount}
            )
            .status_code
            == 201
        )
    money_in = {"desk"} if desk_first else set()
    for index, outcome, source in messages:
        p = attempts[index]
        if outcome == "unknown":
            notice = Notice("CSNOSUCH", obligation.amount, "success")
        elif outcome == "wrong_amount":
            notice = Notice(p.reference, obligation.amount + 1, "success")
        else:
            notice = Notice(p.reference, obligation.amount, outcome)
        actions.apply_notice(p.method, notice, source=source)
        if outcome == "success":
            money_in.add(p.reference)
        _check(obligation, money_in)


def _check(obligation, money_in):
    ob = Obligation.objects.get(pk=obligation.pk)
    payments = list(Payment.objects.filter(obligation=ob))
    paid = [p for p in payments if p.state == "paid"]
    recorded = {p.reference if p.method != "cash" else "desk" for p in payments if p.state in ("paid", "duplicate")}
    assert recorded == money_in  # every real payment recorded, once, and nothing else
    assert len(paid) == (1 if money_in else 0)
    assert (ob.status == "paid") == bool(money_in)
    assert sum(1 for p in payments if p.refund_due) == max(len(money_in) - 1, 0)
    # One receipt for the fee collected; a duplicate is an over-payment to refund, not a fee: no receipt.
    assert Receipt.objects.filter(payment__obligation=ob).count() == (1 if money_in else 0)
    d = Dossier.objects.get(pk=ob.dossier_id)
    assert (d.payment_status == "paid") == bool(money_in)
    assert DossierEvent.objects.filter(dossier=d, action="confirm_payment").count() == (1 if money_in else 0)
