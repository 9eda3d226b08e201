"""Fixtures for the payment specifications: providers' simulators in-process, a fee-bearing dossier."""

from __future__ import annotations

import pytest

from congso.dossiers.tests.helpers import Api, create_at_desk
from congso.payments import testing
from congso.payments.models import Obligation

SIGNATURE = "2.000884"  # Chứng thực chữ ký: 10.000 đồng, 1 working day, commune level
DESK = "ttpvhcc-xa-14797"  # the one-stop centre of Hạc Thành


@pytest.fixture
def network(monkeypatch):
    """Every provider HTTP call (adapter → simulator, simulator → IPN) runs in-process; switches inside."""
    return testing.install(monkeypatch)


@pytest.fixture
def clerk_binh():
    return Api("tiepnhan.hacthanh")


@pytest.fixture
def accepted(clerk_binh):
    """A walk-in signature certification accepted at the Hạc Thành desk: 10.000 đồng due."""
    d = create_at_desk(clerk_binh, SIGNATURE, DESK)
    return clerk_binh.act(d["id"], "accept")


@pytest.fixture
def obligation(accepted) -> Obligation:
    return Obligation.objects.get(dossier_id=accepted["id"], status="open")


def gateway_ipn(reference: str, amount: int, *, code: str = "00", status: str = "00", txn: str = "14220000") -> dict:
    """An IPN as the bank gateway signs it."""
    from django.conf import settings

    from congso.payments.providers.gateway import protocol as G

    params = {
        "vnp_TmnCode": settings.CONGSO_GATEWAY_TMN_CODE,
        "vnp_Amount": str(amount * 100),
        "vnp_BankCode": "NCB",
        "vnp_TransactionNo": txn,
        "vnp_ResponseCode": code,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": reference,
        "vnp_PayDate": "20261201093000",
    }
    return {**params, "vnp_SecureHash": G.secure_hash(params, settings.CONGSO_GATEWAY_SECRET)}


def platform_confirm(reference: str, amount: int, *, outcome: str = "success", txn: str = "PP1") -> dict:
    """A CONFIRM as the national Payment Platform signs it."""
    import datetime as dt

    from django.conf import settings

    from congso.payments.providers.payplatform import protocol as P

    return P.confirm_message(
        partner=settings.CONGSO_PAYPLATFORM_PARTNER,
        reference=reference,
        amount=amount,
        transaction=txn,
        outcome=outcome,
        at=dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC),
        bank="VCB",
        secret=settings.CONGSO_PAYPLATFORM_SECRET,
    )


def start(obligation, method: str, key: str = ""):
    """Start an online attempt through the API, as the portal's pay page does."""
    import json

    from django.test import Client

    response = Client().post(
        f"/api/v1/payments/obligations/{obligation.pay_token}/payments",
        json.dumps({"method": method}),
        content_type="application/json",
        **({"HTTP_IDEMPOTENCY_KEY": key} if key else {}),
    )
    return response
