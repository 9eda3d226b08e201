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
