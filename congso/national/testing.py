"""In-process HTTP for tests: httpx clients whose transport is this very Django application.

The adapter and the simulator talk HTTP to each other; in tests both live in the test process, so
:func:`install` swaps :func:`congso.national.transport.http_client` for a client that hands each request
to Django's test handler (the same one ``django.test.Client`` uses, which keeps the test's database
connection open) instead of the network. Everything above the socket — headers, JSON, status codes,
signatures — runs exactly as in production.
"""

from __future__ import annotations

import httpx

from congso.core.testing import wsgi_app
from congso.national import transport


class Outage:
    """Make every in-process request fail as if DVCQG (or the province) were unreachable."""

    def __init__(self):
        self.down = False
        self.hosts: set[str] = set()

    def __call__(self, request: httpx.Request) -> None:
        if self.down:
            raise httpx.ConnectError("simulated outage: connection refused", request=request)


def install(monkeypatch, outage: Outage | None = None) -> Outage:
    """Route every DVCQG/webhook HTTP call of this test through the in-process application."""
    outage = outage or Outage()

    class _Transport(httpx.WSGITransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            outage(request)
            return super().handle_request(request)

    def client(base_url: str, *, timeout: float) -> httpx.Client:
        return httpx.Client(base_url=base_url, timeout=timeout, transport=_Transport(app=wsgi_app))

    monkeypatch.setattr(transport, "http_client", client)
    return outage
