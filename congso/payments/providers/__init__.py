"""Payment providers: one folder each (DESIGN §4.9), each with its simulator.

``payplatform`` (the national Payment Platform) and ``gateway`` (a bank/e-wallet redirect-and-IPN gateway)
are online; ``desk`` is cash, transfer and postal payments recorded by an officer (no adapter: the
officer is the provider).
"""

from __future__ import annotations


def get_provider(method: str):
    """The adapter for an online method."""
    if method == "payplatform":
        from congso.payments.providers.payplatform.adapter import PayPlatform

        return PayPlatform()
    if method == "gateway":
        from congso.payments.providers.gateway.adapter import Gateway

        return Gateway()
    raise KeyError(method)
